"""Checks of circulant algebra and the CD layer (chapters 1 and 2): the DFT diagonalisation,
the forward and backward equations, the convolution reading, speed and dropout."""
from __future__ import annotations

import math

import numpy as np

from ..core import Verdict, check
from .common import _rng, sci


@check
def dft_diagonalises() -> Verdict:
    import scipy.linalg
    worst, rng = 0.0, _rng(1)
    for n in (2, 3, 4, 5, 7, 8, 16, 31, 64):
        F = np.fft.fft(np.eye(n)) / np.sqrt(n)
        for _ in range(5):
            c = rng.standard_normal(n)
            for C in (scipy.linalg.circulant(c), scipy.linalg.circulant(c).T):
                D = F @ C @ F.conj().T
                off = D - np.diag(np.diag(D))
                worst = max(worst, np.abs(off).max() / np.abs(C).max())
    return Verdict("holds" if worst < 1e-12 else "fails",
                   f"Over sizes 2–64, random first rows and first columns, the largest "
                   f"off-diagonal entry of F C F* is {sci(worst)} of C's largest entry.")


@check
def circulant_eigenvalue_formula() -> Verdict:
    import scipy.linalg
    worst, rng = 0.0, _rng(2)
    for n in (3, 4, 5, 8, 13):
        c = rng.standard_normal(n)
        C = scipy.linalg.circulant(c).T                 # first row c
        k, j = np.meshgrid(np.arange(n), np.arange(n), indexing="ij")
        lam = (c[None, :] * np.exp(2j * np.pi * j * k / n)).sum(1)
        for lk, k_ in zip(lam, range(n)):
            v = np.exp(2j * np.pi * k_ * np.arange(n) / n)
            worst = max(worst, np.abs(C @ v - lk * v).max() / np.abs(lk * v).max())
    return Verdict("holds" if worst < 1e-12 else "fails",
                   f"For a circulant with first row c, each λ_k = Σ c_j e^(2πijk/n) is an "
                   f"eigenvalue with eigenvector (e^(2πikm/n))_m: largest residual {sci(worst)}.")


@check
def first_row_convention() -> Verdict:
    from ...layers import CDLinear
    rng = _rng(3)
    C = rng.standard_normal((1, 1, 5))
    W = np.asarray(CDLinear.from_coefficients(C).to_dense())
    col, row = np.allclose(W[:, 0], C[0, 0]), np.allclose(W[0, :], C[0, 0])
    verdict = "corrected" if col and not row else ("holds" if row else "fails")
    return Verdict(verdict,
                   "With the paper's own formula (C_ij)_kl = c_(k−l) mod B, c_ij is the first "
                   f"{'column' if col else 'row'} of the block (first column = c: {col}; first "
                   f"row = c: {row}); the book keeps the formula, which Eq. 2 needs.")


def _layer_case(seed, n_in=24, n_out=16, B=4, N=7):
    from ...layers import CDLinear
    rng = _rng(seed)
    C, b = rng.standard_normal((n_out // B, n_in // B, B)), rng.standard_normal(n_out)
    layer = CDLinear.from_coefficients(C, b, method="fft")
    return layer, rng.standard_normal((N, n_in)), rng.standard_normal((N, n_out)), C


@check
def eq2_forward() -> Verdict:
    worst = 0.0
    for s, (n_in, n_out, B) in enumerate([(24, 16, 4), (64, 64, 8), (15, 9, 3), (8, 8, 8)]):
        layer, X, _, C = _layer_case(s, n_in, n_out, B)
        Y = np.asarray(layer.forward(X))
        Xb = X.reshape(len(X), n_in // B, B)
        ref = np.fft.ifft(np.einsum("ijk,njk->nik", np.fft.fft(C), np.fft.fft(Xb))).real
        ref = ref.reshape(len(X), n_out) + np.asarray(layer.params["b"])
        dense = X @ np.asarray(layer.to_dense()).T + np.asarray(layer.params["b"])
        worst = max(worst, np.abs(Y - ref).max() / np.abs(ref).max(),
                    np.abs(Y - dense).max() / np.abs(dense).max())
    return Verdict("holds" if worst < 1e-12 else "fails",
                   f"Eq. 2 written out with numpy's FFT, the layer's FFT path and the product with "
                   f"the materialised block-circulant W agree to {sci(worst)} (relative) over four "
                   f"shapes.")


@check
def eq3_eq4_backward() -> Verdict:
    worst = 0.0
    for s, (n_in, n_out, B) in enumerate([(24, 16, 4), (64, 64, 8), (15, 9, 3)]):
        layer, X, dY, C = _layer_case(10 + s, n_in, n_out, B)
        layer.forward(X)
        dX = np.asarray(layer.backward(dY))
        gC = np.asarray(layer.grads["C"])
        N, Ki, Ko = len(X), n_in // B, n_out // B
        FX = np.fft.fft(X.reshape(N, Ki, B))
        FdY = np.fft.fft(dY.reshape(N, Ko, B))
        eq3 = np.fft.ifft(np.einsum("njk,nik->ijk", FX.conj(), FdY)).real
        Crev = np.roll(C[..., ::-1], 1, axis=-1)
        eq4 = np.fft.ifft(np.einsum("ijk,nik->njk", np.fft.fft(Crev), FdY)).real.reshape(N, n_in)
        W = np.asarray(layer.to_dense())
        worst = max(worst, np.abs(gC - eq3).max() / np.abs(eq3).max(),
                    np.abs(dX - eq4).max() / np.abs(eq4).max(),
                    np.abs(dX - dY @ W).max() / np.abs(eq4).max())
    return Verdict("holds" if worst < 1e-12 else "fails",
                   f"Eq. 3 (cross-correlation) and Eq. 4 (reversed coefficients), written out with "
                   f"numpy's FFT, match the layer's gradients and dY·W to {sci(worst)} over three "
                   f"shapes.")


@check
def gradients_finite_differences() -> Verdict:
    from ...gradcheck import gradcheck
    from ...layers import CDLinear
    worst = 0.0
    for s, (n_in, n_out, B) in enumerate([(8, 8, 4), (12, 6, 3), (16, 32, 8)]):
        layer = CDLinear(n_in, n_out, B, seed=s)
        X = _rng(20 + s).standard_normal((5, n_in))
        worst = max(worst, gradcheck(layer, X, seed=s).max_error)
    return Verdict("holds" if worst < 1e-4 else "fails",
                   f"Central differences against the backward pass, every entry of C, b and X, "
                   f"three shapes: largest relative error {sci(worst)}.")


@check
def conv_interpretation() -> Verdict:
    layer, X, _, C = _layer_case(30, 16, 16, 4, N=3)
    Y = np.asarray(layer.forward(X)) - np.asarray(layer.params["b"])
    Xb = X.reshape(3, 4, 4)
    depthwise = np.fft.ifft(np.fft.fft(np.diagonal(C, axis1=0, axis2=1).T)[None]
                            * np.fft.fft(Xb)).real.reshape(3, 16)
    full = sum(np.fft.ifft(np.fft.fft(C[:, j])[None] * np.fft.fft(Xb[:, j])[:, None]).real
               for j in range(4)).reshape(3, 16)
    e_full = np.abs(Y - full).max() / np.abs(Y).max()
    e_dw = np.abs(Y - depthwise).max() / np.abs(Y).max()
    from ...layers import cdlinear_as_conv
    X3 = _rng(32).standard_normal((3, 5, 16))                  # 5 positions of a sequence
    conv = cdlinear_as_conv(layer, seq_len=5)
    per_position = np.stack([np.asarray(layer.forward(X3[:, t])) for t in range(5)], axis=1)
    e_conv = np.abs(np.asarray(conv.forward(X3)) - per_position).max() / np.abs(per_position).max()
    ok = e_full < 1e-12 and e_dw > 0.1 and e_conv < 1e-12
    return Verdict("corrected" if ok else "fails",
                   f"The layer is a full multi-channel circular convolution over a length-B axis "
                   f"(K_i input and K_o output channels, kernel length B; relative error "
                   f"{sci(e_full)}), not a depthwise one (error {sci(e_dw)}). It is \"1×1\" "
                   f"only position-wise: applied at every position of a sequence it is exactly a "
                   f"kernel-1 CDConv1D (error {sci(e_conv)}), as any linear layer is a 1×1 "
                   f"convolution there; on one vector there is no spatial axis.")


@check
def block_circulant_family() -> Verdict:
    import scipy.linalg
    from ...layers import CDLinear
    rng = _rng(31)
    c = rng.standard_normal((1, 1, 8))
    one = np.asarray(CDLinear.from_coefficients(c).to_dense())
    e_circ = float(np.abs(one - scipy.linalg.circulant(c[0, 0])).max())
    C = rng.standard_normal((2, 3, 4))
    W = np.asarray(CDLinear.from_coefficients(C).to_dense())
    E = lambda i, j: np.eye(2)[:, [i]] @ np.eye(3)[[j], :]          # noqa: E731
    kron = sum(np.kron(E(i, j), scipy.linalg.circulant(C[i, j]))
               for i in range(2) for j in range(3))
    e_block = float(np.abs(W - kron).max())
    ok = e_circ < 1e-14 and e_block < 1e-14
    return Verdict("holds" if ok else "fails",
                   f"With B = n the layer is one circulant matrix (Cheng et al.'s circulant "
                   f"projection; error {sci(e_circ)}), and in general W = Σ E_ij ⊗ C_ij, a "
                   f"block-circulant matrix (error {sci(e_block)}); chapter 10 sets it beside "
                   f"the other structured families.")


@check
def fft_cost_condition() -> Verdict:
    below = [B for B in range(1, 257) if math.log2(B) / B < 1]
    return Verdict("fails" if len(below) == 256 else "partly",
                   f"log₂B/B < 1 for {len(below)} of B = 1…256 (also natural log), so the "
                   f"inequality does not single out B ≥ 4; the asymptotic count also hides the "
                   f"constant of an FFT (chapter *Performance*).")


@check
def cpu_speed_batched() -> Verdict:
    from ...measurements import load_measurement
    d = load_measurement("structured_speed_cpu")
    c = d["crossings"]["cdlinear"]
    widths, speed = c["widths"], c["speedups"]
    label = next(r["label"] for r in d["rows"] if r["structure"] == "cdlinear")
    faster = [w for w, v in zip(widths, c["verdicts"]) if v == "faster"]
    return Verdict("holds" if len(faster) == len(widths) else "partly",
                   f"Batched (no Python loops), {label} against a dense layer, forward and both "
                   f"backward passes, one CPU thread: {speed[0]:.1f}× faster at width "
                   f"{widths[0]} to {speed[-1]:.0f}× at {widths[-1]} (committed run; faster at "
                   f"{len(faster)} of {len(widths)} widths).")


@check
def gpu_crossover() -> Verdict:
    from ...measurements import load_measurement
    d = load_measurement("cdlinear_speed_cupy_h100")
    rows = d["rows"]
    slower = [(r["width"], r["block_size"]) for r in rows if r["fft_speedup"] < 1]
    faster = [(r["width"], r["block_size"]) for r in rows if r["fft_speedup"] > 1]
    small = min(r["width"] for r in rows)
    verdict = "holds" if faster and all(w == small for w, _ in slower) else "partly"
    best = max(rows, key=lambda r: r["fft_speedup"])
    return Verdict(verdict,
                   f"On an H100 (CuPy, float32, batch {d['config']['batch']}), the FFT path is "
                   f"slower than dense in {len(slower)} of {len(rows)} settings, all at width "
                   f"{small}, and faster from width {min(w for w, _ in faster)} on (up to "
                   f"{best['fft_speedup']:.1f}× at width {best['width']}, B = "
                   f"{best['block_size']}): a crossover dimension exists.")


@check
def dropout_rate_mild() -> Verdict:
    from ... import ALPHA_CD
    from ...layers import ShannonDropout
    layer = ShannonDropout(ALPHA_CD, seed=0)
    layer.train()
    X = np.ones((2000, 100))
    Y = np.asarray(layer.forward(X))
    dropped = float((Y == 0).mean())
    layer.eval()
    same = np.array_equal(np.asarray(layer.forward(X)), X)
    ok = abs(dropped - ALPHA_CD) < 0.002 and abs(Y.mean() - 1) < 0.01 and same
    return Verdict("holds" if ok else "fails",
                   f"At rate {ALPHA_CD}, {100 * dropped:.2f} % of 200,000 activations are "
                   f"dropped per step, the kept ones rescaled (mean {Y.mean():.4f}); evaluation "
                   f"mode is the identity: {same}.")
