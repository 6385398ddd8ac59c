"""Captured cases as training data: the evidence teacher (kompress.data.cases, `kompress data from-cases`)."""

import json

import numpy as np

from kompress.cli import main
from kompress.data.cases import evidence_labels, examples_from_cases, load_cases
from kompress.data.dataset import read_examples
from kompress.structure.units import line_spans, word_spans, words_to_lines

# A test run: 40 passing lines of noise, one failure with its location, the outcome.
LINES = [f"test tests::case_{i} ... ok" for i in range(40)]
LINES[12] = "test tests::parse_negative ... FAILED"
LINES += ["", "failures:", "thread 'tests::parse_negative' panicked at src/lib.rs:42:9:",
          "  left: 3", " right: 4", "test result: FAILED. 39 passed; 1 failed"]
TEXT = "\n".join(LINES) + "\n"
QUESTIONS = [{"kind": "location", "answer": "src/lib.rs:42:9", "why": "panic location"},
             {"kind": "assertion", "answer": "left: 3", "why": "assert_eq left"}]


def _line_labels(text, labels):
    w_line = words_to_lines(word_spans(text)[0], line_spans(text)[0])
    return {int(i) for i in np.unique(w_line[np.asarray(labels) == 1])}


def test_evidence_labels_keep_answer_and_guard_lines_only():
    labels = evidence_labels(TEXT, [q["answer"] for q in QUESTIONS], "test", rules=False)
    kept = _line_labels(TEXT, labels)
    # The answers' lines, and the guard's (the failure, the outcome); no passing line.
    assert {42, 43, 45} <= kept
    assert not kept & set(range(12)) and not kept & set(range(13, 40))
    # Whole lines: a kept line keeps every word.
    w_line = words_to_lines(word_spans(TEXT)[0], line_spans(TEXT)[0])
    assert all(labels[w_line == i].all() for i in kept)
    # With the rule teacher's labels: a superset (the union the corpus's labels share).
    union = evidence_labels(TEXT, [q["answer"] for q in QUESTIONS], "test")
    assert (union >= labels).all()


def _write_case(root, family, name, text, questions):
    d = root / family
    d.mkdir(parents=True, exist_ok=True)
    (d / f"{name}.txt").write_text(text)
    (d / f"{name}.json").write_text(json.dumps({"family": family, "command": "x", "questions": questions}))


def test_examples_split_by_family_and_keep_questions(tmp_path):
    for fam in ("cargo-test", "rspec", "bats", "tape", "prove", "ctest"):
        _write_case(tmp_path / "set1", fam, "a", TEXT, QUESTIONS)
        _write_case(tmp_path / "set2", fam, "b", TEXT.replace("42:9", "7:1"),
                    [{"kind": "location", "answer": "src/lib.rs:7:1"}])
    ex = examples_from_cases([tmp_path / "set1", tmp_path / "set2"])
    assert len(ex) == 12 and {e.teacher for e in ex} == {"evidence+rules"}
    by_family = {}
    for e in ex:
        by_family.setdefault(e.source.split(":", 1)[1].split("/")[0], set()).add(e.split)
        assert e.split in ("train", "val") and e.domain == "test"
        assert all(q["answer"] in e.text for q in e.questions)
    assert all(len(s) == 1 for s in by_family.values())  # one family never on both sides
    first = next(e for e in ex if e.id == "case:set1/cargo-test/a")
    assert [q["answer"] for q in first.questions] == ["src/lib.rs:42:9", "left: 3"]
    assert first.questions[0]["q"] == "location: panic location"
    # Deterministic: the same folders give the same labels and splits.
    again = examples_from_cases([tmp_path / "set1", tmp_path / "set2"])
    assert [(e.id, e.split, e.labels) for e in again] == [(e.id, e.split, e.labels) for e in ex]


def test_cli_from_cases_writes_readable_examples(tmp_path, capsys):
    _write_case(tmp_path / "cases", "cargo-test", "a", TEXT, QUESTIONS + [{"kind": "x", "answer": "absent"}])
    out = tmp_path / "cases.jsonl"
    assert main(["data", "from-cases", str(tmp_path / "cases"), "--out", str(out)]) == 0
    (ex,) = list(read_examples(out))
    assert ex.teacher == "evidence+rules" and len(ex.questions) == 2
    assert 0 < np.mean(ex.labels) < 0.5
    assert "'absent' is in no line" in capsys.readouterr().err
    assert load_cases(tmp_path / "cases")[0]["id"] == "cargo-test/a"


def test_cli_from_cases_errors_are_one_line(tmp_path, capsys):
    assert main(["data", "from-cases", str(tmp_path / "missing")]) == 2
    assert "no such folder" in capsys.readouterr().err
    (tmp_path / "empty").mkdir()
    assert main(["data", "from-cases", str(tmp_path / "empty")]) == 2
    err = capsys.readouterr().err.strip()
    assert "no case with an answered question" in err and "\n" not in err
    _write_case(tmp_path / "bad", "f", "a", TEXT, [])
    (tmp_path / "bad" / "f" / "a.json").write_text("{not json")
    assert main(["data", "from-cases", str(tmp_path / "bad")]) == 2
    assert "a.json: cannot read the case's questions" in capsys.readouterr().err
