"""Scoring backends: a batch of token windows in, final keep scores out.

Both take numpy ``int64`` arrays ``[B, L]`` and return ``float32`` scores ``[B, L]``:
the torch backend runs :class:`~kompress.modeling.model.KompressModel`, the ONNX backend runs the
same model exported by :mod:`kompress.modeling.export` under ONNX Runtime.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Protocol

import numpy as np


class Backend(Protocol):
    uses_token_types: bool

    def scores(self, input_ids: np.ndarray, attention_mask: np.ndarray, token_type_ids: np.ndarray) -> np.ndarray: ...


class TorchBackend:
    """Run the model with torch, no grad, eval mode."""

    def __init__(self, model) -> None:
        import torch

        self.torch = torch
        self.model = model.eval()
        self.uses_token_types = model._encoder_takes_token_types

    def scores(self, input_ids: np.ndarray, attention_mask: np.ndarray, token_type_ids: np.ndarray) -> np.ndarray:
        torch = self.torch
        with torch.inference_mode():
            out = self.model(
                torch.from_numpy(input_ids),
                torch.from_numpy(attention_mask),
                torch.from_numpy(token_type_ids) if self.uses_token_types else None,
            )
        return out["final"].float().numpy()


class OnnxBackend:
    """Run an exported ``model.onnx`` under ONNX Runtime on the CPU.

    A shipped graph's tensors shared with the backbone (see
    :mod:`kompress.scoring.onnx_cache`) are handed to ONNX Runtime from memory maps of the
    backbone's weights: no copy, and the graph computes exactly what the whole one does.
    """

    def __init__(self, onnx_path: str | os.PathLike, threads: int | None = None) -> None:
        import onnxruntime as ort

        from kompress.scoring.onnx_cache import shared_initializers

        opts = ort.SessionOptions()
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        # The int8 graph's products summed without saturation on AVX2-only CPUs, as AVX-512 VNNI
        # sums them (the float kernels still round apart: a few outputs differ between the two).
        opts.add_session_config_entry("session.x64quantprecision", "1")
        if threads:
            opts.intra_op_num_threads = threads
        self.path = Path(onnx_path)
        # Kept on the backend: ONNX Runtime uses these buffers in place for the session's life.
        self._shared = shared_initializers(self.path)
        if self._shared:
            opts.add_external_initializers(list(self._shared),
                                           [ort.OrtValue.ortvalue_from_numpy(a) for a in self._shared.values()])
        self.session = ort.InferenceSession(str(self.path), opts, providers=["CPUExecutionProvider"])
        self.input_names = [i.name for i in self.session.get_inputs()]
        self.uses_token_types = "token_type_ids" in self.input_names

    def scores(self, input_ids: np.ndarray, attention_mask: np.ndarray, token_type_ids: np.ndarray) -> np.ndarray:
        feeds = {"input_ids": input_ids, "attention_mask": attention_mask}
        if self.uses_token_types:
            feeds["token_type_ids"] = token_type_ids
        (final,) = self.session.run(["final"], feeds)
        return final.astype(np.float32, copy=False)
