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
    """Run an exported ``model.onnx`` under ONNX Runtime on the CPU."""

    def __init__(self, onnx_path: str | os.PathLike, threads: int | None = None) -> None:
        import onnxruntime as ort

        opts = ort.SessionOptions()
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        if threads:
            opts.intra_op_num_threads = threads
        self.path = Path(onnx_path)
        self.session = ort.InferenceSession(str(self.path), opts, providers=["CPUExecutionProvider"])
        self.input_names = [i.name for i in self.session.get_inputs()]
        self.uses_token_types = "token_type_ids" in self.input_names

    def scores(self, input_ids: np.ndarray, attention_mask: np.ndarray, token_type_ids: np.ndarray) -> np.ndarray:
        feeds = {"input_ids": input_ids, "attention_mask": attention_mask}
        if self.uses_token_types:
            feeds["token_type_ids"] = token_type_ids
        (final,) = self.session.run(["final"], feeds)
        return final.astype(np.float32, copy=False)
