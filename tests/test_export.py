import json

import pytest

from kompress.cli import main


@pytest.fixture(scope="module")
def tiny_model_dir(tiny_modernbert, tmp_path_factory):
    from kompress.modeling.model import KompressConfig, KompressModel

    d = tmp_path_factory.mktemp("tiny-kompress")
    m = KompressModel(KompressConfig(backbone=str(tiny_modernbert)), seed=2)
    m.add_lora(r=4, alpha=8, layers=[2, 3])
    m.save_pretrained(d)
    return d


def test_export_parity_enforced_and_int8(tiny_model_dir, capsys):
    assert main(["export", "--model", str(tiny_model_dir), "--int8"]) == 0
    out = capsys.readouterr().out
    assert "fp32" in out and "int8" in out
    report = json.loads((tiny_model_dir / "export.json").read_text())
    assert report["fp32"]["max_abs_diff"] < 1e-4 and report["fp32"]["word_agreement"] == 1.0
    assert (tiny_model_dir / "model.onnx").is_file() and (tiny_model_dir / "model.int8.onnx").is_file()
    # the folder's own model.onnx is what the ONNX backend uses
    from kompress import Compressor

    c = Compressor.load(tiny_model_dir, backend="onnx")
    assert c.backend.path == tiny_model_dir / "model.onnx"


def test_push_to_hub_fails_before_work(tiny_model_dir, monkeypatch, capsys):
    monkeypatch.delenv("HF_TOKEN", raising=False)
    monkeypatch.delenv("HUGGING_FACE_HUB_TOKEN", raising=False)
    (tiny_model_dir / "export.json").unlink(missing_ok=True)
    assert main(["export", "--model", str(tiny_model_dir), "--push-to-hub", "me/kompress"]) == 2
    assert "needs a token" in capsys.readouterr().err
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    assert main(["export", "--model", str(tiny_model_dir), "--push-to-hub", "me/kompress", "--hf-token", "x"]) == 2
    assert "HF_HUB_OFFLINE" in capsys.readouterr().err
    assert not (tiny_model_dir / "export.json").exists()  # no work was done


def test_export_rejects_non_model(tmp_path, capsys):
    assert main(["export", "--model", str(tmp_path)]) == 2
    assert "not a Kompress model folder" in capsys.readouterr().err


@pytest.mark.parametrize("k", [1, 3, 5])
def test_span_conv_as_matmul_computes_the_same(k):
    import torch

    from kompress.modeling.export import _ConvAsMatMul

    torch.manual_seed(k)
    conv = torch.nn.Conv1d(12, 7, k, padding=k // 2)
    x = torch.randn(3, 12, 9)
    assert torch.allclose(_ConvAsMatMul(conv)(x), conv(x), atol=1e-5)


def test_int8_graph_quantises_the_span_conv_but_not_the_token_head(tiny_model_dir, tmp_path):
    import onnx

    from kompress.modeling.export import export_onnx, quantize_int8
    from kompress.modeling.model import KompressModel

    fp32 = export_onnx(KompressModel.from_pretrained(tiny_model_dir), tmp_path / "m.onnx")
    nodes = onnx.load(str(quantize_int8(fp32, tmp_path / "m.int8.onnx"))).graph.node
    float_matmuls = [n.name for n in nodes if n.op_type == "MatMul"]
    assert any("token_head" in x for x in float_matmuls)
    assert not any("span_conv" in x for x in float_matmuls)
    assert any("span_conv" in n.name and n.op_type == "MatMulInteger" for n in nodes)
    assert [n.op_type for n in nodes if "span_conv" in n.name and n.op_type == "Conv"] == ["Conv"]  # the last conv
