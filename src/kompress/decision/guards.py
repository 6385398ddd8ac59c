"""The guards: lines the decision never drops, whatever the scores say.

Applied by :mod:`kompress.decision.decide` when ``guard`` is on: critical lines (errors, signals,
exit status, outcome counts), a test session's header, a Python traceback's raising frame and
the headers of kept frames, and the optional must-keep coverage floor / novelty rule.
"""

from __future__ import annotations

import bisect
import heapq
import itertools
import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence

import numpy as np

from kompress.decision.mustkeep import has_polarity, must_keep_matches
from kompress.structure.domains import DIFF_SUMMARY_LINE
from kompress.structure.findings import LINT_FINDING, POINTER, lint_kind
from kompress.structure.templates import TAP_DIRECTIVE, masked, mine, records
from kompress.structure.units import LineView, indent_width, words_to_lines

#: errno names (Linux's, as Python's ``errno.errorcode`` lists them, plus aliases and
#: getaddrinfo's), fixed here so that the output does not depend on the platform. Any
#: capitalised word starting with E (``EXPRESS``, ``EVENT`` in a license) is not one.
ERRNO_NAMES = tuple("""
    EACCES EADDRINUSE EADDRNOTAVAIL EADV EAFNOSUPPORT EAGAIN EALREADY EBADE EBADF EBADFD EBADMSG
    EBADR EBADRQC EBADSLT EBFONT EBUSY ECANCELED ECHILD ECHRNG ECOMM ECONNABORTED ECONNREFUSED
    ECONNRESET EDEADLK EDEADLOCK EDESTADDRREQ EDOM EDOTDOT EDQUOT EEXIST EFAULT EFBIG EHOSTDOWN
    EHOSTUNREACH EIDRM EILSEQ EINPROGRESS EINTR EINVAL EISCONN EISDIR EISNAM EKEYEXPIRED
    EKEYREJECTED EKEYREVOKED ELIBACC ELIBBAD ELIBEXEC ELIBMAX ELIBSCN ELNRNG ELOOP EMEDIUMTYPE
    EMFILE EMLINK EMSGSIZE EMULTIHOP ENAMETOOLONG ENAVAIL ENETDOWN ENETRESET ENETUNREACH ENFILE
    ENOANO ENOBUFS ENOCSI ENODATA ENODEV ENOENT ENOEXEC ENOKEY ENOLCK ENOLINK ENOMEDIUM ENOMEM
    ENOMSG ENONET ENOPKG ENOPROTOOPT ENOSPC ENOSR ENOSTR ENOSYS ENOTBLK ENOTCONN ENOTDIR
    ENOTEMPTY ENOTFOUND ENOTNAM ENOTRECOVERABLE ENOTSOCK ENOTSUP ENOTTY ENOTUNIQ ENXIO
    EOPNOTSUPP EOVERFLOW EOWNERDEAD EPERM EPFNOSUPPORT EPIPE EPROTO EPROTONOSUPPORT EPROTOTYPE
    ERANGE EREMCHG EREMOTE EREMOTEIO ERESTART ERFKILL EROFS ESERVFAIL ESHUTDOWN ESOCKTNOSUPPORT
    ESPIPE ESRCH ESRMNT ESTALE ESTRPIPE ETIME ETIMEDOUT ETOOMANYREFS ETXTBSY EUCLEAN EUNATCH
    EUSERS EWOULDBLOCK EXDEV EXFULL
""".split())

#: The C library's words for the common errnos (glibc's ``strerror``, written out so that output
#: does not depend on the platform): ``cp: cannot create regular file 'x': Permission denied``.
ERRNO_MESSAGES = (
    "Operation not permitted", "No such file or directory", "Permission denied", "File exists", "Not a directory",
    "Is a directory", "No space left on device", "Read-only file system", "Too many open files", "Broken pipe",
    "Connection refused", "Connection reset by peer", "Connection timed out", "No route to host",
    "Network is unreachable", "Input/output error", "Device or resource busy", "Directory not empty",
    "Resource temporarily unavailable", "Cannot allocate memory", "Address already in use", "Text file busy",
    "Too many levels of symbolic links", "File name too long", "Disk quota exceeded", "Exec format error",
    "Bad file descriptor",
)
#: :data:`ERRNO_MESSAGES` as one alternation (escaped: it reads the same in a verbose pattern).
ERRNO_MESSAGE_ALTERNATION = "|".join(map(re.escape, ERRNO_MESSAGES))

#: A security scanner's finding named by its kind (wapiti's ``SQL Injection (DMBS: SQLite) in
#: http://...``, sqlmap's ``parameter 'id' is vulnerable``); the log frame's alerts read it too.
#: (Escaped spaces: it is spliced into a verbose pattern.)
SECURITY_FINDING = (r"\b(?:SQL|[Cc]ommand|[Cc]ode|LDAP|XPath|CRLF|[Tt]emplate)\ [Ii]njection\b"
                    r"|\bCross[-\ ][Ss]ite\ (?:Scripting|Request\ Forgery)\b"
                    r"|\b(?:is|be|are|appears\ to\ be|seems\ to\ be)\ vulnerable\b")

#: Lines that name the problem: the guard keeps them whole in line granularity.
CRITICAL = re.compile(
    r"""
    \b(?:ERROR|FATAL|CRITICAL|PANIC|WARN(?:ING)?|FAIL(?:ED|URE)?|Traceback|Segmentation
       |Aborted|core\ dumped|AddressSanitizer|exit\ (?:code|status)|returned\ non-zero
       |Illegal\ instruction|Bus\ error|Floating\ point\ exception|Trace/breakpoint\ trap|Killed
       |runtime\ error|panicked\ at|terminate\ called)\b          # the shell's and runtimes' crash reports
  | \b(?:Assertion|[Aa]ssert)\ .*\ failed | warnings\ being\ treated\ as\ errors   # glibc's; nbval's "assert a == b failed:\"
  | ^(?:Direct|Indirect)\ leak\ of\ \d    # LeakSanitizer's report: each leak and where it was allocated
  | ^(?:READ|WRITE)\ of\ size\ \d+\ at\ 0x   # AddressSanitizer's bad access: which kind, how wide
  | ^[\ \t]*\#0[\ \t]+\S              # a backtrace's innermost frame: where it crashed
  | ^==\d+==\ +at\ 0x[0-9A-Fa-f]+:      # valgrind's innermost frame ("at"; the callers are "by")
  | \bSIG[A-Z]{2,}\b                     # signal names
  | \b(?:""" + "|".join(ERRNO_NAMES) + r""")\b   # errno names: ENOENT, EACCES
  | \b(?:""" + ERRNO_MESSAGE_ALTERNATION + r""")\b   # and their messages
  | \bcode\ E[A-Z]{3,}\b              # npm's error codes: ERESOLVE, ELIFECYCLE
  | \b[A-Z_]*EXC_[A-Z_]+\b               # mach exceptions
  | \b\w*(?:Error|Exception|Warning)\b   # exception class names
  | ^(?:error|warning|fatal)\b | \berror: | ^fail(?:ed|ure)?:\      # dredd's "fail: body: At '/id' Invalid type\"
  | ^::(?:error|warning)[\ :]             # a GitHub Actions annotation ("::error file=e.tsv,line=40::...")
  | (?<!:)(?<!\d\ \ )\b\d+\ (?:[Pp]assed|[Ff]ailed|[Ee]rrors?|[Ff]ailures?|skipped|xfailed|xpassed|deselected|tests?)\b
                                       # outcome counts (not ls -l's "Dec  4  2024 tests", "12:34 tests")
  | \b(?:Failures|Errors|Failed|Defects|failures|errors|failed):\ ?[1-9]\d*\b   # the same as a label: JUnit's "Failures: 1", ctest -T memcheck's "Defects: 1"
  | \b(?:failures|errors)="[1-9]\d*"     # the same as an XML attribute: a JUnit report's <testsuite errors="3">
  | \btest\ result:                     # cargo test summary
  | ^[\ \t]+\w+_test\.go:\d+:\          # go test: a failing test's t.Error, at its file:line
  | "Output":"\s+\w+_test\.go:\d+:\      # the same in go test -json's events
  | \.\.\.\*failed\*$                    # EUnit's failed test
  | \b[A-Z][a-z]+\ failed[!.]?$          # a step's verdict ending a line: lsar's "x.c... Checksum failed!"
  | ^[\ \t│├└─┬]*[✖✗✕×][\ \t]+\S         # a failure mark (ava, jest, vitest, node --test; pnpm's, in its tree)
  | \bUNMET\ (?:OPTIONAL\ )?DEPENDENCY\b | \bunmet\ peer\b | ^would\ reformat\   # npm ls's, pnpm's; black's verdict
  | \S::\S+\ RERUN\b                 # pytest-rerunfailures: a test that failed and ran again (a flake)
  | ^[\ \t]*!\ \[(?:remote\ )?rejected\]   # git push's refused ref updates
  | ^!\ [A-Z][^\n]*$ | ^l\.\d+\ \S      # TeX's errors ("! Undefined control sequence.") and where ("l.53 \label{...}")
  | \b(?:[Pp]arse|[Ss]yntax)\ error\b | \bbad\ (?:CRC|checksum)\b  # sqlite3's, bash's, PHP's; unzip's
  | [=:]\ ?(?:nan|NaN)\b                  # a metric gone to NaN: a failed fit's score=nan, a diverged loss: nan
  | \bexited\ with\ (?:code\ |status\ )?[1-9]\d*\b        # strace's "+++ exited with 1 +++", a runner's
  | \ =\ \d+(?:\.\d+)?\ s\ =\ [FE]$ | ^\ +\d+\)\ (?:Failure|Error):$  # minitest -v: a failed test; its report
  | ^rspec\ \S+\ \#\ \S              # rspec's rerun line of a failed example
  | ^\#\#teamcity\[(?:testFailed|buildProblem)\b   # a TeamCity service message: a failed test (phpunit --teamcity), a build's problem
  | \bNOT\ MERGED\b                    # patch --merge's hunk left in conflict ("Hunk #8 NOT MERGED at 588-594.")
  | ^Reason:\ \S                       # why a check failed, on its own line (xmlschema's "Reason: day is out of range for month")
  | ^[^\w\s]{0,3}[\ \t]*(?:Problem|Issue|Vulnerability|Violation|Finding|Defect):\ \S   # a finding labelled so (gixy's ">> Problem: [ssrf] ...")
  | \ BROKEN[\ \t]*$                    # a contract's verdict closing its line (import-linter's "Layers BROKEN")
  | \b(?:[Ii]nfeasib(?:le|ility)|INFEASIB(?:LE|ILITY)|[Uu]nbounded|UNBOUNDED)\b   # a solver's verdict ("Model status: Infeasible")
  | \bFirst\ difference\ occurs\ (?:on|at)\b   # zig's expectEqualStrings: where its expected and found text part
  | ^(?:[^\s:]*/)?ld(?:\.(?:bfd|gold|lld))?:\ (?![Ii]n\ function\b|\S+:\ [Ii]n\ function\b)\S   # the linker speaks only of problems ("ld: section .data LMA [...] overlaps section .text LMA")
  | """ + SECURITY_FINDING + r"""   # a security scanner's findings
  | \bFound\ (?:one|\d+)\ [\w-]+\ deadlocks?\b | \bdeadlock\ detected\b | \bDEADLOCK\b   # jstack's, PostgreSQL's, InnoDB's
  | (?<!\S)(?=[.FEsxX]*[FE])(?=(?:[FEsxX]*\.){2})(?![FE]\.+(?!\S))[.FEsxX]{4,}(?!\S)   # a runner's progress marks with a failure (".F...", "..E.", not "E...")
    """,
    re.VERBOSE,
)


#: Python's faulthandler: the line above ``Fatal Python error:``, a thread's first (innermost) frame.
FAULTHANDLER = re.compile(r"^([^\n]*\S[^\n]*)\n(?:[^\n]*: )?Fatal Python error:|"
                          r"^(?:Current thread|Thread) 0x[0-9a-fA-F]+ \(most recent call first\):\n(\s+File [^\n]+)", re.M)
#: faulthandler's ``dump_traceback_later`` over a thread's dump: ``Timeout (0:00:01)!``, behind the
#: test that ran out of time when a runner printed its name first (pytest -v's
#: ``tests/test_x.py::T::test_ret Timeout (0:00:01)!``).
FAULTHANDLER_TIMEOUT = re.compile(r"^[^\n]*\bTimeout \(\d+:\d\d:\d\d(?:\.\d+)?\)!\n(?:Current thread|Thread) 0x", re.M)


#: A compiler's warning at a file:line (gcc, clang), group 1 its message: the guard keeps the
#: first warning of each kind (its ``[-W...]`` flag, else its message with quoted names masked).
#: Not in :data:`CRITICAL`: forty ``unused variable`` warnings are one kind, not forty alerts.
COMPILER_WARNING = re.compile(r":\d+(?::\d+)?: warning: ([^\n]*)")
_TAGS_ONLY = re.compile(r"(?:\[[^\]\n]{1,80}\]\s*)+")
_WARNING_FLAG = re.compile(r"\[-W[\w=+-]+\]")
#: A compiler's warnings kept whole per kind (its ``[-W...]`` flag, or its message with quoted
#: names blanked): as many as a linter's findings of one rule (:data:`FINDINGS_PER_RULE`), each is
#: a place to fix (gcc -fanalyzer's leaks, clang-format's 53 ``code should be clang-formatted``
#: in one run, which kept ten lost most of); past them a flood of one kind is left to the model
#: and the markers.
WARNINGS_PER_KIND = 50
_QUOTED = re.compile(r"'[^'\n]*'|‘[^’\n]*’|\"[^\"\n]*\"")


#: A commit in ``git log`` (with or without ``--stat``/``-p``): its ``commit <hash>`` line, the
#: header lines (``Merge:``, ``Author:``, ``Date:``), a blank line, group 1 its subject line.
GIT_COMMIT = re.compile(r"^commit [0-9a-f]{7,40}\b[^\n]*\n(?:[A-Z][\w-]*:[^\n]*\n){0,8}\n {4}(\S)", re.M)


def is_critical_line(line: str) -> bool:
    """True for lines naming an error, signal, failure or negation (line-mode guard)."""
    return CRITICAL.search(line) is not None or has_polarity(line)


_CRITICAL_IN_TEXT = re.compile(CRITICAL.pattern, CRITICAL.flags | re.M)

#: Lines that say what ran and where: a test session's interpreter, versions and project root
#: (pytest's header). Two short lines that settle "the wrong venv? the wrong checkout?"; the
#: guard keeps them as it keeps critical lines.
SESSION_HEADER = re.compile(r"^(?:platform \S+ -- Python \S+|rootdir: \S)", re.M)


#: What a diff changes: ``+``/``-`` lines, hunk headers and file headers (kept in diffs; a plain
#: ``diff a.orig a`` header too, and a ``file:12:5: message`` diagnostic printed among them), the
#: heading of a pull's diffstat (``Changes from A to B:``: what range came in), rustfmt's hunk
#: headers (``Diff in src/a.rs:12:``) and ``diff -rq``'s lines (each is one changed file).
DIFF_CHANGE = re.compile(r"^(?:[+-]|@@ |diff --git |rename (?:from|to) |new file mode|deleted file mode"
                         r"|Changes from [0-9a-f]{7,40} to [0-9a-f]{7,40}:|" + DIFF_SUMMARY_LINE +
                         # plain diff's file header (gofmt -d, shfmt -d: "diff a.go.orig a.go"), and a
                         # tool's own diagnostic amid its diff ("a.go:35:2: expected operand")
                         r"|diff (?:-\S+ )*\S+ \S+$|[^\s:]+:\d+:\d+: \S)", re.M)
#: A word diff's change marks (``git diff --word-diff``: ``[-old-]{+new+}`` inside a line).
_WORD_DIFF_OPEN = re.compile(r"\[-|\{\+")


def _word_diff_lines(text: str) -> list[int]:
    """The starts of the lines of a word diff that change something: a ``[-`` closed by ``-]``
    or a ``{+`` closed by ``+}`` on the line (``a[-1]`` closes none). They are its ``+/-`` lines."""
    out: list[int] = []
    pos = 0
    while (m := _WORD_DIFF_OPEN.search(text, pos)) is not None:
        start = text.rfind("\n", 0, m.start()) + 1
        end = text.find("\n", m.end())
        end = end if end >= 0 else len(text)
        for opener, closer in (("[-", "-]"), ("{+", "+}")):  # each line looked at once
            i = text.find(opener, start, end)
            if i >= 0 and text.find(closer, i + 2, end) >= 0:
                out.append(start)
                break
        pos = end + 1
    return out


#: What a commit's diffstat says it changed (``git log --stat``, ``git show --stat``): each file's
#: `` path | 12 ++--`` line and the ``N files changed`` total: a commit's files are what ``--stat``
#: was asked for. (A pull's or a merge's stat of upstream changes is left to the model.)
COMMIT_STAT = re.compile(r"^(?: \S[^\n|]{0,400}\| +(?:\d+(?: [+-]+)?|Bin [^\n]*)$| \d+ files? changed)", re.M)

#: A commit a git command applied or visited, one per line: ``git am``'s ``Applying: <subject>``,
#: ``git commit``'s and ``cherry-pick``'s ``[branch 1a2b3c4] <subject>``, ``git rebase``'s
#: ``Rebasing (2/3)``, ``git bisect``'s ``[<hash>] <subject>`` steps (group ``bisect``). A
#: bisect's few steps all stay; of a series (72 cherry-picks, 20 patches) the last two: where it
#: stopped and the last that went through.
GIT_STEP = re.compile(r"^(?:Applying: \S|Rebasing \(\d+/\d+\)|\[[\w./-]{1,100} [0-9a-f]{7,40}\] \S|(?P<bisect>\[[0-9a-f]{40}\] \S))", re.M)

#: rustc's note naming a denied lint: ``note: the lint level is defined here``, its ``-->`` line
#: and the source line under it (group 1), where the lint's name is (``missing_docs,``): what an
#: ``#[allow]`` or a fix needs.
LINT_LEVEL = re.compile(r"^note: the lint level is defined here\n[ \t]*--> [^\n]+\n(?:[ \t]*\|\n)?([ \t]*\d+ *\|)", re.M)

#: An assertion's expected/actual diff in a test run (phpunit, minitest, Python's unittest):
#: its ``--- Expected`` / ``+++ Actual`` header; the changed lines under it (to a blank line,
#: :data:`ASSERTION_DIFF_LINES` at most) say what differed.
ASSERTION_DIFF = re.compile(r"^--- [Ee]xpected\b[^\n]*\n\+\+\+ [Aa]ctual\b", re.M)

#: Deno's std/assert diff header; its ``-   actual`` / ``+   expected`` lines follow.
DENO_DIFF = re.compile(r"^[ \t]*\[Diff\] Actual / Expected[ \t]*$", re.M)
DENO_DIFF_LINES = 200

#: The values an assertion compared, one per indented line (rspec's ``expected:`` / ``got:``,
#: ExUnit's ``left:`` / ``right:``, jest's ``Expected:`` / ``Received:``, testify's ``actual  :``,
#: CppUTest's ``expected <1>`` / ``but was  <2>``):
#: what differed. In a test run the guard keeps the first :data:`ASSERTION_VALUES` of them.
ASSERTION_VALUE = re.compile(r"^[ \t]+(?:(?:[-=]>[ \t]*)?(?:[Ee]xpected|[Gg]ot|[Aa]ctual|[Rr]eceived|[Oo]btained|left|right)[ \t]*:"
                             r"|(?:[Ee]xpected|[Bb]ut was)[ \t]*(?=<))[ \t]*\S", re.M)
ASSERTION_VALUES = 100
#: Test::More's diagnostics (TAP, any output that runs ``prove`` or ``make test``): ``#   Failed
#: test at t/x.t line 19.`` and the values compared under it, ``#          got: '...'``.
TAP_DIAGNOSTIC = re.compile(r"^#[ \t]+(?:Failed test\b|(?:got|expected)[ \t]*:[ \t]*\S)", re.M)
#: A TAP failure's own diagnostics, the comment lines right under its ``not ok`` (cmocka's ``#
#: difference at offset 1 0xffffffe8 0x03``, ``# /src/x.c:48: error: Failure!``): up to
#: :data:`TAP_FAILURE_LINES` of them per failure.
TAP_FAILURE = re.compile(r"^not ok\b[^\n]*\n", re.M)
TAP_FAILURE_LINES = 6
_TAP_COMMENT = re.compile(r"#[^\n]*(?:\n|$)")
#: doctest's (C++) failed check and what it compared and logged on the lines under it
#: (``  values: CHECK_EQ( 0x55c5, 0x55ca )``, ``  logged: str(char8)=INFINITY``): which input failed.
DOCTEST_CHECK = re.compile(r"^[^\n]*: (?:ERROR|WARNING): [^\n]{1,400}\bis NOT correct!\n"
                           r"(?:([ \t]+values: [^\n]*)\n)?(?:([ \t]+logged: [^\n]*)(?:\n|$))?", re.M)
#: pytest's explanation of a failed assertion (its ``E`` lines: the exception, then what differed,
#: ``{'range': '1<=x<32'} != {'range': '1<=x<=32'}``, ``+  where ...``): the first
#: :data:`EXPLANATION_LINES` of each failure's block stay, within :data:`ASSERTION_VALUES` in all.
PYTEST_EXPLANATION = re.compile(r"^E {2,}\S", re.M)
EXPLANATION_LINES = 12
#: tcltest's ``---- Result was:`` / ``---- Result should have been (exact matching):``: the
#: value is on the line under it.
ASSERTION_VALUE_BELOW = re.compile(r"^---- Result (?:was|should have been)\b[^\n]{0,80}:\n(?=.)", re.M)
#: A TAP failure's YAML diagnostics with a value as a block (tape's and node-tap's
#: ``expected: |-`` / ``actual: |-``): the value is the lines indented under the key, up to
#: :data:`DOCTEST_LINES` of them.
YAML_BLOCK_VALUE = re.compile(r"^([ \t]+)(?:expected|actual|found|wanted)[ \t]*:[ \t]*[|>][-+]?[ \t]*\n", re.M)
#: doctest's report of a failed example: the example (``Failed example:``) and the exception it
#: raised, each indented under its heading; up to :data:`DOCTEST_LINES` lines under each. Its
#: ``Expected:`` / ``Got:`` are any runner's compared values (:data:`VALUE_HEADING`).
DOCTEST_PART = re.compile(r"^(?:Failed example|Exception raised):\n", re.M)
DOCTEST_LINES = 4
_INDENTED = re.compile(r"[ \t]+\S[^\n]*(?:\n|$)")
#: A compared value printed under its own heading (vader's ``- Expected:`` / ``- Got:``, a
#: runner's bare ``Actual:``): up to :data:`DOCTEST_LINES` lines indented under it, the blank
#: ones inside the value too (vader prints a blank line of the buffer as spaces).
VALUE_HEADING = re.compile(r"^([ \t]*)(?:[-*][ \t]+)?(?:[Ee]xpected|[Gg]ot|[Aa]ctual|[Rr]eceived|[Oo]btained)"
                           r"[ \t]*:[ \t]*\n", re.M)
_VALUE_LINE = re.compile(r"[ \t]+[^\n]*(?:\n|$)")
#: luassert's (busted's, plenary's) compared values: ``Passed in:`` / ``Expected:``, each over
#: a line that opens with the value's Lua type, ``(string) '  abcde'``, at the heading's indentation.
LUASSERT_VALUE = re.compile(r"^[ \t]*(?:Passed in|Expected):\n[ \t]*(\((?:string|number|boolean|nil|table|"
                            r"userdata|function|thread|cdata)\b)", re.M)
#: TAP's skipped and to-do tests kept (:data:`~kompress.structure.templates.TAP_DIRECTIVE`), at most.
TAP_DIRECTIVES = 50

#: A line naming its place in words: ``path line N`` (checkbashisms' ``possible bashism in
#: deploy/a.sh line 23 (echo -e):``, Perl's ``... at mysqltuner.pl line 2409.``, shellcheck's ``In
#: x.sh line 11:``, bash's ``x.sh: line 39: syntax error ...``, jshint's ``a.js: line 85, col 33,``):
#: a finding or an error at its own place, which no ``path:N:`` pattern sees. Up to
#: :data:`FINDINGS_PER_RULE` of them.
LOCATED_LINE = re.compile(r"(?:^|[\s(])[\w./-]*\w\.[A-Za-z]\w{0,5}:? line \d+\b", re.M)

#: A caret label: the underline a checker draws under the offending code, with what it says about
#: it on the same line (rustc's and ty's ``^^^^ expected `usize`, found `&str```, flow's ``^^^^^
#: property `reset`. Property not found in``): the problem at its spot, often the only place its
#: detail is printed. Two words at least: a bare ``^^^^`` or ``^^^^ here`` says nothing.
CARET_LABEL = re.compile(r"^[ \t]*(?:\d+[ \t]*)?(?:\|[ \t]*)*\^{2,}[ \t]+\S+[ \t]+\S", re.M)

#: A tool's suggested fix on a line of its own: cspell's ``Suggestions: [application*, ...]``,
#: PostgreSQL's ``HINT:``, git's ``hint:``, ``Did you mean ...``. Short, and the fix an agent needs.
SUGGESTION = re.compile(r"^[ \t]*(?:Suggestions?:|HINT:|hint:|Did you mean\b|Perhaps you meant\b)", re.M)
#: A numbered failure's heading in a test run (rspec's and ExUnit's ``  2) name``, mocha's
#: ``  1) suite``): it names the failing test; kept when a critical line follows in its block
#: (up to a blank line, :data:`HEADING_REACH` lines at most; rspec's pending examples have none).
FAILURE_HEADING = re.compile(r"^ {1,8}\d+(?:\.\d+)?\) \S", re.M)
HEADING_REACH = 4
ASSERTION_DIFF_LINES = 40

#: A count of things done in a time: a run's own summary (pstats' ``772091 function calls (770510
#: primitive calls) in 0.282 seconds``, unittest's ``Ran 12 tests in 0.003s``, npm's ``added 120
#: packages in 3s``), wherever the tool prints it (pstats: above its table, not in the tail). The
#: first :data:`TIMED_SUMMARIES` and the last stay: a build printing one per step keeps a few.
TIMED_SUMMARY = re.compile(r"\b\d[\d,]*(?:\.\d+)? (?:[A-Za-z]+ ){1,3}(?:\([^()\n]{1,60}\) )?in \d+(?:\.\d+)? ?"
                           r"(?:ms|s|secs?|seconds?|min|minutes?)\b")
TIMED_SUMMARIES = 3
#: How far up :func:`block_heading` looks for the heading of an indented line's block.
BLOCK_HEADING_REACH = 500
#: A value measured with its spread (asv's ``1.05±0s``, hyperfine's ``1.2 ms ±  0.1 ms``,
#: benchmark.js's ``±1.24%``): a benchmark's result, what the run was for. The first
#: :data:`MEASUREMENTS` such lines stay.
MEASUREMENT = re.compile(r"\d ?± ?\d")
MEASUREMENTS = 100
#: A profiler's folded stacks (flamegraph's input: py-spy ``--format raw``, stackcollapse-perf,
#: async-profiler ``collapsed``): one stack per line, frames joined by ``;``, then its sample
#: count. Of at least :data:`FOLDED_MIN` of them, the :data:`FOLDED_STACKS` hottest stay (ties
#: in order): where the time went. The rest, each a stack of few samples, may go.
FOLDED_STACK = re.compile(r"^[^\n;]*[^\s;](?:;[^\s;][^\n;]*[^\s;])+ (\d+)$", re.M)  # no space by a ``;``
FOLDED_MIN = 10
FOLDED_STACKS = 20
#: A table's totals: the one row under the rule that closes it, before a blank line or the end
#: (coverage's ``TOTAL``, locust's ``Aggregated``): what the table adds up to. Of a table printed
#: again and again (a load test's periodic stats; a table known by its rule line) the first
#: :data:`TIMED_SUMMARIES` and the last.
TOTAL_ROW = re.compile(r"^[ \t]*[-=][-=+|: \t]{8,}\n([^\n]*\S[^\n]*)(?:\n[ \t]*(?:\n|$)|\n?\Z)", re.M)
#: The same in a grid table, each row between ``+---+`` rules: its last row, over the rule that
#: no row follows (Sphinx coverage's ``| TOTAL | 3.31% | 585 |``).
GRID_LAST_ROW = re.compile(r"^[ \t]*\+[-=+]{8,}[ \t]*\n([ \t]*\|[^\n]*)\n[ \t]*\+[-=+]{8,}[ \t]*(?:\n(?![ \t]*\|)|\Z)", re.M)

#: A line naming a place in a source file, in any tool's convention: ``src/a.c:12``, ``a.d(408)``,
#: ``(cJSON.c:243)``, ``File: /a.yaml:29-31``. Each is a place an agent may go to: the first
#: :data:`LOCATED_PER_KIND` of each kind (the line with its places, numbers and quoted names
#: masked) stay, in every domain but diffs, listings, grep hits, stacks and test runs (their own rules
#: decide: a recursion's frames are one place again and again, a test's traceback its own).
LOCATED = re.compile(r"(?:^|[ \t(\"'\[=])/?(?:[\w.~+-]+/)*[\w+-][\w.+-]*\.[A-Za-z]\w{0,5}(?::\d+|\(\d+(?:,\d+)?\))", re.M)
LOCATED_PER_KIND = 50
#: An XML report's finding, as the JSON frame's findings: cppcheck's ``<error id=.. severity=..
#: msg=..>`` over its ``<location>`` lines, valgrind's ``<error>`` with its kind and text, a JUnit
#: report's ``<failure`` / ``<error`` (on its ``<testcase`` line or under it), checkstyle's
#: ``<error line=.. message=..>``. The element stays to its closing tag, :data:`XML_FINDING_LINES`
#: lines at most (its first frames), with the ``<testcase>`` line naming it; the first
#: :data:`XML_FINDINGS` elements.
XML_FINDING = re.compile(r"^[ \t]*(?:<testcase\b[^\n]*?)?<(error|failure|issue|violation|problem|warning|bug|defect|finding)\b", re.M)
XML_FINDING_LINES = 16
XML_FINDINGS = 100
#: A line of a backtrace: gdb's and sanitizers' ``#N``, valgrind's ``at``/``by``, Python's
#: ``File "..."``, the ``at f (file:line)`` of JavaScript, Java and .NET (the stack frame's unit).
STACK_LINE = re.compile(r'^\s*(?:#\d+\s|at\s|File "|==\d+==\s+(?:at|by)\s)')
#: The same, and lldb's ``  * frame #0: ...``: the lines the located-line rule leaves to the stacks' guard.
_STACK_FRAME = re.compile(STACK_LINE.pattern + r"|^\s*(?:\*\s+)?frame\s+#\d+")
_PLACE_OR_VALUE = re.compile(r"\S*[\w.]\.[A-Za-z]\w{0,5}[:(]\d\S*|\d+|'[^'\n]*'|‘[^’\n]*’|\"[^\"\n]*\"|`[^`\n]*`")

#: A line that breaks the pattern of a repetitive output stays: in a long output (at least
#: :data:`OUTLIER_MIN_LINES` lines) where most lines (:data:`OUTLIER_REPEATED_SHARE`) belong to a
#: template seen three times or more, a line whose template occurs once is the exception an agent
#: looks for (the one package with another license in a license report, the one check that
#: mismatched, the server's last words). When such lines are more than
#: :data:`OUTLIER_MAX_SHARE` of the output, they are its ordinary texture, not exceptions, and
#: the rule stands aside. Text, build output and trees only: a log's frame keeps each template's
#: first line already; a test run's one-off lines are passing checks.
OUTLIER_DOMAINS = frozenset({"text", "build", "tree"})
OUTLIER_MIN_LINES = 100
OUTLIER_REPEATED_SHARE = 0.5
OUTLIER_MAX_SHARE = 0.15
#: A line whose shape (its masked text with paths masked too) is shared by at most this share of
#: the lines, where one shape is most of them, is an outlier as well (bzip2 -tv's 21 damaged
#: archives among 1,071 ``ok``).
OUTLIER_RARE_SHARE = 0.02
#: A record missing a line its siblings have is an exception as well: among at least
#: :data:`INCOMPLETE_MIN_RECORDS` records under one kind of head line (ogrinfo's ``OGRFeature(nc):47``
#: over its indented ``NAME (String) = Chatham`` fields), one lacking a field that
#: :data:`INCOMPLETE_COMMON_SHARE` of them have (the feature whose geometry could not be read has
#: no ``POLYGON : 31 points``) stays, its first :data:`INCOMPLETE_RECORD_LINES` lines; unless more
#: than :data:`OUTLIER_MAX_SHARE` of them lack one (then fields come and go: no exceptions).
INCOMPLETE_MIN_RECORDS = 10
INCOMPLETE_COMMON_SHARE = 0.8
INCOMPLETE_RECORD_LINES = 40
#: A record's field: what its line says before ``=`` or ``:`` (else its masked text).
_FIELD_NAME = re.compile(r"^[ \t]*([^=:\n]{1,60}?)[ \t]*[=:]")
#: A field line of a record of fields (:func:`record_mates`): stricter than a field's name above,
#: a ``Key: value`` or ``key = value`` with a value (``Category: Redirect``, ``Format                : AVC``,
#: msmtp's ``tls_starttls = on``).
_RECORD_FIELD = re.compile(r"^[ \t]*[A-Za-z][\w .()/-]{0,40}?[ \t]*(?::|[ \t]=)[ \t]+\S")
#: A record's size in lines (blank lines around it), and the share of its lines that are fields.
#: Up to 50 lines, as a short listing stays whole (``frame.LISTING_WHOLE``): a program's
#: settings printed before it acts (``msmtp --pretend``'s 40) are read together.
RECORD_MIN_LINES, RECORD_MAX_LINES, RECORD_FIELD_SHARE = 3, 50, 0.75
#: A path or file name, for an outlier's shape.
_PATHISH = re.compile(r"\S*/\S*|\b[\w-]+\.[A-Za-z]\w{0,5}\b:?")

#: Findings of one rule kept whole by the guard (the first ones): a linter's report is a list of
#: things to fix, each at its own place, so each finding line stays, up to this many per rule
#: (ruff ``--select ALL`` on a large tree reports thousands; the model decides past them, and
#: markers count what goes).
FINDINGS_PER_RULE = 50
#: A checker's finding that names no rule and no severity (pyflakes' ``tests/a.py:14:1: 'x'
#: imported but unused``, go vet's ``./main.go:12:2: fmt.Printf format %d has arg ...``): the first
#: two words of its message, quoted names and numbers blanked, are its kind (``'' imported``, go
#: -gcflags=-m's ``can inline``), FINDINGS_PER_RULE of each kept. Not a stack frame's address
#: (zig's ``a.zig:12:5: 0x10b3 in test...``).
PLACED_FINDING = re.compile(
    r"^[^\s:()]+\.[A-Za-z]\w{0,5}:\d+:\d+: (?!(?:fatal )?(?:error|warning|note|info|remark)\b|0x)(\S[^\n]{0,400})$", re.M)
_NUMBER = re.compile(r"\d+")


def _finding_kind(message: str) -> str:
    """The kind of a :data:`PLACED_FINDING`'s message: its first two words, values blanked."""
    return " ".join(_NUMBER.sub("0", _QUOTED.sub("''", message)).split()[:2])


#: A critical line ending with a colon announces its detail on the lines under it: Catch2's
#: ``test/a.cpp:557: FAILED:`` over the check and its expansion, configure's ``error: Package
#: requirements (...) were not met:`` over the packages it lacks, git's ``error: ... would be
#: overwritten by merge:`` over the files. The block under it (after any blank lines right under
#: it, to the next blank line) stays, :data:`DETAIL_LINES` lines at most, under the first
#: :data:`DETAIL_BLOCKS` such lines. (Not ``Traceback (most recent call last):``: its outermost
#: frames are the least telling; the traceback rules keep the raising frame.)
DETAIL_INTRO = re.compile(r"^[^\n]*:[ \t]*$", re.M)
#: A line of code that ends with a colon (``except ValueError:``, ``if error:``) introduces a
#: block of code, not an error's detail.
_CODE_HEAD = re.compile(r"^[ \t+-]*(?:except|if|elif|else|for|while|with|def|class|try|finally|case|catch|switch|async|match)\b")
DETAIL_LINES = 8
DETAIL_BLOCKS = 50
#: In a test run, a failure's heading that names the test (Ruby test-unit's ``Failure:
#: test_numeric(TestCSVParseConvert)``, its ``Error: test_x(T): NameError ...``) opens the same
#: kind of block: where it failed, the lines of the test around it, what was expected and got,
#: :data:`FAILURE_DETAIL_LINES` lines at most.
FAILURE_INTRO = re.compile(r"^(?:Failure|Error): \S[^\n]*$", re.M)
FAILURE_DETAIL_LINES = 12
#: pip's resolver gives up with the requirements that conflict, one per line under this heading
#: (``flask 3.0.3 depends on Werkzeug>=3.0.0``, ``The user requested werkzeug<1.0``): the heading and
#: its block, :data:`CONFLICT_LINES` lines at most, say why (pipenv, hatch, pip-compile print it too).
CONFLICT_INTRO = re.compile(r"^[ \t]*The conflict is caused by:[ \t]*$", re.M)
CONFLICT_LINES = 40
#: A program's crash report, at the start of a line: Python's traceback, the JVM's uncaught
#: exception, Go's panic, Rust's panicking thread.
CRASH_HEAD = re.compile(r"^(?:Traceback \(most recent call last\):|Exception in thread \"|panic: |thread '[^'\n]*' panicked at )", re.M)
#: Crashes whose line above stays (the last ones: the one that ended the program first).
CRASH_PREFACES = 20
#: Longest such line kept: a record, not a page of JSON printed before the crash.
CRASH_PREFACE_CHARS = 400
#: A rule line (``------``, ``======``): one to three lines between two of them are a heading
#: that names the section under it (Catch2's test case, a report's part). The heading of the
#: section holding a detailed failure stays: it names what failed (``Integer bounds``).
RULE_LINE = re.compile(r"^[ \t]*([-=_~*#+])\1{9,}[ \t]*$", re.M)
#: A record's status line, indented under the line naming what was checked (checkov's
#: ``Check: CKV_AWS_26: "Ensure ..."`` over ``\tFAILED for resource: ...`` and ``\tFile:
#: /a.yaml:29-31``): a failed one keeps its record, the head above it and the lines beside it at
#: its depth (:data:`RECORD_LINES` after it at most). A passed one is left to the frame and the model.
RECORD_STATUS = re.compile(r"^[ \t]+(?:FAILED|FAILURE|FAIL|ERROR|ERRORED)\b", re.M)
RECORD_LINES = 4
RECORD_BLOCKS = 200
#: A critical line's own lines: those between it and the next line opening a record as it does
#: (tinytest's ``----- FAILED[data]: test_hmac.R<65--65>``, then its ``call|`` and ``diff|``
#: lines, then ``----- PASSED``), when at most this many; for the first RECORD_BODIES failures.
RECORD_BODY_LINES = 4
RECORD_BODIES = 50
HEADING_LINES = 3
#: A search's match line: ``path:N:text`` (a context line is ``path-N-text``), or the function
#: line over matches (git grep -p / -W's ``path=N=jobstart(struct job *j)``): where they are.
GREP_HIT = re.compile(r"^[\w./-]+(?::\d+:|=\d+=)", re.M)
GREP_HITS = 200
#: A line naming only a file (and a place in it): the heading of the block of findings under it,
#: looked for at most this many lines above a critical line, in the block (no blank line between).
FILE_HEADING = re.compile(r"^[ \t]*(?:[\w.~+-]*/)*[\w+-]+(?:\.[\w+-]+)*\.[A-Za-z]\w{0,5}(?::\d+){0,2}:?[ \t]*$")
FILE_HEADING_REACH = 30
#: A heading that counts the problems under it (lynis's ``Warnings (3):``, ``2 errors found:``) or
#: says it found some:
#: its section's lines stay, :data:`PROBLEM_SECTION_LINES` at most, to the next heading.
PROBLEM_HEADING = re.compile(
    r"^[ \t]*(?:(?:[Ww]arnings?|[Ee]rrors?|[Ff]ailures?|[Pp]roblems?|[Ii]ssues?|[Vv]ulnerabilities|[Vv]iolations?"
    r"|WARNINGS?|ERRORS?|FAILURES?|PROBLEMS?)[ \t]*\([ \t]*[1-9]\d*[ \t]*\)"
    r"|[1-9]\d* (?:warnings?|errors?|failures?|problems?|issues?|vulnerabilities|violations?)(?: found)?"
    # Or says it found some (airflow config lint's ``Found issues in your airflow.cfg:``, ``The
    # following errors were found:``).
    r"|(?:[Ff]ound|[Tt]he following|[Tt]here (?:are|were))\b(?! no\b)[^:\n]{0,40}?\b(?:warnings|errors|failures|problems|issues"
    r"|vulnerabilities|violations)\b[^:\n]{0,60}"
    # Or names a list of things gone wrong (pyspelling's ``Misspelled words:``, ``Unused imports:``).
    r"|(?:[Mm]isspelled|[Uu]nknown|[Uu]ndefined|[Uu]nused|[Mm]issing|[Ii]nvalid|[Bb]roken|[Uu]nresolved)"
    r"(?: [\w-]+){0,2}? [\w-]+s)[ \t]*:[ \t]*$", re.M)
PROBLEM_SECTION_LINES = 40


#: A hunk's header with its line counts (``@@ -62,7 +62,7 @@``; a count left out is 1).
_HUNK = re.compile(r"^@@ -\d+(?:,(\d+))? \+\d+(?:,(\d+))? @@")
#: A diff's own header lines (not what names a diff: they are the diff).
_DIFF_HEADER = re.compile(r"^(?:--- |\+\+\+ |diff |index [0-9a-f]|similarity |dissimilarity |rename |copy |new file|"
                          r"deleted file|old mode|new mode|Binary files )")
#: Lines of a diff outside its hunks and headers name the diff that follows (cosmic-ray's
#: ``[job-id] 9f00...`` and ``simplejson/scanner.py core/ReplaceBinaryOperator_Add_Sub 11`` over
#: each surviving mutant's diff, git log -p's ``Author:`` and ``Date:``, ``Only in a: b``): the
#: first :data:`PREAMBLE_LINES` of each stretch of them (rule lines aside) stay.
PREAMBLE_LINES = 3


def diff_preamble_indices(lines: Sequence[str]) -> list[int]:
    """Indices of the first :data:`PREAMBLE_LINES` lines of each stretch of a diff's ``lines``
    that is neither inside a hunk (by its header's line counts) nor a file header."""
    out: list[int] = []
    i, taken, n = 0, 0, len(lines)
    while i < n:
        m = _HUNK.match(lines[i])
        if m:
            old, new = int(m.group(1) or 1), int(m.group(2) or 1)
            i += 1
            # (A hunk shorter than its counts, as a tool abbreviates it, ends at the next header.)
            while i < n and (old > 0 or new > 0) and not _HUNK.match(lines[i]) and not lines[i].startswith("diff "):
                c = lines[i][:1]
                if c == "-":
                    old -= 1
                elif c == "+":
                    new -= 1
                elif c != "\\":  # "\ No newline at end of file" counts for neither side
                    old, new = old - 1, new - 1
                i += 1
            taken = 0
            continue
        ln = lines[i]
        if _DIFF_HEADER.match(ln):
            taken = 0
        elif ln.strip() and not RULE_LINE.match(ln) and taken < PREAMBLE_LINES:
            out.append(i)
            taken += 1
        i += 1
    return out


def _lines_from(text: str, pos: int, line: re.Pattern[str], limit: int,
                accept: Callable[[re.Match[str]], bool] | None = None) -> list[int]:
    """Starts of the consecutive lines from ``pos`` on that ``line`` matches (and ``accept`` takes),
    up to ``limit`` of them: the lines a heading carries under it."""
    starts: list[int] = []
    for _ in range(limit):
        m = line.match(text, pos)
        if m is None or (accept is not None and not accept(m)):
            break
        starts.append(pos)
        pos = m.end()
    return starts


def _deeper_than(width: int) -> Callable[[re.Match[str]], bool]:
    """Whether a matched line is indented by more than ``width`` spaces or tabs."""
    return lambda m: len(m.group(0)) - len(m.group(0).lstrip(" \t")) > width


def _indented_under(text: str, pos: int, deeper_than: int = 0) -> list[int]:
    """Starts of the indented lines from ``pos`` on (a heading's value: doctest's ``Got:``, a
    YAML block's ``actual: |-``), indented more than ``deeper_than``, up to :data:`DOCTEST_LINES`."""
    return _lines_from(text, pos, _INDENTED, DOCTEST_LINES, _deeper_than(deeper_than))


def _line_view(text: str, line_starts: np.ndarray) -> LineView:
    """The lines of ``text`` by their starts (ends as :func:`~kompress.structure.units.line_spans`
    gives them: before each next start, and the text's end less a trailing newline)."""
    return LineView(text, line_starts, np.append(line_starts[1:] - 1, len(text) - text.endswith("\n")))


def _lines_under(pattern: re.Pattern[str], text: str, kept: Iterable[int],
                 wanted: Callable[[re.Match[str]], object]) -> list[int]:
    """Starts of the lines right under those matches of ``pattern`` that start at a ``kept``
    offset and for which ``wanted`` holds (a finding whose message is printed under it)."""
    kept = set(kept)
    return [m.end() + 1 for m in pattern.finditer(text) if m.start() in kept and m.end() < len(text) and wanted(m)]


def _bracket_depth(line: str) -> int:
    """Brackets ``line`` opens less those it closes (quoted text counts too: a rough measure)."""
    return sum(line.count(c) for c in "([{") - sum(line.count(c) for c in ")]}")


#: jstack's (and jcmd Thread.print's) report of a deadlock: the cycle under it stays, DEADLOCK_LINES at most.
DEADLOCK_INTRO = re.compile(r"^Found (?:one|\d+) Java-level deadlocks?:$", re.M)
DEADLOCK_LINES = 40
#: A verdict alone on its line (waf -vv's ``not found`` under ``Checking for header db.h : <the
#: compiler's command>``): what it is the verdict on is the line above. Up to VERDICT_SUBJECTS.
BARE_VERDICT = re.compile(r"^[ \t]*(?:not found|NOT FOUND|no|failed|FAILED|missing|MISSING)[ \t.!]*$", re.M)
VERDICT_SUBJECTS = 50


#: curl -v's request line and the status line answering it (``> GET /.git/config HTTP/1.1`` over
#: ``< HTTP/1.1 403 Forbidden``), the first HTTP_EXCHANGES.
HTTP_EXCHANGE = re.compile(r"^(?:> [A-Z]{3,7} \S+ HTTP/[\d.]+[ \t]*$|< HTTP/[\d.]+ \d{3}\b)", re.M)
HTTP_EXCHANGES = 200
#: valgrind's line heading a record, right above the ``at 0x`` frame opening its stack (the
#: first VALGRIND_HEADINGS).
VALGRIND_HEADING = re.compile(r"^==\d+== (?! )[^\n]*\n(?===\d+==    at 0x)", re.M)
VALGRIND_HEADINGS = 200
#: diffoscope's nested comparisons: each heading names what differs (``├── readelf --wide
#: --file-header {}``, ``│ │ ├── +++ .../libinih.so.0``), and its ``┄`` comments say why.
COMPARISON_HEADING = re.compile(r"^(?:│ ?)*(?:[├└]── \S|│┄ \S)", re.M)
COMPARISON_HEADINGS = 400
#: A row of a ranked list: one percentage on the line (esbuild's ``--analyze``, a flat profile).
PERCENT_ROW = re.compile(r"^[^\n%]*?(?<![\w.])(\d{1,3}(?:\.\d+)?) ?%(?![\w%])[^\n%]*$", re.M)
#: Of a run of at least RANKED_MIN such rows whose percentages only go down, the first RANKED_TOP
#: stay: the largest (esbuild's ``src/v4/core/schemas.ts ── 71.1kb ── 10.5%``), read first.
RANKED_MIN = 8
RANKED_TOP = 5


def _ranked_rows(text: str) -> list[int]:
    """The starts of the top rows of each ranked run of :data:`PERCENT_ROW` lines (percentages
    never rising from one row to the next, the last below the first; a progress count rises)."""
    rows = [(m.start(), float(m.group(1))) for _, m in zip(range(5000), PERCENT_ROW.finditer(text))]
    out: list[int] = []
    start = 0
    for k in range(1, len(rows) + 1):
        if k == len(rows) or rows[k][1] > rows[k - 1][1]:
            if k - start >= RANKED_MIN and rows[start][1] > rows[k - 1][1]:
                top = start + (rows[start][1] == 100)  # a total's 100% is no rank
                out += [r[0] for r in rows[start:top + RANKED_TOP]]
            start = k
    return out


def result_line_indices(text: str, line_starts: np.ndarray) -> np.ndarray:
    """Indices of the lines holding what a benchmark or a profile measured: values with their
    spread (:data:`MEASUREMENT`), the hottest folded stacks (:data:`FOLDED_STACK`), the top
    rows of a ranked list (:func:`_ranked_rows`) and curl's requests and the statuses answering
    them (:data:`HTTP_EXCHANGE`). Kept even
    among a log's repeated records: each names its own result."""
    hits: list[int] = []
    if ";" in text:
        folded = [m for _, m in zip(range(100_000), FOLDED_STACK.finditer(text))]
        if len(folded) >= FOLDED_MIN:
            hot = sorted(range(len(folded)), key=lambda k: (-int(folded[k].group(1)), k))[:FOLDED_STACKS]
            hits += [folded[k].start() for k in hot]
    if "±" in text:
        hits += [m.start() for _, m in zip(range(MEASUREMENTS), MEASUREMENT.finditer(text))]
    if "%" in text:
        hits += _ranked_rows(text)
    if "\n> " in text or text.startswith("> "):
        # curl -v's exchanges: which request a "< HTTP/1.1 403 Forbidden" answered.
        hits += [m.start() for _, m in zip(range(HTTP_EXCHANGES), HTTP_EXCHANGE.finditer(text))]
    return np.unique(np.searchsorted(line_starts, np.asarray(hits, dtype=np.int64), side="right") - 1)


def detail_line_indices(text: str, line_starts: np.ndarray, domain: str | None = None) -> np.ndarray:
    """Indices of the lines a detailed failure brings (:data:`DETAIL_INTRO`, :data:`RULE_LINE`):
    the block under a critical line that ends with a colon (in a test run, also under a
    :data:`FAILURE_INTRO`), and the framed heading of its section.
    Kept even among a log's repeated records: they are what the error says it is about. None in
    a diff (its lines of code are decided by the diff's own guard)."""
    n = len(line_starts)
    if domain == "diff":
        return np.zeros(0, dtype=np.int64)
    lines = _line_view(text, line_starts)
    out: list[int] = []
    intros = []
    # (match, lines it reaches, whether it must name an error: a failure heading is one by its form)
    found = [(m, DETAIL_LINES, True) for m in DETAIL_INTRO.finditer(text)]
    if domain == "test" and ("Failure: " in text or "Error: " in text):
        found = sorted(found + [(m, FAILURE_DETAIL_LINES, False) for m in FAILURE_INTRO.finditer(text)],
                       key=lambda f: f[0].start())
    if "The conflict is caused by:" in text:
        conflicts = list(CONFLICT_INTRO.finditer(text))
        out += (np.searchsorted(line_starts, [m.start() for m in conflicts], side="right") - 1).tolist()
        found = sorted(found + [(m, CONFLICT_LINES, False) for m in conflicts], key=lambda f: f[0].start())
    if "Java-level deadlock" in text:
        # jstack's deadlock report: each thread of the cycle, what it waits for and who holds it,
        # blank lines between them, up to the stacks that follow.
        for m in DEADLOCK_INTRO.finditer(text):
            k = int(np.searchsorted(line_starts, m.start(), side="right")) - 1
            for i in range(k + 1, min(n, k + 1 + DEADLOCK_LINES)):
                if lines[i].startswith("Java stack information"):
                    break
                out.append(i)
    for m, reach, named in found:
        line = m.group(0)
        if len(intros) >= DETAIL_BLOCKS:
            break
        if named and (_CRITICAL_IN_TEXT.search(line) is None or _CODE_HEAD.match(line)
                      or "Traceback (most recent call last)" in line):
            continue
        k = int(np.searchsorted(line_starts, m.start(), side="right")) - 1
        if intros and intros[-1] == k:
            continue  # "Error: ...:" matches both
        intros.append(k)
        j = k + 1
        while j < n and lines[j].strip() == "" and j <= k + 2:
            j += 1
        for i in range(j, min(n, j + reach)):
            if lines[i].strip() == "":
                break
            out.append(i)
    for _, m in zip(range(VERDICT_SUBJECTS), BARE_VERDICT.finditer(text) if "\n" in text else ()):
        k = int(np.searchsorted(line_starts, m.start(), side="right")) - 1
        j = k - 1
        while j >= 0 and not lines[j].strip():
            j -= 1
        if j >= 0 and BARE_VERDICT.match(lines[j]) is None:
            out += [j, k]
    # The program's last words before it crashed (peewee's logged ``SELECT ... ['f', 1, 0]`` that
    # found no row, a loader's last ``small/qft_n4.qasm: qubits=4 ...`` before the file it choked
    # on): the line right above a crash report says what it was doing, even as a repeat of a log
    # record, whose collapse keeps only its first and last.
    prefaces = 0
    for m in reversed(list(CRASH_HEAD.finditer(text))) if "\n" in text else ():
        if prefaces >= CRASH_PREFACES:
            break
        k = int(np.searchsorted(line_starts, m.start(), side="right")) - 1
        above = lines[k - 1] if k > 0 else ""
        if any(ch.isalnum() for ch in above) and len(above) <= CRASH_PREFACE_CHARS and not CRASH_HEAD.match(above):
            out.append(k - 1)
            prefaces += 1
    # A critical line that opens more brackets than it closes and ends open (EUnit's
    # ``**error:{assertEqual,[{module,m},`` over the expected and actual values) goes on to where
    # they close: a blank line or DETAIL_LINES lines at most.
    # The line of each critical match, in order, found once: the open-bracket rule here and the
    # record-body rule below both read them.
    critical_at = (np.searchsorted(line_starts, np.asarray([m.start() for m in _CRITICAL_IN_TEXT.finditer(text)],
                                                           dtype=np.int64), side="right") - 1).tolist()
    opened = 0
    for k in critical_at:
        if opened >= DETAIL_BLOCKS:
            break
        depth = _bracket_depth(lines[k])
        if depth <= 0 or not lines[k].rstrip().endswith(("(", "[", "{", ",")) or (out and out[-1] >= k):
            continue  # (a term going on: the line ends open, not a log record's stray bracket)
        opened += 1
        for i in range(k + 1, min(n, k + 1 + DETAIL_LINES)):
            if not lines[i].strip():
                break
            out.append(i)
            depth += _bracket_depth(lines[i])
            if depth <= 0:
                break
    for _, m in zip(range(RECORD_BLOCKS), RECORD_STATUS.finditer(text)):
        k = int(np.searchsorted(line_starts, m.start(), side="right")) - 1
        depth = indent_width(lines[k])
        j = k - 1
        while j >= 0 and k - j <= RECORD_LINES and lines[j].strip() and indent_width(lines[j]) >= depth:
            j -= 1
        if j < 0 or not lines[j].strip() or indent_width(lines[j]) >= depth:
            continue  # no head right above it: not a record's status
        out.extend(range(j, k))
        i = k + 1
        while i < min(n, k + 1 + RECORD_LINES) and lines[i].strip() and indent_width(lines[i]) == depth:
            out.append(i)
            i += 1
    # A critical line's own lines (not in a log: its frame knows its records, and a flood of one
    # alert is one event).
    bodies = 0
    for k in dict.fromkeys(critical_at) if domain != "log" else ():
        if bodies >= RECORD_BODIES:
            break
        opener = _opener(lines[k])
        for j in range(k + 1, min(n, k + 2 + RECORD_BODY_LINES)):
            if _opener(lines[j]) == opener and indent_width(lines[j]) == indent_width(lines[k]):
                body = [i for i in range(k + 1, j) if lines[i].strip()]
                out.extend(body)
                bodies += bool(body)
                break
    # The file a block of findings is about, named alone on the block's first line (tsd's and
    # eslint stylish's ``  test-d/trim.ts:7:18`` over its ``✖  8:18  Argument of type ...`` lines).
    headed: set[int] = set()
    for k in dict.fromkeys(critical_at) if domain != "log" else ():
        if len(headed) >= DETAIL_BLOCKS:
            break
        j = k - 1
        while j >= 0 and k - j <= FILE_HEADING_REACH and lines[j].strip():
            j -= 1
        if j + 1 < k and j + 1 not in headed and FILE_HEADING.match(lines[j + 1]):
            headed.add(j + 1)
    out.extend(headed)
    for m in PROBLEM_HEADING.finditer(text):
        k = int(np.searchsorted(line_starts, m.start(), side="right")) - 1
        depth, taken = indent_width(lines[k]), 0
        for i in range(k + 1, n):
            line = lines[i]
            if not line.strip() or RULE_LINE.match(line):
                continue
            if taken >= PROBLEM_SECTION_LINES or (indent_width(line) <= depth and line.rstrip().endswith(":")):
                break  # the next section's heading
            out.append(i)
            taken += 1
    ruled = "-----" in text or "=====" in text or "_____" in text
    if ruled and (intros or (critical_at and domain != "log")):
        rules = np.searchsorted(line_starts, np.asarray([m.start() for m in RULE_LINE.finditer(text)], dtype=np.int64),
                                side="right") - 1
        headings = [(int(a), int(b)) for a, b in zip(rules[:-1], rules[1:]) if 1 <= b - a - 1 <= HEADING_LINES]
        ends = np.asarray([b for _, b in headings], dtype=np.int64)
        for k in intros:
            h = int(np.searchsorted(ends, k, side="left")) - 1  # the last heading closed above the intro
            if h >= 0:
                out.extend(range(headings[h][0] + 1, headings[h][1]))
        # A section opened by a rule and a heading ended by a blank line (doctest's ``=====``, then
        # ``test_choices.cpp:11:``, ``TEST SUITE: choices``, ``TEST CASE:  Parse ...``, a blank
        # line, then its failed check): a critical line in it brings the heading, what failed.
        if domain != "log":
            opened = []  # (rule, blank line ending the heading)
            for a in rules.tolist():
                j = a + 1
                while j < n and j - a <= HEADING_LINES and lines[j].strip() and not RULE_LINE.match(lines[j]):
                    j += 1
                if j > a + 1 and j < n and not lines[j].strip():
                    opened.append((a, j))
            if opened:
                starts = np.asarray([a for a, _ in opened], dtype=np.int64)
                taken = 0
                for k in dict.fromkeys(critical_at):
                    if taken >= DETAIL_BLOCKS:
                        break
                    r = int(np.searchsorted(rules, k, side="right")) - 1  # the last rule above the line
                    h = int(np.searchsorted(starts, k, side="right")) - 1
                    if r < 0 or h < 0 or opened[h][0] != int(rules[r]) or k <= opened[h][1]:
                        continue  # the section's own heading, or no open heading over it
                    out.extend(range(opened[h][0] + 1, opened[h][1]))
                    taken += 1
    return np.unique(np.asarray(out, dtype=np.int64))


def _opener(line: str) -> str:
    """How a line opens: its first token with variables masked (``-----``, ``<NUM>-<NUM>-<NUM>``, ``[ERROR]``)."""
    toks = masked(line).split(maxsplit=1)
    return toks[0] if toks else ""


#: A program speaking amid its output: ``tar: Skipping to next header``, ``ls: cannot open ...``.
PROGRAM_SAYS = re.compile(r"^[a-z][\w.-]{0,30}: \S", re.M)


def program_line_indices(text: str, line_starts: np.ndarray) -> np.ndarray:
    """Indices of the lines where a program speaks in its own name (:data:`PROGRAM_SAYS`); amid a
    listing they are its errors (``decide`` keeps them with the entries around them)."""
    starts = np.asarray([m.start() for m in PROGRAM_SAYS.finditer(text)], dtype=np.int64)
    return np.searchsorted(line_starts, starts, side="right") - 1


def _first_per_key(matches: Iterable[re.Match[str]], key: Callable[[re.Match[str]], str], cap: int) -> list[int]:
    """Starts of the first ``cap`` matches of each ``key`` (a warning's kind, a finding's rule)."""
    seen: Counter[str] = Counter()
    out = []
    for m in matches:
        k = key(m)
        if seen[k] < cap:
            seen[k] += 1
            out.append(m.start())
    return out


def _xml_findings(text: str, line_starts: np.ndarray, lines: LineView) -> list[int]:
    """Starts of the lines of the first :data:`XML_FINDINGS` finding elements (:data:`XML_FINDING`)."""
    out: list[int] = []
    n = len(line_starts)
    for _, m in zip(range(XML_FINDINGS), XML_FINDING.finditer(text)):
        k = int(np.searchsorted(line_starts, m.start(), side="right")) - 1
        if k > 0 and lines[k - 1].lstrip(" \t").startswith("<testcase"):
            out.append(int(line_starts[k - 1]))  # the test it is about
        close = f"</{m.group(1)}>"
        for j in range(k, min(n, k + XML_FINDING_LINES)):
            out.append(int(line_starts[j]))
            if close in lines[j] or (j == k and lines[j].rstrip().endswith("/>")):
                break
    return out


#: A file's path with a folder (``sphinx/locale/de/LC_MESSAGES/sphinx.po``): what an error names.
_FILE_PATH = re.compile(r"(?<![\w/.~-])[\w.~@+-]*(?:/[\w.~@+-]+)+\.[A-Za-z]\w{0,5}\b")
#: Critical lines whose neighbours are looked at (a build failing in every file: the first ones).
NEIGHBOURED_ERRORS = 100
#: Longest neighbour kept so: not a compiler's command line of flags above its error.
NEIGHBOUR_CHARS = 200


def _same_file_neighbours(text: str, line_starts: np.ndarray, critical: Sequence[int]) -> list[int]:
    """The starts of the lines right above and below a critical line that name the same file
    (pybabel's ``171 of 869 messages (19%) translated in .../de/.../sphinx.po`` over ``error:
    .../de/.../sphinx.po:2790: unknown named placeholder``): what the tool said of the file the
    error is about, the one line either side, when short (:data:`NEIGHBOUR_CHARS`)."""
    out: list[int] = []
    n = len(line_starts)

    def span(i: int) -> tuple[int, int]:
        return int(line_starts[i]), int(line_starts[i + 1]) if i + 1 < n else len(text)

    # A line with several critical matches ("error: ... Error") is looked at once.
    at = np.searchsorted(line_starts, np.asarray(critical[:NEIGHBOURED_ERRORS], dtype=np.int64), side="right") - 1
    for k in dict.fromkeys(at.tolist()):
        paths = {m.group(0) for m in _FILE_PATH.finditer(text, *span(k))}
        if not paths:
            continue
        for j in (k - 1, k + 1):
            if 0 <= j < n:
                a, b = span(j)
                if b - a <= NEIGHBOUR_CHARS and any(text.find(p, a, b) >= 0 for p in paths):
                    out.append(a)
    return out


#: A critical line's level word and colon (``WARNING: ``, ``error[E12]: ``): a message under it
#: indented to where its words begin goes on with it.
_LEVEL_PREFIX = re.compile(r"[ \t]*[A-Za-z][\w-]{0,15}(?:\[[^\]\n]{0,20}\])?: (?=\S)")
#: Lines of such a message kept under its first.
ALIGNED_LINES = 4


def _aligned_continuations(text: str, line_starts: np.ndarray, critical: Sequence[int]) -> list[int]:
    """The starts of the lines going on with a critical line's message, indented to where its
    words begin (pip's ``WARNING: Could not build the pvectorc extension module.`` over
    ``         Pyrsistent will still work but performance may be degraded.``), up to
    :data:`ALIGNED_LINES` of each."""
    out: list[int] = []
    n = len(line_starts)
    at = np.searchsorted(line_starts, np.asarray(critical[:NEIGHBOURED_ERRORS], dtype=np.int64), side="right") - 1
    for k in dict.fromkeys(at.tolist()):
        m = _LEVEL_PREFIX.match(text, int(line_starts[k]))
        if m is None:
            continue
        pad = " " * (m.end() - m.start())
        for j in range(k + 1, min(n, k + 1 + ALIGNED_LINES)):
            a = int(line_starts[j])
            if not text.startswith(pad, a) or text[a + len(pad):a + len(pad) + 1] in (" ", "\t", "\n", ""):
                break
            out.append(a)
    return out


#: An exception's line whose message goes on under it (lark's ``GrammarError: Reduce/Reduce
#: collision in Terminal('CIRCUMFLEX') between the following rules:``, then its other collisions).
_EXCEPTION_MESSAGE = re.compile(r"(?:Error|Exception): (\S[^\n]*)\n(?=[^\n]*\S)")
#: The exception's name before it, from the line's start (``lark.exceptions.Grammar``).
_EXCEPTION_NAME = re.compile(r"(?:\w+\.)*[A-Z]\w*")
#: Lines under it saying what its message's first line says, of other things, kept.
MESSAGE_SIBLINGS = 100
#: Exceptions looked at so (each may search the text under it): a run's first few.
MESSAGE_EXCEPTIONS = 8


def _message_siblings(text: str) -> list[int]:
    """The starts of the lines under an exception's multi-line message that say what its first
    line says with other values (the 55 collisions of one ``GrammarError``): each is one of the
    things the exception is about. Up to :data:`MESSAGE_SIBLINGS` in all."""
    out: list[int] = []
    looked = 0
    for m in _EXCEPTION_MESSAGE.finditer(text):
        if looked >= MESSAGE_EXCEPTIONS:
            break
        if not _EXCEPTION_NAME.fullmatch(text, text.rfind("\n", 0, m.start()) + 1, m.start()):
            continue
        looked += 1
        message = m.group(1)
        cut = re.search(r"['\"‘\d]", message)
        lead = message[: cut.start()] if cut else message
        if len(lead) < 8:
            continue  # too little wording of its own to know its siblings by
        key = masked(_QUOTED.sub("''", message))
        at = text.find("\n" + lead, m.end() - 1)
        while at >= 0 and len(out) < MESSAGE_SIBLINGS:
            end = text.find("\n", at + 1)
            line = text[at + 1 : end if end >= 0 else len(text)]
            if masked(_QUOTED.sub("''", line)) == key:
                out.append(at + 1)
            at = text.find("\n" + lead, at + 1)
    return out


#: Node's last stack frame opening the error's own fields (``    at node:internal/main/run_main_module:28:49 {``).
_NODE_ERROR_FIELDS = re.compile(r"^    at [^\n]* \{\n", re.M)
#: Fields of such an error kept: its top-level ones (``  code: 'ENOENT',``, nearley's ``  offset: 55,``).
NODE_ERROR_FIELDS = 20


def _node_error_fields(text: str) -> list[int]:
    """The starts of the top-level field lines of the error object node prints under a stack
    (``  code: 'ERR_MODULE_NOT_FOUND',``), to its closing ``}``: what the error carries besides
    its message, up to :data:`NODE_ERROR_FIELDS` of each."""
    out: list[int] = []
    for _, m in zip(range(MESSAGE_EXCEPTIONS), _NODE_ERROR_FIELDS.finditer(text)):
        at = m.end()
        for _ in range(NODE_ERROR_FIELDS):
            if not text.startswith("  ", at) or text[at + 2 : at + 3] in (" ", "}", "\n", ""):
                break
            out.append(at)
            nxt = text.find("\n", at)
            # (a nested object's lines, deeper, are passed over to the next top-level field)
            while nxt >= 0 and text.startswith("   ", nxt + 1):
                nxt = text.find("\n", nxt + 1)
            if nxt < 0:
                break
            at = nxt + 1
            if text[at : at + 3] in ("  }", "  ]"):  # a nested value's closing line
                at = text.find("\n", at) + 1 or len(text)
    return out


#: IPython's frame of a notebook cell, and the arrow at the line that raised in it.
IPYTHON_CELL = re.compile(r"^Cell In\[\d+\], line \d+$", re.M)
IPYTHON_ARROW = re.compile(r"^-+> ", re.M)
IPYTHON_CELLS = 50


#: A heading ending in a colon over an indented line; group 1: that line.
_HEADING_OVER = re.compile(r"^[^\s][^\n]*:[ \t]*\n([ \t]+\S[^\n]*)", re.M)
HEADINGS_OVER = 100


#: The function a compiler's or linker's diagnostics under it are in (gcc's ``x.c: In function
#: 'main':``, ld's ``ld: file.o: in function `fileclose':`` over ``file.c:74: undefined reference
#: to `pipeclose'``): kept over a critical line, where it happened.
_FUNCTION_CONTEXT = re.compile(r"^[^\n]*: [Ii]n (?:function|member function|static member function|constructor|destructor"
                               r"|instantiation of)\b[^\n]*:[ \t]*\n([^\n]*)", re.M)


def _function_contexts(text: str) -> list[int]:
    """The starts of :data:`_FUNCTION_CONTEXT` lines right above a critical line."""
    return [m.start() for m in _FUNCTION_CONTEXT.finditer(text) if is_critical_line(m.group(1))]


#: A play's step banner (ansible-playbook's ``TASK [os_hardening : Create login.defs] *****``,
#: ``RUNNING HANDLER [...]``, ``PLAY RECAP ****``): the task a ``fatal: [localhost]: FAILED!`` under it is about.
# (Each part ends where the next begins, ``[`` or ``*``: no backtracking on a long capital line.)
TASK_BANNER = re.compile(r"^[A-Z][A-Z ]*(?:\[[^\]\n]+\][^\n*]*)?\*{3,}[ \t]*$", re.M)
#: A build step's fenced banner (premake's makefiles' ``==== Building obj_sticher (debug) ====``,
#: Visual Studio's ``------ Build started: Project: x ------``): the project an error under it is in.
#: One naming something (a name's ``_``, ``(``, ``:``, ``/``, ``.`` or a digit in it), not a
#: runner's section (pytest's ``==== FAILURES ====``, ``---- Captured stdout call ----``).
FENCED_BANNER = re.compile(r"^([=*#~-])\1{2,} (\S[^\n]*?) \1{3,}[ \t]*$", re.M)
_NAMING = re.compile(r"[(_:/.\d]")
#: A title boxed between two rules (jansson's test runner: ``=====`` / ``api/test_array.c`` /
#: ``=====`` over the failure's ``test_array.c:134: unable to insert value``): group 2, the title.
BOXED_TITLE = re.compile(r"^([=*#~-])\1{9,}[ \t]*\n([^\s=*#~-][^\n]*)\n\1{10,}[ \t]*$", re.M)
#: A plan's step, indented under what it changes, marked ``+`` add, ``-`` remove, ``~`` alter
#: (Django's ``makemigrations``: ``    ~ Alter field name on tag``; Terraform's ``  ~ update
#: in-place``): each is a change to make or review, not a repeat of the one above it. Read only
#: in a text with a ``~`` step: a list of ``- Added x`` bullets is prose.
PLAN_STEP = re.compile(r"^[ \t]+[+~-] [A-Z][a-z]+ [^\n]*", re.M)
#: Steps kept, at most.
PLAN_STEPS = 50


#: Lines under a boxed title's closing rule where a failure makes it the title of that failure.
BOXED_REACH = 3
#: A failure's words, on a line under a boxed title (``unable to insert``, ``too many failures``).
_FAILURE_WORDS = re.compile(r"(?i)(?<![\w-])(?:errors?|fail(?:ed|ures?|s)?|unable|cannot|invalid|exception|abort(?:ed)?"
                            r"|panic(?:ked)?|assert(?:ion)?)(?![\w-])")


def _boxed_titles(text: str) -> list[int]:
    """The starts of the :data:`BOXED_TITLE` titles naming something (:data:`_NAMING`) with a
    failure (:data:`_FAILURE_WORDS`) among the :data:`BOXED_REACH` lines under the box: which
    test, file or step failed (not every passing test case of a runner that boxes each one)."""
    out: list[int] = []
    for m in BOXED_TITLE.finditer(text):
        if not _NAMING.search(m.group(2)):
            continue
        end = m.end()
        for _ in range(BOXED_REACH):
            nxt = text.find("\n", end + 1)
            end = len(text) if nxt < 0 else nxt
        if _FAILURE_WORDS.search(text, m.end(), end):
            out.append(m.start(2))
    return out


#: Characters a task's banner may lie above its failure (its diff, its error's origin and source).
TASK_BANNER_REACH = 4000


def _task_banners(text: str, errors: Sequence[int]) -> list[int]:
    """The starts of the banner lines (:data:`TASK_BANNER`, :data:`FENCED_BANNER`) nearest above
    each critical line ``errors``."""
    starts = sorted([m.start() for m in TASK_BANNER.finditer(text)]
                    + [m.start() for m in FENCED_BANNER.finditer(text) if _NAMING.search(m.group(2))])
    out: set[int] = set()
    for e in errors:
        k = bisect.bisect_right(starts, e) - 1
        if k >= 0 and e - starts[k] <= TASK_BANNER_REACH:
            out.add(starts[k])
    return sorted(out)


#: A row of gdb's ``info registers`` (``rax            0x55555558fd32      93824992476466``).
REGISTER_ROW = re.compile(r"^([a-z][a-z0-9]{1,5})[ \t]+0x[0-9a-f]+[ \t]+\S", re.M)
#: The instruction gdb stopped at (``=> 0x55555555bade <deflate_slow+254>:\tmovzwl (%rdx),%edx``).
CURRENT_INSTRUCTION = re.compile(r"^=> 0x[0-9a-f]+(?: <[^>\n]*>)?:[^\n]*", re.M)
#: Registers that say where the program was, whatever the instruction: its counter, its stack.
POINTER_REGISTERS = frozenset("rip rsp rbp eip esp ebp pc sp fp lr".split())
REGISTER_ROWS_MIN = 8


def _register_rows(text: str) -> list[int]:
    """The starts of the rows of a register dump (:data:`REGISTER_ROW`, REGISTER_ROWS_MIN of them
    at least) that an agent reads a crash by: the registers the current instruction names
    (``movzwl (%rdx),%edx``: rdx held the bad address) and the program counter and stack
    registers; the rest (segment and mask registers, flags) are the machine's, not the bug's."""
    rows = list(REGISTER_ROW.finditer(text))
    if len(rows) < REGISTER_ROWS_MIN:
        return []
    named = set(POINTER_REGISTERS)
    for m in CURRENT_INSTRUCTION.finditer(text):
        named |= set(re.findall(r"%([a-z][a-z0-9]{1,5})", m.group(0)))
    return [m.start() for m in rows if m.group(1) in named]


#: pytest's heading over one failure (``____ TestClassSchema.test_union_list ____``).
PYTEST_FAILURE = re.compile(r"^_{3,} \S[^\n]*? _{3,}[ \t]*$", re.M)
#: A frame's place in pytest's traceback (``tests/test_union.py:50: in test_list_union_object``,
#: or in the long form the last line of a frame, ``tests/test_x.py:12: AssertionError``).
PYTEST_PLACE = re.compile(r"^(?!\.\./|/)(?![^\n:]*(?:site|dist)-packages/)[\w./-]+\.py:\d+: \S", re.M)
PYTEST_FAILURES = 100


def _failure_places(text: str) -> list[int]:
    """The starts of the first frame place under each pytest failure heading that is not an
    installed package's: the test's own line that failed (``--tb=short`` prints it first; a
    model reading line by line may drop it among the library frames that follow)."""
    heads = [m.end() for _, m in zip(range(PYTEST_FAILURES), PYTEST_FAILURE.finditer(text))]
    out = []
    for a, b in zip(heads, heads[1:] + [len(text)]):
        m = PYTEST_PLACE.search(text, a, b)
        if m is not None:
            out.append(m.start())
    return out


def _headings_over(text: str) -> list[int]:
    """The starts of headings over a block whose first line names a problem: a line ending in a
    colon right above an indented critical line (pytest-benchmark's "Performance has
    regressed:" over its tab-indented "... has failed PercentageRegressionCheck" lines), never
    code. The block's lines say what failed; the heading says what it means."""
    out: list[int] = []
    for m in _HEADING_OVER.finditer(text):
        if is_critical_line(m.group(1)) and not _CODE_HEAD.match(m.group(0)):
            out.append(m.start())
            if len(out) >= HEADINGS_OVER:
                break
    return out


#: Lines above a located line that may head its record.
RECORD_HEADING_REACH = 3


#: A diff printed with line numbers (deno fmt --check, dprint check): ``16 | -* [Package list]`` over
#: ``16 | +- [Package list]``. Each changed line stays, as a diff's ``+``/``-`` lines do (the first
#: NUMBERED_CHANGES), with the heading of its block (``from /src/proj/README.md:``).
NUMBERED_CHANGE = re.compile(r"^[ \t]*\d+ ?\| ?([-+])", re.M)  # group 1: the sign
NUMBERED_CHANGES = 400


def _numbered_changes(text: str, line_starts: np.ndarray) -> list[int]:
    """Offsets of a numbered diff's changed lines and of each block's heading (none unless the
    text has both removed and added lines so numbered)."""
    changes = [m for _, m in zip(range(NUMBERED_CHANGES), NUMBERED_CHANGE.finditer(text))]
    if not {"-", "+"} <= {m.group(1) for m in changes}:
        return []
    found = [m.start() for m in changes]
    rows = words_to_lines(np.asarray(found, dtype=np.int64), line_starts).tolist()
    lines = _line_view(text, line_starts)
    heads = [int(line_starts[h]) for k, prev in zip(rows, [-2] + rows[:-1]) if k != prev + 1
             for h in _record_heading(lines, k)]
    return found + heads


def _changed_lines(text: str, starts: np.ndarray, blank_lead: bool = False) -> list[int]:
    """Offsets of the ``+``/``-`` lines of an assertion's diff, read from the line starts under
    its header (``starts``) to the first blank line; ``blank_lead``: blank lines before the diff's
    first line (Deno prints two under ``[Diff] Actual / Expected``) do not end it."""
    out: list[int] = []
    started = not blank_lead
    for start in starts:
        if text[start] == "\n":
            if started:
                break  # a blank line ends the diff
            continue
        started = True
        if text[start] in "+-":
            out.append(int(start))
    return out


def block_heading(text: str, line_starts: np.ndarray, line_ends: np.ndarray, k: int) -> int | None:
    """The line heading an indented line ``k``'s block: the nearest non-blank line above it,
    at most :data:`BLOCK_HEADING_REACH` lines up, that is indented less (``None`` for a line
    not indented, or none found)."""
    own = indent_width(text[line_starts[k]:line_ends[k]])
    if not own:
        return None
    for j in range(k - 1, max(-1, k - 1 - BLOCK_HEADING_REACH), -1):
        line = text[line_starts[j]:line_ends[j]]
        if line.strip() and indent_width(line) < own:
            return j
    return None


#: A line that only rules records apart (salt's ``----------`` between the states it ran).
RECORD_RULER = re.compile(r"^[ \t]*([-=*~_#])\1{4,}[ \t]*$", re.M)
#: Ruled records need this many rulers (a table's rule under its header is one), and a record's
#: first line is at most RULED_RECORD_REACH lines above the critical line it holds (a record may
#: quote a whole traceback); the first RULED_RECORD_LINES critical lines are looked at.
RULED_RECORDS_MIN = 3
RULED_RECORD_REACH = 120
RULED_RECORD_LINES = 200


#: A word holding a digit, masked when negations are compared across records.
_NUMBERED_WORD = re.compile(r"\S*\d\S*")


def ruled_record_headings(text: str, line_starts: np.ndarray, rows: np.ndarray) -> list[int]:
    """The first line of each ruled record that holds one of the critical lines ``rows``, or a
    negation said in at most two records (salt's ``ID: users_buser_id_rsa_key`` over ``Comment:
    Source file salt://path_to_PRIVATEKEY not found``): which record failed. (A negation every
    other record repeats, salt's ``No changes made`` under ``test=True``, names no failure; words
    holding a digit are masked in the comparison.)"""
    if "\n" not in text:
        return []
    rulers = [m.start() for _, m in zip(range(100_000), RECORD_RULER.finditer(text))]
    if len(rulers) < RULED_RECORDS_MIN:
        return []
    ruled = (np.searchsorted(line_starts, np.asarray(rulers, dtype=np.int64), side="right") - 1).tolist()
    lines = _line_view(text, line_starts)
    said: dict[str, list[int]] = {}
    for i in range(ruled[0] + 1, min(len(line_starts), ruled[-1] + RULED_RECORD_REACH, ruled[0] + 50_000)):
        if has_polarity(line := lines[i]):
            said.setdefault(_NUMBERED_WORD.sub("#", line.strip()), []).append(i)
    negations = [i for at in said.values() if len(at) <= 2 for i in at]
    out: list[int] = []
    for k in sorted(set(rows[:RULED_RECORD_LINES].tolist()) | set(negations[:RULED_RECORD_LINES])):
        r = bisect.bisect_left(ruled, k) - 1
        if r < 0 or k - ruled[r] > RULED_RECORD_REACH:
            continue
        j = ruled[r] + 1
        while j < k and not lines[j].strip():
            j += 1
        if j < k:
            out.append(j)
    return out


def _record_heading(lines: Sequence[str], k: int) -> list[int]:
    """The lines heading the record that located line ``k`` belongs to, when the record starts
    after a blank line at most :data:`RECORD_HEADING_REACH` lines above it: pofilter's
    ``# (pofilter) printf: Added printf variable: %(dossier)s`` over ``#: builders/manpage.py:37``,
    the finding over its place."""
    for j in range(k - 1, max(-1, k - 1 - RECORD_HEADING_REACH), -1):
        if not lines[j].strip():
            return list(range(j + 1, k))
    return []  # (the text's first lines are no record's heading: a blank line opens a record)


#: A diff's line that is neither a hunk's (' ', '+', '-', '\\') nor a header's: the tool speaking.
_OUTSIDE_HUNK = re.compile(r"^(?![ +\-\\@]|diff |index |Binary files |similarity |rename |new file |deleted file |old mode |new mode )\S")


#: A diagnostic whose next line is an indented labelled line (bison's ``parser.y: warning: shift/reduce
#: conflict ...`` over ``  Example: Expr "%=" Expr • "or" Expr``): that line says what it is about.
_DIAG_UNDER = re.compile(r"^[^\s:]+(?::[\d.,-]+)*: (?:fatal )?(?:warning|error): ([^\n]*)\n(?=[ \t]+[A-Za-z][\w -]{0,30}: \S)", re.M)


def guard_line_indices(text: str, line_starts: np.ndarray, domain: str | None = None) -> np.ndarray:
    """Indices of the lines of ``text`` the guard keeps whole: those that name an error,
    signal or exit status (the :data:`CRITICAL` pattern; polarity words alone do not count),
    the first :data:`WARNINGS_PER_KIND` compiler warnings of each kind (:data:`COMPILER_WARNING`), a linter's findings
    (:data:`LINT_FINDING`, the first :data:`FINDINGS_PER_RULE` of each rule), every commit's
    hash and subject in a git log (and in a diff its ``--stat``, :data:`COMMIT_STAT`), the
    commits a git am, cherry-pick or bisect went through (:data:`GIT_STEP`),
    rustc's note naming a denied lint (:data:`LINT_LEVEL`), a line naming its place as ``path line
    N`` (:data:`LOCATED_LINE`), a checker's caret label (:data:`CARET_LABEL`),
    test-session headers (:data:`SESSION_HEADER`), a tool's suggested fix (:data:`SUGGESTION`),
    in a test run an assertion's expected/actual diff (:data:`ASSERTION_DIFF`), its compared
    values (:data:`ASSERTION_VALUE`) and a failure's numbered heading (:data:`FAILURE_HEADING`)
    and, in a diff, every changed line and
    hunk header (:data:`DIFF_CHANGE`: unchanged context is what may go), found in one pass
    per pattern; and around them an error's neighbours naming its file
    (:func:`_same_file_neighbours`), a heading over failed lines (:func:`_headings_over`), a
    located record's heading (:func:`_record_heading`), IPython's cell frame
    (:data:`IPYTHON_CELL`). (Every match starts on the line it names.)"""
    hits = [m.start() for m in _CRITICAL_IN_TEXT.finditer(text)]
    n_errors = len(hits)  # the CRITICAL lines come first in ``found`` below
    if "/" in text:
        hits += _same_file_neighbours(text, line_starts, hits)
    hits += _aligned_continuations(text, line_starts, hits[:n_errors])
    if "Error: " in text or "Exception: " in text:
        hits += _message_siblings(text)
    if " {\n  " in text:
        hits += _node_error_fields(text)
    if "Cell In[" in text:
        # IPython's traceback (a notebook's failing cell): the cell's frame, "Cell In[6], line 13",
        # is the notebook's own code, and its "---> 13 u, v, w = ..." the line that raised.
        for _, m in zip(range(IPYTHON_CELLS), IPYTHON_CELL.finditer(text)):
            hits.append(m.start())
            cell_end = text.find("\n\n", m.end())  # the cell's listing ends at a blank line
            if (arrow := IPYTHON_ARROW.search(text, m.end(), cell_end if cell_end >= 0 else len(text))):
                hits.append(arrow.start())
    if ":\n" in text:
        hits += _headings_over(text)
        hits += _function_contexts(text)
    if ": warning:" in text:
        def kind(m: re.Match[str]) -> str:
            flag = _WARNING_FLAG.search(m.group(1))
            return flag.group(0) if flag else _QUOTED.sub("''", m.group(1))

        warnings = _first_per_key(COMPILER_WARNING.finditer(text), kind, WARNINGS_PER_KIND)
        hits += warnings
        # A warning saying only its flag (ghc's ``warning: [GHC-66111] [-Wunused-imports]``)
        # says its message on the line under it.
        hits += _lines_under(COMPILER_WARNING, text, warnings, lambda m: _TAGS_ONLY.fullmatch(m.group(1).strip()))
    if ": warning:" in text or ": error:" in text:
        diagnostics = list(_DIAG_UNDER.finditer(text))
        firsts = set(_first_per_key(diagnostics, lambda m: _QUOTED.sub("''", m.group(1)), WARNINGS_PER_KIND))
        hits += [m.end() for m in diagnostics if m.start() in firsts]
    # A linter's findings: each is a thing to fix at its own place (a compiler's repeated
    # warnings are one kind, a few kept; forty E501 findings are forty lines to wrap), up to
    # FINDINGS_PER_RULE of each rule.
    findings = _first_per_key(LINT_FINDING.finditer(text), lambda m: next(g for g in m.groups() if g), FINDINGS_PER_RULE)
    hits += findings
    if domain != "grep":  # (a search's ``path:N:N:`` hits are GREP_HIT's)
        hits += _first_per_key(PLACED_FINDING.finditer(text), lambda m: _finding_kind(m.group(1)), FINDINGS_PER_RULE)
    if " - " in text:  # prospector's finding ends in its tool and rule: its message is the line under it
        hits += _lines_under(LINT_FINDING, text, findings, lambda m: m.group("prospector"))
    if "commit " in text:
        # git log: every commit is an event; its hash line and its subject stay.
        commits = list(GIT_COMMIT.finditer(text))
        for m in commits:
            hits += [m.start(), m.start(1)]
        if commits and domain == "diff":  # stats after the first commit header
            hits += [m.start() for m in COMMIT_STAT.finditer(text, commits[0].start())]
    if "Applying: " in text or "] " in text or "Rebasing (" in text:
        steps = list(GIT_STEP.finditer(text))
        hits += [m.start() for i, m in enumerate(steps) if m.group("bisect") or i >= len(steps) - 2]
    if "Fatal Python error:" in text or "(most recent call first):" in text:
        # faulthandler's dump (a crash's, or ``dump_traceback_later``'s "Timeout (0:00:05)!"): the
        # line printed just before the crash (the test that was running) and each thread, by its
        # id, with its innermost frame, listed first ("most recent call first").
        for m in FAULTHANDLER.finditer(text):
            hits += [m.start(m.lastindex)] if m.lastindex and m.group(m.lastindex) else []
            hits += [m.start()] if m.lastindex == 2 else []
        # Each timed-out test's line (a hang repeating its dump keeps its first FINDINGS_PER_RULE).
        hits += [m.start() for _, m in zip(range(FINDINGS_PER_RULE), FAULTHANDLER_TIMEOUT.finditer(text))]
    if "] ***" in text or "== " in text or "-- " in text:
        hits += _task_banners(text, hits[:n_errors])
    if "0x" in text:
        hits += _register_rows(text)
    if "the lint level is defined here" in text:
        for m in LINT_LEVEL.finditer(text):
            hits += [m.start(), text.find("\n", m.start()) + 1, m.start(1)]
    if domain == "test" and "+++ " in text:
        for m in ASSERTION_DIFF.finditer(text):
            k = int(np.searchsorted(line_starts, m.start(), side="right")) - 1  # the --- Expected line
            hits += [m.start(), int(line_starts[k + 1])]  # and +++ Actual
            hits += _changed_lines(text, line_starts[k + 2 : k + 2 + ASSERTION_DIFF_LINES])
    if "[Diff] Actual / Expected" in text:
        # Deno's std/assert: the changed lines of the diff under ``[Diff] Actual / Expected``
        # (after the blank lines under it, to the next blank line; context lines between).
        for _, m in zip(range(ASSERTION_VALUES), DENO_DIFF.finditer(text)):
            k = int(np.searchsorted(line_starts, m.start(), side="right"))
            hits += _changed_lines(text, line_starts[k : k + DENO_DIFF_LINES], blank_lead=True)
    if domain == "grep":
        # A search's matches are its answer (ack's, ag's, rg's ``path:N:text``): the first
        # GREP_HITS stay; the context lines around them (``path-N-``) are the model's.
        hits += [m.start() for _, m in zip(range(GREP_HITS), GREP_HIT.finditer(text))]
    if "==    at 0x" in text:
        # valgrind's record heading, right above its stack's innermost frame (which CRITICAL
        # keeps): what the record is (``Open file descriptor 13: long_line.ini``).
        hits += [m.start() for _, m in zip(range(VALGRIND_HEADINGS), VALGRIND_HEADING.finditer(text))]
    if "── " in text and "@@ " in text:
        hits += [m.start() for _, m in zip(range(COMPARISON_HEADINGS), COMPARISON_HEADING.finditer(text))]
    if " line " in text:
        hits += [m.start() for _, m in zip(range(FINDINGS_PER_RULE), LOCATED_LINE.finditer(text))]
    if "^^ " in text:
        hits += [m.start() for m in CARET_LABEL.finditer(text)]
    if "uggestion" in text or "int:" in text or "you mean" in text or "you meant" in text:
        hits += [m.start() for m in SUGGESTION.finditer(text)]
    if "# " in text:
        hits += [m.start() for _, m in zip(range(ASSERTION_VALUES), TAP_DIAGNOSTIC.finditer(text))]
    # Not behind "# ": ``ok 5 #SKIP`` needs no space after its hash.
    if "ok " in text and "#" in text:
        hits += [m.start() for _, m in zip(range(TAP_DIRECTIVES), TAP_DIRECTIVE.finditer(text))]
    if "not ok" in text and "\n#" in text:
        for _, m in zip(range(ASSERTION_VALUES), TAP_FAILURE.finditer(text)):
            hits += _lines_from(text, m.end(), _TAP_COMMENT, TAP_FAILURE_LINES)
    if "is NOT correct!" in text:
        for _, m in zip(range(ASSERTION_VALUES), DOCTEST_CHECK.finditer(text)):
            hits += [m.start(g) for g in (1, 2) if m.group(g)]
    if domain == "test":
        hits += [m.start() for _, m in zip(range(ASSERTION_VALUES), ASSERTION_VALUE.finditer(text))]
        if "\nE  " in text:
            explained = words_to_lines(np.asarray([m.start() for m in PYTEST_EXPLANATION.finditer(text)],
                                                  dtype=np.int64), line_starts)
            chosen: list[int] = []
            prev = nth = -2
            for k in explained.tolist():
                nth = nth + 1 if k - prev <= 2 else 0  # one block: E lines, a blank ``E`` between
                prev = k
                if nth < EXPLANATION_LINES and len(chosen) < ASSERTION_VALUES:
                    chosen.append(int(line_starts[k]))
            hits += chosen
        if "____ " in text:
            hits += _failure_places(text)
        if "---- Result " in text:
            hits += [m.end() for _, m in zip(range(ASSERTION_VALUES), ASSERTION_VALUE_BELOW.finditer(text))]
        if ": |" in text or ": >" in text:
            for _, m in zip(range(ASSERTION_VALUES), YAML_BLOCK_VALUE.finditer(text)):
                hits += _indented_under(text, m.end(), deeper_than=len(m.group(1)))
        for m in FAILURE_HEADING.finditer(text):
            k = int(np.searchsorted(line_starts, m.start(), side="right"))  # the line after the heading
            end = int(line_starts[k + HEADING_REACH]) if k + HEADING_REACH < len(line_starts) else len(text)
            blank = text.find("\n\n", m.start(), end)  # the heading's block ends at a blank line
            end = end if blank < 0 else blank
            if k < len(line_starts) and _CRITICAL_IN_TEXT.search(text, int(line_starts[k]), end):
                hits.append(m.start())
    if "| -" in text and "| +" in text:
        hits += _numbered_changes(text, line_starts)
    if "Failed example:\n" in text:
        for _, m in zip(range(ASSERTION_VALUES), DOCTEST_PART.finditer(text)):
            hits += _indented_under(text, m.end())
    if ":\n" in text and ("xpected" in text or "ot:" in text or "ctual" in text or "eceived" in text):
        for _, m in zip(range(ASSERTION_VALUES), VALUE_HEADING.finditer(text)):
            # The heading with its value: which side of the comparison it is.
            hits += [m.start()] + _lines_from(text, m.end(), _VALUE_LINE, DOCTEST_LINES, _deeper_than(len(m.group(1))))
    if "Passed in:\n" in text:
        hits += [p for _, m in zip(range(ASSERTION_VALUES), LUASSERT_VALUE.finditer(text)) for p in (m.start(), m.start(1))]
    if domain != "test" and "xpected" in text:
        # Outside what reads as a test run (a runner printing ``[fail] line:67`` records), an
        # expected value with the value got on the line right under it is an assertion's all the same.
        values = [m for _, m in zip(range(ASSERTION_VALUES), ASSERTION_VALUE.finditer(text))]
        for a, b in zip(values, values[1:]):
            if "xpected" in a.group(0) and "xpected" not in b.group(0) and text.count("\n", a.start(), b.start()) == 1:
                hits += [a.start(), b.start()]
    if " in " in text:
        timed = [m.start() for m in TIMED_SUMMARY.finditer(text)]
        hits += timed[:TIMED_SUMMARIES] + timed[-1:]
    if "-----" in text or "=====" in text:
        by_table: dict[str, list[int]] = {}  # a table is known by its rule line
        for m in itertools.chain(TOTAL_ROW.finditer(text), GRID_LAST_ROW.finditer(text) if "+-" in text else ()):
            by_table.setdefault(m.group(0).split("\n", 1)[0].strip(), []).append(m.start(1))
        for totals in by_table.values():
            hits += totals[:TIMED_SUMMARIES] + totals[-1:]
    lines = _line_view(text, line_starts)
    if domain is not None and domain not in ("tree", "grep", "test") and "." in text:
        located = np.unique(words_to_lines(np.asarray([m.start() for m in LOCATED.finditer(text)], dtype=np.int64),
                                           line_starts))
        if domain == "diff":
            # In a diff only the tool's own lines between its patches (spatch's ``src/mod_ssi.c:86:19-23:
            # use of 'hctx' after free() at line 85``), not a hunk's lines of code or its headers.
            located = np.asarray([k for k in located if _OUTSIDE_HUNK.match(lines[k])], dtype=np.int64)
        seen: Counter[str] = Counter()
        for k in located:
            if domain in ("crash", "traceback") and _STACK_FRAME.match(lines[k]):
                continue  # a stack's frames are its own guard's (a recursion is one place again and again)
            key = _PLACE_OR_VALUE.sub("<*>", lines[k])
            if seen[key] < LOCATED_PER_KIND:
                seen[key] += 1
                hits.append(int(line_starts[k]))
                hits += [int(line_starts[h]) for h in _record_heading(lines, int(k))]
    if "</" in text or "/>" in text:
        hits += _xml_findings(text, line_starts, lines)
    if ":\n" in text:  # (in a diff only a prefixed list: its last hunk is code under ``@@ ... def f():``)
        hits += [int(line_starts[k]) for k in closing_list_indices(lines, prefixed_only=domain == "diff")]
    if "rootdir: " in text or " -- Python " in text:
        hits += [m.start() for m in SESSION_HEADER.finditer(text)]
    if domain == "diff":
        hits += [m.start() for m in DIFF_CHANGE.finditer(text)]
        if "[-" in text or "{+" in text:
            hits += _word_diff_lines(text)
    if "~ " in text and domain != "diff":
        steps = [m for _, m in zip(range(PLAN_STEPS), PLAN_STEP.finditer(text))]
        if any(m.group(0).lstrip().startswith("~") for m in steps):
            hits += [m.start() for m in steps]
    if any(c * 10 + "\n" in text for c in "=*#~-"):
        hits += _boxed_titles(text)
    found = np.searchsorted(line_starts, np.asarray(hits, dtype=np.int64), side="right") - 1
    if "^" in text and domain != "diff" and n_errors:
        found = np.append(found, np.asarray(caret_code_indices(lines, np.unique(found[:n_errors])), dtype=np.int64))
    if domain == "diff" and "@@ " in text:
        found = np.append(found, np.asarray(diff_preamble_indices(lines), dtype=np.int64))
    if domain in OUTLIER_DOMAINS and len(line_starts) >= OUTLIER_MIN_LINES:
        found = np.append(found, outlier_line_indices(lines))
        found = np.append(found, np.asarray(incomplete_record_indices(lines), dtype=np.int64))
    return np.unique(found)


#: A list closing an output under its heading stays, its first CLOSING_LIST_ITEMS items: 2to3's
#: ``RefactoringTool: Files that need to be modified:`` over one file per line, then its error.
#: The output's last word on what it did; as a run of one template the frame would collapse it.
CLOSING_LIST_ITEMS = 40
#: Lines with words after the list, at most: it closes the output (a count, an error, a verdict).
CLOSING_TAIL = 8
#: How far from the end its heading may be, in lines with words.
CLOSING_REACH = 400
#: Outputs shorter than this (lines with words) have no closing list: nothing long to collapse it.
CLOSING_MIN_LINES = 30
_BULLET = re.compile(r"^\s*(?:[-*•+]|\d+[.)])\s+\S")
_OPTION_LINE = re.compile(r"^\s*--?[A-Za-z]")


def closing_list_indices(lines: Sequence[str], prefixed_only: bool = False) -> list[int]:
    """The heading and the first :data:`CLOSING_LIST_ITEMS` items of a list that closes the
    text: a line ending in a colon (not code), then at least three items (lines with the
    heading's ``prefix: `` when it has one, else indented deeper or bulleted), then at most
    :data:`CLOSING_TAIL` lines with words. ``[]`` when the text ends otherwise.
    ``prefixed_only``: only a list whose heading has a ``prefix: `` (2to3's ``RefactoringTool: ``)."""
    filled = [i for i in range(len(lines)) if lines[i].strip()]
    if len(filled) < CLOSING_MIN_LINES:
        return []  # a short output's lines are the model's and the other rules'
    for pos in range(len(filled) - 2, max(-1, len(filled) - 2 - CLOSING_REACH), -1):
        h = filled[pos]
        head = lines[h].rstrip()
        if not head.endswith(":") or _CODE_HEAD.match(head):
            continue
        inner = head[:-1].find(": ")
        prefix = head[: inner + 2] if inner > 0 else ""
        if prefixed_only and not prefix:
            continue
        depth = indent_width(head)
        items: list[int] = []
        for k in filled[pos + 1:]:
            line = lines[k]
            if k != (items[-1] if items else h) + 1:
                break  # a blank line ends the list
            if prefix:
                ok = line.startswith(prefix) and not line.rstrip().endswith(":")
            else:
                ok = indent_width(line) > depth or bool(_BULLET.match(line))
            if not ok:
                break
            items.append(k)
        if any(_STACK_FRAME.match(lines[k]) for k in items):
            continue  # a traceback's frames under "Traceback (most recent call last):": its own guard's
        if sum(1 for k in items if _OPTION_LINE.match(lines[k])) >= 2:
            continue  # a --help's last section of options: a reference, not what the program did
        if len(items) >= 3 and len(filled) - (pos + 1 + len(items)) <= CLOSING_TAIL:
            return [h, *items[:CLOSING_LIST_ITEMS]]
    return []


def incomplete_record_indices(lines: Sequence[str]) -> list[int]:
    """Lines of records missing a field nearly all their siblings have (see
    :data:`INCOMPLETE_MIN_RECORDS`)."""
    head = records(lines, by_lead=False)
    body: dict[int, list[int]] = {}
    for i, h in enumerate(head.tolist()):
        if h >= 0:
            body.setdefault(h, []).append(i)
    kinds: dict[str, list[int]] = {}
    for h, rows in body.items():
        if len(rows) >= 3:
            kinds.setdefault(masked(lines[h]), []).append(h)
    out: list[int] = []
    for heads in kinds.values():
        if len(heads) < INCOMPLETE_MIN_RECORDS:
            continue
        fields = {h: {_field(lines[i]) for i in body[h][1:]} for h in heads}
        have = Counter(f for fs in fields.values() for f in fs)
        common = {f for f, c in have.items() if c >= INCOMPLETE_COMMON_SHARE * len(heads)}
        lacking = [h for h in heads if common - fields[h]]
        if len(lacking) <= OUTLIER_MAX_SHARE * len(heads):
            out += [i for h in lacking for i in body[h][:INCOMPLETE_RECORD_LINES]]
    return out


#: A line holding only a caret (and its gutter) under the code a checker points at: Nix's
#: ``             |         ^``, gcc's ``      |   ^~~~``.
CARET_ONLY = re.compile(r"^[ \t]*(?:\d+[ \t]*)?\|?[ \t]*\^[~^-]*[ \t]*$")
#: Lines looked at under an error for the code its caret points at, and errors looked at.
CARET_REACH, CARET_ERRORS = 8, 20


def caret_code_indices(lines: Sequence[str], errors: np.ndarray) -> list[int]:
    """For each of the first :data:`CARET_ERRORS` error lines, the code line a caret under it
    points at (within :data:`CARET_REACH` lines): where the error is, in the program's own
    words (Nix's ``693|   substring 0 (sLen - sufLen) suffix str``)."""
    out: list[int] = []
    for e in errors.tolist()[:CARET_ERRORS]:
        for c in range(e + 2, min(e + 1 + CARET_REACH, len(lines))):
            if CARET_ONLY.match(lines[c]):
                if lines[c - 1].strip():  # (c - 1 > e: the search starts two lines under it)
                    out.append(c - 1)  # (the bare caret itself says nothing; a short run, it is restored)
                break
    return out


def record_mates(lines: Sequence[str], kept: np.ndarray) -> np.ndarray:
    """Lines of the field records (blocks of ``Key: value`` lines between blank lines,
    brakeman's warnings, ``pip show``) that have a kept line: the record stays whole, its
    ``Code:`` and ``Category:`` with its ``File:`` and ``Line:``."""
    out = np.zeros(len(lines), dtype=bool)
    i, n = 0, len(lines)
    while i < n:
        if not lines[i].strip():
            i += 1
            continue
        j = i
        while j < n and lines[j].strip():
            j += 1
        size = j - i
        if RECORD_MIN_LINES <= size <= RECORD_MAX_LINES and kept[i:j].any() and not kept[i:j].all():
            fields = sum(1 for k in range(i, j) if _RECORD_FIELD.match(lines[k]))
            if fields >= RECORD_FIELD_SHARE * size:
                out[i:j] = True
        i = j
    return out


def _field(line: str) -> str:
    m = _FIELD_NAME.match(line)
    return m.group(1) if m else masked(line)


def outlier_line_indices(lines: Sequence[str]) -> np.ndarray:
    """Lines whose template occurs once in a repetitive output (see :data:`OUTLIER_DOMAINS`);
    none when the output is short, not repetitive, or full of one-off lines."""
    nonblank = sum(1 for line in lines if line.strip())
    if nonblank < OUTLIER_MIN_LINES:
        return np.zeros(0, dtype=np.int64)
    lt = mine(lines)
    template = lt.template
    mined = template >= 0
    per = np.zeros(len(template), dtype=np.int64)
    per[mined] = np.bincount(template[mined])[template[mined]]
    once = mined & (per == 1)
    if (per[mined] >= 3).mean() >= OUTLIER_REPEATED_SHARE and once.sum() <= OUTLIER_MAX_SHARE * mined.sum():
        return np.flatnonzero(once)
    # Drain routes a line by its first tokens: a listing of paths with a status after each
    # (``./docs/a.md.bz2: ok``) gives every line its own template. Its shape, with the paths
    # masked, tells the few that say something else (``file ends unexpectedly``).
    shape = [_PATHISH.sub("<P>", m) if m else "" for m in lt.masked]
    counts = Counter(shape[i] for i in np.flatnonzero(mined))
    if not counts or counts.most_common(1)[0][1] < OUTLIER_REPEATED_SHARE * mined.sum():
        return np.zeros(0, dtype=np.int64)
    rare = max(1.0, OUTLIER_RARE_SHARE * mined.sum())
    once = mined & np.array([counts[sh] <= rare for sh in shape])
    if once.sum() > OUTLIER_MAX_SHARE * mined.sum():
        return np.zeros(0, dtype=np.int64)
    return np.flatnonzero(once)


#: A Python traceback frame header: ``  File "/app/x.py", line 46, in handle``.
FRAME = re.compile(r'^\s*File "[^"]*", line \d+')
#: Where Python's own frames live (frozen bootstrap, the standard library, installed packages).
PY_RUNTIME_PATH = re.compile(r'File "(?:<frozen |[^"]*/(?:lib/python[\d.]*|site-packages|dist-packages)/)')


def frame_guard(lines: Sequence[str], keep: np.ndarray) -> np.ndarray:
    """Lines of Python traceback frames the guard adds to the kept ``lines``.

    A frame is its ``File "...", line N`` header plus the indented lines under it (source,
    carets). A kept line of a frame brings its header (kept code is never left without the
    file and line it came from). In a traceback whose exception line (or heading, ``... (most
    recent call last)``) is kept, the innermost
    frame (where the error was raised) and every frame of the program's own code (not
    :data:`PY_RUNTIME_PATH`) are kept whole: the call path is what an agent debugs (real agent
    steps used a middle frame's code, Django's ``get_runner(settings, self.test_runner)``, where
    only the innermost and the tail were kept); the bootstrap's, the standard library's and
    installed packages' frames stay for the model to decide.
    """
    add = np.zeros(len(lines), dtype=bool)
    frames: list[tuple[int, int]] = []
    seen: set[tuple[str, ...]] = set()  # own frames already kept
    headed = False
    i = 0
    while i < len(lines):
        if not FRAME.match(lines[i]):
            i += 1
            continue
        indent = indent_width(lines[i])
        j = i + 1
        while j < len(lines) and not FRAME.match(lines[j]) and indent_width(lines[j]) > indent:
            j += 1
        # frame = lines[i:j]; lines[j] is the next frame, or the exception line when innermost
        if keep[i + 1 : j].any():
            add[i] = True
        if not frames:
            # The stack's own heading, kept: asyncio's "Coroutine created at (most recent call
            # last)" under a kept "coroutine ... was never awaited" warning says, as an exception
            # line does, that this call path is the problem's.
            headed = i > 0 and keep[i - 1] and "most recent call" in lines[i - 1]
        frames.append((i, j))
        if j >= len(lines) or not FRAME.match(lines[j]):  # the innermost frame; lines[j]: the exception
            if j < len(lines) and keep[j] and lines[j].strip() or headed:
                add[i:j] = True
                for a, b in frames:
                    frame = tuple(lines[a:b])
                    # A chained traceback ("During handling of the above exception") repeats
                    # its causes' frames: the first time each stays.
                    if frame not in seen and not PY_RUNTIME_PATH.search(lines[a]):
                        add[a:b] = True
                        seen.add(frame)
            frames = []
        i = j
    return add & ~keep


#: A native backtrace frame with a source location: gdb's ``#1  0x... in walk (n=3) at deep.c:12``,
#: a sanitizer's ``#3 0x... in parse_asset src/asset_io.c:16``, valgrind's ``by 0x...: f (x.c:9)``.
#: Group 1: the frame number (None for valgrind, whose ``at`` opens a stack); group 2: the file.
NATIVE_FRAME = re.compile(
    r"^\s*(?:#(\d+)\s+(?:0x[0-9a-fA-F]+\s+in\s+)?\S+.*?(?:\sat\s|\s)(\S+?):\d+(?::\d+)?\)?\s*$"
    r"|==\d+==\s+(?:at|by)\s+0x[0-9a-fA-F]+:\s+\S.*\((\S+?):\d+\))"
    # lldb's ``  * frame #0: 0x55... json_parse`f(jso=0x...) at json_object.c:1686:10``
    r"|^\s*(?:\*\s+)?frame\s+#(\d+):\s+0x[0-9a-fA-F]+\s+\S.*\sat\s(\S+?):\d+(?::\d+)?\s*$"
)
#: valgrind's innermost frame (``at``; its callers are ``by``), which opens each of its stacks.
VALGRIND_TOP = re.compile(r"^==\d+==\s+at 0x")
#: A native stack's own frames kept: the call path through the program (a recursion's repeated
#: frames are the stack frame's to collapse; this bounds a runaway one).
NATIVE_OWN_FRAMES = 16
#: lldb's frame in a shared library (``libc.so.6`__libc_start_main``).
_LLDB_LIBRARY = re.compile(r"frame\s+#\d+:\s+0x[0-9a-fA-F]+\s+[\w.+-]*(?:\.so\b|\.dylib\b)[\w.]*`")
#: Where a runtime's own frames live (the sanitizer, libc, the standard library): not the program's.
RUNTIME_PATH = re.compile(r"^(?:\.\./|/usr/|/lib|/build/|/rustc/|<)|sanitizer|sysdeps|glibc|nptl|libc[-_.]|/libstdc")


def native_frame_guard(lines: Sequence[str]) -> np.ndarray:
    """In each native backtrace (gdb, lldb, sanitizers, valgrind), the frames in the program's
    own code, :data:`NATIVE_OWN_FRAMES` at most: where an agent starts reading (the innermost
    frames are often the runtime's: ``printf_common`` in libsanitizer, ``__vfprintf_internal`` in
    glibc) and the call path it debugs, as a Python traceback's own frames (:func:`frame_guard`).
    Where a frame names only a file (valgrind's ``(fileops.c:744)``), whose it is is unknown: the
    first one alone; gdb's ``at file.c:N`` is a file it holds the source of, the program's."""
    add = np.zeros(len(lines), dtype=bool)
    own = 0  # the current stack's own frames kept
    for i, x in enumerate(lines):
        m = NATIVE_FRAME.match(x)
        if " at 0x" in x and VALGRIND_TOP.match(x):
            own = 0  # a new stack, though its innermost frame names no file (``malloc (in /usr/...so)``)
        if not m:
            continue
        if (m.group(1) or m.group(4)) == "0":
            own = 0  # a new stack
        path = m.group(2) or m.group(3) or m.group(5)
        if m.group(5):  # lldb names each frame's module: a shared library's is the runtime's
            runtime = _LLDB_LIBRARY.search(x) is not None
            known = True
        else:  # a bare file name (valgrind's ``(fileops.c:744)``) may be glibc's as well as the program's
            runtime = RUNTIME_PATH.search(path) is not None
            # (gdb's ``#1 0x... in f (x=0x0) at cJSON.c:260`` names a file it has the debug
            # source of: the program's own, built with -g; glibc's frames name ``./nptl/...``.)
            known = "/" in path or (m.group(1) is not None and f" at {path}:" in x)
        if not runtime and own < (NATIVE_OWN_FRAMES if known else 1):
            add[i] = True
            own += 1
    return add


#: A managed runtime's stack frame: JavaScript's ``at f (/app/x.js:9:8)``, Java's ``at a.B.c(B.java:12)``.
AT_FRAME = re.compile(r"^\s+at\s+\S")
#: Where a managed runtime's own frames live (Node's internals, the JDK): not the program's.
RUNTIME_AT = re.compile(r"\(?(?:node:|internal/)|\((?:native|<anonymous>)\)|at (?:java|javax|jdk|sun|kotlin|scala)\.")


def at_frame_guard(lines: Sequence[str]) -> np.ndarray:
    """In each ``at ...`` stack (JavaScript, Java), the top frame (where the error was thrown)
    and the first frame in the program's own code (not Node's internals or the JDK)."""
    add = np.zeros(len(lines), dtype=bool)
    in_stack = own = False
    for i, x in enumerate(lines):
        if not AT_FRAME.match(x):
            in_stack = False
            continue
        if not in_stack:
            add[i] = in_stack = True  # the top frame
            own = False
        if not own and not RUNTIME_AT.search(x):
            add[i] = own = True
    return add


_LINT_NOTE = re.compile(r"^\s*= note: `#\[(?:warn|deny|forbid)\(")
# clippy's link to a lint's page, in every block: its name as an #[allow] spells it.
_LINT_HELP = re.compile(r"^\s*= help: for further information visit \S+#(\w+)$")


#: Lines after a rule-only finding header that may hold its message and flagged code.
RULE_BLOCK_LINES = 8


#: shellcheck's heading over the code it flags: ``In deploy/ssh.sh line 389:``.
SHELLCHECK_PLACE = re.compile(r"In \S.{0,300}? line \d+:$")


def _report_file(line: str) -> bool:
    """A line that is only a file's path (``src/utils.js``; htmlhint's indented
    ``   /home/dev/30 - Whack A Mole/index.html``) or names a file and line (shellcheck's ``In
    x.sh line 9:``): a linter report's heading."""
    s = line.strip()
    if s.startswith("In ") and SHELLCHECK_PLACE.match(s):
        return True
    if not 0 < len(s) < 300 or ":" in s or "\t" in s or "." not in s.rsplit("/", 1)[-1]:
        return False
    return " " not in s and (line == s or "/" in s) or s.startswith(("/", "./", "~/"))


def location_guard(lines: Sequence[str], keep: np.ndarray) -> np.ndarray:
    """Lines that say where kept diagnostics are: a kept header's ``-->`` pointer (the next
    non-blank line), the note naming its lint (``= note: `#[warn(...)]```) and, in the first
    kept block of each clippy lint, the link that names it (``...#cast_possible_wrap``), and the file
    heading a kept ``  12:5  error ...`` finding. A finding without its file and line answers
    nothing."""
    add = np.zeros(len(lines), dtype=bool)
    heading = -1
    named: set[str] = set()  # lints whose name a kept block already shows
    for i, ln in enumerate(lines):
        if _report_file(ln):
            heading = i
            continue
        if not keep[i]:
            continue
        kind = lint_kind(ln)
        if kind is not None and ln.split()[1:] == [kind]:
            # A header naming only its rule (semgrep's "❯❱ rule-id"): its message is the block
            # under it, to a blank line, and the first line of the code it flags after that.
            k = i + 1
            while k < min(i + RULE_BLOCK_LINES, len(lines)) and lines[k].strip():
                add[k] = True
                k += 1
            while k < min(i + RULE_BLOCK_LINES, len(lines)) and not lines[k].strip():
                k += 1
            if k < len(lines) and lines[k].strip():
                add[k] = True
        elif kind is not None and ln.rstrip().endswith(":") and i + 1 < len(lines) and lines[i + 1][:1] in " \t":
            add[i + 1] = True  # a header ending in a colon: its message is on the indented line under it
        if heading >= 0 and kind is not None and ln[:1] in " \t":
            add[heading] = True
            if ln.lstrip().startswith(("^ ", "^-")) and i > 0:
                add[i - 1] = True  # a caret finding flags the code line above it (``L13 |  <div ...``)
        j = i + 1
        while j < len(lines) and j <= i + 2 and not lines[j].strip():  # esbuild: a blank line between
            j += 1
        if j < len(lines) and POINTER.match(lines[j]):
            add[j] = True
            # rustc names the lint of a warning's first occurrence in a note of its block:
            # "= note: `#[warn(unused_imports)]` on by default" (what an #[allow] needs).
            for k in range(j + 1, min(j + 40, len(lines))):
                if not lines[k].strip():
                    break
                if _LINT_NOTE.match(lines[k]):
                    add[k] = True
                elif (h := _LINT_HELP.match(lines[k])) and h.group(1) not in named:
                    named.add(h.group(1))  # the first block of each lint shows its name
                    add[k] = True
    return add & ~keep


#: Characters that draw a tree (npm ls, pnpm, cargo tree, ``tree``) before an entry's name.
_TREE_DRAW = frozenset(" \t│├└─┬┴┼┃┣┗━|`+\\-")
_TREE_BRANCH = re.compile(r"^[ \t│┃|]*(?:[├└┣┗]|[`+\\]-)")


def tree_ancestors(lines: Sequence[str], keep: np.ndarray) -> np.ndarray:
    """The entries a kept line of a drawn tree hangs from: its parent, the parent's parent, up
    to the root. ``✕ unmet peer eslint@^8.50.0`` deep in pnpm's tree says nothing without the
    package that asked for it."""
    add = np.zeros(len(lines), dtype=bool)
    if not keep.any():
        return add
    parent = np.full(len(lines), -1, dtype=np.int64)
    stack: list[tuple[int, int]] = []  # (depth, line) of the open entries above
    for i, line in enumerate(lines):
        if not line.strip():
            continue
        depth = next((k for k, ch in enumerate(line) if ch not in _TREE_DRAW), len(line))
        if not _TREE_BRANCH.match(line) and depth > 0:
            stack.clear()  # not a tree's entry: the tree (if any) ended
            continue
        while stack and stack[-1][0] >= depth:
            stack.pop()
        parent[i] = stack[-1][1] if stack else -1
        stack.append((depth, i))
    for i in np.flatnonzero(keep):
        j = parent[i]
        while j >= 0 and not add[j]:
            add[j] = True
            j = parent[j]
    return add & ~keep


#: A line that opens a block (``create table "vibetype"."event_app" (``, ``def parse():``, a YAML
#: key over its children): it ends in an opener.
OPENER_END = re.compile(r"[(\[{:]\s*$")
#: Kept indented lines looked at, and how far up each one's opening line may be.
OPENED_LINES = 2000
_WORDED = re.compile(r"[^\W\d_]")
OPENED_REACH = 100


def opened_blocks(lines: LineView, keep: np.ndarray) -> np.ndarray:
    """The lines opening the blocks that kept indented lines sit in, up to the outermost: the
    statement a kept column belongs to (migra's ``"created_by" uuid not null`` says nothing
    without its ``create table "vibetype"."event_app" (``), the key over a kept YAML value.
    Only a line that ends in an opener (:data:`OPENER_END`) and holds a word counts: a block's
    first line."""
    add = np.zeros(len(lines), dtype=bool)
    for i in np.flatnonzero(keep)[:OPENED_LINES].tolist():
        own = indent_width(lines[i])
        j = i - 1
        while own and j >= 0 and i - j <= OPENED_REACH:
            line = lines[j]
            if line.strip() and (width := indent_width(line)) <= own:
                if width == own:
                    if keep[j]:
                        break  # a kept sibling above: its own walk went up this same chain
                elif keep[j] or add[j] or OPENER_END.search(line) is None or not _WORDED.search(line):
                    break  # (a bare ``{`` names nothing)
                else:
                    add[j] = True
                    own = width
            j -= 1
    return add


#: strace's failed system call (``write(3, ...) = -1 EBADF (Bad file descriptor)``), and a frame
#: of the stack ``strace -k`` prints under each call (`` > /src/proj/example(gz_comp+0x1c6) [0x126e3]``;
#: group 1: the file).
FAILED_SYSCALL = re.compile(r"= -1 E[A-Z0-9]+\b")
SYSCALL_FRAME = re.compile(r"^ > (\S+?)\(")
#: Failed calls whose stacks are looked at, the first ones.
SYSCALL_STACKS = 50


def syscall_stack_guard(lines: Sequence[str], keep: np.ndarray) -> np.ndarray:
    """Under each kept failed system call of ``strace -k`` (the first :data:`SYSCALL_STACKS`),
    the frames of its stack in the program's own code (not libc's or the loader's), at most
    :data:`NATIVE_OWN_FRAMES`: which code made the call that failed."""
    add = np.zeros(len(lines), dtype=bool)
    seen = 0
    for i in np.flatnonzero(keep).tolist():
        if FAILED_SYSCALL.search(lines[i]) is None:
            continue
        seen += 1
        if seen > SYSCALL_STACKS:
            break
        own = 0
        j = i + 1
        while j < len(lines) and own < NATIVE_OWN_FRAMES and (m := SYSCALL_FRAME.match(lines[j])):
            if RUNTIME_PATH.search(m.group(1)) is None:
                add[j] = True
                own += 1
            j += 1
    return add


def backtrace_guard(lines: LineView, keep: np.ndarray) -> np.ndarray:
    """Lines of backtraces the guard adds to the kept ``lines``: Python frames
    (:func:`frame_guard`), a native backtrace's first own frame (:func:`native_frame_guard`) and
    a JavaScript or Java stack's top and first own frame (:func:`at_frame_guard`) and the
    location of kept diagnostics (:func:`location_guard`), each looked for only when the text
    holds its kind of line."""
    add = np.zeros(len(lines), dtype=bool)
    if 'File "' in lines.text:
        add |= frame_guard(lines, keep)
    if "#0 " in lines.text or " at 0x" in lines.text or "frame #0:" in lines.text:
        add |= native_frame_guard(lines)
    if " at " in lines.text or "\tat " in lines.text:
        add |= at_frame_guard(lines)
    # (esbuild's pointer has no "-->" and its report no rule: the pointer is looked for itself.)
    if "--> " in lines.text or POINTER.search(lines.text) or LINT_FINDING.search(lines.text):
        add |= location_guard(lines, keep)
    return add


def coverage_guard(lines: Sequence[str], keep: np.ndarray, floor: float | None = None,
                   novelty: float | None = None) -> np.ndarray:
    """Dropped lines to add so that the must-keep values of ``lines`` survive.

    Counts as :func:`must_keep_matches` does for the exact_keep metric (with repeats): a
    match survives when a kept line holds the same string. Dropped lines are taken in order
    of the match occurrences they uncover per word (ties: the earlier line), so the values an
    agent may need (ids, sizes, paths of otherwise identical lines) stay as real lines and
    the cheapest lines carrying them go first. A line is added while the kept lines cover
    less than ``floor`` of the text's matches, or while it uncovers at least ``novelty``
    occurrences per word (a line of new ids and numbers; a line repeating values already
    kept uncovers none). ``None`` or 0 turns either rule off.
    """
    add = np.zeros(len(lines), dtype=bool)
    if not floor and not novelty:
        return add
    # Values as small ints, each line's as a tuple of distinct ids: on a 10 MB log, per-line
    # sets of strings tripled what the whole compression adds to peak memory.
    index: dict[str, int] = {}
    occ: list[int] = []
    values: list[tuple[int, ...]] = []
    words: list[int] = []
    for x in lines:
        ids = []
        for m in must_keep_matches(x):
            j = index.setdefault(m, len(occ))
            if j == len(occ):
                occ.append(0)
            occ[j] += 1
            ids.append(j)
        values.append(tuple(dict.fromkeys(ids)))
        words.append(max(len(x.split()), 1))
    covered = bytearray(len(occ))
    for i in np.flatnonzero(keep):
        for j in values[i]:
            covered[j] = 1
    total = sum(occ)
    missing = sum(n for j, n in enumerate(occ) if not covered[j]) - (1.0 - (floor or 0.0)) * total
    rate_floor = novelty or float("inf")
    heap = [(-sum(occ[j] for j in values[i]) / words[i], i) for i in range(len(lines)) if not keep[i] and values[i]]
    heapq.heapify(heap)
    while heap and (missing > 0 or -heap[0][0] >= rate_floor):
        _, i = heapq.heappop(heap)
        gain = sum(occ[j] for j in values[i] if not covered[j])
        if gain == 0:
            continue
        if heap and (-gain / words[i], i) > heap[0]:
            heapq.heappush(heap, (-gain / words[i], i))  # stale priority: re-queue
            continue
        if missing <= 0 and gain / words[i] < rate_floor:
            break  # the best line left is below the novelty rate and the floor is met
        add[i] = True
        for j in values[i]:
            covered[j] = 1
        missing -= gain
    return add
