"""The query derived for each tool output from the conversation the proxy relays
(:mod:`kompress.serving.proxy.query`): realistic request bodies of the three APIs, the
order and limits of the parts, results without a call, odd shapes, turn-to-turn stability."""

from __future__ import annotations

import json

import pytest

from kompress.decision.options import CompressOptions
from kompress.serving.proxy.query import (
    ARGUMENT_CHARS,
    ASSISTANT_CHARS,
    NAME_CHARS,
    USER_CHARS,
    call_context,
    compact_arguments,
    compose_query,
    conversation_queries,
)
from kompress.serving.proxy.rewrite import find_tool_texts

from .test_proxy_parts import SECRETS

PYTEST_LOG = "".join(f"tests/test_orders.py::test_case_{i} PASSED\n" for i in range(30))
MAX_QUERY = ASSISTANT_CHARS + NAME_CHARS + ARGUMENT_CHARS + USER_CHARS + 3  # three separators


def queries(api: str, body: dict, **kw) -> list[str | None]:
    return [t.query for t in find_tool_texts(api, body, **kw)]


def parts(query: str) -> list[str]:
    return query.split("\n")


# ---------------------------------------------------------------------- Anthropic
def anthropic_body() -> dict:
    """Claude Code's shape: reminders in user turns, thinking, parallel calls, a second turn."""
    return {"model": "claude-sonnet-4-5", "max_tokens": 32000, "system": [{"type": "text", "text": "You are Claude Code."}],
            "messages": [
                {"role": "user", "content": [
                    {"type": "text", "text": "<system-reminder>\nAs you answer, use the context below.\n</system-reminder>"},
                    {"type": "text", "text": "The order tests fail since the refactor; find out why and fix it."}]},
                {"role": "assistant", "content": [
                    {"type": "thinking", "thinking": "The user wants...", "signature": "EqQBCkYIBx"},
                    {"type": "text", "text": "I'll run the order tests to see which one fails."},
                    {"type": "tool_use", "id": "toolu_01", "name": "Bash",
                     "input": {"command": "pytest tests/test_orders.py -q", "description": "Run the order tests"}},
                    {"type": "tool_use", "id": "toolu_02", "name": "Bash",
                     "input": {"command": "git log --oneline -5", "description": "Recent commits"}}]},
                {"role": "user", "content": [
                    {"type": "tool_result", "tool_use_id": "toolu_01", "content": PYTEST_LOG},
                    {"type": "tool_result", "tool_use_id": "toolu_02",
                     "content": [{"type": "text", "text": "a1b2c3 refactor orders\n"}]}]},
                {"role": "assistant", "content": [
                    {"type": "tool_use", "id": "toolu_03", "name": "mcp__sentry__list_events",
                     "input": {"project": "shop", "query": "is:unresolved", "limit": 12}}]},
                {"role": "user", "content": [
                    {"type": "tool_result", "tool_use_id": "toolu_03", "content": "event 1\nevent 2\n"},
                    {"type": "tool_result", "tool_use_id": "toolu_gone", "content": "a result whose call was dropped"},
                    {"type": "text", "text": "Also check the sentry events for the checkout."}]},
            ]}


def test_anthropic_queries_in_order_assistant_tool_user():
    q1, q2, q3, q4 = queries("anthropic-messages", anthropic_body())
    assert parts(q1) == ["I'll run the order tests to see which one fails.",
                         "Bash command=pytest tests/test_orders.py -q description=Run the order tests",
                         "The order tests fail since the refactor; find out why and fix it."]
    # A parallel call of the same message: the same assistant text, its own arguments.
    assert parts(q2)[0] == parts(q1)[0] and parts(q2)[1] == "Bash command=git log --oneline -5 description=Recent commits"
    # A message without text: the closest assistant text of the same user turn; the thinking
    # block and the reminder are not text.
    assert parts(q3) == ["I'll run the order tests to see which one fails.",
                         "mcp__sentry__list_events project=shop query=is:unresolved limit=12",
                         "The order tests fail since the refactor; find out why and fix it."]
    assert "reminder" not in q1 and "The user wants" not in q1
    # No matching call: the user's latest message before it still makes a query; the words
    # sent with the results come after the call and are never part of it.
    assert q4 == "The order tests fail since the refactor; find out why and fix it."


def test_query_is_the_same_on_every_later_turn():
    body = anthropic_body()
    before = queries("anthropic-messages", body)
    body["messages"] += [
        {"role": "assistant", "content": [{"type": "text", "text": "Done: the total was rounded twice."}]},
        {"role": "user", "content": "Great, now update the changelog."},
        {"role": "assistant", "content": [{"type": "text", "text": "Reading the changelog."},
                                          {"type": "tool_use", "id": "toolu_04", "name": "Read",
                                           "input": {"file_path": "/repo/CHANGELOG.md"}}]},
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_04", "content": "# Changes\n"}]},
    ]
    after = queries("anthropic-messages", body)
    assert after[:4] == before  # the proxy's cache keys, and so the bytes sent, stay the same
    assert parts(after[4]) == ["Reading the changelog.", "Read file_path=/repo/CHANGELOG.md",
                               "Great, now update the changelog."]


# ---------------------------------------------------------------------- OpenAI chat
def chat_body() -> dict:
    return {"model": "gpt-4.1", "messages": [
        {"role": "system", "content": "You are a coding agent."},
        {"role": "user", "content": [{"type": "text", "text": "Which handler raises the KeyError in production?"},
                                     {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgo="}}]},
        {"role": "assistant", "content": "Searching the handlers for KeyError first.", "tool_calls": [
            {"id": "call_A", "type": "function",
             "function": {"name": "shell", "arguments": json.dumps({"cmd": ["grep", "-rn", "KeyError", "src/"]})}}]},
        {"role": "tool", "tool_call_id": "call_A", "content": "src/a.py:3: raise KeyError(k)\n"},
        {"role": "assistant", "content": None, "tool_calls": [
            {"id": "call_B", "type": "function", "function": {"name": "read_logs", "arguments": '{"service": "api", "since": "1h"}'}},
            {"id": "call_C", "type": "function", "function": {"name": "bad_args", "arguments": "{not json"}}]},
        {"role": "tool", "tool_call_id": "call_B", "content": [{"type": "text", "text": "log line\n"}]},
        {"role": "tool", "tool_call_id": "call_C", "content": "x"},
        {"role": "tool", "tool_call_id": "call_unknown", "content": "orphan"},
        {"role": "function", "name": "legacy_fn", "content": "old style"},
    ]}


def test_openai_chat_queries():
    qa, qb, qc, orphan, legacy = queries("openai-chat", chat_body())
    user = "Which handler raises the KeyError in production?"
    assert parts(qa) == ["Searching the handlers for KeyError first.", 'shell cmd=["grep","-rn","KeyError","src/"]', user]
    # content null: the closest assistant text of the turn stands in.
    assert parts(qb) == ["Searching the handlers for KeyError first.", "read_logs service=api since=1h", user]
    assert parts(qc)[1] == "bad_args {not json"  # arguments that are not JSON: the text itself
    assert orphan == user
    assert legacy == f"legacy_fn\n{user}"


# ---------------------------------------------------------------------- OpenAI responses
def responses_body() -> dict:
    return {"model": "gpt-5-codex", "input": [
        {"type": "message", "role": "developer", "content": [{"type": "input_text", "text": "AGENTS.md rules"}]},
        {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "Why does the nightly build fail?"}]},
        {"type": "reasoning", "id": "rs_1", "summary": [{"type": "summary_text", "text": "**Checking CI logs**"}],
         "encrypted_content": "gAAAAB..."},
        {"type": "message", "role": "assistant", "content": [{"type": "output_text", "text": "Pulling the last CI log."}]},
        {"type": "function_call", "call_id": "fc_1", "name": "shell",
         "arguments": '{"command":["bash","-lc","gh run view --log-failed"],"workdir":"/repo"}'},
        {"type": "function_call_output", "call_id": "fc_1", "output": "build step failed\n"},
        {"type": "custom_tool_call", "call_id": "ct_1", "name": "apply_patch", "input": "*** Begin Patch\n*** Update File: ci.yml"},
        {"type": "custom_tool_call_output", "call_id": "ct_1", "output": [{"type": "input_text", "text": "patched"}]},
        {"role": "user", "content": "and then run it again"},  # an EasyInputMessage: no type
        {"type": "function_call", "call_id": "fc_2", "name": "shell", "arguments": '{"command":["make","nightly"]}'},
        {"type": "function_call_output", "call_id": "fc_2", "output": "ok\n"},
    ]}


def test_openai_responses_queries():
    q1, q2, q3 = queries("openai-responses", responses_body())
    assert parts(q1) == ["**Checking CI logs** Pulling the last CI log.",
                         'shell command=["bash","-lc","gh run view --log-failed"] workdir=/repo',
                         "Why does the nightly build fail?"]
    assert parts(q2) == ["**Checking CI logs** Pulling the last CI log.",
                         "apply_patch *** Begin Patch *** Update File: ci.yml", "Why does the nightly build fail?"]
    # A new user message starts a turn: no assistant text of the old one.
    assert parts(q3) == ['shell command=["make","nightly"]', "and then run it again"]


# ---------------------------------------------------------------------- limits and shapes
def test_parts_stay_within_limits_and_keep_the_right_end():
    thought = " ".join(f"step{i}" for i in range(400)) + " so now I check the failing order total."
    ask = "Please look at this. " * 40 + "The real question: why is the total wrong?"
    body = {"messages": [
        {"role": "user", "content": ask},
        {"role": "assistant", "content": [
            {"type": "text", "text": thought},
            {"type": "tool_use", "id": "t1", "name": "x" * 300,
             "input": {"command": "pytest " + " ".join(f"tests/test_{i}.py" for i in range(60))}}]},
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "t1", "content": PYTEST_LOG}]}]}
    (q,) = queries("anthropic-messages", body)
    assistant, tool, user = parts(q)
    assert len(assistant) <= ASSISTANT_CHARS and assistant.endswith("so now I check the failing order total.")
    assert assistant.split()[0] in thought.split()  # cut at a word start, not inside a word
    name, args = tool.split(" ", 1)
    assert name == "x" * NAME_CHARS
    assert len(args) <= ARGUMENT_CHARS and args.startswith("command=pytest tests/test_0.py")
    assert args.split()[-1] in body["messages"][1]["content"][1]["input"]["command"].split()
    assert len(user) <= USER_CHARS and user.endswith("why is the total wrong?") and user.split()[0] in ask.split()
    assert len(q) <= MAX_QUERY
    # What the compressor gets: a valid option, whitespace folded.
    assert CompressOptions(query=q).query == " ".join(q.split())


def test_a_secret_cut_at_the_edge_goes_whole():
    key = SECRETS["openai"]
    text = "export OPENAI_API_KEY=" + key + " " + "then run the suite again " * 15
    cut = compose_query(text[-(ASSISTANT_CHARS + 12):])  # the key's end sits just past the limit
    assert key[-8:] not in cut
    # Text without spaces (CJK) is cut hard rather than lost.
    assert compose_query(None, None, None, "失败的测试" * 100) == ("失败的测试" * 100)[-USER_CHARS:]


def test_compose_and_compact_edge_cases():
    assert compose_query() is None and compose_query("  ", "", {}, "\n") is None
    assert compose_query(None, "Bash") == "Bash"
    assert compact_arguments({"a": None, "b": "", "c": 0, "d": {"e": [1, 2]}}) == 'c=0 d={"e":[1,2]}'
    assert compact_arguments('["x", 1]') == '["x",1]' and compact_arguments("plain text") == "plain text"
    assert compact_arguments(None) == "" and compact_arguments(42) == "42"


def test_derivation_off_and_odd_shapes():
    assert queries("anthropic-messages", anthropic_body(), derive_query=False) == [None] * 4
    odd = {"messages": [
        "not a message", {"role": "user", "content": 42}, {"role": "assistant", "content": "text only"},
        {"role": "assistant", "content": [None, {"type": "tool_use", "id": 7, "name": None, "input": "??"},
                                          {"type": "tool_use", "id": "t9", "input": None}]},
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "t9", "content": "out"}]}]}
    assert queries("anthropic-messages", odd) == ["text only"]
    assert queries("openai-chat", {"messages": [{"role": "assistant", "tool_calls": "oops"},
                                                {"role": "tool", "tool_call_id": "c", "content": "x"}]}) == [None]
    assert queries("openai-responses", {"input": [{"type": "function_call_output", "call_id": 3, "output": "x"}]}) == [None]
    assert conversation_queries("openai-chat", "not a body").by_call == {}
    with pytest.raises(ValueError):
        conversation_queries("gemini", {})


def test_call_context_for_a_call_and_at_the_end():
    body = anthropic_body()
    assert call_context("anthropic-messages", body, "toolu_03") == (
        "I'll run the order tests to see which one fails.",
        "The order tests fail since the refactor; find out why and fix it.")
    assert call_context("anthropic-messages", body) == ("", "Also check the sentry events for the checkout.")
    assert call_context("anthropic-messages", {}) == ("", "")
