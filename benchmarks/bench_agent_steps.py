"""Real agent steps: does the compressed tool output still hold what the agent's next step used?

Data (evaluation only: never committed, never used to train, tune or calibrate anything).
Public coding-agent trajectories nobody here wrote: mini-SWE-agent runs of DeepSeek models on
SWE-bench instances, published in the pull request https://github.com/SWE-agent/mini-swe-agent/pull/816
(``refs/pull/816/head``, commit ``e5e0fbca1c60561bde25fa473b78717aa4b3f9ec``, folders ``output/*/`` and
``tests/test_data/``; repository licence MIT). ``--extract`` reads them from a directory of trajectory
files or from a bare git directory (e.g. a mirror of the repository) and writes ``steps.jsonl``
outside the repository::

    .venv/bin/python benchmarks/bench_agent_steps.py --extract /path/to/mini-swe-agent.git \
        [--rev e5e0fbca1c60561bde25fa473b78717aa4b3f9ec]        # -> /tmp/agent_steps/steps.jsonl
    .venv/bin/python benchmarks/bench_agent_steps.py [--steps FILE] [--limit N] [--out FILE.json]

Formats read: mini-SWE-agent ``*.traj.json`` (tool calls, ``trajectory_format`` mini-swe-agent-1.x:
an assistant message with ``tool_calls``, then one ``tool`` message per call) and SWE-agent ``*.traj``
(a ``trajectory`` list of ``thought`` / ``action`` / ``observation``). The extraction is deterministic:
files in path order, exact-duplicate outputs kept once (the first), steps then ordered by the CRC32 of
their id, so ``--limit N`` takes a fixed mixed sample.

A step is one tool call: ``thought`` (the agent's text before it: reasoning and message content),
``action`` (the command; ``other_actions``: the other calls of the same message), ``task``,
``output`` (what the tool returned, inside mini-SWE-agent's ``<output>`` wrapper; outputs the harness
already truncated are skipped), ``next`` (the agent's next message: its text and every command it
issued), ``used`` and ``tool`` (below). Kept when the output has at least ``--min-lines`` (20) lines
and at least one used string.

Used strings (what the next step took from the output). Candidates from ``next``:

* maximal runs of ``[\\w./:-]`` (a leading ``./`` and trailing ``.:/-`` removed) that are a number of
  3+ digits, or have 4+ characters and look like an identifier, path or location: they contain one of
  ``_ . / : -`` or a digit, or an upper-case letter after the first character (``validators.py``,
  ``tests/test_x.py:42``, ``_check_ordering``, ``UnicodeUsernameValidator``); plain words (``regex``,
  ``the``) and :data:`STOP` are not candidates;
* spans quoted in ``next`` with backticks, single or double quotes (4-200 characters, one line; the
  opening quote not preceded and the closing one not followed by a word character, so ``I'll`` and
  ``file's`` open nothing), e.g. ``r'^[\\w.@+-]+$'`` or ``"def _check_ordering"``.

A candidate is *used* when it occurs in ``output`` (not preceded or followed by a word character when
it starts or ends with one) and occurs nowhere in the step's context: the task (the run's first user
message), every earlier message of the agent (thoughts and commands: strings the agent wrote itself,
e.g. in a test script it wrote and ran, did not come from the output), this step's thought and every
command of this message. Earlier tool outputs are not context (seeing a string again still counts).
Used strings contained in a longer used string are dropped. It *survives* a compression when it
occurs the same way in the compressed text's non-marker lines. The extraction stores each step's
used strings (``used``) and not the earlier messages.

Used lines: output lines whose stripped text has 10+ characters and appears verbatim in ``next``
(e.g. the old text of an edit); one survives when its stripped text is in the compressed text.

Systems, each keeping whole lines and rendering every run of dropped lines as one marker line:

* ``kompress query``: ``Compressor.load().compress(output, query=Q)`` with ``Q`` = the thought's last
  400 characters, then the action (the query model reads the query's first ~48 tokens). When the
  model folder has no query companion, the library ignores the query: the row then equals
  ``kompress default`` (reported as ``query_companion: false``).
* ``kompress default``: ``compress(output)``.
* ``kompress deployed``: what the Claude Code hook passes on with its default settings, by its
  own code (``claude_code.handle`` on a Bash ``PostToolUse`` event, note line left out): the
  output unchanged when the command prints files the agent may edit (``kompress.tool_calls``:
  ``cat``, ``sed -n``, ``grep -r``, ``git diff`` ...), when it is under the hook's size floor
  (2,000 characters; the proxy's is 500 tokens) or when compressing would save under 10% of its
  tokens; else ``kompress default``. The group ``compressed when deployed`` holds the steps the
  hook compresses, where it is ``kompress default``.
* at the same word budget as ``kompress query`` on that step (whitespace words of its non-marker
  lines): ``last-N lines`` (the longest suffix within the budget), ``bm25`` (lines ranked by
  ``rank_bm25.BM25Okapi`` for ``Q``, lowercase ``\\w+`` tokens, then kept in order while they fit),
  ``random lines`` (seeded per step);
* ``last-N lines`` and ``random lines`` again at the budget of ``kompress default``;
* ``rule teacher``: the domain-rule teacher (``kompress.data.teachers.rules``), its own budget;
* ``last 30 lines`` at its own budget;
* two ceilings, not systems: ``guard lines alone`` (the lines the guard keeps whole whatever the
  scores, and the last line: what the safety costs) and ``oracle: used lines + guard`` (those plus
  the shortest line holding each used string: the fewest whole lines that keep everything the next
  step used, with the guard).

Metrics per system (all steps and per tool type, classified from the action by :func:`tool_type`:
pytest, grep, git, find/ls, cat/file view, python traceback, other): share of steps where every used string survives,
mean share of used strings surviving, used-line survival (steps with used lines), word keep (kept
whitespace words / words), line fidelity (share of non-empty, non-marker output lines that are whole
input lines). Writes ``benchmarks/agent_steps_results.json`` (numbers only, no trajectory text) and
prints Markdown tables.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import platform
import re
import subprocess
import sys
import time
import zlib
from collections import defaultdict
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

from kompress.data.cases import occurs, split_lines

HERE = Path(__file__).resolve().parent
OUT = HERE / "agent_steps_results.json"
STEPS = Path("/tmp/agent_steps/steps.jsonl")
SOURCE = {
    "repo": "SWE-agent/mini-swe-agent",
    "ref": "refs/pull/816/head",
    "commit": "e5e0fbca1c60561bde25fa473b78717aa4b3f9ec",
    "paths": ["output/*/*/*.traj.json", "tests/test_data/*.traj.json"],
    "licence": "MIT (repository LICENSE.md)",
}
MIN_LINES = 20
TOOLS = ("pytest", "grep", "git", "find/ls", "cat/file view", "python traceback", "other")
SYSTEMS = ("kompress query", "kompress default", "kompress deployed", "kompress deployed, query", "rule teacher", "last-N lines", "bm25", "random lines",
           "last-N lines (default's budget)", "random lines (default's budget)", "last 30 lines",
           "guard lines alone", "oracle: used lines + guard")
METRICS = ("all_used", "used_share", "used_lines", "word_keep", "fidelity")

# ---------------------------------------------------------------------------- used strings

#: Words never counted as used strings (compared lower-case, after stripping).
STOP = frozenset((
    "self", "return", "import", "def", "the", "none", "true", "false", "null", "class", "print", "from",
    "with", "this", "that", "pass", "else", "elif", "assert", "raise", "lambda", "yield", "while", "break",
    "continue", "except", "finally", "global", "async", "await", "testbed", "/testbed", "python", "python3",
    "bash", "echo", "cls", "args", "kwargs", "init", "__init__", "main", "test", "tests", "error", "errors",
    "file", "files", "line", "lines", "__main__", "__name__",
))
_RUN = re.compile(r"[\w./:-]+")
_QUOTED = re.compile(r"(?<!\w)(`[^`\n]{4,200}`|'[^'\n]{4,200}'|\"[^\"\n]{4,200}\")(?!\w)")
_UPPER_INSIDE = re.compile(r".[A-Z]")


def _strip(tok: str) -> str:
    while tok.startswith("./"):
        tok = tok[2:]
    return tok.rstrip(".:/-")


def _identifier_like(tok: str) -> bool:
    if tok.isdigit():
        return len(tok) >= 3
    if len(tok) < 4 or tok.lower() in STOP:
        return False
    return any(c in "_./:-" or c.isdigit() for c in tok) or bool(_UPPER_INSIDE.search(tok))


def candidates(next_text: str) -> list[str]:
    """Candidate used strings of ``next_text`` (identifier-like runs, quoted spans), in order, unique."""
    out = [t for t in (_strip(m.group()) for m in _RUN.finditer(next_text)) if _identifier_like(t)]
    for m in _QUOTED.finditer(next_text):
        span = m.group()[1:-1]
        if span.strip() and span.strip().lower() not in STOP:
            out.append(span)
    return list(dict.fromkeys(out))


def used_strings(output: str, next_text: str, context: str) -> list[str]:
    """Strings of ``next_text`` that come from ``output`` (see the module docstring)."""
    used = [c for c in candidates(next_text) if c not in context and occurs(c, output)]
    return [u for u in used if not any(u != v and u in v for v in used)]


def used_lines(output: str, next_text: str) -> list[str]:
    """Stripped output lines (10+ characters) that appear verbatim in ``next_text``, unique."""
    return list(dict.fromkeys(s for s in (ln.strip() for ln in output.split("\n")) if len(s) >= 10 and s in next_text))


# ---------------------------------------------------------------------------- tool types

_RUNNER = re.compile(r"\b(pytest|py\.test|runtests\.py|unittest|tox|nosetests)\b|manage\.py test|-m django test")
_HEREDOC = re.compile(r"<<-?\s*(['\"]?)(\w+)\1[^\n]*\n.*?\n\s*\2[ \t]*(?=\n|$)", re.DOTALL)
_SKIP = re.compile(r"^\s*(cd|export|source|mkdir|touch|rm|cp|mv|chmod|sleep|true)\b|^\s*[A-Z_][A-Z0-9_]*=\S*\s*$"
                   r"|^\s*(cat|echo|printf|tee)\b[^<]*>")
_VIEW = {"cat", "head", "tail", "sed", "nl", "awk", "less", "more", "view", "open", "xxd", "wc"}


def tool_type(action: str, output: str) -> str:
    """Tool type of a step from its command: heredoc bodies removed, the first segment (split at
    ``&& || ; |`` and newlines) that is not ``cd``/``export``/``VAR=``/a file write or the like."""
    cmd = _HEREDOC.sub("", action)
    if _RUNNER.search(cmd):
        return "pytest"
    prog = ""
    for seg in re.split(r"&&|\|\||;|\||\n", cmd):
        if seg.strip() and not _SKIP.match(seg):
            words = [w for w in seg.split() if not re.match(r"^[A-Z_][A-Z0-9_]*=", w)]
            prog = os.path.basename(words[0]) if words else ""
            break
    if prog in ("grep", "egrep", "fgrep", "rg", "ag", "ack"):
        return "grep"
    if prog == "git":
        return "git"
    if prog in ("find", "ls", "tree", "fd"):
        return "find/ls"
    if prog in _VIEW:
        return "cat/file view"
    if "Traceback (most recent call last)" in output:
        return "python traceback"
    return "other"


# ---------------------------------------------------------------------------- extraction

_FENCE = re.compile(r"```(?:bash|sh|mswea_bash_command)\n(.*?)```", re.DOTALL)
_OUTPUT = re.compile(r"<output>\n?(.*?)\n?</output>\s*$", re.DOTALL)


def tool_output(content: Any) -> str | None:
    """The raw tool output inside mini-SWE-agent's observation wrapper; ``None`` when the harness
    truncated it (``<output_head>``/``<output_tail>``) or it is not text."""
    if isinstance(content, list):
        content = "".join(p.get("text", "") for p in content if isinstance(p, dict))
    if not isinstance(content, str) or "<output_head>" in content:
        return None
    m = _OUTPUT.search(content)
    return m.group(1) if m else content


def _text(content: Any) -> str:
    if isinstance(content, list):
        return "".join(p.get("text", "") for p in content if isinstance(p, dict))
    return content if isinstance(content, str) else ""


def _commands(msg: dict) -> list[tuple[str, str | None]]:
    """(command, tool_call_id) of every action of an assistant message."""
    acts = (msg.get("extra") or {}).get("actions")
    if acts:
        return [(a.get("command", ""), a.get("tool_call_id")) for a in acts if isinstance(a, dict)]
    out = []
    for tc in msg.get("tool_calls") or []:
        args = (tc.get("function") or {}).get("arguments", "")
        try:
            cmd = json.loads(args).get("command", args) if isinstance(args, str) else args.get("command", "")
        except (ValueError, AttributeError):
            cmd = args
        out.append((str(cmd), tc.get("id")))
    return out


def _thought(msg: dict) -> str:
    return "\n".join(t for t in (_text(msg.get("reasoning_content")), _text(msg.get("content"))) if t.strip()).strip()


def steps_from_traj(obj: dict, source: str) -> Iterator[dict]:
    """Raw steps (no filtering) of one trajectory, mini-SWE-agent or SWE-agent format."""
    msgs = obj if isinstance(obj, list) else obj.get("messages")
    if isinstance(msgs, list) and any(isinstance(m, dict) and m.get("tool_calls") for m in msgs):
        task = next((_text(m.get("content")) for m in msgs if m.get("role") == "user"), "")
        turns: list[tuple[dict, dict[str, str]]] = []  # assistant message, its tool outputs by call id
        for m in msgs:
            if m.get("role") == "assistant":
                turns.append((m, {}))
            elif m.get("role") == "tool" and turns:
                turns[-1][1][m.get("tool_call_id") or str(len(turns[-1][1]))] = m.get("content")
        said = ["\n".join([_thought(m)] + [c for c, _ in _commands(m)]) for m, _ in turns]
        for i, (msg, outs) in enumerate(turns[:-1]):
            cmds = _commands(msg)
            for j, (cmd, cid) in enumerate(cmds):
                content = outs.get(cid) if cid in outs else (list(outs.values())[j] if j < len(outs) else None)
                yield {"id": f"{source}#{i}.{j}", "thought": _thought(msg), "action": cmd,
                       "other_actions": [c for k, (c, _) in enumerate(cmds) if k != j], "task": task,
                       "earlier": "\n".join(said[:i]), "output": tool_output(content), "next": said[i + 1]}
        return
    if isinstance(msgs, list):  # text format: one fenced bash block per assistant message, output as next user message
        msgs = [m for m in msgs if isinstance(m, dict)]
        task = next((_text(m.get("content")) for m in msgs if m.get("role") == "user"), "")
        turns = [(i, _FENCE.search(_text(m.get("content")))) for i, m in enumerate(msgs) if m.get("role") == "assistant"]
        said = [_text(msgs[i].get("content")) for i, _ in turns]
        for n, ((i, fm), (k, _)) in enumerate(itertools.pairwise(turns)):
            obs = next((m for m in msgs[i + 1:k] if m.get("role") in ("user", "tool")), None)
            if fm is None or obs is None:
                continue
            content = _text(msgs[i].get("content"))
            next_text = _text(msgs[k].get("content"))
            yield {"id": f"{source}#{i}.0", "thought": content[:fm.start()].strip(), "action": fm.group(1).strip(),
                   "other_actions": [], "task": task, "earlier": "\n".join(said[:n]),
                   "output": tool_output(obs.get("content")), "next": next_text}
        return
    traj = obj.get("trajectory")
    if isinstance(traj, list):
        hist = obj.get("history") or []
        task = next((_text(m.get("content")) for m in hist if m.get("role") == "user"), "")
        said = ["\n".join((_text(st.get("thought")), _text(st.get("action")))) for st in traj]
        for i, st in enumerate(traj[:-1]):
            yield {"id": f"{source}#{i}.0", "thought": _text(st.get("thought")), "action": _text(st.get("action")),
                   "other_actions": [], "task": task, "earlier": "\n".join(said[:i]),
                   "output": _text(st.get("observation")), "next": said[i + 1]}


def context_of(step: dict) -> str:
    """Where a string of ``next`` may have come from other than the output: the task, the agent's
    earlier messages (thoughts and commands), this thought and every command of this message."""
    return "\n".join([step.get("task", ""), step.get("earlier", ""), step["thought"], step["action"],
                      *step.get("other_actions", [])])


def step_used(step: dict) -> list[str]:
    """The step's used strings: stored by the extraction (which saw the earlier messages), else computed."""
    if "used" in step:
        return list(step["used"])
    return used_strings(step["output"], step["next"], context_of(step))


def _git_dir(src: str) -> Path | None:
    p = Path(src)
    if (p / "objects").is_dir() and (p / "HEAD").is_file():
        return p
    return p / ".git" if (p / ".git" / "objects").is_dir() else None


def resolve_rev(src: str, rev: str | None = None) -> str | None:
    """The commit read from a git directory: ``rev``, else the pinned one when present, else HEAD
    (``None`` for a plain directory)."""
    git_dir = _git_dir(src)
    if git_dir is None:
        return None
    want = rev or SOURCE["commit"]
    res = subprocess.run(["git", f"--git-dir={git_dir}", "rev-parse", "--verify", "-q", want + "^{commit}"],
                         check=False, capture_output=True, text=True)
    if res.returncode == 0:
        return res.stdout.strip()
    if rev:
        raise SystemExit(f"{rev} is not a commit of {git_dir}")
    print(f"pinned commit {SOURCE['commit']} not in {git_dir}; reading HEAD", file=sys.stderr)
    return resolve_rev(src, "HEAD")


def is_traj(name: str) -> bool:
    return name.endswith((".traj.json", ".traj"))


def iter_traj_files(src: str, rev: str | None = None) -> Iterator[tuple[str, bytes]]:
    """(path, bytes) of every ``*.traj.json`` / ``*.traj`` file of a directory, or of a git directory
    at :func:`resolve_rev`, in path order."""
    p = Path(src)
    git_dir = _git_dir(src)
    if git_dir is None:
        for f in sorted(x for x in p.rglob("*") if x.is_file() and is_traj(x.name)):
            yield f.relative_to(p).as_posix(), f.read_bytes()
        return
    git = ["git", f"--git-dir={git_dir}"]
    rev = resolve_rev(src, rev)
    tree = subprocess.run(git + ["ls-tree", "-r", str(rev)], capture_output=True, text=True, check=True).stdout
    entries = sorted((path, sha) for meta, path in (ln.split("\t", 1) for ln in tree.splitlines())
                     for _mode, kind, sha in [meta.split()] if kind == "blob" and is_traj(path))
    proc = subprocess.Popen(git + ["cat-file", "--batch"], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    assert proc.stdin and proc.stdout
    try:
        for path, sha in entries:
            proc.stdin.write(sha.encode() + b"\n")
            proc.stdin.flush()
            head = proc.stdout.readline().split()
            if len(head) < 3 or head[1] == b"missing":
                print(f"skipped {path}: blob missing from the snapshot", file=sys.stderr)
                continue
            data = proc.stdout.read(int(head[2]))
            proc.stdout.read(1)
            yield path, data
    finally:
        proc.stdin.close()
        proc.wait()


def extract(src: str, out: Path = STEPS, rev: str | None = None, min_lines: int = MIN_LINES) -> dict[str, int]:
    """Write the qualifying steps of ``src`` to ``out`` (JSON lines); returns counts."""
    counts: dict[str, int] = defaultdict(int)
    seen: set[int] = set()
    steps = []
    for path, data in iter_traj_files(src, rev):
        try:
            obj = json.loads(data)
        except ValueError:
            counts["unreadable_files"] += 1
            continue
        counts["files"] += 1
        for st in steps_from_traj(obj, path):
            counts["tool_calls"] += 1
            if st["output"] is None:
                counts["truncated_or_missing_output"] += 1
                continue
            if st["output"].count("\n") + 1 < min_lines:
                continue
            counts["long_outputs"] += 1
            h = zlib.crc32(st["output"].encode()) ^ (len(st["output"]) << 32)
            if h in seen:
                counts["duplicate_outputs"] += 1
                continue
            seen.add(h)
            used = used_strings(st["output"], st["next"], context_of(st))
            if not used:
                continue
            # The earlier messages are only needed for the used strings: stored instead of them.
            del st["earlier"]
            st["used"] = used
            st["tool"] = tool_type(st["action"], st["output"])
            steps.append(st)
    steps.sort(key=lambda s: (zlib.crc32(s["id"].encode()), s["id"]))
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out, "w") as f:
        for st in steps:
            f.write(json.dumps(st) + "\n")
    counts["steps"] = len(steps)
    (out.parent / "extract_counts.json").write_text(json.dumps({"rev": resolve_rev(src, rev), **counts}, indent=2) + "\n")
    return dict(counts)


# ---------------------------------------------------------------------------- systems and metrics

def query_of(step: dict) -> str:
    return (step["thought"][-400:] + " " + step["action"][:4000]).strip()


def last_n_keep(line_words: np.ndarray, budget: int) -> np.ndarray:
    """The longest suffix of lines within ``budget`` words (nothing at budget 0)."""
    keep = np.zeros(len(line_words), dtype=bool)
    used = 0
    for i in range(len(line_words) - 1, -1, -1):
        if used + line_words[i] > budget:
            break
        keep[i] = True
        used += int(line_words[i])
    return keep


def baseline_keeps(lines: list[str], query: str, budget: int, seed_key: str) -> dict[str, np.ndarray]:
    """Kept lines of the budget-matched baselines (``last-N lines``, ``bm25``, ``random lines``)
    and of ``last 30 lines`` (its own budget)."""
    from rank_bm25 import BM25Okapi

    from kompress.evaluation.query_eval import fill

    n = len(lines)
    lw = np.array([len(ln.split()) for ln in lines], dtype=np.int64)
    pos = np.arange(n)
    out = {"last-N lines": last_n_keep(lw, budget)}
    if budget <= 0:
        out["bm25"] = out["random lines"] = np.zeros(n, dtype=bool)
    else:
        toks = [[w.lower() for w in re.findall(r"\w+", ln)] or ["\u2205"] for ln in lines]
        q = [w.lower() for w in re.findall(r"\w+", query)]
        scores = BM25Okapi(toks).get_scores(q) if q else np.zeros(n)
        out["bm25"] = fill(np.lexsort((pos, -scores)), lw, budget)
        rng = np.random.default_rng([0, zlib.crc32(seed_key.encode())])
        out["random lines"] = fill(rng.permutation(n), lw, budget)
    out["last 30 lines"] = pos >= n - 30
    return out


def guard_keep(output: str, lines: list[str]) -> np.ndarray:
    """The lines the guard keeps whole whatever the scores (``query_eval.guard_mask``: critical
    lines and the last line with words): what the safety costs on its own."""
    from kompress.evaluation.query_eval import guard_mask

    return guard_mask(output, np.array([bool(ln.strip()) for ln in lines], dtype=bool))


def oracle_keep(lines: list[str], used: list[str], guard: np.ndarray) -> np.ndarray:
    """``guard`` plus, for each used string no kept line holds yet, the shortest line holding it:
    the fewest whole lines that keep everything the next step used (a ceiling, not a system)."""
    keep = guard.copy()
    lw = [len(ln.split()) for ln in lines]
    for u in used:
        hits = [i for i, ln in enumerate(lines) if occurs(u, ln)]
        if hits and not keep[hits].any():
            keep[min(hits, key=lambda i: lw[i])] = True
    return keep


def render(lines: list[str], keep: np.ndarray) -> str:
    from kompress.evaluation.query_eval import render_lines

    return render_lines(lines, keep)


def content_lines(text: str) -> list[str]:
    """Lines of a system's output that are not markers."""
    from kompress.rendering.render import MARKER_RE

    return [ln for ln in text.split("\n") if not MARKER_RE.match(ln)]


def step_metrics(output: str, compressed: str, used: list[str], ulines: list[str]) -> dict[str, float | None]:
    """Metrics of one system on one step (see the module docstring)."""
    kept = content_lines(compressed)
    body = "\n".join(kept)
    surv = [occurs(u, body) for u in used]
    total = len(output.split()) or 1
    inputs = set(split_lines(output))
    nonempty = [ln for ln in kept if ln.strip()]
    return {
        "all_used": float(all(surv)) if surv else None,
        "used_share": float(np.mean(surv)) if surv else None,
        "used_lines": float(np.mean([u in body for u in ulines])) if ulines else None,
        "word_keep": sum(len(ln.split()) for ln in kept) / total,
        "fidelity": sum(ln in inputs for ln in nonempty) / len(nonempty) if nonempty else 1.0,
    }


def evaluate_step(step: dict, comp: Any, has_companion: bool, rule: Any = None) -> dict[str, dict[str, float | None]]:
    """Every system's metrics on one step (``comp``: a loaded :class:`kompress.Compressor`;
    ``rule``: the domain-rule teacher, its own budget, when given)."""
    output = step["output"]
    used = step_used(step)
    ulines = used_lines(output, step["next"])
    query = query_of(step)
    result = comp.compress(output)
    default = result.text
    deployed = deployed_text(step, result)
    # Without a companion the library drops the query: the same call, so the same text.
    q_result = comp.compress(output, query=query) if has_companion else result
    with_query = q_result.text
    res = {"kompress query": step_metrics(output, with_query, used, ulines),
           "kompress default": step_metrics(output, default, used, ulines),
           "kompress deployed": step_metrics(output, deployed, used, ulines),
           # the hook with --derive-query: its file rule, floor and minimum saving, the query's text
           "kompress deployed, query": step_metrics(output, deployed_text(step, q_result), used, ulines)}
    if rule is not None:
        res["rule teacher"] = step_metrics(output, rule.compress(output).text, used, ulines)
    lines = split_lines(output)
    guard = guard_keep(output, lines)
    res["guard lines alone"] = step_metrics(output, render(lines, guard), used, ulines)
    res["oracle: used lines + guard"] = step_metrics(output, render(lines, oracle_keep(lines, used, guard)), used, ulines)
    for suffix, matched in (("", with_query), (" (default's budget)", default)):
        budget = sum(len(ln.split()) for ln in content_lines(matched))
        for name, keep in baseline_keeps(lines, query, budget, step["id"]).items():
            if not suffix or name in ("last-N lines", "random lines"):
                res[name + suffix] = step_metrics(output, render(lines, keep), used, ulines)
    return res


def deployed_text(step: dict, result: Any) -> str:
    """The step's output as the Claude Code hook passes it on, ``result`` being the compressor's
    answer for it (the hook's own decision code; the original it stores goes to a scratch
    folder, its note line is left out)."""
    import tempfile

    from kompress.integrations.claude_code import HookConfig, handle

    event = {"hook_event_name": "PostToolUse", "tool_name": "Bash", "tool_input": {"command": step["action"]},
             "tool_response": {"stdout": step["output"], "stderr": "", "interrupted": False}}
    with tempfile.TemporaryDirectory() as tmp:
        answer = handle(event, lambda text, query: result.to_dict(), HookConfig(store_dir=Path(tmp)))
    if answer is None:
        return step["output"]
    return answer["hookSpecificOutput"]["updatedToolOutput"]["stdout"].split("\n", 1)[1]


COMPRESSED = "compressed when deployed"
NO_FILE = "reads no file"


def summarize(rows: list[tuple[str, str, dict[str, dict[str, float | None]]]],
              compressed: set[str] | None = None,
              no_file: set[str] | None = None) -> dict[str, dict[str, dict[str, float]]]:
    """Mean of every metric per system, over all steps, per tool type, over the steps in
    ``compressed`` (ids of steps the deployed policy compresses: group ``compressed when
    deployed``) and over those in ``no_file`` (ids of steps whose command prints no file:
    group ``reads no file``), from (tool, step id, metrics per system) rows (``n``: steps;
    ``n_used_lines``: steps with used lines)."""
    acc: dict[str, dict[str, dict[str, list[float]]]] = defaultdict(lambda: defaultdict(lambda: defaultdict(list)))
    for tool, sid, res in rows:
        groups = ("all", tool) + ((COMPRESSED,) if compressed is not None and sid in compressed else ()) \
            + ((NO_FILE,) if no_file is not None and sid in no_file else ())
        for system, m in res.items():
            for group in groups:
                for k, v in m.items():
                    if v is not None:
                        acc[system][group][k].append(v)
    out: dict[str, dict[str, dict[str, float]]] = {}
    for system, groups in acc.items():
        out[system] = {}
        for group, ms in groups.items():
            d = {k: round(float(np.mean(v)), 4) for k, v in ms.items()}
            d["n"] = len(ms["word_keep"])
            d["n_used_lines"] = len(ms.get("used_lines", []))
            out[system][group] = d
    return out


def table(summary: dict, group: str = "all") -> str:
    head = "| system | every used string kept | used strings kept | used lines kept | word keep | line fidelity |"
    lines = [head, "|---|---:|---:|---:|---:|---:|"]
    for s in SYSTEMS:
        m = summary.get(s, {}).get(group)
        if m:
            lines.append(f"| {s} | " + " | ".join(f"{m.get(k, float('nan')):.3f}" for k in METRICS) + " |")
    return "\n".join(lines)


def tool_table(summary: dict) -> str:
    systems = [s for s in SYSTEMS if s in summary]
    lines = ["| tool | n | " + " | ".join(f"{s}: every used kept / word keep" for s in systems) + " |",
             "|---|---:|" + "---:|" * len(systems)]
    for t in (*TOOLS, COMPRESSED):
        first = summary[systems[0]].get(t)
        if not first:
            continue
        cells = [f"{summary[s][t]['all_used']:.3f} / {summary[s][t]['word_keep']:.3f}" for s in systems]
        lines.append(f"| {t} | {first['n']} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def load_steps(path: Path, limit: int | None) -> list[dict]:
    """The first ``limit`` (all when None) JSON lines of ``path`` (bad lines named by file:line)."""
    from itertools import islice

    from kompress.data.schema import read_jsonl

    return [v for _, v in islice(read_jsonl(path), limit)]


def run(steps: Iterable[dict], comp: Any, progress: bool = True, rule: Any = None) -> tuple[list, dict[str, int]]:
    from tqdm import tqdm

    has_companion = comp.query_companion() is not None
    rows, skipped = [], defaultdict(int)
    steps = list(steps)
    for st in tqdm(steps, desc="steps", unit="step", disable=not progress):
        if not step_used(st):
            skipped["no_used_string"] += 1
            continue
        tool = st.get("tool") or tool_type(st["action"], st["output"])
        rows.append((tool, st["id"], evaluate_step(st, comp, has_companion, rule)))
    return rows, dict(skipped)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--extract", metavar="SRC", help="directory of trajectory files or a (bare) git directory; "
                    "writes --steps and exits")
    ap.add_argument("--rev", help="with --extract on a git directory: the commit to read (default: the pinned one)")
    ap.add_argument("--min-lines", type=int, default=MIN_LINES, help="with --extract: shortest output kept (20 lines)")
    ap.add_argument("--steps", default=str(STEPS), help=f"steps file (default {STEPS})")
    ap.add_argument("--limit", type=int, help="first N steps only")
    ap.add_argument("--model", default=None, help="model folder (default: the shipped one)")
    ap.add_argument("--out", default=str(OUT))
    args = ap.parse_args()

    if args.extract:
        counts = extract(args.extract, Path(args.steps), args.rev, args.min_lines)
        print(json.dumps(counts, indent=2))
        print(f"-> {args.steps}")
        return

    from kompress import Compressor

    comp = Compressor.load(args.model)
    has_companion = comp.query_companion() is not None
    steps = load_steps(Path(args.steps), args.limit)
    t0 = time.perf_counter()
    from kompress.evaluation.baselines import load_rule_compressor

    rule, why = load_rule_compressor(comp.tokenizer)
    if rule is None:
        print(why)
    rows, skipped = run(steps, comp, rule=rule)
    seconds = time.perf_counter() - t0
    # The hook compressed a step when what it passed on is the compressor's text, not the output.
    compressed = {sid for _, sid, res in rows if res["kompress deployed"] == res["kompress default"]
                  and res["kompress deployed"]["word_keep"] < 1.0}
    from kompress.tool_calls import is_eligible

    # The hook's file rule: a command that prints files (cat, sed -n, grep -r, git diff) passes whole.
    actions = {st["id"]: st["action"] for st in steps}
    no_file = {sid for _, sid, _ in rows if is_eligible("Bash", {"command": actions[sid]})}
    summary = summarize(rows, compressed, no_file)
    tools: dict[str, int] = defaultdict(int)
    runs: dict[str, int] = defaultdict(int)
    for t, sid, _ in rows:
        tools[t] += 1
        runs[sid.split("/")[1] if sid.startswith("output/") else sid.split("/")[0]] += 1
    counts_file = Path(args.steps).parent / "extract_counts.json"
    counted = {sid for _, sid, _ in rows}
    n_lines = [len(split_lines(st["output"])) for st in steps if st["id"] in counted]
    n_words = [len(st["output"].split()) for st in steps if st["id"] in counted]
    result = {
        "source": SOURCE,
        "steps": len(rows),
        "skipped": skipped,
        "limit": args.limit,
        "steps_by_tool": dict(sorted(tools.items())),
        "steps_by_run": dict(sorted(runs.items())),
        "extraction": json.loads(counts_file.read_text()) if counts_file.is_file() else None,
        "query_companion": has_companion,
        "model": os.path.relpath(comp.model_dir, HERE.parent) if comp.model_dir else None,
        "output_lines_percentiles": {str(q): float(np.percentile(n_lines, q)) for q in (10, 50, 90)} if n_lines else None,
        "output_words_mean": round(float(np.mean(n_words)), 1) if n_words else None,
        "backend": comp.backend_name,
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs",
        "seconds": round(seconds, 1),
        "summary": summary,
    }
    Path(args.out).write_text(json.dumps(result, indent=2) + "\n")
    print(f"{len(rows)} steps from {args.steps} ({seconds:.0f} s); query companion: {has_companion}"
          + ("" if has_companion else " (kompress query = kompress default: the query is ignored)") + "\n")
    print(table(summary))
    print()
    print(tool_table(summary))
    print(f"\n{NO_FILE} ({len(no_file)} steps: the hook's file rule does not pass them whole):\n")
    print(table(summary, NO_FILE))
    print(f"\n{COMPRESSED} ({len(compressed)} steps: the hook compresses them):\n")
    print(table(summary, COMPRESSED))
    print(f"\n-> {args.out}")


if __name__ == "__main__":
    main()
