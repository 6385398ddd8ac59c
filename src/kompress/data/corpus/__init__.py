"""Stage 1 of the training pipeline: a corpus of REAL tool outputs.

Every item is the output of a program really run on this machine (compilers, gdb, valgrind,
sanitizers, Python/Node, pytest, git, ls/find, grep, ``--help``/man pages, a logging service,
pip) in a fixed environment, then scrubbed of what would change from run to run (scratch
paths, pids, measured durations). Nothing is stored in the repository: :func:`generate` builds
everything into ``workdir``.

Splits are assigned per ``(family, template)`` with a seeded hash, stratified inside each
family's static template list, so a program never appears in two splits.
"""

from __future__ import annotations

import concurrent.futures as cf
import hashlib
import logging
import multiprocessing as mp
import shutil
import warnings
from dataclasses import asdict, dataclass
from pathlib import Path

from kompress.structure.domains import DOMAINS
from kompress.data.corpus import builds, crashes, grep, helptext, jsonout, logs, tests_runner, tracebacks, trees, vcs
from kompress.data.corpus._runtime import Family, TaskCtx, stable_int, words

log = logging.getLogger("kompress.data.corpus")

SPLITS = ("train", "val", "test")
#: Items longer than this many words are dropped (the encoder windows handle long inputs,
#: but a corpus of mostly-huge items would make a poor training set).
MAX_WORDS = 8000
MIN_WORDS = 8


@dataclass
class RawItem:
    """One real tool output of the corpus."""

    id: str  # f"{family}-{template}-{n:04d}"
    domain: str  # one of kompress.structure.domains.DOMAINS
    family: str  # generator family, e.g. "gdb-crash"
    template: str  # the generating program/template; splits are assigned per (family, template)
    command: str  # the command line that produced the text
    text: str
    split: str  # "train" | "val" | "test"

    def to_dict(self) -> dict:
        """A JSON-ready dict with the contract's fields."""
        return asdict(self)


def _registry() -> dict[str, Family]:
    fams: dict[str, Family] = {}
    for mod in (crashes, builds, tracebacks, tests_runner, vcs, logs, jsonout, trees, grep, helptext):
        for fam in mod.FAMILIES:
            if fam.name in fams:
                raise ValueError(f"duplicate family {fam.name}")
            if fam.domain not in DOMAINS:
                raise ValueError(f"family {fam.name}: unknown domain {fam.domain}")
            fams[fam.name] = fam
    return fams


#: Registry: family name -> :class:`Family` (domain, templates, generator, requirements).
FAMILIES: dict[str, Family] = _registry()


def assign_splits(seed: int = 0) -> dict[tuple[str, str], str]:
    """Split of every ``(family, template)``, a pure function of ``seed`` and the registry.

    Inside each split group the templates are ordered by a seeded hash; the first ~10% go to
    test, the next ~10% to val (each at least one when the group has 5 or more templates),
    the rest to train. Families sharing a group share the assignment of a template name.
    """
    groups: dict[str, set[str]] = {}
    for fam in FAMILIES.values():
        groups.setdefault(fam.group, set()).update(fam.templates)
    by_group: dict[tuple[str, str], str] = {}
    for group, tpls in groups.items():
        order = sorted(tpls, key=lambda t: stable_int(seed, "split", group, t))
        n = len(order)
        n_test = max(1, round(0.1 * n)) if n >= 5 else (1 if n >= 3 else 0)
        n_val = n_test
        for i, t in enumerate(order):
            by_group[(group, t)] = "test" if i < n_test else "val" if i < n_test + n_val else "train"
    return {(f.name, t): by_group[(f.group, t)] for f in FAMILIES.values() for t in f.templates}


def plan(seed: int = 0, scale: float = 1.0, families: list[str] | None = None) -> list[tuple[str, str, int]]:
    """The tasks ``(family, template, n_items)`` that :func:`generate` runs, before filtering
    out families whose programs are missing. A family makes ``max(1, round(weight * scale))``
    items, spread evenly over its templates in a seeded order."""
    names = list(FAMILIES) if families is None else families
    unknown = [f for f in names if f not in FAMILIES]
    if unknown:
        raise ValueError(f"unknown families {unknown}; choose from {sorted(FAMILIES)}")
    tasks: list[tuple[str, str, int]] = []
    for name in names:
        fam = FAMILIES[name]
        total = max(1, round(fam.weight * scale))
        order = sorted(fam.templates, key=lambda t: stable_int(seed, "order", name, t))
        k = len(order)
        for i, tpl in enumerate(order):
            n = total // k + (1 if i < total % k else 0)
            if n:
                tasks.append((name, tpl, n))
    return tasks


def missing_programs(fam: Family) -> list[str]:
    """The programs ``fam`` needs that are not on ``PATH``."""
    return [p for p in fam.requires if shutil.which(p) is None]


def _run_root(workdir: Path) -> Path:
    # Programs run in a scratch folder of fixed length (/tmp/kc-<12 hex>, removed at the end)
    # whatever workdir is: gdb passes the inferior its real path, and the stack addresses of
    # an ASLR-free run depend on that length. Compiled binaries stay cached in workdir.
    digest = hashlib.sha256(str(workdir.resolve()).encode()).hexdigest()[:12]
    return Path("/tmp") / f"kc-{digest}"


def _work(args: tuple[str, str, int, int, str, str]) -> tuple[str, str, list[tuple[str, str]], str | None]:
    name, tpl, n, seed, run_root, cache = args
    fam = FAMILIES[name]
    ctx = TaskCtx(fam, tpl, n, seed, Path(run_root), Path(cache))
    try:
        samples = fam.produce(ctx)
        err = None
    except Exception as exc:  # one broken template must not sink the whole corpus
        samples, err = [], f"{type(exc).__name__}: {exc}"
    finally:
        shutil.rmtree(ctx.dir, ignore_errors=True)
    return name, tpl, [(s.command, s.text) for s in samples[:n]], err


def generate(workdir: Path, seed: int = 0, scale: float = 1.0, families: list[str] | None = None,
             progress: bool = True, workers: int = 2) -> list[RawItem]:
    """Run the families' programs and return the corpus, sorted by id.

    Deterministic given ``(seed, scale, families)`` on one machine: same items, same texts,
    same order, whatever ``workdir`` and ``workers`` are. Families whose programs are missing
    are skipped with a warning. Items outside [MIN_WORDS, MAX_WORDS] words and exact duplicate
    texts (keeping the first id) are dropped.
    """
    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    cache = workdir / "cache"
    cache.mkdir(exist_ok=True)

    tasks = plan(seed, scale, families)
    skipped: set[str] = set()
    for name in dict.fromkeys(t[0] for t in tasks):
        miss = missing_programs(FAMILIES[name])
        if miss:
            msg = f"corpus family {name!r} skipped: {', '.join(miss)} not found on PATH"
            warnings.warn(msg, stacklevel=2)
            log.warning(msg)
            skipped.add(name)
    tasks = [t for t in tasks if t[0] not in skipped]
    splits = assign_splits(seed)

    results: dict[tuple[str, str], list[tuple[str, str]]] = {}
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=sum(t[2] for t in tasks), desc="corpus", unit="item")
    run_root = _run_root(workdir)
    shutil.rmtree(run_root, ignore_errors=True)
    run_root.mkdir(parents=True)
    jobs = [(name, tpl, n, seed, str(run_root), str(cache)) for name, tpl, n in tasks]
    try:
        if workers <= 1:
            outs = map(_work, jobs)
            for name, tpl, samples, err in outs:
                _collect(results, name, tpl, samples, err, bar)
        else:
            # fork, not spawn/forkserver: those re-import the caller's __main__, which breaks
            # scripts without a __main__ guard. Workers only run subprocesses, no torch.
            method = "fork" if "fork" in mp.get_all_start_methods() else "spawn"
            with cf.ProcessPoolExecutor(max_workers=workers, mp_context=mp.get_context(method)) as ex:
                # Costly tasks first for balance; results are keyed, so order never matters.
                futs = [ex.submit(_work, j) for j in sorted(jobs, key=lambda j: -_cost(j[0]) * j[2])]
                for fut in cf.as_completed(futs):
                    _collect(results, *fut.result(), bar)
    finally:
        if bar is not None:
            bar.close()
        shutil.rmtree(run_root, ignore_errors=True)

    items: list[RawItem] = []
    for name, tpl, _n in tasks:
        fam = FAMILIES[name]
        for i, (cmd, text) in enumerate(results.get((name, tpl), [])):
            if not MIN_WORDS <= words(text) <= MAX_WORDS:
                continue
            items.append(RawItem(f"{name}-{tpl}-{i:04d}", fam.domain, name, tpl, cmd, text,
                                 splits[(name, tpl)]))
    items.sort(key=lambda it: it.id)
    seen: set[str] = set()
    unique: list[RawItem] = []
    for it in items:
        h = hashlib.sha256(it.text.encode()).hexdigest()
        if h not in seen:
            seen.add(h)
            unique.append(it)
    return unique


def _cost(name: str) -> float:
    # Rough seconds per item, only to start the slow tasks first.
    return {"cmake": 3.0, "valgrind-crash": 1.5, "javac": 1.2, "pytest": 0.8, "pip-inspect": 1.0,
            "pip-list": 1.0, "gdb-crash": 0.8}.get(name, 0.3)


def _collect(results: dict, name: str, tpl: str, samples: list, err: str | None, bar) -> None:
    if err:
        msg = f"corpus task {name}/{tpl} failed: {err}"
        warnings.warn(msg, stacklevel=3)
        log.warning(msg)
    results[(name, tpl)] = samples
    if bar is not None:
        bar.update(len(samples) if samples else 0)


def write_jsonl(items: list[RawItem], path: Path) -> None:
    """Write ``items`` as JSON lines (one :class:`RawItem` dict per line)."""
    import json

    with open(path, "w", encoding="utf-8") as fh:
        for it in items:
            fh.write(json.dumps(it.to_dict(), ensure_ascii=False) + "\n")


__all__ = ["RawItem", "FAMILIES", "Family", "generate", "plan", "assign_splits", "write_jsonl", "SPLITS"]
