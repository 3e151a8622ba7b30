"""The sweep runner: every long experiment as independent, seeded jobs.

A :class:`Sweep` is a command's settings (shared by every job), its jobs (small JSON-able
dicts, each carrying its own seeds) and one top-level function ``run_job(job, settings) ->
record``. :func:`run_sweep` runs the jobs one after another, on ``n_jobs`` local processes
(joblib's loky backend) or on a running ``dask.distributed`` scheduler (joblib's Dask
backend), appends each record to a journal as soon as its job finishes, and writes one
results document atomically. Because every job carries its seeds, the records are the same
whatever the spreading; a killed run resumes without losing a finished job.
"""
from .document import (SweepDocumentError, job_key, load_document, merge_documents,
                       strip_timings)
from .sweep import DASK_SCHEMES, Sweep, check_dask_address, run_sweep

__all__ = ["Sweep", "run_sweep", "check_dask_address", "DASK_SCHEMES", "load_document", "merge_documents", "job_key",
           "strip_timings", "SweepDocumentError"]
