"""The Hessian-spectrum explorer: live (ipywidgets) and precomputed (a kernel-free animation).

Both draw the same picture from :func:`explorer_state`: the sorted eigenvalues of
the empirical loss Hessian of a CDLinear layer (exact, and as Theorem 1 states
them) and of a dense layer of the same shape, on ``N`` samples of AR(1)-correlated
Gaussian inputs (correlation ``ρ`` between neighbouring inputs) after a chosen
whitening, with their condition numbers.
"""
from __future__ import annotations

import numpy as np

from .conditioning import ar1_covariance, condition_number, draw_samples
from .hessian import cdlinear_spectrum, dense_spectrum, theorem1_eigenvalues
from .whitening import WHITENING_NAMES, make_whitener

__all__ = ["explorer_state", "draw_state", "hessian_explorer", "explorer_animation"]

# Matplotlib's animation controls use Font Awesome icons loaded from a CDN; the book must
# work offline, so the icons become plain Unicode symbols and the stylesheet link goes.
_ICONS = {"fa fa-minus": "\u2212", "fa fa-fast-backward": "\u23ee", "fa fa-step-backward": "\u23f4\u23f4",
          "fa fa-play fa-flip-horizontal": "\u25c0", "fa fa-pause": "\u23f8", "fa fa-play": "\u25b6",
          "fa fa-step-forward": "\u23f5\u23f5", "fa fa-fast-forward": "\u23ed", "fa fa-plus": "+"}


def _offline_jshtml(html: str) -> str:
    """Remove the CDN stylesheet from matplotlib's ``to_jshtml`` output; icons as text."""
    import re

    html = re.sub(r'<link rel="stylesheet"\s+href="https?://[^"]*font-awesome[^"]*">', "", html)
    for css_class, symbol in _ICONS.items():
        html = html.replace(f'<i class="{css_class}"></i>', symbol)
    if "<i class=\"fa" in html or re.search(r'(src|href)="https?://', html):
        raise RuntimeError("matplotlib's animation HTML changed: it still refers to icons or "
                           "files that would be loaded from the network")
    return html


def explorer_state(block_size: int, whitening: str, n_samples: int, rho: float, *,
                   n_in: int = 32, n_out: int = 32, seed: int = 0) -> dict:
    """Spectra and condition numbers for one setting of the explorer.

    Inputs: ``n_samples`` draws of ``N(0, Σ)``, ``Σ = ar1_covariance(n_in, rho)``,
    whitened by a whitener fitted to ``Σ`` (population whitening). Eigenvalues are
    divided by ``n_samples``.

    Returns
    -------
    dict with keys ``cd``, ``theorem1``, ``dense`` (ascending eigenvalue arrays),
    ``kappa_cd``, ``kappa_theorem1``, ``kappa_dense`` (:class:`Conditioning`) and the
    arguments.
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


def draw_state(ax, state, *, ylim=None):
    """Plot one :func:`explorer_state` on a matplotlib axis (eigenvalue rank vs value, log)."""
    def rank(v):
        return np.linspace(0, 1, v.size)

    def fmt(c):
        return f"{c.kappa:.3g}" if np.isfinite(c.kappa) else f"∞ ({c.n_zero} zeros)"

    ax.clear()
    ax.semilogy(rank(state["dense"]), np.clip(state["dense"], 1e-6, None), color="0.45", lw=2,
                label=f"dense, κ = {fmt(state['kappa_dense'])}")
    ax.semilogy(rank(state["cd"]), np.clip(state["cd"], 1e-6, None), color="C0", lw=2,
                label=f"CDLinear exact, κ = {fmt(state['kappa_cd'])}")
    ax.semilogy(rank(state["theorem1"]), np.clip(state["theorem1"], 1e-6, None), color="C3", ls="--",
                label=f"Theorem 1 as stated, κ = {fmt(state['kappa_theorem1'])}")
    ax.set_xlabel("eigenvalue rank (fraction of P)")
    ax.set_ylabel("eigenvalue / N")
    ax.set_title(f"B = {state['block_size']}, whitening: {state['whitening']}, "
                 f"N = {state['n_samples']}, ρ = {state['rho']}", fontsize=10)
    if ylim is not None:
        ax.set_ylim(*ylim)
    ax.legend(fontsize=8, loc="lower right")


def hessian_explorer(n_in: int = 32, n_out: int = 32, seed: int = 0):
    """An ipywidgets explorer: pick ``B``, the whitening, ``N`` and ``ρ``; the plot updates.

    Needs a running kernel (Jupyter, Colab). Returns the widget; its attribute
    ``current_state`` holds the :func:`explorer_state` on display.
    """
    import ipywidgets as widgets
    import matplotlib.pyplot as plt

    sizes = [b for b in range(1, n_in + 1) if n_in % b == 0 and n_out % b == 0]
    controls = {
        "block_size": widgets.Dropdown(options=sizes, value=8 if 8 in sizes else sizes[-1],
                                       description="B"),
        "whitening": widgets.Dropdown(options=list(WHITENING_NAMES), value="spectral",
                                      description="whitening"),
        "n_samples": widgets.SelectionSlider(options=[16, 32, 64, 128, 256, 512, 1024, 2048, 4096,
                                                      8192], value=1024, description="N"),
        "rho": widgets.FloatSlider(value=0.8, min=0.0, max=0.95, step=0.05, description="ρ"),
    }
    out = widgets.Output()
    box = widgets.VBox([widgets.HBox(list(controls.values())[:2]),
                        widgets.HBox(list(controls.values())[2:]), out])

    def update(*_):
        state = explorer_state(**{k: c.value for k, c in controls.items()}, n_in=n_in,
                               n_out=n_out, seed=seed)
        box.current_state = state
        with out:
            out.clear_output(wait=True)
            fig, ax = plt.subplots(figsize=(7, 3.8))
            draw_state(ax, state)
            fig.tight_layout()
            plt.show()

    for c in controls.values():
        c.observe(update, names="value")
    update()
    return box


def explorer_animation(settings, *, n_in: int = 32, n_out: int = 32, seed: int = 0,
                       ylim=(1e-3, 1e2), interval_ms: int = 900):
    """A precomputed explorer: one frame per setting, with a slider that needs no kernel.

    Parameters
    ----------
    settings : list of dict
        Keyword arguments of :func:`explorer_state` (``block_size``, ``whitening``,
        ``n_samples``, ``rho``), one per frame.

    Returns
    -------
    IPython.display.HTML
        Matplotlib's JavaScript animation: frames embedded as PNG, controls in plain
        JavaScript with Unicode symbols, nothing loaded from the network.
    """
    import matplotlib.pyplot as plt
    from IPython.display import HTML
    from matplotlib.animation import FuncAnimation

    states = [explorer_state(**s, n_in=n_in, n_out=n_out, seed=seed) for s in settings]
    fig, ax = plt.subplots(figsize=(7, 3.8))
    anim = FuncAnimation(fig, lambda i: draw_state(ax, states[i], ylim=ylim), frames=len(states),
                         interval=interval_ms)
    fig.tight_layout()
    html = _offline_jshtml(anim.to_jshtml(default_mode="once"))
    plt.close(fig)
    return HTML(html)
