"""Prose or structure, line by line: only prose sentences may lose words inside a line.

A file view, a ``key: value`` line, a table row, a log record, a code line or a path read as
prose and cut word by word turns into something that looks real and is not
(``add :state, :text, null: false`` -> ``:state, :text, false``). So in word granularity every
line that is not plainly prose is kept whole or dropped whole.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

import numpy as np

_WORD = re.compile(r"^[(\"'`]?[A-Za-z][a-z]*(?:['’-][a-z]+)*[)\"'`]?[.,;:!?)]*$")
# key: value / key = value openings, numbered file-view lines, list markers of config dumps
_STRUCTURED_START = re.compile(r"^\s*(?:[\w.\-/\[\]]{1,40}\s*(?::\s|=)|\d+\s*[→:|\t]|[-+*>#|]|\$ |>>> )")
_CODE = re.compile(r"[{}();=<>\[\]]|::|->|=>|\w\(")
_COLUMNS = re.compile(r"\S {2,}\S")
# Code that has no code punctuation: a lower-case keyword opening a line (`if x is not None:`,
# `return value`), a dotted name (`self.value.tzinfo`, `os.path`), an indented line ending in
# a colon. Wrapped prose starting with "for" is kept whole too: the cheap mistake.
_CODE_START = re.compile(r"^\s*(?:if|elif|else|for|while|def|class|return|import|from|try|except|finally|with|"
                         r"raise|assert|pass|yield|async|await|lambda|var|let|const|func|fn|pub|use|package|"
                         r"public|private|static|end|do|begin|unless|module)\b(?!['’])")
_DOTTED = re.compile(r"\b[A-Za-z_]\w*\.[A-Za-z_]\w*")


#: A line ``label: value`` with a label of at most LABEL_WORDS words and a value of at most
#: LABEL_VALUE_WORDS is a field (see :func:`is_prose`).
LABEL_WORDS = 6
LABEL_VALUE_WORDS = 3


def is_prose(line: str) -> bool:
    """True for a line of running text: five words or more, nearly all of them plain words,
    no ``key: value`` or numbered opening, no code punctuation, no aligned columns."""
    words = line.split()
    if len(words) < 5 or _STRUCTURED_START.match(line) or _COLUMNS.search(line.strip()):
        return False
    # A label of a few words and its short value (FPCUnit's ``Number of run tests: 235``) is a
    # field, not a sentence: cut, it says nothing ("run tests: 235").
    label, colon, value = line.partition(": ")
    if colon and len(label.split()) <= LABEL_WORDS and 0 < len(value.split()) <= LABEL_VALUE_WORDS:
        return False
    if line[:1] in " \t" and (_CODE.search(line) or line.rstrip().endswith(":")):
        return False
    if _CODE_START.match(line) or _DOTTED.search(line):
        return False
    plain = sum(1 for w in words if _WORD.match(w))
    return plain >= 0.8 * len(words) and len(_CODE.findall(line)) <= 1


#: Lines of one shape that make them records (see :func:`structured_lines`).
RECORD_REPEATS = 3


def record_shape(line: str) -> tuple[str, ...] | None:
    """The shape of a line: its words after the first, each word not made of ASCII letters alone
    (a digit, punctuation) masked (``* requires * which is not *``); ``None`` for a line of under
    four words."""
    words = line.split()
    if len(words) < 4:
        return None
    return tuple(w if w.isascii() and w.isalpha() else "*" for w in words[1:])


def structured_lines(lines: Sequence[str]) -> np.ndarray:
    """``not is_prose`` of every line, as a bool array; and a prose-looking line whose shape
    recurs (:func:`record_shape`, :data:`RECORD_REPEATS` times or more) is a record, not a
    sentence: pip check's ``rich 10.0.0 requires commonmark, which is not installed.``."""
    out = np.fromiter((not is_prose(x) for x in lines), dtype=bool, count=len(lines))
    prose = np.flatnonzero(~out)
    shapes = [record_shape(lines[i]) for i in prose]
    counts = Counter(k for k in shapes if k is not None)
    for i, k in zip(prose, shapes):
        if k is not None and counts[k] >= RECORD_REPEATS:
            out[i] = True
    return out


#: A list of records: the lines of its most common shape (:func:`record_shape`) are at least
#: this share of the lines with a shape, and at least :data:`LIST_MIN_LINES` of them.
LIST_SHARE = 0.5
LIST_MIN_LINES = 8
#: A shape of at most 1/LIST_RARE of the most common one's lines (and one line at least) is rare.
LIST_RARE = 8
#: Words of a shape that are words (not masked) for it to be a message, not a field's value
#: (ogrinfo's ``NAME (String) = Alamance`` is one record's field, not another kind of finding).
LIST_MESSAGE_WORDS = 3


def odd_records(lines: Sequence[str]) -> np.ndarray:
    """In a list of records of one shape (:data:`LIST_SHARE`), the lines of a rare shape (:data:`LIST_RARE`):
    the findings of another kind among many of one (promtool's ``node_context_switches counter
    metrics should have "_total" suffix`` among 73 ``... metric names should be written in
    'snake_case' not 'camelCase'``), as a bool array."""
    out = np.zeros(len(lines), dtype=bool)
    shapes = [record_shape(x) for x in lines]
    counts = Counter(k for k in shapes if k is not None)
    if not counts:
        return out
    top_shape, top = counts.most_common(1)[0]
    if _plain(top_shape) < LIST_MESSAGE_WORDS or top < LIST_MIN_LINES or top < LIST_SHARE * sum(counts.values()):
        return out
    for i, k in enumerate(shapes):
        out[i] = k is not None and counts[k] * LIST_RARE <= top and _plain(k) >= LIST_MESSAGE_WORDS
    return out


#: Lines of a rare opener are findings where the :data:`OPENER_TOP` commonest first words open
#: at least :data:`OPENER_SHARE` of the (unindented) lines, over at least :data:`OPENER_MIN_LINES`.
OPENER_TOP, OPENER_SHARE, OPENER_MIN_LINES = 3, 0.8, 40
_DIGITS = re.compile(r"\d+")


def opener(line: str) -> str | None:
    """The word a record line opens with, its digits masked (``Selection:``, ``worker-0``);
    ``None`` for a blank or indented line (a continuation, code), which opens no record."""
    if line[:1] in " \t" or not line.strip():
        return None
    return _DIGITS.sub("0", line.split(None, 1)[0])


def rare_openers(lines: Sequence[str]) -> np.ndarray:
    """In records opened by a few first words (digits masked), the unindented lines opened by a
    rare one (at most 1/:data:`LIST_RARE` of the commonest's lines, :data:`LIST_MESSAGE_WORDS`
    words or more): duplicity's ``Difference found: File deflate.c has mtime ...`` among hundreds
    of ``Selection: examining path ...`` and ``Selecting ...``, as a bool array."""
    out = np.zeros(len(lines), dtype=bool)
    firsts = [opener(x) for x in lines]
    counts = Counter(k for k in firsts if k is not None)
    opened = sum(counts.values())
    if opened < OPENER_MIN_LINES:
        return out
    common = counts.most_common(OPENER_TOP)
    if sum(n for _, n in common) < OPENER_SHARE * opened:
        return out
    top = common[0][1]
    for i, k in enumerate(firsts):
        out[i] = k is not None and counts[k] * LIST_RARE <= top and len(lines[i].split()) >= LIST_MESSAGE_WORDS
    return out


def _plain(shape: tuple[str, ...]) -> int:
    return sum(w != "*" for w in shape)


#: Lines :func:`prose_share` reads at most, in runs of :data:`PROSE_SAMPLE_RUN` consecutive lines
#: spread evenly (runs, not every n-th line, which a text alternating with that period would
#: fool): it runs on every input over a few KB, and reading each line of a 10 MB log cost a second.
PROSE_SAMPLE_LINES = 1000
PROSE_SAMPLE_RUN = 10


def prose_share(text: str) -> float:
    """Share of the characters of ``text`` (blank lines aside) that lie in prose lines, read on
    at most :data:`PROSE_SAMPLE_LINES` of its lines spread evenly over it."""
    lines = text.splitlines()
    if len(lines) > PROSE_SAMPLE_LINES:
        runs = PROSE_SAMPLE_LINES // PROSE_SAMPLE_RUN
        starts = np.linspace(0, len(lines) - PROSE_SAMPLE_RUN, runs).astype(int)
        lines = [x for a in starts for x in lines[a : a + PROSE_SAMPLE_RUN]]
    total = prose = 0
    for line in lines:
        n = len(line.strip())
        total += n
        if n and is_prose(line):
            prose += n
    return prose / total if total else 0.0
