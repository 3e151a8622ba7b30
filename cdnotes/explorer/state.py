"""One setting of the Hessian-spectrum explorer: its spectra and condition numbers
(:func:`explorer_state`), their words and their matplotlib picture."""
from __future__ import annotations

import numpy as np

from ..conditioning import ar1_covariance, condition_number, draw_samples
from ..layer_hessian import cdlinear_spectrum, dense_spectrum, theorem1_eigenvalues
from ..validation import divisors
from ..whitening import make_whitener

__all__ = ["N_CHOICES", "DEFAULT_SETTING", "explorer_state", "kappa_text", "draw_state"]


N_CHOICES = (16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192)
"""Sample sizes offered by both explorers."""

DEFAULT_SETTING = {"block_size": 8, "whitening": "spectral", "n_samples": 1024, "rho": 0.8}
"""The setting both explorers open on (``B`` falls back to the largest allowed size)."""


def explorer_state(block_size: int, whitening: str, n_samples: int, rho: float, *,
                   n_in: int = 32, n_out: int = 32, seed: int = 0) -> dict:
    """Spectra and condition numbers for one setting of the explorer.

    Inputs: ``n_samples`` draws of ``N(0, Σ)``, ``Σ = ar1_covariance(n_in, rho)``,
    whitened by a whitener fitted to ``Σ`` (population whitening). Eigenvalues are
    divided by ``n_samples``.

    Parameters
    ----------
    block_size : int
        ``B``, dividing ``n_in`` and ``n_out``.
    whitening : str
        One of :data:`cdnotes.whitening.WHITENING_NAMES` (``"none"``: no whitening).
    n_samples : int >= 1
        ``N``.
    rho : float in (-1, 1)
        Correlation of neighbouring inputs.
    n_in, n_out : int, default 32
    seed : int, default 0
        Seed of the input draws.

    Returns
    -------
    dict with keys ``cd``, ``theorem1`` (ascending eigenvalue arrays ``(n_in·n_out/B,)``),
    ``dense`` (``(n_in·n_out,)``), ``kappa_cd``, ``kappa_theorem1``, ``kappa_dense``
    (:class:`Conditioning`) and the arguments.
    """
    cov = ar1_covariance(n_in, rho)
    X = draw_samples(cov, n_samples, seed)
    w = make_whitener(whitening, block_size)
    if w is not None:
        X = w.fit_covariance(cov).transform(X)
    cd = cdlinear_spectrum(X, n_out, block_size) / n_samples
    t1 = theorem1_eigenvalues(X, n_out, block_size) / n_samples
    dense = dense_spectrum(X, n_out) / n_samples
    return {"cd": cd, "theorem1": t1, "dense": dense,
            "kappa_cd": condition_number(cd), "kappa_theorem1": condition_number(t1),
            "kappa_dense": condition_number(dense),
            "block_size": block_size, "whitening": whitening, "n_samples": n_samples,
            "rho": rho, "n_in": n_in, "n_out": n_out, "seed": seed}


def kappa_text(c) -> str:
    """A :class:`~cdnotes.hessian.Conditioning` as the explorers print it.

    ``"3.52"``, or, when some eigenvalues are zero, the condition number of the non-zero
    part with the count of zeros, ``"4.25 on the non-zero part (512 zeros)"`` — as the
    book's tables report a singular Hessian.

    Parameters
    ----------
    c : Conditioning
        ``kappa_nonzero`` and ``n_zero`` are read.

    Returns
    -------
    str
        ``κ`` of the non-zero part to three significant digits, with the number of zero
        eigenvalues when there are any.
    """
    text = f"{c.kappa_nonzero:.3g}"
    return text if c.n_zero == 0 else f"{text} on the non-zero part ({c.n_zero} zeros)"


def draw_state(ax, state, *, ylim=None):
    """Plot one :func:`explorer_state` on a matplotlib axis (eigenvalue rank vs value, log).

    The axis is cleared first; eigenvalues below ``1e-6`` are drawn at ``1e-6``. The dense
    curve is drawn last, dotted, so it stays visible where it coincides with the CD curve
    (``B = 1``).

    Parameters
    ----------
    ax : matplotlib.axes.Axes
    state : dict
        As returned by :func:`explorer_state`.
    ylim : (float, float), optional
        y-range (eigenvalue / N); default: matplotlib's.

    Returns
    -------
    None
    """
    def rank(v):
        return np.linspace(0, 1, v.size)

    ax.clear()
    for key, label, kw in _CURVES:
        ax.semilogy(rank(state[key]), np.clip(state[key], 1e-6, None), **kw,
                    label=f"{label}, κ = {kappa_text(state['kappa_' + key])}")
    ax.set_xlabel(_XLABEL)
    ax.set_ylabel(_YLABEL)
    ax.set_title(f"B = {state['block_size']}, whitening: {state['whitening']}, "
                 f"N = {state['n_samples']}, ρ = {state['rho']}", fontsize=10)
    if ylim is not None:
        ax.set_ylim(*ylim)
    ax.legend(fontsize=8, loc="lower right")


# In drawing order: the dense curve last and dotted, so that it shows where it coincides with
# the CD curve (at B = 1 the CD layer is a dense layer).
_CURVES = (("cd", "CDLinear exact", {"color": "C0", "lw": 2}),
           ("theorem1", "Theorem 1 as stated", {"color": "C3", "ls": "--", "lw": 1.5}),
           ("dense", "dense", {"color": "0.45", "ls": ":", "lw": 2.5}))
_XLABEL, _YLABEL = "eigenvalue rank (fraction of P)", "eigenvalue / N"


def _block_sizes(n_in: int, n_out: int) -> list[int]:
    """Block sizes that divide both widths, ascending."""
    return [b for b in divisors(n_in) if n_out % b == 0]


def _default_setting(block_sizes) -> dict:
    """:data:`DEFAULT_SETTING`, with ``B`` replaced by the largest allowed size if 8 is not
    allowed."""
    b = DEFAULT_SETTING["block_size"]
    return {**DEFAULT_SETTING, "block_size": b if b in block_sizes else max(block_sizes)}
