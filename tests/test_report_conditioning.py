"""cdnotes.report.conditioning(_plots): chapter 11's tables and sentences, against the committed
sweep recomputed here, and constructed inputs where a verdict flips."""
from __future__ import annotations

import doctest
import math
from types import SimpleNamespace

import matplotlib
import pytest

matplotlib.use("Agg")

from cdnotes.experiments import conditioning_training as ct  # noqa: E402
from cdnotes.measurements import load_measurement  # noqa: E402
from cdnotes.report import conditioning as report  # noqa: E402
from cdnotes.report import conditioning_verdict as verdicts  # noqa: E402
from cdnotes.stats import Estimate  # noqa: E402

INF = float("inf")


@pytest.fixture(scope="module")
def sweep():
    result = load_measurement("conditioning_training")
    runs = ct.runs_from_json(result["runs"])
    rows = ct.rate_table(runs, result["config"]["thresholds"])
    stable, _ = report.stable_rates(rows)
    table, verdict = verdicts.verdict_table(rows)
    return SimpleNamespace(result=result, runs=runs, rows=rows, stable=stable, table=table,
                           verdict=verdict, th=result["config"]["thresholds"])


def _stable(top_dense=0.1, top_cd8=0.1):
    return {(d, m, o): ((top_cd8 if m == "cd8" else top_dense), 1.0)
            for d in report.DATA for m in report.MODELS for o in ("sgd", "adam")}


def test_doctests_and_rate_cells():
    assert doctest.testmod(report).failed == 0
    assert report.rate_cells(-INF, 0.01) == ["none in grid: every rate unstable", "0.01"]


def test_run_facts_are_the_files(sweep):
    g = report.run_facts(sweep.result, sweep.runs)
    assert g["ch11_n_runs"] == f"{len(sweep.runs):,}"
    assert g["ch11_momentum_bound"] == 2 * (1 + sweep.result["config"]["momentum"])


def test_above_words_count_the_runs_at_chance():
    def run(lr, loss, acc):
        return SimpleNamespace(sharpness=[], optimizer="sgd", whitening="none", lr=lr,
                               dataset="digits", model="dense", final_loss=loss,
                               final_accuracy=acc)
    stable = _stable(0.1)
    g = report.above_words([run(0.3, 5.0, 0.1), run(0.3, 0.5, 0.6), run(0.1, 0.1, 0.9)],
                           stable)
    assert g["ch11_above_count"] == "1 of the two"
    assert g["ch11_above_rest"].endswith("reached at most 60.0 % test accuracy.")
    g = report.above_words([run(0.3, 5.0, 0.1), run(0.3, 6.0, 0.1)], stable)
    assert g["ch11_above_count"] == "all two"
    assert g["ch11_above_rest"] == "none survived."   # not 100 × a default accuracy


def test_lambda_table_and_order_flip():
    lam = [{"dataset": d, "model": m, "lambda_max": v + 0.01 * s}
           for d in report.DATA for m, v in (("dense", 10.0), ("cd4", 20.0), ("cd8", 40.0))
           for s in range(5)]
    stable = _stable(0.5, 0.03)
    stable.update({(d, "cd4", "sgd"): (0.1, 0.3) for d in report.DATA})
    rows, lam0, g = report.lambda_table(lam, stable, 0.9)
    assert rows[0][-1] == "no" and rows[2][-1] == "yes"     # 0.5 > 3.8/10; 0.03 < 3.8/40
    words = report.order_words(lam, stable, lam0, 0.9)
    assert words["ch11_order"].startswith("Of the 6 pairs") and "in all six;" in words[
        "ch11_order"]
    same = [dict(r, lambda_max=10.0 + (r["lambda_max"] % 1)) for r in lam]
    lam0 = {k: 10.0 for k in lam0}
    words = report.order_words(same, stable, lam0, 0.9)
    assert words["ch11_order"].startswith("No pair of models can be ordered by it: in all 6")


def test_sharpness_words_flip_at_the_edge():
    tracked = [SimpleNamespace(stable=True, sharpness=[2.0, 3.0, 1.0])]
    g = report.sharpness_words(tracked, {("d", "m", 0.1): 0.5, ("d", "m", 0.3): 0.9})
    assert g["ch11_sharp_below"] == "so it stayed below the edge in every stable run"
    assert (g["ch11_sharp_up"], g["ch11_sharp_down"]) == (1.5, 0.5)
    g = report.sharpness_words(tracked, {("d", "m", 0.1): 1.2})
    assert g["ch11_sharp_below"] == "so some stable runs crossed the edge"


def test_kappa_words_on_the_sweep_and_when_cd8_wins(sweep, monkeypatch):
    g = verdicts.kappa_words(sweep.runs, sweep.verdict, sweep.stable, sweep.th)
    for d in report.DATA:
        s = {m: sweep.verdict[d, m, "sgd", "none"].steps_mean for m in report.MODELS}
        assert g[f"ch11_steps_{d}_dense"] == (f"{s['dense']:.0f}" if math.isfinite(s["dense"])
                                              else "not reached")
    fewer = Estimate(mean=-50.0, std=1.0, n=5, low=-60.0, high=-40.0, level=0.95)
    monkeypatch.setattr(verdicts.ct, "cell_difference", lambda *a, **k: fewer)
    g = verdicts.kappa_words(sweep.runs, sweep.verdict, _stable(0.1, 0.3), sweep.th)
    assert g["ch11_kappa_verdict"] == "was the fastest in both data sets"
    assert g["ch11_kappa_summary"].startswith("So the paper's better κ went with both")
    assert "(fewer; difference -50 [-60, -40] steps" in g["ch11_ratio_text_digits"]
    g = verdicts.kappa_words(sweep.runs, sweep.verdict, _stable(0.1, 0.1), sweep.th)
    assert g["ch11_kappa_summary"].startswith("So the paper's better κ went with faster")
    assert g["ch11_stable_word_digits"] == "equal to"


def test_method_words_count_welch_intervals(sweep):
    g = verdicts.method_words(sweep.runs, sweep.verdict, sweep.th)
    ests = [ct.cell_difference(sweep.runs, sweep.verdict[d, m, "sgd", "none"],
                               sweep.verdict[d, m, "kfac", "none"], "steps", sweep.th)
            for d in report.DATA for m in report.MODELS]
    ests = [e for e in ests if e is not None]
    assert (g["ch11_kfac_steps_n"], g["ch11_kfac_steps_wins"]) == (
        len(ests), sum(e.low > 0 for e in ests))


def test_whitening_cost_counts_lower_accuracy(sweep):
    rows, g = verdicts.whitening_cost(sweep.runs, sweep.verdict)
    zca = [ct.cell_difference(sweep.runs, sweep.verdict[d, m, "sgd", "zca"],
                              sweep.verdict[d, m, "sgd", "none"], "final_accuracy")
           for d in report.DATA for m in report.MODELS if (d, m, "sgd", "zca") in sweep.verdict]
    lower = sum(e.high < 0 for e in zca)
    assert g["ch11_zca_acc_higher"] == sum(e.low > 0 for e in zca)
    from cdnotes.experiments.report import count_words
    assert (f"ZCA whitening cost accuracy in {count_words(lower, len(zca))} cells" if lower
            else "ZCA whitening cost no measurable accuracy") in g["ch11_white_verdict"]
    assert len(rows) == len(zca) + sum(w == "spectral-block" for (_, _, _, w) in sweep.verdict)


def test_figures_draw(sweep):
    import matplotlib.pyplot as plt
    from cdnotes.report import conditioning_plots as plots
    figs = [plots.rate_figure(sweep.rows, sweep.th),
            plots.curves_figure(sweep.rows, sweep.runs, "digits", sweep.th)]
    fig, ratio = plots.sharpness_figure([r for r in sweep.runs if r.sharpness], 0.9)
    assert ratio and all(v > 0 for v in ratio.values())
    for f in figs + [fig]:
        plt.close(f)
