"""CDLinear against the block-circulant layer a user would write in PyTorch or JAX, or take from peft.

Issue 11 ("Peers on the same workload"). Needs the optional extra (``pip install '.[peers]'``:
torch, jax, peft); each framework that is not installed is skipped, saying so.

1. **Correctness, float64** (one small layer, ``n = 64``, ``B = 8``, 5 rows): every peer's
   output, weight gradient and input gradient against the slow, obvious reference built from
   ``CDLinear.to_dense()`` (``Y = X Wᵀ + b``, ``∂L/∂X = dY W``, ``∂L/∂C = Jᵀ vec(dYᵀ X)`` with
   ``J = weight_jacobian()``), as relative errors; for peft also ``torch.autograd.gradcheck``.
2. **Speed, float32**: forward + both backward passes (weight and input gradients) of
   CDLinear's FFT path and a dense layer in cdnotes; a torch ``rfft``/``einsum`` layer and
   ``torch.nn.functional.linear`` under autograd; ``jax.jit`` of ``jax.vjp`` of the same
   and of a dense layer; peft's ``BlockCircularConvolution`` (C3A). All timed in turns
   (``cdnotes.benchmarking.interleaved_seconds``, wall clock), best of --repeats rounds, on
   --threads threads (cdnotes: BLAS and FFT workers; torch: ``set_num_threads``; jax: XLA's
   default CPU pool, i.e. every core, recorded as such).

peft's layer convention: ``BlockCircularConvolution.apply(x, w)`` with ``w`` ``(Ko, Ki, B)``
computes ``fft(ifft(x) · fft(w)).real`` per block, ``y_u = Σ_s w_s x_{(u+s) mod B}`` (a
correlation): CDLinear with ``C[..., k] = w[..., −k mod B]``. The checks feed peft that ``w``
and map its weight gradient back the same way.

Threads: ``OMP_WAIT_POLICY=PASSIVE`` is set before torch is imported, so that torch's OpenMP
workers do not spin on the cores while the next peer runs (with spinning workers, an
interleaved 2-thread run here timed torch's layer 100x slower than torch alone).

    python benchmarks/peers.py --json peers.json
    python benchmarks/peers.py --widths 1024 --block-sizes 64 --repeats 3     # quick
"""
from __future__ import annotations

import argparse
import importlib
import importlib.metadata
import os
import sys
import time

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")      # before torch starts its OpenMP pool
if "--threads" in sys.argv and sys.argv[sys.argv.index("--threads") + 1:][:1] == ["1"]:
    # one thread for XLA's CPU client too (read when jax starts)
    os.environ.setdefault("XLA_FLAGS", "--xla_cpu_multi_thread_eigen=false "
                                       "intra_op_parallelism_threads=1")

import numpy as np

from cdnotes import CDLinear, Dense
from cdnotes.benchmarking import blas_threads, interleaved_seconds
from cdnotes.gradcheck import relative_error
from cdnotes.results import environment_info, write_json_atomic


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
    """``{name: zero-argument step}``: forward + weight and input gradients, float32."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((batch, n)).astype(np.float32)
    dY = rng.standard_normal((batch, n)).astype(np.float32)
    import array_api_compat.numpy as xp
    steps = {}
    cd = CDLinear(n, n, B, seed=seed, dtype="float32", method="fft")
    dense = Dense(n, n, seed=seed, dtype="float32")
    C = np.asarray(cd.C)
    for name, layer in (("cdnotes CDLinear", cd), ("cdnotes Dense", dense)):
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
    return steps


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--widths", type=int, nargs="+", default=[1024, 2048, 4096])
    parser.add_argument("--block-sizes", type=int, nargs="+", default=[8, 64, 512])
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--json", help="also write the results to this JSON file")
    args = parser.parse_args(argv)

    torch = _optional("torch")
    jax = _optional("jax")
    if jax is not None:
        jax.config.update("jax_enable_x64", True)       # float64 for the checks; timings are float32
    peft_fn = _peft_block_circular() if torch is not None else None
    if torch is not None:
        torch.set_num_threads(args.threads)

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

    rows = []
    started = time.perf_counter()
    print(f"\nfloat32, batch {args.batch}, {args.threads} threads, best of {args.repeats} "
          "interleaved rounds (wall clock); ratio = peer time / cdnotes CDLinear time")
    with blas_threads(args.threads):
        for n in args.widths:
            for B in (B for B in args.block_sizes if n % B == 0):
                steps = timing_steps(n, B, args.batch, torch=torch, jax=jax, peft_fn=peft_fn)
                times = interleaved_seconds(steps, repeats=args.repeats, warmup=2, clock="wall")
                best = {name: min(t) for name, t in times.items()}
                base = best["cdnotes CDLinear"]
                print(f"  n = {n}, B = {B}: " + ", ".join(
                    f"{name} {s * 1e3:.2f} ms ({s / base:.2f})" for name, s in best.items()))
                for name, s in best.items():
                    rows.append({"width": n, "block_size": B, "batch": args.batch, "peer": name,
                                 "seconds": s, "ratio_to_cdlinear": s / base})
    if args.json:
        env = environment_info("numpy")
        env["peer_versions"] = {k: _version(k) for k in ("torch", "jax", "jaxlib", "peft")}
        env["cpu_count"] = os.cpu_count()
        env["jax_threads"] = ("1 (XLA_FLAGS)" if args.threads == 1
                              else "XLA default (every core)")
        env["XLA_FLAGS"] = os.environ.get("XLA_FLAGS")
        write_json_atomic(args.json, {"benchmark": "peers", "config": vars(args),
                                      "environment": env, "checks": checks,
                                      "peft_gradcheck": gradcheck, "rows": rows,
                                      "elapsed_seconds": time.perf_counter() - started})
        print(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
