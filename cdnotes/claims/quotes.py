"""Quotes against the papers' text: how a stored quote is matched, verbatim.

The CD paper's text is an HTML-to-Markdown conversion of the arXiv page: punctuation carries
Markdown escapes (``97\\.50``), and every piece of inline mathematics appears twice, first
as rendered characters (``κ=1.9×104``, the exponent flattened), then as its LaTeX source
(``\\kappa=1.9\\times 10^{4}``). A quote in the table is matched against that text as follows:

* both sides have their whitespace collapsed to single spaces;
* the paper's Markdown escapes (a backslash before an ASCII punctuation character) are removed;
* ``$…$`` in a quote stands for a piece of mathematics: its LaTeX must occur verbatim at that
  place, after the rendered copy (up to :data:`MAX_RENDERED` non-space characters, skipped);
* `` … `` (an ellipsis between spaces) leaves out words: the parts must occur in order, each
  within :data:`MAX_GAP` characters of the previous one.

Everything else is literal, so a quote that misquotes a number or a word does not match.
"""
from __future__ import annotations

import re

MAX_RENDERED = 60       # characters of the rendered copy of a formula that the match skips
MAX_GAP = 400           # characters an ellipsis may leave out

_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")
_SPACE = re.compile(r"\s+")
_MATH = re.compile(r"\$([^$]+)\$")
ELLIPSIS = " … "


def normalise_paper(text: str) -> str:
    """The paper's text with Markdown escapes removed and whitespace collapsed."""
    return _SPACE.sub(" ", _ESCAPE.sub(r"\1", text)).strip()


def _literal(text: str) -> str:
    """A regex matching ``text`` (whitespace collapsed, a space matching any one space)."""
    return re.escape(_SPACE.sub(" ", text))


def _part_pattern(part: str) -> str:
    # The conversion dropped the spaces around inline mathematics ("numberκ=1.9×104\\kappa"),
    # so a space next to a formula in the quote is optional.
    out, pos = [], 0
    for m in _MATH.finditer(part):
        before = part[pos:m.start()]
        out.append(_literal(before.rstrip()) + (" ?" if before.endswith(" ") else ""))
        out.append(r"[^ ]{0,%d}?" % MAX_RENDERED + _literal(m.group(1)))
        after = part[m.end():]
        pos = m.end()
        if after.startswith(" "):
            out.append(" ?")
            pos += 1
    out.append(_literal(part[pos:]))
    return "".join(out)


def quote_pattern(quote: str) -> re.Pattern:
    """The compiled pattern a quote must match in :func:`normalise_paper` text."""
    parts = [p for p in quote.strip().split(ELLIPSIS)]
    if not all(p.strip() for p in parts):
        raise ValueError(f"empty part in quote {quote!r}")
    gap = r".{0,%d}?" % MAX_GAP
    return re.compile(gap.join(_part_pattern(p.strip()) for p in parts), flags=re.S)


def find_quote(quote: str, paper_text: str):
    """The match of ``quote`` in the (raw) paper text, or ``None``."""
    return quote_pattern(quote).search(normalise_paper(paper_text))
