"""Golden outputs: the shipped model's output on every item of a data split, as SHA-256 digests.

    python scripts/golden_outputs.py write runs/v7/data/test.jsonl   # -> tests/fixtures/golden_test_split.jsonl.gz
    python scripts/golden_outputs.py rewrite                         # the same texts, the current code's outputs
    python scripts/golden_outputs.py check                           # compare the current code with it

``tests/test_golden.py`` runs ``check``: a refactor must leave every output byte-identical.
A change meant to alter outputs rewrites the file (``write``) in the same commit and says so.
Only the public API is used (``Compressor.load().compress(text)``, all defaults, domain
detected), so any revision of the code can write the file.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import sys
from pathlib import Path

FIXTURE = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "golden_test_split.jsonl.gz"


def digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def load(path: Path = FIXTURE) -> list[dict]:
    with gzip.open(path, "rt", encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def mismatches(records: list[dict], compressor=None) -> list[str]:
    """Ids whose current output differs from the recorded digest."""
    from kompress import Compressor

    comp = compressor or Compressor.load()
    return [r["id"] for r in records if digest(comp.compress(r["text"]).text) != r["sha256"]]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    w = sub.add_parser("write", help="record the outputs of the current code on a JSONL split")
    w.add_argument("data", help="labelled JSONL (e.g. runs/v7/data/test.jsonl)")
    sub.add_parser("rewrite", help="record the current code's outputs on the fixture's own texts (no data split needed)")
    sub.add_parser("check", help="compare the current code's outputs with the recorded ones")
    args = p.parse_args(argv)
    from kompress import Compressor

    comp = Compressor.load()
    if args.cmd in ("write", "rewrite"):
        if args.cmd == "write":
            with open(args.data, encoding="utf-8") as f:
                items = [json.loads(line) for line in f]
        else:
            items = load()
        rows = [{"id": d["id"], "text": d["text"], "sha256": digest(comp.compress(d["text"]).text)} for d in items]
        FIXTURE.parent.mkdir(parents=True, exist_ok=True)
        # mtime=0: the same outputs give the same file bytes
        with open(FIXTURE, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as gz:
            gz.write("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows).encode("utf-8"))
        print(f"wrote {len(rows)} digests to {FIXTURE}")
        return 0
    bad = mismatches(load(), comp)
    print(f"{len(bad)} outputs differ" + (f": {', '.join(bad[:20])}" if bad else ""))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
