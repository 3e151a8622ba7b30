"""Block structure of an explicit CDLinear Hessian: which blocks are circulant, which zero.

:func:`block_circulance` measures every ``B × B`` block's distance from the nearest
circulant; :func:`hessian_structure` summarises the claims of Theorem 1 block by block
(see :class:`HessianStructure`). Host NumPy.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..backend import to_numpy
from ..validation import check_block_size, check_positive_int, divisors

__all__ = ["block_circulance", "HessianStructure", "hessian_structure"]


def _host_square(H):
    """``H`` as a finite square float64 host matrix; else a ValueError."""
    if H is None or isinstance(H, (str, bytes)):
        raise TypeError(f"H must be a real square matrix (P, P); got {type(H).__name__}")
    Hn = np.asarray(to_numpy(H) if hasattr(H, "__array_namespace__") else H)
    if Hn.dtype.kind not in "iuf":
        raise TypeError(f"H must be a real square matrix (P, P); got dtype {Hn.dtype}")
    Hn = Hn.astype(np.float64)
    if Hn.ndim != 2 or Hn.shape[0] != Hn.shape[1] or Hn.shape[0] == 0:
        raise ValueError(f"H must be a non-empty square matrix (P, P); got shape {Hn.shape}")
    if not np.all(np.isfinite(Hn)):
        raise ValueError("H contains NaN or inf; all entries must be finite")
    return Hn


def block_circulance(H, block_size):
    """How far each ``B × B`` block of ``H`` is from circulant, and how large it is.

    Parameters
    ----------
    H : array ``(P, P)``, ``P`` a multiple of ``B``.
    block_size : int >= 1
        ``B``.

    Returns
    -------
    deviation : numpy array ``(P/B, P/B)``
        ``‖block − circ(block)‖_F / ‖H‖_F``, where ``circ(block)`` averages the block
        along its wrapped diagonals (the nearest circulant in Frobenius norm).
    norm : numpy array ``(P/B, P/B)``
        ``‖block‖_F / ‖H‖_F``.
    """
    Hn = _host_square(H)
    P = Hn.shape[0]
    B = check_positive_int(block_size, "block_size")
    if P % B:
        raise ValueError(f"H's size {P} is not a multiple of block_size={B}; block sizes that "
                         f"divide it: {', '.join(map(str, divisors(P)))}")
    nb = P // B
    blocks = Hn.reshape(nb, B, nb, B).transpose(0, 2, 1, 3)                     # (a, b, k, l)
    k = np.arange(B)
    diag_of = (k[:, None] - k[None, :]) % B                                 # which wrapped diagonal
    first_col = np.stack([blocks[..., diag_of == m].mean(-1) for m in range(B)], axis=-1)
    nearest = first_col[..., diag_of]
    total = np.linalg.norm(Hn) or 1.0
    return (np.linalg.norm(blocks - nearest, axis=(2, 3)) / total,
            np.linalg.norm(blocks, axis=(2, 3)) / total)


@dataclass(frozen=True)
class HessianStructure:
    """Summary of an explicit CDLinear Hessian's block structure (all relative to ‖H‖_F).

    Attributes
    ----------
    max_circulant_deviation : float
        The worst ``B × B`` block's distance from the nearest circulant.
    max_cross_output_norm : float
        The largest block with ``i ≠ i'`` (Theorem 1 and SPEC: zero).
    output_blocks_identical : float
        ``max |H[(i,·),(i,·)] − H[(0,·),(0,·)]|`` over ``i``.
    max_cross_input_norm : float
        The largest block with ``i = i'``, ``j ≠ j'`` (the paper: zero; SPEC: not).
    """

    max_circulant_deviation: float      # worst B×B block's distance from circulant
    max_cross_output_norm: float        # largest block with i ≠ i' (Theorem 1 and SPEC: zero)
    output_blocks_identical: float      # max |H[(i,·),(i,·)] − H[(0,·),(0,·)]| over i
    max_cross_input_norm: float         # largest block with i = i', j ≠ j' (paper: zero; SPEC: not)


def hessian_structure(H, n_out, n_in, block_size) -> HessianStructure:
    """Check an explicit CDLinear Hessian block by block.

    Parameters
    ----------
    H : array ``(P, P)``, ``P = n_in·n_out/B``, parameters ordered as ``C.ravel()``
    n_out, n_in, block_size : int

    Returns
    -------
    HessianStructure
    """
    n_in, n_out, B = check_block_size(n_in, n_out, block_size)
    Ko, Ki = n_out // B, n_in // B
    P = Ko * Ki * B
    Hn = _host_square(H)
    if Hn.shape[0] != P:
        raise ValueError(f"H has size {Hn.shape[0]} but a CDLinear layer with n_in={n_in}, "
                         f"n_out={n_out}, block_size={B} has P = n_in·n_out/B = {P} parameters")
    deviation, norm = block_circulance(Hn, B)
    norm4 = norm.reshape(Ko, Ki, Ko, Ki)
    same_i = np.eye(Ko, dtype=bool)[:, None, :, None] & np.ones((1, Ki, 1, Ki), dtype=bool)
    diff_j = ~np.eye(Ki, dtype=bool)[None, :, None, :]
    H_blocks = Hn.reshape(Ko, Ki * B, Ko, Ki * B)
    scale = np.linalg.norm(Hn) or 1.0
    identical = max(np.abs(H_blocks[i, :, i, :] - H_blocks[0, :, 0, :]).max() for i in range(Ko))
    return HessianStructure(
        max_circulant_deviation=float(deviation.max()),
        max_cross_output_norm=float(norm4[~same_i].max()) if Ko > 1 else 0.0,
        output_blocks_identical=float(identical / scale),
        max_cross_input_norm=float(norm4[same_i & diff_j].max()) if Ki > 1 else 0.0,
    )
