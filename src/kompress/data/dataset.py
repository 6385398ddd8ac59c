"""Turn raw material into labelled examples (:mod:`kompress.data.schema` is the format):
the generated corpus (:func:`build_dataset`, domain-rule teacher), Q&A pair files
(:func:`examples_from_pairs`, silver teacher) and the proxy's logged pairs
(:func:`examples_from_log`, the logged decision replayed).
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence


from kompress.structure.domains import DOMAINS, detect, get_domain
from kompress.data.schema import (  # noqa: F401  (the format, re-exported)
    DataError, Example, SPLITS, SPLIT_FRACTIONS, _FIELDS, make_example, read_examples, read_jsonl, write_examples,
)

def assign_split(key: str, seed: int = 0, fractions: tuple[float, float, float] = SPLIT_FRACTIONS) -> str:
    """A stable split for ``key``: a hash, not the order of the input, decides."""
    h = hashlib.sha256(f"{seed}:{key}".encode()).digest()
    u = int.from_bytes(h[:8], "big") / 2**64
    if u < fractions[0]:
        return "train"
    return "val" if u < fractions[0] + fractions[1] else "test"


def _question_fn():
    """``kompress.data.questions.derive_questions`` when that module is installed, else None."""
    try:
        from kompress.data.questions import derive_questions
    except ImportError:
        return None
    return derive_questions


def _unique_ids() -> Callable[[str], str]:
    """A function that returns its argument, suffixed ``#2``, ``#3``... when seen before."""
    seen: Counter[str] = Counter()

    def unique(i: str) -> str:
        seen[i] += 1
        return i if seen[i] == 1 else f"{i}#{seen[i]}"

    return unique


# --------------------------------------------------------------------------- summaries
def summarize(examples: Iterable[Example], **extra: Any) -> dict[str, Any]:
    """Counts per domain and split, mean words, and label keep-rate per domain and teacher."""
    counts: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(SPLITS, 0))
    words: dict[str, int] = defaultdict(int)
    kept: dict[str, int] = defaultdict(int)
    t_words: dict[tuple[str, str], int] = defaultdict(int)
    t_kept: dict[tuple[str, str], int] = defaultdict(int)
    n_questions = 0
    for ex in examples:
        counts[ex.domain][ex.split] += 1
        k = sum(ex.labels)
        words[ex.domain] += len(ex.labels)
        kept[ex.domain] += k
        t_words[ex.teacher, ex.domain] += len(ex.labels)
        t_kept[ex.teacher, ex.domain] += k
        n_questions += len(ex.questions)
    domains = {}
    for d in sorted(counts):
        n = sum(counts[d].values())
        domains[d] = {
            **counts[d],
            "examples": n,
            "mean_words": round(words[d] / n, 1),
            "keep_rate": round(kept[d] / words[d], 4) if words[d] else 1.0,
        }
    teachers: dict[str, dict[str, float]] = defaultdict(dict)
    for (t, d) in sorted(t_words):
        teachers[t][d] = round(t_kept[t, d] / t_words[t, d], 4) if t_words[t, d] else 1.0
    total_words = sum(words.values())
    return {
        "examples": sum(v["examples"] for v in domains.values()),
        "splits": {s: sum(c[s] for c in counts.values()) for s in SPLITS},
        "words": total_words,
        "keep_rate": round(sum(kept.values()) / total_words, 4) if total_words else 1.0,
        "questions": n_questions,
        "domains": domains,
        "teachers": dict(teachers),
        **extra,
    }


def summary_markdown(summary: dict[str, Any], title: str = "Dataset summary") -> str:
    """The summary as Markdown tables (what ``summary.md`` holds and the CLI prints)."""
    lines = [
        f"# {title}",
        "",
        f"{summary['examples']} examples ({', '.join(f'{s} {n}' for s, n in summary['splits'].items())}), "
        f"{summary['words']} words, label keep-rate {summary['keep_rate']:.3f}, {summary['questions']} questions.",
        "",
        "| domain | train | val | test | mean words | keep-rate |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for d, v in summary["domains"].items():
        lines.append(
            f"| {d} | {v['train']} | {v['val']} | {v['test']} | {v['mean_words']:.1f} | {v['keep_rate']:.3f} |"
        )
    lines += ["", "| teacher | domain | keep-rate |", "|---|---|---:|"]
    for t, per in summary["teachers"].items():
        for d, r in per.items():
            lines.append(f"| {t} | {d} | {r:.3f} |")
    skipped = summary.get("skipped")
    if skipped:
        lines += ["", "Skipped: " + ", ".join(f"{k} {v}" for k, v in skipped.items()) + "."]
    return "\n".join(lines) + "\n"


def write_summary(out_dir: str | os.PathLike, summary: dict[str, Any], title: str = "Dataset summary") -> str:
    """Write ``summary.json`` and ``summary.md`` into ``out_dir``; returns the Markdown."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    md = summary_markdown(summary, title)
    (out_dir / "summary.md").write_text(md)
    return md


# --------------------------------------------------------------------------- sources
def label_items(items: Iterable[Any], questions: bool = True) -> list[Example]:
    """Label corpus items (``kompress.data.corpus.RawItem``-shaped) with the domain-rule teacher.

    Test-split items get questions from ``kompress.data.questions.derive_questions`` when
    ``questions`` is true.
    """
    from kompress.data.teachers.rules import rule_labels

    derive = _question_fn() if questions else None
    out = []
    for item in items:
        qs = derive(item.text, item.domain) if derive is not None and item.split == "test" else ()
        # Line-granularity domains are decided per line from the mean of its words'
        # scores: a dropped line must read as dropped in every word, so the must-keep
        # override (and its 3.0 weight) applies only inside kept lines there.
        line_domain = get_domain(item.domain).granularity == "line"
        ex = make_example(
            item.text, rule_labels(item.text, item.domain, override=not line_domain), domain=item.domain,
            teacher="rules", source=f"corpus:{item.family}/{item.template}", split=item.split, id=item.id,
            questions=qs,
        )
        if line_domain:
            ex.unweight_dropped()
        out.append(ex)
    return out


def build_dataset(
    out_dir: str | os.PathLike,
    seed: int = 0,
    scale: float = 1.0,
    families: Sequence[str] | None = None,
) -> dict[str, Any]:
    """Generate the corpus, label it with the domain rules, write train/val/test + summary.

    Writes ``out_dir/{train,val,test}.jsonl``, ``summary.json`` and ``summary.md``, prints
    the summary and returns it. The corpus is generated in a temporary folder that is
    removed afterwards, so only the labelled files remain.
    """
    from kompress.data.corpus import generate

    if _question_fn() is None:
        raise ImportError("kompress.data.questions is needed to add questions to the test split")
    out_dir = Path(out_dir)
    with tempfile.TemporaryDirectory(prefix="kompress-corpus-") as work:
        items = generate(Path(work), seed=seed, scale=scale, families=list(families) if families else None)
        examples = label_items(items)
    by_split: dict[str, list[Example]] = {s: [] for s in SPLITS}
    for ex in examples:
        by_split[ex.split].append(ex)
    for s in SPLITS:
        write_examples(out_dir / f"{s}.jsonl", by_split[s])
    summary = summarize(examples, seed=seed, scale=scale, families=list(families) if families else None)
    print(write_summary(out_dir, summary), end="")
    return summary


def examples_from_pairs(path: str | os.PathLike, split_seed: int = 0) -> tuple[list[Example], dict[str, int]]:
    """Silver-label a Q&A pair file (both of the seed's shapes; see :mod:`kompress.data.teachers.silver`).

    Returns the examples (domain ``text``: the pairs are prose answers) and the reader's
    counts (read, kept, skipped_short, skipped_ratio).
    """
    from kompress.data.teachers.silver import read_pairs, silver_labels

    pairs, stats = read_pairs(path)
    derive = _question_fn()
    unique = _unique_ids()
    out = []
    for pair in pairs:
        uid = unique(f"pair:{pair.id}")
        split = assign_split(uid, split_seed)
        qs = derive(pair.verbose, "text") if derive is not None and split == "test" else ()
        out.append(make_example(
            pair.verbose, silver_labels(pair.verbose, pair.compressed), domain="text", teacher="silver",
            source=pair.source, split=split, id=uid, questions=qs,
        ))
    return out, stats


def examples_from_log(pairs: Iterable[dict[str, Any]], split_seed: int = 0) -> tuple[list[Example], dict[str, int]]:
    """Label the proxy's logged (original, compressed) pairs with the decision that was logged.

    ``pairs`` is what ``PairStore.iter_pairs()`` yields (keys ``original``, ``compressed``,
    ``domain``, ``request_id``, ``api``). Each pair's labels come from
    :func:`kompress.data.teachers.replay.replay_labels`: every compressed line mapped to its
    input line(s) in order and checked by re-rendering, so the labels reproduce the logged
    keep/drop exactly (no must-keep override: a word the compressor dropped is labelled
    dropped, and its must-keep weight applies only where it was kept, as for the line
    domains of :func:`label_items`). Skipped, and counted: pairs whose compressed text does
    not replay (an older format, an edited text: ``skipped_unaligned``), pairs whose
    compressed text equals the original (under the proxy's min-tokens, pass-through:
    ``skipped_unchanged``) and empty originals. A missing or unknown domain is detected from
    the original. The stats also give ``logged_keep_rate``: the labelled pairs' tokens out over
    tokens in as the proxy logged them (absent when no pair has token counts).
    """
    from kompress.data.teachers.replay import replay_labels

    derive = _question_fn()
    unique = _unique_ids()
    out: list[Example] = []
    stats: dict[str, Any] = {"read": 0, "kept": 0, "skipped_unchanged": 0, "skipped_empty": 0, "skipped_unaligned": 0}
    tokens_in = tokens_out = 0
    for i, p in enumerate(pairs):
        stats["read"] += 1
        original, compressed = p.get("original") or "", p.get("compressed")
        if not original.strip():
            stats["skipped_empty"] += 1
            continue
        if compressed is None or compressed == original:
            stats["skipped_unchanged"] += 1
            continue
        labels = replay_labels(original, compressed)
        if labels is None:
            stats["skipped_unaligned"] += 1
            continue
        uid = unique(f"log:{p.get('request_id') or i}")
        domain = p.get("domain") if p.get("domain") in DOMAINS else detect(original)
        split = assign_split(uid, split_seed)
        qs = derive(original, domain) if derive is not None and split == "test" else ()
        ex = make_example(
            original, labels, domain=domain, teacher="align",
            source=f"log:{p.get('api') or 'unknown'}", split=split, id=uid, questions=qs,
        )
        ex.unweight_dropped()  # a dropped must-keep word was dropped by the logged decision
        out.append(ex)
        t_in, t_out = p.get("tokens_in"), p.get("tokens_out")
        if t_in and t_out is not None:
            tokens_in, tokens_out = tokens_in + int(t_in), tokens_out + int(t_out)
    stats["kept"] = len(out)
    if tokens_in:
        stats["logged_keep_rate"] = round(tokens_out / tokens_in, 4)
    return out, stats
