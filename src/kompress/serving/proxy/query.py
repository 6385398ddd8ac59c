"""What the agent is looking for in a tool output, derived from the conversation around it.

A query (the ``query`` compression option) lets a model with a query companion keep the lines
of a tool output that answer it. Agents do not send one, but the conversation says what they
are after. For every tool output this module composes, most specific first (the companion
reads only the query's first ~48 tokens):

1. the assistant's text just before the call: the text of the message that made the call,
   or, when that message has none, the closest earlier assistant text since the latest
   user message (its last :data:`ASSISTANT_CHARS` characters);
2. ``<tool name> <arguments>``, the arguments compacted to ``key=value`` words (their first
   :data:`ARGUMENT_CHARS` characters);
3. the latest plain user message *before the call* (its last :data:`USER_CHARS`
   characters; tool results and ``<system-reminder>`` blocks are not user text).

Everything comes from the conversation up to the call, never from what follows it, so the
query of an output is the same on every later turn that resends it: the proxy's cache
(keyed by output and query) then returns the same bytes, and provider prompt caches keep
hitting. The three parts go on separate lines (the option folds whitespace to spaces).

Pure functions over parsed JSON, tolerant of any shape (a field of the wrong type is
skipped, never an error); no imports beyond the standard library, so the Claude Code hook
(:mod:`kompress.integrations.claude_code`) reuses :func:`compose_query` at no cost.
"""

from __future__ import annotations

import bisect
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

#: Characters kept of each part: the assistant's text (its end), the tool's arguments (their
#: start), the user's message (its end), and the tool's name.
ASSISTANT_CHARS = 400
ARGUMENT_CHARS = 200
USER_CHARS = 300
NAME_CHARS = 80

_REMINDER = re.compile(r"<system-reminder>.*?(?:</system-reminder>|\Z)", re.DOTALL)


# ---------------------------------------------------------------------- composing
def compose_query(assistant: str | None = None, tool_name: str | None = None, arguments: Any = None,
                  user: str | None = None) -> str | None:
    """The query for one tool output: assistant text, ``<tool name> <arguments>``, user message.

    Each part is whitespace-folded and cut to its limit at a word boundary (the end of the
    assistant's and the user's text, the start of the arguments); empty parts are left out.
    ``arguments`` may be a mapping, a JSON text of one (OpenAI's ``arguments``) or any
    string or value. Returns ``None`` when nothing is left.
    """
    tool = " ".join(p for p in (_head(tool_name or "", NAME_CHARS), compact_arguments(arguments)) if p)
    parts = (_tail(assistant or "", ASSISTANT_CHARS), tool, _tail(clean_user_text(user or ""), USER_CHARS))
    return "\n".join(p for p in parts if p) or None


def compact_arguments(arguments: Any, limit: int = ARGUMENT_CHARS) -> str:
    """A tool call's arguments as one short line: ``key=value`` words for a mapping (strings
    unquoted, other values as compact JSON), the text itself for a string that is not a JSON
    object; at most ``limit`` characters, cut at a word boundary."""
    if isinstance(arguments, str):
        s = arguments.strip()
        if s[:1] in ("{", "["):
            try:
                arguments = json.loads(s)
            except (ValueError, RecursionError):
                arguments = s
    if arguments is None or arguments == "":
        return ""
    if isinstance(arguments, dict):
        words = [f"{k}={v if isinstance(v, str) else _json(v)}" for k, v in arguments.items()
                 if v is not None and v != ""]
        text = " ".join(words)
    elif isinstance(arguments, str):
        text = arguments
    else:
        text = _json(arguments)
    return _head(text, limit)


def clean_user_text(text: str) -> str:
    """A user message without the ``<system-reminder>`` blocks agents (Claude Code) add to it."""
    return _REMINDER.sub(" ", text) if "<system-reminder>" in text else text


def _json(value: Any) -> str:
    try:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    except (TypeError, ValueError):
        return str(value)


def _fold(text: str) -> str:
    return " ".join(text.split())


def _tail(text: str, limit: int) -> str:
    """The last ``limit`` characters of folded ``text``, from a word start when one is near.

    Dropping the cut word also drops a cut-off secret that redaction could no longer
    recognise; a text without a space in reach (CJK) is cut hard.
    """
    text = _fold(text)
    if len(text) <= limit:
        return text
    cut = text[-limit:]
    if text[-limit - 1] != " ":
        space = cut.find(" ")
        if 0 <= space < limit // 2:
            cut = cut[space + 1:]
    return cut.strip()


def _head(text: str, limit: int) -> str:
    """The first ``limit`` characters of folded ``text``, to a word end when one is near."""
    text = _fold(text)
    if len(text) <= limit:
        return text
    cut = text[:limit]
    if text[limit] != " ":
        space = cut.rfind(" ")
        if space > limit // 2:
            cut = cut[:space]
    return cut.strip()


# ---------------------------------------------------------------------- conversations
@dataclass(frozen=True)
class _Event:
    """One step of a conversation, at ``position`` (index of its message or input item)."""

    position: int
    kind: str  # user | assistant | call | result
    text: str = ""
    call_id: str | None = None
    name: str | None = None
    arguments: Any = None


@dataclass
class ConversationQueries:
    """The queries of a request's tool outputs; see :func:`conversation_queries`."""

    by_call: dict[str, str] = field(default_factory=dict)
    #: (position, text) of every plain user message, in order.
    users: list[tuple[int, str]] = field(default_factory=list)

    def get(self, call_id: str | None, tool_name: str | None, position: int) -> str | None:
        """The query of the tool output answering ``call_id``, held at ``position``. A result
        with no matching call gets its tool name (when known) and the user's latest message
        before it."""
        if call_id is not None and call_id in self.by_call:
            return self.by_call[call_id]
        k = bisect.bisect_left(self.users, position, key=lambda u: u[0])  # users strictly before
        return compose_query(None, tool_name, None, self.users[k - 1][1] if k else None)


def conversation_queries(api: str, body: Any) -> ConversationQueries:
    """The derived query of every tool call in a parsed request body of flavour ``api``
    (``openai-chat``, ``openai-responses``, ``anthropic-messages``; see
    :mod:`kompress.serving.proxy.rewrite`), by call id. Never raises on odd shapes."""
    events = _events(api, body)
    out = ConversationQueries(users=[(e.position, e.text) for e in events if e.kind == "user"])
    for e, assistant, user in _contexts(events):
        if e is not None and e.call_id is not None and e.call_id not in out.by_call:
            q = compose_query(assistant, e.name, e.arguments, user)
            if q is not None:
                out.by_call[e.call_id] = q
    return out


def call_context(api: str, body: Any, call_id: str | None = None) -> tuple[str, str]:
    """``(assistant text, user message)`` before the call ``call_id`` in a parsed body of
    flavour ``api``, as :func:`conversation_queries` takes them; at the end of the
    conversation when there is no such call. The Claude Code hook passes its transcript
    as an ``anthropic-messages`` body and composes the query with the call's own input."""
    last = ("", "")
    for e, assistant, user in _contexts(_events(api, body)):
        last = (assistant, user)
        if e is not None and call_id is not None and e.call_id == call_id:
            break
    return last


def _events(api: str, body: Any) -> list[_Event]:
    if not isinstance(body, dict):
        return []
    if api == "openai-chat":
        return list(_chat_events(body.get("messages")))
    if api == "openai-responses":
        return list(_responses_events(body.get("input")))
    if api == "anthropic-messages":
        return list(_anthropic_events(body.get("messages")))
    raise ValueError(f"unknown api {api!r}")


def _contexts(events: list[_Event]) -> Iterable[tuple[_Event | None, str, str]]:
    """``(call, assistant text, user message)`` at every call, then ``(None, ...)`` at the end.

    One pass: the latest user message, and the run of assistant text closest before the call
    in the current user turn (calls and results end a run, but it stays the closest text
    until new text comes; a user message ends the turn).
    """
    user, run, ended = "", [], False
    for e in events:
        if e.kind == "user":
            user, run, ended = e.text, [], False
        elif e.kind == "assistant":
            run, ended = ([e.text], False) if ended else ([*run, e.text], False)
        else:
            ended = bool(run)
            if e.kind == "call":
                yield e, " ".join(run), user
    yield None, " ".join(run), user


def _texts(content: Any, types: tuple[str, ...]) -> str:
    """The text of a string content, or of the text parts of a list content, joined."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(p["text"] for p in content
                        if isinstance(p, dict) and p.get("type") in types and isinstance(p.get("text"), str))
    return ""


def _user_event(position: int, text: str) -> Iterable[_Event]:
    text = _fold(clean_user_text(text))
    if text:
        yield _Event(position, "user", text)


def _chat_events(messages: Any) -> Iterable[_Event]:
    if not isinstance(messages, list):
        return
    for i, m in enumerate(messages):
        if not isinstance(m, dict):
            continue
        role = m.get("role")
        if role == "user":
            yield from _user_event(i, _texts(m.get("content"), ("text",)))
        elif role == "assistant":
            text = _fold(_texts(m.get("content"), ("text",)))
            if text:
                yield _Event(i, "assistant", text)
            calls = m.get("tool_calls") if isinstance(m.get("tool_calls"), list) else []
            for call in calls:
                if isinstance(call, dict) and isinstance(call.get("id"), str):
                    fn = call.get("function") if isinstance(call.get("function"), dict) else {}
                    name = fn.get("name") if isinstance(fn.get("name"), str) else None
                    yield _Event(i, "call", call_id=call["id"], name=name, arguments=fn.get("arguments"))
        elif role in ("tool", "function"):
            yield _Event(i, "result")


_RESPONSES_CALLS = ("function_call", "custom_tool_call")
_RESPONSES_RESULTS = ("function_call_output", "custom_tool_call_output")


def _responses_events(items: Any) -> Iterable[_Event]:
    if not isinstance(items, list):
        return
    for i, it in enumerate(items):
        if not isinstance(it, dict):
            continue
        kind = it.get("type")
        if kind in _RESPONSES_CALLS:
            call_id = it.get("call_id") if isinstance(it.get("call_id"), str) else None
            name = it.get("name") if isinstance(it.get("name"), str) else None
            args = it.get("arguments") if kind == "function_call" else it.get("input")
            yield _Event(i, "call", call_id=call_id, name=name, arguments=args)
        elif kind in _RESPONSES_RESULTS:
            yield _Event(i, "result")
        elif kind == "reasoning":
            text = _fold(_texts(it.get("summary"), ("summary_text",)))
            if text:
                yield _Event(i, "assistant", text)
        elif kind in (None, "message") and it.get("role") == "user":
            yield from _user_event(i, _texts(it.get("content"), ("input_text", "text")))
        elif kind in (None, "message") and it.get("role") == "assistant":
            text = _fold(_texts(it.get("content"), ("output_text", "text")))
            if text:
                yield _Event(i, "assistant", text)


def _anthropic_events(messages: Any) -> Iterable[_Event]:
    if not isinstance(messages, list):
        return
    for i, m in enumerate(messages):
        if not isinstance(m, dict):
            continue
        role, content = m.get("role"), m.get("content")
        if isinstance(content, str):
            if role == "user":
                yield from _user_event(i, content)
            elif role == "assistant" and content.strip():
                yield _Event(i, "assistant", _fold(content))
            continue
        if not isinstance(content, list):
            continue
        user_text: list[str] = []
        for block in content:
            if not isinstance(block, dict):
                continue
            kind = block.get("type")
            if kind == "text" and isinstance(block.get("text"), str):
                if role == "user":
                    user_text.append(block["text"])
                elif role == "assistant" and block["text"].strip():
                    yield _Event(i, "assistant", _fold(block["text"]))
            elif kind in ("tool_use", "server_tool_use", "mcp_tool_use") and role == "assistant":
                call_id = block.get("id") if isinstance(block.get("id"), str) else None
                name = block.get("name") if isinstance(block.get("name"), str) else None
                yield _Event(i, "call", call_id=call_id, name=name, arguments=block.get("input"))
            elif kind == "tool_result":
                yield _Event(i, "result")
        if user_text:
            # A user message may carry tool results and the user's own words together.
            yield from _user_event(i, " ".join(user_text))
