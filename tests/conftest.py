"""Shared fixtures: real local models (MiniLM from the embedded package, a tiny random
ModernBERT with its own small WordPiece tokenizer), saved as Kompress model folders."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

SAMPLES = Path(__file__).resolve().parent.parent / "samples"


@pytest.fixture(scope="session", autouse=True)
def _isolated_cache(tmp_path_factory):
    # ONNX exports made on first use go to a per-run cache, never the user's.
    os.environ["KOMPRESS_CACHE"] = str(tmp_path_factory.mktemp("kompress-cache"))


@pytest.fixture(scope="session")
def minilm_dir(tmp_path_factory) -> Path:
    """A Kompress folder: embedded MiniLM backbone + heads from a fixed seed (untrained)."""
    from kompress.modeling.model import KompressConfig, KompressModel

    out = tmp_path_factory.mktemp("minilm-untrained")
    KompressModel(KompressConfig(), seed=0).save_pretrained(out)
    return out


@pytest.fixture(scope="session")
def minilm_compressor(minilm_dir):
    from kompress import Compressor

    return Compressor.load(minilm_dir, backend="torch")


def make_tiny_modernbert(out: Path) -> Path:
    """Save a tiny random ModernBERT + a small WordPiece tokenizer to ``out``."""
    import torch
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, processors, trainers
    from transformers import ModernBertConfig, ModernBertModel, PreTrainedTokenizerFast

    specials = ["[PAD]", "[CLS]", "[SEP]", "[UNK]", "[MASK]"]
    tok = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    tok.normalizer = normalizers.BertNormalizer(lowercase=False)
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    corpus = [p.read_text() for p in sorted(SAMPLES.glob("*.txt"))] + [
        "CODE: LOG: JSON: TREE: GREP: TRACE: BUILD: TEST: CRASH: TEXT: the file does not exist"
    ]
    tok.train_from_iterator(corpus, trainers.WordPieceTrainer(vocab_size=400, special_tokens=specials))
    tok.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", pair="[CLS] $A [SEP] $B [SEP]", special_tokens=[("[CLS]", 1), ("[SEP]", 2)]
    )
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tok, pad_token="[PAD]", cls_token="[CLS]", sep_token="[SEP]",
        unk_token="[UNK]", mask_token="[MASK]",
    )
    assert fast.pad_token_id == 0 and fast.cls_token_id == 1 and fast.sep_token_id == 2
    cfg = ModernBertConfig(
        vocab_size=fast.vocab_size, hidden_size=64, num_hidden_layers=4, num_attention_heads=4,
        intermediate_size=128, max_position_embeddings=512, pad_token_id=0, bos_token_id=1,
        eos_token_id=2, cls_token_id=1, sep_token_id=2,
    )
    torch.manual_seed(0)
    ModernBertModel(cfg).save_pretrained(out)
    fast.save_pretrained(out)
    return out


@pytest.fixture(scope="session")
def tiny_modernbert(tmp_path_factory) -> Path:
    return make_tiny_modernbert(tmp_path_factory.mktemp("tiny-modernbert"))


@pytest.fixture(scope="session")
def shipped_compressor():
    """The shipped default model, as ``Compressor.load()`` gives it (backend ``auto``)."""
    from kompress import Compressor

    return Compressor.load()


@pytest.fixture(scope="module")
def upstream():
    """A recording fake OpenAI/Anthropic upstream (tests/test_proxy.py's ``Upstream``), one per module."""
    from .test_proxy import ServerThread, Upstream

    up = Upstream()
    with ServerThread(up.app) as server:
        up.url = server.url
        yield up
