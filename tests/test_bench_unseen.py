"""Metric code of the unseen-tools benchmark (benchmarks/bench_unseen.py) on a synthetic case."""

import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "benchmarks"))

import bench_unseen as u

LINES = [f"test tests::case_{i} ... ok" for i in range(60)]
LINES[20] = "test tests::parse_negative ... FAILED"
LINES += ["", "failures:", "thread 'tests::parse_negative' panicked at src/lib.rs:42:9:",
          "  left: 3", " right: 4", "test result: FAILED. 59 passed; 1 failed"]
TEXT = "\n".join(LINES) + "\n"
QUESTIONS = [{"kind": "failing-test", "answer": "tests::parse_negative"},
             {"kind": "location", "answer": "src/lib.rs:42:9"},
             {"kind": "outcome", "answer": "test result: FAILED"}]


def test_cases_drop_answers_the_text_does_not_hold(tmp_path, capsys):
    fam = tmp_path / "cargo-test"
    fam.mkdir()
    (fam / "a.txt").write_text(TEXT)
    # "src/lib.rs:4" occurs only glued to a digit ("src/lib.rs:42:9"): not in the text as an answer.
    qs = QUESTIONS + [{"kind": "location", "answer": "src/lib.rs:4"}, {"kind": "x", "answer": "absent"}]
    (fam / "a.json").write_text(json.dumps({"command": "cargo test", "questions": qs}))
    (case,) = u.load_cases(tmp_path)
    assert case["id"] == "cargo-test/a" and case["command"] == "cargo test"
    assert [q["answer"] for q in case["questions"]] == [q["answer"] for q in QUESTIONS]
    assert "'absent' is in no line" in capsys.readouterr().err


def test_metrics_count_answers_in_kept_lines_not_in_markers():
    kept = "\n".join([LINES[20], "[... 40 lines omitted: src/lib.rs:42:9 ...]", LINES[-1]])
    m = u.metrics(TEXT, kept, QUESTIONS)
    assert m["answers"] == 2 / 3 and m["all_answers"] == 0.0 and m["kind:location"] == 0.0
    assert m["fidelity"] == 1.0 and 0 < m["word_keep"] < 0.1
    assert u.metrics(TEXT, TEXT, QUESTIONS)["all_answers"] == 1.0
    assert u.metrics(TEXT, "test tests::parse_negative ... FAILED!", QUESTIONS)["fidelity"] == 0.0


def test_baselines_stay_within_the_budget():
    lines = TEXT.split("\n")[:-1]
    lw = u.line_words(lines)
    keeps = u.baseline_keeps(lines, 40, "k")
    for name in ("last lines", "first lines", "head+tail lines", "random lines"):
        assert 0 < lw[keeps[name]].sum() <= 40, name
    assert keeps["last lines"][-1] and not keeps["last lines"][0]
    assert keeps["first lines"][0] and not keeps["first lines"][-1]
    assert keeps["head+tail lines"][0] and keeps["head+tail lines"][-1]
    assert np.array_equal(keeps["random lines"], u.baseline_keeps(lines, 40, "k")["random lines"])
    assert keeps["last 30 lines (own budget)"].sum() == 30
