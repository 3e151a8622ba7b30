"""Chapter 10 (CD among structured matrices): its tables, verdicts and sentences.

Functions of the committed grid (``load_measurement("structured_digits_mnist1d")``: its
``records``, one per run, and :func:`~cdnotes.experiments.structured.summarize_structured`'s
``rows``, one per data set and model) and of the speed file
(``load_measurement("structured_speed_cpu")``). Each returns table rows and/or the values the
chapter glues (``{name: value}``; a :class:`~cdnotes.report.glued.Sentence` value is a sentence).

>>> name("low_rank B8"), side({"low": 0.5, "high": 0.9}), side({"low": 0.9, "high": 1.1})
('low-rank B8', 'faster', 'unsettled')
"""
from __future__ import annotations

import numpy as np
from scipy.stats import spearmanr

from ..experiments.report import listed
from ..experiments.structured import (FAILURE_FLOOR, KAPPA_CUTOFF, MNIST1D_BASELINES,
                                      compare_to_cd, failure_text, kappa_pairs, kappa_verdict,
                                      p_text, run_failed, sci_text, verdict_text)
from ..stats import paired_difference_ci
from .glued import Sentence

__all__ = ["DATASETS", "PEERS", "name", "side", "sci", "grid_facts", "expressivity_words",
           "model_table", "accuracy_words", "kappa_words", "kappa_table", "verdict_table"]

DATASETS = {"digits": "digits", "mnist1d": "MNIST-1D"}
"""The data sets and their names on the page."""
PEERS = {"acdc": "ACDC", "sparse": "fixed sparse", "fourier_mixing": "Fourier mixing"}
"""The structures registered beside the four of the paper's comparison."""
_WORDS = {"wins": "more accurate than", "ties": "indistinguishable from",
          "loses": "less accurate than", "failed": "not compared with (it failed to train)"}
_SHORT = {"wins": "more accurate", "ties": "indistinguishable", "loses": "less accurate",
          "failed": "not compared (failed)"}


def name(model: str) -> str:
    """A model's name on the page (``_`` as ``-``).

    Parameters
    ----------
    model : str

    Returns
    -------
    str
    """
    return model.replace("_", "-")


def side(q: dict) -> str:
    """Where a ratio's 95 % interval lies against 1.

    Parameters
    ----------
    q : dict
        With ``low`` and ``high``.

    Returns
    -------
    {"faster", "slower", "unsettled"}
    """
    return "faster" if q["high"] < 1 else "slower" if q["low"] > 1 else "unsettled"


def sci(x: float) -> str:
    """``x`` as ``$m \\times 10^{e}$`` (``$10^{e}$`` when m rounds to 1), for glue_markdown.

    >>> sci(1e10), sci(2.5e7)
    ('$10^{10}$', '$2.5 \\\\times 10^{7}$')

    Parameters
    ----------
    x : float, > 0

    Returns
    -------
    str
    """
    e = int(np.floor(np.log10(x)))
    m = x / 10.0 ** e
    return f"$10^{{{e}}}$" if round(m, 1) == 1 else f"${m:.1f} \\times 10^{{{e}}}$"


def grid_facts(saved: dict, structures) -> dict:
    """The grid's size and settings, its structures, and which registered ones it lacks.

    Parameters
    ----------
    saved : dict
        The committed file.
    structures : list of str
        The structures in the grid, in its order.

    Returns
    -------
    dict
    """
    config = saved["config"]
    absent = [v for k, v in PEERS.items() if k not in structures]
    return {"ch10_n_runs": len(saved["records"]), "ch10_n_seeds": len(config["seeds"]),
            "ch10_epochs": config["epochs"], "ch10_lr": config["lr"],
            "ch10_batch": config["batch_size"], "ch10_minutes": saved["wall_seconds"] / 60,
            "ch10_structures": Sentence(listed([name(s) for s in structures], fmt="s")),
            "ch10_absent": Sentence("Every structure of the library is in it." if not absent else
                              f"{listed(absent, fmt='s')} "
                              f"{'is' if len(absent) == 1 else 'are'} not in this run.")}


def expressivity_words(specs: dict, ranks: dict, budgets: dict) -> dict:
    """What each structure's B = 8 layer can express: ranks, factor shapes, counts.

    Parameters
    ----------
    specs : dict ``{name: ModelSpec}``
        :func:`~cdnotes.experiments.structured.structured_models` by name.
    ranks : dict ``{structure: int}``
        The rank of a hidden layer of each pictured model.
    budgets : dict ``{budget: parameter count}``

    Returns
    -------
    dict
    """
    pictured = [s for s in specs.values() if not s.budgets or "B8" in s.budgets]
    kron = next(s for s in pictured if s.structure == "kronecker")
    o1, i1 = kron.options["outer_shape"][1]
    monarch = next(s for s in pictured if s.structure == "monarch")
    fourier, acdc8, sparse8 = specs["fourier_mixing"], specs["acdc B8"], specs["sparse B8"]
    full = [name(s) for s, r in ranks.items() if r == 64 and s not in ("dense", "cd")]
    return {"ch10_lowrank_rank": specs["low_rank B8"].options["rank"][1],
            "ch10_monarch_params": f"{monarch.n_params:,}",
            "ch10_monarch_over": 100 * monarch.budgets["B4"],
            "ch10_kron_outer": f"{o1} × {i1}", "ch10_kron_inner": f"{64 // o1} × {64 // i1}",
            "ch10_kron_rank": ranks["kronecker"], "ch10_full_rank": Sentence(listed(full, fmt="s")),
            "ch10_fourier_params": f"{fourier.n_params:,}",
            "ch10_fourier_share": 100 * fourier.n_params / min(budgets.values()),
            "ch10_acdc_depth": acdc8.options["depth"][1],
            "ch10_sparse_density": 100 * sparse8.options["density"][1],
            "ch10_acdc_rank": ranks["acdc"], "ch10_sparse_rank": ranks["sparse"]}


def model_table(specs: dict):
    """Each model's options, parameter count and distance to its budgets.

    Parameters
    ----------
    specs : dict ``{name: ModelSpec}``

    Returns
    -------
    table : list of list
        Model, option per layer, parameters, budget.
    glued : dict
        The structures that could not be matched to a budget.
    """
    table = []
    for spec in specs.values():
        opts = "; ".join(f"{k} = {v if len(set(map(str, v))) > 1 else v[0]}"
                         for k, v in spec.options.items()) or "–"
        where = ", ".join(f"{b}: {100 * e:+.0f}%" + ("" if spec.matched[b] else
                                                     " (not matched)")
                          for b, e in spec.budgets.items()) or "reference"
        table.append([name(spec.name), opts, spec.n_params, where])
    unmatched = sorted({name(s.structure) for s in specs.values()
                        if s.budgets and not all(s.matched.values())})
    return table, {"ch10_unmatched": Sentence(listed(unmatched, fmt="s"))}


def _row(rows, dataset, model):
    return next(r for r in rows if r["dataset"] == dataset and r["model"] == model)


def accuracy_words(rows, records) -> dict:
    """The accuracy section's numbers and sentences.

    Dense's and CD's accuracies, the best other structure, the front (no model more accurate
    with as few parameters or fewer), the failed runs, and dense against the MLP baseline.

    Parameters
    ----------
    rows : list of dict
        :func:`~cdnotes.experiments.structured.summarize_structured`'s.
    records : list of dict
        The runs.

    Returns
    -------
    dict
    """
    glued = {"ch10_floor": 100 * FAILURE_FLOOR}
    for key in DATASETS:
        for m, tag in (("dense", "dense"), ("cd B4", "cd4"), ("cd B8", "cd8")):
            glued[f"ch10_{key}_{tag}"] = 100 * _row(rows, key, m)["accuracy"].mean
        done = [r for r in rows if r["dataset"] == key and r["accuracy"] is not None]
        best = max((r for r in done if r["structure"] not in ("dense", "cd")),
                   key=lambda r: r["accuracy"].mean)
        glued[f"ch10_{key}_best"] = name(best["model"])
        glued[f"ch10_{key}_best_acc"] = 100 * best["accuracy"].mean
        glued[f"ch10_{key}_best_params"] = best["n_params"]
        front = [name(r["model"]) for r in sorted(done, key=lambda r: r["n_params"])
                 if not any(o["n_params"] <= r["n_params"]
                            and o["accuracy"].mean > r["accuracy"].mean for o in done)]
        glued[f"ch10_{key}_front"] = Sentence(listed(front, fmt="s"))
        failed = []
        for r in (r for r in rows if r["dataset"] == key):
            runs = [x for x in records if x["dataset"] == key and x["model"] == r["model"]]
            lost = sum(x["test_accuracy"] is None for x in runs)
            low = sum(run_failed(x) for x in runs) - lost
            if lost or low:
                failed.append(failure_text(name(r["model"]), len(runs), lost, low))
        glued[f"ch10_{key}_failed"] = Sentence("; ".join(failed) or "no run failed")
    dense_mnist = _row(rows, "mnist1d", "dense")["accuracy"]
    glued["ch10_mnist1d_vs_mlp"] = ("below" if 100 * dense_mnist.high
                                    < 100 * MNIST1D_BASELINES["MLP"] else "not below")
    return glued


def kappa_words(records, rows, kap: dict) -> dict:
    """The conditioning section's sentences.

    The ceiling, the models at it, and per data set the rank correlation of accuracy and median
    κ over the models below it (a verdict only with five models or more and p < 0.05).

    Parameters
    ----------
    records : list of dict
    rows : list of dict
        :func:`~cdnotes.experiments.structured.summarize_structured`'s.
    kap : dict
        ``kap[(dataset, model)]`` is :func:`~cdnotes.experiments.structured.kappa_summary`'s.

    Returns
    -------
    dict
    """
    ceiling = kap["digits", "dense"]["ceiling"]
    glued = {"ch10_kappa_top": Sentence(sci(1 / KAPPA_CUTOFF)), "ch10_kappa_ceiling": Sentence(sci(ceiling)),
             "ch10_kappa_factor": 1 / (KAPPA_CUTOFF * ceiling)}
    for key in DATASETS:
        here = [(r["model"], kap[key, r["model"]]) for r in rows if r["dataset"] == key]
        below = [(m, k) for m, k in here if k["n_trained"] >= 2 and k["median"] is not None]
        top = [name(m) for m, k in here if k["n_trained"] >= 2 and k["median"] is None]
        glued[f"ch10_{key}_kappa_top"] = Sentence(listed(top, fmt="s", none="no model"))
        glued[f"ch10_{key}_n_below"] = len(below)
        trained_acc = [np.mean([x["test_accuracy"] for x in records if x["dataset"] == key
                                and x["model"] == m and not run_failed(x)]) for m, _ in below]
        rho, pval = spearmanr(trained_acc, [k["median"] for _, k in below])
        glued[f"ch10_{key}_rank_corr"] = rho
        glued[f"ch10_{key}_rank_p"] = p_text(pval)
        if len(below) < 5:
            words = "too few models below the ceiling for a verdict"
        elif pval < 0.05:
            words = (f"more accurate models had {'lower' if rho < 0 else 'higher'} κ "
                     "(significant at the 5% level)")
        else:
            words = "not significant at the 5% level: no verdict"
        glued[f"ch10_{key}_corr_words"] = Sentence(words)
        glued[f"ch10_{key}_kappa_lowest"] = name(min(below, key=lambda mk: mk[1]["median"])[0])
    return glued


def kappa_table(records, kap: dict) -> list:
    """CD's median κ against dense's per data set, seed by seed and the sign test.

    Parameters
    ----------
    records : list of dict
    kap : dict
        As in :func:`kappa_words`.

    Returns
    -------
    list of list
    """
    out = []
    for key, title in DATASETS.items():
        dense = kap[key, "dense"]
        for m in ("dense", "cd B4", "cd B8"):
            k = kap[key, m]
            value = (sci_text(k["median"]) if k["median"] is not None else
                     f"at the ceiling ({k['n_at_ceiling']} of {k['n_trained']} runs)")
            if m == "dense":
                out.append([title, m, value, "reference", "reference"])
                continue
            pairs = kappa_pairs(records, key, m, "dense")
            out.append([title, name(m).replace("cd ", "CD "), value,
                        f"{pairs['lower']} / {pairs['higher']} / {pairs['undecided']}"
                        f" of {pairs['n']}", kappa_verdict(pairs, k["median"], dense["median"])])
    return out


def verdict_table(records, rows, specs: dict, budgets) -> tuple:
    """CD against every matched structure, paired by seed.

    Parameters
    ----------
    records : list of dict
    rows : list of dict
        :func:`~cdnotes.experiments.structured.summarize_structured`'s.
    specs : dict ``{name: ModelSpec}``
    budgets : dict ``{budget: parameter count}``

    Returns
    -------
    table : list of list
    glued : dict
    facts : dict
        The low-rank failure counts and the best MNIST-1D row, for the chapter's guards.
    """
    table, glued = [], {}
    outcomes = {"wins": [], "ties": [], "loses": [], "failed": []}
    counted = {"wins": 0, "ties": 0, "loses": 0}      # a failed run counted as a loss
    for key, title in DATASETS.items():
        for budget in budgets:
            trained = [c for c in compare_to_cd(records, key, budget, exclude_failed=True)
                       if c["matched"]]
            every = {c["model"]: c for c in compare_to_cd(records, key, budget) if c["matched"]}
            glued[f"ch10_{key}_{budget}_verdict"] = Sentence(verdict_text(trained))
            for c in trained:
                outcomes[c["verdict"]].append(f"{name(c['model'])} on {title}")
                counted[every[c["model"]]["verdict"]] += 1
                d = c["difference"]
                ci = ("no verdict" if d is None else
                      f"{100 * d.mean:+.1f} [{100 * d.low:+.1f}, {100 * d.high:+.1f}]")
                table.append([title, budget, name(c["model"]), c["n_params"], ci, c["n_pairs"],
                              f"{c['n_failed']} of {c['n_runs']}",
                              "failed to train" if d is None else c["verdict"]])
    glued.update(
        ch10_n_wins=len(outcomes["wins"]),
        ch10_n_comparisons=sum(len(outcomes[v]) for v in ("wins", "ties", "loses")),
        ch10_n_wins_all=counted["wins"], ch10_n_all=sum(counted.values()),
        ch10_ties=Sentence(listed(outcomes["ties"], fmt="s")),
        ch10_losses=Sentence(f"lost to {listed(outcomes['loses'], fmt='s')}"
                       if outcomes["loses"] else "lost none"),
        ch10_failed_models=Sentence(listed(outcomes["failed"], fmt="s", none="none")),
        ch10_toeplitz_share=100 * specs["toeplitz"].n_params / min(budgets.values()),
        ch10_monarch_share=100 * specs["monarch"].n_params / specs["dense"].n_params)
    facts, monarch_closest = {}, []
    for key in DATASETS:
        by_structure = {c["structure"]: c for c in compare_to_cd(records, key, "B8",
                                                                 exclude_failed=True)}
        glued[f"ch10_kron_{key}"] = Sentence(_WORDS[by_structure["kronecker"]["verdict"]])
        glued[f"ch10_lowrank_{key}"] = Sentence(_WORDS[by_structure["low_rank"]["verdict"]])
        free = [c["verdict"] for b in budgets
                for c in compare_to_cd(records, key, b, exclude_failed=True)
                if c["matched"] and c["structure"] in ("acdc", "sparse")]
        counts = [f"{_SHORT[v]} in {free.count(v)}" for v in _SHORT if free.count(v)]
        glued[f"ch10_free_{key}"] = Sentence(f"{listed(counts, fmt='s')} of {len(free)} comparisons")
        low_rank = [r for r in records if r["dataset"] == key and r["structure"] == "low_rank"]
        facts[f"lowrank_failed_{key}"] = sum(map(run_failed, low_rank))
        facts[f"lowrank_runs_{key}"] = len(low_rank)
        glued[f"ch10_lowrank_failed_{key}"] = facts[f"lowrank_failed_{key}"]
        glued[f"ch10_lowrank_runs_{key}"] = len(low_rank)
        acc = {m: {r["seed"]: r["test_accuracy"] for r in records if r["dataset"] == key
                   and r["model"] == m and not run_failed(r)} for m in ("dense", "monarch")}
        common = sorted(set(acc["dense"]) & set(acc["monarch"]))
        gap = paired_difference_ci([acc["dense"][s] for s in common],
                                   [acc["monarch"][s] for s in common])
        glued[f"ch10_monarch_gap_{key}"] = 100 * gap.mean
        glued[f"ch10_monarch_gap_ci_{key}"] = Sentence(
            f"95% interval [{100 * gap.low:.1f}, {100 * gap.high:.1f}]")
        closest = max((r for r in rows if r["dataset"] == key and r["structure"] != "dense"
                       and r["accuracy"] is not None), key=lambda r: r["accuracy"].mean)
        if closest["structure"] == "monarch":
            monarch_closest.append(DATASETS[key])
    glued["ch10_monarch_closest"] = Sentence(listed(monarch_closest, fmt="s",
                                              none="neither data set"))
    top = max((r for r in rows if r["dataset"] == "mnist1d" and r["accuracy"] is not None),
              key=lambda r: r["accuracy"].mean)
    facts["mnist1d_top"] = top
    glued.update(ch10_mnist1d_top=100 * top["accuracy"].mean,
                 ch10_mnist1d_top_high=100 * top["accuracy"].high,
                 ch10_cnn=100 * MNIST1D_BASELINES["CNN"])
    return table, glued, facts
