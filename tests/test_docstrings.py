"""Every public function and class (in a module's ``__all__``) has numpydoc sections.

* a function: a ``Parameters`` section naming every argument (when it takes any) and a
  ``Returns`` section;
* a dataclass: an ``Attributes`` section naming every field;
* another class: a ``Parameters`` section naming every ``__init__`` argument (or, when it
  takes none, ``Parameters`` or ``Attributes``).

A section counts only as a heading underlined with dashes, not as a word in the prose
("Returns the image" is not a ``Returns`` section). Names are matched as whole words, so
the house style's combined lines (``n_in, n_out : int``) count for each name.
"""
from __future__ import annotations

import dataclasses
import importlib
import inspect
import pkgutil
import re

import pytest

import cdnotes

# Entries still missing their sections, in files other engineers were editing when this
# test was written (issue 8). Only names under cdnotes.layers and cdnotes.curvature may be
# listed here. Remove an entry once its docstring has the sections: the test below fails
# on a listed name that no longer needs the exemption, so this list can only shrink.
ALLOWED_MISSING: set = set()   # every public name documented; add none without a reason
_ALLOWED_PACKAGES = ("cdnotes.layers.", "cdnotes.curvature.")

_HEADING = re.compile(r"^(\w[\w ]*)\n-+[ \t]*$", re.M)


def _section(doc: str, title: str) -> str | None:
    """The text of numpydoc section ``title`` (up to the next heading), or ``None``."""
    headings = list(_HEADING.finditer(doc))
    for i, m in enumerate(headings):
        if m.group(1) == title and len(doc[m.end(1) + 1:m.end()].strip()) == len(title):
            end = headings[i + 1].start() if i + 1 < len(headings) else len(doc)
            return doc[m.end():end]
    return None


def _names_missing(section: str, names) -> list[str]:
    return [n for n in names if not re.search(rf"(?<!\w){re.escape(n)}(?!\w)", section)]


def docstring_problems(obj) -> list[str]:
    """What the docstring of the function or class ``obj`` lacks (empty when complete)."""
    doc = inspect.getdoc(obj) or ""
    problems = []
    if inspect.isfunction(obj):
        params = list(inspect.signature(obj).parameters)
        if params:
            section = _section(doc, "Parameters")
            if section is None:
                problems.append("no Parameters section")
            elif missing := _names_missing(section, params):
                problems.append(f"Parameters does not name {missing}")
        if _section(doc, "Returns") is None:
            problems.append("no Returns section")
    elif dataclasses.is_dataclass(obj):
        section = _section(doc, "Attributes")
        if section is None:
            problems.append("no Attributes section")
        elif missing := _names_missing(section, [f.name for f in dataclasses.fields(obj)]):
            problems.append(f"Attributes does not name {missing}")
    else:
        params = list(inspect.signature(obj).parameters)
        section = _section(doc, "Parameters")
        if params and section is None:
            problems.append("no Parameters section")
        elif params and (missing := _names_missing(section, params)):
            problems.append(f"Parameters does not name {missing}")
        elif not params and section is None and _section(doc, "Attributes") is None:
            problems.append("no Parameters or Attributes section")
    return problems


def public_api():
    """``{qualified name: object}`` of every public function and class of cdnotes."""
    found = {}
    for info in pkgutil.walk_packages(cdnotes.__path__, "cdnotes."):
        if any(part.startswith("_") for part in info.name.split(".")[1:]):
            continue
        module = importlib.import_module(info.name)
        for name in getattr(module, "__all__", []):
            obj = getattr(module, name)
            if (inspect.isfunction(obj) or inspect.isclass(obj)) and obj.__module__ == info.name:
                found[f"{info.name}.{name}"] = obj
    return found


@pytest.fixture(scope="module")
def problems():
    return {name: p for name, obj in public_api().items() if (p := docstring_problems(obj))}


def test_public_api_is_found():
    api = public_api()
    # A few names from different subpackages, so an empty walk cannot pass vacuously.
    for name in ("cdnotes.stats.mean_ci", "cdnotes.layer_hessian.eigenvalues.cdlinear_spectrum",
                 "cdnotes.experiments.digits_records.DigitsRecord", "cdnotes.validation.check_int"):
        assert name in api


def test_public_docstrings_have_numpydoc_sections(problems):
    unexpected = {name: p for name, p in problems.items() if name not in ALLOWED_MISSING}
    assert not unexpected, "public docstrings without numpydoc sections:\n" + "\n".join(
        f"  {name}: {'; '.join(p)}" for name, p in sorted(unexpected.items()))


def test_allow_list_only_shrinks(problems):
    outside = sorted(n for n in ALLOWED_MISSING if not n.startswith(_ALLOWED_PACKAGES))
    assert not outside, f"only cdnotes.layers and cdnotes.curvature may be exempt: {outside}"
    fixed = sorted(n for n in ALLOWED_MISSING if n not in problems)
    assert not fixed, ("these now have their numpydoc sections (or are gone): remove them from "
                       f"ALLOWED_MISSING in tests/test_docstrings.py: {fixed}")


def test_allow_listed_docstrings(problems):
    pending = {name: problems[name] for name in sorted(ALLOWED_MISSING) if name in problems}
    if pending:
        pytest.skip("allow-listed, still without numpydoc sections: " + "; ".join(
            f"{name} ({', '.join(p)})" for name, p in pending.items()))


def _documented(x, n: int = 1):
    """Scale ``x``.

    Parameters
    ----------
    x : float
    n : int, default 1

    Returns
    -------
    float
    """
    return n * x


def _returns_in_prose(x):
    """Scale ``x``. Returns a float.

    Parameters
    ----------
    x : float
    """
    return x


def _misses_a_name(x, n: int = 1):
    """Scale ``x``.

    Parameters
    ----------
    x : float

    Returns
    -------
    float
    """
    return n * x


@dataclasses.dataclass
class _Record:
    """A record.

    Attributes
    ----------
    a : int
    """

    a: int
    b: int


class _Plain:
    """A class."""

    def __init__(self, size):
        self.size = size


def test_checker_can_fail():
    assert docstring_problems(_documented) == []
    assert docstring_problems(_returns_in_prose) == ["no Returns section"]
    assert docstring_problems(_misses_a_name) == ["Parameters does not name ['n']"]
    assert docstring_problems(_Record) == ["Attributes does not name ['b']"]
    assert docstring_problems(_Plain) == ["no Parameters section"]
