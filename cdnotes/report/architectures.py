"""Chapter 13's reading of the fair comparison (``python -m cdnotes architectures``): the
accuracy table (:func:`accuracy_section`), CD against its dense twin (:func:`cd_vs_dense`),
SHFIN restated against the trained transformer (:func:`shfin_section`) and the figure
(:func:`accuracy_figure`).

Every comparison is a Welch 95 % interval of the difference of test accuracies (percentage
points) over the seeds at each model's chosen rate: ``"lower"``/``"higher"`` when the interval
excludes zero, ``"indistinguishable"`` when it does not.
"""
from __future__ import annotations

import numpy as np

from ..experiments.architectures import summary as arch_summary
from ..stats import welch_difference_ci
from .glued import Section, Sentence

__all__ = ["FAMILIES", "family", "display_name", "model_style", "chosen_records",
           "accuracy_section", "cd_vs_dense", "shfin_section", "accuracy_figure",
           "speed_section", "count_verdict", "family_verdict", "verdict_section",
           "chapter12_beside"]

FAMILIES = {"mlp": "MLP", "cnn": "CNN", "transformer": "transformer", "shfin": "SHFIN"}
"""Each model family's name in the text."""

_MARKERS = {"mlp": "o", "cnn": "s", "transformer": "^", "shfin": "D"}
_DENSE_COLORS = {"mlp": "dense", "cnn": "cnn", "transformer": "transformer", "shfin": "shfin"}


def family(model) -> str:
    """``"cnn"`` for ``"cnn_cd"``, ``"shfin"`` for ``"shfin"``.

    Parameters
    ----------
    model : str, a name of :data:`cdnotes.experiments.architectures.MODELS`

    Returns
    -------
    str, a key of :data:`FAMILIES`
    """
    name = model.partition("_")[0]
    if name not in FAMILIES:
        raise ValueError(f"unknown model {model!r}; families: {', '.join(FAMILIES)}")
    return name


def display_name(model, block_size=None) -> str:
    """``"CNN, CD B = 4"``, ``"dense transformer"``, ``"SHFIN"``: a model as the text names it.

    Parameters
    ----------
    model : str; block_size : int or None

    Returns
    -------
    str
    """
    fam = FAMILIES[family(model)]
    if model == "shfin":
        return fam
    return f"{fam}, CD B = {block_size}" if model.endswith("_cd") else f"dense {fam}"


def model_style(model, block_size=None) -> dict:
    """The book's colour (:func:`cdnotes.plotting.color`) and a marker per family: dense models
    in their family's colour (the dense MLP blue, the CNN and SHFIN as in chapter 12), CD models
    in their block size's colour (B = 4 orange, B = 8 red as in chapters 5-12).

    Parameters
    ----------
    model : str; block_size : int or None

    Returns
    -------
    dict ``{"color", "marker"}`` for matplotlib
    """
    from ..plotting import color

    fam = family(model)
    name = f"cd{block_size}" if model.endswith("_cd") else _DENSE_COLORS[fam]
    return {"color": color(name), "marker": _MARKERS[fam]}


def chosen_records(records, table) -> dict:
    """Each model's records at its chosen rate.

    Parameters
    ----------
    records : list of dict, the sweep's records
    table : dict, :func:`cdnotes.experiments.architectures.summarize`

    Returns
    -------
    dict ``{label: [record, ...]}`` sorted by seed
    """
    out = {label: [] for label in table}
    for r in records:
        label = arch_summary.model_label(r["model"], r["block_size"])
        if label in table and float(r["lr"]) == table[label]["lr"]:
            out[label].append(r)
    return {k: sorted(v, key=lambda r: r["seed"]) for k, v in out.items()}


def _pct(values):
    return 100.0 * np.asarray([float(v) for v in values])


def _welch(a, b):
    """Welch interval of ``mean(a) − mean(b)`` (points) and its word."""
    est = welch_difference_ci(_pct(a), _pct(b))
    word = "higher" if est.low > 0 else "lower" if est.high < 0 else "indistinguishable"
    return est, word


def _interval_text(est) -> str:
    return f"{est.mean:+.1f} [{est.low:+.1f}, {est.high:+.1f}]"


def _budget_text(records, budget) -> str:
    """Which runs used the whole epoch budget (never stopped early), by model and rate."""
    hit = [r for r in records if int(r["epochs_run"]) >= budget and not r.get("diverged")]
    if not hit:
        return "none used the whole epoch budget"
    names = sorted({f"{display_name(r['model'], r['block_size'])} at rate {r['lr']:g}"
                    for r in hit})
    return (f"{len(hit)} used the whole epoch budget without stopping early "
            f"({'; '.join(names)})")


def accuracy_section(result) -> Section:
    """The accuracy table: per model its parameters, the rate chosen on validation (marked
    when it is an end of the grid: the best rate may lie outside it), validation and test
    accuracy, epochs run and training time.

    Parameters
    ----------
    result : dict, the committed ``architectures_mnist1d`` file (``records``, ``settings``,
        ``sources``)

    Returns
    -------
    Section
        Values: ``ch13_n_seeds``, ``ch13_seeds``, ``ch13_lrs``, ``ch13_epochs``,
        ``ch13_patience``, ``ch13_n_val``, ``ch13_n_runs``, ``ch13_wall_min``,
        ``ch13_n_edge`` (models whose chosen rate is an end of the grid), ``ch13_edge``
        (a sentence naming them), ``ch13_n_diverged`` (runs whose loss turned NaN/inf, any
        rate), ``ch13_n_budget`` (runs that never stopped early), ``ch13_budget_runs`` (a
        sentence naming them); data: ``table`` (the summary), ``chosen``, ``flags``
        (``[(label, "diverged at the chosen rate / all rates, full-budget runs")]``).
    """
    records = result["records"]
    table = arch_summary.summarize(records)
    lrs = sorted({float(r["lr"]) for r in records})
    seeds = sorted({int(r["seed"]) for r in records})
    chosen = chosen_records(records, table)
    budget = int(result["settings"]["epochs"])
    rows, edge, flagged = [], [], []
    n_diverged = sum(bool(r.get("diverged")) for r in records)
    n_budget = sum(int(r["epochs_run"]) >= budget and not r.get("diverged") for r in records)
    for label, row in table.items():
        runs = [r for r in records
                if arch_summary.model_label(r["model"], r["block_size"]) == label]
        flags = (f"{sum(bool(r.get('diverged')) for r in chosen[label])} / "
                 f"{sum(bool(r.get('diverged')) for r in runs)}, "
                 f"{sum(int(r['epochs_run']) >= budget for r in chosen[label])}")
        at_edge = row["lr"] in (lrs[0], lrs[-1])
        if at_edge:
            edge.append(f"{display_name(row['model'], row['block_size'])} "
                        f"({row['lr']:g}, the {'smallest' if row['lr'] == lrs[0] else 'largest'})")
        test = (f"{100 * row['test_mean']:.1f} [{100 * row['test_low']:.1f}, "
                f"{100 * row['test_high']:.1f}]" if row["test_low"] is not None
                else f"{100 * row['test_mean']:.1f}")
        rows.append([display_name(row["model"], row["block_size"]), row["n_params"],
                     f"{row['lr']:g}" + (" (grid end)" if at_edge else "")
                     + f" ({100 * row['val_accuracy']:.1f})", test,
                     f"{row['epochs_run']:.0f}",
                     f"{row['train_seconds']:.1f}" if row["train_seconds"] < 10
                     else f"{row['train_seconds']:.0f}"])
        flagged.append((label, flags))
    wall = sum(s.get("wall_seconds", 0.0) for s in result.get("sources", []))
    edge_text = ("no model's chosen rate is an end of the grid" if not edge else
                 "the chosen rate is an end of the grid for " + "; ".join(edge)
                 + " — a rate outside the grid might do better")
    seq = [row["test_mean"] for row in table.values() if family(row["model"]) in
           ("cnn", "transformer")]
    mlp = [row["test_mean"] for row in table.values() if family(row["model"]) == "mlp"]
    if seq and mlp:
        above = min(seq) > max(mlp)
        seq_text = (f"every CNN and transformer, CD or not, is above every MLP (lowest "
                    f"{100 * min(seq):.1f}% against the best MLP's {100 * max(mlp):.1f}%)"
                    if above else
                    f"the CNNs and transformers are not all above the MLPs (lowest "
                    f"{100 * min(seq):.1f}% against the best MLP's {100 * max(mlp):.1f}%)")
    else:
        seq_text = "the records hold no MLP or no CNN/transformer to set beside each other"
    values = {"ch13_n_seeds": len(seeds), "ch13_seeds": ", ".join(map(str, seeds)),
              "ch13_lrs": ", ".join(f"{v:g}" for v in lrs),
              "ch13_epochs": int(result["settings"]["epochs"]),
              "ch13_patience": int(result["settings"]["patience"]),
              "ch13_n_val": int(result["settings"]["n_val"]),
              "ch13_n_runs": len(records), "ch13_wall_min": wall / 60.0,
              "ch13_n_diverged": n_diverged, "ch13_n_budget": n_budget,
              "ch13_n_edge": len(edge), "ch13_edge": Sentence(edge_text),
              "ch13_seq_vs_mlp": Sentence(seq_text),
              "ch13_budget_runs": Sentence(_budget_text(records, budget))}
    header = ["model", "parameters", "rate (validation acc., %)", "test acc., % [95% CI]",
              "epochs", "training s"]
    return Section(values, header, rows, data={"table": table, "chosen": chosen,
                                               "flags": flagged})


def cd_vs_dense(table, chosen) -> Section:
    """Each CD model against its dense twin (same family): test accuracy difference, Welch 95 %
    interval, parameters and training time.

    Parameters
    ----------
    table : dict, :func:`cdnotes.experiments.architectures.summarize`
    chosen : dict, :func:`chosen_records`

    Returns
    -------
    Section
        Values ``ch13_cd_<family>_B<b>`` (the word), ``ch13_cd_<family>_B<b>_d`` (the interval
        text), ``ch13_cd_lower``/``_higher``/``_same`` (sentences listing them); data
        ``comparisons`` (list of dicts).
    """
    values, rows, comps = {}, [], []
    for label, row in table.items():
        if not row["model"].endswith("_cd"):
            continue
        dense = row["model"].replace("_cd", "_dense")
        if dense not in table:
            continue
        est, word = _welch([r["test_accuracy"] for r in chosen[label]],
                           [r["test_accuracy"] for r in chosen[dense]])
        fam, b = family(row["model"]), row["block_size"]
        time_ratio = row["train_seconds"] / table[dense]["train_seconds"]
        comps.append({"family": fam, "block_size": b, "estimate": est, "word": word,
                      "time_ratio": time_ratio})
        key = f"ch13_cd_{fam}_B{b}"
        values[key], values[key + "_d"] = word, _interval_text(est)
        rows.append([FAMILIES[fam], b, f"{row['n_params']} / {table[dense]['n_params']}",
                     _interval_text(est), word, f"{time_ratio:.2f}"])

    def listing(word):
        hit = [f"{FAMILIES[c['family']]} B = {c['block_size']}" for c in comps
               if c["word"] == word]
        return Sentence(", ".join(hit) if hit else "none")

    values.update(ch13_cd_lower=listing("lower"), ch13_cd_higher=listing("higher"),
                  ch13_cd_same=listing("indistinguishable"))
    if comps:
        ratios = [c["time_ratio"] for c in comps]
        values.update(ch13_time_ratio_min=min(ratios), ch13_time_ratio_max=max(ratios))
    header = ["family", "B", "parameters, CD / dense", "CD − dense, points [95% CI]",
              "CD is", "training time, CD / dense"]
    return Section(values, header, rows, data={"comparisons": comps})


def shfin_section(table, chosen, references=("transformer_dense", "cnn_dense", "mlp_dense")):
    """SHFIN against the trained models of the same protocol (the baselines chapter 12 lacked).

    Parameters
    ----------
    table, chosen : as for :func:`cd_vs_dense`
    references : labels compared with ``"shfin"``

    Returns
    -------
    Section
        Values ``ch13_shfin_vs_<ref>`` (word), ``ch13_shfin_rel_<ref>`` (the word with its
        preposition, "lower than"), ``ch13_shfin_vs_<ref>_d`` (interval text),
        ``ch13_acc_<label>`` (test accuracy mean, %) for SHFIN and the references.
    """
    if "shfin" not in table:
        raise ValueError("the records have no SHFIN runs")
    values = {"ch13_acc_shfin": 100 * table["shfin"]["test_mean"]}
    rows = []
    for ref in references:
        if ref not in table:
            continue
        est, word = _welch([r["test_accuracy"] for r in chosen["shfin"]],
                           [r["test_accuracy"] for r in chosen[ref]])
        values[f"ch13_shfin_vs_{ref}"] = word
        values[f"ch13_shfin_rel_{ref}"] = {"lower": "lower than", "higher": "higher than"}.get(
            word, "indistinguishable from")
        values[f"ch13_shfin_vs_{ref}_d"] = _interval_text(est)
        values[f"ch13_acc_{ref}"] = 100 * table[ref]["test_mean"]
        rows.append([display_name(table[ref]["model"]), table[ref]["n_params"],
                     f"{100 * table[ref]['test_mean']:.1f}", _interval_text(est), word])
    header = ["reference", "parameters", "its test acc., %", "SHFIN − it, points [95% CI]",
              "SHFIN is"]
    return Section(values, header, rows)


def accuracy_figure(table, chosen, baselines):
    """Test accuracy against parameters and against training time, one point per seed at the
    chosen rate, the mean as a large marker, the published MNIST-1D baselines as lines.

    Parameters
    ----------
    table, chosen : as for :func:`cd_vs_dense`
    baselines : dict ``{name: accuracy in [0, 1]}``, e.g.
        :data:`cdnotes.experiments.structured.MNIST1D_BASELINES`

    Returns
    -------
    matplotlib Figure
    """
    import matplotlib.pyplot as plt

    from ..plotting import color

    fig, axes = plt.subplots(1, 2, figsize=(10, 4.2), sharey=True)
    for label, row in table.items():
        style = model_style(row["model"], row["block_size"])
        runs = chosen[label]
        acc = _pct(r["test_accuracy"] for r in runs)
        for ax, x in zip(axes, ([row["n_params"]] * len(runs),
                                [r["train_seconds"] for r in runs])):
            ax.scatter(x, acc, s=12, alpha=0.35, color=style["color"], marker=style["marker"])
            ax.scatter([np.mean(x)], [acc.mean()], s=70, color=style["color"],
                       marker=style["marker"], edgecolor="black", linewidth=0.6,
                       label=display_name(row["model"], row["block_size"]))
    for ax in axes:
        for name, acc in baselines.items():
            ax.axhline(100 * acc, color=color("guide"), linestyle="--", linewidth=1, zorder=0)
        ax.grid(alpha=0.3)
    right = axes[1]
    for name, acc in baselines.items():                # labelled at the right edge
        right.annotate(f"{name} (published)", (1.0, 100 * acc), xycoords=("axes fraction", "data"),
                       xytext=(4, 0), textcoords="offset points", va="center", fontsize=9,
                       color=color("muted"))
    axes[0].set_xlabel("parameters")
    axes[1].set_xlabel("training time per run, s (one process)")
    axes[1].set_xscale("log")
    axes[0].set_ylabel("test accuracy, %")
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=4, fontsize=9, frameon=False,
               bbox_to_anchor=(0.5, -0.02))
    fig.tight_layout(rect=(0, 0.16, 0.9, 1))
    return fig


def _first(rows, key, test):
    hit = [r["block_size"] for r in rows if r["block_size"] is not None and test(r[key])]
    return min(hit) if hit else None


def speed_section(conv, attention, goal=4.0, margin=0.10) -> Section:
    """The speed goal: CD faster than dense from the block size where its FLOP count is
    ``goal`` times lower.

    Parameters
    ----------
    conv : dict, the committed ``cd_conv_speed_cpu`` file (``benchmarks/cd_conv_speed.py
        --json``): ``rows`` with ``block_size``, ``speedup``, ``flop_ratio``
    attention : dict, the committed ``cd_attention_speed_cpu`` file
        (``benchmarks/cd_attention_speed.py --json``): ``rows`` with ``block_size``,
        ``speedup``, ``flop_ratio_projection``, ``flop_ratio_layer``
    goal : float > 1, default 4
    margin : float >= 0, default 0.10
        "Faster" means a time ratio above ``1 + margin`` (a ratio within the margin of 1 is
        a tie at this benchmark's run-to-run spread).

    Returns
    -------
    Section
        One row per (layer, B): the FLOP ratios, the measured dense / CD time ratio and
        whether the goal applies and is met. Values ``ch13s_<layer>_goal_b`` (the first B
        whose FLOP ratio reaches ``goal``), ``ch13s_<layer>_faster_b`` (the first B measured
        faster than dense), ``ch13s_<layer>_met`` ("met"/"not met"), ``ch13s_<layer>_best``
        (the largest speed-up) for ``layer`` in ``conv``, ``attention``.
    """
    values, rows = {}, []
    for name, doc, key in (("conv", conv, "flop_ratio"),
                           ("attention", attention, "flop_ratio_projection")):
        cd = [r for r in doc["rows"] if r["block_size"] is not None]
        goal_b = _first(cd, key, lambda v: v >= goal)
        faster_b = _first(cd, "speedup", lambda v: v > 1.0 + margin)
        owed = [r for r in cd if goal_b is not None and r["block_size"] >= goal_b]
        met = bool(owed) and all(r["speedup"] > 1.0 + margin for r in owed)
        values["ch13s_margin"] = 100 * margin
        values.update({f"ch13s_{name}_goal_b": goal_b if goal_b is not None else "none",
                       f"ch13s_{name}_faster_b": faster_b if faster_b is not None else "none",
                       f"ch13s_{name}_met": "met" if met else "not met",
                       f"ch13s_{name}_best": max(r["speedup"] for r in cd)})
        for r in cd:
            applies = goal_b is not None and r["block_size"] >= goal_b
            rows.append(["CDConv1D" if name == "conv" else "attention, CD projections",
                         r["block_size"], f"{r[key]:.2f}",
                         f"{r['speedup']:.2f}",
                         ("yes" if r["speedup"] > 1 + margin else "no") if applies
                         else "– (below 4×)"])
    header = ["layer", "B", "FLOP ratio, dense / CD", "time ratio, dense / CD",
              f"faster where the FLOPs are ≥ {goal:g}× lower?"]
    return Section(values, header, rows)


def count_verdict(lower, higher) -> str:
    """A direction from counts of one-sided verdicts: ``"lower"`` when only lower ones,
    ``"higher"`` when only higher ones, ``"mixed"`` when both, ``"unresolved"`` when none.

    Parameters
    ----------
    lower, higher : int >= 0, the comparisons whose interval lies below / above zero

    Returns
    -------
    str

    >>> count_verdict(3, 0), count_verdict(0, 2), count_verdict(1, 1), count_verdict(0, 0)
    ('lower', 'higher', 'mixed', 'unresolved')
    """
    if lower and higher:
        return "mixed"
    return "lower" if lower else "higher" if higher else "unresolved"


def family_verdict(comparisons, fam) -> tuple:
    """CD against dense in one family, over its block sizes.

    Parameters
    ----------
    comparisons : list of dict, :func:`cd_vs_dense`'s ``data["comparisons"]``
    fam : str, a key of :data:`FAMILIES`

    Returns
    -------
    tuple ``(category, phrase, text)``
        ``category``: ``"indistinguishable"`` (no block size measurably different),
        ``"lower"`` (some lower, none higher), ``"higher"``, ``"mixed"``; ``phrase``: what
        follows "the CD model is", e.g. ``"less accurate than its dense twin at B = 8 and
        indistinguishable from it at B = 2, 4"``; ``text``: the per-B intervals,
        ``"B = 2: −0.4 [−2.5, +1.8]; …"``.
    """
    mine = [c for c in comparisons if c["family"] == fam]
    if not mine:
        raise ValueError(f"no CD comparison for family {fam!r}")
    by = {w: ", ".join(str(c["block_size"]) for c in mine if c["word"] == w)
          for w in ("lower", "higher", "indistinguishable")}
    category = count_verdict(len(by["lower"]) > 0, len(by["higher"]) > 0)
    category = "indistinguishable" if category == "unresolved" else category
    parts = []
    if by["lower"]:
        parts.append(f"less accurate than its dense twin at B = {by['lower']}")
    if by["higher"]:
        parts.append(f"more accurate than its dense twin at B = {by['higher']}")
    if by["indistinguishable"]:
        parts.append("indistinguishable from it" if parts else
                     "indistinguishable from its dense twin")
        parts[-1] += f" at B = {by['indistinguishable']}"
    phrase = " and ".join(parts)
    text = "; ".join(f"B = {c['block_size']}: {_interval_text(c['estimate'])}" for c in mine)
    return category, phrase, text


def verdict_section(cd_comparisons, shfin, speed, layernorm, structure, conv_verdict,
                    settings) -> Section:
    """The chapter's verdict table: each question, what was measured, and the verdict.

    Parameters
    ----------
    cd_comparisons : :func:`cd_vs_dense`'s Section; shfin : :func:`shfin_section`'s;
    speed : :func:`speed_section`'s; layernorm, structure :
        :func:`cdnotes.report.sequence_curvature.comparisons_section`'s of each kind
    conv_verdict : str, the verdict of :func:`cdnotes.claims.checks.conv_interpretation`
    settings : str, the training settings the accuracy verdicts are limited by

    Returns
    -------
    Section with header ``["question", "verdict", "evidence"]`` and values ``ch13v_cnn``,
    ``ch13v_transformer``, ``ch13v_mlp`` (phrases of :func:`family_verdict`),
    ``ch13v_layernorm``, ``ch13v_structure``, ``ch13v_curvature`` (a sentence: the
    direction of the decided curvature comparisons and whether most are undecided).
    """
    comps = cd_comparisons.data["comparisons"]
    rows, values = [], {}
    for fam, question in (("cnn", "Does a CD CNN learn as well as its dense twin?"),
                          ("transformer", "Does a CD transformer learn as well as its dense "
                                          "twin?"),
                          ("mlp", "… and the MLP, under the same protocol?")):
        category, phrase, text = family_verdict(comps, fam)
        values[f"ch13v_{fam}"] = phrase
        rows.append([question, phrase.replace(" its dense twin", " dense"),
                     f"CD − dense, test accuracy points (Welch 95%): {text}; {settings}"])
    for kind, question in (("layernorm", "Does LayerNorm act as whitening (lower κ-type "
                                         "measures of the whole network)?"),
                           ("structure", "Is a CD network better conditioned than its dense "
                                         "twin?")):
        v = (layernorm if kind == "layernorm" else structure).values
        word = count_verdict(v[f"ch13c_{kind}_lower"], v[f"ch13c_{kind}_higher"])
        total = sum(v[f"ch13c_{kind}_{k}"] for k in ("lower", "higher", "unresolved",
                                                   "ceiling"))
        decided = v[f"ch13c_{kind}_lower"] + v[f"ch13c_{kind}_higher"]
        answer = {"lower": "lower where decided", "higher": "higher where decided",
                  "mixed": "mixed", "unresolved": "unresolved"}[word]
        values[f"ch13v_{kind}"] = f"{answer} ({decided} of {total} comparisons decided)"
        rows.append([question, f"{answer} ({decided} of {total} decided)",
                     f"κ-type comparisons: {v[f'ch13c_{kind}_lower']} lower, "
                     f"{v[f'ch13c_{kind}_higher']} higher, {v[f'ch13c_{kind}_unresolved']} "
                     f"unresolved, {v[f'ch13c_{kind}_ceiling']} at the ceiling (no verdict)"])
    words = {k: count_verdict((layernorm if k == "layernorm" else structure).values[
        f"ch13c_{k}_lower"], (layernorm if k == "layernorm" else structure).values[
        f"ch13c_{k}_higher"]) for k in ("layernorm", "structure")}
    undecided = sum((layernorm if k == "layernorm" else structure).values[f"ch13c_{k}_{w}"]
                    for k in words for w in ("unresolved", "ceiling"))
    decided = sum((layernorm if k == "layernorm" else structure).values[f"ch13c_{k}_{w}"]
                  for k in words for w in ("lower", "higher"))
    direction = ("where a comparison is decided, the direction is the paper's (lower)"
                 if set(words.values()) == {"lower"} else
                 "the decided comparisons do not all point the paper's way (lower)")
    values["ch13v_curvature"] = Sentence(
        direction + (", but most comparisons are undecided (unresolved or at the ceiling)"
                     if undecided > decided else ""))
    s = speed.values
    rows.append(["Is CD faster where its FLOPs are 4× lower?",
                 f"convolution: {s['ch13s_conv_met']}; attention: {s['ch13s_attention_met']}",
                 f"fastest: {s['ch13s_conv_best']:.2f}× (convolution), "
                 f"{s['ch13s_attention_best']:.2f}× (attention), one thread"])
    rows.append(["Is CDLinear \"a 1×1 depthwise circular convolution\"?", conv_verdict,
                 "a full (not depthwise) circular convolution over the block index; 1×1 only "
                 "position-wise"])
    sv = shfin.values
    rows.append(["Does SHFIN replace convolution and attention?",
                 f"{sv['ch13_shfin_rel_cnn_dense']} the CNN, "
                 f"{sv['ch13_shfin_rel_transformer_dense']} the transformer",
                 f"SHFIN − CNN {sv['ch13_shfin_vs_cnn_dense_d']}, SHFIN − transformer "
                 f"{sv['ch13_shfin_vs_transformer_dense_d']} points; {settings}"])
    return Section(values, ["question", "verdict", "evidence"], rows)


def chapter12_beside(shfin_result, table) -> Section:
    """Chapter 12's accuracies (one rate, a fixed number of epochs) beside this protocol's, for
    SHFIN, the CNN and the MLP, and whether their order is the same.

    Parameters
    ----------
    shfin_result : dict, the committed ``shfin_mnist1d`` file (records with ``variant`` and
        ``final_accuracy``; ``config["train"]`` with ``epochs``, ``lr``)
    table : dict, :func:`cdnotes.experiments.architectures.summarize`

    Returns
    -------
    Section
        Values ``ch13_ch12_<name>`` and ``ch13_now_<name>`` (mean test accuracy, %) for
        ``name`` in ``shfin``, ``cnn``, ``mlp``; ``ch13_ch12_epochs``, ``ch13_ch12_lr``;
        ``ch13_ch12_order`` (``"the same order"`` or ``"a different order"``).
    """
    pairs = {"shfin": ("shfin", "shfin"), "cnn": ("cnn", "cnn_dense"), "mlp": ("mlp", "mlp_dense")}
    values = {}
    for name, (variant, label) in pairs.items():
        acc = [r["final_accuracy"] for r in shfin_result["records"] if r["variant"] == variant]
        if not acc or label not in table:
            raise ValueError(f"{name!r} is missing from chapter 12's runs or this table")
        values[f"ch13_ch12_{name}"] = 100 * float(np.mean(acc))
        values[f"ch13_now_{name}"] = 100 * table[label]["test_mean"]
    then = sorted(pairs, key=lambda n: values[f"ch13_ch12_{n}"])
    now = sorted(pairs, key=lambda n: values[f"ch13_now_{n}"])
    train = shfin_result["config"]["train"]
    values.update(ch13_ch12_epochs=int(train["epochs"]), ch13_ch12_lr=f"{train['lr']:g}",
                  ch13_ch12_order="the same order" if then == now else "a different order")
    return Section(values)
