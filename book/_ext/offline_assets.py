"""Serve the JavaScript the book needs from the book itself (no CDN at read time).

MathJax 3 comes from the ``django-static-mathjax`` wheel (plain static files,
Apache-2.0; Django itself is not needed). Only what the CHTML renderer loads is
copied into ``_static/mathjax`` (about 3 MB): the combined ``tex-mml-chtml.js``
component, its fonts, and the TeX extensions and UI pieces it may load lazily.
"""
from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path

MATHJAX_PARTS = ["tex-mml-chtml.js", "output", "input", "ui", "a11y", "adaptors"]


def mathjax_source() -> Path:
    spec = importlib.util.find_spec("mathjax")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("MathJax is missing: install the book extras, "
                           "`pip install -e '.[book]'` (package django-static-mathjax)")
    es5 = Path(list(spec.submodule_search_locations)[0]) / "static" / "mathjax" / "es5"
    if not (es5 / "tex-mml-chtml.js").is_file():
        raise RuntimeError(f"no tex-mml-chtml.js under {es5}")
    return es5


def _use_local_mathjax(app, config):
    mathjax_source()  # fail early, with a clear message, if the files are missing
    config.mathjax_path = "mathjax/tex-mml-chtml.js"  # relative to _static


def _copy_mathjax(app, exception):
    if exception is not None or app.builder.format != "html":
        return
    src, dest = mathjax_source(), Path(app.outdir) / "_static" / "mathjax"
    for part in MATHJAX_PARTS:
        if (src / part).is_dir():
            shutil.copytree(src / part, dest / part, dirs_exist_ok=True)
        elif (src / part).is_file():
            dest.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src / part, dest / part)


def setup(app):
    app.connect("config-inited", _use_local_mathjax, priority=900)
    app.connect("build-finished", _copy_mathjax)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
