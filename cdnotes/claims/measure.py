"""The runs behind the claims no chapter measures: ``python -m cdnotes.claims``.

Two experiments on the digits split of the paper (``digits_split(0)``, its protocol: 25 epochs,
SGD 0.1 / momentum 0.9, batch 64, cross-entropy), about two minutes on one CPU core:

``convergence``
    The three paper models, seeds 0–4, training loss and test accuracy after every epoch
    (Fig. 1's curves over five seeds instead of one): "dense has a slight early-epoch advantage
    (lower loss at epochs 1–10)", "by epoch 20 the CD-MLP B = 4 reaches lower training loss than
    dense", "all three models converge to similar final loss within 25 epochs".
``depth``
    Dense and CD (B = 4) MLPs of width 64 with one to four hidden layers, seeds 0–2, the
    paper's κ reading after training (σ²_max/σ²_min of each weight matrix for dense, Theorem 1's
    values for CD, averaged over layers): "the conditioning advantage may be even more
    pronounced on deeper networks".

The result is written to ``cdnotes/claims/claims_digits.json`` (package data) and read by
:mod:`cdnotes.claims.checks`.
"""
from __future__ import annotations

import argparse
import time
from importlib import resources

from ..curvature.readings import paper_kappa_readings
from ..data import digits_split
from ..experiments.digits import run_digits
from ..mlp import make_mlp
from ..results import environment_info, read_json, write_json_atomic
from ..train import TrainConfig, train

FILE = "claims_digits.json"
CONVERGENCE_SEEDS = (0, 1, 2, 3, 4)
DEPTHS = (1, 2, 3, 4)
DEPTH_SEEDS = (0, 1, 2)
DEPTH_WIDTH = 64
DEPTH_BLOCK = 4


def convergence(seeds=CONVERGENCE_SEEDS, data=None) -> list:
    """Per-epoch training loss and test accuracy of the three paper models."""
    data = digits_split(0) if data is None else data
    out = []
    for model in ("dense", "cd4", "cd8"):
        for s in seeds:
            r = run_digits(model, s, curvature="none", per_epoch=True, data=data)
            out.append({"model": model, "seed": s, "n_params": r.n_params,
                        "train_loss": list(r.train_loss), "test_accuracy": list(r.test_accuracy)})
    return out


def depth(depths=DEPTHS, seeds=DEPTH_SEEDS, data=None) -> list:
    """The paper's κ reading and test accuracy of dense and CD MLPs against depth."""
    X_train, X_test, y_train, y_test = digits_split(0) if data is None else data
    out = []
    for d in depths:
        for name, block in (("dense", None), ("cd4", DEPTH_BLOCK)):
            widths = [64] + [DEPTH_WIDTH] * d + [10 if block is None else 12]
            for s in seeds:
                model = make_mlp(widths, block, n_classes=10, seed=s)
                history = train(model, X_train, y_train, X_test, y_test, config=TrainConfig(),
                                seed=s)
                k = paper_kappa_readings(model, X_train)
                out.append({"model": name, "hidden_layers": d, "seed": s,
                            "n_params": model.n_params,
                            "test_accuracy": history.final_test_accuracy,
                            "paper_kappa": k["weights_sv"] if block is None
                            else k["theorem1_inputs"]})
    return out


def measure() -> dict:
    """Both experiments, with the settings and the environment."""
    start = time.perf_counter()
    data = digits_split(0)
    result = {"command": "python -m cdnotes.claims --out cdnotes/claims/" + FILE,
              "config": {"split_seed": 0, "train": "TrainConfig() (the paper's protocol)",
                         "convergence_seeds": list(CONVERGENCE_SEEDS), "depths": list(DEPTHS),
                         "depth_seeds": list(DEPTH_SEEDS), "depth_width": DEPTH_WIDTH,
                         "depth_block_size": DEPTH_BLOCK},
              "convergence": convergence(data=data), "depth": depth(data=data)}
    result["environment"] = environment_info()
    result["wall_seconds"] = time.perf_counter() - start
    return result


def load() -> dict:
    """The committed result (package data)."""
    return read_json(resources.files(__package__).joinpath(FILE))


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="python -m cdnotes.claims", description=__doc__.split("\n")[0])
    parser.add_argument("--out", default=str(resources.files(__package__).joinpath(FILE)))
    args = parser.parse_args(argv)
    write_json_atomic(args.out, measure())
    print(f"wrote {args.out}")
