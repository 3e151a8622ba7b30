"""SHFIN: every piece's VJP against central differences, the block against a slow reference.

The reference (:func:`reference_block`) is written with loops over patches and levels,
``numpy.fft`` per patch and explicit mask values, so it shares no code with the kernels.
"""
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import cdnotes
from cdnotes.gradcheck import numerical_gradient, relative_error
from cdnotes.shfin import SHFINBlock
from cdnotes.shfin import kernels as K
from cdnotes.shfin.models import (Conv1D, PositionEmbedding, cnn_classifier, shfin_classifier)
from conftest import asarray, host

TOL = 1e-7


# ----------------------------------------------------------------------------
# Central differences of complex-valued functions (slow, obvious).
# ----------------------------------------------------------------------------

def _probe(out, R):
    """Σ Re(conj(R) out): a real loss whose gradient w.r.t. ``out`` is ``R``."""
    return float(np.sum(np.real(np.conj(R) * out)))


def numeric_grads(f, inputs, R, eps=1e-6):
    """``{name: ∂L/∂Re + i ∂L/∂Im}`` of ``L = probe(f(**inputs), R)`` by central differences."""
    out = {}
    for name, value in inputs.items():
        value = np.asarray(value)

        def loss_re(x, name=name, value=value):
            v = x + 1j * np.imag(value) if np.iscomplexobj(value) else x
            return _probe(f(**{**inputs, name: v}), R)

        g = numerical_gradient(loss_re, np.real(value), eps=eps)
        if np.iscomplexobj(value):
            def loss_im(y, name=name, value=value):
                return _probe(f(**{**inputs, name: np.real(value) + 1j * y}), R)

            g = g + 1j * numerical_gradient(loss_im, np.imag(value), eps=eps)
        out[name] = g
    return out


def rel(a, b):
    """Relative error of complex (or real) arrays, compared as real/imaginary pairs."""
    a, b = np.asarray(a), np.asarray(b)
    return relative_error(np.stack([a.real, a.imag]), np.stack([b.real, b.imag]))


def crandn(rng, *shape):
    return rng.standard_normal(shape) + 1j * rng.standard_normal(shape)


# ----------------------------------------------------------------------------
# Pieces.
# ----------------------------------------------------------------------------

@pytest.mark.parametrize("s", [4, 5, 8])
def test_patch_rfft_matches_a_per_patch_dft_and_its_vjp(rng, s):
    X = rng.standard_normal((2, 3 * s, 2))
    F = K.patch_rfft(np, X, s)
    n = np.arange(s)
    dft = np.exp(-2j * np.pi * np.outer(np.arange(s // 2 + 1), n) / s) / np.sqrt(s)
    for p in range(3):
        ref = np.einsum("fn,bnc->bfc", dft, X[:, p * s:(p + 1) * s, :])
        assert np.allclose(F[:, p], ref, atol=1e-12)
    R = crandn(rng, *F.shape)
    num = numeric_grads(lambda X: K.patch_rfft(np, X, s), {"X": X}, R)
    assert rel(K.patch_rfft_vjp(np, R, s), num["X"]) < TOL


@pytest.mark.parametrize("s", [4, 5, 8])
def test_patch_irfft_vjp(rng, s):
    G = crandn(rng, 2, 3, s // 2 + 1, 2)
    R = rng.standard_normal((2, 3 * s, 2))
    num = numeric_grads(lambda G: K.patch_irfft(np, G, s), {"G": G}, R)
    assert rel(K.patch_irfft_vjp(np, R, s), num["G"]) < TOL
    # and it inverts patch_rfft
    X = rng.standard_normal((2, 3 * s, 2))
    assert np.allclose(K.patch_irfft(np, K.patch_rfft(np, X, s), s), X, atol=1e-12)


def test_gather_and_scatter_are_adjoint(rng):
    idx = np.array([0, 2, 5])
    position = np.full(7, 3)
    position[idx] = np.arange(3)
    Z, G = crandn(rng, 2, 3, 3, 4), crandn(rng, 2, 3, 7, 4)
    full = K.scatter(np, Z, position)
    assert np.array_equal(full[:, :, idx], Z)
    assert np.all(full[:, :, [1, 3, 4, 6]] == 0)
    lhs = np.sum(np.real(np.conj(full) * G))
    rhs = np.sum(np.real(np.conj(Z) * K.gather(np, G, idx)))
    assert math.isclose(lhs, rhs, rel_tol=1e-12)


def test_complex_matmul_vjp(rng):
    Z, W = crandn(rng, 2, 3, 4, 5), crandn(rng, 5, 2)
    R = crandn(rng, 2, 3, 4, 2)
    num = numeric_grads(lambda Z, W: K.complex_matmul(np, Z, W), {"Z": Z, "W": W}, R)
    dZ, dW = K.complex_matmul_vjp(np, R, Z, W)
    assert rel(dZ, num["Z"]) < TOL
    assert rel(dW, num["W"]) < TOL


def test_spectral_attention_matches_its_formula_and_vjp(rng):
    Z = crandn(rng, 2, 3, 4, 5)
    Wq, Wk, Wv = crandn(rng, 5, 2), crandn(rng, 5, 2), crandn(rng, 5, 5)
    M, cache = K.spectral_attention(np, Z, Wq, Wk, Wv)
    Q, Kk, V = Z @ Wq, Z @ Wk, Z @ Wv
    S = np.real(Q @ np.conj(np.swapaxes(Kk, -1, -2))) / np.sqrt(2)
    A = np.exp(S) / np.exp(S).sum(-1, keepdims=True)
    assert np.allclose(M, A @ V, atol=1e-12)
    R = crandn(rng, *M.shape)
    num = numeric_grads(lambda **a: K.spectral_attention(np, **a)[0],
                        {"Z": Z, "Wq": Wq, "Wk": Wk, "Wv": Wv}, R)
    for name, g in zip(("Z", "Wq", "Wk", "Wv"), K.spectral_attention_vjp(np, R, cache)):
        assert rel(g, num[name]) < TOL, name


@pytest.mark.parametrize("k,tau", [(1, 1.0), (3, 0.5), (6, 2.0)])
def test_relaxed_topk_vjp_and_properties(rng, k, tau):
    scores = rng.standard_normal(7)
    soft, cache = K.relaxed_topk(np, scores, k, tau)
    assert math.isclose(soft.sum(), k, rel_tol=1e-12)
    assert np.all(soft >= 0)
    R = rng.standard_normal(7)
    num = numeric_grads(lambda scores: K.relaxed_topk(np, scores, k, tau)[0], {"scores": scores}, R)
    assert rel(K.relaxed_topk_vjp(np, R, cache), num["scores"]) < 1e-6


def test_relaxed_topk_tends_to_the_hard_top_k(rng):
    scores = rng.standard_normal(9)
    hard = np.zeros(9)
    hard[np.argsort(-scores)[:4]] = 1
    assert np.array_equal(K.hard_topk(np, scores, 4), np.sort(np.argsort(-scores)[:4]))
    errors = [np.abs(K.relaxed_topk(np, scores, 4, tau)[0] - hard).max() for tau in (1, 0.1, 0.01)]
    assert errors[0] > errors[1] > errors[2] and errors[2] < 1e-3


def test_layer_norm_and_vjp(rng):
    H, gamma, beta = rng.standard_normal((3, 4, 6)), rng.standard_normal(6), rng.standard_normal(6)
    Y, cache = K.layer_norm(np, H, gamma, beta, 1e-5)
    ref = (H - H.mean(-1, keepdims=True)) / np.sqrt(H.var(-1, keepdims=True) + 1e-5) * gamma + beta
    assert np.allclose(Y, ref, atol=1e-12)
    R = rng.standard_normal(Y.shape)
    num = numeric_grads(lambda **a: K.layer_norm(np, **a)[0], {"H": H, "gamma": gamma,
                                                              "beta": beta}, R)
    for name, g in zip(("H", "gamma", "beta"), K.layer_norm_vjp(np, R, cache)):
        assert rel(g, num[name]) < TOL, name


# ----------------------------------------------------------------------------
# The block against a slow reference.
# ----------------------------------------------------------------------------

def reference_block(block, X, selections, mask_values=None):
    """Loops over levels and patches, numpy.fft (orthonormal) per patch, explicit (or given)
    mask values."""
    p = {name: host(v) for name, v in block.params.items()}
    N, L, C = X.shape
    H = X.copy()
    for level, s in enumerate(block.patch_sizes):
        idx = selections[level]
        m = np.ones(len(idx)) if mask_values is None else mask_values[level]
        for start in range(0, L, s):
            F = np.fft.rfft(X[:, start:start + s, :], axis=1, norm="ortho")   # (N, s//2+1, C)
            Z = F[:, idx, :] * m[None, :, None]
            if block.mixing == "attention":
                Wq, Wk, Wv = (p[f"w{n}{level}"][0] + 1j * p[f"w{n}{level}"][1] for n in "qkv")
                Q, Kk, V = Z @ Wq, Z @ Wk, Z @ Wv
                S = np.real(np.einsum("nir,njr->nij", Q, np.conj(Kk))) / np.sqrt(block.rank)
                A = np.exp(S - S.max(-1, keepdims=True))
                Z = (A / A.sum(-1, keepdims=True)) @ V
            full = np.zeros(F.shape, dtype=complex)
            full[:, idx, :] = Z
            H[:, start:start + s, :] += np.fft.irfft(full, n=s, axis=1, norm="ortho")
    mu, var = H.mean(-1, keepdims=True), H.var(-1, keepdims=True)
    return (H - mu) / np.sqrt(var + block.eps) * p["gamma"] + p["beta"]


CONFIGS = [dict(mask="learned", mixing="attention"), dict(mask="lowpass", mixing="attention"),
           dict(mask="all", mixing="identity"), dict(mask="learned", mixing="identity")]


def _block(xp=None, seq_len=12, channels=3, **kw):
    args = dict(patch_sizes=(4, 12), k=(2, 3), rank=2, seed=3, xp=xp)
    args.update(kw)
    return SHFINBlock(seq_len, channels, **args)


@pytest.mark.parametrize("config", CONFIGS, ids=lambda c: f"{c['mask']}-{c['mixing']}")
def test_block_forward_matches_the_reference(rng, config):
    block = _block(**config).eval()
    X = rng.standard_normal((2, 12, 3))
    sel = block.retained_frequencies()
    assert np.allclose(block.forward(X), reference_block(block, X, sel), atol=1e-12)


@pytest.mark.parametrize("config", CONFIGS, ids=lambda c: f"{c['mask']}-{c['mixing']}")
def test_block_gradcheck_in_evaluation_mode(backend, xp, rng, config):
    block = _block(xp=xp, **config).eval()
    X = asarray(xp, rng.standard_normal((2, 12, 3)))
    result = cdnotes.gradcheck(block, X)
    assert result.passed(1e-6), result
    if config["mask"] == "learned":          # a step function of the logits: zero gradient
        assert result.errors["logits0"] == 0.0


# C >= 3: LayerNorm over 1 or 2 channels is (nearly) constant, its gradient ~0, and a
# relative error of central differences measures only their rounding.
@given(L_mult=st.integers(1, 3), s=st.sampled_from([2, 3, 4, 6]), C=st.integers(3, 4),
       rank=st.integers(1, 3), data=st.data())
def test_block_gradcheck_over_shapes(L_mult, s, C, rank, data):
    L = s * 2 * L_mult
    f = s // 2 + 1
    k = data.draw(st.integers(1, f))
    block = SHFINBlock(L, C, patch_sizes=(s, L), k=(k, min(k, L // 2 + 1)), rank=rank,
                       seed=data.draw(st.integers(0, 9))).eval()
    X = np.random.default_rng(L + C).standard_normal((2, L, C))
    assert np.allclose(block.forward(X), reference_block(block, X, block.retained_frequencies()),
                       atol=1e-11)
    assert cdnotes.gradcheck(block, X).passed(1e-6)


def test_training_mode_straight_through_gradient(rng):
    """Training: the forward pass is the hard top-k of the perturbed logits; the logits'
    gradient is the relaxation's VJP of ∂L/∂m, with ∂L/∂m by central differences of the
    reference in the mask values; the weights' gradients are exact for that selection."""
    block = _block(mask="learned", mixing="attention").train()
    X = rng.standard_normal((2, 12, 3))
    state = block._noise.bit_generator.state
    Y = block.forward(X)
    noise = np.random.default_rng()
    noise.bit_generator.state = state
    sel, relax = [], []
    for level, f in enumerate(block.n_freq):
        scores = host(block.params[f"logits{level}"]) + noise.gumbel(size=f)
        sel.append(np.sort(np.argsort(-scores, kind="stable")[:block.k[level]]))
        relax.append(K.relaxed_topk(np, scores, block.k[level], block.tau)[1])
    assert np.allclose(Y, reference_block(block, X, sel), atol=1e-12)
    R = rng.standard_normal(Y.shape)
    block.backward(R)
    for level, f in enumerate(block.n_freq):
        def loss(m, level=level):
            values = [np.ones(len(s)) for s in sel]
            values[level] = m[sel[level]]
            return float(np.sum(R * reference_block(block, X, sel, values)))

        dm = numerical_gradient(loss, np.ones(f))
        dm[np.setdiff1d(np.arange(f), sel[level])] = 0.0     # frequencies not kept: no path
        expected = K.relaxed_topk_vjp(np, dm, relax[level])
        assert rel(block.grads[f"logits{level}"], expected) < 1e-7


def test_seeded_blocks_repeat_and_differ(rng):
    X = rng.standard_normal((2, 12, 3))
    a, b, c = _block(seed=5).train(), _block(seed=5).train(), _block(seed=6).train()
    outs = [[blk.forward(X) for _ in range(3)] for blk in (a, b, c)]
    assert all(np.array_equal(u, v) for u, v in zip(outs[0], outs[1]))
    assert not np.allclose(outs[0][0], outs[2][0])


def test_retained_frequencies(rng):
    block = _block(mask="learned")
    for level, kept in enumerate(block.retained_frequencies()):
        logits = host(block.params[f"logits{level}"])
        assert np.array_equal(kept, np.sort(np.argsort(-logits)[:block.k[level]]))
    assert [r.tolist() for r in _block(mask="lowpass").retained_frequencies()] == [[0, 1],
                                                                                    [0, 1, 2]]
    assert [r.size for r in _block(mask="all").retained_frequencies()] == [3, 7]
    assert block.training            # restored


def test_block_on_every_backend_matches_numpy(backend, xp, rng):
    X = rng.standard_normal((2, 12, 3))
    R = rng.standard_normal((2, 12, 3))
    a, b = _block().train(), _block(xp=xp).train()          # same seed: same noise stream
    for _ in range(2):
        assert np.allclose(host(b.forward(asarray(xp, X))), a.forward(X), atol=1e-12)
        assert np.allclose(host(b.backward(asarray(xp, R))), a.backward(R), atol=1e-12)
        for name in a.params:
            assert np.allclose(host(b.grads[name]), a.grads[name], atol=1e-11), name


@pytest.mark.parametrize("make", [lambda **kw: shfin_classifier(12, 3, 4, patch_sizes=(4, 12),
                                                                k=2, rank=2, ffn=4, seed=1, **kw),
                                  lambda **kw: cnn_classifier(12, 3, 4, seed=1, **kw)],
                         ids=["shfin", "cnn"])
def test_classifiers_train_on_every_backend_like_numpy(backend, xp, make):
    from cdnotes.train import TrainConfig, train
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((20, 12)), np.arange(20) % 4
    config = TrainConfig(epochs=2, lr=1e-2, optimizer="adam", batch_size=10)  # divides N
    a, b = make(), make(xp=xp)
    ha = train(a, X, y, X, y, config=config, seed=0)
    hb = train(b, asarray(xp, X), xp.asarray(y), asarray(xp, X), xp.asarray(y), config=config,
               seed=0)
    assert np.allclose(ha.train_loss, hb.train_loss, rtol=1e-9)
    assert ha.test_accuracy == hb.test_accuracy


def test_time_forward_rows():
    from cdnotes.shfin.cost import time_forward
    rows = time_forward([16, 32], repeats=1, backend="array_api_strict")
    assert [r["seq_len"] for r in rows] == [16, 32]
    assert all(r["shfin_seconds"] > 0 and r["attention_seconds"] > 0 for r in rows)


def test_param_shapes_and_count():
    block = _block()
    assert {n: tuple(p.shape) for n, p in block.params.items()} == block.param_shapes()
    assert block.n_params == 3 + 7 + 2 * (2 * 3 * 2 * 2 + 2 * 3 * 3) + 6


# ----------------------------------------------------------------------------
# Models.
# ----------------------------------------------------------------------------

def _layer_fd(layer, X, R, name):
    """Central differences of Σ R ⊙ layer.forward_2d(X) w.r.t. params[name] (or X)."""
    orig = layer.params.get(name)

    def loss(v):
        if name == "X":
            return float(np.sum(R * layer.forward_2d(np, v)))
        layer.params[name] = v
        return float(np.sum(R * layer.forward_2d(np, X)))

    g = numerical_gradient(loss, X if name == "X" else orig)
    if orig is not None:
        layer.params[name] = orig
    return g


@pytest.mark.parametrize("stride,padding", [(1, 0), (2, 2), (3, 1)])
def test_conv1d_matches_a_loop_and_its_gradients(rng, stride, padding):
    conv = Conv1D(11, 2, 3, 4, stride=stride, padding=padding, seed=0)
    X = rng.standard_normal((2, 11, 2))
    Y = conv.forward_2d(np, X)
    W, b = conv.params["W"], conv.params["b"]
    Xp = np.pad(X, ((0, 0), (padding, padding), (0, 0)))
    ref = np.array([[[b[o] + np.sum(W[o] * Xp[n, t * stride:t * stride + 4]) for o in range(3)]
                     for t in range(conv.out_len)] for n in range(2)])
    assert np.allclose(Y, ref, atol=1e-12)
    R = rng.standard_normal(Y.shape)
    dX = conv.backward_2d(np, R)
    grads = dict(conv.grads)
    for name in ("W", "b", "X"):
        analytic = dX if name == "X" else grads[name]
        assert rel(analytic, _layer_fd(conv, X, R, name)) < TOL, name


def test_position_embedding_gradients(rng):
    emb = PositionEmbedding(6, 3, seed=0)
    X = rng.standard_normal((4, 6))
    R = rng.standard_normal((4, 6, 3))
    emb.forward_2d(np, X)
    dX = emb.backward_2d(np, R)
    grads = dict(emb.grads)
    for name in ("w", "b", "pos", "X"):
        analytic = dX if name == "X" else grads[name]
        assert rel(analytic, _layer_fd(emb, X, R, name)) < TOL, name


@pytest.mark.parametrize("make", [lambda: shfin_classifier(12, 3, 4, n_blocks=2, patch_sizes=(4, 12),
                                                           k=2, rank=2, seed=1),
                                  lambda: shfin_classifier(12, 3, 4, patch_sizes=(4, 12), k=2,
                                                           rank=2, ffn=5, seed=1),
                                  lambda: cnn_classifier(12, 3, 4, seed=1)],
                         ids=["shfin", "shfin-ffn", "cnn"])
def test_classifier_gradients_end_to_end(rng, make):
    model = make().eval()
    X = rng.standard_normal((3, 12))
    R = rng.standard_normal((3, model.n_classes))
    model.forward_2d(np, X)
    model.backward_2d(np, R)
    for li, layer in enumerate(model.linear_layers):
        for name, p in layer.params.items():
            analytic = np.array(layer.grads[name])

            def loss(v, layer=layer, name=name):
                old = layer.params[name]
                layer.params[name] = v
                out = float(np.sum(R * model.forward_2d(np, X)))
                layer.params[name] = old
                return out

            assert rel(analytic, numerical_gradient(loss, p)) < 1e-6, (li, name)


def test_classifier_trains_with_the_library_loop():
    from cdnotes.train import TrainConfig, accuracy, train
    rng = np.random.default_rng(0)
    y = np.arange(120) % 2
    t = np.arange(16)
    X = np.where(y[:, None] == 1, np.sin(2 * np.pi * 4 * t / 16), np.sin(2 * np.pi * t / 16))
    X = X + 0.3 * rng.standard_normal(X.shape)
    model = shfin_classifier(16, 4, 2, patch_sizes=(8, 16), k=2, rank=2, seed=0)
    history = train(model, X, y, X, y, config=TrainConfig(epochs=15, lr=1e-2, optimizer="adam",
                                                          batch_size=16), seed=0)
    assert history.train_loss[-1] < history.train_loss[0]
    assert accuracy(model, X, y) > 0.9
    assert not model.layers[1].training      # the loop leaves it in evaluation mode


def test_bad_block_arguments_name_the_allowed_values():
    with pytest.raises(ValueError, match=r"does not divide seq_len 12.*\[1, 2, 3, 4, 6, 12\]"):
        SHFINBlock(12, 3, patch_sizes=(5,), k=1, rank=1)
    with pytest.raises(ValueError, match=r"k must be in \[1, 3\]"):
        SHFINBlock(12, 3, patch_sizes=(4,), k=4, rank=1)
    with pytest.raises(ValueError, match="rank must be a positive integer"):
        SHFINBlock(12, 3, patch_sizes=(4,), k=1, rank=0)
    block = SHFINBlock(12, 3, patch_sizes=(4,), k=1, rank=1)
    with pytest.raises(ValueError, match=r"\(N, 12, 3\)"):
        block.forward(np.zeros((2, 12, 4)))
    with pytest.raises(ValueError, match=r"\(N, 12, 3\)"):
        block.forward(np.zeros((12, 3)))


# ----------------------------------------------------------------------------
# Cost and experiment.
# ----------------------------------------------------------------------------

def test_self_attention_matches_a_loop(rng):
    from cdnotes.shfin.cost import SelfAttention
    att = SelfAttention(3, 2, seed=0)
    X = rng.standard_normal((2, 5, 3))
    p = att.params
    out = np.empty_like(X)
    for n in range(2):
        Q, Kk, V = X[n] @ p["wq"], X[n] @ p["wk"], X[n] @ p["wv"]
        for i in range(5):
            s = np.array([Q[i] @ Kk[j] for j in range(5)]) / np.sqrt(2)
            a = np.exp(s) / np.exp(s).sum()
            h = X[n, i] + a @ V
            out[n, i] = (h - h.mean()) / np.sqrt(h.var() + 1e-5)
    assert np.allclose(att.forward(X), out, atol=1e-12)


def test_flop_counts_scale_as_stated():
    from cdnotes.shfin.cost import attention_flops, shfin_flops
    local = [shfin_flops(L, 16, (16,), 4, 4) for L in (256, 512, 1024)]
    assert math.isclose(local[1] / local[0], 2.0) and math.isclose(local[2] / local[1], 2.0)
    glob = [shfin_flops(L, 16, (16, L), (4, 8), 4) for L in (1024, 2048)]
    assert 2.0 < glob[1] / glob[0] < 2.2                  # L log L
    att = [attention_flops(L, 16, 4) for L in (4096, 8192)]
    assert 3.9 < att[1] / att[0] <= 4.0                   # L²


def test_matched_parameter_counts():
    from cdnotes.experiments.shfin import MAIN_VARIANTS, make_variant
    counts = {v: make_variant(v, 0).n_params for v in MAIN_VARIANTS}
    assert max(counts.values()) / min(counts.values()) < 1.1, counts


def test_experiment_end_to_end_small(tmp_path):
    from cdnotes.experiments.shfin import cost_fits, mask_histogram, shfin_results, summary_rows
    from cdnotes.cli import main
    from cdnotes.results import read_json
    out = tmp_path / "s.json"
    assert main(["shfin", "--seeds", "0", "1", "--variants", "shfin_k2", "mlp", "--epochs", "1",
                 "--lengths", "16", "32", "64", "--cost-repeats", "1", "--quiet",
                 "--out", str(out)]) == 0
    result = read_json(out)
    rows = summary_rows(result)
    assert [r["variant"] for r in rows] == ["shfin_k2", "mlp"]
    assert all(0 <= r["estimate"].mean <= 1 for r in rows)
    hist = mask_histogram(result, "shfin_k2")
    assert [h["patch_size"] for h in hist] == [8, 40]
    assert [sum(h["counts"]) for h in hist] == [2 * 2, 2 * 4]      # K per level, two seeds
    fits = cost_fits(result, min_length=16)
    assert set(fits) == {"shfin_seconds", "attention_seconds", "shfin_flops", "attention_flops"}
    assert fits["attention_flops"] > fits["shfin_flops"]
    view = shfin_results(result)
    assert result["command"] == "shfin" and result["cost_config"]["lengths"] == [16, 32, 64]
    assert view["environment"]["backend"] == "numpy" and view["config"]["seeds"] == [0, 1]
    assert view["config"]["cost"]["repeats"] == 1 and len(view["cost"]) == 3


def test_summaries_read_the_committed_layout():
    from cdnotes.experiments.shfin import (cost_fits, late_slope, mask_histogram, shfin_results,
                                           summary_rows)
    from cdnotes.measurements import load_measurement
    for name in ("shfin_mnist1d", "shfin_mnist1d_30epochs"):
        committed = load_measurement(name)
        assert shfin_results(committed) is committed
        rows = summary_rows(committed)
        assert {r["variant"] for r in rows} == set(committed["config"]["variants"])
        assert mask_histogram(committed)[0]["runs"] == len(committed["config"]["seeds"])
        assert late_slope(committed, "shfin").n == len(committed["config"]["seeds"])
    assert set(cost_fits(load_measurement("shfin_mnist1d"))) >= {"shfin_flops"}


SMALLEST = ["shfin", "--seeds", "0", "1", "--variants", "mlp", "--epochs", "1", "--lengths",
            "--quiet"]


def test_shfin_jobs_1_and_2_give_identical_records(tmp_path):
    import json
    from cdnotes.cli import main
    from cdnotes.engine import strip_timings
    from cdnotes.results import read_json
    one, two = tmp_path / "one.json", tmp_path / "two.json"
    assert main([*SMALLEST, "--jobs", "1", "--out", str(one)]) == 0
    assert main([*SMALLEST, "--jobs", "2", "--out", str(two)]) == 0
    a, b = (strip_timings(read_json(p)["records"]) for p in (one, two))
    assert json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)
    assert len({json.dumps(r["train_loss"]) for r in a}) == 2 and read_json(two)["cost"] == []


@pytest.mark.parametrize("lengths,words", [(["1048576"], "longest length that fits"),
                                           (["24"], "multiple of 16"),
                                           (["16", "16"], "distinct")])
def test_shfin_refuses_lengths_before_training(lengths, words, tmp_path, capsys, monkeypatch):
    import cdnotes.experiments.shfin.runs as runs
    from cdnotes.cli import main
    monkeypatch.setattr(runs, "run_variant", lambda *a, **k: pytest.fail("trained"))
    with pytest.raises(SystemExit) as info:
        main(["shfin", "--quiet", "--lengths", *lengths, "--out", str(tmp_path / "s.json")])
    err = capsys.readouterr().err
    assert info.value.code == 2 and "--lengths" in err and words in err


def test_attention_memory_and_its_cap():
    from cdnotes.experiments.shfin import attention_memory_bytes, check_cost_lengths
    assert attention_memory_bytes(1024) == 3 * 4 * 1024 ** 2 * 8
    assert attention_memory_bytes(2 ** 20) == 96 * 2 ** 40                   # 96 TiB
    cap = attention_memory_bytes(8192)
    assert check_cost_lengths([64, 8192], cap=cap) == [64, 8192]
    with pytest.raises(ValueError, match="needs 6.0 GiB .* longest length that fits is 8192"):
        check_cost_lengths([8208], cap=cap)


def test_welch_interval_matches_scipy(rng):
    from scipy import stats
    from cdnotes.experiments.shfin import relation
    from cdnotes.stats import welch_difference_ci
    a, b = rng.normal(0.5, 0.1, 5), rng.normal(0.3, 0.3, 7)
    e = welch_difference_ci(a, b)
    ci = stats.ttest_ind(a, b, equal_var=False).confidence_interval(0.95)
    assert math.isclose(e.low, ci.low, rel_tol=1e-10) and math.isclose(e.high, ci.high,
                                                                       rel_tol=1e-10)
    assert relation(a + 10, a) == "above" and relation(a, a + 10) == "below"
    assert relation(a, a + 1e-9 * rng.standard_normal(5)) == "indistinguishable from"


# -- the chapter's statistics: still improving, and the kept bins against chance -------------
def _brute_force_energy_test(kept, power):
    """Every way of drawing ``k`` of ``n`` bins per run, enumerated: the chance probabilities
    of kept_energy_test counted directly."""
    import itertools

    order = sorted(range(len(power)), key=lambda b: (-power[b], b))
    rank = {b: i for i, b in enumerate(order)}
    n, k = len(power), len(kept[0])
    top, bottom = set(order[:k]), set(order[n - k:])

    def stats_of(sets):
        return (sum(len(top & set(x)) for x in sets), sum(len(bottom & set(x)) for x in sets),
                sum(rank[b] for x in sets for b in x))

    seen = stats_of(kept)
    draws = [stats_of(c) for c in itertools.product(itertools.combinations(range(n), k),
                                                    repeat=len(kept))]
    frac = lambda cond: sum(map(cond, draws)) / len(draws)
    return {"top_overlap": seen[0] / (k * len(kept)), "bottom_overlap": seen[1] / (k * len(kept)),
            "overlap_chance": np.mean([d[0] for d in draws]) / (k * len(kept)),
            "p_top_low": frac(lambda d: d[0] <= seen[0]),
            "p_top_high": frac(lambda d: d[0] >= seen[0]),
            "p_bottom_high": frac(lambda d: d[1] >= seen[1]),
            "position": seen[2] / (k * len(kept) * (n - 1)),
            "position_chance": np.mean([d[2] for d in draws]) / (k * len(kept) * (n - 1)),
            "p_least": frac(lambda d: d[2] >= seen[2]), "p_most": frac(lambda d: d[2] <= seen[2])}


@pytest.mark.parametrize("kept, power", [
    ([[0, 2, 3, 4], [1, 2, 3, 4], [0, 2, 3, 4]], [4.2, 1.3, 0.38, 0.12, 0.09]),   # chapter 12's s = 8
    ([[1, 3], [0, 4], [2, 3]], [0.5, 3.0, 0.1, 2.0, 1.0, 0.7]),
    ([[5, 1, 2]], [1.0, 1.0, 3.0, 0.2, 0.5, 2.0, 0.1]),                            # a tie
])
def test_kept_energy_test_matches_enumerating_every_draw(kept, power):
    from cdnotes.experiments.shfin import kept_energy_test

    got = kept_energy_test(kept, power)
    want = _brute_force_energy_test(kept, power)
    for key, value in want.items():
        assert got[key] == pytest.approx(value, abs=1e-12), key
    assert (got["n"], got["k"], got["runs"]) == (len(power), len(kept[0]), len(kept))


def test_kept_energy_test_matches_monte_carlo_at_the_chapters_global_size():
    """n = 21 bins, k = 8, five runs (too many draws to enumerate): against 40,000 random
    masks; the tolerance is five binomial standard errors."""
    from cdnotes.experiments.shfin import energy_ranks, kept_energy_test

    rng = np.random.default_rng(0)
    power = rng.gamma(2.0, size=21)
    kept = [[2, 8, 10, 11, 12, 13, 14, 19], [3, 8, 9, 10, 11, 14, 18, 20],
            [2, 4, 7, 8, 9, 10, 12, 15], [2, 9, 10, 11, 12, 13, 16, 18],
            [2, 3, 8, 9, 11, 13, 16, 19]]
    got = kept_energy_test(kept, power)
    ranks = energy_ranks(power)
    top = ranks < 8
    draws = 40_000
    masks = np.argsort(rng.random((draws, 5, 21)), axis=-1)[..., :8]      # 8 of 21, per run
    top_total = top[masks].sum(axis=(1, 2))
    rank_total = ranks[masks].sum(axis=(1, 2))
    seen_top = sum(top[x].sum() for x in map(np.array, kept))
    seen_rank = sum(ranks[x].sum() for x in map(np.array, kept))
    for p, mc in [(got["p_top_low"], np.mean(top_total <= seen_top)),
                  (got["p_top_high"], np.mean(top_total >= seen_top)),
                  (got["p_least"], np.mean(rank_total >= seen_rank)),
                  (got["p_most"], np.mean(rank_total <= seen_rank))]:
        assert abs(p - mc) <= 5 * math.sqrt(max(p * (1 - p), 1e-4) / draws) + 1e-9
    assert got["overlap_chance"] == pytest.approx(8 / 21)
    assert np.mean(top_total) / 40 == pytest.approx(8 / 21, abs=0.01)


def test_kept_energy_test_refuses_unequal_or_repeated_bins():
    from cdnotes.experiments.shfin import kept_energy_test

    with pytest.raises(ValueError, match="same number"):
        kept_energy_test([[0, 1], [0, 1, 2]], [3.0, 2.0, 1.0, 0.5])
    with pytest.raises(ValueError, match="same number"):
        kept_energy_test([[0, 0]], [3.0, 2.0, 1.0])
    with pytest.raises(ValueError, match="between"):
        kept_energy_test([[0, 1, 2]], [3.0, 2.0, 1.0])


def test_late_slope_is_each_seeds_least_squares_slope():
    from cdnotes.experiments.shfin import late_slope

    curves = [[0.1, 0.2, 0.30, 0.34, 0.40], [0.1, 0.2, 0.31, 0.33, 0.33],
              [0.2, 0.2, 0.25, 0.30, 0.32]]
    result = {"records": [{"variant": "x", "test_accuracy": c} for c in curves]
              + [{"variant": "y", "test_accuracy": [0.5, 0.5, 0.5]}]}
    e = late_slope(result, "x", last=3)

    def slope(y):                                        # cov(x, y) / var(x), written out
        x = [0.0, 1.0, 2.0]
        mx, my = sum(x) / 3, sum(y) / 3
        return sum((a - mx) * (b - my) for a, b in zip(x, y)) / sum((a - mx) ** 2 for a in x)

    want = [slope(c[-3:]) for c in curves]
    assert e.mean == pytest.approx(np.mean(want)) and e.n == 3
    assert e.std == pytest.approx(np.std(want, ddof=1))
    with pytest.raises(ValueError, match="no runs"):
        late_slope(result, "z")
    with pytest.raises(ValueError, match="epochs"):
        late_slope(result, "y", last=4)


def test_compared_text_groups_equal_verdicts_once():
    from cdnotes.experiments.shfin import compared_text
    both = compared_text({"the low-pass mask": "above", "no mask": "above"}, "the learned")
    assert both == "the low-pass mask and no mask both did better than the learned"
    assert both.count("better") == 1
    mixed = compared_text({"A": "below", "B": "indistinguishable from", "C": "below"}, "R")
    assert mixed == ("A and C both did worse than R, and B did not measurably differ "
                     "from it")
    three = compared_text({"A": "above", "B": "above", "C": "above"}, "R")
    assert three == "A, B and C all did better than R"
    with pytest.raises(ValueError):
        compared_text({}, "R")


def test_parts_text_puts_parameter_counts_beside_the_verdict():
    from cdnotes.experiments.shfin import parts_text
    text = parts_text({"the mixing": ("above", 1764), "one level": ("above", 4319),
                       "the selection": ("indistinguishable from", 6884)}, 6884)
    assert text.startswith("the mixing (1,764 parameters without it) and one level "
                           "(4,319 parameters without it) both measurably helped; "
                           "the selection (6,884 parameters without it) made no "
                           "measurable difference; the full block has 6,884 parameters")
    assert "removing the mixing or one level also removes parameters" in text
    assert "capacity they add" in text
    # a part that removes no parameter, made no difference or hurt is not confounded
    assert "capacity" not in parts_text({"the selection": ("above", 6884),
                                         "the mixing": ("indistinguishable from", 100),
                                         "the masks": ("below", 6858)}, 6884)
    one = parts_text({"the mixing": ("above", 1764), "the masks": ("below", 6858)}, 6884)
    assert "measurably hurt" in one and "removing the mixing also" in one
    assert "its effect is" in one and "the masks also" not in one
