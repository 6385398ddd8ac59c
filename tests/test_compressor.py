import dataclasses
import random
import re

import numpy as np
import pytest

from kompress import MARKER_RE, Compressor
from kompress.decision.mustkeep import is_must_keep, must_keep_matches
from kompress.decision.guards import coverage_guard, frame_guard, is_critical_line
from kompress.structure.units import line_spans, word_spans, words_to_lines

from .conftest import SAMPLES

CRASH = (SAMPLES / "gdb_segfault.txt").read_text()
PYTEST = (SAMPLES / "pytest_failure.txt").read_text()
PROSE = (
    "The Process exited with SIGILL (illegal instruction) at address 0x7fff2038 in "
    "libsystem_kernel.dylib and the file does not exist.\n"
    "The operator had started the nightly job in the morning and it had been running for a long while "
    "with the usual amount of chatter in the console before anything unusual happened to it.\n"
    "Memory was 4.2GB RSS before the crash.\n"
)


def _words_in_order(out: str, text: str) -> None:
    """Every output word is an original word, in order, case preserved (markers aside)."""
    pos = 0
    for line in out.splitlines():
        if MARKER_RE.match(line):
            continue
        for w in line.split():
            idx = text.find(w, pos)
            assert idx >= 0, f"invented or reordered word {w!r}"
            pos = idx + len(w)


def test_word_mode_keeps_original_bytes(minilm_compressor):
    r = minilm_compressor.compress(PROSE, granularity="word", rate=0.4)
    _words_in_order(r.text, PROSE)
    for s, e in r.kept_spans:
        assert PROSE[s:e].split()[0] in r.text
    assert "SIGILL" in r.text and "0x7fff2038" in r.text  # guard: original case kept
    assert "not" in r.text  # polarity guard
    assert 0 < r.keep_rate < 1 and r.tokens_out < r.tokens_in
    assert r.domain == "crash"


def test_rate_keeps_top_share_without_guard(minilm_compressor):
    r = minilm_compressor.compress(PROSE, granularity="word", rate=0.4, guard=False)
    n = len(PROSE.split())
    assert r.word_keep.sum() == round(0.4 * n)
    top = np.argsort(-r.word_scores, kind="stable")[: round(0.4 * n)]
    assert set(np.flatnonzero(r.word_keep)) == set(top)


def test_guard_never_drops_must_keep(minilm_compressor):
    r = minilm_compressor.compress(PROSE, granularity="word", threshold=1.0)  # model keeps nothing
    assert not r.word_keep_raw.any()
    starts, ends = word_spans(PROSE)
    lines = words_to_lines(starts, line_spans(PROSE)[0])
    # Whole lines: the first names the crash (SIGILL), the last is the outcome; the filler
    # line in between keeps only its must-keep words.
    whole = {0, int(lines[-1])}
    assert lines[-1] == 2
    for s, e, k, li in zip(starts, ends, r.word_keep, lines):
        assert k == (is_must_keep(PROSE[s:e]) or li in whole), PROSE[s:e]
    assert "operator" not in r.text and "nightly" not in r.text
    off = minilm_compressor.compress(PROSE, granularity="word", threshold=1.0, guard=False)
    assert off.text == "[... 3 lines omitted ...]\n" and off.tokens_out == 0


def test_threshold_zero_keeps_everything(minilm_compressor):
    r = minilm_compressor.compress(PYTEST, threshold=0.0)
    assert r.text == PYTEST and r.keep_rate == 1.0


def test_line_mode_lines_are_whole_and_drops_announced(minilm_compressor):
    r = minilm_compressor.compress(PYTEST, granularity="line", threshold=1.0)
    assert r.granularity == "line"
    src_lines = set(PYTEST.splitlines())
    out_lines = r.text.splitlines()
    assert any(MARKER_RE.match(x) for x in out_lines)
    for line in out_lines:
        assert line in src_lines or MARKER_RE.match(line)
    # critical lines survive the guard
    assert "E       KeyError: 'timeout'" in out_lines
    # markers count every dropped line: kept + omitted == original
    omitted = sum(int(MARKER_RE.match(x).group(1)) for x in out_lines if MARKER_RE.match(x))
    kept = sum(1 for x in out_lines if not MARKER_RE.match(x))
    assert kept + omitted == len(PYTEST.splitlines())


def test_deterministic_byte_identical(minilm_compressor, minilm_dir):
    a = minilm_compressor.compress(CRASH * 3, rate=0.5)
    b = minilm_compressor.compress(CRASH * 3, rate=0.5)
    c = Compressor.load(minilm_dir, backend="torch").compress(CRASH * 3, rate=0.5)
    assert a.text == b.text == c.text
    assert a.text.encode() == c.text.encode()


def test_long_input_is_windowed_and_every_word_scored(minilm_compressor, monkeypatch):
    import kompress.scoring.windows as windows

    monkeypatch.setattr(windows, "BLOCK_CHARS", 2000)  # many blocks, many windows
    text = "\n".join(f"line {i}: worker-{i % 7} processed item {i * 13} status ok" for i in range(600)) + "\n"
    ws = minilm_compressor.score_words(text, "log")
    assert (ws.n_tokens > 0).all()
    assert int(ws.n_tokens.sum()) == minilm_compressor.count_tokens(text)
    assert minilm_compressor.count_tokens(text) > 4 * 512
    # (Records of one kind read as a log: without the frame, threshold 0 keeps every line.)
    r = minilm_compressor.compress(text, threshold=0.0, structure=False)
    assert r.text == text


def test_window_scores_match_unchunked_in_the_middle(minilm_compressor):
    # A text shorter than one window scores the same alone as inside the first window.
    short = "ERROR disk /dev/sda1 full at 99% on host web-3\n"
    a = minilm_compressor.score_words(short, "log").scores
    b = minilm_compressor.score_words(short + "tail words here\n", "log").scores[: len(a)]
    assert np.allclose(a, b, atol=0.05)


def test_empty_and_floor(minilm_compressor):
    assert minilm_compressor.compress("").text == ""
    assert minilm_compressor.compress("  \n\n").text == ""
    r = minilm_compressor.compress(PROSE, min_tokens=10_000, threshold=1.0)
    assert r.text == PROSE and r.keep_rate == 1.0


def test_bad_options(minilm_compressor):
    with pytest.raises(ValueError, match="rate"):
        minilm_compressor.compress(PROSE, rate=1.5)
    with pytest.raises(ValueError, match="not threshold and rate"):
        minilm_compressor.compress(PROSE, rate=0.5, threshold=0.5)
    with pytest.raises(ValueError, match="unknown domain"):
        minilm_compressor.compress(PROSE, domain="nope")
    with pytest.raises(ValueError, match="granularity"):
        minilm_compressor.compress(PROSE, granularity="para")


def test_prefix_never_in_output(minilm_compressor):
    r = minilm_compressor.compress(PYTEST, threshold=0.0, domain="test")
    assert "TEST:" not in r.text


def test_onnx_backend_same_kept_words(minilm_dir, minilm_compressor):
    onnx = Compressor.load(minilm_dir, backend="onnx")
    for text in (CRASH, PYTEST, PROSE):
        a = minilm_compressor.compress(text, rate=0.5, granularity="word", guard=False)
        b = onnx.compress(text, rate=0.5, granularity="word", guard=False)
        assert np.abs(a.word_scores - b.word_scores).max() < 1e-4
        assert a.text == b.text
    # exported once, then found in the cache
    assert Compressor.load(minilm_dir, backend="onnx").backend.path == onnx.backend.path


def test_int8_products_sum_without_saturation(shipped_compressor):
    # AVX2 CPUs without VNNI otherwise saturate the shipped int8 graph's u8s8 products: other
    # scores (and outputs) than on a VNNI CPU for the same text and model.
    opts = shipped_compressor.backend.session.get_session_options()
    assert opts.get_session_config_entry("session.x64quantprecision") == "1"


def test_no_default_model_says_so(monkeypatch, tmp_path):
    import kompress.compressor as comp

    monkeypatch.delenv("KOMPRESS_MODEL", raising=False)
    monkeypatch.setattr(comp, "DEFAULT_MODEL_DIR", tmp_path / "missing")
    with pytest.raises(comp.NoTrainedModel, match="no trained default model"):
        Compressor.load()


def test_modernbert_compressor(tiny_modernbert, tmp_path):
    from kompress.modeling.model import KompressConfig, KompressModel

    KompressModel(KompressConfig(backbone=str(tiny_modernbert))).save_pretrained(tmp_path)
    c = Compressor.load(tmp_path)
    r = c.compress(CRASH, rate=0.5, granularity="word")
    _words_in_order(r.text, CRASH)
    assert "SIGSEGV" in r.text
    assert re.search(r"crash\.c:6", r.text)


def test_short_dropped_runs_are_kept_not_elided():
    from kompress.decision.decide import short_dropped_runs as _short_dropped_runs
    from kompress.structure.units import line_spans, words_to_lines

    text = '  "a": 1,\n  },\n  "b": 2,\n' + "\n".join(f'  "long_key_{i}": "some long value {i}",' for i in range(3)) + "\n}\n"
    ws, _ = word_spans(text)
    ls, le = line_spans(text)
    wl = words_to_lines(ws, ls)
    keep = np.zeros(len(ws), dtype=bool)
    keep[wl == 0] = keep[wl == 2] = keep[wl == 6] = True  # drop "}," (1 short line) and the 3 long lines
    restored = _short_dropped_runs(keep, wl, ls, le)
    assert restored.tolist() == [False, True, False, False, False, False, False]


def test_a_drawn_rule_and_padding_count_as_the_few_characters_a_tokenizer_makes_of_them():
    """statsmodels' summary: a table's 84-character rule under its kept header is worth less than
    ``[... 1 line omitted ...]``; given the text, it stays. A line of as many varied characters goes."""
    from kompress.decision.decide import short_dropped_runs as _short_dropped_runs
    from kompress.structure.units import line_spans, words_to_lines

    for dropped, stays in (("=" * 84, True), ("-" * 40 + "    " + "─" * 40, True),
                           ("coef std err z P>|z| [0.025 0.975] intercept L1.dln_inv L1.dln_inc", False)):
        text = f"Dep. Variable: dln_inv\n{dropped}\n    coef    std err\n"
        ws, _ = word_spans(text)
        ls, le = line_spans(text)
        wl = words_to_lines(ws, ls)
        keep = wl != 1
        assert _short_dropped_runs(keep, wl, ls, le).tolist() == [False] * 3  # by its characters alone, it goes
        assert _short_dropped_runs(keep, wl, ls, le, text=text).tolist() == [False, stays, False]


def test_a_run_no_longer_in_tokens_than_its_marker_is_kept():
    """A drawn box's wrapped line is long in characters (its padding) but holds fewer tokens than
    ``[... 1 line omitted ...]`` (11 pieces): it stays; a run of more tokens still goes."""
    from kompress.decision.decide import short_dropped_runs as _short_dropped_runs
    from kompress.structure.units import line_spans, words_to_lines

    pad = " " * 40
    text = (f"│ INFO  Loading data from companies{pad}│\n│       configuration. You can{pad}│\n"
            f"│ INFO  Running node: preprocess_companies_node with these inputs{pad}│\n"
            f"│       and these many other words that go beyond the size of a marker{pad}│\n│ done{pad}│\n")
    ws, _ = word_spans(text)
    ls, le = line_spans(text)
    wl = words_to_lines(ws, ls)
    keep = np.isin(wl, [0, 2, 4])  # drop lines 1 (5 tokens, 70 characters) and 3 (16 tokens)
    n_tokens = np.ones(len(ws))  # a token a word here
    assert (le[1] - ls[1]) > len("[... 1 line omitted ...]")
    assert _short_dropped_runs(keep, wl, ls, le).tolist() == [False] * 5  # by characters alone: both go
    assert _short_dropped_runs(keep, wl, ls, le, n_tokens=n_tokens).tolist() == [False, True, False, False, False]
    n_tokens[wl == 1] = 12  # the same line, were its words split into many tokens: it goes
    assert _short_dropped_runs(keep, wl, ls, le, n_tokens=n_tokens).tolist() == [False] * 5


LOG_WITH_TRACEBACK = """\
2024-06-18 05:29:12 INFO  [app.http] GET /api/v1/dashboards 200 121ms
2024-06-18 05:29:13 ERROR [app] unhandled error while processing GET /api/v1/export/csv
Traceback (most recent call last):
  File "/opt/quill/app.py", line 92, in main
    size = handle(ep, req_id)
           ^^^^^^^^^^^^^^^^^^
  File "/opt/quill/app.py", line 46, in handle
    return int("")
           ^^^^^^^
ValueError: invalid literal for int() with base 10: ''
2024-06-18 05:29:13 INFO  [app.http] GET /api/v1/reports 200 72ms
2024-06-18 05:29:14 INFO  [app.http] GET /api/v1/reports 200 12ms
"""


RUNTIME_TRACEBACK = """\
Traceback (most recent call last):
  File "<frozen runpy>", line 198, in _run_module_as_main
  File "/srv/app/cli.py", line 9, in main
    run(argv)
  File "/usr/lib/python3.11/importlib/__init__.py", line 126, in import_module
    return _bootstrap._gcd_import(name[level:], package, level)
  File "/srv/venv/lib/python3.11/site-packages/yaml/loader.py", line 35, in load
    return parse(stream)
  File "/srv/app/config.py", line 14, in parse
    raise ValueError(f"bad key {key}")
ValueError: bad key port
"""


def test_frame_guard_keeps_innermost_frame_and_headers_of_kept_code():
    lines = LOG_WITH_TRACEBACK.splitlines()
    keep = np.array([is_critical_line(x) for x in lines])
    add = frame_guard(lines, keep)
    kept = [x for x, k in zip(lines, keep | add) if k]
    # the innermost frame (where the error was raised) comes whole with the exception
    assert kept[-4:] == lines[6:10]
    # and every frame of the program's own code: the call path an agent debugs
    assert add[3:6].all()
    # a kept line of a frame of a traceback whose exception is dropped brings its File line
    lines3 = LOG_WITH_TRACEBACK.splitlines()[:6]
    keep3 = np.zeros(len(lines3), dtype=bool)
    keep3[4] = True
    assert frame_guard(lines3, keep3).tolist() == [False, False, False, True, False, False]


def test_frame_guard_leaves_runtime_frames_droppable():
    lines = RUNTIME_TRACEBACK.splitlines()
    keep = np.array([is_critical_line(x) for x in lines])
    kept = [x for x, k in zip(lines, keep | frame_guard(lines, keep)) if k]
    # frozen bootstrap, the standard library and installed packages are not the program's code
    assert kept == [lines[0], lines[2], lines[3], *lines[8:]]
    # a traceback whose exception line is dropped adds nothing
    assert not frame_guard(lines, np.zeros(len(lines), dtype=bool)).any()


def test_frame_guard_keeps_each_own_frame_of_chained_tracebacks_once():
    first = LOG_WITH_TRACEBACK.splitlines()[2:10]
    text = [*first, "", "During handling of the above exception, another exception occurred:", "",
            "Traceback (most recent call last):", '  File "/opt/quill/app.py", line 99, in main',
            "    report(exc)", *first[1:]]
    keep = np.array([is_critical_line(x) for x in text])
    add = frame_guard(text, keep)
    assert add[1:7].all()  # the first traceback's frames
    assert add[12:14].all()  # the chained one's new frame
    second = first[1:]
    # its repeats of the first's frames are left to the model, except the innermost (raising) one
    assert not add[14:17].any() and add[17:20].all() and text[14:] == second


def test_line_guard_keeps_the_raising_frame(minilm_compressor):
    r = minilm_compressor.compress(LOG_WITH_TRACEBACK, domain="log", threshold=1.0)
    out = r.text.splitlines()
    assert '  File "/opt/quill/app.py", line 46, in handle' in out
    assert '    return int("")' in out
    assert "ValueError: invalid literal for int() with base 10: ''" in out
    r_off = minilm_compressor.compress(LOG_WITH_TRACEBACK, domain="log", threshold=1.0, guard=False, structure=False)
    assert '  File "/opt/quill/app.py", line 46, in handle' not in r_off.text.splitlines()


def _exact(text: str, out: str) -> float:
    ms = must_keep_matches(text)
    return sum(m in out for m in ms) / len(ms)


def test_coverage_guard_adds_lines_with_the_most_new_values_per_word():
    lines = [
        "DEBUG heartbeat ok",
        "INFO GET /api/v1/reports/55239 200 127ms req=15633f",
        "INFO the quick brown fox jumps over the lazy dog again 404",
        "DEBUG heartbeat ok",
    ]
    keep = np.zeros(4, dtype=bool)
    assert not coverage_guard(lines, keep, 0.0).any()
    add = coverage_guard(lines, keep, 0.5)
    assert add.tolist() == [False, True, False, False]  # the densest line covers enough
    add = coverage_guard(lines, keep, 1.0)
    assert add.tolist() == [True, True, True, False]  # the repeated line's DEBUG is covered once
    # nothing to add when the kept lines already cover the floor
    assert not coverage_guard(lines, np.array([True, True, True, False]), 1.0).any()


def test_novelty_adds_lines_with_new_values_and_not_their_repeats():
    lines = [
        "INFO GET /api/v1/reports/55239 200 127ms req=15633f",
        "INFO GET /api/v1/reports/55239 200 127ms req=15633f",  # a repeat: nothing new
        "INFO GET /api/v1/reports/90117 200 84ms req=2b7c01",  # new path, latency
        "INFO the worker is still waiting for the next batch to arrive",  # no values
        "ERROR upstream timed out",
    ]
    keep = np.array([False, False, False, False, True])
    assert coverage_guard(lines, keep, novelty=0.2).tolist() == [True, False, True, False, False]
    # A high rate takes only lines nearly all values; a line once kept makes its repeats stale.
    assert coverage_guard(lines, keep, novelty=5.0).tolist() == [False] * 5
    kept_first = np.array([True, False, False, False, True])
    assert coverage_guard(lines, kept_first, novelty=0.2).tolist() == [False, False, True, False, False]
    assert not coverage_guard(lines, keep, None, 0).any()


def test_compress_novelty_keeps_new_values_as_real_lines(minilm_compressor):
    text = (SAMPLES / "service_log.txt").read_text()
    # (In logs the structure frame replaces novelty; the rule still serves where it is off.)
    base = minilm_compressor.compress(text, domain="log", threshold=0.99, structure=False)
    r = minilm_compressor.compress(text, domain="log", threshold=0.99, novelty=0.3, structure=False)
    assert _exact(text, r.text) > _exact(text, base.text)
    assert set(base.text.splitlines()) - {x for x in base.text.splitlines() if MARKER_RE.match(x)} <= set(
        r.text.splitlines())  # novelty only adds lines
    src = set(text.splitlines())
    assert all(x in src or MARKER_RE.match(x) for x in r.text.splitlines())
    # The model's own rate applies when none is given; 0 turns it off.
    saved_policy = minilm_compressor.policy
    minilm_compressor.policy = dataclasses.replace(saved_policy, novelty=0.3)
    try:
        assert minilm_compressor.compress(text, domain="log", threshold=0.99, structure=False).text == r.text
        assert minilm_compressor.compress(text, domain="log", threshold=0.99, novelty=0, structure=False).text == base.text
    finally:
        minilm_compressor.policy = saved_policy
    with pytest.raises(ValueError, match="novelty"):
        minilm_compressor.compress(text, novelty=-1)


def test_compress_coverage_floor_is_met_and_lines_stay_real(minilm_compressor):
    text = (SAMPLES / "service_log.txt").read_text()
    base = minilm_compressor.compress(text, domain="log", threshold=0.99)
    for floor in (0.9, 0.97):
        r = minilm_compressor.compress(text, domain="log", threshold=0.99, coverage=floor)
        assert _exact(text, r.text) >= floor > _exact(text, base.text)
        src = set(text.splitlines())
        assert all(x in src or MARKER_RE.match(x) for x in r.text.splitlines())
    assert minilm_compressor.compress(text, domain="log", threshold=0.99, coverage=0).text == base.text
    with pytest.raises(ValueError, match="coverage"):
        minilm_compressor.compress(text, coverage=1.5)


def test_guard_keeps_crash_report_lines_whole(minilm_compressor):
    text = (
        "dispatch-worker pc=139 top=103 depth=36\n"
        "the worker loaded the next instruction from the program buffer as usual\n"
        "#0  0x000055d1c0a3 in reduce_message (msg=0x0) at src/vm.c:88\n"
        "#1  0x000055d1c0b7 in main () at src/main.c:12\n"
        "bash: line 1: 46829 Illegal instruction     ./build/node_cli 40 38\n"
        "cc1: all warnings being treated as errors\n"
        "the run is over now\n"
    )
    r = minilm_compressor.compress(text, domain="crash", threshold=1.0, granularity="word")  # model keeps nothing
    out = r.text.splitlines()
    for whole in ("#0  0x000055d1c0a3 in reduce_message (msg=0x0) at src/vm.c:88",  # where it crashed
                  "bash: line 1: 46829 Illegal instruction     ./build/node_cli 40 38",  # how it died
                  "cc1: all warnings being treated as errors", "the run is over now"):  # last line: the outcome
        assert whole in out
    # frame #1 is a structured line: its must-keep words (main, src/main.c:12) keep it whole
    assert "#1  0x000055d1c0b7 in main () at src/main.c:12" in out
    assert "worker loaded" not in r.text
    # Whole lines (crash's default): the same lines, frame #1 among them (the program's own
    # frames are the call path an agent debugs).
    lines = minilm_compressor.compress(text, domain="crash", threshold=1.0)
    assert lines.granularity == "line"
    assert [x for x in lines.text.splitlines() if not MARKER_RE.match(x)] == [
        x for x in text.splitlines() if x.startswith(("#0", "#1", "bash:", "cc1:", "the run"))]


def test_guard_keeps_a_test_sessions_header(minilm_compressor):
    header = ["platform linux -- Python 3.11.7, pytest-9.2.0, pluggy-1.7.0 -- /srv/nova/.venv/bin/python",
              "rootdir: /srv/nova"]
    text = "\n".join(["======================= test session starts =======================", *header,
                      "configfile: pytest.ini", "collected 6 items", "",
                      "tests/test_report.py ......                                   [100%]", "",
                      "======================= 6 passed in 1.94s ========================"]) + "\n"
    for gran in ("line", "word"):
        r = minilm_compressor.compress(text, domain="test", threshold=1.0, granularity=gran)  # model keeps nothing
        out = r.text.splitlines()
        assert all(h in out for h in header), gran  # which Python, which checkout: whole lines
        # the config line is no header: in line mode it goes; in word mode its must-keep word
        # (pytest.ini) keeps it, whole, as every structured line
        assert ("configfile: pytest.ini" in out) == (gran == "word") and "configfile:" not in r.text.replace(
            "configfile: pytest.ini", "")
    assert "rootdir" not in minilm_compressor.compress(text, domain="test", threshold=1.0, guard=False).text


def test_config_granularity_map_decides_auto(minilm_compressor):
    text = (SAMPLES / "gdb_segfault.txt").read_text()
    assert minilm_compressor.compress(text, domain="crash").granularity == "line"  # the built-in default
    saved = minilm_compressor.policy
    # e.g. a model trained on per-word crash labels
    minilm_compressor.policy = dataclasses.replace(saved, granularity={**saved.granularity, "crash": "word"})
    try:
        assert minilm_compressor.compress(text, domain="crash").granularity == "word"
        assert minilm_compressor.compress(text, domain="crash", granularity="line").granularity == "line"
        minilm_compressor.policy = dataclasses.replace(saved, granularity={**saved.granularity, "crash": "sentence"})
        with pytest.raises(ValueError, match="config.json"):
            minilm_compressor.compress(text, domain="crash")
    finally:
        minilm_compressor.policy = saved


def test_policy_tail_lines_stay_whole_in_every_mode(minilm_compressor):
    saved = minilm_compressor.policy
    lines = PYTEST.splitlines()
    tail = [x for x in lines if x.strip()][-6:]
    budgeted: set[str] = set()
    try:
        for k in (1, 6):
            minilm_compressor.policy = dataclasses.replace(saved, tail_lines=k)
            for gran in ("line", "word"):
                out = minilm_compressor.compress(PYTEST, granularity=gran, threshold=1.0).text.splitlines()
                kept_tail = [x for x in tail if x in out]
                # threshold 1.0 keeps nothing on scores: only the guard's lines, the tail among them
                assert kept_tail[-k:] == tail[-k:], (gran, k)
            # Under a token budget only the very last line is forced (the tail would spend it).
            ranked = minilm_compressor.compress(PYTEST, budget=1).text
            assert tail[-1] in ranked.splitlines()
            budgeted.add(ranked)
        minilm_compressor.policy = dataclasses.replace(saved, tail_lines=1)
        few = minilm_compressor.compress(PYTEST, granularity="line", threshold=1.0).text.splitlines()
        minilm_compressor.policy = dataclasses.replace(saved, tail_lines=6)
        more = minilm_compressor.compress(PYTEST, granularity="line", threshold=1.0).text.splitlines()
        assert set(tail) <= set(more) and not set(tail) <= set(few)
        assert len(budgeted) == 1  # the tail does not change what a budget keeps
    finally:
        minilm_compressor.policy = saved


def test_input_over_the_token_budget_reads_head_and_tail_and_keeps_guard_lines(shipped_compressor, monkeypatch):
    from kompress.compressor import MAX_INPUT_TOKENS

    rows = [f"step {i}: the operator reviewed batch {i * 7} of the nightly run on host node-{i % 13} and moved on"
            for i in range(2400)]
    rows[1300] = "Segmentation fault (core dumped) in worker 7 while reading /var/lib/app/index.db"
    rows.append("job finished with exit status 139")
    text = "\n".join(rows) + "\n"
    assert shipped_compressor.count_tokens(text) > 4 * MAX_INPUT_TOKENS
    read = []
    backend = shipped_compressor.backend
    real = backend.scores
    monkeypatch.setattr(backend, "scores", lambda ids, mask, types: read.append(int(np.asarray(mask).sum())) or real(ids, mask, types))
    r = shipped_compressor.compress(text)
    assert sum(read) <= 1.5 * MAX_INPUT_TOKENS  # windows' prefixes and overlaps on top of the budget
    lines = r.text.splitlines()
    assert rows[1300] in lines and lines[-1] == rows[-1]  # the crash in the unread middle, the outcome
    inputs = set(rows)
    assert all(x in inputs or MARKER_RE.match(x) for x in lines)  # whole lines or markers only
    dropped = sum(int(MARKER_RE.match(x).group(1)) for x in lines if MARKER_RE.match(x))
    assert dropped == len(rows) - sum(x in inputs for x in lines)
    assert shipped_compressor.compress(text).text == r.text


def test_running_text_over_half_the_budget_is_read_on_half_of_it(shipped_compressor, monkeypatch):
    """Prose pays half the encoder budget (issue #21: any input at most about twice a log's
    time); ``key: value`` lines of the same size keep the whole budget."""
    from kompress.compressor import MAX_INPUT_TOKENS, PROSE_INPUT_TOKENS

    rng = random.Random(21)
    vocab = ("the job on each host reviewed every batch it was given and then moved on to the next one "
             "while a worker drained its queue before the cache was rebuilt from a snapshot").split()
    prose = "".join(" ".join(rng.choice(vocab) for _ in range(rng.randint(8, 20))).capitalize() + ".\n"
                    for _ in range(1500))
    fields = "".join(f"{rng.choice(vocab)}_{i}: " + " ".join(rng.choice(vocab) for _ in range(rng.randint(8, 20))) + "\n"
                     for i in range(1500))
    backend = shipped_compressor.backend
    real = backend.scores
    for text, budget in ((prose, PROSE_INPUT_TOKENS), (fields, MAX_INPUT_TOKENS)):
        assert shipped_compressor.count_tokens(text) > 2 * PROSE_INPUT_TOKENS
        read: list[int] = []
        monkeypatch.setattr(backend, "scores",
                            lambda ids, mask, types: read.append(int(np.asarray(mask).sum())) or real(ids, mask, types))
        r = shipped_compressor.compress(text)
        assert 0.9 * min(budget, shipped_compressor.count_tokens(text)) <= sum(read) <= 1.5 * budget
        assert r.text.splitlines()[-1] == text.splitlines()[-1]


def test_unread_lines_take_whole_lines_from_both_ends():
    from kompress.compressor import unread_lines

    tokens = np.array([10] * 20)
    assert unread_lines(tokens, None, 200) is None
    unread = unread_lines(tokens, None, 100)
    assert unread.tolist() == [False] * 7 + [True] * 11 + [False] * 2  # 75 tokens of head, 25 of tail
    skip = np.zeros(20, bool)
    skip[:15] = True  # a frame's repeats are not read anyway
    assert unread_lines(tokens, skip, 100) is None
    # A line of 40 tokens (over 100 / 8) is left unread first: the short lines around it are read.
    tokens = np.array([10] * 5 + [40] + [10] * 5)
    assert unread_lines(tokens, None, 100).tolist() == [False] * 5 + [True] + [False] * 5
    assert unread_lines(np.array([60, 60]), None, 100).tolist() == [False, True]  # every line giant: as before


def test_one_line_over_the_token_budget_is_read_on_its_head(shipped_compressor, monkeypatch):
    from kompress.compressor import MAX_INPUT_TOKENS

    line = " ".join(f"item-{i}=ok" for i in range(12_000))  # one line, several budgets long
    assert shipped_compressor.count_tokens(line) > 3 * MAX_INPUT_TOKENS
    read = []
    backend = shipped_compressor.backend
    real = backend.scores
    monkeypatch.setattr(backend, "scores", lambda ids, mask, types: read.append(int(np.asarray(mask).sum())) or real(ids, mask, types))
    r = shipped_compressor.compress(line, guard=False, granularity="word")
    assert 0 < sum(read) <= 1.5 * MAX_INPUT_TOKENS  # read, but only its head
    assert r.tokens_in == shipped_compressor.count_tokens(line)
    assert shipped_compressor.compress(line, guard=False, granularity="word").text == r.text


def test_frame_guard_keeps_own_frames_under_a_kept_stack_heading():
    # asyncio debug: a never-awaited coroutine's creation stack; its "exception" is a source line.
    lines = ["/src/aiocache/decorators.py:71: RuntimeWarning: coroutine 'set_in_cache' was never awaited",
             "Coroutine created at (most recent call last)",
             '  File "/src/proj/catalog.py", line 81, in <module>', "    loop.run_until_complete(main())",
             '  File "/usr/lib/python3.11/asyncio/base_events.py", line 640, in run_until_complete', "    self.run_forever()",
             '  File "/src/proj/catalog.py", line 70, in main', "    print(await price_of([1, 2, 3]))",
             '  File "/src/aiocache/decorators.py", line 71, in decorator', "    self.set_in_cache(key, result)",
             "  self.set_in_cache(key, result)"]
    keep = np.zeros(len(lines), dtype=bool)
    keep[[0, 1]] = True
    add = frame_guard(lines, keep)
    assert add[[2, 3, 6, 7, 8, 9]].all() and not add[[4, 5]].any()  # own frames, the innermost; not asyncio's
    keep[1] = False  # the heading dropped: nothing says this path is the problem's
    assert not frame_guard(lines, keep).any()


def test_a_run_hardly_longer_than_its_marker_is_kept():
    from kompress.decision.decide import short_dropped_runs as _short_dropped_runs
    from kompress.structure.units import line_spans, words_to_lines

    mark = len("[... 1 line omitted ...]")
    near, far = "x" * (mark + 6), "y " * mark  # longer than the marker by a quarter / by half
    text = f"kept line one\n{near}\nkept line two\n{far}\nkept line three\n"
    ws, _ = word_spans(text)
    ls, le = line_spans(text)
    wl = words_to_lines(ws, ls)
    keep = np.isin(wl, [0, 2, 4])
    assert _short_dropped_runs(keep, wl, ls, le).tolist() == [False, True, False, False, False]


def test_an_alerting_line_the_encoder_never_read_stays(shipped_compressor):
    # pgn-extract's error amid 1,500 lines of move text: over the read budget, the middle is
    # never scored; its alerting line stays, the rest of the unread middle goes.
    rng = random.Random(7)
    pieces = ["Nf3", "d5", "g3", "Bg4", "b3", "Nd7", "Bb2", "e6", "Bg2", "Ngf6", "O-O", "c6", "d3", "Bd6", "h3", "Qe1"]
    lines = [" ".join(rng.choice(pieces) + ("" if rng.random() < 0.5 else " { " + "/".join(
        rng.choice(["rnbq", "pp1p", "8", "3p4", "PPPP"]) for _ in range(rng.randint(2, 6))) + " }")
        for _ in range(rng.randint(3, 12))) for _ in range(1500)]
    lines[699:701] = ["File deep-blue.pgn: Line number: 93", "Cannot make move 26. b6 in the game"]
    text = "\n".join(lines) + "\n"
    ws = shipped_compressor.score_words(text, "text")
    l_starts = line_spans(text)[0]
    assert ws.unread is not None and ws.unread[words_to_lines(ws.starts, l_starts) == 700].all()
    r = shipped_compressor.compress(text, domain="text")
    out = r.text.splitlines()
    # With the line above it that names the file: where it happened.
    assert out[out.index("Cannot make move 26. b6 in the game") - 1] == "File deep-blue.pgn: Line number: 93"
    assert r.keep_rate < 0.2


def test_a_prose_line_keeping_a_few_words_of_many_is_whole_or_gone(shipped_compressor):
    # marclint's record title cut to "Web MySQL Christoper." names nothing: a prose line keeping at
    # most FRAGMENT_WORDS of its words, under FRAGMENT_SHARE of them, goes whole (no must-keep word in
    # the fragment) or stays whole (one there).
    from kompress.decision.decide import decide
    from kompress.decision.options import CompressOptions
    from kompress.scoring.scores import WordScores
    prose = "then a sentence of plain prose that the model reads as worth keeping here"
    lines = [prose, "Web programming techniques for integrating many good things in one place by several kind authors",
             prose, "Perl programming in a week and some more words about the book by Lowe 2003 edition", prose]
    text = "\n".join(lines) + "\n"
    starts, ends = word_spans(text)
    words = [text[a:b] for a, b in zip(starts, ends)]
    w_line = words_to_lines(starts, line_spans(text)[0])
    scores = np.where(np.isin(w_line, [0, 2, 4]), 0.99, 0.01).astype(np.float32)
    for w in ("Web", "things", "authors", "week", "2003", "Lowe"):  # three scattered words per title
        scores[words.index(w)] = 0.99
    ws = WordScores(starts, ends, scores, np.ones(len(words), dtype=np.int64))
    d = decide(text, ws, "text", shipped_compressor.policy, CompressOptions(granularity="word"))
    kept = [" ".join(w for w, k, li in zip(words, d.word_keep, w_line) if k and li == i) for i in range(5)]
    assert kept[0] == kept[2] == kept[4] == prose
    assert kept[1] == ""  # no must-keep word among "Web things authors": the fragment goes
    assert kept[3] == lines[3]  # "2003" is must-keep: the line stays whole
