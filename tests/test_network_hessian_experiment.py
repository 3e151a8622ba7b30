"""``python -m cdnotes network-hessian`` and its records (issue 9's experiment).

One small end-to-end run (CD-B8, one seed, at initialisation, raw digits, few SLQ probes)
whose record is checked field by field against a direct computation: the dense Hessian and
Gauss-Newton matrix, their eigenvalues by ``numpy.linalg.eigvalsh``, the null directions,
the diagonal blocks, ``condition_number``. Merging, resuming, usage errors; the non-NumPy
code paths (the ones ``--backend cupy`` takes) on ``array_api_strict``.
"""
import json
import os

import numpy as np
import pytest

from cdnotes.backend import import_namespace, to_numpy
from cdnotes.cli import main
from cdnotes.conditioning import condition_number
from cdnotes.curvature import (network_hessian, null_directions, paper_kappa_readings,
                               set_flat_params, flat_params)
from cdnotes.experiments import network_hessian as nh
from cdnotes.mlp import paper_model
from cdnotes.engine import load_document, merge_documents, strip_timings
from cdnotes.results import read_json, write_json_atomic

RUN = ["network-hessian", "--models", "cd8", "--seeds", "0", "--states", "init", "--inputs",
       "raw", "--slq-probes", "1", "3", "--slq-steps", "30", "--keep-spectra", "--quiet"]


@pytest.fixture(scope="module", autouse=True)
def one_blas_thread():
    from threadpoolctl import threadpool_limits
    with threadpool_limits(limits=1, user_api="blas"):
        yield


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """The tiny run: its output path and document."""
    out = str(tmp_path_factory.mktemp("nh") / "run.json")
    assert main([*RUN, "--out", out]) == 0
    return out, read_json(out)


@pytest.fixture(scope="module")
def direct():
    """The same job computed directly: model, data, H, G and their eigenvalues."""
    X, _, y, _ = nh.digits_inputs("cd8", "raw")
    model = paper_model("cd8", seed=0)
    H = network_hessian(model, X, y)
    G = network_hessian(model, X, y, kind="gauss_newton")
    return {"model": model, "X": X, "y": y, "H": H, "G": G, "ev_h": np.linalg.eigvalsh(H),
            "ev_g": np.linalg.eigvalsh(G)}


def _close(a, b, rtol=1e-6):
    np.testing.assert_allclose(np.asarray(a, dtype=float), np.asarray(b, dtype=float), rtol=rtol)


def test_help_lists_the_options(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["network-hessian", "--help"])
    assert exc.value.code == 0
    text = capsys.readouterr().out
    for option in ("--models", "--seeds", "--states", "--inputs", "--backend", "--merge",
                   "--resume", "--out", "--quiet", "--jobs", "--dask"):
        assert option in text


@pytest.mark.parametrize("argv, word", [
    (["--seeds", "-1"], "--seeds"), (["--seeds", "1", "1"], "--seeds"),
    (["--models", "cd16"], "--models"), (["--states", "done"], "--states"),
    (["--inputs", "pca"], "--inputs"), (["--slq-probes", "4", "2"], "--slq-probes"),
    (["--slq-steps", "0"], "--slq-steps"), (["--whitening", "none"], "--whitening"),
    (["--backend", "torch"], "--backend"), (["--merge", "/nonexistent/a.json"], "--merge"),
    (["--blas-threads", "0"], "--blas-threads"), (["--curve-seeds", "0", "0"], "--curve-seeds"),
    (["--jobs", "0"], "--jobs")])
def test_bad_options_are_usage_errors(argv, word, tmp_path, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["network-hessian", *argv, "--out", str(tmp_path / "r.json")])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert word in err and "Traceback" not in err
    assert not os.path.exists(tmp_path / "r.json")


def test_cupy_refused_where_it_is_not_usable(tmp_path, capsys):
    from cdnotes.backend import available_backends
    if available_backends()["cupy"]["usable"]:
        pytest.skip("CuPy is usable here")
    with pytest.raises(SystemExit) as exc:
        main(["network-hessian", "--backend", "cupy", "--out", str(tmp_path / "r.json")])
    assert exc.value.code == 2 and "cupy" in capsys.readouterr().err


def test_out_directory_is_a_usage_error(tmp_path, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["network-hessian", "--out", str(tmp_path)])
    assert exc.value.code == 2 and "--out" in capsys.readouterr().err


def test_run_writes_a_document_with_provenance(run):
    path, doc = run
    with open(path) as fh:
        json.load(fh)                               # plain JSON
    assert doc["command"] == "network-hessian"
    assert [nh.job_key(r) for r in doc["records"]] == [("cd8", 0, "init", "raw")]
    source = doc["sources"][0]
    assert source["complete"] and source["jobs_planned"] == 1
    assert source["environment"]["backend"] == "numpy" and "numpy" in source["environment"]["versions"]
    assert doc["settings"]["slq_probes"] == [1, 3] and doc["settings"]["slq_steps"] == 30
    assert doc["records"][0]["source"] == 0
    assert "grid" in doc["records"][0]["slq"]       # seed 0 keeps the curves by default
    assert load_document(path, "network-hessian")["records"] == doc["records"]
    # the chapter's loader reads this layout (records with their job) and the committed one
    from cdnotes.experiments import network_hessian_summary as nhs
    assert nhs.load_results(path)["records"] == doc["records"]
    committed = nhs.load_results()
    assert "job" not in committed["records"][0] and set(committed["records"][0]) <= set(
        doc["records"][0]) | {"eigenvalues", "config", "train_loss"}
    assert nhs.select(nhs.load_results(path)["records"], "cd8", "init", "raw") == doc["records"]
    with pytest.raises(ValueError, match="not a network-hessian results file"):
        nhs.load_results({"command": "depth", "records": []})


def test_record_matches_direct_computation(run, direct):
    r = run[1]["records"][0]
    P = direct["model"].n_params
    assert r["n_params"] == P and r["n_samples"] == direct["X"].shape[0] == 1437
    # the record's eigenvalues (--keep-spectra) are those of the directly computed matrices
    ev_h, ev_g = np.array(r["eigenvalues"]["hessian"]), np.array(r["eigenvalues"]["gauss_newton"])
    for ev, exact in ((ev_h, direct["ev_h"]), (ev_g, direct["ev_g"])):
        np.testing.assert_allclose(ev, exact, rtol=0, atol=1e-12 * np.abs(exact).max())
    h, mag = r["hessian"], np.abs(ev_h)
    _close([h["lambda_max"], h["lambda_min"], h["trace"]], [ev_h[-1], ev_h[0], ev_h.sum()])
    _close(h["negative_mass"], mag[ev_h < 0].sum() / mag.sum())
    assert h["n_negative"] == int(np.sum(ev_h < 0))
    for c, kappa, below in zip(nh.CUTOFFS, h["kappa"], h["n_below"]):
        kept = mag[mag > c * mag.max()]
        _close(kappa, mag.max() / kept.min())
        assert below == P - kept.size
    _close(h["percentile_ratio"], [mag.max() / np.percentile(mag, q) for q in nh.PERCENTILES])
    hist = h["log_histogram"]                       # every eigenvalue counted once
    assert sum(hist["positive"]) + sum(hist["negative"]) + hist["zero"] + sum(hist["below"]) + \
        sum(hist["above"]) == P
    assert sum(hist["negative"]) + hist["below"][1] + hist["above"][1] == h["n_negative"]
    _close(h["quantiles"], np.quantile(ev_h, nh.QUANTILES))
    # null directions, and κ on the rest: max|λ| over the (n_null + 1)-th smallest |λ|
    nulls = null_directions(direct["model"], direct["X"])
    assert r["null_directions"]["hessian"] == nulls.hessian
    assert r["null_directions"]["gauss_newton"] == nulls.gauss_newton
    assert r["null_directions"]["by_cause"] == nulls.by_cause
    _close(h["kappa_structural"], mag.max() / np.sort(mag)[nulls.hessian])
    g = r["gauss_newton"]
    _close(g["lambda_max"], ev_g[-1])
    _close(g["range"]["kappa_structural"], ev_g[-1] / np.sort(np.abs(ev_g))[nulls.gauss_newton])
    c = condition_number(ev_g)
    _close(g["range"]["kappa_nonzero"], c.kappa_nonzero)
    assert g["range"]["n_zero"] == c.n_zero
    # every layer's diagonal block
    start = 0
    for layer, block in zip(direct["model"].linear_layers, r["layers"]):
        stop = start + layer.n_params
        ev_b = np.linalg.eigvalsh(direct["H"][start:stop, start:stop])
        _close(block["hessian"]["lambda_max"], ev_b[-1])
        kept = np.abs(ev_b)[np.abs(ev_b) > 1e-6 * np.abs(ev_b).max()]
        _close(block["hessian"]["kappa"][nh.CUTOFFS.index(1e-6)], np.abs(ev_b).max() / kept.min())
        _close(block["gauss_newton"]["lambda_max"],
               np.linalg.eigvalsh(direct["G"][start:stop, start:stop])[-1])
        assert block["n_params"] == layer.n_params
        start = stop
    assert start == P
    readings = paper_kappa_readings(direct["model"], direct["X"])
    _close([r["paper_kappa"][k] for k in ("weights_sv", "theorem1_inputs")],
           [readings["weights_sv"], readings["theorem1_inputs"]])
    s = r["slq"]
    assert s["probes"] == [1, 3] and len(s["wasserstein"]) == 2
    assert all(0 <= w <= 1 for w in s["wasserstein"]) and all(0 <= d <= 2 for d in s["l1_smoothed"])


def test_merge_and_resume(run, tmp_path, capsys):
    path, doc = run
    assert main([*RUN, "--resume", "--out", path]) == 0    # nothing left to do: no computation
    resumed = read_json(path)
    assert len(resumed["records"]) == 1 and len(resumed["sources"]) == 2
    assert resumed["sources"][1]["jobs_planned"] == 0
    # a second "machine": the same record under another seed
    first = doc["records"][0]
    other = dict(doc, records=[dict(first, seed=1, job=dict(first["job"], seed=1))])
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    write_json_atomic(a, doc)
    write_json_atomic(b, other)
    assert main(["network-hessian", "--merge", str(a), str(b), "--out", str(tmp_path / "c.json"),
                 "--quiet"]) == 0
    merged = read_json(tmp_path / "c.json")
    assert [nh.job_key(r) for r in merged["records"]] == [("cd8", 0, "init", "raw"),
                                                          ("cd8", 1, "init", "raw")]
    assert [r["source"] for r in merged["records"]] == [0, 1] and len(merged["sources"]) == 2
    with pytest.raises(ValueError, match="in document 0 and in document 1"):
        merge_documents([doc, doc], "network-hessian")
    changed = dict(other, settings=dict(doc["settings"], slq_steps=31))
    with pytest.raises(ValueError, match="slq_steps"):
        merge_documents([doc, changed], "network-hessian")
    with pytest.raises(SystemExit) as exc:
        main(["network-hessian", "--merge", str(a), str(a), "--out", str(tmp_path / "d.json")])
    assert exc.value.code == 2 and "--merge" in capsys.readouterr().err
    write_json_atomic(tmp_path / "e.json", {"records": []})
    with pytest.raises(SystemExit):
        main(["network-hessian", "--merge", str(tmp_path / "e.json"), "--out",
              str(tmp_path / "f.json")])
    assert "not a network-hessian results file" in capsys.readouterr().err


@pytest.mark.parametrize("damage", ["truncated", "list", "no jobs", "empty"])
@pytest.mark.parametrize("option", ["--merge", "--resume"])
def test_damaged_results_file_is_a_usage_error_naming_it(run, tmp_path, capsys, damage, option):
    path, doc = run
    bad = tmp_path / "bad.json"
    text = open(path).read()
    bad.write_text({"truncated": text[:len(text) // 2], "list": "[1, 2]", "empty": "",
                    "no jobs": json.dumps(dict(json.loads(text), records=[
                        {k: v for k, v in r.items() if k != "job"}
                        for r in json.loads(text)["records"]]))}[damage])
    argv = (["network-hessian", "--merge", str(bad), "--out", str(tmp_path / "m.json")]
            if option == "--merge" else [*RUN, "--resume", "--out", str(bad)])
    with pytest.raises(SystemExit) as exc:
        main(argv)
    err = capsys.readouterr().err
    assert exc.value.code == 2 and option in err and str(bad) in err, err


def test_jobs_1_and_2_give_the_same_records(run, tmp_path):
    """The smallest grid on two local processes: the same records, timings aside."""
    path, doc = run
    argv = [*RUN[:2], "cd8", "--seeds", "0", "1", *RUN[5:]]
    one, two = tmp_path / "one.json", tmp_path / "two.json"
    assert main([*argv, "--out", str(one)]) == 0
    assert main([*argv, "--jobs", "2", "--out", str(two)]) == 0
    a, b = read_json(one), read_json(two)
    assert len(a["records"]) == 2 and a["records"][0]["job"] == doc["records"][0]["job"]
    assert strip_timings(a["records"]) == strip_timings(b["records"])
    assert strip_timings(a["records"][:1]) == strip_timings(doc["records"])


def test_resume_refuses_other_settings(run, tmp_path, capsys):
    path, doc = run
    copy = tmp_path / "r.json"
    write_json_atomic(copy, doc)
    with pytest.raises(SystemExit) as exc:
        main([*RUN[:-5], "--slq-steps", "31", "--resume", "--out", str(copy)])
    assert exc.value.code == 2 and "other settings" in capsys.readouterr().err


def test_backend_code_paths_on_array_api_strict(direct):
    """What ``--backend cupy`` runs, on array_api_strict: the model and data moved, the
    Hessian from products there, eigenvalues and SLQ products by the backend's ``linalg``."""
    model, X, y = paper_model("cd8", seed=0), direct["X"][:60], direct["y"][:60]
    theta = flat_params(model)
    set_flat_params(model, theta + 0.05 * np.random.default_rng(0).standard_normal(theta.shape))
    dev_model, dev_X, dev_y, xp = nh._on_backend(model, X, y, "array_api_strict")
    assert xp is import_namespace("array_api_strict")
    assert type(dev_model.linear_layers[0].params["b"]).__module__.startswith("array_api_strict")
    assert type(model.linear_layers[0].params["b"]) is np.ndarray      # the host model untouched
    H_dev = network_hessian(dev_model, dev_X, dev_y)
    H = network_hessian(model, X, y)
    np.testing.assert_allclose(H_dev, H, rtol=0, atol=1e-12 * np.abs(H).max())
    ev, H_on = nh._eigenvalues(H, xp, 1)
    np.testing.assert_allclose(ev, np.linalg.eigvalsh(H), rtol=0, atol=1e-12 * np.abs(H).max())
    v = np.random.default_rng(1).standard_normal(H.shape[0])
    np.testing.assert_allclose(nh._matvec(H, H_on, xp)(v), H @ v, rtol=1e-12)
    host = nh._eigenvalues(H, None, 1)
    assert host[1] is None and np.allclose(host[0], ev, atol=1e-12 * np.abs(H).max())


def test_log_histogram_counts():
    ev = np.array([-1e-30, -2.0, -0.5, 0.0, 0.0, 1e-3, 1e-3, 3.0, 1e7])
    hist = nh.log_histogram(ev, edges=[-4.0, -2.0, 0.0, 2.0])
    assert hist["positive"] == [2, 0, 1] and hist["negative"] == [0, 1, 1]
    assert hist["zero"] == 2 and hist["below"] == [0, 1] and hist["above"] == [1, 0]


def test_spectrum_summary_and_slq_on_a_known_spectrum():
    ev = np.array([-1.0, 0.0, 0.0, 1e-3, 0.5, 2.0, 4.0])
    s = nh.spectrum_summary(ev, n_null=2)
    assert s["kappa_structural"] == 4.0 / 1e-3
    assert s["lambda_min"] == -1.0 and s["n_negative"] == 1
    _close(s["negative_mass"], 1.0 / 7.501)
    assert s["log_histogram"]["zero"] == 2 and s["quantiles"][0] == -1.0
    # a diagonal matrix: Lanczos of >= P steps reproduces its eigenvalues, so the extremes
    # are exact; the distance is the Wasserstein-1 distance of the weighted nodes
    D = np.diag(np.linspace(-1.0, 3.0, 12))
    out = nh.slq_comparison(lambda v: D @ v, np.diag(D), probes=[1, 4], n_steps=12, seed=3,
                            curves=True)
    assert max(map(abs, out["lambda_max_error"] + out["lambda_min_error"])) < 1e-12
    assert out["wasserstein"][1] < out["wasserstein"][0] + 0.05
    assert len(out["slq"]) == 2 and len(out["grid"]) == len(out["exact"])
    with pytest.raises(ValueError, match="increasing"):
        nh.slq_comparison(lambda v: D @ v, np.diag(D), probes=[4, 1])


def test_whitened_inputs_are_fitted_on_the_training_digits():
    Xr, _, _, _ = nh.digits_inputs("cd4", "raw")
    Xw, _, _, _ = nh.digits_inputs("cd4", "whitened")
    assert Xw.shape == Xr.shape and np.allclose(Xw.mean(axis=0), 0, atol=1e-10)
    # dense: spectral-block whitening with B = 1 is ZCA whitening
    from cdnotes.whitening import make_whitener
    Xd, _, _, _ = nh.digits_inputs("dense", "whitened")
    np.testing.assert_allclose(Xd, make_whitener("zca").fit(Xr).transform(Xr), atol=1e-8)


@pytest.mark.parametrize("kwargs, word", [
    ({"model_name": "cd16"}, "model"), ({"state": "done"}, "state"),
    ({"inputs": "pca"}, "inputs"), ({"backend": "torch"}, "backend"),
    ({"seed": -1}, "seed"), ({"config": "paper"}, "config"),
    ({"whitening": "none", "inputs": "whitened"}, "whitening")])
def test_record_bad_arguments(kwargs, word):
    args = {"model_name": "cd8", "seed": 0, "state": "init", "inputs": "raw"}
    args.update(kwargs)
    with pytest.raises((TypeError, ValueError), match=word):
        nh.network_hessian_record(**args)


# ----------------------------------------------------------------------------
# Reading the results (the chapter's summaries).
# ----------------------------------------------------------------------------

def _fake(run, model, seed, kappa, neg):
    """The run's record as another (model, seed), with chosen κ(G) and negative mass."""
    import copy
    r = copy.deepcopy(run[1]["records"][0])
    r.update(model=model, seed=seed)
    r["gauss_newton"]["range"]["kappa_nonzero"] = kappa
    r["hessian"]["negative_mass"] = neg
    return r


def test_summary_estimates_and_paired_verdicts(run):
    from cdnotes.experiments import network_hessian_summary as nhs
    from cdnotes.stats import mean_ci, paired_difference_ci
    dense = [_fake(run, "dense", s, k, n) for s, k, n in [(0, 1e8, 0.4), (1, 3e8, 0.5),
                                                          (2, 2e8, 0.45), (5, 1e9, 0.3)]]
    cd8 = [_fake(run, "cd8", s, k, n) for s, k, n in [(0, 1e6, 0.41), (1, 2e6, 0.52),
                                                      (2, 5e6, 0.44), (3, 1e6, 0.1)]]
    records = dense + cd8
    assert nhs.seeds_of(records, "cd8", "init", "raw") == [0, 1, 2, 3]
    e = nhs.estimate(records, "kappa_gn_range", "dense", "init", "raw")
    ref = mean_ci(np.log10([1e8, 3e8, 2e8, 1e9]))
    assert (e.mean, e.low, e.high, e.n) == (ref.mean, ref.low, ref.high, 4)
    e = nhs.estimate(records, "negative_mass", "cd8", "init", "raw")   # not a log metric
    assert np.isclose(e.mean, np.mean([0.41, 0.52, 0.44, 0.1]))
    # paired over the common seeds 0, 1, 2 only
    d = nhs.paired(records, "kappa_gn_range", "cd8", "dense", "init", "raw")
    ref = paired_difference_ci(np.log10([1e6, 2e6, 5e6]), np.log10([1e8, 3e8, 2e8]))
    assert d.n == 3 and np.isclose(d.mean, ref.mean) and np.isclose(d.low, ref.low)
    assert nhs.verdict(d) == "lower"
    assert nhs.verdict(nhs.paired(records, "kappa_gn_range", "dense", "cd8", "init",
                                  "raw")) == "higher"
    assert nhs.verdict(nhs.paired(records, "negative_mass", "cd8", "dense", "init",
                                  "raw")) == "unresolved"
    assert nhs.paired(records, "kappa_gn_range", "cd8", "dense", "trained", "raw") is None
    assert nhs.verdict(None) is None
    assert nhs.estimate(records[:1], "lambda_max", "dense", "init", "raw") is None
    assert nhs.format_estimate(None, True) == "n < 2"
    text = nhs.format_estimate(nhs.estimate(records, "kappa_gn_range", "dense", "init", "raw"),
                               True)
    ref = mean_ci(np.log10([1e8, 3e8, 2e8, 1e9]))
    assert text == f"{10 ** ref.mean:.2g} [{10 ** ref.low:.2g}, {10 ** ref.high:.2g}]"
    with pytest.raises(ValueError, match="unknown metric"):
        nhs.metric("kappa")
    # rounding level: κ·P·ε·margin >= 1
    P, eps = records[0]["n_params"], np.finfo(float).eps
    top = _fake(run, "cd8", 9, 1.0 / (P * eps * nhs.ROUNDING_MARGIN), 0.1)
    low = _fake(run, "cd8", 10, 0.5 / (P * eps * nhs.ROUNDING_MARGIN), 0.1)
    assert nhs.near_rounding([top, low], "kappa_gn_range", "cd8", "init", "raw") == 1
    with pytest.raises(ValueError, match="log-scale"):
        nhs.near_rounding(records, "negative_mass", "cd8", "init", "raw")


def test_summary_density_and_probes(run):
    from cdnotes.experiments import network_hessian_summary as nhs
    r = run[1]["records"][0]
    centres, density, n = nhs.mean_log_density([r], "cd8", "init", "raw", "hessian", "positive")
    width = np.diff(nh.LOG10_EDGES)
    inside = sum(r["hessian"]["log_histogram"]["positive"])
    assert n == 1 and np.isclose(np.sum(density * width), inside / r["n_params"])
    assert nhs.mean_log_density([r], "dense", "init", "raw")[2] == 0
    l1 = r["slq"]["l1_smoothed"]
    assert nhs.probes_needed(r, max(l1)) == 1
    assert nhs.probes_needed(r, min(l1) / 2) is None


def test_near_null_directions_against_eigh():
    """Every eigenvalue above the exact null directions (cutoff 0.99) is reported with the
    parameter carrying most of its eigenvector and the activity of what it touches."""
    from cdnotes.curvature import layer_inputs
    from cdnotes.mlp import make_mlp
    rng = np.random.default_rng(3)
    X, y = rng.standard_normal((40, 8)), rng.integers(0, 3, 40)
    model = make_mlp((8, 8, 4), 2, n_classes=3, seed=1)
    out = nh.near_null_directions(model, X, y, cutoff=0.99)
    H = network_hessian(model, X, y)
    w, V = np.linalg.eigh(H)
    mag = np.sort(np.abs(w))
    assert out["n_exact"] == null_directions(model, X).hessian
    kept = mag[out["n_exact"]:]
    assert out["n_near"] == int(np.sum(kept <= 0.99 * mag[-1]))
    np.testing.assert_allclose([d["relative_eigenvalue"] for d in out["directions"]],
                               kept[:out["n_near"]] / mag[-1], rtol=1e-8)
    hidden = np.asarray(layer_inputs(model, X)[2][1]) != 0   # the ReLU's output (input of 2nd)
    seen = set()
    for d in out["directions"]:
        assert 1 / model.n_params <= d["share"] <= 1 + 1e-12
        seen.add(d["param"])
        if d["param"] == "b" and d["layer"] == 0:
            unit = d["index"] - model.linear_layers[0].n_params + model.linear_layers[0].n_out
            assert d["active"] == int(hidden[:, unit].sum())
        if d["active"]:
            assert 0 < d["confidence"] <= 1
    assert seen == {"C", "b"}
    with pytest.raises(ValueError, match="cutoff"):
        nh.near_null_directions(model, X, y, cutoff=2.0)
