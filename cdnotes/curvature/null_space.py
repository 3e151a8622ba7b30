"""Exact null directions of a network's Hessian and Gauss-Newton matrix, named by cause.

Each linear layer ``l`` maps its parameters ``θ_l`` to ``W̃_l = [W_l, b_l]`` by a *gather*
(every entry of ``W̃_l`` is one parameter: Dense and CDLinear; checked from
:meth:`~cdnotes.layers.Linear.weight_jacobian`). A direction ``v_l`` is null when the
change it makes to ``W̃_l`` cannot reach the loss. The causes, in the order they are added
(each count is the number of *new* independent directions, so the counts add up):

``dead_units``
    hidden units whose value never reaches the loss — zero on every sample (dead), or
    reaching the logits only through inactive units wherever active: the parameters that
    only feed them (their rows of ``W̃_l``) or only read them (their columns of ``W_{l+1}``);
``zero_inputs``
    inputs that are zero on every sample (for the digits, blank border pixels): the
    parameters that only read them (columns of the first layer);
``unused_logits``
    outputs beyond ``n_classes`` (the CD models have 12 or 16 outputs and keep 10): the
    parameters that only feed them;
``softmax_shift``
    (cross-entropy) the loss is unchanged when the same number is added to every used
    logit of a sample: the last layer's directions that change all used rows of ``W̃_L``
    alike (``ΔW̃_L[o] = u`` for ``o < n_classes``) — ``n_in + 1`` of them for a dense last
    layer, ``n_in/B + 1`` for CDLinear (fewer where they coincide with the causes above);
``first_layer_span``
    first-layer directions that change no pre-activation that reaches the loss, on any
    sample (a unit active on too few samples for their inputs to span its weights):
    exact because the inputs are fixed;
``disjoint_activity``
    in later layers, weights ``W̃_l[o, c]`` from a unit ``c`` that is zero on every sample
    where unit ``o`` reaches the loss (two units never active together).

Their union is exactly null for the Hessian (``hessian``): the loss is constant along
these directions in a neighbourhood of ``θ`` (inactive units are strictly negative, zero
inputs stay zero). The Gauss-Newton matrix ``G = Jᵀ S J`` has more (``gauss_newton``):
``layer_span`` — the same per-sample argument in every later layer (``J v = 0``, though the
Hessian's second-order term need not vanish) — and ``rescaling``: scaling a hidden unit
group's incoming weights by ``α`` and its outgoing ones by ``1/α`` leaves a ReLU network's
function unchanged (groups: units coupled through shared parameters — one unit for
Dense, one block of ``B`` units for CDLinear); each candidate is checked by a Gauss-Newton
product. "Reaches the loss" is structural: a path of non-zero weights through units active
on that sample (computed with 0/1 arithmetic, no cancellation).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.linalg
import scipy.sparse
from scipy.sparse.csgraph import connected_components

from ..backend import device_of, to_numpy
from ..train.losses import LOSS_KERNELS
from ..validation import check_choice
from ._mode import evaluation_mode, model_input
from ._rop import check_supported

__all__ = ["NullDirections", "null_directions", "HESSIAN_CAUSES", "GAUSS_NEWTON_CAUSES"]

HESSIAN_CAUSES = ("dead_units", "zero_inputs", "unused_logits", "softmax_shift",
                  "first_layer_span", "disjoint_activity")
GAUSS_NEWTON_CAUSES = HESSIAN_CAUSES + ("layer_span", "rescaling")


@dataclass(frozen=True)
class NullDirections:
    """Exact null directions by cause (see the module docstring).

    Attributes
    ----------
    dead_units : tuple of int — units zero on every sample, per ReLU layer
        (:func:`~cdnotes.curvature.dead_units`)
    by_cause : dict ``{cause: new independent directions}``, in :data:`GAUSS_NEWTON_CAUSES`
        order (``softmax_shift`` is 0 for squared error)
    hessian : int — the sum over :data:`HESSIAN_CAUSES`
    gauss_newton : int — the sum over all causes
    """

    dead_units: tuple
    by_cause: dict
    hessian: int
    gauss_newton: int


class _Layer:
    """Host view of one linear layer: ``param_of[o, c]`` (the parameter at ``W̃[o, c]``),
    ``Ht = [X_l, 1]`` ``(N, n_in+1)`` and ``live[n, o]`` (does ``z_l[n, o]`` reach the loss)."""

    def __init__(self, layer, X, live):
        J = np.asarray(layer.weight_jacobian())
        nonzero = J != 0
        if not (np.all(nonzero.sum(axis=1) == 1) and np.all(J[nonzero] == 1)):
            raise NotImplementedError(f"null_directions needs layers whose W gathers its "
                                      f"parameters (weight_jacobian 0/1, one 1 per row); "
                                      f"{type(layer).__name__} does not")
        n_out, n_in, n_w = layer.n_out, layer.n_in, J.shape[1]
        self.param_of = np.concatenate([np.argmax(J, axis=1).reshape(n_out, n_in),
                                        n_w + np.arange(n_out)[:, None]], axis=1)
        self.n_params = n_w + n_out
        self.Ht = np.concatenate([X, np.ones((X.shape[0], 1))], axis=1)
        self.live = live
        self.theta = np.concatenate([np.ravel(to_numpy(p)) for p in layer.params.values()])


def _null_basis(param_of, n_params, Ht, live, shift):
    """Directions ``v`` with ``Δz[n, o] = (Ht[n] ΔW̃[o]ᵀ) = 0`` wherever ``live[n, o]`` (or, on
    rows ``o < shift``, equal across those rows). Returns an orthonormal basis ``(n_params, d)``."""
    n_out = param_of.shape[0]
    edges = scipy.sparse.coo_matrix((np.ones(param_of.size), (np.repeat(np.arange(n_out),
                                    param_of.shape[1]), n_out + param_of.ravel())),
                                    shape=(n_out + n_params,) * 2)
    if shift:
        edges = edges + scipy.sparse.coo_matrix((np.ones(shift), (np.zeros(shift, int),
                                                 np.arange(shift))), shape=edges.shape)
    _, label = connected_components(edges, directed=False)
    basis = []
    for c in np.unique(label[n_out:]):
        units = np.flatnonzero(label[:n_out] == c)
        params = np.flatnonzero(label[n_out:] == c)
        column = {p: k for k, p in enumerate(params)}
        blocks = []
        for o in units:
            M = np.zeros((Ht.shape[1], params.size))
            np.add.at(M, (np.arange(Ht.shape[1]), [column[p] for p in param_of[o]]), 1.0)
            blocks.append((o, Ht[live[:, o]] @ M))
        rows = [J for o, J in blocks if o >= shift]
        used = [J for o, J in blocks if o < shift]
        rows += [J - used[0] for J in used[1:]]          # differences across used logits
        A = np.concatenate(rows) if rows else np.zeros((0, params.size))
        null = _null_space(A)
        if null.shape[1]:
            full = np.zeros((n_params, null.shape[1]))
            full[params] = null
            basis.append(full)
    return np.concatenate(basis, axis=1) if basis else np.zeros((n_params, 0))


def _null_space(A):
    """Orthonormal basis of ``{x : A x = 0}`` (``matrix_rank``'s tolerance)."""
    n = A.shape[1]
    if A.shape[0] == 0 or not np.any(A):
        return np.eye(n)
    size = max(A.shape)
    if A.shape[0] > n:
        A = np.linalg.qr(A, mode="r")
    _, s, Vt = np.linalg.svd(A)
    rank = int(np.sum(s > s.max() * size * np.finfo(float).eps))
    return Vt[rank:].T


def _free_params(L, free):
    """Parameters all of whose entries of ``W̃`` are free (``free`` ``(n_out, n_in+1)``)."""
    touched = np.bincount(L.param_of[~free], minlength=L.n_params)
    return int(np.sum(touched == 0))


def _free_with_shift(L, free, K):
    """``dim{v : A v ∈ span(free entries) + span(shift)}``, the shift vectors being ``ΔW̃[o, c]
    = 1`` for ``o < K`` (one per column ``c``); ``A`` the layer's gather ``θ -> W̃``."""
    n_out, n1 = L.param_of.shape
    A = np.zeros((n_out * n1, L.n_params))
    A[np.arange(n_out * n1), L.param_of.ravel()] = 1.0
    S = [np.eye(n_out * n1)[:, free.ravel()]]
    shift = np.zeros((n_out, n1, n1))
    shift[:K, np.arange(n1), np.arange(n1)] = 1.0
    S.append(shift.reshape(n_out * n1, n1))
    Q = scipy.linalg.orth(np.concatenate(S, axis=1))
    return L.n_params - int(np.linalg.matrix_rank(A - Q @ (Q.T @ A)))


def _reach(xp, model, steps, inputs, linear):
    """Per linear layer, ``reach[n, o]``: does ``z_l[n, o]`` reach a used logit at sample ``n``
    (a path of non-zero weights through units active at ``n``; 0/1 arithmetic)."""
    N, K = inputs[0].shape[0], model.n_classes
    used = xp.astype(xp.arange(model.n_out) < K, inputs[0].dtype)
    U = xp.broadcast_to(used[None, None, :], (1, N, model.n_out))
    reach = []
    for pos in range(len(steps) - 1, -1, -1):
        layer = steps[pos]
        if id(layer) not in linear:
            U = layer.vjp_3d(xp, inputs[pos], U)
            continue
        hit = U[0, ...] != 0
        reach.append(np.asarray(to_numpy(hit)))
        pattern = xp.astype(xp.abs(layer.to_dense()) > 0, U.dtype)
        U = xp.astype(xp.matmul(xp.astype(hit, U.dtype), pattern) > 0, U.dtype)[None, ...]
    return reach[::-1]


def null_directions(model, X, loss="cross_entropy") -> NullDirections:
    """Count the exact null directions of the Hessian and the Gauss-Newton matrix by cause.

    Parameters
    ----------
    model : :class:`~cdnotes.mlp.MLP` of gather-type linear layers (Dense, CDLinear) and
        ReLU/dropout; X : array ``(N, n_in)``
    loss : {"cross_entropy", "squared_error"}

    Returns
    -------
    NullDirections
    """
    from .readings import dead_units

    xp = model_input(model, X)
    check_choice(loss, "loss", LOSS_KERNELS)
    check_supported(model)
    linear = {id(layer) for layer in model.linear_layers}
    K, inputs, H, steps = model.n_classes, [], X, list(model.layers)
    with evaluation_mode(model):
        for layer in steps:
            inputs.append(H)
            H = layer.forward_2d(xp, H)
        reach = _reach(xp, model, steps, inputs, linear)
    layers = [_Layer(layer, np.asarray(to_numpy(inputs[steps.index(layer)]), dtype=np.float64), r)
              for layer, r in zip(model.linear_layers, reach)]
    last, shift = len(layers) - 1, K if loss == "cross_entropy" and K > 1 else 0

    def free(l, L, pixels, unused, entries=False):
        """Free entries of ``W̃_l``: separable (unreachable rows, all-zero columns) or, with
        ``entries``, every entry whose row never reaches the loss where its input is non-zero."""
        nonzero = L.Ht != 0
        if l == 0 and not pixels:
            nonzero[:, :-1] = True                  # zero inputs not yet a cause
        live = L.live.copy()
        if l == last and not unused:
            live[:, K:] = True                      # unused logits not yet a cause
        if entries:
            return (live.T.astype(float) @ nonzero.astype(float)) == 0
        return (~live.any(axis=0))[:, None] | (~nonzero.any(axis=0))[None, :]

    def count(l, L, flags, entries=False):
        pixels, unused, softmax = flags
        mask = free(l, L, pixels, unused, entries)
        if l == last and softmax and shift:
            return _free_with_shift(L, mask, shift)
        return _free_params(L, mask)

    steps_of_causes = [(False, False, False), (True, False, False), (True, True, False),
                       (True, True, True)]
    counts = [sum(count(l, L, flags) for l, L in enumerate(layers)) for flags in steps_of_causes]
    full = steps_of_causes[-1]
    # the first layer: every direction that changes no reachable pre-activation on any sample
    bases = [_null_basis(L.param_of, L.n_params, L.Ht, L.live, shift if l == last else 0)
             for l, L in enumerate(layers)]
    first = counts[-1] - count(0, layers[0], full) + bases[0].shape[1]
    # later layers: weights between units never active (reaching the loss) on a common sample
    h_total = first + sum(count(l, L, full, entries=True) - count(l, L, full)
                          for l, L in enumerate(layers) if l > 0)
    g_struct = sum(b.shape[1] for b in bases)
    rescaling = _rescaling(model, X, xp, layers, bases)
    causes = [counts[0]] + list(np.diff(counts)) + [first - counts[-1], h_total - first,
                                                    g_struct - h_total, rescaling]
    return NullDirections(dead_units=tuple(dead_units(model, X)),
                          by_cause={k: int(v) for k, v in zip(GAUSS_NEWTON_CAUSES, causes)},
                          hessian=int(h_total), gauss_newton=int(g_struct + rescaling))


def _rescaling(model, X, xp, layers, bases):
    """New directions from rescaling unit groups between consecutive linear layers."""
    from .products import CurvatureProducts

    offsets = np.cumsum([0] + [L.n_params for L in layers])
    candidates = []
    for l in range(len(layers) - 1):
        A, B = layers[l], layers[l + 1]
        n = A.param_of.shape[0]
        # units coupled through a parameter of layer l (rows) or of layer l+1 (columns)
        rows = (np.repeat(np.arange(n), A.param_of.shape[1]), n + A.param_of.ravel())
        cols = (np.tile(np.arange(n), B.param_of.shape[0]),
                n + A.n_params + B.param_of[:, :n].ravel())
        size = n + A.n_params + B.n_params
        graph = scipy.sparse.coo_matrix((np.ones(rows[0].size + cols[0].size),
                                         (np.concatenate([rows[0], cols[0]]),
                                          np.concatenate([rows[1], cols[1]]))), shape=(size, size))
        _, label = connected_components(graph, directed=False)
        for c in np.unique(label[:n]):
            v = np.zeros(offsets[-1])
            inside = label[n:n + A.n_params] == c
            v[offsets[l]:offsets[l + 1]][inside] = A.theta[inside]
            reads = label[n + A.n_params:] == c
            v[offsets[l + 1]:offsets[l + 2]][reads] = -B.theta[reads]
            candidates.append(v)
    if not candidates:
        return 0
    R = np.stack(candidates, axis=1)
    like = model.linear_layers[0].reference_param
    ops = CurvatureProducts(model, X, xp.zeros(X.shape[0], dtype=xp.int64, device=device_of(X)),
                            "squared_error")
    u = np.random.default_rng(0).standard_normal((offsets[-1], 1))
    scale = np.linalg.norm(to_numpy(ops.product(xp.asarray(u, dtype=like.dtype), "gauss_newton")))
    GR = np.asarray(to_numpy(ops.product(xp.asarray(R, dtype=like.dtype), "gauss_newton")))
    valid = np.linalg.norm(GR, axis=0) <= 1e-8 * scale / np.linalg.norm(u) * np.linalg.norm(R, axis=0)
    R = R[:, valid]
    for l, basis in enumerate(bases):
        part = R[offsets[l]:offsets[l + 1]]
        part -= basis @ (basis.T @ part)
    return int(np.linalg.matrix_rank(R)) if R.size else 0
