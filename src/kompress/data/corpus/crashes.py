"""Crash reports: small C/C++ programs that really crash (SIGSEGV, SIGFPE, SIGABRT, SIGILL,
SIGBUS, stack overflow, heap misuse), run plain from a shell, under ``gdb -batch``, under
``valgrind`` and built with ``-fsanitize=address,undefined``.

Each template is one program. Its identifiers come from a seeded *flavor* (two per template)
and its behaviour from argv (record counts, the failing index, the input), so one compiled
binary serves many items; binaries are cached under ``workdir/cache`` and shared by the four
families. Runs happen under ``setarch -R`` so addresses repeat run to run. The programs'
sources are data files under ``templates/crashes/``.
"""

from __future__ import annotations

import fcntl
import hashlib
import random
import shlex
import shutil
from dataclasses import dataclass
from pathlib import Path
from string import Template

from kompress.data.corpus._runtime import NOUNS, VERBS, Family, Sample, TaskCtx, task_rng
from kompress.data.corpus._templates import template


@dataclass(frozen=True)
class Program:
    """One crashing program: its name (which names its source file), argv maker, language,
    flags and which run modes apply."""

    name: str
    args: object  # callable(rng) -> list[str]
    modes: tuple[str, ...] = ("plain", "gdb", "valgrind", "asan")
    lang: str = "c"
    flags: tuple[str, ...] = ()
    asan_flags: tuple[str, ...] = ()
    bt_limit: bool = False  # deep stacks: gdb must print a bounded backtrace

    @property
    def source(self) -> str:
        """The source template (``templates/crashes/<name>.c`` or ``.cc``): a ``string.Template``
        over the flavor's names ($S $N $F1 $F2 $TAG ...)."""
        return template("crashes", f"{self.name}.{'c' if self.lang == 'c' else 'cc'}")


def _n(lo: int, hi: int):
    return lambda rng: rng.randint(lo, hi)


# The order is the families' template order, which the split assignment follows.
PROGRAMS: list[Program] = [
    Program("list-lookup", lambda rng: [str(rng.randint(10, 70))]
            + [f"{rng.choice(NOUNS)}-{rng.randint(0, 999):03d}" for _ in range(rng.randint(1, 3))]),
    Program("matrix-divzero", lambda rng: (lambda r: [str(r), str(rng.randint(1, r - 1))])(rng.randint(6, 48)),
            flags=("-O0",)),
    Program("ring-assert", lambda rng: (lambda cap, burst: [str(cap), str(burst), str(cap + rng.randint(2, 20))])(
        rng.randint(4, 24), rng.randint(2, 4))),
    Program("double-free", lambda rng: (lambda n: [str(n), str(rng.randint(0, n - 1))])(rng.randint(3, 30))),
    Program("vm-trap", lambda rng: (lambda n: [str(n), str(rng.randint(n // 3, n - 1))])(rng.randint(10, 60))),
    Program("deep-recursion", lambda rng: (lambda c: [str(c), str(rng.randint(0, c - 2))])(rng.randint(5, 120)),
            bt_limit=True),
    Program("use-after-free", lambda rng: (lambda n: [str(n), str(rng.randint(1, n - 2))])(rng.randint(4, 30)),
            modes=("valgrind", "asan")),
    Program("heap-overflow", lambda rng: [str(rng.randint(3, 40))], modes=("valgrind", "asan")),
    Program("stack-smash", lambda rng: [f"{rng.choice(NOUNS)}{i}@{rng.choice(['db', 'web', 'cache', 'node'])}{i}"
                                        for i in range(rng.randint(1, 5))]
            + ["x" * rng.randint(40, 90) + "@" + rng.choice(["prod", "staging", "edge"])],
            flags=("-fstack-protector-strong",)),
    Program("null-fnptr", lambda rng: sum(([rng.choice(["GET", "PUT", "DELETE"]),
                                            f"/{rng.choice(NOUNS)}s/{rng.randint(1, 999)}"]
                                           for _ in range(rng.randint(4, 20))), [])
            + [rng.choice(["PATCH", "HEAD"]), f"/{rng.choice(NOUNS)}s/{rng.randint(1, 999)}"]),
    Program("rodata-write", lambda rng: [str(rng.randint(5, 50))]),
    Program("thread-worker", lambda rng: (lambda t: [str(t), str(rng.randint(0, t - 1))])(rng.randint(2, 8)),
            flags=("-pthread",), asan_flags=("-pthread",)),
    Program("mmap-sigbus", lambda rng: (lambda p: [f"{rng.choice(NOUNS)}s.idx", str(p), str(rng.randint(0, p - 1))])(
        rng.randint(2, 16)), modes=("plain", "gdb", "valgrind")),
    Program("cxx-out-of-range", lambda rng: [str(rng.randint(3, 30)), str(rng.randint(1, 5))], lang="c++"),
    Program("cxx-null-shared", lambda rng: (lambda n: [str(n)] + [f"{{N}}-{rng.randint(0, n - 1)}"
                                                                  for _ in range(rng.randint(0, 3))]
                                            + [f"{{N}}-{n + rng.randint(0, 50)}"])(rng.randint(2, 30)), lang="c++"),
    Program("leak-uninit", lambda rng: [str(rng.randint(3, 25))], modes=("valgrind", "asan")),
    Program("trapv-overflow", lambda rng: [str(rng.choice([31, 33, 37, 131, 257]))]
            + [rng.choice(NOUNS)[:2] for _ in range(rng.randint(2, 10))]
            + [f"{rng.choice(NOUNS)}_{rng.choice(VERBS)}_{rng.randint(100, 99999)}"],
            flags=("-ftrapv",), asan_flags=("-fno-sanitize-recover=undefined",)),
    Program("config-abort", lambda rng: [f"/etc/{rng.choice(NOUNS)}/{rng.choice(NOUNS)}."
                                         f"{rng.choice(['conf', 'ini', 'yaml', 'toml'])}"]
            + [f"{rng.choice(VERBS)}_{rng.choice(NOUNS)}" for _ in range(rng.randint(2, 15))]),
]

BY_NAME = {p.name: p for p in PROGRAMS}


def _flavor(seed: int, prog: Program, k: int) -> dict[str, str]:
    rng = task_rng(seed, "flavor", prog.name, k)
    noun = rng.choice(NOUNS)
    return {
        "S": noun + "_" + rng.choice(["rec", "entry", "item", "node", "ctx", "state"]) if prog.lang == "c"
        else noun.capitalize() + rng.choice(["Record", "Entry", "Item", "Handle", "State"]),
        "N": noun,
        "F1": f"{rng.choice(VERBS)}_{noun}" if prog.lang == "c" else f"{rng.choice(VERBS)}{noun.capitalize()}",
        "F2": f"{rng.choice(VERBS)}_{rng.choice(NOUNS)}s",
        "TAG": rng.choice([noun, noun[:5] + "d", f"{noun}.{rng.choice(VERBS)}", f"{rng.choice(VERBS)}-worker"]),
        "VERB": rng.choice(VERBS),
        "ADJ": rng.choice(["fast", "safe", "strict", "lazy"]),
        "NS": rng.choice(["core", "engine", "store", "util"]),
        "EXE": f"{noun}_{rng.choice(['tool', 'svc', 'cli', 'bench', 'test'])}",
        "FILE": f"{noun}{rng.choice(['', '_io', '_core', '_main'])}",
    }


def _build(ctx: TaskCtx, prog: Program, k: int, asan: bool) -> tuple[Path, Path, dict[str, str]]:
    """Compile flavor ``k`` of ``prog`` (cached) and copy it into the task dir.

    Returns (binary in task dir, cache entry dir, flavor). The cache entry holds the sources
    at the path the debug info names, so gdb can show source lines.
    """
    fl = _flavor(ctx.seed, prog, k)
    src = Template(prog.source).substitute(fl)
    ext = "c" if prog.lang == "c" else "cc"
    compiler = "gcc" if prog.lang == "c" else "g++"
    flags = ["-g", "-O0", "-fno-omit-frame-pointer", "-Wno-unused-result"] + list(
        ("-fsanitize=address,undefined",) + prog.asan_flags if asan else prog.flags)
    key = hashlib.sha256("\0".join([src, compiler, *flags]).encode()).hexdigest()[:16]
    entry = ctx.cache / "c-programs" / key
    exe = fl["EXE"]
    binary = entry / "build" / exe
    entry.mkdir(parents=True, exist_ok=True)
    with open(entry / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not binary.exists():
            (entry / "src").mkdir(exist_ok=True)
            (entry / "build").mkdir(exist_ok=True)
            (entry / "src" / f"{fl['FILE']}.{ext}").write_text(src)
            tmp = entry / "build" / (exe + ".tmp")
            ctx.check([compiler, *flags, "-o", str(tmp.relative_to(entry)), f"src/{fl['FILE']}.{ext}"], cwd=entry)
            tmp.replace(binary)
    dest = ctx.dir / "build" / exe
    dest.parent.mkdir(exist_ok=True)
    shutil.copy2(binary, dest)
    return dest, entry, fl


def _args(prog: Program, rng: random.Random, fl: dict[str, str]) -> list[str]:
    return [a.replace("{N}", fl["N"]) for a in prog.args(rng)]


def _plain(ctx: TaskCtx, prog: Program, i: int) -> Sample:
    rng = ctx.rng
    exe, entry, fl = _build(ctx, prog, i % 2, asan=False)
    args = _args(prog, rng, fl)
    cmd = shlex.join([f"./build/{exe.name}", *args])
    style = rng.choice(["echo", "echo", "make", "script"])
    if style == "make":
        ctx.write("Makefile", f"BIN := build/{exe.name}\n\n.PHONY: all run\n\nall: $(BIN)\n\n"
                  f"run: $(BIN)\n\t./$(BIN) $(ARGS)\n")
        shown = f"make run ARGS={shlex.quote(shlex.join(args))}"
        r = ctx.run(shown, no_aslr=True)
        text = r.out
    elif style == "script":
        ctx.write("scripts/run.sh", f"#!/bin/bash\n# run the {fl['N']} tool on the given inputs\n"
                  f"cd \"$(dirname \"$0\")/..\"\necho \"== {fl['EXE']} $*\"\n./build/{exe.name} \"$@\"\n"
                  "echo \"== done\"\n", mode=0o755)
        shown = shlex.join(["./scripts/run.sh", *args]) + '; echo "exit code: $?"'
        text = ctx.run(shown, no_aslr=True).out
    else:
        shown = cmd + '; echo "exit code: $?"'
        text = ctx.run(shown, no_aslr=True).out
    return ctx.sample(shown, text, i, {str(entry): ctx.fake_root})


def _gdb(ctx: TaskCtx, prog: Program, i: int) -> Sample:
    rng = ctx.rng
    exe, entry, fl = _build(ctx, prog, i % 2, asan=False)
    args = _args(prog, rng, fl)
    if prog.bt_limit:
        extra = rng.choice([["bt 12"], ["bt -6"], ["bt 8", "info frame"], ["bt 20"]])
    elif prog.name == "thread-worker":
        extra = rng.choice([["bt"], ["thread apply all bt"], ["info threads", "bt"]])
    else:
        extra = rng.choice([["bt"], ["bt"], ["bt full"], ["bt", "info registers rip rsp rbp"],
                            ["bt", "frame 1", "info locals"], ["bt", "info args"], ["where", "list"]])
    argv = ["gdb", "-q", "-batch", "-ex", "run"]
    for e in extra:
        argv += ["-ex", e]
    # The absolute path keeps argv[0] (hence the inferior's stack) the same length in any workdir.
    argv += ["--args", str(exe), *args]
    r = ctx.run(argv, no_aslr=True, timeout=120)
    return ctx.sample(shlex.join(argv), r.out, i, {str(entry): ctx.fake_root})


def _valgrind(ctx: TaskCtx, prog: Program, i: int) -> Sample:
    rng = ctx.rng
    exe, entry, fl = _build(ctx, prog, i % 2, asan=False)
    args = _args(prog, rng, fl)
    opts = rng.choice([[], ["--leak-check=full"], ["--track-origins=yes"], ["--leak-check=full",
                       "--show-leak-kinds=all"], ["--leak-check=full", "--track-origins=yes"], ["-s"]])
    argv = ["valgrind", *opts, f"./build/{exe.name}", *args]
    r = ctx.run(argv, no_aslr=True, timeout=180)
    return ctx.sample(shlex.join(argv), r.out, i, {str(entry): ctx.fake_root})


def _asan(ctx: TaskCtx, prog: Program, i: int) -> Sample:
    rng = ctx.rng
    exe, entry, fl = _build(ctx, prog, i % 2, asan=True)
    args = _args(prog, rng, fl)
    style = rng.choice(["plain", "plain", "opts"])
    env = {}
    shown_prefix = ""
    if style == "opts":
        opt = rng.choice(["detect_leaks=1", "halt_on_error=1", "detect_stack_use_after_return=1",
                          "abort_on_error=0"])
        env["ASAN_OPTIONS"] = opt
        shown_prefix = f"ASAN_OPTIONS={opt} "
    shown = shlex.join([f"./build/{exe.name}", *args])
    if rng.random() < 0.5:
        shown += '; echo "exit code: $?"'
    r = ctx.run(shown, no_aslr=True, env=env, timeout=120)
    return ctx.sample(shown_prefix + shown, r.out, i, {str(entry): ctx.fake_root})


def _runner(fn):
    def produce(ctx: TaskCtx) -> list[Sample]:
        prog = BY_NAME[ctx.template]
        return [fn(ctx, prog, i) for i in range(ctx.n)]

    produce.__name__ = f"produce_{fn.__name__.strip('_')}"
    return produce


produce_plain = _runner(_plain)
produce_gdb = _runner(_gdb)
produce_valgrind = _runner(_valgrind)
produce_asan = _runner(_asan)


def _tpls(mode: str) -> tuple[str, ...]:
    return tuple(p.name for p in PROGRAMS if mode in p.modes)


# setarch -R (no ASLR) is what makes addresses repeat; gdb turns ASLR off by itself.
FAMILIES = [
    Family("c-crash", "crash", _tpls("plain"), produce_plain, 170, ("gcc", "g++", "make", "setarch"), "c-programs",
           "C/C++ programs crashing when run from a shell, make or a script"),
    Family("gdb-crash", "crash", _tpls("gdb"), produce_gdb, 190, ("gcc", "g++", "gdb"), "c-programs",
           "the same programs under gdb -batch -ex run -ex bt"),
    Family("valgrind-crash", "crash", _tpls("valgrind"), produce_valgrind, 110, ("gcc", "g++", "valgrind", "setarch"),
           "c-programs", "the same programs under valgrind (memcheck)"),
    Family("asan-crash", "crash", _tpls("asan"), produce_asan, 190, ("gcc", "g++", "setarch"), "c-programs",
           "the same programs built with -fsanitize=address,undefined"),
]
