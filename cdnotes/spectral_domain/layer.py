"""The spectral-domain layer :class:`SpectralLinear` (``W = φ ⊙ (a·λ_in + b·λ_out)``, trained
through its eigenvalues and/or eigenvectors) and the options it takes.

The derivation is in :mod:`cdnotes.spectral_domain`.
"""
from __future__ import annotations

import numpy as np

from ..backend import device_of, namespace_of, to_numpy
from ..layers import Linear
from .curvature import SpectralCurvature
from ..validation import check_choice

__all__ = ["SpectralLinear", "check_train_groups", "TRAIN_GROUPS", "INPUT_EIGENVALUES",
           "ACTIVATIONS", "TRANSFERS", "PHI_RANGE", "EIGENVALUE_RANGE"]


TRAIN_GROUPS = ("eigenvalues", "eigenvectors")
"""What a spectral layer can train: its eigenvalues ``Λ`` and/or its eigenvectors ``φ``."""

INPUT_EIGENVALUES = ("trainable", "fixed")
"""``lam_in`` trained with the eigenvalues, or fixed at 1 (the paper's deep networks)."""

TRANSFERS = {"inverse": (1.0, -1.0), "compact": (1.0 / 3.0, 2.0 / 9.0)}
"""``W = φ ⊙ (a·λ_in + b·λ_out)``: ``(a, b)`` for ``A = Φ Λ (2I − Φ)`` (``"inverse"``) and
``A = Φ Λ (2I + Φ)⁻¹ Φ`` (``"compact"``)."""

ACTIVATIONS = ("relu", None)
"""After a hidden spectral layer: a ReLU, or nothing (a telescopic linear layer)."""

PHI_RANGE = 0.5
"""``φ ~ U[−0.5, 0.5]`` (the paper's initialisation)."""

EIGENVALUE_RANGE = 0.01
"""Trained eigenvalues start ``~ U[−0.01, 0.01]`` (the paper's initialisation)."""


def check_train_groups(train) -> tuple:
    """``train`` as a tuple of :data:`TRAIN_GROUPS` in canonical order (``ValueError`` otherwise).

    Parameters
    ----------
    train : str or sequence of str
        Non-empty; each entry one of :data:`TRAIN_GROUPS`.

    Returns
    -------
    tuple of str
    """
    if isinstance(train, str):
        train = (train,)
    if train is None or not hasattr(train, "__iter__"):
        raise ValueError(f"train must be a non-empty sequence of {TRAIN_GROUPS}; got {train!r}")
    groups = list(train)
    if not groups:
        raise ValueError(f"train must name at least one of {TRAIN_GROUPS}; got an empty {train!r}")
    for group in groups:
        if not isinstance(group, str) or group not in TRAIN_GROUPS:
            raise ValueError(f"train groups must be among {TRAIN_GROUPS}; got {group!r}")
    return tuple(g for g in TRAIN_GROUPS if g in groups)


class SpectralLinear(Linear):
    """A layer trained in the spectral domain: ``Y = X Wᵀ (+ b)``, ``W = φ ⊙ (λ_in − λ_out)``.

    Parameters
    ----------
    n_in, n_out : int >= 1
    train : sequence of {"eigenvalues", "eigenvectors"}, default ``("eigenvalues",)``
        The trained groups: ``lam_out`` (and ``lam_in`` if ``input_eigenvalues`` is
        ``"trainable"``) for the eigenvalues, ``phi`` for the eigenvectors.
    input_eigenvalues : {"trainable", "fixed"}
        ``"fixed"``: ``lam_in`` = 1, frozen (the paper's deep networks train only the
        eigenvalues of each layer's output nodes).
    bias : bool, default False
        A trained bias ``b`` ``(n_out,)`` (the paper's spectral layers have none).
    transfer : {"inverse", "compact"}, default "inverse"
        ``A = Φ Λ (2I − Φ)`` or ``A = Φ Λ (2I + Φ)⁻¹ Φ`` (:data:`TRANSFERS`).
    seed : int or None
        ``φ ~ U[−0.5, 0.5]``, eigenvalues ``~ U[−0.01, 0.01]``, drawn in that order from
        ``numpy.random.default_rng(seed)`` whichever are trained (so models with the same
        seed but different ``train`` start from the same operator).
    dtype, xp, device
        As for :class:`~cdnotes.Dense`.

    Attributes
    ----------
    params : the trained arrays among ``lam_in`` ``(n_in,)``, ``lam_out`` ``(n_out,)``,
        ``phi`` ``(n_out, n_in)``, ``b`` ``(n_out,)``, in that order
    lam_in, lam_out, phi : the arrays, trained or frozen (frozen ones are read-only)
    train_groups : tuple of str; input_eigenvalues : str
    weights_linear : bool
        Whether ``W`` is linear in the trained parameters (only the eigenvalues with
        trainable ``lam_in``, or only the eigenvectors).
    """

    curvature_class = SpectralCurvature

    def __init__(self, n_in, n_out, *, train=("eigenvalues",), input_eigenvalues="trainable",
                 bias=False, transfer="inverse", seed=None, dtype="float64", xp=None,
                 device=None):
        self.train_groups = check_train_groups(train)
        self.transfer = check_choice(transfer, "transfer", tuple(TRANSFERS))
        self._a, self._b = TRANSFERS[self.transfer]
        self.input_eigenvalues = check_choice(input_eigenvalues, "input_eigenvalues",
                                              INPUT_EIGENVALUES)
        if not isinstance(bias, (bool, np.bool_)):
            raise TypeError(f"bias must be True or False; got {bias!r}")
        self.bias = bool(bias)
        values = "eigenvalues" in self.train_groups
        self._trained = {"lam_in": values and self.input_eigenvalues == "trainable",
                         "lam_out": values, "phi": "eigenvectors" in self.train_groups}
        self._frozen = {}
        super().__init__(n_in, n_out, 1, seed=seed, dtype=dtype, xp=xp, device=device)
        host = self._initial
        ref = self.reference_param
        space = namespace_of(ref)
        self._frozen = {name: space.asarray(host[name], dtype=ref.dtype, device=device_of(ref))
                        for name in ("lam_in", "lam_out", "phi") if not self._trained[name]}
        del self._initial

    # -- the protocol -------------------------------------------------------
    def param_shapes(self):
        shapes = {"lam_in": (self.n_in,), "lam_out": (self.n_out,),
                  "phi": (self.n_out, self.n_in)}
        out = {name: shape for name, shape in shapes.items() if self._trained[name]}
        if self.bias:
            out["b"] = (self.n_out,)
        return out

    def initial_params(self, std, seed):
        """The paper's initialisation (``std`` is not used): see the class docstring."""
        rng = np.random.default_rng(seed)
        phi = rng.uniform(-PHI_RANGE, PHI_RANGE, (self.n_out, self.n_in))
        lam_in = rng.uniform(-EIGENVALUE_RANGE, EIGENVALUE_RANGE, self.n_in)
        lam_out = rng.uniform(-EIGENVALUE_RANGE, EIGENVALUE_RANGE, self.n_out)
        if self.input_eigenvalues == "fixed":
            lam_in = np.ones(self.n_in)
        self._initial = {"lam_in": lam_in, "lam_out": lam_out, "phi": phi,
                         "b": np.zeros(self.n_out)}
        return self._initial

    def _array(self, name):
        return self.params[name] if name in self.params else self._frozen[name]

    def _set(self, name, value):
        if name not in self.params:
            raise AttributeError(f"{name} is frozen in this SpectralLinear (train="
                                 f"{self.train_groups}, input_eigenvalues="
                                 f"{self.input_eigenvalues!r}); it cannot be set")
        self.set_param(name, value)

    lam_in = property(lambda self: self._array("lam_in"), lambda self, v: self._set("lam_in", v),
                      doc="Eigenvalues of the input nodes ``(n_in,)``.")
    lam_out = property(lambda self: self._array("lam_out"),
                       lambda self, v: self._set("lam_out", v),
                       doc="Eigenvalues of the output nodes ``(n_out,)``.")
    phi = property(lambda self: self._array("phi"), lambda self, v: self._set("phi", v),
                   doc="The eigenvector indentation ``φ`` ``(n_out, n_in)``.")

    def _factor(self, lam_in, lam_out):
        """``a·λ_in[j] + b·λ_out[i]`` ``(..., n_out, n_in)`` (``λ_in − λ_out`` for "inverse")."""
        if self.transfer == "inverse":                # exactly the original expression
            return lam_in[..., None, :] - lam_out[..., :, None]
        return self._a * lam_in[..., None, :] + self._b * lam_out[..., :, None]

    def _weight(self, xp, lam_in, lam_out, phi):
        """``φ ⊙ (a·λ_in + b·λ_out)`` for arrays with any leading axes."""
        return phi * self._factor(lam_in, lam_out)

    def to_dense(self):
        """``W = φ ⊙ (lam_in[None, :] − lam_out[:, None])`` (or :data:`TRANSFERS`),
        ``(n_out, n_in)``.

        Returns
        -------
        array ``(n_out, n_in)``
        """
        return self._weight(namespace_of(self.phi), self.lam_in, self.lam_out, self.phi)

    def eigenbasis(self):
        """``Φ = [[I, 0], [φ, I]]`` ``(n_in + n_out, n_in + n_out)``, the eigenvectors' columns.

        Returns
        -------
        array ``(n_in + n_out, n_in + n_out)``
        """
        xp = namespace_of(self.phi)
        n = self.n_in + self.n_out
        eye = xp.eye(n, dtype=self.dtype, device=device_of(self.phi))
        top = xp.zeros((self.n_in, n), dtype=self.dtype, device=device_of(self.phi))
        bottom = xp.concat([self.phi, xp.zeros((self.n_out, self.n_out), dtype=self.dtype,
                                               device=device_of(self.phi))], axis=1)
        return eye + xp.concat([top, bottom], axis=0)

    def eigenvalues(self):
        """``(lam_in, lam_out)`` concatenated, ``(n_in + n_out,)``: the diagonal of ``Λ``.

        Returns
        -------
        array ``(n_in + n_out,)``
        """
        xp = namespace_of(self.phi)
        return xp.concat([self.lam_in, self.lam_out])

    def operator(self):
        """``A = Φ Λ (2I − Φ)`` ``(n_in + n_out, n_in + n_out)``, by explicit matrix products.

        ``transfer="compact"``: ``A = Φ Λ (2I + Φ)⁻¹ Φ`` (the inverse by ``linalg.inv``).

        For checks and figures (the forward pass never forms it): its lower-left block
        ``A[n_in:, :n_in]`` is :meth:`to_dense`.

        Returns
        -------
        array ``(n_in + n_out, n_in + n_out)``
        """
        xp = namespace_of(self.phi)
        Phi = self.eigenbasis()
        n = Phi.shape[0]
        eye = xp.eye(n, dtype=self.dtype, device=device_of(self.phi))
        left = Phi * self.eigenvalues()[None, :]
        if self.transfer == "compact":
            return xp.matmul(xp.matmul(left, xp.linalg.inv(2 * eye + Phi)), Phi)
        return xp.matmul(left, 2 * eye - Phi)

    def forward_2d(self, xp, X2):
        """``(N, n_in)`` -> ``(N, n_out)``, no checks; caches for :meth:`backward_2d`."""
        W = self.to_dense()
        self._cache = (X2, W)
        Y = xp.matmul(X2, xp.matrix_transpose(W))
        return Y + self.params["b"] if self.bias else Y

    def _grads_from(self, xp, G, lam_in, lam_out, phi):
        """Gradients of ``⟨G, W(θ)⟩`` for ``G`` ``(..., n_out, n_in)``: the trained ones."""
        grads = {}
        compact = self.transfer == "compact"
        if self._trained["lam_in"] or self._trained["lam_out"]:
            Gphi = G * phi
            if self._trained["lam_in"]:
                grads["lam_in"] = xp.sum(Gphi, axis=-2)
                if compact:
                    grads["lam_in"] = self._a * grads["lam_in"]
            if self._trained["lam_out"]:
                grads["lam_out"] = (self._b * xp.sum(Gphi, axis=-1) if compact
                                    else -xp.sum(Gphi, axis=-1))
        if self._trained["phi"]:
            grads["phi"] = G * self._factor(lam_in, lam_out)
        return grads

    def backward_2d(self, xp, dY2):
        """``(N, n_out)`` -> ``(N, n_in)``, no checks; fills ``grads``.

        With ``G = dYᵀ X`` ``(n_out, n_in)`` (the gradient with respect to ``W``):
        ``∂/∂φ = G ⊙ (λ_in − λ_out)``, ``∂/∂λ_in = Σ_o (G ⊙ φ)[o, :]``,
        ``∂/∂λ_out = −Σ_i (G ⊙ φ)[:, i]``, ``∂/∂b = Σ_n dY``.
        """
        X2, W = self._cached()
        G = xp.matmul(xp.matrix_transpose(dY2), X2)
        grads = self._grads_from(xp, G, self.lam_in, self.lam_out, self.phi)
        if self.bias:
            grads["b"] = xp.sum(dY2, axis=0)
        self.grads = {name: grads[name] for name in self.params}
        return xp.matmul(dY2, W)

    def to(self, xp=None, device=None, dtype=None):
        """Move (and cast) the trained and the frozen arrays; see :meth:`Layer.to`."""
        super().to(xp, device=device, dtype=dtype)
        ref = self.reference_param
        space = namespace_of(ref)
        self._frozen = {name: space.asarray(to_numpy(value), dtype=ref.dtype,
                                            device=device_of(ref))
                        for name, value in self._frozen.items()}
        return self

    # -- curvature support -----------------------------------------------------
    def weight_jacobian(self):
        """``∂ vec(W) / ∂θ_W`` at the current parameters, ``(n_out·n_in, P_W)`` (host).

        Columns in ``params`` order (``lam_in``, ``lam_out``, ``phi``, whichever are
        trained). ``W`` is bilinear when eigenvalues and eigenvectors are both trained (and
        affine in ``lam_out`` when ``lam_in`` is fixed): then ``J θ ≠ W``.

        Returns
        -------
        ndarray ``(n_out·n_in, P_W)``
        """
        phi = np.asarray(to_numpy(self.phi), dtype=np.float64)
        lam_in = np.asarray(to_numpy(self.lam_in), dtype=np.float64)
        lam_out = np.asarray(to_numpy(self.lam_out), dtype=np.float64)
        n_out, n_in = self.n_out, self.n_in
        blocks = []
        a, b = self._a, self._b
        if self._trained["lam_in"]:
            J = np.zeros((n_out, n_in, n_in))
            J[:, np.arange(n_in), np.arange(n_in)] = a * phi
            blocks.append(J.reshape(n_out * n_in, n_in))
        if self._trained["lam_out"]:
            J = np.zeros((n_out, n_in, n_out))
            J[np.arange(n_out), :, np.arange(n_out)] = b * phi
            blocks.append(J.reshape(n_out * n_in, n_out))
        if self._trained["phi"]:
            blocks.append(np.diag((a * lam_in[None, :] + b * lam_out[:, None]).ravel()))
        return np.concatenate(blocks, axis=1)

    def _point(self, weights):
        """``(lam_in, lam_out, phi)`` with a leading axis from ``weights`` or the frozen ones."""
        out = []
        for name in ("lam_in", "lam_out", "phi"):
            out.append(weights[name] if name in weights else self._frozen[name][None, ...])
        return out

    def _dense_3d(self, xp, weights):
        lam_in, lam_out, phi = self._point(self._weights_3d(weights))
        return self._weight(xp, lam_in, lam_out, phi)

    def _differential_3d(self, xp, weights, tangents):
        """``DW_θ[v]`` ``(m, n_out, n_in)``:
        ``v_φ ⊙ (a·λ_in + b·λ_out) + φ ⊙ (a·v_in + b·v_out)``."""
        lam_in, lam_out, phi = self._point(weights)
        compact = self.transfer == "compact"
        terms = []
        if "phi" in tangents:
            terms.append(tangents["phi"] * self._factor(lam_in, lam_out))
        if "lam_in" in tangents:
            v = tangents["lam_in"][:, None, :]
            terms.append(phi * (self._a * v if compact else v))
        if "lam_out" in tangents:
            v = tangents["lam_out"][:, :, None]
            terms.append(phi * (self._b * v) if compact else -phi * v)
        total = terms[0]
        for term in terms[1:]:
            total = total + term
        return total

    def _repr_extra(self):
        extra = "" if self.transfer == "inverse" else f", transfer={self.transfer!r}"
        return (f"train={self.train_groups}, input_eigenvalues={self.input_eigenvalues!r}, "
                f"bias={self.bias}{extra}")
