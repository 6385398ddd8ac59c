"""The corpus of real tool outputs: registry, splits, real runs, determinism, skipping."""

from __future__ import annotations

import atexit
import functools
import re
import shutil
import tempfile
from collections import defaultdict
from pathlib import Path

import pytest

from kompress.data import corpus
from kompress.data.corpus import FAMILIES, RawItem, assign_splits, generate, plan
from kompress.structure.domains import DOMAINS

# One family (or two) per domain, cheap ones where there is a choice; scale keeps 1-4 items each.
SMALL_FAMILIES = ["gdb-crash", "asan-crash", "gcc", "python-traceback", "unittest", "git-diff", "app-log",
                  "api-json", "ls", "grep", "help-text"]
SMALL_SCALE = 0.01
DETERMINISM_FAMILIES = ["gdb-crash", "asan-crash", "git-diff", "ls", "unittest", "app-log"]


@functools.lru_cache(maxsize=None)
def _tmp_root() -> Path:
    root = Path(tempfile.mkdtemp(prefix="kompress-corpus-test-"))
    atexit.register(shutil.rmtree, root, True)
    return root


@functools.lru_cache(maxsize=None)
def small_corpus() -> tuple[RawItem, ...]:
    """A small real corpus, built once per test session (shared with test_questions)."""
    return tuple(generate(_tmp_root() / "a", seed=0, scale=SMALL_SCALE, families=SMALL_FAMILIES, progress=False))


def _available(name: str) -> bool:
    return not corpus.missing_programs(FAMILIES[name])


def test_registry_is_well_formed():
    assert len({f.domain for f in FAMILIES.values()}) >= 9
    for name, fam in FAMILIES.items():
        assert fam.domain in DOMAINS, name
        assert fam.templates and len(set(fam.templates)) == len(fam.templates), name
        assert fam.weight > 0
    # at full scale the plan asks for well over 3000 items, over every domain
    tasks = plan(seed=0, scale=1.0)
    assert sum(n for _, _, n in tasks) >= 3000
    assert {FAMILIES[f].domain for f, _, _ in tasks} == set(DOMAINS)
    with pytest.raises(ValueError, match="unknown families"):
        plan(families=["no-such-family"])


def test_plan_spreads_items_over_templates():
    tasks = plan(seed=0, scale=1.0, families=["gcc"])
    counts = [n for _, _, n in tasks]
    assert max(counts) - min(counts) <= 1  # no template dominates its family
    small = plan(seed=0, scale=0.01, families=["gcc"])
    assert sum(n for _, _, n in small) == max(1, round(FAMILIES["gcc"].weight * 0.01))


def test_splits_are_per_template_and_stratified():
    splits = assign_splits(seed=0)
    assert set(splits.values()) == {"train", "val", "test"}
    by_group = defaultdict(dict)
    for (fam, tpl), split in splits.items():
        group = FAMILIES[fam].group
        # a template never crosses splits, even when several families run it
        assert by_group[group].setdefault(tpl, split) == split
    for group, tpls in by_group.items():
        if len(tpls) >= 5:
            assert {"train", "val", "test"} <= set(tpls.values()), group
    n = len(splits)
    assert sum(s == "train" for s in splits.values()) / n > 0.6
    assert assign_splits(seed=1) != splits  # the hash is seeded


def test_small_corpus_covers_domains_and_fields():
    items = small_corpus()
    assert len(items) >= 15
    want = {FAMILIES[f].domain for f in SMALL_FAMILIES if _available(f)}
    assert {it.domain for it in items} == want
    assert [it.id for it in items] == sorted(it.id for it in items)
    assert len({it.id for it in items}) == len(items)
    for it in items:
        assert it.id.startswith(f"{it.family}-{it.template}-") and re.search(r"-\d{4}$", it.id)
        assert it.domain == FAMILIES[it.family].domain
        assert it.split == assign_splits(0)[(it.family, it.template)]
        assert it.command.strip()
        assert corpus.MIN_WORDS <= len(it.text.split()) <= corpus.MAX_WORDS
        # scratch paths are scrubbed: no /tmp/kc-*, no test workdir
        assert "/tmp/kc-" not in it.text and str(_tmp_root()) not in it.text, it.id


def test_real_programs_ran():
    items = small_corpus()
    by_family = defaultdict(list)
    for it in items:
        by_family[it.family].append(it)
    if _available("gdb-crash"):
        gdb = by_family["gdb-crash"]
        assert gdb and all(it.command.startswith("gdb ") for it in gdb)
        assert any(re.search(r"Program (received|terminated with) signal SIG[A-Z]+", it.text) for it in gdb)
        assert any("#0 " in it.text for it in gdb)  # a real backtrace
    if _available("asan-crash"):
        assert any(re.search(r"==\d+==ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:|Aborted|"
                             r"terminate called", it.text) for it in by_family["asan-crash"])
    if _available("gcc"):
        assert any(re.search(r"\.c:\d+:\d+: (error|warning): ", it.text) for it in by_family["gcc"])
    assert any("Traceback (most recent call last):" in it.text for it in by_family["python-traceback"])
    assert any(re.search(r"^Ran \d+ tests? in", it.text, re.M) for it in by_family["unittest"])
    if _available("git-diff"):
        assert any(re.search(r"^(diff --git|commit [0-9a-f]{40}|[0-9a-f]{7} )", it.text, re.M) for it in by_family["git-diff"])
    assert any(re.search(r"\b(INFO|WARNING|ERROR)\b", it.text) for it in by_family["app-log"])
    import json

    for it in by_family["api-json"]:
        json.loads(it.text)


def test_no_identical_text_and_templates_disjoint_across_splits():
    items = small_corpus()
    texts = defaultdict(set)
    tpl_split = {}
    for it in items:
        texts[it.text].add(it.split)
        key = (FAMILIES[it.family].group, it.template)
        assert tpl_split.setdefault(key, it.split) == it.split
    assert all(len(s) == 1 for s in texts.values())
    assert len(texts) == len(items)  # exact duplicates are dropped


def test_generation_is_deterministic_across_workdirs():
    a = generate(_tmp_root() / "d1", seed=3, scale=SMALL_SCALE, families=DETERMINISM_FAMILIES, progress=False)
    b = generate(_tmp_root() / "nested" / "deeper" / "d2", seed=3, scale=SMALL_SCALE,
                 families=DETERMINISM_FAMILIES, progress=False, workers=1)
    assert a and [x.to_dict() for x in a] == [y.to_dict() for y in b]
    c = generate(_tmp_root() / "d3", seed=4, scale=SMALL_SCALE, families=["app-log"], progress=False)
    assert [x.text for x in c] != [x.text for x in a if x.family == "app-log"]


def test_missing_program_family_is_skipped(monkeypatch):
    real_which = shutil.which

    def which(cmd, *args, **kw):
        return None if cmd == "gdb" else real_which(cmd, *args, **kw)

    monkeypatch.setattr(shutil, "which", which)
    with pytest.warns(UserWarning, match=r"gdb-crash.*gdb not found"):
        items = generate(_tmp_root() / "skip", scale=0.005, families=["gdb-crash", "app-log"], progress=False)
    assert items and {it.family for it in items} == {"app-log"}
