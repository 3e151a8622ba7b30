"""CDConv1D against Conv1D: one forward and one backward pass, timed in turns (issue 19, Speed).

At 256 channels in and out, kernel 5, length 256 (padding 2, stride 1), batch 64, float32,
one thread (``cdnotes.timing.blas_threads(1)``: BLAS, OpenMP and scipy.fft), the layers'
unchecked kernels ``forward_2d`` + ``backward_2d``, every step timed in each round in a
fresh random order (``cdnotes.timing.interleaved_seconds``, processor time). Prints each
step's median and best time, the speed-up ``Conv1D time / CDConv1D time`` and the FLOP
ratio of the products alone (dense ``3 · 2 M·kernel·C²``; CD ``3 · 8 F M·kernel·C²/B²``,
``F = B/2 + 1`` complex frequencies, ``M = N·L_out``), and the share of each layer's
backward pass spent adding window gradients back (Conv1D: a matmul with a dense 0/1
``(L_pad, L_out·kernel)`` matrix; CDConv1D: a Python loop over the ``kernel`` taps).

    python benchmarks/cd_conv_speed.py
    python benchmarks/cd_conv_speed.py --block-sizes 4 8 --repeats 3 --batch 16
    python benchmarks/cd_conv_speed.py --json cdnotes/measurements/cd_conv_speed_cpu.json
"""
from __future__ import annotations

import argparse
import statistics

import numpy as np

from cdnotes.layers import CDConv1D, Conv1D
from cdnotes.results import environment_info, write_json_atomic
from cdnotes.timing import blas_threads, interleaved_seconds


def _scatter_steps(layers, X, dtype):
    """Zero-argument callables repeating each layer's window scatter on arrays of its shapes."""
    steps = {}
    dense = layers["Conv1D"]
    N = X.shape[0]
    dcols = np.ones((N, dense.out_len * dense.kernel, dense.c_in), dtype)
    gather_t = np.asarray(dense._gather_t, dtype=dtype)
    steps["Conv1D scatter"] = lambda: np.matmul(gather_t, dcols)
    for name, layer in layers.items():
        if name == "Conv1D":
            continue
        B, k, s, p = layer.block_size, layer.kernel, layer.stride, layer.padding
        F, Ki = B // 2 + 1, layer.c_in // B
        d = np.ones((F, k, Ki, N, layer.out_len), np.complex64 if dtype == "float32"
                    else np.complex128)
        span = s * (layer.out_len - 1) + 1

        def loop(d=d, k=k, s=s, p=p, span=span, F=F, Ki=Ki, L=layer.seq_len):
            out = np.zeros((F, Ki, N, L + 2 * p), d.dtype)      # as CDConv1D.backward_2d
            for j in range(k):
                out[:, :, :, j:j + span:s] += d[:, j, ...]
            return out
        steps[f"{name} scatter"] = loop
    return steps


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--channels", type=int, default=256)
    parser.add_argument("--kernel", type=int, default=5)
    parser.add_argument("--length", type=int, default=256)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--block-sizes", type=int, nargs="+", default=[4, 8, 16, 32, 64])
    parser.add_argument("--dtype", default="float32", choices=["float32", "float64"])
    parser.add_argument("--repeats", type=int, default=5, help="timed rounds")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", help="also write the rows, settings and environment here")
    args = parser.parse_args(argv)

    C, k, L, N = args.channels, args.kernel, args.length, args.batch
    pad = k // 2
    rng = np.random.default_rng(args.seed)
    X = rng.standard_normal((N, L, C)).astype(args.dtype)
    layers = {"Conv1D": Conv1D(L, C, C, k, padding=pad, seed=args.seed, dtype=args.dtype)}
    for B in args.block_sizes:
        layers[f"CD B={B}"] = CDConv1D(L, C, C, k, block_size=B, padding=pad, seed=args.seed,
                                       dtype=args.dtype)
    out_len = layers["Conv1D"].out_len
    dY = rng.standard_normal((N, out_len, C)).astype(args.dtype)

    def step(layer):
        def run():
            layer.forward_2d(np, X)
            layer.backward_2d(np, dY)
        return run

    steps = {name: step(layer) for name, layer in layers.items()}
    steps.update(_scatter_steps(layers, X, args.dtype))
    with blas_threads(1):
        times = interleaved_seconds(steps, repeats=args.repeats, warmup=1, clock=None,
                                    order_seed=args.seed)
    median = {name: statistics.median(t) for name, t in times.items()}
    best = {name: min(t) for name, t in times.items()}
    M = N * out_len
    print(f"{C} channels, kernel {k}, length {L} (padding {pad}), batch {N}, {args.dtype}, "
          f"one thread; forward_2d + backward_2d, processor time, {args.repeats} rounds in "
          f"turns (random order each round)")
    print(f"{'layer':>10} {'params':>8} {'median ms':>10} {'best ms':>9} {'speed-up':>9} "
          f"{'FLOP ratio':>11} {'scatter %':>10}")
    dense_flops = 3 * 2 * M * k * C * C
    rows = []
    for name, layer in layers.items():
        B = getattr(layer, "block_size", 1)
        flops = dense_flops if name == "Conv1D" else 3 * 8 * (B // 2 + 1) * M * k * C * C / B**2
        rows.append({"layer": name, "block_size": None if name == "Conv1D" else B,
                     "n_params": int(layer.n_params), "median_s": median[name],
                     "best_s": best[name], "speedup": median["Conv1D"] / median[name],
                     "flop_ratio": dense_flops / flops,
                     "scatter_share": median[name + " scatter"] / median[name]})
        print(f"{name:>10} {layer.n_params:>8} {median[name] * 1e3:>10.1f} "
              f"{best[name] * 1e3:>9.1f} {median['Conv1D'] / median[name]:>9.2f} "
              f"{dense_flops / flops:>11.2f} "
              f"{100 * median[name + ' scatter'] / median[name]:>9.1f}%")
    print("speed-up = Conv1D median / layer median (> 1: CD faster); FLOP ratio = the products' "
          "FLOPs, dense / CD (FFTs and the scatter not counted); scatter % = the time of the "
          "window scatter alone, as a share of the layer's forward + backward")
    if args.json:
        config = {k: v for k, v in vars(args).items() if k != "json"}
        write_json_atomic(args.json, {
            "benchmark": "cd_conv_speed", "config": {**config, "padding": pad, "threads": 1},
            "environment": environment_info("numpy"), "rows": rows,
            "command": "python benchmarks/cd_conv_speed.py --json " + args.json})
        print(f"wrote {args.json}")


if __name__ == "__main__":
    main()
