"""Sphinx extension: the book's style sheet (``static/cdnotes.css``), served from the book.

Code cells and their outputs wrap at the text column (nothing is cut off). A glued *number*
(``{glue:text}`` whose text is one short token: ``1.0e-14``, ``−0.58``, ``3.2×``) gets the
class ``glued-number`` and never breaks at the hyphen of an exponent; glued *sentences* wrap
like the text around them (glue them with ``cdnotes.notebook.glue_markdown`` and
``{glue:md}`` so their math renders).
"""
from pathlib import Path

from docutils import nodes

STATIC = Path(__file__).resolve().parent / "static"
#: Longest glued token still kept on one line (a number with its unit, "1.0e-14 (3 seeds)" is not).
MAX_NUMBER_CHARS = 24


def _add_static_path(app, config):
    config.html_static_path = [*config.html_static_path, str(STATIC)]


def is_glued_number(text: str) -> bool:
    """Whether glued text is one short token that must not break (a number, a ratio)."""
    text = text.strip()
    return 0 < len(text) <= MAX_NUMBER_CHARS and not any(ch.isspace() for ch in text)


def _mark_glued_numbers(app, doctree, docname):
    for node in doctree.findall(nodes.inline):
        if "pasted-text" in node.get("classes", []) and is_glued_number(node.astext()):
            node["classes"].append("glued-number")


def setup(app):
    app.connect("config-inited", _add_static_path)
    app.connect("doctree-resolved", _mark_glued_numbers)
    app.add_css_file("cdnotes.css")
    return {"parallel_read_safe": True, "parallel_write_safe": True}
