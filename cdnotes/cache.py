"""Where cdnotes keeps files it can regenerate (calibrations, generated data sets)."""
from __future__ import annotations

import os
from pathlib import Path

__all__ = ["CACHE_DIR_ENV", "CacheWarning", "cache_dir"]

CACHE_DIR_ENV = "CDNOTES_CACHE_DIR"


class CacheWarning(UserWarning):
    """A cache file was damaged (unreadable, or wrong contents) and is being regenerated.

    Parameters
    ----------
    message : str
        Names the file and what was wrong with it.
    """

    def __init__(self, message: str):
        super().__init__(message)


def cache_dir() -> Path:
    """The user's cache folder for cdnotes (not created here).

    ``$CDNOTES_CACHE_DIR``, else ``$XDG_CACHE_HOME/cdnotes``, else ``~/.cache/cdnotes``.

    Returns
    -------
    pathlib.Path
        The folder; it need not exist.
    """
    root = os.environ.get(CACHE_DIR_ENV, "").strip()
    if not root:
        xdg = os.environ.get("XDG_CACHE_HOME", "").strip()
        root = os.path.join(xdg or os.path.join(os.path.expanduser("~"), ".cache"), "cdnotes")
    return Path(root)
