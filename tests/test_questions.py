"""Eval questions: exact-substring answers for every corpus item, and hand-checked examples."""

from __future__ import annotations

from pathlib import Path

import pytest

from kompress.data.questions import derive_questions
from tests.test_corpus import small_corpus

SAMPLES = Path(__file__).resolve().parent.parent / "samples"


def _answers(text: str, domain: str) -> list[str]:
    return [q["answer"] for q in derive_questions(text, domain)]


def test_every_corpus_item_gets_1_to_5_exact_questions():
    items = small_corpus()
    assert items
    for it in items:
        qs = derive_questions(it.text, it.domain)
        assert 1 <= len(qs) <= 5, it.id
        for q in qs:
            assert set(q) == {"q", "answer"} and q["q"].endswith("?")
            assert q["answer"] and q["answer"] in it.text, (it.id, q)
        assert len({q["answer"] for q in qs}) == len(qs)
        assert derive_questions(it.text, it.domain) == qs  # deterministic


def test_crash_questions_on_shipped_gdb_sample():
    text = (SAMPLES / "gdb_segfault.txt").read_text()
    ans = _answers(text, "crash")
    assert "SIGSEGV" in ans and "walk" in ans and "crash.c:6" in ans


def test_crash_questions_valgrind_and_shell():
    text = """==4242== Invalid read of size 4
==4242==    at 0x1091A9: lookup_entry (table.c:41)
==4242==    by 0x109300: main (table.c:88)
==4242==  Address 0x0 is not stack'd, malloc'd or (recently) free'd
==4242== Process terminating with default action of signal 11 (SIGSEGV)
==4242==    definitely lost: 64 bytes in 2 blocks
bash: line 1:  4242 Segmentation fault      ./build/table 12
exit code: 139
"""
    ans = _answers(text, "crash")
    assert ans[0] == "SIGSEGV"
    assert "Invalid read of size 4" in ans and "table.c:41" in ans and "64 bytes in 2 blocks" in ans
    assert len(ans) == 5


def test_traceback_questions():
    text = """Traceback (most recent call last):
  File "/srv/app/cli.py", line 21, in main
    result = service.handle(args)
  File "/srv/app/core.py", line 12, in entry
    return connect(section["host"], section["port"])
KeyError: 'port'
"""
    ans = _answers(text, "traceback")
    assert ans[:2] == ["KeyError", "'port'"]
    assert "entry" in ans and '/srv/app/core.py", line 12' in ans
    node = """/app/index.js:7
    const err = new Error(`boom`);
                ^

TypeError: Cannot read properties of undefined (reading 'timeout')
    at summarize (/app/index.js:5:18)
    at Object.<anonymous> (/app/index.js:10:13)

Node.js v20.20.2
"""
    ans = _answers(node, "traceback")
    assert "TypeError" in ans and "Cannot read properties of undefined (reading 'timeout')" in ans
    assert "/app/index.js:5" in ans


def test_build_questions():
    text = """src/tok.c: In function 'tok_count':
src/tok.c:34:25: error: expected ';' before 'int'
src/tok.c:20:9: warning: unused variable 'x' [-Wunused-variable]
/usr/bin/ld: main.o: in function `main':
main.c:(.text+0x1e): undefined reference to `merge_payments'
collect2: error: ld returned 1 exit status
make: *** [Makefile:13: build/app] Error 1
"""
    ans = _answers(text, "build")
    assert ans[:2] == ["expected ';' before 'int'", "src/tok.c:34"]
    assert "-Wunused-variable" in ans and "merge_payments" in ans
    assert "make: *** [Makefile:13: build/app] Error 1" in ans


def test_test_questions_on_shipped_pytest_sample():
    text = (SAMPLES / "pytest_failure.txt").read_text()
    ans = _answers(text, "test")
    assert any("::test_parse_retries" in a for a in ans)
    assert any(a.startswith("AssertionError: assert {'timeout': 5, 'retries': 2}") or "3 failed" in a for a in ans)


def test_unittest_questions():
    text = """..F.
======================================================================
FAIL: test_parse_year (tests.test_roman.RomanTest.test_parse_year)
----------------------------------------------------------------------
Traceback (most recent call last):
  File "/x/tests/test_roman.py", line 20, in test_parse_year
    self.assertEqual(from_roman('MMXXIV'), 2024)
AssertionError: 4 != 2024

----------------------------------------------------------------------
Ran 4 tests in 0.002s

FAILED (failures=1)
"""
    ans = _answers(text, "test")
    assert ans[:2] == ["test_parse_year", "FAIL"]
    assert "AssertionError: 4 != 2024" in ans and "FAILED (failures=1)" in ans


def test_diff_questions():
    text = """diff --git a/src/calc.py b/src/calc.py
index 1111111..2222222 100644
--- a/src/calc.py
+++ b/src/calc.py
@@ -10,7 +10,7 @@ def add(a, b):
 def inc(x):
-    return x + 1
+    return x + 2
"""
    ans = _answers(text, "diff")
    assert ans[:3] == ["src/calc.py", "-    return x + 1", "+    return x + 2"]
    assert "@@ -10,7 +10,7 @@" in ans


def test_log_questions():
    text = """2024-03-05 09:00:01 INFO  [billing] starting billing v1.2.3
2024-03-05 09:00:02 WARNING [billing.db] pool nearly exhausted: 9/10 connections in use
2024-03-05 09:00:03 ERROR [billing.http] request 7 POST /api/v1/charge failed: upstream timeout
2024-03-05 09:00:04 INFO  [billing] shutting down after 7 requests (1 errors)
"""
    ans = _answers(text, "log")
    assert ans[0] == "billing.http"
    assert "request 7 POST /api/v1/charge failed: upstream timeout" in ans
    assert "pool nearly exhausted: 9/10 connections in use" in ans


def test_json_questions():
    text = '{\n  "status": 422,\n  "title": "Unprocessable Entity",\n  "errors": [],\n  "retry_after": null\n}\n'
    ans = _answers(text, "json")
    assert "422" in ans and "Unprocessable Entity" in ans
    assert '"retry_after": null' in ans or '"errors": []' in ans


def test_tree_questions():
    text = """.:
total 24
drwxr-xr-x 4 root root 4096 Mar  5  2024 .
drwxr-xr-x 3 root root 4096 Mar  5  2024 ..
drwxr-xr-x 7 root root 4096 Mar  5  2024 .git
-rw-r--r-- 1 root root  512 Mar  5  2024 README.md
-rw------- 1 root root 9042 Mar  5  2024 core.31337
drwxr-xr-x 2 root root 4096 Mar  5  2024 src
"""
    ans = _answers(text, "tree")
    assert ans[0] == "core.31337" and ".git" in ans


def test_grep_questions():
    text = "src/a.py:10:    raise ValueError('bad port')\nsrc/b.py:3:from a import port\n"
    ans = _answers(text, "grep")
    assert ans[:2] == ["src/a.py", "src/a.py:10"] and "src/b.py:3" in ans


def test_text_questions():
    text = """Usage: frob [OPTION]... FILE
Frobnicate FILE.

  -v, --verbose        print a message for each frobbed item
  -n, --dry-run        do not change anything, only report
      --color=WHEN     colorize the output; WHEN is always or never
"""
    ans = _answers(text, "text")
    assert ans[0] == "frob" and "--verbose" in ans


def test_bad_input_raises():
    with pytest.raises(ValueError, match="unknown domain"):
        derive_questions("x", "nope")
    with pytest.raises(ValueError, match="empty"):
        derive_questions("  \n", "text")
    # anything non-empty gets at least one question, even with no domain rule firing
    assert derive_questions("hello there world", "json")
