"""Golden outputs: the shipped model's output on every item of a data split, as SHA-256 digests.

    python scripts/golden_outputs.py write runs/v7/data/test.jsonl   # -> tests/fixtures/golden_test_split.jsonl.gz
    python scripts/golden_outputs.py rewrite                         # the same texts, the current code's outputs
    python scripts/golden_outputs.py check                           # compare the current code with it

``tests/test_golden.py`` runs ``check``: a refactor must leave every output byte-identical.
A change meant to alter outputs rewrites the file (``rewrite``) in the same commit and says so.
Only the public API is used (``Compressor.load().compress(text)``, all defaults, domain
detected), so any revision of the code can write the file.

Digests are kept per CPU class (:func:`cpu_class`): the int8 graph's float parts round
differently under AVX-512 and AVX2 kernels, and a score a hair from a threshold can land on
either side, so a few outputs differ between an Intel machine with VNNI and an AMD one with
AVX2 only. Each record holds ``sha256`` as ``{class: digest}`` (a plain string, from before
there were classes, is the ``x86-vnni`` digest). ``rewrite`` records this machine's class;
where that changes a record's output, the other classes' digests of it are dropped as stale
(the next ``rewrite`` on such a machine records them again); ``check`` compares the records
that have a digest for this machine's class.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import platform
import sys
from pathlib import Path

FIXTURE = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "golden_test_split.jsonl.gz"


def digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


#: The class a digest without one was written on (the fixture's machines until then).
LEGACY_CLASS = "x86-vnni"


def cpu_class() -> str:
    """The CPU class whose int8 kernels this machine runs: ``x86-vnni`` (AVX-512 VNNI, AVX-VNNI
    or AMX), ``x86-avx2``, else the machine's architecture (``aarch64``)."""
    machine = platform.machine().lower()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            flags = next((line.split(":", 1)[1].split() for line in f if line.startswith("flags")), [])
    except OSError:
        flags = []
    if {"avx512_vnni", "avx_vnni", "amx_int8"} & set(flags):
        return "x86-vnni"
    if "avx2" in flags:
        return "x86-avx2"
    return machine or "unknown"


def load(path: Path = FIXTURE) -> list[dict]:
    """The fixture's records, each ``sha256`` as ``{cpu class: digest}``."""
    with gzip.open(path, "rt", encoding="utf-8") as f:
        records = [json.loads(line) for line in f if line.strip()]
    for r in records:
        if isinstance(r["sha256"], str):
            r["sha256"] = {LEGACY_CLASS: r["sha256"]}
    return records


def recorded(records: list[dict], cls: str | None = None) -> list[dict]:
    """The records with a digest for CPU class ``cls`` (default: this machine's)."""
    cls = cls or cpu_class()
    return [r for r in records if cls in r["sha256"]]


def mismatches(records: list[dict], compressor=None, cls: str | None = None) -> list[str]:
    """Ids whose current output differs from the digest recorded for CPU class ``cls`` (default:
    this machine's); records without one are not compared."""
    from kompress import Compressor

    cls = cls or cpu_class()
    comp = compressor or Compressor.load()
    return [r["id"] for r in recorded(records, cls) if digest(comp.compress(r["text"]).text) != r["sha256"][cls]]


def save(rows: list[dict]) -> None:
    """Write ``rows`` to the fixture (the same digests give the same file bytes)."""
    FIXTURE.parent.mkdir(parents=True, exist_ok=True)
    with open(FIXTURE, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as gz:
        gz.write("".join(json.dumps({**r, "sha256": dict(sorted(r["sha256"].items()))}, ensure_ascii=False) + "\n"
                         for r in rows).encode("utf-8"))


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
    cls = cpu_class()
    if args.cmd == "write":
        with open(args.data, encoding="utf-8") as f:
            items = [json.loads(line) for line in f]
        save([{"id": d["id"], "text": d["text"], "sha256": {cls: digest(comp.compress(d["text"]).text)}} for d in items])
        print(f"wrote {len(items)} digests ({cls}) to {FIXTURE}")
        return 0
    records = load()
    if args.cmd == "rewrite":
        changed = 0
        for r in records:
            new = digest(comp.compress(r["text"]).text)
            if r["sha256"].get(cls, new) != new:
                # The code changed this output: what other CPUs gave before is stale too.
                r["sha256"] = {}
                changed += 1
            r["sha256"][cls] = new
        save(records)
        print(f"wrote {len(records)} digests ({cls}) to {FIXTURE}; {changed} changed (their other classes' digests dropped)")
        return 0
    bad = mismatches(records, comp, cls)
    print(f"{len(bad)} of {len(recorded(records, cls))} outputs with a {cls} digest differ"
          + (f": {', '.join(bad[:20])}" if bad else "") + f" ({len(records) - len(recorded(records, cls))} without one)")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
