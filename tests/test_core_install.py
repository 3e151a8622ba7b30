"""A plain ``pip install cdnotes`` (core dependencies, no extra) runs every sub-command.

The wheel is installed into a fresh virtual environment (``python -m venv``) with only the
dependencies ``[project] dependencies`` names, and every sub-command of ``python -m cdnotes``
runs its smallest job there, from an empty directory, the repository off ``sys.path``
(``tqdm`` was once only in the book extra: ``python -m cdnotes table1`` crashed).

pip resolves the wheel's core requirements from a folder of wheels repacked from the
distributions installed here (their files and metadata as installed: the same versions the
tests use), so the install needs no network and takes seconds (from the package index it took
five minutes on the 2-core machine). A requirement not installed here comes from the index;
``CDNOTES_WHEELHOUSE=FOLDER`` uses a folder of wheels instead.
"""
import argparse
import importlib.metadata
import json
import os
import subprocess
import time
import venv
import zipfile
from pathlib import Path

import pytest

from cdnotes.cli import build_parser

# The smallest job of each sub-command: the arguments after its name. "{out}" is its output
# file, "{spectral}" the output of `spectral` (which runs before `spectral-probes`). A new
# sub-command needs an entry here (test_every_subcommand_has_a_smallest_job says so).
SMALLEST = {
    "table1": ["--seeds", "0", "--models", "cd8", "--epochs", "1", "--out", "{out}", "--quiet"],
    "shfin": ["--seeds", "0", "1", "--variants", "mlp", "--epochs", "1", "--lengths", "64",
              "--cost-repeats", "1", "--out", "{out}", "--quiet"],
    "lr-sweep": ["--datasets", "digits", "--models", "cd8", "--seeds", "0", "--epochs-digits",
                 "1", "--sgd-rates", "0.1", "--adam-rates", "0.01", "--kfac-rates", "0.1",
                 "--whitened-rates", "0.1", "--whitenings", "zca", "--sharpness-rates",
                 "--out", "{out}", "--quiet"],
    "spectral": ["--datasets", "digits", "--seeds", "0", "--epochs", "1", "--architectures",
                 "perceptron", "--input-eigenvalues", "fixed", "--workers", "1", "--out", "{out}",
                 "--quiet"],
    "spectral-probes": ["--into", "{spectral}", "--seeds", "0", "--datasets", "digits",
                        "--overfit-widths", "8", "--workers", "1", "--out", "{out}",
                        "--quiet"],
    "structured": ["--seeds", "0", "--datasets", "digits", "--structures", "low_rank",
                   "--epochs", "1", "--no-curvature", "--out", "{out}", "--quiet"],
    "depth": ["--models", "cd8", "--depths", "1", "--seeds", "0", "--epochs", "1",
              "--out", "{out}", "--quiet"],
    "baselines": ["--names", "logistic", "--seeds", "0", "--out", "{out}", "--quiet"],
    "network-hessian": ["--models", "cd8", "--seeds", "0", "--states", "init", "--inputs", "raw",
                        "--slq-probes", "1", "--slq-steps", "5", "--curve-seeds",
                        "--out", "{out}", "--quiet"],
    "architectures": ["--models", "mlp_cd", "--block-sizes", "8", "--seeds", "0", "--lrs",
                      "0.01", "--epochs", "1", "--n-train", "100", "--out", "{out}", "--quiet"],
    "sequence-curvature": ["--models", "cnn_cd", "--block-sizes", "2", "--channels", "2",
                           "--seeds", "0", "--states", "init", "--n-eval", "8", "--out",
                           "{out}", "--quiet"],
    "adapters": ["--bases", "mlp", "--regimes", "head", "lora", "--ranks", "1", "--seeds", "0",
                 "--lrs", "0.01", "--epochs", "1", "--n-train", "50", "--n-val", "50",
                 "--out", "{out}", "--quiet"],
}
RUNS_AFTER = {"spectral-probes": "spectral"}        # reads the other's output
# What `spectral-probes` also adds to its --into file, beside writing its own.
ADDS_TO = {"spectral-probes": ("spectral", "probes")}
NOT_CORE = ("pytest", "hypothesis", "distributed", "jupyter_book", "nbformat", "ipykernel")


def subcommands() -> list:
    """The sub-command names of ``python -m cdnotes``, as its parser registers them."""
    (sub,) = [a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction)]
    return list(sub.choices)


def in_order(names: list) -> list:
    """``names`` with each command of :data:`RUNS_AFTER` moved after the one it reads."""
    ordered = [n for n in names if n not in RUNS_AFTER]
    return ordered + [n for n in names if n in RUNS_AFTER]


def test_every_subcommand_has_a_smallest_job():
    names = subcommands()
    missing = sorted(set(names) - set(SMALLEST))
    assert not missing, (f"sub-command(s) {missing} of `python -m cdnotes` have no smallest job in "
                         f"tests/test_core_install.py SMALLEST: add one (tiny --epochs/--seeds)")
    stale = sorted(set(SMALLEST) - set(names))
    assert not stale, f"SMALLEST names sub-commands that no longer exist: {stale}"
    assert {RUNS_AFTER[n] for n in RUNS_AFTER} <= set(names)


def test_every_subcommands_help_speaks_to_users(capsys):
    """``--help`` of ``python -m cdnotes`` and of each sub-command exits 0 and speaks to a
    user: no "issue 12" (the project's tracker) in it."""
    parser = build_parser()
    for argv in [["--help"]] + [[name, "--help"] for name in subcommands()]:
        with pytest.raises(SystemExit) as exit_:
            parser.parse_args(argv)
        text = capsys.readouterr().out
        assert exit_.value.code == 0, argv
        assert "usage:" in text and "issue" not in text.lower(), (argv, text)


def _clean_env(**extra) -> dict:
    """The environment less anything that puts the repository or the test venv on the path."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "VIRTUAL_ENV")}
    return env | extra


def requirements_closure(requires) -> tuple:
    """``({name: Distribution}, [missing names])``: the installed distributions that the
    requirement strings ``requires`` (markers evaluated, no extra) need, and theirs, and so on."""
    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    found, missing, todo = {}, [], [(r, "") for r in requires]
    while todo:
        line, extra = todo.pop()
        req = Requirement(line)
        if req.marker and not req.marker.evaluate({"extra": extra}):
            continue
        name = canonicalize_name(req.name)
        try:
            dist = importlib.metadata.distribution(req.name)
        except importlib.metadata.PackageNotFoundError:
            missing.append(name)
            continue
        if name not in found:
            found[name] = dist
            todo += [(r, "") for r in dist.requires or []]
        todo += [(r, e) for e in req.extras for r in dist.requires or []]
    return found, sorted(set(missing))


def repack(dist, folder: Path) -> Path:
    """An installed distribution as a wheel in ``folder``: its files (those inside
    site-packages) and its .dist-info, named with its own WHEEL tag."""
    tags = [line.split(":", 1)[1].strip().split("-")
            for line in (dist.read_text("WHEEL") or "").splitlines() if line.startswith("Tag:")]
    tag = "-".join(".".join(dict.fromkeys(part)) for part in zip(*tags)) or "py3-none-any"
    name = dist.metadata["Name"].replace("-", "_").replace(".", "_")
    wheel = folder / f"{name}-{dist.version}-{tag}.whl"      # e.g. tzdata-…-py2.py3-none-any
    with zipfile.ZipFile(wheel, "w", zipfile.ZIP_STORED) as zf:
        for file in dist.files or []:
            if not file.parts or file.parts[0] == ".." or "__pycache__" in file.parts:
                continue
            path = Path(dist.locate_file(file))
            if path.is_file():
                zf.write(path, file.as_posix())
    return wheel


@pytest.fixture(scope="module")
def core_venv(built_wheel, tmp_path_factory):
    """``bin/python`` of a fresh virtual environment holding the wheel and its core
    dependencies only (pip resolves ``[project] dependencies``; no extra)."""
    root = tmp_path_factory.mktemp("core-venv")
    with zipfile.ZipFile(built_wheel) as zf:
        meta = next(n for n in zf.namelist() if n.endswith(".dist-info/METADATA"))
        requires = [line.split(":", 1)[1].strip() for line in zf.read(meta).decode().splitlines()
                    if line.startswith("Requires-Dist:")]
    if os.environ.get("CDNOTES_WHEELHOUSE"):
        source = ["--no-index", "--find-links", os.environ["CDNOTES_WHEELHOUSE"]]
    else:
        house = root / "wheels"
        house.mkdir()
        found, missing = requirements_closure(requires)
        for dist in found.values():
            repack(dist, house)
        source = (["--no-index"] if not missing else []) + ["--find-links", str(house)]
    venv.create(root / "venv", with_pip=True, clear=True)
    python = root / "venv" / "bin" / "python"
    proc = subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--no-compile",
                           "--disable-pip-version-check", *source, str(built_wheel)],
                          capture_output=True, text=True, timeout=1200, cwd=root, env=_clean_env())
    log = proc.stdout + proc.stderr
    if proc.returncode and any(s in log for s in ("NewConnectionError", "Name or service not known",
                                                  "Temporary failure in name resolution")):
        pytest.skip("the package index is unreachable: set CDNOTES_WHEELHOUSE to a folder of "
                    "the core dependencies' wheels\n" + log[-2000:])
    assert proc.returncode == 0, log[-5000:]
    return python


@pytest.mark.slow
def test_core_install_runs_every_subcommand(core_venv, tmp_path):
    python, work = core_venv, tmp_path / "work"
    work.mkdir()
    env = _clean_env(PYTHONNOUSERSITE="1")

    def run(*argv, timeout=900):
        return subprocess.run([str(python), *argv], capture_output=True, text=True,
                              timeout=timeout, cwd=work, env=env)

    where = run("-c", "import cdnotes, importlib.util as u; print(cdnotes.__file__); "
                      f"print([m for m in {NOT_CORE!r} if u.find_spec(m)])")
    assert where.returncode == 0, where.stderr
    path, extras = where.stdout.splitlines()
    assert Path(path).resolve().is_relative_to(python.parent.parent.resolve()), path
    assert extras == "[]", f"not a core-only install: {extras} importable"

    help_ = run("-m", "cdnotes", "--help", timeout=300)   # each sub-command's: the test above
    assert help_.returncode == 0 and "usage:" in help_.stdout, help_.stdout + help_.stderr

    failures, seconds = [], {}
    for name in in_order(subcommands()):
        out = work / f"{name}.json"
        argv = [a.format(out=out, **{k: work / f"{k}.json" for k in RUNS_AFTER.values()})
                for a in SMALLEST[name]]
        started = time.perf_counter()
        proc = run("-m", "cdnotes", name, *argv)
        seconds[name] = round(time.perf_counter() - started, 1)
        if proc.returncode:
            failures.append(f"python -m cdnotes {name} {' '.join(argv)}: exit {proc.returncode}"
                            f"\n{(proc.stdout + proc.stderr)[-3000:]}")
            continue
        for target, key in [(name, "records"), *([ADDS_TO[name]] if name in ADDS_TO else [])]:
            try:
                document = json.loads((work / f"{target}.json").read_text())
            except (OSError, ValueError) as err:
                failures.append(f"{name}: no JSON document at {work / f'{target}.json'}: {err}")
                continue
            records = document.get(key) if isinstance(document, dict) else None
            if not records:
                failures.append(f"{name}: {target}.json has no {key!r} (keys: {list(document)})")
    print("seconds per sub-command:", seconds)              # shown with pytest -rP
    assert not failures, "\n\n".join(failures) + f"\n\nseconds: {seconds}"
