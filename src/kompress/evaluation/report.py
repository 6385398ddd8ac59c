"""Render an evaluation (:class:`kompress.evaluation.evaluate.EvalRun`) as JSON, Markdown, a PNG plot
of the threshold sweep and an HTML page of kept and dropped words.

``write_report(run, out_dir)`` writes ``eval.json``, ``eval.md``, ``sweep.png`` (when the
run has a sweep and matplotlib is installed: ``pip install kompress-agent[eval]``) and
``examples.html``. Everything is a pure function of the run, so outputs are reproducible.
"""

from __future__ import annotations

import html
import json
import os
from pathlib import Path
from typing import Any

from kompress.evaluation.evaluate import SYSTEMS, EvalRun

#: Columns of the overall table: (metric key, header).
COLUMNS: list[tuple[str, str]] = [
    ("keep_rate", "keep_rate (tokens)"),
    ("word_keep_rate", "word keep"),
    ("exact_keep_pct", "exact_keep"),
    ("sem_sim", "sem_sim"),
    ("word_f1", "word F1"),
    ("answer_survival", "answer survival"),
    ("line_fidelity", "line fidelity"),
    ("negation_survival", "negation survival"),
    ("grep_check", "grep check"),
]
SWEEP_COLUMNS = ("keep_rate", "word_keep_rate", "answer_survival", "exact_keep_pct", "word_f1")
BASELINE_STYLE = {  # marker, colour of each baseline point on the plot
    "identity": ("s", "#555555"),
    "must_keep": ("D", "#d62728"),
    "rules": ("^", "#2ca02c"),
    "random": ("v", "#9467bd"),
    "random_lines": ("<", "#8c564b"),
    "last_lines": (">", "#e377c2"),
}


def fmt(x: Any, digits: int = 3) -> str:
    """A metric for a table: 3 decimals, ``n/a`` for None."""
    if x is None:
        return "n/a"
    if isinstance(x, float):
        return f"{x:.{digits}f}"
    return str(x)


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    out = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    out += ["| " + " | ".join(r) + " |" for r in rows]
    return out


def to_markdown(report: dict[str, Any]) -> str:
    """The report as Markdown: overall table, per-domain tables, sweep, notes."""
    systems = report["systems"]
    k = systems["model"]["overall"]
    lines = ["# Kompress evaluation", ""]
    lines.append(
        f"Model `{report.get('model')}` (backend {report.get('backend', '?')}"
        + ("" if report.get("model_trained", True) else ", **untrained heads**")
        + f"), data `{report.get('data')}`: {report['items']} items, {k['questions']} questions; "
        f"threshold {_threshold_text(report)}, novelty {report.get('novelty') or 'off'}, "
        f"granularity {report['granularity']}, seed {report['seed']}."
    )
    lines.append("")
    det = report.get("domain_detection")
    if det:
        wrong = ", ".join(f"{k} ({v})" for k, v in det["misdetected"].items()) or "none"
        lines.append(f"Domains: detected from the text, as `Compressor.compress` does (detection agrees with the "
                     f"labelled domain on {fmt(det['accuracy'])} of items; misdetected: {wrong}). "
                     "Per-domain rows are by labelled domain.")
    elif report.get("domains") == "gold":
        lines.append("Domains: the items' labelled domains (perfect detection assumed).")
    lines.append("")
    lines.append(f"sem_sim model: {report['sim_model'] or 'not computed'}.")
    lines += ["", "## Overall", ""]
    lines += _table(
        ["system", *[h for _, h in COLUMNS]],
        [[v["label"], *[fmt(v["overall"][c]) for c, _ in COLUMNS]] for v in systems.values()],
    )
    lines += [
        "",
        f"exact_keep of the model: {fmt(k['exact_keep_pct'])} with the guard, "
        f"{fmt(k.get('exact_keep_pct_raw'))} for the model alone (guard off).",
        "",
        "## Per domain: kompress (guard on)",
        "",
    ]
    raw_dom = systems["model_raw"]["per_domain"]
    per = systems["model"]["per_domain"]
    lines += _table(
        ["domain", "items", *[h for _, h in COLUMNS[:3]], "exact_keep (guard off)", *[h for _, h in COLUMNS[3:]]],
        [
            [d, str(m["items"]), *[fmt(m[c]) for c, _ in COLUMNS[:3]], fmt(raw_dom.get(d, {}).get("exact_keep_pct")),
             *[fmt(m[c]) for c, _ in COLUMNS[3:]]]
            for d, m in per.items()
        ],
    )
    lines += ["", "## Per domain: answer survival @ keep_rate, every system", ""]
    lines += _table(
        ["domain", *[v["label"] for v in systems.values()]],
        [
            [d, *[f"{fmt(v['per_domain'][d]['answer_survival'])} @ {fmt(v['per_domain'][d]['keep_rate'])}"
                  if d in v["per_domain"] else "n/a" for v in systems.values()]]
            for d in per
        ],
    )
    if report.get("sweep"):
        lines += ["", "## Threshold sweep (kompress; guard on, guard off in brackets)", ""]
        lines += _table(
            ["threshold", "keep_rate", "word keep", "answer survival", "exact_keep", "word F1"],
            [
                [f"{p['threshold']:.2f}", *[f"{fmt(p[c])} ({fmt(p['raw'][c])})" for c in SWEEP_COLUMNS]]
                for p in report["sweep"]
            ],
        )
        lines += ["", "Plot: `sweep.png` (keep_rate against answer survival and exact_keep, baselines as points)."]
    lines += ["", "## Notes", ""]
    lines += [f"- {n}" for n in report.get("notes", [])]
    lines += [
        "- Ratios are micro averages (summed over items, then divided); sem_sim is the mean over items.",
        "- keep_rate counts the model's tokens; exact_keep counts must-keep matches of the input "
        "(with repeats) found in the output; answer survival: answer string found in the output.",
        "- line fidelity: output lines that are whole input lines or elision markers; negation survival: "
        "input polarity words kept; grep check: output `path:line:` lines that are whole input lines.",
        "- random: the same number of words per item as the model kept (guard on), chosen with the seed.",
    ]
    return "\n".join(lines) + "\n"


def plot_sweep(report: dict[str, Any], path: str | os.PathLike) -> Path:
    """Draw keep_rate against answer survival and exact_keep for the sweep, with the
    baselines as points, into a PNG at ``path`` (matplotlib's Agg canvas, no display)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    sweep = report["sweep"]
    systems = report["systems"]
    fig = Figure(figsize=(12, 5), dpi=110)
    FigureCanvasAgg(fig)
    panels = [("answer_survival", "answer survival"), ("exact_keep_pct", "exact_keep")]
    for n, (key, name) in enumerate(panels):
        ax = fig.add_subplot(1, 2, n + 1)
        for raw, style, label in ((False, "-o", "kompress, guard on"), (True, "--x", "kompress, guard off")):
            pts = [(p["raw"] if raw else p) for p in sweep]
            xs = [q["keep_rate"] for q in pts]
            ys = [q[key] for q in pts]
            if any(y is None for y in ys):
                continue
            ax.plot(xs, ys, style, color="#1f77b4" if not raw else "#ff7f0e", label=label, linewidth=1.5, markersize=5)
            if not raw:
                for g, (x, y, label) in enumerate(_threshold_labels(sweep, xs, ys)):
                    # Alternate below/above so neighbouring labels do not overprint.
                    ax.annotate(label, (x, y), textcoords="offset points", xytext=(4, -11 if g % 2 == 0 else 6), fontsize=7)
        op = systems["model"]["overall"]
        if op[key] is not None:
            ax.plot([op["keep_rate"]], [op[key]], "*", color="#1f77b4", markersize=15,
                    label=f"kompress at threshold {_threshold_text(report)}")
        for s, (marker, colour) in BASELINE_STYLE.items():
            if s in systems and systems[s]["overall"][key] is not None:
                m = systems[s]["overall"]
                ax.plot([m["keep_rate"]], [m[key]], marker, color=colour, markersize=9, linestyle="none", label=SYSTEMS[s])
        ax.set_xlabel("keep_rate (share of model tokens kept)")
        ax.set_ylabel(name)
        ax.set_xlim(0, 1.05)
        ax.set_ylim(min(0.5, _lowest(sweep, systems, key)) - 0.02, 1.06)
        ax.grid(True, alpha=0.3)
        ax.set_title(f"{name} vs keep_rate (labels: threshold)", fontsize=10)
        if n == 0:
            ax.legend(fontsize=8, loc="lower right")
    fig.suptitle(f"Kompress threshold sweep: {report['items']} items, {report.get('data', '')}", fontsize=11)
    fig.tight_layout()
    out = Path(path)
    # No software/version metadata, so the same run gives the same bytes.
    fig.savefig(out, format="png", metadata={"Software": None})
    return out


def _threshold_text(report: dict) -> str:
    """``0.4``, or ``0.4 (per domain: json 0.7, log 0.3)`` for a calibrated model."""
    per = report.get("domain_thresholds") or {}
    base = f"{report['threshold']:g}"
    if not per:
        return base
    return base + " (per domain: " + ", ".join(f"{d} {t:g}" for d, t in sorted(per.items())) + ")"


def _threshold_labels(sweep: list[dict], xs: list[float], ys: list[float], near: float = 0.02) -> list[tuple[float, float, str]]:
    """One label per run of consecutive thresholds whose points (nearly) coincide: ``0.5-0.9``."""
    out: list[tuple[float, float, str]] = []
    first = 0
    for i in range(1, len(sweep) + 1):
        if i < len(sweep) and abs(xs[i] - xs[first]) < near and abs(ys[i] - ys[first]) < near:
            continue
        a, b = sweep[first]["threshold"], sweep[i - 1]["threshold"]
        out.append((xs[first], ys[first], f"{a:g}" if first == i - 1 else f"{a:g}-{b:g}"))
        first = i
    return out


def _lowest(sweep: list[dict], systems: dict, key: str) -> float:
    vals = [p[key] for p in sweep] + [p["raw"][key] for p in sweep] + [v["overall"][key] for v in systems.values()]
    vals = [v for v in vals if v is not None]
    return min(vals) if vals else 0.0


_CSS = """
body { font-family: system-ui, sans-serif; margin: 2em; max-width: 110ch; color: #222; }
.text { font-family: ui-monospace, monospace; font-size: 13px; white-space: pre-wrap; word-break: break-all;
        background: #fafafa; border: 1px solid #ddd; padding: 0.8em; }
del { color: #b00; opacity: 0.55; }
.guard { background: #fff3bf; }
pre { white-space: pre-wrap; word-break: break-all; background: #f4f8ff; padding: 0.8em; }
.ok { color: #080; } .lost { color: #b00; }
section { margin-bottom: 2.5em; }
"""


def render_html(samples: list[dict[str, Any]], report: dict[str, Any]) -> str:
    """A page of test items: kept words plain, dropped words struck through, words kept
    only because of the guard highlighted; every piece of input text is escaped."""
    esc = html.escape
    parts = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        "<title>Kompress: what the model removes</title>",
        f"<style>{_CSS}</style></head><body>",
        "<h1>Kompress: what the model removes</h1>",
        f"<p>Model <code>{esc(str(report.get('model')))}</code>, threshold {esc(str(report['threshold']))}, "
        f"granularity {esc(str(report['granularity']))}. Kept words are plain, <del>dropped words are struck "
        'through</del>, <span class="guard">words kept only by the guard</span> are highlighted.</p>',
    ]
    for s in samples:
        parts.append("<section>")
        parts.append(
            f"<h2>{esc(s['id'])} <small>({esc(s['domain'])}, {esc(s['granularity'])}; keep_rate "
            f"{s['keep_rate']:.3f}, tokens {s['tokens_in']} &rarr; {s['tokens_out']})</small></h2>"
        )
        parts.append('<div class="text">' + _marked_words(s) + "</div>")
        if s["questions"]:
            parts.append("<ul>")
            for q in s["questions"]:
                cls, mark = ("ok", "&#10003; kept") if q["survived"] else ("lost", "&#10007; lost")
                parts.append(f'<li class="{cls}">{mark}: {esc(q["q"])} &mdash; <code>{esc(q["answer"])}</code></li>')
            parts.append("</ul>")
        parts.append(f"<details><summary>compressed output</summary><pre>{esc(s['output'])}</pre></details>")
        parts.append("</section>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def _marked_words(s: dict[str, Any]) -> str:
    text = s["text"]
    out: list[str] = []
    pos = 0
    for a, b, keep, raw in zip(s["starts"], s["ends"], s["keep"], s["keep_raw"]):
        out.append(html.escape(text[pos:a]))
        word = html.escape(text[a:b])
        if not keep:
            out.append(f"<del>{word}</del>")
        elif not raw:
            out.append(f'<span class="guard">{word}</span>')
        else:
            out.append(word)
        pos = b
    out.append(html.escape(text[pos:]))
    return "".join(out)


def write_report(run: EvalRun, out_dir: str | os.PathLike) -> dict[str, Path]:
    """Write ``eval.json``, ``eval.md``, ``sweep.png`` and ``examples.html`` into ``out_dir``."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    report = run.report
    written: dict[str, Path] = {}
    if report.get("sweep"):
        try:
            written["sweep.png"] = plot_sweep(report, out / "sweep.png")
        except ImportError:
            report.setdefault("notes", []).append(
                "sweep.png not drawn: matplotlib is not installed (pip install 'kompress-agent[eval]')")
    (out / "eval.json").write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    written["eval.json"] = out / "eval.json"
    (out / "eval.md").write_text(to_markdown(report), encoding="utf-8")
    written["eval.md"] = out / "eval.md"
    (out / "examples.html").write_text(render_html(run.samples, report), encoding="utf-8")
    written["examples.html"] = out / "examples.html"
    return dict(sorted(written.items()))
