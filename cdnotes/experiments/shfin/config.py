"""What the SHFIN experiment runs: every model by name (:data:`VARIANTS`,
:func:`make_variant`), the cost sweep's settings and the memory its lengths need
(:func:`attention_memory_bytes`, :func:`check_cost_lengths`)."""
from __future__ import annotations

import os

from ...mlp import make_mlp
from ...shfin.models import cnn_classifier, shfin_classifier
from ...validation import check_choice, check_int, check_seed

__all__ = ["VARIANTS", "MAIN_VARIANTS", "ABLATIONS", "PAPER_BASELINES", "SHFIN_BASE",
           "COST_SETTINGS", "COST_MEMORY_FRACTION", "make_variant", "attention_memory_bytes",
           "memory_cap_bytes", "check_cost_lengths"]

PAPER_BASELINES = {"logistic": 0.32, "MLP": 0.68, "CNN": 0.94}
"""Test accuracy of the MNIST-1D paper's baselines (Greydanus 2020), for scale."""

SHFIN_BASE = dict(channels=32, n_blocks=1, patch_sizes=(8, 40), k=(4, 8), rank=4)
"""The SHFIN classifier of the comparison: 32 channels, one block, levels of 8 and 40."""

VARIANTS = {
    # name: (kind, keyword arguments, description)
    "shfin": ("shfin", {}, "SHFIN: learned top-K masks, levels 8 and 40, K = (4, 8)"),
    "mlp": ("mlp", {"widths": (40, 64, 64, 10)}, "dense MLP 40-64-64-10"),
    "cd_mlp": ("mlp", {"widths": (40, 200, 200, 16), "block_size": 8},
               "CD-MLP 40-200-200-16 (block size 8, 10 logits kept)"),
    "cnn": ("cnn", {"channels": 24}, "1-D CNN: 3 conv (24 channels, kernel 5, stride 2)"),
    "shfin_all": ("shfin", {"mask": "all"}, "no mask: every frequency kept"),
    "shfin_lowpass": ("shfin", {"mask": "lowpass"}, "fixed low-pass mask, K = (4, 8)"),
    "shfin_identity": ("shfin", {"mixing": "identity"}, "no mixing (M = Z)"),
    "shfin_one_level": ("shfin", {"patch_sizes": (40,), "k": 8}, "one level (patch 40, K = 8)"),
    "shfin_k2": ("shfin", {"k": (2, 4)}, "learned masks, K = (2, 4)"),
    "shfin_k16": ("shfin", {"k": (4, 16)}, "learned masks, K = (4, 16)"),
    "shfin_ffn": ("shfin", {"channels": 24, "ffn": 24},
                  "extension, not in the paper: 24 channels and a position-wise ReLU MLP "
                  "after the block"),
}
"""Every model of the experiment: ``{name: (kind, keyword arguments, description)}``."""

MAIN_VARIANTS = ("shfin", "mlp", "cd_mlp", "cnn")
ABLATIONS = ("shfin", "shfin_all", "shfin_lowpass", "shfin_identity", "shfin_one_level",
             "shfin_k2", "shfin_k16", "shfin_ffn")

COST_SETTINGS = {"channels": 16, "rank": 4, "patch": 16, "k": [4, 8], "batch": 4}
"""The SHFIN block and the attention the cost sweep times (float64, NumPy;
:func:`cdnotes.shfin.cost.time_forward`'s defaults)."""

COST_MEMORY_FRACTION = 0.5
"""The cost sweep refuses a length whose dense attention needs more than this fraction of
the machine's physical memory (:func:`check_cost_lengths`)."""


def make_variant(name, seed=0):
    """The untrained model ``name`` of :data:`VARIANTS`.

    Parameters
    ----------
    name : str
        A key of :data:`VARIANTS`.
    seed : int
        Initial weights (and the SHFIN masks' Gumbel noise).

    Returns
    -------
    SequenceModel or MLP
        Input ``(N, 40)``, 10 logits.
    """
    check_choice(name, "variant", VARIANTS)
    check_seed(seed)
    kind, kwargs, _ = VARIANTS[name]
    if kind == "shfin":
        return shfin_classifier(40, n_classes=10, seed=seed, **{**SHFIN_BASE, **kwargs})
    if kind == "cnn":
        return cnn_classifier(40, n_classes=10, seed=seed, **kwargs)
    return make_mlp(kwargs["widths"], kwargs.get("block_size"), n_classes=10, seed=seed)


def attention_memory_bytes(length: int, batch: int = COST_SETTINGS["batch"],
                           itemsize: int = 8) -> int:
    """Peak memory of the cost sweep's dense self-attention at sequence length ``length``.

    Its forward pass holds three ``(batch, L, L)`` arrays at once (the scores, their
    exponentials and the attention weights), so ``3 · batch · L² · itemsize`` bytes.

    Parameters
    ----------
    length : int >= 1; batch : int >= 1; itemsize : int, bytes per number (8: float64)

    Returns
    -------
    int, bytes
    """
    length = check_int(length, "length", minimum=1)
    return 3 * check_int(batch, "batch", minimum=1) * length * length * itemsize


def memory_cap_bytes() -> int | None:
    """:data:`COST_MEMORY_FRACTION` of this machine's physical memory, in bytes.

    Returns
    -------
    int, or ``None`` where the system does not say
    """
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):
        return None
    return int(COST_MEMORY_FRACTION * total) if total > 0 else None


def _size(n: float) -> str:
    for unit in ("bytes", "KiB", "MiB", "GiB", "TiB", "PiB"):
        if n < 1024 or unit == "PiB":
            return f"{n:.0f} {unit}" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1024


def check_cost_lengths(lengths, cap: int | None = None) -> list:
    """The cost sweep's lengths, each a positive multiple of 16 whose attention fits in memory.

    Parameters
    ----------
    lengths : iterable of int
    cap : int, optional
        Bytes one length may need (:func:`attention_memory_bytes`); default
        :func:`memory_cap_bytes` (no check where the system does not say).

    Returns
    -------
    list of int

    Raises
    ------
    ValueError
        A length that is not a positive multiple of 16 (the local patch), or one whose
        attention needs more than ``cap``; the message names the longest length that fits.
    """
    lengths = [check_int(L, "each length", minimum=1) for L in lengths]
    patch = COST_SETTINGS["patch"]
    bad = [L for L in lengths if L % patch]
    if bad:
        raise ValueError(f"each length must be a multiple of {patch} (the local patch); got "
                         f"{' '.join(map(str, bad))}")
    cap = memory_cap_bytes() if cap is None else cap
    if cap is None:
        return lengths
    longest = int((cap / attention_memory_bytes(1)) ** 0.5) // patch * patch
    for L in lengths:
        need = attention_memory_bytes(L)
        if need > cap:
            raise ValueError(
                f"length {L} needs {_size(need)} for the dense attention's L × L matrices "
                f"(3 × batch {COST_SETTINGS['batch']} × L² float64 numbers), more than the cap "
                f"of {_size(cap)} ({COST_MEMORY_FRACTION:.0%} of this machine's memory); the "
                f"longest length that fits is {longest}")
    return lengths
