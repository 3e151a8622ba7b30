"""K-FAC with an exact per-frequency input factor for CDLinear layers.

K-FAC (Martens & Grosse 2015) approximates each layer's block of the Fisher (= Gauss-Newton
for these losses) by a Kronecker product ``S ⊗ A`` of an *output* factor
``S = E[δ δᵀ]`` (``δ`` the back-propagated gradient at the layer's output for targets drawn
from the model's own predictive distribution) and an *input* factor ``A = E[x xᵀ]``, and
preconditions the layer's gradient with ``(S ⊗ A + λI)⁻¹``.

For a :class:`~cdnotes.Dense` layer (weight ``W`` ``(n_out, n_in)``) that is ordinary K-FAC:
``D = U [(Uᵀ G V) / (s aᵀ + λ)] Vᵀ`` with ``S = U diag(s) Uᵀ``, ``A = V diag(a) Vᵀ`` — the
exact damped inverse of the Kronecker product (no factored damping).

For a layer with circulant coefficients ``C`` ``(Ko, Ki, B)`` (``layer.circulant_param``),
the same construction is made in the Fourier basis of the blocks, where the layer is
``B`` independent complex matrices ``Ĉ_k`` ``(Ko, Ki)``: for each frequency ``k``

* the input factor ``A_k = (1/N) Σ_n conj(x̂_n(k)) x̂_n(k)ᵀ`` ``(Ki × Ki)`` — *exactly* the
  per-frequency block of the layer's least-squares Hessian (Theorem 1 in its correct form,
  :func:`cdnotes.preconditioning.frequency_grams`), not an approximation;
* the output factor ``S_k = (1/(N·B)) Σ_n δ̂_n(k) δ̂_n(k)ᴴ`` ``(Ko × Ko)``, from the spectra
  of the back-propagated gradients as in K-FAC;

and the preconditioned gradient solves ``S_k D̂_k A_kᵀ + λ D̂_k = Ĝ_k`` per frequency. It
drops the couplings between frequencies (and assumes ``δ`` independent of ``x``, as K-FAC
does); with ``S_k = I`` (``output_factor="identity"``) it is the damped Newton step of a
least-squares layer, :func:`~cdnotes.preconditioning.spectral_precondition`, exactly.

The bias ``b`` gets its own block ``(S + λI)⁻¹`` (input factor 1, ``S`` the full
``(n_out × n_out)`` output factor), for both layer types, so dense and CD layers are
preconditioned by the same method.

The factors are estimated every ``update_every`` steps on a fresh mini-batch of
``stats_batch`` training inputs (drawn by the optimizer's seeded generator), with one
extra forward and backward pass through the model (the sampled Fisher needs targets drawn
from the model, which the training pass does not have). Each layer says through its
curvature object (``layer.curvature()``) which factors it has (``kfac_factor``) and hands
over its input statistics from its forward cache (``kfac_input()``: the FFT path's cached
input spectra are reused, not recomputed); they are kept as exponential running
averages (weight ``decay`` on the old value) and their eigendecompositions are recomputed
at each refresh. The damping ``λ`` is fixed (Tikhonov, added to the Kronecker product).
The update is heavy-ball momentum on the preconditioned gradient, after K-FAC's KL
clipping of its size by a factor ``ν ≤ 1`` (``kl_clip``): ``v ← μ v + ν D``,
``θ ← θ − η v``.
"""
from __future__ import annotations

import math

import numpy as np

from ..backend import device_of, namespace_of
from ..layers import Linear
from ..layers.activations import log_softmax
from ..mlp import check_model, model_input
from ..operators.bcmatmul import block_spectrum
from ..operators.fft import fft_of
from ..preconditioning import spectrum_grams
from ..validation import check_choice, check_int, check_labels, check_real, check_seed
from .losses import LOSSES

__all__ = ["KFAC", "OUTPUT_FACTORS"]

OUTPUT_FACTORS = ("sampled", "empirical", "identity")


class KFAC:
    """K-FAC for Dense layers and its exact-input-factor, per-frequency form for CDLinear.

    Use as ``train(model, X, y, optimizer=KFAC(model, X, y, ...))``: the training loop
    calls :meth:`step` after every mini-batch's backward pass.

    Parameters
    ----------
    model : :class:`~cdnotes.mlp.MLP`
        The model being trained. Each linear layer's curvature object
        (``layer.curvature().kfac_factor``) must name its Kronecker factors: one weight
        matrix ``(n_out, n_in)`` (Dense) or circulant coefficients (CDLinear).
    X : array ``(N, n_in)``
        Training inputs; the curvature statistics are computed on mini-batches of them.
    y : integer array ``(N,)``, optional
        Training labels; needed only for ``output_factor="empirical"``.
    lr : float > 0
    momentum : float in [0, 1)
    damping : float > 0
        ``λ``, added to every Kronecker-factored block (fixed).
    update_every : int >= 1
        Steps between refreshes of the factors and their eigendecompositions.
    decay : float in [0, 1)
        Weight of the old factors in the running average (0: only the newest batch).
    stats_batch : int >= 1
        Inputs per statistics batch (at most ``N``; drawn without replacement).
    loss : {"cross_entropy", "squared_error"}
        The training loss (it sets the output gradients of the statistics pass).
    output_factor : {"sampled", "empirical", "identity"}
        ``"sampled"``: targets drawn from the model's predictive distribution (K-FAC's
        Fisher; for squared error ``δ ~ N(0, I)``); ``"empirical"``: the true labels;
        ``"identity"``: ``S = I`` — the exact Gauss-Newton factor of a least-squares layer
        (input factor only).
    kl_clip : float > 0 or None
        K-FAC's step-size clipping (Ba, Grosse & Martens 2017): the preconditioned gradient
        ``D`` is scaled by ``min(1, sqrt(kl_clip / (η² Σ D·g)))`` before the momentum step,
        bounding the predicted change of the model's output distribution. ``None`` turns
        it off (then the step is exactly ``η (S ⊗ A + λI)⁻¹ g`` plus momentum).
    seed : int
        Seeds the statistics batches and the sampled targets.

    Attributes
    ----------
    t : int
        Steps taken.
    n_refreshes : int
        Factor refreshes done.
    factors : dict ``{layer index: {"A": ..., "S": ..., "S_bias": ...}}``
        Running averages: Dense ``A`` ``(n_in, n_in)``, ``S`` ``(n_out, n_out)``;
        circulant ``A`` ``(F, Ki, Ki)``, ``S`` ``(F, Ko, Ko)`` complex, ``F = B//2 + 1``;
        ``S_bias`` ``(n_out, n_out)``.
    eigen : dict ``{layer index: {name: (eigenvalues, eigenvectors)}}``
        Of the current factors.
    velocity : dict ``{(layer index, parameter name): array}``
    last_scale : float
        The KL-clipping factor of the last step (1 when not clipped).
    """

    def __init__(self, model, X, y=None, *, lr: float = 0.05, momentum: float = 0.9,
                 damping: float = 1e-2, update_every: int = 10, decay: float = 0.95,
                 stats_batch: int = 256, loss: str = "cross_entropy",
                 output_factor: str = "sampled", kl_clip=1e-3, seed=0):
        check_model(model)
        self.xp = model_input(model, X)
        self.model, self.X = model, X
        self.lr = check_real(lr, "lr", low=0.0, low_open=True)
        self.momentum = check_real(momentum, "momentum", low=0.0, high=1.0, high_open=True)
        self.damping = check_real(damping, "damping", low=0.0, low_open=True)
        self.update_every = check_int(update_every, "update_every", minimum=1)
        self.decay = check_real(decay, "decay", low=0.0, high=1.0, high_open=True)
        self.stats_batch = check_int(stats_batch, "stats_batch", minimum=1)
        self.loss = check_choice(loss, "loss", tuple(LOSSES))
        self.output_factor = check_choice(output_factor, "output_factor", OUTPUT_FACTORS)
        self.kl_clip = None if kl_clip is None else check_real(kl_clip, "kl_clip", low=0.0,
                                                                low_open=True)
        check_seed(seed)
        if output_factor == "empirical":
            if y is None:
                raise ValueError('output_factor="empirical" needs the training labels y')
        if y is not None:
            check_labels(self.xp, y, X.shape[0], model.n_classes, "y")
        self.y = y
        self.rng = np.random.default_rng(seed)
        self.kinds = [_kind(layer) for layer in model.linear_layers]
        self.t, self.n_refreshes = 0, 0
        self.factors, self.eigen, self.velocity = {}, {}, {}
        self.last_scale = 1.0

    # -- the update -------------------------------------------------------------------
    def step(self, layers):
        """Precondition every layer's gradient and take one momentum step.

        Parameters
        ----------
        layers : sequence of :class:`~cdnotes.layers.Linear`
            The model's ``linear_layers`` (the same objects), whose ``grads`` hold the
            mini-batch gradient.
        """
        own = self.model.linear_layers
        if len(layers) != len(own) or any(a is not b for a, b in zip(layers, own)):
            raise ValueError("KFAC.step(layers) needs the linear layers of the model it was "
                             "built for (model.linear_layers)")
        if self.t % self.update_every == 0:
            self.refresh()
        directions = [self.direction(index, layer) for index, layer in enumerate(layers)]
        self.last_scale = self._clip_scale(layers, directions)
        for index, layer in enumerate(layers):
            for name, direction in directions[index].items():
                direction = self.last_scale * direction if self.last_scale != 1.0 else direction
                v = self.velocity.get((index, name))
                v = direction if v is None else self.momentum * v + direction
                self.velocity[index, name] = v
                layer.params[name] = layer.params[name] - self.lr * v
        self.t += 1

    def _clip_scale(self, layers, directions):
        """K-FAC's KL clipping: ``min(1, sqrt(kl_clip / (η² Σ D·g)))`` (1 without clipping)."""
        if self.kl_clip is None:
            return 1.0
        xp = self.xp
        quad = sum(float(xp.sum(d[name] * layer.grads[name]))
                   for layer, d in zip(layers, directions) for name in d)
        quad = abs(quad) * self.lr ** 2
        return 1.0 if quad <= self.kl_clip else math.sqrt(self.kl_clip / quad)

    def direction(self, index, layer):
        """The preconditioned gradient of one layer (factors must exist: :meth:`refresh`).

        Parameters
        ----------
        index : int
            The layer's position in ``model.linear_layers``.
        layer : :class:`~cdnotes.layers.Linear`
            With ``grads`` filled.

        Returns
        -------
        dict ``{parameter name: array}`` of the parameters' shapes.
        """
        xp, lam, eig = self.xp, self.damping, self.eigen[index]
        kind, name = self.kinds[index]
        out = {}
        G = layer.grads[name]
        (s, U), (a, V) = eig["S"], eig["A"]
        if kind == "dense":
            Z = xp.matmul(xp.matmul(xp.matrix_transpose(U), G), V)
            Z = Z / (s[:, None] * a[None, :] + lam)
            out[name] = xp.matmul(xp.matmul(U, Z), xp.matrix_transpose(V))
        else:
            fft = fft_of(xp)
            B = G.shape[2]
            Gf = xp.permute_dims(fft.rfft(G, axis=-1), (2, 0, 1))                    # (F, Ko, Ki)
            Z = xp.matmul(xp.matmul(_ct(xp, U), Gf), xp.conj(V))
            Z = Z / (s[:, :, None] * a[:, None, :] + lam)
            Df = xp.matmul(xp.matmul(U, Z), xp.matrix_transpose(V))
            out[name] = fft.irfft(xp.permute_dims(Df, (1, 2, 0)), n=B, axis=-1)
        sb, Ub = eig["S_bias"]
        gb = xp.matmul(xp.matrix_transpose(Ub), layer.grads["b"][:, None])
        out["b"] = xp.matmul(Ub, gb / (sb[:, None] + lam))[:, 0]
        return out

    # -- curvature statistics -------------------------------------------------------
    def refresh(self):
        """Estimate the factors on a fresh statistics batch; update averages and eigenpairs.

        Runs one forward and one backward pass of the model on ``stats_batch`` training
        inputs; every layer's ``grads`` are restored afterwards (its cached forward state
        is not: the next training step runs its own forward pass).

        Returns
        -------
        None
        """
        xp, model = self.xp, self.model
        N = self.X.shape[0]
        n = min(self.stats_batch, N)
        rows = np.sort(self.rng.choice(N, size=n, replace=False))
        idx = xp.asarray(rows, device=device_of(self.X))
        inputs, deltas = self._statistics(xp.take(self.X, idx, axis=0), idx)
        for index, layer in enumerate(model.linear_layers):
            new = self._layer_factors(index, layer, inputs[index], deltas[index])
            old = self.factors.get(index)
            if old is not None:
                new = {k: self.decay * old[k] + (1 - self.decay) * new[k] for k in new}
            self.factors[index] = new
            self.eigen[index] = {k: xp.linalg.eigh(v) for k, v in new.items()}
        self.n_refreshes += 1

    def _statistics(self, Xb, idx):
        """Inputs and per-sample output gradients of every linear layer on one batch."""
        xp, model = self.xp, self.model
        linear = {id(layer): k for k, layer in enumerate(model.linear_layers)}
        saved = [dict(layer.grads) for layer in model.linear_layers]
        deltas, H = {}, Xb
        for layer in model.layers:
            H = layer.forward_2d(xp, H)
        inputs = {k: layer.curvature().kfac_input()               # from the forward caches
                  for k, layer in enumerate(model.linear_layers)}
        if self.output_factor == "identity":
            return inputs, {k: None for k in inputs}
        dY = model.pad_logits(xp, self._output_gradients(H[:, :model.n_classes], idx))
        for layer in reversed(model.layers):
            if id(layer) in linear:
                deltas[linear[id(layer)]] = dY
            dY = layer.backward_2d(xp, dY)
        for layer, grads in zip(model.linear_layers, saved):
            layer.grads = grads
        return inputs, deltas

    def _output_gradients(self, logits, idx):
        """Per-sample ``∂ℓ_n/∂logits`` ``(n, K)`` for sampled or true targets."""
        xp = self.xp
        n, K = logits.shape
        dev = device_of(logits)
        if self.output_factor == "empirical":
            labels = xp.take(self.y, idx, axis=0)
        if self.loss == "squared_error":
            if self.output_factor == "sampled":
                return xp.asarray(self.rng.standard_normal((n, K)), dtype=logits.dtype, device=dev)
            return logits - _one_hot(xp, labels, K, logits.dtype)
        log_p = log_softmax(logits, axis=1)
        if self.output_factor == "sampled":                     # Gumbel-max: y ~ softmax
            gumbel = -np.log(-np.log(self.rng.uniform(1e-300, 1.0, (n, K))))
            labels = xp.argmax(log_p + xp.asarray(gumbel, dtype=logits.dtype, device=dev), axis=1)
        return xp.exp(log_p) - _one_hot(xp, labels, K, logits.dtype)

    def _layer_factors(self, index, layer, X, delta):
        """New (un-averaged) factors of one layer from its inputs and output gradients."""
        xp = self.xp
        kind, _ = self.kinds[index]
        n = X.shape[0] if kind == "dense" else X.shape[1]       # circulant: X is (F, N, Ki)
        dtype, dev = layer.dtype, device_of(X)
        eye = xp.eye(layer.n_out, dtype=dtype, device=dev)
        S_full = eye if delta is None else xp.matmul(xp.matrix_transpose(delta), delta) / n
        if kind == "dense":
            return {"A": xp.matmul(xp.matrix_transpose(X), X) / n, "S": S_full, "S_bias": S_full}
        B = layer.block_size
        A = spectrum_grams(xp, X)                                                   # (F, Ki, Ki)
        F, Ko = A.shape[0], layer.n_out // B
        if delta is None:
            S = xp.astype(xp.broadcast_to(xp.eye(Ko, dtype=dtype, device=dev)[None, ...], (F, Ko, Ko)),
                          A.dtype)
        else:
            Df = block_spectrum(xp, delta, B)                                        # (F, n, Ko)
            S = xp.matmul(xp.permute_dims(Df, (0, 2, 1)), xp.conj(Df)) / (n * B)
        return {"A": A, "S": S, "S_bias": S_full}


def _kind(layer):
    """``(kind, parameter name)``: the layer's Kronecker-factor structure, from its protocol
    (``layer.curvature().kfac_factor``: ``"dense"`` or ``"circulant"``)."""
    if not isinstance(layer, Linear):
        raise TypeError(f"KFAC needs linear layers; got {type(layer).__name__}")
    factor = layer.curvature().kfac_factor
    if factor is None or factor[0] not in ("dense", "circulant") or "b" not in layer.params:
        raise ValueError(f"KFAC supports layers whose curvature() offers Kronecker factors of one "
                         f"weight matrix or of circulant coefficients, with a bias (Dense, "
                         f"CDLinear); {type(layer).__name__} (parameters "
                         f"{', '.join(layer.params)}) has none")
    return factor


def _ct(xp, M):
    """Conjugate transpose of a stack of matrices."""
    return xp.conj(xp.matrix_transpose(M))


def _one_hot(xp, y, K, dtype):
    classes = xp.arange(K, device=device_of(y))
    return xp.astype(xp.reshape(y, (-1, 1)) == classes[None, :], dtype)
