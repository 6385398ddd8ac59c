"""Eval questions: what an agent debugging from a tool output needs answered.

:func:`derive_questions` reads a tool output and, by transparent per-domain rules, asks 1-5
questions whose answers are EXACT substrings of the text: the signal, the exception type and
message, the failing test id, ``file:line`` of the innermost frame, the exit code, a changed
diff line, the value of a JSON key, the component of an ERROR log line, a flag from
``--help``, the odd file in a listing... A compressor that keeps what matters keeps these.
Deterministic: the same text and domain always give the same questions.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable

QA = dict  # {"q": str, "answer": str}
MAX_Q = 5

_SIGNALS = re.compile(r"\b(SIGSEGV|SIGABRT|SIGFPE|SIGILL|SIGBUS|SIGTRAP|SIGKILL|SIGTERM)\b")
_SHELL_SIGNAL = re.compile(r"^.*\b\d+ (Segmentation fault|Aborted|Floating point exception|Illegal instruction|"
                           r"Bus error|Trace/breakpoint trap|Killed)", re.M)
_EXIT = re.compile(r"\bexit (?:code|status):? (\d+)\b|\[Inferior 1 \(process \d+\) exited with code (\d+)\]")
_PY_FRAME = re.compile(r'File "([^"]+)", line (\d+), in (\S+)')
_PY_EXC = re.compile(r"^(?:\s*\|\s*)?([A-Za-z_][\w.]*(?:Error|Exception|Exit|Interrupt|Warning|Group|Iteration))(?::\s(.+))?$", re.M)
_NODE_EXC = re.compile(r"^([A-Z]\w*(?:Error|Exception)(?: \[\w+\])?): (.+)$", re.M)
_NODE_FRAME = re.compile(r"^\s+at (?:.+? \()?((?:/|\.{0,2}/)?[\w./@-]+\.(?:js|mjs|cjs|ts)):(\d+):\d+\)?$", re.M)
_C_LOC = re.compile(r"\b([\w./-]+\.(?:c|cc|cpp|cxx|h|hpp|java)):(\d+)(?::(\d+))?")
_DIAG = re.compile(r"^([\w./-]+\.(?:c|cc|cpp|cxx|h|hpp|java)):(\d+)(?::(\d+))?: (error|warning): (.+)$", re.M)
_GDB_FRAME0 = re.compile(r"^#0\s+(?:0x[0-9a-f]+ in )?(\S+) \(.*?\)(?: at ([\w./-]+:\d+))?", re.M)
_ASAN = re.compile(r"ERROR: (AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer): ([\w-]+)")
_SANITIZER_SUMMARY = re.compile(r"^SUMMARY: \w+: ([\w-]+) (\S+:\d+) in (\S+)", re.M)
_VALGRIND = re.compile(r"==\d+== (Invalid (?:read|write|free)[^\n]*|Conditional jump or move depends on uninitialised value\(s\)|"
                       r"Process terminating with default action of signal \d+ \((SIG\w+)\)|Jump to the invalid address[^\n]*)")
_VALGRIND_AT = re.compile(r"==\d+==\s+(?:at|by) 0x[0-9A-F]+: (\w+) \(([\w.]+:\d+)\)")
_LEAK = re.compile(r"definitely lost: ([\d,]+ bytes in [\d,]+ blocks)")
_ASSERT_C = re.compile(r"Assertion `(.+?)' failed\.")
_CXX_TERM = re.compile(r"terminate called after throwing an instance of '([^']+)'")
_WHAT = re.compile(r"^\s+what\(\):\s+(.+)$", re.M)
_GLIBC = re.compile(r"^((?:free|malloc|realloc|double free)[^\n]*(?:detected|corrupted)[^\n]*)$|\*\*\* (stack smashing detected) \*\*\*", re.M)
_PYTEST_FAILED = re.compile(r"^(?:FAILED|ERROR) (\S+::\S+)", re.M)
_PYTEST_V = re.compile(r"^(\S+::\S+) (FAILED|ERROR)", re.M)
_PYTEST_SUMMARY = re.compile(r"^=*\s*((?:\d+ (?:failed|passed|skipped|errors?|xfailed|xpassed|deselected|warnings?)(?:, )?)+)"
                             r"(?: in [\d.]+s)?", re.M)
_PYTEST_E = re.compile(r"^E\s+(\w*(?:Error|Exception)\b.*|assert .+)$", re.M)
_UNITTEST_FAIL = re.compile(r"^(FAIL|ERROR): (test\w+) \(([\w.]+)\)", re.M)
_UNITTEST_RESULT = re.compile(r"^(FAILED \((?:failures|errors)=\d+(?:, (?:failures|errors|skipped)=\d+)*\)|OK(?: \(skipped=\d+\))?)$", re.M)
_UNITTEST_RAN = re.compile(r"^(Ran \d+ tests?) in", re.M)
_AE = re.compile(r"^(AssertionError: .+)$", re.M)
_DIFF_FILE = re.compile(r"^\+\+\+ b/(\S+)", re.M)
_DIFF_HUNK = re.compile(r"^@@ -(\d+)(?:,\d+)? \+(\d+)(?:,\d+)? @@(.*)$", re.M)
_COMMIT = re.compile(r"^commit ([0-9a-f]{40})$", re.M)
_STAT = re.compile(r"^ (\d+ files? changed(?:, \d+ insertions?\(\+\))?(?:, \d+ deletions?\(-\))?)$", re.M)
_LOG_LEVEL = re.compile(r"\b(ERROR|CRITICAL|FATAL|WARN(?:ING)?)\b")
_LOG_COMPONENT = re.compile(r"(?:\[(ERROR|CRITICAL|FATAL)\]\s*\[?([\w.-]+)\]?:?|\b(ERROR|CRITICAL|FATAL)\s+\[([\w.-]+)\]|"
                            r"\b(ERROR|CRITICAL|FATAL) \d+ --- \[[^\]]+\] ([\w.-]+)|level=(ERROR|CRITICAL|FATAL) logger=([\w.-]+)|"
                            r"([\w.-]+)\[\d+\]: (ERROR|CRITICAL|FATAL))")
_FLAG = re.compile(r"^\s{1,12}(?:(-\w)(?:, |\s))?\s*(--[a-zA-Z][\w-]*)(?:[= ]\S+)?\s{2,}(\S.{5,})$", re.M)
_SHORT_FLAG = re.compile(r"^\s{1,12}(-[a-zA-Z])(?:,\s+(--[\w-]+))?\s{2,}(\S.{5,})$", re.M)
_GREP_HIT = re.compile(r"^([^\s:]+):(\d+):(.*)$", re.M)
_CMAKE_ERR = re.compile(r"^CMake Error at ([\w./-]+:\d+) \(([\w_]+)\):", re.M)
_MAKE_ERR = re.compile(r"^(make(?:\[\d+\])?: \*\*\* \[[^\]]+\] (?:Error \d+|[\w ]+))", re.M)
_LD_UNDEF = re.compile(r"undefined reference to `([^']+)'")
_JAVAC_ERR = re.compile(r"^([\w./-]+\.java):(\d+): error: (.+)$", re.M)
_JAVAC_COUNT = re.compile(r"^(\d+ errors?)$", re.M)
_LS_ENTRY = re.compile(r"^[-dlcbps][rwxsStT-]{9}[.@+]?\s+\d+\s+\S+\s+\S+\s+([\d.,]+[KMGT]?)\s+\w{3}\s+\d+\s+[\d:]+\s+(.+)$", re.M)

# Names one expects in a project tree: anything else is what the agent should notice.
_ODD = re.compile(r"(^core(\.\d+)?$|\.(bak|orig|rej|swp|part|old|hprof)$|^\.DS_Store$|^nohup\.out$|^Thumbs\.db$|"
                  r"journal$|^debug-\d+\.log$|\(copy\)|^~|^\.\w+\.lock$)")


def _add(out: list[QA], text: str, q: str, answer: str | None) -> None:
    """Append (q, answer) when the answer is a non-empty exact substring and is new."""
    if not answer:
        return
    answer = answer.strip()
    if not answer or answer not in text or any(a["answer"] == answer for a in out) or len(out) >= MAX_Q:
        return
    out.append({"q": q, "answer": answer})


def _exit_code(text: str, out: list[QA]) -> None:
    m = None
    for m in _EXIT.finditer(text):
        pass
    if m:
        code = m.group(1) or m.group(2)
        _add(out, text, "What exit code did the command end with?", m.group(0) if code in ("0", "1") else code)


def _crash(text: str, out: list[QA]) -> None:
    m = _SIGNALS.search(text)
    if m:
        _add(out, text, "Which signal killed the program?", m.group(1))
    else:
        m = _SHELL_SIGNAL.search(text)
        if m:
            _add(out, text, "How did the process die (the shell's report)?", m.group(1))
    m = _ASAN.search(text)
    if m:
        _add(out, text, f"What kind of memory error did {m.group(1)} report?", m.group(2))
    m = _SANITIZER_SUMMARY.search(text)
    if m:
        _add(out, text, "At which source location (file:line) did the sanitizer report the error?", m.group(2))
    m = _VALGRIND.search(text)
    if m:
        _add(out, text, "What was the first error valgrind reported?", m.group(2) or m.group(1))
    m = _VALGRIND_AT.search(text)
    if m:
        _add(out, text, "In which function and file:line did valgrind locate the first error?", m.group(2))
    m = _LEAK.search(text)
    if m and not m.group(1).startswith("0 bytes"):
        _add(out, text, "How much memory was definitely lost?", m.group(1))
    m = _GDB_FRAME0.search(text)
    if m:
        _add(out, text, "Which function is in the innermost frame (#0) of the backtrace?", m.group(1))
        if m.group(2):
            _add(out, text, "What file:line does the innermost frame point at?", m.group(2))
    for pat, q in ((_ASSERT_C, "Which assertion failed?"), (_CXX_TERM, "Which C++ exception type was thrown?"),
                   (_WHAT, "What did the exception's what() say?")):
        m = pat.search(text)
        if m:
            _add(out, text, q, m.group(1))
    m = _GLIBC.search(text)
    if m:
        _add(out, text, "What did the C library report before aborting?", m.group(1) or m.group(2))
    _exit_code(text, out)
    m = _C_LOC.search(text)
    if m:
        _add(out, text, "Which source file and line appear in the report?", m.group(0))


def _traceback(text: str, out: list[QA]) -> None:
    excs = [m for m in _PY_EXC.finditer(text) if m.group(1) not in ("Traceback",)]
    if excs:
        last = excs[-1]
        _add(out, text, "What exception type ended the traceback?", last.group(1))
        _add(out, text, "What was the exception message?", last.group(2))
        if len(excs) > 1 and excs[0].group(1) != last.group(1):
            _add(out, text, "What exception was raised first (the cause or context)?", excs[0].group(1))
    frames = [m for m in _PY_FRAME.finditer(text) if not m.group(1).startswith("<")]
    if frames:
        f = frames[-1]
        _add(out, text, "In which function is the innermost frame of the traceback?", f.group(3) if f.group(3) != "<module>" else None)
        _add(out, text, "Which line number does the innermost frame point at?",
             f'{f.group(1)}", line {f.group(2)}')
    m = _NODE_EXC.search(text)
    if m:
        _add(out, text, "What error was thrown?", m.group(1))
        _add(out, text, "What was the error message?", m.group(2))
    m = _NODE_FRAME.search(text)
    if m:
        _add(out, text, "Which file:line is the top stack frame?", f"{m.group(1)}:{m.group(2)}")
    m = re.search(r"\[cause\]: (\w+): (.+)", text)
    if m:
        _add(out, text, "What error caused the outer error?", m.group(1))
    if "During handling of the above exception" in text:
        _add(out, text, "Which phrase says that a second exception happened while handling the first?",
             "During handling of the above exception, another exception occurred")
    _exit_code(text, out)


def _build(text: str, out: list[QA]) -> None:
    diags = list(_DIAG.finditer(text))
    errors = [d for d in diags if d.group(4) == "error"]
    first = errors[0] if errors else (diags[0] if diags else None)
    if first:
        _add(out, text, f"What is the first compiler {first.group(4)} message?", first.group(5))
        _add(out, text, f"At which file:line is the first {first.group(4)}?", f"{first.group(1)}:{first.group(2)}")
    warns = [d for d in diags if d.group(4) == "warning"]
    if warns:
        flag = re.search(r"\[(-W[\w=-]+)\]", warns[0].group(5))
        _add(out, text, "Which warning flag does the first warning name?", flag.group(1) if flag else warns[0].group(5))
    m = _LD_UNDEF.search(text)
    if m:
        _add(out, text, "Which symbol is undefined at link time?", m.group(1))
    m = _JAVAC_ERR.search(text)
    if m:
        _add(out, text, "What is the first javac error?", m.group(3))
        _add(out, text, "In which file and line is the first javac error?", f"{m.group(1)}:{m.group(2)}")
    m = _JAVAC_COUNT.search(text)
    if m:
        _add(out, text, "How many errors did javac report?", m.group(1))
    m = _CMAKE_ERR.search(text)
    if m:
        _add(out, text, "Where in the CMake files is the error?", m.group(1))
        _add(out, text, "Which CMake command failed?", m.group(2))
    m = _MAKE_ERR.search(text)
    if m:
        _add(out, text, "What did make report when it stopped?", m.group(1))
    if "all warnings being treated as errors" in text:
        _add(out, text, "Why did warnings fail the build?", "all warnings being treated as errors")
    _exit_code(text, out)


def _test(text: str, out: list[QA]) -> None:
    ids = [m.group(1) for m in _PYTEST_FAILED.finditer(text)] or [m.group(1) for m in _PYTEST_V.finditer(text)]
    if ids:
        _add(out, text, "Which test failed first?", ids[0])
        if len(ids) > 1:
            _add(out, text, "Which other test failed?", ids[-1])
    m = _PYTEST_E.search(text)
    if m:
        _add(out, text, "What did the first failing assertion or error say?", m.group(1))
    m = None
    for m in _PYTEST_SUMMARY.finditer(text):
        pass
    if m:
        _add(out, text, "What is the final test summary (counts)?", m.group(1))
    uf = list(_UNITTEST_FAIL.finditer(text))
    if uf:
        _add(out, text, "Which test method failed first?", uf[0].group(2))
        _add(out, text, f"Was {uf[0].group(2)} a failure or an error?", uf[0].group(1))
    m = _AE.search(text)
    if m:
        _add(out, text, "What was the assertion error?", m.group(1))
    m = _UNITTEST_RESULT.search(text)
    if m:
        _add(out, text, "What was the overall result of the run?", m.group(1))
    m = _UNITTEST_RAN.search(text)
    if m:
        _add(out, text, "How many tests ran?", m.group(1))
    _traceback(text, out)


def _diff(text: str, out: list[QA]) -> None:
    m = _DIFF_FILE.search(text)
    if m:
        _add(out, text, "Which file does the diff change?", m.group(1))
    plus = [ln for ln in text.splitlines() if ln.startswith("+") and not ln.startswith("+++") and len(ln.strip("+ ")) > 3]
    minus = [ln for ln in text.splitlines() if ln.startswith("-") and not ln.startswith("---") and len(ln.strip("- ")) > 3]
    if minus:
        _add(out, text, "Which line was removed (first - line)?", minus[0])
    if plus:
        _add(out, text, "Which line was added (first + line)?", plus[0])
    m = _DIFF_HUNK.search(text)
    if m:
        _add(out, text, "At which old line number does the first hunk start?", m.group(0).split(" @@")[0] + " @@")
    m = _COMMIT.search(text)
    if m:
        _add(out, text, "What is the hash of the most recent commit shown?", m.group(1))
    m = _STAT.search(text)
    if m:
        _add(out, text, "How many files/lines does the change touch?", m.group(1))
    m = re.search(r"^Author: (.+)$", text, re.M)
    if m:
        _add(out, text, "Who authored the latest commit?", m.group(1))
    for ln in text.splitlines():  # git log --stat --oneline: "<hash> <subject>"
        m = re.match(r"^([0-9a-f]{7,12}) (.+)$", ln)
        if m:
            _add(out, text, "What is the subject of the most recent commit?", m.group(2))
            break
    m = re.search(r"^ (\S+) +\| +\d+ [+-]+$", text, re.M)
    if m:
        _add(out, text, "Which file appears first in the diffstat?", m.group(1))


def _log_message(line: str, levels: str) -> str:
    """The message part of a log line: what follows the level and the logger/thread fields."""
    msg = re.split(rf"\b(?:{levels})\b\S*\s*", line, maxsplit=1)[-1]
    msg = re.sub(r"^\d+ --- \[[^\]]*\] [\w.-]+ : |^\[[\w.-]+\]:?\s*|^[\w.-]+: |^logger=[\w.-]+ msg=\"?", "", msg)
    return msg.rstrip('"')


def _log(text: str, out: list[QA]) -> None:
    lines = text.splitlines()
    errs = [ln for ln in lines if re.search(r"\b(ERROR|CRITICAL|FATAL)\b", ln)]
    for ln in errs:
        m = _LOG_COMPONENT.search(ln)
        if m:
            comp = next(g for g in (m.group(2), m.group(4), m.group(6), m.group(8), m.group(9)) if g)
            _add(out, text, "Which component logged the first ERROR?", comp)
            break
    if errs:
        _add(out, text, "What did the first ERROR line say?", _log_message(errs[0], r"ERROR|CRITICAL|FATAL"))
    _traceback(text, out)
    warns = [ln for ln in lines if re.search(r"\bWARN(?:ING)?\b", ln)]
    if warns:
        _add(out, text, "What did the first WARNING line say?", _log_message(warns[0], r"WARN(?:ING)?"))
    m = re.search(r"heartbeat: (\d+ requests served, \d+ errors)", text)
    if m:
        _add(out, text, "How many requests and errors did the last heartbeat before the end report?",
             re.findall(r"heartbeat: (\d+ requests served, \d+ errors)", text)[-1])
    m = re.search(r"shutting down after (\d+ requests \(\d+ errors\))", text)
    if m:
        _add(out, text, "How many requests and errors at shutdown?", m.group(1))


def _json_leaves(doc, path="") -> list[tuple[str, object]]:
    out = []
    if isinstance(doc, dict):
        for k, v in doc.items():
            out += _json_leaves(v, f"{path}.{k}" if path else str(k))
    elif isinstance(doc, list):
        for i, v in enumerate(doc[:50]):
            out += _json_leaves(v, f"{path}[{i}]")
    else:
        out.append((path, doc))
    return out


def _json(text: str, out: list[QA]) -> None:
    try:
        doc = json.loads(text)
    except ValueError:
        doc = None
    if doc is None:
        return
    leaves = _json_leaves(doc)
    prio = [l for l in leaves if re.search(r"(status|error|code|message|detail|state|phase|reason|version|name|id)$",
                                           l[0].split(".")[-1].lower())]
    for path, val in prio + leaves:
        if len(out) >= 3:
            break
        if isinstance(val, bool) or val is None:
            ans = json.dumps(val)
        elif isinstance(val, (int, float)):
            ans = json.dumps(val)
        else:
            ans = str(val)
            if len(ans) > 80 or "\n" in ans:
                continue
        if ans in ("", "0", "1") or text.count(ans) > 3:
            continue
        _add(out, text, f"What is the value of `{path}`?", ans)
    nulls = [p for p, v in leaves if v is None]
    if nulls:
        key = nulls[0].split(".")[-1].split("[")[0]
        if f'"{key}": null' in text:
            _add(out, text, "Which key is null first in the document (key: value)?", f'"{key}": null')
    empties = re.findall(r'"(\w+)": \[\]', text)
    if empties:
        _add(out, text, "Which key holds an empty array?", f'"{empties[0]}": []')


def _tree(text: str, out: list[QA]) -> None:
    names = []
    for ln in text.splitlines():
        m = _LS_ENTRY.match(ln)
        name = m.group(2) if m else ln.strip().split("/")[-1] if ln.startswith(("./", "/")) or "/" in ln else ln.strip()
        names.append((name, ln))
    odd = [n for n, _ in names if n and _ODD.search(n.split()[-1] if " " in n and "(copy)" not in n else n)]
    if odd:
        _add(out, text, "Which file in the listing looks out of place (not part of a normal project)?", odd[0])
    m = re.search(r"^(\./)?\S*\.git(/|:)?$", text, re.M) or re.search(r"\.git\b", text)
    if m:
        _add(out, text, "Is the folder a git repository (which entry shows it)?", ".git")
    sizes = [(int(m.group(1)), m.group(2)) for m in _LS_ENTRY.finditer(text) if m.group(1).isdigit() and not m.group(0).startswith("d")]
    if sizes:
        size, name = max(sizes)
        _add(out, text, "Which file is the largest in the listing?", name)
    for pat, q in ((r"site-packages", "Which folder holds installed Python packages?"),
                   (r"node_modules", "Which folder holds installed Node packages?"),
                   (r"__pycache__", "Which folder holds Python bytecode caches?")):
        if re.search(pat, text):
            _add(out, text, q, pat)
    m = re.search(r"^(ls|find): (.+)$", text, re.M)
    if m:
        _add(out, text, "What error did the listing command report?", m.group(2))
    m = re.search(r"^total (\d+)$", text, re.M)
    if m:
        _add(out, text, "What 'total' does the first directory listing report?", m.group(0))


def _grep(text: str, out: list[QA]) -> None:
    hits = list(_GREP_HIT.finditer(text))
    if hits:
        files = []
        for h in hits:
            if h.group(1) not in files:
                files.append(h.group(1))
        _add(out, text, "Which file has the first match?", files[0])
        _add(out, text, "At which file:line is the first match?", f"{hits[0].group(1)}:{hits[0].group(2)}")
        if len(files) > 1:
            _add(out, text, "Which file has the last match?", files[-1])
        last = hits[-1]
        _add(out, text, "At which file:line is the last match?", f"{last.group(1)}:{last.group(2)}")
        best = max(hits, key=lambda h: (len(h.group(3).strip()), -h.start()))
        _add(out, text, f"What is the matched line at {best.group(1)}:{best.group(2)}?", best.group(3).strip())


def _text(text: str, out: list[QA]) -> None:
    m = re.search(r"^(?:Usage|usage|USAGE):\s*(\S+)", text, re.M)
    if m:
        _add(out, text, "Which program does this help describe?", m.group(1))
    m = re.search(r"^NAME\n\s+(\S+)", text, re.M)
    if m:
        _add(out, text, "Which program does this manual page describe?", m.group(1))
    flags = list(_FLAG.finditer(text))
    for f in flags[:: max(1, len(flags) // 3)][:3]:
        desc = f.group(3).strip()
        _add(out, text, f"Which option does this: \"{desc[:70]}\"?", f.group(2))
    if not flags:
        for f in list(_SHORT_FLAG.finditer(text))[:3]:
            _add(out, text, f"Which option does this: \"{f.group(3).strip()[:70]}\"?", f.group(2) or f.group(1))
    m = re.search(r"^SYNOPSIS\n\s+(.+)$", text, re.M)
    if m:
        _add(out, text, "What is the first synopsis line?", m.group(1))


_BY_DOMAIN: dict[str, Callable[[str, list[QA]], None]] = {
    "crash": _crash, "traceback": _traceback, "build": _build, "test": _test, "diff": _diff, "log": _log,
    "json": _json, "tree": _tree, "grep": _grep, "text": _text,
}


def _fallback(text: str, out: list[QA]) -> None:
    """Generic questions that fit any text: the last meaningful line, then a distinctive token."""
    lines = [ln.strip() for ln in text.splitlines() if len(ln.strip()) > 3]
    err = [ln for ln in lines if re.search(r"(?i)\b(error|fail\w*|fatal|denied|not found|cannot)\b", ln)]
    if err:
        _add(out, text, "Which line reports a problem?", err[0])
    if lines:
        _add(out, text, "What is the last line of the output?", lines[-1])
    toks = re.findall(r"(?<![\w/.-])((?:/[\w.-]+){2,}|\d{3,}|[A-Z][A-Z0-9_]{3,})(?![\w/-])", text)
    if toks:
        _add(out, text, "Which path, number or constant stands out first?", toks[0])
    if not out and text.strip():
        _add(out, text, "What does the output start with?", text.strip().split()[0])


def derive_questions(text: str, domain: str) -> list[dict]:
    """1-5 questions ``{"q", "answer"}`` about ``text``; every answer is an exact substring.

    The domain's rules run first (errors and their locations before filler); when they find
    fewer than two, the generic fallback adds some. Raises ``ValueError`` for an empty text
    or an unknown domain.
    """
    if domain not in _BY_DOMAIN:
        raise ValueError(f"unknown domain {domain!r}; choose one of: {', '.join(_BY_DOMAIN)}")
    if not text.strip():
        raise ValueError("no questions can be asked about an empty text")
    out: list[QA] = []
    _BY_DOMAIN[domain](text, out)
    if len(out) < 2:
        _fallback(text, out)
    return out[:MAX_Q]
