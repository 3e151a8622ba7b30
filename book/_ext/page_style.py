"""Sphinx extension: the book's style sheet (``static/cdnotes.css``), served from the book.

Code cells and their outputs wrap at the text column (nothing is cut off), and glued
numbers never break at the hyphen of an exponent.
"""
from pathlib import Path

STATIC = Path(__file__).resolve().parent / "static"


def _add_static_path(app, config):
    config.html_static_path = [*config.html_static_path, str(STATIC)]


def setup(app):
    app.connect("config-inited", _add_static_path)
    app.add_css_file("cdnotes.css")
    return {"parallel_read_safe": True, "parallel_write_safe": True}
