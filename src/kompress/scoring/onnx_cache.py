"""Where a model folder's ONNX files live: the folder itself, its shipped graphs, or a cache
filled on first use.

Torch-free on purpose: finding an existing export must not import torch (start-up time);
only a missing export imports :mod:`kompress.modeling.export` to build it (and says how to
get torch when it is not installed).

Shipped graphs (``<folder>/onnx/model.int8.onnx``) leave out every fp32 initializer that is
a byte-identical copy of a backbone tensor (the 30522x384 word-embedding matrix alone is
47 of the int8 graph's 54 MB): a sidecar ``model.int8.onnx.shared.json`` names where each
comes from, and :func:`shared_initializers` maps them from the backbone package's
``model.safetensors`` at load time (``SessionOptions.add_external_initializers``), so a
plain install compresses on an empty cache without torch and without a 54 MB file in the
repository. Same graph, same weights: the same scores (the golden test checks it).
"""

from __future__ import annotations

import hashlib
import json
import os
import struct
import sys
from pathlib import Path

import numpy as np

from kompress.modeling.config import (ADAPTER_DIR, CONFIG_NAME, ENCODER_NAME, HEADS_NAME, BackboneNotFound,
                                      resolve_backbone)

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


#: Where a model folder keeps graphs shipped with it (apart from ``model.onnx`` written by
#: ``kompress export``: these leave out the tensors shared with the backbone).
SHIPPED_DIR = "onnx"
#: Suffix of the sidecar naming a shipped graph's tensors that come from the backbone.
SHARED_SUFFIX = ".shared.json"
#: Config keys that shape the graph (thresholds and other decision settings do not).
_GRAPH_KEYS = ("backbone", "hidden_size", "span_hidden", "span_kernel", "span_kernel2", "encoder_layers",
               "attn_implementation")
#: Rows of a shared tensor hashed at every load (the whole 47 MB would cost ~0.1 s per hook call).
SAMPLE_STRIDE = 61
_ST_DTYPES = {"F32": "<f4", "F16": "<f2", "BF16": None, "I64": "<i8", "I32": "<i4"}


class NoRuntime(BackboneNotFound):
    """The model cannot run here: no usable ONNX graph, and building one needs torch."""


def weights_fingerprint(model_dir: str | os.PathLike) -> str:
    """Hash of what determines a folder's scores, without the decision settings (thresholds
    change with calibration, the graph does not) or install paths: a shipped graph records
    it, and is used only while the folder's weights still match."""
    d = Path(model_dir)
    cfg = json.loads((d / CONFIG_NAME).read_text())
    h = hashlib.sha256(json.dumps({k: cfg.get(k) for k in _GRAPH_KEYS}, sort_keys=True).encode())
    for name in (HEADS_NAME, ENCODER_NAME):
        if (d / name).is_file():
            h.update(name.encode() + (d / name).read_bytes())
    if (d / ADAPTER_DIR).is_dir():
        for f in sorted((d / ADAPTER_DIR).rglob("*.safetensors")):  # weights, not the README or paths
            h.update(f.name.encode() + f.read_bytes())
    return h.hexdigest()[:16]


def safetensors_arrays(path: str | os.PathLike, keys: list[str]) -> dict[str, np.ndarray]:
    """Read-only memory maps of tensors in a ``.safetensors`` file.

    The format is an 8-byte little-endian header length, a JSON header with each tensor's
    dtype, shape and byte offsets, then the raw data; mapping it costs ~1 ms where
    ``safetensors.safe_open(framework="np")`` copies the 47 MB matrix (~0.25 s per hook call).
    """
    path = Path(path)
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
    out = {}
    for key in keys:
        entry = header.get(key)
        if entry is None:
            raise KeyError(f"{path} has no tensor {key!r}")
        dtype = _ST_DTYPES.get(entry["dtype"])
        if dtype is None:
            raise ValueError(f"{path}: tensor {key!r} has unsupported dtype {entry['dtype']}")
        start, _ = entry["data_offsets"]
        out[key] = np.memmap(path, dtype=dtype, mode="r", offset=8 + n + start, shape=tuple(entry["shape"]))
    return out


def sample_digest(a: np.ndarray) -> str:
    """Hash of every ``SAMPLE_STRIDE``-th row: cheap at load, and any other weights differ in it."""
    return hashlib.sha256(np.ascontiguousarray(a[::SAMPLE_STRIDE]).tobytes()).hexdigest()[:16]


def shared_initializers(onnx_path: str | os.PathLike) -> dict[str, np.ndarray]:
    """The initializers a shipped graph takes from its backbone (empty for a whole graph).

    Raises :class:`NoRuntime` when the backbone's tensors are missing or not the ones the
    graph was shipped with (another version of the backbone package).
    """
    sidecar = Path(str(onnx_path) + SHARED_SUFFIX)
    if not sidecar.is_file():
        return {}
    spec = json.loads(sidecar.read_text())
    source = Path(resolve_backbone(spec["backbone"])) / spec["file"]
    tensors = spec["tensors"]
    try:
        arrays = safetensors_arrays(source, [t["key"] for t in tensors.values()])
    except (OSError, KeyError, ValueError) as e:
        raise NoRuntime(f"{onnx_path} takes tensors from {source}, which cannot be read: {e}") from e
    out = {}
    for name, t in tensors.items():
        a = arrays[t["key"]]
        if list(a.shape) != t["shape"] or sample_digest(a) != t["sample_sha256"]:
            raise NoRuntime(f"{source} is not the backbone {Path(onnx_path).name} was shipped with "
                            f"(tensor {t['key']!r} differs)")
        out[name] = a
    return out


def shipped_graph(model_dir: str | os.PathLike, int8: bool) -> Path | None:
    """The folder's shipped graph, if it has one that matches its weights and backbone."""
    d = Path(model_dir)
    path = d / SHIPPED_DIR / ("model.int8.onnx" if int8 else "model.onnx")
    sidecar = Path(str(path) + SHARED_SUFFIX)
    if not path.is_file() or not sidecar.is_file():
        return None
    if json.loads(sidecar.read_text()).get("fingerprint") != weights_fingerprint(d):
        return None  # retrained or edited in place: the graph would give other scores
    try:
        shared_initializers(path)
    except NoRuntime:
        return None
    return path


def cache_dir() -> Path:
    """Where ONNX exports made on first use are kept (``KOMPRESS_CACHE`` overrides)."""
    base = os.environ.get("KOMPRESS_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME", os.path.expanduser("~/.cache")), "kompress"
    )
    return Path(base)


def onnx_for_folder(model_dir: str | os.PathLike, int8: bool = False) -> Path:
    """The ONNX file for a model folder: its own ``model.onnx``, its shipped graph, or a
    cached export (made on first use; needs torch, :class:`NoRuntime` says so when absent)."""
    d = Path(model_dir)
    own = d / ("model.int8.onnx" if int8 else "model.onnx")
    if own.is_file():
        return own
    shipped = shipped_graph(d, int8)
    if shipped is not None:
        return shipped
    return cached_export(d, int8)


def cached_export(model_dir: str | os.PathLike, int8: bool = False) -> Path:
    """The cache's whole-graph export of a folder, made once (with torch) when missing."""
    d = Path(model_dir)
    target = cache_dir() / "onnx" / model_fingerprint(d) / ("model.int8.onnx" if int8 else "model.onnx")
    if target.is_file():
        return target
    fp32 = target.with_name("model.onnx")
    if not fp32.is_file():
        try:
            import torch  # noqa: F401
        except ImportError:
            raise NoRuntime(
                f"no ONNX graph for {d}{' (int8)' if int8 else ''} and building one needs torch, which is not "
                "installed: pip install 'kompress-agent[train]' (or use backend 'auto', which runs the graph "
                "shipped with the default model)") from None
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
