"""cdnotes.report.architectures and cdnotes.report.sequence_curvature: chapter 13's tables and
verdict words on constructed records where the answer is known, so each verdict can flip."""
from __future__ import annotations

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")

from cdnotes.experiments.network_hessian_spectra import spectrum_summary  # noqa: E402
from cdnotes.experiments.sequence_curvature import summarize as sc_summarize  # noqa: E402
from cdnotes.plotting import color  # noqa: E402
from cdnotes.report import architectures as ra  # noqa: E402
from cdnotes.report import architectures_verdicts as rv  # noqa: E402
from cdnotes.report import sequence_curvature as rs  # noqa: E402

LRS = (0.001, 0.01)


def _record(model, block_size, lr, seed, val, test, *, diverged=False, epochs_run=30,
            seconds=1.0):
    return {"model": model, "block_size": block_size, "lr": lr, "seed": seed,
            "n_params": 100 if block_size is None else 90, "val_accuracy": val,
            "test_accuracy": test, "diverged": diverged, "epochs_run": epochs_run,
            "train_seconds": seconds, "structure": "cd" if block_size else "dense"}


def _result(cd_offset, *, cd_best_lr=0.01, spread=0.01):
    """Dense CNN at ~0.90 (best rate 0.001), its CD twin at 0.90 + cd_offset, SHFIN, a dense
    transformer and MLP; the noise has a fixed seed."""
    rng = np.random.default_rng(0)
    recs = []
    for seed in range(5):
        for lr in LRS:
            good = lr == 0.001
            recs.append(_record("cnn_dense", None, lr, seed, 0.9 if good else 0.8,
                                0.9 + spread * rng.standard_normal() if good else 0.5,
                                seconds=2.0))
            good = lr == cd_best_lr
            recs.append(_record("cnn_cd", 4, lr, seed, 0.85 if good else 0.7,
                                0.9 + cd_offset + spread * rng.standard_normal() if good
                                else 0.1, diverged=not good and seed == 0,
                                epochs_run=100 if good else 12, seconds=6.0))
            recs.append(_record("shfin", None, lr, seed, 0.6, 0.6 + spread * rng.standard_normal()))
            recs.append(_record("transformer_dense", None, lr, seed, 0.7,
                                0.7 + spread * rng.standard_normal()))
            recs.append(_record("mlp_dense", None, lr, seed, 0.6,
                                0.6 + spread * rng.standard_normal()))
    return {"records": recs, "settings": {"epochs": 100, "patience": 10, "n_val": 500},
            "sources": [{"wall_seconds": 120.0}]}


def test_the_table_reports_the_rate_chosen_on_validation_flags_and_counts():
    section = ra.accuracy_section(_result(0.0))
    table = section.data["table"]
    assert table["cnn_dense"]["lr"] == 0.001 and table["cnn_cd_B4"]["lr"] == 0.01
    assert section.values["ch13_n_runs"] == 50 and section.values["ch13_n_seeds"] == 5
    assert section.values["ch13_wall_min"] == pytest.approx(2.0)
    # both ends of a two-point grid are ends: every model's rate is flagged
    assert section.values["ch13_n_edge"] == len(table)
    assert "0.01, the largest" in section.values["ch13_edge"]
    assert section.values["ch13_n_diverged"] == 1          # cnn_cd seed 0 at 0.001
    assert section.values["ch13_n_budget"] == 5            # cnn_cd at its chosen rate
    row = next(r for r in section.rows if r[0] == "CNN, CD B = 4")
    assert dict(section.data["flags"])["cnn_cd_B4"] == "0 / 1, 5"
    assert row[2] == "0.01 (grid end) (85.0)"
    # the test accuracy shown is the chosen rate's, never the other rate's 0.1
    assert float(row[3].split()[0]) > 80
    assert section.values["ch13_budget_runs"].startswith("5 used the whole epoch budget")


@pytest.mark.parametrize("offset, word", [(-0.05, "lower"), (0.05, "higher"),
                                          (0.0, "indistinguishable")])
def test_cd_against_dense_is_a_welch_interval_that_flips_with_the_data(offset, word):
    section = ra.accuracy_section(_result(offset))
    comp = ra.cd_vs_dense(section.data["table"], section.data["chosen"])
    assert comp.values["ch13_cd_cnn_B4"] == word
    (c,) = comp.data["comparisons"]
    assert c["estimate"].mean == pytest.approx(100 * offset, abs=2.0)
    assert c["time_ratio"] == pytest.approx(3.0)
    listed = {"lower": "ch13_cd_lower", "higher": "ch13_cd_higher",
              "indistinguishable": "ch13_cd_same"}[word]
    assert comp.values[listed] == "CNN B = 4"


def test_shfin_is_compared_with_each_trained_reference():
    section = ra.accuracy_section(_result(0.0))
    s = ra.shfin_section(section.data["table"], section.data["chosen"])
    assert s.values["ch13_shfin_vs_cnn_dense"] == "lower"
    assert s.values["ch13_shfin_vs_transformer_dense"] == "lower"
    assert s.values["ch13_shfin_vs_mlp_dense"] == "indistinguishable"
    assert s.values["ch13_shfin_rel_mlp_dense"] == "indistinguishable from"
    assert s.values["ch13_shfin_rel_cnn_dense"] == "lower than"
    assert len(s.rows) == 3
    no_shfin = {k: v for k, v in section.data["table"].items() if k != "shfin"}
    with pytest.raises(ValueError, match="no SHFIN"):
        ra.shfin_section(no_shfin, section.data["chosen"])


def test_styles_names_and_the_figure():
    assert ra.model_style("mlp_dense")["color"] == color("dense")
    assert ra.model_style("mlp_cd", 8)["color"] == color("cd8")
    assert ra.model_style("cnn_dense")["color"] == color("cnn")
    assert ra.model_style("cnn_cd", 4)["marker"] != ra.model_style("mlp_cd", 4)["marker"]
    assert ra.display_name("transformer_cd", 2) == "transformer, CD B = 2"
    assert ra.display_name("shfin") == "SHFIN"
    with pytest.raises(ValueError, match="unknown model"):
        ra.family("rnn_dense")
    section = ra.accuracy_section(_result(0.0))
    fig = ra.accuracy_figure(section.data["table"], section.data["chosen"], {"CNN": 0.94})
    labels = fig.axes[0].get_legend_handles_labels()[1]
    assert len(labels) == len(section.data["table"])


def _sc_record(model, block_size, layernorm, state, seed, scale):
    """Full-spectrum record whose GN eigenvalues spread over ``scale`` decades."""
    rng = np.random.default_rng(seed)
    gn = np.logspace(-scale, 0, 60) * (1 + 0.01 * rng.random(60))
    h = np.concatenate([-0.1 * gn[:10], gn[10:]])
    return {"model": model, "block_size": block_size, "layernorm": layernorm, "state": state,
            "seed": seed, "n_params": 60, "method": "full", "loss": 2.0, "accuracy": 0.5,
            "hessian": spectrum_summary(h, histogram=False),
            "gauss_newton": spectrum_summary(gn, histogram=False)}


def _sc_result(cd_scale):
    recs = []
    for seed in range(5):
        recs.append(_sc_record("transformer_dense", None, "with", "init", seed, 3))
        recs.append(_sc_record("transformer_dense", None, "without", "init", seed, 5))
        recs.append(_sc_record("transformer_cd", 4, "with", "init", seed, cd_scale))
    return {"records": recs, "settings": {"n_eval": 64, "epochs": 2, "lr": 1e-3, "channels": 8,
                                          "d_model": 8},
            "sources": [{"wall_seconds": 60.0}]}


def test_the_curvature_tables_and_verdicts_follow_the_spectra():
    result = _sc_result(cd_scale=2)
    section = rs.measures_section(result)
    assert section.values["ch13c_n_seeds"] == 5
    assert section.values["ch13c_methods"].startswith("every spectrum")
    assert [r[0] for r in section.rows] == ["transformer, dense, init",
                                            "transformer, dense, no LayerNorm, init",
                                            "transformer, CD B = 4, init"]
    summary = section.data["summary"]
    ln = rs.comparisons_section(summary, "layernorm")
    kappa = [c for c in ln.data["comparisons"]
             if c["matrix"] == "gauss_newton" and c["measure"] == "kappa_1e-08"]
    # with LayerNorm: 3 decades, without: 5 -> κ(1e-8) is lower with, neither at its ceiling
    assert kappa[0]["verdict"] == "lower" and kappa[0]["first"] == "transformer_dense/init"
    at_ceiling = [c for c in ln.data["comparisons"]
                  if c["matrix"] == "gauss_newton" and c["measure"] == "kappa_0.01"]
    assert at_ceiling[0]["verdict"] == "at the ceiling"
    assert ln.values["ch13c_layernorm_pairs"] == 1 and ln.values["ch13c_layernorm_ceiling"] >= 1
    st = rs.comparisons_section(summary, "structure")
    cd = [c for c in st.data["comparisons"]
          if c["matrix"] == "gauss_newton" and c["measure"] == "percentile_ratio_50"]
    assert cd[0]["verdict"] == "lower"                        # 2 decades against 3
    flipped = rs.comparisons_section(sc_summarize(_sc_result(cd_scale=4)["records"]),
                                     "structure")
    cd = [c for c in flipped.data["comparisons"]
          if c["matrix"] == "gauss_newton" and c["measure"] == "percentile_ratio_50"]
    assert cd[0]["verdict"] == "higher"
    with pytest.raises(ValueError, match="kind must be"):
        rs.comparisons_section(summary, "depth")
    assert rs.measure_name("kappa_1e-06") == "κ(1e-6)"
    gn = rs.measures_section(result, "gauss_newton")
    assert gn.header[0] == "configuration" and "P" not in gn.header and len(gn.rows) == 3
    with pytest.raises(ValueError, match="matrix must be"):
        rs.measures_section(result, "fisher")
    names = [r[0] for r in ln.rows]
    assert names == ["transformer, dense, init"] * 2 and [r[1] for r in ln.rows] == ["H", "GN"]
    assert [r[0] for r in st.rows] == ["transformer, init"] * 2
    assert ln.header[-1] == "κ(c), c = 1e-2, 1e-4, 1e-6, 1e-8"
    assert ln.rows[1][-1].split("; ")[-1].endswith("lower")   # GN κ(1e-8): 3 decades vs 5
    assert ln.rows[1][-1].split("; ")[0] == "† ceiling"       # κ(1e-2) at its ceiling
    assert rs._kappa_cell([{"verdict": "at the ceiling", "mean": 0.1}] * 2) == "† at every c"
    fig = rs.extremes_figure(result)
    assert len(fig.axes) == 2


def _speed(rows):
    return {"rows": [{"block_size": None, "speedup": 1.0, "flop_ratio": 1.0,
                      "flop_ratio_projection": 1.0}]
            + [{"block_size": b, "speedup": s, "flop_ratio": f, "flop_ratio_projection": f}
               for b, s, f in rows]}


def test_the_speed_goal_is_owed_only_where_the_flops_are_four_times_lower():
    conv = _speed([(4, 0.9, 1.3), (8, 1.5, 3.2), (16, 2.5, 7.1)])
    att = _speed([(4, 1.1, 2.0), (8, 0.95, 4.5), (16, 1.2, 9.0)])
    s = rv.speed_section(conv, att)
    assert s.values["ch13s_conv_goal_b"] == 16 and s.values["ch13s_conv_faster_b"] == 8
    assert s.values["ch13s_conv_met"] == "met" and s.values["ch13s_conv_best"] == 2.5
    assert s.values["ch13s_attention_goal_b"] == 8
    assert s.values["ch13s_attention_met"] == "not met"        # B = 8 is owed and slower
    assert [r[-1] for r in s.rows] == ["– (below 4×)", "– (below 4×)", "yes", "– (below 4×)",
                                       "no", "yes"]
    tie = rv.speed_section(_speed([(16, 1.05, 7.0)]), att)      # within the 10% margin
    assert tie.values["ch13s_conv_met"] == "not met" and tie.values["ch13s_conv_faster_b"] == "none"
    none = rv.speed_section(_speed([(4, 2.0, 1.5)]), att)
    assert none.values["ch13s_conv_goal_b"] == "none" and none.values["ch13s_conv_met"] == "not met"


def test_the_accuracy_kappa_figure_draws_only_trained_runs():
    result = _sc_result(cd_scale=2)
    assert len(rs.accuracy_kappa_figure(result).axes[0].collections) == 0   # all at init
    for r in result["records"]:
        r["state"] = "trained"
    fig = rs.accuracy_kappa_figure(result)
    assert len(fig.axes[0].collections) == len(result["records"])


def test_the_verdict_table_follows_its_sections():
    result = _result(-0.05)
    section = ra.accuracy_section(result)
    table, chosen = section.data["table"], section.data["chosen"]
    cd = ra.cd_vs_dense(table, chosen)
    # a transformer and MLP twin, indistinguishable from their dense models
    recs = list(result["records"])
    for r in [r for r in recs if r["model"] in ("transformer_dense", "mlp_dense")]:
        recs.append({**r, "model": r["model"].replace("_dense", "_cd"), "block_size": 4})
    res2 = {**result, "records": recs}
    s2 = ra.accuracy_section(res2)
    cd2 = ra.cd_vs_dense(s2.data["table"], s2.data["chosen"])
    shfin = ra.shfin_section(table, chosen)
    speed = rv.speed_section(_speed([(16, 2.0, 7.0)]), _speed([(16, 0.9, 7.0)]))
    sc = sc_summarize(_sc_result(cd_scale=2)["records"])
    v = rv.verdict_section(cd2, shfin, speed, rs.comparisons_section(sc, "layernorm"),
                           rs.comparisons_section(sc, "structure"), "corrected", "5 seeds")
    assert v.values["ch13v_cnn"] == "less accurate than its dense twin at B = 4"
    assert v.values["ch13v_transformer"] == v.values["ch13v_mlp"] == (
        "indistinguishable from its dense twin at B = 4")
    cnn_row = next(r for r in v.rows if "CNN" in r[0])
    assert cnn_row[1] == "less accurate than dense at B = 4"
    assert v.values["ch13v_layernorm"].startswith("lower where decided (")
    assert v.values["ch13v_structure"].startswith("lower where decided (")
    assert v.values["ch13v_curvature"].startswith("where a comparison is decided, the direction")
    speed_row = next(r for r in v.rows if r[0].startswith("Is CD faster"))
    assert speed_row[1] == "convolution: met; attention: not met"
    assert len(v.rows) == 8 and all(len(r) == 3 for r in v.rows)
    ln_row = next(r for r in v.rows if "LayerNorm" in r[0])
    assert ln_row[1].startswith("lower where decided (") and " decided)" in ln_row[1]
    with pytest.raises(ValueError, match="no CD comparison"):
        rv.family_verdict(cd.data["comparisons"], "transformer")


def test_chapter12_beside_reports_both_and_the_order():
    section = ra.accuracy_section(_result(0.0))
    table = dict(section.data["table"])
    ch12 = {"config": {"train": {"epochs": 10, "lr": 0.003}},
            "records": [{"variant": v, "final_accuracy": a} for v, a in
                        (("shfin", 0.3), ("cnn", 0.8), ("mlp", 0.5))]}
    s = rv.chapter12_beside(ch12, table)
    assert s.values["ch13_ch12_cnn"] == pytest.approx(80.0)
    assert s.values["ch13_now_cnn"] == pytest.approx(100 * table["cnn_dense"]["test_mean"])
    # now: cnn ~90 > shfin ~60 = mlp ~60 -> order may tie; flip chapter 12's to force a change
    ch12["records"][0]["final_accuracy"] = 0.95
    assert rv.chapter12_beside(ch12, table).values["ch13_ch12_order"] == "a different order"
    with pytest.raises(ValueError, match="missing"):
        rv.chapter12_beside({**ch12, "records": ch12["records"][:1]}, table)


def test_family_verdict_names_each_block_size():
    from cdnotes.stats import Estimate
    e = Estimate(0.0, 1.0, 5, -1.0, 1.0, 0.95)
    comps = [{"family": "cnn", "block_size": b, "word": w, "estimate": e}
             for b, w in ((2, "indistinguishable"), (4, "indistinguishable"), (8, "lower"))]
    category, phrase, text = rv.family_verdict(comps, "cnn")
    assert category == "lower"
    assert phrase == ("less accurate than its dense twin at B = 8 and indistinguishable from it "
                      "at B = 2, 4")
    assert text.count("B = ") == 3
    comps[0]["word"] = "higher"
    assert rv.family_verdict(comps, "cnn")[0] == "mixed"

