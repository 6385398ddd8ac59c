"""Help text: ``--help`` output and man pages of the programs installed on this machine.

Each template is one program; items are its ``--help`` (or ``-h``, or a subcommand's help)
and its man page rendered to plain text at a seeded width (``man -P cat``), when present.
Programs that are not installed simply yield no items.
"""

from __future__ import annotations

import shlex
import shutil

from kompress.data.corpus._runtime import Family, Sample, TaskCtx

# program -> extra help invocations (besides "--help" and the man page)
PROGRAMS: dict[str, list[str]] = {
    "ls": [], "cp": [], "mv": [], "rm": [], "mkdir": [], "chmod": [], "chown": [], "ln": [], "cat": [], "head": [],
    "tail": [], "sort": [], "uniq": [], "cut": [], "tr": [], "wc": [], "du": [], "df": [], "date": [], "touch": [],
    "split": [], "tee": [], "env": [], "timeout": [], "xargs": [], "find": [], "grep": [], "sed": [], "diff": [],
    "tar": [], "gzip": [], "git": ["git commit -h", "git log -h", "git rebase -h", "git stash -h", "git diff -h",
                                  "git checkout -h", "git push -h", "git config -h"],
    "python3": ["python3 -m venv -h", "python3 -m http.server -h", "python3 -m json.tool -h", "python3 -m pip install --help",
                "python3 -m pip list --help", "python3 -m unittest -h", "python3 -m pytest --help"],
    "gcc": ["gcc --help=warnings", "gcc --help=optimizers"], "make": [], "cmake": ["cmake --help-command add_library"],
    "gdb": [], "valgrind": [], "node": ["node --v8-options"], "npm": ["npm help install", "npm install --help"],
    "javac": ["javac --help-extra"], "java": [], "ssh": [], "curl": ["curl --help all"], "wget": [], "rsync": [],
    "ps": ["ps --help all"], "kill": [], "nice": [], "stat": [], "readlink": [], "realpath": [], "basename": [],
    "md5sum": [], "sha256sum": [], "base64": [], "od": [], "stty": [], "id": [], "install": [], "patch": [],
    "awk": [], "less": [], "file": [], "zip": [], "unzip": [], "setarch": [], "objdump": [], "nm": [], "strings": [],
    "ld": [], "as": [], "ar": [], "strace": [], "ldd": [], "ip": [], "mount": [], "systemctl": [], "journalctl": [],
    "apt-get": [], "dpkg": [], "pip": ["pip download --help"], "rustc": ["rustc -C help"], "cargo": ["cargo build --help"],
}


def produce_help(ctx: TaskCtx) -> list[Sample]:
    prog = ctx.template
    exe = shutil.which(prog, path=ctx.env["PATH"])
    if exe is None:
        return []
    rng = ctx.rng
    variants = [f"{prog} --help"] + PROGRAMS[prog]
    if shutil.which("man", path=ctx.env["PATH"]):
        variants += [f"man {prog}", f"man {prog}"]
    rng.shuffle(variants)
    out = []
    for i in range(ctx.n):
        cmd = variants[i % len(variants)]
        width = rng.choice(["80", "80", "100", "72"])
        env = {"MANWIDTH": width, "COLUMNS": width}
        run = cmd
        if cmd.startswith("man "):
            run = f"man -P cat {shlex.quote(prog)}"
            if rng.random() < 0.3:
                run += f" | head -n {rng.choice([60, 120, 200])}"
        if i >= len(variants):
            # a repeat of an invocation: show it at another width so it is a different text
            env = {"MANWIDTH": "90", "COLUMNS": "90"} if width != "90" else {"MANWIDTH": "76", "COLUMNS": "76"}
        r = ctx.run(run, timeout=60, env=env)
        if r.rc not in (0, 1, 2, 129) or "No manual entry" in r.out:
            continue
        out.append(ctx.sample(run, r.out, i))
    return out


FAMILIES = [
    Family("help-text", "text", tuple(PROGRAMS), produce_help, 300, (), None,
           "--help output and man pages of installed programs"),
]
