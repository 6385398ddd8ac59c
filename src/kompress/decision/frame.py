"""The structure frame: repeated structure is collapsed, every distinct event stays.

A frame is computed from the text alone (no model) for line-structured domains:

* ``templates`` (logs): the first record of every template stays, and for an alerting
  template (an error, warning, failure ... in any convention) the first record whole and the
  last one too; the other records of a template are *repeats*.
* ``runs`` (builds, test runs): only runs of consecutive records of one template collapse
  (``PASSED`` lines of ``pytest -v``, progress and download lines), keeping each run's
  first record; elsewhere the model and the guards decide as without a frame (the
  ``file:line`` of each traceback entry is no repeat).
* ``json``: in an array of similar objects, the first items stay, and every item whose
  keys or value types deviate from the array's usual ones; the others are repeats.
* ``stack`` (crashes, tracebacks): a recursion's repeated frames (one call site, consecutive)
  collapse, keeping the first and the last.
* ``listing`` (``find``, ``ls -R``): per folder and extension the first entries stay; the
  others are repeats, and their marker names them (``{a.py, b.py, ...}``, numbered series as
  ``first .. last (N)``): the names are what an agent reads a listing for, the folder prefix
  repeated on every line is not.

The decision (:mod:`kompress.decision.decide`) keeps the frame's lines, lets the model's
scores keep further lines, holds repeats to a higher bar, and the renderer announces each
run of dropped lines with one marker naming what was collapsed and how many
(:func:`describe_run`).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from kompress.decision.guards import ERRNO_MESSAGE_ALTERNATION, SECURITY_FINDING, STACK_LINE, is_critical_line
from kompress.structure.domains import has_clock, json_span
from kompress.structure.tables import Table, cells_of, find_table, is_header, is_rule
from kompress.structure.templates import LineTemplates, json_object, masked, message_tokens, mine, pass_mark
from kompress.structure.units import LineView, indent_width

#: Kinds of frame, by domain (a domain not named has none).
FRAME_KINDS = {"log": "templates", "build": "runs", "test": "runs", "json": "json", "tree": "listing",
               "crash": "stack", "traceback": "stack", "text": "table"}
#: In a "runs" frame, consecutive records of one template collapse from this many on; in a
#: "stack" frame, consecutive frames of one call site.
MIN_RUN = 3
#: A run's template measuring time per row (``<NUM> ns/op``, ``<NUM> ms``): a benchmark's rows. Each
#: row names what it measured, so the first row of each name stays, the first TABLE_RARE_ROWS names
#: of a run (the repeats of one name, from ``-count=5``, still collapse).
_MEASURED = re.compile(r"<(?:NUM|STAMP|\*)>\s?(?:ns|us|µs|ms|s)(?:/op)?(?!\S)")
#: Distinct wordings of one alerting event kept before the rest collapse into its marker.
ALERT_VARIANTS = 8
#: Records of an alerting event in a clocked log up to which each naming other values stays (a
#: daemon's flood of one alert collapses to its wordings, first and last).
CLOCKED_ALERTS = 16
#: Share of a log's records stamped with a clock time from which it is a daemon's log, not a tool's
#: report (JUL writes its clock on every other line; a tool may print a few durations).
CLOCKED_SHARE = 0.2
#: Records of an alerting event up to which each stays though only numbers tell them apart, in a
#: daemon's clocked log too: nginx's three ``limiting requests, excess: 1.936 by zone "search"``,
#: each a rejected request.
FEW_ALERTS = 4
#: Records of an alerting event without a clock time (a tool's report, not a daemon's log) of which
#: each naming other values stays: typedoc's ninety ``X, defined in Y, does not have any
#: documentation`` are ninety places to fix, not one event repeated. Past the first this many
#: the event is a flood of one kind, and its wordings and markers stand for the rest.
TOOL_ALERTS = 100
#: The same for an event that does not alert: Drain's template generalises over words as well
#: as values (``action start <*>`` of ``boot`` and ``halt``). 4: the smallest cap that keeps every
#: event type of the collected real-log bench (2: 0.99 of types, 4 and 8: 1.00).
EVENT_VARIANTS = 4
#: What an alert's wording leaves out: URLs, paths, quoted and ``key=`` values (one file or key per record).
_WORDING_VARS = re.compile(r"\S*://\S*|(?<==)[^\s,;]+|[\w.~-]*/[\w./~-]*|'[^'\n]*'|\"[^\"\n]*\"")
#: And a value quoted in backticks, in an alert's (pycldf's ``Key `Eryuan` not found in table
#: languages.csv``); in another record's it is what tells findings apart (graphql-schema-linter's
#: ``The enum value `ForceSide.neutral` is missing a description.``).
_CODE_QUOTED = re.compile(r"`[^`\n]*`")
#: Items of a JSON array kept before collapsing the rest.
JSON_KEEP_FIRST = 2
#: Words from which a line of a kept JSON item is free text the frame does not force, and from
#: which a line that is one key's string value (a package's description, a README) collapses.
JSON_LONG_VALUE_WORDS = 40
#: A collapsed JSON item of at least this many lines, most of them deeper than
#: :data:`JSON_SKELETON_DEPTH` containers into it (openapi-diff's differences, each over a schema
#: dump), keeps its skeleton: the first :data:`JSON_SKELETON_LINES` lines within that depth that
#: are a key and a short plain value (its ``"code": "method.remove"`` and ``"location":
#: "paths./pet/{petId}.delete"``), so a marker does not hide which item was what. Items of many
#: shallow fields (cloud instances, installed packages) are records: they collapse whole.
JSON_SKELETON_MIN = 40
JSON_SKELETON_LINES = 8
JSON_SKELETON_DEPTH = 3
#: Most: at most this share of the item's lines are within the depth.
JSON_SKELETON_SHALLOW = 1 / 3
#: A value naming its item is short: a code, a path, an id; not a description.
_SKELETON_VALUE_CHARS = 160
#: A JSON item is a finding (a linter's or type checker's diagnostic in its ``--json`` mode: ruff,
#: pyright, markdownlint) when it names a rule or rates itself a problem: each such item is a
#: place to fix, like a report's alerts, not a record repeated; the first :data:`TOOL_ALERTS` stay.
_JSON_RULE_KEY = re.compile(r"(?i)^(?:rule|rule[ _-]?(?:id|names?)|check[ _-]?id|test[ _-]?id)$")
_JSON_SEVERITY = re.compile(r"(?i)^(?:errors?|warnings?|warn|fatal|critical|high|medium|major|blocker)$")
#: A ``"code"`` holding a rule's code (flake8's ``"code": "E711"``, ``TS2322``, ``SC2086``), not an HTTP status.
_JSON_RULE_CODE = re.compile(r"^[A-Z][A-Z0-9]{0,5}\d{2,5}$")
#: A key naming the file an item is about (npm pack's ``"path"``, ``"filename"``).
_JSON_PATH_KEY = re.compile(r"(?i)^(?:path|file|file_?name|file_?path|relative_?path)$")
#: A finding's own words, when it names no rule: its message less names and numbers tells one
#: kind of finding from another.
_JSON_MESSAGE_KEY = re.compile(r"(?i)^(?:message|msg|text|description|title|summary)$")
#: An array held by a key naming problems (mocha's ``"failures": [...]``, ``"errors"``,
#: ``"violations"``, rubocop's ``"offenses"``, a clone detector's ``"duplicates"``): each item is
#: a finding whatever its keys.
_JSON_PROBLEM_ARRAY = re.compile(r'(?i)\."(?:errors?|failures?|failed|violations?|issues?|problems?|diagnostics?|findings?|warnings?'
                                 r'|alerts?|offenses?|vulnerabilities|leaks?|defects?|smells?|duplicates?|duplications?)"$')
#: Entries per folder and extension kept before collapsing the rest.
LISTING_KEEP_FIRST = 2
#: A listing of at most this many entries stays whole: each entry is a path an agent may open
#: next (a ``find ... | head -30``), and collapsing a few dozen paths saves a few hundred tokens
#: at the price of the one it wanted. Long listings (``ls -R`` of a tree) collapse.
LISTING_WHOLE = 50
#: A log of at most this many (non-blank) lines stays whole, as a short listing does.
LOG_WHOLE = LISTING_WHOLE
#: Characters of entry names a listing marker lists (then ``...``): bounds a marker of a huge folder.
MARKER_NAME_CHARS = 600
#: Words of an alerting line, whatever the logging convention.
ALERT = re.compile(
    # Not a word inside a name (``process-warning@5.1.1``, ``error.log``, ``/api/errors``)
    r"(?<![-/.@])\b(?:ERROR|ERR|FATAL|CRIT(?:ICAL)?|SEVERE|EMERG|ALERT|PANIC|WARN(?:ING)?|FAIL(?:ED|URE)?|EXCEPTION"
    r"|error|fatal|critical|severe|panic|warn(?:ing)?|fail(?:ed|ure|s)?|exception|denied|refused|timed? ?out"
    r"|Error|Fatal|Critical|Warning|Failed|Failure|Exception|Denied|Refused|Timeout|unreachable|abort(?:ed)?|unmet|rejected"
    # What a checker says of a thing it found wrong, without a level word (e2fsck's ``has invalid
    # mode``, ``ref count is 3, should be 1``; bzip2's ``file ends unexpectedly``; shpdump's
    # ``1 rings wound in the wrong direction.``).
    r"|[Ii]nvalid|[Ii]ncorrect|[Ww]rong|[Cc]orrupt(?:ed|ion)?|[Mm]ismatch(?:ed|es)?|[Uu]nexpected(?:ly)?|[Dd]amaged|[Bb]roken"
    r"|[Cc]annot|[Uu]nable to"
    # (and in its contraction: vite's ``<script src="x.js"> in "/index.html" can't be bundled``)
    r"|[Cc]an['’]t|[Cc]ouldn['’]t"
    # A resolver's failed answers (unbound's, dig's ``status: NXDOMAIN``, tcpdump's ``NXDomain``), not level words but the verdict.
    r"|REFUSED|SERVFAIL|NXDOMAIN|ServFail|NXDomain"  # (tcpdump's spelling)
    # A merge's or a sync's verdict on one path (git's ``CONFLICT (content): Merge conflict in x``,
    # unison's ``[CONFLICT] Skipping README.md``).
    r"|CONFLICT"
    # A system call's failure in the C library's words (chmod's ``Operation not permitted``).
    r"|" + ERRNO_MESSAGE_ALTERNATION +
    r")\b(?![-/@]\w|\.[a-z])"  # (Zig's ``error.TestExpectedEqual`` is one)
    r"|\b[A-Za-z]+(?:Error|Exception)\b"  # a class name, dotted or not (java.io.IOException)
    # A verifier's value against the expected one (git commit-graph verify's ``root tree OID for
    # commit X in commit-graph is A != B``).
    r"|\bis [^\s!]{1,100} != \S"
    r"|<(?:err|error|crit|alert|emerg|warn(?:ing)?)>|^[EWF]\d{4}\b|^[EWF] |\[[EWF]\]| [EWF]/"
    # JSON-lines loggers' numeric levels (pino, bunyan: 40 warn, 50 error, 60 fatal).
    r'|"(?:level|lvl)":\s*[456]0\b'
    # An access log's server errors (HTTP 5xx after the request, ``HTTP/`` or not: hypercorn's
    # ``"GET /6/update 1.1" 500``); a client's failed response
    # (siege's, curl's, httpie's ``HTTP/1.1 404``: what it asked for is not there).
    r'|HTTP/[\d.]+" 5\d\d\b|"[A-Z]{3,8} [^"\n]*" 5\d\d\b|HTTP/[\d.]+ [45]\d\d\b'
    # A linter's count of what it found in a file (csslint's ``There are 12 problems in x.css``).
    r"|\b\d+ problems?\b"
    # A finding led by its rating (a policy or security scanner's ``MEDIUM - Mismatched type - ...``).
    r"|^(?:\[(?:HIGH|MEDIUM|LOW|MAJOR|MINOR|BLOCKER)\]|(?:HIGH|MEDIUM|LOW|MAJOR|MINOR|BLOCKER)[ \t]*[-:|])[ \t]"
    r"|" + SECURITY_FINDING
)
#: A place in a reported file: ``x.ts[12, 8]``, ``x.py:12``, ``x.c(12)``, ``at line 12``, a hunk's
#: ``@@ -14``, a repository's ``revision 88`` or object (a full SHA-1: git's verifiers name the
#: commit they found wrong), an XML report's ``line="145"`` (checkstyle's ``<error line=..>``).
REPORTED_PLACE = re.compile(r"[\w.-]\.[A-Za-z]\w{0,5}(?::\d+|\[\d+|\(\d+)|\bline \d+|\bline=\"\d+|@@ -\d+|\brevision \d+"
                            r"|\b[0-9a-f]{40}\b")
#: A file or path named on a line (``requests/models.py``, ``fragment:/products/4/1``, ``setup.cfg``).
PLACE_NAME = re.compile(r"[\w.-]*/[\w./-]*\w|\b[\w-]+\.(?:[a-z]{1,4}|[A-Z]{1,4})\b(?!\.\d)")
#: Lines of a paragraph (between blank lines) an alert of a tool's report keeps with it.
ALERT_PARAGRAPH_LINES = 8
#: Records looked at above an alert of a report for the file it is about.
ALERT_PLACE_REACH = 30
#: A name an alert gives (``SUBJECT_DRUG_GAP_L``, ``worker_3``, ``20_drugs.cf``): a word with a
#: digit or an underscore, opening with a letter or ``_`` (not a time, an address or a count),
#: or a UUID (a job's, a request's: ``9d2fd520-1e73-4aa3-937e-550ddbe3e85e``).
_ALERT_NAME = re.compile(r"(?<![\w.-])(?=[\w.-]*[_\d])[A-Za-z_][\w.-]{3,}[A-Za-z\d](?![\w-])"
                         r"|\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b")
#: Records naming such a name at most this often are about the thing the alert is about: they
#: stay though each is a repeat (spamassassin's debug ``score set for non-existent rule X``
#: among 180 of them, for the rule its warning could not compile).
ALERT_NAME_RECORDS = 4
_MARKER_TEMPLATE_CHARS = 72
_MARKER_GROUPS = 2
#: Kinds a marker names past the first _MARKER_GROUPS, each of at least _MARKER_GROUP_LINES lines:
#: a restart loop's "20 more lines like Starting gunicorn <NUM>" is news, "1 more line like" is not.
#: (Not a listing's: each of its kinds names its entries.)
_MARKER_MORE_GROUPS = 2
_MARKER_GROUP_LINES = 5
#: Records a marker of one template must hide before it says which values its ``<*>`` took
#: (gc's ``87 more lines like "gc: collectable <*> <HEX>>"`` hid that 20 were builtins, 12 lists):
#: a few lines say it themselves at the price of a marker.
MARKER_VALUES_MIN = 6
#: Values a marker lists, most frequent first, then how many others; each cut to _MARKER_VALUE_CHARS.
MARKER_VALUES = 4
_MARKER_VALUE_CHARS = 40
#: Leading variable fields of a template (timestamps with a 12-hour clock's ``PM`` too, pids):
#: left out of markers, with the brackets and separators around them (not a bracketed word's:
#: unison's ``[CONFLICT] Skipping <*>``; prism's ``[7:18:02 PM] › [CLI] ...``).
_LEADING_VARS = re.compile(r"^(?:(?:<\*>|<[A-Z]+>)(?:\s?[AP]M\b)?[\s\-/:.,T+Z]*|\[(?=<)|[\]()\-:›]\s*)+")


@dataclass
class Frame:
    """What the structure of a text says about its lines."""

    keep: np.ndarray  # lines the frame keeps
    repeat: np.ndarray  # lines repeating a kept event: collapsible, the guards do not force them
    group: np.ndarray  # group id per line for markers (-1: none)
    unit_start: np.ndarray  # the line opens a countable unit of its group (record, item, entry)
    labels: list[tuple[str, str]] = field(default_factory=list)  # per group: (unit noun, plural), phrase
    kind: str = ""  # which frame: templates, runs, json, listing
    sole: set[int] = field(default_factory=set)  # groups whose units are not "more" of a kept one
    free_text: np.ndarray | None = None  # json: long string values the guard does not force
    retold: np.ndarray | None = None  # stack: a traceback told again word for word (the guard does not hold it)
    names: dict[int, str] = field(default_factory=dict)  # listing: entry line -> its name, for markers
    passes: np.ndarray | None = None  # runs: a passing test's result line (its name is no alert)
    slots: dict[int, tuple[str, ...]] = field(default_factory=dict)  # a record head -> its words at its template's <*>


def empty_frame(n: int) -> Frame:
    """A frame that says nothing."""
    return Frame(np.zeros(n, bool), np.zeros(n, bool), np.full(n, -1, np.int64), np.zeros(n, bool))


def build_frame(kind: str | None, text: str, lines: Sequence[str], line_starts: np.ndarray,
                line_ends: np.ndarray) -> Frame | None:
    """The frame of ``kind`` for ``text`` (``None`` when the kind finds no structure)."""
    builders = {"templates": lambda: short_log_frame(lines) or template_frame(lines), "runs": lambda: run_frame(lines),
                "stack": lambda: stack_frame(lines),
                "json": lambda: json_frame(text, line_starts, line_ends), "listing": lambda: listing_frame(lines),
                "table": lambda: table_frame(lines)}
    frame = builders[kind]() if kind in builders else None
    if frame is not None:
        frame.kind = kind
    return frame


def short_log_frame(lines: Sequence[str]) -> Frame | None:
    """A log of at most :data:`LOG_WHOLE` lines stays whole, as a short listing does: each
    record may be the one asked about (``lsof -p``'s open files, a port scan's few refusals),
    and collapsing a few dozen saves little. ``None`` for a longer log."""
    filled = [i for i, x in enumerate(lines) if x.strip()]
    if len(filled) > LOG_WHOLE:
        return None
    f = empty_frame(len(lines))
    f.keep[filled] = True
    return f


#: A resolver's failed answer in numbers (PowerDNS's ``rcode="2"``: SERVFAIL; 0 is NOERROR).
_RCODE_FAILED = re.compile(r'\brcode[=:] ?"?[1-9]\d?\b')


def is_alert(line: str) -> bool:
    """True for a line reporting an error, warning, failure, refusal or timeout, a target a build
    tool gave up on for a failed one (jam's, b2's ``...skipped x for lack of y...``), a hunk
    patch --merge left in conflict (``Hunk #8 NOT MERGED at 588-594.``) or a resolver's failed
    answer by its code (substring tests first, cheaper than more words in :data:`ALERT`)."""
    return (ALERT.search(line) is not None or "for lack of" in line or "NOT MERGED" in line
            or ("rcode" in line and _RCODE_FAILED.search(line) is not None))


# ----------------------------------------------------------------------------- templates
#: Lines of a repeated alerting record kept besides its head and the line under it: the first
#: ones that alert themselves.
RECORD_ALERT_LINES = 3
#: A repeated alerting record of at most this many lines stays whole: one message wrapped over
#: its lines (rdiff-backup's ``ERROR:   Computed SHA1 digest of file x`` / ``'f463...' doesn't
#: match recorded`` / ``digest of '72ae...'. Your backup`` / ``repository may be corrupted!``),
#: not a stack trace (no line of it a frame's).
WRAPPED_RECORD_LINES = 4


def template_frame(lines: Sequence[str]) -> Frame:
    """The first and the last record of every event; alerting records whole.

    An event is a record's head template together with the template of its last line, so
    one log statement that ends in different exceptions is several events. Of every event
    the first and the last record stay (the last carries the latest values: the last
    heartbeat's counts); of an alerting event both stay whole (their stack traces), and so
    does the first record of each other wording of it (:data:`ALERT_VARIANTS`; of an alerting
    event of at most that many records, each record naming other values); of other
    events their head line, and that of each other wording (:data:`EVENT_VARIANTS`). Every
    other record is a repeat.
    """
    n = len(lines)
    lt = mine(lines)
    f = empty_frame(n)
    heads = np.flatnonzero(lt.is_head)
    if not len(heads):
        return f
    bounds = np.append(heads, n)
    spans = []
    keys: list[tuple[int, int]] = []
    for a, b in zip(bounds[:-1], bounds[1:]):
        span = np.arange(a, b)
        span = span[lt.head[span] >= 0]
        spans.append(span)
        keys.append((int(lt.template[a]), int(lt.template[span[-1]]) if len(span) > 1 else -1))
    event: dict[tuple[int, int], int] = {}
    for k in keys:
        event.setdefault(k, len(event))
    first: dict[int, int] = {}
    last: dict[int, int] = {}
    alert = np.zeros(len(event), bool)
    count: Counter[int] = Counter()
    # Which records alert themselves: Drain may merge ``Hunk #3 succeeded at 81.`` and ``Hunk #10
    # FAILED at 203.`` into one event, whose few failures are the findings, not its many passes.
    rec_alert = [any(is_alert(lines[i]) for i in span) for span in spans]
    alerts: Counter[int] = Counter()
    for r, k in enumerate(keys):
        e = event[k]
        first.setdefault(e, r)
        last[e] = r
        count[e] += 1
        alerts[e] += rec_alert[r]
        alert[e] |= rec_alert[r]
    # An event worded differently (``denied execution of start.`` / ``of reload.``, ``action
    # start boot`` / ``halt``, another user) is another event: each wording's first record
    # stays, up to ALERT_VARIANTS per alerting event and EVENT_VARIANTS per other event; the
    # same wording with other numbers, paths or quoted values collapses (paths and quoted values
    # only past ALERT_VARIANTS records of an alerting event).
    # A tool's report: hardly a record stamped with a time (bowtie2's six "Time searching:
    # 00:00:03" among its warnings are durations), none a JSON-lines logger's object. A daemon's
    # log (JUL's clock on the line above each WARNING, pino's epoch) repeats itself.
    stamped = sum(1 for h in heads if has_clock(lines[h]))
    report = stamped < CLOCKED_SHARE * len(heads) and not any(lines[h].lstrip().startswith("{") for h in heads)
    variant: set[int] = set()
    wordings: dict[int, set[str]] = {}
    distinct: dict[int, set[str]] = {}  # a small alerting event's records' masked texts so far
    few: set[int] = set()  # records kept for the other values they name
    for r, k in enumerate(keys):
        e = event[k]
        seen = wordings.setdefault(e, set())
        sig = _WORDING_VARS.sub("<*>", lt.masked[spans[r][0]])
        if alert[e] and "`" in sig:
            sig = _CODE_QUOTED.sub("<*>", sig)
        if sig not in seen and len(seen) < (ALERT_VARIANTS if alert[e] else EVENT_VARIANTS):
            seen.add(sig)
            variant.add(r)
        # A report keeps its first TOOL_ALERTS (xenon's 124 blocks over their rank: the first
        # 100 places, then a marker); a daemon's event, all of them when it has few.
        # A clocked log's alert of at most CLOCKED_ALERTS records (rclone's nine files missing
        # among 1,600 checked) is as many findings: each naming other values stays.
        room = (len(distinct.get(e, ())) < TOOL_ALERTS) if report else alerts[e] <= CLOCKED_ALERTS
        if rec_alert[r] and room:
            # A tool's few alerts of one kind that name other files or values are each news (a
            # build's warnings, one per page); the same alert again (other numbers only) is a
            # repeat, and so is a daemon's clocked record of it with other values (a request id).
            # (A place in the reported file is news though masked: tslint's ``main.ts[932, 9]``
            # and ``[1370, 28]``, csslint's ``at line 33``, are two places to fix.)
            # In a tool's report, a few records of one alert are as many findings even when only
            # numbers tell them apart (patch's ``Hunk #10 FAILED at 203.`` and ``#20 ... at 542.``).
            exact = (report and alerts[e] <= CLOCKED_ALERTS) or alerts[e] <= FEW_ALERTS
            text = "\n".join((lines[i] if exact else lt.masked[i]) + " @" + " ".join(REPORTED_PLACE.findall(lines[i]))
                             for i in spans[r])
            if text not in distinct.setdefault(e, set()):
                distinct[e].add(text)
                few.add(r)
    for r, k in enumerate(keys):
        e, span = event[k], spans[r]
        if r in (first[e], last[e]) or r in variant:
            f.keep[span if alert[e] else span[:1]] = True
        if r != first[e] and r not in variant:
            f.repeat[span] = True
            f.repeat[span[:1]] = r != last[e]
            if r == last[e] and not alert[e]:
                f.repeat[span[0]] = False
            if r in few and r != last[e]:
                # Its head and the line under it (an assertion's values, an exception's
                # message), not a whole stack trace again; and the first lines of it that alert
                # themselves (a scanner's request record's ``SQL Injection ... in ...`` under ``---``).
                said = [int(i) for i in span[2:] if is_alert(lines[i])][:RECORD_ALERT_LINES]
                if len(span) <= WRAPPED_RECORD_LINES and not any(STACK_LINE.match(lines[i]) for i in span[2:]):
                    said = [int(i) for i in span[2:]]
                f.keep[span[:2]] = True
                f.repeat[span[:2]] = False
                f.keep[said] = True
                f.repeat[said] = False
        if count[e] > 1:
            f.group[span] = e
    head_of = np.full(n, -1)  # each line's record head
    for span in spans:
        head_of[span] = span[0]
    _extreme_samples(lines, lt, head_of, f)
    _slowest(lines, head_of, f)
    if report:
        # A record of its own kind (ksvalidator's ``argument --vckeymap: expected one argument``
        # under ``Checking kickstart file keyboard.ks``) is a finding though no level word says so.
        once = [rec_alert[r] or count[event[k]] == 1 for r, k in enumerate(keys)]
        _alert_places(lines, heads, spans, once, f)
    _alert_paragraphs(lines, spans, rec_alert, f)
    _alert_names(lines, spans, rec_alert, f)
    f.unit_start[heads] = True
    f.labels = [(("line", "lines"), f'like "{_short(lt.texts[k[0]])}"') for k in event]
    f.slots = _slot_values(lines, lt, heads, lt.template, lt.texts)
    return f


#: A sample's field: a number with its unit (``271136.50``, ``42%``, ``424.9M``, ``1.23s``).
_SAMPLE_FIELD = re.compile(r"([-+]?\d+(?:\.\d+)?)(%|[KMGTP]i?B?|[kmgt]|B|s|ms)?")
_UNIT_SCALE = {"K": 2**10, "M": 2**20, "G": 2**30, "T": 2**40, "P": 2**50, "k": 1e3, "m": 1e6, "g": 1e9, "t": 1e12,
               "ms": 1e-3}
#: A line of samples: this share of its fields numbers (iostat's device row, sar's, pidstat's, atop's process row) ...
SAMPLE_SHARE = 0.6
#: ... SAMPLE_FIELDS of them at least, in SAMPLE_LINES lines of one template at least.
SAMPLE_FIELDS = 2
SAMPLE_LINES = 4


def _field_value(word: str) -> float | None:
    """The value of a sample's field in its unit's scale (``424.9M``, ``1.23s``), or None."""
    if not word[:1].isdigit() and word[:1] not in "+-":
        return None
    if word[-1:].isdigit():
        try:
            return float(word)  # most fields are plain numbers: no pattern to run
        except ValueError:
            pass
    m = _SAMPLE_FIELD.fullmatch(word)
    if m is None:
        return None
    unit = m.group(2) or ""
    # (``ms`` whole first: its ``m`` is no mega.)
    return float(m.group(1)) * _UNIT_SCALE.get(unit, _UNIT_SCALE.get(unit[:1], 1.0))


def _keep_with_head(f: Frame, head_of: np.ndarray, k: int) -> None:
    """Line ``k`` stays, and the head of its record (``head_of``: -1 where none), as no repeats."""
    for i in {k, int(head_of[k])} - {-1}:
        f.keep[i] = True
        f.repeat[i] = False


def _extreme_samples(lines: Sequence[str], lt: LineTemplates, head_of: np.ndarray, f: Frame) -> None:
    """Of lines of samples of one template (a monitor's rows: ``vda 3042.00 131196.00 ...`` once a
    second), the one holding each column's highest value stays, and the head of its record (the
    sample's time): a run's peak is its news, though every row is the same event."""
    # Only a template whose first line is masked mostly to numbers can hold such lines (a cheap
    # look, one line of each, before reading words).
    numeric: dict[int, bool] = {}
    by_template: dict[tuple, list[int]] = {}
    for i in np.flatnonzero(lt.template >= 0).tolist():
        t = int(lt.template[i])
        if t not in numeric:
            words = lt.masked[i].split()
            numeric[t] = sum("<NUM>" in w for w in words) >= max(SAMPLE_FIELDS, SAMPLE_SHARE * len(words))
        if not numeric[t]:
            continue
        # A series is a template's lines naming the same things (pidstat's rows of one command,
        # iostat's of one device): its words the masking left alone (no number, time or path).
        names = tuple(w for w in lt.masked[i].split() if "<" not in w)
        by_template.setdefault((t, names, len(lines[i].split())), []).append(i)
    for rows in by_template.values():
        if len(rows) < SAMPLE_LINES:
            continue
        fields = [lines[i].split() for i in rows]
        width = len(fields[0])
        if width < SAMPLE_FIELDS or any(len(x) != width for x in fields):
            continue
        values = [[_field_value(w) for w in x] for x in fields]
        cols = [j for j in range(width) if all(v[j] is not None for v in values)]
        if len(cols) < max(SAMPLE_FIELDS, SAMPLE_SHARE * width):
            continue
        for j in cols:
            col = [v[j] for v in values]
            top = max(col)
            if top == min(col):
                continue
            _keep_with_head(f, head_of, rows[col.index(top)])


#: A labelled duration on a log's line: PostgreSQL's ``duration: 6.014 ms``, ``took 3.2s``,
#: ``elapsed=120ms``. Group 1: the label, 2: the number, 3: its unit.
_DURATION = re.compile(r"\b(duration|took|elapsed|latency)[:=]?\s?(\d+(?:\.\d+)?)\s?(ms|s|us|µs)\b", re.I)
_TIME_UNIT = {"s": 1.0, "ms": 1e-3, "us": 1e-6, "µs": 1e-6}
_DURATION_LABELS = ("duration", "took", "elapsed", "latency")
#: Slowest records kept of a log's lines of one labelled duration (at least SAMPLE_LINES of them).
SLOWEST = 3


def _slowest(lines: Sequence[str], head_of: np.ndarray, f: Frame) -> None:
    """Of a log's lines giving a duration under one label (a server's ``duration: 6.014 ms
    statement: ...`` for every statement), the :data:`SLOWEST` slowest stay, with the head of
    their record: which statements were slow is what such a log is read for."""
    text = lines.text if isinstance(lines, LineView) else "\n".join(lines)
    low = text.lower()
    if not any(label in low for label in _DURATION_LABELS):
        return  # (most logs: one look at the text, no pattern run)
    starts = lines.starts if isinstance(lines, LineView) else np.cumsum([0] + [len(x) + 1 for x in lines[:-1]])
    timed: dict[str, dict[int, float]] = {}
    bounds = (int(lines.starts[0]), int(lines.ends[-1])) if isinstance(lines, LineView) and len(lines) else (0, len(text))
    for m in _DURATION.finditer(text, *bounds):
        i = int(np.searchsorted(starts, m.start(), side="right")) - 1
        timed.setdefault(m.group(1).lower(), {}).setdefault(i, -float(m.group(2)) * _TIME_UNIT[m.group(3).lower()])
    for by_line in timed.values():
        rows = [(v, i) for i, v in by_line.items()]
        if len(rows) < SAMPLE_LINES or len({v for v, _ in rows}) < 2:
            continue
        for _, k in sorted(rows)[:SLOWEST]:
            _keep_with_head(f, head_of, k)


def _alert_places(lines: Sequence[str], heads: np.ndarray, spans: list[np.ndarray], alerting: list[bool], f: Frame) -> None:
    """A kept alert of a tool's report (``alerting``: an alert or a record of its own kind) that
    names no file brings the nearest record above it
    naming one (:data:`ALERT_PLACE_REACH` records at most): the file it is about (patch's
    ``checking file requests/models.py`` above ``Hunk #10 FAILED at 203.``, memcached's
    ``<23 set fragment:/products/4/1 0 600 900000`` above ``>23 SERVER_ERROR object too large``);
    one naming a file by its base name, the record right above naming its path."""
    for r, span in enumerate(spans):
        if not alerting[r] or not f.keep[span[0]]:
            continue
        if any(PLACE_NAME.search(lines[i]) for i in span):
            # An alert naming a file by its base name (lftp's ``Access failed: 404 File not found
            # (chart-bar-demo.js)``) brings the record right above naming its path
            # (``Transferring file `js/demo/chart-bar-demo.js'``).
            if r > 0 and not alerting[r - 1]:
                h = int(heads[r - 1])
                said = "\n".join(lines[i] for i in span)
                bases = (m.group(0).rsplit("/", 1)[-1] for m in PLACE_NAME.finditer(lines[h]) if "/" in m.group(0))
                if any(len(base) >= 3 and base in said for base in bases):
                    f.keep[h] = True
                    f.repeat[h] = False
            continue
        for q in range(r - 1, max(-1, r - 1 - ALERT_PLACE_REACH), -1):
            h = int(heads[q])
            if alerting[q]:
                break  # another alert's place is its own
            if PLACE_NAME.search(lines[h]):
                f.keep[h] = True
                f.repeat[h] = False
                break


def _alert_names(lines: Sequence[str], spans: list[np.ndarray], alerting: list[bool], f: Frame) -> None:
    """A kept alert's rare names (:data:`_ALERT_NAME`) bring the other records naming them
    (their first lines), when at most :data:`ALERT_NAME_RECORDS` records do: what else the log
    says of the rule, worker or file the alert is about, though each record is a repeat."""
    kept_alerts = [r for r, span in enumerate(spans) if alerting[r] and f.keep[span[0]]]
    if not kept_alerts:
        return
    names_of = [{m.group(0) for i in span for m in _ALERT_NAME.finditer(lines[i])} for span in spans]
    named: dict[str, list[int]] = {}
    for r, names in enumerate(names_of):
        for name in names:
            named.setdefault(name, []).append(r)
    for r in kept_alerts:
        for name in names_of[r]:
            others = named[name]
            if len(others) <= ALERT_NAME_RECORDS + 1:
                for q in others:
                    h = int(spans[q][0])
                    f.keep[h] = True
                    f.repeat[h] = False


def _alert_paragraphs(lines: Sequence[str], spans: list[np.ndarray], alerting: list[bool], f: Frame) -> None:
    """A kept alert inside a paragraph of at most :data:`ALERT_PARAGRAPH_LINES`
    lines (blank lines around it) keeps the paragraph: one checked thing's record, whose other
    lines say what it is and where (linkchecker's ``URL``, ``Parent URL ..., line 174`` and
    ``Real URL`` above its ``Result     Error: ...``), though each of them alone is a repeat."""
    n, kept = len(lines), 0
    for r, span in enumerate(spans):
        if kept >= TOOL_ALERTS:
            break
        if not alerting[r] or not f.keep[span[0]]:
            continue
        a = int(span[0])
        while a > 0 and int(span[0]) - a < ALERT_PARAGRAPH_LINES and lines[a - 1].strip():
            a -= 1
        b = int(span[-1]) + 1
        while b < n and b - a <= ALERT_PARAGRAPH_LINES and lines[b].strip():
            b += 1
        if b - a > ALERT_PARAGRAPH_LINES or (a > 0 and lines[a - 1].strip()) or (b < n and lines[b].strip()):
            continue  # no blank line near on both sides: records, not a paragraph
        if any(has_clock(lines[i]) for i in range(a, b)):
            continue  # a daemon's records (a stamped record with its stack), not a checked thing's
        f.keep[a:b] = True
        f.repeat[a:b] = False
        kept += 1


def run_frame(lines: Sequence[str]) -> Frame | None:
    """Runs of >= :data:`MIN_RUN` consecutive records of one template: the first stays.

    A record with an alerting line (a compiler error inside a run of ``Building ...`` lines)
    ends the run and is no repeat: in builds and test runs every error stays.
    """
    n = len(lines)
    lt = mine(lines, by_lead=False)
    f = empty_frame(n)
    heads = np.flatnonzero(lt.is_head)
    # A passing test's record holds only the lines indented deeper than its result line: a
    # failure report printed at its suite's depth after the last pass (jest's ``● suite > test``
    # under ``✓ ...``) opens a record of its own.
    extra = []
    for h, nxt in zip(heads, np.append(heads[1:], n)):
        if pass_mark(lines[h]) is not None:
            depth = indent_width(lines[h])
            extra += [i for i in range(h + 1, nxt) if lt.head[i] >= 0 and indent_width(lines[i]) <= depth][:1]
    if extra:
        heads = np.unique(np.append(heads, extra))
    bounds = np.append(heads, n)
    found = False
    # A passing test's result line is no alert whatever its name says (``✔ 41) clones Error``,
    # ``--- PASS: TestTimeout``): a run of passes collapses through it. (Its record's other lines
    # still count: a runner's failure report indented under the last pass.)
    alert = [any(is_alert(lines[i]) for i in range(a, b) if lt.head[i] >= 0 and (i > a or pass_mark(lines[a]) is None))
             for a, b in zip(bounds[:-1], bounds[1:])]
    # A passing test's record is one kind whatever its name's length (Drain's templates split
    # "✔ main" from "✔ supports German umlauts"): one template per pass mark.
    template, texts = lt.template.copy(), list(lt.texts)
    marks: dict[str, int] = {}
    f.passes = np.zeros(n, dtype=bool)
    for i in heads:
        mark = pass_mark(lines[i])
        if mark is not None:
            f.passes[i] = True
            if mark not in marks:
                marks[mark] = len(texts)
                texts.append(f"{mark} <*>")
            template[i] = marks[mark]
    r = 0
    while r < len(heads):
        t = int(template[heads[r]])
        s = r
        while r + 1 < len(heads) and int(template[heads[r + 1]]) == t and not alert[r + 1] and not alert[s]:
            r += 1
        if r - s + 1 >= MIN_RUN:
            rows = np.arange(heads[s], bounds[r + 1])
            rows = rows[lt.head[rows] >= 0]
            f.group[rows] = t
            f.repeat[rows[rows >= bounds[s + 1]]] = True
            f.keep[heads[s]] = True
            if _MEASURED.search(texts[t]):
                named: set[str] = set()
                for h in heads[s:r + 1]:
                    name = lines[h].split(None, 1)[0] if lines[h].strip() else ""
                    if name not in named and len(named) < TABLE_RARE_ROWS:
                        named.add(name)
                        f.keep[h], f.repeat[h] = True, False
            if r + 1 < len(heads) and alert[r + 1] and pass_mark(lines[heads[r]]) is None:
                # The step the failure came out of (``[14 of 25] Compiling Text.Parsec.Token``
                # right above ghc's error) stays.
                f.keep[heads[r]] = True
                f.repeat[heads[r]] = False
            found = True
        r += 1
    # Alerting records of one template (a compiler's hundredth "Using plain integer as NULL pointer")
    # are no run and no repeat: the guard and the scores decide them, but where they go, their
    # marker names them.
    alerting = Counter(int(template[h]) for h, a in zip(heads, alert) if a)
    for (a, b), a_rec in zip(zip(bounds[:-1], bounds[1:]), alert):
        if a_rec and alerting[int(template[a])] >= MIN_RUN:
            rows = np.arange(a, b)
            rows = rows[(lt.head[rows] >= 0) & (f.group[rows] < 0)]
            f.group[rows] = int(template[a])
    f.unit_start[heads] = True
    f.labels = [(("line", "lines"), f'like "{_short(x)}"') for x in texts]
    f.slots = _slot_values(lines, lt, heads[f.group[heads] >= 0], template, texts)
    return f if found else None


#: A text is decided by its runs of passing verdicts (:func:`verdict_frame`) when at least this
#: share of its lines with words, and :data:`VERDICT_RUN_LINES` lines, are repeats in them.
VERDICT_RUN_SHARE = 0.3
VERDICT_RUN_LINES = 20
#: Failed verdicts kept (a verdict of another word where the runs say a passing one).
VERDICT_FAILURES = 200
#: A verdict that something passed (``<file> - valid``, ``Checking <file>   OK``).
_PASS_VERDICT = re.compile(r"\b(?:valid|ok|OK|passed|PASSED|PASS|succeeded|successful|clean|unchanged)\b")
#: What a verdict is about: a path or a file's name, whatever the characters it is made of.
_VERDICT_NAME = re.compile(r"(?<!\S)(?:[^\s/]*/\S*|[\w.+-]+\.[A-Za-z]\w{0,7})(?!\S)")


def verdict_frame(lines: Sequence[str]) -> Frame | None:
    """Runs of >= :data:`MIN_RUN` consecutive lines saying, in one wording, that a thing passed
    (xmlstarlet's ``icons/x.svg - valid``): the first of each run stays, the rest are repeats.
    ``None`` unless the repeats make at least :data:`VERDICT_RUN_SHARE` of the lines with words
    and :data:`VERDICT_RUN_LINES` lines. Lines are matched by their wording with paths and
    file names blanked, not by mined templates: Drain routes a line by its first word, so a
    hundred files' verdicts are a hundred templates. Any other line ends a run (blank lines do not)."""
    n = len(lines)
    f = empty_frame(n)
    ids: dict[str, int] = {}  # each run's wording, in the order first seen: its group id
    run: list[int] = []
    key: str | None = None  # the wording of the run going on

    def close() -> None:
        if len(run) >= MIN_RUN:
            f.keep[run[0]] = True
            f.repeat[run[1:]] = True
            f.group[run] = ids.setdefault(key, len(ids))
        run.clear()

    filled = 0
    for i, line in enumerate(lines):
        if not line.strip():
            continue
        filled += 1
        k = None
        if _PASS_VERDICT.search(line):  # (masking every line of a long text costs: only candidates)
            wording = _VERDICT_NAME.sub("<*>", masked(line))
            said = wording.replace("<*>", "")
            k = wording if "<*>" in wording and _PASS_VERDICT.search(said) and not is_alert(line) else None
        if k != key or k is None:
            close()
        key = k
        if k is not None:
            run.append(i)
    close()
    repeats = int(f.repeat.sum())
    if repeats < VERDICT_RUN_LINES or repeats < VERDICT_RUN_SHARE * filled:
        return None
    # A verdict of another word in a passing wording's place is a finding (zipalign's
    # ``1785782 META-INF/x.version (BAD - 2)`` among its ``(OK)`` lines; "BAD" alerts nowhere else).
    prefixes = set()
    for w in ids:
        m = _PASS_VERDICT.search(w)
        if m is not None and "<*>" in w[: m.start()]:
            prefixes.add(w[: m.start()])
    failed = 0
    for i, line in enumerate(lines):
        if failed >= VERDICT_FAILURES:
            break
        if f.group[i] >= 0 or not line.strip() or _PASS_VERDICT.search(line):
            continue
        wording = _VERDICT_NAME.sub("<*>", masked(line))
        for p in prefixes:
            if wording.startswith(p) and wording[len(p):len(p) + 1].isalpha():
                f.keep[i] = True
                failed += 1
                break
    f.unit_start[f.group >= 0] = True
    # The name blanked is the wording's only variable: kept in the label (``like "<*> - valid"``).
    f.labels = [(("line", "lines"), f'like "{_clip(x, _MARKER_TEMPLATE_CHARS)}"') for x in ids]
    f.kind = "runs"
    return f


def _slot_values(lines: Sequence[str], lt: LineTemplates, heads: np.ndarray, template: np.ndarray,
                 texts: Sequence[str]) -> dict[int, tuple[str, ...]]:
    """Each record head's own words where its template says ``<*>``, less those a marker's
    template leaves out in front (:func:`_short`); heads whose words do not line up with their
    template's are left out."""
    out: dict[int, tuple[str, ...]] = {}
    # Per template: its length in words and the positions of the <*> a marker shows.
    shape: dict[int, tuple[int, list[int]]] = {}
    for i in heads:
        tid = int(template[i])
        if tid not in shape:
            t = texts[tid].split()
            lead = _LEADING_VARS.match(" ".join(t).replace('"', "'"))
            skip = lead.group(0).count("<*>") if lead else 0
            shape[tid] = (len(t), [k for k, x in enumerate(t) if x == "<*>"][skip:])
        size, slots = shape[tid]
        if not slots:
            continue
        words = message_tokens(lines[i], lt.masked[i])[1]
        if len(words) == size:
            out[int(i)] = tuple(words[k] for k in slots)
    return out


#: What differs between the frames of one call site in a recursion: the frame number, addresses,
#: symbol offsets and argument values (gdb's ``(n=0x5555... <nodes+160>, depth=5)``).
_FRAME_VARS = re.compile(r"#\d+|\b0x[0-9a-fA-F]+\b|<[\w.]+(?:\+\d+)?>|(?<==)[^,)\s]+")




def stack_frame(lines: Sequence[str]) -> Frame | None:
    """Runs of >= :data:`MIN_RUN` consecutive lines of one call site (a recursion's frames in
    a backtrace: ``#4 0x... in parse_asset src/asset_io.c:19`` 240 times, a JavaScript
    ``at walk (x.js:3:5)`` repeated): the first and the last stay, the others collapse. Two
    frames are one call site when they differ only in frame number, addresses and argument
    values; another line number is another call site. The program's own log before the first
    frame is read as a log (:func:`preamble_log`); other lines are left to the scores and the tail."""
    n = len(lines)
    f = empty_frame(n)
    sig = [_FRAME_VARS.sub("?", x.strip()) if STACK_LINE.match(x) else None for x in lines]
    # (No frame at all: no traceback to read a log before.)
    found = preamble_log(lines, next((i for i, s in enumerate(sig) if s is not None), 0), f)
    i = 0
    while i < n:
        j = i
        while j + 1 < n and sig[i] is not None and sig[j + 1] == sig[i]:
            j += 1
        if sig[i] is not None and j - i + 1 >= MIN_RUN:
            gid = len(f.labels)
            f.labels.append((("line", "lines"), f'like "{_short(_FRAME_VARS.sub("<*>", lines[i].strip()))}"'))
            f.group[i : j + 1] = gid
            f.unit_start[i : j + 1] = True
            f.keep[[i, j]] = True
            f.repeat[i + 1 : j] = True
            found = True
        i = j + 1
    found |= _retold_tracebacks(lines, f)
    return f if found else None


#: A Python traceback's first line; the traceback runs over the indented lines under it to the
#: exception's line.
_TRACEBACK_HEAD = "Traceback (most recent call last):"
_ADDRESS = re.compile(r"\b0x[0-9a-fA-F]+\b")


def _retold_tracebacks(lines: Sequence[str], f: Frame) -> bool:
    """Into ``f``: Python tracebacks told again, the same lines to the addresses (a
    crash-looping worker's on every restart), collapse whole after the first telling; its
    lines are :attr:`Frame.retold`. (Another line number is another traceback.) Whether any was."""
    n = len(lines)
    first: dict[tuple[str, ...], int] = {}
    found = False
    i = 0
    while i < n:
        if lines[i].strip() != _TRACEBACK_HEAD:
            i += 1
            continue
        j = i + 1
        while j < n and lines[j][:1] in (" ", "\t"):
            j += 1
        end = j if j < n and lines[j].strip() else j - 1  # the exception's line
        told = tuple(_ADDRESS.sub("<HEX>", lines[k].strip()) for k in range(i, end + 1))
        if told not in first:
            first[told] = len(f.labels)
            f.labels.append((("traceback", "tracebacks"), f'like "{_short(told[-1])}"'))
        else:
            if f.retold is None:
                f.retold = np.zeros(n, dtype=bool)
            f.retold[i : end + 1] = True
            f.repeat[i : end + 1] = True
            f.keep[i : end + 1] = False
            f.group[i : end + 1] = first[told]
            f.unit_start[i] = True
            found = True
        i = end + 1
    return found


def preamble_log(lines: Sequence[str], end: int, f: Frame) -> bool:
    """Into ``f``: the events that repeat in ``lines[:end]`` (a program's log before its
    traceback: a migration tool's ``Applying 0007...``), as :func:`template_frame` sees them:
    each one's first and last record stay (the last is the step that was running when it
    failed), the others collapse. Events seen once are left alone. Whether any collapsed."""
    head = lines[:end]
    if short_log_frame(head) is not None:
        return False  # a short log: left to the scores, as a short log is kept whole
    t = template_frame(head)
    if not t.repeat.any():
        return False
    repeated = t.group >= 0
    f.keep[:end] |= t.keep & repeated
    f.repeat[:end] |= t.repeat
    f.unit_start[:end] |= t.unit_start & repeated
    f.group[:end] = np.where(repeated, t.group + len(f.labels), f.group[:end])
    f.labels.extend(t.labels)
    f.slots.update((i, v) for i, v in t.slots.items() if repeated[i])
    return True


def _short(template: str) -> str:
    t = " ".join(template.replace('"', "'").split())
    return _clip(_LEADING_VARS.sub("", t) or t, _MARKER_TEMPLATE_CHARS)


def _clip(text: str, limit: int) -> str:
    """``text`` for a marker: no double quotes (they close its quoted template), at most ``limit``
    characters (then ``...``)."""
    t = text.replace('"', "'")
    return t if len(t) <= limit else t[: limit - 3] + "..."


# ----------------------------------------------------------------------------- json
_JSON_TOKEN = re.compile(r'"(?:[^"\\\n]|\\.)*"|[\[\]{},]')


#: One key and its string value on a line of pretty-printed JSON.
_STRING_PAIR = re.compile(r'\s*("(?:[^"\\\n]|\\.)*"):\s*"(?:[^"\\\n]|\\.)*"\s*,?\s*$')
#: One key and its plain value (no container) on a line of pretty-printed JSON.
_SCALAR_PAIR = re.compile(r'\s*"(?:[^"\\\n]|\\.)*":\s*(?:"(?:[^"\\\n]|\\.)*"|-?\d[\w.+-]*|true|false|null)\s*,?\s*$')
#: What may precede an item on its first line (the array's opening, keys of the objects opening
#: with it) and follow it on its last (a comma, closing brackets).
_OPENERS = re.compile(r'\s*(?:(?:"(?:[^"\\\n]|\\.)*"\s*:\s*)?[\[{]\s*)*')
_LEADING_SPACE = re.compile(r"\s*")
_CLOSERS = re.compile(r'\s*,?\s*(?:[\]}]\s*,?\s*)*')
_EMPTY_VALUE = re.compile(r'\s*("(?:[^"\\\n]|\\.)*":\s*(?:null|\[\]|\{\}))\s*,?\s*$')


def json_frame(text: str, line_starts: np.ndarray, line_ends: np.ndarray) -> Frame | None:
    """Arrays of similar objects: the first items and those that show something new stay.

    Arrays are found with a linear scan of strings and brackets; an item counts when it
    starts and ends on its own lines (pretty-printed JSON), so a collapsed item is a run of
    whole lines. The items of every array at one path (``Reservations[].Instances[]``: all
    reservations' instances) are one population, in document order. Each item's signature is
    its keys with the kind of each value (empty and non-empty containers differ, as do null
    and a value); an item stays when it is among the first :data:`JSON_KEEP_FIRST` or shows
    something new: another set of keys, or a key with a kind of value not shown yet (the first
    null, the first empty array), so a nullable field does not make every item a deviation.
    Anywhere in the document, the first line where a key is null or empty stays.
    """
    n = len(line_starts)
    f = empty_frame(n)
    stack: list[list] = []  # [kind, items: list[(start, end)], item_start, path, last key]
    arrays: list[tuple[str, list[tuple[int, int]]]] = []
    # A document after a tool's notice (biome's "reporters are experimental") is read alone.
    lead = _LEADING_SPACE.match(text).end()
    span = (0, len(text)) if text[lead:lead + 1] in ("{", "[") else json_span(text)
    if span is None:
        return None
    for m in _JSON_TOKEN.finditer(text, *span):
        tok = m.group()
        if tok[0] == '"':
            if stack and stack[-1][0] == "[" and stack[-1][2] is None:
                stack[-1][2] = m.start()
            elif stack and stack[-1][0] == "{" and text[m.end():m.end() + 8].lstrip().startswith(":"):
                stack[-1][4] = tok
            continue
        if stack and stack[-1][0] == "[" and stack[-1][2] is None and tok in "[{":
            stack[-1][2] = m.start()
        if tok in "[{":
            if len(stack) > 200:  # absurd nesting: no frame rather than a deep walk
                return None
            path = (stack[-1][3] + ("[]" if stack[-1][0] == "[" else "." + str(stack[-1][4]))) if stack else ""
            stack.append([tok, [], None, path, None])
        elif tok in "]}":
            if not stack:
                return None
            kind, items, start, path, _key = stack.pop()
            if kind == "[":
                if start is not None:
                    items.append((start, _value_end(text, m.start())))
                arrays.append((path, items))
        elif tok == "," and stack and stack[-1][0] == "[" and stack[-1][2] is not None:
            stack[-1][1].append((stack[-1][2], _value_end(text, m.start())))
            stack[-1][2] = None
    if stack:
        return None  # truncated or not JSON: leave it to the model
    line_of = lambda pos: int(np.searchsorted(line_starts, pos, side="right") - 1)  # noqa: E731
    pools: dict[str, list[tuple[int, int]]] = {}
    mixed: set[str] = set()
    for path, items in arrays:
        objs = [(a, b) for a, b in items if text[a] == "{"]
        if len(objs) < len(items):
            mixed.add(path)  # an array of objects and other values is not a list of records
        pools.setdefault(path, []).extend(objs)
    found = False
    found_rows = np.zeros(n, dtype=bool)  # lines of the finding items kept
    # Lines of every finding item, wherever it is: an outer item holding one (rubocop's file over
    # its "offenses") stays with it rather than collapsing it as a repeat.
    holds = np.zeros(n, dtype=bool)
    finding_items: set[tuple[int, int]] = set()  # (start, end) of each finding item
    parsed: dict[tuple[int, int], dict | None] = {}  # each item parsed once, for this and its signature
    for path, objs_at in pools.items():
        problems = _JSON_PROBLEM_ARRAY.search(path) is not None
        for a, b in objs_at:
            parsed[a, b] = json_object(text[a:b])
            if problems or _is_finding(parsed[a, b]):
                finding_items.add((a, b))
                holds[line_of(a):line_of(b - 1) + 1] = True
    # Outer paths first: items inside a collapsed item go with it.
    for path in sorted(pools, key=lambda p: (p.count("[]") + p.count("."), p)):
        if path in mixed:
            continue
        spans, objs = [], []
        shared: set[int] = set()  # items sharing a line with the array's opening or closing brackets
        for a, b in sorted(pools[path]):
            la, lb = line_of(a), line_of(b - 1)
            before, after = text[line_starts[la]:a], text[b:line_ends[lb]]
            if before.strip() or after.strip() not in ("", ","):
                # ``{ "diagnostics": [{...},`` / ``{...}]}``: the item is whole on its lines but for
                # brackets; it stays (collapsing it would take the brackets), its siblings may go.
                if not (_OPENERS.fullmatch(before) and _CLOSERS.fullmatch(after)):
                    spans = []
                    break
                shared.add(len(spans))
            if not f.repeat[la]:
                spans.append((la, lb))
                objs.append((a, b))
        if len(spans) < JSON_KEEP_FIRST + 2:
            continue
        sigs = [_signature(parsed[item]) for item in objs]
        usual = Counter(tuple(k for k, _ in s) for s in sigs if s is not None).most_common(1)
        if not usual:
            continue
        gid = len(f.labels)
        keys = list(usual[0][0])
        f.labels.append((("item", "items"), "with keys " + ", ".join(keys[:8]) + (", ..." if len(keys) > 8 else "")))
        seen_pairs: set[tuple[str, str]] = set()
        seen_keys: set[tuple[str, ...]] = set()
        seen_rules: set[str] = set()
        places: Counter[tuple[str, str]] = Counter()
        findings = 0
        for k, ((la, lb), sig) in enumerate(zip(spans, sigs)):
            if found_rows[la]:
                continue  # inside a finding kept whole: its locations are its own, not repeats
            own = sig is not None and objs[k] in finding_items
            finding = own or bool(holds[la:lb + 1].any())
            findings += finding
            if own and findings <= TOOL_ALERTS:
                found_rows[la:lb + 1] = True
            rows = np.arange(la, lb + 1)
            keyset = None if sig is None else tuple(x for x, _ in sig)
            new = sig is None or not seen_pairs.issuperset(sig) or keyset not in seen_keys
            if sig is not None:
                seen_pairs.update(sig)
                seen_keys.add(keyset)
            place = _item_place(parsed[objs[k]])
            if place is not None:
                # An array of files (npm pack's "files", a coverage report's) is a listing: the
                # first LISTING_KEEP_FIRST of each folder and extension stay, as in ``ls -R``.
                new = new or places[place] < LISTING_KEEP_FIRST
                places[place] += 1
            if own:
                # Past the first TOOL_ALERTS findings, one of a rule not reported yet is still news
                # (the one ``no-unreachable`` after 200 ``no-unused-vars``).
                rule = _finding_rule(parsed[objs[k]])
                new = new or rule not in seen_rules
                seen_rules.add(rule)
            if k < JSON_KEEP_FIRST or k in shared or new or (finding and findings <= TOOL_ALERTS):
                # A long free-text line (one key's long string value: see below) is content, not
                # structure: the model weighs it like any other line. A line holding a whole item
                # (one object per line) is structure however long.
                f.keep[rows] = [len(line.split()) <= JSON_LONG_VALUE_WORDS or not _STRING_PAIR.match(line)
                                for line in (text[line_starts[r]:line_ends[r]] for r in rows)]
            else:
                f.repeat[rows] = True
                f.keep[rows] = False
                if lb - la + 1 >= JSON_SKELETON_MIN:
                    bones = _skeleton(text, line_starts, line_ends, la, lb)
                    f.keep[bones] = True
                    f.repeat[bones] = False
            f.group[rows] = gid
            f.unit_start[la] = True
        found = True
    if found:
        _free_text_values(f, text, line_starts, line_ends)
    # The first time a key is null or empty is news wherever it is (small arrays, plain
    # objects), like the first item showing it.
    shown: set[str] = set()
    for i in np.flatnonzero(~f.repeat):
        m = _EMPTY_VALUE.match(text, int(line_starts[i]), int(line_ends[i]))
        if m and m.group(1) not in shown:
            shown.add(m.group(1))
            f.keep[i] = found = True
    return f if found else None


def _skeleton(text: str, line_starts: np.ndarray, line_ends: np.ndarray, la: int, lb: int) -> list[int]:
    """The lines of a pretty-printed item (lines ``la``..``lb``) that name it: a key with a short
    plain value (a string, number, boolean or null) at most :data:`JSON_SKELETON_DEPTH`
    indentation steps into the item, the first :data:`JSON_SKELETON_LINES` of them; none when
    the item is mostly that shallow (:data:`JSON_SKELETON_SHALLOW`)."""
    base = len(_LEADING_SPACE.match(text, int(line_starts[la])).group())
    step = 0
    shallow = 0
    out: list[int] = []
    for r in range(la + 1, lb):
        line = text[line_starts[r]:line_ends[r]]
        indent = indent_width(line)
        step = step or max(0, indent - base)
        if step and indent - base <= step * JSON_SKELETON_DEPTH:
            shallow += 1
            if len(out) < JSON_SKELETON_LINES and len(line) <= _SKELETON_VALUE_CHARS and _SCALAR_PAIR.match(line):
                out.append(r)
    return out if shallow <= JSON_SKELETON_SHALLOW * (lb - la + 1) else []


def _free_text_values(f: Frame, text: str, line_starts: np.ndarray, line_ends: np.ndarray) -> None:
    """Lines of array items that are one key's long string value (a package's description, a
    README or a license in ``pip inspect``): free text, not structure. They collapse into a
    marker naming the key, in a kept item too, and the guard does not force them for a word
    like "Error" somewhere in a page of text; a value that opens like an error report (a stack
    trace in a ``"message"``) is left to the guard and the model."""
    keys: dict[str, int] = {}
    rows = np.flatnonzero(f.group >= 0)
    # More words than the limit take at least twice as many characters: most lines end here.
    for r in rows[(line_ends[rows] - line_starts[rows]) > 2 * JSON_LONG_VALUE_WORDS]:
        line = text[line_starts[r]:line_ends[r]]
        if len(line.split()) <= JSON_LONG_VALUE_WORDS:
            continue
        pair = _STRING_PAIR.match(line)
        if not pair or is_critical_line(_first_line(line[pair.end(1):])):
            continue
        if f.free_text is None:
            f.free_text = np.zeros(len(line_starts), dtype=bool)
        f.free_text[r] = True
        if f.repeat[r]:
            continue  # a collapsed item's: its marker counts it
        if pair.group(1) not in keys:
            keys[pair.group(1)] = len(f.labels)
            f.labels.append((("free-text value", "free-text values"), f"of {pair.group(1)}"))
            f.sole.add(keys[pair.group(1)])
        f.repeat[r] = True
        f.group[r] = keys[pair.group(1)]
        f.unit_start[r] = True


def _is_finding(obj: dict | None) -> bool:
    """A parsed JSON object that names a rule or rates itself a problem (see :data:`_JSON_RULE_KEY`)."""
    obj = obj or {}
    if any(_JSON_RULE_KEY.match(k) for k in obj):
        return True
    if isinstance(obj.get("code"), str) and _JSON_RULE_CODE.match(obj["code"]):
        return True
    # A message rated a problem by any key of its own (pylint's ``"type": "error"``; its
    # ``"convention"`` messages are records).
    return any(FINDING_COLUMN.match(k) for k in obj) and any(isinstance(v, str) and _JSON_SEVERITY.match(v)
                                                             for v in obj.values())


def _item_place(obj: dict | None) -> tuple[str, str] | None:
    """The folder and extension of the file an item names under a :data:`_JSON_PATH_KEY`."""
    for k, v in (obj or {}).items():
        if isinstance(v, str) and _JSON_PATH_KEY.match(k) and 0 < len(v) < 500 and "\n" not in v:
            folder = v.rsplit("/", 1)[0] if "/" in v else ""
            return folder, _ext(v)
    return None


def _finding_rule(obj: dict | None) -> str:
    """What a finding reports, for telling findings of one rule from another: the value of its
    rule key, ``"code"`` or ``"category"``, else its message less quoted names and numbers."""
    obj = obj or {}
    for k, v in obj.items():
        if _JSON_RULE_KEY.match(k) or (k in ("code", "category") and isinstance(v, str)):
            return f"{k}={v}"
    for k, v in obj.items():
        if isinstance(v, str) and _JSON_MESSAGE_KEY.match(k):
            return f"{k}=" + _DIGITS.sub("#", _WORDING_VARS.sub("*", v))
    return ""


def _first_line(value: str) -> str:
    """A JSON string value's first line (up to its first ``\\n`` escape), at most 40 words."""
    return " ".join(value.split("\\n", 1)[0].split()[:JSON_LONG_VALUE_WORDS])


def _value_end(text: str, pos: int) -> int:
    """End of the value before the separator at ``pos`` (trailing whitespace excluded)."""
    while pos > 0 and text[pos - 1] in " \t\r\n":
        pos -= 1
    return pos


def _signature(obj: dict | None) -> tuple | None:
    """A parsed item's keys with the kind of each value (``None`` for no object)."""
    if obj is None:
        return None
    return tuple(sorted((k, _kind(v)) for k, v in obj.items()))


def _kind(v: object) -> str:
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, (int, float)):
        return "number"
    if isinstance(v, str):
        return "string" if v else "empty string"
    if isinstance(v, list):
        return "array" if v else "empty array"
    return "object" if v else "empty object"


# ----------------------------------------------------------------------------- listings
_LS_SECTION = re.compile(r"^(\S.*):$")
_LS_TOTAL = re.compile(r"^total \d+(?:[.,]\d+)?[KMGT]?$")
_LS_ENTRY = re.compile(r"^[-dlcbps][-rwxsStT]{9}[.+@]?\s")


def listing_frame(lines: Sequence[str]) -> Frame | None:
    """Per folder and extension, the first entries stay; the rest collapse with counts (a
    listing of at most :data:`LISTING_WHOLE` entries stays whole).

    Understands ``find``-style path lists and ``ls -R`` / ``ls -laR`` sections. An entry
    is "unusual" (always kept) when it is the only one of its extension in a folder of
    at least four entries. The skeleton stays: ``ls -R``'s section headers, and a one-folder
    ``ls -l``'s ``total`` line and folders (``ls -lR`` names every folder again in a header).
    """
    n = len(lines)
    f = empty_frame(n)
    keys: list[tuple[str, str] | None] = [None] * n
    folder = ""
    skeleton: list[int] = []  # a one-folder ls -l's total line and folders
    sections = False
    for i, x in enumerate(lines):
        s = x.strip()
        if not s:
            continue
        sec = _LS_SECTION.match(s)
        if sec and "/" in s or s in (".:",):
            folder = sec.group(1) if sec else "."
            sections = True
            f.keep[i] = True  # a folder's section header: the skeleton of ``ls -R``
            continue
        if s.endswith("/.") or s.endswith("/..") or s in (".", ".."):
            continue
        if _LS_TOTAL.match(s):
            skeleton.append(i)  # a one-folder listing's header: its block count
            continue
        if _LS_ENTRY.match(s):
            name = s.split()[-1]
            if name in (".", ".."):
                continue
            if s[0] == "d":
                # A folder of a one-folder ``ls -l``: the skeleton, what an agent goes into next
                # (``ls -lR`` names every folder again in its section header).
                skeleton.append(i)
                continue
            keys[i] = (folder, _ext(name))
            f.names[i] = name
        elif "/" in s and " " not in s:
            d, _, name = s.rpartition("/")
            keys[i] = (d or "/", _ext(name))
            f.names[i] = name
    if not sections:
        f.keep[skeleton] = True
    entries = [i for i, k in enumerate(keys) if k is not None]
    if len(entries) <= LISTING_WHOLE:
        f.keep[entries] = True
        return f if f.keep.any() else None
    groups: dict[tuple[str, str], list[int]] = {}
    for i, k in enumerate(keys):
        if k is not None:
            groups.setdefault(k, []).append(i)
    found = False
    per_folder = Counter(d for (d, _), rows in groups.items() for _ in rows)
    for (d, ext), rows in groups.items():
        if len(rows) == 1 and per_folder[d] >= 4:
            f.keep[rows] = True  # the only one of its kind in a busy folder: unusual, it stays
        if len(rows) <= LISTING_KEEP_FIRST + 1:
            # A group too small to collapse is all first entries: it stays (left to the model,
            # a folder's few files went behind a marker that could not name them).
            f.keep[rows] = True
            continue
        gid = len(f.labels)
        f.labels.append((("entry", "entries"), f"in {d}" + (f" ({ext})" if ext else "")))
        f.group[rows] = gid
        f.unit_start[rows] = True
        f.keep[rows[:LISTING_KEEP_FIRST]] = True
        f.repeat[rows[LISTING_KEEP_FIRST:]] = True
        found = True
    return f if found or f.keep.any() else None


def _ext(name: str) -> str:
    base = name.rsplit("/", 1)[-1]
    return "." + base.rsplit(".", 1)[1] if "." in base.strip(".") else ""


# ----------------------------------------------------------------------------- tables
#: A combination of a table's few-valued cells held by at most this share of its rows is rare:
#: its rows all stay (up to :data:`TABLE_RARE_ROWS` of it), as a linter's findings do.
#: Only in a table whose rows fall into at most :data:`TABLE_KINDS` combinations (a status
#: column): where several such columns cross (``pg_settings``' context, type and source), most
#: combinations are rare and none is an exception.
TABLE_RARE_SHARE = 0.15
TABLE_RARE_ROWS = 50
TABLE_KINDS = 4
#: A table of at most this many rows stays whole, as a short listing does: each row is a record
#: (a connection, a process, a syscall's counts) an agent may ask about by its name, and a
#: marker saying "4 more rows like tcp 0 <*> <*>" keeps none of them.
TABLE_WHOLE = LISTING_WHOLE
#: Rows of a later section of a table (its columns named again) that stay whole.
TABLE_SECTION_WHOLE = 10
#: A few-valued cell naming a problem: a row's status or kind (``type-error``, ``FAILED``).
TABLE_PROBLEM = re.compile(r"(?i)(?<![a-z])(?:errors?|errored|fail(?:ed|ures?|s)?|invalid|violations?|fatal|critical)(?![a-z])")
#: A row's name saying it sums others up.
SUMMARY_ROW = re.compile(r"(?i)(?:^|[_\s])(?:total|mean|median|average|avg|overall)$")
#: A time in a cell: ``784 ns``, ``1.25ms``, ``3.1 us/op``.
_TIME_CELL = re.compile(r"^\d[\d.,]*\s?(?:ns|us|µs|ms|s)(?:/op)?$")
#: Rows of a table looked at to tell whether it is a benchmark's.
TABLE_SAMPLE_ROWS = 200
#: A measure in a cell: a number with its unit (``784 ns``, ``+207.02%``, ``0.33x``, ``1,234``).
_MEASURE = r"[-+]?(?:\d[\d.,]*|Inf)\s?[A-Za-zµ%/]{0,7}"
_MEASURE_CELL = re.compile(rf"^{_MEASURE}(?:\s+{_MEASURE})*$")  # (pprof's ``5.00% 25.14%``: one space, one cell)
#: A row name saying it sums a named row's repetitions up (Google Benchmark's ``x_stddev``).
_AGGREGATE_NAME = re.compile(r"^(.+)_(?:mean|median|stddev|cv|min|max)$")
#: A column named for a time per operation: benchcmp's ``old ns/op``, ``Time (ms)``.
_TIME_HEADER = re.compile(r"(?<![\w/])(?:ns|us|µs|ms)(?:/op)?\b|\bns/|/op\b")
#: A percentage in a cell: ``81.58%``, ``0%``.
_PERCENT = re.compile(r"^(-?\d+(?:\.\d+)?) ?%$")
#: A column naming a report's findings (a validator's, a linter's table).
FINDING_COLUMN = re.compile(r"(?i)(?:messages?|errors?|issues?|problems?|violations?|findings?|severity|diagnostics?|rule(?:[ _-]?id)?)$")
#: A heading that names what follows as warnings, errors, failures or violations.
SECTION_ALERT = re.compile(r"\b(?:[Ww]arnings?|WARNINGS?|[Ee]rrors?|ERRORS?|[Ff]ailures?|FAILURES?|[Vv]iolations?)\b")


def table_frame(lines: Sequence[str]) -> Frame | None:
    """A table's rows (:func:`kompress.structure.tables.find_table`): the first line (a title,
    a legend), the header, the first rows, every row that shows a new value in a column of
    few values (a pod's ``STATUS`` and ``RESTARTS``, a package's architecture) and every row
    of a rare combination of them (:data:`TABLE_RARE_SHARE`) stay; the others
    collapse, counted per combination of those values. A column of many values (a name, an
    identifier, a measure) is no news, as a JSON item's new value of a known key is none.
    A table of at most :data:`TABLE_WHOLE` rows stays whole."""
    table = find_table(lines)
    if table is None:
        return None
    f = empty_frame(len(lines))
    first = next(i for i, x in enumerate(lines) if x.strip())
    f.keep[[first, table.header]] = True  # a title or a legend, and the header
    data = [(i, c) for i, c in zip(table.rows, table.cells) if i != table.header]
    if len(data) <= TABLE_WHOLE:
        f.keep[[i for i, _ in data]] = True
        f.keep[[i for i in _table_span(lines, table) if is_rule(lines[i])]] = True
        return f
    flagged: set[int] = set()
    # A row wrapped over several lines (rich's ``│     │       │ and field "Geoname ID" │``):
    # a line whose first cell is empty continues the row above; it goes where its row goes.
    continues = {i: data[r - 1][0] for r, (i, c) in enumerate(data) if r and not c[0] and any(c)}
    while any(h in continues for h in continues.values()):
        continues = {i: continues.get(h, h) for i, h in continues.items()}
    data = [(i, c) for i, c in data if i not in continues]
    few = max(2, int(len(data) ** 0.5))
    categorical = [j for j in range(table.width) if len({c[j] for _, c in data}) <= few]
    # A row whose status or kind names a problem (``type-error``, ``FAILED``, ``invalid``) is a
    # finding, as a linter's are: up to TABLE_RARE_ROWS of them stay, however common.
    problem = {i for i, c in data if any(TABLE_PROBLEM.search(c[j]) for j in categorical)}
    # A row summing others up (a section's TOTAL, Google Benchmark's ``x_mean`` / ``x_median``
    # over its repetitions) is what the rows above it are read for: up to TABLE_RARE_ROWS stay.
    flagged.update([i for i, c in data if SUMMARY_ROW.search(c[0])][:TABLE_RARE_ROWS])
    # So is a row at the bottom of a column of percentages (a coverage report's uncovered
    # functions at 0.00%), unless most rows are.
    for j in range(table.width):
        pct = [(i, float(m.group(1))) for i, c in data if (m := _PERCENT.match(c[j]))]
        if len(pct) >= 0.8 * len(data) and len({v for _, v in pct}) > 1:
            low = min(v for _, v in pct)
            bottom = {i for i, v in pct if v == low}
            if len(bottom) <= 0.5 * len(data):
                problem |= bottom
    # A benchmark's table (a column of times: ``784 ns``, ``1.2ms``, or named for one: ``old
    # ns/op``; every other column a measure but the one naming what was measured): each row names
    # what it measured, so the first row of each name stays (the first TABLE_RARE_ROWS names of
    # each section), as in a run of benchmark lines. (A table with a status column and a time
    # column is a report: its statuses decide it.)
    cells = dict(zip(table.rows, table.cells))
    named = cells.get(table.header) or cells_of(lines[table.header], table.delim)  # the header's cells
    rows = [c for _, c in data[:TABLE_SAMPLE_ROWS] if not is_header(c)]  # (a sample: a huge table is read once, below)
    share = [sum(bool(_MEASURE_CELL.match(c[j])) for c in rows) / max(1, len(rows)) for j in range(table.width)]
    name_cols = [j for j in range(table.width) if share[j] < 0.8]
    timed = any(_TIME_HEADER.search(x) for x in named) or any(
        sum(bool(_TIME_CELL.match(c[j])) for c in rows) >= 0.8 * len(rows) for j in range(table.width))
    if timed and len(name_cols) == 1:
        names: set[str] = set()
        for i, c in data:
            if is_header(c):
                names.clear()  # the columns named again: another measure of the same names
            elif c[name_cols[0]] not in names and len(names) < TABLE_RARE_ROWS:
                aggregate = _AGGREGATE_NAME.match(c[name_cols[0]])
                if not (aggregate and aggregate.group(1) in names):  # (the summary rows' own rule decides it)
                    names.add(c[name_cols[0]])
                    flagged.add(i)
    seen: set[tuple[int, str]] = set()
    groups: dict[tuple[tuple[int, str], ...], int] = {}
    join = "  " if table.delim == " " else table.delim
    found = False
    # Rows under a heading that names warnings or failures (lizard's "!!!! Warnings (ccn > 15)
    # !!!!" over the same columns again), or under columns that name them findings (a
    # validator's ``Row | Field | Type | Message``), are findings, up to TABLE_RARE_ROWS of each
    # section.
    row_set, alerting, taken = set(table.rows), False, 0
    for i, x in enumerate(lines):
        if i not in row_set:
            # (not the columns named again under the heading)
            if any(ch.isalpha() for ch in x) and not is_header(cells_of(x, table.delim)):
                alerting, taken = SECTION_ALERT.search(x) is not None, 0
        elif i != table.header and (cells[i] == named or is_header(cells[i]) and i > 0 and not lines[i - 1].strip()):
            # The columns named again (llvm-cov's per-file sections), or other columns named
            # after a blank line (benchcmp's ns/op, then MB/s, then allocs sections): the header
            # and the first rows under it stay, as the first table's do.
            flagged.add(i)
            section = []  # its rows, to the next line that is none (a blank line, a heading)
            for k in range(i + 1, len(lines)):
                if k not in row_set and not section and is_rule(lines[k]):
                    continue  # the rule under the header
                if k not in row_set or cells[k] == named or is_header(cells[k]):
                    break
                section.append(k)
            # A short section (yappi's five threads under the functions) is whole.
            flagged.update(section if len(section) <= TABLE_SECTION_WHOLE else section[:JSON_KEEP_FIRST])
        elif (i == table.header or is_header(cells[i])) and any(FINDING_COLUMN.match(c) for c in cells[i]):
            alerting, taken = True, 0
            flagged.add(i)  # the columns named again over a second table
        elif alerting and taken < TABLE_RARE_ROWS and i not in continues:
            flagged.add(i)
            taken += 1
    sigs = [tuple((j, c[j]) for j in categorical) for _, c in data]
    size = Counter(sigs)
    # Where several few-valued columns cross (so no combination is the exception), a rare value
    # of a column of at most TABLE_KINDS values is one still: arviz's r_hat 1.02 among 1.00 and
    # 1.01, a pod's restart count among zeros. Its rows stay, up to TABLE_RARE_ROWS of each.
    cell_count = Counter((j, c[j]) for _, c in data for j in categorical)
    distinct = Counter(j for j, _ in cell_count)
    narrow = {j for j in categorical if distinct[j] <= TABLE_KINDS}
    rare_cell = {(j, v) for (j, v), n in cell_count.items()
                 if j in narrow and n <= TABLE_RARE_SHARE * len(data)}
    cell_kept: Counter[tuple[int, str]] = Counter()
    kept: Counter[tuple[tuple[int, str], ...]] = Counter()
    problems = 0
    for r, (i, c) in enumerate(data):
        sig = sigs[r]
        f.unit_start[i] = True
        # A combination few rows share is the exception (18 MISSED among 177 COVERED, the pods
        # not Running): each of its rows is news, up to TABLE_RARE_ROWS of it.
        rare = (len(size) <= TABLE_KINDS and size[sig] <= TABLE_RARE_SHARE * len(data)
                and kept[sig] < TABLE_RARE_ROWS)
        odd = [cell for cell in sig if cell in rare_cell and cell_kept[cell] < TABLE_RARE_ROWS]
        if odd and len(size) > TABLE_KINDS:
            rare = True
            cell_kept.update(odd)
        if r < JSON_KEEP_FIRST or not seen.issuperset(sig) or rare or i in flagged \
                or i in problem and problems < TABLE_RARE_ROWS:
            kept[sig] += 1
            problems += i in problem
            f.keep[i] = True
        else:
            f.repeat[i] = found = True
        seen.update(sig)
        if sig not in groups:
            groups[sig] = len(f.labels)
            f.labels.append((("row", "rows"), f'like "{_short(join.join(c[j] if j in categorical else "<*>" for j in range(table.width)))}"'))
        f.group[i] = groups[sig]
    for i, h in continues.items():
        f.keep[i], f.repeat[i], f.group[i] = f.keep[h], f.repeat[h], f.group[h]
    # A grid's rule under a row (``├───┼───┤``) goes with it: kept under a kept row, counted as
    # a rule in the marker of the rows it separated.
    rule_group = -1
    for i in _table_span(lines, table):
        if i not in row_set and is_rule(lines[i]):
            if i <= table.header or f.keep[i - 1]:  # the header's borders; a kept row's rule
                f.keep[i] = True
                continue
            if rule_group < 0:
                rule_group = len(f.labels)
                f.labels.append((("rule", "rules"), "between rows"))
                f.sole.add(rule_group)
            f.repeat[i] = f.unit_start[i] = True
            f.group[i] = rule_group
    return f if found else None


def _table_span(lines: Sequence[str], table: Table) -> range:
    """The lines of ``table`` with a line either side (a grid's rules above its header, below its last row)."""
    return range(max(0, min(table.header, table.rows[0]) - 1), min(len(lines), table.rows[-1] + 2))


# ----------------------------------------------------------------------------- markers
_DIGITS = re.compile(r"\d+")


def _number_runs(names: list[str]) -> list[str]:
    """Consecutive names that differ only in their numbers (``shard_0001.parquet``,
    ``shard_0002.parquet`` ...) shown as ``first .. last (N)`` from three on."""
    out: list[str] = []
    i = 0
    while i < len(names):
        shape = _DIGITS.sub("#", names[i])
        j = i + 1
        while j < len(names) and "#" in shape and _DIGITS.sub("#", names[j]) == shape:
            j += 1
        out.append(f"{names[i]} .. {names[j - 1]} ({j - i})" if j - i >= 3 else names[i])
        out.extend(names[i + 1:j] if j - i < 3 else [])
        i = j
    return out


def _names(frame: Frame, run: Sequence[int], group: int) -> str:
    """``: {a.py, b.py, ...}``, the names of a listing group's entries in ``run`` ("" for others)."""
    if not frame.names:
        return ""
    names = [frame.names[i] for i in run if frame.group[i] == group and i in frame.names]
    if not names:
        return ""
    shown: list[str] = []
    size = 0
    for nm in _number_runs(names):
        size += len(nm) + 2
        if size > MARKER_NAME_CHARS and shown:
            shown.append("...")
            break
        shown.append(nm)
    return ": {" + ", ".join(shown) + "}"


def _values(frame: Frame, run: Sequence[int], group: int) -> str:
    """`` (first <*>: a ×20, b ×12, 3 others)``: the values the run's records hold at the ``<*>`` of
    their template with the fewest, when they repeat (at most one per two records: no ids, no
    timestamps); "" otherwise."""
    vals = [frame.slots[i] for i in run if i in frame.slots]
    if len(vals) < MARKER_VALUES_MIN or len({len(v) for v in vals}) != 1:
        return ""
    # Only a ``<*>`` the marker shows (a long template's are cut off at its end).
    shown_slots = min(len(vals[0]), frame.labels[group][1].count("<*>"))
    best: tuple[int, Counter[str]] | None = None
    for p in range(shown_slots):
        c = Counter(v[p] for v in vals)
        if 2 * len(c) <= len(vals) and (best is None or len(c) < len(best[1])):
            best = (p, c)
    if best is None:
        return ""
    p, c = best
    top = sorted(c.items(), key=lambda kv: (-kv[1], kv[0]))[:MARKER_VALUES]
    shown = ", ".join(f"{_clip(v, _MARKER_VALUE_CHARS)} ×{k}" for v, k in top)
    others = len(c) - len(top)
    which = "<*>" if len(vals[0]) == 1 else (_ORDINALS[p] + " <*>" if p < len(_ORDINALS) else f"<*> no. {p + 1}")
    return f" ({which}: {shown}" + (f", {others} other{'s' if others > 1 else ''}" if others else "") + ")"


_ORDINALS = ("first", "second", "third", "fourth", "fifth")


def describe_run(frame: Frame, run: Sequence[int], n_lines: int) -> str | None:
    """The marker detail for a run of dropped lines (``None``: the plain marker).

    One group: ``N more lines like "T"`` (log lines) or ``N lines omitted: K more items with
    keys a, b``; several: ``N lines omitted: K like "T1", M like "T2", ...``.
    """
    groups = Counter(int(frame.group[i]) for i in run if frame.group[i] >= 0)
    if not groups:
        return None
    units = Counter(int(frame.group[i]) for i in run if frame.group[i] >= 0 and frame.unit_start[i])
    if not frame.names:
        # Groups of one wording (gdformat's ``would reformat <*>`` mined as two templates) are
        # counted as one: "22 more lines like ...", not "21 more ..., 1 more ..." of it.
        canon: dict[tuple[object, ...], int] = {}
        one_of = {g: canon.setdefault((frame.labels[g], g in frame.sole), g) for g in sorted(groups)}
        merged: Counter[int] = Counter()
        merged_units: Counter[int] = Counter()
        for g, n_g in groups.items():
            merged[one_of[g]] += n_g
            merged_units[one_of[g]] += units.get(g, 0)
        groups, units = merged, merged_units
    plural = "line" if n_lines == 1 else "lines"
    parts = []
    described = 0  # lines of the run the parts account for
    ranked = sorted(groups.items(), key=lambda kv: (-kv[1], kv[0]))
    named = ranked[:_MARKER_GROUPS] + [gn for gn in ranked[_MARKER_GROUPS:_MARKER_GROUPS + _MARKER_MORE_GROUPS]
                                       if gn[1] >= _MARKER_GROUP_LINES and not frame.names]
    for g, n_g in named:
        (one, many), phrase = frame.labels[g]
        k = units.get(g, 0)
        if one == "line" and k != n_g:  # log records with continuation lines
            one, many = "record", "records"
        if k:
            more = "" if g in frame.sole else "more "
            parts.append(f"{k} {more}{one if k == 1 else many} {phrase}" + _names(frame, run, g))
            described += n_g
    if not parts:
        return None
    if len(groups) == 1 and sum(groups.values()) == n_lines and frame.labels[next(iter(groups))][0][1] == "lines" \
            and units.get(next(iter(groups)), 0) == n_lines:
        return f"{n_lines} more {plural} {frame.labels[next(iter(groups))][1]}" + _values(frame, run, next(iter(groups)))
    # The lines no part describes (other groups, lines of no group, blank lines) are counted,
    # so the parts always add up to the marker's line count.
    other = n_lines - described
    rest = f", {other} other {'line' if other == 1 else 'lines'}" if other else ""
    return f"{n_lines} {plural} omitted: " + ", ".join(parts) + rest
