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

One module per part (every name imports from here): ``state`` (one setting's spectra, words
and matplotlib picture), ``live`` (the ipywidgets explorer), ``grid`` (the precomputed
numbers), ``page`` (their HTML page).
"""
from __future__ import annotations

from .grid import explorer_grid_data
from .live import hessian_explorer
from .page import explorer_grid
from .state import DEFAULT_SETTING, N_CHOICES, draw_state, explorer_state, kappa_text

__all__ = ["N_CHOICES", "DEFAULT_SETTING", "explorer_state", "kappa_text", "draw_state",
           "hessian_explorer", "explorer_grid_data", "explorer_grid"]
