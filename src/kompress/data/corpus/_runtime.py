"""Shared machinery of the corpus families: the family record, the per-task context that runs
real programs in a fixed environment, and the scrubbers that make their output reproducible.

Every family is a plain module-level function ``produce(ctx) -> list[Sample]`` so that the
process pool can send tasks by name. A *task* is one ``(family, template)`` pair with the number
of items to make; the task's random generator is seeded from ``(seed, family, template)`` only,
so results never depend on which worker ran what, or in which order.
"""

from __future__ import annotations

import hashlib
import os
import random
import re
import shlex
import shutil
import subprocess
import sys
import sysconfig
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

#: Fixed ``SOURCE_DATE_EPOCH`` (2024-03-05 09:00:00 UTC): every date we control derives from it.
EPOCH = 1709629200


@dataclass(frozen=True)
class Sample:
    """One output produced by a task: the command line as an agent would have typed it, and
    the text that command printed (already scrubbed)."""

    command: str
    text: str


@dataclass(frozen=True)
class Family:
    """A generator family: how many items it makes at scale 1.0 and from which templates.

    ``templates`` is the full, static list of template ids (independent of scale) so that the
    split of a template never depends on how many items were asked for. Families that share
    source programs (e.g. the same C program run plain, under gdb and under valgrind) name a
    common ``split_group`` so the program lands in one split whichever way it is run.
    """

    name: str
    domain: str
    templates: tuple[str, ...]
    produce: Callable[["TaskCtx"], list[Sample]]
    weight: int
    requires: tuple[str, ...] = ()
    split_group: str | None = None
    description: str = ""

    @property
    def group(self) -> str:
        """The key under which templates are assigned to splits."""
        return self.split_group or self.name


def stable_int(*parts: object) -> int:
    """A 64-bit integer from ``parts`` that is the same in every process and Python version."""
    h = hashlib.sha256("\x1f".join(map(str, parts)).encode()).digest()
    return int.from_bytes(h[:8], "big")


def task_rng(seed: int, *parts: object) -> random.Random:
    """A ``random.Random`` seeded only from ``seed`` and ``parts``."""
    return random.Random(stable_int(seed, *parts))


# ---------------------------------------------------------------------------------------------
# vocabularies used to vary names across items (so no template's surface form dominates)

USERS = ["dev", "alice", "bob", "ci", "runner", "build", "maria", "kenji", "sam", "ana", "omar", "li"]
PROJECTS = [
    "ledger", "atlas", "pipeline", "orbit", "kestrel", "harbor", "quill", "nimbus", "parcel", "sonar",
    "tundra", "vector", "willow", "zephyr", "beacon", "cobalt", "delta", "ember", "fjord", "granite",
    "helix", "iris", "juniper", "lattice", "mosaic", "nova", "onyx", "prism", "quartz", "relay",
]
ROOT_STYLES = ["/home/{user}/src/{proj}", "/home/{user}/{proj}", "/srv/{proj}", "/builds/{user}/{proj}",
               "/workspace/{proj}", "/opt/{proj}", "/home/{user}/work/{proj}", "/var/lib/ci/{proj}"]
NOUNS = [
    "order", "invoice", "account", "session", "packet", "record", "entry", "token", "message", "job",
    "frame", "block", "segment", "user", "device", "sensor", "route", "ticket", "batch", "chunk",
    "node", "edge", "asset", "payment", "shipment", "report", "metric", "event", "buffer", "widget",
]
VERBS = ["parse", "load", "decode", "resolve", "apply", "merge", "flush", "render", "index", "validate",
         "encode", "emit", "fetch", "sync", "scan", "compact", "commit", "dispatch", "reduce", "probe"]
ADJS = ["pending", "stale", "active", "primary", "remote", "local", "cached", "shared", "raw", "final"]
SERVICES = ["billing", "auth", "search", "inventory", "checkout", "notifier", "gateway", "scheduler",
            "ingest", "reporting", "catalog", "payments", "media", "profile", "shipping", "analytics"]


def fake_root(rng: random.Random) -> str:
    """A plausible project directory to show instead of the real scratch path."""
    style = rng.choice(ROOT_STYLES)
    return style.format(user=rng.choice(USERS), proj=rng.choice(PROJECTS))


def ident(rng: random.Random, style: str = "snake") -> str:
    """A made-up identifier (``verb_noun`` / ``VerbNoun`` / ``noun``) for varied names."""
    verb, noun = rng.choice(VERBS), rng.choice(NOUNS)
    if style == "snake":
        return f"{verb}_{noun}"
    if style == "camel":
        return verb + noun.capitalize()
    if style == "pascal":
        return verb.capitalize() + noun.capitalize()
    return noun


# ---------------------------------------------------------------------------------------------
# environment


def _program_dirs(programs: Sequence[str]) -> list[str]:
    dirs: list[str] = [str(Path(sys.executable).parent)]
    for prog in programs:
        found = shutil.which(prog)
        if found:
            dirs.append(str(Path(found).parent))
    dirs += ["/usr/local/bin", "/usr/bin", "/bin", "/usr/sbin", "/sbin"]
    out: list[str] = []
    for d in dirs:
        if d not in out:
            out.append(d)
    return out


#: Programs the families may call; their directories make up the fixed ``PATH``.
KNOWN_PROGRAMS = ("gcc", "g++", "make", "cmake", "javac", "java", "gdb", "valgrind", "node", "npm",
                  "git", "setarch", "man", "tree", "find", "grep", "ls", "rustc", "cargo")


def fixed_env(home: Path) -> dict[str, str]:
    """The whole environment every program runs with: nothing inherited but ``PATH``'s dirs."""
    return {
        "PATH": os.pathsep.join(_program_dirs(KNOWN_PROGRAMS)),
        "HOME": str(home),
        "LC_ALL": "C",
        "LANG": "C",
        "TZ": "UTC",
        "SOURCE_DATE_EPOCH": str(EPOCH),
        "TERM": "dumb",
        "COLUMNS": "100",
        "MANWIDTH": "80",
        "MAN_KEEP_FORMATTING": "",
        "NO_COLOR": "1",
        "SHELL": "/bin/sh",
        "USER": "dev",
        "LOGNAME": "dev",
        "PYTHONHASHSEED": "0",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONUNBUFFERED": "1",
        "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1",
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
        "PIP_NO_INPUT": "1",
        "PIP_NO_COLOR": "1",
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_TERMINAL_PROMPT": "0",
        "GIT_PAGER": "cat",
        "PAGER": "cat",
        "DEBUGINFOD_URLS": "",
        "npm_config_offline": "true",
        "npm_config_update_notifier": "false",
        "npm_config_fund": "false",
        "npm_config_audit": "false",
        "npm_config_cache": str(home / ".npm"),
        "NODE_DISABLE_COLORS": "1",
        "FORCE_COLOR": "0",
        "CMAKE_COLOR_DIAGNOSTICS": "OFF",
        "GCC_COLORS": "",
    }


@dataclass
class Run:
    """What a program printed (stdout and stderr interleaved as written) and its exit code."""

    rc: int
    out: str


# Text the kernel/tools print with a process id in it; each is replaced by a seeded fake pid.
_PID_PATTERNS = [
    re.compile(r"==(\d+)=="),                         # valgrind, AddressSanitizer
    re.compile(r"\(process (\d+)\)"),                  # gdb: [Inferior 1 (process 1234) exited]
    re.compile(r"\(LWP (\d+)\)"),                      # gdb threads
]
# The shell prints a killed job's pid right-aligned in a field, so the padding depends on the
# real pid's digit count: the padding (group 1 holds it with the pid) is rewritten too, as a
# pid of the fake's width would be printed (`line 1:  4521 Aborted`).
_PADDED_PID_PATTERNS = [
    (re.compile(r"line \d+:( +\d+) "), " "),          # bash: line 1: 1234 Segmentation fault
    (re.compile(r"^([ \t]*\d+) (?:Segmentation fault|Aborted|Floating point|Illegal|Bus error)", re.M), ""),
]
_DURATIONS = [
    (re.compile(r"\bin (\d+\.\d+)s\b"), 2),                   # pytest "in 0.12s"
    (re.compile(r"Ran \d+ tests? in (\d+\.\d+)s"), 0.3),      # unittest
    (re.compile(r"\((\d+\.\d+)s\)"), 1),                     # cmake "-- Configuring done (0.3s)"
    (re.compile(r"duration_ms: (\d+\.\d+)"), 6),              # node --test
    (re.compile(r"# duration_ms (\d+\.\d+)"), 6),
    (re.compile(r"Finished .* in (\d+\.\d+)s"), 2),           # cargo
]


class TaskCtx:
    """Everything a family's ``produce`` needs to make ``n`` items for one template."""

    def __init__(self, family: Family, template: str, n: int, seed: int, run_root: Path,
                 cache_dir: Path) -> None:
        self.family = family
        self.template = template
        self.n = n
        self.seed = seed
        self.rng = task_rng(seed, family.name, template)
        # A template shows the same fake project root whichever family runs it.
        self.root_rng = task_rng(seed, "root", family.group, template)
        self.fake_root = fake_root(self.root_rng)
        self.dir = run_root / family.name / template
        if self.dir.exists():
            shutil.rmtree(self.dir)
        self.dir.mkdir(parents=True)
        self.home = run_root / "_home"
        self.home.mkdir(exist_ok=True)
        self.cache = cache_dir
        self.env = fixed_env(self.home)
        self.python = sys.executable
        self.setarch = shutil.which("setarch")
        # Both the given and the resolved spelling of the scratch paths are replaced; longest
        # first, so a nested path goes before its parent.
        links = {
            str(run_root): "/tmp/build", str(run_root.resolve()): "/tmp/build",
            str(self.dir): self.fake_root, str(self.dir.resolve()): self.fake_root,
        }
        stdlib = sysconfig.get_paths()["stdlib"]
        ver = f"python{sys.version_info.major}.{sys.version_info.minor}"
        links[str(Path(sys.prefix))] = f"{self.fake_root}/.venv"
        links[stdlib] = f"/usr/lib/{ver}"
        links[str(Path(sys.executable))] = f"{self.fake_root}/.venv/bin/python"
        self._paths = sorted(links.items(), key=lambda kv: -len(kv[0]))

    # -- running ---------------------------------------------------------------------------
    def run(self, argv: Sequence[str] | str, *, cwd: Path | None = None, input: str | None = None,
            timeout: float = 60, env: dict[str, str] | None = None, no_aslr: bool = False,
            stderr: bool = True) -> Run:
        """Run a real program (a list, or a string for ``bash -c``) with the fixed environment.

        stdout and stderr share one pipe, so their interleaving is what a terminal would show.
        ``no_aslr`` runs it under ``setarch -R`` (when present) so addresses repeat run to run.
        """
        full_env = dict(self.env)
        # Shells export PWD to their children; set it ourselves so the environment's size (on
        # which stack addresses depend) is the same in every run.
        full_env["PWD"] = str(cwd or self.dir)
        if env:
            full_env.update(env)
        args = ["bash", "-c", argv] if isinstance(argv, str) else list(argv)
        if no_aslr and self.setarch:
            args = [self.setarch, "-R", *args]
        try:
            p = subprocess.run(
                args, cwd=cwd or self.dir, env=full_env, input=input, timeout=timeout,
                stdout=subprocess.PIPE, stderr=subprocess.STDOUT if stderr else subprocess.DEVNULL,
                stdin=None if input is not None else subprocess.DEVNULL,
            )
        except subprocess.TimeoutExpired as exc:
            out = exc.stdout or b""
            return Run(124, out.decode("utf-8", "replace"))
        return Run(p.returncode, p.stdout.decode("utf-8", "replace"))

    def check(self, argv: Sequence[str] | str, **kw) -> str:
        """Run a set-up step that must succeed; raise with its output otherwise."""
        r = self.run(argv, **kw)
        if r.rc != 0:
            shown = argv if isinstance(argv, str) else shlex.join(argv)
            raise RuntimeError(f"set-up step failed ({r.rc}): {shown}\n{r.out[-2000:]}")
        return r.out

    # -- scrubbing -------------------------------------------------------------------------
    def scrub(self, text: str, item_key: object = 0, extra: dict[str, str] | None = None) -> str:
        """Make ``text`` reproducible and plausible: scratch paths become the template's fake
        project root, pids and measured durations become seeded fakes (consistent within one
        item), terminal escapes go."""
        text = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", text)
        text = re.sub(r".\x08", "", text)  # man-page overstrike (bold/underline)
        for real, fake in sorted((extra or {}).items(), key=lambda kv: -len(kv[0])):
            text = text.replace(real, fake)
        for real, fake in self._paths:
            text = text.replace(real, fake)
        rng = task_rng(self.seed, "scrub", self.family.name, self.template, item_key)
        pid_map: dict[str, str] = {}

        def pid_for(real: str) -> str:
            if real not in pid_map:
                pid_map[real] = str(rng.randint(1200, 98000))
            return pid_map[real]

        def fake_pid(m: re.Match, lead: str | None = None) -> str:
            s, e = m.span(1)
            field = pid_for(m.group(1)) if lead is None else lead + f"{pid_for(m.group(1).strip()):>5}"
            return m.group(0)[: s - m.start()] + field + m.group(0)[e - m.start():]

        for pat in _PID_PATTERNS:
            text = pat.sub(fake_pid, text)
        for pat, lead in _PADDED_PID_PATTERNS:
            text = pat.sub(lambda m, lead=lead: fake_pid(m, lead), text)

        for pat, scale in _DURATIONS:
            def fake_dur(m: re.Match, scale: float = scale) -> str:
                digits = len(m.group(1).split(".")[1])
                val = rng.uniform(0.01, 1.0) * scale
                s, e = m.span(1)
                return m.group(0)[: s - m.start()] + f"{val:.{digits}f}" + m.group(0)[e - m.start():]
            text = pat.sub(fake_dur, text)
        return text

    def sample(self, command: str, text: str, item_key: object = 0,
               extra: dict[str, str] | None = None) -> Sample:
        """Scrub ``text`` (and ``command``) into a :class:`Sample`."""
        cmd = command
        for real, fake in self._paths:
            cmd = cmd.replace(real, fake)
        return Sample(cmd, self.scrub(text, item_key, extra))

    # -- files -----------------------------------------------------------------------------
    def write(self, rel: str, content: str, *, mode: int | None = None, base: Path | None = None) -> Path:
        """Write a file under the task dir (or ``base``), creating parents."""
        p = (base or self.dir) / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(content)
        if mode is not None:
            p.chmod(mode)
        return p


def set_tree_mtimes(root: Path, rng: random.Random, base: int = EPOCH) -> None:
    """Give every file and directory under ``root`` a seeded mtime, so ``ls -l`` repeats."""
    paths = sorted(root.rglob("*"), key=lambda p: str(p), reverse=True)
    for p in paths + [root]:
        t = base - rng.randint(0, 90 * 86400)
        os.utime(p, (t, t), follow_symlinks=False)


def words(text: str) -> int:
    """Whitespace-separated word count (the unit the corpus' size targets are stated in)."""
    return len(text.split())


# ---------------------------------------------------------------------------------------------
# real source text: the interpreter's own standard library (present wherever Python is)

#: Stdlib modules used as the "real source files" of the git and grep families.
STDLIB_MODULES = (
    "json/decoder.py", "json/encoder.py", "json/__init__.py", "http/cookies.py", "http/client.py",
    "logging/handlers.py", "logging/config.py", "urllib/parse.py", "urllib/robotparser.py", "email/utils.py",
    "email/headerregistry.py", "textwrap.py", "shlex.py", "csv.py", "fractions.py", "heapq.py", "bisect.py",
    "difflib.py", "fnmatch.py", "glob.py", "gzip.py", "tempfile.py", "string.py", "calendar.py",
    "configparser.py", "contextlib.py", "dataclasses.py", "enum.py", "functools.py", "getopt.py", "gettext.py",
    "hmac.py", "ipaddress.py", "mimetypes.py", "netrc.py", "numbers.py", "pprint.py", "queue.py", "sched.py",
    "secrets.py", "selectors.py", "statistics.py", "timeit.py", "tokenize.py", "uuid.py", "zipapp.py",
    "wave.py", "colorsys.py", "base64.py", "cmd.py", "copy.py", "filecmp.py", "graphlib.py", "keyword.py",
    "linecache.py", "locale.py", "opcode.py", "reprlib.py", "runpy.py", "shutil.py", "socketserver.py",
    "stringprep.py", "tabnanny.py", "trace.py", "weakref.py", "zipimport.py",
    "concurrent/futures/_base.py", "concurrent/futures/thread.py", "xml/etree/ElementPath.py",
    "importlib/metadata/__init__.py", "unittest/case.py", "unittest/mock.py", "asyncio/queues.py",
    "asyncio/locks.py", "asyncio/tasks.py", "wsgiref/handlers.py", "html/parser.py", "zoneinfo/_zoneinfo.py",
    "collections/__init__.py", "tomllib/_parser.py", "sqlite3/dbapi2.py", "xmlrpc/client.py",
)

#: Stdlib packages used as whole "projects" by the grep and tree families.
STDLIB_PACKAGES = ("json", "email", "http", "logging", "concurrent", "xml", "importlib", "unittest", "urllib",
                   "sqlite3", "tomllib", "wsgiref", "html", "zoneinfo", "re", "collections", "asyncio",
                   "multiprocessing", "ctypes", "dbm", "curses", "venv", "ensurepip", "xmlrpc")


def stdlib_dir() -> Path:
    """The standard library folder of the running interpreter."""
    return Path(sysconfig.get_paths()["stdlib"])


def tpl_id(path: str) -> str:
    """A template id from a stdlib path: ``json/decoder.py`` -> ``json-decoder``."""
    return path[:-3].replace("/__init__", "").replace("/", "-").replace("_", "").lower()
