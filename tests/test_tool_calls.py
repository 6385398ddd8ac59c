"""Which tool calls read files (left alone by the hook and the proxy): any agent's naming."""

from __future__ import annotations

import json

import pytest

from kompress.serving.proxy.rewrite import find_tool_texts
from kompress.tool_calls import call_reads_files, is_eligible, reads_files


@pytest.mark.parametrize("name, arguments, reads", [
    ("Bash", {"command": "cat src/app.py"}, True),
    ("Bash", {"command": "cd /testbed && python -m pytest -x tests/"}, False),
    ("bash", json.dumps({"cmd": "sed -n '1,40p' pkg/core.py"}), True),  # OpenAI: arguments are JSON text
    ("shell", {"command": ["bash", "-lc", "grep -rn parse_header src/"]}, True),  # argv form (Codex)
    ("shell", {"command": ["bash", "-lc", "ls -la"]}, False),
    ("exec_command", {"cmd": "git diff HEAD~1"}, True),
    ("exec_command", {"cmd": "git status"}, False),
    ("str_replace_editor", {"command": "view", "path": "/testbed/a.py"}, True),  # SWE-agent's editor
    ("str_replace_editor", {"command": "create", "path": "/testbed/a.py", "file_text": "x"}, False),
    ("read_file", {"path": "a.py"}, True),
    ("Read", {"file_path": "/x/a.py"}, True),
    ("mcp__fs__read_text_file", {"path": "a"}, True),
    ("mcp__sentry__list_events", {}, False),
    ("web_search", {"query": "cat file"}, False),
    ("run_tests", "not json at all", False),
    (None, None, False),
])
def test_call_reads_files(name, arguments, reads):
    assert call_reads_files(name, arguments) is reads


def test_proxy_marks_file_reads_in_every_api():
    chat = {"messages": [
        {"role": "assistant", "content": None, "tool_calls": [
            {"id": "a", "type": "function", "function": {"name": "bash", "arguments": '{"command": "cat x.py"}'}},
            {"id": "b", "type": "function", "function": {"name": "bash", "arguments": '{"command": "make"}'}}]},
        {"role": "tool", "tool_call_id": "a", "content": "print(1)"},
        {"role": "tool", "tool_call_id": "b", "content": "cc -o x x.c"}]}
    assert [t.file_read for t in find_tool_texts("openai-chat", chat)] == [True, False]
    responses = {"input": [
        {"type": "function_call", "call_id": "a", "name": "shell", "arguments": '{"command": ["bash", "-lc", "nl -ba x.py"]}'},
        {"type": "function_call_output", "call_id": "a", "output": "1 x"},
        {"type": "custom_tool_call", "call_id": "b", "name": "run", "input": "pytest -q"},
        {"type": "custom_tool_call_output", "call_id": "b", "output": "1 passed"}]}
    assert [t.file_read for t in find_tool_texts("openai-responses", responses)] == [True, False]
    anthropic = {"messages": [
        {"role": "assistant", "content": [
            {"type": "tool_use", "id": "a", "name": "str_replace_based_edit_tool", "input": {"command": "view", "path": "x"}},
            {"type": "tool_use", "id": "b", "name": "bash", "input": {"command": "npm test"}}]},
        {"role": "user", "content": [
            {"type": "tool_result", "tool_use_id": "a", "content": "x"},
            {"type": "tool_result", "tool_use_id": "b", "content": "ok"}]}]}
    assert [t.file_read for t in find_tool_texts("anthropic-messages", anthropic)] == [True, False]


@pytest.mark.parametrize("command, reads", [
    ('bash -c "cat x.py"', True),
    ('cd /repo && bash -lc "sed -n 1,40p src/app.py"', True),
    ("/bin/sh -c 'git diff HEAD~1'", True),
    ('bash -c "pytest -x tests"', False),
    ("bash run_tests.sh", False),
    ("sh -e -c ls", False),
])
def test_hook_and_proxy_read_shell_wrappers_alike(command, reads):
    # The hook (Bash tool) and the proxy (any shell tool) must agree on what prints files.
    assert reads_files(command) is reads
    assert is_eligible("Bash", {"command": command}) is not reads
    assert call_reads_files("bash", {"command": command}) is reads
