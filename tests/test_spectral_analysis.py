"""cdnotes.experiments.spectral_analysis: chapter 9's shared analyses, against direct sums."""
import numpy as np
import pytest
from scipy import stats

from cdnotes.experiments.spectral_analysis import (compact_changes, overfit_comparison,
                                                   overfit_runs, overfit_verdict, paired_by_seed)


def direct_paired(a, b):
    d = np.array([a[s] - b[s] for s in sorted(a)])
    half = stats.t.ppf(0.975, d.size - 1) * d.std(ddof=1) / np.sqrt(d.size)
    return d.mean(), d.mean() - half, d.mean() + half


def test_paired_by_seed_is_the_t_interval_of_the_differences():
    rng = np.random.default_rng(0)
    a = {s: float(rng.normal()) for s in range(6)}
    b = {s: float(rng.normal()) for s in range(6)}
    e = paired_by_seed(a, b)
    assert (e.mean, e.low, e.high) == pytest.approx(direct_paired(a, b), rel=1e-12)


def test_paired_by_seed_names_missing_seeds():
    with pytest.raises(ValueError, match=r"seeds \[3\]"):
        paired_by_seed({1: 0.0, 3: 1.0}, {1: 0.0})


def run(ds, regime, width, seed, train, test, bias=False, arch="nonlinear"):
    return {"dataset": ds, "architecture": arch, "hidden": [width, 120], "regime": regime,
            "seed": seed, "bias": bias, "train_accuracy": train, "test_accuracy": test}


def synthetic(spectral_gap_top):
    """Two widths, two data sets, four regimes, five seeds; Λ and Φ's gap at the top width
    is ``spectral_gap_top`` + noise, every other gap 5 + noise."""
    rng = np.random.default_rng(1)
    sweep, probes = [], []
    for ds in ("digits", "mnist1d"):
        for regime in ("constrained", "eigenvalues", "unconstrained", "eigenvalues+eigenvectors"):
            for w, out in ((30, sweep), (300, probes)):
                for s in range(5):
                    gap = (spectral_gap_top if (w == 300 and regime == "eigenvalues+eigenvectors")
                           else 5.0) + rng.normal(0, 0.3)
                    test = 90 + rng.normal(0, 0.3)
                    out.append(run(ds, regime, w, s, test + gap, test))
    sweep.append(run("digits", "eigenvalues", 30, 0, 1.0, 1.0, bias=True))     # left out
    sweep.append(run("digits", "eigenvalues", 30, 0, 1.0, 1.0, arch="wide"))   # left out
    return overfit_runs(sweep, probes)


def test_overfit_comparison_against_direct_differences():
    runs = synthetic(2.0)
    assert all(len(v) == 5 for v in runs.values())
    c = overfit_comparison(runs)
    assert c["widths"] == [30, 300]
    gap = {k: {s: r["train_accuracy"] - r["test_accuracy"] for s, r in v.items()}
           for k, v in runs.items()}
    e = c["digits", "eigenvalues+eigenvectors", "unconstrained"]["gap_difference"]
    want = direct_paired(gap["digits", "unconstrained", 300],
                         gap["digits", "eigenvalues+eigenvectors", 300])
    assert (e.mean, e.low, e.high) == pytest.approx(want, rel=1e-12)
    g = c["mnist1d", "eigenvalues", "constrained"]["spectral_growth"]
    want = direct_paired(gap["mnist1d", "eigenvalues", 300], gap["mnist1d", "eigenvalues", 30])
    assert (g.mean, g.low, g.high) == pytest.approx(want, rel=1e-12)


@pytest.mark.parametrize("spectral_gap, verdict", [(2.0, "holds"), (8.0, "fails"),
                                                   (5.0, "no verdict")])
def test_overfit_verdict_reads_the_intervals(spectral_gap, verdict):
    v = overfit_verdict(overfit_comparison(synthetic(spectral_gap)))
    assert v["verdict"] == verdict and v["n"] == 2


def test_compact_changes_pairs_the_same_configuration():
    sweep = [dict(run("digits", "eigenvalues", 30, s, 0, 80 + s), hidden=[30, 120])
             for s in range(4)]
    compact = [dict(run("digits", "eigenvalues", 30, s, 0, 81 + 2 * s), hidden=[30, 120])
               for s in range(4)]
    (key, e), = compact_changes(sweep, compact).items()
    assert key == ("digits", "nonlinear", (30, 120), "eigenvalues")
    assert (e.mean, e.low, e.high) == pytest.approx(
        direct_paired({s: 81 + 2 * s for s in range(4)}, {s: 80 + s for s in range(4)}))
    with pytest.raises(ValueError, match="no sweep runs"):
        compact_changes([], compact)


def test_init_probe_sentences_follow_their_intervals():
    from cdnotes.experiments.spectral_analysis import change_words, init_scale_verdict
    from cdnotes.stats import Estimate

    def est(mean, low, high):
        return Estimate(mean, 1.0, 5, low, high, 0.95)
    assert change_words(est(5.3, 4.2, 6.3), "u − s").startswith("lost 5.3 points (u − s: +5.3")
    assert change_words(est(-2.0, -3.0, -1.0), "u − s").startswith("gained 2.0 points")
    assert "not significantly" in change_words(est(0.5, -0.5, 1.5), "u − s")
    he = [est(1.3, -1.1, 3.7), est(0.8, -2.2, 3.8)]
    all_closed = init_scale_verdict(2, 2, he, "20 epochs")
    assert "not measurably below" in all_closed and "up to 2.2 points" in all_closed
    assert "as well as" not in all_closed
    assert "some of the probed" in init_scale_verdict(1, 2, he, "20 epochs")
    assert "does not explain" in init_scale_verdict(0, 0, he, "20 epochs")
