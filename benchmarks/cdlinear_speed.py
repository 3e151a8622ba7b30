"""CDLinear forward + both backward passes against a dense layer of the same shape.

For each width (n_in = n_out) and block size, times one forward and one backward pass
(the layers' kernels, input checks off) of: a dense layer, CDLinear's FFT path and its
materialised path, in turns, best of --repeats per sweep, one BLAS thread unless
--threads 0 (``cdnotes.benchmarking.speed_sweep``); prints time ratios, where the FFT
path beat dense (and the exceptions), how much --sweeps repeated sweeps disagree, and the
peak memory of one training step (forward, backward, SGD update) per path. Works on NumPy
and CuPy (GPU times are taken between device synchronisations).

    python benchmarks/cdlinear_speed.py                          # float32, batch 256, CPU
    python benchmarks/cdlinear_speed.py --backend cupy --batch 4096 --json results.json

The GPU sweep the Performance chapter reads (cdnotes.measurements.load_measurement):

    python benchmarks/cdlinear_speed.py --backend cupy --widths 1024 4096 8192 \
        --block-sizes 16 64 256 --batch 4096 --repeats 10 --no-materialised \
        --json cdnotes/measurements/cdlinear_speed_cupy_h100.json
"""
from __future__ import annotations

import argparse

from cdnotes.benchmarking import describe_fft_wins, fft_wins, speed_sweep
from cdnotes.results import environment_info, write_json_atomic


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--widths", type=int, nargs="+", default=[256, 512, 1024, 2048, 4096])
    parser.add_argument("--block-sizes", type=int, nargs="+", default=[4, 8, 16, 32, 64, 128])
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--dtype", default="float32", choices=["float32", "float64"])
    parser.add_argument("--backend", default="numpy", choices=["numpy", "cupy"])
    parser.add_argument("--repeats", type=int, default=5, help="rounds per sweep")
    parser.add_argument("--sweeps", type=int, default=2)
    parser.add_argument("--threads", type=int, default=1, help="BLAS threads; 0: the library default")
    parser.add_argument("--no-materialised", action="store_true", help="skip the materialised path")
    parser.add_argument("--json", help="also write the measurements to this JSON file")
    args = parser.parse_args(argv)

    rows = speed_sweep(args.widths, args.block_sizes, batch=args.batch, dtype=args.dtype,
                       backend=args.backend, repeats=args.repeats, sweeps=args.sweeps,
                       threads=args.threads or None, materialised=not args.no_materialised)
    print(f"backend {args.backend}, {args.dtype}, batch {args.batch}; best of {args.sweeps} x "
          f"{args.repeats}; "
          "speed-up = dense time / path time; MB = peak memory of one training step")
    print(f"{'width':>6} {'B':>5} {'dense ms':>9} {'fft ms':>9} {'fft x':>7} {'mat ms':>9} {'mat x':>7}"
          f" {'MB dense':>9} {'MB fft':>8} {'MB mat':>8}")
    for n in dict.fromkeys(r["width"] for r in rows):
        for r in (r for r in rows if r["width"] == n):
            mat = r.get("materialised_s")
            print(f"{n:>6} {r['block_size']:>5} {r['dense_s'] * 1e3:>9.3f} {r['fft_s'] * 1e3:>9.3f} "
                  f"{r['fft_speedup']:>7.2f} "
                  + (f"{mat * 1e3:>9.3f} {r['dense_s'] / mat:>7.2f} " if mat else f"{'-':>9} {'-':>7} ")
                  + f"{r['dense_peak_bytes'] / 2**20:>9.1f} {r['fft_peak_bytes'] / 2**20:>8.1f} "
                  + (f"{r['materialised_peak_bytes'] / 2**20:>8.1f}" if mat else f"{'-':>8}"))
        print(f"{'':>6} FFT path faster than dense {describe_fft_wins(fft_wins(rows, n))}")
    if args.sweeps > 1:
        spread = [max(r["fft_speedup_by_sweep"]) / min(r["fft_speedup_by_sweep"]) for r in rows]
        print(f"sweeps disagree on the speed-up by a factor of {min(spread):.2f} to {max(spread):.2f} "
              f"(median {sorted(spread)[len(spread) // 2]:.2f})")
    if args.json:
        env = environment_info(args.backend)
        if args.backend == "cupy":
            import cupy
            props = cupy.cuda.runtime.getDeviceProperties(0)
            env["device"] = props["name"].decode() if isinstance(props["name"], bytes) else props["name"]
        write_json_atomic(args.json, {"benchmark": "cdlinear_speed", "config": vars(args),
                                      "environment": env, "rows": rows})


if __name__ == "__main__":
    main()
