"""The labelling teachers: seed silver rule, domain rules (+ RuleCompressor), pair alignment."""

import json
import random
import time
from pathlib import Path

import numpy as np
import pytest

from kompress.data.schema import DataError
from kompress.decision.decide import HEAD_DOMAINS
from kompress.decision.mustkeep import must_keep_mask
from kompress.decision.guards import GREP_HIT, SESSION_HEADER, frame_guard, is_critical_line
from kompress.rendering.render import MARKER_RE, marker
from kompress.data.teachers import RuleCompressor, align_labels, read_pairs, rule_labels, silver_labels
from kompress.data.teachers.rules import TOKENS_PER_WORD, apply_rules, normalise_event
from kompress.data.teachers.silver import keep_pair
from kompress.structure.units import line_spans, word_spans

from .conftest import SAMPLES

PAIRS = Path(__file__).parent / "fixtures" / "pairs.jsonl"

# ----------------------------------------------------------------------------- samples
DIFF = """\
diff --git a/src/app/server.py b/src/app/server.py
index 3f2a1b4..9c8d7e6 100644
--- a/src/app/server.py
+++ b/src/app/server.py
@@ -1,9 +1,10 @@
 import os
+import signal
 from typing import Any
 
 
 class Server:
     def __init__(self, port: int) -> None:
         self.port = port
-        self.timeout = 30
+        self.timeout = 60
 
@@ -40,6 +41,6 @@ class Server:
     def handle(self, request):
         body = request.read()
         size = len(body)
-        if size > 1024:
+        if size > 4096:
             raise ValueError("request too large")
         return self.dispatch(body)
diff --git a/sql/schema.sql b/sql/schema.sql
index 1111111..2222222 100644
--- a/sql/schema.sql
+++ b/sql/schema.sql
@@ -1,3 +1,3 @@
--- users table
+-- accounts table
 CREATE TABLE users (
   id INTEGER PRIMARY KEY
\\ No newline at end of file
"""

LOG = """\
2024-03-02 10:15:01,101 INFO  [worker-1] GET /api/v1/users/1842 200 12ms req=a3f9c1
2024-03-02 10:15:01,250 INFO  [worker-2] GET /api/v1/users/1843 200 9ms req=b71e02
2024-03-02 10:15:01,377 INFO  [worker-1] GET /api/v1/users/1844 500 11ms req=c0d4e3
2024-03-02 10:15:02,010 DEBUG [cache] hit ratio 0.91
2024-03-02 10:15:02,498 WARN  [pool] connection pool at 90% capacity (45/50)
2024-03-02 10:15:03,002 ERROR [worker-2] request failed: upstream timeout after 30s
Traceback (most recent call last):
  File "/srv/app/handlers.py", line 88, in fetch
    resp = client.get(url, timeout=30)
TimeoutError: upstream timeout after 30s
2024-03-02 10:15:03,120 INFO  [worker-1] GET /api/v1/users/1845 200 10ms req=d5a6b7
2024-03-02 10:15:04,010 DEBUG [cache] hit ratio 0.92
2024-03-02 10:15:05,000 ERROR [worker-2] request failed: upstream timeout after 30s
2024-03-02 10:15:05,500 INFO  [scheduler] job cleanup finished in 1.2s
"""

SYSLOG = """\
Mar  2 10:15:01 web01 sshd[4121]: Accepted publickey for deploy from 10.0.0.7 port 52114
Mar  2 10:15:07 web01 sshd[4133]: Accepted publickey for deploy from 10.0.0.7 port 52120
Mar  2 10:15:09 web01 kernel: [ 8812.12] oom-killer: ERROR killed process 993 (java)
"""

JSON_DOC = """\
{
  "items": [
    {
      "id": 101,
      "owner": null,
      "tags": [],
      "meta": {
        "created": "2024-01-02"
      }
    },
    {
      "id": 102,
      "owner": "sam",
      "tags": [
        "gpu",
        null
      ],
      "meta": {
        "created": "2024-02-03"
      }
    },
    {
      "id": 103,
      "owner": "kim",
      "meta": {
        "created": "2024-03-04"
      }
    }
  ],
  "pagination": {
    "next": null,
    "total": 3
  },
  "errors": {}
}
"""

LS = """\
total 48
drwxr-xr-x  6 dev dev 4096 Mar  2 10:15 .
drwxr-xr-x 12 dev dev 4096 Feb 11 09:00 ..
drwxr-xr-x  8 dev dev 4096 Mar  2 10:14 .git
-rw-r--r--  1 dev dev  312 Feb 11 09:00 README.md
drwxr-xr-x  2 dev dev 4096 Mar  1 16:20 __pycache__
-rw-r--r--  1 dev dev 2210 Mar  2 10:15 server.py
-rw-r--r--  1 dev dev  845 Feb 20 08:30 util.py
drwxr-xr-x  4 dev dev 4096 Feb 20 08:30 node_modules

./.git:
-rw-r--r--  1 dev dev   23 Mar  2 10:14 HEAD
drwxr-xr-x 70 dev dev 4096 Mar  2 10:14 objects

./node_modules:
drwxr-xr-x  3 dev dev 4096 Feb 20 08:30 lodash
drwxr-xr-x  3 dev dev 4096 Mar  2 10:15 leftpad

./__pycache__:
-rw-r--r--  1 dev dev 1543 Mar  1 16:20 util.cpython-311.pyc
"""

PYTEST = """\
============================= test session starts ==============================
platform linux -- Python 3.11.7, pytest-8.1.1, pluggy-1.4.0
rootdir: /srv/app
collected 4 items

tests/test_calc.py .F..                                                  [100%]

=================================== FAILURES ===================================
_________________________________ test_divide __________________________________

    def test_divide():
        calc = Calculator()
>       assert calc.divide(6, 3) == 3
E       assert 2.0 == 3
E        +  where 2.0 = <bound method Calculator.divide of <calc.Calculator>>(6, 3)

tests/test_calc.py:14: AssertionError
=========================== short test summary info ============================
FAILED tests/test_calc.py::test_divide - assert 2.0 == 3
========================= 1 failed, 3 passed in 0.05s ==========================
"""

GDB = """\
GNU gdb (Ubuntu 12.1-0ubuntu1~22.04) 12.1
Copyright (C) 2022 Free Software Foundation, Inc.
There is NO WARRANTY, to the extent permitted by law.
Reading symbols from ./crash...
Starting program: /home/dev/crash
[Thread debugging using libthread_db enabled]
visiting node 1
visiting node 2
visiting node 3

Program received signal SIGSEGV, Segmentation fault.
0x000055555555515d in walk (n=0x0, depth=2) at crash.c:6
#0  0x000055555555515d in walk (n=0x0, depth=2) at crash.c:6
#1  0x0000555555555196 in walk (n=0x5555555592d0, depth=1) at crash.c:7
#2  0x0000555555555196 in walk (n=0x5555555592a0, depth=0) at crash.c:7
#3  0x0000555555555216 in main (argc=1, argv=0x7fffffffe7f8) at crash.c:12
"""

PYTRACE = """\
Traceback (most recent call last):
  File "/srv/app/main.py", line 12, in <module>
    main()
  File "/srv/venv/lib/python3.11/site-packages/click/core.py", line 1078, in main
    rv = self.invoke(ctx)
  File "/srv/app/runner.py", line 31, in run
    step(cfg)
  File "/srv/app/runner.py", line 45, in step
    value = parse(cfg["limit"])
  File "/srv/app/parse.py", line 7, in parse
    return int(text)
ValueError: invalid literal for int() with base 10: 'ten'
"""

VALGRIND = """\
==7443== Memcheck, a memory error detector
==7443== Command: ./build/edge_cli 31
==7443== 
==7443== Process terminating with default action of signal 6 (SIGABRT)
==7443==    at 0x48E5EEC: __pthread_kill_implementation (pthread_kill.c:44)
==7443==    by 0x4896FB1: raise (raise.c:26)
==7443==    by 0x4881471: abort (abort.c:79)
==7443==    by 0x10918B: index_edge (edge_io.c:9)
==7443==    by 0x10928B: main (edge_io.c:19)
==7443== 
==7443== ERROR SUMMARY: 0 errors from 0 contexts (suppressed: 0 from 0)
"""

GREP = """\
src/app/server.py:42:        if size > 4096:
src/app/server.py:43:            raise ValueError("request too large")
.git/ORIG_HEAD:1:4096 request too large
Binary file build/server.so matches
--
tests/test_server.py:17:    with pytest.raises(ValueError, match="request too large"):
"""

BUILD = """\
[ 25%] Building C object CMakeFiles/demo.dir/src/main.c.o
src/util.c: In function 'scale':
src/util.c:9:5: warning: unused variable 'tmp' [-Wunused-variable]
    9 |     int tmp = 3;
      |         ^~~
src/util.c:14:12: error: 'factor' undeclared (first use in this function)
   14 |     return factor * x;
      |            ^~~~~~
make[2]: *** [CMakeFiles/demo.dir/build.make:90: CMakeFiles/demo.dir/src/util.c.o] Error 1
make: *** [Makefile:91: all] Error 2
"""

HELP = """\
usage: fetch [-h] [--retries N] url

Fetch a resource from the given URL and print it to the standard output.

options:
  -h, --help   show this help message and exit
  --retries N  number of attempts before giving up (default: 3)
"""

LINE_SAMPLES = {"diff": DIFF, "log": LOG, "json": JSON_DOC, "tree": LS, "test": PYTEST, "traceback": PYTRACE,
                "grep": GREP, "build": BUILD}
ALL_SAMPLES = [*LINE_SAMPLES.items(), ("crash", GDB), ("crash", VALGRIND), ("text", HELP), ("log", SYSLOG)]


def lines_by_fate(text: str, domain: str) -> tuple[list[str], list[str]]:
    """(kept lines, dropped non-blank lines) by the rule teacher's line decisions."""
    d = apply_rules(text, domain)
    starts, ends = line_spans(text)
    kept = [text[s:e] for s, e, k in zip(starts, ends, d.line_keep) if k]
    dropped = [text[s:e] for s, e, k in zip(starts, ends, d.line_keep) if not k and text[s:e].strip()]
    return kept, dropped


# ----------------------------------------------------------------------------- silver
def test_read_pairs_both_shapes_and_filter():
    pairs, stats = read_pairs(PAIRS)
    assert stats == {"read": 6, "kept": 4, "skipped_short": 1, "skipped_ratio": 1}
    assert [p.id for p in pairs] == ["dog-001", "sess-42", "pairs:3", "dog-002"]
    export = pairs[2]  # the {"text", "reference", "role", "topic", "source"} shape
    assert export.verbose.startswith("To undo the last commit") and export.compressed.startswith("Undo last commit")
    assert export.source == "dogfeed-v3-enriched" and export.topic == "git"
    assert pairs[0].question == "Why did the parser crash?" and pairs[0].source == "pairs:pairs.jsonl"


def test_silver_labels_hand_checked():
    pair = read_pairs(PAIRS)[0][0]
    # "Crashed: SIGSEGV at 0x0 in parse_header. Check pointer before call; header can be missing."
    expected = {
        "The": 0, "process": 0, "crashed": 1, "because": 0, "it": 0, "received": 0, "SIGSEGV": 1, "at": 1,
        "address": 0, "0x0": 1, "in": 1, "parse_header.": 1, "You": 0, "should": 0, "check": 1, "the": 0,
        "pointer": 1, "before": 1, "calling": 0, "function,": 0, "since": 0, "header": 1, "can": 1, "be": 1,
        "missing.": 1,
    }
    words = pair.verbose.split()
    assert silver_labels(pair.verbose, pair.compressed).tolist() == [expected[w] for w in words]


def test_silver_must_keep_override():
    pair = read_pairs(PAIRS)[0][1]  # "--verbose" is not in the compressed answer (it says -v)
    words = pair.verbose.split()
    raw = silver_labels(pair.verbose, pair.compressed, override=False)
    lab = silver_labels(pair.verbose, pair.compressed)
    i = words.index("--verbose")
    assert raw[i] == 0 and lab[i] == 1
    assert lab[words.index("E")] == 1 and lab[words.index("pytest")] == 0  # matched / absent
    assert (lab >= raw).all() and lab.dtype == np.int8


def test_pair_filter_boundaries():
    assert keep_pair("x" * 80, "y" * 61)  # 80 >= 1.3 * 61 = 79.3
    assert not keep_pair("x" * 80, "y" * 62)  # 80 < 80.6
    assert not keep_pair("x" * 79, "")  # under 80 chars


@pytest.mark.parametrize("content,msg", [
    ('{"deepseek_response": "a", "free_response": "b"}\n{not json\n', "bad.jsonl:2: bad JSON"),
    ('{"question": "q", "answer": "a"}\n', "bad.jsonl:1: expected fields 'deepseek_response'"),
    ('["a", "b"]\n', "bad.jsonl:1: expected a JSON object"),
    ('{"text": 3, "reference": "x"}\n', "bad.jsonl:1: field 'text' must be a string"),
])
def test_read_pairs_errors_name_file_and_line(tmp_path, content, msg):
    f = tmp_path / "bad.jsonl"
    f.write_text(content)
    with pytest.raises(DataError, match=msg):
        read_pairs(f)


# ----------------------------------------------------------------------------- rules per domain
def test_rules_diff():
    kept, dropped = lines_by_fate(DIFF, "diff")
    for line in ["diff --git a/src/app/server.py b/src/app/server.py", "index 3f2a1b4..9c8d7e6 100644",
                 "--- a/src/app/server.py", "+++ b/src/app/server.py", "@@ -1,9 +1,10 @@", " import os",
                 "+import signal", " from typing import Any", " class Server:",
                 "     def __init__(self, port: int) -> None:", "-        self.timeout = 30",
                 "+        self.timeout = 60", "@@ -40,6 +41,6 @@ class Server:", "     def handle(self, request):",
                 "--- users table", "+-- accounts table"]:  # a removed SQL comment is not a file header
        assert line in kept, line
    for line in ["         self.port = port", "         body = request.read()",
                 '             raise ValueError("request too large")', " CREATE TABLE users (",
                 "\\ No newline at end of file"]:
        assert line in dropped, line
    assert " " not in kept  # whitespace-only context


def test_rules_diff_bad_or_missing_hunk_counts():
    # Counts promise 3 lines but a new hunk starts after 1; then a header without counts.
    text = ("--- a/x.py\n+++ b/x.py\n@@ -1,3 +1,3 @@\n-old = 1\n@@ -9,2 +9,2 @@\n keep_me_not = 2\n+new = 3\n"
            "@@ @@\n context line\n-gone\n")
    kept, dropped = lines_by_fate(text, "diff")
    assert kept == ["--- a/x.py", "+++ b/x.py", "@@ -1,3 +1,3 @@", "-old = 1", "@@ -9,2 +9,2 @@", "+new = 3",
                    "@@ @@", "-gone"]
    assert dropped == [" keep_me_not = 2", " context line"]


def test_rules_log_repeats_errors_and_stack():
    kept, dropped = lines_by_fate(LOG, "log")
    assert kept[0].endswith("req=a3f9c1")  # first of the repeated GET event
    assert "1843 200 9ms" in dropped[0] and any("1845 200" in x for x in dropped)  # later repeats
    assert any("1844 500" in x for x in kept)  # a different status is a different event
    assert any("hit ratio 0.91" in x for x in kept) and any("hit ratio 0.92" in x for x in dropped)
    errors = [x for x in kept if "ERROR" in x]
    assert len(errors) == 2  # repeated errors are kept
    for line in ["Traceback (most recent call last):", '  File "/srv/app/handlers.py", line 88, in fetch',
                 "TimeoutError: upstream timeout after 30s"]:
        assert line in kept
    assert any("WARN" in x for x in kept) and any("job cleanup" in x for x in kept)


def test_normalise_event():
    a = normalise_event("2024-03-02 10:15:01,101 INFO GET /users/1842 200 12ms req=a3f9c1 id=0x7f3a")
    b = normalise_event("2024-03-02 11:00:59,999 INFO GET /users/7 200 3ms req=77e0b2 id=0x1")
    assert a == b == "INFO GET /users/<n> 200 <n>ms req=<hex> id=<hex>"
    assert normalise_event("GET /users/7 500 3ms") != normalise_event("GET /users/7 200 3ms")


def test_rules_log_timestamp_words():
    d = apply_rules(SYSLOG, "log")
    words = [SYSLOG[s:e] for s, e in zip(d.starts, d.ends)]
    kept, dropped = lines_by_fate(SYSLOG, "log")
    assert kept == [SYSLOG.splitlines()[0], SYSLOG.splitlines()[2]]  # second sshd line repeats the first
    # "Mar" is a timestamp word of a kept line: labelled 0; "2" and "10:15:01" stay 1 (must-keep override).
    assert words[0] == "Mar" and d.word_keep[0] == 0 and d.labels[0] == 0
    assert d.word_keep[1] == 0 and d.labels[1] == 1 and d.labels[2] == 1
    assert all(d.labels[3:9])  # the rest of the kept line


def test_rules_json():
    kept, dropped = lines_by_fate(JSON_DOC, "json")
    for line in ['  "items": [', '      "id": 101,', '      "owner": "sam",', '        "gpu",', '    "total": 3',
                 '  "pagination": {', '        "created": "2024-01-02"']:
        assert line in kept, line
    for line in ['      "owner": null,', '      "tags": [],', "        null", '    "next": null,', '  "errors": {}',
                 "{", "    {", "    },", "  ],", "}", '      "meta": {']:  # "meta" opens 3 objects: not rare
        assert line in dropped, line


def test_rules_tree():
    kept, dropped = lines_by_fate(LS, "tree")
    lines = LS.splitlines()
    for name in [".git", "README.md", "server.py", "util.py", "node_modules"]:
        assert any(x.endswith(" " + name) for x in kept), name
    assert "./.git:" in kept and "./node_modules:" in kept
    for line in [lines[1], lines[2], "./__pycache__:", lines[-1]]:  # ., .., __pycache__ contents
        assert line in dropped, line
    # The first listing's total stays, and one line reveals each noise cache (__pycache__).
    assert "total 48" in kept and lines[5] in kept
    assert any(x.endswith(" HEAD") for x in dropped) and any(x.endswith(" objects") for x in dropped)
    # node_modules contents are noise, but the one changed on the newest day (Mar 2) is kept.
    assert any(x.endswith(" leftpad") for x in kept) and any(x.endswith(" lodash") for x in dropped)
    # Permission, link, owner and group columns are dropped word by word (must-keep words excepted).
    d = apply_rules(LS, "tree")
    words = [LS[s:e] for s, e in zip(d.starts, d.ends)]
    i = words.index("README.md")
    assert words[i - 8: i] == ["-rw-r--r--", "1", "dev", "dev", "312", "Feb", "11", "09:00"]
    assert d.word_keep[i - 8: i + 1].tolist() == [False, False, False, False, True, True, True, True, True]
    assert d.labels[i - 6] == 0 and d.labels[i - 7] == 1  # "dev" dropped, "1" must-keep


def test_rules_grep():
    kept, dropped = lines_by_fate(GREP, "grep")
    assert kept == [x for x in GREP.splitlines() if x.startswith(("src/", "tests/"))]
    assert dropped == [".git/ORIG_HEAD:1:4096 request too large", "Binary file build/server.so matches", "--"]


def test_rules_pytest_failure():
    kept, dropped = lines_by_fate(PYTEST, "test")
    for line in ["_________________________________ test_divide __________________________________",
                 ">       assert calc.divide(6, 3) == 3", "E       assert 2.0 == 3",
                 "tests/test_calc.py:14: AssertionError", "FAILED tests/test_calc.py::test_divide - assert 2.0 == 3",
                 "========================= 1 failed, 3 passed in 0.05s ==========================",
                 PYTEST.splitlines()[5]]:  # the progress line: its F names the file that failed
        assert line in kept, line
    for line in [PYTEST.splitlines()[0], "platform linux -- Python 3.11.7, pytest-8.1.1, pluggy-1.4.0",
                 "rootdir: /srv/app", "collected 4 items",
                 "=================================== FAILURES ===================================",
                 "    def test_divide():", "        calc = Calculator()"]:
        assert line in dropped, line


def test_rules_gdb_crash():
    kept, dropped = lines_by_fate(GDB, "crash")
    for line in ["Program received signal SIGSEGV, Segmentation fault.",
                 "0x000055555555515d in walk (n=0x0, depth=2) at crash.c:6", "visiting node 1"]:
        assert line in kept, line
    assert [x[:2] for x in kept if x.startswith("#")] == ["#0", "#1", "#2"]  # the innermost frames
    for line in ["GNU gdb (Ubuntu 12.1-0ubuntu1~22.04) 12.1", "There is NO WARRANTY, to the extent permitted by law.",
                 "Reading symbols from ./crash...", "[Thread debugging using libthread_db enabled]",
                 "visiting node 2", "visiting node 3"]:  # banners, repeated program output
        assert line in dropped, line
    assert any(x.startswith("#3") for x in dropped)


def test_rules_python_traceback():
    kept, dropped = lines_by_fate(PYTRACE, "traceback")
    assert kept == ["Traceback (most recent call last):", *PYTRACE.splitlines()[5:]]  # innermost 3 frames
    assert dropped == PYTRACE.splitlines()[1:5]


def test_rules_valgrind_keeps_innermost_user_frame():
    kept, dropped = lines_by_fate(VALGRIND, "crash")
    assert any("index_edge (edge_io.c:9)" in x for x in kept)  # libc frames are the innermost 3
    assert any("main (edge_io.c:19)" in x for x in dropped)
    assert any("SIGABRT" in x for x in kept) and any("ERROR SUMMARY" in x for x in kept)
    assert any("Memcheck, a memory error detector" in x for x in dropped)


def test_rules_build():
    kept, dropped = lines_by_fate(BUILD, "build")
    for line in ["src/util.c: In function 'scale':", "src/util.c:9:5: warning: unused variable 'tmp' [-Wunused-variable]",
                 "src/util.c:14:12: error: 'factor' undeclared (first use in this function)",
                 "   14 |     return factor * x;", "      |            ^~~~~~", "make: *** [Makefile:91: all] Error 2"]:
        assert line in kept, line
    # Progress lines and a warning's code excerpt are dropped; an error's excerpt is kept.
    assert dropped == ["[ 25%] Building C object CMakeFiles/demo.dir/src/main.c.o", "    9 |     int tmp = 3;",
                       "      |         ^~~"]


def test_rules_text_stopwords_and_options():
    d = apply_rules(HELP, "text")
    words = [HELP[s:e] for s, e in zip(d.starts, d.ends)]
    lab = dict(zip(words, d.labels.tolist()))  # first occurrence wins below only where unique
    assert lab["Fetch"] == 1 and lab["resource"] == 1 and lab["a"] == 0 and lab["from"] == 0 and lab["given"] == 1
    opt = words.index("show")  # an option line of --help: every word kept
    assert all(d.labels[words.index("-h,"): words.index("--retries", opt)])
    assert all(d.labels[: words.index("url") + 1])  # the usage line


@pytest.mark.parametrize("domain,text", ALL_SAMPLES)
def test_must_keep_override_everywhere(domain, text):
    starts, ends = word_spans(text)
    lab = rule_labels(text, domain)
    must = must_keep_mask(text, starts, ends)
    assert lab.dtype == np.int8 and len(lab) == len(starts)
    assert lab[must].all()
    assert (lab >= rule_labels(text, domain, override=False)).all()


def test_rule_labels_on_real_samples():
    text = (SAMPLES / "pytest_failure.txt").read_text()
    kept, dropped = lines_by_fate(text, "test")
    assert "3 failed, 1 passed in 0.03s" in kept and "E       KeyError: 'timeout'" in kept
    assert "    def test_parse_retries():" in dropped
    lab = rule_labels(text)  # domain detected
    assert 0.3 < lab.mean() < 0.9


# ----------------------------------------------------------------------------- RuleCompressor
@pytest.mark.parametrize("domain", list(LINE_SAMPLES))
def test_rule_compressor_outputs_whole_lines_or_markers(domain):
    text = LINE_SAMPLES[domain]
    src = set(text.splitlines())
    kept, _ = lines_by_fate(text, domain)
    for guard in (True, False):
        # With markers: real lines or markers (a run no longer than its marker stays verbatim,
        # so these short samples may come out whole).
        r = RuleCompressor().compress(text, domain=domain, guard=guard)
        assert r.granularity == "line" and r.domain == domain and r.text.strip()
        for line in r.text.splitlines():
            assert MARKER_RE.match(line) or line in src, line
        assert r.tokens_out <= r.tokens_in
        # The rules' own choice (no marker to weigh a run against): what is kept and why.
        r = RuleCompressor().compress(text, domain=domain, guard=guard, markers=False)
        assert all(line in src for line in r.text.splitlines() if line.strip())
        assert 0 < r.keep_rate < 1 and r.tokens_out < r.tokens_in == int(len(word_spans(text)[0]) * TOKENS_PER_WORD)
        out = [x for x in r.text.splitlines() if x.strip() and not MARKER_RE.match(x)]
        # The rules' lines, plus dropped runs too short to be worth a marker (kept verbatim)
        # and, with the guard, critical lines (errors, exception names, negations), a test
        # session's header and the last line (the outcome).
        short = len(marker(1))
        assert set(out) >= set(kept) - {""}
        extra = set(out) - set(kept)
        last = text.rstrip("\n").splitlines()[-1]
        # and, in a report's domains, its first line (what ran, or a verdict printed first)
        first = next(x for x in text.splitlines() if x.strip()) if domain in HEAD_DOMAINS else None
        # and, with the guard, the frames of the program's own code in a traceback
        lines = text.splitlines()
        own = {x for x, a in zip(lines, frame_guard(lines, np.array([x in kept or is_critical_line(x) for x in lines])))
               if a}
        # and, in grep hits, the matches (a search's answer)
        assert all(len(x) <= short or (guard and (is_critical_line(x) or SESSION_HEADER.match(x) or x in (last, first)
                                                  or x in own or (domain == "grep" and GREP_HIT.match(x))))
                   for x in extra)
        if not guard:
            assert [x for x in out if len(x) > short] == [x for x in kept if x.strip() and len(x) > short]


def test_rule_compressor_options():
    rc = RuleCompressor()
    default = rc.compress(LOG, domain="log")
    assert rc.compress(LOG, domain="log").text == default.text  # deterministic
    assert rc.compress(LOG, domain="log", threshold=0.5).text == default.text
    # rate: fewer tokens kept; guard keeps the ERROR lines anyway.
    low = rc.compress(LOG, domain="log", rate=0.2)
    assert low.tokens_out < default.tokens_out and low.text.count("ERROR") == 2
    none = rc.compress(LOG, domain="log", threshold=1.0, guard=False)
    assert all(MARKER_RE.match(x) for x in none.text.splitlines()) and none.tokens_out == 0
    guarded = rc.compress(LOG, domain="log", threshold=1.0)
    # the guard's lines only: critical ones and the last line (the outcome)
    last = LOG.rstrip("\n").splitlines()[-1]
    assert "INFO" in last and guarded.text.endswith(last + "\n")
    assert "ERROR" in guarded.text and "INFO" not in guarded.text.replace("ERROR", "").replace(last, "")
    plain = rc.compress(LOG, domain="log", markers=False)
    assert not any(MARKER_RE.match(x) for x in plain.text.splitlines())
    assert rc.compress(LOG, domain="log", min_tokens=10_000).text == LOG
    assert rc.compress("   \n").text == ""
    with pytest.raises(ValueError):
        rc.compress(LOG, threshold=0.5, rate=0.5)
    with pytest.raises(ValueError):
        rc.compress(LOG, domain="nope")


def test_rule_compressor_word_granularity_crash():
    assert RuleCompressor().compress(GDB).granularity == "line"  # detected: crash, whole lines by default
    r = RuleCompressor().compress(GDB, granularity="word")
    assert r.domain == "crash" and r.granularity == "word"
    assert "SIGSEGV" in r.text and "GNU gdb" not in r.text
    starts, ends = word_spans(GDB)
    must = must_keep_mask(GDB, starts, ends)
    assert r.word_keep[must].all()  # guard
    assert not r.word_keep_raw[must].all()  # the rules alone drop the banner's numbers
    kept_words = [GDB[s:e] for s, e, k in zip(starts, ends, r.word_keep) if k]
    assert " ".join(x for x in r.text.splitlines() if not MARKER_RE.match(x)).split() == kept_words


def test_rule_compressor_with_tokenizer():
    from kompress.modeling.model import DEFAULT_BACKBONE, load_tokenizer

    tok = load_tokenizer(DEFAULT_BACKBONE)
    r = RuleCompressor(tokenizer=tok).compress(LOG, domain="log")
    assert r.tokens_in == len(tok(LOG, add_special_tokens=False)["input_ids"])
    kept_tokens = sum(len(tok(w, add_special_tokens=False)["input_ids"])
                      for w, k in zip(LOG.split(), r.word_keep) if k)
    assert r.tokens_out == kept_tokens and r.keep_rate == pytest.approx(kept_tokens / r.tokens_in)


# ----------------------------------------------------------------------------- align
def test_align_known_pair_with_marker():
    original = ("ERROR disk full on /dev/sda1\nretrying in 5 seconds\nretrying in 5 seconds\n"
                "the job was aborted by the scheduler\ndone\n")
    compressed = "ERROR disk full on /dev/sda1\n[... 2 lines omitted ...]\njob aborted scheduler\ndone\n"
    expected = [1, 1, 1, 1, 1,  0, 0, 0, 0,  0, 0, 0, 0,  0, 1, 0, 1, 0, 0, 1,  1]
    assert align_labels(original, compressed, override=False).tolist() == expected
    # The override keeps must-keep words: "5" (twice) and the polarity-free rest unchanged.
    lab = align_labels(original, compressed)
    words = original.split()
    assert [w for w, a, b in zip(words, lab, expected) if a != b] == ["5", "5"]


@pytest.mark.parametrize("domain,text", ALL_SAMPLES)
@pytest.mark.parametrize("granularity,rate,markers", [("line", None, True), ("word", 0.4, True), ("word", 0.6, False)])
def test_align_recovers_rule_compressor_decisions(domain, text, granularity, rate, markers):
    r = RuleCompressor().compress(text, domain=domain, granularity=granularity, rate=rate, guard=False, markers=markers)
    assert align_labels(text, r.text, override=False).tolist() == r.word_keep.astype(int).tolist()


def test_align_edited_compression():
    original = "alpha beta gamma\ndelta epsilon\nzeta eta theta\n"
    # A note line the original lacks, and two lines merged into one.
    compressed = "[note: 3 lines in]\nalpha gamma delta\ntheta\n"
    assert align_labels(original, compressed, override=False).tolist() == [1, 0, 1, 1, 0, 0, 0, 1]


def test_align_fast_on_20k_words():
    rng = random.Random(0)
    lines = [f"2024-03-02 10:{i // 60 % 60:02d}:{i % 60:02d},{rng.randint(0, 999):03d} "
             f"{rng.choice(['INFO'] * 8 + ['DEBUG', 'WARN', 'ERROR'])} [worker-{rng.randint(1, 4)}] "
             f"GET /api/v1/users/{rng.randint(1, 50)} 200 {rng.randint(1, 30)}ms" for i in range(2500)]
    text = "\n".join(lines) + "\n"
    assert len(word_spans(text)[0]) == 20_000
    r = RuleCompressor().compress(text, domain="log", granularity="word", rate=0.3, guard=False)
    t = time.perf_counter()
    lab = align_labels(text, r.text, override=False)
    elapsed = time.perf_counter() - t
    assert (lab == r.word_keep).all()
    assert elapsed < 2.0, f"align took {elapsed:.2f}s"  # ~20 ms here; word-level difflib took 44 s


def test_align_odd_whitespace_and_identity():
    text = "a\x0bb  c\u2028d\x1ce\n\n  f\tg\n"
    assert align_labels(text, text, override=False).tolist() == [1] * len(word_spans(text)[0])
    assert align_labels(text, "", override=False).sum() == 0
    assert json.dumps(align_labels(text, "c g").tolist())  # plain ints
