"""Metric code of the real-agent-steps benchmark (benchmarks/bench_agent_steps.py) on a synthetic step."""

import json
import os
import sys
from types import SimpleNamespace

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "benchmarks"))

import bench_agent_steps as b

# A made-up grep over a made-up package: 24 lines, the hit the next step uses on line 17.
OUTPUT = "\n".join(
    [f"pkg/util/helpers.py:{10 + i}:    value_{i} = compute(item, depth={i})" for i in range(16)]
    + ["pkg/core/parser.py:412:    raise ParseError(f'bad token {tok!r}')",
       "pkg/core/parser.py:413:    return _flatten_tokens(stream)"]
    + [f"pkg/util/format.py:{i}: # the formatting of values" for i in range(6)]
)
STEP = {
    "id": "synthetic/run/a.traj.json#3.0",
    "task": "Fix the parser: bad tokens crash pkg.",
    "thought": "Let me find where the parser raises on a bad token.",
    "action": "grep -rn 'raise' pkg/",
    "other_actions": [],
    "output": OUTPUT,
    "next": "The error comes from `ParseError` at pkg/core/parser.py:412, and the return value of "
            "_flatten_tokens(stream) looks right. Let me open that file:\n"
            "sed -n '400,420p' pkg/core/parser.py",
}


def used():
    return b.used_strings(STEP["output"], STEP["next"], b.context_of(STEP))


def test_used_strings_come_from_the_output_only():
    u = used()
    assert "ParseError" in u  # backticked identifier
    assert "pkg/core/parser.py:412" in u  # file:line
    assert "_flatten_tokens(stream)" in u or "_flatten_tokens" in u
    assert "pkg/core/parser.py" not in u  # contained in the longer used string file:line
    assert "Let" not in u and "return" not in u and "value" not in u  # plain / stop words
    assert "400,420p" not in u and "420" not in u  # not in the output
    # In the thought or action already: not counted, even though the output has it.
    step = dict(STEP, thought=STEP["thought"] + " Maybe ParseError?")
    assert "ParseError" not in b.used_strings(step["output"], step["next"], b.context_of(step))
    # Written by the agent in an earlier message (e.g. a script it ran): not from the output either.
    step = dict(STEP, earlier="cat > t.py << 'EOF'\nfrom pkg.core import ParseError\nEOF")
    assert "ParseError" not in b.used_strings(step["output"], step["next"], b.context_of(step))
    assert b.step_used(dict(step, used=["x"])) == ["x"]  # stored by the extraction
    # Glued to a word character in the output: no occurrence.
    assert not b.occurs("arser", OUTPUT) and b.occurs("parser.py", OUTPUT)
    assert b.candidates("I'll read the file's `head` and the 'foo bar' now") == ["head", "foo bar"]


def test_used_lines_and_numbers():
    nxt = "old:\npkg/core/parser.py:413:    return _flatten_tokens(stream)\nsee 413 and 12"
    assert b.used_lines(OUTPUT, nxt) == ["pkg/core/parser.py:413:    return _flatten_tokens(stream)"]
    assert "413" in b.candidates(nxt) and "12" not in b.candidates(nxt)


def test_budget_matched_baselines():
    lines = b.split_lines(OUTPUT)
    lw = np.array([len(ln.split()) for ln in lines])
    budget = 20
    keeps = b.baseline_keeps(lines, "ParseError parser raise", budget, STEP["id"])
    for name in ("last-N lines", "bm25", "random lines"):
        assert lw[keeps[name]].sum() <= budget, name
    last = np.flatnonzero(keeps["last-N lines"])
    assert last[-1] == len(lines) - 1 and np.all(np.diff(last) == 1)  # a contiguous suffix
    assert not keeps["last-N lines"][0] and lw[last].sum() + lw[last[0] - 1] > budget  # the longest one
    assert keeps["bm25"][16]  # the line matching the query ranks first
    again = b.baseline_keeps(lines, "ParseError parser raise", budget, STEP["id"])
    assert np.array_equal(again["random lines"], keeps["random lines"])  # seeded per step
    assert keeps["last 30 lines"].all()  # 24 lines: all of them
    assert not b.baseline_keeps(lines, "x", 0, STEP["id"])["bm25"].any()


def test_step_metrics_on_rendered_lines():
    lines = b.split_lines(OUTPUT)
    keep = np.zeros(len(lines), dtype=bool)
    keep[16] = True
    text = b.render(lines, keep)
    assert text.splitlines()[0] == "[... 16 lines omitted ...]"
    m = b.step_metrics(OUTPUT, text, ["ParseError", "pkg/core/parser.py:412", "_flatten_tokens(stream)"],
                       [lines[17].strip()])
    assert m["all_used"] == 0.0 and abs(m["used_share"] - 2 / 3) < 1e-9 and m["used_lines"] == 0.0
    assert m["fidelity"] == 1.0 and abs(m["word_keep"] - len(lines[16].split()) / len(OUTPUT.split())) < 1e-9
    assert b.step_metrics(OUTPUT, OUTPUT, ["ParseError"], [])["all_used"] == 1.0
    cut = b.step_metrics(OUTPUT, lines[16][:30] + "\n" + lines[17], ["ParseError"], [])
    assert cut["fidelity"] == 0.5  # a cut line is not a whole input line


def test_evaluate_step_without_query_companion():
    class Fake:  # keeps the last 10 lines, ignores the query: no model needed
        def __init__(self):
            self.calls = []

        def query_companion(self):
            return None

        def compress(self, text, query=None):
            self.calls.append(query)
            lines = b.split_lines(text)
            out = b.render(lines, np.arange(len(lines)) >= len(lines) - 10)
            r = {"text": out, "tokens_in": len(text.split()), "tokens_out": len(out.split()), "keep_rate": 0.5, "domain": "grep"}
            return SimpleNamespace(text=out, to_dict=lambda: r)

    from kompress.evaluation.baselines import load_rule_compressor

    comp = Fake()
    rule, _ = load_rule_compressor()
    rows, skipped = b.run([STEP, dict(STEP, id="x#1.0", next="nothing here")], comp, progress=False, rule=rule)
    assert skipped == {"no_used_string": 1} and len(rows) == 1 and comp.calls == [None]
    tool, sid, res = rows[0]
    assert tool == "grep" and sid == STEP["id"] and set(res) == set(b.SYSTEMS)
    assert res["kompress query"] == res["kompress default"]
    # The same budget for both sets of budget-matched baselines when the query changes nothing.
    assert res["last-N lines (default's budget)"] == res["last-N lines"]
    assert res["rule teacher"]["fidelity"] == 1.0
    # the ceiling keeps every used string, with fewer words than any system that keeps them all
    assert res["oracle: used lines + guard"]["all_used"] == 1.0
    assert res["guard lines alone"]["word_keep"] <= res["oracle: used lines + guard"]["word_keep"] < 1.0
    kept = sum(len(ln.split()) for ln in b.split_lines(OUTPUT)[-10:]) / len(OUTPUT.split())
    assert abs(res["last-N lines"]["word_keep"] - kept) < 1e-9  # same budget, same suffix
    # `grep -rn` prints files: deployed, the hook and the proxy leave the output whole.
    assert res["kompress deployed"]["word_keep"] == 1.0 and res["kompress deployed"]["all_used"] == 1.0
    assert res["kompress deployed, query"]["word_keep"] == 1.0  # the file rule holds with a query too
    assert res["kompress default"]["word_keep"] < 1.0
    # A command that prints no file: the hook compresses it once it is over its size floor.
    rows2, _ = b.run([dict(STEP, id="x#2.0", action="python -m pytest -x pkg")], comp, progress=False, rule=rule)
    assert rows2[0][2]["kompress deployed"]["word_keep"] == 1.0  # 1,389 characters: under the floor
    long_output = "\n".join([f"pkg/util/more.py:{i}:    other_{i} = compute(item)" for i in range(60)] + [OUTPUT])
    rows3, _ = b.run([dict(STEP, id="x#3.0", action="python -m pytest -x pkg", output=long_output)], comp,
                     progress=False, rule=rule)
    assert rows3[0][2]["kompress deployed"] == rows3[0][2]["kompress default"]
    assert rows3[0][2]["kompress default"]["word_keep"] < 1.0
    s = b.summarize(rows + rows2 + rows3, {"x#3.0"}, {"x#2.0", "x#3.0"})
    assert s["kompress deployed"][b.COMPRESSED]["n"] == 1 and s["kompress deployed"]["all"]["n"] == 3
    assert s["kompress deployed"][b.NO_FILE]["n"] == 2
    s = b.summarize(rows)
    assert s["bm25"]["grep"]["n"] == 1 and "all" in s["bm25"]
    assert "| bm25 |" in b.table(s) and "| grep | 1 |" in b.tool_table(s)


def test_tool_types():
    assert b.tool_type("cd /testbed && python -m pytest tests/x.py -q", "") == "pytest"
    assert b.tool_type("cd /testbed && grep -rn foo . | head", "") == "grep"
    assert b.tool_type("git diff -- a.py", "") == "git"
    assert b.tool_type("find . -name '*.py' | head", "") == "find/ls"
    assert b.tool_type("sed -n '1,40p' a.py", "") == "cat/file view"
    assert b.tool_type("python repro.py", "Traceback (most recent call last):\n  x") == "python traceback"
    assert b.tool_type("python repro.py", "ok") == "other"
    # A script written with a heredoc, then run: classified by what runs, not by the write or its body.
    script = "cd /testbed && cat > t.py << 'EOF'\nimport unittest\nprint(open('a').read())\nEOF\npython t.py"
    assert b.tool_type(script, "Traceback (most recent call last):\n  x") == "python traceback"
    assert b.tool_type(script + " && grep -n x a.py", "ok") == "other"


def _traj():
    """A made-up mini-SWE-agent 1.1 trajectory: a message with two parallel calls, then two more
    messages (the last one's call has no next step, so it is not a step)."""
    call = lambda i, cmd: {"id": f"c{i}", "function": {"name": "bash", "arguments": json.dumps({"command": cmd})}}
    wrap = lambda out: f"<returncode>0</returncode>\n<output>\n{out}\n</output>"
    return {"trajectory_format": "mini-swe-agent-1.1", "messages": [
        {"role": "system", "content": "sys"},
        {"role": "user", "content": STEP["task"]},
        {"role": "assistant", "content": STEP["thought"],
         "tool_calls": [call(1, STEP["action"]), call(2, "ls pkg")]},
        {"role": "tool", "tool_call_id": "c1", "content": wrap(OUTPUT)},
        {"role": "tool", "tool_call_id": "c2", "content": wrap("core\nutil")},
        {"role": "assistant", "content": STEP["next"].split("\nsed")[0],
         "tool_calls": [call(3, "sed -n '400,420p' pkg/core/parser.py")]},
        {"role": "tool", "tool_call_id": "c3", "content": wrap("x")},
        {"role": "assistant", "content": "done", "tool_calls": [call(4, "echo done")]},
    ]}


def test_extract_from_a_directory(tmp_path):
    src = tmp_path / "runs"
    for name in ("a", "b"):  # the same run twice: its outputs are kept once
        (src / name).mkdir(parents=True)
        (src / name / f"{name}.traj.json").write_text(json.dumps(_traj()))
    out = tmp_path / "steps.jsonl"
    counts = b.extract(str(src), out)
    assert counts["files"] == 2 and counts["tool_calls"] == 6 and counts["duplicate_outputs"] == 1
    steps = [json.loads(ln) for ln in out.read_text().splitlines()]
    assert len(steps) == counts["steps"] == 1
    st = steps[0]
    assert st["output"] == OUTPUT and st["action"] == STEP["action"] and st["other_actions"] == ["ls pkg"]
    assert st["id"] == "a/a.traj.json#0.0" and st["tool"] == "grep" and "earlier" not in st
    assert st["next"].endswith("sed -n '400,420p' pkg/core/parser.py")
    assert set(st["used"]) == set(used()) == set(b.step_used(st))
    assert b.tool_output("<returncode>0</returncode>\n<output_head>\nx\n</output_head>") is None


def test_other_trajectory_formats():
    # mini-SWE-agent text format: a fenced bash block per assistant message, the output as a user message.
    text = [{"role": "user", "content": STEP["task"]},
            {"role": "assistant", "content": STEP["thought"] + "\n```bash\n" + STEP["action"] + "\n```"},
            {"role": "user", "content": f"<returncode>0</returncode>\n<output>\n{OUTPUT}\n</output>"},
            {"role": "assistant", "content": STEP["next"]}]
    (st,) = b.steps_from_traj({"messages": text}, "t.traj.json")
    assert (st["thought"], st["action"], st["output"], st["next"]) == (STEP["thought"], STEP["action"], OUTPUT, STEP["next"])
    # SWE-agent .traj: a trajectory of thought / action / observation.
    swe = {"history": [{"role": "user", "content": STEP["task"]}],
           "trajectory": [{"thought": STEP["thought"], "action": STEP["action"], "observation": OUTPUT},
                          {"thought": "The error comes from `ParseError`.", "action": "open pkg/core/parser.py 412",
                           "observation": "x"}]}
    (st,) = b.steps_from_traj(swe, "s.traj")
    assert st["output"] == OUTPUT and st["task"] == STEP["task"] and st["next"].endswith("parser.py 412")
    assert set(b.used_strings(st["output"], st["next"], b.context_of(st))) == {"ParseError", "pkg/core/parser.py", "412"}


def test_the_oracle_keeps_the_shortest_line_holding_each_used_string():
    lines = ["def parse_header(raw):", "    # parse_header splits the raw header into its fields here", "x = 1",
             "Traceback (most recent call last):", "ValueError: bad header"]
    guard = b.guard_keep("\n".join(lines) + "\n", lines)
    assert guard.tolist() == [False, False, False, True, True]  # the traceback head, the error (last) line
    keep = b.oracle_keep(lines, ["parse_header", "x = 1", "absent"], guard)
    assert keep.tolist() == [True, False, True, True, True]
