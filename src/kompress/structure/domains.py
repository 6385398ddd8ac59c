"""Domains: which dialect a tool output speaks, its encoder prefix and default granularity.

Detection is a transparent, ordered set of cheap heuristics over the first ~200 lines;
the first domain whose test fires wins, ``text`` is the fallback.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass

from kompress.structure.findings import LINT_FINDING
from kompress.structure.prose import opener
from kompress.structure.tables import find_table
from kompress.structure.templates import TEST_RECORD


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
        Domain("crash", "CRASH:", "line", "crash reports: signals, gdb, valgrind, sanitizers"),
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


#: Diffs that are not unified patches, one line each: rustfmt's "Diff in src/a.rs:12:" hunk
#: header and diff -rq's "Only in d: f" / "Files a and b differ" (detection and the guard's
#: DIFF_CHANGE both read it).
DIFF_SUMMARY_LINE = r"Diff in \S+:\d+:$|Only in [^:\n]+: |(?:Binary f|F)iles \S+ and \S+ differ$"
_DIFF = re.compile(r"^(diff --git |--- a/|\+\+\+ b/|@@ -\d+(,\d+)? \+\d+(,\d+)? @@|index [0-9a-f]+\.\.|"
                   + DIFF_SUMMARY_LINE + ")", re.M)
# git log --stat / git show without a patch: commit headers with a diffstat.
_GIT_LOG = re.compile(r"^commit [0-9a-f]{7,40}\b.*\n(Merge: .*\n)?Author: ", re.M)
_DIFFSTAT = re.compile(r"^ \d+ files? changed(, \d+ insertions?\(\+\))?(, \d+ deletions?\(-\))?$", re.M)
_DIFFSTAT_FILE = re.compile(r"^ \S.* +\| +(\d+ ?[+-]*|Bin .*)$", re.M)
# The shell's or make's report of a fatal signal, sanitizer and debugger banners.
_SIGNAL_NAMES = r"(Segmentation fault|Bus error|Illegal instruction|Floating point exception|Aborted|Trace/breakpoint trap)"
_CRASH = re.compile(
    r"(core dumped|\bSIG(SEGV|ILL|FPE|ABRT|BUS|TRAP)\b|AddressSanitizer|UndefinedBehaviorSanitizer|"
    r"==\d+==|Program received signal|Program terminated with signal|EXC_BAD_|stack overflow|"
    r"Invalid (read|write) of size|terminate called after throwing|: runtime error: |Assertion `.*' failed\.|"
    rf"^(\S+: line \d+: +\d+ |make(\[\d+\])?: \*\*\* \[.*\] ){_SIGNAL_NAMES}|^{_SIGNAL_NAMES}( \(core dumped\))?$)",
    re.M,
)
_TRACEBACK = re.compile(
    r"(^[\s|+]*(Exception Group )?Traceback \(most recent call last\):|^\s+at .+\(.+:\d+:\d+\)$|"
    r"^\s+at [\w.$]+\(.*\)$|^Exception in thread|^[\s|]*File \".+\", line \d+)",
    re.M,
)
_TEST = re.compile(
    r"(^=+ (test session starts|FAILURES|ERRORS|short test summary info|.*\d+ (passed|failed))|"
    r"^(FAILED|PASSED|ERROR) \S+::|^Ran \d+ tests? in|^(OK|FAILED \(failures=)|"
    r"^\s*(Tests?:|Test Suites:)\s+\d+|^(not )?ok \d+ |^[.sFExX]+ +\[ *\d+%\]$|"
    r"^\d+ (passed|failed)(, \d+ \w+)* in \d|^test result: |"
    r"^\s*--- (PASS|FAIL|SKIP): \S|^(ok|FAIL)\s+\S+\s+[\d.]+s$|"  # go test -v
    r"^\s*(Test Files|Tests)  +\d+ (passed|failed)\b|^\s+\d+ (passing|failing) \(?|"  # vitest, mocha
    r"^\s*\d+ tests? (passed|failed)$|"  # ava
    r"^\d+ (runs|tests), \d+ assertions, \d+ failures, \d+ errors|"  # minitest, test-unit
    r"^\d+ examples?, \d+ failures?|^(\d+ doctests?, )?\d+ tests?, \d+ (failures?|passed, \d+ failed)|"  # rspec, ExUnit, robot
    r"^\d+ passed; \d+ skipped; \d+ failed\.$|^\d+% tests passed, \d+ tests? failed out of \d+|"  # zig test, ctest
    r"^Unexpected Pass: +\d+|^\d+ features? passed, \d+ failed|"  # meson test, behave
    r"^\d+ of \d+ tests? (?:failed|passed)\b|"  # hapi lab
    r"\tTotal\t\d+\tPassed\t\d+\tSkipped\t\d+\tFailed\t\d+$)",  # tcltest
    re.M,
)
_BUILD = re.compile(
    r"(^[^\s:]+\(\d+,\d+\): error|"
    r"^[^\s:]+: In (member )?function |^g?make(\[\d+\])?: |^CMake (Error|Warning)|^\[\s*\d+%\] |^ld: |"
    r"collect2: |^error(\[E\d+\])?: |^warning: |\d+ errors? generated|^BUILD (SUCCESS|FAILURE)|"
    # rustc, clippy and ruff's snippet diagnostics point at the code: " --> src/lib.rs:12:5";
    # eslint's stylish format: a file's path, then "  12:5  error  message  rule" per finding.
    r"^\s*--> [^\s:]+:\d+:\d+$|^\s+\d+:\d+\s+(error|warning)\s{2}|"
    r"^[✘▲] \[(ERROR|WARNING)\] )",  # esbuild
    re.M,
)
# grep -n hits and -A/-B/-C context lines (path-N-text), with "--" between groups.
# (Not a date: hledger's register row ``2012-01-04 Goba Goba | ...`` is no path-2012 context line.)
_GREP = re.compile(r"^([\w./-]+:\d+[:-]|(?!\d{4}-\d\d-\d\d\b)[\w./-]+-\d+-|--$)", re.M)
# A clock time where a grep prefix would be (``app_13:53:08 ...``, ``20171223-22:15:29:606|``, ``20171224-0:0:0:237|``):
# a log record's stamp, not path:line.
_CLOCK_PREFIX = re.compile(r"^[\w./-]*?(?<!\d)\d{1,2}:\d{1,2}[:.,]\d{1,2}")
# A compiler's file:line:col diagnostic, which a lone grep hit resembles.
# (Linters name a rule code instead of a severity: flake8's "F401", pylint's "W0612: ...".)
# A program's name may open it: psql's "psql:schema.sql:668: ERROR:  relation ... does not exist".
# (gdlint's ``x.gd:58: Error: Max allowed line length ...`` capitalizes its level.)
_DIAGNOSTIC = re.compile(r"^([\w.-]+:)?[^\s:]+:\d+(:\d+)?: ((fatal error|error|warning|note|Error|Warning|ERROR|WARNING|FATAL)\b"
                         r"|[A-Z]{1,4}\d{3,4}\b)")
# A line and a column, then one space and the message (staticcheck's ``a.go:123:2: empty branch``,
# GNAT's ``a.adb:452:16: (style) ...``): no grep hit, though no severity word says what it is;
# grep prints no column, and a hit with ``--column`` (rg's ``--vimgrep``) carries the line's own
# text, not one space and a word.
_COLUMN_DIAGNOSTIC = re.compile(r"^[^\s:]+:\d+:\d+: \S")
_LOG_STAMP = re.compile(
    r"^(\[?\d{4}-\d\d-\d\d[T ]\d\d:\d\d|\[?\d\d:\d\d:\d\d|\w{3} [ \d]\d \d\d:\d\d:\d\d|"
    r"\w{3} \d\d?, \d{4} \d\d?:\d\d:\d\d|"  # java.util.logging: "Dec 02, 2026 10:55:01 AM"
    r"(ts|time|timestamp)=\S*\d\d:\d\d)"
)
_LOG_LEVEL = re.compile(r"^\[?(INFO|DEBUG|WARN|WARNING|ERROR|TRACE|FATAL)\b|\blevel=[A-Za-z]+\b")
# A log record in any convention: a clock time with seconds near the start of the line
# (nginx's "2026/12/02 10:55:01", redis's "02 Dec 2026 10:55:01.123", "[02/Dec/2026:10:55:01"),
# or a level word there (INFO, [error], <warn>, SEVERE ...).
# Not followed by a digit, rather than \b: ISO 8601's ``08:53:03Z`` is a clock too.
_ANY_STAMP = re.compile(r"^.{0,48}?(?<!\d)\d{1,2}:\d{1,2}:\d{1,2}(?:[.,]\d+)?(?!\d)")

_ANY_LEVEL = re.compile(
    r"^.{0,60}?(?:\b(?:INFO|DEBUG|NOTICE|WARN|WARNING|ERROR|TRACE|FATAL|CRIT|CRITICAL|SEVERE|FINE|CONFIG)\b"
    r"|[\[<](?:error|warn|warning|notice|info|debug|crit|alert|emerg)[\]>])"
)
# npm's debug log and similar: a sequence number, then a lower-case level word.
_NUMBERED_LEVEL = re.compile(r"^\d+ (?:verbose|info|timing|silly|http|warn|error|notice)\b")
# A JSON-lines logger's record (pino, bunyan, structlog, zap): one object per line with a
# level, time or message key.
_JSON_RECORD = re.compile(r'^\{.*"(?:level|lvl|severity|time|timestamp|ts|@timestamp|msg|message|event)"\s*:.*\}\s*$')
_TREE_LINE = re.compile(
    r"^([d\-lcbps][rwxsStT\-]{9}[.@+]?\s|total \d+$|\.{1,2}/?$|\./|[\w.\-]+/$|[│├└]|[|`]--|(?:[|│] {3})+[|`├└]|"
    r"[\w./\-]+:$|/?[\w.\-]+(/[\w.\-]+)+/?$)"
)

#: A line drawn in a box (a table's row ``│ a │ b │``, a panel's ``│ --help  Show this │``, a
#: rule ``├───┼───┤``): it ends with drawing, a tree's line with a name.
_BOXED = re.compile(r"^\s*[│┃║├┡╞┝┌┏╒╭└┗╘╰].*[│┃║┤┩╡┥┐┓╕╮┘┛╛╯]\s*$")


def has_clock(line: str) -> bool:
    """True for a line with a clock time (seconds too) near its start: a log record's stamp."""
    return _ANY_STAMP.match(line) is not None


#: Lines a JSON document may follow (a tool's notice before its report: biome's "The `json` and
#: `json-pretty` reporters are experimental", npm's warnings before ``npm ls --json``).
JSON_PREAMBLE_LINES = 5
#: Share of the text's characters the document must hold after a preamble: the output is the
#: report, not a log quoting one record or one document among many (``yq`` over many files).
JSON_DOCUMENT_SHARE = 0.8
_JSON_OPENING = re.compile(r"^[{\[]", re.M)


def json_span(text: str) -> tuple[int, int] | None:
    """Where the JSON document of an output that opens with a short preamble lies (``None``
    when the text has no such document; a text that opens with JSON is :func:`detect`'s)."""
    limit = 0
    for _ in range(JSON_PREAMBLE_LINES + 1):  # the start of the line after the preamble's
        limit = text.find("\n", limit) + 1
        if limit == 0:
            limit = len(text)
            break
    for m in _JSON_OPENING.finditer(text, 1, limit + 1):
        try:
            _doc, end = json.JSONDecoder().raw_decode(text, m.start())
        except (ValueError, RecursionError):
            continue  # a ``[WARN]`` line of the preamble
        return (m.start(), end) if end - m.start() >= JSON_DOCUMENT_SHARE * len(text.strip()) else None
    return None


def detect(text: str) -> str:
    """Guess the domain of ``text``; returns one of :data:`DOMAINS`' names.

    Reads the first 200 and the last 50 non-blank lines: crash reports and tracebacks
    announce themselves at the end (the shell's ``Illegal instruction``, the exception).
    """
    # Slices, not the whole text: detection runs on every input, 10 MB ones too.
    head_lines = [ln for ln in text[:20000].splitlines()[:200] if ln.strip()]
    if not head_lines:
        return "text"
    tail = text[-8000:].splitlines()
    if len(text) > 8000:
        tail = tail[1:]  # the first line of the slice may be cut
    tail_lines = [ln for ln in tail[-50:] if ln.strip()]
    head = "\n".join(head_lines)
    sample = "\n".join(head_lines + tail_lines)
    stripped = text.lstrip()
    n = len(head_lines)
    if stripped[:1] == "{" and sum(bool(_JSON_RECORD.match(ln)) for ln in head_lines) >= max(2, 0.6 * n):
        return "log"  # one JSON record per line: a log, not one document
    if stripped[:1] in "{[":
        try:
            json.loads(text)
            return "json"
        except (ValueError, RecursionError):  # nested too deep for the parser: not for the JSON domain
            if stripped[:1] == "{" and re.match(r'\{\s*"', stripped):
                return "json"
    elif json_span(text) is not None:
        return "json"
    if (len(_DIFF.findall(head)) >= 2 or _GIT_LOG.search(head) and _DIFF.search(head)
            or _DIFFSTAT.search(head) and _DIFFSTAT_FILE.search(head)):
        # A test run's failures print expected/actual diffs (minitest, phpunit); its summary
        # closes it. A diff ends with changed lines, not with a runner's summary.
        return "test" if _TEST.search("\n".join(tail_lines[-5:])) else "diff"
    is_stamped = [bool(_LOG_STAMP.match(ln)) for ln in head_lines]
    stamped = sum(is_stamped)
    levelled = stamped + sum(not st and bool(_LOG_LEVEL.search(ln)) for st, ln in zip(is_stamped, head_lines))
    # Timestamped lines make a log even when it carries tracebacks; bare "INFO x:" lines
    # before a traceback are a script's chatter, and the traceback is what it reports.
    if stamped >= max(2, 0.3 * n) or (levelled >= max(2, 0.5 * n) and not _TRACEBACK.search(sample)):
        return "log"
    # A runner's summary, or many of its result marks (``✔ 12) clones arrays``, ``✖ 62) ...``,
    # TAP's ``ok 3 -``) where its summary is worded as none above.
    if _TEST.search(sample) or sum(bool(TEST_RECORD.match(ln)) for ln in head_lines) >= max(3, 0.3 * n):
        return "test"
    if sum(bool(_GREP.match(ln)) and not _DIAGNOSTIC.match(ln) and not _COLUMN_DIAGNOSTIC.match(ln)
           and not _CLOCK_PREFIX.match(ln)
           and not LINT_FINDING.match(ln) for ln in head_lines) >= max(1, 0.6 * n):
        return "grep"
    # Lines opening with a clock time or a level: a log of a format named nowhere above
    # (checked after crashes and tracebacks, which such a log may be printing).
    logged = sum(bool(has_clock(ln) or _ANY_LEVEL.match(ln) or _NUMBERED_LEVEL.match(ln)) for ln in head_lines)
    tree = sum(bool(_TREE_LINE.match(ln.strip() if ln[:1] in " \t" else ln)) and not _BOXED.match(ln)
               for ln in head_lines) >= max(2, 0.6 * n)
    if logged < max(3, 0.5 * n) and not tree and find_table(head_lines) is not None:
        return "text"  # a table (its rows decide it, see table_frame), though a cell names a crash
    if _CRASH.search(sample):
        return "crash"
    if _TRACEBACK.search(sample):
        return "traceback"
    if _BUILD.search(sample) or any(_DIAGNOSTIC.match(ln) for ln in head_lines) or LINT_FINDING.search(head):
        return "build"
    if tree:
        return "tree"
    # Logs of formats named nowhere above: most lines carry a clock time or a level near
    # their start. Read as prose they would lose words inside records.
    if logged >= max(3, 0.5 * n):
        return "log"
    if _repetitive_records(head_lines):
        return "log"
    return "text"


def _repetitive_records(lines: list[str]) -> bool:
    """Line records of a few kinds, without clock or level (``sshd -D``, apt's ``term.log``,
    a daemon's chatter): at least 20 lines, most of them unindented, a handful of first words
    (numbers masked) open most of them, and they do not read as code. Prose and code open
    their lines with many different words; reading records as prose would cut words inside."""
    if len(lines) < 20:
        return False
    shapes: dict[str, int] = {}
    code = 0
    for ln in lines:
        key = opener(ln)
        if key is None:
            continue  # continuation or code indentation: not a record opener
        shapes[key] = shapes.get(key, 0) + 1
        code += ln.rstrip()[-1:] in ":{;,(=\\" or " = " in ln
    openers = sum(shapes.values())
    if openers < 0.8 * len(lines) or code > 0.1 * openers:
        return False
    top = sum(sorted(shapes.values(), reverse=True)[:5])
    return top >= 0.6 * openers and len(shapes) <= 0.15 * openers


def resolve_granularity(granularity: str, domain: str, defaults: Mapping[str, str] | None = None) -> str:
    """Map ``auto`` to the domain's default (``defaults``, a model config's ``granularity``
    map, wins over the built-in one: a model keeps the granularity it was trained for);
    validate explicit choices."""
    if granularity not in GRANULARITIES:
        raise ValueError(f"granularity must be one of {GRANULARITIES}, got {granularity!r}")
    if granularity != "auto":
        return granularity
    chosen = (defaults or {}).get(domain) or get_domain(domain).granularity
    if chosen not in ("word", "line"):
        raise ValueError(f"granularity of domain {domain!r} must be 'word' or 'line', got {chosen!r} "
                         "(check the model's config.json)")
    return chosen
