"""Domains: which dialect a tool output speaks, its encoder prefix and default granularity.

Detection is a transparent, ordered set of cheap heuristics over the first ~200 lines;
the first domain whose test fires wins, ``text`` is the fallback.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Domain:
    """One dialect of tool output."""

    name: str
    prefix: str  # fed to the encoder as the first segment; never appears in the output
    granularity: str  # default unit of decision: "line" or "word"
    description: str


DOMAINS: dict[str, Domain] = {
    d.name: d
    for d in [
        Domain("diff", "CODE:", "line", "unified diffs, git diff/show/log -p"),
        Domain("log", "LOG:", "line", "application and service logs"),
        Domain("json", "JSON:", "line", "JSON documents and API responses"),
        Domain("tree", "TREE:", "line", "file listings: ls -laR, find, tree"),
        Domain("grep", "GREP:", "line", "search results: grep -n, rg, path:line:text"),
        Domain("traceback", "TRACE:", "line", "Python/Node/Java tracebacks"),
        Domain("build", "BUILD:", "line", "compiler and build-tool output"),
        Domain("test", "TEST:", "line", "test-runner output (pytest, unittest, jest)"),
        Domain("crash", "CRASH:", "word", "crash reports: signals, gdb, valgrind, sanitizers"),
        Domain("text", "TEXT:", "word", "prose, --help and man text, anything else"),
    ]
}

GRANULARITIES = ("auto", "word", "line")


def get_domain(name: str) -> Domain:
    """Return the :class:`Domain` called ``name`` or raise ``ValueError`` listing choices."""
    try:
        return DOMAINS[name]
    except KeyError:
        raise ValueError(f"unknown domain {name!r}; choose one of: {', '.join(DOMAINS)}") from None


_DIFF = re.compile(r"^(diff --git |--- a/|\+\+\+ b/|@@ -\d+(,\d+)? \+\d+(,\d+)? @@|index [0-9a-f]+\.\.)", re.M)
_CRASH = re.compile(
    r"(Segmentation fault|core dumped|\bSIG(SEGV|ILL|FPE|ABRT|BUS|TRAP|KILL)\b|AddressSanitizer|"
    r"==\d+==|Program received signal|EXC_BAD_|stack overflow|Aborted|Invalid read of size)"
)
_TRACEBACK = re.compile(
    r"(^Traceback \(most recent call last\):|^\s+at .+\(.+:\d+:\d+\)$|^\s+at [\w.$]+\(.*\)$|"
    r"^Exception in thread|^\s+File \".+\", line \d+)",
    re.M,
)
_TEST = re.compile(
    r"(^=+ (test session starts|FAILURES|short test summary info|\d+ (passed|failed))|"
    r"^(FAILED|PASSED|ERROR) \S+::|^Ran \d+ tests? in|^(OK|FAILED \(failures=)|"
    r"^\s*(Tests?:|Test Suites:)\s+\d+|^(not )?ok \d+ )",
    re.M,
)
_BUILD = re.compile(
    r"(^\S+\.(c|cc|cpp|h|hpp|java|rs|go|ts|js):\d+(:\d+)?: (error|warning|note)|"
    r"^make(\[\d+\])?: |^CMake (Error|Warning)|^\[\s*\d+%\] |^ld: |collect2: |"
    r"^error(\[E\d+\])?: |^warning: |\d+ errors? generated|^BUILD (SUCCESS|FAILURE))",
    re.M,
)
_GREP = re.compile(r"^[\w./-]+:\d+[:-]", re.M)
_LOG_LINE = re.compile(
    r"^(\[?\d{4}-\d\d-\d\d[T ]\d\d:\d\d|\[?\d\d:\d\d:\d\d|\w{3} [ \d]\d \d\d:\d\d:\d\d|"
    r"\[?(INFO|DEBUG|WARN|WARNING|ERROR|TRACE|FATAL)\b)",
)
_TREE_LINE = re.compile(
    r"^([d\-lcbps][rwxsStT\-]{9}[.@+]?\s|total \d+$|\.{1,2}/?$|\./|[\w.\-]+/$|[│├└|`]|"
    r"[\w./\-]+:$|/[\w.\-]+(/[\w.\-]+)+$)"
)


def detect(text: str) -> str:
    """Guess the domain of ``text``; returns one of :data:`DOMAINS`' names."""
    head = text[:20000]
    lines = [ln for ln in head.splitlines()[:200] if ln.strip()]
    if not lines:
        return "text"
    stripped = head.lstrip()
    if stripped[:1] in "{[":
        try:
            json.loads(text)
            return "json"
        except ValueError:
            if stripped[:1] == "{" and re.match(r'\{\s*"', stripped):
                return "json"
    if len(_DIFF.findall(head)) >= 2:
        return "diff"
    n = len(lines)
    # Mostly timestamped/levelled lines: a log, even when it carries tracebacks or crashes.
    if sum(bool(_LOG_LINE.match(ln)) for ln in lines) >= max(2, 0.5 * n):
        return "log"
    if _TEST.search(head):
        return "test"
    if _CRASH.search(head):
        return "crash"
    if _TRACEBACK.search(head):
        return "traceback"
    if _BUILD.search(head):
        return "build"
    if sum(bool(_GREP.match(ln)) for ln in lines) >= max(2, 0.6 * n):
        return "grep"
    if sum(bool(_TREE_LINE.match(ln.strip() if ln[:1] in " \t" else ln)) for ln in lines) >= max(2, 0.6 * n):
        return "tree"
    return "text"


def resolve_granularity(granularity: str, domain: str) -> str:
    """Map ``auto`` to the domain's default; validate explicit choices."""
    if granularity not in GRANULARITIES:
        raise ValueError(f"granularity must be one of {GRANULARITIES}, got {granularity!r}")
    if granularity == "auto":
        return get_domain(domain).granularity
    return granularity
