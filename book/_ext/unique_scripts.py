"""Write each ``<script>`` once per page.

Sphinx 7.4 writes every *inline* script that an extension registers after the HTML builder has
started twice: ``app.add_js_file(None, body=...)`` puts ``_JavaScript(None, body)`` into the
builder's list at once, and ``prepare_writing`` later copies the registry into that list again
as ``_JavaScript('', body)``; the two compare unequal (``None != ''``), so both are kept. In this
book that doubles sphinx-togglebutton's ``var togglebuttonSelector`` (harmless) and sphinx-thebe's
``const THEBE_JS_URL = ...`` (Jupyter Book always loads sphinx-thebe), and declaring a ``const``
twice is a SyntaxError — "Identifier 'THEBE_JS_URL' has already been declared" in the browser's
console on every page. This drops the repeats just before each page is rendered.
"""
from __future__ import annotations


def _key(script):
    attributes = getattr(script, "attributes", {}) or {}
    return (getattr(script, "filename", script) or "", getattr(script, "priority", None),
            tuple(sorted((str(k), str(v)) for k, v in attributes.items())))


def _drop_repeated_scripts(app, pagename, templatename, context, doctree):
    scripts = context.get("script_files")
    if not scripts:
        return
    seen, unique = set(), []
    for script in scripts:
        if (key := _key(script)) not in seen:
            seen.add(key)
            unique.append(script)
    scripts[:] = unique          # the builder's own list: per-page additions land in it too


def setup(app):
    # Late (priority 900), after the theme and sphinx.ext.mathjax have added their per-page scripts.
    app.connect("html-page-context", _drop_repeated_scripts, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
