"""Release checks of a model folder's ONNX export: torch vs ONNX Runtime on real texts.

Apart from :mod:`kompress.modeling.export` (which only writes graphs) because the check runs the
compressor, which itself may call the exporter to fill its cache.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np


class ParityError(RuntimeError):
    """The ONNX graph disagrees with torch beyond the limits."""


#: fp32 must match torch closely; int8 changes scores by design, so only report it.
MAX_FP32_DIFF = 1e-3
MIN_FP32_AGREEMENT = 0.999



def check_parity(model_dir: str | os.PathLike, onnx_path: str | os.PathLike, texts: list[str],
                 threshold: float | None = None) -> dict[str, float]:
    """Torch vs ONNX on real texts: max abs diff of word scores and agreement of kept words."""
    from kompress.scoring.backends import OnnxBackend
    from kompress.compressor import Compressor
    from kompress.structure.domains import detect

    torch_c = Compressor.load(model_dir, backend="torch")
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


def default_parity_texts() -> list[str]:
    here = Path(__file__).resolve().parents[3] / "samples"
    texts = [p.read_text() for p in sorted(here.glob("*.txt"))] if here.is_dir() else []
    # Also a long input, so padded multi-window batches are compared too.
    return texts + ["\n".join(texts) * 3] if texts else ["ERROR: disk /dev/sda1 is full (99%)\n" * 50]


def export_folder(model_dir: Path, int8: bool = False, texts: list[str] | None = None) -> dict:
    """Export + parity check; returns the figures (also written to export.json)."""
    from kompress.modeling.export import export_onnx, quantize_int8
    from kompress.modeling.model import KompressModel

    fp32 = export_onnx(KompressModel.from_pretrained(model_dir), model_dir / "model.onnx")
    texts = texts or default_parity_texts()
    report = {"fp32": {"path": fp32.name, "mb": round(fp32.stat().st_size / 2**20, 1), **check_parity(model_dir, fp32, texts)}}
    if report["fp32"]["max_abs_diff"] > MAX_FP32_DIFF or report["fp32"]["word_agreement"] < MIN_FP32_AGREEMENT:
        fp32.unlink()
        raise ParityError(f"ONNX parity check failed: {report['fp32']} (limits: diff <= {MAX_FP32_DIFF}, "
                       f"agreement >= {MIN_FP32_AGREEMENT}); model.onnx removed")
    if int8:
        q = quantize_int8(fp32, model_dir / "model.int8.onnx")
        report["int8"] = {"path": q.name, "mb": round(q.stat().st_size / 2**20, 1), **check_parity(model_dir, q, texts)}
    (model_dir / "export.json").write_text(json.dumps(report, indent=2) + "\n")
    return report
