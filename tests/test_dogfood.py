"""The dogfood loop end to end: the shipped model compresses real tool outputs inside the real
proxy (logging mode, in-process, against the local stand-in upstream of ``test_proxy``), the
real pair store (SQLite) logs the pairs, ``kompress data from-log`` labels them, and the labels
must be the logged decision exactly: the same kept words as the compressor's own decision,
the same keep-rate, and rendered again they give the logged compressed text."""

from __future__ import annotations

import difflib
import json
from pathlib import Path

import httpx
import numpy as np
import pytest

from kompress import MARKER_RE
from kompress.cli import main
from kompress.data.schema import read_examples
from kompress.data.teachers.replay import replay_labels
from kompress.decision.options import CompressOptions
from kompress.rendering.render import marker, render
from kompress.serving.proxy import PairStore, ProxyConfig, content_hash, create_app
from kompress.structure.units import line_spans, word_spans, words_to_lines

from .test_proxy import ServerThread, Upstream, bash_call_body, settle

ROOT = Path(__file__).resolve().parent.parent
MIN_TOKENS = 100


def _diff() -> str:
    """A real unified diff: the renderer's source against an edited copy of it."""
    old = (ROOT / "src/kompress/rendering/render.py").read_text().splitlines(keepends=True)
    new = [line.replace("omitted", "elided") if i % 7 == 0 else line for i, line in enumerate(old)]
    new.insert(40, "# a new comment line\n")
    return "".join(difflib.unified_diff(old, new, "a/src/kompress/rendering/render.py",
                                        "b/src/kompress/rendering/render.py"))


def _pytest_verbose() -> str:
    """``pytest -v``: the passing tests' lines, then the sample's failures (the sample alone is
    short and dense: its rules and carets cost a model's tokenizer no more than markers would)."""
    failures = (ROOT / "samples/pytest_failure.txt").read_text()
    passing = "".join(f"test_calc.py::test_parse_case_{k} PASSED{' ' * 30}[{k + 1:3d}%]\n" for k in range(60))
    return passing + failures


def _prose() -> str:
    """Prose paragraphs (word-level drops happen only here)."""
    text = (ROOT / "docs/architecture.md").read_text()
    start = text.index("## Queries")
    return text[start : text.index("## The structure frame")]


TOOL_OUTPUTS = {
    "log": (ROOT / "samples/service_log.txt").read_text(),
    "pytest": _pytest_verbose(),
    "crash": (ROOT / "samples/gdb_segfault.txt").read_text(),
    "diff": _diff(),
    "prose": _prose(),
}


def _plain_markers(text: str) -> str:
    return "\n".join(marker(int(m.group(1))) if (m := MARKER_RE.match(line)) else line for line in text.split("\n"))


def _rerender(text: str, labels: list[int]) -> str:
    """The labels rendered by the real renderer (line mode when every line is all-or-nothing)."""
    starts, ends = word_spans(text)
    l_starts, l_ends = line_spans(text)
    w_line = words_to_lines(starts, l_starts)
    keep = np.asarray(labels, dtype=bool)
    line_keep = np.zeros(len(l_starts), dtype=bool)
    line_keep[w_line[keep]] = True
    whole = bool((keep == line_keep[w_line]).all())
    out, _ = render(text, starts, ends, keep, l_starts, l_ends, w_line, line_keep if whole else None)
    return out


@pytest.fixture(scope="module")
def logged(shipped_compressor, tmp_path_factory):
    """Every tool output sent through the real proxy (compress mode, logging), one request each;
    returns the database path."""
    db = tmp_path_factory.mktemp("dogfood") / "pairs.db"
    up = Upstream()
    with ServerThread(up.app) as upstream:
        config = ProxyConfig(upstream_openai=upstream.url, upstream_anthropic=upstream.url, log_db=str(db),
                             budget_ms=120_000, options=CompressOptions(min_tokens=MIN_TOKENS))
        app = create_app(config, compressor=shipped_compressor)
        with ServerThread(app) as proxy:
            for i, (name, text) in enumerate(TOOL_OUTPUTS.items()):
                r = httpx.post(proxy.url + "/v1/chat/completions", json=bash_call_body(f"c{i}", text), timeout=120)
                assert r.status_code == 200
                sent = json.loads(up.last("/v1/chat/completions")["body"])["messages"][1]["content"]
                assert sent != text, f"{name}: the proxy did not compress it"
            settle(proxy)
    return db


def test_from_log_reproduces_the_logged_decisions(logged, shipped_compressor, tmp_path, capsys):
    out = tmp_path / "log.jsonl"
    assert main(["data", "from-log", str(logged), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    examples = {ex.text: ex for ex in read_examples(out)}
    pairs = {p["hash"]: p for p in PairStore(str(logged)).iter_pairs()}
    assert len(examples) == len(pairs) == len(TOOL_OUTPUTS)
    kept_words = total_words = tokens_in = tokens_out = 0
    for name, text in TOOL_OUTPUTS.items():
        pair = pairs[content_hash(text)]
        ex = examples[text]
        # What the proxy decided, recomputed (same input, options and model: the same decision).
        r = shipped_compressor.compress(text, CompressOptions(min_tokens=MIN_TOKENS))
        assert pair["compressed"] == r.text, name
        assert ex.labels == r.word_keep.astype(int).tolist(), name
        # So the label keep-rate is the logged one: in words, and in the model's tokens.
        assert sum(ex.labels) / len(ex.labels) == pytest.approx(float(r.word_keep.mean()), abs=0), name
        assert pair["keep_rate"] == pytest.approx(r.tokens_out / r.tokens_in), name
        # Rendered again, the labels give the logged text (markers compared by their line count).
        assert _plain_markers(_rerender(text, ex.labels)) == _plain_markers(pair["compressed"]), name
        # A must-keep word the decision dropped is weighted like any other word.
        assert all(w == 1.0 for w, lab in zip(ex.weights, ex.labels) if not lab), name
        kept_words, total_words = kept_words + sum(ex.labels), total_words + len(ex.labels)
        tokens_in, tokens_out = tokens_in + r.tokens_in, tokens_out + r.tokens_out
    assert examples[TOOL_OUTPUTS["prose"]].domain == "text"  # word-level drops are covered
    prose = examples[TOOL_OUTPUTS["prose"]]
    assert _rerender(prose.text, prose.labels) != _plain_markers(prose.text)
    assert f"label keep-rate {round(kept_words / total_words, 4):.3f}" in printed
    assert f"logged keep-rate {tokens_out / tokens_in:.3f} of the tokens" in printed


def test_the_service_log_is_labelled_as_sparsely_as_it_was_kept(logged, tmp_path, capsys):
    """Issue #21 item 10: the old aligner labelled must-keep words (numbers, paths, times) kept on
    every line of a log the proxy had cut to a few lines."""
    out = tmp_path / "log.jsonl"
    main(["data", "from-log", str(logged), "--out", str(out)])
    capsys.readouterr()
    text = TOOL_OUTPUTS["log"]
    (ex,) = [e for e in read_examples(out) if e.text == text]
    pair = next(p for p in PairStore(str(logged)).iter_pairs() if p["hash"] == content_hash(text))
    kept_lines = [line for line in pair["compressed"].split("\n") if line and not MARKER_RE.match(line)]
    starts, _ = word_spans(text)
    w_line = words_to_lines(starts, line_spans(text)[0])
    labelled_lines = {int(w_line[i]) for i, lab in enumerate(ex.labels) if lab}
    assert len(labelled_lines) == len(kept_lines) < len(text.splitlines()) / 2


def test_pairs_that_do_not_replay_are_skipped_and_counted(shipped_compressor, tmp_path, capsys):
    text = TOOL_OUTPUTS["log"]
    r = shipped_compressor.compress(text, CompressOptions(min_tokens=MIN_TOKENS))
    lines = r.text.split("\n")
    # Older or foreign formats: the note left in, a line edited, words joined without markers
    # (the bag-of-words shape the old aligner accepted), a marker counting past the end.
    bad = {
        "note": r.text + "[kompress: compressed 10->2 tokens; original: 0123456789abcdef]\n",
        "edited": "\n".join(lines[:1] + [lines[1] + " (edited)"] + lines[2:]),
        "no-markers": "\n".join(line for line in lines if not MARKER_RE.match(line)),
        "overcount": "\n".join(lines[:-2] + ["[... 500 lines omitted ...]", ""]),
    }
    for name, compressed in bad.items():
        assert replay_labels(text, compressed) is None, name
    db = tmp_path / "mixed.db"
    with PairStore(str(db)) as store:
        store.add(original=text, compressed=r.text, domain=r.domain, model_id="m", keep_rate=r.keep_rate,
                  latency_ms=1.0, request_id="good", api="openai-chat", tokens_in=r.tokens_in, tokens_out=r.tokens_out)
        for i, compressed in enumerate(bad.values()):
            store.add(original=f"{text}extra line {i}\n", compressed=compressed, domain="log", model_id="m",
                      keep_rate=0.1, latency_ms=1.0, request_id=f"bad{i}", api="openai-chat")
    out = tmp_path / "log.jsonl"
    assert main(["data", "from-log", str(db), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert f"compressed text does not replay exactly (older format or edited) {len(bad)}" in printed
    assert [ex.id for ex in read_examples(out)] == ["log:good"]


def test_a_pair_with_redacted_secrets_still_replays(tmp_path):
    """Secrets are redacted in the original and the compressed text alike, so the stored pair
    is still a rendering of the stored original."""
    key = "sk-proj-Q1w2E3r4T5y6U7i8O9p0A1s2D3f4"
    text = TOOL_OUTPUTS["log"].replace("pool nearly exhausted", f"pool nearly exhausted OPENAI_API_KEY={key}", 1)
    starts, ends = word_spans(text)
    keep = np.zeros(len(starts), dtype=bool)
    l_starts, l_ends = line_spans(text)
    w_line = words_to_lines(starts, l_starts)
    line_keep = np.zeros(len(l_starts), dtype=bool)
    line_keep[::3] = True  # every third line kept, the key's among them or not
    line_keep[[i for i, line in enumerate(text.split("\n")) if key in line]] = True
    keep = line_keep[w_line]
    compressed, _ = render(text, starts, ends, keep, l_starts, l_ends, w_line, line_keep)
    with PairStore(str(tmp_path / "s.db")) as store:
        store.add(original=text, compressed=compressed, domain="log", model_id="m", keep_rate=0.3,
                  latency_ms=1.0, request_id="s", api="openai-chat")
        (pair,) = list(store.iter_pairs())
    assert key not in pair["original"] and key not in pair["compressed"]
    labels = replay_labels(pair["original"], pair["compressed"])
    assert labels is not None
    assert _plain_markers(_rerender(pair["original"], labels.tolist())) == _plain_markers(pair["compressed"])
