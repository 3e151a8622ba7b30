"""The Hessian-spectrum explorer: live (ipywidgets) and precomputed (no kernel needed).

Both draw the same picture from :func:`explorer_state`: the sorted eigenvalues of
the empirical loss Hessian of a CDLinear layer (exact, and as Theorem 1 states
them) and of a dense layer of the same shape, on ``N`` samples of AR(1)-correlated
Gaussian inputs (correlation ``ρ`` between neighbouring inputs) after a chosen
whitening, with their condition numbers.

* :func:`hessian_explorer` — ipywidgets; recomputes on every change (needs a kernel);
* :func:`explorer_grid` — every combination of ``B`` × whitening × ``N`` (× ``ρ``)
  precomputed and embedded as numbers in one self-contained HTML block; small inline
  JavaScript draws the chosen frame as SVG (nothing is loaded from the network).
"""
from __future__ import annotations

import html
import itertools
import json
import uuid

import numpy as np

from .conditioning import ar1_covariance, condition_number, draw_samples
from .hessian import cdlinear_spectrum, dense_spectrum, theorem1_eigenvalues
from .validation import check_block_size, divisors
from .whitening import WHITENING_NAMES, make_whitener

__all__ = ["N_CHOICES", "DEFAULT_SETTING", "explorer_state", "kappa_text", "draw_state",
           "hessian_explorer", "explorer_grid_data", "explorer_grid"]

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
    """:data:`DEFAULT_SETTING`, with ``B`` replaced by the largest allowed size if 8 is not allowed."""
    b = DEFAULT_SETTING["block_size"]
    return {**DEFAULT_SETTING, "block_size": b if b in block_sizes else max(block_sizes)}


def hessian_explorer(n_in: int = 32, n_out: int = 32, seed: int = 0):
    """An ipywidgets explorer: pick ``B``, the whitening, ``N`` and ``ρ``; the plot updates.

    Needs a running kernel (Jupyter, Colab). Returns the widget; its attribute
    ``current_state`` holds the :func:`explorer_state` on display.

    Parameters
    ----------
    n_in, n_out : int, default 32
        Layer shape; the ``B`` offered are the sizes dividing both.
    seed : int, default 0
        Seed of the input draws.

    Returns
    -------
    ipywidgets.VBox
        The controls and the plot.
    """
    import ipywidgets as widgets
    import matplotlib.pyplot as plt

    sizes = _block_sizes(n_in, n_out)
    start = _default_setting(sizes)
    controls = {
        "block_size": widgets.Dropdown(options=sizes, value=start["block_size"], description="B"),
        "whitening": widgets.Dropdown(options=list(WHITENING_NAMES), value=start["whitening"],
                                      description="whitening"),
        "n_samples": widgets.SelectionSlider(options=list(N_CHOICES), value=start["n_samples"],
                                             description="N"),
        "rho": widgets.FloatSlider(value=start["rho"], min=0.0, max=0.95, step=0.05, description="ρ"),
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


# ----------------------------------------------------------------------------------------
# The precomputed grid
# ----------------------------------------------------------------------------------------

#: Grid axes: (key in the page and in the URL hash, keyword of explorer_state, control label).
_AXES = (("B", "block_size", "block size B"), ("whitening", "whitening", "whitening"),
         ("N", "n_samples", "samples N"), ("rho", "rho", "input correlation ρ"))
_COLORS = {"dense": "#737373", "cd": "#1f77b4", "theorem1": "#d62728"}   # matplotlib 0.45, C0, C3
#: SVG strokes of the curves: width and dash pattern (the dense curve: round dots, on top).
_STROKES = {"cd": (2, ""), "theorem1": (1.8, "8 5"), "dense": (3, "0.1 6")}


def _as_list(values, name: str) -> list:
    """``values`` as a non-empty list without repeats (a scalar becomes a one-element list)."""
    values = [values] if np.ndim(values) == 0 else list(values)
    if not values:
        raise ValueError(f"{name} must not be empty")
    if len(set(values)) != len(values):
        raise ValueError(f"{name} has repeated values: {values}")
    return values


def _grid_values(block_sizes, whitenings, n_samples, rho, n_in: int, n_out: int) -> list[list]:
    """Validated values of each grid axis, in the order of ``_AXES``.

    Raises
    ------
    ValueError
        For a block size that does not divide ``n_in`` and ``n_out``, an unknown
        whitening, a non-positive ``N``, a ``ρ`` outside ``(−1, 1)``, or an empty axis.
    """
    sizes = _as_list(_block_sizes(n_in, n_out) if block_sizes is None else block_sizes, "block_sizes")
    sizes = [check_block_size(n_in, n_out, b)[2] for b in sizes]
    whitenings = _as_list(whitenings, "whitenings")
    unknown = [w for w in whitenings if w not in WHITENING_NAMES]
    if unknown:
        raise ValueError(f"unknown whitening {unknown[0]!r}; choose from {', '.join(WHITENING_NAMES)}")
    ns = _as_list(n_samples, "n_samples")
    if any(isinstance(n, bool) or int(n) != n or n < 1 for n in ns):
        raise ValueError(f"n_samples must be positive integers; got {ns}")
    rhos = [float(r) for r in _as_list(rho, "rho")]
    if any(not -1 < r < 1 for r in rhos):
        raise ValueError(f"rho must be in (-1, 1); got {rhos}")
    return [sizes, [str(w) for w in whitenings], [int(n) for n in ns], rhos]


def _thin(values: np.ndarray, max_points: int) -> np.ndarray:
    """``min(P, max_points)`` of the ``P`` sorted values, at ranks ``round(linspace(0, P − 1, m))``."""
    m = min(values.size, max_points)
    return values[np.round(np.linspace(0, values.size - 1, m)).astype(int)]


def _encode_curve(values: np.ndarray, conditioning, max_points: int, decimals: int) -> list:
    """Thinned ``log10`` eigenvalues, rounded; ``None`` where the eigenvalue counts as zero."""
    v = _thin(np.asarray(values, dtype=np.float64), max_points)
    zero = v <= conditioning.zero_threshold
    logs = np.round(np.log10(np.where(zero, 1.0, v)), decimals)
    return [None if z else float(x) for z, x in zip(zero, logs)]


def _encode_frame(state: dict, max_points: int, decimals: int) -> dict:
    """One :func:`explorer_state` as JSON-ready numbers: curves, κ (``None`` for ∞) and κ text."""
    frame = {"setting": {key: state[kw] for key, kw, _ in _AXES}, "curves": {}, "kappa": {},
             "n_zero": {}, "kappa_text": {}}
    for key, _, _ in _CURVES:
        c = state["kappa_" + key]
        frame["curves"][key] = _encode_curve(state[key], c, max_points, decimals)
        frame["kappa"][key] = float(c.kappa) if np.isfinite(c.kappa) else None
        frame["n_zero"][key] = int(c.n_zero)
        frame["kappa_text"][key] = kappa_text(c)
    return frame


def _decade_limits(frames) -> list[int]:
    """``[lo, hi]``: the decades (``log10``) that enclose every non-zero value of every frame."""
    logs = [x for f in frames for curve in f["curves"].values() for x in curve if x is not None]
    lo, hi = int(np.floor(min(logs))), int(np.ceil(max(logs)))
    return [lo, max(hi, lo + 1)]                     # at least one decade, even for a flat spectrum


def explorer_grid_data(block_sizes=None, whitenings=WHITENING_NAMES, n_samples=N_CHOICES,
                       rho=0.8, *, n_in: int = 32, n_out: int = 32, seed: int = 0,
                       max_points: int = 128, decimals: int = 3, ylim=None) -> dict:
    """Every combination of the explorer's settings, as numbers (what :func:`explorer_grid` embeds).

    Parameters
    ----------
    block_sizes : sequence of int, optional
        Block sizes ``B``; each must divide ``n_in`` and ``n_out``. Default: all that do.
    whitenings : sequence of str
        Names from :data:`cdnotes.conditioning.WHITENING_NAMES`.
    n_samples : sequence of int
        Sample sizes ``N``.
    rho : float or sequence of float
        Input correlation(s) ``ρ`` in ``(−1, 1)``; default 0.8, as the live explorer.
    n_in, n_out, seed : int
        Layer shape and sampling seed, passed to :func:`explorer_state`.
    max_points : int
        Eigenvalues kept per curve: ``m = min(P, max_points)`` of the ``P`` sorted ones, at
        ranks ``round(linspace(0, P − 1, m))`` (the smallest and largest always kept).
    decimals : int
        Decimals of the stored ``log10`` eigenvalues (3 decimals: 0.2 % relative error).
    ylim : (float, float), optional
        Fixed y-range (eigenvalue / N) of every frame. Default: the decades enclosing every
        non-zero eigenvalue of the grid.

    Returns
    -------
    dict
        ``axes``: list of ``{"key", "label", "values"}`` (keys ``B``, ``whitening``, ``N``,
        ``rho``); ``frames``: one dict per combination, in C order over ``axes`` (the last
        axis varies fastest), with ``setting`` (key → value), ``curves`` (``dense``, ``cd``,
        ``theorem1`` → list of rounded ``log10(eigenvalue / N)``, ``None`` for an eigenvalue
        that counts as zero), ``kappa`` (float, ``None`` for ∞), ``n_zero`` and
        ``kappa_text``; ``ylim_log10``: ``[lo, hi]``; and ``n_in``, ``n_out``, ``seed``.

    Raises
    ------
    ValueError
        For a block size that does not divide ``n_in`` and ``n_out`` or an unknown whitening
        (and for empty or repeated values, ``N < 1``, ``ρ`` outside ``(−1, 1)``).
    """
    values = _grid_values(block_sizes, whitenings, n_samples, rho, n_in, n_out)
    if int(max_points) < 2:
        raise ValueError(f"max_points must be at least 2; got {max_points}")
    frames = []
    for combo in itertools.product(*values):
        state = explorer_state(**{kw: v for (_, kw, _), v in zip(_AXES, combo)},
                               n_in=n_in, n_out=n_out, seed=seed)
        frames.append(_encode_frame(state, int(max_points), int(decimals)))
    lim = _decade_limits(frames) if ylim is None else [float(np.log10(y)) for y in ylim]
    if not lim[0] < lim[1]:
        raise ValueError(f"ylim must be increasing; got {ylim}")
    return {"axes": [{"key": key, "label": label, "values": v}
                     for (key, _, label), v in zip(_AXES, values)],
            "frames": frames, "ylim_log10": lim, "n_in": n_in, "n_out": n_out, "seed": seed}


# Plot area of the SVG, in its own units (the SVG scales to the page width).
_SVG_W, _SVG_H = 640, 366
_PLOT = {"x0": 74, "y0": 14, "w": 548, "h": 300}


def _svg_axes(lo: float, hi: float) -> str:
    """The static part of the figure: frame, ticks, tick labels, axis labels; empty curve paths."""
    x0, y0, w, h = _PLOT["x0"], _PLOT["y0"], _PLOT["w"], _PLOT["h"]
    parts = [f'<rect x="{x0}" y="{y0}" width="{w}" height="{h}" class="cdx-frame"/>']
    for t in (0, 0.25, 0.5, 0.75, 1):
        x = x0 + t * w
        parts.append(f'<line x1="{x:.1f}" y1="{y0 + h}" x2="{x:.1f}" y2="{y0 + h + 5}" class="cdx-tick"/>'
                     f'<text x="{x:.1f}" y="{y0 + h + 20}" text-anchor="middle">{t:g}</text>')
    for d in range(int(np.ceil(lo)), int(np.floor(hi)) + 1):
        y = y0 + h * (hi - d) / (hi - lo)
        parts.append(f'<line x1="{x0}" y1="{y:.1f}" x2="{x0 + w}" y2="{y:.1f}" class="cdx-grid"/>'
                     f'<line x1="{x0 - 5}" y1="{y:.1f}" x2="{x0}" y2="{y:.1f}" class="cdx-tick"/>'
                     f'<text x="{x0 - 8}" y="{y + 4:.1f}" text-anchor="end">10'
                     f'<tspan dy="-7" font-size="10">{d}</tspan></text>')
    parts.append(f'<text x="{x0 + w / 2}" y="{_SVG_H - 12}" text-anchor="middle">{_XLABEL}</text>')
    parts.append(f'<text transform="translate(18 {y0 + h / 2}) rotate(-90)" '
                 f'text-anchor="middle">{_YLABEL}</text>')
    for key, _, _ in _CURVES:
        width, dash = _STROKES[key]
        dash = f' stroke-dasharray="{dash}" stroke-linecap="round"' if dash else ""
        parts.append(f'<path data-curve="{key}" d="" fill="none" stroke="{_COLORS[key]}" '
                     f'stroke-width="{width}"{dash}/>')
    return (f'<svg viewBox="0 0 {_SVG_W} {_SVG_H}" role="img" '
            f'aria-label="sorted Hessian eigenvalues of the chosen setting">{"".join(parts)}</svg>')


def _control(uid: str, axis: dict, index: int) -> str:
    """HTML for one grid axis: radio buttons, a slider for ``N``, plain text for one value."""
    key, label, values = axis["key"], html.escape(axis["label"]), axis["values"]
    if len(values) == 1:
        return f'<div class="cdx-control"><span class="cdx-name">{label}</span> {values[0]}</div>'
    if key == "N":
        return (f'<div class="cdx-control"><label class="cdx-name" for="{uid}-N">{label}</label> '
                f'<input type="range" id="{uid}-N" data-axis="N" min="0" max="{len(values) - 1}" '
                f'step="1" value="{index}"> <output data-show="N">{values[index]}</output></div>')
    buttons = "".join(
        f'<label><input type="radio" name="{uid}-{key}" data-axis="{key}" value="{i}"'
        f'{" checked" if i == index else ""}> {html.escape(str(v))}</label>'
        for i, v in enumerate(values))
    return (f'<fieldset class="cdx-control"><legend class="cdx-name">{label}</legend>'
            f'{buttons}</fieldset>')


def _legend() -> str:
    """Colour key of the three curves, each with its κ (filled in by the script)."""
    items = []
    for key, label, _ in _CURVES:
        width, dash = _STROKES[key]
        dash = f' stroke-dasharray="{dash}" stroke-linecap="round"' if dash else ""
        items.append(f'<span class="cdx-item"><svg width="30" height="10" aria-hidden="true">'
                     f'<line x1="3" y1="5" x2="29" y2="5" stroke="{_COLORS[key]}" '
                     f'stroke-width="{width}"{dash}/></svg> {label}: κ = '
                     f'<b data-kappa="{key}">…</b></span>')
    return f'<div class="cdx-legend">{"".join(items)}</div>'


_STYLE = """
#{uid} {{ max-width: 700px; margin: 0.5em 0 1em; font-size: 0.9rem; }}
#{uid} .cdx-controls {{ display: flex; flex-wrap: wrap; gap: 0.4em 1.2em; align-items: flex-start; }}
#{uid} .cdx-control {{ border: 1px solid rgba(128,128,128,0.35); border-radius: 4px;
  padding: 0.2em 0.6em 0.35em; margin: 0; }}
#{uid} .cdx-control label {{ margin-right: 0.7em; white-space: nowrap; cursor: pointer; }}
#{uid} .cdx-name {{ font-weight: 600; font-size: 0.85rem; padding: 0 0.2em; }}
#{uid} legend.cdx-name {{ float: none; width: auto; margin: 0; line-height: inherit; }}
#{uid} input[type=range] {{ width: 14em; vertical-align: middle; }}
#{uid} .cdx-title {{ margin: 0.6em 0 0.2em; font-weight: 600; }}
#{uid} .cdx-legend {{ display: flex; flex-wrap: wrap; gap: 0.2em 1.4em; }}
#{uid} .cdx-item {{ white-space: nowrap; }}
#{uid} svg {{ overflow: visible; }}
#{uid} > svg {{ display: block; width: 100%; height: auto; margin-top: 0.3em; }}
#{uid} svg text {{ font-size: 14px; fill: currentColor; font-family: inherit; }}
#{uid} .cdx-frame {{ fill: none; stroke: currentColor; stroke-width: 1; }}
#{uid} .cdx-tick {{ stroke: currentColor; stroke-width: 1; }}
#{uid} .cdx-grid {{ stroke: rgba(128,128,128,0.25); stroke-width: 1; }}
#{uid} .cdx-note {{ font-size: 0.8rem; opacity: 0.8; }}
"""

# Reads the controls, finds the frame, draws its three curves into the SVG and writes the κ.
# A URL hash such as "#B=4&whitening=zca&N=256" sets the controls on load (and on change);
# moving a control writes the setting back into the hash (history.replaceState).
_SCRIPT = """
(function () {
  var root = document.getElementById("{uid}");
  var data = JSON.parse(document.getElementById("{uid}-data").textContent);
  var axes = data.axes, lo = data.ylim_log10[0], hi = data.ylim_log10[1];
  var P = {plot};
  function inputs(key) { return root.querySelectorAll('[data-axis="' + key + '"]'); }
  function getIndex(axis) {
    var els = inputs(axis.key);
    for (var i = 0; i < els.length; i++) {
      if (els[i].type === "range") return +els[i].value;
      if (els[i].checked) return +els[i].value;
    }
    return 0;
  }
  function setIndex(axis, index) {
    var els = inputs(axis.key);
    for (var i = 0; i < els.length; i++) {
      if (els[i].type === "range") els[i].value = index;
      else els[i].checked = (+els[i].value === index);
    }
  }
  function path(ys) {
    var d = [], m = ys.length;
    for (var i = 0; i < m; i++) {
      var v = ys[i] === null ? lo : Math.min(hi, Math.max(lo, ys[i]));
      var x = P.x0 + P.w * (m > 1 ? i / (m - 1) : 0.5);
      var y = P.y0 + P.h * (hi - v) / (hi - lo);
      d.push((i ? "L" : "M") + x.toFixed(1) + " " + y.toFixed(1));
    }
    return d.join("");
  }
  function render() {
    var index = 0, stride = 1, parts = [];
    for (var a = axes.length - 1; a >= 0; a--) {
      index += getIndex(axes[a]) * stride;
      stride *= axes[a].values.length;
    }
    var frame = data.frames[index], s = frame.setting;
    root.querySelectorAll("path[data-curve]").forEach(function (p) {
      p.setAttribute("d", path(frame.curves[p.getAttribute("data-curve")]));
    });
    root.querySelectorAll("[data-kappa]").forEach(function (el) {
      el.textContent = frame.kappa_text[el.getAttribute("data-kappa")];
    });
    root.querySelectorAll('[data-show="N"]').forEach(function (el) { el.textContent = s.N; });
    root.querySelector(".cdx-title").textContent = "B = " + s.B + ", whitening: " + s.whitening +
      ", N = " + s.N + ", \\u03c1 = " + s.rho;
    axes.forEach(function (axis) { parts.push(axis.key + "=" + s[axis.key]); });
    root.setAttribute("data-selection", parts.join("&"));
    root.setAttribute("data-frame", index);
    return parts;
  }
  // A changed control also changes the URL hash (without a new history entry), so the
  // address in the browser's bar opens the page on the setting on display.
  function toHash(parts) {
    var hash = "#" + parts.map(function (p) {
      var kv = p.split("=");
      return encodeURIComponent(kv[0]) + "=" + encodeURIComponent(kv[1]);
    }).join("&");
    if (location.hash === hash || !window.history || !history.replaceState) return;
    try { history.replaceState(history.state, "", hash); } catch (e) { /* e.g. sandboxed */ }
  }
  function onControl() { toHash(render()); }
  function fromHash() {
    location.hash.replace(/^#/, "").split("&").forEach(function (pair) {
      var kv = pair.split("="), key = decodeURIComponent(kv[0]), value = decodeURIComponent(kv[1] || "");
      axes.forEach(function (axis) {
        if (axis.key !== key) return;
        axis.values.forEach(function (v, i) {
          if (String(v) === value || (typeof v === "number" && +value === v)) setIndex(axis, i);
        });
      });
    });
  }
  root.addEventListener("input", onControl);
  root.addEventListener("change", onControl);
  window.addEventListener("hashchange", function () { fromHash(); render(); });
  fromHash();
  render();
})();
"""


def _start_indices(values: list[list], initial: dict | None, block_sizes_all) -> list[int]:
    """Index of the opening value on each axis: ``initial`` (explorer_state keywords) over the defaults."""
    start = _default_setting(block_sizes_all)
    indices = []
    for (key, kw, _), vals in zip(_AXES, values):
        if initial and kw in initial:
            if initial[kw] not in vals:
                raise ValueError(f"initial {kw}={initial[kw]!r} is not in the grid's values {vals}")
            indices.append(vals.index(initial[kw]))
        else:
            indices.append(vals.index(start[kw]) if start[kw] in vals else 0)
    return indices


def explorer_grid(block_sizes=None, whitenings=WHITENING_NAMES, n_samples=N_CHOICES, rho=0.8, *,
                  n_in: int = 32, n_out: int = 32, seed: int = 0, initial: dict | None = None,
                  max_points: int = 128, decimals: int = 3, ylim=None):
    """The explorer without a kernel: every setting precomputed, chosen with small local controls.

    Computes :func:`explorer_grid_data` (one frame per combination of ``B`` × whitening
    × ``N`` × ``ρ``) and embeds it as JSON next to radio buttons (``B``, whitening, and
    ``ρ`` when several are given), a slider for ``N``, a colour key with the three
    condition numbers (CDLinear exact, Theorem 1 as stated, dense) and an SVG figure
    with fixed axes. A few lines of inline JavaScript draw the chosen frame; nothing is
    loaded from the network. Element ids carry a fresh UUID, so several grids can share
    a page. The page's URL hash selects a setting, e.g. ``#B=4&whitening=zca&N=256``, and
    moving a control writes the new setting into the hash (``history.replaceState``: no
    new history entry), so the address can be shared; the container's ``data-selection``
    attribute reports the setting on display.

    Parameters
    ----------
    block_sizes, whitenings, n_samples, rho, n_in, n_out, seed, max_points, decimals, ylim
        As in :func:`explorer_grid_data`.
    initial : dict, optional
        The opening setting, as :func:`explorer_state` keywords (``block_size``,
        ``whitening``, ``n_samples``, ``rho``); missing keys take
        :data:`DEFAULT_SETTING` (or the first value when that is not in the grid).

    Returns
    -------
    IPython.display.HTML
        Self-contained HTML (style, controls, figure, data, script).

    Raises
    ------
    ValueError
        As :func:`explorer_grid_data`; also when ``initial`` names a value not in the grid.
    """
    from IPython.display import HTML

    data = explorer_grid_data(block_sizes, whitenings, n_samples, rho, n_in=n_in, n_out=n_out,
                              seed=seed, max_points=max_points, decimals=decimals, ylim=ylim)
    values = [axis["values"] for axis in data["axes"]]
    start = _start_indices(values, initial, _block_sizes(n_in, n_out))
    uid = f"cdx-{uuid.uuid4().hex}"
    payload = json.dumps(data, separators=(",", ":"), allow_nan=False).replace("</", "<\\/")
    controls = "".join(_control(uid, axis, i) for axis, i in zip(data["axes"], start))
    lo, hi = data["ylim_log10"]
    note = (f"{len(data['frames'])} precomputed settings, {n_in} → {n_out} layer, seed {seed}. "
            "Same axes in every frame; eigenvalues that are zero (to rounding) lie on the "
            "bottom edge. The dense curve is dotted and drawn on top: at B = 1 it covers the "
            "identical CD curve. With zero eigenvalues, κ is that of the non-zero part.")
    return HTML(
        f'<div class="cdx-explorer" id="{uid}"><style>{_STYLE.format(uid=uid)}</style>'
        f'<div class="cdx-controls">{controls}</div>'
        f'<div class="cdx-title" aria-live="polite"></div>{_legend()}'
        f'{_svg_axes(lo, hi)}<div class="cdx-note">{html.escape(note)}</div>'
        f'<script type="application/json" id="{uid}-data">{payload}</script>'
        f'<script>{_SCRIPT.replace("{uid}", uid).replace("{plot}", json.dumps(_PLOT))}</script>'
        f'</div>')
