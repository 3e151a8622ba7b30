"""The claim record, the verdict and the registry of checks."""
from __future__ import annotations

from dataclasses import dataclass

VERDICTS = ("holds", "partly", "corrected", "fails", "not testable here")
"""The allowed verdicts, in the order the table counts them.

``holds``: the measurement or computation agrees with the claim. ``partly``: it agrees with a
part, or in some settings and not others. ``corrected``: the claim is wrong as stated and the
book states and checks what is true instead. ``fails``: the measurement contradicts it.
``not testable here``: nothing this book can run settles it (scale, data, physics)."""

NT = VERDICTS[-1]
"""``"not testable here"``, the verdict of a claim nothing this book can run settles."""

PAPERS = {
    "cd": ("Communication Dynamics Neural Networks (the CD paper)", "cd-neural-networks.txt"),
    "spectral": ("Machine learning in spectral domain", "spectral-domain-training.txt"),
    "shfin": ("Sparse Hierarchical Fourier Interaction Networks (SHFIN)", "shfin.txt"),
}
"""Paper key -> (title, file name in the shared ``papers/`` directory)."""


@dataclass(frozen=True)
class Verdict:
    """A claim's verdict and the one sentence of evidence behind it (Markdown)."""

    verdict: str
    evidence: str

    def __post_init__(self):
        if self.verdict not in VERDICTS:
            raise ValueError(f"verdict must be one of {VERDICTS}; got {self.verdict!r}")
        if not self.evidence or not self.evidence.strip():
            raise ValueError("a verdict needs its evidence sentence")


@dataclass(frozen=True)
class Claim:
    """One claim of one paper.

    Attributes
    ----------
    id : str
        Unique, stable (chapters glue ``evaluate(id)``).
    paper : str
        A key of :data:`PAPERS`.
    section : str
        Where in the paper (``"VI.2"``, ``"Abstract"``, ``"Summary"``...).
    quote : str
        Verbatim, matched by :func:`cdnotes.claims.quotes.find_quote` (``$…$`` LaTeX of a
        formula, `` … `` for left-out words).
    link : str
        A key of :data:`cdnotes.claims.data.SECTIONS`: the book section that measures it.
    check : str or None
        The name of a registered check (:data:`CHECKS`) computing the verdict.
    verdict, reason : str or None
        Instead of a check: the verdict and why (not testable here, or which chapter says so
        in prose). Exactly one of ``check`` and ``reason`` is given.
    """

    id: str
    paper: str
    section: str
    quote: str
    link: str
    check: str | None = None
    verdict: str | None = None
    reason: str | None = None


CHECKS: dict = {}
"""Check name -> function of no arguments returning a :class:`Verdict`."""


def check(function):
    """Register ``function`` as a check under its own name."""
    CHECKS[function.__name__] = function
    return function
