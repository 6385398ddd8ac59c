"""`kompress eval`: metrics on hand-computed cases, baselines, sweep, report files, CLI."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest

from kompress import Compressor
from kompress.cli import main
from kompress.scoring.scores import WordScores
from kompress.data.schema import DataError
from kompress.evaluation.baselines import random_keep
from kompress.evaluation.embedder import Embedder
from kompress.evaluation.evaluate import DEFAULT_SWEEP, evaluate
from kompress.evaluation.items import Item, load_examples, to_item
from kompress.evaluation.metrics import ItemFacts, item_tally
from kompress.evaluation.outputs import Output, project_keep, render_words
from kompress.decision.mustkeep import is_must_keep
from kompress.evaluation.report import to_markdown, write_report
from kompress.structure.units import word_spans


def record(id_: str, domain: str, text: str, keep_words: set[str], questions: list[tuple[str, str]],
           split: str = "test") -> dict:
    """A labelled example in the JSONL schema; a word is labelled keep when it is in keep_words."""
    starts, ends = word_spans(text)
    words = [text[s:e] for s, e in zip(starts, ends)]
    must = [is_must_keep(w) for w in words]
    return {
        "id": id_, "domain": domain, "source": "handmade", "teacher": "hand", "split": split, "text": text,
        "words": [[int(s), int(e)] for s, e in zip(starts, ends)],
        "labels": [int(w in keep_words) for w in words],
        "must_keep": must, "weights": [3.0 if m else 1.0 for m in must],
        "questions": [{"q": q, "answer": a} for q, a in questions],
    }


RECORDS = [
    record(
        "crash-1", "crash",
        "Program received signal SIGSEGV, Segmentation fault.\n"
        "0x00007ffff7a5b2c4 in memcpy () from /lib/x86_64-linux-gnu/libc.so.6\n"
        "The buffer was not initialised before the copy, so the process stopped.\n",
        {"SIGSEGV,", "Segmentation", "fault.", "0x00007ffff7a5b2c4", "memcpy", "/lib/x86_64-linux-gnu/libc.so.6", "not",
         "initialised"},
        [("Which signal?", "SIGSEGV"), ("Which function?", "memcpy")],
    ),
    record(
        "log-1", "log",
        "2024-05-01 10:00:01 INFO service starting on port 8080\n"
        "2024-05-01 10:00:02 INFO loading config from /etc/app/config.yaml\n"
        "2024-05-01 10:00:03 ERROR connection refused to db.internal:5432\n"
        "2024-05-01 10:00:04 INFO retrying in 5 seconds\n",
        {"ERROR", "connection", "refused", "db.internal:5432"},
        [("Which port did the database refuse?", "5432"), ("Which level?", "ERROR")],
    ),
    record(
        "grep-1", "grep",
        "src/app.py:12:import os\n"
        "src/app.py:40:    raise ValueError('bad <input> & more')\n"
        "README.md:3:usage notes\n",
        {"src/app.py:40:", "raise", "ValueError('bad", "<input>"},
        [("Where is the raise?", "src/app.py:40")],
    ),
    record(
        "text-1", "text",
        "The quick brown fox did not jump over the lazy dog because it was never asked to.\n",
        {"quick", "brown", "fox", "not", "jump", "lazy", "dog", "never", "asked"},
        [("Did the fox jump?", "not")],
    ),
]


@pytest.fixture(scope="session")
def items():
    return [to_item(r) for r in RECORDS]


@pytest.fixture(scope="session")
def embedder():
    return Embedder()


class CountingBackend:
    """The real backend, with a count of the encoder batches it ran."""

    def __init__(self, inner) -> None:
        self.inner, self.uses_token_types, self.calls = inner, inner.uses_token_types, 0

    def scores(self, input_ids, attention_mask, token_type_ids):
        self.calls += 1
        return self.inner.scores(input_ids, attention_mask, token_type_ids)


def counting(compressor) -> Compressor:
    return Compressor(CountingBackend(compressor.backend), compressor.tokenizer, compressor.config)


@pytest.fixture(scope="session")
def counted(minilm_compressor):
    return counting(minilm_compressor)


@pytest.fixture(scope="session")
def run(counted, items, embedder):
    return evaluate(counted, items, embedder=embedder, meta={"model": "untrained-minilm", "data": "inline"})


@pytest.fixture(scope="session")
def run_word(minilm_compressor, items):
    # At a threshold the untrained model barely reaches, the model alone drops nearly all
    # words; no sweep, no sem_sim, no rules.
    return evaluate(minilm_compressor, items, threshold=0.9, granularity="word", sweep=None, rules=None)


# ------------------------------------------------------------------ metrics by hand
def test_item_tally_by_hand():
    text = "ok never line\nERROR: disk sda is not ready\nsrc/a.py:3: x = 1\n"
    starts, ends = word_spans(text)
    assert len(starts) == 13
    labels = np.array([0, 1, 0, 1, 1, 1, 0, 1, 1, 1, 0, 0, 1], dtype=np.int8)
    keep = np.array([0, 0, 0, 1, 1, 0, 0, 1, 1, 1, 1, 1, 1], dtype=bool)
    n_tok = np.array([1, 1, 1, 3, 1, 1, 1, 1, 1, 5, 1, 1, 1])
    item = Item("x", "log", text, starts, ends, labels, np.zeros(13, bool),
                [{"q": "device", "answer": "sda"}, {"q": "what", "answer": "ERROR: disk"}, {"q": "bad", "answer": "zzz"}])
    ws = WordScores(starts, ends, np.zeros(13, np.float32), n_tok)
    out_text = render_words(text, starts, ends, keep)
    assert out_text == "[... 1 line omitted ...]\nERROR: disk not ready\nsrc/a.py:3: x = 1\n"
    facts = ItemFacts(item, ws)
    assert facts.bad_questions == 1  # "zzz" is not in the input
    m = item_tally(facts, Output(out_text, keep, 19, int(n_tok[keep].sum())), sim=0.5).summary()
    assert m["keep_rate"] == round(14 / 19, 4)
    assert m["word_keep_rate"] == round(8 / 13, 4)
    # tp: ERROR: disk not ready src/a.py:3: 1; fp: x =; fn: never sda
    assert (m["word_precision"], m["word_recall"], m["word_f1"]) == (0.75, 0.75, 0.75)
    # must-keep matches: never ERROR not /a.py 1 -> "never" lost
    assert m["exact_keep_pct"] == 0.8
    assert m["answer_survival"] == 0.5 and m["questions"] == 2
    assert m["negation_survival"] == 0.5  # never dropped, not kept
    assert m["line_fidelity"] == round(2 / 3, 4)  # marker + whole grep line; the cut line is not whole
    assert m["grep_check"] == 1.0
    assert m["sem_sim"] == 0.5


def test_project_keep_between_span_sets():
    text = "key=value other"
    # source: one span per side of '=' and 'other'; destination: whitespace words
    src_s, src_e = np.array([0, 4, 10]), np.array([3, 9, 15])
    dst_s, dst_e = word_spans(text)
    assert project_keep(src_s, src_e, np.array([0, 1, 1], bool), dst_s, dst_e, len(text)).tolist() == [True, True]
    assert project_keep(src_s, src_e, np.array([1, 0, 0], bool), dst_s, dst_e, len(text)).tolist() == [False, False]
    same = project_keep(dst_s, dst_e, np.array([1, 0], bool), dst_s, dst_e, len(text))
    assert same.tolist() == [True, False]


def test_random_keep_is_seeded_and_exact():
    a = random_keep(100, 37, seed=0, item_id="x")
    assert a.sum() == 37 and np.array_equal(a, random_keep(100, 37, seed=0, item_id="x"))
    assert not np.array_equal(a, random_keep(100, 37, seed=1, item_id="x"))


def test_embedder_similarity_and_long_text(embedder):
    base = "The database connection was refused on port 5432."
    sims = embedder.similarity(base, [base, "Connection refused by the database at port 5432", "bananas are yellow", ""])
    assert sims[0] == 1.0 and sims[3] == 0.0
    assert sims[1] > sims[2] + 0.2
    long = " ".join(f"line {i} of the log says the disk is full" for i in range(200))  # > 256 tokens: several windows
    v = embedder.embed([long, base])
    assert v.shape == (2, 384) and abs(float(np.linalg.norm(v[0])) - 1.0) < 1e-5
    assert "all-MiniLM-L6-v2" in embedder.description


# ------------------------------------------------------------------ evaluate()
def test_identity_and_must_keep_baselines(run, items):
    ident = run.report["systems"]["identity"]["overall"]
    n_words = sum(len(it.labels) for it in items)
    n_pos = sum(int(it.labels.sum()) for it in items)
    assert ident["keep_rate"] == 1.0 and ident["word_keep_rate"] == 1.0
    assert ident["answer_survival"] == 1.0 and ident["questions"] == 6
    assert ident["exact_keep_pct"] == 1.0 and ident["sem_sim"] == 1.0
    assert ident["line_fidelity"] == 1.0 and ident["negation_survival"] == 1.0 and ident["grep_check"] == 1.0
    # keeping everything: precision = positives / words, recall 1
    assert ident["word_recall"] == 1.0
    assert ident["word_f1"] == round(2 * n_pos / (n_pos + n_words), 4)
    must = run.report["systems"]["must_keep"]["overall"]
    assert must["word_keep_rate"] == round(sum(int(it.must_keep.sum()) for it in items) / n_words, 4)
    assert must["exact_keep_pct"] == 1.0  # every match lies in a must-keep word


def test_random_matches_model_word_keep_rate(run):
    s = run.report["systems"]
    assert s["random"]["overall"]["word_keep_rate"] == s["model"]["overall"]["word_keep_rate"]
    for d, m in s["model"]["per_domain"].items():
        assert s["random"]["per_domain"][d]["word_keep_rate"] == m["word_keep_rate"]


def test_report_shape_and_one_encoder_pass_per_item(run, items, counted, minilm_compressor):
    r = run.report
    # The sweep (9 thresholds x guard on/off) re-decides, it does not re-encode: the whole
    # evaluation ran exactly the encoder batches of scoring each item once.
    once = counting(minilm_compressor)
    for it in items:
        once.score_words(it.text, it.domain)
    assert counted.backend.calls == once.backend.calls > 0
    assert r["encoder_passes"] == len(items)
    assert set(r["systems"]["model"]["per_domain"]) == {"crash", "log", "grep", "text"}
    k = r["systems"]["model"]["overall"]
    assert 0.0 < k["sem_sim"] <= 1.0 and 0.0 <= k["keep_rate"] <= 1.0
    assert k["exact_keep_pct"] >= k["exact_keep_pct_raw"]
    assert "all-MiniLM-L6-v2" in r["sim_model"]
    if "rules" in r["systems"]:
        assert 0.0 <= r["systems"]["rules"]["overall"]["keep_rate"] <= 1.0
    else:
        assert any("domain-rule baseline skipped" in n for n in r["notes"])


def test_sweep_keep_rate_monotonic(run):
    sweep = run.report["sweep"]
    assert [p["threshold"] for p in sweep] == list(DEFAULT_SWEEP)
    for key in ("keep_rate", "word_keep_rate"):
        guard = [p[key] for p in sweep]
        raw = [p["raw"][key] for p in sweep]
        assert all(a >= b for a, b in zip(guard, guard[1:])), guard
        assert all(a >= b for a, b in zip(raw, raw[1:])), raw
        assert all(g >= r for g, r in zip(guard, raw))  # the guard only adds
        assert raw[0] > raw[-1]


def test_guard_raises_exact_keep(run_word):
    # In word granularity the guard keeps every must-keep word, so exact_keep is 1.0.
    r = run_word.report
    k = r["systems"]["model"]["overall"]
    assert k["exact_keep_pct"] == 1.0
    assert k["exact_keep_pct_raw"] < 0.5
    assert r["systems"]["model"]["overall"]["negation_survival"] == 1.0
    assert r["sim_model"] is None and r["systems"]["model"]["overall"]["sem_sim"] is None


# ------------------------------------------------------------------ files
def test_report_files(run, tmp_path):
    written = write_report(run, tmp_path)
    assert set(written) == {"eval.json", "eval.md", "sweep.png", "examples.html"}
    assert (tmp_path / "sweep.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert json.loads((tmp_path / "eval.json").read_text())["systems"].keys() == run.report["systems"].keys()
    md = (tmp_path / "eval.md").read_text()
    assert "| identity (keep all) | 1.000 | 1.000 | 1.000 | 1.000 |" in md
    assert "## Threshold sweep" in md and "all-MiniLM-L6-v2" in md
    page = (tmp_path / "examples.html").read_text()
    assert "&lt;input&gt;" in page and "<input>" not in page and "&amp; more" in page
    assert page.count("<section>") == 4
    # a pure function of the run: same bytes again
    again = tmp_path / "again"
    write_report(run, again)
    for name in ("eval.json", "eval.md", "sweep.png", "examples.html"):
        assert (again / name).read_bytes() == (tmp_path / name).read_bytes(), name


def test_html_strikes_dropped_words(run_word, tmp_path):
    write_report(run_word, tmp_path)
    page = (tmp_path / "examples.html").read_text()
    assert "<del>" in page and 'class="guard">SIGSEGV,</span>' in page
    assert not (tmp_path / "sweep.png").exists()
    assert "Threshold sweep" not in to_markdown(run_word.report)


# ------------------------------------------------------------------ data and CLI
def write_jsonl(path, records, extra_lines=()):
    path.write_text("".join(json.dumps(r) + "\n" for r in records) + "".join(extra_lines))
    return path


def test_load_examples_errors(tmp_path):
    with pytest.raises(DataError, match="no such file"):
        load_examples(tmp_path / "missing.jsonl")
    bad = write_jsonl(tmp_path / "bad.jsonl", RECORDS[:1], ["{not json\n"])
    with pytest.raises(DataError, match=r"bad\.jsonl.*2"):
        load_examples(bad)
    short = dict(RECORDS[0], labels=RECORDS[0]["labels"][:-1])
    with pytest.raises(DataError, match="labels"):
        load_examples(write_jsonl(tmp_path / "short.jsonl", [short]))
    with pytest.raises(DataError, match="no examples"):
        load_examples(write_jsonl(tmp_path / "empty.jsonl", []))
    assert [it.id for it in load_examples(write_jsonl(tmp_path / "ok.jsonl", RECORDS), limit=2)] == ["crash-1", "log-1"]


def test_cli_eval(minilm_dir, tmp_path, capsys):
    data = write_jsonl(tmp_path / "test.jsonl", RECORDS)
    out = tmp_path / "eval"
    rc = main(["eval", "--model", str(minilm_dir), "--data", str(data), "--out", str(out),
               "--sim-model", "none", "--limit", "3", "--granularity", "line"])
    assert rc == 0
    captured = capsys.readouterr()
    assert "identity (keep all)" in captured.out and "wrote" in captured.out
    report = json.loads((out / "eval.json").read_text())
    assert report["items"] == 3 and report["granularity"] == "line" and report["sim_model"] is None
    assert (out / "sweep.png").read_bytes()[:4] == b"\x89PNG"
    assert (out / "examples.html").is_file() and (out / "eval.md").is_file()


@pytest.mark.parametrize("args,msg", [
    (["--data", "nope.jsonl"], "no such file"),
    (["--data", "BAD"], ":2: bad JSON"),
    (["--data", "SHORT"], "labels"),
    (["--data", "OK", "--model", "no-such-model"], "no such model folder"),
    (["--data", "OK", "--sim-model", "/no/such/encoder"], "cannot load sim model"),
    (["--data", "OK", "--only", "json", "--min-lines", "500"], "no examples of domain json with at least 500 lines"),
])
def test_cli_eval_errors(args, msg, tmp_path, capsys):
    paths = {
        "BAD": write_jsonl(tmp_path / "bad.jsonl", RECORDS[:1], ["{oops\n"]),
        "SHORT": write_jsonl(tmp_path / "short.jsonl", [dict(RECORDS[0], labels=[1])]),
        "OK": write_jsonl(tmp_path / "ok.jsonl", RECORDS),
    }
    args = [str(paths.get(a, a)) for a in args]
    assert main(["eval", *args, "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert msg in err and "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_cli_eval_bad_option(capsys):
    with pytest.raises(SystemExit) as e:
        main(["eval", "--data", "x.jsonl", "--limit", "0"])
    assert e.value.code == 2 and "expected >= 1" in capsys.readouterr().err
    with pytest.raises(SystemExit) as e:
        main(["eval", "--data", "x.jsonl", "--only", "json,jsno"])
    assert e.value.code == 2 and "unknown domain jsno" in capsys.readouterr().err


def test_select_items_by_domain_and_length(tmp_path):
    from kompress.evaluation.runner import select_items

    items = load_examples(write_jsonl(tmp_path / "ok.jsonl", RECORDS))
    lines = {it.id: it.text.count("\n") + (not it.text.endswith("\n")) for it in items}
    domains = {it.id: it.domain for it in items}
    some = sorted(set(domains.values()))[:2]
    assert [it.id for it in select_items(items, some)] == [i for i in lines if domains[i] in some]
    cut = sorted(lines.values())[len(lines) // 2]
    assert [it.id for it in select_items(items, None, cut)] == [i for i, n in lines.items() if n >= cut]
    assert select_items(items, None, max(lines.values()) + 1) == []


def test_sweep_labels_merge_coinciding_thresholds():
    from kompress.evaluation.report import _threshold_labels

    sweep = [{"threshold": t} for t in (0.1, 0.2, 0.3, 0.4, 0.5)]
    xs, ys = [1.0, 1.0, 0.8, 0.5, 0.505], [1.0, 1.0, 0.9, 0.7, 0.7]
    assert _threshold_labels(sweep, xs, ys) == [(1.0, 1.0, "0.1-0.2"), (0.8, 0.9, "0.3"), (0.5, 0.7, "0.4-0.5")]


def test_domains_detected_like_compress_or_gold(minilm_compressor, items):
    log = next(it for it in items if it.domain == "log")
    mislabelled = dataclasses.replace(log, domain="text")
    kw = dict(sweep=None, rules=None, threshold=0.5)
    detected = evaluate(minilm_compressor, [mislabelled], **kw).report
    assert detected["domains"] == "detect"
    assert detected["domain_detection"] == {"accuracy": 0.0, "misdetected": {"text -> log": 1}}
    # Run on the detected domain, the item scores as the correctly labelled one does...
    right = evaluate(minilm_compressor, [log], domains="gold", **kw).report
    assert right["domain_detection"] is None
    assert detected["systems"]["model"]["overall"] == right["systems"]["model"]["overall"]
    # ...and as Compressor.compress, which detects too, would answer.
    out = minilm_compressor.compress(log.text, threshold=0.5).text
    assert detected["systems"]["model"]["overall"]["answer_survival"] == pytest.approx(
        sum(q["answer"] in out for q in log.questions) / len(log.questions))
    # On the labelled domain it is another run (a TEXT: prefix, word granularity).
    gold = evaluate(minilm_compressor, [mislabelled], domains="gold", **kw).report
    assert gold["systems"]["model"]["overall"] != detected["systems"]["model"]["overall"]
    with pytest.raises(ValueError, match="domains must be one of"):
        evaluate(minilm_compressor, [log], domains="oracle", **kw)
