"""Where a model folder's ONNX files live: the folder itself, or a cache filled on first use.

Torch-free on purpose: finding an existing export must not import torch (start-up time);
only a missing export imports :mod:`kompress.modeling.export` to build it.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from pathlib import Path

from kompress.modeling.config import ADAPTER_DIR, CONFIG_NAME, ENCODER_NAME, HEADS_NAME, resolve_backbone

#: Bumped whenever the export changes the graph (fusions, quantisation): old caches are not reused.
EXPORT_VERSION = "4"


def model_fingerprint(model_dir: str | os.PathLike) -> str:
    """Hash of everything that determines a folder's scores (for the ONNX cache key)."""
    d = Path(model_dir)
    h = hashlib.sha256(EXPORT_VERSION.encode())
    for name in (CONFIG_NAME, HEADS_NAME, ENCODER_NAME):
        if (d / name).is_file():
            h.update(name.encode() + (d / name).read_bytes())
    if (d / ADAPTER_DIR).is_dir():
        for f in sorted((d / ADAPTER_DIR).rglob("*")):
            if f.is_file():
                h.update(f.name.encode() + f.read_bytes())
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
    # Once per model and machine; say so, since it takes a while (and needs torch).
    print(f"kompress: exporting {d.name} to ONNX{' + int8' if int8 else ''} once, cached in {target.parent}",
          file=sys.stderr)
    if not fp32.is_file():
        from kompress.modeling.export import export_onnx
        from kompress.modeling.model import KompressModel

        export_onnx(KompressModel.from_pretrained(d), fp32)
    if int8:
        from kompress.modeling.export import quantize_int8

        quantize_int8(fp32, target)
    return target
