"""The dual-head token classifier: any Hugging Face encoder + token head + span head.

    encoder -> last_hidden_state [B, L, H]
       |-- dropout -> Linear(H, 2) -> softmax[..., 1]                 -> token_prob [B, L]
       `-- Conv1d(H, 256, k1) -> GELU -> Conv1d(256, 1, k2) -> Sigmoid -> span_score [B, L]
    final = token_prob * (0.5 + 0.5 * span_score)

A Kompress model is a folder (``save_pretrained`` / ``from_pretrained``)::

    config.json          KompressConfig
    heads.safetensors    token_head.*, span_conv.*
    adapter/             PEFT LoRA adapter of the encoder (optional)
    encoder.safetensors  full encoder weights (only when they differ from the backbone's)
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import torch
from torch import nn

from kompress.modeling.config import (  # noqa: F401  (re-exported: the model folder's names live with the model)
    ADAPTER_DIR,
    CONFIG_NAME,
    DEFAULT_BACKBONE,
    ENCODER_NAME,
    HEADS_NAME,
    BackboneNotFound,
    KompressConfig,
    _hub_error,
    resolve_backbone,
)
from kompress.scoring.tokenizer import _quiet_transformers, load_tokenizer  # noqa: F401


def load_encoder(name_or_path: str, attn_implementation: str | None = None, random_init: bool = False,
                 layers: int | None = None) -> nn.Module:
    """Load a Hugging Face encoder by local path or hub id, with a clear error offline.

    ``layers`` keeps only the first N transformer layers (a faster, shallower encoder;
    the weights of the layers above are simply not loaded).
    """
    from transformers import AutoConfig, AutoModel

    _quiet_transformers()
    path = resolve_backbone(name_or_path)
    kwargs: dict[str, Any] = {}
    if attn_implementation:
        kwargs["attn_implementation"] = attn_implementation
    try:
        cfg = AutoConfig.from_pretrained(path)
    except (OSError, ValueError) as e:
        raise _hub_error(path, e) from e
    if layers:
        if not 1 <= layers <= _config_layers(cfg):
            raise ValueError(f"encoder_layers must be 1..{_config_layers(cfg)} for {name_or_path!r}, got {layers}")
        cfg.num_hidden_layers = layers
        if getattr(cfg, "layer_types", None):  # ModernBERT: per-layer local/global attention
            cfg.layer_types = cfg.layer_types[:layers]
    try:
        if random_init:
            return AutoModel.from_config(cfg, **kwargs)
        return AutoModel.from_pretrained(path, config=cfg, **kwargs)
    except (OSError, ValueError) as e:
        raise _hub_error(path, e) from e


def _span_head(hidden: int, span_hidden: int, k1: int, k2: int) -> nn.Sequential:
    # Same-length padding so span_score aligns with tokens.
    return nn.Sequential(
        nn.Conv1d(hidden, span_hidden, k1, padding=k1 // 2),
        nn.GELU(),
        nn.Conv1d(span_hidden, 1, k2, padding=k2 // 2),
        nn.Sigmoid(),
    )


class KompressModel(nn.Module):
    """Dual-head token classifier over a Hugging Face encoder."""

    def __init__(self, config: KompressConfig, encoder: nn.Module | None = None, seed: int = 0) -> None:
        super().__init__()
        self.config = config
        self.encoder = encoder if encoder is not None else load_encoder(
            config.backbone, config.attn_implementation, layers=config.encoder_layers)
        hidden = getattr(self.encoder.config, "hidden_size", config.hidden_size)
        config.hidden_size = hidden
        # Heads are initialised from a fixed seed so untrained models are still deterministic.
        gen_state = torch.random.get_rng_state()
        torch.manual_seed(seed)
        self.token_dropout = nn.Dropout(config.dropout)
        self.token_head = nn.Linear(hidden, 2)
        self.span_conv = _span_head(hidden, config.span_hidden, config.span_kernel, config.span_kernel2)
        torch.random.set_rng_state(gen_state)
        self._encoder_takes_token_types = "token_type_ids" in _forward_params(self.encoder)

    # ------------------------------------------------------------------ forward
    def forward(
        self,
        input_ids: torch.Tensor,
        attention_mask: torch.Tensor,
        token_type_ids: torch.Tensor | None = None,
    ) -> dict[str, torch.Tensor]:
        return self.heads(self.encode(input_ids, attention_mask, token_type_ids), attention_mask)

    def encode(
        self,
        input_ids: torch.Tensor,
        attention_mask: torch.Tensor,
        token_type_ids: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """Encoder states ``[B, L, H]`` (the part a server may share across requests)."""
        kwargs = {"input_ids": input_ids, "attention_mask": attention_mask}
        if token_type_ids is not None and self._encoder_takes_token_types:
            kwargs["token_type_ids"] = token_type_ids
        return self.encoder(**kwargs).last_hidden_state

    def heads(self, hidden: torch.Tensor, attention_mask: torch.Tensor | None = None) -> dict[str, torch.Tensor]:
        """Apply both heads to encoder states ``[B, L, H]``.

        Padding is zeroed before the span convolution, so a token's span score never
        depends on how much padding its batch happens to have (determinism across batching).
        """
        token_logits = self.token_head(self.token_dropout(hidden))
        token_prob = torch.softmax(token_logits, dim=-1)[..., 1]
        span_in = hidden if attention_mask is None else hidden * attention_mask.unsqueeze(-1).to(hidden.dtype)
        span_score = self.span_conv(span_in.transpose(1, 2)).squeeze(1)
        final = token_prob * (0.5 + 0.5 * span_score)
        return {"token_logits": token_logits, "token_prob": token_prob, "span_score": span_score, "final": final}

    # ------------------------------------------------------------------ LoRA
    def add_lora(
        self,
        r: int = 16,
        alpha: int = 32,
        dropout: float = 0.05,
        layers: list[int] | None = None,
        target_modules: list[str] | None = None,
    ) -> None:
        """Wrap the encoder with a PEFT LoRA adapter on the attention of ``layers``."""
        from peft import LoraConfig, get_peft_model

        targets, pattern = attention_targets(self.encoder)
        cfg = LoraConfig(
            r=r,
            lora_alpha=alpha,
            lora_dropout=dropout,
            target_modules=target_modules or targets,
            layers_to_transform=layers,
            layers_pattern=pattern if layers is not None else None,
            bias="none",
        )
        self.encoder = get_peft_model(self.encoder, cfg)

    def has_adapter(self) -> bool:
        return hasattr(self.encoder, "peft_config")

    def merge_adapter(self) -> None:
        """Fold LoRA weights into the encoder (faster inference, same outputs)."""
        if self.has_adapter():
            self.encoder = self.encoder.merge_and_unload()

    # ------------------------------------------------------------------ save / load
    def save_pretrained(self, save_dir: str | os.PathLike, save_encoder: bool = False) -> Path:
        """Write the model folder; the backbone itself is referenced, not copied, unless
        ``save_encoder`` (needed when encoder weights differ from the backbone's)."""
        from safetensors.torch import save_file

        out = Path(save_dir)
        out.mkdir(parents=True, exist_ok=True)
        heads = {f"token_head.{k}": v for k, v in self.token_head.state_dict().items()}
        heads.update({f"span_conv.{k}": v for k, v in self.span_conv.state_dict().items()})
        save_file({k: v.detach().contiguous().cpu() for k, v in heads.items()}, str(out / HEADS_NAME))
        if self.has_adapter():
            self.encoder.save_pretrained(str(out / ADAPTER_DIR))
        if save_encoder or self.config.extra.get("encoder_in_folder"):
            base = self.encoder.get_base_model() if self.has_adapter() else self.encoder
            state = {k: v.detach().contiguous().cpu() for k, v in base.state_dict().items() if "lora_" not in k}
            save_file(state, str(out / ENCODER_NAME))
            self.config.extra["encoder_in_folder"] = True
        (out / CONFIG_NAME).write_text(self.config.to_json() + "\n")
        return out

    @classmethod
    def from_pretrained(
        cls,
        path: str | os.PathLike,
        backbone: str | None = None,
        merge: bool = False,
        trainable_adapter: bool = False,
    ) -> "KompressModel":
        """Load a Kompress model folder, or a kompress-v2/v3 ``merged.pt`` checkpoint.

        ``backbone`` overrides the encoder named in the config (e.g. a local copy of
        ModernBERT-base when reading a ``merged.pt`` offline).
        """
        p = Path(path)
        if p.is_file() and p.suffix in (".pt", ".pth", ".bin"):
            return cls._from_merged_pt(p, backbone or "answerdotai/ModernBERT-base")
        if not (p / CONFIG_NAME).is_file():
            raise FileNotFoundError(f"{p} is not a Kompress model folder (no {CONFIG_NAME})")
        from safetensors.torch import load_file

        config = KompressConfig.from_dict(json.loads((p / CONFIG_NAME).read_text()))
        if backbone:
            config.backbone = backbone
        encoder_file = p / ENCODER_NAME
        encoder = load_encoder(config.backbone, config.attn_implementation, random_init=encoder_file.is_file(),
                               layers=config.encoder_layers)
        if encoder_file.is_file():
            encoder.load_state_dict(load_file(str(encoder_file)), strict=False)
        model = cls(config, encoder=encoder)
        model._load_heads(load_file(str(p / HEADS_NAME)))
        if (p / ADAPTER_DIR).is_dir():
            from peft import PeftModel

            model.encoder = PeftModel.from_pretrained(model.encoder, str(p / ADAPTER_DIR), is_trainable=trainable_adapter)
            if merge:
                model.merge_adapter()
        model.eval()
        return model

    def _load_heads(self, state: dict[str, torch.Tensor]) -> None:
        tok = {k.split(".", 1)[1]: v for k, v in state.items() if k.startswith("token_head.")}
        span = {k.split(".", 1)[1]: v for k, v in state.items() if k.startswith("span_conv.")}
        self.token_head.load_state_dict(tok)
        self.span_conv.load_state_dict(span)

    @classmethod
    def _from_merged_pt(cls, path: Path, backbone: str) -> "KompressModel":
        """Read the seed author's checkpoint: encoder_state_dict, token_head_state_dict,
        span_conv_state_dict (or span_head_state_dict)."""
        ckpt = torch.load(str(path), map_location="cpu", weights_only=True)
        missing = [k for k in ("encoder_state_dict", "token_head_state_dict") if k not in ckpt]
        span_key = "span_conv_state_dict" if "span_conv_state_dict" in ckpt else "span_head_state_dict"
        if missing or span_key not in ckpt:
            raise ValueError(f"{path}: not a kompress merged.pt checkpoint (keys: {sorted(ckpt)[:8]})")
        encoder = load_encoder(backbone, "eager", random_init=True)
        enc_state = {k.removeprefix("encoder.").removeprefix("model."): v for k, v in ckpt["encoder_state_dict"].items()}
        result = encoder.load_state_dict(enc_state, strict=False)
        if len(result.missing_keys) > len(enc_state) // 2:
            raise ValueError(f"{path}: encoder weights do not fit backbone {backbone!r} ({len(result.missing_keys)} missing)")
        convs = [v for k, v in ckpt[span_key].items() if k.endswith("weight") and v.dim() == 3]
        config = KompressConfig(
            backbone=backbone,
            span_hidden=convs[0].shape[0],
            span_kernel=convs[0].shape[2],
            span_kernel2=convs[1].shape[2],
            attn_implementation="eager",
            trained=True,
            extra={"encoder_in_folder": True, "source": str(path.name)},
        )
        model = cls(config, encoder=encoder)
        model.token_head.load_state_dict(ckpt["token_head_state_dict"])
        # Map the two conv layers by order onto our Sequential (indices 0 and 2).
        span_items = [(k, v) for k, v in ckpt[span_key].items()]
        weights = [v for k, v in span_items if k.endswith("weight")]
        biases = [v for k, v in span_items if k.endswith("bias")]
        model.span_conv.load_state_dict({"0.weight": weights[0], "0.bias": biases[0], "2.weight": weights[1], "2.bias": biases[1]})
        model.eval()
        return model


def attention_targets(encoder: nn.Module) -> tuple[list[str], str]:
    """LoRA target module names and the layers pattern for a BERT-like or ModernBERT encoder."""
    names = {n.rsplit(".", 1)[-1] for n, _ in encoder.named_modules()}
    if "Wqkv" in names:
        return ["attn.Wqkv", "attn.Wo"], "layers"
    if {"query", "key", "value"} <= names:
        return ["query", "key", "value"], "layer"
    if {"q_proj", "k_proj", "v_proj"} <= names:
        return ["q_proj", "k_proj", "v_proj"], "layers"
    raise ValueError("cannot find attention projections to put LoRA on; pass target_modules explicitly")


def num_layers(encoder: nn.Module) -> int:
    """Transformer layers of a loaded encoder."""
    return _config_layers(encoder.config)


def _config_layers(cfg: Any) -> int:
    return int(getattr(cfg, "num_hidden_layers"))


def _forward_params(module: nn.Module) -> set[str]:
    import inspect

    try:
        return set(inspect.signature(module.forward).parameters)
    except (TypeError, ValueError):
        return set()
