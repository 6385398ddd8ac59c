"""The program sources the corpus generators compile and run, kept as data files.

They live under ``templates/<generator>/`` beside this module, in the language they are
written in (``.c``, ``.cpp``, ``.java``, ``.js``...), so they read, diff and highlight as code.
Python sources carry a ``.py.tmpl`` suffix: several hold ``$name`` placeholders and are not
valid Python until filled in, and a ``.py`` name would have the installer byte-compile them and
linters and test collectors pick them up as modules.

Files are read with :mod:`importlib.resources`, so they are found in a source checkout, an
editable install and a wheel alike (``pyproject.toml`` lists them as package data).
"""

from __future__ import annotations

from functools import cache
from importlib import resources


@cache
def template(*parts: str) -> str:
    """The text of ``templates/<parts...>``, byte for byte as stored (no newline translation).

    Read as bytes and decoded, because text mode would turn a ``\\r\\n`` into ``\\n`` and the
    generated programs must be exactly what the file holds.
    """
    return resources.files(__package__).joinpath("templates", *parts).read_bytes().decode("utf-8")
