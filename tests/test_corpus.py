"""The corpus of real tool outputs: registry, splits, real runs, determinism, skipping."""

from __future__ import annotations

import atexit
import functools
import hashlib
import re
import shutil
import tempfile
from collections import defaultdict
from pathlib import Path
from string import Template

import pytest

from kompress.data import corpus
from kompress.data.corpus import FAMILIES, RawItem, assign_splits, generate, plan
from kompress.data.corpus import _templates, builds, crashes, jsonout, logs, tests_runner, tracebacks
from kompress.data.corpus._runtime import Run, TaskCtx
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


# ---------------------------------------------------------------------------------------------
# program templates: the sources the generators compile and run are data files

TEMPLATE_ROOT = Path(corpus.__file__).parent / "templates"
# Families whose produce() renders templates; each is run below with every program stubbed out.
RENDERING_FAMILIES = ["gcc", "make", "cmake", "gxx", "javac", "python-traceback", "node-traceback", "pytest",
                      "unittest", "app-log", "api-json"]
# sha256 over every template file (relative path, NUL, bytes), taken when the sources moved out of
# the Python modules (checked then to equal the old string literals byte for byte). A change here
# changes the corpus: rebuild the data and update the digest on purpose.
TEMPLATES_SHA256 = "f8e4366494b02b75c94bb9aef5f45dfea356ea581a356cf36a046f986963acc4"


class _DryCtx(TaskCtx):
    """A task context that runs nothing (every program "prints" nothing) and keeps what it wrote."""

    def __init__(self, *args, **kw) -> None:
        super().__init__(*args, **kw)
        self.written: dict[str, str] = {}

    def run(self, argv, **kw):
        return Run(0, "")

    def write(self, rel, content, *, mode=None, base=None):
        self.written[str((base or self.dir) / rel)] = content
        return super().write(rel, content, mode=mode, base=base)


def _template_files() -> dict[str, bytes]:
    return {p.relative_to(TEMPLATE_ROOT).as_posix(): p.read_bytes()
            for p in sorted(TEMPLATE_ROOT.rglob("*")) if p.is_file()}


def test_template_files_are_unchanged_and_packaged():
    files = _template_files()
    h = hashlib.sha256()
    for rel, data in files.items():
        h.update(rel.encode() + b"\0" + data)
    assert h.hexdigest() == TEMPLATES_SHA256, "program templates changed (the corpus changes with them)"
    # importlib.resources (what the generators use) finds the same files an installed package has
    for rel, data in files.items():
        assert _templates.template(*rel.split("/")).encode() == data, rel
    pyproject = (Path(__file__).parents[1] / "pyproject.toml").read_text()
    assert re.search(r'^"kompress\.data\.corpus" = \["templates/\*\*/\*"\]', pyproject, re.M)


def test_every_template_file_is_a_source_some_generator_holds():
    held = [*(t for pair in builds.C_MODULES.values() for t in pair), builds.MAIN_C, builds.CMAKE_LISTS,
            *builds.CXX_MODULES.values(), *builds.JAVA_CLASSES.values(), *(p.source for p in crashes.PROGRAMS),
            tracebacks.CLI, *tracebacks.SCENARIOS.values(), *tracebacks.NODE.values(), tracebacks.NODE_LIB,
            *(src for src, _ in tests_runner.SUBJECTS.values()), logs.SERVICE, jsonout.API_PROGRAM]
    files = _template_files()
    assert len(held) == len(files)  # one file per source, none left over
    assert sorted(held) == sorted(data.decode() for data in files.values())


@pytest.mark.parametrize("family", RENDERING_FAMILIES)
def test_templates_render_with_the_parameters_their_generator_passes(family, tmp_path):
    fam = FAMILIES[family]
    for tpl in fam.templates:
        ctx = _DryCtx(fam, tpl, 2, 0, tmp_path / "run", tmp_path / "cache")
        samples = fam.produce(ctx)  # string.Template.substitute raises on a name it is not given
        assert len(samples) == 2 and ctx.written, tpl
        for path, text in ctx.written.items():
            # no placeholder left unfilled (the Node family substitutes by hand, not by Template)
            left = re.findall(r"\$\{?(noun|key|KEY|Cls|count|back|adj|mod|badval|pkgname|P|T|N|NS|C|ORG|PKG)\b", text)
            assert not left, (tpl, path, left)


def test_crash_programs_render_with_every_flavor():
    for prog in crashes.PROGRAMS:
        assert prog.name in FAMILIES["c-crash"].templates + FAMILIES["valgrind-crash"].templates
        for k in (0, 1):
            src = Template(prog.source).substitute(crashes._flavor(0, prog, k))
            assert "$" not in src.replace("$(", ""), prog.name
            assert "int main(" in src, prog.name
