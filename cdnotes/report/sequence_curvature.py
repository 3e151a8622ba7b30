"""Chapter 13's reading of ``python -m cdnotes sequence-curvature``: the measures per
configuration (:func:`measures_section`), the paired comparisons dense vs CD and with vs without
LayerNorm (:func:`comparisons_section`) and a figure of the spectra's extremes
(:func:`extremes_figure`).

A κ within a factor 10 of its ceiling ``1/c`` gets no verdict (†): it mostly measures ``1/c``.
"""
from __future__ import annotations

import numpy as np

from ..experiments.sequence_curvature import summary as sc
from .glued import Section, Sentence

__all__ = ["MATRIX_NAMES", "TABLE_MEASURES", "VERDICT_MEASURES", "config_name", "pair_name",
           "measures_section", "comparisons_section", "extremes_figure",
           "accuracy_kappa_figure"]

MATRIX_NAMES = {"hessian": "H", "gauss_newton": "GN"}
"""The matrices' short names in tables."""

TABLE_MEASURES = {"hessian": ("lambda_max", "lambda_min", "negative_mass"),
                  "gauss_newton": ("lambda_max", "effective_rank_entropy",
                                   "percentile_ratio_50", "kappa_1e-08")}
"""The columns of each matrix's per-configuration table."""

VERDICT_MEASURES = ("lambda_max", "effective_rank_entropy", "percentile_ratio_50",
                    "kappa_0.01", "kappa_0.0001", "kappa_1e-06", "kappa_1e-08")
"""The measures the verdicts count, on both matrices: the scale, two cutoff-free shape
measures and κ at four cutoffs (the ones at their ceiling get no verdict)."""

_MEASURE_NAMES = {"lambda_max": "λ_max", "lambda_min": "λ_min",
                  "negative_mass": "negative mass", "effective_rank_entropy": "effective rank",
                  "percentile_ratio_50": "λ_max / median|λ|"}


def measure_name(name) -> str:
    """``"κ(10⁻⁴)"`` for ``"kappa_0.0001"``, a readable name otherwise."""
    if name.startswith("kappa_"):
        exponent = int(round(np.log10(float(name[len("kappa_"):]))))
        return f"κ(1e{exponent})"
    return _MEASURE_NAMES.get(name, name)


def config_name(model, block_size, layernorm, state=None) -> str:
    """``"transformer, CD B = 4, no LayerNorm, trained"``: a configuration as the text names it.

    Parameters
    ----------
    model : str; block_size : int or None; layernorm : {"with", "without", None};
    state : str or None

    Returns
    -------
    str
    """
    fam = model.partition("_")[0]
    parts = [("CNN" if fam == "cnn" else fam) + (f", CD B = {block_size}" if block_size
                                                  else ", dense")]
    if layernorm == "without":
        parts.append("no LayerNorm")
    if state is not None:
        parts.append(state)
    return ", ".join(parts)


def _cell(entry) -> str:
    """A median with its range, ``†`` when half or more runs sit at the ceiling."""
    if entry is None:
        return "–"
    if entry["median"] is None:
        return "† (at ceiling)"
    fmt = (lambda v: f"{v:.2f}") if abs(entry["median"]) < 10 else (lambda v: f"{v:.3g}")
    mark = " †" if entry.get("n_at_ceiling") else ""
    return f"{fmt(entry['median'])} [{fmt(entry['low'])}, {fmt(entry['high'])}]{mark}"


def _configs(records):
    return sorted({sc.config_key(r) for r in records},
                  key=lambda k: (k[3] != "init", k[0].partition("_")[0], k[0].endswith("_cd"),
                                 k[2] == "without"))


def measures_section(result, matrix="hessian") -> Section:
    """Per configuration: parameters, the evaluation-batch accuracy (Hessian table) and the
    measures of :data:`TABLE_MEASURES` of one matrix as median [min, max] over seeds.

    Parameters
    ----------
    result : dict, the committed ``sequence_curvature_mnist1d`` file
    matrix : {"hessian", "gauss_newton"}

    Returns
    -------
    Section
        Values ``ch13c_params`` (CD against dense parameter counts, a sentence),
        ``ch13c_n_seeds``, ``ch13c_seeds``, ``ch13c_n_eval``, ``ch13c_epochs``,
        ``ch13c_lr``, ``ch13c_channels``, ``ch13c_d_model``, ``ch13c_methods`` (a sentence:
        full spectra or Lanczos), ``ch13c_p_min``/``_p_max``, ``ch13c_wall_min``; data
        ``summary``.
    """
    records = result["records"]
    summary = sc.summarize(records)
    settings = result["settings"]
    if matrix not in TABLE_MEASURES:
        raise ValueError(f"matrix must be one of {', '.join(TABLE_MEASURES)}; got {matrix!r}")
    rows = []
    for key in _configs(records):
        entry = summary["configs"][sc.config_label(*key)]
        first = ([entry["n_params"], f"{100 * entry['accuracy']['median']:.0f}"]
                 if matrix == "hessian" else [])
        rows.append([config_name(*key), *first,
                     *(_cell(entry[matrix].get(n)) for n in TABLE_MEASURES[matrix])])
    methods = sorted({r["method"] for r in records})
    seeds = sorted({int(r["seed"]) for r in records})
    params = [int(r["n_params"]) for r in records]
    wall = sum(s.get("wall_seconds", 0.0) for s in result.get("sources", []))
    counts = []
    for fam, name in (("cnn", "CNN"), ("transformer", "transformer")):
        p = {st: sorted({int(r["n_params"]) for r in records if r["model"] == f"{fam}_{st}"
                         and r["layernorm"] != "without"}) for st in ("dense", "cd")}
        if p["dense"] and p["cd"]:
            counts.append(f"the {name} {p['cd'][0]:,} against {p['dense'][0]:,}")
    values_params = Sentence("; ".join(counts) if counts else "no CD/dense pair")
    values = {"ch13c_params": values_params, "ch13c_n_seeds": len(seeds),
              "ch13c_seeds": ", ".join(map(str, seeds)),
              "ch13c_n_eval": int(settings["n_eval"]), "ch13c_epochs": int(settings["epochs"]),
              "ch13c_lr": f"{settings['lr']:g}", "ch13c_channels": int(settings["channels"]),
              "ch13c_d_model": int(settings["d_model"]),
              "ch13c_widths": (str(settings["channels"]) if settings["channels"] ==
                               settings["d_model"] else
                               f"{settings['channels']} and {settings['d_model']}"),
              "ch13c_methods": Sentence("every spectrum in full (all eigenvalues)"
                                        if methods == ["full"] else
                                        "Lanczos extremes where the model is too large"),
              "ch13c_p_min": min(params), "ch13c_p_max": max(params),
              "ch13c_wall_min": wall / 60.0}
    header = ["configuration", *(["P", "batch acc., %"] if matrix == "hessian" else []),
              *(measure_name(n) for n in TABLE_MEASURES[matrix])]
    return Section(values, header, rows, data={"summary": summary})


def _pair_kind(comp) -> str:
    return "layernorm" if "_noLN" in comp["second"] and "_noLN" not in comp["first"] \
        and comp["first"].replace("/", "_noLN/", 1) == comp["second"] else "structure"


def pair_name(comp, kind) -> str:
    """A comparison's pair as the tables name it: ``"transformer, CD B = 4, init"`` for a
    LayerNorm pair (the model compared with itself without LayerNorm), ``"transformer, no
    LayerNorm, trained"`` for a CD-vs-dense pair.

    Parameters
    ----------
    comp : dict, one of :func:`cdnotes.experiments.sequence_curvature.compare`'s
    kind : {"structure", "layernorm"}

    Returns
    -------
    str
    """
    head, _, state = comp["first"].partition("/")
    no_ln = head.endswith("_noLN")
    head = head[:-len("_noLN")] if no_ln else head
    fam = "CNN" if head.startswith("cnn") else "transformer"
    if kind == "layernorm":
        block = head.rpartition("_B")[2] if "_cd_" in head else None
        structure = f"CD B = {block}" if block else "dense"
        return f"{fam}, {structure}, {state}"
    return f"{fam}{', no LayerNorm' if no_ln else ''}, {state}"


def _verdict_cell(comp) -> str:
    if comp is None or comp["mean"] is None:
        return "–"
    if comp["verdict"] == "at the ceiling":
        return "† ceiling"
    ratio = (f"×{10 ** comp['mean']:.2g}" if comp["scale"] == "log"
             else f"{comp['mean']:+.2g}")
    word = {"lower": "lower", "higher": "higher", "unresolved": "–"}.get(comp["verdict"], "")
    return f"{ratio} {word}".strip()


def _kappa_cell(comps) -> str:
    """The κ(c) verdicts of one row: ``"† at every c"`` when all sit at the ceiling, else
    the cells in cutoff order, ``"; "``-separated."""
    cells = [_verdict_cell(c) for c in comps]
    if cells and all(c == "† ceiling" for c in cells):
        return "† at every c"
    return "; ".join(cells)


def comparisons_section(summary, kind) -> Section:
    """The paired comparisons of one kind: one row per (pair, matrix), a column per measure
    of :data:`VERDICT_MEASURES` with the geometric-mean ratio ``first / second`` over seeds and
    the verdict of its paired 95 % interval (``"† ceiling"``: a κ at its ceiling, no
    verdict; ``–`` after a ratio: the interval contains 1); the κ(c) of every cutoff share
    one column (``"† at every c"`` when all are at their ceiling).

    Parameters
    ----------
    summary : dict, :func:`cdnotes.experiments.sequence_curvature.summarize`
    kind : {"structure", "layernorm"}
        ``"structure"``: each CD configuration against its dense twin; ``"layernorm"``: each
        transformer with its LayerNorms against the same transformer without.

    Returns
    -------
    Section
        Values ``ch13c_<kind>_lower``, ``_higher``, ``_unresolved``, ``_ceiling`` (counts of
        κ-type verdicts: the κ measures and the percentile ratio), ``ch13c_<kind>_pairs``;
        data ``comparisons`` (the dicts of the counted measures).
    """
    if kind not in ("structure", "layernorm"):
        raise ValueError(f"kind must be 'structure' or 'layernorm'; got {kind!r}")
    comps = [c for c in summary["comparisons"]
             if _pair_kind(c) == kind and c["measure"] in VERDICT_MEASURES]
    counts = {"lower": 0, "higher": 0, "unresolved": 0, "at the ceiling": 0}
    cells: dict = {}
    for c in comps:
        kappa_type = c["measure"].startswith(("kappa_", "percentile_ratio"))
        if kappa_type and c["verdict"] in counts:
            counts[c["verdict"]] += 1
        cells.setdefault((c["first"], c["second"], c["matrix"]), {})[c["measure"]] = c
    rows = []
    plain = [m for m in VERDICT_MEASURES if not m.startswith("kappa_")]
    kappas = [m for m in VERDICT_MEASURES if m.startswith("kappa_")]
    for (first, _, matrix), by in cells.items():
        some = next(iter(by.values()))
        rows.append([pair_name(some, kind), MATRIX_NAMES[matrix],
                     *(_verdict_cell(by.get(m)) for m in plain),
                     _kappa_cell([by.get(m) for m in kappas])])
    pairs = sorted({(c["first"], c["second"]) for c in comps})
    values = {f"ch13c_{kind}_{k.replace('at the ', '')}": v for k, v in counts.items()}
    values[f"ch13c_{kind}_pairs"] = len(pairs)
    first = "with / without LayerNorm" if kind == "layernorm" else "CD / dense"
    cutoffs = [measure_name(m)[2:-1] for m in kappas]
    header = [first, "matrix", *(measure_name(m) for m in plain),
              f"κ(c), c = {', '.join(cutoffs)}"]
    return Section(values, header, rows, data={"comparisons": comps})


def extremes_figure(result):
    """λ_max of the Gauss-Newton matrix against its effective rank, one point per run:
    where each configuration's spectrum sits, init (hollow) and trained (filled).

    Parameters
    ----------
    result : dict, the committed ``sequence_curvature_mnist1d`` file

    Returns
    -------
    matplotlib Figure
    """
    import matplotlib.pyplot as plt
    from matplotlib.ticker import NullFormatter

    from .architectures import model_style

    fig, axes = plt.subplots(1, 2, figsize=(10, 4.4), sharey=False)
    for ax, matrix in zip(axes, ("hessian", "gauss_newton")):
        seen = set()
        for r in result["records"]:
            st = model_style(r["model"], r["block_size"])
            x = sc.measure_value(r, matrix, "effective_rank_entropy")
            y = sc.measure_value(r, matrix, "lambda_max")
            if x is None or y is None:
                continue
            label = config_name(r["model"], r["block_size"], r["layernorm"])
            face = st["color"] if r["state"] == "trained" else "none"
            ax.scatter([x], [y], marker=st["marker"] if r["layernorm"] != "without" else "v",
                       facecolors=face, edgecolors=st["color"], s=30,
                       label=label if label not in seen else None)
            seen.add(label)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.xaxis.set_minor_formatter(NullFormatter())
        ax.set_xlabel("effective rank (entropy)")
        ax.set_ylabel(f"{MATRIX_NAMES[matrix]} λ_max")
        ax.set_title({"hessian": "Hessian", "gauss_newton": "Gauss-Newton"}[matrix])
        ax.grid(alpha=0.3)
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=3, fontsize=9, frameon=False,
               bbox_to_anchor=(0.5, -0.02))
    fig.tight_layout(rect=(0, 0.14, 1, 1))
    return fig


def accuracy_kappa_figure(result, measures=(("gauss_newton", "percentile_ratio_50"),
                                            ("hessian", "kappa_0.0001"))):
    """Accuracy on the evaluation batch against κ-type measures, one point per trained run.

    The evaluation batch is training data (the first ``n_eval`` training sequences) and the
    models are the curvature run's small ones after its short training, not the fair
    comparison's: the figure asks whether, among these runs, a better-conditioned spectrum goes
    with a better fit.

    Parameters
    ----------
    result : dict, the committed ``sequence_curvature_mnist1d`` file
    measures : sequence of ``(matrix, measure)``, one panel each

    Returns
    -------
    matplotlib Figure
    """
    import matplotlib.pyplot as plt

    from ..ceiling import at_ceiling
    from .architectures import model_style

    trained = [r for r in result["records"] if r["state"] == "trained"]
    fig, axes = plt.subplots(1, len(measures), figsize=(5 * len(measures), 3.8), squeeze=False)
    for ax, (matrix, name) in zip(axes[0], measures):
        seen = set()
        cutoff = sc._cutoff(name)
        for r in trained:
            value = sc.measure_value(r, matrix, name)
            if value is None:
                continue
            st = model_style(r["model"], r["block_size"])
            label = config_name(r["model"], r["block_size"], r["layernorm"])
            ceiling = cutoff is not None and bool(at_ceiling(np.array([value]), cutoff)[0])
            ax.scatter([value], [100 * r["accuracy"]], color=st["color"],
                       marker="x" if ceiling else
                       (st["marker"] if r["layernorm"] != "without" else "v"),
                       s=30, label=label if label not in seen else None)
            seen.add(label)
        if cutoff is not None:
            ax.axvline(1 / cutoff, color="black", linewidth=1, linestyle=":")
        ax.set_xscale("log")
        ax.set_xlabel(f"{MATRIX_NAMES[matrix]} {measure_name(name)}")
        ax.set_ylabel("accuracy on the evaluation batch, %")
        ax.grid(alpha=0.3)
    handles, labels = axes[0][0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=3, fontsize=9, frameon=False,
               bbox_to_anchor=(0.5, -0.02))
    fig.tight_layout(rect=(0, 0.16, 1, 1))
    return fig
