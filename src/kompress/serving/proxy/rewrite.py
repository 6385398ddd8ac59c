"""Find tool outputs in LLM API request bodies, and put compressed ones back in place.

Three request flavours carry tool outputs (``api`` names used throughout the proxy):

``openai-chat`` (``POST /v1/chat/completions``)
    ``messages[i]`` with ``role: "tool"``: ``content`` is a string or a list of parts, of
    which ``{"type": "text", "text": ...}`` ones are compressed. The tool's name comes from
    the assistant message's ``tool_calls[j]`` whose ``id`` is the message's
    ``tool_call_id``. Legacy ``role: "function"`` messages carry ``name`` themselves.
``openai-responses`` (``POST /v1/responses``)
    ``input[i]`` items of type ``function_call_output`` (and ``custom_tool_call_output``):
    ``output`` is a string or a list of parts, of which ``input_text``/``output_text``/
    ``text`` ones are compressed. The name comes from the ``function_call`` item with the
    same ``call_id``.
``anthropic-messages`` (``POST /v1/messages`` and ``/v1/messages/count_tokens``)
    ``tool_result`` blocks in ``messages[i].content``: ``content`` is a string or a list of
    blocks, of which ``{"type": "text"}`` ones are compressed. The name comes from the
    ``tool_use`` block whose ``id`` is the result's ``tool_use_id``.

Each tool output also gets a *query*, what the agent is after, derived from the conversation
(the assistant's text before the call, the call itself, the user's latest message before it;
see :mod:`kompress.serving.proxy.query`).

Everything else in the body stays byte-for-byte as the client sent it: :func:`splice`
replaces only the JSON string literals of the compressed texts inside the raw body, located
by a position-recording JSON parse, so whitespace, key order, escapes and numbers elsewhere
are untouched.
"""

from __future__ import annotations

import json
import json.decoder
import json.scanner
import logging
from dataclasses import dataclass, replace
from typing import Any, Iterable

from kompress.serving.proxy.query import conversation_queries
from kompress.tool_calls import call_reads_files

log = logging.getLogger("kompress.serving.proxy")

APIS = ("openai-chat", "openai-responses", "anthropic-messages")

Path = tuple[Any, ...]  # keys and indices from the body's root to one string value


@dataclass(frozen=True)
class ToolText:
    """One compressible text of a tool output inside a request body."""

    path: Path
    text: str
    tool_name: str | None
    call_id: str | None
    query: str | None = None  # what the agent is after (derived; None: none, or derivation off)
    file_read: bool = False  # the call printed files the agent may edit (kompress.tool_calls)


def api_for_path(path: str, upstream: str) -> str | None:
    """The request flavour of a ``POST`` to ``path`` sent to ``upstream`` (``openai``/``anthropic``)."""
    path = path.rstrip("/")
    if upstream == "anthropic":
        if path.endswith("/messages") or path.endswith("/messages/count_tokens"):
            return "anthropic-messages"
        return None
    if path.endswith("/chat/completions"):
        return "openai-chat"
    if path.endswith("/responses"):
        return "openai-responses"
    return None


def find_tool_texts(api: str, body: Any, derive_query: bool = True) -> list[ToolText]:
    """All compressible tool-output texts in a parsed request body of flavour ``api``, each
    with its derived query unless ``derive_query`` is false.

    Tolerant of anything unexpected: a field of the wrong type is skipped, never an error.
    """
    if not isinstance(body, dict):
        return []
    if api == "openai-chat":
        texts = list(_openai_chat(body))
    elif api == "openai-responses":
        texts = list(_openai_responses(body))
    elif api == "anthropic-messages":
        texts = list(_anthropic(body))
    else:
        raise ValueError(f"unknown api {api!r}; expected one of {APIS}")
    if not (derive_query and texts):
        return texts
    try:
        queries = conversation_queries(api, body)
    except Exception as e:  # noqa: BLE001 - a query is a hint: without one the output still compresses
        log.warning("kompress proxy: deriving queries failed (%s); compressing without", type(e).__name__)
        return texts
    # path[1] is the index of the message (or input item) holding the output.
    return [replace(t, query=queries.get(t.call_id, t.tool_name, t.path[1])) for t in texts]


def _text_parts(content: Any, base: Path, part_types: tuple[str, ...]) -> Iterable[tuple[Path, str]]:
    """(path, text) of a string content, or of the text parts of a list content."""
    if isinstance(content, str):
        yield base, content
    elif isinstance(content, list):
        for j, part in enumerate(content):
            if isinstance(part, dict) and part.get("type") in part_types and isinstance(part.get("text"), str):
                yield (*base, j, "text"), part["text"]


def _openai_chat(body: dict) -> Iterable[ToolText]:
    messages = body.get("messages")
    if not isinstance(messages, list):
        return
    names: dict[str, str] = {}
    reads: set[str] = set()  # ids of calls that read files
    for m in messages:
        if isinstance(m, dict) and isinstance(m.get("tool_calls"), list):
            for call in m["tool_calls"]:
                if isinstance(call, dict) and isinstance(call.get("id"), str):
                    fn = call.get("function")
                    name = fn.get("name") if isinstance(fn, dict) else None
                    if isinstance(name, str):
                        names[call["id"]] = name
                        if call_reads_files(name, fn.get("arguments")):
                            reads.add(call["id"])
    for i, m in enumerate(messages):
        if not isinstance(m, dict):
            continue
        if m.get("role") == "tool":
            call_id = m.get("tool_call_id") if isinstance(m.get("tool_call_id"), str) else None
            name = names.get(call_id) if call_id else None
        elif m.get("role") == "function":
            call_id, name = None, m.get("name") if isinstance(m.get("name"), str) else None
        else:
            continue
        read = call_id in reads if call_id else call_reads_files(name, None)
        for path, text in _text_parts(m.get("content"), ("messages", i, "content"), ("text",)):
            yield ToolText(path, text, name, call_id, file_read=read)


_RESPONSES_OUTPUTS = {"function_call_output": "function_call", "custom_tool_call_output": "custom_tool_call"}


def _openai_responses(body: dict) -> Iterable[ToolText]:
    items = body.get("input")
    if not isinstance(items, list):
        return
    names: dict[str, str] = {}
    reads: set[str] = set()
    for it in items:
        if isinstance(it, dict) and it.get("type") in _RESPONSES_OUTPUTS.values():
            if isinstance(it.get("call_id"), str) and isinstance(it.get("name"), str):
                names[it["call_id"]] = it["name"]
                # function_call carries "arguments" (JSON text), custom_tool_call "input" (free text).
                if call_reads_files(it["name"], it.get("arguments", it.get("input"))):
                    reads.add(it["call_id"])
    for i, it in enumerate(items):
        if not isinstance(it, dict) or it.get("type") not in _RESPONSES_OUTPUTS:
            continue
        call_id = it.get("call_id") if isinstance(it.get("call_id"), str) else None
        name = names.get(call_id) if call_id else None
        for path, text in _text_parts(it.get("output"), ("input", i, "output"), ("input_text", "output_text", "text")):
            yield ToolText(path, text, name, call_id, file_read=call_id in reads)


def _anthropic(body: dict) -> Iterable[ToolText]:
    messages = body.get("messages")
    if not isinstance(messages, list):
        return
    names: dict[str, str] = {}
    reads: set[str] = set()
    for m in messages:
        if isinstance(m, dict) and isinstance(m.get("content"), list):
            for block in m["content"]:
                if (
                    isinstance(block, dict)
                    and block.get("type") in ("tool_use", "server_tool_use", "mcp_tool_use")
                    and isinstance(block.get("id"), str)
                    and isinstance(block.get("name"), str)
                ):
                    names[block["id"]] = block["name"]
                    if call_reads_files(block["name"], block.get("input")):
                        reads.add(block["id"])
    for i, m in enumerate(messages):
        if not isinstance(m, dict) or not isinstance(m.get("content"), list):
            continue
        for k, block in enumerate(m["content"]):
            if not isinstance(block, dict) or block.get("type") != "tool_result":
                continue
            call_id = block.get("tool_use_id") if isinstance(block.get("tool_use_id"), str) else None
            name = names.get(call_id) if call_id else None
            for path, text in _text_parts(block.get("content"), ("messages", i, "content", k, "content"), ("text",)):
                yield ToolText(path, text, name, call_id, file_read=call_id in reads)


# ---------------------------------------------------------------------- splicing
class _Located(str):
    """A JSON string value that remembers where its literal sits in the source text."""

    span: tuple[int, int]


def _located_decoder() -> json.JSONDecoder:
    """A decoder whose string *values* are :class:`_Located` (keys stay plain ``str``).

    The pure-Python scanner calls ``context.parse_string`` for every string value; the C
    scanner does not, so it is swapped out here. Used only on bodies that will change.
    """
    dec = json.JSONDecoder()

    def parse_string(s: str, end: int, strict: bool) -> tuple[str, int]:
        value, new_end = json.decoder.scanstring(s, end, strict)
        located = _Located(value)
        located.span = (end - 1, new_end)  # from the opening quote to after the closing one
        return located, new_end

    dec.parse_string = parse_string  # type: ignore[attr-defined]
    dec.scan_once = json.scanner.py_make_scanner(dec)
    return dec


def splice(raw: str, replacements: dict[Path, str]) -> str:
    """Return ``raw`` (a JSON text) with the string values at the given paths replaced.

    Only the replaced literals change; every other character of ``raw`` is kept. Raises
    ``ValueError`` if a path does not lead to a string.
    """
    if not replacements:
        return raw
    tree = _located_decoder().decode(raw)
    edits: list[tuple[int, int, str]] = []
    for path, new in replacements.items():
        node: Any = tree
        for key in path:
            node = node[key]
        if not isinstance(node, _Located):
            raise ValueError(f"path {path!r} does not lead to a string value")
        edits.append((*node.span, _literal(new)))
    out: list[str] = []
    pos = 0
    for start, end, literal in sorted(edits):
        out.append(raw[pos:start])
        out.append(literal)
        pos = end
    out.append(raw[pos:])
    return "".join(out)


def _literal(text: str) -> str:
    """The JSON literal for ``text``: UTF-8 as is, unless it holds lone surrogates."""
    literal = json.dumps(text, ensure_ascii=False)
    try:
        literal.encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates from \\udXXX escapes: keep them escaped
        literal = json.dumps(text)
    return literal
