"""The structure frame: every distinct event stays, repeats collapse into markers that say how many."""

import json
import re

import numpy as np

from kompress import MARKER_RE
from kompress.decision.frame import (ALERT_VARIANTS, CLOCKED_ALERTS, EVENT_VARIANTS, FEW_ALERTS, TOOL_ALERTS, describe_run, is_alert, json_frame,
                                     listing_frame, template_frame)
from kompress.structure.templates import event_fields, mine, records


def _log(n_repeats: int = 60) -> str:
    out = []
    for i in range(n_repeats):
        out.append(f"2024-05-01 10:00:{i:02d} INFO  [worker] processed batch size={50 + i % 7} lag_ms={i % 11}")
        if i == 17:
            out.append("2024-05-01 10:00:17 INFO  [cache] evicted 3 entries from shard west-2")
        if i in (5, 25, 33):
            out.append(f"2024-05-01 10:00:{i:02d} ERROR [db] connection refused host=10.0.0.{i} port=5432")
    out.append("2024-05-01 10:01:00 ERROR [api] request failed: KeyError 'user'")
    out.append("Traceback (most recent call last):")
    out.append('  File "/srv/api.py", line 12, in handle')
    out.append("    return users[req.user]")
    out.append("KeyError: 'user'")
    out.append("2024-05-01 10:01:01 INFO  [worker] shutting down")
    return "\n".join(out) + "\n"


def _check_faithful(text: str, out: str) -> list[str]:
    src = set(text.splitlines())
    markers = []
    for line in out.splitlines():
        if MARKER_RE.match(line):
            markers.append(line)
        else:
            assert line in src, line
    return markers


def test_records_attach_continuation_lines():
    lines = _log(3).splitlines()
    head = records(lines)
    tb = lines.index("Traceback (most recent call last):")
    assert head[tb] == tb - 1 and head[tb + 3] == tb - 1  # the traceback belongs to the ERROR line
    assert head[0] == 0 and head[1] == 1


def test_templates_group_lines_that_differ_in_values_only():
    lines = _log(10).splitlines()
    lt = mine(lines)
    assert lt.template[0] == lt.template[1] == lt.template[2]
    errors = [i for i, x in enumerate(lines) if "connection refused" in x]
    assert len({int(lt.template[i]) for i in errors}) == 1
    assert lt.template[errors[0]] != lt.template[0]
    assert mine(lines).texts == lt.texts  # deterministic


def test_every_event_stays_and_repeats_collapse(shipped_compressor):
    text = _log()
    r = shipped_compressor.compress(text, domain="log")
    markers = _check_faithful(text, r.text)
    assert "evicted 3 entries" in r.text  # the one-off event
    assert "connection refused host=10.0.0.5" in r.text and "host=10.0.0.33" in r.text  # first and last alert
    assert "KeyError: 'user'" in r.text and 'File "/srv/api.py", line 12' in r.text  # the alert's stack trace
    assert "shutting down" in r.text  # the outcome
    assert sum(x.count("processed batch") for x in r.text.splitlines() if not MARKER_RE.match(x)) <= 3
    # markers account for every dropped line, and say what was collapsed
    assert sum(int(MARKER_RE.match(m).group(1)) for m in markers) == len(text.splitlines()) - len(
        [x for x in r.text.splitlines() if not MARKER_RE.match(x)])
    assert any('like "INFO [worker] processed batch size=<NUM> lag_ms=<NUM>"' in m for m in markers)
    assert r.keep_rate < 0.35
    off = shipped_compressor.compress(text, domain="log", structure=False)
    assert "evicted 3 entries" not in off.text or off.text != r.text


def test_json_lines_records_are_events_by_message_level_and_keys(shipped_compressor):
    from kompress.structure.templates import json_record_event

    rec = []
    for i in range(60):
        rec.append(json.dumps({"level": 20, "time": 1700000000000 + i, "pid": 7, "file": f"/srv/data/f{i}.gz",
                               "size": 100 + i, "msg": "compressed file"}, separators=(",", ":")))
        if i in (10, 40):
            rec.append(json.dumps({"level": 50, "time": 1700000000000 + i, "file": f"/srv/data/f{i}.gz",
                                   "msg": f"upload failed after {i} retries"}, separators=(",", ":")))
    rec.append(json.dumps({"level": 30, "time": 1700000009999, "files": 60, "msg": "batch committed"}))
    assert json_record_event(rec[0]) == json_record_event(rec[5]) != json_record_event(rec[11])
    assert json_record_event('{"a": 1}') is None and json_record_event("plain text") is None
    text = "\n".join(rec) + "\n"
    r = shipped_compressor.compress(text, domain="log")
    markers = _check_faithful(text, r.text)
    kept = [x for x in r.text.splitlines() if not MARKER_RE.match(x)]
    # The first and the last, not 60; and those naming a file whose upload failed (what else
    # the log says of the thing an alert is about).
    compressed = [x for x in kept if '"compressed file"' in x]
    assert len(compressed) <= 4 and sum('f10.gz' in x or 'f40.gz' in x for x in compressed) == 2
    assert sum("upload failed" in x for x in kept) == 2 and "batch committed" in r.text
    assert any('like "level=20 compressed file"' in m for m in markers)


def test_alert_template_keeps_first_and_last_record():
    lines = _log().splitlines()
    # More records of one alert than FEW_ALERTS, other numbers only: a repeated alert.
    for k in range(FEW_ALERTS):
        lines.insert(20 + k, f"2024-05-01 10:00:{20 + k:02d} ERROR [db] connection refused host=10.0.1.{k} port=5432")
    f = template_frame(lines)
    errors = [i for i, x in enumerate(lines) if "connection refused" in x]
    assert f.keep[errors[0]] and f.keep[errors[-1]] and not f.keep[errors[1]] and f.repeat[errors[1]]


def test_alert_wordings_stay_numbers_collapse():
    lines = []
    for i, action in enumerate(["start", "start", "reload", "start", "force-reload", "start"]):
        lines.append(f"invoke-rc.d: could not determine current runlevel {i}")
        lines.append(f"invoke-rc.d: policy-rc.d denied execution of {action}.")
    lines += [f"2026-12-02 10:00:{i:02d} WARNING large package installed_kb={900 + i} package=pkg{i}" for i in range(12)]
    f = template_frame(lines)
    kept = [lines[i] for i in np.flatnonzero(f.keep)]
    for action in ("start", "reload", "force-reload"):  # each wording of the alert
        assert f"invoke-rc.d: policy-rc.d denied execution of {action}." in kept
    starts = [i for i in np.flatnonzero(f.keep) if lines[i].endswith("of start.")]
    assert starts == [1, 11]  # the first and the last only
    # key=value values are no other wording, but a clocked log's few alerts naming other values
    # (twelve packages) are each a finding, up to CLOCKED_ALERTS; a flood of them collapses.
    warned = [x for x in kept if "large package" in x]
    assert warned == lines[12:]
    flood = [f"2026-12-02 10:00:{i:02d} WARNING large package installed_kb={900 + i} package=pkg{i}"
             for i in range(CLOCKED_ALERTS + 4)]
    assert template_frame(flood).keep.tolist() == [True] + [False] * (CLOCKED_ALERTS + 2) + [True]


def test_a_daemons_few_alerts_stay_though_only_numbers_differ():
    # nginx rejecting three requests: each record is a rejected request, not a repeat.
    def log(n: int) -> list[str]:
        out = []
        for i in range(40):
            out.append(f"2026/12/06 00:05:{i:02d} [notice] 31#31: *{i} reading request {i}")
            if i % 5 == 2 and len(out) < 400 and sum("limiting" in x for x in out) < n:
                out.append(f"2026/12/06 00:05:{i:02d} [error] 31#31: *{i} limiting requests, excess: 1.{900 + i} "
                           f'by zone "search", request: "GET /search?q=swap+{i} HTTP/1.1"')
        return out
    lines = log(FEW_ALERTS)
    f = template_frame(lines)
    assert all(f.keep[i] for i, x in enumerate(lines) if "limiting" in x)
    lines = log(FEW_ALERTS + 3)  # more: the first and the last stand for the same alert again
    f = template_frame(lines)
    assert sum(f.keep[i] for i, x in enumerate(lines) if "limiting" in x) == 2


def test_an_access_logs_server_errors_alert_with_or_without_http_in_the_protocol():
    # hypercorn prints the protocol as ``1.1``: its 500s are still failed requests, their own event.
    line = ('[2026-12-06 00:40:37 +0000] [31943] [INFO] 127.0.0.1:33100 - - [06/Dec/2026:00:40:37 +0000] '
            '"GET /6/update 1.1" {} 265 "-" "python-requests/2.34.2"')
    assert is_alert(line.format(500)) and not is_alert(line.format(200))
    assert event_fields(line.format(500)) != event_fields(line.format(200))
    assert not is_alert('it said "version 2" 500 times')


def test_a_reports_alerts_at_other_xml_lines_are_other_places():
    # checkstyle's XML: one message at three lines is three places to fix, not one alert repeated.
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<checkstyle version="8.36.1">', '<file name="Cookie.java">']
    lines += [f'<error line="{10 + 7 * i}" severity="error" message="Line has trailing spaces." source="Regexp"/>'
              for i in range(30)]
    lines += ["</file>", "</checkstyle>"]
    f = template_frame(lines)
    assert all(f.keep[3:33])


def test_a_resolvers_failed_answers_alert():
    assert is_alert("Dec 06 00:08:19 unbound[12700:0] info: 127.0.0.1 pypi.orgg. A IN SERVFAIL 0.000288 0 38")
    assert is_alert(";; ->>HEADER<<- opcode: QUERY, status: NXDOMAIN, id: 4242")
    assert is_alert("info: 127.0.0.2 null TYPE0 CLASS0 REFUSED 0.000000 1 12")
    assert not is_alert("info: 127.0.0.1 pypi.org. A IN NOERROR 0.000288 0 38")


def test_alert_wordings_are_bounded():
    # A daemon's log (each record stamped, ISO 8601 with its Z too): other users are other
    # wordings up to ALERT_VARIANTS, then the same alert again.
    lines = [f"2026-12-02T10:00:{i:02d}Z sshd[9]: Failed password for invalid user u{chr(97 + i)}x from 10.0.0.{i} "
             f"port {4000 + i} ssh2" for i in range(20)]
    f = template_frame(lines)
    assert int(f.keep.sum()) == ALERT_VARIANTS + 1  # the first wordings and the last record
    assert f.keep[-1] and not f.keep[ALERT_VARIANTS]


def test_a_tools_alerts_naming_other_places_all_stay():
    # No record stamped: a tool's report (typedoc), each warning a place to fix, up to TOOL_ALERTS.
    def report(n: int) -> list[str]:
        return [f"[warning] Opt{i}.field, defined in src/types/t{i}.ts, does not have any documentation"
                for i in range(n)] + ["[info] Documentation generated at ./docs"]
    lines = report(40)
    f = template_frame(lines)
    assert all(f.keep[:40]) and not f.repeat[:40].any()
    lines = report(TOOL_ALERTS + 20)  # a flood: its first TOOL_ALERTS stay, the rest collapse
    f = template_frame(lines)
    assert f.keep[:TOOL_ALERTS].all() and not f.keep[TOOL_ALERTS:-2].any() and f.keep[-2]  # and the last
    assert f.repeat[TOOL_ALERTS:-2].all()
    # A daemon's clocked alerts with other values are one event repeated, however few.
    clocked = [f"10:00:{i:02d} [warning] Opt{i}.field, defined in src/t{i}.ts, has no docs" for i in range(20)]
    assert int(template_frame(clocked).keep.sum()) <= ALERT_VARIANTS + 1
    # A few durations printed by the tool (bowtie2's "Time searching: 00:00:03") stamp no records:
    # still a report, each warning naming its own read stays.
    timed = (["Time loading reference: 00:00:00", "Time loading forward index: 00:00:00"]
             + [f"Warning: skipping mate #1 of read 'r{7 * i}' because it was < 2 characters long" for i in range(30)]
             + ["Time searching: 00:00:03", "Overall time: 00:00:03"])
    assert template_frame(timed).keep[2:32].all()


def test_a_clients_failed_response_alerts():
    assert is_alert("HTTP/1.1 404     0.00 secs:     153 bytes ==> GET  /sounds/boom.wav")
    assert is_alert("< HTTP/2 503") and not is_alert("HTTP/1.1 200     0.00 secs:    1571 bytes ==> GET  /")
    assert not is_alert('10.0.0.1 - - [02/Dec/2026:10:55:01 +0000] "GET /x HTTP/1.1" 404 153')  # a server's log


def test_alert_words_inside_names_do_not_alert():
    assert not is_alert("silly fetch manifest process-warning@^5.0.0")
    assert not is_alert("rotating error.log") and not is_alert("GET /api/errors 200")
    assert is_alert("return error.TestExpectedEqual;") and is_alert("java.lang.NullPointerException")
    assert is_alert("[warning] X is bad") and is_alert("Build failed.")


def test_a_checkers_words_for_what_it_found_wrong_alert():
    # e2fsck, bzip2, fsck-like checkers name the problem without a level word.
    assert is_alert("Inode 31 (/.readthedocs.yaml) has invalid mode (00).")
    assert is_alert("Entry 'README' in /examples (114) has an incorrect filetype (was 1, should be 0).")
    assert is_alert("  ./docs/a.md.bz2: file ends unexpectedly") and is_alert("checksum mismatch in block 7")
    assert is_alert("cannot open shared object file") and is_alert("Unable to connect to the server")
    assert is_alert('<script src="js/a.js"> in "/index.html" can\'t be bundled without type="module" attribute')
    assert is_alert("couldn't resolve host") and not is_alert("decant 3 files")
    assert not is_alert("Inode 19 ref count is 3, should be 1.")  # a style linter says "should be" of names
    assert not is_alert("  ./docs/a.md.bz2: ok")


def test_event_wordings_stay_values_collapse():
    # One Drain template ("node-<NUM> action start <NUM> <*>"), several events: each action's
    # first record stays; the same action on another node or at another time collapses.
    actions = ["boot", "boot", "halt", "boot", "risBoot", "halt", "boot", "shutdown", "reboot", "boot"]
    lines = [f"{2571927 + i} node-{20 + i} action start {1074125371 + i} {a}" for i, a in enumerate(actions)]
    f = template_frame(lines)
    kept = [lines[i] for i in np.flatnonzero(f.keep)]
    firsts = [lines[actions.index(a)] for a in dict.fromkeys(actions)][:EVENT_VARIANTS]
    assert kept == firsts + [lines[-1]]  # the first EVENT_VARIANTS wordings, then the last record
    assert not f.keep[actions.index("reboot")]  # bounded: a fifth wording collapses
    assert f.repeat[1] and not f.keep[1]


def test_a_result_code_named_as_such_makes_its_own_event():
    # Apache at trace: one Drain template for every response; each status is another outcome.
    head = "[Sat Dec 05 22:28:5{} 2026] [http:trace3] [pid 17422:tid 17422] http_filters.c(1146): [client 127.0.0.1:{}] "
    statuses = [200] * 30 + [500] + [200] * 20 + [403, 404] + [200] * 10
    lines = [head.format(i % 10, 48000 + i) + f"Response sent with status {s}" for i, s in enumerate(statuses)]
    kept = [lines[i] for i in np.flatnonzero(template_frame(lines).keep)]
    assert all(any(f"status {s}" in x for x in kept) for s in (200, 500, 403, 404))
    assert event_fields("conn=1000 op=5 RESULT tag=105 err=32 qtime=0.000005")[-1] == "err=32"
    assert event_fields("worker exited, exit_code: 2") == ("exit_code: 2",)
    assert event_fields("status: 0.5 done") == () and event_fields("rc=12345 id") == ()


def test_a_reports_few_failures_among_passes_each_stay_with_the_file_they_are_about():
    # patch --dry-run --verbose: Drain makes one event of "Hunk #N succeeded at M." and
    # "Hunk #N FAILED at M."; the failures are the findings, each with its file.
    lines: list[str] = []
    failed = {("requests/models.py", 10), ("requests/utils.py", 4)}
    for f, n in [("requests/api.py", 12), ("requests/models.py", 14), ("requests/sessions.py", 9), ("requests/utils.py", 8)]:
        lines += [f"checking file {f}", "Using Plan A..."]
        lines += [f"Hunk #{h} {'FAILED' if (f, h) in failed else 'succeeded'} at {10 * h + 3}." for h in range(1, n + 1)]
        if any(g == f for g, _ in failed):
            lines.append("1 out of %d hunks FAILED" % n)
    f = template_frame(lines)
    kept = [lines[i] for i in np.flatnonzero(f.keep)]
    assert "Hunk #10 FAILED at 103." in kept and "Hunk #4 FAILED at 43." in kept
    assert "checking file requests/models.py" in kept and "checking file requests/utils.py" in kept
    assert sum("succeeded" in x for x in kept) <= 4  # the passes still collapse


def test_a_reports_record_of_its_own_kind_brings_the_file_it_is_about():
    # ksvalidator: most files check clean; a message said once (no level word in it) is a
    # finding, and without the "Checking ... file" line above it, it names no file.
    lines: list[str] = []
    said = {"keyboard.ks": "argument --vckeymap: expected one argument",
            "repo-baseurl.ks": "the following arguments are required: --name"}
    words = ("anaconda autopart bootloader clearpart firewall group harddrive ignoredisk iscsi lang "
             "logging mount network ostree partition raid reboot rootpw selinux services skipx "
             "sshkey timezone user vnc xconfig zerombr zipl module liveimg").split()
    for k, word in enumerate(words):
        name = {11: "keyboard.ks", 23: "repo-baseurl.ks"}.get(k, f"{word}.ks")
        lines += ["", f"Checking kickstart file {name}", ""]
        if name in said:
            lines += [f"The following problem occurred on line {k} of the kickstart file:", "", said[name], ""]
    f = template_frame(lines)
    kept = [lines[i] for i in np.flatnonzero(f.keep)]
    assert all(m in kept for m in said.values())
    assert "Checking kickstart file keyboard.ks" in kept and "Checking kickstart file repo-baseurl.ks" in kept
    assert sum(x.startswith("Checking") for x in kept) <= 8  # the clean files still collapse


def test_a_proxys_request_status_splits_its_events():
    # HAProxy's HTTP log gives the status before the request (after its five timers), squid's
    # native log after the result code: a 404 among 200s is its own event, so its line stays.
    line = ('127.0.0.1:{port} [07/Dec/2026:06:48:25.{ms:03d}] web static_servers/static1 0/0/0/{t}/{t} {status} 185 '
            '- - ---- 1/1/0/0/0 0/0 "GET /{page}.html HTTP/1.1"')
    assert event_fields(line.format(port=41444, ms=1, t=2, status=404, page="missing")) == ("404", "GET")
    assert event_fields("1286536308.779    180 192.168.0.224 TCP_MISS/503 4203 GET http://x.example/ - HIER_NONE/- "
                        "text/html") == ("503", "GET")
    log = [line.format(port=41000 + i, ms=i, t=i % 7, status=404 if i == 17 else 200, page="missing" if i == 17 else "index")
           for i in range(40)]
    f = template_frame(log)
    assert f.keep[17] and not f.repeat[17]
    assert f.repeat[1:17].all()  # the 200s are one event still


def test_a_resolvers_failed_answer_code_alerts():
    # PowerDNS's structured log gives the answer's code as a number: 2 is SERVFAIL, 0 NOERROR.
    line = 'Dec 07 06:48:42 msg="Answer" subsystem="syncres" qname="db.corp.example" qtype="A" rcode="{}" rd="1"'
    assert is_alert(line.format(2)) and is_alert(line.format(3)) and not is_alert(line.format(0))
    assert not is_alert("rcodes=2 zone loaded")


def test_event_fields_split_programs_and_requests():
    assert event_fields("Dec  2 10:52:16 vm su[9212]: pam_limits(su:session): Could not set limit") == ("su",)
    assert event_fields("Dec  2 10:52:16 vm sudo: pam_limits(sudo:session): Could not set limit") == ("sudo",)
    assert event_fields("2026-12-02T10:50:22.718Z [api] info: GET /docs/a.gz?x=1 -> 404 in 2ms") == ("INFO", "GET", "404")
    assert event_fields("2026-12-02T10:50:22.716Z [api] debug: request 1 POST /index") == ("DEBUG", "POST")
    lines = ["Dec  2 10:52:16 vm su[9212]: pam_unix(su:session): session opened for user bob(uid=1001) by (uid=0)",
             "Dec  2 10:52:17 vm sudo: pam_unix(sudo:session): session opened for user root(uid=0) by (uid=1001)",
             "Dec  2 10:52:18 vm su[9213]: pam_unix(su:session): session opened for user bob(uid=1001) by (uid=0)"]
    lt = mine(lines)
    assert lt.template[0] == lt.template[2] != lt.template[1]


def test_json_array_keeps_first_and_deviating_items(shipped_compressor):
    items = [{"name": f"pkg{i}", "version": f"1.{i}.0", "deps": ["a"]} for i in range(60)]
    items[41]["deps"] = []  # deviates: an empty array
    items[50]["version"] = None  # deviates: null
    text = json.dumps({"count": 60, "items": items}, indent=2) + "\n"
    r = shipped_compressor.compress(text, domain="json")
    markers = _check_faithful(text, r.text)
    assert '"name": "pkg0"' in r.text and '"name": "pkg41"' in r.text and '"name": "pkg50"' in r.text
    assert '"name": "pkg30"' not in r.text
    assert any("more items with keys deps, name, version" in m for m in markers)
    words_in, words_out = len(text.split()), sum(len(x.split()) for x in r.text.splitlines() if not MARKER_RE.match(x))
    assert words_out / words_in < 0.35


def test_json_findings_each_stay_and_records_collapse(shipped_compressor):
    # A linter's --json report: every diagnostic is a place to fix (ruff, pyright, markdownlint).
    diags = [{"code": f"F{800 + i}", "filename": f"pkg/mod{i}.py", "location": {"row": 10 + i, "column": 1},
              "message": f"Name `thing{i}` shadows a builtin", "severity": "error", "url": None} for i in range(40)]
    text = json.dumps(diags, indent=2) + "\n"
    r = shipped_compressor.compress(text, domain="json")
    _check_faithful(text, r.text)
    assert all(f"Name `thing{i}` shadows a builtin" in r.text for i in range(40))
    # Rated below a problem ("info" log events) the same items are records: they collapse.
    for d in diags:
        d["severity"] = "info"
        del d["code"]  # (a rule's code names a finding whatever its severity: see below)
    text = json.dumps(diags, indent=2) + "\n"
    r = shipped_compressor.compress(text, domain="json")
    _check_faithful(text, r.text)
    assert sum(f"Name `thing{i}` shadows a builtin" in r.text for i in range(40)) < 10
    # A rule named is a finding whatever its severity (eslint's numeric one).
    lint = [{"ruleId": "no-unused-vars", "severity": 2, "message": f"'v{i}' is defined but never used.", "line": i}
            for i in range(30)]
    text = json.dumps(lint, indent=2) + "\n"
    r = shipped_compressor.compress(text, domain="json")
    assert all(f"'v{i}' is defined but never used." in r.text for i in range(30))


def test_json_findings_by_type_by_their_array_and_with_their_locations(shipped_compressor):
    # pylint's json2: a message rated "error" by its type is a finding, a "convention" a record.
    msgs = [{"type": "error" if i % 10 == 3 else "convention", "symbol": f"sym-{i}", "message": f"text number {i}",
             "path": f"pkg/m{i}.py", "line": i} for i in range(60)]
    text = json.dumps({"messages": msgs}, indent=2) + "\n"
    r = shipped_compressor.compress(text, domain="json")
    _check_faithful(text, r.text)
    assert all(f'"symbol": "sym-{i}"' in r.text for i in range(3, 60, 10))
    assert sum(f'"symbol": "sym-{i}"' in r.text for i in range(60) if i % 10 != 3) < 12
    # mocha's json reporter: the items of its "failures" array are findings whatever their keys.
    tests = [{"title": f"case {i}", "fullTitle": f"suite case {i}", "duration": i} for i in range(30)]
    text = json.dumps({"stats": {"failures": 4}, "passes": tests[4:], "failures": tests[:4]}, indent=2) + "\n"
    r = shipped_compressor.compress(text, domain="json")
    assert all(f'"fullTitle": "suite case {i}"' in r.text for i in range(4))
    # flake8's json: a "code" shaped like a rule's (E711) names one; an HTTP "code": "200" does not.
    diags = [{"code": "E711", "filename": "a.py", "line_number": 300 + i, "text": f"comparison {i}"} for i in range(20)]
    text = json.dumps({"a.py": diags}, indent=2) + "\n"
    r = shipped_compressor.compress(text, domain="json")
    assert all(f'"line_number": {300 + i}' in r.text for i in range(20))
    calls = [{"code": "200", "path": f"/api/{i}", "note": f"call {i}"} for i in range(20)]
    r = shipped_compressor.compress(json.dumps(calls, indent=2) + "\n", domain="json")
    assert sum(f'"note": "call {i}"' in r.text for i in range(20)) < 10
    # rubocop's per-file "offenses", a clone detector's "duplicates": findings by the array's name.
    files = [{"path": f"lib/f{i}.rb", "offenses": [{"cop_name": "Style/X", "message": f"offense {i}",
                                                    "location": {"line": i}}]} for i in range(20)]
    text = json.dumps({"files": files}, indent=2) + "\n"
    r = shipped_compressor.compress(text, domain="json")
    assert all(f'"message": "offense {i}"' in r.text for i in range(20))
    # SARIF: a result names its rule; its one location in a nested array is its own, not a repeat.
    results = [{"ruleId": "no-verify", "message": {"text": "TLS verification disabled"},
                "locations": [{"physicalLocation": {"artifactLocation": {"uri": f"src/mod{i}.py"},
                                                    "region": {"startLine": 10 + i}}}]} for i in range(12)]
    text = json.dumps({"runs": [{"results": results}]}, indent=2) + "\n"
    r = shipped_compressor.compress(text, domain="json")
    assert all(f'"uri": "src/mod{i}.py"' in r.text for i in range(12))


def test_json_items_of_one_path_pool_across_arrays():
    # Three reservations of three instances: no array reaches four items, the path does.
    res = []
    for r in range(3):
        inst = [{"InstanceId": f"i-{r}{k}", "State": {"Name": "running"}, "PrivateIpAddress": f"10.0.{r}.{k}",
                 "Tags": [{"Key": "Name", "Value": f"web-{r}{k}"}]} for k in range(3)]
        res.append({"ReservationId": f"r-{r}", "Instances": inst})
    res[2]["Instances"][1]["PrivateIpAddress"] = None  # the first null: shown
    res[2]["Instances"][2]["PrivateIpAddress"] = None  # the second: a repeat
    text = json.dumps({"Reservations": res}, indent=2) + "\n"
    lines = text.splitlines()
    starts = np.array([0] + [i + 1 for i, ch in enumerate(text) if ch == "\n"][:-1])
    ends = np.array([i for i, ch in enumerate(text) if ch == "\n"])
    f = json_frame(text, starts, ends)
    kept = [lines[i] for i in np.flatnonzero(f.keep)]
    ids = [x.split('"')[3] for x in kept if '"InstanceId"' in x]
    assert ids == ["i-00", "i-01", "i-21"], ids  # the first two instances, then the first null
    assert any('"PrivateIpAddress": null' in x for x in kept)
    collapsed = [lines[i].strip() for i in np.flatnonzero(f.repeat) if '"InstanceId"' in lines[i]]
    assert len(collapsed) == 6 and '"InstanceId": "i-22",' in collapsed


def test_json_long_string_values_collapse_unless_they_open_like_an_error(shipped_compressor):
    readme = ("# {name}\n\n{name} parses things. THE SOFTWARE IS PROVIDED AS IS WITHOUT ANY EXPRESS WARRANTY; "
              "it raises KeyError when a section is missing. " + "It is small, fast and well tested. " * 12)
    trace = "Traceback (most recent call last):\n  File \"/app/run.py\", line 9, in main\n" + "    frame\n" * 40 + \
        "ZeroDivisionError: division by zero"
    pkgs = [{"name": f"pkg{i}", "version": f"1.{i}", "description": readme.format(name=f"pkg{i}")} for i in range(8)]
    pkgs[5]["description"] = trace
    text = json.dumps({"installed": pkgs}, indent=2) + "\n"
    r = shipped_compressor.compress(text, domain="json")
    markers = _check_faithful(text, r.text)
    # The structure of the first items stays; their pages of text go, named by their key.
    assert '"name": "pkg0"' in r.text and '"version": "1.1"' in r.text
    assert not any("pkg0 parses things" in x or "pkg6 parses things" in x for x in r.text.splitlines())
    assert any('free-text value of "description"' in m for m in markers), markers
    # A value that opens like an error report stays for the guard, in a collapsed item too.
    assert "ZeroDivisionError" in r.text
    words = len(text.split())
    kept = sum(len(x.split()) for x in r.text.splitlines() if not MARKER_RE.match(x))
    assert kept / words < 0.2


def test_json_frame_ignores_broken_or_flat_json():
    assert json_frame('{"a": [1, 2', np.array([0]), np.array([11])) is None
    text = '[{"a": 1}, {"a": 2}, {"a": 3}, {"a": 4}, {"a": 5}]'
    assert json_frame(text, np.array([0]), np.array([len(text)])) is None  # one line: no whole-line items


def test_listing_collapses_per_folder_and_extension(shipped_compressor):
    paths = [f"./src/app/mod{i:03d}.py" for i in range(80)] + ["./src/app/NOTES.md"]
    paths += [f"./tests/test_{i:03d}.py" for i in range(30)]
    text = "\n".join(paths) + "\n"
    f = listing_frame(text.splitlines())
    md = paths.index("./src/app/NOTES.md")
    assert not f.repeat[md] and f.repeat[10] and f.keep[0]
    r = shipped_compressor.compress(text, domain="tree")
    markers = _check_faithful(text, r.text)
    assert "./src/app/NOTES.md" in r.text
    assert any("more entries in ./src/app (.py)" in m for m in markers)
    assert len([x for x in r.text.splitlines() if not MARKER_RE.match(x)]) < 20
    # Every entry's name is still readable: in a kept line or in the marker that collapsed it;
    # numbered series are shown as "first .. last (N)".
    names = {p.rsplit("/", 1)[1] for p in paths}
    shown = {p.rsplit("/", 1)[1] for p in r.text.splitlines() if not MARKER_RE.match(p)}
    listed = set()
    for m in markers:
        for group in re.findall(r"\{([^}]*)\}", m):
            for name in group.split(", "):
                series = re.fullmatch(r"(\D+)(\d+)(\D*) \.\. \D+(\d+)\D* \((\d+)\)", name)
                if series:
                    a, first, z, last, n = series.groups()
                    width = len(first)
                    listed.update(f"{a}{k:0{width}d}{z}" for k in range(int(first), int(last) + 1))
                    assert int(last) - int(first) + 1 == int(n)
                else:
                    listed.add(name)
    assert names <= shown | listed
    # The names cost tokens: they count in the output's tokens.
    assert r.tokens_out >= shipped_compressor.count_tokens("\n".join(markers)) // 2
    assert r.tokens_out < r.tokens_in


def test_listing_keeps_groups_too_small_to_collapse():
    # find: a folder's three files are too few to collapse; they stay, not left to the model,
    # which once dropped them behind a marker that could not name them.
    paths = [f"/srv/app/mod{i}.py" for i in range(60)] + ["/srv/app/nodes/a.py", "/srv/app/nodes/b.py",
                                                          "/srv/app/nodes/c.py"]
    f = listing_frame(paths)
    assert f.keep[60:].all() and not f.repeat[60:].any()
    assert f.keep[:2].all() and f.repeat[2:60].all()


def test_a_short_listing_stays_whole(shipped_compressor):
    from kompress.decision.frame import LISTING_WHOLE

    # find ... | head -30: each path is one the agent may open next; a few dozen stay whole.
    paths = [f"django/db/migrations/{name}.py" for name in ("autodetector", "executor", "graph", "loader",
                                                            "migration", "optimizer", "questioner", "recorder",
                                                            "serializer", "state", "utils", "writer")]
    paths += [f"django/db/migrations/operations/{name}.py" for name in ("base", "fields", "models", "special")]
    paths += [f"tests/migrations/test_{i:02d}.py" for i in range(LISTING_WHOLE - len(paths))]
    f = listing_frame(paths)
    assert f.keep.all() and not f.repeat.any()
    text = "\n".join(paths) + "\n"
    assert shipped_compressor.compress(text).text == text
    assert listing_frame(paths + ["tests/migrations/test_99.py"]).repeat.any()  # one more: a long listing


def _ls_line(kind: str, name: str, size: int = 4096) -> str:
    return f"{kind}rwxr-xr-x  2 root root {size:6d} Dec 30  2023 {name}"


def test_listing_keeps_its_skeleton():
    # ls -laR: every section header stays (the folders), entries collapse per folder and extension.
    rec = [".:", "total 40", _ls_line("d", "."), _ls_line("d", ".."), _ls_line("d", "pkg"), _ls_line("-", "setup.py", 812),
           "", "./pkg:", "total 120"] + [_ls_line("-", f"m{i:02d}.py", 900 + i) for i in range(30)] + \
          [_ls_line("d", "__pycache__"), "", "./pkg/__pycache__:", "total 8"] + \
          [_ls_line("-", f"m{i:02d}.cpython-311.pyc", 700 + i) for i in range(30)]
    f = listing_frame(rec)
    kept = {rec[i] for i in np.flatnonzero(f.keep)}
    assert {".:", "./pkg:", "./pkg/__pycache__:"} <= kept
    assert f.repeat[rec.index(_ls_line("-", "m05.py", 905))]
    # One folder, ls -la: its total line and its folders stay, whatever the model says.
    one = ["total 52", _ls_line("d", "."), _ls_line("d", ".git"), _ls_line("d", "node_modules")] + \
          [_ls_line("-", f"f{i}.js", 100 + i) for i in range(8)]
    f = listing_frame(one)
    assert f.keep[[0, 2, 3]].all() and not f.keep[1]


def test_valgrind_innermost_frame_is_critical():
    from kompress.decision.guards import is_critical_line

    # errno names are critical; capitalised English starting with E is not.
    assert is_critical_line("Error: connect ECONNREFUSED 127.0.0.1:5432") and is_critical_line("npm ERR! code ERESOLVE")
    assert not is_critical_line("ANY EXPRESS OR IMPLIED WARRANTIES") and not is_critical_line("EXAMPLES")

    assert is_critical_line("==4225==    at 0x48B7417: __vfprintf_internal (vfprintf-internal.c:684)")
    assert not is_critical_line("==4225==    by 0x10915A: walk (deep.c:12)")


def test_native_backtraces_keep_the_first_frame_of_the_program(shipped_compressor):
    from kompress.decision.guards import NATIVE_OWN_FRAMES, native_frame_guard

    asan = ["==77==ERROR: AddressSanitizer: stack-overflow on address 0x7ffd5f7fef58 (pc 0x7f T0)",
            "    #0 0x7f1e in printf_common ../../../../src/libsanitizer/sanitizer_common/fmt.inc:495",
            "    #1 0x7f2e in __interceptor_vprintf ../../../../src/libsanitizer/sanitizer_common/ic.inc:1",
            "    #2 0x55a3 in load_table src/table_io.c:41"] + \
           [f"    #{i} 0x55b4 in load_table src/table_io.c:57" for i in range(3, 200)] + \
           ["", "SUMMARY: AddressSanitizer: stack-overflow in printf_common", "==77==ABORTING", "exit code: 1"]
    gdb = ["#0  0x00007f3a in __pthread_kill_implementation (signo=6) at ./nptl/pthread_kill.c:44",
           "#1  0x00005555 in check_row (r=0x0) at lib/rows.c:88", "#2  0x00005566 in main () at lib/main.c:9"]
    add = native_frame_guard(asan + gdb)
    # the program's own frames, NATIVE_OWN_FRAMES of a stack at most (a recursion's repeats are
    # the stack frame's to collapse), not the sanitizer's or libc's
    assert [(asan + gdb)[i] for i in np.flatnonzero(add)] == asan[3:3 + NATIVE_OWN_FRAMES] + gdb[1:]
    lldb = ["* thread #1, name = 'json_parse', stop reason = signal SIGSEGV: invalid address (fault address: 0x8)",
            "  * frame #0: 0x0000555555559e46 json_parse`json_object_array_to_json_string(jso=0x0, level=2) at json_object.c:1686:10",
            "    frame #1: 0x0000555555556822 json_parse`showobj(new_obj=0x0000555555568930) at json_parse.c:162:12",
            "    frame #2: 0x0000555555556c01 json_parse`main(argc=3, argv=0x00007fffffffe758) at json_parse.c:222:6",
            "    frame #3: 0x00007ffff7df724a libc.so.6`__libc_start_call_main(argc=3) at libc_start_call_main.h:58:16"]
    assert np.flatnonzero(native_frame_guard(lldb)).tolist() == [1, 2, 3]  # lldb's, not libc's
    valgrind = ["==9== Invalid read of size 4", "==9==    at 0x48DD477: _IO_file_overflow (fileops.c:744)",
                "==9==    by 0x10915A: walk (deep.c:12)", "==9==    by 0x10916B: main (deep.c:30)"]
    assert np.flatnonzero(native_frame_guard(valgrind)).tolist() == [1]  # a bare file name: the first only
    # A stack whose innermost frame is a library's (no file) is a new stack all the same: its first
    # frame with a file stays, not counted as the stack before it.
    leak = ["==9== 3 bytes in 1 blocks are definitely lost in loss record 2 of 15",
            "==9==    at 0x48417B4: malloc (in /usr/libexec/valgrind/vgpreload_memcheck-amd64-linux.so)",
            "==9==    by 0x10A50C: parse_string (cJSON.c:858)", "==9==    by 0x10BD8C: parse_object (cJSON.c:1716)"]
    assert np.flatnonzero(native_frame_guard(valgrind + leak)).tolist() == [1, 6]
    # gdb's ``at cJSON.c:260`` is a file it has the source of (the program's, built with -g): a
    # thread's whole call path stays, not its first frame alone as with valgrind's bare names.
    own = ["#0  0x00007ffff7c5a472 in __GI_raise (sig=sig@entry=6) at ../sysdeps/unix/sysv/linux/raise.c:50",
           "#1  0x0000555555555f57 in cJSON_Delete (item=0x5555555602b0) at cJSON.c:260",
           "        next = 0x0", "#2  0x000055555555576c in create_objects () at test.c:182",
           "#3  0x0000555555555c12 in main () at test.c:265"]
    assert np.flatnonzero(native_frame_guard(own)).tolist() == [1, 3, 4]
    text = "\n".join(asan) + "\n"
    out = shipped_compressor.compress(text, domain="crash").text
    assert "src/table_io.c:41" in out and "SIGSEGV" not in out  # kept, and nothing invented
    assert len(out.splitlines()) < 40


def test_listing_marker_names_are_bounded():
    paths = [f"./data/{w}_{i}.parquet" for i in range(300) for w in ("alpha", "beta")]
    f = listing_frame(paths)
    detail = describe_run(f, list(range(2, 600)), 598)
    assert detail.startswith("598 lines omitted: 598 more entries in ./data (.parquet): {alpha_1.parquet, beta_1.parquet, ")
    assert detail.endswith(", ...}") and len(detail) < 800
    series = [f"./data/shard_{i:05d}.parquet" for i in range(2000)]
    detail = describe_run(listing_frame(series), list(range(2, 2000)), 1998)
    assert detail == "1998 more entries in ./data (.parquet): {shard_00002.parquet .. shard_01999.parquet (1998)}" \
        or detail.endswith("{shard_00002.parquet .. shard_01999.parquet (1998)}")


def test_passed_runs_collapse_failures_stay(shipped_compressor):
    lines = ["============================= test session starts ==============================",
             "platform linux -- Python 3.11.7, pytest-8.3.2, pluggy-1.5.0", "rootdir: /work/proj", "collected 61 items", ""]
    lines += [f"tests/test_api.py::test_case_{i} PASSED{' ' * 20}[{i * 100 // 61:3d}%]" for i in range(60)]
    lines += ["tests/test_api.py::test_login FAILED                              [100%]", "",
              "=========================== short test summary info ============================",
              "FAILED tests/test_api.py::test_login - AssertionError: 401 != 200",
              "========================= 1 failed, 60 passed in 2.31s ========================="]
    text = "\n".join(lines) + "\n"
    r = shipped_compressor.compress(text, domain="test")
    markers = _check_faithful(text, r.text)
    assert "test_login FAILED" in r.text and "1 failed, 60 passed" in r.text and "rootdir: /work/proj" in r.text
    assert r.text.count("PASSED") <= 5
    assert any("more lines like" in m and "PASSED" in m for m in markers)


def test_describe_run_counts_lines_and_units():
    lines = _log(12).splitlines()
    f = template_frame(lines)
    run = [i for i in range(len(lines)) if f.repeat[i] and "processed" in lines[i]][:4]
    assert describe_run(f, run, len(run)).startswith("4 more lines like ")


def test_stack_frame_collapses_a_recursion_by_call_site():
    from kompress.decision.frame import build_frame, stack_frame

    asan = ["==7==ERROR: AddressSanitizer: stack-overflow on address 0x7fffff7fef58",
            "    #0 0x7ffff78725fa in printf_common ../../src/libsanitizer/format.inc:495",
            "    #1 0x555555557394 in parse_asset src/asset_io.c:16"]
    asan += [f"    #{k} 0x55555555754a in parse_asset src/asset_io.c:19" for k in range(2, 40)]
    asan += ["    #40 0x555555557500 in main src/asset_io.c:35", "", "SUMMARY: AddressSanitizer: stack-overflow"]
    f = stack_frame(asan)
    run = [i for i, x in enumerate(asan) if x.endswith("asset_io.c:19")]
    # the first and the last frame of the run stay, the others are repeats; line 16 is another call site
    assert f.keep[run[0]] and f.keep[run[-1]] and not f.keep[run[1:-1]].any()
    assert f.repeat[run[1:-1]].all() and not f.repeat[2] and not f.repeat[run[-1] + 1]
    text = "\n".join(asan)
    starts = np.array([0] + [i + 1 for i, c in enumerate(text) if c == "\n"])
    fr = build_frame("stack", text, asan, starts, starts)
    assert describe_run(fr, run[1:-1], len(run) - 2) == f'{len(run) - 2} more lines like "in parse_asset src/asset_io.c:19"'
    # gdb's frames of one call site differ in their arguments; two repeats are no run
    gdb = [f"#{k}  0x0000555555555216 in walk (n=0x5555555581{k:02d} <nodes+{40 * k}>, depth={k}) at deep.c:12"
           for k in range(5)] + ["#5  0x0000555555555447 in main (argc=3, argv=0x7fffffffe948) at deep.c:35"]
    g = stack_frame(gdb)
    assert g.keep[0] and g.keep[4] and g.repeat[1:4].all() and not g.repeat[5]
    js = ["RangeError: Maximum call stack size exceeded", "    at walk (/app/tree.js:3:5)", "    at walk (/app/tree.js:3:5)",
          "    at main (/app/tree.js:9:1)"]
    assert stack_frame(js) is None
    # the program's own output before a crash is no backtrace: left to the scores and the tail
    assert stack_frame([f"dispatch-worker pc={k:03d} top={k * 3} depth={k}" for k in range(8)]) is None


def test_at_frame_guard_keeps_the_top_and_first_own_frame():
    from kompress.decision.guards import at_frame_guard

    node = ["AssertionError [ERR_ASSERTION]: Expected values to be strictly deep-equal:",
            "    at Module._compile (node:internal/modules/cjs/loader:1521:14)",
            "    at Object.<anonymous> (/srv/quartz/main.js:9:8)",
            "    at Module.load (node:internal/modules/cjs/loader:1266:32)",
            "    at /srv/quartz/lib/run.js:3:1",
            "  code: 'ERR_ASSERTION',"]
    java = ["java.lang.IndexOutOfBoundsException: Index 3 out of bounds for length 3",
            "\tat java.base/java.util.ArrayList.get(ArrayList.java:427)",
            "\tat com.acme.App.run(App.java:12)",
            "\tat com.acme.App.main(App.java:5)"]
    # the top frame (where it was thrown) and the first frame of the program's own code, per stack
    assert np.flatnonzero(at_frame_guard(node + java)).tolist() == [1, 2, 7, 8]
    assert not at_frame_guard(["the job ran at 10:00", "it stopped at noon"]).any()


def test_a_few_alerts_naming_other_values_each_stay_the_same_alert_again_collapses():
    lines = []
    for i, page in enumerate(["middleware", "responses", "staticfiles"]):
        lines += [f"DEBUG   -  Reading: {page}.md", f"DEBUG   -  Running `page_markdown` event {i}",
                  f"WARNING -  Doc file '{page}.md' contains a link 'x{i}.md', but the target is not found."]
    f = template_frame(lines)
    assert all(f.keep[i] for i, x in enumerate(lines) if x.startswith("WARNING"))  # one per page
    same = [f"2026-12-02 10:00:{i:02d} ERROR upstream timed out after {30 + i} ms" for i in range(5)]
    f = template_frame(same)
    assert f.keep.tolist() == [True, False, False, False, True]  # other numbers only: first and last
    clocked = [f"2026-12-02 10:00:0{i} ERROR login failed for user '{u}'" for i, u in enumerate("abcde")]
    assert template_frame(clocked).keep.all()  # a daemon's few alerts naming other users: each stays
    stack = []
    for i, (a, b) in enumerate([("do", "dog"), ("987654321", "9876543210"), ("abc", "abcd")]):
        stack += [f"[FAIL] ( {i + 2}/4 ) TESTING reverse()", f"       assertEqual: {a} IS NOT EQUAL TO {b}",
                  f"       at main (test.awk:{i + 3})"]
    f = template_frame(stack)
    assert f.keep.tolist() == [True] * 5 + [False] + [True] * 3  # a middle record: its head and the line under it


def _marked_run() -> str:
    """A runner that prints a ✔/✖ mark per test and an unusual summary (hapi lab's shape), with
    passing tests whose names hold critical and negation words, and a failure report printed at
    the suite's depth right after the last pass."""
    lines = ["clone()"]
    names = ["clones an object", "clones Error with cause", "should not throw on circular reference",
             "does not invoke the setter", "clones an array", "rejects on TimeoutError"]
    lines += [f"  ✔ {i + 1}) {names[i % len(names)]} {i} (0 ms and 1 assertions)" for i in range(40)]
    lines += ["  ✖ 41) encodes / characters"]
    lines += [f"  ✔ {i + 1}) {names[i % len(names)]} {i} (0 ms and 1 assertions)" for i in range(41, 80)]
    lines += ["", "Failed tests:", "", "  41) escapeHtml() encodes / characters:", "",
              "      Expected '&#x2F;' to equal specified value: '&#x2f;'", "",
              "      at /src/proj/test/index.js:1862:34", "", "", "1 of 80 tests failed", "Test duration: 215 ms", ""]
    return "\n".join(lines)


def test_a_marked_run_is_a_test_run_whose_passes_collapse_whatever_their_names(shipped_compressor):
    from kompress.structure.domains import detect

    text = _marked_run()
    assert detect(text) == "test"
    r = shipped_compressor.compress(text)
    _check_faithful(text, r.text)
    # A pass named "clones Error" or "should not throw" is a pass: it collapses with the others.
    assert r.text.count("✔") <= 6 and r.keep_rate < 0.4
    for kept in ("✖ 41) encodes / characters", "41) escapeHtml() encodes / characters:",
                 "Expected '&#x2F;' to equal specified value: '&#x2f;'", "at /src/proj/test/index.js:1862:34",
                 "1 of 80 tests failed"):
        assert kept in r.text


def test_a_failure_report_after_the_last_pass_is_no_part_of_the_pass():
    from kompress.decision.frame import run_frame

    lines = [f"    ✓ should parse case {i}" for i in range(12)]
    lines += ["", "  ● format(number) › should round", "", "    expect(received).toBe(expected)", "",
              '    Expected: "3d"', '    Received: "2d"', "", "FAIL src/parse.test.ts"]
    f = run_frame(lines)
    assert f is not None and f.repeat[1:12].all()
    # The failure block printed at the suite's depth opens a record of its own: no repeat.
    assert not f.repeat[13:].any()


def test_a_program_speaking_amid_its_listing_keeps_the_entries_around_it(shipped_compressor):
    entries = [f"-rw-rw-r-- root/root {100 + i:>8} 2026-08-16 21:47 pkg/src/mod_{i:03d}.lua" for i in range(200)]
    text = "\n".join(entries[:80] + ["tar: Skipping to next header"] + entries[80:] + [
        "tar: Unexpected EOF in archive", "tar: Error is not recoverable: exiting now"]) + "\n"
    r = shipped_compressor.compress(text)
    assert r.domain == "tree" and r.keep_rate < 0.3
    kept = r.text.splitlines()
    i = kept.index("tar: Skipping to next header")
    # Where the damage is: the last member read before it and the first after it.
    assert kept[i - 1] == entries[79] and kept[i + 1] == entries[80]


def test_a_text_is_mined_once_and_its_templates_do_not_depend_on_by_lead(monkeypatch):
    import kompress.structure.templates as templates

    lines = [f"2024-01-0{i % 9 + 1} 10:00:0{i % 10} worker {i} done" if i % 4 else f"detail of {i}" for i in range(60)]
    calls = []
    real = templates._templates
    monkeypatch.setattr(templates, "_templates", lambda *a: calls.append(1) or real(*a))
    monkeypatch.setattr(templates, "_mined", type(templates._mined)())
    a = mine(lines, by_lead=True)
    a.template[:] = 7  # a caller's changes to its copy stay its own
    b = mine(lines, by_lead=False)
    fresh = real(lines, np.asarray([bool(x.strip()) for x in lines]))
    assert len(calls) == 1
    assert np.array_equal(b.template, fresh[0]) and b.texts == fresh[1] and b.masked == fresh[2]
    assert not np.array_equal(a.head, b.head)  # records differ by lead: a log's undated lines join the record above
    assert np.array_equal(mine(lines[:-1]).template, real(lines[:-1], np.ones(59, bool))[0]) and len(calls) == 2


def test_a_reports_findings_at_other_places_in_one_file_each_stay():
    # tslint: the same rule and the same name at other lines of one file are other places to fix;
    # numbers alone collapse (a daemon's or a tool's counts), places in a file do not.
    names = ["response", "error", "json"]
    lines = [f"ERROR: (no-shadowed-variable) test/main.ts[{100 + 37 * i}, {8 + i % 5}]: Shadowed name: "
             f"'{names[i % 3]}'" for i in range(30)]
    f = template_frame(lines)
    assert f.keep.all() and not f.repeat.any()
    hunks = [f">         rejected hunk @@ -{10 * i},9 +{10 * i},9 @@" for i in range(1, 8)] + ["Summary of conflicts:"]
    assert template_frame(["--- Merging r4 into 'lib/a.js':"] + hunks).keep[1:8].all()
    counts = [f"ERROR: cache miss ratio {i}% over {i * 3} requests" for i in range(30)]
    assert template_frame(counts).repeat.sum() >= 27  # other numbers only: one alert repeated
    assert is_alert("csslint: There are 12 problems in /src/App.css.") and is_alert("✕ unmet peer vue@^3: found 2.7")


def test_a_problem_in_a_drawn_tree_keeps_the_entries_it_hangs_from(shipped_compressor):
    from kompress.decision.guards import tree_ancestors

    lines = [".", "├─┬ @vue/server-renderer 3.4.37", "│ └── ✕ unmet peer vue@3.4.37: found 2.7.16",
             "├─┬ @mutoe/eslint-config 2.8.3", "│ ├─┬ eslint-plugin-vue 9.2.0", "│ │ └── ok-dependency 1.0.0",
             "│ └─┬ @typescript-eslint/utils 7.18.0", "│   └── ✕ unmet peer eslint@^8.56.0: found 9.39.5",
             "└── vite 4.5.14"]
    keep = np.zeros(len(lines), bool)
    keep[7] = True
    assert np.flatnonzero(tree_ancestors(lines, keep)).tolist() == [0, 3, 6]
    keep[2] = True
    assert np.flatnonzero(tree_ancestors(lines, keep)).tolist() == [0, 1, 3, 6]
    # Not a tree: nothing hangs from anything.
    plain = ["def f():", "    return 1", "- item", "+--------+", "| a | b |"]
    assert not tree_ancestors(plain, np.ones(len(plain), bool)).any()
    text = "\n".join([" WARN  Issues with peer dependencies found"] + lines * 6) + "\nDone in 6.6s\n"
    out = shipped_compressor.compress(text).text
    assert "│ └─┬ @typescript-eslint/utils 7.18.0" in out and "├─┬ @vue/server-renderer 3.4.37" in out


def test_a_clocked_logs_few_alerts_each_stay_and_asans_access_line_is_critical():
    from kompress.decision.guards import is_critical_line

    # rclone check -vv: nine files missing among hundreds checked, every line clocked.
    lines = []
    for i in range(300):
        lines.append(f"2026/12/05 02:33:26 DEBUG : pkg/mod{i}.py: md5 = {i:032x} OK")
        if i % 33 == 5:
            lines.append(f"2026/12/05 02:33:26 ERROR : pkg/gone{i}.py: file not in Local file system at /dst")
    f = template_frame(lines)
    assert all(f.keep[i] for i, x in enumerate(lines) if "ERROR" in x)
    assert is_critical_line("WRITE of size 1 at 0x602000062b14 thread T0")
    assert not is_critical_line("WRITE a file of size 1")


def test_faulthandlers_dump_git_push_rejections_and_svn_revisions_stay(shipped_compressor):
    from kompress.decision.guards import guard_line_indices, is_critical_line
    from kompress.structure.units import line_spans

    tests = [f"test_case_{i} (pkg.tests.test_mod.T.test_case_{i}) ... ok" for i in range(60)]
    frames = [f'  File "/usr/lib/python3.11/unittest/{f}.py", line {100 + i} in {f}_run'
              for i, f in enumerate(["suite", "case", "main", "runner"] * 3)]
    text = "\n".join(tests + ["Fatal Python error: Segmentation fault", "",
                              "Current thread 0x00007f63fb058b80 (most recent call first):"] + frames +
                     ["", "Extension modules: simplejson._speedups (total: 1)", "Segmentation fault (core dumped)"]) + "\n"
    hits = set(guard_line_indices(text, line_spans(text)[0]).tolist())
    assert {59, 63} <= hits  # the test that was running, the innermost frame
    out = shipped_compressor.compress(text).text
    assert tests[-1] in out and frames[0] in out
    assert is_critical_line(" ! [rejected]            main -> main (fetch first)")
    assert is_critical_line(" ! [remote rejected]     v0.1 -> v0.1 (hook declined)")
    svn = []
    for r in range(1, 200):
        svn.append(f"* Verified revision {r}.")
        if r % 20 == 7:
            svn += [f"* Error verifying revision {r}.", f"svnadmin: E160004: Corrupt node-revision '0.0.r{r}/4'"]
    f = template_frame(svn)
    assert all(f.keep[i] for i, x in enumerate(svn) if "Error verifying" in x)


def test_test_mores_failed_test_and_its_compared_values_stay_in_any_domain():
    from kompress.decision.guards import guard_line_indices
    from kompress.structure.units import line_spans

    lines = [f"t/{i:03d}_case.t ..... ok" for i in range(40)]
    lines += ["t/010_pc_keysort.t .. ", "#   Failed test at t/010_pc_keysort.t line 19.",
              "#          got: '{\"b\":2,\"a\":1}'", "#     expected: '{\"a\":1,\"b\":2}'",
              "# Looks like you failed 1 test of 1.", "Dubious, test returned 1 (wstat 256, 0x100)"]
    lines += [f"File {i}  stmt 90.{i}  bran 80.0  cond 75.0  sub 100.0" for i in range(30)]
    text = "\n".join(lines) + "\n"
    hits = set(guard_line_indices(text, line_spans(text)[0], "build").tolist())
    assert {41, 42, 43} <= hits


def test_json_findings_one_per_line_after_the_arrays_opening_and_a_new_rule_past_the_cap(shipped_compressor):
    # oxlint's json: one diagnostic per line, the first on the line opening the array; after
    # TOOL_ALERTS of one rule, a finding of another rule is still news.
    diag = '{{"message": "Parameter \'{p}\' is declared but never used.", "code": "eslint(no-unused-vars)", "severity": "warning", "filename": "test/r{i}.js", "help": "Consider removing this parameter or prefixing it with an underscore, as the unused parameters of a function are often a sign of a mistake.", "labels": [{{"span": {{"line": {i}, "column": 3}}}}]}}'
    items = [diag.format(p="next", i=i) for i in range(TOOL_ALERTS + 30)]
    items.insert(TOOL_ALERTS + 10, '{"message": "Unreachable code.", "code": "eslint(no-unreachable)", "severity": "warning", "filename": "lib/response.js", "help": "Remove the unreachable code or fix the control flow so that the code after the return statement runs when it should.", "labels": [{"span": {"line": 101, "column": 11}}]}')
    text = '{ "diagnostics": [' + ",\n".join(items) + '],\n  "number_of_files": 97\n}\n'
    assert len(items[0].split()) > 40  # a whole item on a line is structure however long
    r = shipped_compressor.compress(text, domain="json")
    _check_faithful(text, r.text)
    assert '"code": "eslint(no-unreachable)"' in r.text
    assert sum(f'"filename": "test/r{i}.js"' in r.text for i in range(TOOL_ALERTS + 30)) >= TOOL_ALERTS
    lines = text.split("\n")
    starts = np.cumsum([0] + [len(x) + 1 for x in lines[:-1]])
    f = json_frame(text, starts, starts + np.array([len(x) for x in lines]))
    assert f is not None and f.keep[0] and f.keep[len(items) - 1]  # the items sharing the brackets' lines stay
    assert f.repeat[TOOL_ALERTS + 20]  # the same rule past the cap collapses


def test_a_json_report_after_a_tools_notice_is_json(shipped_compressor):
    from kompress.structure.domains import detect, json_span
    diags = [{"severity": "warning", "message": f"Unexpected any {i}.", "category": "lint/suspicious/noExplicitAny",
              "location": {"path": f"src/m{i}.ts", "start": {"line": i, "column": 3}}} for i in range(30)]
    doc = json.dumps({"summary": {"errors": 0, "warnings": 30}, "diagnostics": diags}, indent=2)
    text = "The `json` reporter is experimental and may change in patch releases.\n" + doc + "\n\n  x Some errors were emitted.\n"
    assert detect(text) == "json" and json_span(text) == (text.index("{"), text.index(doc) + len(doc))
    r = shipped_compressor.compress(text)
    assert r.domain == "json" and all(f'"path": "src/m{i}.ts"' in r.text for i in range(30))
    # A log quoting one JSON record, or a preamble longer than a few lines, is no JSON document.
    assert json_span("starting\n{\"a\": 1}\n" + "INFO next step\n" * 20) is None
    assert json_span("x\n" * 10 + "{\"a\": 1}\n") is None


def test_a_json_array_of_files_collapses_by_folder_and_extension(shipped_compressor):
    files = [{"path": p, "size": 100 + i, "mode": 420} for i, p in enumerate(
        [f"test/t{i}.js" for i in range(30)] + [f"examples/ex{i}/index.js" for i in range(8)] + ["lib/app.js", "README.md"])]
    text = json.dumps([{"id": "pkg@1.0.0", "files": files, "entryCount": len(files)}], indent=2) + "\n"
    r = shipped_compressor.compress(text, domain="json")
    _check_faithful(text, r.text)
    assert all(f'"path": "examples/ex{i}/index.js"' in r.text for i in range(8))
    assert '"path": "lib/app.js"' in r.text and '"path": "README.md"' in r.text
    assert sum(f'"path": "test/t{i}.js"' in r.text for i in range(30)) <= 4


def test_a_finding_led_by_its_rating_alerts_and_an_alerts_paragraph_stays():
    assert is_alert("MEDIUM - Mismatched type -  - Type mismatch: aws:SourceArn requires a value of type Arn")
    assert is_alert("[HIGH] Unnecessary use of Resource *") and not is_alert("LOWER bound reached - 3")
    # linkchecker -v: each checked link is a paragraph; a failed one keeps its parent and real URL.
    lines = []
    for i in range(30):
        lines += [f"URL        `page{i}.html'", f"Name       `Page {i}'", f"Parent URL file:///src/index.html, line {10 + i}, col 5",
                  f"Real URL   file:///src/page{i}.html", "Check time 0.001 seconds",
                  "Result     Error: URLError: No such file" if i == 17 else "Result     Valid: 200 OK", ""]
    f = template_frame(lines)
    para = range(17 * 7, 17 * 7 + 6)  # seven lines a link, the last blank
    assert all(f.keep[i] and not f.repeat[i] for i in para)
    assert f.repeat[5 * 7 + 2]  # another link's parent URL is a repeat


def test_a_system_calls_failure_in_the_c_librarys_words_alerts():
    from kompress.decision.guards import is_critical_line
    line = "chmod: changing permissions of 'requests/tests/test_utils.py': Operation not permitted"
    assert is_alert(line) and is_critical_line(line)
    assert is_alert("cp: cannot stat 'x': No such file or directory") and not is_alert("mode of 'x' changed from 0644 to 0640")
    assert is_alert("    127.0.0.1.53 > 127.0.0.1.41899: 47987 ServFail 0/0/1 (86)")


def test_a_programs_log_before_its_traceback_keeps_the_step_that_was_running(shipped_compressor):
    from kompress.decision.frame import stack_frame

    # A migration tool's log, then the traceback of the step that failed: which migration was
    # being applied is the last "Applying" record, far above the traceback.
    log = []
    for m in range(1, 8):
        log.append(f"INFO:migrate.runner:Applying {m:04d}.shop-step-{m}")
        log += [f"INFO:migrate.runner: - applying statement {k}" for k in range(40 if m < 7 else 3)]
        if m < 7:
            log.append(f"INFO:migrate.runner:Marking {m:04d}.shop-step-{m} applied")
    trace = ["Traceback (most recent call last):",
             '  File "/srv/venv/bin/migrate", line 8, in <module>',
             "    sys.exit(main())",
             '  File "/srv/venv/lib/python3.11/site-packages/migrate/runner.py", line 378, in execute',
             "    cursor.execute(stmt)",
             'psycopg2.errors.ForeignKeyViolation: insert or update on table "order_items" violates foreign key',
             'DETAIL:  Key (product_id)=(140) is not present in table "products".']
    lines = log + trace
    f = stack_frame(lines)
    running = lines.index("INFO:migrate.runner:Applying 0007.shop-step-7")
    done = lines.index("INFO:migrate.runner:Marking 0006.shop-step-6 applied")
    assert f is not None and f.keep[running] and f.keep[done] and not f.repeat[running]
    assert f.repeat[lines.index("INFO:migrate.runner: - applying statement 20")]
    assert not f.keep[len(log):].any() and not f.repeat[len(log):].any()  # the traceback: left to the guards
    text = "\n".join(lines) + "\n"
    r = shipped_compressor.compress(text)
    assert r.domain == "traceback" and lines[running] in r.text.splitlines() and lines[done] in r.text.splitlines()
    assert trace[-2] in r.text and trace[-1] in r.text and r.keep_rate < 0.5
    _check_faithful(text, r.text)
    # Events seen once before the traceback are left to the scores: no frame from them.
    assert stack_frame(["starting", "loading config", "connecting to db"] + trace) is None


def test_a_short_log_stays_whole(shipped_compressor):
    from kompress.decision.frame import LOG_WHOLE, build_frame

    # A port scan's refusals, lsof's open files: a few dozen records, each one that may be asked
    # about; a marker saving a few hundred tokens would hide the one that was.
    lines = [f"nc: connect to 127.0.0.1 port {p} (tcp) failed: Connection refused" for p in range(8000, 8000 + LOG_WHOLE - 1)]
    lines[17] = "Connection to 127.0.0.1 8017 port [tcp/*] succeeded!"
    lines += ["", "scan done: 1 open"]
    text = "\n".join(lines) + "\n"
    starts = np.array([0] + [i + 1 for i, c in enumerate(text) if c == "\n"][:-1])
    f = build_frame("templates", text, lines, starts, starts)
    assert f is not None and f.keep.sum() == sum(bool(x.strip()) for x in lines) and not f.repeat.any()
    assert shipped_compressor.compress(text, domain="log").text == text
    # Longer, its repeats collapse.
    longer = lines[:-2] + [f"nc: connect to 127.0.0.1 port {p} (tcp) failed: Connection refused" for p in range(9000, 9010)]
    g = build_frame("templates", "\n".join(longer), longer, starts, starts)
    assert g is not None and g.repeat.sum() > LOG_WHOLE - 10


def test_a_marker_names_the_values_its_collapsed_records_held():
    # gc's DEBUG_SAVEALL dump: "87 more lines like gc: collectable <*>" hid which objects leaked.
    from kompress.decision.frame import MARKER_VALUES

    kinds = ["list", "dict", "list", "RetryCallState", "list", "function", "dict", "tuple", "method"]
    lines = [f"2024-05-01 10:00:{i % 60:02d} DEBUG gc: collectable <{kinds[i % len(kinds)]} 0x7f25{i:08x}>"
             for i in range(90)]
    lines.append("2024-05-01 10:01:00 INFO gc: done, 90 unreachable")
    f = template_frame(lines)
    run = [i for i in range(len(lines)) if f.repeat[i]]
    detail = describe_run(f, run, len(run))
    assert detail is not None
    values = re.search(r" \(<\*>: (.*)\)$", detail)
    assert values, detail
    parts = values.group(1).split(", ")
    counts = {p.rsplit(" ×", 1)[0]: int(p.rsplit(" ×", 1)[1]) for p in parts if " ×" in p}
    assert len(counts) == MARKER_VALUES and parts[-1] == f"{len(set(kinds)) - MARKER_VALUES} others"
    # the counts are those of the collapsed lines, most frequent first
    for v, k in counts.items():
        assert k == sum(1 for i in run if f"<{v.lstrip('<')} " in lines[i])
    assert list(counts.values()) == sorted(counts.values(), reverse=True) and next(iter(counts)) == "<list"
    # A slot of ids (a value per record) says nothing: no values.
    ids = [f"2024-05-01 10:00:{i % 60:02d} INFO [worker] finished job for user{chr(97 + i % 26)}{chr(97 + i // 26)}"
           for i in range(40)]
    g = template_frame(ids)
    rest = [i for i in range(len(ids)) if g.repeat[i]]
    assert any(g.slots.values()) and "(" not in describe_run(g, rest, len(rest))


def _restart_loop(n: int, line_of_raise: int = 16) -> list[str]:
    """A crash-looping worker's log: the same traceback on every restart."""
    out = []
    for k in range(n):
        pid = 4100 + 7 * k
        out += [f"[2026-01-05 10:{k:02d}:00 +0000] [{pid}] [INFO] Booting worker with pid: {pid}",
                f"[2026-01-05 10:{k:02d}:00 +0000] [{pid}] [ERROR] Exception in worker process",
                "Traceback (most recent call last):",
                '  File "/srv/venv/lib/python3.11/site-packages/gunicorn/arbiter.py", line 609, in spawn_worker',
                "    worker.init_process()",
                '  File "/srv/app/wsgi.py", line 11, in <module>',
                "    application = get_wsgi_application()",
                '  File "/srv/venv/lib/python3.11/site-packages/django/conf/__init__.py", line 71, in _setup',
                "    self._wrapped = Settings(settings_module)",
                '  File "/usr/lib/python3.11/importlib/__init__.py", line 126, in import_module',
                "    return _bootstrap._gcd_import(name[level:], package, level)",
                f'  File "/srv/app/settings.py", line {line_of_raise if k == n - 1 else 16}, in <module>',
                "    import app.setting",
                "ModuleNotFoundError: No module named 'app.setting'",
                f"[2026-01-05 10:{k:02d}:01 +0000] [{pid}] [INFO] Worker exiting (pid: {pid})",
                f"[2026-01-05 10:{k:02d}:01 +0000] [4000] [ERROR] Worker (pid:{pid}) exited with code 3"]
    return out


def test_a_traceback_told_again_collapses_after_its_first_telling(shipped_compressor):
    lines = _restart_loop(12)
    text = "\n".join(lines) + "\n"
    r = shipped_compressor.compress(text, domain="traceback")
    markers = _check_faithful(text, r.text)
    # the first telling is read as any traceback; the eleven others are one marker each
    exc = "ModuleNotFoundError: No module named 'app.setting'"
    assert r.text.splitlines().count(exc) == 1 and r.text.splitlines().count("Traceback (most recent call last):") == 1
    told = [m for m in markers if f'1 more traceback like "{exc}"' in m]
    assert len(told) == 11 and all(m.startswith("[... 12 lines omitted") for m in told)
    # every restart's own log lines stay: which worker, its exit code
    for k in range(12):
        assert f"[{4100 + 7 * k}] [ERROR] Exception in worker process" in r.text
        assert f"Worker (pid:{4100 + 7 * k}) exited with code 3" in r.text
    # another line in the last telling is another traceback: it is told whole
    other = "\n".join(_restart_loop(12, line_of_raise=18)) + "\n"
    out = shipped_compressor.compress(other, domain="traceback").text
    assert 'File "/srv/app/settings.py", line 18, in <module>' in out
    assert out.splitlines().count(exc) == 2


def test_a_builds_many_alerts_of_one_kind_are_named_by_their_marker():
    # cgcc over zlib: 120 "Using plain integer as NULL pointer" warnings; the guard keeps the first
    # 50 of a kind, and where the rest go their marker says what they were.
    from kompress.decision.frame import run_frame

    lines = [f"cgcc -O3 -c -o {m}.o {m}.c" for m in ("adler32", "crc32", "deflate", "infback")]
    lines += [f"inflate.c:{100 + 7 * i}:{5 + i % 30}: warning: Using plain integer as NULL pointer" for i in range(120)]
    lines += ["gzwrite.c:28:21: error: too many arguments for function gz_error"]
    f = run_frame(lines)
    assert f is not None
    warned = [i for i, x in enumerate(lines) if "plain integer" in x]
    assert (f.group[warned] >= 0).all() and len({int(f.group[i]) for i in warned}) == 1
    assert not f.repeat[warned].any()  # no repeats: the guard and the scores still decide them
    detail = describe_run(f, warned[60:90], 30)
    assert detail == '30 more lines like "inflate.c:<NUM>: warning: Using plain integer as NULL pointer"'


def test_a_marker_counts_groups_of_one_wording_together():
    # gdformat's "would reformat <*>" mined as two templates: one part, 22 lines, not 21 + 1.
    from kompress.decision.frame import empty_frame
    f = empty_frame(30)
    f.labels = [(("line", "lines"), 'like "would reformat <*>"'), (("line", "lines"), 'like "would reformat <*>"'),
                (("line", "lines"), 'like "checked <*>"')]
    f.group[:21], f.group[21], f.group[22:25] = 0, 1, 2
    f.unit_start[:25] = True
    detail = describe_run(f, list(range(25)), 25)
    assert detail == '25 lines omitted: 22 more lines like "would reformat <*>", 3 more lines like "checked <*>"'


def test_an_alerts_rare_name_brings_the_records_naming_it():
    # spamassassin --lint -D: 180 debug records of one template; the warning names a rule, and
    # the two records naming that rule stay; a name in many records brings none.
    lines = [f"Dec  6 19:14:58.{i:03d} [2060] dbg: config: score set for non-existent rule RULE_{i}" for i in range(120)]
    lines += [f"Dec  6 19:14:59.{i:03d} [2060] dbg: config: checking shared_{i % 3} ok" for i in range(60)]
    lines.insert(150, "Dec  6 19:14:58.657 [2060] warn: config: invalid regexp for RULE_77 '/a(/i': Unmatched ( in regex shared_1")
    f = template_frame(lines)
    named = [i for i, x in enumerate(lines) if "RULE_77" in x and "dbg" in x]
    assert named and all(f.keep[i] and not f.repeat[i] for i in named)
    shared = [i for i, x in enumerate(lines) if "shared_1 ok" in x]
    assert sum(f.keep[i] for i in shared) <= 2  # shared_1 is in 20 records: no news


def test_a_log_indented_alike_is_read_from_its_indent():
    # kamailio -E: every record opens with its right-aligned process number (" 0(8829) DEBUG:");
    # only a line indented deeper continues a record.
    from kompress.structure.templates import records
    lines = [f" 0(8829) DEBUG: <core> [core/sr_module.c:{500 + i}]: load_module(): trying to load <m{i % 7}.so>"
             for i in range(60)]
    lines.insert(30, "      at the module's init")
    lines.append("11(8840) ERROR: <core> [core/cfg.y:3500]: yyparse(): unknown command fix_nated_registr")
    head = records(lines)
    assert len(set(head.tolist())) == 61 and head[30] == 29 and head[-1] == len(lines) - 1
    f = template_frame(lines)
    assert int(f.keep.sum()) < 15  # the records collapse


def test_a_monitors_peak_sample_stays_among_its_repeats():
    # pidstat -u once a second, two commands: each command's row holding a column's highest value
    # stays (the CPU hog's 74.00 %wait, its 29.25 %usr), other rows of the series collapse.
    rows = []
    usr = [3.0, 21.0, 29.25, 12.0, 8.0, 5.0]
    wait = [1.0, 74.0, 64.15, 20.0, 2.0, 1.0]
    for t in range(6):
        rows.append(f"00:58:{10 + t:02d}        0     24454   {usr[t]:5.2f}    0.00    0.00   {wait[t]:5.2f}   {usr[t]:5.2f}     0  stress-ng-cpu")
        py = [48.1, 48.9, 48.2, 48.3, 48.4, 48.0][t]
        rows.append(f"00:58:{10 + t:02d}        0     22102   {py:5.2f}    0.00    0.00   70.00   {py:5.2f}     1  python")
    f = template_frame(rows)
    kept = {rows[i] for i in np.flatnonzero(f.keep & ~f.repeat)}
    assert rows[2] in kept and rows[4] in kept  # 21.00/74.00 and 29.25 (the hog's own peaks)
    assert rows[3] in kept  # python's own peak (48.90), though the hog's rows are higher
    assert not f.keep[6] and f.repeat[6]  # an ordinary sample of the hog collapses
    # Lines of words with a number or two are records, not samples: no peak is singled out.
    words = [f"worker {i % 2} finished job after {i} retries" for i in range(12)]
    assert int(template_frame(words).keep.sum()) <= 4


def test_a_samples_units_are_read_in_one_scale():
    from kompress.decision.frame import _field_value

    assert _field_value("450ms") < _field_value("1.23s") < _field_value("2s")
    assert _field_value("424.9M") > _field_value("303.3K") > _field_value("0B") == 0
    assert _field_value("42%") == 42 and _field_value("stress-ng-cpu") is None


def test_a_benchmarks_rows_keep_each_name_and_a_skipped_target_is_no_repeat():
    from kompress.decision.frame import run_frame

    # go test -bench -count=3: each benchmark's first row stays (its name is what it measured);
    # its repeats collapse.
    names = ["Benchmark_findQueryKey/0", "Benchmark_findQueryKey/1", "Benchmark_findQueryKeyGoLib/1", "BenchmarkNewRouter"]
    lines = ["goos: linux", "goarch: amd64"]
    for k, n in enumerate(names):
        lines += [f"{n:<40}\t    2000\t  {120.5 + 7 * k + r:>8.1f} ns/op\t  {40 * k} B/op\t  {k} allocs/op" for r in range(3)]
    lines += ["PASS", "ok  \tgithub.com/gorilla/mux\t0.616s"]
    f = run_frame(lines)
    assert f is not None
    firsts = [2 + 3 * k for k in range(len(names))]
    assert f.keep[firsts].all() and not f.repeat[firsts].any()
    assert f.repeat[[3, 4, 6, 7]].all()
    # Lines of one template that are no measures still collapse to their first.
    lines = [f"[{k}/8] Building CXX object CMakeFiles/app.dir/src/f{k}.cc.o" for k in range(8)]
    f = run_frame(lines)
    assert f is not None and f.repeat[1:].all()
    # jam's targets skipped for lack of a failed one are consequences of the failure: no repeats.
    lines = ["...failed gcc.compile.c++ bin/src/tinytest.o..."] + [
        f"...skipped <pbin>lib{k}.a for lack of <pbin>src/tinytest.o..." for k in range(4)] + ["...failed updating 1 target..."]
    f = run_frame(lines + [f"[{k}/8] Building CXX object CMakeFiles/app.dir/src/f{k}.cc.o" for k in range(8)])
    assert f is not None and not f.repeat[1:5].any()


def test_a_failed_jobs_uuid_brings_the_line_that_started_it():
    from kompress.decision.frame import template_frame

    ids = [f"{k:08x}-1e73-4aa3-937e-{k * 7919:012x}" for k in range(30)]
    lines = []
    for k, job in enumerate(ids):
        lines.append(f"05:08:{k:02d} Worker 4384c620: default: fib.slow_fib({20 + k}) ({job})")
        lines.append(f"05:08:{k:02d} Worker 4384c620: default: Job OK ({job})")
    lines[2 * 17 + 1] = f"05:08:17 Worker 4384c620: job {ids[17]}: exception raised while executing (fib.slow_fib)"
    f = template_frame(lines)
    assert f.keep[2 * 17 + 1] and f.keep[2 * 17] and not f.repeat[2 * 17]
    assert f.repeat[2 * 5]  # another job's start is still a repeat


def test_a_clocked_logs_record_goes_on_under_the_clock_indented_deeper():
    # dbt prints each failing test's record as clocked lines, its details two spaces deeper (or a
    # clock alone): they are one record, so the 2nd and later records keep their compiled-code path.
    lines = ["10:02:58  Running with dbt=1.10.0", "10:02:58  Found 5 models, 20 data tests"]
    lines += [f"10:02:58  {k} of 20 PASS not_null_orders_c{k} ...... [PASS in 0.05s]" for k in range(1, 16)]
    for name in ("accepted_values_orders_status", "unique_orders_order_id", "unique_stg_orders_order_id"):
        lines += [f"10:02:59  Failure in test {name} (models/schema.yml)",
                  "10:02:59    Got 1 result, configured to fail if != 0", "10:02:59  ",
                  f"10:02:59    compiled code at target/compiled/jaffle_shop/models/schema.yml/{name}.sql",
                  "10:02:59  "]
    lines.append("10:02:59  Done. PASS=15 WARN=0 ERROR=3 SKIP=0 NO-OP=0 TOTAL=20")
    head = records(lines)
    first = lines.index("10:02:59  Failure in test unique_orders_order_id (models/schema.yml)")
    assert head[first] == first and all(head[first + k] == first for k in range(1, 5))
    assert head[first + 5] == first + 5 and head[-1] == len(lines) - 1
    f = template_frame(lines)
    assert all(f.keep[i] for i, x in enumerate(lines) if "compiled code at" in x)
    # Right-aligned columns under a clock (pidstat, sar) and log4j's padded level stay apart.
    rows = ["00:58:10     1000     24454   3.00  stress-ng", "00:58:10        0     22102  48.10  python",
            "2024-01-01 12:00:00,001 ERROR [main] boom", "2024-01-01 12:00:00,002  INFO [main] next"]
    assert records(rows).tolist() == [0, 1, 2, 3]


def test_a_verifiers_mismatches_each_stay_by_the_object_they_name():
    # git commit-graph verify: each ``... is A != B`` names a commit found wrong (a full SHA-1, the
    # repository's place); forty of them are forty findings, not one event with other numbers.
    import hashlib

    def sha(k: int, salt: str) -> str:
        return hashlib.sha1(f"{salt}{k}".encode()).hexdigest()

    lines = ["the commit-graph file has incorrect checksum and is likely corrupt"]
    for k in range(40):
        kind = k % 3
        if kind == 0:
            lines.append(f"root tree OID for commit {sha(k, 'c')} in commit-graph is {sha(k, 't')} != {sha(k, 'u')}")
        elif kind == 1:
            lines.append(f"commit-graph parent for {sha(k, 'c')} is {sha(k, 'p')} != {sha(k, 'q')}")
        else:
            lines.append(f"commit date for commit {sha(k, 'c')} in commit-graph is {1260749831 + k} != {1263341831 + k}")
        lines.append(f"commit-graph generation for commit {sha(k, 'c')} is {1252047160 + k} < {1444659117 + k}")
    assert is_alert(lines[1]) and not is_alert(lines[2])
    f = template_frame(lines)
    assert all(f.keep[i] for i, x in enumerate(lines) if " != " in x)


def test_a_repeated_alert_wrapped_over_a_few_lines_stays_whole():
    # rdiff-backup --verify: each mismatch is one message wrapped over four lines, among
    # hundreds of verified files; the recorded digest is on the third line.
    lines: list[str] = []
    for i in range(60):
        lines.append(f"*        Verified SHA1 digest of file luigi/contrib/m{i}.py")
        if i % 12 == 5:
            lines += [f"ERROR:   Computed SHA1 digest of file luigi/x{i}.py", f"         '{i:040x}' doesn't match recorded",
                      f"         digest of '{i * 7:040x}'. Your backup", "         repository may be corrupted!"]
    f = template_frame(lines)
    kept = [lines[i] for i in np.flatnonzero(f.keep)]
    for i in range(5, 60, 12):
        assert f"         digest of '{i * 7:040x}'. Your backup" in kept


def test_a_sync_tools_conflicts_are_findings_and_their_marker_keeps_the_bracket():
    # unison -batch: "[CONFLICT] Skipping x" per path changed on both sides.
    assert is_alert("[CONFLICT] Skipping include/fmt/color.h") and is_alert("CONFLICT (content): Merge conflict in a.c")
    assert not is_alert("conflicts: none") and not is_alert("Resolve conflicts by hand")
    lines = ["Propagating updates"]
    for i in range(40):
        lines += [f"[CONFLICT] Skipping src/file_{i}.cc", "  contents changed on both sides"]
    lines += [f"[BGN] Copying doc/page_{i}.md from /a to /b" for i in range(150)] + ["Synchronization complete"]
    kept = [lines[i] for i in np.flatnonzero(template_frame(lines).keep)]
    assert all(f"[CONFLICT] Skipping src/file_{i}.cc" in kept for i in range(40))
    f = template_frame(lines)
    run = [i for i in range(len(lines)) if lines[i].startswith("[BGN]") and not f.keep[i]]
    assert 'like "[BGN] Copying' in (describe_run(f, run, len(run)) or "")  # (not "BGN] Copying")


def test_an_alert_naming_a_file_by_its_base_name_brings_the_line_with_its_path():
    # lftp mirror: "Access failed: 404 File not found (chart-bar-demo.js)" under "Transferring
    # file `js/demo/chart-bar-demo.js'", among hundreds of transfers.
    # (Names of letters only: a name with a digit is one an alert gives, brought anyway.)
    names = [f"chart-{a}{b}-demo.js" for a in "abcdefghij" for b in "abcdefghijklmnopqrst"]
    lines: list[str] = []
    for i, name in enumerate(names):
        lines.append(f"Transferring file `js/demo/{name}'")
        if i in (50, 120, 170):
            lines.append(f"mirror: Access failed: 404 File not found ({name})")
    kept = [lines[i] for i in np.flatnonzero(template_frame(lines).keep)]
    for i in (50, 120, 170):
        assert f"Transferring file `js/demo/{names[i]}'" in kept
    assert len(kept) < 20


def test_a_markers_template_leaves_out_a_12_hour_clock_with_its_separator():
    # prism mock/proxy: "[7:18:02 PM] › [CLI] ℹ  info  GET http://..." read "PM] › [CLI] ..." in markers.
    lines = [f"[7:18:{i % 60:02d} PM] › [CLI] ℹ  info      GET http://127.0.0.1:4010/posts/{i}" for i in range(40)]
    f = template_frame(lines)
    run = [i for i in range(len(lines)) if not f.keep[i]]
    detail = describe_run(f, run, len(run)) or ""
    assert detail.startswith("38 more lines like \"[CLI] ℹ info GET http"), detail
    assert "PM]" not in detail and "›" not in detail
    # A word after a time that is not a 12-hour clock's stays.
    g = template_frame([f"10:00:{i % 60:02d} PMD check {i} done" for i in range(40)])
    drop = [i for i in range(40) if not g.keep[i]]
    assert 'like "PMD check' in (describe_run(g, drop, len(drop)) or "")


def test_a_large_collapsed_json_item_keeps_the_lines_that_name_it():
    # openapi-diff: each difference names its code and location over a 200-line schema dump;
    # the collapsed ones went whole, code and location with them.
    from kompress.decision.frame import JSON_SKELETON_LINES

    def schema(d: int) -> dict:
        return {"type": "object", "properties": {f"p{k}": {"type": "string", "example": f"v{k}"} for k in range(d)}}

    diffs = [{"type": "breaking", "action": "remove", "code": f"rule.{c}",
              "sourceSpecEntityDetails": [{"location": f"paths./pet/{i}.get", "value": schema(15)}], "entity": "path"}
             for i, c in enumerate(["remove", "add", "remove", "add", "remove", "change", "remove"])]
    diffs[4]["sourceSpecEntityDetails"][0]["value"] = {"type": "string"}  # a small item: collapses whole
    text = json.dumps({"breakingDifferences": diffs}, indent=4) + "\n"
    lines = text.splitlines()
    starts = np.array([0] + [i + 1 for i, ch in enumerate(text) if ch == "\n"][:-1])
    ends = np.array([i for i, ch in enumerate(text) if ch == "\n"])
    f = json_frame(text, starts, ends)
    kept = [lines[i].strip() for i in np.flatnonzero(f.keep)]
    for i in (2, 3, 5, 6):  # collapsed large items: their names stay
        assert f'"location": "paths./pet/{i}.get",' in kept
    assert '"location": "paths./pet/4.get",' not in kept  # a small collapsed item goes whole
    assert '"code": "rule.change",' in kept
    # Only lines near the top of the item, a few per item: the schema's values go.
    later = [lines[r].strip() for r in np.flatnonzero(f.keep) if r > _items(lines)[1][1]]
    assert later and not any(x.startswith(('"example"', '"type": "string"')) for x in later)
    per_item = [sum(1 for r in np.flatnonzero(f.keep) if a <= r <= b) for a, b in _items(lines)]
    assert max(per_item[2:]) <= JSON_SKELETON_LINES and all(f.repeat[a] for a, _ in _items(lines)[2:])


def _items(lines: list[str]) -> list[tuple[int, int]]:
    """(first, last) line of each item of a 4-space-indented top-level array."""
    heads = [i for i, x in enumerate(lines) if x == "        {"]
    return [(a, next(j for j in range(a, len(lines)) if lines[j].startswith("        }"))) for a in heads]


def test_an_alerts_other_wording_counts_backtick_quoted_values_as_values():
    # pycldf validate: 120 keys missing in languages.csv, then keys missing in parameters.csv:
    # the first of the second kind went, the variants spent on the first kind's keys.
    lines = [f"WARNING cldf/forms.csv:{9 * i + 3} Key `Lang{chr(65 + i % 26)}{chr(65 + i // 26)}X` not found in table languages.csv"
             for i in range(120)]
    lines += [f"WARNING cldf/forms.csv:{70 + 11 * i} Key `999_item{chr(97 + i)}` not found in table parameters.csv"
              for i in range(10)]
    lines.append("WARNING Referential integrity check failed")
    kept = [lines[i] for i in np.flatnonzero(template_frame(lines).keep)]
    assert "WARNING cldf/forms.csv:70 Key `999_itema` not found in table parameters.csv" in kept
    # Not an alert's: graphql-schema-linter's findings differ by the name in backticks, each a wording.
    found = [f"{i}:5   The enum value `Side.v{i}` is missing a description.   enum-values-have-descriptions" for i in range(30)]
    kept = [found[i] for i in np.flatnonzero(template_frame(found).keep)]
    assert found[1] in kept and found[2] in kept
