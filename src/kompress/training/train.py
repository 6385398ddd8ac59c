"""Stage 2: LoRA fine-tune of the dual-head model on labelled word examples.

The seed's recipe: freeze the encoder, LoRA (r=16, alpha=32) on the attention of the top
layers, both heads trained from scratch, loss = weighted CE (3.0 for must-keep tokens,
-100 ignored) + 0.3 * BCE(span_score, keep_mask), AdamW, 3 epochs, seeded.

CPU speed: the layers below the first LoRA layer are frozen and see no adapter, so their
output never changes during training. We compute it once per window ("hidden cache") and
train only the top layers + heads on it: exact, not an approximation.

Multi-GPU: the same entry point runs under ``torchrun``/``accelerate launch`` (it reads
``WORLD_SIZE``/``RANK``/``LOCAL_RANK``); each rank trains on its shard of the batches and
gradients are averaged with ``all_reduce`` before each step.
"""

from __future__ import annotations

import json
import math
import os
import random
import time
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any, Iterable

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from tqdm.auto import tqdm

from kompress.structure.domains import resolve_granularity
from kompress.modeling.model import DEFAULT_BACKBONE, KompressConfig, KompressModel, _forward_params, load_tokenizer, num_layers
from kompress.structure.units import line_labels
from kompress.scoring.windows import Windower


@dataclass
class TrainConfig:
    """Every knob of a training run (CLI flags and YAML/TOML config files set these)."""

    data: list[str] = field(default_factory=lambda: ["data/train.jsonl"])
    val_data: list[str] = field(default_factory=list)
    out: str = "runs/train"
    backbone: str = DEFAULT_BACKBONE
    encoder_layers: int | None = None  # use only the backbone's first N layers (None = all)
    # None = the top `top_layers` layers. MiniLM has 6: LoRA on the top 2 keeps the
    # seed's spirit (adapt the task-specific upper layers, not the syntax below) and lets
    # the hidden cache skip 4 of 6 layers per step.
    layers: list[int] | None = None
    top_layers: int | None = None  # default: 2 for encoders of <= 8 layers, else 4
    r: int = 16
    alpha: int = 32
    lora_dropout: float = 0.05
    epochs: int = 3
    lr: float = 5e-4  # LoRA
    head_lr: float = 2e-3  # heads, trained from scratch
    weight_decay: float = 0.01
    batch_size: int = 16
    max_length: int = 256
    must_keep_weight: float = 3.0
    span_weight: float = 0.3
    max_windows_per_example: int = 3
    # The built corpus holds ~2.5M tokens; 600k (a seeded sample of every domain) x 3
    # epochs is what finishes within 20 minutes on 2 CPU cores. None = all of it.
    max_train_tokens: int | None = 600_000
    domains: list[str] | None = None  # domain mix: only these domains
    teachers: list[str] | None = None  # only examples from these teachers
    max_per_domain: int | None = None  # domain mix: cap examples per domain
    domain_weights: dict[str, float] | None = None  # domain mix: loss weight factor per domain
    # In line-granularity domains a word takes its line's label (a line is kept when the
    # teacher keeps any word of it): the model then learns the decision line mode makes,
    # not the word drops inside kept lines (timestamps, ls columns) that line mode never uses.
    line_labels: bool = True
    # Train a query companion: every example becomes (agent query, output) -> evidence lines
    # (kompress.data.queries), read as ``[CLS] query [SEP] prefix [SEP] chunk [SEP]``.
    queries: bool = False
    max_query_tokens: int = 48
    threshold: float = 0.5
    seed: int = 0
    cache_hidden: bool = True
    resume: bool = False
    progress: bool = True

    @classmethod
    def from_file(cls, path: str | os.PathLike, **overrides: Any) -> "TrainConfig":
        """Read a YAML or TOML config file; ``overrides`` (non-None) win."""
        p = Path(path)
        if not p.is_file():
            raise FileNotFoundError(f"{p}: config file not found")
        text = p.read_text()
        if p.suffix == ".toml":
            import tomllib

            raw = tomllib.loads(text)
        else:
            import yaml

            raw = yaml.safe_load(text) or {}
        raw = raw.get("train", raw)
        names = {f.name for f in fields(cls)}
        unknown = sorted(set(raw) - names)
        if unknown:
            raise ValueError(f"{p}: unknown training option(s): {', '.join(unknown)}")
        raw.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**raw)


# ---------------------------------------------------------------------- data
@dataclass
class TrainWindow:
    domain: str
    ids: np.ndarray  # assembled row: [CLS] prefix [SEP] chunk [SEP]
    types: np.ndarray  # token type ids of the row (segment B = the chunk)
    labels: np.ndarray  # -100 on specials and prefix
    weights: np.ndarray
    hidden: torch.Tensor | None = None  # cached input of the first trained layer (fp16)


def load_example_dicts(paths: Iterable[str]) -> list[dict]:
    """Labelled examples from JSONL files, as dicts (the fields of :class:`kompress.data.schema.Example`;
    schema and file:line errors: :func:`kompress.data.schema.read_examples`)."""
    from dataclasses import asdict as _asdict

    from kompress.data.schema import read_examples

    out: list[dict] = []
    for p in paths:
        if not Path(p).is_file():
            raise FileNotFoundError(f"{p}: training data not found (build it with `kompress data build`)")
        out.extend(_asdict(ex) for ex in read_examples(p))
    return out


def select_examples(examples: list[dict], cfg: TrainConfig) -> list[dict]:
    """Apply the domain/teacher mix of ``cfg`` (deterministically)."""
    ex = [e for e in examples if (not cfg.domains or e["domain"] in cfg.domains)
          and (not cfg.teachers or e.get("teacher") in cfg.teachers)]
    if cfg.max_per_domain:
        rng = random.Random(cfg.seed)
        by_domain: dict[str, list[dict]] = {}
        for e in ex:
            by_domain.setdefault(e["domain"], []).append(e)
        ex = []
        for d in sorted(by_domain):
            items = by_domain[d]
            rng.shuffle(items)
            ex.extend(items[: cfg.max_per_domain])
    return ex


def make_windows(examples: list[dict], windower: Windower, cfg: TrainConfig) -> list[TrainWindow]:
    """Cut examples into the compressor's own windows and map word labels to tokens.

    Every subword of a word carries the word's label and weight; specials, the domain
    prefix and padding carry -100. Long examples contribute at most
    ``max_windows_per_example`` evenly spaced windows so no item dominates.
    """
    out: list[TrainWindow] = []
    total = 0
    for e in examples:
        starts = np.asarray([s for s, _ in e["words"]], dtype=np.int64)
        if len(starts) == 0:
            continue
        labels = np.asarray(e["labels"], dtype=np.int64)
        if cfg.line_labels and resolve_granularity("auto", e["domain"]) == "line":
            labels = line_labels(e["text"], starts, labels)
        must = np.asarray(e.get("must_keep") or [False] * len(labels), dtype=bool)
        weights = np.asarray(e.get("weights") or [1.0] * len(labels), dtype=np.float32)
        weights = np.where(must, cfg.must_keep_weight, weights).astype(np.float32)
        if cfg.domain_weights:
            weights *= np.float32(cfg.domain_weights.get(e["domain"], 1.0))
        query = e.get("query")
        wins = list(windower.windows(e["text"], e["domain"], starts, query))
        if len(wins) > cfg.max_windows_per_example:
            pick = np.linspace(0, len(wins) - 1, cfg.max_windows_per_example).round().astype(int).tolist()
            if query:
                # The windows holding the answer first: evenly spaced ones would often miss it.
                hits = [i for i, w in enumerate(wins) if labels[w.word_of].any()]
                pick = (hits + [i for i in pick if i not in hits])[: cfg.max_windows_per_example]
            wins = [wins[i] for i in sorted(set(pick))]
        base = windower.content_offset(e["domain"], query)
        for w in wins:
            ids, _, types = windower.assemble([w.ids], e["domain"], query)
            lab = np.full(ids.shape[1], -100, dtype=np.int64)
            wt = np.zeros(ids.shape[1], dtype=np.float32)
            lab[base : base + len(w.ids)] = labels[w.word_of]
            wt[base : base + len(w.ids)] = weights[w.word_of]
            out.append(TrainWindow(e["domain"], ids[0], types[0], lab, wt))
            total += len(w.ids)
        if cfg.max_train_tokens and total >= cfg.max_train_tokens:
            break
    return out


# ---------------------------------------------------------------------- model surgery
class _Passthrough(nn.Module):
    """Stands in for the embeddings: the cached hidden states come in as inputs_embeds."""

    def forward(self, input_ids=None, inputs_embeds=None, **kwargs):  # type: ignore[no-untyped-def]
        return inputs_embeds


def _layer_list(base: nn.Module) -> tuple[nn.Module, str]:
    """(parent, attribute) of the encoder's ModuleList of transformer layers."""
    n = num_layers(base)
    for name, mod in base.named_modules():
        if isinstance(mod, nn.ModuleList) and len(mod) == n:
            parent_name, _, attr = name.rpartition(".")
            return (base.get_submodule(parent_name) if parent_name else base), attr
    raise ValueError("cannot find the encoder's layer list")


class _Stop(Exception):
    pass


@torch.no_grad()
def cache_hidden(base: nn.Module, windows: list[TrainWindow], start: int, windower: Windower, batch_size: int,
                 device: torch.device, progress: bool) -> None:
    """Store, per window, the input of layer ``start`` (the output of layer ``start-1``)."""
    parent, attr = _layer_list(base)
    layer = getattr(parent, attr)[start - 1]
    captured: list[torch.Tensor] = []

    def hook(_m, _inp, out):  # type: ignore[no-untyped-def]
        captured.append(out[0] if isinstance(out, tuple) else out)
        raise _Stop  # the layers above are not needed

    handle = layer.register_forward_hook(hook)
    base.eval()
    try:
        order = sorted(range(len(windows)), key=lambda i: len(windows[i].ids))
        bar = tqdm(range(0, len(order), batch_size), desc="caching frozen layers", disable=not progress, unit="batch")
        for b in bar:
            idx = order[b : b + batch_size]
            ids, mask, types = _pad([windows[i] for i in idx], windower.pad_id)
            kwargs = {"input_ids": ids.to(device), "attention_mask": mask.to(device)}
            if "token_type_ids" in _forward_params(base):
                kwargs["token_type_ids"] = types.to(device)
            captured.clear()
            try:
                base(**kwargs)
            except _Stop:
                pass
            h = captured[0].to(torch.float16).cpu()
            for row, i in enumerate(idx):
                windows[i].hidden = h[row, : len(windows[i].ids)].clone()
    finally:
        handle.remove()


def _pad(windows: list[TrainWindow], pad_id: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """(ids, attention mask, token types) padded to the longest window."""
    L = max(len(w.ids) for w in windows)
    ids = torch.full((len(windows), L), pad_id, dtype=torch.long)
    mask = torch.zeros((len(windows), L), dtype=torch.long)
    types = torch.zeros((len(windows), L), dtype=torch.long)
    for i, w in enumerate(windows):
        ids[i, : len(w.ids)] = torch.from_numpy(w.ids)
        types[i, : len(w.ids)] = torch.from_numpy(w.types)
        mask[i, : len(w.ids)] = 1
    return ids, mask, types


class _TopLayers:
    """Context: the encoder runs only layers ``start:`` on cached inputs."""

    def __init__(self, base: nn.Module, start: int) -> None:
        self.base, self.start = base, start

    def __enter__(self) -> "_TopLayers":
        self.parent, self.attr = _layer_list(self.base)
        self.full = getattr(self.parent, self.attr)
        self.embeddings = self.base.embeddings
        setattr(self.parent, self.attr, nn.ModuleList(list(self.full)[self.start :]))
        self.base.embeddings = _Passthrough()
        return self

    def __exit__(self, *exc: object) -> None:
        setattr(self.parent, self.attr, self.full)
        self.base.embeddings = self.embeddings


# ---------------------------------------------------------------------- loss
def kompress_loss(out: dict[str, torch.Tensor], labels: torch.Tensor, weights: torch.Tensor,
                  span_weight: float) -> tuple[torch.Tensor, dict[str, float]]:
    """weighted CE over labelled tokens + span_weight * BCE(span_score, keep mask)."""
    valid = labels != -100
    ce = F.cross_entropy(out["token_logits"].reshape(-1, 2), labels.clamp(min=0).reshape(-1), reduction="none")
    token_loss = (ce * weights.reshape(-1))[valid.reshape(-1)].mean()
    span_loss = F.binary_cross_entropy(out["span_score"][valid].float(), labels[valid].float())
    loss = token_loss + span_weight * span_loss
    return loss, {"token": float(token_loss.detach()), "span": float(span_loss.detach())}


# ---------------------------------------------------------------------- training
def _dist() -> tuple[int, int, int]:
    return int(os.environ.get("WORLD_SIZE", "1")), int(os.environ.get("RANK", "0")), int(os.environ.get("LOCAL_RANK", "0"))


def _batches(windows: list[TrainWindow], batch_size: int, seed: int) -> list[list[int]]:
    """Length-bucketed batches in a seeded order (little padding, still shuffled)."""
    rng = random.Random(seed)
    idx = list(range(len(windows)))
    rng.shuffle(idx)
    chunk = batch_size * 50
    batches: list[list[int]] = []
    for c in range(0, len(idx), chunk):
        part = sorted(idx[c : c + chunk], key=lambda i: len(windows[i].ids))
        batches.extend(part[b : b + batch_size] for b in range(0, len(part), batch_size))
    rng.shuffle(batches)
    return batches


def _forward(model: KompressModel, base: nn.Module, windows: list[TrainWindow], idx: list[int], windower: Windower,
             device: torch.device, cached: bool) -> tuple[dict[str, torch.Tensor], torch.Tensor, torch.Tensor]:
    ids, mask, types = _pad([windows[i] for i in idx], windower.pad_id)
    L = ids.shape[1]
    labels = torch.full((len(idx), L), -100, dtype=torch.long)
    weights = torch.zeros((len(idx), L))
    for row, i in enumerate(idx):
        n = len(windows[i].ids)
        labels[row, :n] = torch.from_numpy(windows[i].labels)
        weights[row, :n] = torch.from_numpy(windows[i].weights)
    mask = mask.to(device)
    if cached:
        H = windows[idx[0]].hidden.shape[-1]
        hidden = torch.zeros((len(idx), L, H))
        for row, i in enumerate(idx):
            hidden[row, : len(windows[i].ids)] = windows[i].hidden.float()
        last = base(inputs_embeds=hidden.to(device), attention_mask=mask).last_hidden_state
        out = model.heads(last, mask)
    else:
        out = model(ids.to(device), mask, types.to(device))
    return out, labels.to(device), weights.to(device)



def lora_layers(n_layers: int, top_layers: int | None = None, layers: list[int] | None = None) -> list[int]:
    """The encoder layers that get LoRA: ``layers`` when given, else the top ``top_layers``
    (default 2 for encoders of <= 8 layers, else 4); an encoder with fewer layers than that
    gets them all (never a negative index)."""
    if layers is not None:
        return list(layers)
    top = top_layers or (2 if n_layers <= 8 else 4)
    return list(range(max(0, n_layers - top), n_layers))

def train(cfg: TrainConfig) -> Path:
    """Run a training job; returns the final model folder (``cfg.out/model``)."""
    world, rank, local_rank = _dist()
    if world > 1:
        import torch.distributed as dist

        dist.init_process_group("nccl" if torch.cuda.is_available() else "gloo")
    device = torch.device(f"cuda:{local_rank}" if torch.cuda.is_available() else "cpu")
    main = rank == 0
    random.seed(cfg.seed)
    np.random.seed(cfg.seed)
    torch.manual_seed(cfg.seed)
    out_dir = Path(cfg.out)
    log: dict[str, Any] = {"config": asdict(cfg), "epochs": []}

    examples = select_examples(load_example_dicts(cfg.data), cfg)
    train_ex = [e for e in examples if e.get("split", "train") == "train"]
    val_ex = (select_examples(load_example_dicts(cfg.val_data), cfg) if cfg.val_data
              else [e for e in examples if e.get("split") == "val"])
    if not train_ex:
        raise ValueError(f"no training examples in {cfg.data} (after the domain/teacher mix)")
    # Files come sorted by family; shuffle (seeded) so a token budget samples every domain.
    random.Random(cfg.seed).shuffle(train_ex)
    random.Random(cfg.seed + 1).shuffle(val_ex)

    if cfg.queries:
        from kompress.data.queries import query_examples

        train_ex = query_examples(train_ex, seed=cfg.seed)
        val_ex = query_examples(val_ex, seed=cfg.seed + 1)
        random.Random(cfg.seed).shuffle(train_ex)
        random.Random(cfg.seed + 1).shuffle(val_ex)
    model = KompressModel(KompressConfig(backbone=cfg.backbone, encoder_layers=cfg.encoder_layers,
                                          max_length=cfg.max_length, threshold=cfg.threshold,
                                          query_segment=cfg.queries, max_query_tokens=cfg.max_query_tokens),
                          seed=cfg.seed)
    n_layers = num_layers(model.encoder)
    layers = lora_layers(n_layers, cfg.top_layers, cfg.layers)
    model.add_lora(r=cfg.r, alpha=cfg.alpha, dropout=cfg.lora_dropout, layers=layers)
    model.to(device)
    base = model.encoder.get_base_model()
    start = min(layers)
    cached = cfg.cache_hidden and start > 0

    windower = Windower(load_tokenizer(cfg.backbone), cfg.max_length, model.config.domain_prefixes,
                        cfg.max_query_tokens)
    t0 = time.time()
    train_w = make_windows(train_ex, windower, cfg)
    val_w = make_windows(val_ex, windower, TrainConfig(**{**asdict(cfg), "max_train_tokens": 100_000}))
    n_tokens = int(sum((w.labels != -100).sum() for w in train_w))
    if main:
        print(f"train: {len(train_ex)} examples -> {len(train_w)} windows, {n_tokens} labelled tokens; "
              f"val: {len(val_w)} windows; LoRA layers {layers} of {n_layers}; hidden cache {'on' if cached else 'off'}")
    if cached:
        cache_hidden(base, train_w + val_w, start, windower, 32, device, cfg.progress and main)
    log["prep_seconds"] = round(time.time() - t0, 1)

    head_params = [p for n, p in model.named_parameters() if not n.startswith("encoder.")]
    lora_params = [p for n, p in model.named_parameters() if n.startswith("encoder.") and p.requires_grad]
    opt = torch.optim.AdamW(
        [{"params": lora_params, "lr": cfg.lr}, {"params": head_params, "lr": cfg.head_lr}],
        weight_decay=cfg.weight_decay,
    )
    steps_per_epoch = math.ceil(len(_batches(train_w, cfg.batch_size, 0)) / world)
    total_steps = steps_per_epoch * cfg.epochs
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min(1.0, (s + 1) / max(1, total_steps // 20)) * max(0.05, 1 - s / max(1, total_steps))
    )
    first_epoch = 0
    ckpt_root = out_dir / "checkpoints"
    if cfg.resume:
        first_epoch = _resume(model, opt, sched, ckpt_root)
        if main and first_epoch:
            print(f"resumed after epoch {first_epoch} from {ckpt_root}")

    trainable = lora_params + head_params
    for epoch in range(first_epoch, cfg.epochs):
        model.train()
        batches = _batches(train_w, cfg.batch_size, cfg.seed + epoch)[rank::world]
        bar = tqdm(batches, desc=f"epoch {epoch + 1}/{cfg.epochs}", disable=not (cfg.progress and main), unit="batch")
        seen, t_epoch, losses = 0, time.time(), []
        with _TopLayers(base, start) if cached else _nullcontext():
            for idx in bar:
                out, labels, weights = _forward(model, base, train_w, idx, windower, device, cached)
                loss, parts = kompress_loss(out, labels, weights, cfg.span_weight)
                opt.zero_grad(set_to_none=True)
                loss.backward()
                if world > 1:
                    _all_reduce_grads(trainable, world)
                torch.nn.utils.clip_grad_norm_(trainable, 1.0)
                opt.step()
                sched.step()
                losses.append(float(loss.detach()))
                seen += int((labels != -100).sum())
                bar.set_postfix(loss=f"{np.mean(losses[-50:]):.4f}", tok_s=f"{seen / max(1e-9, time.time() - t_epoch):.0f}")
            val = evaluate_windows(model, base, val_w, windower, device, cached, cfg) if val_w else {}
        entry = {"epoch": epoch + 1, "train_loss": round(float(np.mean(losses)), 5), "seconds": round(time.time() - t_epoch, 1),
                 "tokens_per_s": round(seen / max(1e-9, time.time() - t_epoch)), **val}
        log["epochs"].append(entry)
        if main:
            print(json.dumps(entry))
            _checkpoint(model, opt, sched, ckpt_root / f"epoch-{epoch + 1}", epoch + 1)
    final = out_dir / "model"
    if main:
        model.config.trained = True
        model.config.extra["train"] = {"layers": layers, "r": cfg.r, "alpha": cfg.alpha, "epochs": cfg.epochs,
                                       "examples": len(train_ex), "windows": len(train_w), "seed": cfg.seed}
        model.cpu().save_pretrained(final)
        log["total_seconds"] = round(time.time() - t0, 1)
        (out_dir / "train_log.json").write_text(json.dumps(log, indent=2) + "\n")
    if world > 1:
        import torch.distributed as dist

        dist.barrier()
        dist.destroy_process_group()
    return final


class _nullcontext:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None


def _all_reduce_grads(params: list[nn.Parameter], world: int) -> None:
    import torch.distributed as dist

    for p in params:
        if p.grad is not None:
            dist.all_reduce(p.grad)
            p.grad /= world


@torch.no_grad()
def evaluate_windows(model: KompressModel, base: nn.Module, windows: list[TrainWindow], windower: Windower,
                     device: torch.device, cached: bool, cfg: TrainConfig) -> dict[str, float]:
    """Validation loss and token-level precision/recall/F1 of ``final > threshold``."""
    model.eval()
    tp = fp = fn = 0
    losses = []
    order = sorted(range(len(windows)), key=lambda i: len(windows[i].ids))
    for b in range(0, len(order), 32):
        idx = order[b : b + 32]
        out, labels, weights = _forward(model, base, windows, idx, windower, device, cached)
        loss, _ = kompress_loss(out, labels, weights, cfg.span_weight)
        losses.append(float(loss))
        valid = labels != -100
        pred = out["final"] > cfg.threshold
        gold = labels == 1
        tp += int((pred & gold & valid).sum())
        fp += int((pred & ~gold & valid).sum())
        fn += int((~pred & gold & valid).sum())
    model.train()
    p = tp / max(1, tp + fp)
    r = tp / max(1, tp + fn)
    return {"val_loss": round(float(np.mean(losses)), 5), "val_precision": round(p, 4), "val_recall": round(r, 4),
            "val_f1": round(2 * p * r / max(1e-9, p + r), 4)}


def _checkpoint(model: KompressModel, opt, sched, path: Path, epoch: int) -> None:  # type: ignore[no-untyped-def]
    model.save_pretrained(path)
    tmp = path / "trainer_state.pt.tmp"
    torch.save({"epoch": epoch, "optimizer": opt.state_dict(), "scheduler": sched.state_dict(),
                "torch_rng": torch.random.get_rng_state()}, tmp)
    os.replace(tmp, path / "trainer_state.pt")  # a checkpoint is complete or absent


def _resume(model: KompressModel, opt, sched, root: Path) -> int:  # type: ignore[no-untyped-def]
    done = sorted((p for p in root.glob("epoch-*") if (p / "trainer_state.pt").is_file()),
                  key=lambda p: int(p.name.split("-")[1]))
    if not done:
        return 0
    last = done[-1]
    from peft import set_peft_model_state_dict
    from safetensors.torch import load_file

    model._load_heads(load_file(str(last / "heads.safetensors")))
    adapter = last / "adapter" / "adapter_model.safetensors"
    set_peft_model_state_dict(model.encoder, load_file(str(adapter)))
    state = torch.load(last / "trainer_state.pt", weights_only=False)
    opt.load_state_dict(state["optimizer"])
    sched.load_state_dict(state["scheduler"])
    torch.random.set_rng_state(state["torch_rng"])
    return int(state["epoch"])
