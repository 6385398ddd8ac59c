"""The Claude Code hook: settings merge, which outputs it touches, and the hook run as Claude Code runs it.

Fixtures in tests/fixtures/claude_code/ follow the documented PostToolUse input
(session_id, transcript_path, cwd, permission_mode, hook_event_name, tool_name,
tool_input, tool_response, tool_use_id), with Bash responses shaped as Claude Code sends
them ({stdout, stderr, interrupted, isImage}) and MCP responses as content blocks.
"""

from __future__ import annotations

import copy
import functools
import json
import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from kompress.cli import main
from kompress.integrations import claude_code as cc
from kompress.serving.server import create_app, serve_in_thread

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "claude_code"
RATE = 0.5


def load(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text())


@pytest.fixture(scope="module")
def compress(minilm_compressor):
    """In-process compression at RATE, memoised: the same fixture texts recur across tests."""
    return functools.lru_cache(maxsize=None)(
        lambda text, query=None: minilm_compressor.compress(text, rate=RATE, query=query).to_dict())


# ---------------------------------------------------------------- which outputs are touched
@pytest.mark.parametrize("command,reads", [
    ("cat src/app.py", True),
    ("cat -n src/app.py | head -50", True),
    ("head -n 40 x.py", True),
    ("tail -f log.txt", True),
    ("cat < a.py", True),
    ("git diff", True),
    ("git --no-pager diff HEAD~1 -- src", True),
    ("git show HEAD:src/a.py", True),
    ("cd repo && git diff --stat", True),
    ("git log -p -3", True),
    ("sed -n '1,80p' src/a.py", True),
    ("grep -rn TODO src", True),
    ("grep -n foo a.py", True),
    ("rg needle", True),
    ("find . -name '*.py' | xargs cat", True),
    ('echo "$(cat secret.py)"', True),
    ("pytest -x\ncat out.log", True),
    ("timeout 10 cat x.txt", True),
    ("jq . data.json", True),
    ("awk '{print $1}' access.log", True),
    ("diff a.txt b.txt", True),
    ("git log --oneline -20", False),
    ("git status", False),
    ("ls -la | grep foo", False),
    ("cargo build 2>&1 | rg error", False),
    ("python -m pytest -q 2>&1 | tail -50", False),
    ("npm test 2>&1 | tail -n 100", False),
    ("docker logs web | tail -200", False),
    ("ls -laR /usr/lib", False),
    ("make -j4", False),
    ("FOO=1 make test", False),
    ("curl -s api | jq .items", False),
    ("ps aux | awk '{print $2}'", False),
])
def test_reads_files(command, reads):
    assert cc.reads_files(command) is reads


def test_unparsable_command_counts_as_reading():
    assert cc.reads_files("cat 'unterminated") is True
    assert cc.reads_files("make 'unterminated") is False


@pytest.mark.parametrize("fixture,touched", [
    ("bash_pytest.json", True),
    ("bash_build.json", True),
    ("mcp_sentry_events.json", True),
    ("bash_cat_file.json", False),      # cat: file content the agent may edit
    ("bash_git_diff.json", False),      # git diff
    ("read_tool.json", False),          # Read
    ("grep_tool.json", False),          # Grep
    ("mcp_filesystem_read.json", False),  # an MCP file reader
    ("bash_image.json", False),         # isImage
    ("bash_small.json", False),         # under the size floor
])
def test_which_fixtures_are_compressed(fixture, touched, compress, tmp_path):
    out = cc.handle(load(fixture), compress, cc.HookConfig(store_dir=tmp_path))
    assert (out is not None) is touched
    if not touched:
        assert not any(tmp_path.rglob("*.txt"))  # nothing saved either


# ---------------------------------------------------------------- what the hook answers
def _check_field(value: str, original: str, expected_text: str, field: str) -> Path:
    note, _, body = value.partition("\n")
    assert note.startswith(f"[kompress] {field} compressed ") and "full original: " in note
    assert body == expected_text  # the compressor's output, byte for byte
    saved = Path(note.split("full original: ", 1)[1])
    assert saved.read_text() == original  # the full original is where the note says
    assert saved.stat().st_mode & 0o777 == 0o600
    return saved


def test_bash_output_replaced_in_its_own_shape(compress, tmp_path):
    event = load("bash_build.json")
    before = copy.deepcopy(event)
    out = cc.handle(event, compress, cc.HookConfig(store_dir=tmp_path))
    assert event == before  # the event is not modified
    spec = out["hookSpecificOutput"]
    assert spec["hookEventName"] == "PostToolUse" and "updatedMCPToolOutput" not in spec
    new, old = spec["updatedToolOutput"], event["tool_response"]
    assert set(new) == set(old) and new["interrupted"] is False and new["isImage"] is False
    saved = {_check_field(new[f], old[f], compress(old[f])["text"], f) for f in ("stdout", "stderr")}
    assert len(saved) == 2 and all(p.parent == tmp_path / event["session_id"] for p in saved)
    # What the agent needs survived: the error line and the failing make target.
    assert "error: 'struct order' has no member named 'totl'" in new["stdout"]
    assert len(new["stdout"]) < len(old["stdout"])


def test_mcp_content_blocks(compress, tmp_path):
    event = load("mcp_sentry_events.json")
    out = cc.handle(event, compress, cc.HookConfig(store_dir=tmp_path))["hookSpecificOutput"]
    new = out["updatedToolOutput"]
    assert out["updatedMCPToolOutput"] == new  # older Claude Code reads the MCP-only name
    assert isinstance(new, list) and len(new) == 1 and new[0]["type"] == "text"
    text = event["tool_response"][0]["text"]
    _check_field(new[0]["text"], text, compress(text)["text"], "output")


def test_plain_string_and_result_object_responses(compress, tmp_path):
    base = load("mcp_sentry_events.json")
    text = base["tool_response"][0]["text"]
    for response in (text, {"content": [{"type": "text", "text": text}], "isError": False}):
        out = cc.handle({**base, "tool_response": response}, compress, cc.HookConfig(store_dir=tmp_path))
        new = out["hookSpecificOutput"]["updatedToolOutput"]
        assert type(new) is type(response)
        if isinstance(new, dict):
            assert new["isError"] is False and new["content"][0]["text"].startswith("[kompress] output compressed")


def test_small_saving_or_errors_pass_through(compress, tmp_path):
    event = load("bash_pytest.json")
    r = compress(event["tool_response"]["stdout"])
    saving = 1 - r["tokens_out"] / r["tokens_in"]
    assert cc.handle(event, compress, cc.HookConfig(store_dir=tmp_path, min_saving=saving + 0.01)) is None
    assert cc.handle(event, compress, cc.HookConfig(store_dir=tmp_path, min_saving=saving - 0.01)) is not None

    def broken(text, query=None):
        raise RuntimeError("model exploded")

    with pytest.raises(RuntimeError):  # handle raises; main() turns that into a pass-through
        cc.handle(event, broken, cc.HookConfig(store_dir=tmp_path))
    assert cc.handle({**event, "hook_event_name": "PreToolUse"}, compress) is None


def _run_hook(args: list[str], stdin: str, env_extra: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", cc.HOOK_MODULE, *args], input=stdin, capture_output=True,
                          text=True, timeout=180, env={**os.environ, **(env_extra or {})})


def test_hook_process_via_server(minilm_compressor, minilm_dir, tmp_path, compress):
    """The hook as Claude Code runs it, talking to a running server."""
    event = load("bash_pytest.json")
    expected = cc.handle(event, compress, cc.HookConfig(store_dir=tmp_path / "direct"))
    with serve_in_thread(create_app(minilm_compressor)) as url:
        runs = [_run_hook(["--server", url, "--rate", str(RATE), "--store", str(tmp_path / "hook"), *flag],
                          json.dumps(event)) for flag in ([], ["--derive-query"])]
    for p in runs:
        assert p.returncode == 0, p.stderr
        got = json.loads(p.stdout)
        # Same compressed text as in-process (the query reaches the server, whose model has
        # no query companion); only the folder of the saved original differs.
        assert got == json.loads(json.dumps(expected).replace(str(tmp_path / "direct"), str(tmp_path / "hook")))


def test_hook_process_passes_through_on_errors(minilm_compressor, tmp_path):
    event = json.dumps(load("bash_pytest.json"))
    # A server that refuses the output (over its size limit): the original goes through.
    with serve_in_thread(create_app(minilm_compressor, max_bytes=1000, verify_batching=False)) as url:
        p = _run_hook(["--server", url, "--store", str(tmp_path)], event)
    assert p.returncode == 0 and p.stdout == "" and "request body too large" in p.stderr
    for args, stdin in [
        (["--server", "none"], "{not json"),       # not an event
        (["--server", "none", "--bogus"], event),  # bad arguments
    ]:
        p = _run_hook(args + ["--store", str(tmp_path)], stdin)
        assert p.returncode == 0 and p.stdout == ""
    assert not any(tmp_path.rglob("*.txt"))


# ---------------------------------------------------------------- the query
def _entry(kind: str, content, **extra) -> dict:
    return {"type": kind, "uuid": os.urandom(4).hex(), "sessionId": "8f0c2d8e",
            "message": {"role": kind, "content": content}, **extra}


def write_transcript(path: Path, entries: list[dict], filler: int = 0) -> Path:
    """A Claude Code session transcript (JSONL), ``filler`` bytes of old turns first."""
    lines = [json.dumps(_entry("user", "OLD REQUEST outside the tail"))]
    while sum(len(x) for x in lines) < filler:
        lines.append(json.dumps(_entry("user", [{"type": "tool_result", "tool_use_id": "toolu_old",
                                                 "content": "old output line\n" * 200}])))
    path.write_text("\n".join(lines + [json.dumps(e) for e in entries]) + "\n")
    return path


BUILD_TURN = [
    _entry("user", [{"type": "text", "text": "<system-reminder>The date is 2025-06-01.</system-reminder>"},
                    {"type": "text", "text": "The build broke after the struct rename; please fix it."}]),
    _entry("user", "<command-name>/model</command-name>", isMeta=True),
    _entry("assistant", [{"type": "thinking", "thinking": "hidden reasoning", "signature": "x"}]),
    _entry("assistant", [{"type": "text", "text": "Let me rebuild to see the compiler errors."}]),
    _entry("assistant", [{"type": "tool_use", "id": "toolu_01A9build000000000000002", "name": "Bash",
                          "input": {"command": "cmake -S . -B build && make -C build -j4",
                                    "description": "Build the project"}}]),
    _entry("user", "a subagent's prompt", isSidechain=True),
    _entry("assistant", [{"type": "text", "text": "a subagent's words"}], isSidechain=True),
]


def test_hook_query_from_call_and_transcript(tmp_path):
    event = {**load("bash_build.json"), "transcript_path": str(write_transcript(tmp_path / "t.jsonl", BUILD_TURN))}
    query = cc.hook_query(event)
    assert query.split("\n") == [
        "Let me rebuild to see the compiler errors.",
        "Bash description=Build the project command=cmake -S . -B build && make -C build -j4",
        "The build broke after the struct rename; please fix it.",
    ]
    # MCP tools: their whole input, compactly.
    mcp = {**load("mcp_sentry_events.json"), "transcript_path": event["transcript_path"]}
    assert cc.hook_query(mcp).split("\n")[1] == "mcp__sentry__list_events project=shop query=is:unresolved limit=12"


def test_hook_query_reads_only_the_tail_and_survives_bad_transcripts(tmp_path):
    long = write_transcript(tmp_path / "long.jsonl", BUILD_TURN, filler=3 * cc.TRANSCRIPT_TAIL_BYTES)
    assert long.stat().st_size > 3 * cc.TRANSCRIPT_TAIL_BYTES
    query = cc.hook_query({**load("bash_build.json"), "transcript_path": str(long)})
    assert "OLD REQUEST" not in query and query.endswith("please fix it.")
    # Without the turn in reach, the last user text in the tail is none: only what is there.
    only_old = write_transcript(tmp_path / "old.jsonl", [], filler=cc.TRANSCRIPT_TAIL_BYTES + 10)
    call = "Bash description=Build the project command=cmake -S . -B build && make -C build -j4"
    for path in (str(only_old), str(tmp_path / "missing.jsonl"), str(tmp_path), None, 42):
        assert cc.hook_query({**load("bash_build.json"), "transcript_path": path}) == call
    garbage = tmp_path / "garbage.jsonl"
    garbage.write_bytes(b"\xff\xfe{not json\n[1, 2]\n" + json.dumps(BUILD_TURN[3]).encode() + b"\n")
    assert cc.hook_query({**load("bash_build.json"), "transcript_path": str(garbage)}).startswith(
        "Let me rebuild to see the compiler errors.\nBash")


def test_hook_compresses_for_the_query_unless_told_not_to(compress, tmp_path):
    event = {**load("bash_build.json"), "transcript_path": str(write_transcript(tmp_path / "t.jsonl", BUILD_TURN))}
    seen: list = []

    def recording(text, query=None):  # the real compressor; the queries it was given are kept
        seen.append(query)
        return compress(text, query)

    out = cc.handle(event, recording, cc.HookConfig(store_dir=tmp_path / "on", query=True))
    assert out is not None and seen == [cc.hook_query(event)] * 2  # stdout and stderr
    seen.clear()
    assert cc.handle(event, recording, cc.HookConfig(store_dir=tmp_path / "off", query=False)) is not None
    assert seen == [None, None]


def test_derive_query_flag_from_install_to_hook(tmp_path):
    assert cc.hook_config(cc.hook_parser().parse_args([])).query is False  # opt-in (README, "Queries")
    path = tmp_path / "settings.json"
    assert main(["install", "claude-code", "--settings", str(path), "--no-mcp", "--derive-query"]) == 0
    (hook,) = _ours(json.loads(path.read_text()))
    argv = shlex.split(hook["command"])
    assert argv[1:3] == ["-m", cc.HOOK_MODULE] and "--derive-query" in argv
    assert cc.hook_config(cc.hook_parser().parse_args(argv[3:])).query is True
    assert cc.hook_config(cc.hook_parser().parse_args([*argv[3:], "--no-query"])).query is False
    assert "--derive-query" not in cc.hook_command()


# ---------------------------------------------------------------- settings: install/uninstall
USER_SETTINGS = {
    "permissions": {"allow": ["Bash(npm run test:*)"], "deny": ["Read(./.env)"]},
    "env": {"FOO": "bar"},
    "hooks": {
        "PreToolUse": [{"matcher": "Bash", "hooks": [{"type": "command", "command": "~/bin/audit-bash.sh"}]}],
        "PostToolUse": [
            {"matcher": "Write|Edit", "hooks": [{"type": "command", "command": "npx prettier --write \"$FILE\""}]},
            {"matcher": "Bash", "hooks": [{"type": "command", "command": "~/bin/log-bash.sh", "timeout": 5}]},
        ],
    },
}


def _ours(settings: dict) -> list[dict]:
    groups = settings.get("hooks", {}).get("PostToolUse", [])
    return [h for g in groups for h in g["hooks"] if cc.HOOK_MODULE in h["command"]]


def test_install_merges_backs_up_and_is_idempotent(tmp_path, capsys):
    path = tmp_path / "settings.json"
    original = json.dumps(USER_SETTINGS, indent=4) + "\n"
    path.write_text(original)
    assert main(["install", "claude-code", "--settings", str(path), "--server", "http://127.0.0.1:9999"]) == 0
    data = json.loads(path.read_text())
    backups = list(tmp_path.glob("settings.json.kompress-backup-*"))
    assert len(backups) == 1 and backups[0].read_text() == original  # byte-identical backup
    # Everything that was there is still there, in order; ours is one new group.
    assert data["permissions"] == USER_SETTINGS["permissions"] and data["env"] == USER_SETTINGS["env"]
    assert data["hooks"]["PreToolUse"] == USER_SETTINGS["hooks"]["PreToolUse"]
    assert data["hooks"]["PostToolUse"][:2] == USER_SETTINGS["hooks"]["PostToolUse"]
    assert data["hooks"]["PostToolUse"][2]["matcher"] == cc.DEFAULT_MATCHER
    (hook,) = _ours(data)
    assert hook["type"] == "command" and hook["command"].startswith(sys.executable)
    assert "--server http://127.0.0.1:9999" in hook["command"]

    # Again: nothing changes, no new backup.
    capsys.readouterr()
    assert main(["install", "claude-code", "--settings", str(path), "--server", "http://127.0.0.1:9999"]) == 0
    assert "nothing changed" in capsys.readouterr().out
    assert json.loads(path.read_text()) == data and len(list(tmp_path.glob("settings.json.kompress-backup-*"))) == 1

    # Different options: our entry is updated in place, never duplicated.
    assert main(["install", "claude-code", "--settings", str(path), "--min-chars", "500"]) == 0
    data2 = json.loads(path.read_text())
    (hook2,) = _ours(data2)
    assert "--min-chars 500" in hook2["command"] and len(data2["hooks"]["PostToolUse"]) == 3

    # Uninstall: the user's settings exactly as they were.
    assert main(["uninstall", "claude-code", "--settings", str(path)]) == 0
    assert json.loads(path.read_text()) == USER_SETTINGS
    capsys.readouterr()
    assert main(["uninstall", "claude-code", "--settings", str(path)]) == 0
    assert "nothing changed" in capsys.readouterr().out


def test_install_creates_settings_in_claude_config_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("CLAUDE_CONFIG_DIR", str(tmp_path / "claude"))
    assert main(["install", "claude-code"]) == 0
    path = tmp_path / "claude" / "settings.json"
    data = json.loads(path.read_text())
    assert list(data) == ["hooks"] and len(_ours(data)) == 1
    assert not list(path.parent.glob("*.kompress-backup-*"))  # nothing to back up
    assert main(["uninstall", "claude-code"]) == 0
    # Install created the files: uninstall removes them, and leaves no backups behind.
    assert not path.exists() and not (tmp_path / "claude" / ".claude.json").exists()
    assert not list(path.parent.glob("*kompress-backup*"))


def test_uninstall_restores_the_exact_bytes_and_registers_mcp(tmp_path):
    path = tmp_path / ".claude" / "settings.json"
    path.parent.mkdir()
    original = '{\n    "env": {"FOO": "bar"},   "model": "opus"\n}\n'  # odd formatting on purpose
    path.write_text(original)
    mcp_file = tmp_path / ".mcp.json"  # a project's settings: project-scope MCP servers
    assert main(["install", "claude-code", "--settings", str(path)]) == 0
    servers = json.loads(mcp_file.read_text())["mcpServers"]
    assert servers["kompress"]["args"] == ["-m", "kompress.cli", "mcp"]
    assert main(["install", "claude-code", "--settings", str(path), "--min-chars", "500"]) == 0  # a change
    assert main(["uninstall", "claude-code", "--settings", str(path)]) == 0
    assert path.read_text() == original and not mcp_file.exists()
    assert sorted(p.name for p in tmp_path.rglob("*")) == [".claude", "settings.json"]  # no backups left

    # Edited by the user after install: only our entries go, their edit stays.
    assert main(["install", "claude-code", "--settings", str(path), "--no-mcp"]) == 0
    data = json.loads(path.read_text())
    data["model"] = "sonnet"
    path.write_text(json.dumps(data))
    assert main(["uninstall", "claude-code", "--settings", str(path), "--no-mcp"]) == 0
    assert json.loads(path.read_text()) == {"env": {"FOO": "bar"}, "model": "sonnet"}


def _persisted_event(tmp_path, text: str) -> dict:
    event = load("bash_build.json")
    full = tmp_path / "tool-results" / "toolu_1.txt"
    full.parent.mkdir()
    full.write_text(text)
    event["tool_response"] = {"stdout": text[:30_000], "stderr": "", "interrupted": False, "isImage": False,
                              "persistedOutputPath": str(full)}
    return event


def test_persisted_output_is_compressed_whole(compress, tmp_path):
    """Claude Code saved a >30k output to a file and sent its start: the whole file is compressed."""
    base = load("bash_build.json")["tool_response"]["stdout"]
    text = "".join(f"[{i:04d}] " + line + "\n" for i, line in enumerate(base.splitlines() * 12))
    text += "FATAL: the very last line only the file has\n"
    assert len(text) > 30_000
    event = _persisted_event(tmp_path, text)
    out = cc.handle(event, compress, cc.HookConfig(store_dir=tmp_path / "store"))
    if out is None:  # compressed, it would still not fit inline: Claude Code's preview stands
        assert len(compress(text)["text"]) > cc.INLINE_LIMIT - 400
        return
    new = out["hookSpecificOutput"]["updatedToolOutput"]
    assert "persistedOutputPath" not in new and len(new["stdout"]) <= cc.INLINE_LIMIT
    saved = Path(new["stdout"].partition("\n")[0].split("full original: ", 1)[1])
    assert saved.read_text() == text  # the whole output, not the 30k the event carried
    assert new["stdout"].partition("\n")[2] == compress(text)["text"]


def test_persisted_output_unreadable_passes_through(compress, tmp_path):
    event = _persisted_event(tmp_path, "x " * 20_000)
    Path(event["tool_response"]["persistedOutputPath"]).unlink()
    assert cc.handle(event, compress, cc.HookConfig(store_dir=tmp_path / "store")) is None


def test_install_refuses_broken_settings(tmp_path, capsys):
    path = tmp_path / "settings.json"
    path.write_text('{"hooks": {,}')
    assert main(["install", "claude-code", "--settings", str(path)]) == 2
    err = capsys.readouterr().err
    assert "not valid JSON" in err and "Traceback" not in err
    assert path.read_text() == '{"hooks": {,}'


def test_hook_shared_group_is_split_not_rewritten():
    # Someone moved our hook into their own group: their matcher is left alone.
    theirs = {"type": "command", "command": "~/bin/log-bash.sh"}
    settings = {"hooks": {"PostToolUse": [{"matcher": "Bash", "hooks": [theirs, {"type": "command",
                                                                                  "command": cc.hook_command()}]}]}}
    assert cc.merge_hook(settings, cc.hook_command()) is True
    groups = settings["hooks"]["PostToolUse"]
    assert groups[0] == {"matcher": "Bash", "hooks": [theirs]} and groups[1]["matcher"] == cc.DEFAULT_MATCHER
    assert cc.remove_hook(settings) is True
    assert settings == {"hooks": {"PostToolUse": [{"matcher": "Bash", "hooks": [theirs]}]}}


def test_installed_command_runs_in_process(tmp_path, minilm_dir, compress):
    """Install, then run the exact command from the settings as Claude Code would (no server: in-process)."""
    path = tmp_path / "settings.json"
    assert main(["install", "claude-code", "--settings", str(path), "--server", "none", "--model", str(minilm_dir),
                 "--rate", str(RATE)]) == 0
    (hook,) = _ours(json.loads(path.read_text()))
    event = load("mcp_sentry_events.json")
    p = subprocess.run(hook["command"], shell=True, input=json.dumps(event), capture_output=True, text=True,
                       timeout=180, env={**os.environ, "KOMPRESS_HOOK_DIR": str(tmp_path / "store")})
    assert p.returncode == 0, p.stderr
    expected = cc.handle(event, compress, cc.HookConfig(store_dir=tmp_path / "store"))
    assert json.loads(p.stdout) == expected
