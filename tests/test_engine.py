"""The sweep runner: the same records however the jobs are spread, and no job lost to a kill."""
from __future__ import annotations

import json
import os

import pytest

from cdnotes.engine import (Sweep, SweepDocumentError, load_document, merge_documents,
                            run_sweep, strip_timings)
from cdnotes.engine.document import journal_path, read_journal


def _table1_args(out, *extra):
    from cdnotes.cli import build_parser

    return build_parser().parse_args(["table1", "--epochs", "1", "--no-curvature", "--quiet",
                                      "--seeds", "0", "1", "--models", "cd4", "dense",
                                      "--out", str(out), *extra])


def _identical(a, b):
    return json.dumps(strip_timings(a["records"]), sort_keys=True) == json.dumps(
        strip_timings(b["records"]), sort_keys=True)


def test_jobs_1_jobs_2_and_a_local_cluster_give_identical_records(tmp_path):
    distributed = pytest.importorskip("distributed")
    from cdnotes.cli.table1 import sweep

    args = _table1_args(tmp_path / "one.json")
    one = run_sweep(sweep(args), tmp_path / "one.json", n_jobs=1)
    two = run_sweep(sweep(args), tmp_path / "two.json", n_jobs=2)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster:
        dask = run_sweep(sweep(args), tmp_path / "dask.json", dask=cluster.scheduler_address)
    assert [r["job"] for r in one["records"]] == [r["job"] for r in two["records"]] == [
        {"model": "cd4", "seed": 0}, {"model": "cd4", "seed": 1},
        {"model": "dense", "seed": 0}, {"model": "dense", "seed": 1}]
    assert _identical(one, two) and _identical(one, dask)
    assert [s["n_jobs"] for s in two["sources"]] == [2]
    assert dask["sources"][0]["dask"] == cluster.scheduler_address
    # what was compared is what training produced: four different runs, not one repeated
    losses = {json.dumps(r["train_loss"]) for r in one["records"]}
    assert len(losses) == 4


def _square_skip3(job, settings):
    return {"value": job["x"] ** settings["power"]}


def test_a_killed_sweep_resumes_without_losing_or_repeating_a_job(tmp_path):
    out = tmp_path / "r.json"
    jobs = [{"x": x} for x in range(6)]
    calls, kill = [], [3]

    def counted(job, settings):
        if job["x"] in kill:
            raise RuntimeError("killed")
        calls.append(job["x"])
        return _square_skip3(job, settings)

    with pytest.raises(RuntimeError, match="killed"):
        run_sweep(Sweep("demo", {"power": 2}, jobs, counted), out, checkpoint_seconds=1e9)
    header, records = read_journal(journal_path(out))
    assert header == {"command": "demo", "settings": {"power": 2}}
    assert [r["job"]["x"] for r in records] == [0, 1, 2]
    # the kill lands mid-write of the journal's next line: a torn tail is ignored
    with open(journal_path(out), "a") as f:
        f.write('{"job": {"x": 3}, "val')
    os.remove(out)                                  # and no checkpoint of the document survived
    calls.clear()
    kill.clear()
    with pytest.raises(SweepDocumentError, match="other settings"):
        run_sweep(Sweep("demo", {"power": 3}, jobs, counted), out, resume=True)
    doc = run_sweep(Sweep("demo", {"power": 2}, jobs, counted), out, resume=True)
    assert calls == [3, 4, 5]
    assert [r["job"]["x"] for r in doc["records"]] == list(range(6))
    assert [r["value"] for r in doc["records"]] == [x * x for x in range(6)]
    assert [r["source"] for r in doc["records"]] == [0, 0, 0, 1, 1, 1]
    assert not os.path.exists(journal_path(out))
    assert load_document(out, "demo")["records"] == json.loads(out.read_text())["records"]
    # resuming a complete run runs nothing; without --resume the file is replaced
    calls.clear()
    assert len(run_sweep(Sweep("demo", {"power": 2}, jobs, counted), out,
                         resume=True)["records"]) == 6 and calls == []
    assert len(run_sweep(Sweep("demo", {"power": 2}, jobs[:2], counted), out)["records"]) == 2


def test_merging_split_runs_refuses_other_settings_and_repeated_jobs(tmp_path):
    a = run_sweep(Sweep("demo", {"power": 2}, [{"x": 0}, {"x": 1}], _square_skip3),
                  tmp_path / "a.json")
    b = run_sweep(Sweep("demo", {"power": 2}, [{"x": 2}], _square_skip3), tmp_path / "b.json")
    merged = merge_documents([a, b], "demo")
    assert [r["source"] for r in merged["records"]] == [0, 0, 1]
    with pytest.raises(SweepDocumentError, match="in document 0 and in document 1"):
        merge_documents([a, a], "demo")
    c = run_sweep(Sweep("demo", {"power": 3}, [{"x": 5}], _square_skip3), tmp_path / "c.json")
    with pytest.raises(SweepDocumentError, match="other settings"):
        merge_documents([a, c], "demo")


@pytest.mark.parametrize("text,match", [("", "cannot be read"), ("[]", "not a demo results"),
                                        ('{"command": "demo", "settings": {}, "sources": [],'
                                         ' "records": [1]}', "'job' object")])
def test_a_damaged_results_file_is_named(tmp_path, text, match):
    path = tmp_path / "bad.json"
    path.write_text(text)
    with pytest.raises(SweepDocumentError, match=match) as info:
        load_document(path, "demo")
    assert "bad.json" in str(info.value)


def test_bad_sweeps_are_refused_before_any_job_runs(tmp_path):
    with pytest.raises(ValueError, match="planned twice"):
        Sweep("demo", {}, [{"x": 1}, {"x": 1}], _square_skip3)
    with pytest.raises(ValueError, match="n_jobs must be an integer >= 1"):
        run_sweep(Sweep("demo", {"power": 1}, [{"x": 1}], _square_skip3), tmp_path / "r.json",
                  n_jobs=0)
    with pytest.raises(TypeError, match="module-level function"):
        run_sweep(Sweep("demo", {"power": 1}, [{"x": 1}], lambda j, s: {}), tmp_path / "r.json",
                  n_jobs=2)
    with pytest.raises(ValueError, match="keys"):
        run_sweep(Sweep("demo", {}, [{"x": 1}], lambda j, s: {"job": 1}), tmp_path / "r.json")


def _journal(tmp_path, *lines):
    out = tmp_path / "r.json"
    header = {"journal_of": {"command": "demo", "settings": {"power": 2}}}
    with open(str(out) + ".journal.jsonl", "w") as f:
        for line in (header, *lines):
            f.write((line if isinstance(line, str) else json.dumps(line)) + "\n")
    return out


@pytest.mark.parametrize("line,match", [
    ({"job": {"x": 0}, "source": "x", "value": 0}, "source 'x'"),
    ({"job": {"x": 0}, "source": -3, "value": 0}, "source -3"),
    ([1, 2], "not a JSON object"),
    ({"value": 0}, "'job' object")])
def test_a_damaged_journal_is_refused_naming_it(tmp_path, line, match):
    out = _journal(tmp_path, line, {"job": {"x": 1}, "value": 1})
    with pytest.raises(SweepDocumentError, match=match) as info:
        run_sweep(Sweep("demo", {"power": 2}, [{"x": 0}], _square_skip3), out, resume=True)
    assert "journal" in str(info.value)


def test_a_journal_that_is_a_directory_is_named(tmp_path):
    out = tmp_path / "r.json"
    os.mkdir(str(out) + ".journal.jsonl")
    with pytest.raises(SweepDocumentError, match="is not a file"):
        run_sweep(Sweep("demo", {}, [{"x": 0}], _square_skip3), out, resume=True)


@pytest.mark.parametrize("kwargs,error,match", [
    ({"dask": "nonsense"}, ValueError, "SCHEME://HOST:PORT"),
    ({"dask": "tcp://x"}, ValueError, "SCHEME://HOST:PORT"),
    ({"dask": "inproc://x"}, ValueError, "tcp, tls"),
    ({"dask": "tcp://host:99999"}, ValueError, "SCHEME://HOST:PORT"),
    ({"argv": "abc"}, TypeError, "argv must be a list of str"),
    ({"resume": "no"}, TypeError, "resume"),
    ({"checkpoint_seconds": "x"}, TypeError, "checkpoint_seconds"),
    ({"checkpoint_seconds": 0}, ValueError, "checkpoint_seconds")])
def test_bad_run_sweep_arguments_are_refused_before_any_job(tmp_path, kwargs, error, match):
    ran = []

    def job(j, s):
        ran.append(j)
        return {}

    with pytest.raises(error, match=match):
        run_sweep(Sweep("demo", {}, [{"x": 0}], job), tmp_path / "r.json", **kwargs)
    assert ran == [] and os.listdir(tmp_path) == []


@pytest.mark.parametrize("out", [None, 123])
def test_an_output_that_is_no_path_is_named(out):
    with pytest.raises(TypeError, match="out"):
        run_sweep(Sweep("demo", {}, [{"x": 0}], _square_skip3), out)


def test_an_output_directory_is_refused_before_any_job(tmp_path):
    with pytest.raises((IsADirectoryError, OSError, ValueError), match="directory"):
        run_sweep(Sweep("demo", {}, [{"x": 0}], _square_skip3), tmp_path)
    assert os.listdir(tmp_path) == []
    assert not os.path.exists(str(tmp_path) + ".journal.jsonl")


def test_jobs_must_be_a_list():
    with pytest.raises(TypeError, match="jobs must be a list"):
        Sweep("demo", {}, None, _square_skip3)


@pytest.mark.parametrize("address", ["", "nonsense", "tcp://x", "tcp://h:0"])
def test_the_cli_refuses_a_bad_dask_address_as_a_usage_error(tmp_path, capsys, address):
    from cdnotes.cli import main

    with pytest.raises(SystemExit) as exit_:
        main(["table1", "--dask", address, "--out", str(tmp_path / "r.json")])
    err = capsys.readouterr().err
    assert exit_.value.code == 2 and "argument --dask" in err and "Traceback" not in err
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("address", ["tcp://10.0.0.5:8786", "tls://sched.example.org:8786",
                                     "tcp://[::1]:8786"])
def test_good_dask_addresses_pass_the_check(address):
    from cdnotes.engine import check_dask_address

    assert check_dask_address(address) == address


def test_records_of_one_lost_run_share_one_placeholder_source(tmp_path):
    # A journal left by a run numbered 2 whose document was never written: its three records
    # belong to one run, so they get one placeholder source, not one each.
    out = _journal(tmp_path, *({"job": {"x": x}, "source": 2, "value": x * x} for x in range(3)))
    doc = run_sweep(Sweep("demo", {"power": 2}, [{"x": x} for x in range(4)], _square_skip3),
                    out, resume=True)
    assert [r["source"] for r in doc["records"]] == [0, 0, 0, 1]
    assert doc["sources"][0] == {"argv": None, "complete": False}
    assert doc["sources"][1]["complete"] is True and len(doc["sources"]) == 2
