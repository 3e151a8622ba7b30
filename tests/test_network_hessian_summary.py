"""The chapter-8 readings of the committed network-Hessian results, against direct computations."""
import math

import numpy as np
import pytest

from cdnotes.experiments import network_hessian_summary as nhs
from cdnotes.experiments.digits import reading_summary
from cdnotes.experiments.network_hessian import spectrum_summary


@pytest.fixture(scope="module")
def records():
    return nhs.load_results()["records"]


def _direct(records, name, key):
    read = nhs.metric(name)[2]
    return {int(r["seed"]): read(r) for r in nhs.select(records, *key)}


@pytest.mark.parametrize("name", ["lambda_max", "kappa_gn_range", "ratio_p50"])
@pytest.mark.parametrize("pair", [(("cd8", "trained", "raw"), ("dense", "trained", "raw")),
                                  (("cd8", "init", "raw"), ("cd4", "init", "raw")),
                                  (("cd4", "init", "whitened"), ("cd4", "init", "raw"))])
def test_ratio_formatters_against_the_committed_json(records, name, pair):
    a, b = _direct(records, name, pair[0]), _direct(records, name, pair[1])
    seeds = sorted(set(a) & set(b))
    ratios = np.array([a[s] / b[s] for s in seeds])
    c = nhs.compare(records, name, *pair, scale="log")
    # a ratio: the geometric mean of the per-seed ratios a/b, never 10**(a − b)
    gm = math.exp(np.mean(np.log(ratios)))
    assert np.isclose(10 ** c.estimate.mean, gm, rtol=1e-12)
    assert nhs.format_comparison(c).split(" ")[0] == f"{gm:.2g}"
    assert 10 ** c.estimate.low <= gm <= 10 ** c.estimate.high
    # the metric's own scale: a log metric's comparison is the same ratio, a linear
    # metric's is the mean difference a − b
    own = nhs.compare(records, name, *pair)
    if nhs.metric(name)[1]:
        assert own.scale == "log" and np.isclose(own.estimate.mean, c.estimate.mean)
    else:
        diff = np.mean([a[s] - b[s] for s in seeds])
        assert own.scale == "linear" and np.isclose(own.estimate.mean, diff)
        text = nhs.format_comparison(own).split(" ")[0]
        assert text == f"{diff:+.2g}".replace("-", "−")
    # the paired estimate agrees with the comparison, on the metric's scale
    assert np.isclose(nhs.paired(records, name, pair[0][0], pair[1][0], pair[0][1],
                                 pair[0][2]).mean, own.estimate.mean) or pair[0][2] != pair[1][2]


def test_the_lambda_max_column_is_a_ratio(records):
    # the bug of issue 17: λ_max (linear) went through 10**(a − b) and printed 4.4e3, 38, 52
    want = {("cd8", "dense", "init"): 1.3, ("cd8", "dense", "trained"): 4.8,
            ("cd8", "cd4", "trained"): 10}
    for (a, b, s), v in want.items():
        c = nhs.compare(records, "lambda_max", (a, s, "raw"), (b, s, "raw"), scale="log")
        assert abs(10 ** c.estimate.mean / v - 1) < 0.05
    with pytest.raises(ValueError, match="ratio"):
        nhs.compare(records, "lambda_min", ("cd8", "init", "raw"), ("dense", "init", "raw"),
                    scale="log")


def test_format_estimate_on_linear_and_log_metrics(records):
    for name in ("lambda_max", "kappa_h_1e-3"):
        v = np.array(list(_direct(records, name, ("cd4", "trained", "raw")).values()))
        log = nhs.metric(name)[1]
        e = nhs.estimate(records, name, "cd4", "trained", "raw")
        centre = 10 ** np.mean(np.log10(v)) if log else np.mean(v)
        assert nhs.format_estimate(e, log).split(" ")[0] == f"{centre:.2g}"


def test_chapter_8_counts_the_ceiling_as_chapter_10_does():
    """One definition: a κ within CEILING_FACTOR of 1/c (cdnotes.ceiling.at_ceiling)."""
    from cdnotes.ceiling import DEFAULT_FACTOR
    assert nhs.CEILING_FACTOR == DEFAULT_FACTOR
    limit = nhs.ceiling_of("kappa_h_1e-6", {})
    assert limit == (1e6, nhs.CEILING_FACTOR)


def test_runs_at_ceiling_against_the_committed_json(records):
    k6 = nhs.CUTOFFS.index(1e-6)
    for key in [("cd8", "init", "whitened"), ("dense", "trained", "raw")]:
        direct = sum(r["hessian"]["kappa"][k6] * 1e-6 >= 1 / nhs.CEILING_FACTOR
                     for r in nhs.select(records, *key))
        assert nhs.runs_at_ceiling(records, "kappa_h_1e-6", *key) == direct
    eps = np.finfo(float).eps
    direct = sum(r["gauss_newton"]["range"]["kappa_nonzero"] * r["n_params"] * eps
                 * nhs.ROUNDING_MARGIN >= 1 for r in nhs.select(records, "cd4", "init", "raw"))
    assert nhs.runs_at_ceiling(records, "kappa_gn_range", "cd4", "init", "raw") == direct
    assert nhs.runs_at_ceiling(records, "ratio_p50", "cd4", "init", "raw") == 0


def test_a_comparison_at_the_ceiling_gets_no_verdict(records):
    c = nhs.compare(records, "kappa_h_1e-6", ("cd8", "init", "raw"), ("dense", "init", "raw"))
    assert c.n_at_ceiling > 0 and c.verdict == "at the ceiling"
    assert nhs.verdict(c.estimate) in ("lower", "higher", "unresolved")   # bare interval


def test_rank_bounds_hold_the_exact_value():
    rng = np.random.default_rng(0)
    ev = np.concatenate([10 ** rng.uniform(-14, 2, 500), -10 ** rng.uniform(-9, 1, 300),
                         np.zeros(7)])
    record = {"hessian": spectrum_summary(ev)}
    mag = np.sort(np.abs(ev))[::-1]
    for k in (1, 2, 50, 400, 799):
        lo, mid, hi = nhs.rank_value_bounds(record, k)
        assert lo <= mag[k - 1] <= hi and lo <= mid <= hi
        rlo, rmid, rhi = nhs.rank_ratio_bounds(record, k)
        assert np.isclose(rmid, mag[0] / mid) and rlo <= mag[0] / mag[k - 1] <= rhi
    assert nhs.rank_value_bounds(record, 805)[1] == 0          # an exact zero
    assert nhs.rank_ratio_bounds(record, 805)[1] == math.inf
    with pytest.raises(ValueError):
        nhs.rank_value_bounds(record, 0)


def test_rank_bounds_hold_the_stored_median(records):
    # max|λ| / median|λ| as stored lies between the bounds at ranks P/2 and P/2 + 1
    for r in records:
        k = r["n_params"] // 2
        assert (nhs.rank_ratio_bounds(r, k)[0] <= r["hessian"]["percentile_ratio"][0]
                <= nhs.rank_ratio_bounds(r, k + 1)[2])
    assert nhs.EQUAL_COUNT_RANKS["half"] == 648


def test_binned_verdict_needs_both_ends_of_the_bin(records):
    c = nhs.compare(records, "ratio_rank_half", ("cd8", "init", "raw"),
                    ("dense", "init", "raw"))
    low, high = c.bounds
    assert low.mean <= c.estimate.mean <= high.mean
    want = ("higher" if low.low > 0 else "lower" if high.high < 0 else "unresolved")
    assert c.verdict == want


def test_verdict_counts_and_the_answer():
    c = nhs.verdict_counts(["lower", "lower", "at the ceiling", None, "unresolved"])
    assert c == {"lower": 2, "higher": 0, "unresolved": 1, "at the ceiling": 1,
                 "decided": 3, "total": 4}
    with pytest.raises(ValueError):
        nhs.verdict_counts(["better"])
    none = nhs.verdict_counts([])
    text = nhs.conditioning_answer({"cutoff κ": nhs.verdict_counts(["at the ceiling"] * 3),
                                    "equal count": c, "weights": none})
    assert "3 of the 3" in text and "lower in 2, higher in 0, unresolved in 1 of the 3" in text
    assert "paper's reading" not in text


def test_paper_reading_is_chapter_5s_summary(records):
    for m in ("dense", "cd4", "cd8"):
        v = list(_direct(records, "paper_weights_sv", (m, "trained", "raw")).values())
        s = nhs.paper_reading(records, m)
        assert s == reading_summary(v) and np.isclose(s.median, np.median(v), rtol=1e-12)
    assert nhs.paper_reading(records, "cd8", "trained", "nothing") is None
    summaries = {m: nhs.paper_reading(records, m) for m in ("dense", "cd4", "cd8")}
    med = [np.median(list(_direct(records, "paper_weights_sv", (m, "trained", "raw")).values()))
           for m in ("dense", "cd4", "cd8")]
    assert nhs.ordering(summaries, ("dense", "cd4", "cd8")) == (med[0] > med[1] > med[2])


def test_ordering_verdict_pairs_neighbours(records):
    order = ("dense", "cd4", "cd8")
    for name in ("kappa_h_1e-6", "ratio_rank_half", "paper_weights_sv"):
        for s in ("init", "trained"):
            words = [nhs.compare(records, name, (b, s, "raw"), (a, s, "raw")).verdict
                     for a, b in (("dense", "cd4"), ("cd4", "cd8"))]
            got = nhs.ordering_verdict(records, name, order, s, "raw")
            if "at the ceiling" in words:
                assert got == "no verdict (at the ceiling)"
            elif words == ["lower", "lower"]:
                assert got == "holds"
            else:
                assert got == ("fails" if "higher" in words else "unresolved")
    assert nhs.ordering_verdict(records, "kappa_h_1e-6", order, "init", "raw") == \
        "no verdict (at the ceiling)"
    # at initialisation CD's bulk sits further below its top at equal count: reversed
    assert nhs.ordering_verdict(records, "ratio_rank_half", ("cd8", "dense"), "init",
                                "raw") == "holds"


def test_settings_sentence_groups_every_setting_once():
    from cdnotes.experiments.network_hessian_summary import settings_sentence
    six = {f"s{i}": "at the ceiling" for i in range(6)}
    assert settings_sentence(six) == "no verdict (a run at the ceiling) in all six settings"
    mixed = {"Qa": "lower", "Qb": "at the ceiling", "Qc": "lower", "Qd": None, "Qe": "higher"}
    text = settings_sentence(mixed)
    assert text.startswith("lower on whitened digits (interval below 1) for Qa and Qc; higher")
    assert "for Qb" in text and "for Qe" in text and "two common seeds) for Qd" in text
    # the slow twin: every label appears exactly once, and one clause per word used
    for label in mixed:
        assert text.count(f" {label}") == 1
    assert text.count("; ") == len(set(mixed.values())) - 1


def test_probes_sentence_counts_in_words():
    from cdnotes.experiments.network_hessian_summary import probe_words, probes_sentence
    assert probe_words(1) == "one probe" and probe_words(4.0) == "four probes"
    assert probe_words(2.5) == "2.5 probes" and "inf" not in probe_words(math.inf)
    assert probes_sentence([1, 1, 1, 4], [1, 2, 4, 8]) == (
        "the median run needed one probe, and none more than four")
    assert probes_sentence([None, None, 2], [1, 2, 4, 8]) == (
        "the median run needed more than the eight tried, and some needed more than the "
        "eight tried")
    assert "(s)" not in probes_sentence([1, 2], [1, 2])
