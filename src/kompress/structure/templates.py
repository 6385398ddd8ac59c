"""Line templates and records: which lines of a log are the same event, which belong together.

A *record* is a head line plus its continuation lines (a stack trace, a wrapped message,
indented detail). A *template* is a head line with its variable fields replaced by ``<*>``,
mined with Drain (the ``drain3`` package, the log-parsing field's standard online miner) after
masking the obvious variables (numbers, hex, addresses, ids), so lines that differ only in
values share one template. Deterministic: the same lines always give the same templates.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
from collections import Counter, OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

#: Variables masked before mining, so they never split one event into several templates.
#: Each pattern is linear-time (no nested quantifiers).
_MASKS = [
    (r"\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b", "UUID"),
    # ISO 8601 date-times (``2024-09-16T12:00:09+0000``): the number mask cannot split ``16T12``.
    (r"\b\d{4}-\d\d-\d\dT\d\d:\d\d(?::\d\d(?:[.,]\d+)?)?(?:Z|[+-]\d\d:?\d\d)?", "TIME"),
    (r"\b(?:\d{1,3}\.){3}\d{1,3}(?::\d+)?\b", "IP"),
    (r"\b0x[0-9a-fA-F]+\b", "HEX"),
    (r"\b[0-9a-fA-F]{12,}\b", "HEX"),
    # Blobs (base64, tokens, keys): 24+ characters mixing digits, lower and upper case. Besides
    # being values, unmasked they would make each line of a wrapped blob its own template, and
    # Drain compares a new template with every earlier one of its length (quadratic).
    (r"(?<![\w+/=])(?=[\w+/=-]*\d)(?=[\w+/=-]*[a-z])(?=[\w+/=-]*[A-Z])[\w+/=-]{24,}", "BLOB"),
    (r"(?<![\w.])[-+]?\d+(?:[.,:]\d+)*(?:[a-zA-Z%]{1,3})?\b", "NUM"),
]

_MASK_RES = [(re.compile(p), f"<{name}>") for p, name in _MASKS]


def masked(line: str) -> str:
    """``line`` with its obvious variables (numbers, hex, addresses, ids) masked, whitespace
    collapsed: two lines with the same masked text say the same thing with other values."""
    for pat, repl in _MASK_RES:
        line = pat.sub(repl, line)
    return " ".join(line.split())


#: A test's result line in a runner's verbose output (ava, mocha, vitest, jest, node --test, go
#: test -v, TAP): a record of its own, though indented. Group ``mark``: its mark; a pass is one of
#: :data:`PASS_MARKS`.
TEST_RECORD = re.compile(r"^\s*(?P<mark>✔|✓|√|✖|✗|✕|×|--- (?:PASS|FAIL|SKIP):|(?:not )?ok(?= \d+ ))\s")
PASS_MARKS = frozenset({"✔", "✓", "√", "--- PASS:", "ok"})
#: minitest's ``-v`` result line: its mark last (``Engine#test_0003_... = 0.00 s = .``).
_RESULT_LAST = re.compile(r" = \d+(?:\.\d+)? s = (?P<mark>[.SFE])$")


#: A TAP test line with a directive: a skipped or to-do test and its reason (``ok 491 # SKIP
#: Reason: empty test``), an outcome of its own, no pass.
TAP_DIRECTIVE = re.compile(r"^[ \t]*(?:not )?ok\b[^\n#]{0,300}#[ \t]*(?:SKIP|TODO|skip|todo)\b", re.M)


def pass_mark(line: str) -> str | None:
    """The mark of a passing test's result line (``✔``, ``--- PASS:``, TAP's ``ok`` but for a
    skipped or to-do test's, minitest's trailing `` = .``), or None for any other line."""
    m = TEST_RECORD.match(line)
    if m:
        if m.group("mark") == "ok" and "#" in line and TAP_DIRECTIVE.match(line):
            return None
        return m.group("mark") if m.group("mark") in PASS_MARKS else None
    m = _RESULT_LAST.search(line)
    return f"= {m.group('mark')}" if m and m.group("mark") in ".S" else None


#: A log level near a record's start (for a log indented as a whole, :func:`records`).
_LEVEL_WORD = re.compile(r"\b(?:TRACE|DEBUG|INFO|NOTICE|WARN(?:ING)?|ERROR|ERR|CRIT(?:ICAL)?|FATAL|ALERT|EMERG)\b")
#: A continuation line: indented, a stack-trace / chained-exception line, or one opening with
#: ``... `` (a trace's ``... 23 more``, ansible-later's ``... tasks/x.yml:7: message`` under its rule).
_CONTINUATION = re.compile(
    r"^(?:[ \t]+\S|Caused by:|Traceback \(most recent call last\)|During handling of|The above exception"
    r"|\.\.\. \S|[\w.$]+(?:Error|Exception|Warning)\b[:\s])"
)
#: A clock opening a log line and the spaces after it (dbt's ``10:02:59  ``, an ISO timestamp's).
_CLOCK = re.compile(r"(?:\d{4}-\d\d-\d\d[T ])?\d\d:\d\d:\d\d(?:[.,]\d{1,9})?(?:Z|[+-]\d\d:?\d\d)?( +|$)")


@dataclass
class LineTemplates:
    """Per line of a text: its record head and its template (``-1``: blank line)."""

    template: np.ndarray  # template id of the line, -1 for blank lines
    head: np.ndarray  # index of the line's record head (itself for a head), -1 for blank lines
    texts: list[str]  # template text of each id
    masked: list[str]  # each line's masked text (:func:`masked`; "" for blank lines), computed once

    @property
    def is_head(self) -> np.ndarray:
        return self.head == np.arange(len(self.head))


def _miner():  # type: ignore[no-untyped-def]
    from drain3 import TemplateMiner
    from drain3.template_miner_config import TemplateMinerConfig

    cfg = TemplateMinerConfig()
    cfg.profiling_enabled = False
    # Stricter than drain3's default 0.4: two messages must share most of their constant
    # words to be one event ("Connection closed" and "Connection reset" stay apart).
    cfg.drain_sim_th = 0.6
    cfg.drain_depth = 4
    # Lines arrive masked (message_tokens): Drain's own masking would redo the work.
    cfg.masking_instructions = []
    return TemplateMiner(config=cfg)


def records(lines: Sequence[str], by_lead: bool = True) -> np.ndarray:
    """Index of each line's record head (``-1`` for blank lines).

    A line continues the record above it when it is indented (unless it is a test's result:
    :data:`TEST_RECORD`) or looks like a stack-trace line, or (``by_lead``, for logs) when most
    lines of the text open with the same kind of token (a timestamp's digit, a ``[``) and this
    one does not; the first non-blank line always heads a record. A log indented as a whole
    (most lines at one indent, naming a level there) is read from that indent.
    """
    n = len(lines)
    head = np.full(n, -1, dtype=np.int64)
    # A log whose records are all indented alike (kamailio's `` 0(8829) DEBUG: ...``, its process
    # number right-aligned) is read from that indent: only a line indented deeper continues. (Not
    # a report's indented fields under their heads, ogrinfo's ``  NAME (String) = Chatham``: the
    # lines at that indent must name a level.)
    indents = [len(x) - len(x.lstrip(" \t")) for x in lines]
    widths = Counter(w for x, w in zip(lines, indents) if x.strip())
    base = max(widths, key=lambda w: (widths[w], -w)) if widths else 0
    if base and widths[base] >= 0.6 * sum(widths.values()):
        at_base = [x for x, w in zip(lines, indents) if w == base and x.strip()]
        if sum(1 for x in at_base if _LEVEL_WORD.search(x[:80])) >= 0.6 * len(at_base):
            lines = [x[min(base, w):] for x, w in zip(lines, indents)]
    leads = [_lead(x) for x in lines]
    counts: dict[str, int] = {}
    for lead in leads:
        if lead:
            counts[lead] = counts.get(lead, 0) + 1
    nonblank = sum(counts.values())
    dominant = max(counts, key=lambda k: (counts[k], k)) if counts else ""
    # A lead shared by most lines is the record opener (timestamps, "[pid]", level words).
    strict = by_lead and dominant in ("digit", "bracket") and counts.get(dominant, 0) >= 0.6 * nonblank
    # A clocked log's record may go on under the clock, indented deeper (dbt's ``10:02:59    compiled
    # code at ...`` under its ``10:02:59  Failure in test ...``), or as a clock alone.
    clocked = strict and dominant == "digit"
    cur, cur_gap = -1, -1
    for i, x in enumerate(lines):
        if not leads[i]:
            continue
        cont = cur >= 0 and (_CONTINUATION.match(x) is not None or (strict and leads[i] != dominant))
        gap = -1
        if clocked and (m := _CLOCK.match(x)) is not None:
            gap = len(m.group(1))
            body = x[m.end():]
            if cur >= 0 and cur_gap >= 0 and not cont:
                # Two spaces deeper, not one: log4j's ``%5p`` pads INFO one space past ERROR; and
                # not a number (sar's or pidstat's right-aligned columns move with their width).
                cont = not body or (gap >= cur_gap + 2 and not body[0].isdigit() and not _LEVEL_WORD.match(body))
        if cont and leads[i] == "indent" and TEST_RECORD.match(x):
            cont = False
        if not cont:
            cur, cur_gap = i, gap
        head[i] = cur
    return head


def _lead(line: str) -> str:
    s = line.lstrip()
    if not s:
        return ""
    if line[0] in " \t":
        return "indent"
    c = s[0]
    if c.isdigit():
        return "digit"
    if c in "[<(":
        return "bracket"
    return "alpha" if c.isalpha() else "other"


#: Texts whose templates are remembered: the guard's outlier rule and the structure frame mine
#: the same build output one after the other (its templates do not depend on ``by_lead``).
_MINED_CACHE = 2
_mined: OrderedDict[tuple[int, bytes], tuple[np.ndarray, list[str], list[str]]] = OrderedDict()
_mined_lock = threading.Lock()


def mine(lines: Sequence[str], by_lead: bool = True) -> LineTemplates:
    """Records and templates of ``lines`` (see the module docstring); every non-blank line
    gets its own template, continuation lines included. ``by_lead``: as :func:`records`."""
    head = records(lines, by_lead)
    key = (len(lines), hashlib.blake2b("\n".join(lines).encode("utf-8", "surrogatepass"), digest_size=32).digest())
    with _mined_lock:
        hit = _mined.get(key)
    if hit is not None:
        return LineTemplates(hit[0].copy(), head, list(hit[1]), list(hit[2]))
    template, texts, masks = _templates(lines, head >= 0)
    with _mined_lock:
        _mined[key] = (template.copy(), list(texts), list(masks))
        while len(_mined) > _MINED_CACHE:
            _mined.popitem(last=False)
    return LineTemplates(template, head, texts, masks)


def _templates(lines: Sequence[str], nonblank: np.ndarray) -> tuple[np.ndarray, list[str], list[str]]:
    """Template id of every non-blank line, the templates' texts and the lines' masked texts."""
    miner = _miner()
    texts: list[str] = []
    by_key: dict[tuple, int] = {}
    template = np.full(len(lines), -1, dtype=np.int64)
    first: dict[tuple, int] = {}  # each key's first line: its words name the event's fields
    masks = [""] * len(lines)
    for i in np.flatnonzero(nonblank):
        masks[i] = masked(lines[i])
        record = json_record_event(lines[i])
        if record is not None:
            key: tuple = ("json", *record)
        else:
            message = " ".join(message_tokens(lines[i], masks[i])[0])
            key = (int(miner.add_log_message(message)["cluster_id"]), *event_fields(lines[i]))
        if key not in by_key:
            by_key[key] = len(texts)
            first[key] = int(i)
            texts.append("")
        template[i] = by_key[key]
    # Final templates (a cluster's template generalises as it grows), in first-seen order.
    clusters = {c.cluster_id: c.get_template() for c in miner.drain.clusters}
    for key, t in by_key.items():
        if key[0] == "json":
            texts[t] = f"level={key[1]} {key[2]}".strip()
        else:
            texts[t] = _with_fields(clusters.get(key[0], ""), lines[first[key]], key[1:])
    return template, texts, masks


#: A token of nothing but masked variables and punctuation (``<NUM>-<NUM>-<NUM>``, ``[<NUM>]``, ``-``).
_VAR_ONLY = re.compile(r"(?:<[A-Z]+>|[\W_])+")


def message_tokens(line: str, masked_line: str | None = None) -> tuple[list[str], list[str]]:
    """What Drain compares of ``line``: its masked tokens with the leading run of variable-only
    tokens (the record's stamp: date, time, sequence number) folded into one ``<STAMP>``
    token, and the line's own tokens aligned with them (masks never span whitespace).

    Drain routes a line by its first tokens and merges by the share of equal tokens: left
    whole, a stamp of four masked tokens routes every record alike and makes any two short
    messages look 60% equal (a kernel's boot lines, all "<NUM> <NUM> host Nov <NUM> <*> <*>").
    Folded into one token it still counts once, so a short message with one variable (dpkg's
    ``status installed <pkg> <version>``) still matches its kind. ``masked_line``: ``masked(line)``
    when the caller has it."""
    toks, raw = (masked(line) if masked_line is None else masked_line).split(), line.split()
    k = 0
    while k < len(toks) - 1 and _VAR_ONLY.fullmatch(toks[k]):
        k += 1
    if not k:
        return toks, raw
    return ["<STAMP>", *toks[k:]], [" ".join(raw[:k]), *raw[k:]]


def json_object(text: str) -> dict | None:
    """``text`` parsed as a JSON object; ``None`` for anything else (invalid, nested too deep,
    not an object)."""
    try:
        obj = json.loads(text)
    except (ValueError, RecursionError):
        return None
    return obj if isinstance(obj, dict) else None


#: Keys of a JSON-lines logger's record (pino, bunyan, structlog, zap, logrus) holding the message and the level.
_JSON_MSG_KEYS = ("msg", "message", "event", "MESSAGE")
_JSON_LEVEL_KEYS = ("level", "lvl", "severity", "levelname", "PRIORITY")
#: Longer lines are not parsed as records (a huge one-line document is no log record).
_JSON_RECORD_CHARS = 20_000


def json_record_event(line: str) -> tuple[str, str, str] | None:
    """A JSON-lines log record's event: (level, message with its variables masked, its keys).

    One call site of a structured logger writes one message with one set of keys; the other
    values (time, pid, file, size) vary. Drain cannot see that: a record has no spaces, so every
    line would be a template of its own. ``None`` for a line that is no such record."""
    s = line.strip()
    if not (s.startswith("{") and s.endswith("}")) or len(s) > _JSON_RECORD_CHARS:
        return None
    obj = json_object(s)
    if obj is None:
        return None
    msg = next((obj[k] for k in _JSON_MSG_KEYS if isinstance(obj.get(k), str)), None)
    if msg is None:
        return None
    level = next((obj[k] for k in _JSON_LEVEL_KEYS if k in obj), "")
    return str(level), masked(msg), ",".join(sorted(obj))


#: A level word near a record's start, in any convention (``INFO``, ``warn:``, ``[error]``).
_LEVEL = re.compile(r"(?<![\w-])(?:TRACE|DEBUG|INFO|NOTICE|WARN(?:ING)?|ERR(?:OR)?|CRIT(?:ICAL)?|FATAL|SEVERE"
                    r"|PANIC|EMERG|ALERT)(?![\w-])", re.I)
#: An HTTP request in an access log line (nginx, Apache, uvicorn, gunicorn; hypercorn's protocol
#: without ``HTTP/``: ``"GET /6/update 1.1" 500``): method, status.
_REQUEST = re.compile(r'"([A-Z]{3,8}) [^"\s]*(?: (?:HTTP/)?\d(?:\.\d)?)?" (\d{3})\b')
#: An application's own request line (``GET /items?id=3 -> 200 in 2ms``): method, status if given.
_APP_REQUEST = re.compile(r"(?<![\w\"])(GET|POST|PUT|DELETE|PATCH|HEAD|OPTIONS) /[^\s\"]*(?:\s+(?:->|=>|-)?\s*([1-5]\d\d)\b)?")
#: A proxy's request line, its status before the request (HAProxy's HTTP log: the five timers
#: ``0/0/1/0/2``, then ``404 500 ... "GET /missing.html HTTP/1.1"``; squid's ``TCP_MISS/503 4203
#: GET http://...``): status, method.
_PROXY_REQUEST = re.compile(r'(?<!\S)(?:-?\d+/-?\d+/-?\d+/-?\d+/\+?\d+ ([1-5]\d\d) [^"\n]*"|[A-Z]+(?:_[A-Z]+)+/([1-5]\d\d) \d+ )([A-Z]{3,8}) ')
#: A result code named as such (``Response sent with status 500``, slapd's ``RESULT tag=105 err=32``,
#: ``rc=-1``, ``exit_code: 2``): the request's outcome, not a value (``err=0`` and ``err=32`` are two events).
_RESULT_CODE = re.compile(r"(?<![\w-])(?:[Ss]tatus(?:[ _]?[Cc]ode)?|err|errno|rc|ret|exit(?:_?code)?)(?:=|:? )(-?\d{1,3})(?![\w.])")
#: A syslog (RFC 3164, journalctl short) header: the program that wrote the record.
_SYSLOG_PROGRAM = re.compile(r"^(?:\w{3} [ \d]\d \d\d:\d\d:\d\d|\d{4}-\d\d-\d\dT\S+) [^\s\[]\S* ([\w./@-]+?)(?:\[\d+\])?: ")


def event_fields(line: str) -> tuple[str, ...]:
    """The words that make a line's event, whatever Drain merges: its level (the same message
    at INFO and at ERROR is two events), an HTTP request's method and status (``GET ... 200``
    and ``GET ... 404`` are two events; Drain masks the status as a number) and a syslog
    record's program (``sudo:`` and ``su[912]:`` writing the same words are two events)."""
    fields: tuple[str, ...] = ()
    level = _LEVEL.search(line, 0, 80)
    if level:
        fields += (level.group(0).upper(),)
    req = (_REQUEST.search(line) or _APP_REQUEST.search(line, 0, 200)
           or (_PROXY_REQUEST.search(line) if '"' in line or "_" in line else None))
    if req:
        fields += tuple(g for g in req.groups() if g)
    elif (code := _RESULT_CODE.search(line)) is not None:
        fields += (code.group(0),)
    prog = _SYSLOG_PROGRAM.match(line)
    if prog:
        fields += (prog.group(1),)
    return fields


_PID = re.compile(r"\[\d+\]$")


def _with_fields(template: str, line: str, fields: tuple[str, ...]) -> str:
    """``template`` with the variable tokens that hold ``fields`` in ``line`` written out."""
    if not fields:
        return template
    t_tokens, l_tokens = template.split(), message_tokens(line)[1]
    if len(t_tokens) != len(l_tokens):
        return template
    wanted = {f.upper() for f in fields}
    for k, (t, w) in enumerate(zip(t_tokens, l_tokens)):
        if t.startswith("<") and t.endswith(">") and (_PID.sub("", w.strip('"():,')).strip("[]").upper() in wanted):
            t_tokens[k] = w
    return " ".join(t_tokens)
