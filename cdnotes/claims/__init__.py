"""The papers' claims, one by one: quote, verdict, evidence and the book section that measures it.

>>> from cdnotes.claims import evaluate
>>> evaluate("cd-iii-4x").verdict
'holds'

=================  =======================================================================
``data``           :data:`CLAIMS` (every claim) and :data:`SECTIONS` (the link targets, one
                   place to retarget them); the claims are written in ``cd_paper`` (the CD
                   paper's) and ``other_papers`` (the spectral-domain and SHFIN papers')
``checks``         the functions that compute verdicts (a package, one module per part of the
                   papers; live, a second or two at most, or from committed measurement
                   files)
``quotes``         how a quote is matched verbatim against a paper's text
=================  =======================================================================

A check that reads a chapter's committed data calls the chapter's own library function on it
(``tests/test_claims.py`` runs each against the chapter), so the chapter and the table say the
same thing; ``glue_markdown(name, sentence(claim_id))`` puts a verdict on any page.
"""
from __future__ import annotations

from functools import lru_cache

from . import checks as _checks  # noqa: F401  (registers the checks)
from .core import CHECKS, PAPERS, VERDICTS, Claim, Verdict
from .data import CLAIMS, SECTIONS

__all__ = ["CLAIMS", "SECTIONS", "VERDICTS", "PAPERS", "Claim", "Verdict", "claim", "evaluate",
           "sentence", "href", "link_html", "display_quote", "table", "counts"]

_BY_ID = {c.id: c for c in CLAIMS}


def claim(claim_id: str) -> Claim:
    """The claim with this id.

    Parameters
    ----------
    claim_id : str
        An id of :data:`CLAIMS` (e.g. ``"cd-iii-4x"``).

    Returns
    -------
    Claim

    Raises
    ------
    KeyError
        Naming the id, if no claim has it.
    """
    try:
        return _BY_ID[claim_id]
    except KeyError:
        raise KeyError(f"no claim {claim_id!r}") from None


@lru_cache(maxsize=None)
def evaluate(claim_id: str) -> Verdict:
    """The verdict of one claim: its check's, computed now, or its stated verdict and reason.

    Parameters
    ----------
    claim_id : str
        An id of :data:`CLAIMS`.

    Returns
    -------
    Verdict
        ``verdict`` (one of :data:`VERDICTS`) and ``evidence`` (one Markdown sentence). Cached:
        each check runs once per process.
    """
    c = claim(claim_id)
    if c.check is not None:
        from threadpoolctl import threadpool_limits
        with threadpool_limits(1):          # small matrices: threads only compete for cores
            result = CHECKS[c.check]()
        if not isinstance(result, Verdict):
            raise TypeError(f"check {c.check!r} returned {type(result).__name__}, not a Verdict")
        return result
    return Verdict(c.verdict, c.reason)


def sentence(claim_id: str) -> str:
    """The verdict as one Markdown sentence for a chapter to glue (``glue_markdown``).

    Parameters
    ----------
    claim_id : str
        An id of :data:`CLAIMS`.

    Returns
    -------
    str
        ``"**verdict** — evidence"``.
    """
    v = evaluate(claim_id)
    return f"**{v.verdict}** — {v.evidence}"


def href(link_key: str, from_page: str = "claims") -> str:
    """The relative URL of a section of the book, from a page of ``book/``.

    Parameters
    ----------
    link_key : str
        A key of :data:`SECTIONS`.
    from_page : str, default "claims"
        The stem of the page the link is on.

    Returns
    -------
    str
        ``"05_digits.html#table-1-three-seeds"``, or just ``"#anchor"`` on the same page.
    """
    page, anchor, _ = SECTIONS[link_key]
    return f"#{anchor}" if page == from_page else f"{page}.html#{anchor}"


def display_quote(quote: str) -> str:
    """A quote for a Markdown table cell: each ``|`` inside a formula written ``\\vert``.

    A table would split the formula at ``|``; the stored quote stays verbatim.

    Parameters
    ----------
    quote : str
        A claim's quote.

    Returns
    -------
    str
    """
    import re

    return re.sub(r"\$[^$]+\$", lambda m: m.group(0).replace("|", r"\vert "), quote)


def link_html(link_key: str, from_page: str = "claims") -> str:
    """An HTML link to a section of the book.

    Raw HTML, because MyST reads a Markdown link to another page's heading as a
    cross-reference, and without heading labels it cannot resolve one.

    Parameters
    ----------
    link_key : str
        A key of :data:`SECTIONS`.
    from_page : str, default "claims"
        The stem of the page the link is on.

    Returns
    -------
    str
        ``<a href="…">words of the section</a>``.
    """
    import html

    return f'<a href="{href(link_key, from_page)}">{html.escape(SECTIONS[link_key][2])}</a>'


def table(paper: str | None = None) -> list[dict]:
    """One row per claim (of one paper, or all), each verdict evaluated.

    Parameters
    ----------
    paper : str, optional
        A key of :data:`PAPERS`; all papers when omitted.

    Returns
    -------
    list of dict
        Keys ``id``, ``paper``, ``section``, ``quote``, ``verdict``, ``evidence``,
        ``computed`` (whether a check computed it), ``link`` (the section key), ``href`` and
        ``link_text``.
    """
    rows = []
    for c in CLAIMS:
        if paper is not None and c.paper != paper:
            continue
        v = evaluate(c.id)
        rows.append({"id": c.id, "paper": c.paper, "section": c.section, "quote": c.quote,
                     "verdict": v.verdict, "evidence": v.evidence, "computed": c.check is not None,
                     "link": c.link, "href": href(c.link), "link_text": SECTIONS[c.link][2]})
    return rows


def counts() -> dict:
    """How many claims of each paper got each verdict.

    Returns
    -------
    dict
        ``{paper: {verdict: number of claims}}``, every verdict of :data:`VERDICTS` present.
    """
    out = {p: dict.fromkeys(VERDICTS, 0) for p in PAPERS}
    for row in table():
        out[row["paper"]][row["verdict"]] += 1
    return out
