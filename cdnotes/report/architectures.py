"""Chapter 13's reading of the fair comparison (``python -m cdnotes architectures``): the
accuracy table (:func:`accuracy_section`), CD against its dense twin (:func:`cd_vs_dense`),
SHFIN restated against the trained transformer (:func:`shfin_section`) and the figure
(:func:`accuracy_figure`); the speed goal, chapter 12 beside and the verdict table are in
:mod:`cdnotes.report.architectures_verdicts`.

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
           "accuracy_section", "cd_vs_dense", "shfin_section", "accuracy_figure"]

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
