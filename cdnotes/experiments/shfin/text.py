"""Sentences of chapter 12 chosen by the ``shfin`` comparisons (:func:`compared_text`,
:func:`parts_text`)."""
from __future__ import annotations

from ..report import listed

__all__ = ["compared_text", "parts_text"]

_DID = {"above": "did better than", "below": "did worse than",
        "indistinguishable from": "did not measurably differ from"}


def _grouped(named, verbs):
    # [(name, key)] -> "a and b both VERB", "a VERB and b VERB2" in first-seen order of keys
    groups = {}
    for name, key in named:
        groups.setdefault(key, []).append(name)
    out = []
    for key, names in groups.items():
        subject = (names[0] if len(names) == 1 else
                   " and ".join([", ".join(names[:-1]), names[-1]]))
        both = "" if len(names) == 1 else " both" if len(names) == 2 else " all"
        out.append(f"{subject}{both} {verbs[key]}")
    return out


def compared_text(relations, reference):
    """How each of several variants did against one reference, grouped by its verdict.

    Parameters
    ----------
    relations : dict
        ``{variant name: relation}`` with the relation of the *variant* against the
        reference as :func:`relation` words it (``"above"``, ``"below"``,
        ``"indistinguishable from"``).
    reference : str
        What they are compared with (``"the learned mask"``).

    Returns
    -------
    str
        ``"the fixed low-pass mask and no mask at all both did better than the learned
        mask"``, or with different verdicts ``"… did better than the learned mask, and no
        mask at all did not measurably differ from it"``.
    """
    if not relations:
        raise ValueError("compared_text needs at least one variant")
    parts = _grouped(relations.items(), _DID)
    text = f"{parts[0]} {reference}"
    rest = [p.replace(" than", " than it").replace(" from", " from it") for p in parts[1:]]
    return ", and ".join([text] + rest) if rest else text


_PART = {"above": "measurably helped",
         "below": "measurably hurt (against its simpler replacement)",
         "indistinguishable from": "made no measurable difference"}


def parts_text(parts, full_params):
    """What each of the block's parts did, with the parameter counts beside the verdict.

    Parameters
    ----------
    parts : dict
        ``{part: (relation, parameters without it)}``: the relation (:func:`relation`) of
        the full block against the variant without the part, and that variant's parameter
        count.
    full_params : int
        The full block's parameter count.

    Returns
    -------
    str
        ``"the mixing (1,764 parameters without it) and the second level (4,319
        parameters without it) both measurably helped; the full block has 6,884
        parameters, so removing …"``.
        Where a part that measurably helped also brings parameters (the variant without it
        has fewer), the sentence says that its effect is not separated from the capacity
        it adds.
    """
    if not parts:
        raise ValueError("parts_text needs at least one part")
    named = [(f"{p} ({n:,} parameters without it)", r) for p, (r, n) in parts.items()]
    text = ("; ".join(_grouped(named, _PART))
            + f"; the full block has {full_params:,} parameters")
    # a part that helped but also brings parameters: its gain may be the capacity's
    confounded = [p for p, (r, n) in parts.items() if r == "above" and n < full_params]
    if confounded:
        one = len(confounded) == 1
        text += (f", so removing {listed(confounded, fmt='s').replace(' and ', ' or ')} "
                 "also removes parameters, and "
                 + ("its effect is" if one else "their effects are")
                 + " not separated from the capacity "
                 + ("it adds" if one else "they add"))
    return text
