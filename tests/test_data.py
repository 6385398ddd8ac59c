"""Labelled-data schema, dataset building, pair/log import, and the `kompress data` commands."""

import json
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from kompress.cli import main
from kompress.data.corpus import RawItem
from kompress.data.dataset import (
    DataError, Example, assign_split, build_dataset, examples_from_log, examples_from_pairs, label_items,
    make_example, read_examples, summarize, summary_markdown, write_examples,
)
from kompress.decision.mustkeep import MUST_KEEP_WEIGHT
from kompress.data.teachers import RuleCompressor, rule_labels, silver_labels
from kompress.data.teachers.silver import read_pairs
from kompress.structure.units import word_spans

PAIRS = Path(__file__).parent / "fixtures" / "pairs.jsonl"
LOG = ("2024-03-02 10:15:01 INFO  [api] GET /users/1 200 12ms\n"
       "2024-03-02 10:15:02 INFO  [api] GET /users/2 200 9ms\n"
       "2024-03-02 10:15:03 ERROR [api] upstream timeout after 30s\n"
       "2024-03-02 10:15:04 INFO  [api] GET /users/3 200 11ms\n")
# Long enough that a compressor drops something: a run of one short line costs fewer tokens than
# its marker and stays.
LONG_LOG = LOG + "".join(f"2024-03-02 10:15:{5 + i:02d} INFO  [api] GET /users/{4 + i} 200 {10 + i}ms\n" for i in range(8))


def _example(text="Program received signal SIGSEGV, not handled.", split="test", **kw):
    starts, _ = word_spans(text)
    labels = [1 if i % 2 == 0 else 0 for i in range(len(starts))]
    return make_example(text, labels, domain=kw.pop("domain", "crash"), teacher="rules", source="unit",
                        split=split, id=kw.pop("id", "ex-1"), **kw)


# ----------------------------------------------------------------------------- schema
def test_make_example_fields():
    ex = _example(questions=[{"q": "Which signal?", "answer": "SIGSEGV"}])
    words = [ex.text[s:e] for s, e in ex.words]
    assert words == ["Program", "received", "signal", "SIGSEGV,", "not", "handled."]
    assert ex.labels == [1, 0, 1, 0, 1, 0]
    assert ex.must_keep == [False, False, False, True, True, False]  # ALL_CAPS, polarity word
    assert ex.weights == [1.0, 1.0, 1.0, MUST_KEEP_WEIGHT, MUST_KEEP_WEIGHT, 1.0]
    assert ex.questions == [{"q": "Which signal?", "answer": "SIGSEGV"}]
    assert ex.keep.tolist() == [True, False, True, False, True, False]
    with pytest.raises(ValueError, match="3 labels for 6 words"):
        make_example(ex.text, [1, 0, 1], "crash", "rules", "unit", "test", "x")
    with pytest.raises(ValueError, match="split"):
        make_example(ex.text, ex.labels, "crash", "rules", "unit", "dev", "x")
    with pytest.raises(ValueError, match="unknown domain"):
        make_example(ex.text, ex.labels, "poetry", "rules", "unit", "test", "x")


def test_json_round_trip(tmp_path):
    a = _example()
    b = _example("naïve — ünïcode\ttext ✓\n2nd line 0x1f", split="train", id="ex-2", domain="text")
    d = json.loads(a.to_json())
    assert list(d) == ["id", "domain", "source", "teacher", "split", "text", "words", "labels", "must_keep",
                       "weights", "questions"]
    assert Example.from_json(a.to_json()) == a and Example.from_json(d) == a
    path = tmp_path / "sub" / "ex.jsonl"
    assert write_examples(path, [a, b]) == 2
    assert "naïve" in path.read_text(encoding="utf-8")  # written as UTF-8, not \\u escapes
    assert list(read_examples(path)) == [a, b]


@pytest.mark.parametrize("mutate,msg", [
    (lambda d: d.pop("labels"), "missing field 'labels'"),
    (lambda d: [d.pop("labels"), d.pop("words")], "missing fields 'words', 'labels'"),
    (lambda d: d["labels"].pop(), "'labels' must be a list with one entry per word"),
    (lambda d: d["labels"].__setitem__(0, 2), "labels must be 0 or 1"),
    (lambda d: d.__setitem__("split", "dev"), "split must be one of train|val|test"),
    (lambda d: d.__setitem__("domain", "poetry"), "unknown domain 'poetry'"),
    (lambda d: d["words"].__setitem__(0, [0, 999]), "word span lies outside the text"),
    (lambda d: d.__setitem__("questions", [{"q": "x"}]), "questions must be a list"),
    (lambda d: d.__setitem__("text", 5), "field 'text' must be a string"),
])
def test_read_examples_names_file_line_and_problem(tmp_path, mutate, msg):
    good = json.loads(_example().to_json())
    bad = json.loads(_example().to_json())
    mutate(bad)
    path = tmp_path / "bad.jsonl"
    path.write_text(json.dumps(good) + "\n\n" + json.dumps(bad) + "\n")
    with pytest.raises(DataError) as e:
        list(read_examples(path))
    assert str(e.value).startswith(f"{path}:3: ") and msg in str(e.value)


def test_read_examples_bad_json(tmp_path):
    path = tmp_path / "x.jsonl"
    path.write_text(_example().to_json() + "\n{\"id\": \n")
    with pytest.raises(DataError, match=re.escape(f"{path}:2: bad JSON")):
        list(read_examples(path))


def test_assign_split_stable_and_proportional():
    keys = [f"item-{i}" for i in range(3000)]
    splits = [assign_split(k, 0) for k in keys]
    assert splits == [assign_split(k, 0) for k in keys]
    c = Counter(splits)
    assert 0.77 < c["train"] / 3000 < 0.83 and 0.08 < c["val"] / 3000 < 0.12 and 0.08 < c["test"] / 3000 < 0.12
    assert sum(a != b for a, b in zip(splits, (assign_split(k, 1) for k in keys))) > 500  # the seed matters


def test_summary_numbers():
    exs = [
        make_example("a b c d", [1, 1, 0, 0], "text", "silver", "u", "train", "1"),
        make_example("a b", [1, 1], "text", "silver", "u", "test", "2", questions=[{"q": "?", "answer": "a"}]),
        make_example("x y z w", [0, 0, 0, 1], "log", "rules", "u", "val", "3"),
    ]
    s = summarize(exs, seed=7)
    assert s["examples"] == 3 and s["splits"] == {"train": 1, "val": 1, "test": 1} and s["seed"] == 7
    assert s["words"] == 10 and s["keep_rate"] == 0.5 and s["questions"] == 1
    assert s["domains"]["text"] == {"train": 1, "val": 0, "test": 1, "examples": 2, "mean_words": 3.0,
                                    "keep_rate": round(4 / 6, 4)}
    assert s["teachers"] == {"rules": {"log": 0.25}, "silver": {"text": round(4 / 6, 4)}}
    md = summary_markdown(s)
    assert "| text | 1 | 0 | 1 | 3.0 | 0.667 |" in md and "| rules | log | 0.250 |" in md


# ----------------------------------------------------------------------------- sources
def test_label_items_with_raw_items():
    items = [RawItem("app-log-x-0000", "log", "app-log", "x", "python main.py", LOG, "train"),
             RawItem("pytest-y-0000", "test", "pytest", "y", "pytest -q",
                     "tests/t.py F\nE   assert 1 == 2\n1 failed in 0.01s\n", "test")]
    exs = label_items(items)
    assert [e.id for e in exs] == ["app-log-x-0000", "pytest-y-0000"]
    # line domain: no must-keep override inside dropped lines, weight 1.0 where dropped
    assert exs[0].labels == rule_labels(LOG, "log", override=False).tolist() and exs[0].teacher == "rules"
    assert all(w == 1.0 for w, lab in zip(exs[0].weights, exs[0].labels) if not lab)
    assert exs[0].source == "corpus:app-log/x" and exs[0].questions == []
    assert exs[1].split == "test" and exs[1].questions  # questions on the test split
    assert all(q["answer"] in exs[1].text for q in exs[1].questions)


def test_build_dataset_real_corpus(tmp_path, capsys):
    out = tmp_path / "ds"
    summary = build_dataset(out, seed=0, scale=0.01, families=["pytest", "app-log"])
    printed = capsys.readouterr().out
    assert printed == (out / "summary.md").read_text() and "| domain | train | val | test |" in printed
    assert json.loads((out / "summary.json").read_text()) == summary
    by_split = {s: list(read_examples(out / f"{s}.jsonl")) for s in ("train", "val", "test")}
    assert {s: len(v) for s, v in by_split.items()} == summary["splits"]
    assert summary["examples"] >= 2 and set(summary["domains"]) == {"test", "log"}
    for split, exs in by_split.items():
        for ex in exs:
            assert ex.split == split and ex.teacher == "rules"
            assert ex.labels == rule_labels(ex.text, ex.domain, override=False).tolist()  # line domains
            if split != "test":
                assert ex.questions == []
            assert all(q["answer"] in ex.text for q in ex.questions)
    assert any(ex.questions for ex in by_split["test"])


def test_examples_from_pairs():
    exs, stats = examples_from_pairs(PAIRS, split_seed=0)
    pairs, _ = read_pairs(PAIRS)
    assert stats["kept"] == len(exs) == 4 and stats["skipped_short"] == 1 and stats["skipped_ratio"] == 1
    assert [e.id for e in exs] == ["pair:dog-001", "pair:sess-42", "pair:pairs:3", "pair:dog-002"]
    for e, p in zip(exs, pairs):
        assert e.teacher == "silver" and e.domain == "text" and e.text == p.verbose
        assert e.labels == silver_labels(p.verbose, p.compressed).tolist()
        assert e.split == assign_split(e.id, 0)


def test_examples_from_log_rows():
    """Rows shaped like PairStore.iter_pairs() dicts (the real store is tested below)."""
    rc = RuleCompressor()
    r = rc.compress(LONG_LOG, domain="log")
    rows = [
        {"original": LONG_LOG, "compressed": r.text, "domain": "log", "request_id": "req-1", "api": "anthropic"},
        {"original": LONG_LOG, "compressed": LONG_LOG, "domain": "log", "request_id": "req-2", "api": "openai"},
        {"original": "  ", "compressed": "", "domain": "log", "request_id": "req-3", "api": "openai"},
        {"original": LONG_LOG, "compressed": r.text, "domain": None, "request_id": "req-1", "api": "openai"},
    ]
    exs, stats = examples_from_log(rows)
    assert stats == {"read": 4, "kept": 2, "skipped_unchanged": 1, "skipped_empty": 1, "skipped_unaligned": 0}
    assert [e.id for e in exs] == ["log:req-1", "log:req-1#2"]
    assert exs[0].source == "log:anthropic" and exs[0].teacher == "align" and exs[1].domain == "log"  # detected
    # The logged decision exactly: no must-keep word is added to what the compressor kept.
    assert exs[0].labels == r.word_keep.astype(int).tolist()


def test_from_log_cli_with_real_pair_store(tmp_path, capsys):
    from kompress.serving.proxy.store import PairStore

    db = tmp_path / "pairs.db"
    r = RuleCompressor().compress(LONG_LOG, domain="log", rate=0.3)
    with PairStore(str(db)) as store:
        store.add(original=LONG_LOG, compressed=r.text, domain="log", model_id="rules", keep_rate=r.keep_rate,
                  latency_ms=1.0, request_id="req-9", api="anthropic")
        store.add(original="short text here", compressed="short text here", domain="text", model_id="rules",
                  keep_rate=1.0, latency_ms=1.0, request_id="req-10", api="openai")
    out = tmp_path / "log.jsonl"
    assert main(["data", "from-log", f"sqlite:///{db}", "--out", str(out)]) == 0
    captured = capsys.readouterr()
    assert "| align | log |" in captured.out and "compressed text equals the original 1" in captured.out
    [ex] = list(read_examples(out))
    assert ex.id == "log:req-9" and ex.labels == r.word_keep.astype(int).tolist()


# ----------------------------------------------------------------------------- CLI
def test_from_pairs_cli(tmp_path, capsys):
    out = tmp_path / "pairs.jsonl"
    assert main(["data", "from-pairs", str(PAIRS), "--out", str(out)]) == 0
    captured = capsys.readouterr()
    assert "| silver | text |" in captured.out
    assert "Skipped: verbose answer under 80 chars 1, compressed less than 1.3x 1." in captured.out
    assert f"wrote 4 examples to {out}" in captured.err
    assert [e.id for e in read_examples(out)] == [e.id for e in examples_from_pairs(PAIRS)[0]]


def test_show_strikes_dropped_words(tmp_path, capsys, monkeypatch):
    path = tmp_path / "ex.jsonl"
    write_examples(path, [_example(id=f"ex-{i}", split="train") for i in range(5)])
    monkeypatch.setenv("FORCE_COLOR", "1")  # rich writes its styles although stdout is captured
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm-256color")
    assert main(["data", "show", str(path), "--n", "2", "--seed", "3"]) == 0
    captured = capsys.readouterr()
    plain = re.sub(r"\x1b\[[0-9;]*m", "", captured.out)
    assert len(re.findall(r"#\d ex-\d", plain)) == 2 and "2 of 5 examples shown" in captured.err
    assert "kept 3/6 words (50.0%)" in plain and "domain=crash teacher=rules split=train" in plain
    assert re.search(r"\x1b\[[0-9;]*9[0-9;]*mreceived", captured.out)  # struck (SGR 9) dropped word
    assert not re.search(r"\x1b\[[0-9;]*9[0-9;]*mProgram", captured.out)  # kept word: plain
    main(["data", "show", str(path), "--n", "2", "--seed", "3"])
    assert capsys.readouterr().out == captured.out  # the same choice for the same seed


@pytest.mark.parametrize("argv,content,msg", [
    (["data", "show", "{dir}/missing.jsonl"], None, "missing.jsonl: no such file"),
    (["data", "show", "{dir}"], None, "is a directory"),
    (["data", "show", "{dir}/bad.jsonl"], '{"id": "x"}\n{oops\n', "bad.jsonl:1: missing fields"),
    (["data", "show", "{dir}/bad.jsonl"], "{oops\n", "bad.jsonl:1: bad JSON"),
    (["data", "from-pairs", "{dir}/bad.jsonl"], '{"q": 1}\n', "bad.jsonl:1: expected fields"),
    (["data", "from-pairs", "{dir}/missing.jsonl"], None, "no such file"),
    (["data", "from-log", "{dir}/missing.db"], None, "missing.db: no such file"),
    (["data", "from-log", "sqlite:///{dir}/missing.db"], None, "missing.db: no such file"),
    (["data", "build", "--out", "{dir}/ds", "--families", "no-such-family"], None, "unknown families"),
])
def test_cli_errors_are_one_line(tmp_path, capsys, argv, content, msg):
    if content is not None:
        (tmp_path / "bad.jsonl").write_text(content)
    assert main([a.format(dir=tmp_path) for a in argv]) == 2
    err = capsys.readouterr().err.strip()
    assert msg in err and "\n" not in err and "Traceback" not in err
    assert err.startswith("kompress data: error: ")


def test_cli_bad_option_values_and_help():
    for argv in (["data", "build", "--scale", "0"], ["data", "show", "x", "--n", "-1"]):
        p = subprocess.run([sys.executable, "-m", "kompress.cli", *argv], capture_output=True, text=True)
        assert p.returncode == 2 and "expected" in p.stderr
    p = subprocess.run([sys.executable, "-m", "kompress.cli", "data"], capture_output=True, text=True)
    assert p.returncode == 2 and "from-pairs" in p.stdout and "from-log" in p.stdout
