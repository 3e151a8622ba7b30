"""Chapter 5 (the digits experiment): the accuracy sections' tables and the words of their text.

The functions read :class:`cdnotes.experiments.digits.DigitsRecord` lists (the chapter's live
runs) or committed documents, and return a :class:`cdnotes.report.glued.Section`. The
curvature and κ sections are in :mod:`cdnotes.report.digits_curvature`, the figures in
:mod:`cdnotes.report.digits_plots`.
"""
from __future__ import annotations

import numpy as np

from ..experiments import PAPER_TABLE1, accuracy_estimates, paired_gap, subset_means, summarize
from ..experiments.baselines import baseline_accuracies
from ..experiments.report import count_words, position, range_text, zero_word
from ..experiments.verdicts import count_verdict, gap_verdict, saturation_verdict, spread_verdict
from ..stats import count_difference_test, mean_ci, paired_variance_test
from .glued import Section, Sentence

__all__ = ["MODELS", "SHORT", "by_model", "table1_three", "triples", "twenty_seeds",
           "baselines", "loss_counts"]

MODELS = {"dense": "Dense MLP", "cd4": "CD-MLP B=4", "cd8": "CD-MLP B=8"}
SHORT = {"dense": "dense", "cd4": "B = 4", "cd8": "B = 8"}
PAIRS = {"cd4": ("dense", "cd4"), "cd8": ("dense", "cd8"), "cd4_cd8": ("cd4", "cd8")}


def by_model(records) -> dict:
    """Each model's runs, ordered by seed: ``{model: [record, ...]}``.

    Parameters
    ----------
    records : iterable of DigitsRecord

    Returns
    -------
    dict
        ``{model: [record, ...]}`` for every model of :data:`MODELS`.
    """
    return {m: sorted((r for r in records if r.model == m), key=lambda r: r.seed)
            for m in MODELS}


def _zero(x) -> float:
    # no "-0.00" for a zero gap
    return round(x, 12) + 0.0


def table1_three(records, seeds) -> Section:
    """Table 1 with the first three seeds (mean ± sample sd) beside the paper's.

    Parameters
    ----------
    records : list of DigitsRecord
    seeds : sequence of int
        The chapter's seeds; the first three are the paper's protocol.

    Returns
    -------
    Section
        The values the page glues, and its table (header and rows; none for values only).
    """
    three = summarize(r for r in records if r.seed in seeds[:3])
    by = by_model(records)
    rows, values = [], {}
    for m, label in MODELS.items():
        p = PAPER_TABLE1[m]
        paper_std = f" ± {p['accuracy_std']:.2f}" if p["accuracy_std"] else ""
        rows.append([label, by[m][0].n_params, p["n_params"],
                     f"{three[m]['mean']:.2f} ± {three[m]['std']:.2f}",
                     f"{p['accuracy']:.2f}" + paper_std])
        values[f"ch5_acc3_{m}"] = three[m]["mean"]
    header = ["model", "parameters (ours)", "parameters (paper)",
              f"test accuracy % (ours, seeds {seeds[0]}–{seeds[2]})", "test accuracy % (paper)"]
    return Section(values, header, rows)


def triples(records, seeds) -> Section:
    """Disjoint triples of seeds: does each give the paper's order, all below the paper's?

    Parameters
    ----------
    records : list of DigitsRecord
        every seed, the seeds a multiple of three
    seeds : sequence of int
        the seeds in order (each triple's label)

    Returns
    -------
    Section
        The values the page glues, and its table (header and rows; none for values only).
    """
    means = subset_means(records, 3)
    ordered = [t["dense"] > t["cd4"] > t["cd8"] for t in means]
    below = [all(t[m] < PAPER_TABLE1[m]["accuracy"] for m in MODELS) for t in means]
    values = {"ch5_triples_ordered": count_words(sum(ordered), len(means), "triples"),
              "ch5_triples_below": count_words(sum(below), len(means))}
    # the standard error of a three-seed mean, σ/√3, with σ from all seeds
    for m, runs in by_model(records).items():
        sigma = np.std([r.accuracy_percent for r in runs], ddof=1)
        values[f"ch5_sem3_{m}"] = sigma / np.sqrt(3)
    rows = [[f"{seeds[3 * i]}–{seeds[3 * i + 2]}", *(f"{t[m]:.2f}" for m in MODELS),
             "yes" if o else "no", "yes" if b else "no"]
            for i, (t, o, b) in enumerate(zip(means, ordered, below))]
    return Section(values, ["seeds", *MODELS.values(), "dense > B=4 > B=8",
                            "all below the paper's"], rows)


def twenty_seeds(records, other, split2, n_test) -> Section:
    """All seeds: means with intervals, paired gaps, the B = 8 verdicts, a second split.

    Parameters
    ----------
    records : list of DigitsRecord
        The chapter's runs on its split.
    other : list of DigitsRecord
        Dense and B = 4 with the same seeds on the split drawn with seed ``split2``.
    split2 : int
    n_test : int
        The test images of the chapter's split.

    ``data`` holds ``est`` (:func:`~cdnotes.experiments.accuracy_estimates`) and ``acc``
    (each model's accuracies, %, by seed).

    Returns
    -------
    Section
        The values the page glues, and its table (header and rows; none for values only).
    """
    by = by_model(records)
    est = accuracy_estimates(records)
    gaps = {key: paired_gap(records, *pair) for key, pair in PAIRS.items()}
    paper_is = {m: position(PAPER_TABLE1[m]["accuracy"], e) for m, e in est.items()}
    rows = [[MODELS[m], f"{e.mean:.2f}", f"{e.std:.2f}", f"[{e.low:.2f}, {e.high:.2f}]",
             e.n, f"{PAPER_TABLE1[m]['accuracy']:.2f} ({paper_is[m]})"]
            for m, e in est.items()]
    rows += [[f"gap {MODELS[a]} − {MODELS[b]}", f"{_zero(g.mean):.2f}",
              f"{g.std:.2f}", f"[{g.low:.2f}, {g.high:.2f}]", g.n, ""]
             for (a, b), g in zip(PAIRS.values(), gaps.values())]
    values = {}
    for m, e in est.items():
        values[f"ch5_acc20_{m}"] = e.mean
        values[f"ch5_std20_{m}"] = e.std
    n_above = sum(w == "above" for w in paper_is.values())
    values["ch5_paper_above"] = count_words(n_above, len(paper_is), "models")
    for key, g in gaps.items():
        values[f"ch5_gap_{key}"] = _zero(g.mean)
        values[f"ch5_gap_{key}_low"] = g.low
        values[f"ch5_gap_{key}_high"] = g.high
        values[f"ch5_gap_{key}_zero"] = zero_word(g)
    # B = 8 against each other model: (other − B = 8) per seed, interval chosen words
    values["ch5_cd8_verdict"] = Sentence(gap_verdict(
        "The B = 8 model", {"B = 4": gaps["cd4_cd8"], "dense": gaps["cd8"]}))
    # the spreads: B = 8 against the other model with the larger standard deviation
    acc = {m: np.array([r.accuracy_percent for r in by[m]]) for m in MODELS}
    rival = max(("dense", "cd4"), key=lambda m: est[m].std)
    _, p_spread = paired_variance_test(acc["cd8"], acc[rival])
    values["ch5_spread_verdict"] = Sentence(spread_verdict(
        "B = 8", {SHORT[m]: est[m].std for m in MODELS}, SHORT[rival], p_spread))
    paper_gap = PAPER_TABLE1["dense"]["accuracy"] - PAPER_TABLE1["cd4"]["accuracy"]
    values["ch5_paper_gap"] = paper_gap
    values["ch5_paper_gap_is"] = position(paper_gap, gaps["cd4"])
    gap2 = paired_gap(other, "dense", "cd4")
    values.update({"ch5_split2": split2, "ch5_gap2": _zero(gap2.mean),
                   "ch5_gap2_low": gap2.low, "ch5_gap2_high": gap2.high,
                   "ch5_gap2_zero": zero_word(gap2), "ch5_n_test": n_test})
    gap_images = gaps["cd4"].mean / 100 * n_test
    values["ch5_gap_images"] = f"{gap_images:.1f}".replace("-0.0", "0.0")
    header = ["", "mean %", "std", "95 % CI of the mean", "seeds", "paper (vs. our CI)"]
    return Section(values, header, rows, data={"est": est, "acc": acc})


PLACE = {"inside": "The paper's networks sit among these baselines, not above them: the dense "
                   "MLP's mean lies inside the range of the five classifiers' means",
         "above": "The dense MLP's mean lies above every classifier's mean",
         "below": "The dense MLP's mean lies below every classifier's mean"}


def baselines(base, est, acc, split) -> Section:
    """Five scikit-learn classifiers beside the chapter's networks: saturation near 98 %?

    Parameters
    ----------
    base : dict
        The ``digits_baselines`` document (``records``, ``config``, ``command``).
    est, acc : dict
        :func:`twenty_seeds`'s ``data``.
    split : int
        The chapter's split seed.

    Returns
    -------
    Section
        The values the page glues, and its table (header and rows; none for values only).
    """
    base_acc = baseline_accuracies(base["records"])
    described = base["config"]["classifiers"]
    rows, means = [], {}
    for name, a in base_acc.items():
        means[described[name]] = a.mean()
        if a.size > 1:
            e = mean_ci(a)
            rows.append([described[name], a.size, f"{e.mean:.2f}",
                         f"[{e.low:.2f}, {e.high:.2f}]", range_text(a, ".2f")])
        else:
            rows.append([described[name], 1, f"{a[0]:.2f}", "–: one deterministic fit",
                         f"{a[0]:.2f}"])
    for m, e in est.items():
        rows.append([f"{MODELS[m]} (this page, 25 epochs)", e.n, f"{e.mean:.2f}",
                     f"[{e.low:.2f}, {e.high:.2f}]", range_text(acc[m], ".2f")])
    base_split = base["config"]["split_seed"]
    base_means = list(means.values())
    dense_mean = est["dense"].mean
    place = ("above" if dense_mean > max(base_means) else "below"
             if dense_mean < min(base_means) else "inside")
    values = {
        "ch5_saturation": Sentence(saturation_verdict(means)),
        "ch5_base_split": Sentence(
            "on this page's split" if base_split == split else
            f"on the split drawn with seed {base_split} (this page's "
            f"runs use seed {split}: another sample of test digits)"),
        "ch5_base_seeds": range_text(base["config"]["seeds"]),
        "ch5_base_cmd": Sentence(f"`{base['command']}`"),
        "ch5_base_place": Sentence(PLACE[place]),
        "ch5_base_within2": count_words(sum(abs(v - 98) <= 2 for v in base_means),
                                        len(base_means), "classifiers"),
        "ch5_base_above99": count_words(sum(v > 99 for v in base_means), len(base_means))}
    header = ["classifier", "runs", "mean %", "95 % CI of the mean", "range %"]
    return Section(values, header, rows)


def loss_counts(records) -> Section:
    """Final training losses, and in how many runs the loss more than doubled in an epoch.

    The B = 8 count is tested against the larger of the other two
    (:func:`cdnotes.stats.count_difference_test`), a per-seed count stated as such.

    Parameters
    ----------
    records : list of DigitsRecord (or objects with ``model``, ``seed``, ``train_loss``)

    Returns
    -------
    Section
        The values the page glues, and its table (header and rows; none for values only).
    """
    loss = {m: np.array([r.train_loss for r in runs]) for m, runs in by_model(records).items()}
    n_seeds = loss["dense"].shape[0]
    # epochs after which the loss more than doubled, per run
    doubled = {m: np.sum(np.any(L[:, 1:] > 2 * L[:, :-1], axis=1)) for m, L in loss.items()}
    fell = sum(int(np.sum(L[:, -1] < L[:, 0])) for L in loss.values())
    n_runs = sum(L.shape[0] for L in loss.values())
    other = max(("dense", "cd4"), key=lambda m: doubled[m])
    p_doubled = count_difference_test(int(doubled["cd8"]), n_seeds, int(doubled[other]),
                                      n_seeds)
    values = {"ch5_loss_fell": count_words(fell, n_runs, "runs"),
              "ch5_doubled_verdict": Sentence(count_verdict(
                  {SHORT[m]: int(doubled[m]) for m in MODELS}, n_seeds, "B = 8",
                  SHORT[other], p_doubled,
                  "the loss more than doubled from one epoch to the next"))}
    for m in MODELS:
        values[f"ch5_loss_{m}"] = loss[m][:, -1].mean()
        values[f"ch5_loss_range_{m}"] = range_text(loss[m][:, -1], ".1e")
        values[f"ch5_doubled_{m}"] = int(doubled[m])
    values["ch5_loss_ratio_cd8"] = loss["cd8"][:, -1].mean() / loss["dense"][:, -1].mean()
    return Section(values)
