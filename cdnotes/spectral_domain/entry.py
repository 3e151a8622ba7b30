"""``"spectral"`` in the layer registry :data:`cdnotes.layers.LAYERS`: SpectralLinear with
its options and its parameter count in closed form."""
from __future__ import annotations

from ..layers.registry import LayerEntry, Option, register
from ..validation import check_choice
from .layer import INPUT_EIGENVALUES, TRANSFERS, SpectralLinear, check_train_groups

__all__ = []


def _spectral_count(n_in, n_out, *, train, input_eigenvalues, bias, transfer):
    """The parameter count of ``SpectralLinear(n_in, n_out, ...)`` in closed form."""
    groups = check_train_groups(train)
    check_choice(input_eigenvalues, "input_eigenvalues", INPUT_EIGENVALUES)
    check_choice(transfer, "transfer", tuple(TRANSFERS))
    values = "eigenvalues" in groups
    return ((n_in if values and input_eigenvalues == "trainable" else 0)
            + (n_out if values else 0) + (n_in * n_out if "eigenvectors" in groups else 0)
            + (n_out if bias else 0))


register(LayerEntry(
    "spectral", lambda n_in, n_out, **kw: SpectralLinear(n_in, n_out, **kw), _spectral_count,
    (Option("train", ("eigenvalues",), 'trained groups among "eigenvalues", "eigenvectors"'),
     Option("input_eigenvalues", "trainable", '"trainable" or "fixed" (lam_in = 1)'),
     Option("bias", False, "a trained bias b"),
     Option("transfer", "inverse", '"inverse" or "compact"')),
    size_option="train", build_keywords=("dtype", "xp", "device"),
    doc="SpectralLinear: eigenvalues and eigenvectors trained"))
