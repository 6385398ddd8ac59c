"""Search results: ``grep -rn`` and ``git grep -n`` over real source trees.

Each template is one package of the interpreter's standard library copied into a project
folder (and committed, for ``git grep``). An item searches it for something an agent would
look for: an identifier, a raised exception, TODO markers, a definition, an import, with
varied flags (``-w``, ``-i``, ``-C``, ``--include``, ``-E``). Patterns are chosen from the
package's own text so that the number of hits stays readable.
"""

from __future__ import annotations

import re
import shlex
import shutil
from collections import Counter

from kompress.data.corpus._runtime import EPOCH, STDLIB_PACKAGES, Family, Sample, TaskCtx, stdlib_dir


def _copy_pkg(ctx: TaskCtx, name: str):
    dest = ctx.dir / "proj"
    if not dest.exists():
        shutil.copytree(stdlib_dir() / name, dest / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        env = {"GIT_AUTHOR_NAME": "Dev", "GIT_AUTHOR_EMAIL": "dev@example.com", "GIT_COMMITTER_NAME": "Dev",
               "GIT_COMMITTER_EMAIL": "dev@example.com", "GIT_AUTHOR_DATE": f"@{EPOCH} +0000",
               "GIT_COMMITTER_DATE": f"@{EPOCH} +0000"}
        ctx.check(["git", "init", "-q", "-b", "main"], cwd=dest)
        ctx.check(["git", "add", "-A"], cwd=dest)
        ctx.check(["git", "commit", "-q", "-m", "import"], cwd=dest, env=env)
    return dest


def _candidates(root, name: str) -> dict[str, Counter]:
    lines: list[str] = []
    for p in sorted((root / name).rglob("*.py")):
        try:
            lines += p.read_text(errors="replace").splitlines()
        except OSError:
            continue
    ident_lines: Counter = Counter()
    for ln in lines:
        for w in set(re.findall(r"\b[A-Za-z_][A-Za-z0-9_]{4,}\b", ln)):
            ident_lines[w] += 1
    return {"ident": Counter({w: c for w, c in ident_lines.items() if 8 <= c <= 120})}


def produce_grep(ctx: TaskCtx) -> list[Sample]:
    name = ctx.template
    root = _copy_pkg(ctx, name)
    cands = _candidates(root, name)
    idents = sorted(cands["ident"])
    out = []
    for i in range(ctx.n):
        rng = ctx.rng
        kind = rng.choice(["ident", "ident", "ident", "raise", "todo", "def", "import", "regex", "class"])
        if kind == "ident" and idents:
            pat = rng.choice(idents)
        elif kind == "raise":
            pat = rng.choice(["raise ValueError", "raise TypeError", "raise ", "except Exception", "except "])
        elif kind == "todo":
            pat = rng.choice(["TODO", "XXX", "FIXME|TODO|XXX", "deprecated"])
        elif kind == "def":
            pat = "def " + (rng.choice(idents)[:4] if idents else "_")
        elif kind == "import":
            pat = rng.choice(["^import ", "^from ", "import re", "import os", "from \\."])
        elif kind == "class":
            pat = "^class "
        else:
            a, b = (rng.sample(idents, 2) if len(idents) >= 2 else ("self", "return"))
            pat = f"{a}|{b}"
        is_git = ctx.family.name == "git-grep"
        flags: list[str] = []
        if "|" in pat:
            flags.append("-E")
        if rng.random() < 0.25 and re.fullmatch(r"\w+", pat):
            flags.append("-w")
        if rng.random() < 0.15:
            flags.append("-i")
        if rng.random() < 0.2:
            flags.append(rng.choice(["-C 2", "-A 3", "-B 1", "-C 1"]))
        if is_git:
            argv = ["git", "grep", "-n", *" ".join(flags).split(), pat]
            if rng.random() < 0.3:
                argv += ["--", f"{name}/*.py"]
        else:
            inc = ["--include=*.py"] if rng.random() < 0.4 else []
            argv = ["grep", "-rn", *" ".join(flags).split(), *inc, pat, rng.choice([name, name + "/", "."])]
        cmd = shlex.join(argv)
        r = ctx.run(argv, cwd=root)
        if r.out.count("\n") > 250:  # the agent would have narrowed it: do the same, visibly
            cmd = f"{cmd} | head -n {rng.choice([40, 80, 120, 200])}"
            r = ctx.run(cmd, cwd=root)
        out.append(ctx.sample(cmd, r.out, i, {str(root): ctx.fake_root}))
    return out


FAMILIES = [
    Family("grep", "grep", STDLIB_PACKAGES, produce_grep, 220, ("grep",), "search", "grep -rn over a source tree"),
    Family("git-grep", "grep", STDLIB_PACKAGES, produce_grep, 110, ("git",), "search", "git grep -n"),
]
