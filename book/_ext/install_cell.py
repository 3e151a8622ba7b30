"""Every chapter's first cell installs cdnotes in Colab, from the repository named in ``_config.yml``.

Colab opens the committed ``.ipynb`` straight from GitHub, so the install command must be written
into the notebook itself: nothing at build time can fill it in for a reader. The one setting is
``repository.url`` (with ``repository.branch``) in ``_config.yml``, which also drives the launch
and repository buttons. This module

* writes it into every notebook's install cell: ``make install-cells``
  (``python book/_ext/install_cell.py``), after the setting changes;
* checks it during ``jupyter-book build`` (as a Sphinx extension): a notebook whose install cell
  differs gets a warning, which fails the ``-W`` build; ``tests/test_book.py`` checks it as well.
"""
from __future__ import annotations

import json
from pathlib import Path

COLAB_GUARD = 'if "google.colab" in sys.modules:'
TAG = "remove-cell"   # readers of the HTML do not see it; Colab users do


def repository(config_path) -> tuple[str, str]:
    """``(repository.url, repository.branch)`` from a Jupyter Book ``_config.yml``."""
    import yaml

    repo = (yaml.safe_load(Path(config_path).read_text(encoding="utf-8")) or {}).get("repository", {})
    if not repo.get("url"):
        raise ValueError(f"{config_path}: repository.url is not set")
    return repo["url"].rstrip("/"), repo.get("branch", "main")


def install_cell_source(url: str, branch: str) -> str:
    """The exact source of the install cell for the repository ``url`` at ``branch``."""
    return (
        "# In Colab, install cdnotes first (the book's own build already has it). The URL is\n"
        "# repository.url/.branch in _config.yml: change it there and run `make install-cells`.\n"
        "import sys\n"
        f"{COLAB_GUARD}\n"
        "    import subprocess\n"
        '    subprocess.run([sys.executable, "-m", "pip", "install", "-q",\n'
        f'                    "cdnotes @ git+{url}@{branch}"], check=True)'
    )


def mismatch(notebook, url: str, branch: str) -> str | None:
    """Why ``notebook``'s first cell is not the install cell for ``url``/``branch`` (None if it is)."""
    cells = json.loads(Path(notebook).read_text(encoding="utf-8")).get("cells", [])
    if not cells or cells[0].get("cell_type") != "code":
        return "the first cell is not a code cell"
    source = "".join(cells[0].get("source", ""))
    if source != install_cell_source(url, branch):
        return f"the first cell is not the install cell for {url}@{branch}"
    if TAG not in cells[0].get("metadata", {}).get("tags", []):
        return f"the install cell is not tagged {TAG!r}"
    return None


def write_install_cells(notebooks, url: str, branch: str) -> list[Path]:
    """Make the first cell of each notebook the install cell (replacing an existing one). Returns
    the notebooks that changed."""
    import nbformat

    changed = []
    for path in map(Path, notebooks):
        if mismatch(path, url, branch) is None:
            continue
        nb = nbformat.read(path, as_version=4)
        if nb.cells and nb.cells[0].cell_type == "code" and COLAB_GUARD in nb.cells[0].source:
            nb.cells[0].source = install_cell_source(url, branch)
        else:
            nb.cells.insert(0, nbformat.v4.new_code_cell(install_cell_source(url, branch)))
        tags = nb.cells[0].metadata.setdefault("tags", [])
        if TAG not in tags:
            tags.append(TAG)
        path.write_text(nbformat.writes(nb) + "\n", encoding="utf-8")
        changed.append(path)
    return changed


def _check_notebooks(app, env, docnames):
    options = app.config.html_theme_options
    url, branch = options.get("repository_url"), options.get("repository_branch", "main")
    if not url:
        return
    from sphinx.util import logging

    logger = logging.getLogger(__name__)
    for docname in sorted(env.found_docs):
        path = Path(env.doc2path(docname))
        if path.suffix == ".ipynb" and (why := mismatch(path, url.rstrip("/"), branch)):
            logger.warning(f"{why}; run `make install-cells`", location=docname)


def _repository_substitutions(app, config):
    """``{{ repository_url }}`` and ``{{ repository_link }}`` for the pages' Markdown, from the
    same setting (the introduction names the repository without writing it a second time)."""
    url = (config.html_theme_options or {}).get("repository_url", "").rstrip("/")
    if url:
        config.myst_substitutions = {**(config.myst_substitutions or {}),
                                     "repository_url": url,
                                     "repository_link": f"[{url}]({url})"}


def setup(app):
    app.connect("config-inited", _repository_substitutions, priority=900)
    app.connect("env-before-read-docs", _check_notebooks)
    return {"parallel_read_safe": True, "parallel_write_safe": True}


if __name__ == "__main__":
    root = Path(__file__).resolve().parents[2]
    url, branch = repository(root / "_config.yml")
    changed = write_install_cells(sorted((root / "book").glob("*.ipynb")), url, branch)
    print(f"install cells point at {url}@{branch}; rewrote {len(changed)} notebook(s)",
          *(f"  {p.relative_to(root)}" for p in changed), sep="\n")
