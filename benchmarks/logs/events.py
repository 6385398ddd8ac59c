"""Event types for the real-log benchmark (issue #23), assigned from each format's own structure.

Independent of the compressor (no drain3): a per-source header regex splits a record's first line
into level and message; the message's variable fields are masked (timestamps, UUIDs, IPs, URLs,
paths, quoted strings, hex, key=value values, tokens with digits, plus a few per-format fields
such as package or user names); the event type is (logger/level-ish prefix, masked message).
Lines that do not start a record (stack frames, indented lines, lines without the source's header)
are continuation lines and belong to the record above.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

# --------------------------------------------------------------------------- masking

_MASKS: list[tuple[re.Pattern, str]] = [
    (re.compile(r"\b\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:[.,]\d+)?(?:Z|[+-]\d\d:?\d\d| ?UTC)?"), "<TS>"),
    (re.compile(r"\b\d\d/\w{3}/\d{4}:\d\d:\d\d:\d\d [+-]\d{4}"), "<TS>"),
    (re.compile(r"\b\d\d? \w{3} \d{4} \d\d:\d\d:\d\d(?:\.\d+)?"), "<TS>"),
    (re.compile(r"\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b"), "<UUID>"),
    (re.compile(r"\b[a-zA-Z][\w+.-]*://[^\s\"'<>]+"), "<URL>"),
    (re.compile(r"\b(?:\d{1,3}\.){3}\d{1,3}(?::\d+)?\b(?![\w.~+-])"), "<IP>"),
    (re.compile(r"\"(?:[^\"\\]|\\.)*\"|'(?:[^'\\]|\\.)*'"), "<STR>"),
    (re.compile(r"(?<![\w<])(?:\.{0,2}/[\w.@:+~-]*)+|\b[\w.@+-]+(?:/[\w.@:+~-]+)+/?"), "<PATH>"),
    (re.compile(r"\b(?=[0-9a-fA-F]*\d)(?=[0-9a-fA-F]*[a-fA-F])[0-9a-fA-F]{6,}\b|\b0x[0-9a-fA-F]+\b"), "<HEX>"),
    (re.compile(r"\b([\w.-]+)=(?:<[A-Z]+>|\"[^\"]*\"|'[^']*'|[^\s,;]*)"), r"\1=<*>"),
    (re.compile(r"[\w.:+%~-]*\d[\w.:+%~-]*"), "<*>"),
]
_SPACES = re.compile(r"\s+")


def mask(msg: str, extra: list[tuple[re.Pattern, str]] = ()) -> str:
    for rx, rep in extra:
        msg = rx.sub(rep, msg)
    for rx, rep in _MASKS:
        msg = rx.sub(rep, msg)
    return _SPACES.sub(" ", msg).strip()


# --------------------------------------------------------------------------- alerting

ALERT_LEVELS = {"e", "w", "f", "c", "error", "err", "warn", "warning", "fatal", "crit", "critical", "emerg",
                "emergency", "alert", "severe", "panic", "#", "40", "50", "60", "failure"}
ALERT_WORDS = re.compile(r"\b(errors?|warn(?:ing)?s?|fatal|critical|crit|emerg|panic|exceptions?|\w*exception|fail(?:ed|s|ure)?|"
                         r"denied|refused|time[d ]?out|timed out|abort(?:ed|ing)?|not authori[sz]ed|unauthori[sz]ed)\b", re.I)


def is_alert(level: str | None, msg: str) -> bool:
    if level and level.strip().lower().strip("[]<>") in ALERT_LEVELS:
        return True
    return bool(ALERT_WORDS.search(msg))


# --------------------------------------------------------------------------- formats

@dataclass
class Format:
    """``header``: regex a record's first line matches, with groups ``msg`` and optionally ``level``
    and ``key`` (part of the type, e.g. logger name). Lines not matching it are continuations
    (when ``continuation`` is None) or records of their own."""

    header: re.Pattern | None = None
    extra: list[tuple[re.Pattern, str]] = field(default_factory=list)
    continuation: re.Pattern | None = None  # if set: only lines matching it continue a record
    kind: str = "text"  # "text" | "json" | "access" | "jul" (java.util.logging: date/class line, then LEVEL: msg)


_C = re.compile
_INDENT_OR_TRACE = _C(r"^(?:\s|Traceback |Caused by|\.\.\. \d+ more|During handling|The above exception|\S+(?:Error|Exception)\b[:\s]?)")
PKG = (_C(r"\b[\w.+-]+:(?:amd64|all|i386|arm64)\b"), "<PKG>")

FORMATS: dict[str, Format] = {
    "postgres": Format(_C(r"^\S+ \S+ \S+ \[\d+\] (?:\S+@\S+ )?(?P<level>[A-Z]+):\s+(?P<msg>.*)")),
    "nginx_error": Format(_C(r"^\S+ \S+ \[(?P<level>\w+)\] \d+#\d+: (?:\*\d+ )?(?P<msg>.*)"),
                          extra=[(_C(r", (client|server|request|upstream|host|referrer): .*$"), "")]),
    "nginx_access": Format(kind="access"),
    "redis": Format(_C(r"^\d+:[A-Z] \d\d \w{3} \d{4} \S+ (?P<level>[.*#-]) (?P<msg>.*)"),
                    extra=[(_C(r"\bcmd=\S+"), "cmd=<*>")], continuation=_C(r"^\s*$|^\s")),
    "sshd": Format(_C(r"^(?P<msg>.*)"),
                   # "invalid user NAME" first: the name may itself be "user" ("Invalid user user from ...").
                   extra=[(_C(r"\b([Ii]nvalid user) ([\w.-]+)(?= from| \d|\s*$| on| port)"), r"\1 <USER>"),
                          (_C(r"\b(invalid user|Invalid user|for|user|by) (?!invalid\b)(?!user\b)([\w.-]+)(?= from| \d|\s*$| on| port)"), r"\1 <USER>")],
                   continuation=_C(r"^\s")),
    "syslog": Format(_C(r"^\w{3} [ \d]\d \d\d:\d\d:\d\d \S+ (?P<key>[\w.-]+)(?:\[\d+\])?: (?P<msg>.*)"),
                     extra=[(_C(r"\b(user|for user|to|from|by|add|ruser|name|group|) '?(benchuser|root|alice|bob|carol|ops|users)'?\b"), r"\1 <USER>"),
                            (_C(r"^\S+ : "), "<USER> : ")]),
    "java_log4j": Format(_C(r"^\S+ \S+ (?P<level>[A-Z]+)\s+\[[^\]]+\] (?P<key>\S+) - (?P<msg>.*)"),
                         extra=[(_C(r"\b(for|file=) \S+$"), r"\1 <*>")]),
    "node_winston": Format(_C(r"^\S+Z \[(?P<key>\w+)\] (?P<level>\w+): (?P<msg>.*)"), extra=[(_C(r"in document \S+$"), "in document <*>")]),
    "node_pino": Format(kind="json"),
    "java_jul": Format(_C(r"^(?P<level>SEVERE|WARNING|INFO|CONFIG|FINE|FINER|FINEST): (?P<msg>.*)"), kind="jul",
                       extra=[(_C(r"(quota of <\*> bytes exceeded by|copied|access denied on|source vanished:|copy failed for) \S+"), r"\1 <*>")]),
    "npm_debug": Format(_C(r"^\d+ (?P<level>\w+) (?P<msg>.*)"),
                        extra=[(_C(r"^(timing|fetch|reify\w*|placeDep|build|run|ADD|REMOVE|CHANGE)\s+\S+"), r"\1 <*>"),
                               (_C(r"[\w@/.-]+@[\^~]?(?=\d|https?:)"), "<PKG>@")]),
    "py_loguru": Format(_C(r"^\S+ \S+ \| (?P<level>\w+)\s*\| (?P<key>\S+) - (?P<msg>.*)"),
                        extra=[(_C(r"^(audited|no file list for package) \S+"), r"\1 <PKG>"), (_C(r"^[\w.+-]+: "), "<PKG>: ")]),
    "py_structlog": Format(_C(r"^\S+Z \[(?P<level>\w+)\s*\] (?P<msg>.*)")),
    "dpkg": Format(_C(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d (?P<msg>.*)"), extra=[PKG, (_C(r"^(status [\w-]+|remove|purge) \S+"), r"\1 <PKG>")]),
    "apt_term": Format(_C(r"^(?P<msg>\S.*)"), extra=[
        PKG, (_C(r"\b(package|Unpacking|Setting up|Processing triggers for|Removing|Purging|Preparing to unpack) \S+"), r"\1 <PKG>"),
        (_C(r"\(Reading database \.\.\..*"), "(Reading database ..."),
        (_C(r"^Adding \S+"), "Adding <*>"), (_C(r"(to provide \S+) \([\w-]+\)"), r"\1 (<*>)")]),
}


def _haproxy_http(m: re.Match) -> str:
    fe, be, status, flags, meth = m.group(1), m.group(2), m.group(3), m.group(4), m.group(5)
    word = status.translate(str.maketrans("0123456789", "abcdefghij"))  # keep the exact status, unmasked
    return f"http {fe} {be}/<srv> status {word} flags {flags} {meth}" + (" error" if status[0] == "5" else "")


FORMATS["haproxy"] = Format(_C(r"^(?:\[(?P<level>[A-Z]+)\]\s+\(\d+\) : )?(?P<msg>.*)"), extra=[
    (_C(r'^\S+ \[[^\]]+\] (\S+) ([^/\s]+)/\S+ \S+ (\d{3}) \S+ \S+ \S+ (\S+) \S+ \S+ "(\S+) .*'), _haproxy_http),
    (_C(r"\bapp/s\d\b"), "app/<srv>")], continuation=_C(r"^\s"))

FORMATS["mosquitto"] = Format(_C(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d: (?P<msg>.*)"), extra=[
    (_C(r"\b(to|from|as|Client|SUBACK to|CONNACK to) (?!<)[\w.-]+"), r"\1 <client>"), (_C(r"^[\w-]+ \d+ \S+$"), "<client> <*> <topic>"),
    (_C(r"m\.conf\.\d+"), "m.conf")])

GENERIC = Format(_C(r"^(?:\S+ )?(?:\S+ )?(?P<level>\b(?:TRACE|DEBUG|INFO|NOTICE|WARN|WARNING|ERROR|FATAL|CRITICAL|SEVERE)\b)?:?\s*(?P<msg>.*)"),
                 continuation=_C(r"^\s"))


def format_for(source: str) -> Format:
    return FORMATS.get(source, GENERIC)


# --------------------------------------------------------------------------- typing

@dataclass
class Typed:
    """Per line of a log: event type (str), whether the line starts a record, whether the type alerts."""

    types: list[str]
    heads: list[bool]
    alert: dict[str, bool]


_PINO_LEVELS = {10: "trace", 20: "debug", 30: "info", 40: "warn", 50: "error", 60: "fatal"}


def _access_type(line: str) -> tuple[str, str | None, str] | None:
    m = re.match(r'^\S+ \S+ \S+ \[[^\]]+\] "(\S+)(?: \S+)?(?: \S+)?" (\d{3}) ', line)
    if not m:
        return None
    meth, status = m.group(1), m.group(2)
    if not re.fullmatch(r"[A-Z]{3,8}", meth):
        meth = "<BAD>"
    lvl = "error" if status[0] == "5" else None
    return f"{meth} {status}", lvl, f"{meth} {status}"


def assign_types(lines: list[str], source: str) -> Typed:
    fmt = format_for(source)
    types: list[str] = []
    heads: list[bool] = []
    alert: dict[str, bool] = {}
    cur: str | None = None
    jul_date = _C(r"^\w{3} \d\d, \d{4} \d\d?:\d\d:\d\d [AP]M (\S+) (\S+)$")
    pending = None  # jul: index of a date/class line waiting for its LEVEL line
    for idx, line in enumerate(lines):
        parsed = None  # (type, level, msg)
        if fmt.kind == "jul":
            dm = jul_date.match(line)
            if dm:
                pending = dm.group(1)  # class name; the LEVEL line next is the record's head
                types.append("")  # filled in below
                heads.append(False)
                continue
            m = fmt.header.match(line)
            if m and pending is not None:
                t = " ".join((pending, m.group("level"), mask(m.group("msg"), fmt.extra)))
                if types and types[-1] == "":
                    types[-1] = t
                pending = None
                cur = t
                types.append(t)
                heads.append(True)
                alert[t] = alert.get(t, False) or is_alert(m.group("level"), t)
                continue
            if types and types[-1] == "":  # date line without a LEVEL line after it
                types[-1] = cur or "<orphan>"
            pending = None
            parsed = None if cur is not None else (mask(line), None, line)
        elif fmt.kind == "json":
            try:
                obj = json.loads(line)
                lvl = obj.get("level")
                lvl = _PINO_LEVELS.get(lvl, str(lvl)) if isinstance(lvl, int) else str(lvl)
                msg = str(obj.get("msg", obj.get("message", "")))
                parsed = (f"{lvl} {mask(msg)}", lvl, msg)
            except (ValueError, AttributeError):
                parsed = None
        elif fmt.kind == "access":
            parsed = _access_type(line)
        else:
            cont = (fmt.continuation.search(line) is not None) if fmt.continuation else None
            m = fmt.header.match(line) if fmt.header else None
            if cur is not None and ((cont is True) or (cont is None and (m is None or _INDENT_OR_TRACE.match(line)))):
                parsed = None
            elif m is not None and not (cont is True):
                g = m.groupdict()
                lvl = g.get("level")
                key = g.get("key") or ""
                msg = g.get("msg") or ""
                t = " ".join(x for x in (key, (lvl or "").upper(), mask(msg, fmt.extra)) if x)
                parsed = (t, lvl, msg)
            else:
                parsed = (mask(line, fmt.extra), None, line)
        if parsed is None and cur is not None:
            types.append(cur)
            heads.append(False)
            continue
        if parsed is None:  # unparseable first line
            parsed = (mask(line, fmt.extra), None, line)
        t, lvl, msg = parsed
        if not t.strip():
            t = "<blank>"
        cur = t
        types.append(t)
        heads.append(True)
        alert[t] = alert.get(t, False) or is_alert(lvl, t)
    return Typed(types, heads, alert)
