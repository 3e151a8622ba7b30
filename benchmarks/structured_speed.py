"""Structured layers against a dense layer: forward + both backward passes, ratios in one run.

Issue 11's goal: at n = 4096, batch 256, float32, each of LowRank(64), Toeplitz,
Kronecker(64×64 ⊗ 64×64), Monarch(64), ACDC(depth 2) and FourierMixing(256) at least 2×
faster than Dense (with CDLinear, SparseFixed and SpectralLinear in the same table). For
every width of the sweep (default 256 … 8192) all layers are timed in turns, at least
--repeats interleaved rounds (``cdnotes.benchmarking.interleaved_seconds``: round r starts at
the r-th layer; more until --min-seconds), each a ``forward_2d`` + ``backward_2d`` on the
same random ``(batch, n)`` input and output gradient (no input checks, as inside an MLP);
on the CPU at each BLAS/FFT thread count of --threads (default: one thread and the default
count, in turns in one run, both on the wall clock, so a layer that runs slower threaded shows:
Monarch's batched 64×64 products once did, 7.0× faster than Dense on one thread but 2.2× on
two). The whole sweep runs --sweeps times; a time is the best round of all, and a structure
is called faster (slower) than Dense at a width — or meets the 2× goal — only when every
sweep's speed-up says so (near a crossing, two runs disagreed: ACDC at n = 256 measured
0.82× and 1.00×).
Prints, per width, each layer's time and ``speed-up = dense time / layer time`` (per sweep
in brackets) at each thread count; the table at --width with the 2× verdict; where each
structure crosses dense (the smallest width from which it is faster at every larger width
measured), both at the first thread count; and each layer's time on one thread over its time
at the default count (< 1: slower threaded; SLOWER when every sweep says so). A
structure whose class is missing (another branch's) is skipped, saying so; one that fails
to build or run is reported and skipped.

Parameters per width n (stated in the JSON): LowRank rank 64; Kronecker outer (a, a) ⊗
inner (n/a, n/a) with a = 2^ceil(log2(n)/2) (64×64 ⊗ 64×64 at 4096); Monarch n_blocks = a;
ACDC depth 2; FourierMixing modes n/16 (256 at 4096); CDLinear B = 64 (FFT path);
SparseFixed density 1/64 (CDLinear B=64's weight count) on its ``sparse`` path on NumPy;
SpectralLinear training its eigenvalues (the paper's Λ), with a bias like the others.

    python benchmarks/structured_speed.py                  # CPU, one thread and the default
    python benchmarks/structured_speed.py --threads 1      # one thread only, processor time
    python benchmarks/structured_speed.py --json cdnotes/measurements/structured_speed_cpu.json
    python benchmarks/structured_speed.py --backend cupy --json out.json    # a CUDA GPU
    python benchmarks/structured_speed.py --widths 64 128 --repeats 1       # a smoke run

On a lent GPU machine: ``bash benchmarks/structured_speed_gpu.sh OUT.json``.
"""
from __future__ import annotations

import argparse
import math
import sys
import time
import traceback

import numpy as np

from cdnotes.backend import import_namespace
from cdnotes.benchmarking import blas_threads, interleaved_seconds, resolve_clock
from cdnotes.layers import LAYERS
from cdnotes.results import environment_info, write_json_atomic

def _split(n):
    """``(a, n // a)`` with ``a = 2^ceil(log2(n)/2)`` (a power of two dividing n)."""
    a = 2 ** math.ceil(math.log2(n) / 2)
    return (a, n // a) if n % a == 0 else (1, n)


# key: (name in cdnotes.layers.LAYERS, label at width n, options at width n)
STRUCTURES = {
    "dense": ("dense", lambda n: "Dense", lambda n: {}),
    "lowrank": ("low_rank", lambda n: "LowRank(64)", lambda n: {"rank": 64}),
    "toeplitz": ("toeplitz", lambda n: "Toeplitz", lambda n: {}),
    "kronecker": ("kronecker", lambda n: "Kronecker({0}×{0} ⊗ {1}×{1})".format(*_split(n)),
                  lambda n: {"outer_shape": (_split(n)[0], _split(n)[0])}),
    "monarch": ("monarch", lambda n: f"Monarch({_split(n)[0]})",
                lambda n: {"n_blocks": _split(n)[0]}),
    "acdc": ("acdc", lambda n: "ACDC(depth 2)", lambda n: {"depth": 2}),
    "fourier_mixing": ("fourier_mixing", lambda n: f"FourierMixing({max(1, n // 16)})",
                       lambda n: {"modes": max(1, n // 16)}),
    "cdlinear": ("cd", lambda n: "CDLinear(B=64)",
                 lambda n: {"block_size": 64, "method": "fft"}),
    "sparse_fixed": ("sparse", lambda n: "SparseFixed(1/64)",
                     lambda n: {"density": 1 / 64, "method": "sparse"}),
    "spectral_linear": ("spectral", lambda n: "SpectralLinear(Λ)", lambda n: {"bias": True}),
}
# The parameters as functions of the width (for the crossing summary, which spans widths).
FAMILY = {"dense": "Dense", "lowrank": "LowRank(64)", "toeplitz": "Toeplitz",
          "kronecker": "Kronecker(a×a ⊗ n/a×n/a)", "monarch": "Monarch(a)",
          "acdc": "ACDC(depth 2)", "fourier_mixing": "FourierMixing(n/16)",
          "cdlinear": "CDLinear(B=64)", "sparse_fixed": "SparseFixed(1/64)",
          "spectral_linear": "SpectralLinear(Λ)"}
GOAL = ("lowrank", "toeplitz", "kronecker", "monarch", "acdc", "fourier_mixing")
GOAL_SPEEDUP = 2.0


def build(keys, n, backend, dtype, seed, log):
    """``{key: layer}`` for the structures that exist and build at width ``n``; ``skipped``."""
    layers, skipped = {}, {}
    for key in keys:
        name, label, options = STRUCTURES[key]
        try:
            layers[key] = LAYERS[name].build(n, n, seed=seed, dtype=dtype, xp=backend,
                                             **options(n))
        except Exception as exc:                        # another branch's signature, a bad width
            skipped[key] = f"{label(n)} could not be built at n={n}: {type(exc).__name__}: {exc}"
            log(traceback.format_exc(limit=2))
    return layers, skipped


def measure_width(n, keys, *, batch, dtype, backend, repeats, min_seconds, clock, seed, log):
    """Seconds of every round of every structure at width ``n``, timed in turns.

    Returns ``({key: [seconds of each round]}, {key: n_params}, {key: why skipped})``.
    """
    xp = import_namespace(backend)
    layers, skipped = build(keys, n, backend, dtype, seed, log)
    rng = np.random.default_rng(seed)
    X = xp.asarray(rng.standard_normal((batch, n)), dtype=getattr(xp, dtype))
    dY = xp.asarray(rng.standard_normal((batch, n)), dtype=getattr(xp, dtype))
    steps = {}
    for key, layer in layers.items():
        def step(layer=layer):
            layer.forward_2d(xp, X)
            layer.backward_2d(xp, dY)
        try:
            step()                                      # a failing layer leaves the round
            steps[key] = step
        except Exception as exc:
            skipped[key] = f"{STRUCTURES[key][1](n)} failed at n={n}: {type(exc).__name__}: {exc}"
            log(traceback.format_exc(limit=3))
    times = interleaved_seconds(steps, repeats=repeats, warmup=1, min_seconds=min_seconds,
                                backend=backend, clock=clock)
    return times, {key: int(layers[key].n_params) for key in times}, skipped


def summarise(n, times_by_sweep, n_params, *, batch, dtype):
    """Rows for width ``n`` from each sweep's ``{key: [seconds]}``: best over every round,
    median, and the speed-up over Dense from all rounds and from each sweep alone."""
    rows = []
    keys = dict.fromkeys(k for times in times_by_sweep for k in times)
    for key in keys:
        rounds = [t for times in times_by_sweep for t in times.get(key, [])]
        best = min(rounds)
        row = {"structure": key, "label": STRUCTURES[key][1](n), "width": n, "batch": batch,
               "dtype": dtype, "n_params": n_params[key], "seconds": best,
               "median_seconds": float(np.median(rounds)), "rounds": len(rounds),
               "seconds_by_sweep": [min(times[key]) for times in times_by_sweep if key in times],
               "speedup": None, "speedup_by_sweep": []}
        if "dense" in keys:
            dense = [t for times in times_by_sweep for t in times.get("dense", [])]
            row["speedup"] = min(dense) / best
            row["speedup_by_sweep"] = [min(times["dense"]) / min(times[key])
                                       for times in times_by_sweep
                                       if key in times and "dense" in times]
        rows.append(row)
    return rows


def verdict(row):
    """``"faster"``/``"slower"`` than Dense when every sweep agrees, else ``"unsettled"``."""
    by_sweep = row["speedup_by_sweep"] or [row["speedup"]]
    if min(by_sweep) > 1:
        return "faster"
    if max(by_sweep) < 1:
        return "slower"
    return "unsettled"


def crossings(rows):
    """Per structure: the smallest width from which every sweep has it faster than Dense at
    every larger width measured (``faster_from``; ``None`` if none), and the widths where the
    sweeps disagree (``unsettled_at``)."""
    out = {}
    for key in dict.fromkeys(r["structure"] for r in rows):
        if key == "dense":
            continue
        mine = sorted((r for r in rows if r["structure"] == key and r["speedup"] is not None),
                      key=lambda r: r["width"])
        verdicts = [verdict(r) for r in mine]
        from_width = next((r["width"] for k, r in enumerate(mine)
                           if all(v == "faster" for v in verdicts[k:])), None)
        out[key] = {"widths": [r["width"] for r in mine], "speedups": [r["speedup"] for r in mine],
                    "verdicts": verdicts,
                    "faster_at": [r["width"] for r, v in zip(mine, verdicts) if v == "faster"],
                    "unsettled_at": [r["width"] for r, v in zip(mine, verdicts) if v == "unsettled"],
                    "faster_from": from_width}
    return out


def describe_crossing(c):
    """A phrase: where one structure beats dense (:func:`crossings` entry)."""
    unsettled = (f"; the sweeps disagree at n = {', '.join(map(str, c['unsettled_at']))}"
                 if c["unsettled_at"] else "")
    if c["faster_from"] is None:
        best = max(zip(c["speedups"], c["widths"]))
        return f"not faster from any width on (best {best[0]:.2f}× at n = {best[1]}){unsettled}"
    if c["faster_from"] == c["widths"][0]:
        return f"faster at every width measured (from n = {c['faster_from']}){unsettled}"
    return f"faster from n = {c['faster_from']} on{unsettled}"


def thread_label(threads):
    """``1``, ``2``, … or ``"default"`` (for 0: the libraries' own count)."""
    return threads or "default"


def thread_ratios(rows_by):
    """Per structure and width: its time at the first thread count over its time at the second
    (``{threads: rows}``, :func:`summarise`'s rows), from all rounds and from each sweep; verdict
    ``"slower"`` (every sweep's ratio < 1: slower at the second), ``"faster"`` (every sweep > 1)
    or ``"unsettled"``."""
    first, second = list(rows_by)[:2]
    there = {(r["structure"], r["width"]): r for r in rows_by[first]}
    out = []
    for r in rows_by[second]:
        a = there.get((r["structure"], r["width"]))
        if a is None:
            continue
        by_sweep = [x / y for x, y in zip(a["seconds_by_sweep"], r["seconds_by_sweep"])]
        verdict = ("slower" if max(by_sweep) < 1 else "faster" if min(by_sweep) > 1
                   else "unsettled")
        out.append({"structure": r["structure"], "label": r["label"], "width": r["width"],
                    "threads": [thread_label(first), thread_label(second)],
                    "seconds": [a["seconds"], r["seconds"]], "ratio": a["seconds"] / r["seconds"],
                    "ratio_by_sweep": by_sweep, "verdict": verdict})
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--width", type=int, default=4096, help="width of the goal table")
    parser.add_argument("--widths", type=int, nargs="+",
                        default=[256, 512, 1024, 2048, 4096, 8192], help="the sweep")
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--dtype", default="float32", choices=["float32", "float64"])
    parser.add_argument("--backend", default="numpy", choices=["numpy", "cupy", "array_api_strict"])
    parser.add_argument("--repeats", type=int, default=5, help="timed rounds per width")
    parser.add_argument("--min-seconds", type=float, default=0.0,
                        help="keep adding rounds per width until this much time has passed")
    parser.add_argument("--sweeps", type=int, default=2,
                        help="whole sweeps, one after the other; a structure is called faster "
                             "or slower than Dense at a width only when every sweep agrees")
    parser.add_argument("--threads", type=int, nargs="+", default=None,
                        help="BLAS/FFT thread counts, measured in turns (0: the default count); "
                             "default: 1 0 on the CPU (1 on a GPU). The tables, the goal and "
                             "the crossings are those of the first")
    parser.add_argument("--clock", choices=["cpu", "wall"], default=None,
                        help="default: processor time for --threads 1 alone on the CPU, else wall")
    parser.add_argument("--only", nargs="+", choices=list(STRUCTURES), help="a subset (dense is "
                        "always included)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", help="also write the measurements to this JSON file")
    parser.add_argument("--verbose", action="store_true", help="print tracebacks of failures")
    args = parser.parse_args(argv)
    widths = sorted(set(args.widths) | {args.width})
    keys = ["dense"] + [k for k in (args.only or STRUCTURES) if k != "dense"]
    settings = list(dict.fromkeys(args.threads or ([1, 0] if args.backend != "cupy" else [1])))
    if any(t < 0 for t in settings):
        parser.error(f"--threads takes counts >= 1, or 0 for the default; got {args.threads}")
    clock = args.clock or ("cpu" if settings == [1] and args.backend == "numpy" else "wall")
    clock = resolve_clock(clock, "numpy" if args.backend != "cupy" else "cupy", settings[0])
    log = (lambda text: print(text, file=sys.stderr)) if args.verbose else (lambda text: None)

    from tqdm.auto import tqdm
    skipped, n_params = {}, {}
    times = {t: {n: [] for n in widths} for t in settings}
    started = time.perf_counter()
    jobs = [(s, n) for s in range(args.sweeps) for n in widths]
    for s, n in tqdm(jobs, desc="sweeps x widths", leave=False):
        k = s % len(settings)                   # sweep s starts at the s-th thread count
        for t in settings[k:] + settings[:k]:
            with blas_threads(t or None):
                got, counts, missing = measure_width(
                    n, keys, batch=args.batch, dtype=args.dtype, backend=args.backend,
                    repeats=args.repeats, min_seconds=args.min_seconds, clock=clock,
                    seed=args.seed, log=log)
            times[t][n].append(got)
            n_params.setdefault(n, {}).update(counts)
            for key, why in missing.items():
                skipped.setdefault(key, {})[n] = why
    elapsed = time.perf_counter() - started
    rows_by = {t: [row | {"threads": thread_label(t)}
                   for n in widths for row in summarise(n, times[t][n], n_params[n],
                                                        batch=args.batch, dtype=args.dtype)]
               for t in settings}
    rows = rows_by[settings[0]]
    ratios = thread_ratios(rows_by) if len(settings) > 1 else []

    print(f"backend {args.backend}, {args.dtype}, batch {args.batch}, {clock} clock; "
          f"{args.sweeps} sweeps of at least {args.repeats} interleaved rounds, best of all; "
          "speed-up = dense time / layer time (per sweep in brackets)")
    for key, by_width in skipped.items():
        reasons = sorted(set(by_width.values()))
        print(f"skipped {key} at n = {', '.join(map(str, by_width))}: {reasons[0]}"
              + (f" (and {len(reasons) - 1} other reasons)" if len(reasons) > 1 else ""))
    for t in settings:
        for n in widths:
            print(f"\nn = {n}, {thread_label(t)} thread{'s' * (t != 1)}")
            print(f"  {'layer':<30} {'params':>10} {'ms':>10} {'speed-up':>9}")
            for r in (r for r in rows_by[t] if r["width"] == n):
                speed = "-" if r["speedup"] is None else f"{r['speedup']:.2f}"
                sweeps = " ".join(f"{x:.2f}" for x in r["speedup_by_sweep"])
                print(f"  {r['label']:<30} {r['n_params']:>10} {r['seconds'] * 1e3:>10.3f}"
                      f" {speed:>9}  ({sweeps})")
    if ratios:
        a, b = thread_label(settings[0]), thread_label(settings[1])
        print(f"\nThreads' speed-up = time at {a} thread(s) / time at {b} (< 1: slower at {b}; "
              "per sweep in brackets)")
        for r in ratios:
            sweeps = " ".join(f"{x:.2f}" for x in r["ratio_by_sweep"])
            flag = {"slower": f"  SLOWER at {b}",
                    "unsettled": "  (unsettled)"}.get(r["verdict"], "")
            print(f"  n = {r['width']:<6} {r['label']:<30} {r['ratio']:>6.2f}  ({sweeps}){flag}")
    goal = {}
    at_width = {r["structure"]: r for r in rows if r["width"] == args.width}
    print(f"\nGoal: >= {GOAL_SPEEDUP:g}x faster than Dense at n = {args.width}, "
          f"{thread_label(settings[0])} thread(s):")
    for key in GOAL:
        r = at_width.get(key)
        if r is None or r["speedup"] is None:
            goal[key] = None
            print(f"  {STRUCTURES[key][1](args.width):<30} not measured")
            continue
        by_sweep = r["speedup_by_sweep"] or [r["speedup"]]
        goal[key] = min(by_sweep) >= GOAL_SPEEDUP             # in every sweep
        print(f"  {r['label']:<30} {r['speedup']:>7.2f}x (sweeps {min(by_sweep):.2f}-"
              f"{max(by_sweep):.2f})  {'meets' if goal[key] else 'MISSES'}")
    cross = crossings(rows)
    print("\nWhere each structure beats Dense:")
    for key, c in cross.items():
        print(f"  {FAMILY[key]:<30} {describe_crossing(c)}")
    print(f"\n({elapsed:.0f} s)")
    if args.json:
        env = environment_info(args.backend)
        if args.backend == "cupy":
            import cupy
            props = cupy.cuda.runtime.getDeviceProperties(0)
            env["device"] = props["name"].decode() if isinstance(props["name"], bytes) else props["name"]
        else:
            env["device"] = _cpu_name()
        env["threads"] = thread_label(settings[0])
        env["blas"] = _blas_info()
        write_json_atomic(args.json, {
            "benchmark": "structured_speed",
            "config": {**vars(args), "clock": clock, "widths": widths,
                       "threads": thread_label(settings[0]),
                       "thread_settings": [thread_label(t) for t in settings]},
            "environment": env, "parameters": {k: FAMILY[k] for k in keys},
            "rows": rows, "skipped": {k: {str(n): why for n, why in v.items()}
                                      for k, v in skipped.items()},
            "goal": {"width": args.width, "speedup": GOAL_SPEEDUP, "meets": goal},
            "crossings": cross, "elapsed_seconds": elapsed,
            "rows_by_threads": {thread_label(t): rows_by[t] for t in settings},
            "thread_ratios": ratios})
        print(f"wrote {args.json}")


def _cpu_name():
    """The CPU's model name (Linux ``/proc/cpuinfo``), or ``platform.processor()``."""
    import platform
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _blas_info():
    """``threadpoolctl``'s view of the BLAS libraries: name, version, architecture."""
    try:
        from threadpoolctl import threadpool_info
        return [{k: d.get(k) for k in ("internal_api", "version", "architecture", "num_threads")}
                for d in threadpool_info() if d.get("user_api") == "blas"]
    except Exception:                                   # provenance only: never fail the run
        return []


if __name__ == "__main__":
    main()
