"""The shipped model's outputs on the whole test split, byte for byte.

``tests/fixtures/golden_test_split.jsonl.gz`` holds each test-split text with the SHA-256 of
its output (``scripts/golden_outputs.py write``). A refactor must not change one byte; a change
meant to alter outputs rewrites the file in the same commit.
"""

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location("golden_outputs", ROOT / "scripts" / "golden_outputs.py")
golden = importlib.util.module_from_spec(spec)
spec.loader.exec_module(golden)


def test_shipped_outputs_on_the_test_split_are_unchanged(shipped_compressor):
    records = golden.load()
    assert len(records) >= 490  # the whole split, not a sample
    assert golden.mismatches(records, shipped_compressor) == []


def test_the_check_can_fail(shipped_compressor):
    records = golden.load()[:3]
    records[1] = {**records[1], "sha256": golden.digest("something else")}
    assert golden.mismatches(records, shipped_compressor) == [records[1]["id"]]
