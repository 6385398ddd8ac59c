"""ONNX export of the whole dual-head model, with a parity check against torch."""

from __future__ import annotations

import hashlib
import os
import warnings
from pathlib import Path

import numpy as np
import torch
from torch import nn

from .model import ADAPTER_DIR, CONFIG_NAME, ENCODER_NAME, HEADS_NAME, KompressModel, resolve_backbone


class _FinalScores(nn.Module):
    """Export wrapper: explicit inputs, the final score as the only output."""

    def __init__(self, model: KompressModel, with_token_types: bool) -> None:
        super().__init__()
        self.model = model
        self.with_token_types = with_token_types

    def forward(self, input_ids, attention_mask, token_type_ids=None):  # type: ignore[no-untyped-def]
        return self.model(input_ids, attention_mask, token_type_ids if self.with_token_types else None)["final"]


def export_onnx(model: KompressModel, out_path: str | os.PathLike, opset: int = 17, dynamo: bool = False) -> Path:
    """Export ``model`` (LoRA merged) to ``out_path`` with dynamic batch and length.

    The legacy exporter (``dynamo=False``) is ~10x faster and gives the same scores.
    """
    out = Path(out_path)
    out.parent.mkdir(parents=True, exist_ok=True)
    model.merge_adapter()
    model.eval()
    with_tt = model._encoder_takes_token_types
    wrapper = _FinalScores(model, with_tt).eval()
    ids = torch.full((2, 16), 5, dtype=torch.long)
    mask = torch.ones_like(ids)
    args: tuple = (ids, mask) + ((torch.zeros_like(ids),) if with_tt else ())
    names = ["input_ids", "attention_mask"] + (["token_type_ids"] if with_tt else [])
    axes = {n: {0: "batch", 1: "length"} for n in names}
    axes["final"] = {0: "batch", 1: "length"}
    tmp = out.with_suffix(".onnx.tmp")
    with torch.no_grad(), warnings.catch_warnings():
        # The tracer warns about Python-side shape checks in HF attention code; the
        # parity check (kompress export) is what proves the graph right.
        warnings.simplefilter("ignore")
        torch.onnx.export(
            wrapper, args, str(tmp), input_names=names, output_names=["final"],
            dynamic_axes=axes, opset_version=opset, dynamo=dynamo,
        )
    os.replace(tmp, out)  # never leave a half-written model where the cache looks
    return out


def quantize_int8(fp32_path: str | os.PathLike, out_path: str | os.PathLike) -> Path:
    """Dynamic int8 quantisation of the MatMul weights (scores change: evaluate it)."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    quantize_dynamic(str(fp32_path), str(out_path), weight_type=QuantType.QInt8)
    return Path(out_path)


def model_fingerprint(model_dir: str | os.PathLike) -> str:
    """Hash of everything that determines a folder's scores (for the ONNX cache key)."""
    d = Path(model_dir)
    h = hashlib.sha256()
    for name in (CONFIG_NAME, HEADS_NAME, ENCODER_NAME):
        if (d / name).is_file():
            h.update(name.encode() + (d / name).read_bytes())
    if (d / ADAPTER_DIR).is_dir():
        for f in sorted((d / ADAPTER_DIR).rglob("*")):
            if f.is_file():
                h.update(f.name.encode() + f.read_bytes())
    import json

    backbone = json.loads((d / CONFIG_NAME).read_text()).get("backbone", "")
    h.update(resolve_backbone(backbone).encode())
    return h.hexdigest()[:16]


def cache_dir() -> Path:
    """Where ONNX exports made on first use are kept (``KOMPRESS_CACHE`` overrides)."""
    base = os.environ.get("KOMPRESS_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME", os.path.expanduser("~/.cache")), "kompress"
    )
    return Path(base)


def onnx_for_folder(model_dir: str | os.PathLike, int8: bool = False) -> Path:
    """The ONNX file for a model folder: its own ``model.onnx`` or a cached export."""
    d = Path(model_dir)
    own = d / ("model.int8.onnx" if int8 else "model.onnx")
    if own.is_file():
        return own
    target = cache_dir() / "onnx" / model_fingerprint(d) / ("model.int8.onnx" if int8 else "model.onnx")
    if target.is_file():
        return target
    fp32 = target.with_name("model.onnx")
    if not fp32.is_file():
        export_onnx(KompressModel.from_pretrained(d), fp32)
    if int8:
        quantize_int8(fp32, target)
    return target


def check_parity(model_dir: str | os.PathLike, onnx_path: str | os.PathLike, texts: list[str],
                 threshold: float | None = None) -> dict[str, float]:
    """Torch vs ONNX on real texts: max abs diff of word scores and agreement of kept words."""
    from .backends import OnnxBackend
    from .compressor import Compressor
    from .domains import detect

    torch_c = Compressor.load(model_dir)
    onnx_c = Compressor(OnnxBackend(onnx_path), torch_c.tokenizer, torch_c.config, model_dir=Path(model_dir))
    thr = torch_c.config.threshold if threshold is None else threshold
    max_diff, agree, total = 0.0, 0, 0
    for text in texts:
        domain = detect(text)
        a = torch_c.score_words(text, domain).scores
        b = onnx_c.score_words(text, domain).scores
        if len(a):
            max_diff = max(max_diff, float(np.abs(a - b).max()))
            agree += int(((a > thr) == (b > thr)).sum())
            total += len(a)
    return {"max_abs_diff": max_diff, "word_agreement": agree / max(1, total), "words": total}
