"""CDLinear against the block-circulant layer a user would write in PyTorch or JAX, or take from peft.

Issues 11 and 21. Needs the optional extra (``pip install '.[peers]'``: torch, jax, peft);
each framework that is not installed is skipped, saying so.

1. **Correctness, float64** (one small layer, ``n = 64``, ``B = 8``, 5 rows): every peer's
   output, weight gradient and input gradient against the slow, obvious reference built from
   ``CDLinear.to_dense()`` (``Y = X Wᵀ + b``, ``∂L/∂X = dY W``, ``∂L/∂C = Jᵀ vec(dYᵀ X)`` with
   ``J = weight_jacobian()``), as relative errors; for peft also ``torch.autograd.gradcheck``.
2. **Speed, float32**, for each ``--threads`` count in a fresh child process (XLA flags and
   CPU affinity are per process): forward + both backward passes (weight and input gradients)
   of CDLinear (``method="auto"``, and its ``"fft"`` and ``"rdft"`` paths) and a dense layer
   in cdnotes; a torch ``rfft``/``einsum`` layer and ``torch.nn.functional.linear`` under
   autograd (grads reset with ``p.grad = None``); ``jax.jit`` of ``jax.vjp`` of the same and
   of a dense layer; peft's ``BlockCircularConvolution`` (C3A). Every step is warmed (2 calls),
   inputs are already the framework's arrays, and all are timed in turns (a fresh seeded random
   order each round, recorded) by the wall clock: best and median of --repeats rounds.
3. **Threads, set and verified**: the child pins itself to the first T allowed CPUs
   (``os.sched_setaffinity``) and sets ``OMP_WAIT_POLICY=PASSIVE``,
   ``OMP/MKL/OPENBLAS_NUM_THREADS`` and ``XLA_FLAGS`` before importing numpy, torch or jax;
   then cdnotes' BLAS and FFT workers,
   ``torch.set_num_threads(T)`` and ``set_num_interop_threads(1)``. It records the affinity,
   ``threadpoolctl``'s pools, torch's thread counts and, per implementation and cell, the
   processor time over the wall time of a --check-seconds loop after its timed rounds (and,
   for reference, over the rounds themselves): above ``T + 0.25`` the row says
   ``"threads_exceeded": true``; a setting not as asked is printed and listed in
   ``thread_check["problems"]``. The load average is recorded before and after each cell.
4. **An unpinned control** (``--control-cell``, default 1024 8; ``--no-control`` skips it):
   one more one-thread child with the same flags but no pinning, the document's ``control``,
   so that the file itself shows what pinning changes.
5. **Machine peaks** on T threads (:func:`cdnotes.benchmarking.roofline.machine_peaks`: a
   large float32 GEMM, a batched rfft, copy bandwidth), for the chapter's roofline.

Without pinning, jax's CPU client used 1.3–1.7 cores with ``XLA_FLAGS`` asking for one thread
(issue 21): the old one-thread file (``peers_cpu.json``) compared one-core cdnotes with
more-than-one-core jax.

    python benchmarks/peers.py --json cdnotes/measurements/peers_cpu_run1.json
    python benchmarks/peers.py --json cdnotes/measurements/peers_cpu_run2.json
    python benchmarks/peers.py --widths 256 --block-sizes 8 64 --repeats 2 --json smoke.json
"""
from __future__ import annotations

import json
import os
import sys

_PATH_ENV = "CDNOTES_PEERS_PATH"        # the parent's sys.path, appended in the child
THREADS_SLACK = 0.25                    # processor time / wall time above T + this: flagged


def _pin_before_imports(argv):
    """In a ``--child`` run: sys.path, CPU affinity and thread variables, before numpy/torch/jax.

    Returns the thread count (``None`` in the parent)."""
    for p in json.loads(os.environ.get(_PATH_ENV, "[]")):
        if p not in sys.path:
            sys.path.append(p)
    if "--child" not in argv:
        return None
    T = int(argv[argv.index("--threads") + 1])
    allowed = sorted(os.sched_getaffinity(0))
    if T > len(allowed):
        raise SystemExit(f"--threads {T}: only {len(allowed)} CPUs allowed ({allowed})")
    if "--unpinned" not in argv:                     # the control run keeps every CPU
        os.sched_setaffinity(0, allowed[:T])
    os.environ["OMP_WAIT_POLICY"] = "PASSIVE"       # no spinning OpenMP workers between peers
    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        os.environ[var] = str(T)
    # XLA reads a flags string only if it starts with "--"; the affinity above is the real cap
    eigen = "false" if T == 1 else "true"
    os.environ["XLA_FLAGS"] = (f"--xla_cpu_multi_thread_eigen={eigen} "
                               f"intra_op_parallelism_threads={T}")
    return T


_CHILD_THREADS = _pin_before_imports(sys.argv)

import argparse            # noqa: E402  (after the pinning above)
import importlib           # noqa: E402
import importlib.metadata  # noqa: E402
import statistics          # noqa: E402
import subprocess          # noqa: E402
import tempfile            # noqa: E402
import time                # noqa: E402

import numpy as np         # noqa: E402

from cdnotes import CDLinear, Dense                              # noqa: E402
from cdnotes.benchmarking.peer_runs import PEERS_FORMAT         # noqa: E402
from cdnotes.benchmarking.roofline import machine_peaks          # noqa: E402
from cdnotes.gradcheck import relative_error                     # noqa: E402
from cdnotes.operators.fft import fft_workers                    # noqa: E402
from cdnotes.results import environment_info, read_json, write_json_atomic  # noqa: E402
from cdnotes.timing import blas_threads                          # noqa: E402

CDLINEAR = "cdnotes CDLinear"


def _optional(name):
    try:
        return importlib.import_module(name)
    except Exception as exc:                 # ImportError, or a broken install
        print(f"skipping {name}: {type(exc).__name__}: {exc}")
        return None


def _version(name):
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return None


# ----------------------------------------------------------------------------
# The peers: (C, b, X, dY) -> (Y, dC, dX), and float32 steps for timing.
# ----------------------------------------------------------------------------

def torch_cd(torch, X, C, b):
    """Block-circulant ``X Wᵀ + b`` with ``torch.fft.rfft`` and one ``einsum`` (per bin)."""
    N = X.shape[0]
    Ko, Ki, B = C.shape
    Xf = torch.fft.rfft(X.reshape(N, Ki, B), dim=-1)                   # (N, Ki, F)
    Yf = torch.einsum("nkf,okf->nof", Xf, torch.fft.rfft(C, dim=-1))   # (N, Ko, F)
    return torch.fft.irfft(Yf, n=B, dim=-1).reshape(N, Ko * B) + b


def jax_cd(jnp, X, C, b):
    """The same in ``jax.numpy``."""
    N = X.shape[0]
    Ko, Ki, B = C.shape
    Xf = jnp.fft.rfft(X.reshape(N, Ki, B), axis=-1)
    Yf = jnp.einsum("nkf,okf->nof", Xf, jnp.fft.rfft(C, axis=-1))
    return jnp.fft.irfft(Yf, n=B, axis=-1).reshape(N, Ko * B) + b


def _peft_block_circular():
    """peft's C3A ``BlockCircularConvolution`` (an ``autograd.Function``), or ``None``."""
    try:
        from peft.tuners.c3a.utils import BlockCircularConvolution
    except Exception as exc:
        print(f"skipping peft: {type(exc).__name__}: {exc}")
        return None
    return BlockCircularConvolution


def torch_peers(torch, peft_fn):
    """``{name: f(C, b, X, dY) -> (Y, dC, dX)}`` for the torch-based peers (float64 checks)."""
    def run(forward):
        def f(C, b, X, dY):
            Ct, bt = torch.tensor(C, requires_grad=True), torch.tensor(b)
            Xt = torch.tensor(X, requires_grad=True)
            Y = forward(Xt, Ct, bt)
            Y.backward(torch.tensor(dY))
            return Y.detach().numpy(), Ct.grad.numpy(), Xt.grad.numpy()
        return f
    peers = {"torch rfft/einsum": run(lambda X, C, b: torch_cd(torch, X, C, b))}
    if peft_fn is not None:
        def peft(C, b, X, dY):                   # peft's w is C reversed along the block axis
            Y, dw, dX = run(lambda X, w, b: peft_fn.apply(X, w) + b)(_flip(C), b, X, dY)
            return Y, _flip(dw), dX
        peers["peft C3A"] = peft
    return peers


def _flip(C):
    """``C[..., −k mod B]``: between CDLinear's coefficients and peft's (an involution)."""
    return np.roll(C[..., ::-1], 1, axis=-1)


def jax_peers(jax):
    """``{name: f(C, b, X, dY) -> (Y, dC, dX)}`` for ``jax.jit`` of ``jax.vjp``."""
    import jax.numpy as jnp

    @jax.jit
    def step(C, b, X, dY):
        Y, vjp = jax.vjp(lambda C, X: jax_cd(jnp, X, C, b), C, X)
        dC, dX = vjp(dY)
        return Y, dC, dX

    def f(C, b, X, dY):
        return tuple(np.asarray(a) for a in step(C, b, X, dY))
    return {"jax.jit rfft/einsum": f}


def check_peers(peers, *, n=64, B=8, batch=5, seed=0):
    """Relative errors of every peer's ``(Y, dC, dX)`` against ``to_dense()``, float64."""
    rng = np.random.default_rng(seed)
    C = rng.standard_normal((n // B, n // B, B))
    b, X, dY = rng.standard_normal(n), rng.standard_normal((batch, n)), rng.standard_normal((batch, n))
    layer = CDLinear.from_coefficients(C, b)
    W = np.asarray(layer.to_dense())
    reference = (X @ W.T + b, (layer.weight_jacobian().T @ (dY.T @ X).ravel()).reshape(C.shape),
                 dY @ W)
    checks = {}
    for name, f in peers.items():
        got = f(C, b, X, dY)
        checks[name] = {what: relative_error(g, r) for what, g, r in
                        zip(("output", "weight_grad", "input_grad"), got, reference)}
    return checks


def peft_gradcheck(torch, peft_fn, *, seed=0):
    """``torch.autograd.gradcheck`` of peft's function (float64, small): ``(passed, message)``."""
    g = torch.Generator().manual_seed(seed)
    X = torch.randn(3, 16, dtype=torch.float64, generator=g, requires_grad=True)
    w = torch.randn(2, 2, 8, dtype=torch.float64, generator=g, requires_grad=True)
    try:
        return bool(torch.autograd.gradcheck(peft_fn.apply, (X, w))), ""
    except Exception as exc:                  # GradcheckError names the failing input
        return False, " ".join(str(exc).split())[:300]


def timing_steps(n, B, batch, *, torch=None, jax=None, peft_fn=None, seed=0):
    """``({name: zero-argument step}, auto's path)``: forward + both gradients, float32."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((batch, n)).astype(np.float32)
    dY = rng.standard_normal((batch, n)).astype(np.float32)
    import array_api_compat.numpy as xp
    steps = {}
    auto = CDLinear(n, n, B, seed=seed, dtype="float32", method="auto")
    layers = {CDLINEAR: auto}
    for method in ("fft", "rdft"):
        layers[f"{CDLINEAR} {method}"] = CDLinear(n, n, B, seed=seed, dtype="float32",
                                                  method=method)
    dense = Dense(n, n, seed=seed, dtype="float32")
    layers["cdnotes Dense"] = dense
    C = np.asarray(auto.C)
    for name, layer in layers.items():
        steps[name] = (lambda layer=layer: (layer.forward_2d(xp, X), layer.backward_2d(xp, dY)))
    if torch is not None:
        Xt = torch.tensor(X, requires_grad=True)
        dYt = torch.tensor(dY)
        Ct = torch.tensor(C, requires_grad=True)
        Wt = torch.tensor(np.asarray(dense.W), requires_grad=True)
        bt = torch.zeros(n, requires_grad=True)

        def torch_step(forward, params):
            def step():
                for p in params + [Xt]:
                    p.grad = None
                forward().backward(dYt)
            return step
        steps["torch rfft/einsum"] = torch_step(lambda: torch_cd(torch, Xt, Ct, bt), [Ct, bt])
        steps["torch Linear"] = torch_step(
            lambda: torch.nn.functional.linear(Xt, Wt, bt), [Wt, bt])
        if peft_fn is not None:
            steps["peft C3A"] = torch_step(lambda: peft_fn.apply(Xt, Ct) + bt, [Ct, bt])
    if jax is not None:
        import jax.numpy as jnp
        Xj, dYj, Cj = jnp.asarray(X), jnp.asarray(dY), jnp.asarray(C)
        Wj, bj = jnp.asarray(np.asarray(dense.W)), jnp.zeros(n, dtype=jnp.float32)

        @jax.jit
        def jax_cd_step(C, b, X, dY):
            Y, vjp = jax.vjp(lambda C, b, X: jax_cd(jnp, X, C, b), C, b, X)
            return Y, vjp(dY)

        @jax.jit
        def jax_dense_step(W, b, X, dY):
            Y, vjp = jax.vjp(lambda W, b, X: X @ W.T + b, W, b, X)
            return Y, vjp(dY)

        steps["jax.jit rfft/einsum"] = lambda: jax.block_until_ready(jax_cd_step(Cj, bj, Xj, dYj))
        steps["jax.jit dense"] = lambda: jax.block_until_ready(jax_dense_step(Wj, bj, Xj, dYj))
    return steps, auto.method


def timed_rounds(steps, *, repeats, warmup=2, seed=0):
    """Wall and processor seconds of each step, in turns, a fresh random order every round.

    Not a rotation: rotating a fixed list keeps each step's predecessor the same in every
    round but one, so a step that always follows a cache-flushing one (a 4096-wide dense
    layer) is always timed on cold caches, and the step after a twin on warm ones (in a
    rotated smoke run CDLinear ``auto`` took 1.1-1.4x the time of its own ``fft`` path, which
    always ran right after it). The warm-up rounds run in the listed order.

    Returns ``{name: (wall seconds per timed round, processor seconds per timed round)}``
    and the orders of the timed rounds."""
    names = list(steps)
    rng = np.random.default_rng(seed)
    out = {name: ([], []) for name in names}
    orders = []
    for r in range(warmup + repeats):
        order = names if r < warmup else [names[i] for i in rng.permutation(len(names))]
        if r >= warmup:
            orders.append(order)
        for name in order:
            w0, c0 = time.perf_counter(), time.process_time()
            steps[name]()
            w1, c1 = time.perf_counter(), time.process_time()
            if r >= warmup:
                out[name][0].append(w1 - w0)
                out[name][1].append(c1 - c0)
    return out, orders


def cpu_wall_ratio(step, *, min_seconds, min_calls=3):
    """Processor time over wall time of ``step`` called in a loop for ``min_seconds`` or more.

    One long window, not the timed rounds: the kernel adds another thread's processor time to
    the process's clock in slices of a scheduler tick (ms), so a ratio over millisecond calls
    can pass the number of allowed CPUs by accounting alone."""
    calls, w0, c0 = 0, time.perf_counter(), time.process_time()
    while calls < min_calls or time.perf_counter() - w0 < min_seconds:
        step()
        calls += 1
    return (time.process_time() - c0) / (time.perf_counter() - w0)


def thread_check(T, torch, jax):
    """What the child's thread settings turned out to be (affinity, pools, torch, XLA)."""
    from threadpoolctl import threadpool_info
    check = {"threads": T, "affinity": sorted(os.sched_getaffinity(0)),
             "threadpools": [{"library": f"{i.get('internal_api')} ({i.get('prefix')})",
                              "num_threads": i.get("num_threads")} for i in threadpool_info()],
             "XLA_FLAGS": os.environ.get("XLA_FLAGS"),
             "OMP_WAIT_POLICY": os.environ.get("OMP_WAIT_POLICY")}
    if torch is not None:
        check["torch_num_threads"] = torch.get_num_threads()
        check["torch_num_interop_threads"] = torch.get_num_interop_threads()
    if jax is not None:
        check["jax_devices"] = [str(d) for d in jax.devices()]
    problems = [] if len(check["affinity"]) == T else [f"affinity {check['affinity']}"]
    problems += [f"{p['library']}: {p['num_threads']} threads" for p in check["threadpools"]
                 if p["num_threads"] is not None and p["num_threads"] > T]
    problems += [f"torch: {check[k]} {k}" for k, want in
                 (("torch_num_threads", T), ("torch_num_interop_threads", 1))
                 if k in check and check[k] != want]
    check["problems"] = problems
    check["ok"] = not problems
    return check


def child(args):
    """One thread count, in this (pinned) process: peaks, then every cell; returns the run."""
    T = args.threads[0]
    torch = _optional("torch")
    jax = _optional("jax")
    peft_fn = _peft_block_circular() if torch is not None else None
    if torch is not None:
        torch.set_num_threads(T)
        torch.set_num_interop_threads(1)
    rows, cells = [], []
    started = time.perf_counter()
    with blas_threads(T), fft_workers(T):
        check = thread_check(T, torch, jax)
        label = f"{T} thread(s)" + (", UNPINNED control" if args.unpinned else "")
        print(f"[{label}] affinity {check['affinity']}, pools "
              + ", ".join(f"{p['library']}: {p['num_threads']}" for p in check["threadpools"])
              + f", torch {check.get('torch_num_threads')}/"
              f"{check.get('torch_num_interop_threads')} (intra/inter-op)", flush=True)
        if not check["ok"]:
            print("  THREAD SETTINGS NOT AS ASKED: " + "; ".join(check["problems"]), flush=True)
        peaks = machine_peaks(T)
        print(f"  peaks: GEMM {peaks['gemm_gflops']:.1f} GFLOP/s, rfft {peaks['fft_gflops']:.1f}"
              f" GFLOP/s, copy {peaks['copy_gbytes_per_s']:.1f} GB/s", flush=True)
        for n in args.widths:
            for B in (B for B in args.block_sizes if n % B == 0):
                load_before = os.getloadavg()
                steps, auto_method = timing_steps(n, B, args.batch, torch=torch, jax=jax,
                                                  peft_fn=peft_fn)
                times, orders = timed_rounds(steps, repeats=args.repeats,
                                             seed=1000 * n + B)
                ratios = {name: cpu_wall_ratio(step, min_seconds=args.check_seconds)
                          for name, step in steps.items()}
                load_after = os.getloadavg()
                best = {name: min(w) for name, (w, c) in times.items()}
                base = best[CDLINEAR]
                exceeded = []
                for name, (wall, cpu) in times.items():
                    ratio = ratios[name]
                    rows.append({"width": n, "block_size": B, "batch": args.batch,
                                 "implementation": name, "best_s": best[name],
                                 "median_s": statistics.median(wall), "rounds_s": wall,
                                 "ratio_to_cdlinear": best[name] / base,
                                 "cpu_wall_ratio": ratio,
                                 "cpu_wall_ratio_rounds": sum(cpu) / sum(wall),
                                 "threads_exceeded": ratio > T + THREADS_SLACK})
                    if ratio > T + THREADS_SLACK:
                        exceeded.append(f"{name} ({ratio:.2f})")
                cells.append({"width": n, "block_size": B, "auto_method": auto_method,
                              "orders": orders,
                              "load_before": list(load_before), "load_after": list(load_after)})
                print(f"  n = {n}, B = {B} (auto: {auto_method}), load {load_before[0]:.2f}"
                      f"->{load_after[0]:.2f}: " + ", ".join(
                          f"{name} {s * 1e3:.2f} ms ({s / base:.2f})" for name, s in best.items()),
                      flush=True)
                if exceeded:
                    print("    THREADS EXCEEDED (cpu/wall > T + 0.25): " + ", ".join(exceeded),
                          flush=True)
    check["pinned"] = not args.unpinned
    return {"threads": T, "rows": rows, "cells": cells, "thread_check": check,
            "machine_peaks": peaks, "elapsed_seconds": time.perf_counter() - started}


def run_child(args, T, out, *, widths=None, block_sizes=None, unpinned=False):
    """Run this script again as a fresh process for ``T`` threads; its run document."""
    cmd = [sys.executable, os.path.abspath(__file__), "--child", "--child-out", out,
           "--threads", str(T), "--widths", *map(str, widths or args.widths),
           "--block-sizes", *map(str, block_sizes or args.block_sizes), "--batch",
           str(args.batch), "--repeats", str(args.repeats), "--check-seconds",
           str(args.check_seconds)] + (["--unpinned"] if unpinned else [])
    env = {**os.environ, _PATH_ENV: json.dumps(sys.path)}
    done = subprocess.run(cmd, env=env)
    if done.returncode:
        raise SystemExit(f"the {T}-thread child failed (exit {done.returncode}): {' '.join(cmd)}")
    return read_json(out)


def cpu_model():
    """The ``model name`` of /proc/cpuinfo, or ``None``."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return None


def parent(args):
    """Checks (float64) here, then one child per thread count; the whole document."""
    torch = _optional("torch")
    jax = _optional("jax")
    if jax is not None:
        jax.config.update("jax_enable_x64", True)       # float64 for the checks
    peft_fn = _peft_block_circular() if torch is not None else None
    peers = {**(torch_peers(torch, peft_fn) if torch is not None else {}),
             **(jax_peers(jax) if jax is not None else {})}
    checks = check_peers(peers)
    print("float64 checks against CDLinear.to_dense() (relative errors; n = 64, B = 8, 5 rows):")
    for name, c in checks.items():
        print(f"  {name:<22} output {c['output']:.1e}  weight grad {c['weight_grad']:.1e}  "
              f"input grad {c['input_grad']:.1e}")
    gradcheck = None
    if peft_fn is not None:
        passed, message = peft_gradcheck(torch, peft_fn)
        gradcheck = {"passed": passed, "message": message}
        print(f"  torch.autograd.gradcheck(peft BlockCircularConvolution): "
              f"{'passed' if passed else 'FAILED: ' + message}")
    started = time.perf_counter()
    print(f"\nfloat32, batch {args.batch}, best of {args.repeats} interleaved rounds (random "
          "order, wall clock); (ratio) = time / cdnotes CDLinear's")
    runs = []
    with tempfile.TemporaryDirectory() as tmp:
        for T in args.threads:
            runs.append(run_child(args, T, os.path.join(tmp, f"run{T}.json")))
        control = None
        if not args.no_control:
            w, B = args.control_cell
            print(f"control: one thread by every library's flags, NOT pinned, n = {w}, B = {B}")
            control = run_child(args, 1, os.path.join(tmp, "control.json"), widths=[w],
                                block_sizes=[B], unpinned=True)
    env = environment_info("numpy")
    env["peer_versions"] = {k: _version(k) for k in ("torch", "jax", "jaxlib", "peft")}
    env["cpu_count"] = os.cpu_count()
    env["cpu_model"] = cpu_model()
    env["affinity"] = sorted(os.sched_getaffinity(0))
    config = {k: v for k, v in vars(args).items()
              if k not in ("child", "child_out", "unpinned")}
    doc = {"benchmark": "peers", "format": PEERS_FORMAT, "config": config,
           "environment": env, "checks": checks, "peft_gradcheck": gradcheck,
           "machine_peaks": {str(r["threads"]): r.pop("machine_peaks") for r in runs},
           "runs": runs, "control": control, "elapsed_seconds": time.perf_counter() - started}
    if args.json:
        write_json_atomic(args.json, doc)
        print(f"wrote {args.json}")
    return doc


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--widths", type=int, nargs="+", default=[1024, 2048, 4096])
    parser.add_argument("--block-sizes", type=int, nargs="+", default=[8, 64, 512])
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--repeats", type=int, default=9)
    parser.add_argument("--check-seconds", type=float, default=0.25,
                        help="seconds of each step's processor/wall-time check per cell")
    parser.add_argument("--control-cell", type=int, nargs=2, default=[1024, 8],
                        metavar=("WIDTH", "B"),
                        help="the cell of the unpinned one-thread control run")
    parser.add_argument("--no-control", action="store_true", help="skip the control run")
    parser.add_argument("--json", help="write the results to this JSON file")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--child-out", help=argparse.SUPPRESS)
    parser.add_argument("--unpinned", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    for name in ("widths", "block_sizes", "threads"):
        if any(v < 1 for v in getattr(args, name)):
            parser.error(f"--{name.replace('_', '-')} must be positive integers")
    w, B = args.control_cell
    if w < 1 or B < 1 or w % B:
        parser.error(f"--control-cell {w} {B}: the width must be a positive multiple of B")
    if args.repeats < 1 or args.batch < 1 or not args.check_seconds > 0:
        parser.error("--repeats and --batch must be >= 1 and --check-seconds > 0")
    if args.child:
        if len(args.threads) != 1 or args.threads[0] != _CHILD_THREADS:
            parser.error("a --child run takes exactly one --threads value")
        write_json_atomic(args.child_out, child(args))
        return 0
    parent(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
