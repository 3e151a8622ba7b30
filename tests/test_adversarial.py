"""Adversarial pass: bad input thrown at every public function and class of cdnotes.

Each trial calls the library with one bad argument (wrong shape or rank, empty, NaN/inf,
float16, integer, bool, complex, strings, ``None``, negative / zero / non-integer sizes,
mixed backends or dtypes, out-of-range labels, ...) and classifies what happens:

``clear``
    a ``TypeError``/``ValueError`` (or ``KeyError``/``RuntimeError``/``AttributeError``/
    ``FileNotFoundError``; an argparse usage error, exit status 2, for the command line)
    whose message names the argument (one of the trial's words, matched as a whole word);
``cryptic``
    any other exception, or one whose message does not name the argument (typically an
    error from deep inside NumPy/SciPy);
``silent``
    no exception at all: a result computed from bad input.

The test asserts that every trial is ``clear``. Run the module as a script for the counts
and the list of every trial that is not::

    PYTHONPATH=. python tests/test_adversarial.py [-v]
"""
from __future__ import annotations

import atexit
import contextlib
import io
import os
import re
import shutil
import sys
import tempfile
import traceback
import warnings
from dataclasses import dataclass

import numpy as np
import pytest

import cdnotes

# ----------------------------------------------------------------------------
# Harness.
# ----------------------------------------------------------------------------


@dataclass
class Trial:
    name: str
    call: object
    words: tuple
    cli: bool = False
    correct: bool = False     # a bad-but-usable input: the call returns whether its result is right


TRIALS: list[Trial] = []

CLEAR_TYPES = (TypeError, ValueError, KeyError, RuntimeError, AttributeError, FileNotFoundError,
               IsADirectoryError, NotADirectoryError, PermissionError, FloatingPointError)


def trial(name, call, *words, cli=False, correct=False):
    TRIALS.append(Trial(name, call, tuple(words), cli, correct))


def _names(text, words):
    return any(re.search(r"(?<![A-Za-z0-9_])" + re.escape(w) + r"(?![A-Za-z0-9_])", text)
               for w in words)


def classify(t: Trial):
    """``(outcome, detail)`` with outcome ``"clear"``, ``"cryptic"`` or ``"silent"``."""
    err = io.StringIO()
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"), contextlib.redirect_stderr(err), \
                contextlib.redirect_stdout(io.StringIO()):
            warnings.simplefilter("ignore")
            out = t.call()
    except SystemExit as exc:
        text = err.getvalue()
        if t.cli and exc.code == 2 and "Traceback" not in text and _names(text, t.words):
            return "clear", text.strip().splitlines()[-1]
        return "cryptic", f"SystemExit({exc.code}): {text.strip()[-200:]}"
    except Exception as exc:  # noqa: BLE001 - classifying is the point
        msg = f"{type(exc).__name__}: {exc}"
        if isinstance(exc, TypeError) and os.path.abspath(
                traceback.extract_tb(exc.__traceback__)[-1].filename) == os.path.abspath(__file__):
            return "harness", msg                     # the trial itself is broken (its call)
        if t.cli:
            return "cryptic", "traceback instead of a usage error: " + msg
        if isinstance(exc, CLEAR_TYPES) and _names(str(exc), t.words):
            return "clear", msg
        where = traceback.extract_tb(exc.__traceback__)[-1]
        return "cryptic", f"{msg}  [raised in {os.path.basename(where.filename)}:{where.lineno}]"
    if t.correct:
        return ("clear", "handled correctly") if out else ("silent", "wrong result")
    text = repr(out)
    return "silent", (text[:100] + "...") if len(text) > 100 else text


# ----------------------------------------------------------------------------
# Bad values.
# ----------------------------------------------------------------------------

def _with(a, value):
    a = np.array(a, dtype=np.float64, copy=True)
    a.reshape(-1)[a.size // 2] = value
    return a


def bad_arrays(good, *, rank=True, empty=True, none=True):
    """Bad variants of the good float64 array ``good``: ``[(label, value), ...]``."""
    good = np.asarray(good, dtype=np.float64)
    out = [("nan", _with(good, np.nan)), ("inf", _with(good, np.inf)),
           ("float16", good.astype(np.float16)), ("int", good.astype(np.int64)),
           ("bool", good > 0), ("complex", good.astype(np.complex128)), ("str", "abc")]
    if none:
        out.append(("None", None))
    if rank:
        out += [("rank-1", good[0] if good.ndim > 1 else good[:, None]),
                ("0-d", np.array(1.0))]
    if empty:
        out.append(("empty", good[:0]))
    return out


def bad_sizes(minimum=1):
    out = [("zero", 0), ("negative", -2), ("float", 2.5), ("float-int", 4.0), ("str", "4"),
           ("None", None), ("bool", True), ("nan", float("nan"))]
    return [(k, v) for k, v in out if not (minimum == 0 and k == "zero")]


def bad_reals():
    return [("nan", float("nan")), ("inf", float("inf")), ("str", "0.1"), ("None", None),
            ("complex", 1j), ("array", np.array([0.1, 0.2]))]


BAD_SEEDS = [("negative", -1), ("float", 2.5), ("str", "a"), ("bool", True)]


def sweep(prefix, fn, good, bad, words=None):
    """One trial per ``(argument, (label, value))`` of ``bad``: ``fn(**{**good(), arg: value})``."""
    for arg, variants in bad.items():
        for label, value in variants:
            trial(f"{prefix}[{arg}={label}]",
                  lambda arg=arg, value=value: fn(**{**good(), arg: value}),
                  *((words or {}).get(arg, (arg,))))


R = np.random.default_rng(0)
X12 = R.standard_normal((5, 12))
C234 = R.standard_normal((2, 3, 4))
DY8 = R.standard_normal((5, 8))
COV = np.eye(8) + 0.3 * (np.eye(8, k=1) + np.eye(8, k=-1))
NON_SYM = COV + 0.5 * np.eye(8, k=2)
NON_PSD = COV - 2 * np.eye(8)


def _strict():
    import array_api_strict as xps
    return xps


# ----------------------------------------------------------------------------
# Layers.
# ----------------------------------------------------------------------------

def _cd(**kw):
    args = {"n_in": 12, "n_out": 8, "block_size": 4, "seed": 0}
    args.update(kw)
    return cdnotes.CDLinear(args.pop("n_in"), args.pop("n_out"), args.pop("block_size"), **args)


for cls_name, make in [("CDLinear", lambda **kw: _cd(**kw)),
                       ("Dense", lambda **kw: cdnotes.Dense(kw.pop("n_in", 12), kw.pop("n_out", 8),
                                                            **{"seed": 0, **kw}))]:
    sizes = {"n_in": bad_sizes(), "n_out": bad_sizes()}
    if cls_name == "CDLinear":
        sizes["block_size"] = bad_sizes() + [("not-dividing", 5)]
    sweep(cls_name, make, dict, {
        **sizes,
        "seed": BAD_SEEDS,
        "init": [("name", "xavier"), ("negative", -1.0), ("nan", float("nan")), ("inf", float("inf")),
                 ("None", None), ("list", [1.0])],
        "dtype": [("float16", "float16"), ("np.float16", np.float16), ("np.int64", np.int64),
                  ("complex", np.complex128), ("None", None), ("int", 3)],
        "xp": [("unknown", "torch"), ("int", 3)],
    }, words={"xp": ("xp", "backend", "torch")})
    if cls_name == "CDLinear":
        sweep(cls_name, make, dict, {"method": [("unknown", "loop"), ("None", None), ("int", 1)]})

    def forward(X, make=make):
        return make().forward(X)

    sweep(f"{cls_name}.forward", forward, lambda: {"X": X12},
          {"X": bad_arrays(X12) + [("wrong-width", X12[:, :10]), ("list", X12.tolist()),
                                   ("float32", X12.astype(np.float32))]},
          words={"X": ("X", "list", "float32")})

    def backward(dY, make=make):
        layer = make()
        layer.forward(X12)
        return layer.backward(dY)

    sweep(f"{cls_name}.backward", backward, lambda: {"dY": DY8},
          {"dY": bad_arrays(DY8) + [("wrong-width", DY8[:, :7]), ("float32", DY8.astype(np.float32)),
                                    ("other-batch", DY8[:3])]},
          words={"dY": ("dY",)})
    trial(f"{cls_name}.backward[before-forward]", lambda make=make: make().backward(DY8), "forward")

    name = "C" if cls_name == "CDLinear" else "W"
    good = C234 if cls_name == "CDLinear" else R.standard_normal((8, 12))

    def set_weight(value, make=make, name=name):
        layer = make()
        setattr(layer, name, value)
        return layer.forward(X12)

    sweep(f"{cls_name}.{name}=", set_weight, dict,
          {"value": bad_arrays(good, empty=False) + [("wrong-shape", good[..., :-1]),
                                                     ("transposed", np.swapaxes(good, 0, 1))]},
          words={"value": (name,)})

    def set_bias(value, make=make):
        layer = make()
        layer.b = value
        return layer.forward(X12)

    sweep(f"{cls_name}.b=", set_bias, dict,
          {"value": bad_arrays(np.zeros(8), empty=False) + [("wrong-shape", np.zeros(7)),
                                                            ("scalar", 0.5), ("2-d", np.zeros((1, 8)))]},
          words={"value": ("b",)})

    def replace_param(value, make=make, name=name):
        layer = make()
        layer.params[name] = value
        return layer.forward(X12)

    sweep(f"{cls_name}.params[{name}]", replace_param, dict,
          {"value": [("wrong-shape", good[..., :-1]), ("float32", good.astype(np.float32)),
                     ("nan", _with(good, np.nan))]},
          words={"value": (name,)})
    trial(f"{cls_name}.params[b][wrong-shape]",
          lambda make=make: (lambda l: (l.params.__setitem__("b", np.zeros(1)), l.forward(X12)))(make()),
          "b")
    trial(f"{cls_name}.set_param[unknown]", lambda make=make: make().set_param("Z", np.zeros(8)), "Z")

    def to(xp=None, dtype=None, make=make):
        return make().to(xp, dtype=dtype)

    sweep(f"{cls_name}.to", to, dict, {
        "xp": [("unknown", "torch"), ("int", 3)],
        "dtype": [("float16", "float16"), ("np.float16", np.float16), ("np.int32", np.int32),
                  ("complex", "complex128")]}, words={"xp": ("xp", "backend", "torch")})

trial("ShannonDropout.backward[before-forward]",
      lambda: cdnotes.ShannonDropout(0.1).backward(X12), "forward")
trial("CDLinear.W=[read-only]", lambda: setattr(_cd(), "W", np.zeros((8, 12))), "W")
trial("CDLinear.forward[mixed-backend]", lambda: _cd().forward(_strict().asarray(X12)),
      "array", "layer")
trial("CDLinear.forward[strict-int]",
      lambda: _cd().to("array_api_strict").forward(_strict().asarray(X12.astype(np.int64))), "X")

sweep("CDLinear.from_coefficients", cdnotes.CDLinear.from_coefficients, lambda: {"C": C234}, {
    "C": bad_arrays(C234) + [("rank-4", C234[None]), ("list", C234.tolist())],
    "b": bad_arrays(np.zeros(8), empty=False)[:6] + [("wrong-shape", np.zeros(7)),
                                                    ("other-backend", _strict().zeros(8, dtype=_strict().float64))],
    "method": [("unknown", "loop")],
}, words={"C": ("C",), "b": ("b", "array")})

sweep("ReLU.forward", lambda X: cdnotes.ReLU().forward(X), lambda: {"X": X12},
      {"X": bad_arrays(X12, rank=False)})


def _relu_backward(dY):
    r = cdnotes.ReLU()
    r.forward(X12)
    return r.backward(dY)


sweep("ReLU.backward", _relu_backward, lambda: {"dY": X12},
      {"dY": [("nan", _with(X12, np.nan)), ("wrong-shape", X12[:, :5]), ("int", X12.astype(int))]})

sweep("ShannonDropout", cdnotes.ShannonDropout, lambda: {"rate": 0.1, "seed": 0}, {
    "rate": [("negative", -0.1), ("one", 1.0), ("nan", float("nan")), ("str", "0.1"), ("None", None)],
    "seed": BAD_SEEDS}, words={"rate": ("rate",)})
sweep("ShannonDropout.forward", lambda X: cdnotes.ShannonDropout(0.1, seed=0).forward(X),
      lambda: {"X": X12}, {"X": bad_arrays(X12, rank=False)})


def _dropout_backward(dY, mode="train"):
    d = cdnotes.ShannonDropout(0.5, seed=0)
    d.forward(X12)
    if mode == "eval":
        d.eval()
    return d.backward(dY)


sweep("ShannonDropout.backward", _dropout_backward, lambda: {"dY": X12},
      {"dY": [("nan", _with(X12, np.nan)), ("wrong-shape", X12[:, :5]), ("int", X12.astype(int))]})

from cdnotes.layers import activations as _act  # noqa: E402

sweep("softmax", _act.softmax, lambda: {"z": X12},
      {"z": [("str", "abc"), ("None", None)],
       "axis": [("out-of-range", 5), ("float", 1.5)]}, words={"z": ("z",)})

# ----------------------------------------------------------------------------
# Structured layers: ACDC, SparseFixed, FourierMixing (square ones: n = 12).
# ----------------------------------------------------------------------------

from cdnotes.structured import ACDC, FourierMixing, SparseFixed  # noqa: E402

_STRUCTURED = {
    "ACDC": (lambda **kw: ACDC(**{"n": 12, "depth": 2, "seed": 0, **kw}),
             {"n": bad_sizes(), "depth": bad_sizes(), "noise": bad_reals() + [("negative", -0.1)]},
             "a", (2, 12), 12),
    "SparseFixed": (lambda **kw: SparseFixed(**{"n_in": 12, "n_out": 8, "density": 0.3, "seed": 0,
                                                **kw}),
                    {"n_in": bad_sizes(), "n_out": bad_sizes(),
                     "density": bad_reals() + [("zero", 0.0), ("negative", -0.2), ("above-1", 1.5)],
                     "method": [("unknown", "csr"), ("None", None), ("int", 1)]},
                    "values", (29,), 8),
    "FourierMixing": (lambda **kw: FourierMixing(**{"n": 12, "modes": 4, "seed": 0, **kw}),
                      {"n": bad_sizes(), "modes": bad_sizes() + [("above-n//2+1", 8)]},
                      "re", (4,), 12),
}

for cls_name, (make, bad, weight, weight_shape, width) in _STRUCTURED.items():
    sweep(cls_name, make, dict, {**bad, "seed": BAD_SEEDS,
                                 "init": [("name", "xavier"), ("negative", -1.0), ("None", None)],
                                 "dtype": [("float16", "float16"), ("np.int64", np.int64), ("None", None)],
                                 "xp": [("unknown", "torch")]},
          words={"xp": ("xp", "backend", "torch")})
    dY_good = R.standard_normal((5, width))

    def forward(X, make=make):
        return make().forward(X)

    sweep(f"{cls_name}.forward", forward, lambda: {"X": X12},
          {"X": bad_arrays(X12) + [("wrong-width", X12[:, :10]), ("list", X12.tolist()),
                                   ("float32", X12.astype(np.float32))]},
          words={"X": ("X", "list", "float32")})

    def backward(dY, make=make):
        layer = make()
        layer.forward(X12)
        return layer.backward(dY)

    sweep(f"{cls_name}.backward", backward, lambda dY_good=dY_good: {"dY": dY_good},
          {"dY": bad_arrays(dY_good) + [("wrong-width", dY_good[:, :7]),
                                        ("float32", dY_good.astype(np.float32)),
                                        ("other-batch", dY_good[:3])]},
          words={"dY": ("dY",)})
    trial(f"{cls_name}.backward[before-forward]", lambda make=make, d=dY_good: make().backward(d),
          "forward")
    good_weight = R.standard_normal(weight_shape)

    def set_weight(value, make=make, name=weight):
        layer = make()
        setattr(layer, name, value)
        return layer.forward(X12)

    sweep(f"{cls_name}.{weight}=", set_weight, dict,
          {"value": bad_arrays(good_weight, empty=False) + [("wrong-shape", good_weight[..., :-1])]},
          words={"value": (weight,)})
    trial(f"{cls_name}.forward[mixed-backend]", lambda make=make: make().forward(_strict().asarray(X12)),
          "array", "layer")


# ----------------------------------------------------------------------------
# Operators.
# ----------------------------------------------------------------------------
from cdnotes.operators import project_block_circulant, resolve_method  # noqa: E402

sweep("circulant", cdnotes.circulant, lambda: {"c": C234[0, 0]},
      {"c": bad_arrays(C234[0, 0]) + [("2-d", C234[0])]})
sweep("block_circulant", cdnotes.block_circulant, lambda: {"C": C234},
      {"C": bad_arrays(C234) + [("rank-4", C234[None])]})
sweep("bc_matmul", cdnotes.bc_matmul, lambda: {"C": C234, "X": X12}, {
    "C": bad_arrays(C234) + [("float32", C234.astype(np.float32))],
    "X": bad_arrays(X12) + [("wrong-width", X12[:, :8]), ("float32", X12.astype(np.float32)),
                            ("other-backend", _strict().asarray(X12))],
    "method": [("unknown", "loop"), ("None", None)]},
    words={"X": ("X", "array"), "C": ("C", "X")})
sweep("bc_matmul_vjp", cdnotes.bc_matmul_vjp, lambda: {"C": C234, "X": X12, "dY": DY8}, {
    "dY": bad_arrays(DY8) + [("other-batch", DY8[:3]), ("float32", DY8.astype(np.float32)),
                             ("wrong-width", DY8[:, :4])]})
sweep("project_block_circulant", project_block_circulant,
      lambda: {"G": R.standard_normal((8, 12)), "block_size": 4}, {
          "G": bad_arrays(R.standard_normal((8, 12))),
          "block_size": bad_sizes() + [("not-dividing", 5)]})
sweep("resolve_method", resolve_method, lambda: {"method": "auto", "block_size": 4},
      {"method": [("unknown", "loop")], "block_size": bad_sizes()})

# ----------------------------------------------------------------------------
# Models and training.
# ----------------------------------------------------------------------------
from cdnotes.mlp import MLP, make_mlp, paper_model  # noqa: E402
from cdnotes.train import SGD, TrainConfig, accuracy, train  # noqa: E402
from cdnotes.train.losses import softmax_cross_entropy, squared_error  # noqa: E402
from cdnotes.train.regularizers import fisher_penalty  # noqa: E402


def _small_model(**kw):
    return make_mlp([12, 8, 4], kw.pop("block_size", 4), seed=0, **kw)


sweep("MLP", MLP, lambda: {"layers": [cdnotes.Dense(12, 8), cdnotes.ReLU(), cdnotes.Dense(8, 4)]}, {
    "layers": [("empty", []), ("str", "abc"), ("None", None),
               ("widths-do-not-chain", [cdnotes.Dense(12, 8), cdnotes.Dense(6, 4)]),
               ("mixed-dtypes", [cdnotes.Dense(12, 8), cdnotes.Dense(8, 4, dtype="float32")]),
               ("not-layers", [1, 2])],
    "n_classes": [("zero", 0), ("too-many", 9), ("float", 2.5), ("str", "3")]},
    words={"layers": ("layer", "layers")})
sweep("make_mlp", make_mlp, lambda: {"widths": [12, 8, 4], "block_size": 4}, {
    "widths": [("int", 64), ("one", [12]), ("zero", [12, 0, 4]), ("float", [12, 8.5, 4]),
               ("str", "12"), ("None", None)],
    "block_size": bad_sizes()[:-3] + [("not-dividing", 5)],
    "seed": BAD_SEEDS,
    "dropout": [("negative", -0.1), ("one", 1.0), ("nan", float("nan")), ("str", "0.1")],
    "n_classes": [("zero", 0), ("too-many", 5)],
    "method": [("unknown", "loop")],
    "dtype": [("float16", "float16")]},
    words={"widths": ("widths", "width"), "n_classes": ("n_classes",)})
sweep("paper_model", paper_model, lambda: {"name": "cd4"}, {
    "name": [("unknown", "cd16"), ("None", None), ("int", 4)],
    "seed": BAD_SEEDS, "dropout": [("negative", -0.5), ("nan", float("nan"))]},
    words={"name": ("model",)})
sweep("MLP.forward", lambda X: _small_model().forward(X), lambda: {"X": X12},
      {"X": bad_arrays(X12) + [("rank-3", X12[None]), ("wrong-width", X12[:, :8]),
                               ("float32", X12.astype(np.float32))]},
      words={"X": ("X",)})


def _mlp_backward(dlogits):
    m = _small_model()
    m.forward(X12)
    return m.backward(dlogits)


sweep("MLP.backward", _mlp_backward, lambda: {"dlogits": np.ones((5, 4))}, {
    "dlogits": [("wrong-width", np.ones((5, 3))), ("other-batch", np.ones((3, 4))),
                ("nan", np.full((5, 4), np.nan)), ("int", np.ones((5, 4), int))]})
sweep("MLP.predict", lambda X: _small_model().predict(X), lambda: {"X": X12},
      {"X": [("nan", _with(X12, np.nan)), ("wrong-width", X12[:, :8]), ("int", X12.astype(int))]})

sweep("TrainConfig", TrainConfig, dict, {
    "epochs": bad_sizes(), "batch_size": bad_sizes(),
    "lr": bad_reals() + [("zero", 0.0), ("negative", -0.1)],
    "momentum": bad_reals() + [("one", 1.0), ("above-one", 1.5), ("negative", -0.1)],
    "loss": [("unknown", "mse"), ("None", None)],
    "fisher": bad_reals() + [("negative", -1.0)],
    "fisher_eps": [("zero", 0.0), ("nan", float("nan"))]})
Y5 = np.array([0, 1, 2, 3, 0])
sweep("train", lambda **kw: train(_small_model(), **kw),
      lambda: {"X_train": X12, "y_train": Y5, "config": TrainConfig(epochs=1)}, {
          "X_train": bad_arrays(X12, rank=False) + [("wrong-width", X12[:, :8])],
          "y_train": [("float", Y5.astype(float)), ("out-of-range", Y5 + 4), ("negative", Y5 - 1),
                      ("wrong-length", Y5[:3]), ("2-d", Y5[:, None]), ("str", "abc"), ("None", None),
                      ("bool", Y5 > 0)],
          "X_test": [("without-y_test", X12)],
          "config": [("dict", {"epochs": 1}), ("None", None)],
          "seed": BAD_SEEDS},
      words={"X_test": ("X_test", "y_test"), "config": ("config",)})
sweep("accuracy", lambda **kw: accuracy(_small_model(), **kw), lambda: {"X": X12, "y": Y5}, {
    "X": [("wrong-width", X12[:, :8]), ("nan", _with(X12, np.nan))],
    "y": [("2-d", Y5[:, None]), ("wrong-length", Y5[:3]), ("float", Y5 + 0.5), ("None", None)]})
sweep("SGD", SGD, dict, {"lr": bad_reals() + [("zero", 0.0)],
                         "momentum": bad_reals()[:3] + [("one", 1.0)]})
for loss_name, loss in [("softmax_cross_entropy", softmax_cross_entropy), ("squared_error", squared_error)]:
    sweep(loss_name, loss, lambda: {"logits": np.ones((5, 4)), "y": Y5}, {
        "logits": [("1-d", np.ones(5)), ("str", "abc")],
        "y": [("out-of-range", Y5 + 4), ("negative", Y5 - 1), ("wrong-length", Y5[:3]),
              ("float", Y5 + 0.5), ("2-d", Y5[:, None])]})
sweep("fisher_penalty", fisher_penalty, lambda: {"C": C234}, {
    "C": bad_arrays(C234)[:7], "eps": [("zero", 0.0), ("negative", -1.0), ("nan", float("nan"))]})

# ----------------------------------------------------------------------------
# Hessians, spectra, structure.
# ----------------------------------------------------------------------------
from cdnotes import hessian as _h  # noqa: E402

for fname in ("cdlinear_jacobian", "cdlinear_hessian", "cdlinear_spectrum", "theorem1_eigenvalues"):
    sweep(fname, getattr(_h, fname), lambda: {"X": X12, "n_out": 8, "block_size": 4}, {
        "X": bad_arrays(X12) + [("rank-3", X12[None])],
        "n_out": bad_sizes()[:5], "block_size": bad_sizes()[:5] + [("not-dividing", 5)]})
for fname in ("dense_hessian", "dense_spectrum"):
    sweep(fname, getattr(_h, fname), lambda: {"X": X12, "n_out": 8},
          {"X": bad_arrays(X12)[:7] + [("rank-3", X12[None])], "n_out": bad_sizes()[:5]})
MOMENT_BAD = [("non-symmetric", NON_SYM), ("non-psd", NON_PSD), ("nan", _with(COV, np.nan)),
              ("rectangular", COV[:6]), ("rank-3", COV[None]), ("int", COV.astype(int)),
              ("float16", COV.astype(np.float16)), ("complex", COV.astype(complex)), ("str", "abc"),
              ("empty", np.zeros((0, 0)))]
sweep("frequency_moments", _h.frequency_moments, lambda: {"S": COV, "block_size": 4},
      {"S": MOMENT_BAD, "block_size": bad_sizes()[:5] + [("not-dividing", 3)]})
sweep("cdlinear_spectrum_from_moment", _h.cdlinear_spectrum_from_moment,
      lambda: {"S": COV, "n_out": 8, "block_size": 4},
      {"S": MOMENT_BAD, "n_out": bad_sizes()[:5], "block_size": bad_sizes()[:5]})
sweep("dense_spectrum_from_moment", _h.dense_spectrum_from_moment, lambda: {"S": COV, "n_out": 8},
      {"S": MOMENT_BAD, "n_out": bad_sizes()[:5]})
H24 = _h.cdlinear_hessian(X12, 8, 4)
sweep("block_circulance", _h.block_circulance, lambda: {"H": H24, "block_size": 4}, {
    "H": [("nan", _with(H24, np.nan)), ("rectangular", H24[:10]), ("complex", H24 + 1j),
          ("str", "abc"), ("None", None), ("rank-3", H24[None]), ("empty", np.zeros((0, 0)))],
    "block_size": bad_sizes()[:5] + [("not-dividing", 5)]})
sweep("hessian_structure", _h.hessian_structure,
      lambda: {"H": H24, "n_out": 8, "n_in": 12, "block_size": 4}, {
          "H": [("wrong-size", H24[:20, :20]), ("nan", _with(H24, np.nan)), ("complex", H24 + 1j)],
          "n_out": bad_sizes()[:5] + [("inconsistent", 4)], "n_in": [("inconsistent", 8)],
          "block_size": bad_sizes()[:5] + [("inconsistent", 2)]},
      words={"n_out": ("n_out", "H"), "n_in": ("n_in", "H"), "block_size": ("block_size", "H")})

from cdnotes import preconditioning as _pc  # noqa: E402

sweep("spectral_precondition", _pc.spectral_precondition,
      lambda: {"X": X12, "G": C234, "damping": 0.1}, {
          "X": bad_arrays(X12) + [("rank-3", X12[None]), ("wrong-width", X12[:, :8])],
          "G": bad_arrays(C234) + [("wrong-Ki", C234[:, :2]), ("wrong-B", C234[..., :3]),
                                   ("float32", C234.astype(np.float32))],
          "damping": bad_reals() + [("negative", -0.1)]},
      words={"X": ("X", "n_in"), "G": ("G", "n_in")})

from cdnotes.train.kfac import KFAC as _KFAC  # noqa: E402

sweep("KFAC", _KFAC, lambda: {"model": make_mlp((12, 8, 8), 4, n_classes=5, seed=0), "X": X12}, {
    "X": bad_arrays(X12) + [("wrong-width", X12[:, :8])],
    "lr": bad_reals() + [("zero", 0.0)], "damping": bad_reals() + [("negative", -1.0)],
    "update_every": bad_sizes(), "stats_batch": bad_sizes(), "decay": [("one", 1.0)],
    "output_factor": [("unknown", "fisher")], "seed": BAD_SEEDS, "kl_clip": [("zero", 0.0)],
    "model": [("str", "cd4"), ("None", None)]},
    words={"X": ("X", "n_in"), "model": ("model", "MLP")})

# ----------------------------------------------------------------------------
# Conditioning and whitening.
# ----------------------------------------------------------------------------
from cdnotes import conditioning as _c  # noqa: E402
from cdnotes import whitening as _w  # noqa: E402

EV = np.array([0.5, 1.0, 2.0])
sweep("condition_number", _c.condition_number, lambda: {"eigenvalues": EV}, {
    "eigenvalues": [("nan", _with(EV, np.nan)), ("inf", _with(EV, np.inf)), ("empty", EV[:0]),
                    ("negative", -EV), ("zeros", EV * 0), ("complex", EV + 1j), ("str", "abc"),
                    ("None", None), ("matrix", np.diag(EV)), ("str-list", ["a", "b"])],
    "rtol": [("zero", 0.0), ("one", 1.0), ("negative", -1e-3), ("nan", float("nan")), ("str", "1e-3")]})
sweep("ar1_covariance", _c.ar1_covariance, lambda: {"n": 4, "rho": 0.5}, {
    "n": bad_sizes()[:6], "rho": bad_reals()[:5] + [("one", 1.0), ("minus-one", -1.0)],
    "scales": [("nan", [1, np.nan, 1, 1]), ("zero", [1, 0, 1, 1]), ("wrong-length", [1, 1]),
               ("negative", [1, -1, 1, 1]), ("str", "abcd")]})
sweep("draw_samples", _c.draw_samples, lambda: {"cov": COV, "n_samples": 10, "seed": 0}, {
    "cov": MOMENT_BAD[:5], "n_samples": bad_sizes()[:6], "seed": BAD_SEEDS})
sweep("population_conditioning", _c.population_conditioning,
      lambda: {"cov": COV, "whitening": "spectral", "n_out": 8, "block_size": 4}, {
          "cov": MOMENT_BAD[:5], "whitening": [("unknown", "pcaa"), ("None", None)],
          "n_out": bad_sizes()[:5], "block_size": bad_sizes()[:5] + [("not-dividing", 3)]})
sweep("sample_conditioning", _c.sample_conditioning,
      lambda: {"cov": COV, "whitening": "zca", "n_out": 8, "block_size": 4, "n_samples": 40,
               "seed": 0}, {
          "cov": MOMENT_BAD[:3], "whitening": [("unknown", "pcaa")], "n_samples": bad_sizes()[:5],
          "seed": BAD_SEEDS, "fit_on": [("unknown", "data")],
          "block_size": [("zero", 0), ("not-dividing", 3)]})
sweep("marchenko_pastur_kappa", _c.marchenko_pastur_kappa, lambda: {"aspect": 0.5}, {
    "aspect": [("negative", -0.1), ("nan", float("nan")), ("str", "0.5"), ("None", None),
               ("empty", []), ("complex", 0.5j), ("inf", float("inf"))]},
    words={"aspect": ("aspect", "γ")})

XW = R.standard_normal((40, 8))
for wname, make in [("Standardizer", _w.Standardizer), ("PCAWhitener", _w.PCAWhitener),
                    ("ZCAWhitener", _w.ZCAWhitener),
                    ("SpectralWhitener", lambda **kw: _w.SpectralWhitener(4, **kw))]:
    sweep(f"{wname}.fit", lambda X, rtol=1e-10, make=make: make(rtol=rtol).fit(X),
          lambda: {"X": XW}, {"X": [("nan", _with(XW, np.nan)), ("empty", XW[:0]), ("str", "abc"),
                                    ("complex", XW + 1j), ("1-d", XW[0])],
                              "rtol": [("nan", float("nan")), ("zero", 0.0), ("one", 1.0),
                                       ("negative", -1.0), ("str", "1e-3")]},
          words={"X": ("X", "array", "sample", "samples", "complex")})
    sweep(f"{wname}.fit_covariance",
          lambda cov, mean=None, make=make: make().fit_covariance(cov, mean),
          lambda: {"cov": COV}, {"cov": MOMENT_BAD[:5],
                                 "mean": [("nan", _with(np.zeros(8), np.nan)), ("wrong-length", np.zeros(3)),
                                          ("str", "abc")]})
    sweep(f"{wname}.transform", lambda X, make=make: make().fit(XW).transform(X), lambda: {"X": XW},
          {"X": [("nan", _with(XW, np.nan)), ("wrong-width", XW[:, :4]), ("str", "abc")]},
          words={"X": ("X", "features", "feature", "array")})
    trial(f"{wname}.transform[not-fitted]", lambda make=make: make().transform(XW), "fit", "fitted")
    sweep(f"{wname}.transformed_covariance",
          lambda cov, make=make: make().fit(XW).transformed_covariance(cov), lambda: {"cov": COV},
          {"cov": MOMENT_BAD[:3] + [("wrong-size", np.eye(4))]})
    for factor in (1e300, 1e-300):
        trial(f"{wname}.fit[scaled-by-{factor:g}]",
              lambda make=make, factor=factor: np.allclose(
                  make().fit(XW * factor).transform(XW * factor), make().fit(XW).transform(XW)),
              "X", correct=True)
sweep("SpectralWhitener.fit", lambda **kw: _w.SpectralWhitener(**kw).fit(XW), dict, {
    "block_size": bad_sizes()[:5] + [("not-dividing", 3)], "mode": [("unknown", "full")]})
sweep("make_whitener", _w.make_whitener, lambda: {"name": "spectral", "block_size": 4}, {
    "name": [("unknown", "pcaa"), ("None", None)], "block_size": bad_sizes()[:5]},
    words={"name": ("whitening",)})

# ----------------------------------------------------------------------------
# Curvature readings.
# ----------------------------------------------------------------------------
from cdnotes import curvature as _cv  # noqa: E402

for fname in ("last_layer_hessian", "last_layer_inputs", "last_layer_spectrum",
              "logit_hessian_spectrum", "softmax_outputs", "dead_units", "paper_kappa_readings"):
    sweep(fname, getattr(_cv, fname), lambda: {"model": _small_model(), "X": X12}, {
        "X": [("nan", _with(X12, np.nan)), ("wrong-width", X12[:, :8]), ("int", X12.astype(int)),
              ("1-d", X12[0]), ("empty", X12[:0]), ("float32", X12.astype(np.float32)),
              ("rank-3", X12[None])],
        "model": [("layer", cdnotes.Dense(12, 4)), ("None", None), ("str", "cd4")]})

# ----------------------------------------------------------------------------
# Statistics, results, seeds, data.
# ----------------------------------------------------------------------------
from cdnotes import stats as _s  # noqa: E402
from cdnotes.results import jsonable, read_json, write_json_atomic  # noqa: E402

V = [1.0, 2.0, 3.5]
sweep("mean_ci", _s.mean_ci, lambda: {"values": V}, {
    "values": [("one", [1.0]), ("nan", [1.0, np.nan]), ("str", ["a", "b"]), ("None", None),
               ("empty", [])],
    "level": [("above-one", 1.5), ("one", 1.0), ("zero", 0.0), ("nan", float("nan")), ("str", "0.9")]})
sweep("paired_difference_ci", _s.paired_difference_ci, lambda: {"a": V, "b": V[::-1]}, {
    "b": [("wrong-length", V[:2]), ("nan", [1, np.nan, 2])], "level": [("above-one", 2.0)]},
    words={"b": ("b", "paired", "values")})
sweep("geometric_mean", _s.geometric_mean, lambda: {"values": V}, {
    "values": [("empty", []), ("nan", [1.0, np.nan]), ("zero", [1.0, 0.0]), ("negative", [-1.0, 2.0]),
               ("str", ["a"]), ("None", None)]})
sweep("fit_power_law", _s.fit_power_law, lambda: {"x": [1.0, 2.0, 4.0], "y": [1.0, 4.0, 16.0]}, {
    "x": [("constant", [2.0, 2.0, 2.0]), ("nan", [1.0, np.nan, 4.0]), ("zero", [0.0, 2.0, 4.0]),
          ("wrong-length", [1.0, 2.0]), ("str", ["a", "b", "c"])],
    "y": [("inf", [1.0, np.inf, 16.0]), ("negative", [1.0, -4.0, 16.0])]},
    words={"x": ("x",), "y": ("y",)})

_TMP = tempfile.mkdtemp(prefix="cdnotes-adversarial-")
atexit.register(shutil.rmtree, _TMP, ignore_errors=True)


def _binary(path):
    with open(path, "wb") as fh:
        fh.write(b"\xff\xfe\x00")
    return path


def _file(name, text):
    path = os.path.join(_TMP, name)
    with open(path, "w") as fh:
        fh.write(text)
    return path


sweep("read_json", read_json, dict, {"path": [
    ("corrupt", _file("corrupt.json", "{not json")), ("empty", _file("empty.json", "")),
    ("truncated", _file("truncated.json", '{"a": [1, 2')),
    ("missing", os.path.join(_TMP, "missing.json")), ("directory", _TMP), ("None", None),
    ("binary", _file("binary.json", "") and _binary(os.path.join(_TMP, "binary.json")))]},
    words={"path": (_TMP, "path")})
trial("read_json[non-finite-round-trip]",
      lambda: (write_json_atomic(os.path.join(_TMP, "rt.json"), {"a": float("inf")}) or
               read_json(os.path.join(_TMP, "rt.json")) == {"a": float("inf")}), "path", correct=True)
sweep("jsonable", jsonable, dict, {"obj": [("colliding-keys", {1: "a", "1": "b"}),
                                           ("object", {"a": object()}), ("set", {"a": {1, 2}})]},
      words={"obj": ("'1'", "1", "a", "key")})
sweep("write_json_atomic", write_json_atomic, lambda: {"path": os.path.join(_TMP, "w.json"), "obj": {}}, {
    "path": [("directory", _TMP), ("None", None), ("under-a-file", os.path.join(_file("f", ""), "x.json"))],
    "obj": [("object", {"a": object()}), ("colliding-keys", {1: "a", "1": "b"})]},
    words={"path": ("path", _TMP, "f", "NoneType"), "obj": ("a", "1", "key")})

from cdnotes import seeds as _seeds  # noqa: E402
from cdnotes.data import digits_split  # noqa: E402

sweep("seeds.seed", _seeds.seed, dict, {"base": [("float", 2.5), ("str", "a"), ("None", None),
                                                 ("negative", -3)]})
sweep("seeds.seeds", _seeds.seeds, dict, {"bases": [("float", [0.5, 1.5]), ("None", None),
                                                    ("int", 3)]})
sweep("digits_split", digits_split, dict, {"seed": BAD_SEEDS[:3],
                                           "test_size": [("zero", 0), ("too-big", 5000), ("str", "a")]})

# ----------------------------------------------------------------------------
# Gradient checking.
# ----------------------------------------------------------------------------
from cdnotes.gradcheck import gradcheck, numerical_gradient, relative_error  # noqa: E402

X8 = R.standard_normal((3, 8))
sweep("gradcheck", gradcheck, lambda: {"layer": cdnotes.CDLinear(8, 8, 2, seed=0), "X": X8}, {
    "layer": [("float32", cdnotes.CDLinear(8, 8, 2, seed=0, dtype="float32")),
              ("training-dropout", cdnotes.ShannonDropout(0.5, seed=0)), ("None", None),
              ("str", "layer")],
    "X": [("float32", X8.astype(np.float32)), ("int", X8.astype(int)), ("nan", _with(X8, np.nan)),
          ("wrong-width", X8[:, :4]), ("list", X8.tolist())],
    "eps": [("zero", 0.0), ("negative", -1e-6), ("nan", float("nan")), ("str", "1e-6")],
    "max_entries": [("zero", 0), ("negative", -1), ("float", 2.5)],
    "seed": BAD_SEEDS}, words={"layer": ("layer",), "X": ("X",)})
sweep("numerical_gradient", numerical_gradient, lambda: {"f": lambda x: float(np.sum(x ** 2)),
                                                         "x": np.ones(3)}, {
    "eps": [("zero", 0.0), ("nan", float("nan"))], "f": [("None", None)],
    "indices": [("out-of-range", [5])]})
sweep("relative_error", relative_error, lambda: {"a": np.ones(3), "b": np.ones(3)}, {
    "b": [("broadcasting", np.ones((3, 1))), ("wrong-length", np.ones(2)), ("nan", [1.0, np.nan, 1.0])]})

# ----------------------------------------------------------------------------
# scikit-learn estimator.
# ----------------------------------------------------------------------------
from cdnotes.estimators import CDMLPClassifier  # noqa: E402

XE = R.standard_normal((30, 6))
YE = np.arange(30) % 3


def _fit(X=None, y=None, **params):
    return CDMLPClassifier(**{"epochs": 1, "hidden": (8,), **params}).fit(
        XE if X is None else X, YE if y is None else y)


sweep("CDMLPClassifier.fit", _fit, dict, {
    "block_size": bad_sizes()[:6] + [("not-dividing-hidden", 3)],
    "hidden": [("int", 64), ("str", "64"), ("zero", (8, 0)), ("float", (8.5,)), ("None", None),
               ("negative", (-8,))],
    "epochs": bad_sizes()[:5],
    "learning_rate": bad_reals()[:4] + [("zero", 0.0), ("negative", -0.1)],
    "momentum": [("one", 1.0), ("negative", -0.1), ("nan", float("nan"))],
    "batch_size": bad_sizes()[:5],
    "dropout": [("negative", -0.1), ("nan", float("nan")), ("one", 1.0), ("str", "0.1")],
    "seed": BAD_SEEDS,
    "standardize": [("str", "yes"), ("None", None)],
    "X": [("nan", _with(XE, np.nan)), ("inf", _with(XE, np.inf)), ("str", "abc"), ("empty", XE[:0]),
          ("1-d", XE[0])],
    "y": [("continuous", np.linspace(0, 1, 30)), ("wrong-length", YE[:10])]},
    words={"hidden": ("hidden",), "X": ("X", "Input", "array", "sample", "samples"),
           "y": ("y", "samples", "target", "Unknown label type")})
trial("CDMLPClassifier.fit[scaled-by-1e300]",
      lambda: np.allclose(_fit(X=XE * 1e300, epochs=3).predict_proba(XE * 1e300),
                          _fit(X=XE, epochs=3).predict_proba(XE), atol=1e-6), "X", correct=True)
trial("CDMLPClassifier.predict[after-set_params]",
      lambda: (lambda c: np.array_equal(c.predict(XE), c.set_params(block_size=1).predict(XE)))(
          _fit(block_size=2)), "block_size", correct=True)
trial("gradcheck[layer=MLP]", lambda: gradcheck(_small_model(), X12), "layer")
trial("CDMLPClassifier.predict[wrong-width]", lambda: _fit().predict(XE[:, :4]), "features", "X")
trial("CDMLPClassifier.predict[not-fitted]", lambda: CDMLPClassifier().predict(XE), "fit", "fitted")

# ----------------------------------------------------------------------------
# SHFIN (cdnotes.shfin).
# ----------------------------------------------------------------------------
from cdnotes.shfin import SHFINBlock  # noqa: E402
from cdnotes.shfin.models import Conv1D, cnn_classifier, shfin_classifier  # noqa: E402

sweep("SHFINBlock", SHFINBlock, lambda: {"seq_len": 12, "channels": 3, "patch_sizes": (4, 12),
                                         "k": 2, "rank": 2, "seed": 0}, {
    "seq_len": bad_sizes()[:7] + [("not-a-multiple", 10)],
    "channels": bad_sizes()[:7],
    "patch_sizes": [("not-dividing", (5,)), ("zero", (0,)), ("empty", ()), ("int", 4),
                    ("str", "4"), ("None", None), ("float", (4.0,))],
    "k": [("too-large", 4), ("too-large-per-level", (2, 8)), ("zero", 0), ("negative", -1),
          ("float", 2.5), ("wrong-count", (2, 2, 2)), ("None", None)],
    "rank": [("zero", 0), ("negative", -1), ("float", 2.5), ("None", None)],
    "tau": [("zero", 0.0), ("negative", -1.0), ("nan", float("nan")), ("str", "1")],
    "mask": [("unknown", "random"), ("None", None)],
    "mixing": [("unknown", "mlp"), ("None", None)],
    "dtype": [("float16", "float16"), ("int", "int64")],
    "seed": BAD_SEEDS},
    words={"seq_len": ("seq_len", "patch size", "each patch size"),
           "patch_sizes": ("patch_sizes", "patch size", "each patch size"),
           "k": ("k",), "dtype": ("dtype",)})
X_SH = R.standard_normal((2, 12, 3))


def _shfin_forward(X):
    return SHFINBlock(12, 3, patch_sizes=(4, 12), k=2, rank=2, seed=0).forward(X)


for label, value in [("wrong-channels", X_SH[:, :, :2]), ("wrong-length", X_SH[:, :8]),
                     ("rank-2", X_SH[0]), ("rank-4", X_SH[None]), ("empty", X_SH[:0]),
                     ("nan", _with(X_SH, np.nan)), ("int", X_SH.astype(int)),
                     ("float32", X_SH.astype(np.float32)), ("complex", X_SH.astype(complex)),
                     ("str", "abc"), ("None", None)]:
    trial(f"SHFINBlock.forward[X={label}]", lambda value=value: _shfin_forward(value), "X")
trial("SHFINBlock.backward[before-forward]",
      lambda: SHFINBlock(12, 3, patch_sizes=(4,), k=2, rank=2).backward(X_SH), "forward")


def _shfin_backward(dY):
    block = SHFINBlock(12, 3, patch_sizes=(4, 12), k=2, rank=2, seed=0)
    block.forward(X_SH)
    return block.backward(dY)


for label, value in [("wrong-shape", X_SH[:, :, :2]), ("nan", _with(X_SH, np.nan)),
                     ("float32", X_SH.astype(np.float32))]:
    trial(f"SHFINBlock.backward[dY={label}]", lambda value=value: _shfin_backward(value), "dY")
sweep("shfin_classifier", shfin_classifier, lambda: {"seq_len": 40, "channels": 4, "k": 2}, {
    "n_blocks": bad_sizes()[:5], "patch_sizes": [("not-dividing", (7,))],
    "k": [("too-large", 30)], "rank": [("zero", 0)]},
    words={"patch_sizes": ("patch size",)})
sweep("cnn_classifier", cnn_classifier, dict, {
    "kernel": bad_sizes()[:5] + [("longer-than-input", 99)], "n_conv": bad_sizes()[:5],
    "channels": bad_sizes()[:5], "seed": BAD_SEEDS})
sweep("Conv1D", Conv1D, lambda: {"seq_len": 10, "c_in": 2, "c_out": 3, "kernel": 3}, {
    "stride": bad_sizes()[:5], "padding": [("negative", -1), ("float", 1.5)],
    "kernel": [("longer-than-input", 11)]})


from cdnotes.experiments.shfin import make_variant  # noqa: E402
from cdnotes.stats import welch_difference_ci  # noqa: E402
from cdnotes.shfin.cost import attention_flops, shfin_flops, time_forward  # noqa: E402

sweep("shfin_flops", shfin_flops, lambda: {"seq_len": 64, "channels": 4, "patch_sizes": (16,),
                                           "k": 4, "rank": 2}, {
    "seq_len": bad_sizes()[:5], "channels": bad_sizes()[:5], "rank": bad_sizes()[:5]})
sweep("attention_flops", attention_flops, lambda: {"seq_len": 64, "channels": 4, "rank": 2}, {
    "seq_len": bad_sizes()[:5]})
sweep("time_forward", time_forward, lambda: {"lengths": [16], "repeats": 1}, {
    "lengths": [("zero", [0]), ("not-multiple-of-patch", [24]), ("float", [16.5])],
    "repeats": [("zero", 0)], "backend": [("unknown", "torch")]},
    words={"lengths": ("length", "each length", "patch size", "seq_len"),
           "backend": ("backend",)})
sweep("make_variant", make_variant, lambda: {"name": "shfin"}, {
    "name": [("unknown", "transformer"), ("None", None)], "seed": BAD_SEEDS},
    words={"name": ("variant",)})
sweep("welch_difference_ci", welch_difference_ci, lambda: {"a": [1.0, 2.0], "b": [1.0, 3.0]}, {
    "a": [("one-value", [1.0]), ("nan", [1.0, float("nan")])],
    "level": [("one", 1.0), ("zero", 0.0)]})


def _seqmodel_forward(X):
    return shfin_classifier(40, 4, k=2, seed=0).forward(X)


X40 = R.standard_normal((3, 40))
for label, value in [("wrong-width", X40[:, :20]), ("rank-3", X40[:, :, None]),
                     ("nan", _with(X40, np.nan)), ("float32", X40.astype(np.float32)),
                     ("str", "abc")]:
    trial(f"SequenceModel.forward[X={label}]", lambda value=value: _seqmodel_forward(value), "X")
# Spectral-domain layers and the constrained direct-space baseline (issue 10).
# ----------------------------------------------------------------------------
from cdnotes.layers import MaskedDense  # noqa: E402
from cdnotes.spectral import SpectralLinear, retract, spectral_mlp  # noqa: E402

sweep("SpectralLinear", lambda **kw: SpectralLinear(**kw), lambda: {"n_in": 12, "n_out": 8}, {
    "n_in": bad_sizes(), "n_out": bad_sizes(), "seed": BAD_SEEDS,
    "train": [("empty", ()), ("unknown", ("eigenvalue",)), ("None", None), ("int", 3),
              ("mixed", ("eigenvalues", "weights"))],
    "input_eigenvalues": [("unknown", "one"), ("None", None)],
    "bias": [("str", "yes"), ("None", None)],
    "dtype": [("float16", "float16"), ("int", 3)], "xp": [("unknown", "torch")]},
    words={"xp": ("xp", "backend", "torch")})
sweep("SpectralLinear.forward", lambda X: SpectralLinear(12, 8, seed=0).forward(X),
      lambda: {"X": X12}, {"X": bad_arrays(X12) + [("wrong-width", X12[:, :10])]},
      words={"X": ("X",)})
trial("SpectralLinear.phi[frozen]", lambda: setattr(SpectralLinear(3, 2), "phi", np.zeros((2, 3))),
      "phi", "frozen")
trial("SpectralLinear.lam_out[wrong-shape]",
      lambda: setattr(SpectralLinear(3, 2), "lam_out", np.zeros(3)), "lam_out")
sweep("spectral_mlp", lambda **kw: spectral_mlp(**kw),
      lambda: {"widths": (12, 6, 4), "activations": [None], "seed": 0}, {
          "widths": [("one", (12,)), ("zero", (12, 0, 4)), ("None", None), ("str", "12,4")],
          "activations": [("unknown", ["tanh"]), ("too-many", [None, "relu"]), ("None", None),
                          ("str", "relu")],
          "train": [("empty", ())], "seed": BAD_SEEDS},
      words={"widths": ("widths", "width", "activations"), "activations": ("activations",
                                                                           "activation")})
sweep("retract", retract, lambda: {"model": spectral_mlp((12, 4), activations=[])},
      {"model": [("layer", SpectralLinear(3, 2)), ("None", None), ("str", "mlp")]})
sweep("MaskedDense", lambda **kw: MaskedDense(**kw),
      lambda: {"n_in": 12, "n_out": 8, "n_trained": 10}, {
          "n_in": bad_sizes(), "n_trained": bad_sizes() + [("too-many", 97)],
          "frozen": [("unknown", "random"), ("None", None)], "bias": [("str", "no")],
          "seed": BAD_SEEDS})
trial("train[spectral,labels-outside]", lambda: train(
    spectral_mlp((12, 4), activations=[]), X12, np.array([0, 1, 2, 3, 4])), "y_train", "labels")

# ----------------------------------------------------------------------------
# Command line (argparse usage errors, exit status 2, before any training).
# ----------------------------------------------------------------------------
from cdnotes.cli import main  # noqa: E402

_FAST = ["--epochs", "1", "--seeds", "0", "--models", "dense", "--no-curvature", "--quiet"]
for option, values in {"--epochs": ["0", "-1", "2.5", "nan"], "--lr": ["-0.1", "0", "nan", "inf"],
                       "--momentum": ["1.5", "1", "-0.1", "nan"],
                       "--dropout": ["-0.5", "1", "nan"], "--fisher": ["-1", "nan", "inf"],
                       "--batch-size": ["0", "-4"], "--seeds": ["-1", "x"],
                       "--split-seed": ["-1"], "--models": ["cd16"]}.items():
    for value in values:
        argv = ["table1", *_FAST, option, value]
        if option in ("--epochs", "--seeds", "--models"):
            argv = ["table1", "--no-curvature", "--quiet", option, value,
                    "--out", os.path.join(_TMP, "cli.json")]
        trial(f"cli[{option}={value}]", lambda argv=argv: main(argv), option, cli=True)
for option, values in {"--seeds": ["-1", "x", "0 0", "0"], "--epochs": ["0", "2.5"],
                       "--lengths": ["24", "0", "16 16"], "--lr": ["0", "nan"],
                       "--variants": ["transformer"], "--cost-repeats": ["0"]}.items():
    for value in values:
        argv = ["shfin", "--quiet", option, *value.split(), "--out",
                os.path.join(_TMP, "shfin.json")]
        trial(f"cli-shfin[{option}={value}]", lambda argv=argv: main(argv), option, cli=True)
for option, values in {"--epochs": ["0", "x"], "--seeds": ["-1", "x"], "--datasets": ["mnist"],
                       "--wide": ["0"], "--nonlinear": ["-3"], "--workers": ["0"]}.items():
    for value in values:
        argv = ["spectral", "--quiet", option, value, "--out", os.path.join(_TMP, "s.json")]
        trial(f"cli[spectral {option}={value}]", lambda argv=argv: main(argv), option, cli=True)
trial("cli[spectral --seeds 0 0]", lambda: main(["spectral", "--quiet", "--seeds", "0", "0",
                                                 "--out", os.path.join(_TMP, "s.json")]),
      "--seeds", cli=True)
_NH_OUT = ["--out", os.path.join(_TMP, "nh.json")]
for option, value in [("--seeds", "-1"), ("--seeds", "x"), ("--models", "cd16"), ("--states", "x"),
                      ("--inputs", "zca"), ("--slq-probes", "0"), ("--slq-steps", "-3"),
                      ("--blas-threads", "0"), ("--whitening", "none"), ("--backend", "jax"),
                      ("--merge", os.path.join(_TMP, "missing.json"))]:
    trial(f"cli[network-hessian {option}={os.path.basename(value)}]",   # one id in every process
          lambda option=option, value=value: main(["network-hessian", option, value, *_NH_OUT]),
          option, cli=True)
from cdnotes.experiments.network_hessian import network_hessian_record  # noqa: E402

for label, kwargs, word in [("model", {"model_name": "cd2"}, "model"),
                            ("seed", {"seed": -1}, "seed"), ("state", {"state": 1}, "state"),
                            ("inputs", {"inputs": None}, "inputs"),
                            ("backend", {"backend": "jax"}, "backend"),
                            ("config", {"config": {}}, "config"),
                            ("keep_spectrum", {"keep_spectrum": "yes"}, "keep_spectrum")]:
    args = {"model_name": "cd8", "seed": 0, "state": "init", "inputs": "raw", **kwargs}
    trial(f"network_hessian_record[{label}]",
          lambda args=args: network_hessian_record(**args), word)
for label, path in [("directory", _TMP), ("under-a-file", os.path.join(_file("g", ""), "r.json")),
                    ("unwritable", "/proc/cdnotes-results.json")]:
    trial(f"cli[--out={label}]", lambda path=path: main(["table1", *_FAST, "--out", path]),
          "--out", cli=True)


for option, values in {"--epochs-digits": ["0", "2.5"], "--epochs-mnist1d": ["-1"],
                       "--sgd-rates": ["0", "nan", "-1"], "--adam-rates": ["inf"],
                       "--kfac-rates": ["x"], "--seeds": ["-1", "x"], "--models": ["cd16"],
                       "--datasets": ["mnist"], "--whitenings": ["none"]}.items():
    for value in values:
        argv = ["lr-sweep", "--quiet", option, value, "--out", os.path.join(_TMP, "lr.json")]
        trial(f"cli-lr-sweep[{option}={value}]", lambda argv=argv: main(argv), option, cli=True)
trial("cli-lr-sweep[--out=directory]", lambda: main(["lr-sweep", "--quiet", "--out", _TMP]),
      "--out", cli=True)


# ----------------------------------------------------------------------------
# Structured layers (cdnotes.structured) and building MLPs of any structure.
# ----------------------------------------------------------------------------
from cdnotes.structured import (Kronecker, LowRank, Monarch, Toeplitz, match_budget,  # noqa: E402
                                structured_layer)

_STRUCTURED = {
    "LowRank": (lambda **kw: LowRank(kw.pop("n_in", 12), kw.pop("n_out", 8), kw.pop("rank", 3),
                                     **{"seed": 0, **kw}),
                {"n_in": bad_sizes(), "n_out": bad_sizes(),
                 "rank": bad_sizes() + [("above-min", 9)]}),
    "Toeplitz": (lambda **kw: Toeplitz(kw.pop("n_in", 12), kw.pop("n_out", 8), **{"seed": 0, **kw}),
                 {"n_in": bad_sizes(), "n_out": bad_sizes()}),
    "Kronecker": (lambda **kw: Kronecker(kw.pop("shape_out", (2, 4)), kw.pop("shape_in", (3, 4)),
                                         **{"seed": 0, **kw}),
                  {"shape_out": [("int", 8), ("triple", (2, 2, 2)), ("zero", (0, 4)),
                                 ("float", (2.5, 4)), ("str", "24"), ("None", None)],
                   "shape_in": [("negative", (-3, 4)), ("one", (12,))]}),
    "Monarch": (lambda **kw: Monarch(kw.pop("n", 12), kw.pop("n_blocks", 3), **{"seed": 0, **kw}),
                {"n": bad_sizes() + [("not-divisible", 10)],
                 "n_blocks": bad_sizes() + [("not-dividing", 5)]}),
}
for cls_name, (make, sizes) in _STRUCTURED.items():
    sweep(cls_name, make, dict, {
        **sizes, "seed": BAD_SEEDS,
        "init": [("name", "xavier"), ("negative", -1.0), ("nan", float("nan"))],
        "dtype": [("float16", "float16"), ("np.int64", np.int64), ("None", None)],
        "xp": [("unknown", "torch"), ("int", 3)]},
        words={"xp": ("xp", "backend", "torch"), "shape_out": ("shape_out",),
               "shape_in": ("shape_in",), "n": ("n", "n_blocks")})
    sweep(f"{cls_name}.forward", lambda X, make=make: make().forward(X), lambda: {"X": X12},
          {"X": bad_arrays(X12) + [("wrong-width", X12[:, :10]), ("float32", X12.astype(np.float32))]},
          words={"X": ("X", "float32")})
    n_out = make().n_out
    dY = R.standard_normal((5, n_out))

    def backward(dY, make=make):
        layer = make()
        layer.forward(X12)
        return layer.backward(dY)

    sweep(f"{cls_name}.backward", backward, lambda dY=dY: {"dY": dY},
          {"dY": bad_arrays(dY) + [("wrong-width", dY[:, :-1]), ("other-batch", dY[:3])]},
          words={"dY": ("dY",)})
    trial(f"{cls_name}.backward[before-forward]", lambda make=make, dY=dY: make().backward(dY),
          "forward")
    for name, shape in make().param_shapes().items():
        good = R.standard_normal(shape)

        def set_param(value, make=make, name=name):
            layer = make()
            setattr(layer, name, value)
            return layer.forward(X12)

        sweep(f"{cls_name}.{name}=", set_param, dict,
              {"value": bad_arrays(good, empty=False) + [("wrong-shape", good[..., :-1])]},
              words={"value": (name,)})

sweep("structured_layer", structured_layer,
      lambda: {"structure": "low_rank", "n_in": 12, "n_out": 8, "value": 3}, {
          "structure": [("unknown", "butterfly"), ("None", None), ("int", 3)],
          "n_in": bad_sizes(), "value": [("zero", 0), ("too-big", 9), ("float", 2.5), ("None", None)]},
      words={"value": ("rank",)})
trial("structured_layer[square]", lambda: structured_layer("monarch", 12, 8, 2), "square")
trial("structured_layer[kronecker-not-dividing]",
      lambda: structured_layer("kronecker", 12, 8, (3, 5)), "outer_shape")
trial("structured_layer[toeplitz-option]", lambda: structured_layer("toeplitz", 12, 8, 3),
      "toeplitz", "option")
sweep("make_mlp[structure]", make_mlp,
      lambda: {"widths": [12, 8, 4], "structure": "low_rank", "rank": 2}, {
          "structure": [("unknown", "butterfly"), ("int", 3)],
          "rank": [("zero", 0), ("list-too-short", [2]), ("str", "2")],
          "block_size": [("with-low-rank", 4)]},
      words={"block_size": ("block_size",)})
trial("make_mlp[unknown-option]", lambda: make_mlp([12, 8, 4], structure="low_rank", depth=2),
      "depth")
trial("make_mlp[option-without-structure]", lambda: make_mlp([12, 8, 4], rank=2), "rank")
sweep("match_budget", match_budget, lambda: {"structure": "low_rank", "budget": 1296}, {
    "structure": [("unknown", "butterfly"), ("None", None)],
    "budget": bad_sizes(),
    "tolerance": [("zero", 0.0), ("one", 1.0), ("nan", float("nan")), ("str", "0.1")],
    "hidden": [("zero", (64, 0)), ("str-entries", ("a",))],
    "n_classes": bad_sizes()[:3]})


# ----------------------------------------------------------------------------
# The test, and the report.
# ----------------------------------------------------------------------------

# Findings in modules outside this pass's remit (``cdnotes/mlp.py``, ``cdnotes/train/``,
# ``cdnotes/seeds.py``, ``cdnotes/data.py``), reported to their owners. Strict: once fixed
# there, the trial passes, the xfail fails, and its name is deleted here.
OUTSIDE = {
}
_OUTSIDE = {name: module for module, names in OUTSIDE.items() for name in names.split()}
assert set(_OUTSIDE) <= {t.name for t in TRIALS}, set(_OUTSIDE) - {t.name for t in TRIALS}


def _param(t):
    if t.name in _OUTSIDE:
        return pytest.param(t, id=t.name, marks=pytest.mark.xfail(
            strict=True, reason=f"not yet fixed in {_OUTSIDE[t.name]} (outside this pass)"))
    return pytest.param(t, id=t.name)


@pytest.mark.parametrize("t", [_param(t) for t in TRIALS])
def test_bad_input_gets_a_clear_error(t):
    outcome, detail = classify(t)
    assert outcome == "clear", f"{outcome}: {detail}"


def report(verbose=False):
    counts = {"clear": 0, "cryptic": 0, "silent": 0, "harness": 0}
    lines = []
    for t in TRIALS:
        outcome, detail = classify(t)
        counts[outcome] += 1
        if outcome != "clear" or verbose:
            detail = " ".join(detail.split())
            lines.append(f"{outcome:8s} {t.name}: {detail[:220]}")
    print("\n".join(lines))
    print(f"\n{len(TRIALS)} trials: " + ", ".join(f"{v} {k}" for k, v in counts.items()))
    print(f"of which {len(_OUTSIDE)} known, outside this pass: "
          + ", ".join(f"{m} {sum(v == m for v in _OUTSIDE.values())}" for m in OUTSIDE))
    return counts


if __name__ == "__main__":
    report(verbose="-v" in sys.argv)
