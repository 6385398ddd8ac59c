"""Per-domain thresholds: the choice rule, the curves against the evaluator, the CLI and
the compressor's use of calibrated thresholds."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from kompress import Compressor
from kompress.evaluation.calibrate import DomainCurve, GRID, NoveltyPoint, choose_novelty, choose_thresholds, domain_curves
from kompress.cli import main
from kompress.evaluation.evaluate import evaluate
from kompress.evaluation.items import to_item

from .test_evaluate import RECORDS, record


def _curve(answered: list[int], kept: list[int], questions: int = 10) -> DomainCurve:
    z = np.zeros(4, dtype=np.int64)
    return DomainCurve([0.2, 0.4, 0.6, 0.8], np.asarray(answered), z.copy(), np.asarray(kept),
                       questions=questions, teacher_words=1, words=100, items=1)


CURVES = {
    "log": _curve([10, 10, 10, 10], [90, 60, 40, 20]),  # nothing lost: the highest threshold
    "json": _curve([10, 10, 9, 8], [100, 80, 50, 30]),
    "diff": _curve([10, 9, 8, 7], [100, 60, 45, 30]),
    "tree": _curve([0, 0, 0, 0], [100, 50, 20, 10], questions=0),  # no questions: global threshold
}


def _chosen(min_answer: float, floor: float) -> dict[str, float | None]:
    return {d: c.threshold for d, c in choose_thresholds(CURVES, min_answer, floor).items()}


def test_fewest_words_within_the_question_budget():
    # 30 questions; losing 1 is allowed: diff 0.4 saves 40 words, json 0.6 only 30.
    assert _chosen(0.95, 0.8) == {"log": 0.8, "json": 0.4, "diff": 0.4, "tree": None}
    # Losing 3: json 0.8 + diff 0.4 (110 words saved) beats json 0.6 + diff 0.6 (105).
    assert _chosen(0.9, 0.8) == {"log": 0.8, "json": 0.8, "diff": 0.4, "tree": None}
    # A per-domain floor of 0.85 rules json 0.8 and diff 0.6 (8/10 each) out.
    assert _chosen(0.9, 0.85) == {"log": 0.8, "json": 0.6, "diff": 0.4, "tree": None}
    got = choose_thresholds(CURVES, 0.9, 0.85)["diff"]
    assert got.answer_survival == 0.9 and got.word_keep == 0.6
    with pytest.raises(ValueError, match="min_answer"):
        choose_thresholds(CURVES, min_answer=0.0)


def test_unreachable_floor_takes_the_lowest_threshold():
    curves = {**CURVES, "crash": _curve([7, 7, 7, 7], [100, 90, 80, 70])}
    got = choose_thresholds(curves, 0.99, 0.95)
    assert got["crash"].threshold == 0.2 and got["log"].threshold == 0.8


def test_curves_agree_with_the_evaluator(minilm_compressor):
    items = [to_item(r) for r in RECORDS]
    curves = domain_curves(minilm_compressor, items, grid=(0.3, 0.5, 0.7))
    assert set(curves) == {r["domain"] for r in RECORDS}
    for t_i, t in enumerate((0.3, 0.5, 0.7)):
        report = evaluate(minilm_compressor, items, threshold=t, sweep=None, rules=None).report
        for domain, c in curves.items():
            row = report["systems"]["model"]["per_domain"][domain]
            assert c.questions == row["questions"]
            assert c.answered[t_i] == round(row["answer_survival"] * row["questions"])
            assert c.kept[t_i] / c.words == pytest.approx(row["word_keep_rate"], abs=1e-4)  # the report rounds


def test_val_items_without_questions_get_derived_ones(minilm_compressor):
    text = ("Traceback (most recent call last):\n  File \"/srv/app/main.py\", line 12, in <module>\n"
            "    run()\nZeroDivisionError: division by zero\n")
    item = to_item(record("tb-val", "traceback", text, {"ZeroDivisionError:"}, [], split="val"))
    c = domain_curves(minilm_compressor, [item], grid=GRID)["traceback"]
    assert c.questions >= 1 and len(c.answered) == len(GRID)


def test_cli_writes_thresholds_the_compressor_then_uses(minilm_dir, tmp_path, capsys):
    model = tmp_path / "model"
    shutil.copytree(minilm_dir, model)
    data = tmp_path / "val.jsonl"
    data.write_text("".join(json.dumps({**r, "split": "val"}) + "\n" for r in RECORDS))
    assert main(["calibrate", "--model", str(model), "--data", str(data), "--backend", "torch", "--write"]) == 0
    out = capsys.readouterr().out
    assert "| domain |" in out and "wrote domain_thresholds" in out
    per = json.loads((model / "config.json").read_text())["domain_thresholds"]
    assert set(per) == {r["domain"] for r in RECORDS} and all(t in GRID for t in per.values())

    comp = Compressor.load(model, backend="torch")
    text = RECORDS[0]["text"]
    domain = RECORDS[0]["domain"]
    assert comp.policy.threshold_for(domain) == per[domain]
    assert comp.policy.threshold_for("no-such-domain") == comp.policy.threshold
    # No threshold given: the domain's own; an explicit one still wins.
    assert comp.compress(text, domain=domain).text == comp.compress(text, domain=domain, threshold=per[domain]).text
    report = evaluate(comp, [to_item(RECORDS[0])], sweep=None, rules=None).report
    assert report["domain_thresholds"] == per


def test_cli_calibrate_errors(tmp_path, capsys):
    assert main(["calibrate", "--model", str(tmp_path), "--data", "x.jsonl"]) == 2
    assert "not a Kompress model folder" in capsys.readouterr().err


def test_pipeline_calibration_step(minilm_dir, tmp_path):
    from kompress.training.pipeline import calibrate_stage

    model = tmp_path / "model"
    shutil.copytree(minilm_dir, model)
    val = tmp_path / "val.jsonl"
    val.write_text("".join(json.dumps({**r, "split": "val"}) + "\n" for r in RECORDS))
    calibrate_stage(model, val, 0.98, tmp_path / "calibration.md")
    per = json.loads((model / "config.json").read_text())["domain_thresholds"]
    assert set(per) == {r["domain"] for r in RECORDS}
    table = (tmp_path / "calibration.md").read_text()
    assert all(f"| {d} |" in table for d in per)


def test_novelty_rate_is_the_lowest_within_the_word_budget():
    def point(rate: float, kept: int) -> NoveltyPoint:
        return NoveltyPoint(rate, 1000, kept, 10, 10, 100, 50 + kept // 20)

    points = [point(0.0, 500), point(2.0, 520), point(1.0, 560), point(0.5, 610), point(0.25, 700)]
    assert choose_novelty(points, 0.60).rate == 1.0
    assert choose_novelty(points, 0.61).rate == 0.5
    assert choose_novelty(points, 0.51) is None  # even the highest rate spends too much
    assert choose_novelty(points, 1.0).rate == 0.25


def test_cli_calibrate_with_a_word_budget_writes_the_novelty_rate(minilm_dir, tmp_path, capsys):
    model = tmp_path / "model"
    shutil.copytree(minilm_dir, model)
    data = tmp_path / "val.jsonl"
    data.write_text("".join(json.dumps({**r, "split": "val"}) + "\n" for r in RECORDS))
    assert main(["calibrate", "--model", str(model), "--data", str(data), "--backend", "torch", "--write",
                 "--max-word-keep", "1.0"]) == 0
    out = capsys.readouterr().out
    assert "| novelty |" in out and "**chosen**" in out and "and novelty" in out
    cfg = json.loads((model / "config.json").read_text())
    assert cfg["novelty"] == 0.1  # a budget of every word: the lowest rate of the grid
    assert Compressor.load(model, backend="torch").policy.novelty == 0.1
