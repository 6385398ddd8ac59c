"""Domain rules: the seed's v3.1 keep/drop table as a transparent rule compressor.

=========  =================================================  =====================================================
domain     keep                                               drop
=========  =================================================  =====================================================
diff       ``+``/``-`` lines, ``@@`` hunk headers,             unchanged context, whitespace-only lines,
           ``diff --git`` and file headers, commit metadata,  ``\\ No newline at end of file``
           context lines that are signatures (def/class/
           function/fn/func...) or imports
log        ERROR/WARN/FATAL records with their stack traces,  later repeats of a record: timestamp removed, digit
           the first record of each event                     runs, hex ids and UUIDs normalised (a bare 100-599
                                                              number, an HTTP status, stays part of the event);
                                                              the non-must-keep words of timestamps
json       non-null leaf values, container keys that are     ``null`` leaves, empty ``[]``/``{}``, pure-bracket
           rare (<= :data:`RARE_KEY_MAX` uses)                lines, container keys repeated across the document
tree       non-standard paths; recently changed entries       ``.git/`` contents, ``__pycache__``/``*.pyc`` and tool
           (the newest day of an ``ls -l`` listing) even      caches, site-/dist-packages, node_modules and venv
           inside vendored/venv folders                       contents, ``pythonX.Y/`` stdlib, ``total N``,
                                                              ``.``/``..``; permission/links/owner/group columns
grep       every hit line and context line                    hits inside ``.git/``, binary-file notices, ``--``
traceback  error lines, signal/exception names, file:line,    frames beyond the innermost :data:`INNER_FRAMES`
crash      error codes, summary lines (``3 failed, 1          (but the innermost frame in the project's own code
build      passed``), the innermost frames, code excerpts     is kept), banners, progress lines, passing tests,
test       under error diagnostics                            warnings' excerpts; build/test: any other line;
                                                              traceback/crash: repeats of other lines
text       content words, must-keep words, --help option      stopwords (:data:`STOPWORDS`), punctuation-only words
           lines, usage lines
=========  =================================================  =====================================================

Line-structured domains are labelled per line (every word of a kept line is 1), except
the explicit word-level drops (timestamps of log lines, ``ls -l`` permission/links/
owner/group columns). Then, as for every teacher, must-keep words
(:func:`kompress.decision.mustkeep.is_must_keep`) are forced to 1; the override wins over the word
drops, so of a timestamp only its non-must-keep words (``Nov``, ``Mon``) end up 0.

:class:`RuleCompressor` turns the same decisions into a Compressor-compatible baseline.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from kompress.compressor import CompressResult, Compressor
from kompress.scoring.scores import WordScores
from kompress.decision.options import CompressOptions
from kompress.decision.policy import DecisionPolicy
from kompress.decision.mustkeep import must_keep_mask
from kompress.structure.domains import detect, get_domain
from kompress.decision.guards import CRITICAL, is_critical_line
from kompress.structure.units import indent_width, line_spans, word_spans, words_to_lines
from kompress.scoring.windows import word_token_counts

INNER_FRAMES = 3  # innermost stack frames kept per stack
RARE_KEY_MAX = 2  # a JSON key used at most this often is "rare"
TOKENS_PER_WORD = 1.3  # RuleCompressor's token estimate when no tokenizer is given

LineRule = Callable[[list[str]], np.ndarray]
#: A word-drop rule gives, for one line, the char ranges (relative to the line) whose words are dropped.
WordDrop = Callable[[str], list[tuple[int, int]]]


# =========================================================================== diff
_HUNK = re.compile(r"^@@ -\d+(?:,(\d+))? \+\d+(?:,(\d+))? @@")
_SIGNATURE = re.compile(
    r"^\s*(?:(?:export|default|public|private|protected|internal|static|async|pub(?:\([\w:]+\))?|unsafe|"
    r"extern|inline|virtual|override|abstract|final|const|open|suspend|@\w+)\s+)*"
    r"(?:def|class|function|fn|func|interface|struct|enum|trait|impl|module|type|fun)\b"
)
_IMPORT = re.compile(
    r"^\s*(?:import\s|from\s+\S+\s+import\b|#\s*include\b|using\s|use\s|package\s|require\s*\(|"
    r"(?:const|let|var)\s+.+=\s*require\s*\(|extern\s+crate\b)"
)


def _diff(lines: list[str]) -> np.ndarray:
    """Hunk bodies are tracked by their ``@@ -a,b +c,d @@`` counts, so a removed line
    that starts with ``--`` is not mistaken for a file header."""
    keep = np.zeros(len(lines), dtype=bool)
    old_left = new_left = 0  # lines of the current hunk still to come
    loose = False  # a hunk header without counts: the hunk runs to the next header
    for i, line in enumerate(lines):
        tag, body = line[:1], line[1:]
        if loose and line.startswith(("diff ", "@@", "commit ", "--- ")):
            loose = False
        if (old_left > 0 or new_left > 0 or loose) and tag in (" ", "", "-", "+", "\\"):
            if tag == "\\":  # "\ No newline at end of file"
                continue
            old_left -= tag != "+"
            new_left -= tag != "-"
            if tag in ("+", "-"):
                keep[i] = bool(body.strip())
            else:  # unchanged context: only signatures and imports
                keep[i] = bool(_SIGNATURE.match(body) or _IMPORT.match(body))
            continue
        old_left = new_left = 0  # a line outside the hunk grammar ends the hunk
        m = _HUNK.match(line)
        if m:
            old_left = int(m.group(1)) if m.group(1) is not None else 1
            new_left = int(m.group(2)) if m.group(2) is not None else 1
            keep[i] = True
        elif line.startswith("@@"):
            loose = keep[i] = True
        elif tag == "\\" or line.strip() == "---":
            keep[i] = False
        else:
            # File headers (diff --git, index, ---/+++, mode/rename lines), commit metadata
            # and messages, --stat lines, classic `diff` (<, >, 3c3) lines.
            keep[i] = bool(line.strip())
    return keep


# =========================================================================== log
_MONTH = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*"
_TS_PREFIX = re.compile(
    r"^\s*[\[(]?(?:(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)[a-z]*,?\s+)?"
    r"(?:\d{4}[-/]\d\d[-/]\d\d(?:[T ]\d\d:\d\d(?::\d\d)?(?:[.,]\d+)?(?:Z|\s?[+-]\d\d:?\d\d)?)?"
    rf"|{_MONTH}\s+\d{{1,2}}(?:,?\s+\d{{4}})?\s+\d\d:\d\d:\d\d(?:[.,]\d+)?(?:\s+\d{{4}})?"
    r"|\d\d:\d\d:\d\d(?:[.,]\d+)?"
    r"|\d{1,2}/\w{3}/\d{4}:\d\d:\d\d:\d\d\s[+-]\d{4}"
    r"|\d{10}(?:\.\d+)?)"
    r"(?:\s*(?:AM|PM|UTC|GMT))?[\])]?"
)
_LEVEL_PREFIX = re.compile(
    r"^\s*(?:[\[<(]?(?:TRACE|DEBUG|INFO|NOTICE|WARN|WARNING|ERROR|ERR|FATAL|CRITICAL|CRIT|SEVERE|PANIC)\b"
    r"|[IWEF]\d{4}\s|(?:time|ts|level|lvl)=|\{\s*\")"
)
_ERROR_LEVEL = re.compile(
    r"\b(?:ERROR|ERR|WARN|WARNING|FATAL|CRITICAL|CRIT|SEVERE|PANIC|EMERG|ALERT)\b"
    r"|(?i:\blevel=\"?(?:error|err|warn|warning|fatal|crit|critical|panic)\b"
    r"|\"(?:level|severity)\"\s*:\s*\"(?:error|err|warn|warning|fatal|crit|critical|panic)\""
    r"|\[(?:error|warn|warning|fatal|crit|critical|emerg|alert)\])"
    r"|^[EWF]\d{4}\s"
)
_STACK = re.compile(
    r"^Traceback \(most recent call last\)|^\s+at \S|^\s+File \"|\b\w+(?:Error|Exception)\b|\bpanic(?:ked)?\b"
)
_NORMALISE = [
    (re.compile(r"\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b"), "<uuid>"),
    (re.compile(r"0x[0-9a-fA-F]+"), "<hex>"),
    (re.compile(r"\b(?=[0-9a-fA-F]*\d)(?=[0-9a-fA-F]*[a-fA-F])[0-9a-fA-F]{4,}\b"), "<hex>"),
]
#: A bare 3-digit number from 100 to 599 (an HTTP status, mostly) is part of the event:
#: ``GET /x 500`` is not a repeat of ``GET /x 200``. Other digit runs (counters, ids,
#: durations, sizes, ports) are not.
_NUMBER = re.compile(r"(?<![\w./:-])(?P<status>[1-5]\d\d)(?![\w./:-])|\d+")


def _is_record_start(line: str) -> bool:
    return bool(_TS_PREFIX.match(line) or _LEVEL_PREFIX.match(line))


def normalise_event(line: str) -> str:
    """A log line with its timestamp removed and digits/hex/UUIDs replaced (repeat detection)."""
    m = _TS_PREFIX.match(line)
    s = line[m.end():] if m else line
    for rx, sub in _NORMALISE:
        s = rx.sub(sub, s)
    s = _NUMBER.sub(lambda m: m.group("status") or "<n>", s)
    return " ".join(s.split())


def _log(lines: list[str]) -> np.ndarray:
    """Records are a record-start line (timestamp or level first) plus the lines that
    follow it up to the next record start (stack traces, wrapped messages)."""
    keep = np.zeros(len(lines), dtype=bool)
    records: list[list[int]] = []
    for i, line in enumerate(lines):
        if not line.strip():
            continue
        if not records or _is_record_start(line):
            records.append([i])
        else:
            records[-1].append(i)
    seen: set[tuple[str, ...]] = set()
    for rec in records:
        head = lines[rec[0]]
        is_error = bool(_ERROR_LEVEL.search(head)) or any(_STACK.search(lines[j]) for j in rec)
        key = tuple(normalise_event(lines[j]) for j in rec)
        if is_error or key not in seen:
            keep[rec] = True
        seen.add(key)
    return keep


def _log_words(line: str) -> list[tuple[int, int]]:
    m = _TS_PREFIX.match(line)
    return [m.span()] if m else []


# =========================================================================== json
_JSON_KEY = re.compile(r'^"((?:[^"\\]|\\.)*)"\s*:\s*(.*)$')
_BRACKETS = re.compile(r"^[\[\]{}(),\s]*$")
_EMPTY = re.compile(r"^(?:\[\s*\]|\{\s*\})$")


def _json(lines: list[str]) -> np.ndarray:
    keys = Counter(m.group(1) for m in (_JSON_KEY.match(ln.strip()) for ln in lines) if m)
    keep = np.zeros(len(lines), dtype=bool)
    for i, line in enumerate(lines):
        s = line.strip()
        if _BRACKETS.match(s):
            continue
        m = _JSON_KEY.match(s)
        value = (m.group(2) if m else s).rstrip(",").strip()
        if value == "null" or _EMPTY.match(value):
            continue
        if m and value in ("{", "["):
            keep[i] = keys[m.group(1)] <= RARE_KEY_MAX
        else:
            keep[i] = True
    return keep


# =========================================================================== tree
_LS_LONG = re.compile(
    r"^(?P<cols>[dlcbpsD\-][rwxsStT\-]{9}[.@+]?\s+\d+\s+\S+\s+(?:\S+\s+)?)"
    r"(?P<size>\d[\d,.]*[KMGTP]?|\d+,\s*\d+)\s+"
    rf"(?P<date>{_MONTH}\s+\d{{1,2}}\s+(?:\d{{1,2}}:\d\d|\d{{4}})"
    r"|\d{4}-\d\d-\d\d(?:[ T]\d\d:\d\d(?::\d\d(?:\.\d+)?)?(?:\s*[+-]\d{4})?)?)\s+"
    r"(?P<name>.+)$"
)
_TREE_DRAW = re.compile(r"^(?P<indent>(?:[│|]\s{2,3}|\s{4})*)[├└|`][─\-]{2}\s?(?P<name>.+)$")
_SECTION = re.compile(r"^(?P<dir>\S.*):$")
#: Directories whose *contents* are noise (the entry itself still tells what the project is).
NOISE_DIRS = frozenset({".git", "node_modules", "site-packages", "dist-packages", ".venv", "venv", ".hg", ".svn",
                        ".eggs"})
#: Entries that are noise themselves (caches regenerated by tools).
NOISE_ENTRIES = frozenset({"__pycache__", ".pytest_cache", ".mypy_cache", ".ruff_cache", ".tox", ".nox", ".DS_Store",
                           ".ipynb_checkpoints", ".coverage", "Thumbs.db"})
_STDLIB = re.compile(r"(?:^|/)lib/python\d(?:\.\d+)?/")
_MONTHS = {m: i for i, m in enumerate("Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split(), 1)}


def _parts(path: str) -> list[str]:
    return [p for p in path.strip().rstrip("/").split("/") if p not in ("", ".")]


def noise_path(path: str) -> bool:
    """True for paths a listing can drop: VCS internals, bytecode and tool caches, vendored
    packages, virtual environments and the Python stdlib (contents, not the entries)."""
    parts = _parts(path)
    if not parts:
        return False
    if any(p in NOISE_DIRS or p in NOISE_ENTRIES or p.endswith(".egg-info") for p in parts[:-1]):
        return True
    last = parts[-1]
    return last in NOISE_ENTRIES or last.endswith((".pyc", ".pyo")) or bool(_STDLIB.search("/".join(parts[:-1]) + "/"))


def _always_noise(path: str) -> bool:
    """Noise that recency never rescues: VCS internals and regenerated caches/bytecode."""
    parts = _parts(path)
    return any(p in (".git", ".hg", ".svn") for p in parts[:-1]) or any(
        p in NOISE_ENTRIES or p.endswith((".pyc", ".pyo")) for p in parts
    )


def _date_key(date: str) -> tuple[int, int, int, int]:
    """Sortable ``ls -l`` date to the day: ``Nov 25 10:23`` (``ls`` prints the time for files
    of the last six months) sorts after ``Nov 25 2023``; ISO dates sort by themselves."""
    parts = date.split()
    if parts[0][:3] in _MONTHS:
        month, day = _MONTHS[parts[0][:3]], int(parts[1])
        return (1, 0, month, day) if ":" in parts[2] else (0, int(parts[2]), month, day)
    y, m, d = (int(x) for x in parts[0].split("-"))
    return (0, y, m, d)


def _tree(lines: list[str]) -> np.ndarray:
    """Each listing line is resolved to the path(s) it names: ``ls -R`` entries are joined
    to their ``dir:`` section, ``tree`` drawings to their ancestors (by indentation),
    ``find`` lines are paths already; a line is kept if one of its paths is not noise."""
    keep = np.zeros(len(lines), dtype=bool)
    section = ""  # current `ls -R` directory
    seen_total = False
    stack: list[str] = []  # `tree` drawing: the entry at each depth so far
    entries: list[tuple[int, list[str], tuple | None]] = []  # (line, paths, ls -l date key)

    def join(*names: str) -> str:
        return "/".join(n for n in (section, *names) if n)

    for i, raw in enumerate(lines):
        line = raw.rstrip()
        if not line.strip():
            continue
        if re.match(r"^total \d", line):
            keep[i] = not seen_total  # the first listing's total: the size at a glance
            seen_total = True
            continue
        m = _LS_LONG.match(line)
        if m:
            name = m.group("name").split(" -> ")[0]
            if name not in (".", ".."):
                entries.append((i, [join(name)], _date_key(m.group("date"))))
            continue
        m = _TREE_DRAW.match(line)
        if m:
            del stack[len(m.group("indent")) // 4:]
            stack.append(m.group("name").split(" -> ")[0].strip().rstrip("/"))
            entries.append((i, [join(*stack)], None))
            continue
        m = _SECTION.match(line)
        if m:
            section = m.group("dir")
            stack.clear()
            entries.append((i, [section], None))
            continue
        s = line.strip()
        if "/" in s and " " not in s:  # a `find` path
            entries.append((i, [s], None))
        else:  # plain `ls` names, possibly several per line
            entries.append((i, [join(n) for n in s.split()], None))
    dated = [k for _, _, k in entries if k is not None]
    newest = max(dated) if dated else None
    revealed: set[str] = set()
    for i, paths, key in entries:
        recent = key is not None and key == newest and not _always_noise(paths[0])
        keep[i] = recent or any(not noise_path(p) for p in paths)
        if keep[i]:
            # A kept entry naming a noise directory (``.git``) already reveals it.
            revealed |= {k for k in map(noise_key, paths) if k == "/".join(_parts(paths[0]))}
        else:
            # The first line inside each noise directory stays: the agent learns that a
            # .git/, .venv/.../site-packages or __pycache__ exists; the marker counts the rest.
            new = {noise_key(p) for p in paths} - revealed
            if new:
                keep[i] = True
                revealed |= new
    return keep


def noise_key(path: str) -> str:
    """The noise directory or cache a noise path sits in (one line per key survives)."""
    parts = _parts(path)
    # A noise directory's own entry names a new key (it reveals that directory).
    dirs = [i for i, p in enumerate(parts) if p in NOISE_DIRS or p.endswith(".egg-info")]
    if dirs:
        return "/".join(parts[: dirs[-1] + 1])  # the deepest: .venv/lib/python3.11/site-packages
    for p in parts:
        if p in NOISE_ENTRIES:
            return p
    if parts and parts[-1].endswith((".pyc", ".pyo")):
        return "*.pyc"
    m = _STDLIB.search("/".join(parts) + "/")
    return m.group(0) if m else "/".join(parts[:-1])


def _tree_words(line: str) -> list[tuple[int, int]]:
    m = _LS_LONG.match(line.rstrip())
    return [m.span("cols")] if m else []


# =========================================================================== grep
_GREP_HIT = re.compile(r"^(?P<path>.+?)(?::\d+[:-]|-\d+-|:)")
_BINARY = re.compile(r"^(?:Binary file .+ matches|grep: .+: binary file matches)$")
_GIT_PATH = re.compile(r"(?:^|/)\.git/")


def _grep(lines: list[str]) -> np.ndarray:
    keep = np.zeros(len(lines), dtype=bool)
    heading = ""  # `rg --heading`: the file the following `N:text` lines belong to
    for i, line in enumerate(lines):
        s = line.strip()
        if not s or s == "--" or _BINARY.match(s):
            continue
        if re.match(r"^\d+[:-]", s):
            keep[i] = not _GIT_PATH.search(heading)
            continue
        m = _GREP_HIT.match(s)
        if m:
            keep[i] = not _GIT_PATH.search(m.group("path"))
        else:  # a heading (`rg --heading`, `grep -c` lists): a path of its own
            heading = s
            keep[i] = not _GIT_PATH.search(s + "/")
    return keep


# =========================================================================== traceback / crash / build / test
_PY_FRAME = re.compile(r"^(\s*)File \"[^\"]+\", line \d+")
_PYTEST_FRAME = re.compile(r"^\S+:\d+: in \S+")
_HASH_FRAME = re.compile(r"^\s*(?:\*\s*)?(?:frame\s+)?#(\d+):?\s+(?:0x[0-9a-fA-F]+\b|[\w:~<>$.]+\s*\()")
_AT_FRAME = re.compile(r"^(?:==\d+==)?\s+(?:at|by)\s+\S")
_MORE_FRAMES = re.compile(r"^\s+\.\.\. \d+ more$")
_SUMMARY = re.compile(
    r"\b\d+ (?:passed|failed|errors?|warnings?|skipped|xfailed|xpassed|deselected|tests?|failures?)\b"
    r"|^Ran \d+ tests? in|^(?:OK|FAILED)(?: \(.*\))?$|\bBUILD (?:SUCCESS(?:FUL)?|FAILED|FAILURE)\b"
    r"|^test result:|^Tests?:\s|^Test Suites:|\d+ errors? generated|error: could not compile"
    r"|^make(?:\[\d+\])?: \*\*\*|^ERROR SUMMARY:|==\d+== ERROR SUMMARY:"
)
_ERROR_CODE = re.compile(
    r"\b(?:[A-Z]\d{3,5}|[A-Z]{2,3}\d{4,5})\b|\berrno[ =]?\d+|\b(?:exit|return)(?:ed)? (?:code|status)[ =:]?-?\d+"
    r"|\bError \d+\b"
)
_ERROR_WORD = re.compile(r"(?i:\berrors?\b)")  # weak: banners say "a memory error detector" too
_STRONG = re.compile(r"^(?:E\s|>\s)|^\s*●|\bpanic(?:ked)?\b|^\s*(?:Expected|Received|Actual)\b|^_{3,} .+ _{3,}$")
_BANNER = re.compile(
    r"^\s*(?:[=\-_*#~+]\s?){3,}\s*$"  # pure separators (also pytest's "_ _ _ _")
    r"|^\s*[=\-*#~]{3,} .* [=\-*#~]{3,}\s*$"  # titled separators: === FAILURES ===
    r"|^(?:platform \w+ -- Python|rootdir:|cachedir:|configfile:|plugins:|collected \d+ items?|collecting\b)"
    r"|^(?:GNU gdb|Copyright \(C\)|License GPLv\d|This is free software|There is NO WARRANTY|Type \"show"
    r"|This GDB was configured|Type \"apropos|For bug reporting|Find the GDB manual|<https?://|For help, type"
    r"|Reading symbols from|Starting program:|\[Thread debugging using|Using host libthread_db|\[New Thread"
    r"|\[New LWP|\[Thread .* exited\]|\[Detaching after)"
    r"|^==\d+==\s*$|^==\d+== (?:Memcheck, a memory error|Copyright|Using Valgrind|Command:|Parent PID:"
    r"|For lists of detected|For counts of detected|Rerun with)"
)
_PROGRESS = re.compile(
    r"\[\s*\d+%\]|^\s*(?:Compiling|Downloading|Downloaded|Fetching|Updating|Checking|Building|Installing"
    r"|Collecting|Resolving|Unpacking|Preparing|Running|Finished|Fresh|Locking|Adding|Blocking|Scanning"
    r"|Linking|Generating|Processing|Using cached|Requirement already)\b"
    r"|^make(?:\[\d+\])?: (?:Entering|Leaving|Nothing to be done)|^-- |\d+%\s*\||\|[█#=\- >]{5,}\||"
    r"^Step \d+/\d+|^=== RUN\b|^\s*#\d+ \[|^\s*\d+/\d+ "
)
_PASSING = re.compile(
    r"\bPASS(?:ED)?\b|^ok \d+|^\s*(?:✓|✔|√)|\.\.\. ok$|^ok\s+\S+\s+[\d.]+s$|^--- PASS\b|\bOK$"
)
_FILE_LINE = re.compile(
    r"[\w./\\-]+\.[A-Za-z]\w*:\d+|\bline \d+\b|^\s*--> \S+:\d+"
    r"|: In (?:member |static )?(?:function|constructor|destructor|instantiation)|^In file included from"
)
#: Code excerpts under a diagnostic are indented (gcc's ``  12 |`` gutter, javac's source
#: line and caret, rustc's ``-->``) or gcc's fix-it ``+++ |+#include`` lines.
_EXCERPT = re.compile(r"^\s|^\s*\+\+\+ \|")
_ASAN_SHADOW = re.compile(r"^Shadow bytes around the buggy address")
_DEFAULT_KEEP = {"traceback": True, "crash": True, "build": False, "test": False}


#: Frames in runtimes, system libraries and vendored code (not the project's own code).
_SYSTEM_FRAME = re.compile(
    r"/usr/|/lib(?:64)?/|site-packages|dist-packages|<frozen|node:internal|node_modules|\.\./sysdeps|libsanitizer"
    r"|/rustc/|\(in /|\?\?\?|<anonymous>|\blibc[-._]|/python\d(?:\.\d+)?/|\(below main\)|\./nptl/"
    # glibc/sanitizer entry points that valgrind and gdb show with bare source names
    r"|\b(?:__pthread_kill\w*|pthread_kill|raise|abort|__assert_fail\w*|__libc_start\w*|_start|__GI_\w+"
    r"|__interceptor_\w+|__asan_\w+|__sanitizer\w*|__mulv\w+|__addv\w+|__subv\w+)\s*\("
)
_SOURCE_REF = re.compile(r"[\w./-]+\.[A-Za-z]\w*:\d+|File \"[^\"]+\", line \d+")


def _frames(lines: list[str]) -> dict[int, bool]:
    """Stack-frame lines -> keep? A stack keeps its innermost :data:`INNER_FRAMES` frames,
    plus its innermost frame in the project's own code when those are all library frames
    (``abort``, sanitizer interceptors, the Python stdlib).

    Python frames (``File "x", line N`` + the indented code under it) and pytest's
    ``x.py:N: in f`` frames list the innermost last; ``at``/``by`` frames (Java, Node,
    valgrind) list it first; numbered frames (``#0`` gdb, ASan, lldb) start a stack at #0.
    """
    groups: list[tuple[str, list[int], int]] = []  # (kind, lines, frame number or -1)
    i, n = 0, len(lines)
    out: dict[int, bool] = {}
    while i < n:
        line = lines[i]
        h = _HASH_FRAME.match(line)
        m = None if h else (_PY_FRAME.match(line) or _PYTEST_FRAME.match(line))
        if m:
            indent = len(m.group(1)) if m.re is _PY_FRAME else 0
            j = i + 1
            while j < n and lines[j].strip() and indent_width(lines[j]) > indent \
                    and not _PY_FRAME.match(lines[j]):
                j += 1
            groups.append(("last", list(range(i, j)), -1))
            i = j
            continue
        if h:
            groups.append(("number", [i], int(h.group(1))))
        elif _AT_FRAME.match(line):
            groups.append(("first", [i], -1))
        elif _MORE_FRAMES.match(line):
            out[i] = False
        i += 1
    # Group frames into stacks: (kind, frame groups).
    stacks: list[tuple[str, list[list[int]]]] = []
    prev: tuple[str, list[int], int] | None = None
    for kind, grp, num in groups:
        if prev is None or prev[0] != kind:
            new = True
        elif kind == "number":
            new = num == 0 or num <= prev[2]
        else:
            new = grp[0] != prev[1][-1] + 1  # frames of one stack are adjacent lines
        if new:
            stacks.append((kind, []))
        stacks[-1][1].append(grp)
        prev = (kind, grp, num)
    for kind, stack in stacks:
        if kind == "last":
            stack.reverse()  # innermost first
        user = [bool(_SOURCE_REF.search(lines[g[0]])) and not _SYSTEM_FRAME.search(lines[g[0]]) for g in stack]
        keep = [pos < INNER_FRAMES for pos in range(len(stack))]
        if not any(k and u for k, u in zip(keep, user)) and any(user):
            keep[user.index(True)] = True
        for grp, k in zip(stack, keep):
            for j in grp:
                out[j] = k
    return out


def _diagnostic(domain: str) -> LineRule:
    default = _DEFAULT_KEEP[domain]

    def rule(lines: list[str]) -> np.ndarray:
        keep = np.zeros(len(lines), dtype=bool)
        frames = _frames(lines)
        in_shadow = False  # inside an ASan shadow-byte map
        after_error = False  # right after a kept diagnostic: its code excerpt follows
        seen: set[str] = set()  # normalised lines kept by default (repeats are dropped)
        for i, line in enumerate(lines):
            if not line.strip():
                after_error = False
                continue
            if in_shadow and not line.startswith("=="):
                continue
            in_shadow = False
            if i in frames:
                keep[i] = frames[i]
                after_error = False
            elif _ASAN_SHADOW.match(line):
                in_shadow = True
            elif _SUMMARY.search(line) or CRITICAL.search(line) or _ERROR_CODE.search(line) or _STRONG.search(line):
                keep[i] = after_error = True
            elif after_error and _EXCERPT.match(line):
                keep[i] = True
            elif _BANNER.search(line) or _PROGRESS.search(line) or _PASSING.search(line):
                after_error = False
            elif is_critical_line(line) or _ERROR_WORD.search(line) or _FILE_LINE.search(line):
                # Warnings, notes, locations: kept, but their code excerpts are not.
                keep[i] = True
                after_error = False
            else:
                key = normalise_event(line)
                keep[i] = default and key not in seen
                seen.add(key)
                after_error = False
        return keep

    return rule


# =========================================================================== text
#: Function words dropped in prose: articles, prepositions, conjunctions, auxiliaries,
#: pronouns, demonstratives. Polarity words and quantifiers are deliberately absent.
STOPWORDS = frozenset(
    """
    a an the of to in on at by for from with into onto upon over under about above below between through
    during before after as and or but if then than so that this these those it its it's is are was were be
    been being am do does did doing has have had having will would shall i you he she we they me him her us
    them my your his our their mine yours ours theirs there here which who whom whose what also just very
    too such via per within while
    """.split()
)
_OPTION_LINE = re.compile(r"^\s*(?:-\w(?:[\s,=\[]|$)|--[\w-]+|usage:|Usage:)")
_PUNCT_ONLY = re.compile(r"^[^\w]+$")


def _text_words(text: str, starts: np.ndarray, ends: np.ndarray, w_line: np.ndarray,
                l_starts: np.ndarray, l_ends: np.ndarray) -> np.ndarray:
    option_line = np.fromiter((bool(_OPTION_LINE.match(text[s:e])) for s, e in zip(l_starts, l_ends)),
                              dtype=bool, count=len(l_starts))
    keep = np.empty(len(starts), dtype=bool)
    for k, (s, e) in enumerate(zip(starts, ends)):
        w = text[s:e]
        core = w.strip("\"'`.,;:!?()[]{}<>*").lower()
        keep[k] = bool(option_line[w_line[k]]) or not (core in STOPWORDS or _PUNCT_ONLY.match(w))
    return keep


# =========================================================================== dispatch
LINE_RULES: dict[str, LineRule] = {
    "diff": _diff,
    "log": _log,
    "json": _json,
    "tree": _tree,
    "grep": _grep,
    **{d: _diagnostic(d) for d in _DEFAULT_KEEP},
}
WORD_DROPS: dict[str, WordDrop] = {"log": _log_words, "tree": _tree_words}


@dataclass
class RuleDecision:
    """The rule teacher's decisions for one text (word and line units of :mod:`kompress.structure.units`)."""

    domain: str
    starts: np.ndarray
    ends: np.ndarray
    l_starts: np.ndarray
    l_ends: np.ndarray
    w_line: np.ndarray
    word_keep: np.ndarray  # rule labels before the must-keep override
    line_keep: np.ndarray  # per line: the line rule (text: any word of the line kept)
    must_keep: np.ndarray

    @property
    def labels(self) -> np.ndarray:
        """Word labels with the must-keep override (int8)."""
        return (self.word_keep | self.must_keep).astype(np.int8)


def apply_rules(text: str, domain: str | None = None) -> RuleDecision:
    """Apply ``domain``'s rules (detected when None) to ``text``."""
    domain = domain or detect(text)
    get_domain(domain)
    starts, ends = word_spans(text)
    l_starts, l_ends = line_spans(text)
    w_line = words_to_lines(starts, l_starts)
    if domain == "text":
        word_keep = _text_words(text, starts, ends, w_line, l_starts, l_ends)
        line_keep = np.bincount(w_line, weights=word_keep, minlength=len(l_starts)) > 0
    else:
        lines = [text[s:e].rstrip("\r") for s, e in zip(l_starts, l_ends)]
        line_keep = LINE_RULES[domain](lines)
        word_keep = line_keep[w_line].copy()
        drop = WORD_DROPS.get(domain)
        if drop is not None:
            for li in np.flatnonzero(line_keep):
                for a, b in drop(lines[li]):
                    a, b = int(l_starts[li]) + a, int(l_starts[li]) + b
                    word_keep[(starts >= a) & (ends <= b)] = False
    return RuleDecision(domain, starts, ends, l_starts, l_ends, w_line, word_keep, line_keep,
                        must_keep_mask(text, starts, ends))


def rule_labels(text: str, domain: str | None = None, override: bool = True) -> np.ndarray:
    """Per-word keep labels (int8) of ``text`` by ``domain``'s rules.

    With ``override`` (the default, as for every teacher) must-keep words are labelled 1.
    """
    d = apply_rules(text, domain)
    return d.labels if override else d.word_keep.astype(np.int8)


# =========================================================================== compressor
class RuleCompressor:
    """A Compressor-compatible baseline that applies the domain rules instead of a model.

    The rules become fixed word scores and the decision is :meth:`kompress.Compressor.decide`
    itself (borrowed, not copied), so ``threshold``, ``rate``, ``granularity``, ``guard`` and
    the rendering behave exactly as with the model. Word granularity: a word scores 0.25,
    +0.5 when its rule keeps it, +0.25 when it is must-keep. Line granularity: every word
    of a line scores the line's 0.25 + 0.5 (kept by its rule). The default threshold 0.5
    reproduces the rules; ``rate`` keeps the best-scoring share (ties by position).

    Token counts (``tokens_in``/``tokens_out``/``keep_rate``): with a ``tokenizer`` (a Hugging
    Face tokenizer, e.g. the model's) each word counts its subword tokens, as in the
    Compressor; without one each word counts :data:`TOKENS_PER_WORD` (1.3) tokens and the
    totals are truncated to whole tokens.
    """

    decide = Compressor.decide  # needs only ``self.policy``
    _decide = Compressor._decide
    # Threshold 0.5 reproduces the rules; every word of a line carries the line's score, so
    # any line aggregate agrees.
    policy = DecisionPolicy(threshold=0.5)

    def __init__(self, tokenizer=None) -> None:
        self.tokenizer = tokenizer

    def word_tokens(self, text: str, starts: np.ndarray) -> np.ndarray:
        """Tokens per word: the tokenizer's count, or :data:`TOKENS_PER_WORD` each."""
        if self.tokenizer is None:
            return np.full(len(starts), TOKENS_PER_WORD)
        return word_token_counts(self.tokenizer, text, starts).astype(np.float64)

    def count_tokens(self, text: str) -> int:
        """Tokens of ``text`` as this compressor counts them."""
        return int(self.word_tokens(text, word_spans(text)[0]).sum())

    def compress(self, text: str, options: CompressOptions | None = None, **overrides: Any) -> CompressResult:
        """Compress ``text`` by the domain rules; same options and result as ``Compressor.compress``."""
        # The teacher's own decision: no structure frame unless asked for.
        opts = CompressOptions.build(options, **{"structure": False, **overrides})
        domain = opts.domain or detect(text)
        gran = self.policy.granularity_for(opts.granularity, domain)
        if not text.strip():
            return CompressResult(text="", keep_rate=1.0, domain=domain, tokens_in=0, tokens_out=0, granularity=gran)
        d = apply_rules(text, domain)
        n_tokens = self.word_tokens(text, d.starts)
        if opts.min_tokens and int(n_tokens.sum()) < opts.min_tokens:
            n = int(n_tokens.sum())
            return CompressResult(text, 1.0, domain, n, n, [(0, len(text))], gran)
        if gran == "word":
            scores = 0.25 + 0.5 * d.word_keep + 0.25 * d.must_keep
        else:
            scores = (0.25 + 0.5 * d.line_keep)[d.w_line]
        ws = WordScores(d.starts, d.ends, scores.astype(np.float32), n_tokens)
        return self.decide(text, ws, domain, opts.replace(granularity=gran))
