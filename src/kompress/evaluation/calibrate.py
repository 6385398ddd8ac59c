"""Per-domain thresholds, chosen on held-out data (the val split), never on the test split.

One global threshold fits the domains badly: the model is confident on logs and listings
and hesitant on JSON, diffs, build output and prose, so the threshold low enough to keep
every error line of a traceback keeps nearly all of a JSON blob. We score the val items
once, re-decide them (guard on, each domain's granularity) at every threshold of a grid,
and pick one threshold per domain: the set that keeps the fewest words while answering at
least ``min_answer`` of all eval questions and ``domain_floor`` of each domain's
(:func:`kompress.data.questions.derive_questions`, asked of val items exactly as of test items).
Domains without questions keep the global threshold. Items are grouped by the domain
:func:`~kompress.structure.domains.detect` finds, since that is the threshold they get at run time.

The report also gives the share of the teacher's kept words the model keeps (teacher
recall; line-projected in line granularity, as in training) and the word keep-rate.

Then, given a word budget (``max_word_keep``), the novelty rate (see
:func:`kompress.decision.guards.coverage_guard`): at the chosen thresholds, the lowest rate of
:data:`NOVELTY_GRID` whose val word keep stays within the budget. Novelty only adds lines,
so it can only raise answer survival and exact_keep; it spends the words the thresholds
left unspent on lines that carry values not kept yet.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

import numpy as np

from kompress.compressor import Compressor
from kompress.scoring.scores import WordScores
from kompress.structure.domains import detect
from kompress.evaluation.items import Item
from kompress.evaluation.metrics import exact_kept
from kompress.evaluation.outputs import project_keep
from kompress.decision.mustkeep import must_keep_matches
from kompress.data.questions import derive_questions
from kompress.structure.units import line_labels

#: Thresholds tried: 0.05, 0.10, ... 0.95.
GRID: tuple[float, ...] = tuple(round(0.05 * i, 2) for i in range(1, 20))
DEFAULT_MIN_ANSWER = 0.98
DEFAULT_DOMAIN_FLOOR = 0.95
#: Novelty rates tried (must-keep values per word; a higher rate adds fewer lines).
NOVELTY_GRID: tuple[float, ...] = (2.0, 1.5, 1.0, 0.75, 0.5, 0.4, 0.3, 0.25, 0.2, 0.15, 0.1)


@dataclass
class DomainCurve:
    """Per threshold of the grid, what the compressor keeps of one domain's items."""

    grid: list[float]
    answered: np.ndarray  # questions whose answer survives
    teacher_kept: np.ndarray  # teacher-kept words kept
    kept: np.ndarray  # words kept
    questions: int = 0
    teacher_words: int = 0
    words: int = 0
    items: int = 0

    def answer_survival(self) -> np.ndarray:
        return self.answered / max(1, self.questions)

    def recall(self) -> np.ndarray:
        return self.teacher_kept / max(1, self.teacher_words)

    def word_keep(self) -> np.ndarray:
        return self.kept / max(1, self.words)


@dataclass
class DomainCalibration:
    """The threshold chosen for one domain and its figures there."""

    domain: str
    threshold: float | None  # None: no questions, the global threshold stays
    answer_survival: float | None
    recall: float
    word_keep: float
    items: int
    questions: int
    curve: DomainCurve | None = field(default=None, repr=False)


def teacher_keep(item: Item, granularity: str) -> np.ndarray:
    """The teacher's keep decision per data word (line-projected in line granularity)."""
    if granularity != "line":
        return item.labels.astype(bool)
    return line_labels(item.text, item.word_starts, item.labels).astype(bool)


@dataclass
class ScoredItem:
    """One val item scored once, with what every later decision is measured against."""

    item: Item
    domain: str  # detected, as at run time
    granularity: str
    questions: list[dict[str, str]]
    ws: WordScores
    teacher: np.ndarray  # teacher's keep per compressor word
    matches: Counter[str]  # must-keep matches with repeats (the exact_keep metric)


def score_items(compressor: Compressor, items: Iterable[Item], progress: bool = False) -> list[ScoredItem]:
    """Score every non-empty item once (the encoder work of a calibration)."""
    items = [it for it in items if it.text.strip()]
    iterator: Iterable[Item] = items
    if progress:
        from tqdm import tqdm

        iterator = tqdm(items, desc="calibrate", unit="item", dynamic_ncols=True)
    out = []
    for item in iterator:
        # The threshold serves the domain the compressor will detect at run time.
        domain = detect(item.text)
        gran = compressor.policy.granularity_for("auto", domain)
        ws = compressor.score_words(item.text, domain)
        teacher = project_keep(item.word_starts, item.word_ends, teacher_keep(item, gran),
                               ws.starts, ws.ends, len(item.text))
        out.append(ScoredItem(item, domain, gran, item.questions or derive_questions(item.text, item.domain), ws,
                              teacher, Counter(must_keep_matches(item.text))))
    return out


def domain_curves(compressor: Compressor, items: Iterable[Item], grid: Iterable[float] = GRID,
                  progress: bool = False, scored: list[ScoredItem] | None = None) -> dict[str, DomainCurve]:
    """Score every item once (or take ``scored``) and re-decide it at every threshold of ``grid``
    (novelty off: thresholds are chosen first, novelty spends what they leave)."""
    grid = sorted(float(t) for t in grid)
    curves: dict[str, DomainCurve] = {}
    for s in scored if scored is not None else score_items(compressor, items, progress):
        c = curves.get(s.domain)
        if c is None:
            c = curves[s.domain] = DomainCurve(grid, *(np.zeros(len(grid), dtype=np.int64) for _ in range(3)))
        c.items += 1
        c.questions += len(s.questions)
        c.teacher_words += int(s.teacher.sum())
        c.words += len(s.teacher)
        for i, t in enumerate(grid):
            res = compressor.decide(s.item.text, s.ws, s.domain, threshold=t, granularity=s.granularity,
                                    guard=True, novelty=0.0)
            c.answered[i] += sum(q["answer"] in res.text for q in s.questions)
            c.teacher_kept[i] += int((res.word_keep & s.teacher).sum())
            c.kept[i] += int(res.word_keep.sum())
    return curves


@dataclass
class NoveltyPoint:
    """All val items at the chosen thresholds and one novelty rate."""

    rate: float  # 0 = off
    words: int
    kept: int
    questions: int
    answered: int
    exact_total: int
    exact_kept: int

    @property
    def word_keep(self) -> float:
        return self.kept / max(1, self.words)

    @property
    def answer_survival(self) -> float:
        return self.answered / max(1, self.questions)

    @property
    def exact_keep(self) -> float:
        return self.exact_kept / max(1, self.exact_total)


def novelty_points(compressor: Compressor, scored: list[ScoredItem], thresholds: dict[str, float],
                   rates: Iterable[float] = NOVELTY_GRID, progress: bool = False) -> list[NoveltyPoint]:
    """Word keep, answer survival and exact_keep of ``scored`` at ``thresholds`` (a domain
    not named: the model's threshold) for novelty off and every rate of ``rates``."""
    points = []
    ladder: Iterable[float] = (0.0, *rates)
    if progress:
        from tqdm import tqdm

        ladder = tqdm(list(ladder), desc="novelty rates", unit="rate", dynamic_ncols=True)
    for rate in ladder:
        p = NoveltyPoint(float(rate), 0, 0, 0, 0, 0, 0)
        for s in scored:
            res = compressor.decide(s.item.text, s.ws, s.domain, threshold=thresholds.get(s.domain),
                                    granularity=s.granularity, guard=True, novelty=rate)
            p.words += len(res.word_keep)
            p.kept += int(res.word_keep.sum())
            p.questions += len(s.questions)
            p.answered += sum(q["answer"] in res.text for q in s.questions)
            p.exact_total += sum(s.matches.values())
            p.exact_kept += exact_kept(s.matches, res.text)
        points.append(p)
    return points


def choose_novelty(points: list[NoveltyPoint], max_word_keep: float) -> NoveltyPoint | None:
    """The point with the lowest novelty rate (most values kept) whose word keep is within
    ``max_word_keep``; None when every rate (or novelty off already) exceeds it."""
    fits = [p for p in points if p.rate > 0 and p.word_keep <= max_word_keep + 1e-12]
    return min(fits, key=lambda p: p.rate) if fits else None


def novelty_table(points: list[NoveltyPoint], chosen: NoveltyPoint | None, max_word_keep: float) -> str:
    """A Markdown table of the novelty rates tried and the one chosen."""
    rows = [f"Novelty rate: the lowest whose word keep stays <= {max_word_keep:.3f} at the thresholds above "
            f"(held-out data): {'off (none fits)' if chosen is None else f'{chosen.rate:g}'}.", "",
            "| novelty | word keep | answer survival | exact_keep |", "|---|---:|---:|---:|"]
    for p in points:
        mark = " **chosen**" if chosen is not None and p.rate == chosen.rate else ""
        rows.append(f"| {'off' if p.rate == 0 else f'{p.rate:g}'}{mark} | {p.word_keep:.3f} | "
                    f"{p.answer_survival:.3f} | {p.exact_keep:.3f} |")
    return "\n".join(rows)


def choose_thresholds(curves: dict[str, DomainCurve], min_answer: float = DEFAULT_MIN_ANSWER,
                      domain_floor: float = DEFAULT_DOMAIN_FLOOR) -> dict[str, DomainCalibration]:
    """Per-domain thresholds that keep the fewest words in all while answering at least
    ``min_answer`` of all questions, and at least ``domain_floor`` of each domain's.

    Exact: a knapsack over the questions one may lose (dynamic programming over domains;
    ties go to fewer lost questions, then to lower thresholds). A domain whose every
    threshold answers less than the floor gets the grid's lowest.
    """
    for name, x in (("min_answer", min_answer), ("domain_floor", domain_floor)):
        if not 0.0 < x <= 1.0:
            raise ValueError(f"{name} must be in (0, 1], got {x}")
    asked = {d: c for d, c in curves.items() if c.questions}
    total_q = sum(c.questions for c in asked.values())
    budget = int(np.floor(total_q * (1.0 - min_answer) + 1e-9))  # questions that may be lost
    # best[lost] = (words kept, choices) over the domains seen so far
    best: dict[int, tuple[int, dict[str, int]]] = {0: (0, {})}
    for domain in sorted(asked):
        c = asked[domain]
        lost = c.questions - c.answered
        options = [i for i in range(len(c.grid)) if c.answered[i] >= domain_floor * c.questions - 1e-9] or [0]
        nxt: dict[int, tuple[int, dict[str, int]]] = {}
        for used, (kept, choice) in sorted(best.items()):
            for i in options:
                u = used + int(lost[i])
                cand = (kept + int(c.kept[i]), {**choice, domain: i})
                if u not in nxt or cand[0] < nxt[u][0]:
                    nxt[u] = cand
        best = nxt
    feasible = [u for u in best if u <= budget] or [min(best)]
    choice = best[min(feasible, key=lambda u: (best[u][0], u))][1]
    out: dict[str, DomainCalibration] = {}
    for domain in sorted(curves):
        c = curves[domain]
        if domain not in choice:
            out[domain] = DomainCalibration(domain, None, None, float("nan"), float("nan"), c.items, 0, c)
            continue
        i = choice[domain]
        out[domain] = DomainCalibration(domain, c.grid[i], float(c.answer_survival()[i]), float(c.recall()[i]),
                                        float(c.word_keep()[i]), c.items, c.questions, c)
    return out


def calibrate(compressor: Compressor, items: Iterable[Item], min_answer: float = DEFAULT_MIN_ANSWER,
              domain_floor: float = DEFAULT_DOMAIN_FLOOR, grid: Iterable[float] = GRID,
              progress: bool = False) -> dict[str, DomainCalibration]:
    """:func:`domain_curves` then :func:`choose_thresholds`."""
    return choose_thresholds(domain_curves(compressor, items, grid, progress), min_answer, domain_floor)


def calibrate_folder(model_dir: str | os.PathLike, items: Iterable[Item], backend: str = "auto",
                     min_answer: float = DEFAULT_MIN_ANSWER, domain_floor: float = DEFAULT_DOMAIN_FLOOR,
                     max_word_keep: float | None = None, write: bool = False, progress: bool = False) -> str:
    """Calibrate the model folder on ``items``: per-domain thresholds, then (with
    ``max_word_keep``) the novelty rate. Returns the Markdown report; ``write`` stores both
    in the folder's config.json (novelty off when no ``max_word_keep`` or none fits)."""
    if max_word_keep is not None and not 0.0 < max_word_keep <= 1.0:
        raise ValueError(f"max_word_keep must be in (0, 1], got {max_word_keep}")
    compressor = Compressor.load(model_dir, backend=backend)
    scored = score_items(compressor, items, progress)
    result = choose_thresholds(domain_curves(compressor, (), scored=scored), min_answer, domain_floor)
    thresholds = chosen_thresholds(result)
    report = calibration_table(result, min_answer, domain_floor)
    chosen = None
    if max_word_keep is not None:
        points = novelty_points(compressor, scored, thresholds, progress=progress)
        chosen = choose_novelty(points, max_word_keep)
        report += "\n\n" + novelty_table(points, chosen, max_word_keep)
    if write:
        write_domain_thresholds(model_dir, thresholds, None if chosen is None else chosen.rate)
    return report


def calibration_table(result: dict[str, DomainCalibration], min_answer: float,
                      domain_floor: float = DEFAULT_DOMAIN_FLOOR) -> str:
    """A Markdown table of the chosen thresholds, with the totals."""
    cals = [c for c in result.values() if c.threshold is not None and c.curve is not None]
    q = sum(c.questions for c in cals)
    answered = sum(round(c.answer_survival * c.questions) for c in cals)
    words = sum(c.curve.words for c in cals)
    kept = sum(c.word_keep * c.curve.words for c in cals)
    rows = [f"Per-domain thresholds: fewest words kept with answer survival >= {min_answer:.2f} overall and "
            f">= {domain_floor:.2f} in each domain (guard on, held-out data). All domains: answer survival "
            f"{answered / max(1, q):.3f}, word keep {kept / max(1, words):.3f}.", "",
            "| domain | items | questions | threshold | answer survival | teacher recall | word keep |",
            "|---|---:|---:|---:|---:|---:|---:|"]
    for c in result.values():
        if c.threshold is None:
            rows.append(f"| {c.domain} | {c.items} | 0 | global | n/a | n/a | n/a |")
            continue
        rows.append(f"| {c.domain} | {c.items} | {c.questions} | {c.threshold:.2f} | {c.answer_survival:.3f} | "
                    f"{c.recall:.3f} | {c.word_keep:.3f} |")
    return "\n".join(rows)


def chosen_thresholds(result: dict[str, DomainCalibration]) -> dict[str, float]:
    """The per-domain thresholds of a calibration (domains without questions left out)."""
    return {d: c.threshold for d, c in result.items() if c.threshold is not None}


_UNSET = object()


def write_domain_thresholds(model_dir: str | os.PathLike, thresholds: dict[str, float],
                            novelty: float | None | object = _UNSET) -> None:
    """Store ``thresholds`` (and ``novelty`` when given; None = off) in the folder's
    config.json (atomically: never half-written)."""
    path = Path(model_dir) / "config.json"
    cfg = json.loads(path.read_text())
    cfg["domain_thresholds"] = dict(sorted(thresholds.items()))
    if novelty is not _UNSET:
        cfg["novelty"] = novelty
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(cfg, indent=2, sort_keys=True) + "\n")
    os.replace(tmp, path)
