"""Tables in text: CSV, TSV, ``|``-separated and column-aligned output (``kubectl get pods``,
``docker ps``, ``dpkg -l``), found by their rows having one number of cells.

Used by domain detection (a table is not a crash report because a package's description names
AddressSanitizer) and by the decision's table frame (rows collapse, cells are never cut).
"""

from __future__ import annotations

import csv
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

#: Rows (after the header) a table has at least.
TABLE_MIN_ROWS = 8
#: Of all non-blank lines, the share the rows must be (else it is text with a table in it).
TABLE_MIN_SHARE = 0.6
#: Cells a row has at least (two columns are key: value text, not a table).
TABLE_MIN_CELLS = 3
#: Cell separators tried, in order: CSV, TSV, psql/markdown, then runs of 2+ spaces.
DELIMITERS = (",", "\t", "|", " ")
_WIDE_GAP = re.compile(r"\s{2,}")


@dataclass
class Table:
    """A table found in a text's lines."""

    delim: str  # "," "\t" "|" or " " (aligned columns: cells split on runs of 2+ spaces)
    width: int  # cells per row
    rows: list[int]  # indices of the lines that are rows (the header's too, when it has ``width`` cells)
    cells: list[list[str]]  # the rows' cells, stripped


def cells_of(line: str, delim: str) -> list[str]:
    """The cells of ``line`` under ``delim`` (quotes respected for CSV-like separators)."""
    if delim == " ":
        return _WIDE_GAP.split(line.strip())
    if delim not in line:
        return [line.strip()]
    line = line.strip()
    if delim == "|":
        line = line.strip("|")  # markdown's outer bars
    try:
        return [c.strip() for c in next(csv.reader([line], delimiter=delim))]
    except csv.Error:  # a carriage return or NUL inside the line, a cell over the csv module's limit
        return [line]


def find_table(lines: Sequence[str]) -> Table | None:
    """The table most of ``lines`` form (see the module docstring), or ``None``."""
    nonblank = [i for i, x in enumerate(lines) if x.strip()]
    best: Table | None = None
    for delim in DELIMITERS:
        cells = {i: cells_of(lines[i], delim) for i in nonblank}
        wide = Counter(len(c) for c in cells.values() if len(c) >= TABLE_MIN_CELLS)
        if not wide:
            continue
        k = wide.most_common(1)[0][0]
        rows = [i for i in nonblank if len(cells[i]) == k]
        if len(rows) > TABLE_MIN_ROWS and len(rows) >= TABLE_MIN_SHARE * len(nonblank) \
                and (best is None or len(rows) > len(best.rows)):
            best = Table(delim, k, rows, [cells[i] for i in rows])
    return best
