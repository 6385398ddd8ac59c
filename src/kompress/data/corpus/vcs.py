"""Diffs: ``git diff`` / ``git show`` / ``git log --stat|-p`` of real edits to real source files.

Each template is one module of the interpreter's standard library, imported into a fresh git
repository; an item applies a seeded series of edits (rename an identifier, change a constant,
add or delete a function, add a guard, reword a message) as one or more commits or as
working-tree changes, and shows them with a git command. Author/committer names and dates are
fixed per item, so hashes repeat.
"""

from __future__ import annotations

import builtins
import keyword
import random
import re
from collections import Counter

from kompress.data.corpus._runtime import EPOCH, NOUNS, PROJECTS, STDLIB_MODULES, USERS, VERBS, Family, Sample, TaskCtx, stdlib_dir, tpl_id

BY_ID = {tpl_id(m): m for m in STDLIB_MODULES}
_BUILTINS = set(dir(builtins))
_SKIP = set(keyword.kwlist) | {"self", "cls", "None", "True", "False", "args", "kwargs", "return", "import"}


def _idents(src: str) -> list[str]:
    counts = Counter(re.findall(r"\b[a-z_][a-z0-9_]{3,}\b", src))
    return sorted(n for n, c in counts.items() if 2 <= c <= 8 and n not in _SKIP and n not in _BUILTINS)


def e_rename(src: str, rng: random.Random) -> str | None:
    names = _idents(src)
    if not names:
        return None
    old = rng.choice(names)
    new = rng.choice([f"{old}_{rng.choice(NOUNS)}", f"{rng.choice(VERBS)}_{old.strip('_')}",
                      old.replace("_", "") + "s", f"_{old}" if not old.startswith("_") else old[1:] + "_impl"])
    return re.sub(rf"\b{re.escape(old)}\b", new, src)


def _code_lines(lines: list[str]) -> list[int]:
    out, in_doc = [], False
    for i, ln in enumerate(lines):
        if ln.count('"""') == 1 or ln.count("'''") == 1:
            in_doc = not in_doc
            continue
        if not in_doc and ln.strip() and not ln.lstrip().startswith("#"):
            out.append(i)
    return out


def e_constant(src: str, rng: random.Random) -> str | None:
    lines = src.splitlines()
    cands = [i for i in _code_lines(lines) if re.search(r"(?<![\w.])([2-9]|\d{2,})(?![\w.])", lines[i])]
    if not cands:
        return None
    for i in rng.sample(cands, min(len(cands), rng.randint(1, 3))):
        lines[i] = re.sub(r"(?<![\w.])([2-9]|\d{2,})(?![\w.])",
                          lambda m: str(int(m.group(1)) * rng.choice([2, 3]) + rng.randint(0, 5)), lines[i], count=1)
    return "\n".join(lines) + "\n"


def _blocks(lines: list[str]) -> list[tuple[int, int, str]]:
    """(start, end, indent) of every ``def`` block of at most 40 lines."""
    out = []
    for i, ln in enumerate(lines):
        m = re.match(r"^(\s*)def \w+\(", ln)
        if not m:
            continue
        ind = m.group(1)
        j = i + 1
        while j < len(lines) and (not lines[j].strip() or lines[j].startswith(ind + " ") or lines[j].startswith(ind + "\t")
                                  or lines[j].strip().startswith(")")):
            j += 1
        while j > i + 1 and not lines[j - 1].strip():
            j -= 1
        if j - i <= 40:
            out.append((i, j, ind))
    return out


def e_delete_function(src: str, rng: random.Random) -> str | None:
    lines = src.splitlines()
    blocks = [b for b in _blocks(lines) if b[1] - b[0] >= 3]
    if not blocks:
        return None
    s, e, _ = rng.choice(blocks)
    del lines[s:e]
    return "\n".join(lines) + "\n"


def e_add_function(src: str, rng: random.Random) -> str | None:
    lines = src.splitlines()
    blocks = _blocks(lines)
    if not blocks:
        return None
    s, e, ind = rng.choice(blocks)
    noun, verb = rng.choice(NOUNS), rng.choice(VERBS)
    is_method = bool(ind)
    params = "self, " if is_method else ""
    body = [
        "",
        f"{ind}def {verb}_{noun}s({params}items, *, limit=None):",
        f'{ind}    """{verb.capitalize()} every {noun} in *items*, at most *limit* of them."""',
        f"{ind}    out = []",
        f"{ind}    for n, item in enumerate(items):",
        f"{ind}        if limit is not None and n >= limit:",
        f"{ind}            break",
        f"{ind}        out.append(item)",
        f"{ind}    return out",
    ]
    lines[e:e] = body
    return "\n".join(lines) + "\n"


def e_guard(src: str, rng: random.Random) -> str | None:
    lines = src.splitlines()
    blocks = [b for b in _blocks(lines) if "(self)" not in lines[b[0]] and "()" not in lines[b[0]]]
    if not blocks:
        return None
    s, e, ind = rng.choice(blocks)
    m = re.search(r"def \w+\((?:self, |cls, )?(\w+)", lines[s])
    if not m or m.group(1) in ("self", "cls"):
        return None
    arg = m.group(1)
    k = s + 1
    while k < e and not lines[k].rstrip().endswith(":") and lines[k - 1].rstrip().endswith(","):
        k += 1
    if lines[k].strip().startswith(('"""', "'''", 'r"""')):
        q = lines[k].strip()[:3] if not lines[k].strip().startswith("r") else '"""'
        if lines[k].strip().count(q) < 2:
            k += 1
            while k < e and q not in lines[k]:
                k += 1
        k += 1
    msg = rng.choice([f"{arg} must not be None", f"missing {arg}", f"{arg} is required"])
    lines[k:k] = [f"{ind}    if {arg} is None:", f"{ind}        raise ValueError({msg!r})"]
    return "\n".join(lines) + "\n"


def e_message(src: str, rng: random.Random) -> str | None:
    lines = src.splitlines()
    cands = [i for i, ln in enumerate(lines) if re.search(r"raise \w+\((f?)([\"'])[^\"']{4,}\2", ln)]
    if not cands:
        return None
    i = rng.choice(cands)
    lines[i] = re.sub(r"(raise \w+\(f?[\"'])([^\"']{4,})", lambda m: m.group(1) + m.group(2).rstrip(".") +
                      rng.choice([" (got an unexpected value)", "; check the input", " for this " + rng.choice(NOUNS)]),
                      lines[i], count=1)
    return "\n".join(lines) + "\n"


def e_comment(src: str, rng: random.Random) -> str | None:
    lines = src.splitlines()
    code = _code_lines(lines)
    cands = [i for i in code if re.match(r"^\s+(return|if|for|while) ", lines[i])]
    if not cands:
        return None
    for i in sorted(rng.sample(cands, min(len(cands), rng.randint(1, 2))), reverse=True):
        ind = re.match(r"^\s*", lines[i]).group()
        lines.insert(i, f"{ind}# {rng.choice(['TODO', 'NOTE', 'FIXME', 'XXX'])}: {rng.choice(VERBS)} the "
                        f"{rng.choice(NOUNS)} here once #{rng.randint(100, 9999)} lands")
    return "\n".join(lines) + "\n"


EDITS = [e_rename, e_constant, e_delete_function, e_add_function, e_guard, e_message, e_comment]
MESSAGES = ["Fix {n} handling in {m}", "Refactor {m}: rename helpers", "Add {v} support for {n}s",
            "Tighten argument checks in {m}", "Remove dead {n} code", "Bump limits used by {m}",
            "{m}: clarify error messages", "Handle empty {n} lists", "Simplify {v} path in {m}"]


def _edit(src: str, rng: random.Random) -> tuple[str, str]:
    for e in rng.sample(EDITS, len(EDITS)):
        out = e(src, rng)
        if out is not None and out != src:
            return out, e.__name__
    return src, "none"


def produce_git(ctx: TaskCtx) -> list[Sample]:
    out = []
    mod = BY_ID[ctx.template]
    original = (stdlib_dir() / mod).read_text()
    for i in range(ctx.n):
        rng = ctx.rng
        base = ctx.dir / f"r{i}"
        proj = rng.choice(PROJECTS)
        rel = f"src/{proj}/{mod.split('/')[-1] if '__init__' not in mod else mod.split('/')[-2] + '.py'}"
        user = rng.choice(USERS)
        t0 = EPOCH - rng.randint(0, 200) * 86400
        author = {"GIT_AUTHOR_NAME": user.capitalize() + " " + rng.choice(["Lee", "Ng", "Smith", "Garcia", "Kim"]),
                  "GIT_AUTHOR_EMAIL": f"{user}@{proj}.dev", "GIT_COMMITTER_NAME": "CI Bot",
                  "GIT_COMMITTER_EMAIL": f"ci@{proj}.dev"}

        def commit(msg: str, k: int) -> None:
            t = f"@{t0 + k * rng.randint(600, 86400)} +0000"
            ctx.check(["git", "add", "-A"], cwd=base)
            ctx.check(["git", "commit", "-q", "-m", msg], cwd=base,
                      env={**author, "GIT_AUTHOR_DATE": t, "GIT_COMMITTER_DATE": t})

        ctx.write(rel, original, base=base)
        ctx.write("README.md", f"# {proj}\n\nVendored `{mod}` with local patches.\n", base=base)
        ctx.check(["git", "init", "-q", "-b", "main"], cwd=base)
        commit(f"Import {mod} into {proj}", 0)
        kind = rng.choice(["diff", "diff", "diff-cached", "diff-u1", "show", "show", "log-stat", "log-p", "diff-range"])
        src = original
        n_commits = rng.randint(2, 4) if kind in ("log-stat", "log-p", "diff-range") else 1
        for k in range(n_commits):
            for _ in range(rng.randint(2, 4) if n_commits == 1 else rng.randint(1, 2)):
                src, _name = _edit(src, rng)
            ctx.write(rel, src, base=base)
            if rng.random() < 0.3:
                ctx.write(f"tests/test_{rel.split('/')[-1]}", f"import {proj}\n\n\ndef test_smoke_{k}():\n"
                          f"    assert {proj} is not None\n", base=base)
            if kind.startswith("diff") and kind != "diff-range":
                break
            m = rng.choice(MESSAGES).format(n=rng.choice(NOUNS), m=rel.split("/")[-1], v=rng.choice(VERBS))
            commit(m, k + 1)
        if kind == "diff":
            cmd = "git diff"
        elif kind == "diff-cached":
            ctx.check(["git", "add", "-A"], cwd=base)
            cmd = "git diff --cached"
        elif kind == "diff-u1":
            cmd = rng.choice(["git diff -U1", "git diff --stat && git diff", "git diff -w"])
        elif kind == "show":
            cmd = rng.choice(["git show", "git show HEAD", "git show --stat -p HEAD"])
        elif kind == "log-stat":
            cmd = rng.choice(["git log --stat", f"git log --stat -n {n_commits}", "git log --stat --oneline"])
        elif kind == "log-p":
            cmd = rng.choice(["git log -p -2", "git log -p -1", "git log -p --follow " + rel])
        else:
            cmd = rng.choice(["git diff HEAD~1", f"git diff HEAD~{n_commits} --stat", f"git diff HEAD~{n_commits} -- src"])
        r = ctx.run(cmd, cwd=base)
        out.append(ctx.sample(cmd, r.out, i, {str(base): ctx.fake_root}))
    return out


FAMILIES = [
    Family("git-diff", "diff", tuple(BY_ID), produce_git, 560, ("git",), None,
           "git diff/show/log of real edits to stdlib modules in a temp repo"),
]
