"""Chapter 8's report functions against numbers computed directly from the committed JSON,
and against altered copies of it where a sentence's verdict must flip."""
import copy

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")

from cdnotes.experiments import PAPER_TABLE1
from cdnotes.experiments import network_hessian_summary as nhs
from cdnotes.experiments.report import count_words
from cdnotes.report import network_hessian as nh
from cdnotes.report import network_hessian_blocks as nh_blocks
from cdnotes.report import network_hessian_plots as nh_plots
from cdnotes.report import network_hessian_verdicts as nhv
from cdnotes.report.glued import Section, Sentence, show
from cdnotes.stats import paired_difference_ci

STATES, INPUTS = ("init", "trained"), ("raw", "whitened")


@pytest.fixture(scope="module")
def results():
    return nhs.load_results()


@pytest.fixture(scope="module")
def records(results):
    return results["records"]


def _runs(records, m, s, i="raw"):
    return sorted((r for r in records if (r["model"], r["state"], r["inputs"]) == (m, s, i)),
                  key=lambda r: r["seed"])


def test_overview_counts_the_seeds_of_the_file(results, records):
    sec = nh.overview(results)
    assert sec.values["ch8_n_records"] == len(records)
    for m in nh.MODELS:
        direct = min(len(_runs(records, m, s, i)) for s in STATES for i in INPUTS)
        assert sec.values[f"ch8_n_{m}"] == direct
    assert [row[1] for row in sec.rows] == [PAPER_TABLE1[m]["n_params"] for m in nh.MODELS]
    assert set(sec.values["ch8_backends"].split(" and ")) == {r["backend"] for r in records}


def test_tools_demo_reads_the_spectrum_edges():
    ev, ritz = np.array([-2.0, 0.5, 3.0]), np.array([-1.9, 3.0])
    v = nh.tools_demo({"relative_error": [1e-9, 3e-9]}, ev, ritz, 3).values
    assert v["ch8_demo_fd"] == 3e-9 and v["ch8_demo_top"] == 0.0
    assert np.isclose(v["ch8_demo_bottom"], 0.1 / 5.0)
    assert v["ch8_demo_lmin"] == "−2.0000" and v["ch8_demo_lmax"] == "3.0000"


def _lowered(records):
    out = []
    for m in nh.MODELS:
        t = {r["seed"]: r["hessian"]["negative_mass"] for r in _runs(records, m, "trained")}
        i = {r["seed"]: r["hessian"]["negative_mass"] for r in _runs(records, m, "init")}
        seeds = sorted(set(t) & set(i))
        e = paired_difference_ci(np.array([t[s] for s in seeds]), np.array([i[s] for s in seeds]))
        if e.high < 0:
            out.append(nh.NAME[m])
    return out


def test_main_table_against_the_json(records):
    sec = nh.main_table(records)
    v = sec.values
    neg = [r["hessian"]["lambda_min"] < 0 for r in records]
    assert v["ch8_lmin_max"] == max(r["hessian"]["lambda_min"] for r in records)
    assert v["ch8_lmin_runs"] == count_words(sum(neg), len(records), "runs")
    m = np.mean([r["hessian"]["negative_mass"] for r in _runs(records, "cd8", "init")])
    assert np.isclose(v["ch8_neg_cd8_init"], m, rtol=1e-12)
    lowered = _lowered(records)
    assert isinstance(v["ch8_neg_sentence"], Sentence)
    assert ("for " + ", ".join(lowered)) in v["ch8_neg_sentence"] if lowered else True
    assert len(sec.rows) == 6 and len(sec.header) == 8


def test_main_table_sentence_flips_when_training_raises_the_negative_mass(records):
    altered = copy.deepcopy(records)
    init = {(r["model"], r["seed"], r["inputs"]): r["hessian"]["negative_mass"]
            for r in altered if r["state"] == "init"}
    for r in altered:
        if r["state"] == "trained":
            r["hessian"]["negative_mass"] = init[r["model"], r["seed"], r["inputs"]] + 0.1 \
                + 0.01 * r["seed"]
    text = nh.main_table(altered).values["ch8_neg_sentence"]
    assert text.startswith("For no model does training lower the negative mass")
    assert "; not clearly for dense, CD-B4, CD-B8" in text


def test_cause_table_means_over_seeds(records):
    v = nh.cause_table(records).values
    runs = _runs(records, "cd8", "init")
    for key, cause in (("unused", "unused_logits"), ("softmax", "softmax_shift"),
                       ("rescaling", "rescaling")):
        direct = np.mean([r["null_directions"]["by_cause"][cause] for r in runs])
        assert np.isclose(v[f"ch8_{key}_cd8"], direct)
    assert v["ch8_kh_struct_max"] == max(r["hessian"]["kappa_structural"] for r in records)
    assert nh.num(float("nan")) == "–" and nh.num(12345.0) == "1.2e+04"


def _direction(share, active=3, confidence=0.9999991):
    return {"relative_eigenvalue": 1e-14, "layer": 1, "param": "C[0, 0, 0]", "share": share,
            "active": active, "confidence": confidence}


def test_near_null_sentence_in_each_case():
    near = {"n_exact": 40, "n_near": 2, "directions": [_direction(0.8, 3), _direction(0.6, 5)]}
    sec = nh.near_null(near)
    text = sec.values["ch8_near_sentence"]
    assert text.startswith("Here $H$ has 40 exact null directions and 2 near-null")
    assert "2 of them are carried mostly" in text and "at most 5 of the 1,437 digits" in text
    assert "within 9e-07 of 1" in text
    assert sec.rows[0] == ["1.0e-14", 2, "C[0, 0, 0]", "0.80", 3, "0.999999"]
    one = nh.near_null({**near, "directions": [_direction(0.8), _direction(0.2)]})
    assert "1 of them is carried" in one.values["ch8_near_sentence"]
    spread = nh.near_null({**near, "directions": [_direction(0.2, confidence=None)]})
    assert spread.values["ch8_near_sentence"].endswith(
        ", none of them carried mostly by one parameter.")
    assert spread.rows[0][-1] == "–"
    none = nh.near_null({"n_exact": 40, "n_near": 0, "directions": []})
    assert none.values["ch8_near_sentence"].endswith(": this seed's model has none to explain.")


def test_ceiling_against_the_json(records):
    v = nh.ceiling(records).values
    read = nhs.metric("kappa_h_1e-6")[2]
    geos = [10 ** np.mean(np.log10([read(r) for r in _runs(records, m, s)]))
            for m in nh.MODELS for s in STATES if _runs(records, m, s)]
    assert np.isclose(v["ch8_ceiling_lo_raw"], min(geos) * 1e-6, rtol=1e-12)
    assert np.isclose(v["ch8_ceiling_hi_raw"], max(geos) * 1e-6, rtol=1e-12)
    n = sum(nhs.runs_at_ceiling(records, "kappa_h_1e-6", m, s, i)
            for m in nh.MODELS for s in STATES for i in INPUTS)
    at = sum(read(r) >= 1e6 / nhs.CEILING_FACTOR for r in records)   # within 10× of 1/c
    assert n == at
    assert v["ch8_ceiling_runs_1e6"] == count_words(at, len(records), "runs")


def test_paired_table_counts_every_comparison(records):
    sec = nh.paired_table(records)
    v = sec.values
    assert len(sec.rows) == 6 and all(len(r) == 7 for r in sec.rows)
    n_none = sum(nhs.compare(records, k, (a, s, "raw"), (b, s, "raw"), scale="log").verdict
                 is None for k in ["kappa_gn_range", "kappa_h_structural", "kappa_h_1e-6",
                                   "ratio_rank_half", "lambda_max"]
                 for a, b in [("cd4", "dense"), ("cd8", "dense"), ("cd8", "cd4")]
                 for s in STATES)
    assert v["ch8_pairs_tried"] + v["ch8_pairs_ceiling"] + n_none == 30
    listed = [] if v["ch8_pairs_list"] == "none" else v["ch8_pairs_list"].split("; ")
    assert len(listed) == v["ch8_pairs_resolved"] <= v["ch8_pairs_tried"]
    assert v["ch8_rank_half"] == min(p["n_params"] for p in PAPER_TABLE1.values()) // 2


def test_block_table_counts_every_block(records):
    v = nh_blocks.block_table(records).values
    blocks = [l for r in records for l in r["layers"]]
    psd = sum(l["hessian"]["negative_mass"] < 1e-9 for l in blocks)
    assert v["ch8_blocks_psd"] == count_words(psd, len(blocks), "blocks")
    shares = [np.mean([r["layers"][2]["hessian"]["lambda_max"] / r["hessian"]["lambda_max"]
                       for r in _runs(records, m, s)])
              for m in nh.MODELS for s in STATES if _runs(records, m, s)]
    assert np.isclose(v["ch8_last_share_lo"], min(shares))
    assert np.isclose(v["ch8_last_share_hi"], max(shares))
    # one block with negative curvature: the count drops by one
    altered = copy.deepcopy(records)
    altered[0]["layers"][0]["hessian"]["negative_mass"] = 0.1
    before = nh_blocks.block_table(records).values["ch8_blocks_psd"]
    after = nh_blocks.block_table(altered).values["ch8_blocks_psd"]
    assert after != before and after == count_words(psd - 1, len(blocks), "blocks")
    assert nh_blocks.block_table(altered).values["ch8_block_neg"] == 0.1


def test_whitened_table_accuracy_and_sentences(records):
    sec = nh_blocks.whitened_table(records)
    for m in nh.MODELS:
        for i in INPUTS:
            runs = _runs(records, m, "trained", i)
            direct = 100 * np.mean([r["test_accuracy"] for r in runs]) if runs else np.nan
            assert np.isclose(sec.values[f"ch8_acc_{m}_{i}"], direct, equal_nan=True)
    assert isinstance(sec.values["ch8_white_kgn"], Sentence)
    assert all(len(r) == 7 for r in sec.rows)


def test_paper_kappa_ordering_against_medians_and_its_flip(records):
    sec = nhv.paper_kappa_table(records)
    med = {m: np.median([r["paper_kappa"]["weights_sv"] for r in _runs(records, m, "trained")])
           for m in nh.MODELS}
    holds = med["dense"] > med["cd4"] > med["cd8"]
    assert sec.values["ch8_paper_median_order"] == ("holds" if holds else "fails")
    assert sec.values["ch8_paper_median_cd8"] == f"{med['cd8']:.2e}"
    altered = copy.deepcopy(records)
    for r in altered:                       # reverse the order: dense the smallest by far
        if r["model"] == "dense":
            r["paper_kappa"]["weights_sv"] *= 1e-12
    flipped = nhv.paper_kappa_table(altered).values
    assert flipped["ch8_paper_median_order"] == "fails"
    assert flipped["ch8_paper_geo_order"] == "fails"


def test_verdict_table_counts_add_up(records):
    sec = nhv.verdict_table(records)
    v = sec.values
    assert v["ch8_n_comparisons"] == 9 * 4 * 2
    assert v["ch8_n_lower"] + v["ch8_n_higher"] + v["ch8_n_unresolved"] == v["ch8_n_verdicts"]
    assert v["ch8_n_verdicts"] + v["ch8_n_ceiling"] <= v["ch8_n_comparisons"]
    assert v["ch8_verdict_sentence"] == nhs.conditioning_answer(sec.data["by_kind"])
    words = {w for row in sec.rows for cell in row[1:] for w in cell.split(" / ")}
    assert words <= {"lower", "higher", "unresolved", "at the ceiling", "–"}


def test_equal_count_against_the_json(records):
    v = nhv.equal_count(records).values
    assert v["ch8_median_rank_dense"] == PAPER_TABLE1["dense"]["n_params"] // 2
    direct = min(len(_runs(records, "dense", s, i)) for s in STATES for i in INPUTS)
    assert v["ch8_n_dense_seeds"] == direct
    assert v["ch8_half_cd8_verdict"] in nhs.VERDICTS
    assert v["ch8_cutoff_gap_text"].startswith("at most ")


def test_slq_table_against_the_json(results, records):
    sec = nhv.slq_table(results)
    raw = [r for r in records if r["inputs"] == "raw"]
    assert np.isclose(sec.values["ch8_slq_l1_first"],
                      np.mean([r["slq"]["l1_smoothed"][0] for r in raw]))
    assert sec.values["ch8_slq_probes_last"] == results["settings"]["slq_probes"][-1]
    assert 0 < sec.values["ch8_slq_share_min"] <= 100
    assert len(sec.header) == 3 + len(results["settings"]["slq_probes"])


def test_show_glues_and_returns_the_table(capsys, monkeypatch):
    import cdnotes.report.glued as glued
    seen = []
    monkeypatch.setattr(glued, "glue", lambda n, v: seen.append(("glue", n, v)))
    monkeypatch.setattr(glued, "glue_markdown", lambda n, v: seen.append(("md", n, v)))
    table = show(Section({"a": 1, "b": Sentence("$x$")}, ["h"], [[2]]))
    assert seen == [("glue", "a", 1), ("md", "b", "$x$")]
    assert table.data.splitlines()[-1] == "| 2 |"
    assert show(Section({})) is None
    with pytest.raises(TypeError, match="report Section"):
        show({"a": 1})


@pytest.mark.filterwarnings("ignore:No artists with labels")
def test_the_figures_draw_and_say_where_the_file_has_no_runs(records):
    import matplotlib.pyplot as plt
    for fig in (nh_plots.plot_densities(records), nh_plots.plot_cutoff_curves(records),
                nh_plots.plot_slq(records)):
        assert fig.axes and all(ax.has_data() for ax in fig.axes[:3])
        plt.close(fig)
    no_cd8 = [r for r in records if r["model"] != "cd8"]
    fig = nh_plots.plot_densities(no_cd8)
    assert any(t.get_text() == "no seeds in the file" for t in fig.axes[2].texts)
    plt.close(fig)
