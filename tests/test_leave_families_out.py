"""The leave-families-out split: held-out families never reach the training files."""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))

import leave_families_out as lofo  # noqa: E402


def test_split_keeps_held_out_families_out_of_training(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    sources = ["corpus:git-grep/kompress", "corpus:grep/flask", "corpus:unittest/attrs", "corpus:pytest/attrs", "pair:log"]
    for split in ("train", "val", "test"):
        (data / f"{split}.jsonl").write_text("".join(json.dumps({"id": f"{split}{i}", "source": s}) + "\n"
                                                     for i, s in enumerate(sources)))
    counts = lofo.split_files(data, tmp_path / "run", {"git-grep", "unittest"})
    assert counts["train"] == {"in": 3, "out": 2}
    for split in ("train", "val", "test"):
        kept = [json.loads(x)["source"] for x in (tmp_path / "run" / f"{split}_in.jsonl").read_text().splitlines()]
        held = [json.loads(x)["source"] for x in (tmp_path / "run" / f"{split}_out.jsonl").read_text().splitlines()]
        assert {lofo.family(s) for s in kept} == {"grep", "pytest", "log"}
        assert sorted(held) == ["corpus:git-grep/kompress", "corpus:unittest/attrs"]
