"""Tables in text: CSV, TSV, ``|``-separated and column-aligned output (``kubectl get pods``,
``docker ps``, ``dpkg -l``), box-drawn ones (rich's ``│ a │ b │``, tabulate's grids), found by
their rows having one number of cells under a header that names the columns.

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
#: Cells a row has at least (two columns are key: value text, not a table, unless bars frame them).
TABLE_MIN_CELLS = 3
#: Cell separators tried, in order: CSV, TSV, semicolon CSV (linkchecker's, a European locale's),
#: psql/markdown, then runs of 2+ spaces.
DELIMITERS = (",", "\t", ";", "|", " ")
_WIDE_GAP = re.compile(r"\s{2,}")
#: Box-drawing verticals (rich, tabulate's fancy grids, psql's unicode style) read as ``|``.
_BOX_BARS = str.maketrans("│┃║╎╏┆┇┊┋", "|" * 9)
#: A rule between a table's rows (``+----+----+``, ``├───┼───┤``, ``┡━━━╇━━━┩``, ``|---|:--|``):
#: drawing characters only, no cell text. It is neither a row nor text around the table.
RULE = re.compile(r"^[ \t]*[-=+|:_─━═┄┅┈┉╌╍┌┍┎┏┐┑┒┓└┕┖┗┘┙┚┛├┝┞┟┠┡┢┣┤┥┦┧┨┩┪┫┬┭┮┯┰┱┲┳┴┵┶┷┸┹┺┻┼┽┾┿╀╁╂╃╄╅╆╇╈╉╊╋"
                  r"╒╓╔╕╖╗╘╙╚╛╜╝╞╟╠╡╢╣╤╥╦╧╨╩╪╫╬╭╮╯╰│┃║ ]{3,}$")


def is_rule(line: str) -> bool:
    """Whether ``line`` is a table's rule (:data:`RULE`) with at least three dashes in it."""
    return RULE.match(line) is not None and sum(ch in "-=─━═" for ch in line) >= 3


@dataclass
class Table:
    """A table found in a text's lines."""

    delim: str  # "," "\t" "|" or " " (aligned columns: cells split on runs of 2+ spaces)
    width: int  # cells per row
    rows: list[int]  # indices of the lines that are rows (the header's too, when it has ``width`` cells)
    cells: list[list[str]]  # the rows' cells, stripped
    header: int  # index of the header line (the first row, or the line naming the columns above it)


#: A number standing alone in a cell (``Current: 2026``, ``L:  1``): a value, not a column name.
_LONE_NUMBER = re.compile(r"(?:^|[\s:=,])[-+]?\d")


def is_header(cells: list[str]) -> bool:
    """Whether ``cells`` name columns: two or more, each short, with a letter and no number
    standing alone (``eol-lts``, ``q1_2024``, ``RESTARTS`` are names; ``Input: 26`` is a value)."""
    return len(cells) >= 2 and all(len(c) <= 48 and any(ch.isalpha() for ch in c) and not _LONE_NUMBER.search(c)
                                   for c in cells)


def _header(lines: Sequence[str], rows: list[int], first_cells: list[str], delim: str) -> int | None:
    """The header of a table whose rows are ``rows``: the first row when it names columns, else
    the last line with letters above it (``dpkg -l``'s, after a legend and before a rule)."""
    if is_header(first_cells):
        return rows[0]
    above = [i for i in range(rows[0]) if any(ch.isalpha() for ch in lines[i])]
    if above and is_header(cells_of(lines[above[-1]], delim)):
        return above[-1]
    return None


def cells_of(line: str, delim: str) -> list[str]:
    """The cells of ``line`` under ``delim`` (quotes respected for CSV-like separators)."""
    if delim == " ":
        return _WIDE_GAP.split(line.strip())
    if delim == "|":
        line = line.translate(_BOX_BARS)
    if delim not in line:
        return [line.strip()]
    line = line.strip()
    if delim == "|" and line.startswith("|") and line.endswith("|"):
        # Markdown's outer bars, on both sides: one on one side only is a separator (a psql-like
        # row whose last cell is empty, ``x.py | 0 | 0 |``; a wrapped row's empty first cell).
        line = line.strip("|")
    try:
        return [c.strip() for c in next(csv.reader([line], delimiter=delim))]
    except csv.Error:  # a carriage return or NUL inside the line, a cell over the csv module's limit
        return [line]


#: Non-blank lines the separator is chosen on (the whole text is then split by that one only).
SAMPLE_LINES = 400


def find_table(lines: Sequence[str]) -> Table | None:
    """The table most of ``lines`` form (see the module docstring), or ``None``."""
    # (A grid's rules between its rows count neither way.)
    nonblank = [i for i, x in enumerate(lines) if x.strip() and not is_rule(x)]
    if len(nonblank) > SAMPLE_LINES:
        # A huge text: choose the separator on its start, then split every line by it alone.
        sample = find_table([lines[i] for i in nonblank[:SAMPLE_LINES]])
        return None if sample is None else _table(lines, nonblank, (sample.delim,))
    return _table(lines, nonblank, DELIMITERS)


def _table(lines: Sequence[str], nonblank: list[int], delimiters: Sequence[str]) -> Table | None:
    best: Table | None = None
    for delim in delimiters:
        cells = {i: cells_of(lines[i], delim) for i in nonblank}
        # A table framed by bars (``| name | status |``) is one with two columns too.
        wide = Counter(len(c) for i, c in cells.items()
                       if len(c) >= TABLE_MIN_CELLS or delim == "|" and len(c) == 2 and lines[i].lstrip().translate(_BOX_BARS).startswith("|"))
        if not wide:
            continue
        k = wide.most_common(1)[0][0]
        rows = [i for i in nonblank if len(cells[i]) == k]
        if any(all(not any(ch.isalnum() for ch in cells[i][j]) for i in rows) for j in range(k)):
            continue  # a column of nothing but ``:`` or ``=``: key-value records (``Rule    :   x``)
        if len(rows) > TABLE_MIN_ROWS and len(rows) >= TABLE_MIN_SHARE * len(nonblank) \
                and (best is None or len(rows) > len(best.rows)):
            # A table names its columns: a script's "Input: 26, Result: 2026" lines and a parse
            # tree's "[L:  1, P:  7]  |  keyword:" lines have one cell count too.
            header = _header(lines, rows, cells[rows[0]], delim)
            if header is not None:
                best = Table(delim, k, rows, [cells[i] for i in rows], header)
    return best
