"""The seed's four stages in one run folder::

    runs/NAME/
      data/      1/4 build data      train.jsonl val.jsonl test.jsonl summary.md (+ log.jsonl)
      train/     2/4 fine-tune       checkpoints/ model/ train_log.json
      eval/      3/4 evaluate        eval.json eval.md sweep.png examples.html
      model/     4/4 ONNX export     the final model folder: heads, adapter, model.onnx, eval.json
      summary.md                     the final table

Each stage is skipped when its output is complete (so a rerun resumes where it stopped)
or when named in ``skip``; ``force`` reruns them.
"""

from __future__ import annotations

import json
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kompress.training.train import TrainConfig


@dataclass
class PipelineConfig:
    run_dir: str = "runs/default"
    seed: int = 0
    scale: float = 1.0  # corpus size factor for stage 1
    families: list[str] | None = None
    data_dir: str | None = None  # use existing labelled data instead of building it
    data_from_log: str | None = None  # PairStore URL: add the proxy's logged pairs (dogfood loop)
    train: TrainConfig = field(default_factory=TrainConfig)
    eval_limit: int | None = None
    sim_model: str | None = "default"
    # Per-domain thresholds picked on the val split (the fewest words kept with at least this
    # answer survival overall; see kompress.evaluation.calibrate); None: one global threshold.
    min_answer: float | None = 0.98
    # Then the novelty rate: the lowest whose val word keep stays within this budget (see
    # kompress.evaluation.calibrate); None: novelty off.
    max_word_keep: float | None = 0.60
    int8: bool = False
    push_to_hub: str | None = None
    hf_token: str | None = None
    skip: tuple[str, ...] = ()
    force: bool = False


def banner(n: int, title: str) -> None:
    print(f"=== {n}/4 {title} ===", flush=True)


def run_pipeline(cfg: PipelineConfig) -> dict[str, Any]:
    """Run the stages in order; returns the summary (also written to ``summary.md``)."""
    run = Path(cfg.run_dir)
    run.mkdir(parents=True, exist_ok=True)
    token = None
    if cfg.push_to_hub and "export" not in cfg.skip:
        from kompress.modeling.hub import check_hub

        token = check_hub(cfg.hf_token)  # fail before hours of work, not after
    summary: dict[str, Any] = {"run_dir": str(run), "stages": {}}
    data_dir = Path(cfg.data_dir) if cfg.data_dir else run / "data"
    model_dir = run / "model"

    # ------------------------------------------------------------ 1/4 data
    banner(1, "Build data")
    t = time.time()
    if cfg.data_dir or "data" in cfg.skip:
        print(f"using labelled data in {data_dir}")
    elif (data_dir / "summary.json").is_file() and not cfg.force:
        print(f"already built: {data_dir} (use --force to rebuild)")
    else:
        from kompress.data.dataset import build_dataset

        build_dataset(data_dir, seed=cfg.seed, scale=cfg.scale, families=cfg.families)
    train_files = [str(data_dir / "train.jsonl"), str(data_dir / "val.jsonl")]
    if cfg.data_from_log:
        log_file = data_dir / "log.jsonl"
        if not log_file.is_file() or cfg.force:
            from kompress.data.dataset import examples_from_log, write_examples
            from kompress.serving.proxy.store import PairStore

            examples, stats = examples_from_log(PairStore(cfg.data_from_log).iter_pairs(), split_seed=cfg.seed)
            # Logged traffic is for training: every pair goes to the train split.
            for ex in examples:
                ex.split = "train"
            write_examples(log_file, examples)
            print(f"dogfood: {stats} -> {log_file}")
        train_files.append(str(log_file))
    summary["stages"]["data"] = {"seconds": round(time.time() - t, 1), "dir": str(data_dir)}

    # ------------------------------------------------------------ 2/4 train
    banner(2, "Fine-tune")
    t = time.time()
    train_dir = run / "train"
    trained = train_dir / "model"
    if "train" in cfg.skip:
        print("skipped")
    elif (trained / "config.json").is_file() and not cfg.force:
        print(f"already trained: {trained}")
    else:
        from kompress.training.train import train

        cfg.train.data = train_files
        cfg.train.out = str(train_dir)
        cfg.train.resume = not cfg.force
        train(cfg.train)
    if (trained / "config.json").is_file():
        if model_dir.exists():
            shutil.rmtree(model_dir)
        shutil.copytree(trained, model_dir)
        val = data_dir / "val.jsonl"
        if cfg.min_answer is not None and val.is_file():
            calibrate_stage(model_dir, val, cfg.min_answer, run / "calibration.md", cfg.max_word_keep)
    summary["stages"]["train"] = {"seconds": round(time.time() - t, 1)}
    log = train_dir / "train_log.json"
    if log.is_file():
        summary["stages"]["train"]["log"] = json.loads(log.read_text()).get("epochs", [])[-1:]

    # ------------------------------------------------------------ 3/4 eval
    banner(3, "Eval")
    t = time.time()
    eval_dir = run / "eval"
    if "eval" in cfg.skip:
        print("skipped")
    else:
        from kompress.evaluation.runner import evaluate_model

        evaluate_model(model_dir, data_dir / "test.jsonl", out_dir=eval_dir, limit=cfg.eval_limit, sim_model=cfg.sim_model,
                       progress=True)
        shutil.copy(eval_dir / "eval.json", model_dir / "eval.json")
        print((eval_dir / "eval.md").read_text())
    summary["stages"]["eval"] = {"seconds": round(time.time() - t, 1), "dir": str(eval_dir)}

    # ------------------------------------------------------------ 4/4 export
    banner(4, "ONNX export" + (" + upload" if cfg.push_to_hub else ""))
    t = time.time()
    if "export" in cfg.skip:
        print("skipped")
    else:
        from kompress.modeling.release import export_folder

        report = export_folder(model_dir, int8=cfg.int8)
        summary["stages"]["export"] = report
        for kind, r in report.items():
            print(f"{kind}: {r['path']} ({r['mb']} MB) max|torch-onnx| {r['max_abs_diff']:.2e} agreement {r['word_agreement']:.4f}")
        if cfg.push_to_hub:
            from kompress.modeling.hub import push_folder

            print(f"uploaded to {push_folder(model_dir, cfg.push_to_hub, token)}")
    summary["stages"].setdefault("export", {})["seconds"] = round(time.time() - t, 1)
    (run / "summary.json").write_text(json.dumps(summary, indent=2, default=str) + "\n")
    (run / "summary.md").write_text(pipeline_summary_markdown(summary, eval_dir / "eval.json"))
    print((run / "summary.md").read_text())
    return summary


def calibrate_stage(model_dir: Path, val: Path, min_answer: float, report: Path,
                     max_word_keep: float | None = None) -> None:
    """The pipeline's calibration step: choose per-domain thresholds (and, with ``max_word_keep``,
    the novelty rate) on the ``val`` JSONL file with
    :func:`kompress.evaluation.calibrate.calibrate_folder`, write them into the model folder and
    the table to ``report``."""
    from kompress.evaluation import calibrate
    from kompress.evaluation.items import load_examples

    text = calibrate.calibrate_folder(model_dir, load_examples(val), min_answer=min_answer,
                                      max_word_keep=max_word_keep, write=True, progress=True)
    report.write_text(text + "\n")
    print(text)


def pipeline_summary_markdown(summary: dict[str, Any], eval_json: Path) -> str:
    """The pipeline's final table (``summary.md``): time per stage and the headline figures."""
    lines = [f"# Pipeline run {summary['run_dir']}", "", "| stage | seconds |", "|---|---|"]
    for name, st in summary["stages"].items():
        lines.append(f"| {name} | {st.get('seconds', '')} |")
    if eval_json.is_file():
        ev = json.loads(eval_json.read_text())
        overall = ev.get("systems", {}).get("model", {}).get("overall") or ev.get("overall") or {}
        if overall:
            lines += ["", "| metric (model, test split) | value |", "|---|---|"]
            for k, v in overall.items():
                if isinstance(v, (int, float)):
                    lines.append(f"| {k} | {v:.4f} |" if isinstance(v, float) else f"| {k} | {v} |")
    return "\n".join(lines) + "\n"
