"""The SHFIN block: sparse hierarchical Fourier interaction, with a hand-written backward pass.

For each level ``ℓ`` (one per patch size ``s_ℓ``, each dividing ``seq_len``), on ``X``
``(N, L, C)``:

1. ``F = rfft`` of every length-``s_ℓ`` patch along positions: ``(N, L/s_ℓ, s_ℓ//2+1, C)``
   (orthonormal, ``1/√s``, so the attention logits do not grow with the patch size);
2. a mask over the ``s_ℓ//2+1`` frequencies keeps ``k_ℓ`` of them. Training: Gumbel noise
   from the block's seeded generator is added to the logits, the hard top-``k`` of the
   perturbed logits is used in the forward pass and the gradient flows through the
   successive-softmax relaxation (temperature ``tau``) — straight-through. Evaluation: the
   hard top-``k`` of the logits. ``Z = m ⊙ F`` at the kept frequencies, ``(N, P, k, C)``;
3. low-rank mixing across the kept frequencies of each patch: ``Q = Z W_q``, ``K = Z W_k``
   (rank ``r``), ``V = Z W_v``, ``M = softmax(Re(Q Kᴴ)/√r) V``;
4. ``M`` zero-padded back to the full spectrum and ``irfft`` to positions.

The levels are summed, and ``Y = LayerNorm(X + Σ_ℓ X̂_ℓ)`` over channels with ``gamma``,
``beta``. Complex weights are stored as real/imaginary pairs ``(2, C, r)``.

Ablations (for the book's rows): ``mask="learned"`` (the block above), ``"lowpass"`` (the
``k`` lowest frequencies, fixed, no logits) or ``"all"`` (``k`` = every frequency); and
``mixing="attention"`` or ``"identity"`` (``M = Z``, no weights).
"""
from __future__ import annotations

import math

import numpy as np

from ..backend import device_of, namespace_of, to_numpy
from ..layers.base import Layer
from ..validation import (check_array, check_choice, check_dtype, check_float_array, check_int,
                          check_namespace, check_real, check_same_dtype, check_seed, check_shape,
                          divisors)
from . import kernels as K

__all__ = ["SHFINBlock", "MASKS", "MIXINGS"]

MASKS = ("learned", "lowpass", "all")
MIXINGS = ("attention", "identity")


def _per_level(value, name, n_levels):
    """An int or one int per level -> tuple of ints."""
    if isinstance(value, (list, tuple)):
        if len(value) != n_levels:
            raise ValueError(f"{name} must be one integer or one per patch size ({n_levels}); "
                             f"got {len(value)} values")
        return tuple(check_int(v, name, minimum=1) for v in value)
    return (check_int(value, name, minimum=1),) * n_levels


class SHFINBlock(Layer):
    """Sparse Hierarchical Fourier Interaction block, ``(N, seq_len, channels)`` -> same shape.

    Parameters
    ----------
    seq_len : int >= 1
        ``L``, the number of positions.
    channels : int >= 1
        ``C``.
    patch_sizes : sequence of int
        One level per patch size; each must divide ``seq_len``.
    k : int or sequence of int (one per level)
        Frequencies kept per patch, ``1 <= k <= s//2 + 1`` for patch size ``s``.
    rank : int >= 1
        Rank ``r`` of the query and key projections.
    tau : float > 0, default 1.0
        Temperature of the relaxed top-``k`` (training only).
    seed : int or None
        Initial weights and the Gumbel noise stream.
    dtype : {"float64", "float32"}
    xp : namespace or backend name, default NumPy
    mask : {"learned", "lowpass", "all"}, default "learned"
    mixing : {"attention", "identity"}, default "attention"
    logit_scale : float >= 0, default 0.1
        Standard deviation of the initial mask logits.
    eps : float > 0
        LayerNorm's variance floor.

    Attributes
    ----------
    params : dict
        Per level ``ℓ``: ``logits{ℓ}`` ``(s//2+1,)`` (learned masks), ``wq{ℓ}``, ``wk{ℓ}``
        ``(2, C, r)`` and ``wv{ℓ}`` ``(2, C, C)`` (attention mixing); then ``gamma``, ``beta``
        ``(C,)``.
    n_freq : tuple of int
        ``s//2 + 1`` per level.
    """

    circulant_param = None

    def __init__(self, seq_len, channels, *, patch_sizes, k, rank, tau=1.0, seed=None,
                 dtype="float64", xp=None, mask="learned", mixing="attention", logit_scale=0.1,
                 eps=1e-5):
        super().__init__()
        self.seq_len = check_int(seq_len, "seq_len", minimum=1)
        self.channels = check_int(channels, "channels", minimum=1)
        if isinstance(patch_sizes, (str, bytes)) or not hasattr(patch_sizes, "__iter__"):
            raise TypeError(f"patch_sizes must be a sequence of integers (divisors of seq_len "
                            f"{self.seq_len}: {divisors(self.seq_len)}); got {patch_sizes!r}")
        sizes = tuple(check_int(s, "each patch size", minimum=1) for s in patch_sizes)
        if not sizes:
            raise ValueError(f"patch_sizes needs at least one patch size; allowed: divisors of "
                             f"seq_len {self.seq_len}: {divisors(self.seq_len)}")
        for s in sizes:
            if self.seq_len % s:
                raise ValueError(f"patch size {s} does not divide seq_len {self.seq_len}; "
                                 f"allowed patch sizes: {divisors(self.seq_len)}")
        self.patch_sizes = sizes
        self.n_freq = tuple(s // 2 + 1 for s in sizes)
        self.mask = check_choice(mask, "mask", MASKS)
        self.mixing = check_choice(mixing, "mixing", MIXINGS)
        if self.mask == "all":
            self.k = self.n_freq
        else:
            self.k = _per_level(k, "k", len(sizes))
            for s, f, kk in zip(sizes, self.n_freq, self.k):
                if kk > f:
                    raise ValueError(f"k = {kk} is larger than the {f} frequencies of patch size "
                                     f"{s}; k must be in [1, {f}] (s//2 + 1)")
        self.rank = check_int(rank, "rank", minimum=1)
        self.tau = check_real(tau, "tau", low=0.0, low_open=True)
        self.eps = check_real(eps, "eps", low=0.0, low_open=True)
        logit_scale = check_real(logit_scale, "logit_scale", low=0.0)
        check_seed(seed)
        space = check_namespace(xp)
        real = check_dtype(space, dtype)
        init_seq, noise_seq = np.random.SeedSequence(seed).spawn(2)
        init = np.random.default_rng(init_seq)
        self._noise = np.random.default_rng(noise_seq)
        C, r = self.channels, self.rank
        host = {}
        for level, f in enumerate(self.n_freq):
            if self.mask == "learned":
                host[f"logits{level}"] = logit_scale * init.standard_normal(f)
            if self.mixing == "attention":
                std = 1.0 / math.sqrt(2 * C)        # complex entries with E|w|² = 1/C
                host[f"wq{level}"] = std * init.standard_normal((2, C, r))
                host[f"wk{level}"] = std * init.standard_normal((2, C, r))
                host[f"wv{level}"] = std * init.standard_normal((2, C, C))
        host["gamma"] = np.ones(C)
        host["beta"] = np.zeros(C)
        self.params = {name: space.asarray(value, dtype=real) for name, value in host.items()}

    # -- bookkeeping --------------------------------------------------------------------
    def param_shapes(self) -> dict:
        """``{name: shape}`` of the parameters, in ``params`` order.

        Returns
        -------
        dict
        """
        C, r = self.channels, self.rank
        shapes = {}
        for level, f in enumerate(self.n_freq):
            if self.mask == "learned":
                shapes[f"logits{level}"] = (f,)
            if self.mixing == "attention":
                shapes.update({f"wq{level}": (2, C, r), f"wk{level}": (2, C, r),
                               f"wv{level}": (2, C, C)})
        shapes.update(gamma=(C,), beta=(C,))
        return shapes

    @property
    def dtype(self):
        """The parameters' dtype."""
        return self.params["gamma"].dtype

    @property
    def n_in(self) -> int:
        """The channel width (the last input axis), for checks shared with other layers."""
        return self.channels

    def _xp(self):
        return namespace_of(self.params["gamma"])

    # -- masks ------------------------------------------------------------------------------
    def _selection(self, xp, level):
        """``(idx, position, relax cache or None)`` of level ``level`` for this pass."""
        f, k = self.n_freq[level], self.k[level]
        device = device_of(self.params["gamma"])
        relax = None
        if self.mask == "learned":
            logits = self.params[f"logits{level}"]
            if self.training:
                noise = xp.asarray(self._noise.gumbel(size=f), dtype=logits.dtype, device=device)
                scores = logits + noise
                _, relax = K.relaxed_topk(xp, scores, k, self.tau)
            else:
                scores = logits
            idx = K.hard_topk(xp, scores, k)
        else:                                   # "lowpass" and "all": the k lowest frequencies
            idx = xp.arange(k, device=device)
        host_idx = np.asarray(to_numpy(idx), dtype=np.int64)
        position = np.full(f, k, dtype=np.int64)
        position[host_idx] = np.arange(k)
        return idx, xp.asarray(position, device=device), relax

    def retained_frequencies(self) -> list:
        """The frequencies the evaluation mask keeps, per level.

        Returns
        -------
        list of numpy int arrays, one ``(k_ℓ,)`` per level, increasing (bin ``f`` of a patch
        of size ``s`` is the frequency ``f / s`` cycles per position)
        """
        xp = self._xp()
        training, self.training = self.training, False
        try:
            return [np.asarray(to_numpy(self._selection(xp, level)[0]), dtype=np.int64)
                    for level in range(len(self.patch_sizes))]
        finally:
            self.training = training

    # -- passes ------------------------------------------------------------------------------
    def forward(self, X):
        """``X`` ``(N, seq_len, channels)`` -> ``Y`` of the same shape; checks its input.

        Parameters
        ----------
        X : real array ``(N, seq_len, channels)``

        Returns
        -------
        array ``(N, seq_len, channels)``
        """
        check_array(X, "X")
        xp = namespace_of(X, *self.params.values())
        shape = (self.seq_len, self.channels)
        if X.ndim != 3 or tuple(X.shape[1:]) != shape or X.shape[0] == 0:
            raise ValueError(f"X must have shape (N, seq_len, channels) = (N, {self.seq_len}, "
                             f"{self.channels}) with N >= 1; got {tuple(X.shape)}")
        check_float_array(xp, X, "X")
        for name, value in self.params.items():
            check_shape(value, self.param_shapes()[name], f"parameter {name}")
        check_same_dtype(X=X, parameters=self.params["gamma"])
        return self.forward_2d(xp, X)

    def backward(self, dY):
        """``∂L/∂Y`` ``(N, seq_len, channels)`` -> ``∂L/∂X``; fills ``grads``.

        Parameters
        ----------
        dY : real array of the last forward output's shape

        Returns
        -------
        array ``(N, seq_len, channels)``
        """
        cache = self._cached()
        check_array(dY, "dY")
        xp = namespace_of(dY, *self.params.values())
        expected = tuple(cache["X_shape"])
        if tuple(dY.shape) != expected:
            raise ValueError(f"dY must have the shape of the last forward output {expected}; "
                             f"got {tuple(dY.shape)}")
        check_float_array(xp, dY, "dY")
        check_same_dtype(dY=dY, parameters=self.params["gamma"])
        return self.backward_2d(xp, dY)

    def forward_2d(self, xp, X):
        """Unchecked forward kernel on ``(N, L, C)`` (the name shared with the other layers)."""
        levels = []
        H = X
        for level, s in enumerate(self.patch_sizes):
            idx, position, relax = self._selection(xp, level)
            F = K.patch_rfft(xp, X, s)
            Fk = K.gather(xp, F, idx)
            m = xp.ones(idx.shape, dtype=X.dtype, device=device_of(X))   # hard mask values
            Z = Fk * xp.astype(m, Fk.dtype)[:, None]
            attention = None
            if self.mixing == "attention":
                Wq, Wk, Wv = (K.as_complex(xp, self.params[f"w{n}{level}"]) for n in "qkv")
                M, attention = K.spectral_attention(xp, Z, Wq, Wk, Wv)
            else:
                M = Z
            H = H + K.patch_irfft(xp, K.scatter(xp, M, position), s)
            levels.append({"idx": idx, "position": position, "relax": relax, "Fk": Fk,
                           "attention": attention})
        Y, ln = K.layer_norm(xp, H, self.params["gamma"], self.params["beta"], self.eps)
        self._cache = {"levels": levels, "ln": ln, "X_shape": tuple(X.shape)}
        return Y

    def backward_2d(self, xp, dY):
        """Unchecked backward kernel on ``(N, L, C)``; fills ``grads``."""
        cache = self._cached()
        dH, dgamma, dbeta = K.layer_norm_vjp(xp, dY, cache["ln"])
        grads = {}
        dX = dH
        for level, s in enumerate(self.patch_sizes):
            c = cache["levels"][level]
            dM = K.gather(xp, K.patch_irfft_vjp(xp, dH, s), c["idx"])
            if self.mixing == "attention":
                dZ, dWq, dWk, dWv = K.spectral_attention_vjp(xp, dM, c["attention"])
                for n, dW in zip("qkv", (dWq, dWk, dWv)):
                    grads[f"w{n}{level}"] = K.split_complex(xp, dW)
            else:
                dZ = dM
            if self.mask == "learned":
                logits = self.params[f"logits{level}"]
                if c["relax"] is None:               # evaluation: a step function of the logits
                    grads[f"logits{level}"] = xp.zeros_like(logits)
                else:                               # straight-through: ∂L/∂m through the relaxation
                    dm_kept = xp.sum(xp.real(xp.conj(c["Fk"]) * dZ), axis=(0, 1, 3))
                    dm = xp.take(xp.concat([dm_kept, xp.zeros((1,), dtype=dm_kept.dtype,
                                                               device=device_of(dm_kept))]),
                                 c["position"], axis=0)
                    grads[f"logits{level}"] = K.relaxed_topk_vjp(xp, dm, c["relax"])
            dX = dX + K.patch_rfft_vjp(xp, K.scatter(xp, dZ, c["position"]), s)
        grads["gamma"], grads["beta"] = dgamma, dbeta
        self.grads = {name: grads[name] for name in self.params}
        return dX

    def __repr__(self):
        return (f"SHFINBlock(seq_len={self.seq_len}, channels={self.channels}, "
                f"patch_sizes={self.patch_sizes}, k={self.k}, rank={self.rank}, "
                f"mask={self.mask!r}, mixing={self.mixing!r}, n_params={self.n_params})")
