"""cdnotes.report.spectral_*: chapter 9's tables, verdicts and sentences, against numbers
recomputed here the slow way from the committed runs, or against small constructed runs
where the verdict flips."""
from __future__ import annotations

import doctest

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")

from cdnotes.experiments.report import count_words  # noqa: E402
from cdnotes.measurements import load_measurement  # noqa: E402
from cdnotes.report import glued, spectral_plots, spectral_probes, spectral_training  # noqa
from cdnotes.report.glued import Sentence  # noqa: E402
from cdnotes.report.spectral_probes import (compact_form, convex_words, init_probe,  # noqa
                                            overfit_table, weight_distances)
from cdnotes.report.spectral_training import (by_seed, order_words, sweep_facts,  # noqa
                                              table1, variant_verdicts, verdict_rows)
from cdnotes.report.spectral_variants import (bias_changes, from_one_probe,  # noqa: E402
                                              input_eigenvalue_changes, paper_counts)
from cdnotes.stats import paired_difference_ci, welch_difference_ci  # noqa: E402

REGIMES = ("constrained", "eigenvalues", "unconstrained", "eigenvalues+eigenvectors")
ARCHS = {"perceptron": [], "wide": [30], "deep": [30, 30], "nonlinear": [30, 120]}


@pytest.fixture(scope="module")
def data():
    return load_measurement("spectral_training")


@pytest.fixture(scope="module")
def fixed(data):
    return [r for r in data["records"] if r["input_eigenvalues"] == "fixed"]


def _acc(recs, **where):
    """{seed: test accuracy} of the runs matching ``where`` (hidden compared as a list)."""
    return {r["seed"]: r["test_accuracy"] for r in recs
            if all(list(r[k]) == list(v) if k == "hidden" else r[k] == v
                   for k, v in where.items())}


def _runs(lead: float, seeds=range(5)):
    """Tiny runs: every regime and architecture on both data sets; Λ only is ``lead`` points
    above the constrained model (seed noise of ±1)."""
    base = {"constrained": 80.0, "eigenvalues": 80.0 + lead, "unconstrained": 90.0,
            "eigenvalues+eigenvectors": 85.0}
    out = []
    for ds in ("digits", "mnist1d"):
        for arch, hidden in ARCHS.items():
            for regime in REGIMES:
                for s in seeds:
                    out.append({"dataset": ds, "architecture": arch, "hidden": hidden,
                                "regime": regime, "bias": False, "seed": s,
                                "test_accuracy": base[regime] + (-1) ** s * (1 + 0.1 * s)})
    return out


def test_doctests_hold():
    for module in (glued, spectral_training):
        assert doctest.testmod(module).failed == 0


def test_md_is_a_string_the_chapter_can_tell_apart():
    assert isinstance(Sentence("x"), str) and Sentence("x") == "x" and not isinstance("x", Sentence)


def test_sweep_facts_are_the_committed_files(data, fixed):
    g = sweep_facts(data, fixed)
    assert g["ch9_n_runs"] == f"{len(data['records']):,}"
    assert g["ch9_max_eigen"] == max(r["n_trained"] for r in fixed
                                     if r["regime"] == "eigenvalues" and not r["bias"])
    worst = max(r["retraction_logit_error"] / max(1.0, r["retraction_logit_scale"])
                for r in data["records"])
    assert g["ch9_worst_retraction"] == worst


def test_table1_cell_is_the_best_widths_mean(fixed):
    rows = table1(fixed, "digits")
    widths = {tuple(r["hidden"]) for r in fixed if r["architecture"] == "wide"}
    best = max((np.array(list(_acc(fixed, dataset="digits", regime="eigenvalues",
                                   architecture="wide", hidden=list(h), bias=False).values()))
                for h in widths), key=np.mean)
    assert rows[1][0] == "Λ only"
    assert rows[1][2] == f"{best.mean():.1f} ± {best.std(ddof=1):.1f}"


def test_verdict_counts_are_paired_by_seed(fixed):
    result, g = variant_verdicts(fixed, "")
    for ds in ("digits", "mnist1d"):
        up = down = n = 0
        for key in {(r["architecture"], tuple(r["hidden"])) for r in fixed
                    if r["dataset"] == ds}:
            where = dict(dataset=ds, architecture=key[0], hidden=list(key[1]), bias=False)
            a, b = _acc(fixed, regime="eigenvalues", **where), _acc(
                fixed, regime="constrained", **where)
            s = sorted(set(a) & set(b))
            e = paired_difference_ci([a[i] for i in s], [b[i] for i in s])
            up, down, n = up + (e.low > 0), down + (e.high < 0), n + 1
        assert result["lc", ds] == (up, down, n)
        assert g[f"ch9_lc_{ds}_up"] == count_words(up, n)
        assert isinstance(g[f"ch9_order_{ds}"], Sentence)
    rows = verdict_rows(result, result)
    assert rows[1][2] == (f"{up} above, {down} below, {n - up - down} tied (of {n})")


@pytest.mark.parametrize("lead, word, side", [(10.0, "as", "above"), (-10.0, "not", "below")])
def test_consistently_and_column_order_flip_with_the_runs(lead, word, side):
    result, g = variant_verdicts(_runs(lead), "t")
    assert g["ch9_tconsistently"] == word
    for ds in ("digits", "mnist1d"):
        assert result["order", ds][side] == ["perceptron", "wide", "deep", "non-linear"]
        assert result["lc", ds] == ((4, 0, 4) if lead > 0 else (0, 4, 4))
    # Λ and Φ is 5 points below unconstrained in every column
    assert g["ch9_tpu_gap_digits"].startswith("5.0 points below the unconstrained one")


def test_order_words_name_every_side():
    assert order_words({"above": [], "tie": ["wide"], "below": ["deep", "non-linear"]}) == (
        "significantly above in none of the columns; tied (the interval contains zero) in "
        "the wide column; significantly below in the deep and non-linear columns")
    assert order_words({"above": ["wide"], "tie": [], "below": []}) == (
        "significantly above in the wide column")


def test_paper_counts_match_the_closed_forms():
    rows, g = paper_counts()
    # fixed input eigenvalues: every layer's outputs (+ the perceptron's inputs)
    assert [r[2] for r in rows[:2]] == ["794", "1,010"] and rows[1][3] == f"{784 + 2010:,}"
    assert [r[4] for r in rows] == ["fixed and trained"] + ["fixed"] * 4
    assert g["ch9_paper_variant"] == "fixed" and g["ch9_counts_fixed"] == "4 of the five"
    rows, g = paper_counts(784, 10, 500)     # 510 / 7,840 = 7 %: the 13 % no longer matches
    assert rows[2][4] == "neither" and g["ch9_counts_fixed"] == "3 of the five"


def test_input_eigenvalue_change_is_paired_by_seed(data):
    by_variant = {v: [r for r in data["records"] if r["input_eigenvalues"] == v]
                  for v in ("fixed", "trained")}
    rows, changes, g = input_eigenvalue_changes(by_variant)
    where = dict(dataset="digits", architecture="wide", hidden=[100], bias=False,
                 regime="eigenvalues")
    f, t = _acc(by_variant["fixed"], **where), _acc(by_variant["trained"], **where)
    e = paired_difference_ci([t[s] for s in sorted(f)], [f[s] for s in sorted(f)])
    assert g["ch9_tr_digits100"] == (f"{e.mean:+.1f} points (95 % interval {e.low:+.1f} to "
                                     f"{e.high:+.1f})")
    assert all(r[0] != "perceptron" for r in rows) and len(rows) == len(changes)
    one_rows, g1 = from_one_probe(data["probes"]["from_one"], by_variant)
    assert len(one_rows) == len({(r["dataset"], r["architecture"], tuple(r["hidden"]),
                                  r["regime"]) for r in data["probes"]["from_one"]
                                 if not r["bias"]})


def test_bias_change_of_the_perceptron(fixed):
    rows, g = bias_changes(fixed)
    where = dict(dataset="mnist1d", architecture="perceptron", regime="unconstrained")
    a0, a1 = _acc(fixed, bias=False, **where), _acc(fixed, bias=True, **where)
    assert g["ch9_pb_mnist1d_unconstrained_0"] == np.mean(list(a0.values()))
    e = paired_difference_ci([a1[s] for s in sorted(a1)], [a0[s] for s in sorted(a1)])
    assert g["ch9_pb_mnist1d_unconstrained_1"] == pytest.approx(np.mean(list(a0.values()))
                                                                + e.mean, abs=1e-12)


def test_init_probe_gap_is_unconstrained_minus_spectral(data):
    rows, g = init_probe(data["probes"]["init"], 20)
    runs = [r for r in data["probes"]["init"] if r["dataset"] == "mnist1d"
            and r["hidden"][0] == 100]
    u = _acc(runs, model="unconstrained")
    p = _acc(runs, model="eigenvalues+eigenvectors")
    e = paired_difference_ci([u[s] for s in sorted(u)], [p[s] for s in sorted(u)])
    assert g["ch9_init_gap"] == f"{e.mean:+.1f} [{e.low:+.1f}, {e.high:+.1f}]"
    assert g["ch9_init_n"] == "four" and len(rows) == 4
    assert "20 epochs, the paper's recipe" in g["ch9_init_verdict"]


def test_compact_form_means_and_counts(data, fixed):
    rows, changes, g = compact_form(fixed, data["probes"]["compact"])
    up = sum(e.low > 0 for e in changes.values())
    assert g["ch9_compact_up"] == count_words(up, len(changes))
    key = next(iter(sorted(changes)))
    where = dict(dataset=key[0], architecture=key[1], hidden=list(key[2]), regime=key[3],
                 bias=False)
    means = {f"{np.mean(list(_acc(recs, **where).values())):.1f}"
             for recs in (fixed, data["probes"]["compact"])}
    assert any(means <= set(r[3:5]) for r in rows)


@pytest.mark.parametrize("verdict, lower, tail", [
    ("fails", True, "and was less accurate on the test set"),
    ("fails", False, "overfitted more, not less"), ("holds", False, "lower test accuracy")])
def test_overfit_sentence_follows_the_verdict(data, fixed, monkeypatch, verdict, lower, tail):
    from cdnotes.experiments.spectral_analysis import overfit_runs
    gapd = overfit_runs(fixed, data["probes"]["overfit"])
    head, rows, g = overfit_table(gapd)
    widths = sorted({k[2] for k in gapd})
    assert (g["ch9_over_lo"], g["ch9_over_hi"]) == (widths[0], widths[-1])
    assert head[2] == f"spectral gap: N₂ {widths[-1]} − N₂ {widths[0]}"
    monkeypatch.setattr(spectral_probes, "overfit_verdict", lambda c: {
        "verdict": verdict, "smaller": 0, "larger": 2, "lower": lower, "n": 2})
    g = overfit_table(gapd)[2]
    assert g["ch9_over_verdict"].endswith(tail)
    assert (g["ch9_over_smaller"], g["ch9_over_larger"]) == ("neither of the two", "both")


def test_weight_verdict_flips_with_the_distances(data, monkeypatch):
    rows, holds, g = weight_distances(data)
    ratio = [h["eigenvalues"]["w1"] / h["floor"] for h in holds.values()]
    within = sum(r <= 2 for r in ratio)
    assert g["ch9_w1_verdict"] == ("holds" if within > len(ratio) / 2 else "does not hold")
    assert g["ch9_w1_ratio_min"] == min(ratio)

    def entry(w1):
        e = {r: {"w1": w1, "w1_standardized": 1.0, "weight_std": 1.0} for r in REGIMES}
        e["constrained"] = {"w1": 3.0, "w1_standardized": 1.0, "weight_std": 1.0}
        return dict(e, floor=1.0)

    for w1, verdict, perc in ((1.5, "holds", "on digits and MNIST-1D"),
                              (2.5, "does not hold", "on digits and MNIST-1D"),
                              (3.5, "does not hold", "on neither data set")):
        monkeypatch.setattr(spectral_probes, "distance_summary", lambda d, v: {
            (ds, "perceptron", (), False): entry(w1) for ds in ("digits", "mnist1d")})
        g = weight_distances(data)[2]
        assert (g["ch9_w1_verdict"], g["ch9_w1_perc_verdict"]) == (verdict, perc)
    # exactly half within twice the floor is not "closely matching"
    monkeypatch.setattr(spectral_probes, "distance_summary", lambda d, v: {
        ("digits", "perceptron", (), False): entry(1.5),
        ("mnist1d", "perceptron", (), False): entry(2.5)})
    assert weight_distances(data)[2]["ch9_w1_verdict"] == "does not hold"


def test_cd_link_counts(data):
    from cdnotes.report.spectral_probes import cd_link_table, cd_link_words
    rows, summary, cd_fixed, cd_trained = cd_link_table(data["cd_link"])
    g = cd_link_words(cd_fixed, cd_trained, summary, data["config"]["cd_block_sizes"])
    below = 0
    for ds in ("digits", "mnist1d"):
        for B in data["config"]["cd_block_sizes"]:
            k = {m: [-np.log10(r["kappa_range"]) for r in cd_fixed if r["dataset"] == ds
                     and r["block_size"] == B and r["model"] == m]
                 for m in ("spectral", "cdlinear")}
            below += welch_difference_ci(k["spectral"], k["cdlinear"]).low > 0
    n = 2 * len(data["config"]["cd_block_sizes"])
    assert g["ch9_spec_below_cd"] == count_words(below, n)
    assert len(rows) == len(summary)


def test_convex_verdict_flips_at_five_percent():
    summary = [{"dataset": "mnist1d", "model": "dense",
                "accuracy": type("E", (), {"mean": 50.0})()}]
    near = {4: (1.04, 1.0, (1, 2), (3, 4)), 8: (2.0, 2.0, (1, 2), (3, 4))}
    g = convex_words(near, summary, 4)
    assert g["ch9_cd_recipe_verdict"].startswith("both CDLinear runs ended within 5 %")
    assert (g["ch9_cd_m1d_opt_train"], g["ch9_dense_m1d_test"]) == (3, 50.0)
    far = {**near, 8: (2.2, 2.0, (1, 2), (3, 4))}
    assert convex_words(far, summary, 4)["ch9_cd_recipe_verdict"].startswith(
        "a CDLinear run ended more than 5 %")


def test_figures_have_two_panels(data, fixed):
    import matplotlib.pyplot as plt
    from cdnotes.experiments.spectral_analysis import overfit_runs
    for fig, axes in (spectral_plots.regime_figure(fixed),
                      spectral_plots.overfit_figure(overfit_runs(fixed,
                                                                 data["probes"]["overfit"])),
                      spectral_plots.weights_figure(data["perceptron_weights"])):
        assert [a.get_title() for a in axes] == ["digits", "MNIST-1D"]
        plt.close(fig)


def test_by_seed_keys_and_filters():
    runs = _runs(1.0)
    got = by_seed(runs, ("dataset", "hidden"), regime="eigenvalues")
    assert set(got) == {(ds, tuple(h)) for ds in ("digits", "mnist1d") for h in ARCHS.values()}
    assert sorted(got["digits", (30,)]) == list(range(5))
    assert by_seed(runs, ("dataset",), bias=True) == {}
