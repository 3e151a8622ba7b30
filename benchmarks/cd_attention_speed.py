"""MultiHeadAttention forward + backward with block-circulant projections against dense ones.

Issue 19's speed question for attention: at ``d_model = 1024`` (16 heads of 64), one
``forward_2d`` + ``backward_2d`` of :class:`cdnotes.layers.MultiHeadAttention` with dense
projections and with CD projections (``structure="cd"``, ``method="auto"``) of block size
``B = 4 … 64``, on the same ``(N, L, d)`` input, timed in turns
(:func:`cdnotes.timing.interleaved_seconds`, a fresh seeded order every round), float32, one
BLAS/FFT thread (:func:`cdnotes.timing.blas_threads`). Prints each layer's median and best
time, the dense/CD time ratio, and two FLOP-model ratios: of one projection (the Performance
chapter's model, :func:`cdnotes.report.performance.flop_ratio`: dense ``2n²`` per sample
against the FFT path's ``4n²/B`` products and three real FFTs) and of the whole layer (the
attention core ``QKᵀ``, softmax, ``AV`` is the same for both layers and bounds the speed-up).

    python benchmarks/cd_attention_speed.py                       # N 8, L 32: ~0.1 s a dense step
    python benchmarks/cd_attention_speed.py --batch 4 --length 128 --repeats 9
    python benchmarks/cd_attention_speed.py --json cdnotes/measurements/cd_attention_speed_cpu.json
"""
from __future__ import annotations

import argparse

import numpy as np

from cdnotes.layers import MultiHeadAttention
from cdnotes.report.performance import flop_ratio
from cdnotes.results import environment_info, write_json_atomic
from cdnotes.timing import blas_threads, interleaved_seconds


def _step(layer, xp, X, dY):
    def step():
        layer.forward_2d(xp, X)
        layer.backward_2d(xp, dY)
    return step


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--d-model", type=int, default=1024)
    parser.add_argument("--heads", type=int, default=16)
    parser.add_argument("--batch", type=int, default=8, help="N")
    parser.add_argument("--length", type=int, default=32, help="L, positions per sequence")
    parser.add_argument("--block-sizes", type=int, nargs="+", default=[4, 8, 16, 32, 64])
    parser.add_argument("--dtype", default="float32", choices=["float32", "float64"])
    parser.add_argument("--repeats", type=int, default=7, help="timed rounds")
    parser.add_argument("--threads", type=int, default=1, help="BLAS/FFT threads; 0: as is")
    parser.add_argument("--causal", action="store_true")
    parser.add_argument("--json", help="also write the rows, settings and environment here")
    args = parser.parse_args(argv)

    import array_api_compat.numpy as xp
    d, N, L = args.d_model, args.batch, args.length
    rng = np.random.default_rng(0)
    X = rng.standard_normal((N, L, d)).astype(args.dtype)
    dY = rng.standard_normal((N, L, d)).astype(args.dtype)
    layers = {"dense": MultiHeadAttention(d, args.heads, causal=args.causal, seed=1,
                                          dtype=args.dtype)}
    for B in args.block_sizes:
        layers[f"cd B={B}"] = MultiHeadAttention(d, args.heads, structure="cd", block_size=B,
                                                 causal=args.causal, seed=1, dtype=args.dtype)
    steps = {name: _step(layer, xp, X, dY) for name, layer in layers.items()}
    with blas_threads(args.threads or None):
        times = interleaved_seconds(steps, repeats=args.repeats, warmup=2)

    projections = 4 * 3 * 2 * N * L * d * d          # q, k, v, o: forward + two backward GEMMs
    core = 12 * N * L * L * d                         # QKᵀ, AV forward; four products backward
    print(f"MultiHeadAttention d_model={d}, {args.heads} heads, N={N}, L={L} "
          f"({N * L} positions), {args.dtype}, {args.threads or 'default'} thread(s), "
          f"causal={args.causal}; {args.repeats} interleaved rounds after 2 warm-up rounds")
    print(f"dense FLOPs: projections {projections / 1e9:.2f} G, attention core "
          f"{core / 1e9:.3f} G (core share {core / (core + projections):.1%}: at most "
          f"{(core + projections) / core:.0f}x from faster projections)")
    dense = float(np.median(times["dense"]))
    print(f"{'layer':>10} {'method':>7} {'params':>9} {'median ms':>10} {'best ms':>9} "
          f"{'dense/this':>11} {'FLOP ratio proj':>16} {'FLOP ratio layer':>17}")
    rows = []
    for name, layer in layers.items():
        median, best = float(np.median(times[name])), float(np.min(times[name]))
        B = layer.q.block_size
        ratio = flop_ratio(d, B) if name != "dense" else 1.0
        whole = (projections + core) / (projections / ratio + core)
        method = getattr(layer.q, "method", "-")
        rows.append({"layer": name, "block_size": None if name == "dense" else B,
                     "method": method, "n_params": int(layer.n_params), "median_s": median,
                     "best_s": best, "speedup": dense / median,
                     "flop_ratio_projection": ratio, "flop_ratio_layer": whole})
        print(f"{name:>10} {method:>7} {layer.n_params:>9} {median * 1e3:>10.2f} "
              f"{best * 1e3:>9.2f} {dense / median:>11.2f} {ratio:>16.2f} {whole:>17.2f}")

    if args.json:
        config = {k: v for k, v in vars(args).items() if k != "json"}
        write_json_atomic(args.json, {
            "benchmark": "cd_attention_speed", "config": config,
            "environment": environment_info("numpy"), "rows": rows,
            "core_share": core / (core + projections),
            "command": "python benchmarks/cd_attention_speed.py --json " + args.json})
        print(f"wrote {args.json}")


if __name__ == "__main__":
    main()
