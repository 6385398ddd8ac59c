"""Outputs unlike the training corpus: filler prose goes, structured lines stay whole,
diffs keep every change, logs of any convention are read as logs."""

import re

import numpy as np

from kompress import MARKER_RE
from kompress.structure.domains import detect
from kompress.structure.prose import is_prose, odd_records, prose_share, rare_openers

BLOG_CRASH = """Process exited with SIGILL (illegal instruction) at address 0x7fff2038
in libsystem_kernel.dylib. Thread 0 raised EXC_BAD_INSTRUCTION.
Memory: 4.2GB RSS, 1.1GB dirty pages before crash.
The nightly job had been running for a while before this happened, as it usually does.
Everyone on the team has seen this job take a long time on the shared runners before.
The runners were busy with other work for most of the afternoon, which is normal.
Somebody will probably look at the dashboards again later in the week.
exit status 132
"""


def test_blog_crash_example_loses_its_filler_and_nothing_else(shipped_compressor):
    r = shipped_compressor.compress(BLOG_CRASH)
    for must in ("SIGILL", "EXC_BAD_INSTRUCTION", "0x7fff2038", "libsystem_kernel.dylib", "4.2GB", "exit status 132"):
        assert must in r.text
    for filler in ("nightly job", "Everyone on the team", "runners were busy", "dashboards"):
        assert filler not in r.text
    assert r.keep_rate <= 0.6


def test_prose_and_structure_are_told_apart():
    assert is_prose("The nightly job had been running for a while before this happened, as usual.")
    assert is_prose("The job reported the following problem: the runner ran out of disk space again")
    for structured in ("Depends: python3.11 (>= 3.11.2-1~), libapt-pkg6.0", "  add :state, :text, null: false",
                       "    12→def up do", "  -v, --verbose        print more output than usual here",
                       "[error] mod_jk child workerEnv in error state 6", "name = value with several words here",
                       "Number of run tests: 235", "Total time spent in the queue: 3.2 s"):
        assert not is_prose(structured), structured



def test_prose_share_counts_characters_of_prose_lines():
    sentence = "The nightly job had been running for a while before this happened, as usual."
    option = "  -v, --verbose        print more output than usual here"
    assert prose_share(sentence + "\n\n" + sentence) == 1.0
    assert prose_share(option + "\n" + option) == 0.0
    assert abs(prose_share(sentence + "\n" + option) - len(sentence) / (len(sentence) + len(option.strip()))) < 1e-9
    assert prose_share("") == 0.0 and prose_share("\n\n") == 0.0

def test_a_rare_kind_of_record_in_a_list_is_a_finding(shipped_compressor):
    # promtool check metrics: 40 camelCase findings and two of other kinds, no level word in any.
    names = [f"node_netstat_Tcp{w}_In{w}Segs" for w in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"] + [f"node_memory_{w}Pages_bytes" for w in "ABCDEFGHIJKLMN"]
    lines = [f"{n} metric names should be written in 'snake_case' not 'camelCase'" for n in names]
    lines[5:5] = ['node_context_switches counter metrics should have "_total" suffix']
    lines[20:20] = ['node_disk_io_time_milliseconds_total use base unit "seconds" instead of "milliseconds"']
    assert [i for i, x in enumerate(odd_records(lines)) if x] == [5, 20]
    out = shipped_compressor.compress("\n".join(lines) + "\n", domain="text").text.splitlines()
    assert lines[5] in out and lines[20] in out
    # A record's fields are not findings: a value of its own is no other kind of line.
    fields = [f"  NAME (String) = {w}ville county seat" for w in names[:12]] + ["  NAME (String) = Alamance"]
    assert not odd_records(fields).any()


def test_word_mode_keeps_structured_lines_whole(shipped_compressor):
    text = ("Reading package lists and building the dependency tree took a little while on this machine today.\n"
            "Package: python3-apt\nVersion: 2.6.0\nDepends: python3.11 (>= 3.11.2-1~), libapt-pkg6.0 (>= 2.6.0)\n"
            "The package provides bindings so that programs written in the language can talk to the library.\n"
            "  add :state, :text, null: false\n") * 3
    for rate in (0.2, 0.5):
        r = shipped_compressor.compress(text, domain="text", rate=rate)
        src = text.splitlines()
        for line in r.text.splitlines():
            if MARKER_RE.match(line) or line in src:
                continue
            # a partial line is allowed only for prose
            assert any(is_prose(s) and set(line.split()) <= set(s.split()) for s in src), line


def test_diff_keeps_every_change_and_hunk_header(shipped_compressor):
    lines = ["diff --git a/app.py b/app.py", "index 1a2b3c4..5d6e7f8 100644", "--- a/app.py", "+++ b/app.py"]
    for h in range(4):
        lines.append(f"@@ -{10 + 20 * h},7 +{10 + 20 * h},8 @@ def handler_{h}(request):")
        lines += [f"     context line {h}.{i} = compute(value_{i})" for i in range(3)]
        lines += [f"-    old_value_{h} = parse(request.body)", f"+    new_value_{h} = parse_json(request.body)",
                  f"+    validate(new_value_{h})"]
        lines += [f"     trailing context {h}.{i}" for i in range(3)]
    text = "\n".join(lines) + "\n"
    r = shipped_compressor.compress(text, threshold=1.0)
    assert r.domain == "diff"
    changed = [x for x in lines if re.match(r"^(?:[+-]|@@ |diff --git )", x)]
    out = r.text.splitlines()
    assert all(x in out for x in changed)
    assert len(out) < len(lines)  # unchanged context may go


def test_logs_of_unseen_conventions_are_logs():
    nginx_error = "\n".join(f"2026/12/02 10:55:{i:02d} [error] 812#812: *{i} connect() failed (111: Connection refused)"
                            for i in range(10))
    redis = "\n".join(f"812:M 02 Dec 2026 10:55:{i:02d}.{i:03d} * Background saving started by pid {900 + i}"
                      for i in range(10))
    access = "\n".join(f'127.0.0.1 - - [02/Dec/2026:10:55:{i:02d} +0000] "GET /api/{i} HTTP/1.1" 200 612'
                       for i in range(10))
    for text in (nginx_error, redis, access):
        assert detect(text) == "log", text.splitlines()[0]
    assert detect("The quick brown fox.\nIt jumped over the lazy dog.\nNothing else happened.") == "text"


def test_records_without_clock_or_level_are_logs_but_prose_and_code_are_not():
    # sshd -D and apt's term.log: a handful of record kinds, no timestamp, no level.
    sshd = []
    for i in range(8):
        port = 42000 + i
        sshd += [f"Connection from 127.0.0.1 port {port} on 127.0.0.1 port 2222 rdomain \"\"",
                 f"Invalid user admin{i} from 127.0.0.1 port {port}",
                 f"Failed password for invalid user admin{i} from 127.0.0.1 port {port} ssh2",
                 f"Connection closed by invalid user admin{i} 127.0.0.1 port {port} [preauth]"]
    apt = [f"Setting up lib{n}:amd64 (1.{i}-2) ..." for i, n in enumerate("abcdefghijklmnopqrstuvwxy")]
    apt += [f"Unpacking lib{n}:amd64 (1.{i}-2) ..." for i, n in enumerate("abcde")]
    for text in ("\n".join(sshd), "\n".join(apt)):
        assert detect(text) == "log", text.splitlines()[0]
    prose = "\n".join(f"{w} paragraph number {i} explains how the service restarts after a crash."
                      for i, w in enumerate(("The", "This", "It", "When", "After", "Some", "Our", "A", "Each", "Then",
                                             "Most", "One", "In", "For", "If", "Only", "So", "But", "Yet", "All", "No")))
    code = "\n".join([f"import mod{i}" for i in range(12)] + [f"def handler_{i}(request):" for i in range(10)])
    assert detect(prose) == "text" and detect(code) != "log"


def test_access_log_events_are_method_and_status():
    from kompress.structure.templates import mine

    lines = [f'10.0.0.{i % 7} - - [02/Dec/2026:10:55:{i % 60:02d} +0000] "GET /api/items/{i} HTTP/1.1" '
             f'{200 if i % 10 else 404} {600 + i} "-" "curl/8.5.0"' for i in range(60)]
    lines[37] = lines[37].replace('"GET', '"POST').replace(" 200 ", " 201 ")
    lines[51] = lines[51].replace(" 200 ", " 503 ")
    t = mine(lines)
    kinds = {(re.search(r'"(\S+) ', t.texts[k]).group(1), re.search(r'" (\d{3}) ', t.texts[k]).group(1))
             for k in set(t.template.tolist())}
    assert kinds == {("GET", "200"), ("GET", "404"), ("POST", "201"), ("GET", "503")}
    from kompress.decision.frame import is_alert

    assert is_alert(lines[51]) and not is_alert(lines[1])


def test_prose_share_reads_a_bounded_sample_of_a_long_text(monkeypatch):
    import kompress.structure.prose as prose

    sentence = "The nightly job had been running for a while before this happened, as usual."
    calls = []
    real = prose.is_prose
    monkeypatch.setattr(prose, "is_prose", lambda line: calls.append(line) or real(line))
    text = "\n".join([sentence, "key_1: value"] * 50_000)
    share = prose.prose_share(text)
    assert len(calls) <= prose.PROSE_SAMPLE_LINES + 1
    assert abs(share - len(sentence) / (len(sentence) + len("key_1: value"))) < 0.05  # spread, not the head


def test_prose_looking_lines_of_one_shape_are_records_kept_whole(shipped_compressor):
    from kompress.structure.prose import record_shape, structured_lines

    pip_check = ["rich 10.0.0 requires commonmark, which is not installed.",
                 "markdown-it-py 4.3.0 requires mdurl, which is not installed.",
                 "requests 2.21.0 requires chardet, which is not installed.",
                 "The dashboards looked calm for the whole afternoon and nobody minded."]
    assert record_shape(pip_check[0]) == record_shape(pip_check[1]) and record_shape("a b c") is None
    assert structured_lines(pip_check).tolist() == [True, True, True, False]
    assert structured_lines(pip_check[:2] + pip_check[3:]).tolist() == [False, False, False]  # twice is no shape
    out = shipped_compressor.compress("\n".join(pip_check * 3 + ["flake8 3.7.0 has requirement mccabe<0.7.0"]))
    kept = [ln for ln in out.text.split("\n") if not MARKER_RE.match(ln)]
    assert all(ln in pip_check + ["flake8 3.7.0 has requirement mccabe<0.7.0"] for ln in kept)  # none cut


def _catch2_run(n_cases: int = 30) -> str:
    """A Catch2-style console report: framed test-case headings, PASSED checks, one failure."""
    rule = "-" * 79
    out = []
    for c in range(n_cases):
        out += [rule, f"Parses option number {c} given on the command line after a double dash", rule,
                f"test/options.cpp:{100 + 20 * c}",
                "." * 79, ""]
        for k in range(4):
            line = 100 + 20 * c + k + 2
            if c == 17 and k == 2:
                out += [f"test/options.cpp:{line}: FAILED:", '  CHECK( single == "a, b" )', "with expansion:",
                        '  "a,b" == "a, b"', ""]
            else:
                out += [f"test/options.cpp:{line}: PASSED:", f"  REQUIRE( result.count(\"opt{k}\") == {k} )",
                        "with expansion:", f"  {k} == {k}", ""]
    out += ["=" * 79, f"test cases: {n_cases} | {n_cases - 1} passed | 1 failed",
            f"assertions: {4 * n_cases} | {4 * n_cases - 1} passed | 1 failed", ""]
    return "\n".join(out)


def test_a_failure_that_ends_in_a_colon_keeps_its_detail_and_its_heading(shipped_compressor):
    text = _catch2_run()
    r = shipped_compressor.compress(text)
    # Fewer words out than in, markers counted (its 79-dash rules stay: as cheap as their markers
    # to a model's tokenizer, though 79 encoder tokens each, which keep_rate counts).
    assert len(r.text.split()) < 0.8 * len(text.split())
    kept = r.text.splitlines()
    i = kept.index("test/options.cpp:444: FAILED:")
    # The check, its expansion and the values it compared, as printed under the failure.
    assert kept[i + 1 : i + 4] == ['  CHECK( single == "a, b" )', "with expansion:", '  "a,b" == "a, b"']
    # The test case it failed in: the heading framed by rule lines above it.
    assert "Parses option number 17 given on the command line after a double dash" in kept
    assert not any(ln.startswith("Parses option number 16 ") for ln in kept)


def test_an_error_detail_is_kept_among_a_logs_repeated_records(shipped_compressor):
    checks = [f"checking for func_{i}... yes" for i in range(120)]
    pkgs = ["gtk+-3.0", "glib-2.0", "gio-2.0", "gmodule-no-export-2.0", "gthread-2.0"]
    text = "\n".join(checks + [
        "configure: error: Package requirements (gtk+-3.0 >= 3.24 glib-2.0 >= 2.56) were not met:", ""]
        + [f"Package '{p}', required by 'virtual:world', not found" for p in pkgs]
        + ["", "Consider adjusting the PKG_CONFIG_PATH environment variable if you",
           "installed software in a non-standard prefix.", ""])
    r = shipped_compressor.compress(text)
    assert r.domain == "log" and r.keep_rate < 0.5
    for p in pkgs:  # each missing package, not "3 more lines like Package <*> ..."
        assert f"Package '{p}', required by" in r.text


def test_code_ending_in_a_colon_is_no_error_detail():
    from kompress.decision.guards import detail_line_indices
    from kompress.structure.units import line_spans

    code = "\n".join(["try:", "    run()", "except ValueError:", "    pass", "    log()", ""])
    assert len(detail_line_indices(code, line_spans(code)[0])) == 0
    report = "\n".join(["ERROR: the following files would be overwritten:", "\ta.txt", "\tb.txt", "", "Aborting", ""])
    assert detail_line_indices(report, line_spans(report)[0]).tolist() == [1, 2]
    assert len(detail_line_indices(report, line_spans(report)[0], "diff")) == 0


def test_a_count_done_in_a_time_is_kept_wherever_it_is_printed():
    from kompress.decision.guards import TIMED_SUMMARIES, guard_line_indices
    from kompress.structure.units import line_spans

    rows = [f"{1000 - i:>9}    0.0{i % 10}0    0.000    0.0{i % 7}0    0.000 /src/pkg/mod{i}.py:{i + 10}(fn{i})"
            for i in range(200)]
    text = "\n".join(["6000 versions, 3376 allowed", "Fri Dec  4 19:02:48 2026    prof.out", "",
                      "         772091 function calls (770510 primitive calls) in 0.282 seconds", "",
                      "   Ordered by: internal time", "",
                      "   ncalls  tottime  percall  cumtime  percall filename:lineno(function)"] + rows) + "\n"
    assert 3 in guard_line_indices(text, line_spans(text)[0], "text").tolist()
    steps = "\n".join(f"Compiled {n} files in {n / 10:.1f}s" for n in range(1, 41)) + "\n"
    kept = guard_line_indices(steps, line_spans(steps)[0], "build").tolist()
    assert kept == list(range(TIMED_SUMMARIES)) + [39]  # a few and the last, not forty


def test_a_test_units_failure_heading_keeps_where_and_what_failed():
    from kompress.structure.units import line_spans

    from kompress.decision.guards import detail_line_indices

    block = ["Failure: test_numeric(TestCSVParseConvert)",
             "/src/proj/test/csv/parse/test_convert.rb:64:in `test_numeric'",
             "     61:   def test_numeric", "     62:     @parser.convert(:numeric)",
             "  => 64:     assert_equal([\"Numbers\", 1, 3.015], @parser.shift)",
             "<[\"Numbers\", 1, 3.015]> expected but was", "<[\"Numbers\", 1, 3]>", ""]
    text = "\n".join(["  test_integer:\t\t\t.: (0.000186)", "=" * 79] + block + ["Finished in 0.1 seconds."])
    starts = line_spans(text)[0]
    assert detail_line_indices(text, starts, "test").tolist() == list(range(3, 9))
    assert len(detail_line_indices(text, starts, "build")) == 0  # a test run's heading only


def test_an_unread_line_of_a_rare_kind_among_records_of_a_few_stays(shipped_compressor):
    # duplicity verify -v debug: three lines per file examined, over the read budget; the few
    # "Difference found:" lines in the unread middle are what the run found.
    lines = [f"Import of duplicity.backends.{w}backend Succeeded" for w in ("ad", "azure", "b2", "box", "cf", "gdrive")]
    lines += [f"{w} {v}" for w, v in [("Using", "archive dir: /root/.cache/duplicity/1c0a"), ("GPG", "binary is gpg"),
                                      ("Main", "action: verify"), ("Acquiring", "lockfile"), ("Args:", "verify file:///t zlib"),
                                      ("Linux", "vm 6.18.44 x86_64"), ("Found", "2 volumes in manifest"),
                                      ("Processing", "local manifest (9983)"), ("Chain", "start time: Mon Dec  7"),
                                      ("Number", "of contained backup sets: 1"), ("Total", "number of contained volumes: 2"),
                                      ("No", "orphaned or incomplete backup sets found."), ("Registering", "(mktemp) file"),
                                      ("Local", "and Remote metadata are synchronized"), ("Last", "full backup date: Mon Dec 7"),
                                      ("Collection", "Status"), ("Connecting", "with backend: BackendWrapper"),
                                      ("Archive", "dir: /root/.cache/duplicity"), ("Extracting", "backup chains from list of files"),
                                      ("Ignoring", "file (rejected by backup set)"), ("Type", "of backup set: Full"),
                                      ("Deleting", "/tmp/duplicity-cyh/mktemp-1"), ("Releasing", "lockfile"), ("Removing", "still remembered temporary file")]]
    for i in range(900):
        path = f"zlib/contrib/part{i // 40}/file_{i:04d}.c"
        lines += [f"Selection: examining path {path}", "Selection:     + no selection functions found. Including",
                  f"Selecting {path}"]
        if i in (300, 450, 600):
            lines.append(f"Difference found: File contrib/part{i // 40}/file_{i:04d}.c is missing")
    lines.append("Verify complete: 900 files compared, 3 differences found.")
    rare = [lines[i] for i in np.flatnonzero(rare_openers(lines))]
    assert sum(x.startswith("Difference found") for x in rare) == 3 and not any(x.startswith("Select") for x in rare)
    # (As text: no clock, no level, the preamble's many kinds of line; over the read budget.)
    out = shipped_compressor.compress("\n".join(lines) + "\n", domain="text").text.splitlines()
    for i in (300, 450, 600):
        assert f"Difference found: File contrib/part{i // 40}/file_{i:04d}.c is missing" in out
    # Records of many kinds (a build's chatter) have no rare kind.
    assert not rare_openers([f"{w} step {i} of the build" for i in range(60) for w in ("cc", "ld", "ar", "as", "strip")][::7]).any()


def test_an_unread_indented_alert_stays_with_the_heading_of_its_block(shipped_compressor):
    # shpdump -validate: 67 shapes, each a heading over its vertices, far over the read budget;
    # "  1 rings wound in the wrong direction." under four of them.
    from kompress.decision.frame import is_alert
    from kompress.decision.guards import block_heading
    from kompress.structure.units import line_spans

    assert is_alert("  1 rings wound in the wrong direction.") and not is_alert("test_wrong_password PASSED")
    lines = ["Shapefile Type: Polygon   # of Shapes: 67", ""]
    for s in range(67):
        n = 40 + (s * 13) % 90
        lines += [f"Shape:{s} (Polygon)  nVertices={n}, nParts=1", f"  Bounds:(-111.{s:04d}2930603027,40.6241798400879, 0)",
                  f"      to (-111.{s:04d}54754638672,40.7038536071777, 0)"]
        lines += [f"     (-111.{s:03d}{v:04d}101257324,40.{v:04d}2471618652, 0) {'Ring' if v == 0 else ''}" for v in range(n)]
        if s in (5, 23, 41, 60):
            lines.append("  1 rings wound in the wrong direction.")
        lines.append("")
    lines.append("4 object has invalid ring orderings.")
    text = "\n".join(lines) + "\n"
    starts, ends = line_spans(text)
    k = lines.index("  1 rings wound in the wrong direction.")
    assert lines[block_heading(text, starts, ends, k)].startswith("Shape:5 (Polygon)")
    assert block_heading(text, starts, ends, 0) is None  # a line not indented heads itself
    out = shipped_compressor.compress(text).text.splitlines()
    assert sum(x == "  1 rings wound in the wrong direction." for x in out) == 4
    for s in (5, 23, 41, 60):
        assert any(x.startswith(f"Shape:{s} (Polygon)  nVertices=") for x in out), s


def _salt_state(sid: str, fn: str, result: str, comment: str) -> list[str]:
    return ["----------", f"          ID: {sid}", f"    Function: {fn}", f"        Name: /home/{sid}",
            f"      Result: {result}", f"     Comment: {comment}", "     Started: 01:10:49.411455",
            "    Duration: 4.398 ms", "     Changes:   "]


def test_a_failed_record_among_ruled_records_keeps_its_first_line(shipped_compressor):
    # salt-call state.apply: states ruled apart by "----------"; a failed one's comment says what
    # went wrong, its ID line which state it was.
    from kompress.decision.guards import ruled_record_headings
    from kompress.structure.units import line_spans

    lines = ["local:"]
    for i in range(60):
        if i == 17:
            lines += _salt_state("deploy_key_file", "file.managed", "False",
                                 "Source file salt://keys/deploy_rsa not found in saltenv 'base'")
        elif i == 41:
            lines += _salt_state("known_hosts_entry", "ssh_known_hosts.present", "False",
                                 'Specify either "key" or "fingerprint", not both.')
        else:
            # A negation every state repeats names no failure.
            lines += _salt_state(f"user_{i}_present", "user.present", "None",
                                 f"User user_{i} set to be added. No changes made")
    lines += ["", "Summary for local", "-------------", "Succeeded: 58", "Failed:     2"]
    text = "\n".join(lines) + "\n"
    starts = line_spans(text)[0]
    got = {lines[k] for k in ruled_record_headings(text, starts, np.zeros(0, dtype=np.int64))}
    # (and the summary's first line, over its "Failed:" count)
    assert got == {"          ID: deploy_key_file", "          ID: known_hosts_entry", "Succeeded: 58"}
    assert not ruled_record_headings("a\n-----\nb\n", line_spans("a\n-----\nb\n")[0], np.array([2]))  # one ruler
    out = shipped_compressor.compress(text).text.splitlines()
    for sid in ("deploy_key_file", "known_hosts_entry"):
        assert f"          ID: {sid}" in out, sid


def test_a_kept_line_inside_a_block_keeps_the_line_that_opened_it():
    from kompress.decision.guards import opened_blocks
    from kompress.structure.units import LineView, line_spans

    sql = ['create table "shop"."orders" (', '    "id" uuid not null,', '    "total" numeric not null', ");", "",
           "key:", "  child:", "    leaf: 1", "  plain line", "    under plain"]
    text = "\n".join(sql) + "\n"
    starts, ends = line_spans(text)
    keep = np.zeros(len(sql), dtype=bool)
    keep[[2, 7, 9]] = True
    got = np.flatnonzero(opened_blocks(LineView(text, starts, ends), keep)).tolist()
    # The create statement and both YAML keys open blocks; "  plain line" ends in no opener.
    assert got == [0, 5, 6]


def _curl_exchange(path: str, status: str, body: str) -> list[str]:
    return ["* Re-using existing connection #0 with host example.com", f"> GET {path} HTTP/1.1",
            "> Host: example.com:18080", "> User-Agent: curl/7.88.1", "> Accept: */*", "> ",
            f"< HTTP/1.1 {status}", "< Server: nginx", "< Date: Tue, 08 Dec 2026 00:47:57 GMT",
            "< Content-Type: text/html", "< Connection: keep-alive", "< ", "{ [146 bytes data]",
            "* Connection #0 to host example.com left intact", body]


def test_curl_keeps_each_request_with_the_status_answering_it(shipped_compressor):
    from kompress.decision.guards import result_line_indices
    from kompress.structure.units import line_spans

    lines = []
    for i in range(30):
        status = "403 Forbidden" if i in (7, 19) else "200 OK"
        lines += _curl_exchange(f"/page/{i}.html" if i not in (7, 19) else f"/private/{i}/.git/config", status,
                                "<html><body>hello</body></html>")
    text = "\n".join(lines) + "\n"
    got = [lines[k] for k in result_line_indices(text, line_spans(text)[0]).tolist()]
    assert len(got) == 60 and "> GET /private/7/.git/config HTTP/1.1" in got and "< HTTP/1.1 403 Forbidden" in got
    out = shipped_compressor.compress(text).text.splitlines()
    for i in (7, 19):
        assert f"> GET /private/{i}/.git/config HTTP/1.1" in out, i


def test_a_comparisons_headings_and_a_ranked_lists_top_rows_stay():
    from kompress.decision.guards import guard_line_indices, result_line_indices
    from kompress.structure.units import line_spans

    # diffoscope: nested comparisons, each heading naming what differs.
    cmp = ["--- a/build", "+++ b/build", "├── lib.so", "│┄ File has been modified after NT_GNU_BUILD_ID has been applied.",
           "│ ├── readelf --wide --sections {}", "│ │ @@ -1,3 +1,3 @@", "│ │ -There are 36 section headers, starting at offset 0x5a48:",
           "│ │ +There are 36 section headers, starting at offset 0x5a50:", "│ │  ", "│ ├── readelf --wide --symbols {}",
           "│ │ @@ -31,2 +31,2 @@", "│ │ -    24: 0000000000004048     8 OBJECT  GLOBAL DEFAULT   22 stamp",
           "│ │ +    24: 0000000000004050     8 OBJECT  GLOBAL DEFAULT   22 stamp"]
    text = "\n".join(cmp) + "\n"
    got = {cmp[k] for k in guard_line_indices(text, line_spans(text)[0]).tolist()}
    assert {"│ ├── readelf --wide --sections {}", "│ ├── readelf --wide --symbols {}", "├── lib.so"} <= got
    assert cmp[3] in got
    # esbuild --analyze: files by size, largest first, each with the imports that pulled it in.
    sizes = [71.1, 53.2, 47.1, 22.9, 22.7, 18.5, 17.9, 16.6, 13.1, 13.0, 9.8, 4.6, 0.5]
    rows = ["  out/app.mjs ────── 674.9kb ─ 100.0%"]
    for n, kb in enumerate(sizes):
        rows += [f"   ├ src/mod_{n}.ts ────── {kb}kb ── {kb / 6.749:.1f}%", "   │  └ src/index.ts"]
    text = "\n".join(rows) + "\n"
    got = [rows[k] for k in result_line_indices(text, line_spans(text)[0]).tolist()]
    assert got == [rows[0]] + [rows[1 + 2 * n] for n in range(5)]
    # A progress count rises: no ranking.
    progress = "".join(f"[{p:3d}%] Building CXX object src/f{p}.o\n" for p in range(0, 100, 5))
    assert not result_line_indices(progress, line_spans(progress)[0]).size
