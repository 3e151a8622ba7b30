"""Training in the spectral domain (Giambagli, Buffoni et al.): eigenvalue/eigenvector layers.

Formerly ``cdnotes.spectral`` (renamed: "spectral" also named a whitener, a layer's
Hessian spectrum and the spectrum measures); ``cdnotes.spectral`` still imports every name.
Modules: ``layer`` (:class:`SpectralLinear` and its options), ``network`` (:func:`spectral_mlp`,
:func:`retract`).

A layer ``n_in -> n_out`` is an operator on ``n_in + n_out`` nodes,

    A = Φ Λ (2I − Φ),   Φ = [[I, 0], [φ, I]],   Λ = diag(lam_in, lam_out),

with the *indented*, non-orthogonal eigenbasis ``Φ`` (``φ`` ``(n_out, n_in)`` in the
lower-left block). Since ``φ`` sits below the diagonal, ``(Φ − I)² = 0`` and so
``Φ (2I − Φ) = I − (Φ − I)² = I``: ``2I − Φ = Φ⁻¹`` and ``A = Φ Λ Φ⁻¹`` has eigenvalues
``Λ`` and eigenvectors the columns of ``Φ``. Its lower-left block maps the input nodes to
the output nodes:

    W = φ Λ_in − Λ_out φ = φ ⊙ (lam_in[None, :] − lam_out[:, None])   (n_out, n_in).

:class:`SpectralLinear` trains the eigenvalues (``("eigenvalues",)``) or the eigenvalues
and the eigenvectors (``("eigenvalues", "eigenvectors")``) and computes ``Y = X Wᵀ (+ b)``
from that identity, never from the big operator (:meth:`SpectralLinear.operator` builds it
for checks). ``params`` holds exactly the trained arrays, so ``n_params`` is the paper's
count of trained parameters; frozen arrays are attributes.

The paper's implementation notes give a second form, ``A = Φ Λ (2I + Φ)⁻¹ Φ``
(``transfer="compact"``). With ``N = Φ − I``, ``(2I + Φ)⁻¹ = (I − N/3)/3`` and so
``A = Φ Λ (I + 2N/3)/3``: its diagonal blocks are ``Λ/3`` (eigenvalues ``Λ/3``) and

    W = φ ⊙ (lam_in[None, :]/3 + 2·lam_out[:, None]/9)   (n_out, n_in),

the same family of matrices (any ``a·λ_in + b·λ_out`` with ``a, b ≠ 0`` spans it) with
another scale: with ``lam_in`` = 1, ``W ≈ φ/3`` at the initial eigenvalues. In general
``W = φ ⊙ (a·λ_in + b·λ_out)`` with ``(a, b)`` from :data:`TRANSFERS`.

:func:`spectral_mlp` stacks such layers (``"relu"`` or ``None`` — a *telescopic* linear
layer — after each hidden one); :func:`retract` multiplies every run of consecutive linear
layers with nothing between them into one :class:`~cdnotes.Dense` layer.

>>> import numpy as np
>>> layer = SpectralLinear(4, 3, seed=0)
>>> layer.n_params                               # lam_in, lam_out: 4 + 3
7
>>> A = layer.operator()
>>> bool(np.allclose(A[4:, :4], layer.to_dense()))
True
"""
from __future__ import annotations

from .layer import (ACTIVATIONS, EIGENVALUE_RANGE, INPUT_EIGENVALUES, PHI_RANGE, TRAIN_GROUPS,
                    TRANSFERS, SpectralLinear, check_train_groups)
from .curvature import SpectralCurvature
from .network import Retraction, retract, spectral_mlp
from . import entry as _entry  # noqa: F401  (registers "spectral" in cdnotes.layers.LAYERS)

__all__ = ["SpectralLinear", "spectral_mlp", "retract", "Retraction", "TRAIN_GROUPS",
           "INPUT_EIGENVALUES", "ACTIVATIONS", "TRANSFERS", "SpectralCurvature"]
