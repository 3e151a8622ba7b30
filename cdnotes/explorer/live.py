"""The live explorer: ipywidgets controls that recompute
:func:`~cdnotes.explorer.state.explorer_state` on every change (needs a kernel)."""
from __future__ import annotations

from ..whitening import WHITENING_NAMES
from .state import N_CHOICES, _block_sizes, _default_setting, draw_state, explorer_state

__all__ = ["hessian_explorer"]


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
        "rho": widgets.FloatSlider(value=start["rho"], min=0.0, max=0.95, step=0.05,
                                   description="ρ"),
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
