"""The book: notebooks committed clean, and a full Jupyter Book build with zero warnings."""
import json
import math
import shutil
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "book").glob("*.ipynb"))


def toc_files():
    import yaml
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = [toc["root"]]
    for part in [toc] + toc.get("parts", []):
        files += [c["file"] for c in part.get("chapters", [])]
    return files


def test_there_are_chapters():
    assert len(NOTEBOOKS) >= 2


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_committed_without_outputs(path):
    nb = json.loads(path.read_text())
    dirty = [i for i, c in enumerate(nb["cells"]) if c["cell_type"] == "code"
             and (c.get("outputs") or c.get("execution_count") is not None)]
    assert not dirty, f"{path.name}: cells {dirty} carry outputs; strip them (the build executes notebooks)"


CODE_LINE_MAX = 90      # characters: a longer code line is cut off at the page's text column


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_code_lines_fit_the_page(path):
    cells = json.loads(path.read_text())["cells"]
    long = [f"{path.name}, cell {i}, line {n}: {len(line)} characters: {line.strip()}"
            for i, cell in enumerate(cells) if cell["cell_type"] == "code"
            for n, line in enumerate("".join(cell["source"]).splitlines(), start=1)
            if len(line) > CODE_LINE_MAX]
    assert not long, f"code lines longer than {CODE_LINE_MAX} characters:\n" + "\n".join(long)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_first_cell_installs_cdnotes_in_colab(path):
    first = json.loads(path.read_text())["cells"][0]
    source = "".join(first["source"])
    assert first["cell_type"] == "code"
    assert '"google.colab" in sys.modules' in source and "pip" in source and "cdnotes" in source


def _install_cell_module():
    """book/_ext/install_cell.py: writes and checks the notebooks' Colab install cells."""
    import importlib.util
    spec = importlib.util.spec_from_file_location("install_cell", ROOT / "book" / "_ext" / "install_cell.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_install_cell_installs_from_the_repository_in_config(path):
    """One setting, repository.url (+ branch) in _config.yml, for launch buttons and install cells."""
    install_cell = _install_cell_module()
    url, branch = install_cell.repository(ROOT / "_config.yml")
    assert install_cell.mismatch(path, url, branch) is None, (
        f"{path.name}: {install_cell.mismatch(path, url, branch)}; run `make install-cells`")
    text = path.read_text()
    assert text.count("git+") == 1, f"{path.name} installs from somewhere besides its first cell"


def test_readme_links_to_the_configured_repository():
    url, branch = _install_cell_module().repository(ROOT / "_config.yml")
    readme = (ROOT / "README.md").read_text()
    repo = url.split("github.com/")[-1]
    colab = re.findall(r"colab\.research\.google\.com/github/([^/\s`]+/[^/\s`]+)/blob/([^/\s`]+)/", readme)
    assert colab and set(colab) == {(repo, branch)}, colab


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_in_the_table_of_contents(path):
    assert str(path.relative_to(ROOT).with_suffix("")) in toc_files()


@pytest.fixture(scope="session")
def built_book(tmp_path_factory):
    """Build the whole book once, from scratch, executing every notebook (execute_notebooks: force)."""
    out = tmp_path_factory.mktemp("book")
    jb = Path(sys.executable).with_name("jupyter-book")
    proc = subprocess.run([str(jb), "build", str(ROOT), "--all", "-W", "-n", "--keep-going",
                           "--path-output", str(out)], capture_output=True, text=True, timeout=1800)
    return proc, out / "_build" / "html"


@pytest.mark.book
def test_book_builds_with_zero_warnings(built_book):
    proc, html = built_book
    log = proc.stdout + proc.stderr
    warnings = [line for line in log.splitlines() if "WARNING" in line and "IPKernelApp" not in line]
    assert proc.returncode == 0 and not warnings, "\n".join(warnings) or log[-5000:]
    assert (html / "index.html").exists()


@pytest.mark.book
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_every_chapter_page_shows_its_figures(built_book, path):
    _, html = built_book
    page = (html / "book" / f"{path.stem}.html").read_text()
    images = re.findall(r'<img[^>]+src="([^"]+\.png)"', page)
    figures = [src for src in images if "_images/" in src]
    assert figures, f"{path.name} rendered no figure"
    for src in figures:
        assert (html / "book" / src).resolve().stat().st_size > 2000
    assert "Traceback (most recent call last)" not in page


@pytest.mark.book
def test_pages_load_no_script_from_the_network(built_book):
    _, html = built_book
    for page in html.rglob("*.html"):
        remote = re.findall(r'<script[^>]+src="(https?://[^"]+)"', page.read_text())
        assert not remote, f"{page.name} loads {remote}"
    assert (html / "_static" / "mathjax" / "tex-mml-chtml.js").stat().st_size > 100_000
    assert list((html / "_static" / "mathjax" / "output" / "chtml" / "fonts").rglob("*.woff"))


def _chromium():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if shutil.which(name):
            return shutil.which(name)
    return None


# Headless, and every network request sent to a dead proxy: the page must render from the book alone.
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run",
                  "--proxy-server=127.0.0.1:9", "--virtual-time-budget=15000"]


def _grid_on_display(dom: str, uid: str) -> dict:
    """What the explorer grid ``uid`` shows in a DOM dumped by Chromium (set by its JavaScript)."""
    root = re.search(rf'<div class="cdx-explorer" id="{uid}"[^>]*>', dom)
    assert root, f"grid {uid} missing from the DOM"
    selection = re.search(r'data-selection="([^"]*)"', root.group(0))
    frame = re.search(r'data-frame="(\d+)"', root.group(0))
    assert selection and frame, "the grid's script did not run (no data-selection / data-frame)"
    return {"selection": selection.group(1).replace("&amp;", "&"), "frame": int(frame.group(1)),
            "kappa": dict(re.findall(r'data-kappa="(\w+)">([^<]*)<', dom)),
            "paths": dict(re.findall(r'<path data-curve="(\w+)" d="([^"]*)"', dom))}


@pytest.mark.book
@pytest.mark.skipif(_chromium() is None, reason="Chromium is not installed (.ci/run installs Debian's chromium)")
def test_theorem2_page_renders_offline_in_chromium(built_book, tmp_path):
    _, html = built_book
    page = html / "book" / "04_theorem2.html"
    raw = page.read_text()
    (uid,) = re.findall(r'<div class="cdx-explorer" id="(cdx-[0-9a-f]+)"', raw)   # one explorer grid
    blob = re.search(rf'<script type="application/json" id="{uid}-data">(.*?)</script>', raw, re.S)
    data = json.loads(blob.group(1).replace("<\\/", "</"))
    assert len(data["frames"]) == math.prod(len(a["values"]) for a in data["axes"])
    assert [a["key"] for a in data["axes"]] == ["B", "whitening", "N", "rho"]
    assert not re.search(r'<path data-curve="\w+" d="M', raw)             # curves are drawn by JavaScript
    remote = re.findall(r"""<(?:link|img|script|source)[^>]+(?:src|href)=["']?(https?://[^"' >]+)""", raw)
    assert not remote, remote                                             # no stylesheet, image, script

    common = [_chromium(), *CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'profile'}"]

    def shown(fragment: str = "") -> tuple[dict, str]:
        dom = subprocess.run(common + ["--dump-dom", page.as_uri() + fragment], capture_output=True,
                             text=True, timeout=180).stdout
        return _grid_on_display(dom, uid), dom

    def check(state: dict, selection: str):
        frame = data["frames"][state["frame"]]
        assert state["selection"] == selection
        assert selection == "&".join(f"{a['key']}={frame['setting'][a['key']]}" for a in data["axes"])
        assert state["kappa"] == frame["kappa_text"]                         # the three κ, as text
        for key, curve in frame["curves"].items():                           # every point drawn
            assert state["paths"][key].startswith("M") and state["paths"][key].count("L") == len(curve) - 1

    first, dom = shown()
    check(first, "B=8&whitening=spectral&N=1024&rho=0.8")                   # opens as the live widget
    assert dom.count("<mjx-container") > 20                                  # MathJax, from the local copy
    other, _ = shown("#B=4&whitening=zca&N=256")                             # the controls, set from the URL
    check(other, "B=4&whitening=zca&N=256&rho=0.8")
    assert other["frame"] != first["frame"] and other["paths"]["cd"] != first["paths"]["cd"]
    assert other["kappa"]["cd"] != first["kappa"]["cd"]

    shot = tmp_path / "page.png"
    subprocess.run(common + ["--window-size=1200,2400", f"--screenshot={shot}", page.as_uri()],
                   capture_output=True, timeout=180)
    import matplotlib.image
    pixels = matplotlib.image.imread(shot)
    assert pixels.shape[0] >= 2000 and pixels[..., :3].std() > 0.05   # something was drawn


# What Chromium's console reports when a page's JavaScript breaks (or needs the network).
CONSOLE_ERRORS = re.compile(r"Uncaught|SyntaxError|ReferenceError|TypeError|already been declared"
                            r"|Failed to load resource")


def console_errors(page, profile):
    """The console lines of loading ``page`` headless in Chromium that report a script error."""
    proc = subprocess.run([_chromium(), *CHROMIUM_FLAGS, f"--user-data-dir={profile}",
                           "--enable-logging=stderr", "--v=0", "--dump-dom", page.as_uri()],
                          capture_output=True, text=True, timeout=180)
    console = [line for line in proc.stderr.splitlines() if ":CONSOLE" in line]
    assert "</html>" in proc.stdout, f"{page.name}: Chromium rendered nothing\n{proc.stderr[-2000:]}"
    return [line for line in console if CONSOLE_ERRORS.search(line)]


@pytest.mark.book
@pytest.mark.skipif(_chromium() is None, reason="Chromium is not installed (.ci/run installs Debian's chromium)")
def test_pages_log_no_script_errors_in_chromium(built_book, tmp_path):
    """No page's console shows an error (it once said: Identifier 'THEBE_JS_URL' has already been declared)."""
    _, html = built_book
    pages = sorted((html / "book").glob("*.html")) + [html / "search.html", html / "genindex.html"]
    assert len(pages) >= len(NOTEBOOKS) + 3
    errors = {page.name: found for page in pages if (found := console_errors(page, tmp_path / "profile"))}
    assert not errors, "\n".join(f"{name}: {lines}" for name, lines in errors.items())
    for page in pages:                          # the cause: an inline script written twice
        inline = re.findall(r"<script>(.*?)</script>", page.read_text(), flags=re.S)
        assert len(inline) == len(set(inline)), f"{page.name} repeats an inline script"


def execute(path, workdir):
    """Run the notebook at ``path`` with nbclient, its kernel started in ``workdir``; a cell that
    raises fails the caller with the cell's traceback. The kernel inherits ``os.environ``."""
    import nbclient
    import nbformat

    nb = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(nb, timeout=900, kernel_name="python3",
                                     resources={"metadata": {"path": str(workdir)}})
    try:
        client.execute()
        return nb
    except nbclient.exceptions.CellExecutionError as err:
        message = re.sub(r"\x1b\[[0-9;]*m", "", str(err))            # no terminal colours
    pytest.fail(f"{path.name}, run in {workdir}:\n{message}", pytrace=False)


# One chapter per test: under `make test` (pytest -n auto) the workers run them side by side,
# one kernel per worker, each in a folder of its own (the book build runs these notebooks too).
@pytest.mark.book
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_chapter_holds_on_another_seed_set(path, monkeypatch, tmp_path):
    """Every chapter draws its seeds through cdnotes.seeds; the sentences its assertions guard
    must hold for a different seed set too, not just for the one the book is built with."""
    from cdnotes.seeds import SEED_OFFSET_ENV

    monkeypatch.setenv(SEED_OFFSET_ENV, "1000")
    copy = tmp_path / path.name
    shutil.copy(path, copy)
    execute(copy, tmp_path)


@pytest.fixture(scope="session")
def installed_package(built_wheel, tmp_path_factory):
    """The wheel, installed by pip into a directory of its own (what `pip install` gives Colab)."""
    site = tmp_path_factory.mktemp("site")
    proc = subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target",
                           str(site), str(built_wheel)], capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return site


WHERE_AM_I = """\
import importlib.util, os, sys
import cdnotes
assert os.path.realpath(cdnotes.__file__).startswith(os.path.realpath({site!r}) + os.sep), cdnotes.__file__
assert os.path.realpath(os.getcwd()) == os.path.realpath({workdir!r}), os.getcwd()
assert not [p for p in sys.path if os.path.realpath(p or ".") == {root!r}], sys.path
assert importlib.util.find_spec("benchmarks") is None
"""


@pytest.mark.book
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_chapter_runs_alone_with_the_installed_package(path, installed_package, tmp_path, monkeypatch):
    """As in Colab: the notebook alone in an empty directory, `cdnotes` from the installed wheel,
    the repository neither the working directory nor on sys.path (so no `../benchmarks/...`)."""
    import nbformat

    workdir = tmp_path / "colab"
    workdir.mkdir()
    nb = nbformat.read(path, as_version=4)
    check = WHERE_AM_I.format(site=str(installed_package), workdir=str(workdir), root=str(ROOT))
    nb.cells.insert(1, nbformat.v4.new_code_cell(check))        # right after the install cell
    copy = workdir / path.name
    nbformat.write(nb, copy)
    monkeypatch.setenv("PYTHONPATH", str(installed_package))    # replaces a PYTHONPATH=repo root
    execute(copy, workdir)


@pytest.mark.book
def test_pages_use_the_book_style(built_book):
    """Code wraps at the column and glued numbers do not break (book/_ext/static/cdnotes.css)."""
    _, html = built_book
    css = (html / "_static" / "cdnotes.css").read_text()
    assert "pre-wrap" in css and "span.pasted-text" in css
    for page in (html / "book").glob("*.html"):
        assert "_static/cdnotes.css" in page.read_text(), page.name


# Appended to a copy of each page: after MathJax has typeset, record how wide the document is
# and which text elements of the article run past the article's right edge.
MEASURE_WIDTH = r"""<script>
window.addEventListener('load', () => setTimeout(() => {
  const done = () => {
    const art = document.querySelector('main article') || document.querySelector('article') || document.body;
    const colR = art.getBoundingClientRect().right;
    const over = [];
    art.querySelectorAll('p, li, span.pasted-text, img, table').forEach(e => {
      const r = e.getBoundingClientRect();
      // inside a table only the table counts: a wide table scrolls within the column
      if (e.tagName !== 'TABLE' && e.closest('table')) return;
      if (r.right > colR + 4 && !e.closest('.highlight, pre, .cell_input'))
        over.push([Math.round(r.right - colR), (e.textContent || e.getAttribute('src') || '').trim().slice(0, 80)]);
    });
    const pre = document.createElement('pre'); pre.id = 'width-measure';
    pre.textContent = JSON.stringify({doc_width: document.documentElement.scrollWidth, overflow: over.slice(0, 20)});
    document.body.appendChild(pre);
  };
  (window.MathJax && MathJax.startup && MathJax.startup.promise) ? MathJax.startup.promise.then(done, done) : done();
}, 300));
</script>"""


def page_width(page: Path, profile: Path) -> dict:
    """``{"doc_width", "overflow"}`` of ``page`` rendered headless at 1280 px (Chromium
    profiles go in new folders under ``profile``)."""
    probe = page.with_name("__width_" + page.name)          # beside the page: relative assets load
    probe.write_text(page.read_text().replace("</body>", MEASURE_WIDTH + "</body>"))
    try:
        for attempt in range(3):    # a loaded machine sometimes ends the virtual time first
            # a fresh profile each time: a Chromium helper still exiting holds the last one's lock
            fresh = profile / f"{page.stem}-{attempt}"
            proc = subprocess.run([_chromium(), *CHROMIUM_FLAGS, "--window-size=1280,1000",
                                   f"--user-data-dir={fresh}", "--dump-dom", probe.as_uri()],
                                  capture_output=True, text=True, timeout=180)
            found = re.search(r'<pre id="width-measure">(.*?)</pre>', proc.stdout, re.S)
            if found:
                break
    finally:
        probe.unlink()
    assert found, f"{page.name}: no measurement (the page did not load)\n{proc.stderr[-2000:]}"
    import html as _html
    return json.loads(_html.unescape(found.group(1)))


@pytest.mark.book
@pytest.mark.skipif(_chromium() is None, reason="Chromium is not installed (.ci/run installs Debian's chromium)")
def test_no_page_is_wider_than_its_column(built_book, tmp_path):
    """At 1280 px no page scrolls sideways and no paragraph, glued text, figure or table runs
    past the article column (glued sentences once kept `white-space: nowrap`: chapter 8 was
    6,463 px wide)."""
    _, html = built_book
    pages = sorted((html / "book").glob("*.html"))          # index.html only redirects
    assert (html / "book" / "intro.html") in pages
    wide = {}
    for page in pages:
        m = page_width(page, tmp_path / "profile")
        if m["doc_width"] > 1280 or m["overflow"]:
            wide[page.name] = m
    assert not wide, "\n".join(f"{k}: {v['doc_width']} px, past the column: {v['overflow'][:5]}"
                               for k, v in wide.items())


RAW_TABLE = re.compile(r"<p>[^<]*\|\s*-{3,}\s*\|")
RAW_CELL = re.compile(r"<td[^>]*>\s*(?:<p>)?\s*(nan|inf|-inf|None|NaN|\{[^<}]*:[^<}]*\}"
                      r"|\[\s*['\"][^<]*\])\s*(?:</p>)?\s*</td>")
# (a dict, or a list of strings, printed as Python writes it, filling a cell)


@pytest.mark.book
def test_every_table_is_a_table(built_book):
    """No Markdown table printed as pipe text, no raw nan/inf/None/dict in a table cell."""
    _, html = built_book
    bad = {}
    for page in [html / "index.html", *sorted((html / "book").glob("*.html"))]:
        text = page.read_text()
        found = RAW_TABLE.findall(text) + RAW_CELL.findall(text)
        if found:
            bad[page.name] = found[:5]
    assert not bad, bad


@pytest.mark.book
def test_glued_sentences_render_their_math(built_book):
    """No ``$…$`` is left literally in a page's text: glued sentences are Markdown
    (``glue_markdown`` + ``{glue:md}`key:myst```); a plain ``{glue:text}`` or a ``{glue:md}``
    without ``:myst`` leaves the dollars on the page."""
    _, html = built_book
    bad = {}
    for page in [html / "index.html", *sorted((html / "book").glob("*.html"))]:
        text = page.read_text()
        text = re.sub(r"<(pre|code|script|style|textarea)\b.*?</\1>", " ", text, flags=re.S)
        text = re.sub(r"<[^>]+>", "", text)                  # the text a reader sees
        literal = re.findall(r"\$[^$\n]{1,80}?\$", text)
        literal = [m for m in literal if re.search(r"[\\_^{}]|[A-Za-zλκσ]", m)]
        if literal:
            bad[page.name] = literal[:3]
    assert not bad, bad


def measurements_read_by(path: Path) -> set:
    """Names of the committed result files a notebook reads (cdnotes/measurements/)."""
    source = "".join("".join(c["source"]) for c in json.loads(path.read_text())["cells"]
                     if c["cell_type"] == "code")
    names = set(re.findall(r"""load_measurement\(\s*["']([a-z0-9_]+)["']""", source))
    if "load_results(" in source:                       # chapter 8's reader of its merged file
        names.add("network_hessian_digits")
    return names


def test_introduction_lists_what_each_chapter_reads_from_committed_results():
    """The introduction's table of committed results matches what the notebooks load."""
    intro = (ROOT / "book" / "intro.md").read_text()
    listed = {}
    for row in re.findall(r"^\| (\d+) [^|]*\| ([^|]*) \|", intro, flags=re.M):
        listed[int(row[0])] = set(re.findall(r"`([a-z0-9_]+)`", row[1]))
    read = {int(p.name[:2]): measurements_read_by(p) for p in NOTEBOOKS if p.name[:2].isdigit()}
    read = {k: v for k, v in read.items() if v}
    assert listed == read
    from cdnotes.measurements import available_measurements as available
    for names in read.values():
        assert names <= set(available()), names - set(available())
