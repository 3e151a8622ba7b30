"""The precomputed explorer's page: the grid's numbers embedded in one self-contained HTML
block, drawn as SVG by small inline JavaScript (:func:`explorer_grid`; nothing is loaded from
the network)."""
from __future__ import annotations

import html
import json
import uuid

import numpy as np

from ..whitening import WHITENING_NAMES
from .grid import _AXES, _COLORS, _STROKES, explorer_grid_data
from .state import N_CHOICES, _CURVES, _XLABEL, _YLABEL, _block_sizes, _default_setting

__all__ = ["explorer_grid"]

# Plot area of the SVG, in its own units (the SVG scales to the page width).
_SVG_W, _SVG_H = 640, 366
_PLOT = {"x0": 74, "y0": 14, "w": 548, "h": 300}


def _svg_axes(lo: float, hi: float) -> str:
    """The static part of the figure: frame, ticks, tick labels, axis labels; empty curve paths."""
    x0, y0, w, h = _PLOT["x0"], _PLOT["y0"], _PLOT["w"], _PLOT["h"]
    parts = [f'<rect x="{x0}" y="{y0}" width="{w}" height="{h}" class="cdx-frame"/>']
    for t in (0, 0.25, 0.5, 0.75, 1):
        x = x0 + t * w
        parts.append(f'<line x1="{x:.1f}" y1="{y0 + h}" x2="{x:.1f}" y2="{y0 + h + 5}" '
                     'class="cdx-tick"/>'
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
    """Index of the opening value on each axis: ``initial`` (explorer_state keywords) over the
    defaults."""
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
