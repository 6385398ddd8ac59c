"""Job prefixes: the tag a parallel runner writes before every line of each job's output.

concurrently's and nx's ``[core] ``, lerna's ``@eslint/core: ``, pnpm's ``packages/compat test: ``,
docker compose's ``web-1  | ``: the lines of several jobs interleave, each behind its job's name.
Read with the tag, a job's mocha summary (``[plugin-kit]   91 passing``) is no test run's
summary line, its failure heading (``[plugin-kit]   1) source-code``) no heading, and every
line is one word longer than its job wrote it. The compressor reads the text without the tags
and puts each kept line back whole, tag and all.
"""

from __future__ import annotations

import re
from collections import Counter
from itertools import zip_longest

import numpy as np

#: A job's tag at a line's start: ``[name] `` (concurrently, lerna, pnpm, nx) or ``name  | ``
#: (docker compose, foreman, honcho). The name is a package, service or job index.
#: Or ``name: `` and ``name script: `` (lerna's ``@eslint/core: ``, pnpm's ``packages/compat test: ``).
_TAG = re.compile(r"\[([\w@./:+-]{1,60})\](?: |$)|([\w@./+-]{1,60}) +\| |([\w@./+-]{1,60}(?: [\w:.-]{1,30})?): ")
#: Tags that are no job's name: a log's level or a verdict (maven's ``[INFO] ``, ``[ERROR] ``).
_LEVELS = frozenset("TRACE DEBUG INFO NOTICE WARN WARNING ERROR ERR FATAL CRITICAL SEVERE PANIC OK PASS FAIL "
                    "FAILED SKIP SKIPPED DONE".split())
_COUNTER = re.compile(r"[\d/:.,-]+")
#: Share of the lines with words that must carry a tag, and how many such lines at least.
TAGGED_SHARE = 0.8
TAGGED_LINES = 10
#: A job's tag is on this many lines at least, and this share of the tagged lines.
JOB_LINES = 3
JOB_SHARE = 0.05
#: A package's or a path's mark in a ``name: `` tag.
_PACKAGE = re.compile(r"[@/]")
_FILE_NAME = re.compile(r"\.[A-Za-z]\w{0,5}$")


def job_prefixes(text: str) -> np.ndarray | None:
    """Per line of ``text`` (as :func:`kompress.structure.units.line_spans` cuts it), the length
    of its job tag, or ``None`` when the text is not a parallel runner's tagged output (fewer
    than :data:`TAGGED_SHARE` of its lines with words carry one tag style, or fewer than
    :data:`TAGGED_LINES` lines). A tag is a name (a package, a service, a job's index), never a
    log level or a progress counter (``[INFO]``, ``[1/3]``, ``[12:01:02]``)."""
    lines = text.split("\n")
    if text.endswith("\n"):
        lines.pop()
    cut = np.zeros(len(lines), dtype=np.int64)
    style = np.full(len(lines), -1)
    names: dict[int, str] = {}
    worded = 0
    for i, line in enumerate(lines):
        if not line.strip():
            continue
        worded += 1
        m = _TAG.match(line)
        if m is None:
            continue
        style_k = next(k for k in (1, 2, 3) if m.group(k) is not None)
        name = m.group(style_k)
        # (A job's index is a name, ``[0]``; a counter, a clock or a date is not: ``[1/3]``, ``[12:01:02]``.)
        # (Nor, before a colon, a program's own name word or a level: ``I: ``, ``debug2: ``, ``0: ``.)
        # (A process id is no job's index either: ``[25459]``; nor a file a tool reports on: ``lib/x.pm: ``.)
        if (name.upper().rstrip("0123456789") in _LEVELS or (_COUNTER.fullmatch(name) is not None and not name.isdigit())
                or (name.isdigit() and len(name) > 2)
                or (style_k == 3 and (len(name) < 2 or name.isdigit() or _FILE_NAME.search(name) is not None))):
            continue
        cut[i] = m.end()
        style[i] = style_k
        names[i] = name
    tagged = style >= 0
    if worded < TAGGED_LINES or tagged.sum() < TAGGED_SHARE * worded:
        return None
    # One style only: a ``[x]`` line inside a compose log is the service's own text.
    main = int(np.bincount(style[tagged]).argmax())
    if (style == main).sum() < TAGGED_SHARE * worded:
        return None
    # Several jobs, each with a share of the lines: not one program naming itself on every line
    # (``pg_restore: ``, a PID), nor a list of ``key: value`` lines, each its own key.
    counts = Counter(names[i] for i in np.flatnonzero(style == main))
    jobs = {n for n, k in counts.items() if k >= max(JOB_LINES, JOB_SHARE * (style == main).sum())}
    if len(jobs) < 2 or sum(counts[n] for n in jobs) < TAGGED_SHARE * worded:
        return None
    if main == 3 and not all(_PACKAGE.search(n) for n in jobs):
        return None  # (a ``name: `` tag names a package or a path: ``@eslint/core: ``, ``packages/compat test: ``)
    keep = np.array([style[i] == main and names.get(i) in jobs for i in range(len(lines))], dtype=bool)
    cut[~keep] = 0
    return cut


def strip_prefixes(text: str, cut: np.ndarray) -> str:
    """``text`` with each line's first ``cut[i]`` characters removed."""
    # (``cut`` has no entry for the empty string after a trailing newline.)
    return "\n".join(line[int(c):] for line, c in zip_longest(text.split("\n"), cut, fillvalue=0))
