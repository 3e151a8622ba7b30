"""Reading the ``network-hessian`` results: metrics by name, estimates over seeds, paired gaps.

The chapter calls these on the records of the results file (dicts, as
:func:`~cdnotes.experiments.network_hessian.network_hessian_record` writes them); every count
of seeds comes from the file, so adding seeds (or a model run elsewhere) just works. The
names live in :mod:`~cdnotes.experiments.network_hessian_metrics` (the file, metrics,
estimates, ceilings), :mod:`~cdnotes.experiments.network_hessian_verdicts` (comparisons and
their words) and :mod:`~cdnotes.experiments.network_hessian_text` (sentences), re-exported
here.

* :func:`load_results` — the committed results file (:mod:`cdnotes.measurements`);
* :data:`METRICS` — named readings of one record (``κ`` under each definition, λ_max, …),
  each flagged as read on a log scale or not;
* :func:`values` — one metric per seed for a (model, state, inputs);
* :func:`estimate` — mean with a 95% t interval over seeds (of ``log10`` for log metrics);
* :func:`paired` — ``a − b`` paired by seed (``log10 a − log10 b`` for log metrics);
* :func:`near_rounding` — how many runs have a κ no larger than double precision allows;
* :func:`runs_at_ceiling` (with :func:`cdnotes.ceiling.at_ceiling`) — whether a κ sits at
  the ceiling its cutoff
  sets (within :data:`CEILING_FACTOR` of ``1/c``, or within :data:`ROUNDING_MARGIN` of the
  rounding level), where it measures the cutoff more than the spectrum;
* :func:`rank_value_bounds` / :func:`rank_ratio_bounds` — ``max|λ|`` over the ``k``-th
  largest ``|λ|``, read from the stored histogram (bounds: its quarter-decade bin), so that
  spectra of matrices of different sizes are compared at the same count
  (:data:`EQUAL_COUNT_RANKS`);
* :func:`compare` — a :class:`Comparison` of two (model, state, inputs) paired by seed, on a
  stated scale (``log``: the ratio; ``linear``: the difference), knowing its ceiling;
  :func:`format_comparison` prints it on that scale;
* :func:`verdict` — the word a paired interval supports: ``"lower"``, ``"higher"``,
  ``"unresolved"`` or ``"at the ceiling"`` (``None`` with fewer than two common seeds);
* :func:`verdict_counts` / :func:`conditioning_answer` — the verdicts counted, and the
  summary's answer in words;
* :func:`ordering_verdict` — whether a claimed order (dense > CD-B4 > CD-B8) holds, paired
  by seed for each neighbouring pair;
* :func:`paper_reading` — the paper's κ reading over seeds, summarised by
  :func:`cdnotes.experiments.digits.reading_summary` (the function chapter 5 uses);
* :func:`mean_log_density` — the ``log10|λ|`` density averaged over seeds, on the fixed grid;
* :func:`probes_needed` — the fewest SLQ probes whose smoothed density is within a distance.
"""
from ..stats import Estimate
from .network_hessian_metrics import (BINNED, CEILING_FACTOR, CEILINGS, EQUAL_COUNT_RANKS,
                                      METRICS, RESULTS_NAME, ROUNDING_MARGIN, ceiling_of,
                                      estimate, load_results, metric, near_rounding, paired,
                                      rank_ratio_bounds, rank_value_bounds, runs_at_ceiling,
                                      select, seeds_of, values)
from .network_hessian_spectra import CUTOFFS, LOG10_EDGES, PERCENTILES
from .network_hessian_text import probe_words, probes_sentence, settings_sentence
from .network_hessian_verdicts import (PAPER_READING, VERDICTS, Comparison, compare,
                                       conditioning_answer, format_comparison, format_estimate,
                                       mean_log_density, ordering, ordering_verdict,
                                       paper_reading, probes_needed, verdict, verdict_counts)

__all__ = ["RESULTS_NAME", "load_results", "METRICS", "metric", "select", "seeds_of",
           "values", "estimate", "paired", "verdict", "format_estimate", "mean_log_density",
           "probes_needed", "ROUNDING_MARGIN", "CEILING_FACTOR", "CEILINGS", "ceiling_of",
           "runs_at_ceiling", "EQUAL_COUNT_RANKS", "BINNED", "rank_value_bounds",
           "rank_ratio_bounds", "Comparison", "compare", "format_comparison", "VERDICTS",
           "verdict_counts", "conditioning_answer", "PAPER_READING", "paper_reading",
           "ordering", "ordering_verdict", "settings_sentence", "probe_words",
           "probes_sentence", "near_rounding", "CUTOFFS", "LOG10_EDGES", "PERCENTILES",
           "Estimate"]
