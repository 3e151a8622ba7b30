"""SHFIN in miniature on MNIST-1D: the comparison, the ablations, the masks and the cost.

* :data:`VARIANTS` — every model of the experiment by name: the SHFIN classifier and its
  ablations, a dense MLP, a CD-MLP and a 1-D CNN at matched parameter counts;
* :func:`run_variant` — one seeded training run, a record (accuracy per epoch, parameters,
  seconds, the frequencies the learned masks keep);
* :func:`run_shfin_experiment` — every (variant, seed), then the cost sweep
  (:func:`cdnotes.shfin.cost.time_forward`): the JSON the chapter loads;
* :func:`summary_rows`, :func:`mask_histogram`, :func:`cost_fits` — what the chapter shows;
* :func:`late_slope` — whether a variant was still improving when training stopped;
* :func:`kept_energy_test` — how the kept bins sit in the data's energy ranking, against
  masks drawn at random (exact chance levels and tail probabilities);
* :func:`add_parser` — the ``python -m cdnotes shfin`` subcommand.

The MNIST-1D paper's baselines (Greydanus 2020, Table 1; 4000 training sequences) are in
:data:`PAPER_BASELINES`, for scale only: they were trained longer, with other settings.
"""
from __future__ import annotations

import math
import sys
import time

import numpy as np

from ..data import load_mnist1d
from ..mlp import make_mlp
from ..shfin.cost import time_forward
from ..shfin.models import cnn_classifier, shfin_classifier
from ..stats import fit_power_law, mean_ci, welch_difference_ci
from ..train import TrainConfig, train
from ..validation import check_choice, check_int, check_seed
from .report import listed

__all__ = ["VARIANTS", "MAIN_VARIANTS", "ABLATIONS", "PAPER_BASELINES", "SHFIN_BASE",
           "make_variant", "run_variant", "run_shfin_experiment", "summary_rows",
           "relation", "mask_histogram", "cost_fits", "late_slope", "energy_ranks",
           "kept_energy_test", "compared_text", "parts_text", "add_parser"]

PAPER_BASELINES = {"logistic": 0.32, "MLP": 0.68, "CNN": 0.94}
"""Test accuracy of the MNIST-1D paper's baselines (Greydanus 2020), for scale."""

SHFIN_BASE = dict(channels=32, n_blocks=1, patch_sizes=(8, 40), k=(4, 8), rank=4)
"""The SHFIN classifier of the comparison: 32 channels, one block, levels of 8 and 40."""

VARIANTS = {
    # name: (kind, keyword arguments, description)
    "shfin": ("shfin", {}, "SHFIN: learned top-K masks, levels 8 and 40, K = (4, 8)"),
    "mlp": ("mlp", {"widths": (40, 64, 64, 10)}, "dense MLP 40-64-64-10"),
    "cd_mlp": ("mlp", {"widths": (40, 200, 200, 16), "block_size": 8},
               "CD-MLP 40-200-200-16 (block size 8, 10 logits kept)"),
    "cnn": ("cnn", {"channels": 24}, "1-D CNN: 3 conv (24 channels, kernel 5, stride 2)"),
    "shfin_all": ("shfin", {"mask": "all"}, "no mask: every frequency kept"),
    "shfin_lowpass": ("shfin", {"mask": "lowpass"}, "fixed low-pass mask, K = (4, 8)"),
    "shfin_identity": ("shfin", {"mixing": "identity"}, "no mixing (M = Z)"),
    "shfin_one_level": ("shfin", {"patch_sizes": (40,), "k": 8}, "one level (patch 40, K = 8)"),
    "shfin_k2": ("shfin", {"k": (2, 4)}, "learned masks, K = (2, 4)"),
    "shfin_k16": ("shfin", {"k": (4, 16)}, "learned masks, K = (4, 16)"),
    "shfin_ffn": ("shfin", {"channels": 24, "ffn": 24},
                  "extension, not in the paper: 24 channels and a position-wise ReLU MLP "
                  "after the block"),
}
"""Every model of the experiment: ``{name: (kind, keyword arguments, description)}``."""

MAIN_VARIANTS = ("shfin", "mlp", "cd_mlp", "cnn")
ABLATIONS = ("shfin", "shfin_all", "shfin_lowpass", "shfin_identity", "shfin_one_level",
             "shfin_k2", "shfin_k16", "shfin_ffn")


def make_variant(name, seed=0):
    """The untrained model ``name`` of :data:`VARIANTS`.

    Parameters
    ----------
    name : str
        A key of :data:`VARIANTS`.
    seed : int
        Initial weights (and the SHFIN masks' Gumbel noise).

    Returns
    -------
    SequenceModel or MLP
        Input ``(N, 40)``, 10 logits.
    """
    check_choice(name, "variant", VARIANTS)
    check_seed(seed)
    kind, kwargs, _ = VARIANTS[name]
    if kind == "shfin":
        return shfin_classifier(40, n_classes=10, seed=seed, **{**SHFIN_BASE, **kwargs})
    if kind == "cnn":
        return cnn_classifier(40, n_classes=10, seed=seed, **kwargs)
    return make_mlp(kwargs["widths"], kwargs.get("block_size"), n_classes=10, seed=seed)


def run_variant(name, seed, data, *, config: TrainConfig) -> dict:
    """Train variant ``name`` with ``seed`` on MNIST-1D; a JSON-ready record.

    Parameters
    ----------
    name : str
        A key of :data:`VARIANTS`.
    seed : int
        Initial weights, mask noise and batch order.
    data : tuple
        ``(X_train, X_test, y_train, y_test)`` of :func:`cdnotes.data.load_mnist1d`.
    config : TrainConfig

    Returns
    -------
    dict
        ``variant``, ``seed``, ``n_params``, ``test_accuracy`` (per epoch), ``final_accuracy``,
        ``train_loss`` (per epoch), ``seconds``, and for SHFIN with learned masks
        ``retained`` (per block, per level, the kept frequency bins) and ``patch_sizes``.
    """
    X_train, X_test, y_train, y_test = data
    model = make_variant(name, seed)
    start = time.perf_counter()
    history = train(model, X_train, y_train, X_test, y_test, config=config, seed=seed)
    record = {"variant": name, "seed": int(seed), "n_params": int(model.n_params),
              "test_accuracy": [float(a) for a in history.test_accuracy],
              "final_accuracy": float(history.test_accuracy[-1]),
              "train_loss": [float(v) for v in history.train_loss],
              "seconds": time.perf_counter() - start}
    blocks = [layer for layer in model.layers if hasattr(layer, "retained_frequencies")]
    if blocks and blocks[0].mask == "learned":
        record["patch_sizes"] = list(blocks[0].patch_sizes)
        record["retained"] = [[r.tolist() for r in b.retained_frequencies()] for b in blocks]
    return record


def run_shfin_experiment(variants=MAIN_VARIANTS + ABLATIONS[1:], seeds=(0, 1, 2, 3, 4), *,
                         config=TrainConfig(epochs=10, lr=3e-3, optimizer="adam", batch_size=64),
                         lengths=(64, 128, 256, 512, 1024, 2048, 4096, 8192), cost_repeats=3,
                         jobs=1, progress=False) -> dict:
    """Every (variant, seed) on MNIST-1D, then the forward-time sweep over lengths.

    Parameters
    ----------
    variants : iterable of str
        Keys of :data:`VARIANTS`.
    seeds : iterable of int
        At least two.
    config : TrainConfig
    lengths : iterable of int
        Multiples of 16 for the cost sweep (empty: no sweep).
    cost_repeats : int >= 1
    jobs : int >= 1
        Training runs in parallel processes (each run is seeded, so the records do not
        depend on it); the cost sweep runs afterwards, alone.
    progress : bool

    Returns
    -------
    dict
        ``config`` (training settings, variants with descriptions, seeds, ``SHFIN_BASE``),
        ``records`` (one per run), ``cost`` (one row per length), ``paper_baselines``.
    """
    variants = [check_choice(v, "variant", VARIANTS) for v in variants]
    seeds = [check_int(s, "each seed", minimum=0) for s in seeds]
    if len(seeds) < 2:
        raise ValueError(f"seeds needs at least two seeds for an interval; got {seeds}")
    cost_repeats = check_int(cost_repeats, "cost_repeats", minimum=1)
    data = load_mnist1d()
    bar = None
    if progress:
        from tqdm.auto import tqdm
        bar = tqdm(total=len(variants) * len(seeds) + len(lengths), desc="shfin")
    workers = check_int(jobs, "jobs", minimum=1)
    jobs = [(v, s) for v in variants for s in seeds]
    records = []

    def done(record):
        records.append(record)
        if bar is not None:
            bar.set_postfix_str(f"{record['variant']} seed {record['seed']}: "
                                f"{record['final_accuracy']:.3f}")
            bar.update()

    if workers == 1:
        for name, seed in jobs:
            done(run_variant(name, seed, data, config=config))
    else:
        from concurrent.futures import ProcessPoolExecutor
        with ProcessPoolExecutor(workers) as pool:
            futures = [pool.submit(run_variant, name, seed, data, config=config)
                       for name, seed in jobs]
            for future in futures:
                done(future.result())
    cost = time_forward(list(lengths), repeats=cost_repeats,
                        progress=(lambda L: bar.update()) if bar is not None else None)
    if bar is not None:
        bar.close()
    return {"config": {"train": {"epochs": config.epochs, "lr": config.lr,
                                 "optimizer": config.optimizer, "batch_size": config.batch_size},
                       "variants": {v: VARIANTS[v][2] for v in variants}, "seeds": seeds,
                       "shfin_base": {k: list(v) if isinstance(v, tuple) else v
                                      for k, v in SHFIN_BASE.items()},
                       "jobs": workers, "cost": {"lengths": list(lengths), "repeats": cost_repeats,
                                "channels": 16, "rank": 4, "patch": 16, "k": [4, 8],
                                "batch": 4}},
            "records": records, "cost": cost, "paper_baselines": PAPER_BASELINES}


def summary_rows(result, variants=None) -> list:
    """One row per variant: mean test accuracy with its 95% interval, parameters, seconds.

    Parameters
    ----------
    result : dict
        What :func:`run_shfin_experiment` returned (or its JSON).
    variants : iterable of str, optional
        Which variants, in this order (default: every one in the result).

    Returns
    -------
    list of dict
        ``variant``, ``description``, ``n_params``, ``estimate`` (:class:`~cdnotes.stats.Estimate`
        of the final accuracy), ``accuracies`` (per seed), ``seconds`` (mean per run).
    """
    by = {}
    for r in result["records"]:
        by.setdefault(r["variant"], []).append(r)
    names = list(by) if variants is None else list(variants)
    rows = []
    for name in names:
        runs = by[name]
        acc = [r["final_accuracy"] for r in runs]
        rows.append({"variant": name, "description": result["config"]["variants"][name],
                     "n_params": runs[0]["n_params"], "estimate": mean_ci(acc),
                     "accuracies": acc, "seconds": float(np.mean([r["seconds"] for r in runs]))})
    return rows


def relation(a, b, level: float = 0.95) -> str:
    """``"above"``, ``"below"`` or ``"indistinguishable from"``: ``a``'s mean against ``b``'s.

    By the Welch interval of the difference (:func:`welch_difference_ci`): ``"above"`` when
    it lies above 0, ``"below"`` when below, otherwise indistinguishable.

    Parameters
    ----------
    a, b : array-like, at least two values each
    level : float, default 0.95

    Returns
    -------
    str
    """
    e = welch_difference_ci(a, b, level)
    return "above" if e.low > 0 else "below" if e.high < 0 else "indistinguishable from"


_DID = {"above": "did better than", "below": "did worse than",
        "indistinguishable from": "did not measurably differ from"}


def _grouped(named, verbs):
    # [(name, key)] -> "a and b both VERB", "a VERB and b VERB2" in first-seen order of keys
    groups = {}
    for name, key in named:
        groups.setdefault(key, []).append(name)
    out = []
    for key, names in groups.items():
        subject = (names[0] if len(names) == 1 else
                   " and ".join([", ".join(names[:-1]), names[-1]]))
        both = "" if len(names) == 1 else " both" if len(names) == 2 else " all"
        out.append(f"{subject}{both} {verbs[key]}")
    return out


def compared_text(relations, reference):
    """How each of several variants did against one reference, grouped by its verdict.

    Parameters
    ----------
    relations : dict
        ``{variant name: relation}`` with the relation of the *variant* against the
        reference as :func:`relation` words it (``"above"``, ``"below"``,
        ``"indistinguishable from"``).
    reference : str
        What they are compared with (``"the learned mask"``).

    Returns
    -------
    str
        ``"the fixed low-pass mask and no mask at all both did better than the learned
        mask"``, or with different verdicts ``"… did better than the learned mask, and no
        mask at all did not measurably differ from it"``.
    """
    if not relations:
        raise ValueError("compared_text needs at least one variant")
    parts = _grouped(relations.items(), _DID)
    text = f"{parts[0]} {reference}"
    rest = [p.replace(" than", " than it").replace(" from", " from it") for p in parts[1:]]
    return ", and ".join([text] + rest) if rest else text


_PART = {"above": "measurably helped",
         "below": "measurably hurt (against its simpler replacement)",
         "indistinguishable from": "made no measurable difference"}


def parts_text(parts, full_params):
    """What each of the block's parts did, with the parameter counts beside the verdict.

    Parameters
    ----------
    parts : dict
        ``{part: (relation, parameters without it)}``: the relation (:func:`relation`) of
        the full block against the variant without the part, and that variant's parameter
        count.
    full_params : int
        The full block's parameter count.

    Returns
    -------
    str
        ``"the mixing (1,764 parameters without it) and the second level (4,319
        parameters without it) both measurably helped; the full block has 6,884
        parameters, so removing …"``.
        Where a part that measurably helped also brings parameters (the variant without it
        has fewer), the sentence says that its effect is not separated from the capacity
        it adds.
    """
    if not parts:
        raise ValueError("parts_text needs at least one part")
    named = [(f"{p} ({n:,} parameters without it)", r) for p, (r, n) in parts.items()]
    text = ("; ".join(_grouped(named, _PART))
            + f"; the full block has {full_params:,} parameters")
    # a part that helped but also brings parameters: its gain may be the capacity's
    confounded = [p for p, (r, n) in parts.items() if r == "above" and n < full_params]
    if confounded:
        one = len(confounded) == 1
        text += (f", so removing {listed(confounded, fmt='s').replace(' and ', ' or ')} "
                 "also removes parameters, and "
                 + ("its effect is" if one else "their effects are")
                 + " not separated from the capacity "
                 + ("it adds" if one else "they add"))
    return text


def mask_histogram(result, variant="shfin") -> list:
    """How often each frequency bin is kept by the learned masks, per level, over seeds.

    Parameters
    ----------
    result : dict
    variant : str, default "shfin"

    Returns
    -------
    list of dict, one per level: ``patch_size``, ``counts`` (per bin ``0 … s//2``), ``runs``
    """
    runs = [r for r in result["records"] if r["variant"] == variant and "retained" in r]
    if not runs:
        raise ValueError(f"no learned-mask runs of variant {variant!r} in the result")
    levels = []
    for level, s in enumerate(runs[0]["patch_sizes"]):
        counts = np.zeros(s // 2 + 1, dtype=int)
        for r in runs:
            for block in r["retained"]:
                counts[np.asarray(block[level], dtype=int)] += 1
        levels.append({"patch_size": s, "counts": counts.tolist(), "runs": len(runs)})
    return levels


def cost_fits(result, min_length=256) -> dict:
    """Log-log slopes of forward time and FLOPs against length, for SHFIN and attention.

    Parameters
    ----------
    result : dict
    min_length : int
        Fit only lengths ``>= min_length`` (short sequences are dominated by overheads).

    Returns
    -------
    dict ``{quantity: slope}`` for ``shfin_seconds``, ``attention_seconds``, ``shfin_flops``,
    ``attention_flops``
    """
    rows = [r for r in result["cost"] if r["seq_len"] >= min_length]
    L = [r["seq_len"] for r in rows]
    return {q: fit_power_law(L, [r[q] for r in rows])[1]
            for q in ("shfin_seconds", "attention_seconds", "shfin_flops", "attention_flops")}


def late_slope(result, variant, last=3, level=0.95):
    """Slope of the test accuracy over the last ``last`` epochs, per seed, with a t interval.

    Each seed's slope is the least-squares line through its last ``last`` per-epoch test
    accuracies (accuracy per epoch, as a fraction); the estimate is their mean over seeds. An
    interval above zero says the variant was still improving when training stopped.

    Parameters
    ----------
    result : dict
        What :func:`run_shfin_experiment` returned (or its JSON).
    variant : str
    last : int >= 2, default 3
    level : float, default 0.95

    Returns
    -------
    Estimate
        :func:`cdnotes.stats.mean_ci` of the per-seed slopes.
    """
    last = check_int(last, "last", minimum=2)
    curves = [r["test_accuracy"] for r in result["records"] if r["variant"] == variant]
    if not curves:
        raise ValueError(f"no runs of variant {variant!r} in the result")
    if min(len(c) for c in curves) < last:
        raise ValueError(f"late_slope needs at least {last} epochs per run")
    x = np.arange(last, dtype=float)
    slopes = [float(np.polyfit(x, np.asarray(c[-last:], dtype=float), 1)[0]) for c in curves]
    return mean_ci(slopes, level)


def energy_ranks(power):
    """Each bin's place in the energy ranking: 0 for the most energetic, ``n − 1`` the least.

    Parameters
    ----------
    power : 1-D array of ``n`` mean powers (ties keep the bin order)

    Returns
    -------
    numpy.ndarray of int, one rank per bin
    """
    power = np.asarray(power, dtype=float)
    if power.ndim != 1 or power.size < 2 or not np.isfinite(power).all():
        raise ValueError(f"power must be a finite 1-D array of at least two bins; got shape "
                         f"{power.shape}")
    ranks = np.empty(power.size, dtype=int)
    ranks[np.argsort(-power, kind="stable")] = np.arange(power.size)
    return ranks


def _convolve_power(pmf, times):
    out = np.array([1.0])
    for _ in range(times):
        out = np.convolve(out, pmf)
    return out


def _rank_sum_pmf(n, k):
    # distribution of the sum of a uniformly drawn k-subset of {0, ..., n-1} (exact counts)
    counts = [[0] * (k * n + 1) for _ in range(k + 1)]
    counts[0][0] = 1
    for v in range(n):
        for j in range(min(k, v + 1), 0, -1):
            for t in range(k * n, v - 1, -1):
                counts[j][t] += counts[j - 1][t - v]
    total = math.comb(n, k)
    return np.array([c / total for c in counts[k]])


def kept_energy_test(kept, power) -> dict:
    """Where the kept frequency bins sit in the data's energy ranking, against chance.

    *Chance* is a mask that keeps ``k`` of the ``n`` bins uniformly at random, independently
    per run. Two statistics, each with its exact chance level and one-sided tail
    probabilities (hypergeometric and rank-sum distributions, convolved over the runs):

    * ``top_overlap`` — the mean fraction of kept bins among the ``k`` most energetic bins
      (``bottom_overlap``: among the ``k`` least energetic); chance ``k / n`` for both;
    * ``position`` — the mean energy rank of the kept bins scaled to [0, 1], 0 the most
      energetic bin and 1 the least; chance 0.5.

    Parameters
    ----------
    kept : list of sequences
        One per run: the ``k`` distinct bins (``0 … n − 1``) its mask keeps.
    power : 1-D array of ``n`` mean powers per bin

    Returns
    -------
    dict
        ``n``, ``k``, ``runs``; ``top_overlap``, ``bottom_overlap``, ``overlap_chance``;
        ``p_top_low`` / ``p_top_high`` (chance probability of a total top overlap at most /
        at least the one observed), ``p_bottom_high`` (at least the bottom overlap
        observed); ``position``, ``position_chance`` (0.5), ``p_least`` (chance probability
        of a position at least this far towards the least energetic) and ``p_most`` (at
        least this far towards the most energetic).
    """
    ranks = energy_ranks(power)
    n = ranks.size
    sets = [sorted(int(b) for b in x) for x in kept]
    if not sets:
        raise ValueError("kept needs at least one run")
    k = len(sets[0])
    for x in sets:
        if len(x) != k or len(set(x)) != k or not all(0 <= b < n for b in x):
            raise ValueError(f"every run must keep the same number of distinct bins in "
                             f"0…{n - 1}; got {x}")
    if not 0 < k < n:
        raise ValueError(f"kept bins per run must be between 1 and {n - 1}; got {k}")
    runs = len(sets)
    top = set(np.flatnonzero(ranks < k).tolist())
    bottom = set(np.flatnonzero(ranks >= n - k).tolist())
    top_total = sum(len(top & set(x)) for x in sets)
    bottom_total = sum(len(bottom & set(x)) for x in sets)
    rank_total = int(sum(ranks[x].sum() for x in sets))
    hyper = np.array([math.comb(k, j) * math.comb(n - k, k - j) / math.comb(n, k)
                      for j in range(k + 1)])
    overlap = _convolve_power(hyper, runs)
    rank_sum = _convolve_power(_rank_sum_pmf(n, k), runs)
    return {"n": n, "k": k, "runs": runs,
            "top_overlap": top_total / (k * runs), "bottom_overlap": bottom_total / (k * runs),
            "overlap_chance": k / n,
            "p_top_low": float(overlap[:top_total + 1].sum()),
            "p_top_high": float(overlap[top_total:].sum()),
            "p_bottom_high": float(overlap[bottom_total:].sum()),
            "position": rank_total / (k * runs * (n - 1)), "position_chance": 0.5,
            "p_least": float(rank_sum[rank_total:].sum()),
            "p_most": float(rank_sum[:rank_total + 1].sum())}


# -- command line --------------------------------------------------------------------------

def add_parser(subparsers):
    """Register ``python -m cdnotes shfin`` on an argparse ``subparsers`` object.

    Parameters
    ----------
    subparsers : the object ``ArgumentParser.add_subparsers()`` returned

    Returns
    -------
    argparse.ArgumentParser
        The subcommand's parser.
    """
    from ..cli import _out_path, _positive, _positive_int, _seed

    p = subparsers.add_parser(
        "shfin", help="SHFIN in miniature on MNIST-1D: comparison, ablations, cost",
        description="Train the SHFIN classifier, its ablations, a dense MLP, a CD-MLP and a "
                    "1-D CNN on MNIST-1D for every seed (Adam), then time an SHFIN block "
                    "against dense self-attention over sequence lengths. Writes one JSON file "
                    "(atomically) with configuration, library versions and backend.")
    p.add_argument("--seeds", type=_seed, nargs="+", default=[0, 1, 2, 3, 4],
                   help="seeds, distinct integers >= 0, at least two (default: 0 1 2 3 4)")
    p.add_argument("--variants", nargs="+", choices=list(VARIANTS),
                   default=list(MAIN_VARIANTS + ABLATIONS[1:]),
                   help="models to train (default: all)")
    p.add_argument("--epochs", type=_positive_int, default=10, help="epochs (default: 10)")
    p.add_argument("--lr", type=_positive, default=3e-3, help="Adam learning rate (default: 3e-3)")
    p.add_argument("--batch-size", type=_positive_int, default=64,
                   help="mini-batch size (default: 64)")
    p.add_argument("--lengths", type=_positive_int, nargs="*",
                   default=[64, 128, 256, 512, 1024, 2048, 4096, 8192],
                   help="sequence lengths of the cost sweep, multiples of 16 (default: 64 ... "
                        "8192; none: no sweep)")
    p.add_argument("--cost-repeats", type=_positive_int, default=3,
                   help="best-of repeats per timing (default: 3)")
    p.add_argument("--jobs", type=_positive_int, default=1,
                   help="training runs in parallel processes (default: 1)")
    p.add_argument("--out", type=_out_path, default="shfin_mnist1d.json",
                   help="output JSON file (default: shfin_mnist1d.json)")
    p.add_argument("--quiet", action="store_true", help="print nothing, show no progress bar")
    p.set_defaults(func=_run, subparser=p)
    return p


def _run(args) -> int:
    from ..results import environment_info, write_json_atomic

    p = args.subparser
    for option, values in (("--seeds", args.seeds), ("--variants", args.variants),
                           ("--lengths", args.lengths)):
        if len(set(values)) != len(values):
            p.error(f"argument {option}: values must be distinct; got "
                    f"{' '.join(map(str, values))}")
    if len(args.seeds) < 2:
        p.error("argument --seeds: at least two seeds (for a confidence interval)")
    bad = [L for L in args.lengths if L % 16]
    if bad:
        p.error(f"argument --lengths: each length must be a multiple of 16 (the local patch); "
                f"got {' '.join(map(str, bad))}")
    config = TrainConfig(epochs=args.epochs, lr=args.lr, optimizer="adam",
                         batch_size=args.batch_size)
    start = time.perf_counter()
    result = run_shfin_experiment(args.variants, args.seeds, config=config, lengths=args.lengths,
                                  cost_repeats=args.cost_repeats, jobs=args.jobs,
                                  progress=sys.stderr.isatty() and not args.quiet)
    result.update(command="shfin", argv=sys.argv[1:], environment=environment_info("numpy"),
                  wall_seconds=time.perf_counter() - start)
    write_json_atomic(args.out, result)
    if not args.quiet:
        for row in summary_rows(result):
            e = row["estimate"]
            print(f"{row['variant']:16s} {row['n_params']:6d} params  accuracy "
                  f"{100 * e.mean:.1f} % [{100 * e.low:.1f}, {100 * e.high:.1f}]")
        long = [L for L in args.lengths if L >= 256]
        if len(set(args.lengths)) >= 2:
            fits = cost_fits(result, 256 if len(long) >= 2 else min(args.lengths))
            print("log-log slopes:", {k: round(v, 2) for k, v in fits.items()})
        print(f"wrote {args.out} in {time.perf_counter() - start:.0f} s")
    return 0
