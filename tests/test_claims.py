"""The claims table (cdnotes.claims): verbatim quotes, a verdict for every claim from a check or a
stated reason, and links that resolve in the built book."""
import json
import os
import re
from pathlib import Path

import pytest

from cdnotes.claims import (CLAIMS, PAPERS, SECTIONS, VERDICTS, Verdict, claim, counts, evaluate,
                            href, sentence, table)
from cdnotes.claims.core import CHECKS, Claim
from cdnotes.claims.quotes import find_quote, normalise_paper, quote_pattern

ROOT = Path(__file__).resolve().parents[1]


def papers_dir():
    """The shared papers: $CDNOTES_PAPERS, or ../shared/papers beside the checkout."""
    candidates = [os.environ.get("CDNOTES_PAPERS"), ROOT.parent / "shared" / "papers",
                  ROOT.parent.parent / "shared" / "papers"]
    for c in candidates:
        if c and (Path(c) / "cd-neural-networks.txt").exists():
            return Path(c)
    return None


PAPERS_DIR = papers_dir()
needs_papers = pytest.mark.skipif(PAPERS_DIR is None, reason="the papers' texts are not here "
                                  "(set CDNOTES_PAPERS to the shared papers/ directory)")


@pytest.fixture(scope="module")
def paper_texts():
    return {k: (PAPERS_DIR / name).read_text(encoding="utf-8") for k, (_, name) in PAPERS.items()}


# ------------------------------------------------------------------ the quote matcher itself

PAPER_LIKE = ("The CD\\-MLPB=4B=4has Hessian condition numberκ=1\\.9×104\\\\kappa=1\\.9\\\\times "
              "10^\\{4\\},310×310\\\\timessmaller than the dense baseline")


def test_quote_matches_escaped_text_with_formulas():
    q = r"The CD-MLP $B=4$ has Hessian condition number $\kappa=1.9\times 10^{4}$, $310\times$ smaller"
    assert find_quote(q, PAPER_LIKE)


@pytest.mark.parametrize("wrong", [
    r"The CD-MLP $B=4$ has Hessian condition number $\kappa=1.8\times 10^{4}$",   # a number
    r"The CD-MLP $B=8$ has Hessian condition number",                              # a formula
    r"The CD-MLP $B=4$ has a Hessian condition number",                            # a word
    r"The CD-MLP has Hessian condition number",                                    # a formula left out
])
def test_quote_matcher_refuses_a_misquote(wrong):
    assert not find_quote(wrong, PAPER_LIKE)


def test_ellipsis_leaves_out_words_in_order_only():
    text = "alpha beta gamma delta"
    assert find_quote("alpha … delta", text)
    assert not find_quote("delta … alpha", text)
    with pytest.raises(ValueError):
        quote_pattern("alpha …  … delta")


def test_normalise_removes_markdown_escapes_and_collapses_space():
    assert normalise_paper("97\\.50\\\\%\n  and\t\\(x\\)") == "97.50\\% and (x)"


# ------------------------------------------------------------------ the data

def test_there_are_about_a_hundred_claims_from_every_paper():
    assert len(CLAIMS) >= 100
    assert {c.paper for c in CLAIMS} == set(PAPERS)
    assert all(sum(c.paper == p for c in CLAIMS) >= 8 for p in PAPERS)


def test_claim_ids_are_unique_and_found():
    ids = [c.id for c in CLAIMS]
    assert len(ids) == len(set(ids))
    assert claim(ids[0]) is CLAIMS[0]
    with pytest.raises(KeyError, match="no-such"):
        claim("no-such")


@pytest.mark.parametrize("c", CLAIMS, ids=lambda c: c.id)
def test_every_claim_has_a_check_or_a_reason_and_a_link(c):
    assert isinstance(c, Claim)
    assert c.paper in PAPERS and c.section and c.quote.strip()
    assert c.link in SECTIONS, f"{c.id}: link {c.link!r} is not in SECTIONS"
    assert c.quote.count("$") % 2 == 0, f"{c.id}: an unclosed $ in the quote"
    if c.check is not None:
        assert c.check in CHECKS, f"{c.id}: no check {c.check!r}"
        assert c.verdict is None and c.reason is None, f"{c.id}: a computed verdict is typed too"
    else:
        assert c.verdict in VERDICTS and c.reason and len(c.reason) > 30, c.id


@needs_papers
@pytest.mark.parametrize("c", CLAIMS, ids=lambda c: c.id)
def test_every_quote_is_verbatim_in_its_paper(c, paper_texts):
    assert find_quote(c.quote, paper_texts[c.paper]), (
        f"{c.id}: the quote is not in {PAPERS[c.paper][1]} (after whitespace normalisation): "
        f"{c.quote!r}")


def test_every_check_is_used():
    assert set(CHECKS) == {c.check for c in CLAIMS if c.check}


@pytest.mark.parametrize("name", sorted(CHECKS))
def test_every_check_returns_an_allowed_verdict_with_evidence(name):
    v = CHECKS[name]()
    assert isinstance(v, Verdict) and v.verdict in VERDICTS
    assert len(v.evidence) > 30
    assert not re.search(r"\b(nan|None)\b", v.evidence), v.evidence


def test_verdict_refuses_unknown_words_and_empty_evidence():
    with pytest.raises(ValueError):
        Verdict("true", "because")
    with pytest.raises(ValueError):
        Verdict("holds", " ")


def test_evaluate_uses_the_check_not_a_typed_verdict(monkeypatch):
    c = next(c for c in CLAIMS if c.check)
    evaluate.cache_clear()
    monkeypatch.setitem(CHECKS, c.check, lambda: Verdict("fails", "a stand-in check, to see it run"))
    try:
        assert evaluate(c.id) == Verdict("fails", "a stand-in check, to see it run")
    finally:
        evaluate.cache_clear()


def test_table_counts_and_sentence_agree():
    rows = table()
    assert len(rows) == len(CLAIMS)
    total = counts()
    assert sum(sum(v.values()) for v in total.values()) == len(CLAIMS)
    for verdict in VERDICTS:
        assert sum(t[verdict] for t in total.values()) == sum(r["verdict"] == verdict for r in rows)
    r = rows[0]
    assert sentence(r["id"]) == f"**{r['verdict']}** — {r['evidence']}"
    assert all(r["computed"] == (claim(r["id"]).check is not None) for r in rows)


# ------------------------------------------------------------------ checks against the obvious

def test_parameter_claims_against_a_direct_count():
    """The paper's digits models, counted by hand: 64·64 + 64 twice, then 64·10 + 10 (dense);
    the same weights divided by B with the last layer 12 or 16 wide (CD)."""
    dense = 2 * (64 * 64 + 64) + 64 * 10 + 10
    cd4 = 2 * (64 * 64 // 4 + 64) + 64 * 12 // 4 + 12
    cd8 = 2 * (64 * 64 // 8 + 64) + 64 * 16 // 8 + 16
    from cdnotes.claims.checks import paper_params
    assert paper_params() == {"dense": dense, "cd4": cd4, "cd8": cd8}
    assert evaluate("cd-sum-params").verdict == ("holds" if round(dense / cd4, 1) == 3.8 else "fails")


def test_eq8_check_against_the_explicit_trace_for_one_block():
    import numpy as np
    import scipy.linalg
    from cdnotes.claims.checks import _eq8_gap, _rng
    c = _rng(8).standard_normal((1, 1, 8))
    W = scipy.linalg.circulant(c[0, 0])
    explicit = np.trace(np.linalg.inv(W.T @ W + 1e-3 * np.eye(8)))
    assert _eq8_gap(1, 1, 8) == pytest.approx((explicit, explicit), rel=1e-10)


def test_sklearn_baselines_are_those_of_the_split():
    from sklearn.neighbors import KNeighborsClassifier
    from cdnotes.claims.checks import sklearn_baselines
    from cdnotes.data import digits_split
    Xtr, Xte, ytr, yte = digits_split(0)
    knn = 100 * KNeighborsClassifier(3).fit(Xtr, ytr).score(Xte, yte)
    assert sklearn_baselines()["3-nearest neighbours"] == pytest.approx(knn)


def test_committed_claims_runs_are_the_papers_protocol():
    from cdnotes.claims.measure import load
    d = load()
    conv = d["convergence"]
    assert {r["model"] for r in conv} == {"dense", "cd4", "cd8"}
    assert all(len(r["train_loss"]) == 25 == len(r["test_accuracy"]) for r in conv)
    assert {r["n_params"] for r in conv} == {8970, 2380, 1296}
    assert {r["hidden_layers"] for r in d["depth"]} == {1, 2, 3, 4}


# ------------------------------------------------------------------ links

def test_every_link_target_page_is_in_the_table_of_contents():
    from test_book import toc_files
    pages = set(toc_files())
    for key, (page, anchor, text) in SECTIONS.items():
        assert f"book/{page}" in pages, f"{key}: {page} is not in _toc.yml"
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", anchor), f"{key}: {anchor!r}"
        assert text.strip()
    assert href("ch5-table1") == "05_digits.html#ch5-table1"
    assert href("here-measured").startswith("#")


@pytest.fixture(scope="session")
def built_html(tmp_path_factory):
    """The built book's HTML: the one tests/test_book.py's ``built_book`` wrote in this session
    if it ran first (importing that fixture here would build the book a second time), else a
    build of its own, the same command."""
    import subprocess
    import sys

    for html in sorted(tmp_path_factory.getbasetemp().glob("book*/_build/html")):
        if (html / "book" / "claims.html").exists():
            return html
    out = tmp_path_factory.mktemp("book")
    jb = Path(sys.executable).with_name("jupyter-book")
    proc = subprocess.run([str(jb), "build", str(ROOT), "--all", "-W", "-n", "--keep-going",
                           "--path-output", str(out)], capture_output=True, text=True, timeout=1800)
    html = out / "_build" / "html"
    assert (html / "book" / "claims.html").exists(), (proc.stdout + proc.stderr)[-5000:]
    return html


@pytest.mark.book
def test_every_link_resolves_in_the_built_book(built_html):
    html = built_html
    page = (html / "book" / "claims.html").read_text()
    for key, (stem, anchor, _) in SECTIONS.items():
        target = (html / "book" / f"{stem}.html").read_text()
        assert f'id="{anchor}"' in target, f"{key}: no #{anchor} in {stem}.html"
    used = {claim(c.id).link for c in CLAIMS}
    for key in used:
        assert f'href="{href(key)}"' in page, f"the claims page has no link to {href(key)}"


@pytest.mark.book
def test_claims_page_shows_every_claim(built_html):
    html = built_html
    page = (html / "book" / "claims.html").read_text()
    rows = re.findall(r"<tr[^>]*>", page)
    assert len(rows) >= len(CLAIMS)

