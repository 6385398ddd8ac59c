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
    cls = golden.cpu_class()
    checked = golden.recorded(records, cls)
    # Most records carry this CPU class's digest; a change of outputs rewritten on another class
    # drops the digests it changed, and a rewrite on this class records them again.
    assert len(checked) >= 0.8 * len(records), (
        f"only {len(checked)} of {len(records)} golden records have a {cls} digest: "
        "run `python scripts/golden_outputs.py rewrite` on this machine")
    assert golden.mismatches(records, shipped_compressor) == []


def test_the_check_can_fail(shipped_compressor):
    cls = golden.cpu_class()
    records = golden.recorded(golden.load(), cls)[:3]
    records[1] = {**records[1], "sha256": {cls: golden.digest("something else")}}
    assert golden.mismatches(records, shipped_compressor) == [records[1]["id"]]


def test_digests_are_read_per_cpu_class():
    records = golden.load()
    # A digest from before there were classes is the VNNI machines' one.
    assert all(isinstance(r["sha256"], dict) and r["sha256"] for r in records)
    assert golden.cpu_class() in {"x86-vnni", "x86-avx2"} or "x86" not in golden.cpu_class()
    other = {"id": "x", "text": "y", "sha256": {"some-other-cpu": golden.digest("y")}}
    assert golden.recorded([other], "x86-avx2") == []
    assert golden.mismatches([other], object(), "x86-avx2") == []  # nothing of this class to compare
