"""Chapter 6's report functions: constructed sweeps where each sentence's verdict flips, and
the identities on the real digits, against numbers computed directly."""
from types import SimpleNamespace

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")

import cdnotes
from cdnotes.data import digits_split
from cdnotes.experiments.identities import eq8_cases, fisher_trace, parseval_check
from cdnotes.experiments.regularizers import Sweep
from cdnotes.experiments.report import count_words, range_text
from cdnotes.report import regularizers as reg
from cdnotes.report import regularizers_plots as reg_plots
from cdnotes.stats import Estimate
from cdnotes.train.regularizers import LAMBDA_FISHER, fisher_penalty

SEEDS = (0, 1, 2, 3, 4)
NOISE = np.array([0.1, -0.2, 0.05, 0.15, -0.1])


def _run(seed, acc, hk=100.0, ck=50.0):
    return SimpleNamespace(seed=seed, split_seed=0, accuracy_percent=acc, hessian_kappa=hk,
                           circulant_kappa=ck, hessian=object(), kappa=object())


def _runs(accs, hk=None, ck=None):
    hk = [100.0] * 5 if hk is None else hk
    ck = [50.0] * 5 if ck is None else ck
    return tuple(_run(s, a, h, c) for s, a, h, c in zip(SEEDS, accs, hk, ck))


def _dropout(alpha_shift):
    base = _runs(97 + NOISE, hk=[1e2, 1e3, 1e5, 1e2, 1e4])
    runs = {0.0: base, 0.05: _runs(97 + alpha_shift + NOISE[::-1], hk=[2e2] * 5),
            0.5: _runs(93 + NOISE, hk=[1e1, 2e1, 1e1, 3e1, 1e1])}
    return Sweep("dropout", (0.0, 0.05, 0.5), SEEDS, runs, base)


def test_dropout_table_when_alpha_lowers_the_accuracy():
    sec = reg.dropout_table(_dropout(-1.0), 0.05)
    v = sec.values
    assert v["ch6_alpha_verb"] == "lowered" and np.isclose(v["ch6_alpha_abs"], 1.0)
    assert v["ch6_rates_lower"] == "rates 0.05 and 0.5"
    assert v["ch6_rates_higher"] == "No rate"
    assert v["ch6_best_rate"] == "0 (no dropout)"
    assert v["ch6_alpha_zero"] == "excludes"
    spans = [3.0, 0.0, np.log10(3)]                       # log10 κ spans per rate
    assert v["ch6_kappa_wide"] == count_words(1, 3, "rates")
    assert v["ch6_kappa_span"] == range_text(spans, ".1f")
    assert v["ch6_kappa_lower"] == "0.5"
    assert [r[0] for r in sec.rows] == ["0", "0.05", "0.5"] and sec.rows[0][2] == "—"
    assert set(sec.data["row"]) == {0.0, 0.05, 0.5}


def test_dropout_table_when_alpha_raises_the_accuracy():
    v = reg.dropout_table(_dropout(+1.5), 0.05).values
    assert v["ch6_alpha_verb"] == "raised"
    assert v["ch6_rates_higher"] == "Rate 0.05" and v["ch6_rates_lower"] == "rate 0.5"
    assert v["ch6_best_rate"] == "0.05"


def test_penalty_at_init_against_the_formula():
    rng = np.random.default_rng(0)
    C = [rng.standard_normal((2, 3, 4)), rng.standard_normal((1, 2, 4))]
    v = reg.penalty_at_init(C).values
    power = np.abs(np.fft.fft(C[0], axis=-1)) ** 2
    assert v["ch6_min_power"] == power.min()
    assert v["ch6_min_term"] == 1 / (power.min() + 1e-4)
    total = fisher_penalty(C[0], 1e-4) + fisher_penalty(C[1], 1e-4)
    assert np.isclose(v["ch6_penalty0"], total) and v["ch6_n_terms"] == "32"
    assert np.isclose(v["ch6_lambda_penalty0"], LAMBDA_FISHER * total)


def _fisher(n_chance, circ_mid):
    base = _runs(97 + NOISE, ck=[50.0] * 5)
    small = [10.0] * n_chance + [95.0] * (5 - n_chance)
    runs = {1e-4: _runs(np.array(small) + NOISE), 1e-3: _runs(96 + NOISE),
            1e-2: _runs(97 + NOISE[::-1], ck=list(50.0 * circ_mid * (1 + 0.01 * NOISE))),
            1.0: _runs(97 + NOISE, ck=[50.0] * 5)}
    return Sweep("fisher_eps", (1e-4, 1e-3, 1e-2, 1.0), SEEDS, runs, base)


@pytest.mark.parametrize("n, verb", [(5, "wrecks training"), (3, "wrecks most runs"),
                                     (1, "hurts some runs")])
def test_fisher_table_small_eps_words(n, verb):
    v = reg.fisher_table(_fisher(n, 0.1)).values
    assert v["ch6_eps_small_verb"] == verb
    assert v["ch6_near_chance"] == count_words(n, 5, "seeds")


@pytest.mark.parametrize("factor, start, does", [
    (0.1, "it lowers the circulant blocks' condition number by 1.0 decades", "does what"),
    (10.0, "it raises the circulant blocks' condition number by 1.0 decades", "does not"),
    (None, "its change of the circulant blocks' condition number is not significant",
     "does not")])
def test_fisher_table_circulant_verdict_each_way(factor, start, does):
    sweep = _fisher(5, 1.0 if factor is None else factor)
    if factor is None:                     # half the seeds up, half down: no significant change
        for r, f in zip(sweep.runs[1e-2], (10, 0.1, 10, 0.1, 1)):
            r.circulant_kappa = 50.0 * f
    sec = reg.fisher_table(sweep)
    assert sec.values["ch6_circ_mid"].startswith(start)
    assert sec.values["ch6_circ_does"].startswith(does)
    assert np.isclose(sec.values["ch6_base_acc"], np.mean(97 + NOISE))
    assert sec.values["ch6_eps_lower"].startswith("ε =")
    assert len(sec.rows) == 4


def test_parseval_table_on_the_digits():
    X = digits_split(0)[0]
    sec = reg.parseval_table(X, 0)
    for B in (4, 8):
        p = parseval_check(X, B)
        assert sec.values[f"ch6_parseval_err_{B}"] == p.max_parseval_error
        assert sec.values[f"ch6_parseval_zero_{B}"] == f"{p.n_zero_blocks:,}"
    norms = sec.values["ch6_parseval_norms"]
    assert norms.count("`norm=") == 3 and '`norm="backward"`: 8' in norms


def test_eq8_table_against_the_exact_trace():
    rng = np.random.default_rng(1)
    tensors = [("one block", rng.standard_normal((1, 1, 4))),
               ("four blocks", rng.standard_normal((2, 2, 4)))]
    layer = cdnotes.CDLinear(64, 12, block_size=4, seed=3)
    sec = reg.eq8_table(eq8_cases(tensors, (1e-4, 1.0)), tensors, (1e-4, 1.0), layer)
    v = sec.values
    assert v["ch6_eq8_single_err"] < 1e-12 and v["ch6_eq8_explicit_err"] < 1e-9
    W = layer.to_dense()
    null = 64 - np.linalg.matrix_rank(W)
    assert (v["ch6_eq8_null_dim"], v["ch6_eq8_null_in"], v["ch6_eq8_null_out"]) == (null, 64, 12)
    assert np.isclose(v["ch6_eq8_null_share"],
                      100 * null / 1e-4 / fisher_trace(np.asarray(layer.C), 1e-4))
    assert [r[1] for r in sec.rows] == ["1 × 1 × 4", "2 × 2 × 4"]


def test_estimate_values_and_the_figures():
    e = Estimate(mean=-1.0, std=1.0, n=5, low=-2.0, high=0.5, level=0.95)
    assert reg.estimate_values("x", e) == {"x": -1.0, "x_low": -2.0, "x_high": 0.5,
                                           "x_zero": "includes"}
    import matplotlib.pyplot as plt
    dropout = _dropout(-1.0)
    fig = reg_plots.plot_dropout(dropout, reg.dropout_table(dropout, 0.05).data["row"])
    assert [t.get_text() for t in fig.axes[0].get_xticklabels()] == ["0", "0.05", "0.5"]
    plt.close(fig)
    fig = reg_plots.plot_fisher(_fisher(5, 0.1), dropout)
    assert len(fig.axes[0].collections) == 4
    plt.close(fig)
