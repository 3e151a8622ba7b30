"""A small pre-LN Transformer classifier for MNIST-1D, ``transformer_classifier``, dense or
with block-circulant (CD) projections and feed-forward layers."""
from __future__ import annotations

from ..layers import Dense, FeedForward, LayerNorm, MultiHeadAttention
from ..layers.composite import child_seeds
from ..shfin.sequence_layers import MeanPool, PositionEmbedding
from ..validation import check_bool, check_int, check_seed
from .classifier import Classifier
from .cnn import check_structure
from .residual import Residual

__all__ = ["transformer_classifier"]


def transformer_classifier(seq_len, d_model, n_heads, n_layers, *, n_classes=10,
                           structure="dense", block_size=None, ffn_hidden=None, causal=False,
                           seed=0, dtype="float64", xp=None):
    """A pre-LN Transformer encoder over the sequence's values: ``(N, seq_len)`` ->
    ``(N, n_classes)``.

    * embedding: ``x_n w + b + pos_n`` per position (a dense ``1 -> d_model`` projection and
      a learned position term, :class:`~cdnotes.shfin.models.PositionEmbedding`);
    * ``n_layers`` blocks ``x ← x + MHA(LN(x))``, ``x ← x + FFN(LN(x))``
      (:class:`Residual` around :class:`~cdnotes.layers.LayerNorm` and
      :class:`~cdnotes.layers.MultiHeadAttention` / :class:`~cdnotes.layers.FeedForward`);
    * a final ``LN``, the mean over positions, a dense head ``d_model -> n_classes``.

    With ``structure="cd"`` the attention projections ``q, k, v, o`` and both feed-forward
    linears are block-circulant with block size ``block_size``; the embedding, the
    LayerNorms and the head stay dense.

    Parameters
    ----------
    seq_len, d_model, n_heads, n_layers : int >= 1
        ``n_heads`` must divide ``d_model``.
    n_classes : int >= 1, default 10
    structure : {"dense", "cd"}, default "dense"
    block_size : int or None
        ``B`` for ``structure="cd"``: must divide ``d_model / n_heads`` and ``ffn_hidden``.
    ffn_hidden : int >= 1 or None
        The feed-forward width (default ``4·d_model``).
    causal : bool, default False
        Each position attends only to itself and earlier positions.
    seed : int
        The embedding, each block's attention and feed-forward, and the head get seeds
        spawned from it.
    dtype : {"float64", "float32"}
    xp : namespace or backend name, default NumPy

    Returns
    -------
    :class:`~cdnotes.models.Classifier`
        Layers ``PositionEmbedding, (Residual(LN, MHA), Residual(LN, FFN)) × n_layers,
        LayerNorm, MeanPool, Dense``. ``n_params = (L + 2)·d + n_layers·(P_attn + P_ffn + 4d)
        + 2d + (d + 1)·n_classes`` with ``P_attn = 4 (d²/B + d)``, ``P_ffn = 2 d h / B + h +
        d`` (``d = d_model``, ``h = ffn_hidden``, ``B = 1`` for dense).
    """
    seq_len = check_int(seq_len, "seq_len", minimum=1)
    d_model = check_int(d_model, "d_model", minimum=1)
    n_heads = check_int(n_heads, "n_heads", minimum=1)
    n_layers = check_int(n_layers, "n_layers", minimum=1)
    n_classes = check_int(n_classes, "n_classes", minimum=1)
    if d_model % n_heads:
        allowed = [h for h in range(1, d_model + 1) if d_model % h == 0]
        raise ValueError(f"n_heads must divide d_model={d_model}; got n_heads={n_heads}; "
                         f"allowed: {', '.join(map(str, allowed))}")
    hidden = 4 * d_model if ffn_hidden is None else check_int(ffn_hidden, "ffn_hidden",
                                                               minimum=1)
    causal = check_bool(causal, "causal")
    B = check_structure(structure, block_size, {"d_model / n_heads": d_model // n_heads,
                                                "ffn_hidden": hidden})
    check_seed(seed)
    seeds = child_seeds(seed, 2 * n_layers + 2)
    kw = dict(dtype=dtype, xp=xp)
    cd = {"structure": structure, "block_size": B}
    note = f"cd (B={B})" if B is not None else "dense"

    layers = [PositionEmbedding(seq_len, d_model, seed=seeds[0], **kw)]
    notes = ["dense: the embedding from one value" if B is not None else "dense"]
    for i in range(n_layers):
        attention = MultiHeadAttention(d_model, n_heads, causal=causal, seed=seeds[1 + 2 * i],
                                       **cd, **kw)
        ffn = FeedForward(d_model, hidden, seed=seeds[2 + 2 * i], **cd, **kw)
        layers += [Residual(d_model, {"norm": LayerNorm(d_model, **kw), "attention": attention}),
                   Residual(d_model, {"norm": LayerNorm(d_model, **kw), "ffn": ffn})]
        notes += [f"{note}: q, k, v, o (LayerNorm dense)",
                  f"{note}: linear1, linear2 (LayerNorm dense)"]
    layers += [LayerNorm(d_model, **kw), MeanPool(),
               Dense(d_model, n_classes, seed=seeds[-1], **kw)]
    notes += ["dense" if B is None else "dense: LayerNorm", "",
              "dense: the head onto n_classes" if B is not None else "dense"]
    extra = f", block_size={B}" if B is not None else ""
    name = (f"transformer_classifier(seq_len={seq_len}, d_model={d_model}, n_heads={n_heads}, "
            f"n_layers={n_layers}, n_classes={n_classes}, ffn_hidden={hidden}, "
            f"causal={causal}, structure={structure!r}{extra})")
    return Classifier(layers, seq_len, n_classes, name=name, notes=notes)
