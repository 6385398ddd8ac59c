"""Task-conditioned compression: the query option, the query segment, the ranked decision,
query examples, the query companion (trained here on a tiny model, and the shipped one)."""

from __future__ import annotations

import json
import re
import shutil

import numpy as np
import pytest

from kompress.data.queries import agent_query, evidence_lines, query_examples
from kompress.decision.options import CompressOptions, OptionError
from kompress.rendering.render import MARKER_RE
from kompress.structure.units import word_spans

from .test_train import _examples

SERVICE_LOG = "\n".join(
    [f"2024-06-18 05:00:{i:02d} INFO [worker] processed batch size={i + 3} lag_ms={i % 7}" for i in range(30)]
    + ["2024-06-18 05:00:31 INFO [config] loaded settings from /etc/app/reporting.toml (profile=staging)"]
    + [f"2024-06-18 05:01:{i:02d} INFO [http] GET /api/v1/items/{100 + i} 200 {i + 4}ms" for i in range(30)]
    + ["2024-06-18 05:02:00 ERROR [db] connection refused host=10.0.0.7 port=5432",
       "2024-06-18 05:02:01 INFO [worker] shutting down after 61 batches"]
) + "\n"


def _whole_lines(out: str, text: str) -> bool:
    lines = set(text.splitlines())
    return all(MARKER_RE.match(ln) or ln in lines for ln in out.splitlines())


# ---------------------------------------------------------------- options
def test_query_and_budget_options_are_validated_once():
    assert CompressOptions(query="  which   test failed \n").query == "which test failed"
    assert CompressOptions(query=" \n ").query is None  # blank: no query (a derived one may be empty)
    with pytest.raises(OptionError, match="query must be a string"):
        CompressOptions(query=3)
    with pytest.raises(OptionError, match="budget must be a whole number >= 1"):
        CompressOptions(budget=0)
    with pytest.raises(OptionError, match="not rate and budget"):
        CompressOptions(rate=0.3, budget=100)
    assert CompressOptions.from_mapping({"query": "why did it fail", "budget": "200"}) == CompressOptions(
        query="why did it fail", budget=200)


# ---------------------------------------------------------------- windows
def test_query_segment_layout(minilm_compressor):
    w = minilm_compressor.windower
    tok = minilm_compressor.tokenizer
    text = "ERROR connection refused\nINFO ok\n"
    starts = word_spans(text)[0]
    (win,) = list(w.windows(text, "log", starts, query="why was the connection refused"))
    ids, mask, types = w.assemble([win.ids], "log", query="why was the connection refused")
    row = ids[0][mask[0] == 1].tolist()
    q = tok("why was the connection refused", add_special_tokens=False)["input_ids"]
    assert row[: len(q) + 2] == [w.cls_id, *q, w.sep_id]
    base = w.content_offset("log", "why was the connection refused")
    assert row[base - 1] == w.sep_id and row[-1] == w.sep_id and row[base:-1] == win.ids.tolist()
    assert types[0][:base].sum() == 0 and types[0][base:].sum() == len(win.ids) + 1
    # The query is cut to max_query_tokens; no query means the old layout exactly.
    long_q = " ".join(["parser"] * 500)
    assert len(w.prefix_ids("log", long_q)) == w.max_query_tokens + 1 + len(w.prefix_ids("log"))
    assert w.content_offset("log", None) == w.content_offset("log")


# ---------------------------------------------------------------- decision
def test_budget_keeps_best_whole_lines_within_the_budget(shipped_compressor):
    full = shipped_compressor.compress(SERVICE_LOG, structure=False, granularity="line", threshold=0.0)
    r = shipped_compressor.compress(SERVICE_LOG, budget=80)
    assert _whole_lines(r.text, SERVICE_LOG)
    # The guard's lines always stay (the error, the outcome), the rest fits the budget.
    assert "connection refused host=10.0.0.7" in r.text and "shutting down after 61 batches" in r.text
    assert r.tokens_out <= 80 + 40 and r.tokens_out < full.tokens_out / 3
    assert shipped_compressor.compress(SERVICE_LOG, budget=80).text == r.text  # deterministic
    bigger = shipped_compressor.compress(SERVICE_LOG, budget=400)
    assert bigger.tokens_out > r.tokens_out


# ---------------------------------------------------------------- query examples
def test_evidence_lines_and_agent_phrasing():
    text = "a\nFAILED tests/test_x.py::test_a - assert 1 == 2\nb\nFAILED tests/test_x.py::test_a again\n"
    assert evidence_lines(text, "tests/test_x.py::test_a") == [1, 3]
    assert evidence_lines(text, "b\nFAILED") == [2, 3]
    q = agent_query("Which test failed first?", "k1")
    assert q == agent_query("Which test failed first?", "k1")  # deterministic
    phrasings = {agent_query("Which test failed first?", f"k{i}") for i in range(40)}
    assert len(phrasings) >= 4 and all("test" in p.lower() for p in phrasings)


def test_query_examples_label_the_evidence_lines_only():
    ex = query_examples(_examples(n_copies=1), seed=0)
    answered = [e for e in ex if e["questions"][0]["evidence_lines"]]
    distract = [e for e in ex if not e["questions"][0]["evidence_lines"]]
    assert answered and distract
    for e in answered:
        lab = np.asarray(e["labels"], dtype=bool)
        kept = " ".join(e["text"][a:b] for (a, b), k in zip(e["words"], lab) if k)
        assert e["questions"][0]["answer"].split()[0] in kept
        assert lab.mean() <= 0.5 and e["query"]
    assert all(sum(e["labels"]) == 0 for e in distract)
    assert all(e["questions"][0]["answer"] not in e["text"] for e in distract)


# ---------------------------------------------------------------- the companion
@pytest.fixture(scope="module")
def tiny_query_model(tiny_modernbert, tmp_path_factory):
    from kompress.training.train import TrainConfig, train

    p = tmp_path_factory.mktemp("qdata") / "train.jsonl"
    p.write_text("".join(json.dumps(e) + "\n" for e in _examples()))
    out = tmp_path_factory.mktemp("qrun")
    return train(TrainConfig(data=[str(p)], out=str(out), backbone=str(tiny_modernbert), epochs=1, max_length=128,
                             queries=True, max_query_tokens=16, progress=False))


def test_train_queries_gives_a_query_segment_model(tiny_query_model, tmp_path):
    from kompress import Compressor

    cfg = json.loads((tiny_query_model / "config.json").read_text())
    assert cfg["query_segment"] is True and cfg["max_query_tokens"] == 16
    comp = Compressor.load(tiny_query_model, backend="torch")
    assert comp.query_companion() is comp
    a = comp.score_words(SERVICE_LOG, "log", CompressOptions(query="which host refused the connection"))
    b = comp.score_words(SERVICE_LOG, "log", CompressOptions(query="how many batches were processed"))
    assert not np.allclose(a.scores, b.scores)  # the query is read
    r = comp.compress(SERVICE_LOG, query="which host refused the connection")
    assert _whole_lines(r.text, SERVICE_LOG) and "connection refused host=10.0.0.7" in r.text


def test_a_folder_without_companion_ignores_the_query(minilm_dir, caplog):
    from kompress import Compressor

    comp = Compressor.load(minilm_dir, backend="torch")
    with caplog.at_level("WARNING", logger="kompress"):
        r = comp.compress(SERVICE_LOG, query="which host refused the connection")
    assert r.text == comp.compress(SERVICE_LOG).text
    assert "no query companion" in caplog.text


def test_a_folder_with_query_subfolder_delegates(minilm_dir, tiny_query_model, tmp_path):
    from kompress import Compressor

    folder = tmp_path / "model"
    shutil.copytree(minilm_dir, folder)
    shutil.copytree(tiny_query_model, folder / "query")
    comp = Compressor.load(folder, backend="torch")
    companion = comp.query_companion()
    assert companion is not None and companion.config.query_segment
    q = "which host refused the connection"
    assert comp.compress(SERVICE_LOG, query=q).text == companion.compress(SERVICE_LOG, query=q, domain="log").text


# ---------------------------------------------------------------- the benchmark's metrics
def test_query_eval_baselines_share_the_budget_and_metrics_count_right():
    from kompress.evaluation import query_eval as qe

    ex = [e for e in _examples(n_copies=1) if e["domain"] == "log"][:1] or _examples(n_copies=1)[:1]
    cases = [c for c in qe.query_cases(ex, seed=0) if c.answer is not None]
    assert cases
    c = cases[0]
    budget = int(c.line_words.sum() // 4) or 1
    keeps = qe.baseline_keeps(c, budget, agnostic_scores=np.zeros(len(c.lines)), embed=None)
    assert set(keeps) == {"bm25", "bm25+guard", "agnostic", "last_lines", "random_lines"}
    for name, k in keeps.items():
        forced = int(c.line_words[qe.guard_lines(c)].sum()) if name in ("bm25+guard", "agnostic") else 0
        assert int(c.line_words[k].sum()) <= max(budget, forced + budget, int(c.line_words.max()))
    # BM25 with a word only the evidence line holds finds it first.
    rare = next(w for w in sorted(set(c.lines[c.evidence[0]].split()), key=len, reverse=True)
                if sum(w in ln for ln in c.lines) == 1 and re.fullmatch(r"\w+", w))
    c.query = f"where is {rare}"
    assert qe.baseline_keeps(c, 1, None, None)["bm25"][c.evidence[0]]
    everything = qe.case_metrics(c, np.ones(len(c.lines), dtype=bool))
    nothing = qe.case_metrics(c, np.zeros(len(c.lines), dtype=bool))
    assert everything["answer"] == 1.0 and everything["evidence_recall"] == 1.0 and everything["word_keep"] == 1.0
    assert nothing["answer"] == 0.0 and nothing["word_keep"] == 0.0
    assert qe.render_lines(["a", "b", "c"], np.array([True, False, False])) == "a\n[... 2 lines omitted ...]"
    rows = [{"domain": "log", "threshold": t, "answer": float(t <= 0.3)} for t in (0.1, 0.3, 0.5) for _ in range(3)]
    assert qe.choose_thresholds(rows, 0.97) == {"log": 0.3}
def test_shipped_companion_keeps_what_the_query_asks(shipped_compressor):
    companion = shipped_compressor.query_companion()
    if companion is None:
        pytest.fail("the shipped model folder has no query/ companion")
    doc = json.dumps({"service": "reporting", "replicas": 3, "image": "registry.local/reporting:2.4.1",
                      "env": {"LOG_LEVEL": "info", "DB_HOST": "db.internal", "DB_PORT": 5432,
                              "FEATURE_FLAGS": "export,csv", "TIMEOUT_S": 30},
                      "limits": {"cpu": "500m", "memory": "512Mi"}, "owner": "team-data"}, indent=2)
    # JSON answers need most lines at the calibrated threshold (see the README); with a token
    # budget the query ranks the lines and the one it asks about comes first.
    r = shipped_compressor.compress(doc, query="What is the value of `env.DB_PORT`?", budget=20)
    assert '"DB_PORT": 5432' in r.text and _whole_lines(r.text, doc)
    assert r.tokens_out < 0.4 * r.tokens_in
    other = shipped_compressor.compress(doc, query="Which team owns the service?", budget=20)
    assert '"owner": "team-data"' in other.text and '"DB_PORT": 5432' not in other.text
    r2 = shipped_compressor.compress(SERVICE_LOG, query="Let me check which host refused the connection")
    assert "host=10.0.0.7" in r2.text and r2.tokens_out < 0.3 * r2.tokens_in
    assert re.search(r"^\[\.\.\. \d+ ", r2.text, re.M)  # drops are announced




def test_fusion_fits_and_lexical_match_counts():
    from kompress.decision.query import FEATURES, fit_fusion, fused_scores
    from kompress.scoring.lexical import bm25_line_scores

    lines = ["DB_PORT = 5432", "DB_HOST = db.internal", "", "timeout = 30"]
    bm = bm25_line_scores(lines, "what is DB_PORT")
    assert bm.argmax() == 0 and bm[2] == 0.0 and bm25_line_scores(lines, "   ").sum() == 0
    rng = np.random.default_rng(0)
    x = rng.random((400, len(FEATURES)))
    y = (x[:, 2] > 0.7).astype(float)  # only the lexical feature decides
    w = fit_fusion(x, y)
    assert w["bm25"] > 3 * max(abs(w["mean"]), abs(w["max"]), abs(w["guard"]))
    s = fused_scores(x, w)
    assert ((s > 0.5) == (y > 0)).mean() > 0.95
    assert np.array_equal(fused_scores(x, None), x[:, 0])  # no weights: the companion's mean alone


def test_the_query_speed_is_timed_on_every_domain_not_the_first_long_outputs():
    import sys
    from pathlib import Path
    from types import SimpleNamespace

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
    from bench_query import speed_texts

    cases = [SimpleNamespace(domain="json", text="{" + "x" * (2100 + i) + "}") for i in range(40)]
    cases += [SimpleNamespace(domain=d, text=f"{d} " * (700 + i)) for d in ("log", "test") for i in range(3)]
    cases += [SimpleNamespace(domain="diff", text="short")]
    cases += [cases[-2]]  # the same output asked twice counts once
    texts = speed_texts(cases)
    assert sum(t.startswith("{") for t in texts) == 5
    assert sum(t.startswith("log") for t in texts) == 3 and sum(t.startswith("test") for t in texts) == 3
    assert "short" not in texts and len(set(texts)) == len(texts)
