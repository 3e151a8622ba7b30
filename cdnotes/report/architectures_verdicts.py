"""Chapter 13's verdicts: the speed goal (:func:`speed_section`), chapter 12's accuracies beside
the fair comparison's (:func:`chapter12_beside`), CD against dense per family
(:func:`family_verdict`) and the verdict table (:func:`verdict_section`)."""
from __future__ import annotations

import numpy as np

from .architectures import _interval_text
from .glued import Section, Sentence

__all__ = ["speed_section", "count_verdict", "family_verdict", "verdict_section",
           "chapter12_beside"]


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
                         else f"– (below {goal:g}×)"])
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
