"""Release checks of a model folder's ONNX export: torch vs ONNX Runtime on real texts.

Apart from :mod:`kompress.modeling.export` (which only writes graphs) because the check runs the
compressor, which itself may call the exporter to fill its cache.
"""

from __future__ import annotations

import hashlib
import json
import os
import struct
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


def strip_shared(onnx_in: str | os.PathLike, onnx_out: str | os.PathLike, backbone: str,
                 fingerprint: str) -> dict:
    """Write ``onnx_in`` to ``onnx_out`` without the fp32 initializers that are byte-identical
    copies of the backbone's tensors, plus the sidecar that names where each comes from.

    Only exact copies go (the word, position and token-type embeddings and the embedding
    LayerNorm: the LoRA adapter touches query/key/value only, and quantised or merged
    weights never match), so the graph loaded with them back computes the same numbers.
    Needs ``onnx`` (release time only; loading needs ONNX Runtime alone).
    """
    import onnx
    from onnx import TensorProto, numpy_helper

    from kompress.modeling.config import resolve_backbone
    from kompress.scoring.onnx_cache import SHARED_SUFFIX, safetensors_arrays, sample_digest

    file = "model.safetensors"
    source = Path(resolve_backbone(backbone)) / file
    with open(source, "rb") as f:
        keys = list(json.loads(f.read(struct.unpack("<Q", f.read(8))[0])))
    keys = [k for k in keys if k != "__metadata__"]
    backbone_arrays = {k: a for k, a in safetensors_arrays(source, keys).items() if a.dtype == np.float32}
    by_shape: dict[tuple, list[str]] = {}
    for k, a in backbone_arrays.items():
        by_shape.setdefault(a.shape, []).append(k)
    model = onnx.load(str(onnx_in))
    tensors = {}
    for init in model.graph.initializer:
        if init.data_type != TensorProto.FLOAT or tuple(init.dims) not in by_shape:
            continue
        value = numpy_helper.to_array(init)
        key = next((k for k in by_shape[tuple(init.dims)] if np.array_equal(backbone_arrays[k], value)), None)
        if key is None:
            continue
        a = backbone_arrays[key]
        tensors[init.name] = {"key": key, "shape": list(a.shape), "sample_sha256": sample_digest(a),
                              "sha256": hashlib.sha256(np.ascontiguousarray(a).tobytes()).hexdigest()}
        # An external-data placeholder: ONNX Runtime takes the values from
        # SessionOptions.add_external_initializers and never opens this location.
        init.ClearField("raw_data")
        init.ClearField("float_data")
        init.data_location = TensorProto.EXTERNAL
        del init.external_data[:]
        for k, v in (("location", f"{backbone}/{file}"), ("offset", "0"), ("length", str(a.nbytes))):
            entry = init.external_data.add()
            entry.key, entry.value = k, v
    out = Path(onnx_out)
    out.parent.mkdir(parents=True, exist_ok=True)
    onnx.save(model, str(out))
    spec = {"backbone": backbone, "file": file, "fingerprint": fingerprint, "tensors": tensors}
    Path(str(out) + SHARED_SUFFIX).write_text(json.dumps(spec, indent=2, sort_keys=True) + "\n")
    return spec


def ship_onnx(model_dir: str | os.PathLike, texts: list[str] | None = None) -> dict:
    """Put the folder's int8 graph, less the backbone's tensors, in ``<folder>/onnx/`` and check
    that it scores ``texts`` exactly as the whole graph does (bit for bit); returns figures."""
    from kompress.scoring.backends import OnnxBackend
    from kompress.scoring.onnx_cache import SHIPPED_DIR, cached_export, weights_fingerprint
    from kompress.scoring.tokenizer import load_tokenizer
    from kompress.compressor import Compressor
    from kompress.modeling.config import KompressConfig
    from kompress.structure.domains import detect

    d = Path(model_dir)
    whole = cached_export(d, int8=True)
    config = KompressConfig.from_dict(json.loads((d / "config.json").read_text()))
    out = d / SHIPPED_DIR / "model.int8.onnx"
    spec = strip_shared(whole, out, config.backbone, weights_fingerprint(d))
    tok = load_tokenizer(config.backbone)
    a = Compressor(OnnxBackend(whole), tok, config, model_dir=d)
    b = Compressor(OnnxBackend(out), tok, config, model_dir=d)
    words = 0
    for text in texts or default_parity_texts():
        domain = detect(text)
        sa, sb = a.score_words(text, domain).scores, b.score_words(text, domain).scores
        if not np.array_equal(sa, sb):
            out.unlink()
            raise ParityError(f"{out} scores differ from {whole}; not shipped")
        words += len(sa)
    return {"path": str(out.relative_to(d)), "mb": round(out.stat().st_size / 2**20, 1),
            "whole_mb": round(whole.stat().st_size / 2**20, 1), "shared": sorted(t["key"] for t in spec["tensors"].values()),
            "identical_words": words}
