"""Linters' and compilers' findings: detected as build output, a linter's findings and a compiler's
first warnings of each kind kept, and kept findings keep where they are (the file heading, the
``-->`` pointer)."""

import numpy as np

from kompress import MARKER_RE
from kompress.decision.guards import (PROBLEM_HEADING, WARNINGS_PER_KIND, detail_line_indices, diff_preamble_indices, guard_line_indices,
                                      is_critical_line, location_guard)
from kompress.structure.findings import lint_kind
from kompress.structure.domains import detect
from kompress.structure.units import line_spans

FLAKE8 = "\n".join([f"pkg/mod_{i}.py:{10 + i}:80: E501 line too long ({90 + i} > 79 characters)" for i in range(6)]
                   + ["pkg/util.py:3:1: F401 'os' imported but unused",
                      "pkg/util.py:9:5: F841 local variable 'tmp' is assigned to but never used"])


def _eslint(files: int = 60) -> str:
    out = []
    for i in range(files):
        out += ["", f"/home/dev/app/src/locale/l{i}.js",
                f"  {12 + i % 5}:12  error  Expected parentheses around arrow function argument  arrow-parens"]
        if i == 37:
            out.append("  4:11  error  'o' is already declared in the upper scope on line 1 column 17  no-shadow")
    return "\n".join(out + ["", f"\u2716 {files + 1} problems ({files + 1} errors, 0 warnings)", ""])


CLIPPY = """    Checking demo v0.1.0 (/home/dev/demo)
warning: manual arithmetic check found
   --> src/lib.rs:116:25
    |
116 |           let min_bound = if i > search_range {
    |                           ^^^^^^^^^^^^^^^^^^^ help: replace it with: `i.saturating_sub(search_range)`
    |
    = note: `#[warn(clippy::implicit_saturating_sub)]` on by default
"""


def test_findings_are_build_output_and_go_test_is_a_test_run():
    assert detect(FLAKE8) == "build"  # not grep hits: path:line:col then a rule code
    assert detect(_eslint()) == "build"
    assert detect(CLIPPY) == "build"
    ruff = "F401 [*] `typing` imported but unused\n --> src/attr/filters.py:7:8\n  |\n7 | import typing\n  |"
    assert detect(ruff) == "build"
    go = "\n".join(["=== RUN   TestA", "--- PASS: TestA (0.00s)", "=== RUN   TestB",
                    "    b_test.go:12: expected 1, got 2", "--- FAIL: TestB (0.00s)", "FAIL",
                    "FAIL\texample.com/m\t0.012s", "FAIL"])
    assert detect(go) == "test"
    assert is_critical_line("    b_test.go:12: expected 1, got 2") and not is_critical_line("b.go:12: x")
    assert is_critical_line("  \u2716 trailing dash") and not is_critical_line("  \u2714 main (105ms)")
    vitest = "\n".join([f" \u2713 test/a.test.ts > api > case {i}" for i in range(20)]
                       + ["", " Test Files  1 failed | 6 passed (7)", "      Tests  5 failed | 220 passed (225)"])
    assert detect(vitest) == "test"
    assert detect("\n".join(["  emitter", "    \u2713 on", "    1) off", "", "  16 passing (12ms)", "  3 failing"])) == "test"


def test_lint_kind_names_the_rule():
    assert lint_kind("pkg/a.py:3:1: F401 'os' imported but unused") == "F401"
    assert lint_kind("src/a.py:39:0: C0115: Missing class docstring (missing-class-docstring)") == "C0115"
    # nbqa names a notebook's cell after its file, spaces and all
    assert lint_kind("nb/Chapter 5 - Combining data.ipynb:cell_8:5:4: W1406: The u prefix for strings is no longer "
                     "necessary in Python >=3.0 (redundant-u-string-prefix)") == "W1406"
    assert lint_kind("nb/Chapter 5 - Combining data.ipynb:5:4: W1406: no cell") is None
    assert lint_kind("src/a.py:8: error: Function is missing a type annotation  [no-untyped-def]") == "no-untyped-def"
    assert lint_kind("src/Ky.ts(211,37): error TS2345: Argument of type 'number'") == "TS2345"
    assert lint_kind("  4:11  error  'o' is already declared  no-shadow") == "no-shadow"
    assert lint_kind("RUF059 Unpacked variable `names` is never used\n  --> src/a.py:38:10") == "RUF059"
    assert lint_kind("E1203 10:55:01.123456  1234 main.cc:42] started") is None  # glog, not ruff
    assert lint_kind("cmd/main.go:41:4: unreachable code") is None
    assert lint_kind("The E501 rule is about long lines") is None


def test_the_guard_keeps_a_linters_findings_and_a_compilers_first_warnings_of_each_kind():
    from kompress.decision.guards import FINDINGS_PER_RULE

    idx = set(guard_line_indices(FLAKE8, line_spans(FLAKE8)[0]).tolist())
    assert idx == set(range(8))  # each E501 is a line to wrap at its own place
    many = "\n".join(f"pkg/m.py:{i + 1}:80: E501 line too long (90 > 79 characters)" for i in range(FINDINGS_PER_RULE + 20))
    assert guard_line_indices(many, line_spans(many)[0]).tolist() == list(range(FINDINGS_PER_RULE))  # bounded
    gcc = "\n".join(f"src/a.c:{i + 1}:5: warning: unused variable 'v{i}' [-Wunused-variable]"
                    for i in range(WARNINGS_PER_KIND + 15))
    # each a place to fix, as a linter's findings, up to as many of a kind
    assert guard_line_indices(gcc, line_spans(gcc)[0]).tolist() == list(range(WARNINGS_PER_KIND))


def test_findings_naming_no_rule_are_kept_by_their_message_kind():
    # pyflakes (doit's task) names no rule code: its three findings in one file are three places,
    # each kept, as many of one message kind as of a rule; a search's path:N:N: hit is grep's.
    from kompress.decision.guards import FINDINGS_PER_RULE, PLACED_FINDING

    rows = [f".  pyflakes:tests/test_{k}.py" for k in range(30)]
    rows[20:20] = ["tests/test_dependency.py:14:1: 'doit.dependency.JsonDB' imported but unused",
                   "tests/test_dependency.py:14:1: 'doit.dependency.SqliteDB' imported but unused",
                   "tests/test_dependency.py:19:1: 'tests.support.remove_all_db' imported but unused",
                   "TaskFailed - taskid:pyflakes:tests/test_dependency.py"]
    text = "\n".join(rows) + "\n"
    idx = set(guard_line_indices(text, line_spans(text)[0], "test").tolist())
    assert {20, 21, 22} <= idx
    many = "\n".join(f"pkg/m.py:{i + 1}:1: 'mod{i}' imported but unused" for i in range(FINDINGS_PER_RULE + 20))
    assert guard_line_indices(many, line_spans(many)[0]).tolist() == list(range(FINDINGS_PER_RULE))  # bounded
    vet = "./main.go:12:2: fmt.Printf format %d has arg name of wrong type string\n"
    severe = "src/a.c:3:5: warning: unused variable 'x'\n"
    frame = "/src/lib/std/Uri.zig:54:5: 0x10b3c1f in test.port (test)\n"  # zig's stack frame, not a finding
    assert PLACED_FINDING.search(vet) and not PLACED_FINDING.search(severe) and not PLACED_FINDING.search(frame)
    # go build -gcflags=-m: a kind per its first two words, "can inline", 70 lines of it bounded
    inl = "\n".join(f"./mux.go:{i + 1}:6: can inline (*Router).route{i}" for i in range(FINDINGS_PER_RULE + 20))
    assert len(guard_line_indices(inl, line_spans(inl)[0])) == FINDINGS_PER_RULE


def test_a_verdict_alone_on_its_line_brings_the_check_above_it():
    # waf configure -vv prints each check, then the compiler's command, then its verdict on a line
    # of its own: "not found" says nothing without the check it answers.
    runner = "13:17:39 runner ['/usr/bin/g++', '-Wall', '-std=gnu++11', '../test.cpp', '-c', '-o/src/b/test.cpp.1.o']"
    rows = []
    for h in ["mmsystem.h", "opus/opus_custom.h", "systemd/sd-daemon.h", "db.h"]:
        rows += [f"Checking for header {h:<24}: {runner}", "not found "]
    rows += ["The above check failed, but the checkee is required for --db.", "no", "no"]
    text = "\n".join(rows) + "\n"
    idx = set(detail_line_indices(text, line_spans(text)[0], "build").tolist())
    assert {0, 1, 2, 3, 4, 5, 6, 7} <= idx
    # the check a bare "no" answers; a second "no" brings no verdict above it
    assert 8 in idx and 9 in idx and 10 not in idx


def test_kept_findings_bring_their_location():
    lines = CLIPPY.split("\n")
    keep = np.zeros(len(lines), dtype=bool)
    keep[1] = True  # the warning's header
    assert np.flatnonzero(location_guard(lines, keep)).tolist() == [2, 7]  # its --> pointer, its lint
    # clippy names a pedantic lint only in its link, in every block: the first kept block's link stays
    block = ["warning: casting `u8` to `i8` may wrap around the value", "  --> src/io.rs:{}:12", "   |",
             "   = help: for further information visit https://rust-lang.github.io/rust-clippy/index.html#cast_possible_wrap",
             ""]
    lines = [ln.format(n) for n in (88, 90) for ln in block]
    keep = np.array([ln.startswith("warning") for ln in lines])
    assert np.flatnonzero(location_guard(lines, keep)).tolist() == [1, 3, 6]  # pointers; the first link
    lines = _eslint(3).split("\n")
    keep = np.array(["no-shadow" in ln or "l2.js" in ln for ln in lines])
    keep[[i for i, ln in enumerate(lines) if "arrow-parens" in ln][1]] = True
    assert [lines[i] for i in np.flatnonzero(location_guard(lines, keep))] == ["/home/dev/app/src/locale/l1.js"]


def test_a_long_lint_report_keeps_its_rare_finding_where_it_is(shipped_compressor):
    text = _eslint()
    out = shipped_compressor.compress(text).text
    kept = [ln for ln in out.split("\n") if not MARKER_RE.match(ln)]
    assert set(kept) <= set(text.split("\n"))  # whole lines only
    shadow = next(ln for ln in kept if "no-shadow" in ln)
    heading = [ln for ln in kept[: kept.index(shadow)] if ln.startswith("/home/")][-1]
    assert heading == "/home/dev/app/src/locale/l37.js"
    assert any(MARKER_RE.match(ln) for ln in out.split("\n"))  # the repeated findings collapsed


def test_a_kept_rust_warning_keeps_its_pointer(shipped_compressor):
    text = CLIPPY + "\n".join(f"    Compiling dep{i} v0.{i}.0" for i in range(30)) + \
        "\nwarning: `demo` (lib) generated 1 warning\n    Finished `dev` profile in 0.24s\n"
    out = shipped_compressor.compress(text).text
    assert "warning: manual arithmetic check found" in out and "   --> src/lib.rs:116:25" in out


def _ava(passing: int = 40) -> str:
    names = ["main", "supports German umlauts", "custom replacements", "leading underscore", "counter"]
    out = [""] + [f"  \u2714 {names[i % 5]} {i}" + (" (105ms)" if i % 7 == 0 else "") for i in range(passing)]
    out.insert(17, "  \u2716 trailing dash ")
    out += ["  \u2500", "", "  trailing dash", "", "  Difference:", "", "  - 'foo-bar-'", "  + 'foo-bar'", "",
            "  \u203a file://test.js:198:4", "", "  1 test failed", ""]
    return "\n".join(out)


def test_a_runners_passing_tests_collapse_and_its_failure_stays(shipped_compressor):
    from kompress.decision.frame import run_frame
    from kompress.structure.templates import TEST_RECORD, records

    text = _ava()
    lines = text.split("\n")
    assert detect(text) == "test"
    heads = records(lines, by_lead=False)
    assert all(heads[i] == i for i, ln in enumerate(lines) if TEST_RECORD.match(ln))  # indented, yet records
    frame = run_frame(lines)
    assert frame is not None and frame.repeat.sum() >= 30  # passes of any name length are one kind
    out = shipped_compressor.compress(text).text
    assert "  \u2716 trailing dash " in out.split("\n") and "  - 'foo-bar-'" in out
    assert sum(ln.startswith("  \u2714") for ln in out.split("\n")) < 10


def test_a_git_log_keeps_every_commit_and_its_subject():
    log = "".join(f"commit {i:040x}\nAuthor: Dev {i} <dev{i}@example.com>\nDate:   Wed Aug 19 08:40:07 2026 +0400\n\n"
                  f"    Fix the parser's case {i}\n\n docs/file_{i}.md | {i + 1} +\n 1 file changed, {i + 1} insertions(+)\n\n"
                  for i in range(1, 30))
    lines = log.split("\n")
    idx = set(guard_line_indices(log, line_spans(log)[0]).tolist())
    commits = [i for i, ln in enumerate(lines) if ln.startswith("commit ")]
    subjects = [i for i, ln in enumerate(lines) if ln.startswith("    Fix")]
    assert len(commits) == len(subjects) == 29 and set(commits) | set(subjects) <= idx
    assert not idx & {i for i, ln in enumerate(lines) if " | " in ln}  # not a diff: no --stat rule
    idx = set(guard_line_indices(log, line_spans(log)[0], domain=detect(log)).tolist())
    stats = [i for i, ln in enumerate(lines) if " | " in ln or " file changed" in ln]
    assert len(stats) == 58 and set(stats) <= idx  # git log --stat: the files each commit changed


def test_esbuild_errors_are_build_output_and_keep_their_location(shipped_compressor):
    err = ("\u2718 [ERROR] Could not resolve \"./CopyRight\"\n\n    src/App/TodoMVC.tsx:7:22:\n"
           "      7 \u2502 import Copyright from './CopyRight'\n        \u2575                       ~~~~~~~~~~~~~\n\n")
    text = "".join(err.replace("7:22", f"{7 + i}:22") for i in range(12)) + "12 errors\n"
    assert detect(text) == "build"
    from kompress.decision.guards import backtrace_guard
    from kompress.structure.units import LineView

    view = LineView(text, *line_spans(text))
    keep = np.array([view[i].startswith("\u2718") for i in range(len(view))])
    added = [view[i] for i in np.flatnonzero(backtrace_guard(view, keep))]
    assert added[:2] == ["    src/App/TodoMVC.tsx:7:22:", "    src/App/TodoMVC.tsx:8:22:"]
    out = shipped_compressor.compress(text).text
    assert "    src/App/TodoMVC.tsx:7:22:" in out.split("\n")


def test_a_line_kept_word_for_word_keeps_its_trailing_spaces(shipped_compressor):
    text = "\n".join(["The deployment finished and the service is now answering requests again.   "] * 2
                     + ["Nothing else happened during the window that anyone needs to know about."] * 30)
    out = shipped_compressor.compress(text, granularity="word", threshold=0.0).text
    assert out.split("\n")[0] == "The deployment finished and the service is now answering requests again.   "


def test_crlf_lines_stay_crlf_whole_or_cut(shipped_compressor):
    # sentences of different shapes (one shape repeated is a record, kept whole: see structured_lines)
    text = "".join(f"The deployment finished and the service is now answering {'very ' * i}well again.\r\n"
                   for i in range(3))
    text += "".join(f"Nothing else happened during the window that anyone {'really ' * i}needs to know.\r\n"
                    for i in range(30))
    out = shipped_compressor.compress(text, granularity="word", threshold=0.5).text
    lines = out.split("\n")[:-1]
    assert lines and all(ln.endswith("\r") for ln in lines)
    assert any(ln not in text.split("\n") for ln in lines)  # some lines were cut, and kept their \r


def test_a_prose_line_is_not_cut_down_to_its_negation(shipped_compressor):
    text = "\n".join(["Usage: tool [OPTION]... [FILE]...",
                      "      list the directories themselves and not the contents inside of them",
                      "      show the names of every group that owns the files in the listing here",
                      "      this option does not follow symbolic links found on the command line"] * 6)
    out = shipped_compressor.compress(text, granularity="word", threshold=1.0).text
    negated = [ln for ln in out.split("\n") if "not" in ln.split()]
    assert negated and all(ln in text.split("\n") for ln in negated)  # whole lines, not a bare "not"


OXLINT = """
  x eslint(no-unreachable): Unreachable code.
     ,-[src/xmlparser/node2json.js:41:5]
 40 |   return text;
 41 |   text = text + 1;
    :   ^^^^^^^^^^^^^^^^
    `----

  x eslint(no-const-assign): Unexpected re-assignment of `const` variable parsed.
    ,-[src/v6/Xml2JsParser.js:12:9]
 12 |   parsed = {};
    `----
"""
ANSIBLE = """WARNING  Unable to load module ini_file at tasks/setup-RedHat.yml:22 for options validation

name[casing]: All names should start with an uppercase letter.
tasks/main.yml:4 Task/Handler: install docker

partial-become[task]: ``become_user`` should have a corresponding ``become`` at the same level as itself.
tasks/docker-users.yml:12 Task/Handler: Show docker users.
"""
BIOME = """classes/range.js:15:9 lint/correctness/noConstructorReturn ━━━━━━━━━━━━━━━━━━━━━━

  × The constructor should not return a value.

    14 │     if (range instanceof Range) {
  > 15 │         return range
"""


def test_other_linters_findings_name_their_rule_and_make_build_output():
    assert lint_kind("  x eslint(no-unreachable): Unreachable code.") == "eslint(no-unreachable)"
    assert lint_kind("classes/range.js:15:9 lint/correctness/noConstructorReturn ━━━━") == "lint/correctness/noConstructorReturn"
    assert lint_kind("name[casing]: All names should start with an uppercase letter.\ntasks/main.yml:4 Task") == "name[casing]"
    assert lint_kind("name: docker\nversion: 3") is None  # a YAML key is not a rule: no location under it
    assert lint_kind("tests/test_x.py:1460: unused variable 'whence' (100% confidence)") == "unused variable"
    assert lint_kind("  x = compute(a): not a finding") is None
    for text in (OXLINT, ANSIBLE, BIOME, "a.py:3: unused import 'os' (90% confidence)\nb.py:9: unused function 'f' (60% confidence)"):
        assert detect(text) == "build", text
    lines = OXLINT.split("\n")
    keep = np.array([ln.startswith("  x ") for ln in lines])
    assert [lines[i].strip() for i in np.flatnonzero(location_guard(lines, keep))] == [
        ",-[src/xmlparser/node2json.js:41:5]", ",-[src/v6/Xml2JsParser.js:12:9]"]
    lines = ANSIBLE.split("\n")
    idx = guard_line_indices(ANSIBLE, line_spans(ANSIBLE)[0]).tolist()
    assert [lines[i] for i in idx if "[" in lines[i] and ":" in lines[i][:30]] == [lines[2], lines[5]]
    keep = np.zeros(len(lines), dtype=bool)
    keep[idx] = True
    assert lines[3] in [lines[i] for i in np.flatnonzero(location_guard(lines, keep))]  # the task's file:line


def test_recursive_and_rustfmt_diffs_keep_every_change():
    rq = "\n".join([f"Files vendor/z/f{i}.c and z-1.3/f{i}.c differ" for i in range(30)]
                   + ["Only in z-1.3: contrib", "Only in vendor/z: BUILD.gn"])
    assert detect(rq) == "diff"
    assert len(guard_line_indices(rq, line_spans(rq)[0], domain="diff")) == 32  # each line is a changed file
    fmt = ("Diff in /home/dev/semver/src/eval.rs:29:\n \n fn matches_impl() {\n-           Op::Exact => x,\n"
           "+        Op::Exact => x,\n     }\nDiff in /home/dev/semver/src/parse.rs:87:\n-let (a,b) = f( t );\n+let (a, b) = f(t);\n")
    assert detect(fmt) == "diff"
    lines = fmt.split("\n")
    idx = guard_line_indices(fmt, line_spans(fmt)[0], domain="diff").tolist()
    assert [lines[i] for i in idx] == [ln for ln in lines if ln[:1] in ("+", "-") or ln.startswith("Diff in ")]


def test_verdicts_and_the_steps_where_a_git_sequence_stopped_stay():
    assert is_critical_line("would reformat /home/dev/pkg/src/a.py")
    assert is_critical_line("│ │ ├── UNMET DEPENDENCY yaml@^2.2.2") and not is_critical_line("│ ├── yaml@2.2.2")
    am = "\n".join([f"Applying: Patch number {i} (#{7300 + i})" for i in range(20)]
                   + ["Using index info to reconstruct a base tree...", "CONFLICT (content): Merge conflict in api.py",
                      "error: Failed to merge in the changes.", "Patch failed at 0020 Patch number 19 (#7319)"])
    lines = am.split("\n")
    assert [lines[i] for i in guard_line_indices(am, line_spans(am)[0]) if lines[i].startswith("Applying")] == lines[18:20]
    bisect = "\n".join(f"Bisecting: {8 >> i} revisions left to test after this (roughly {3 - i} steps)\n"
                       f"[{i:040x}] Subject of step {i}" for i in range(4))
    lines = bisect.split("\n")
    assert len([i for i in guard_line_indices(bisect, line_spans(bisect)[0]) if lines[i].startswith("[")]) == 4


def test_more_verdicts_name_a_failure():
    assert is_critical_line("Parse error near line 15: no such table: Invoices")
    assert is_critical_line("bash: -c: line 1: syntax error near unexpected token `)'")
    assert is_critical_line("    testing: libuv-1.x/include/uv.h   bad CRC b14db336  (should be 1590761e)")
    assert is_critical_line("[pid 29724] +++ exited with 1 +++") and not is_critical_line("+++ exited with 0 +++")
    assert is_critical_line("Erubi::Engine#test_0003_should escape backslashes = 0.00 s = F")
    assert not is_critical_line("Erubi::Engine#test_0004_should keep spaces = 0.00 s = .")
    assert not is_critical_line("verbose = F")  # R's FALSE, not a failed test
    assert is_critical_line("  1) Failure:")
    # a step's verdict at the end of a line (lsar -t's row of a damaged member) is critical by the
    # pattern, not only by its polarity word (which a table's repeated row does not count)
    rows = ["  1. -----   198  30.8%  Defl  2026-12-07 02:00  docs/Pipfile... OK.",
            " 59. -----   36713  77.5%  Defl  2026-12-07 02:00  src/execute.c... Checksum failed!",
            " 60. -----   1061  51.3%  Defl  2026-12-07 02:00  docs/README.md... OK.", "Nothing failed here"]
    text = "\n".join(rows) + "\n"
    assert guard_line_indices(text, line_spans(text)[0], "text").tolist() == [1]


def _minitest(passing: int = 40) -> str:
    out = ["Run options: -v --seed 4242", "", "# Running:", ""]
    out += [f"Erubi::Engine#test_{i:04d}_should handle case {i} = 0.00 s = ." for i in range(passing)]
    out.insert(20, "Erubi::Engine#test_0099_should escape all backslashes = 0.00 s = F")
    out += ["", "Finished in 0.012s, 3000.0 runs/s.", "", "  1) Failure:",
            "Erubi::Engine#test_0099_should escape all backslashes [test/test.rb:46]:", "--- expected", "+++ actual",
            "@@ -1 +1 @@", "-\"a\\\\b\"", "+\"a\\b\"", "", f"{passing + 1} runs, {passing + 1} assertions, 1 failures, 0 errors, 0 skips"]
    return "\n".join(out) + "\n"


def test_a_minitest_run_with_diffs_is_a_test_run_and_its_passes_collapse(shipped_compressor):
    from kompress.decision.frame import run_frame

    text = _minitest()
    assert detect(text) == "test"  # its failures' diffs do not make it a diff
    assert detect("diff --git a/t.rb b/t.rb\n--- a/t.rb\n+++ b/t.rb\n@@ -1 +1 @@\n-1 runs\n+2 runs\n") == "diff"
    frame = run_frame(text.split("\n"))
    assert frame is not None and frame.repeat.sum() >= 30
    out = shipped_compressor.compress(text).text.split("\n")
    assert "Erubi::Engine#test_0099_should escape all backslashes = 0.00 s = F" in out
    assert sum(ln.endswith(" = .") for ln in out) < 10


def test_a_caret_finding_keeps_the_code_line_above_and_its_file():
    lines = ["", "   /home/dev/JavaScript30/30 - Whack A Mole/index.html",
             "      L13 |  <div id=\"main\"></div>",
             "                  ^ The id value [ main ] must be unique. (id-unique)", ""]
    assert lint_kind(lines[3]) == "id-unique"
    keep = np.array([i == 3 for i in range(len(lines))])
    assert np.flatnonzero(location_guard(lines, keep)).tolist() == [1, 2]
    assert detect("\n".join(lines * 3)) == "build"


def test_an_assertions_expected_actual_diff_stays_in_a_test_run():
    from kompress.decision.guards import ASSERTION_DIFF_LINES

    failure = ["1) ParsedownTest::test_ with data set #10 ('table_inline_markdown')",
               "Failed asserting that two strings are equal.", "--- Expected", "+++ Actual", "@@ @@",
               " <tbody>\\n", "-<td><del>cell</del> 1.2</td>\\n", "+<td><s>cell</s> 1.2</td>\\n", " </tr>\\n", "",
               "/home/dev/parsedown/test/ParsedownTest.php:58", ""]
    text = "\n".join(["PHPUnit 9.6.7 by Sebastian Bergmann and contributors.", "", "There was 1 failure:", ""]
                     + failure + ["FAILURES!", "Tests: 68, Assertions: 68, Failures: 1."])
    lines = text.split("\n")
    idx = set(guard_line_indices(text, line_spans(text)[0], domain="test").tolist())
    changed = {i for i, ln in enumerate(lines) if ln.startswith(("-<td>", "+<td>", "--- Expected", "+++ Actual"))}
    assert changed <= idx and lines.index(" <tbody>\\n") not in idx  # changes, not context
    assert not changed & set(guard_line_indices(text, line_spans(text)[0], domain="text").tolist())
    long = "--- Expected\n+++ Actual\n" + "\n".join(f"+line {i}" for i in range(ASSERTION_DIFF_LINES + 30))
    assert len(guard_line_indices(long, line_spans(long)[0], domain="test")) <= ASSERTION_DIFF_LINES + 2  # bounded


def test_rustc_keeps_where_a_denied_lint_is_named():
    text = ("error: missing documentation for a variant\n   --> src/lib.rs:103:5\n    |\n103 |     HeaderName,\n"
            "    |     ^^^^^^^^^^\n    |\nnote: the lint level is defined here\n   --> src/lib.rs:3:5\n    |\n"
            "  3 |     missing_docs,\n    |     ^^^^^^^^^^^^\n")
    lines = text.split("\n")
    idx = set(guard_line_indices(text, line_spans(text)[0]).tolist())
    assert {6, 7, 9} <= idx and lines[9].strip() == "3 |     missing_docs,"


def test_a_plain_diffs_headers_and_a_tools_own_error_among_them_stay():
    text = ("dce.go\ndiff dce.go.orig dce.go\n--- dce.go.orig\n+++ dce.go\n@@ -42,7 +42,7 @@\n // NewDCEPerson\n"
            "-//  NewDCESecurity(Person)\n+//\tNewDCESecurity(Person)\n func NewDCEPerson() {\n"
            "@@ -50,7 +50,7 @@\n-//  NewDCESecurity(Group)\n+//\tNewDCESecurity(Group)\n"
            "marshal.go:35:2: expected operand, found '}'\n")
    assert detect(text) == "diff"
    idx = set(guard_line_indices(text, line_spans(text)[0], domain="diff").tolist())
    assert set(range(1, 5)) | {6, 7} | set(range(9, 13)) <= idx and not idx & {5, 8}  # not context
    assert 0 in idx  # gofmt -l's name of the file whose diff follows


def test_more_runners_summaries_make_a_test_run():
    passes = "\n".join(f"    handles case {i}" for i in range(30))
    for summary in ("1138 examples, 12 failures, 14 pending", "20 tests, 8 failures", "3 doctests, 20 tests, 1 failure",
                    "12 tests, 7 passed, 5 failed", "18 passed; 0 skipped; 4 failed.",
                    "88% tests passed, 3 tests failed out of 25", "Unexpected Pass:    0",
                    "1 feature passed, 1 failed, 0 skipped"):
        assert detect(f"{passes}\n\n{summary}\n") == "test", summary
    assert detect(f"{passes}\n\n20 tests were written\n") == "text"


def test_a_program_prefixed_diagnostic_is_build_output():
    text = "SET\nCREATE TABLE\n" * 20 + 'psql:schema.sql:668: ERROR:  relation "public.film_list" does not exist\n'
    assert detect(text) == "build"


def test_a_test_runs_failure_headings_and_compared_values_stay():
    from kompress.decision.guards import ASSERTION_VALUES

    text = ("Failures:\n\n"
            "  1) Inflector#ordinalize ordinalizes 93 => 93rd\n"
            "     Failure/Error: expect(subject.ordinalize(n)).to eq(expected)\n\n"
            '       expected: "93rd"\n            got: "93th"\n\n'
            "       (compared using ==)\n"
            "     # ./spec/ordinalize_spec.rb:7:in `block (4 levels)'\n\n"
            "Pending: (Failures listed here are expected and do not affect your suite's status)\n\n"
            "  2) Inflector#pluralize missing rule for virus => viruses\n"
            "     # Not yet implemented\n"
            "     # ./spec/pluralize_spec.rb:12\n\n"
            "1138 examples, 1 failure, 1 pending\n\n"
            "rspec ./spec/ordinalize_spec.rb[1:1:94] # Inflector#ordinalize ordinalizes 93 => 93rd\n")
    lines = text.split("\n")
    idx = set(guard_line_indices(text, line_spans(text)[0], domain="test").tolist())
    at = {ln.strip().split(":")[0].split(")")[0]: i for i, ln in enumerate(lines) if ln.strip()}
    assert {at["1"], at["expected"], at["got"], lines.index(lines[-2])} <= idx  # heading, values, rerun line
    assert at["2"] not in idx  # a pending example's heading: no failure under it
    # Outside a test run the pair stays too (an expected value over the value got); one alone does not.
    assert {at["expected"], at["got"]} <= set(guard_line_indices(text, line_spans(text)[0], domain="text").tolist())
    alone = text.replace('            got: "93th"\n', "")
    assert at["expected"] not in set(guard_line_indices(alone, line_spans(alone)[0], domain="text").tolist())
    many = "\n".join(f"  expected: {i}" for i in range(ASSERTION_VALUES + 50))
    assert len(guard_line_indices(many, line_spans(many)[0], domain="test")) == ASSERTION_VALUES  # bounded


def test_a_tools_suggested_fix_stays():
    text = ("docs/lifespan.md:3:35      - Unknown word (aplication) -- needs to run before the aplication starts\n"
            "\t Suggestions: [application*, allocation, applications]\n"
            "the build went on\n"
            'HINT:  The extension must first be installed on the system where PostgreSQL is running.\n'
            "hint: Updates were rejected because the tip of your current branch is behind\n")
    lines = text.split("\n")
    idx = set(guard_line_indices(text, line_spans(text)[0]).tolist())
    assert {1, 3, 4} <= idx and 2 not in idx and lines[1].strip().startswith("Suggestions")


SEMGREP = """┌──────────────────┐
│ 3 Code Findings │
└──────────────────┘

    src/pluggy/_hooks.py
   ❯❯❱ bare-except
          ❰❰ Blocking ❱❱
          Bare `except:` also catches SystemExit and KeyboardInterrupt

          444┆ try:
          445┆     spec_opts = eval(repr(spec_opts))

   ❯❯❱ eval-call
          ❰❰ Blocking ❱❱
          Use of eval() on dynamic input is dangerous

          445┆ spec_opts = eval(repr(spec_opts))
"""


def test_cpplint_flawfinder_and_semgrep_findings_keep_their_rule_message_and_place():
    assert lint_kind("cJSON.c:700:  Use int16_t/int64_t/etc, rather than the C type long  [runtime/int] [4]") == "runtime/int"
    assert lint_kind("sds/sds.c:156:  [4] (buffer) strcpy:") == "buffer"
    assert lint_kind("   ❯❯❱ bare-except") == "bare-except"
    assert lint_kind("   ❯❯❱ two words") is None
    assert detect(SEMGREP) == "build"
    lines = SEMGREP.split("\n")
    keep = np.array([lint_kind(ln) is not None for ln in lines])
    added = [lines[i].strip() for i in np.flatnonzero(location_guard(lines, keep))]
    assert added == ["src/pluggy/_hooks.py", "❰❰ Blocking ❱❱", "Bare `except:` also catches SystemExit and KeyboardInterrupt",
                     "444┆ try:", "❰❰ Blocking ❱❱", "Use of eval() on dynamic input is dangerous",
                     "445┆ spec_opts = eval(repr(spec_opts))"]
    flaw = "sds/sds.c:156:  [4] (buffer) strcpy:\n  Does not check for buffer overflows when copying (CWE-120).\n  more\n"
    lines = flaw.split("\n")
    assert np.flatnonzero(location_guard(lines, np.array([True, False, False, False]))).tolist() == [1]


def test_tcltest_results_and_capitalised_outcome_counts():
    text = ("++++ json-tcl-3.1 PASSED\n==== json-tcl-3.2 many-json2dict, bad limit, zero FAILED\n"
            "==== Contents of test case:\n\n    json::many-json2dict {[]} 0\n\n---- Result was:\n"
            "Bad limit 0 of json entity to extract.\n---- Result should have been (exact matching):\n"
            "Bad limit 0 of json entities to extract.\n==== json-tcl-3.2 FAILED\n\n"
            "json.test:\tTotal\t512\tPassed\t505\tSkipped\t0\tFailed\t7\n")
    assert detect(text) == "test"
    lines = text.split("\n")
    idx = set(guard_line_indices(text, line_spans(text)[0], domain="test").tolist())
    assert {7, 9} <= idx and 4 not in idx  # the two values, not the test's code
    assert is_critical_line("30 Tests 1 Failures 0 Ignored") and lines[7].startswith("Bad limit")


def test_refurb_hadolint_and_darglint_findings_name_their_rule():
    refurb = "src/click/globals.py:74:38 [FURB121]: Replace `isinstance(x, y) or isinstance(x, z)` with `isinstance(x, y | z)`"
    hadolint = "images/julia-notebook/Dockerfile:15 DL4001 warning: Either use Wget or Curl but not both"
    darglint = "src/click/termui.py:confirm:295: DAR101: Missing parameter(s) in Docstring: - abort"
    assert [lint_kind(x) for x in (refurb, hadolint, darglint)] == ["FURB121", "DL4001", "DAR101"]
    for line in (refurb, hadolint, darglint):
        text = "\n".join([line] * 3)
        assert detect(text) == "build" and len(guard_line_indices(text, line_spans(text)[0])) == 3


def test_a_prose_fragment_goes_with_its_sentence_or_stays_whole_with_its_value(shipped_compressor):
    from kompress.scoring.scores import WordScores
    from kompress.structure.units import word_spans

    lines = ["The license name was written in an unusual way and the check went on quietly.",
             "Our worker number 9508 finished the batch and went on to the next one quickly."]
    lines += ["Everyone on the team agreed that the dashboards looked calm for the whole afternoon."] * 6
    text = "\n".join(lines) + "\n"
    starts, ends = word_spans(text)
    words = [text[a:b] for a, b in zip(starts, ends)]
    scores = np.array([1.0 if w in ("unusual", "worker") else 0.0 for w in words], dtype=np.float32)
    ws = WordScores(starts, ends, scores, np.ones(len(starts), dtype=np.int64))
    out = shipped_compressor.decide(text, ws, "text", granularity="word", threshold=0.5).text.split("\n")
    assert not any(ln.strip() == "unusual" for ln in out)  # a lone word of a dropped sentence says nothing
    assert lines[1] in out  # a value in it stays, read in its whole line (no "9508" alone)


def test_a_negated_sentence_is_never_cut_inside(shipped_compressor):
    # cmake's "Could not find a package configuration file ..." cut to "Could not package provided".
    from kompress.scoring.scores import WordScores
    from kompress.structure.units import word_spans

    neg = "  Could not find a package configuration file provided by the libwebsockets project here"
    calm = [f"Everyone on the team {w} that the dashboards looked calm for the whole afternoon."
            for w in ("agreed", "said", "felt", "knew", "hoped", "saw")]
    lines = calm[:3] + [neg] + calm[3:]
    text = "\n".join(lines) + "\n"
    starts, ends = word_spans(text)
    words = [text[a:b] for a, b in zip(starts, ends)]
    scores = np.array([1.0 if w in ("Could", "package", "provided") else 0.0 for w in words], dtype=np.float32)
    ws = WordScores(starts, ends, scores, np.ones(len(starts), dtype=np.int64))
    out = shipped_compressor.decide(text, ws, "text", granularity="word", threshold=0.5).text.split("\n")
    assert neg in out and not any(ln.strip().startswith("Could not package") for ln in out)


def test_a_sentence_naming_errors_is_never_cut_inside(shipped_compressor):
    # dhcpd's "Configuration file errors encountered -- exiting" cut to "Configuration errors
    # exiting": errors named, in the singular or the plural, make a sentence a statement kept whole.
    from kompress.scoring.scores import WordScores
    from kompress.structure.units import word_spans

    said = ["Configuration file errors encountered before the daemon gave up and went home",
            "The parser hit an error while it was reading the second block of the file"]
    calm = [f"Everyone on the team {w} that the dashboards looked calm for the whole afternoon."
            for w in ("agreed", "said", "felt", "knew", "hoped", "saw")]
    lines = calm[:3] + said[:1] + calm[3:] + said[1:]
    text = "\n".join(lines) + "\n"
    starts, ends = word_spans(text)
    words = [text[a:b] for a, b in zip(starts, ends)]
    scores = np.array([1.0 if w in ("Configuration", "errors", "encountered", "parser", "error", "reading")
                       else 0.0 for w in words], dtype=np.float32)
    ws = WordScores(starts, ends, scores, np.ones(len(starts), dtype=np.int64))
    out = shipped_compressor.decide(text, ws, "text", granularity="word", threshold=0.5).text.split("\n")
    assert said[0] in out and said[1] in out


def test_the_first_line_of_a_report_stays_what_ran_or_the_verdict_printed_first(shipped_compressor):
    # check-jsonschema prints its verdict first, then the errors; the tail cannot hold it.
    report = "\n".join(["", "Schema validation errors were encountered."]
                       + [f"  .github/workflows/ci{i}.yml::$.jobs.build{i}: 'runs-on' is a required property"
                          for i in range(40)]
                       + ["  .github/workflows/release.yml::$.on: 12 is not valid under any of the given schemas"])
    r = shipped_compressor.compress(report)
    assert r.domain in ("text", "build")
    assert "Schema validation errors were encountered." in r.text.split("\n")


def test_a_few_compiler_warnings_of_one_kind_each_stay():
    # gcc -fanalyzer's leaks are one kind ([-Wanalyzer-malloc-leak]) at different places: each is a
    # thing to fix. A build's hundred warnings of one kind keep the first fifty.
    leaks = "\n".join(f"kilo.c:{100 + 50 * i}:9: warning: leak of 'buf{i}' [CWE-401] [-Wanalyzer-malloc-leak]"
                      for i in range(3))
    starts, _ = line_spans(leaks)
    assert list(guard_line_indices(leaks, starts)) == [0, 1, 2]
    many = "\n".join(f"src/m.c:{i}:5: warning: unused parameter 'x{i}' [-Wunused-parameter]" for i in range(1, 101))
    starts, _ = line_spans(many)
    assert list(guard_line_indices(many, starts)) == list(range(WARNINGS_PER_KIND)) and WARNINGS_PER_KIND < 100


def test_a_caret_label_says_the_problem_at_its_spot():
    # flow prints its message after the carets, rustc and ty their label: the detail is there only.
    flow = "\n".join(["Error -------------------------------------------------- src/Subscribe.js:33:7",
                      "",
                      "Cannot call `this.props.to.reset` because:",
                      "     33|       this.props.to.reset();",
                      "                             ^^^^^ property `reset`. Property not found in",
                      "                    ^^^^",
                      "   |         ^^^^^^^^^^^^^^^ expected `usize`, found `&str`"])
    starts, _ = line_spans(flow)
    idx = guard_line_indices(flow, starts).tolist()
    assert 4 in idx and 6 in idx and 5 not in idx  # a bare underline says nothing


def test_a_finding_under_its_file_heading_names_its_rule():
    report = "src/click/termui.py\n    168: DOC103: Function `prompt`: Docstring arguments are different\n"
    assert lint_kind(report.split("\n")[1]) == "DOC103"
    assert lint_kind("    168: see the note above") is None and lint_kind("168: DOC103: no indent") is None


def test_a_line_naming_its_place_in_words_stays():
    report = "\n".join(["possible bashism in deploy/apache.sh line 23 (echo -e):",
                        '  echo -e "Deploy cert" &>/dev/stderr',
                        '"my" variable $seconds masks earlier declaration in same scope at mysqltuner.pl line 2409.',
                        "deploy/docker.sh: line 39: syntax error near unexpected token `else'",
                        "the second line 12 of the version 2.5 line 3 notes"])
    starts, _ = line_spans(report)
    assert guard_line_indices(report, starts).tolist() == [0, 2, 3]


def test_a_dotted_or_bracketed_rule_names_a_finding():
    assert lint_kind("docs/why.md:49:64: weasel_words.very: Substitute 'damn' every time") == "weasel_words.very"
    zizmor = "info[use-trusted-publishing]: prefer trusted publishing for authentication\n  --> .github/w.yaml:58:9"
    assert lint_kind(zizmor) == "use-trusted-publishing"
    assert lint_kind("src/a.py:12:5: error: Name 'x' is not defined") is None  # a severity is no rule


def test_a_rule_code_over_its_place_and_a_column_of_rule_names_are_findings():
    cfn = "E3012 Property Resources/Queue/Properties/Delay should be of type Integer\nstacks/queue.yaml:144:5"
    assert lint_kind(cfn) == "E3012"
    assert lint_kind("E3012 Property Resources/Queue should be of type Integer") is None  # no place under it
    phpmd = "src/Monolog/Logger.php:337        UnusedLocalVariable        Avoid unused local variables such as '$x'."
    assert lint_kind(phpmd) == "UnusedLocalVariable"
    assert lint_kind("src/a.php:12  see the notes  below") is None  # words, not a rule name
    # Each finding stays with the place under it, in a report of many.
    blocks = []
    for i in range(60):
        blocks += [f"W{3000 + i % 3} Parameter P{i} not used.", f"stacks/s{i}.yaml:{10 + i}:7", ""]
    blocks += ["E1010 'Subnet1' is not one of ['VPC', 'Role']", "stacks/gitlab.yaml:130:7", ""]
    text = "\n".join(blocks)
    idx = guard_line_indices(text, line_spans(text)[0], detect(text))
    lines = text.split("\n")
    kept = {lines[i] for i in idx}
    assert "E1010 'Subnet1' is not one of ['VPC', 'Role']" in kept
    k = [i for i, ln in enumerate(lines) if ln.startswith("E1010")][0]
    assert location_guard(lines, np.isin(np.arange(len(lines)), idx))[k + 1]  # its place


def test_a_failed_records_head_and_place_stay():
    # checkov: "Check: ..." over an indented status and the file it names; 40 passes, 2 failures.
    blocks = []
    for i in range(42):
        status = "FAILED" if i in (17, 33) else "PASSED"
        blocks += [f'Check: CKV_AWS_{i}: "Ensure resource {i} is encrypted"',
                   f"\t{status} for resource: AWS::SNS::Topic.Topic{i}", f"\tFile: /stacks/t{i}.yaml:{i + 3}-{i + 9}"]
    lines = ["Passed checks: 40, Failed checks: 2, Skipped checks: 0", ""] + blocks
    text = "\n".join(lines) + "\n"
    kept = {lines[i] for i in detail_line_indices(text, line_spans(text)[0], detect(text))}
    for i in (17, 33):
        assert f'Check: CKV_AWS_{i}: "Ensure resource {i} is encrypted"' in kept
        assert f"\tFile: /stacks/t{i}.yaml:{i + 3}-{i + 9}" in kept
    assert len(kept) == 4  # a passed record is no failure's detail
    # A status with no head right above it (a line of its own at the top) brings nothing.
    assert len(detail_line_indices("\tFAILED for resource: x\n", np.array([0]), "text")) == 0


def test_unicode_pointers_stylish_rules_and_prospector_rows_are_findings():
    squawk = ("warning[require-lock-timeout]: Missing `set lock_timeout` before slow ACCESS EXCLUSIVE locks\n"
              "  ╭▸ migrations/0003_add_banned_until.up.sql:3:1")
    assert lint_kind(squawk) == "require-lock-timeout"
    lines = squawk.split("\n")
    assert location_guard(lines, np.array([True, False]))[1]  # its place
    spectral = ('  128:11    error  path-params                   Operation must define parameter "{site_id}".'
                "      paths./sites/{site_id}.get")
    assert lint_kind(spectral) == "path-params"
    row = "    L71:12 ColorFormatter.__init__: pylint - import-outside-toplevel"
    assert lint_kind(row) == "pylint - import-outside-toplevel"
    assert lint_kind("    L43:- collect_messages: mccabe - MC0001") == "mccabe - MC0001"
    text = "\n".join(["Messages", "========", ""] + [
        x for i in range(30) for x in (f"pkg.m{i} (pkg/m{i}.py):", f"    L{i + 3}:4 f{i}: pylint - import-outside-toplevel",
                                        f"    Import outside toplevel (mod{i}.Thing)", "")])
    kept = {text.split("\n")[i] for i in guard_line_indices(text, line_spans(text)[0], detect(text))}
    assert all(f"    Import outside toplevel (mod{i}.Thing)" in kept for i in range(30))  # each row's message


def test_a_warning_saying_only_its_flag_keeps_its_message_and_the_failing_step_stays(shipped_compressor):
    steps = [f"[{i:2d} of 25] Compiling Text.Parsec.M{i} ( src/Text/Parsec/M{i}.hs, dist/build/M{i}.o )"
             for i in range(1, 15)]
    text = "\n".join(steps[:4] + ["", "src/Text/Parsec/M4.hs:45:37: warning: [-Wunused-imports]",
                                  "    The import of ‘when’ from module ‘Control.Monad’ is redundant", "   |",
                                  "45 | import Control.Monad (mzero, liftM, when)", "   |  ^^^^"]
                     + steps[4:] + ["", "src/Text/Parsec/M14.hs:363:30: error:",
                                    "    • Couldn't match type ‘a0 -> a0’ with ‘Integer’", ""]) + "\n"
    idx = guard_line_indices(text, line_spans(text)[0], detect(text))
    assert "    The import of ‘when’ from module ‘Control.Monad’ is redundant" in {text.split("\n")[i] for i in idx}
    out = shipped_compressor.compress(text).text
    assert steps[-1] in out  # the module whose compile failed
    assert steps[8] not in out  # the steps between collapse


def test_what_names_each_diff_stays():
    # cosmic-ray's report: each surviving mutant's id and operator over its diff.
    blocks = []
    for i in range(12):
        blocks += [f"[job-id] {i:032x}", f"pkg/scanner.py core/ReplaceBinaryOperator_Add_Sub {i}",
                   "worker outcome: WorkerOutcome.NORMAL, test outcome: TestOutcome.SURVIVED", "=== DIFF ===",
                   "--- mutation diff ---", "--- a/pkg/scanner.py", "+++ b/pkg/scanner.py", f"@@ -{60 + i},3 +{60 + i},3 @@",
                   "             else:", "-                return idx + 3", "+                return idx - 3",
                   "             return res", "============"]
    text = "\n".join(blocks) + "\n"
    lines = text.split("\n")
    found = diff_preamble_indices(lines)
    assert [lines[i] for i in found[:3]] == blocks[:3]
    assert all(any(lines[i] == f"[job-id] {k:032x}" for i in found) for k in range(12))
    assert not any(lines[i].startswith(("             ", "====")) for i in found)  # context and rules are no names


def test_a_tables_totals_row_stays():
    cov = ["Name        Stmts   Miss  Cover", "-------------------------------"]
    cov += [f"pkg/m{i}.py     {10 + i}      {i % 3}    {90 - i}%" for i in range(30)]
    cov += ["-------------------------------", "TOTAL         765     29    96%", ""]
    text = "\n".join(cov)
    kept = {cov[i] for i in guard_line_indices(text, line_spans(text)[0], detect(text))}
    assert "TOTAL         765     29    96%" in kept and "pkg/m7.py     17      1    83%" not in kept
    # A load test's stats printed every few seconds: the first ones and the last of each table.
    text = "\n".join(x for k in range(8) for x in ("Type  Name   # reqs  # fails", "------|------|-------|------",
                                                   f"GET   /a     {100 * k}   0(0.00%)", "------|------|-------|------",
                                                   f"      Aggregated  {100 * k}  {k}({k}.00%)", ""))
    lines = text.split("\n")
    kept = [lines[i] for i in guard_line_indices(text, line_spans(text)[0], detect(text))]
    assert [x for x in kept if "Aggregated" in x] == [f"      Aggregated  {100 * k}  {k}({k}.00%)" for k in (0, 1, 2, 7)]


def test_sqlfluff_checkstyle_and_parenthesised_places_are_findings():
    assert lint_kind("L:  18 | P:   1 | LT02 | Expected indent of 8 spaces. [layout.indent]") == "LT02"
    assert lint_kind("[ERROR] src/main/java/A.java:66:11: Line contains a tab character. [FileTabCharacter]") == \
        "FileTabCharacter"
    assert lint_kind("rdmd.d(408): vgc: operator `~` may cause a GC allocation") == "vgc"
    assert lint_kind("[INFO] Building commons-cli 1.9.0 [1/1]") is None  # a build step, no place


def test_an_open_error_term_keeps_its_values_and_a_go_json_failure_is_critical():
    text = "\n".join(["  jsx_to_json:387: -format_test_/0-fun-2- (single key object)...*failed*",
                      "in function jsx_to_json:'-format_test_/0-fun-2-'/2 (src/jsx_to_json.erl, line 387)",
                      "**error:{assertEqual,[{module,jsx_to_json},", "              {line,387},",
                      '              {expected,<<"{\\n  \\"k\\": \\"v\\"\\n}">>},',
                      '              {value,<<"{\\n  \\"k\\":  \\"v\\"\\n}">>}]}', "  output:<<\"\">>", "",
                      "  jsx_to_json:387: -format_test_/0-fun-2- (single member array)...ok"]) + "\n"
    lines = text.split("\n")
    assert is_critical_line(lines[0]) and not is_critical_line(lines[-2])
    kept = set(detail_line_indices(text, line_spans(text)[0], detect(text)).tolist())
    assert {3, 4, 5} <= kept and 6 not in kept  # to where the term closes
    assert is_critical_line('{"Action":"output","Test":"TestX","Output":"    mux_test.go:1234: got /a/ want /a\\n"}')


def test_a_line_naming_a_place_in_a_source_file_stays_in_any_convention():
    from kompress.decision.guards import LOCATED_PER_KIND

    # A tool nobody wrote a rule for: each line names a place; 60 of one kind, 3 of others.
    rows = [f"  {i}:{i % 7 + 1}  note  sizes/s{i}.scss:{i + 3}  Property `transfrom` is unknown" for i in range(60)]
    rows += ["vera: db/version_set.cc:778: line is longer than 100 characters",
             "see (cJSON.c:243) for the allocation", "\tFile: /stacks/t.yaml:29-31"]
    text = "\n".join(["Linting 64 files", "see version 3.10 of the spec", ""] + rows + ["", "63 problems"]) + "\n"
    lines = text.split("\n")
    kept = [lines[i] for i in guard_line_indices(text, line_spans(text)[0], "text")]
    assert sum("transfrom" in x for x in kept) == LOCATED_PER_KIND  # one kind, bounded
    assert all(x in kept for x in rows[-3:])
    assert "Linting 64 files" not in kept and "see version 3.10 of the spec" not in kept
    # Not in a stack: a recursion's frames are one place again and again.
    frames = "\n".join(f"    #{i} 0x55b4 in load_table src/table_io.c:57" for i in range(80)) + "\n"
    assert len(guard_line_indices(frames, line_spans(frames)[0], "crash")) < 5
    # But a crash report's other lines naming a place stay (a test harness's verdict amid ASan's reports).
    report = frames + "tests/bstest.c:1344:E:Core:core_021:0: (after this point) Early exit with return value 1\n"
    kept = guard_line_indices(report, line_spans(report)[0], "crash")
    assert 80 in kept.tolist() and len(kept) < 6


def test_a_line_breaking_the_pattern_of_a_repetitive_output_stays():
    # A license report: 120 packages of one shape, one whose license is not like the others.
    rows: list[str] = []
    for i in range(120):
        rows += [f"├─ package-{i}@1.{i}.0", "│  ├─ licenses: MIT", f"│  └─ repository: https://example.org/p{i}"]
    rows[3 * 57 + 1] = "│  ├─ licenses: Custom: see LICENSE.md in the tarball"
    text = "\n".join(["├─ the-app@2.0.0"] + rows) + "\n"
    starts = line_spans(text)[0]
    kept = set(guard_line_indices(text, starts, "tree").tolist())
    odd = 1 + 3 * 57 + 1
    assert odd in kept and 1 + 3 * 10 + 1 not in kept
    # A log's frame keeps each event's first line already; a short output has no pattern to break.
    assert odd not in set(guard_line_indices(text, starts, "log").tolist())
    short = "\n".join(rows[:60]) + "\n"
    assert len(guard_line_indices(short, line_spans(short)[0], "tree")) == 0
    # Where one-off lines are the texture (more than OUTLIER_MAX_SHARE of the output), none of
    # them is an exception.
    from kompress.decision.guards import OUTLIER_MAX_SHARE, outlier_line_indices
    from kompress.structure.units import LineView

    def outliers(n_odd: int) -> np.ndarray:
        odd = [" ".join(f"{chr(97 + k)}{j}" for j in range(k + 2)) for k in range(n_odd)]  # k+2 words each
        body = "\n".join([f"ok {i} - checks item {i}" for i in range(100)] + odd) + "\n"
        b_starts, b_ends = line_spans(body)
        return outlier_line_indices(LineView(body, b_starts, b_ends))

    few, many = int(OUTLIER_MAX_SHARE * 100) - 3, int(OUTLIER_MAX_SHARE * 140)
    assert outliers(few).tolist() == list(range(100, 100 + few))
    assert len(outliers(many)) == 0


def test_a_listing_of_paths_with_a_status_keeps_the_few_that_say_something_else(shipped_compressor):
    # bzip2 -tv: every path its own Drain template (a path leads the line), so the one-off
    # template rule sees no pattern; the shape with the paths masked does.
    folders = ["docs", "docs/opts", "docs/examples", "lib/vtls"]
    names = [f"./{folders[i % 4]}/{chr(65 + i % 26)}{'x' * (i % 7)}-{i}.md.bz2:" for i in range(400)]
    lines = [f"  {n:60s} ok" for n in names]
    bad = {33: "file ends unexpectedly", 130: "data integrity (CRC) error in data", 377: "file ends unexpectedly"}
    for i, why in bad.items():
        lines[i] = f"  {names[i]:60s} {why}"
    text = "\n".join(lines) + "\n"
    kept = set(guard_line_indices(text, line_spans(text)[0], "tree").tolist())
    assert set(bad) <= kept and len(kept) < 10
    out = shipped_compressor.compress(text).text
    assert all(lines[i] in out.splitlines() for i in bad)
    # A status every line has is the texture: none of them stays for it.
    same = "\n".join(f"  {n:60s} ok" for n in names) + "\n"
    assert len(guard_line_indices(same, line_spans(same)[0], "tree")) == 0


def test_a_failures_own_lines_up_to_the_next_record_like_it_stay():
    # tinytest: each result opens with "----- PASSED" or "----- FAILED"; a failure's call and diff
    # lines are what it says went wrong.
    rows: list[str] = []
    for i in range(60):
        mark = "FAILED[data]" if i in (20, 41) else "PASSED      "
        rows += [f" ----- {mark}: test_hmac.R<{i}--{i}>", f" call| expect_true(identical(t{i}, current))"]
        if i in (20, 41):
            rows.append(" diff| Expected TRUE, got FALSE")
    text = "\n".join(rows) + "\n"
    got = set(detail_line_indices(text, line_spans(text)[0], "text").tolist())
    fails = [k for k, r in enumerate(rows) if "FAILED" in r]
    assert got == {f + 1 for f in fails} | {f + 2 for f in fails}
    # Failures one after another have no lines of their own; a block longer than
    # RECORD_BODY_LINES is not a record's (the next record like it is too far).
    from kompress.decision.guards import RECORD_BODY_LINES

    listed = "\n".join(f"FAILED tests/test_x.py::test_{i} - AssertionError" for i in range(5)) + "\n"
    assert len(detail_line_indices(listed, line_spans(listed)[0], "test")) == 0
    far = "\n".join(["FAILED case_1"] + [f"  step {i} done" for i in range(RECORD_BODY_LINES + 1)] + ["FAILED case_2"]) + "\n"
    assert len(detail_line_indices(far, line_spans(far)[0], "text")) == 0


def test_a_heading_counting_problems_keeps_its_section():
    lynis = ["  -[ Lynis 3.1.6 Results ]-", "", "  Warnings (2):", "  ----------------------------",
             "  ! Found one or more vulnerable packages. [PKGS-7392] ", "      https://cisofy.com/lynis/controls/PKGS-7392/", "",
             "  ! Couldn't find 2 responsive nameservers [NETW-2705] ", "      https://cisofy.com/lynis/controls/NETW-2705/", "",
             "  Suggestions (3):", "  ----------------------------"]
    lynis += [f"  * Install tool-{i} to harden the system [DEB-08{i}0] " for i in range(3)]
    text = "\n".join(lynis) + "\n"
    got = set(detail_line_indices(text, line_spans(text)[0], "text").tolist())
    assert got == {4, 5, 7, 8}
    assert len(detail_line_indices("Warnings (0):\n  nothing\n", line_spans("Warnings (0):\n  nothing\n")[0], "text")) == 0


def test_a_heading_saying_it_found_problems_keeps_its_section():
    # airflow config lint: "Found issues in your airflow.cfg:" over its list, no count given.
    items = [f"  - `option_{i}` configuration parameter moved from `core` section to `dag_processor` section."
             for i in range(6)]
    text = "\n".join(["Found issues in your airflow.cfg:", *items, "", "Please update your configuration file accordingly."]) + "\n"
    assert set(range(1, 7)) <= set(detail_line_indices(text, line_spans(text)[0], "text").tolist())
    calm = "\n".join(["Found no issues in your airflow.cfg:", *items]) + "\n"
    assert len(detail_line_indices(calm, line_spans(calm)[0], "text")) == 0


def test_the_linker_speaks_of_problems_and_names_the_function_they_are_in():
    # ld -M with a missing object: its LMA overlap (no error word) and each undefined reference's
    # function; gcc's "In function" over an error likewise.
    ld = ["Allocating common symbols", "stack               0x1000            entry.o",
          "ld: section .data LMA [00104000,00106515] overlaps section .text LMA [00100000,00106e47]",
          "ld: file.o: in function `fileclose':", "file.c:74: undefined reference to `pipeclose'",
          "ld: sysfile.o: in function `sys_pipe':", "sysfile.c:431: undefined reference to `pipealloc'",
          " .comment       0x00000027       0x28 proc.o"]
    text = "\n".join(ld) + "\n"
    assert set(guard_line_indices(text, line_spans(text)[0], "build").tolist()) == {2, 3, 4, 5, 6}
    gcc = "src/lru.c: In function 'lru_demo':\nsrc/lru.c:12:9: error: 'x' undeclared (first use in this function)\n"
    assert 0 in guard_line_indices(gcc, line_spans(gcc)[0], "build").tolist()
    assert not is_critical_line("ld: file.o: in function `fileclose':")
    assert not is_critical_line("build: done")


def test_a_failed_tasks_banner_stays_with_its_failure():
    # ansible-playbook --check --diff: the failing task's banner, past its origin and source lines.
    ok = [f"TASK [os_hardening : Step {i}] *****************************\nok: [localhost]\n" for i in range(6)]
    failed = ("TASK [os_hardening : Create login.defs | os-05, os-05b] ************************\n"
              "[ERROR]: Task failed: 'os_auth_pw_maxage' is undefined\n\nTask failed.\n"
              "Origin: /src/proj/roles/os_hardening/tasks/login_defs.yml:2:3\n\n1 ---\n2 - name: Create login.defs\n"
              "fatal: [localhost]: FAILED! => {\"changed\": false}\n")
    text = "".join(ok[:3]) + failed + "".join(ok[3:]) + "PLAY RECAP *****\nlocalhost : ok=9 failed=1\n"
    lines = text.split("\n")
    got = {lines[i] for i in guard_line_indices(text, line_spans(text)[0], "log").tolist()}
    assert lines[6] in got and lines[6].startswith("TASK [os_hardening : Create login.defs")
    assert not any(x.startswith("TASK") and "Step" in x for x in got)  # the tasks that went well


def test_a_boxed_title_stays_over_the_failure_under_it():
    # jansson's suite runner (automake make check): each failing test's file boxed between rules,
    # its failure under the box; a boxed section with nothing kept under it is not a title to keep.
    rule = "=" * 65
    passes = "".join(f"test_{i}.c... ok\n" for i in range(30))
    text = (f"Suite: api\n{passes}{rule}\napi/test_array.c\n{rule}\n"
            "test_array.c:134: unable to insert value in an empty array\n\n"
            f"{rule}\nSuite: encoding.flags\n{rule}\n" + passes)
    lines = text.split("\n")
    got = {lines[i] for i in guard_line_indices(text, line_spans(text)[0], "build").tolist()}
    assert "api/test_array.c" in got and "test_array.c:134: unable to insert value in an empty array" in got
    assert "Suite: encoding.flags" not in got


def test_a_plans_steps_stay_each_a_change():
    # makemigrations --check: the changes a migration would make, one per line, under its file.
    steps = "".join(f"    ~ Alter field name on model{i}\n" for i in range(12)) + "    + Add field owner to pet\n"
    text = "Migrations for 'tests':\n  tests/migrations/0009_alter.py\n" + steps + "Full migrations file '0009_alter.py':\n"
    lines = text.split("\n")
    got = {lines[i] for i in guard_line_indices(text, line_spans(text)[0], "text").tolist()}
    assert {ln for ln in lines if ln.strip()[:2] in ("~ ", "+ ")} <= got
    # Without a ``~`` step, a bulleted list is prose: its items are not findings.
    bullets = "Release notes:\n" + "".join(f"  - Added support for format {i}\n" for i in range(12))
    blines = bullets.split("\n")
    assert not any(blines[i].startswith("  - Added") for i in guard_line_indices(bullets, line_spans(bullets)[0], "text").tolist())


def test_a_long_capital_line_under_a_banner_is_read_in_linear_time():
    # A banner pattern that could split "AAAA..." between two runs backtracked quadratically:
    # 150,000 capitals took 200 s. The alarm only catches that; it is no speed target.
    import signal

    text = "TASK [setup] ****\nfatal: [host]: FAILED!\n" + "A" * 150_000 + "\n"

    def hang(signum, frame):  # type: ignore[no-untyped-def]
        raise TimeoutError("guard_line_indices backtracks on a long capital line")

    old = signal.signal(signal.SIGALRM, hang)
    signal.alarm(60)
    try:
        got = guard_line_indices(text, line_spans(text)[0], "text").tolist()
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)
    assert 0 in got and 1 in got  # the banner over the failure, the failure


def test_a_register_dump_keeps_the_registers_the_crash_reads():
    # gdb's info registers after a SIGSEGV, then x/2i $pc: the registers the current instruction
    # names (rdx held the bad address) and the counter and stack registers stay; the machine's
    # segment and mask registers are not the bug's.
    regs = [f"{r:<15}0x{v:x}{' ' * 6}{v}" for r, v in
            [("rax", 0x55555558fd32), ("rbx", 0x7fffffffe7c8), ("rdx", 0x555555650580), ("rsi", 1),
             ("rbp", 0x7fffffffa0a0), ("rsp", 0x7fffffffa070), ("rip", 0x55555555bade),
             ("cs", 0x33), ("ss", 0x2b), ("k0", 3), ("k1", 0x1200)]]
    text = ("Program received signal SIGSEGV, Segmentation fault.\n" + "\n".join(regs) +
            "\n=> 0x55555555bade <deflate_slow+254>:\tmovzwl (%rdx),%edx\n"
            "   0x55555555bae1 <deflate_slow+257>:\tmov    %dx,(%rax)\n")
    lines = text.split("\n")
    got = {lines[i].split()[0] for i in guard_line_indices(text, line_spans(text)[0], "crash").tolist()}
    assert {"rdx", "rbp", "rsp", "rip"} <= got
    assert not got & {"rax", "rbx", "rsi", "cs", "ss", "k0", "k1"}
    # Fewer rows than a dump are no dump (a log's ``id 0x1f ok`` lines).
    few = "\n".join(regs[:3]) + "\n=> 0x1 <f>:\tmov (%rax),%rdx\n"
    assert not {0, 1, 2} & set(guard_line_indices(few, line_spans(few)[0], "text").tolist())


def test_pytests_short_traceback_keeps_the_tests_own_line():
    # --tb=short: under each failure's heading the test's own frame comes first, then the
    # library's; an installed package's frame is never the one.
    lib = ("../venv/lib/python3.11/site-packages/marshmallow/schema.py:734: in load\n    return self._do_load(\n"
           "E   marshmallow.exceptions.ValidationError: {'value': ['Not a valid list.']}\n")
    text = ("=================================== FAILURES ===================================\n"
            "____________________ TestClassSchema.test_list_union_object ____________________\n"
            "tests/test_union.py:50: in test_list_union_object\n    load = schema.load(data_in)\n" + lib +
            "____________________ TestClassSchema.test_union_list ____________________\n" + lib)
    lines = text.split("\n")
    got = {lines[i] for i in guard_line_indices(text, line_spans(text)[0], "test").tolist()}
    assert "tests/test_union.py:50: in test_list_union_object" in got
    assert lines[8] not in got and lines[8].startswith("../venv")  # the second failure has no own frame
    # A hostile heading (a line of underscores and spaces) is read in linear time.
    import time

    hostile = "___ x" + " ___" * 50_000 + "y\n" + "t.py:1: in f\n"
    t0 = time.perf_counter()
    guard_line_indices(hostile, line_spans(hostile)[0], "test")
    assert time.perf_counter() - t0 < 30  # no speed target: a quadratic pattern takes hours here


def test_a_heading_naming_things_gone_wrong_keeps_its_list():
    # pyspelling -v: each file's "Misspelled words:" over a rule and one word per line; plain
    # lower-case words carry no must-keep value, so the model alone dropped them.
    words = ["Quickstart", "appropriatly", "cd", "fn", "getpelican", "github", "localhost", "mkdir", "untill"]
    text = ("Using aspell to spellcheck docs\n> Processing: docs/quickstart.rst\nMisspelled words:\n"
            "<context> docs/quickstart.rst\n" + "-" * 80 + "\n" + "\n".join(words) + "\n" + "-" * 80 + "\n")
    lines = text.split("\n")
    got = {lines[i] for i in detail_line_indices(text, line_spans(text)[0], "text").tolist()}
    assert {"appropriatly", "untill", "cd"} <= got
    assert not PROBLEM_HEADING.match("Missing:") and not PROBLEM_HEADING.match("Unknown error in line 3:")


def test_a_nonzero_failure_count_as_a_label_is_critical():
    assert is_critical_line("    [junit] Tests run: 7, Failures: 1, Errors: 0, Skipped: 0, Time elapsed: 0.16 sec")
    assert is_critical_line("Tests run: 7, Failures: 0, Errors: 2, Skipped: 0")
    assert not is_critical_line("    [junit] Tests run: 7, Failures: 0, Errors: 0, Skipped: 0, Time elapsed: 0.16 sec")


def test_an_xml_reports_findings_stay_with_their_element():
    cases = [f'    <testcase classname="t.test_mod" name="test_ok_{i}" time="0.001"/>' for i in range(40)]
    cases[17:17] = ['    <testcase classname="t.test_mod" name="test_partition" time="0.002">',
                    '      <failure message="assert [1, 2] == [1]">def test_partition():',
                    '&gt;       assert list(partition_all(2, [1, 2])) == [[1]]',
                    'E       AssertionError</failure>', '    </testcase>']
    cppcheck = ['<results version="2">', '    <errors>',
                '        <error id="shadowVariable" severity="style" msg="Local variable &apos;item&apos; shadows outer variable">',
                '            <location file="cJSON.c" line="2597" column="12" info="Shadow variable"/>',
                '        </error>', '    </errors>', '</results>']
    text = "\n".join(['<?xml version="1.0"?>', '<testsuites>',
                      '  <testsuite name="pytest" errors="0" failures="1" skipped="0" tests="41">']
                     + cases + ['  </testsuite>', '</testsuites>'] + cppcheck) + "\n"
    lines = text.split("\n")
    kept = {lines[i] for i in guard_line_indices(text, line_spans(text)[0], "text")}
    assert '    <testcase classname="t.test_mod" name="test_partition" time="0.002">' in kept  # what failed
    assert '&gt;       assert list(partition_all(2, [1, 2])) == [[1]]' in kept  # the failure's own lines
    assert '  <testsuite name="pytest" errors="0" failures="1" skipped="0" tests="41">' in kept  # the count
    assert '            <location file="cJSON.c" line="2597" column="12" info="Shadow variable"/>' in kept
    assert not any("test_ok_" in x for x in kept)


def test_a_metric_gone_to_nan_is_critical():
    # A failed fit (GridSearchCV verbose=3) and a diverged training loss: the run's failure, amid progress.
    assert is_critical_line("[CV 1/5] END ..................C=0, kernel=linear;, score=nan total time=   0.0s")
    assert is_critical_line("Iteration 14, loss = nan")
    assert not is_critical_line("[CV 1/5] END ......C=1, gamma=0.001, kernel=rbf;, score=0.994 total time=   0.0s")
    assert not is_critical_line("const id = nanoid(); banana=nano")


def test_a_diagnostic_with_a_column_is_no_grep_hit():
    staticcheck = "\n".join(f"apic.go:{29 + i}:6: func yaml_f{i} is unused (U1000)" for i in range(30)) + "\n"
    assert detect(staticcheck) != "grep"
    hits = "\n".join(f"src/mod{i}.py:{10 + i}:def handler_{i}(request):" for i in range(30)) + "\n"
    assert detect(hits) == "grep"


def test_pytests_explanation_lines_stay_a_dozen_per_failure():
    from kompress.decision.guards import EXPLANATION_LINES

    block = ["    def test_help_text(type, expect):",
             '>       assert option.get_help_extra(context) == {"default": "2", "range": expect}',
             "E       AssertionError: assert {'default': '...e': '1<=x<32'} == {'default': '...': '1<=x<=32'}",
             "E         ", "E         Omitting 1 identical items, use -vv to show", "E         Differing items:",
             "E         {'range': '1<=x<32'} != {'range': '1<=x<=32'}", "", "tests/test_options.py:692: AssertionError"]
    long_diff = ["E       AssertionError: assert [1, 2, 3] == [1, 2, 4]"] + [f"E         - item {i}" for i in range(30)]
    text = "\n".join(["=== FAILURES ===", "___ test_help_text ___"] + block
                     + ["___ test_items ___"] + long_diff + ["", "=== 2 failed, 40 passed in 1.20s ==="]) + "\n"
    lines = text.split("\n")
    kept = {lines[i] for i in guard_line_indices(text, line_spans(text)[0], "test")}
    assert "E         {'range': '1<=x<32'} != {'range': '1<=x<=32'}" in kept and "E         Differing items:" in kept
    assert "E         - item 0" in kept and f"E         - item {EXPLANATION_LINES - 2}" in kept
    assert f"E         - item {EXPLANATION_LINES}" not in kept  # a long diff: its first lines
    assert "    def test_help_text(type, expect):" not in kept


def test_a_finding_labelled_so_and_a_broken_verdict_are_critical():
    assert is_critical_line(">> Problem: [ssrf] Possible SSRF (Server Side Request Forgery) vulnerability.")
    assert is_critical_line("Issue: [B105:hardcoded_password_string] Possible hardcoded password")
    assert is_critical_line("Leaf utility modules are independent BROKEN")
    assert not is_critical_line("Problem statement follows") and not is_critical_line("Web server layers KEPT")
    # A link checker's mark is its frame's alert: hundreds of the same broken links are repeats.
    assert not is_critical_line("├─BROKEN─ http://127.0.0.1:18790/api/auth (HTTP_401)")
    # The match starts on the labelled line, not on a blank line above it.
    text = "Results\n\n>> Problem: [if_is_evil] If is Evil\nSeverity: HIGH\n"
    assert guard_line_indices(text, line_spans(text)[0]).tolist() == [2]


def test_an_expected_value_over_the_value_got_is_an_assertion_in_any_domain():
    text = "[pass] line:66, test:\n[fail] line:67, test:\ntest-record\n -> expected: \"jon\"\n -> obtained: \"john\"\n[pass] line:77, test:\n"
    assert {3, 4} <= set(guard_line_indices(text, line_spans(text)[0], "text").tolist())
    cpputest = "a.cpp:864: error: Failure in TEST(S, Hex)\n\texpected <(0xffff)>\n\tbut was  <(0xFFFF)>\n\tdifference starts at 3\n"
    assert {1, 2} <= set(guard_line_indices(cpputest, line_spans(cpputest)[0], "build").tolist())
    lone = "Settings\n  expected: a value here\n  other: 3\n"
    assert 1 not in guard_line_indices(lone, line_spans(lone)[0], "text").tolist()  # no value got under it


def test_a_failure_brings_the_heading_its_section_opens_with():
    # doctest: a rule, the test case's heading, a blank line, then its failed check.
    block = ["=" * 79, "../test/test_choices.cpp:{n}:", "TEST SUITE: choices", "TEST CASE:  Case {n}", "",
             "../test/test_choices.cpp:{m}: {verdict}", "", "0.000212 s: Case {n}"]
    lines = []
    for n, verdict in ((11, "PASSED"), (38, "FATAL ERROR: REQUIRE( x == 2 ) is NOT correct!"), (59, "PASSED")):
        lines += [b.format(n=n, m=n + 2, verdict=verdict) for b in block]
    text = "\n".join(lines) + "\n"
    got = set(detail_line_indices(text, line_spans(text)[0], "build").tolist())
    assert {9, 10, 11} <= got and not got & {1, 2, 3, 17, 18, 19}
    assert len(detail_line_indices(text, line_spans(text)[0], "log")) == 0  # a log's records are its frame's


def test_the_file_heading_a_block_of_findings_stays_with_them():
    # tsd: a file's place alone on a line, its failure marks under it (two spaces after the mark).
    text = ("  test-d/trim.ts:7:18\n  ✖   7:18  Argument of type \"bar \" is not assignable.\n"
            "  ✖   8:18  Argument of type \"baz \" is not assignable.\n\n"
            "  test-d/camel.ts:20:69\n  ✖  20:69  Argument of type { a: 1 } is not assignable.\n"
            "  Property fooBar is missing in type.\n\n  test-d/clean.ts\n  all good here\n")
    assert is_critical_line("  ✖  20:69  Argument of type { a: 1 } is not assignable.")
    got = set(detail_line_indices(text, line_spans(text)[0], "test").tolist())
    assert {0, 4} <= got and 8 not in got  # a file heading no finding lies under is left to the model
    dots = "FFF...F\n" + "=" * 70 + "\nFAIL: test_basic (tests.T.test_basic)\n"  # unittest's progress, no file
    assert 0 not in detail_line_indices(dots, line_spans(dots)[0], "test").tolist()


def test_a_searchs_matches_stay_and_its_context_is_the_models():
    from kompress.decision.guards import GREP_HITS
    blocks = []
    for i in range(40):
        blocks += [f"lib/URI/m{i}.pm-9-", f"lib/URI/m{i}.pm:10:sub default_port {{ {100 + i} }}", f"lib/URI/m{i}.pm-11-", "--"]
    text = "\n".join(blocks) + "\n"
    assert detect(text) == "grep"
    got = set(guard_line_indices(text, line_spans(text)[0], "grep").tolist())
    assert got == {4 * i + 1 for i in range(40)}  # every match, no context line
    many = "\n".join(f"src/a{i}.c:{i + 1}:#define X {i}" for i in range(GREP_HITS + 50)) + "\n"
    assert len(guard_line_indices(many, line_spans(many)[0], "grep")) == GREP_HITS  # bounded


def test_tex_errors_and_where_they_are_stay(shipped_compressor):
    # A TeX run prints its errors as "! message" with the source line as "l.N ..." under it,
    # amid pages of font and box chatter.
    log = ["This is XeTeX, Version 3.141592653-2.6-0.999994 (TeX Live 2022/Debian) (preloaded format=xelatex)",
           " restricted \\write18 enabled.", "entering extended mode"]
    for k in range(60):
        log.append(f"(/usr/share/texlive/texmf-dist/tex/latex/tools/pkg{k}.sty")
        log.append(f"Package pkg{k} Info: option set on input line {k + 12}.)")
        if k == 20:
            log += ["! Number too big.", "<to be read again>", "                   }", "l.53 \\label{fig:inline}}", ""]
        if k == 40:
            log += ["! Dimension too large.", "<recently read> \\dimen@", "l.88 \\setlength{\\gap}{99999pt}", ""]
        log.append(f"Overfull \\hbox ({k}.5pt too wide) in paragraph at lines {k * 3}--{k * 3 + 2}")
    log += ["Output written on thesis.pdf (42 pages).", "Transcript written on thesis.log."]
    text = "\n".join(log) + "\n"
    r = shipped_compressor.compress(text)
    for line in ("! Number too big.", "l.53 \\label{fig:inline}}", "! Dimension too large.", "l.88 \\setlength{\\gap}{99999pt}"):
        assert line in r.text.splitlines(), line
        assert is_critical_line(line), line
    for line in ("<to be read again>", "Package pkg3 Info: option set on input line 15.)", "! see the transcript above"):
        assert not is_critical_line(line), line


def test_a_failed_doctests_example_expected_and_got_stay(shipped_compressor):
    # doctest -v: hundreds of passing examples, then one failure whose example, expected and
    # actual values sit indented under their headings.
    lines = []
    for k in range(80):
        lines += ["Trying:", f"    list(chunked(range({k}), 3))", "Expecting:", f"    [[0, 1, 2], [{k}]]", "ok"]
    fail = ["**********************************************************************",
            'File "/src/more_itertools/recipes.py", line 363, in recipes.grouper', "Failed example:",
            "    list(grouper('ABCDEFG', 3, incomplete='fill', fillvalue='x'))", "Expected:",
            "    [('A', 'B', 'C'), ('D', 'E', 'F'), ('G', 'y', 'y')]", "Got:",
            "    [('A', 'B', 'C'), ('D', 'E', 'F'), ('G', 'x', 'x')]"]
    lines[200:200] = fail
    lines += ["1 items had failures:", "   1 of 400 in recipes.grouper", "***Test Failed*** 1 failures."]
    text = "\n".join(lines) + "\n"
    critical = set(guard_line_indices(text, line_spans(text)[0]).tolist())
    assert {203, 205, 207} <= critical
    out = shipped_compressor.compress(text).text.splitlines()
    assert all(x in out for x in fail[1:]), [x for x in fail if x not in out]


def test_an_errors_neighbours_naming_its_file_stay():
    # pybabel compile --statistics: each catalog's statistics, then its error, then "compiling".
    lines = []
    for lang in ("pl", "gl", "de", "fa", "ja", "ca"):
        path = f"sphinx/locale/{lang}/LC_MESSAGES/sphinx.po"
        lines.append(f"{len(lang) * 100} of 869 messages translated in {path}")
        if lang in ("de", "ja"):
            lines.append(f"error: {path}:2790: unknown named placeholder 'zuletzt'")
        lines.append(f"compiling catalog {path} to {path[:-3]}.mo")
    text = "\n".join(lines) + "\n"
    got = set(guard_line_indices(text, line_spans(text)[0], "build").tolist())
    assert {4, 5, 6, 9, 10, 11} <= got  # de's and ja's statistics, error and compiling lines
    assert not got & {0, 1, 2, 3, 7, 8, 12, 13}  # the other catalogs are the model's
    other = "w\nx\ny\nz\n1 of 9 translated in a/b/x.po\nerror: a/b/y.po:3: bad\n"  # another file: not about it
    assert set(guard_line_indices(other, line_spans(other)[0], "build").tolist()) == {5}


def test_a_located_records_heading_stays_with_its_place():
    # pofilter: each finding heads its record, then the place ("#: config.py:374"), then the entry.
    rec = ["# (pofilter) printf: Different number of printf variables", "#: config.py:374", "#, python-format",
           "msgid \"'%s' must be '0' or '1', got '%s'\"", "msgstr \"'%s' doit être '0' ou '1'\"", ""]
    text = "\n".join(["Generated-By: Babel 2.17.0", ""] + rec * 3) + "\n"
    got = set(guard_line_indices(text, line_spans(text)[0], "text").tolist())
    assert {2, 3, 8, 9, 14, 15} <= got and not got & {4, 5, 6}
    far = "a\nb\nc\nd\nsee config.py:374\n"  # a record starting over three lines above: no heading
    assert set(guard_line_indices(far, line_spans(far)[0], "text").tolist()) == {4}


def test_a_heading_over_failed_lines_and_a_notebook_cells_frame_stay():
    text = ("-" * 40 + "\nPerformance has regressed:\n\ttest_parse (0001) - Field 'min' has failed "
            "PercentageRegressionCheck: 524.7 > 50.0\n" + "-" * 40 + "\nOptions:\n  -v  verbose\n")
    got = set(guard_line_indices(text, line_spans(text)[0], "test").tolist())
    assert 1 in got and 4 not in got  # a heading over nothing failing is the model's
    ipy = ("ValueError                                Traceback (most recent call last)\nCell In[6], line 13\n"
           "     12 \n---> 13 u, v, w = forceA + forceB + R\n     14 d3.quiver(x, y, z, u, v, w)\n\n"
           "ValueError: operands could not be broadcast together\n")
    assert {1, 3} <= set(guard_line_indices(ipy, line_spans(ipy)[0], "traceback").tolist())


def test_a_faulthandler_timeout_dump_keeps_each_thread_and_its_innermost_frame():
    stack = ['  File "/usr/lib/python3.11/threading.py", line 327 in wait',
             '  File "/src/proj/loader.py", line 29 in fetch', '  File "/usr/lib/python3.11/threading.py", line 1002 in _bootstrap']
    text = "Timeout (0:00:05)!\n" + "".join(f"Thread 0x00007f06{k:08x} (most recent call first):\n" + "\n".join(stack) + "\n\n"
                                            for k in range(4))
    got = set(guard_line_indices(text, line_spans(text)[0], "traceback").tolist())
    assert {1 + 5 * k for k in range(4)} | {2 + 5 * k for k in range(4)} <= got


def test_each_test_that_timed_out_stays_over_its_dump():
    # pytest -v prints a test's id, then faulthandler's "Timeout (0:00:01)!" on the same line and
    # the thread's dump under it; the run goes on with "PASSED" ending that line.
    dump = ["Thread 0x00007f3ef2e2ab80 (most recent call first):",
            '  File "/src/proj/more_itertools/more.py", line 3340 in map_reduce',
            '  File "/src/proj/tests/test_more.py", line 3910 in test_x', "PASSED                  [ 52%]"]
    lines = ["tests/test_more.py::T::test_a PASSED [ 51%]"]
    for name in ("test_default", "test_reducefunc", "test_ret"):
        lines += [f"tests/test_more.py::MapReduceTests::{name} Timeout (0:00:01)!"] + dump
    text = "\n".join(lines) + "\n"
    got = set(guard_line_indices(text, line_spans(text)[0], "test").tolist())
    assert {1, 6, 11} <= got and 0 not in got
    assert not {5, 10} & got  # (nor the "PASSED" the run went on with)


def test_a_tap_failures_own_comment_lines_stay():
    # cmocka's TAP: what differed, then where, as comments under "not ok"; a passing test's
    # comments and a failure's seventh comment line are the model's.
    text = ("ok 1 - test_a\n# note on a pass\nnot ok 2 - test_uint16\n# difference at offset 1 0xffffffe8 0x03\n"
            "# difference at offset 2 0x03 0xffffffe8\n# 2 bytes of 0x55da and 0x7ffe differ\n"
            "# /src/test/t.c:48: error: Failure!\nok 3 - test_b\nnot ok 4 - test_c\n"
            + "".join(f"# line {k}\n" for k in range(7)))
    got = set(guard_line_indices(text, line_spans(text)[0], "test").tolist())
    assert {3, 4, 5, 6} <= got and {9, 10, 11, 12, 13, 14} <= got
    assert 1 not in got and 15 not in got


def test_a_doctest_checks_values_and_logged_input_stay():
    text = ("tests/basictest.cpp:987: ERROR: CHECK_EQ( result.ptr, str.data() + str.size() ) is NOT correct!\n"
            "  values: CHECK_EQ( 0x55c53a774f50, 0x55c53a774f55 )\n  logged: str(char8)=INFINITY\n"
            "  expected=inf (inf)\n  ..actual=inf (inf)\n\n")
    got = set(guard_line_indices(text, line_spans(text)[0], "build").tolist())
    assert {0, 1, 2} <= got and 3 not in got


def test_a_failed_assert_statement_brings_the_values_under_it():
    # nbval: the cell's expected and actual outputs, a blank line under the failed assert.
    text = ("Traceback:\n mismatch 'stdout'\n\n assert reference_output == test_output failed:\n\n"
            "  '8  5  6  5' == '2  3  3  7'\n  \n  - 2  3  3  7\n  + 8  5  6  5\n")
    assert is_critical_line(" assert reference_output == test_output failed:")
    assert 5 in detail_line_indices(text, line_spans(text)[0], "test").tolist()  # (a blank line ends the block)


def test_a_record_labelled_fail_is_critical():
    # dredd: "fail: <request>" per failed transaction, and "fail: body: ..." for what failed in it.
    assert is_critical_line("fail: body: At '/has_password' Invalid type: string (expected boolean)")
    assert is_critical_line("fail: GET (200) /api/me duration: 218ms")
    assert not is_critical_line("failover: standby ready") and not is_critical_line("pass: GET (404) /api/users/9")


def _stock_records(n: int, lacking: set[int]) -> list[str]:
    """A listing of ``n`` records under one kind of head, each with indented fields; the records
    in ``lacking`` have no ``LOCATION`` line."""
    lines = ["Inventory export of warehouse west-2", ""]
    for i in range(n):
        lines += [f"Item(stock):{i}", f"  SKU (String) = W2-{4000 + 7 * i}", f"  QTY (Integer) = {(i * 37) % 90}",
                  f"  PRICE (Real) = {3.5 + i % 9:.2f}"]
        if i not in lacking:
            lines.append(f"  LOCATION : aisle {i % 12}, bay {i % 5}")
        lines.append("")
    return lines


def test_a_record_missing_a_field_its_siblings_have_stays(shipped_compressor):
    # ogrinfo -al: the feature whose geometry could not be read has every field but its
    # ``POLYGON : 31 points``; among 100 alike it is the one an agent looks for.
    from kompress.decision.guards import OUTLIER_MAX_SHARE, incomplete_record_indices

    lines = _stock_records(60, {23, 41})
    text = "\n".join(lines) + "\n"
    kept = set(guard_line_indices(text, line_spans(text)[0], "text").tolist())
    heads = [lines.index(f"Item(stock):{i}") for i in (23, 41)]
    assert {h + k for h in heads for k in range(4)} <= kept
    assert lines.index("Item(stock):30") not in kept
    out = shipped_compressor.compress(text).text.splitlines()
    assert all(lines[h + k] in out for h in heads for k in range(4))
    # Where many records lack it, the field comes and goes: no record is an exception.
    many = set(range(0, 60, 60 // (int(OUTLIER_MAX_SHARE * 60) + 2)))
    assert incomplete_record_indices(_stock_records(60, many)) == []
    # Too few records to say what they all have.
    assert incomplete_record_indices(_stock_records(8, {3})) == []


def test_a_solvers_verdict_is_critical(shipped_compressor):
    # HiGHS: "Presolve: Infeasible" and "Model status: Infeasible" are the answer to "did it solve".
    for line in ("Model status: Infeasible", "Presolve: Infeasible", "PROBLEM HAS UNBOUNDED SOLUTION",
                 "CpSolverResponse status: INFEASIBLE", "LP relaxation is unbounded", "Infeasibility row 'c12'"):
        assert is_critical_line(line), line
    assert not is_critical_line("Model status: Optimal") and not is_critical_line("feasible solution found")
    lines = ["Running HiGHS 1.8.0: Copyright (c) 2024 HiGHS under MIT licence terms",
             "MIP shop has 91 rows; 104 cols; 266 nonzeros"]
    lines += [f"Coefficient ranges row {i}: [1e+00, {i}e+02]" for i in range(40)]
    lines += ["Presolving model", "Presolve: Infeasible", ""]
    lines += [f"     {i * 10:>5}     0       0   0.00%   {-i * 1.5:.2f}   inf   inf   0 0 0   {i * 3}   0.1s" for i in range(40)]
    lines += ["", "Model status: Infeasible", "Running elasticity filter", "Solving report", "  Status  Infeasible"]
    out = shipped_compressor.compress("\n".join(lines) + "\n").text.splitlines()
    assert "Presolve: Infeasible" in out and "Model status: Infeasible" in out


def test_zigs_first_difference_keeps_its_expected_and_found_text(shipped_compressor):
    lines = [f"[{i}/40] compile lib{i}.zig Debug native cached {i}ms" for i in range(40)]
    lines += ["error: 'fmt.test.render' failed:", "       ====== expected this output: =========",
              *[f"           line {k} of the expected text" for k in range(30)],
              "       ======================================", "       First difference occurs on line 2:",
              "       expected:", "                   Short flag.", "                 ^ ('\\x20')", "       found:",
              "                 Short flag.", "                 ^ ('\\x53')",
              "       /src/proj/fmt.zig:1612:5: 0x1278ba1 in testRender (fmt.zig)", "",
              "Build Summary: 1/3 steps succeeded (1 failed); 25/27 tests passed (2 failed)"]
    assert is_critical_line("       First difference occurs on line 2:")
    out = shipped_compressor.compress("\n".join(lines) + "\n").text.splitlines()
    k = lines.index("       First difference occurs on line 2:")
    assert all(x in out for x in lines[k:k + 7])


def test_a_numbered_diff_keeps_its_changed_lines_and_their_files(shipped_compressor):
    # deno fmt --check: each unformatted file under "from <path>:", its lines as "N | -" / "N | +".
    lines = [f"Checked {i} files in src/pkg{i}" for i in range(60)]
    blocks = {"/src/proj/README.md": ["16 | -* [Package list](https://jsr.io/@std)", "16 | +- [Package list](https://jsr.io/@std)"],
              "/src/proj/bytes/concat.ts": ["26 | -  for (const b of bufs) { n += b.length; }",
                                            "26 | +  for (const b of bufs) n += b.length;", "   | ...", "34 | -"]}
    for path, rows in blocks.items():
        lines += ["", f"from {path}:", *rows, ""]
    lines += ["error: Found 2 not formatted files in 1246 files"]
    out = shipped_compressor.compress("\n".join(lines) + "\n").text.splitlines()
    for path, rows in blocks.items():
        assert f"from {path}:" in out and all(r in out for r in rows if "| -" in r or "| +" in r)
    # A code frame's numbered lines are no diff: without both signs, nothing is held for it.
    from kompress.decision.guards import _numbered_changes
    frame = "error[E0308]: mismatched types\n  12 | - item: one\n  13 |   other\n"
    assert _numbered_changes(frame, line_spans(frame)[0]) == []


def test_denos_assertion_diff_keeps_its_changed_lines(shipped_compressor):
    lines = [f"chunk() handles case {i} ... ok (0ms)" for i in range(80)]
    lines += ["invertBy() handles duplicate values => ./collections/invert_by_test.ts:28:6",
              "error: AssertionError: Values are not equal.", "", "", "    [Diff] Actual / Expected", "", "",
              "    {", "      x: [", *[f'        "k{i}",' for i in range(30)], '+       "a",', '        "b",', "      ],",
              *[f'      z{i}: {i},' for i in range(30)], '-     y: [ "c" ],', "    }", "", "",
              "  throw new AssertionError(message);", "        ^",
              "    at assertEquals (file:///src/proj/assert/equals.ts:67:9)", "", "FAILED | 80 passed | 1 failed (2s)"]
    text = "\n".join(lines) + "\n"
    held = set(guard_line_indices(text, line_spans(text)[0], "test").tolist())
    assert {lines.index('+       "a",'), lines.index('-     y: [ "c" ],')} <= held
    assert lines.index('        "b",') not in held  # context lines are the model's
    out = shipped_compressor.compress(text).text.splitlines()
    assert '+       "a",' in out and '-     y: [ "c" ],' in out


def test_pips_conflict_keeps_the_requirements_that_conflict(shipped_compressor):
    lines = [f"Collecting pkg{i}==1.{i} (from -r requirements.txt (line {i}))" for i in range(40)]
    lines += [f"  Using cached pkg{i}-1.{i}-py3-none-any.whl (12 kB)" for i in range(40)]
    lines += ["INFO: pip is looking at multiple versions of flask to determine which version is compatible.",
              "ERROR: Cannot install -r requirements.txt (line 1) and werkzeug<1.0 because these package versions "
              "have conflicting dependencies.", "", "The conflict is caused by:", "    The user requested werkzeug<1.0"]
    why = [f"    flask 3.{k}.{j} depends on Werkzeug>=3.{k}.0" for k in range(2) for j in range(4)]
    why += [f"    flask 2.{k}.0 depends on Werkzeug>=2.{k}.0" for k in range(3, 0, -1)]
    lines += why + ["", "To fix this you could try to:", "1. loosen the range of package versions you've specified",
                    "2. remove package versions to allow pip to attempt to solve the dependency conflict", "",
                    "ERROR: ResolutionImpossible: for help visit https://pip.pypa.io/en/latest/topics/dependency-resolution/"]
    text = "\n".join(lines) + "\n"
    held = set(detail_line_indices(text, line_spans(text)[0], "build").tolist())
    assert {lines.index(w) for w in why} | {lines.index("The conflict is caused by:")} <= held
    out = shipped_compressor.compress(text).text.splitlines()
    assert "The conflict is caused by:" in out and all(w in out for w in why)


def test_progress_marks_with_a_failure_are_critical_and_a_plain_ellipsis_is_not(shipped_compressor):
    # ufolint's "[*.plist spec] .F....": the F is the failed check, the dots its passes.
    for line in ["[*.plist spec] .F............................................ ",
                 "tests/test_a.py ..F..E.  [ 40%]", " - a.ufo/glyphs  ......F....F.   56 .glif tests completed"]:
        assert is_critical_line(line), line
    for line in ["Wait...", "E... and F... are letters", "...sss...", "OK ......"]:
        assert not is_critical_line(line), line
    lines = [f"[check {i:02d} files] {'.' * 40} " for i in range(30)]
    lines[17] = "[*.plist spec] .F" + "." * 38 + " "
    out = shipped_compressor.compress("\n".join(lines) + "\nDone\n").text.splitlines()
    assert lines[17] in out


def test_a_list_closing_the_output_stays_under_its_heading(shipped_compressor):
    # 2to3 -v: per-file chatter, then "Files that need to be modified:" over one file per line, then its error.
    from kompress.decision.guards import closing_list_indices

    files = [f"./pkg/mod{i:02d}.py" for i in range(27)]
    lines = []
    for f in files:
        lines += [f"RefactoringTool: Refactoring {f}", f"RefactoringTool: Refactored {f}",
                  f"RefactoringTool: Not writing changes to {f}"]
    lines += ["RefactoringTool: Files that need to be modified:", *[f"RefactoringTool: {f}" for f in files],
              "RefactoringTool: There was 1 error:",
              "RefactoringTool: Can't parse ./pkg/weather.py: ParseError: bad input: type=1, value='lat'"]
    held = closing_list_indices(lines)
    assert held[0] == lines.index("RefactoringTool: Files that need to be modified:") and len(held) == 1 + 27  # (its own "There was 1 error:" heads the next)
    out = shipped_compressor.compress("\n".join(lines) + "\n").text.splitlines()
    assert all(f"RefactoringTool: {f}" in out for f in files)
    # A heading whose list is followed by much more output closes nothing.
    assert closing_list_indices(lines[-30:] + [f"step {i} done" for i in range(20)]) == []
    # Nor does code: a ``def`` line's body is no list.
    code = [f"x{i} = {i}" for i in range(40)]
    assert closing_list_indices(code + ["def f(a):", "    return a", "    # two", "    # three"]) == []
    assert closing_list_indices(code + ["Done:", "    return a", "    # two", "    # three"]) != []  # (the same, no code)
    # Nor a short output: the model and the other rules decide its few lines.
    assert closing_list_indices(["Files that need to be modified:", "  a.py", "  b.py", "  c.py"]) == []


def test_a_java_deadlock_report_keeps_its_cycle(shipped_compressor):
    threads = []
    for i in range(20):
        threads += [f'"worker-{i}" #{i + 10} prio=5 os_prio=0 tid=0x00007f22c81{i:05x} nid=0x{i + 4000:x} waiting on condition',
                    "   java.lang.Thread.State: WAITING (parking)", "\tat jdk.internal.misc.Unsafe.park(Native Method)",
                    "\tat java.util.concurrent.ThreadPoolExecutor.getTask(ThreadPoolExecutor.java:1062)", ""]
    cycle = ['"http-worker-12":', "  waiting for ownable synchronizer 0x00000000fc08cf98, (a java.util.concurrent.locks.ReentrantLock$NonfairSync),",
             '  which is held by "scheduler-20"', "", '"scheduler-20":',
             "  waiting for ownable synchronizer 0x00000000fc08cfc8, (a java.util.concurrent.locks.ReentrantLock$NonfairSync),",
             '  which is held by "http-worker-12"', ""]
    lines = threads + ["Found one Java-level deadlock:", "=============================", *cycle,
                       "Java stack information for the threads listed above:", "===================================================",
                       '"http-worker-12":', "\tat jdk.internal.misc.Unsafe.park(Native Method)", "", "Found 1 deadlock.", ""]
    assert is_critical_line("Found one Java-level deadlock:") and is_critical_line("ERROR:  deadlock detected")
    out = shipped_compressor.compress("\n".join(lines)).text.splitlines()
    assert "Found one Java-level deadlock:" in out and all(x in out for x in cycle if x)


def test_a_scanners_finding_in_a_repeated_request_record_stays(shipped_compressor):
    # wapiti -v2: one "[+] GET ..." record per request; a finding prints under its request between "---" lines.
    lines = ["[*] Launching module sql"]
    for i in range(60):
        lines.append(f"[+] GET http://127.0.0.1:5002/album?id={i} (1)")
        if i in (20, 40):
            lines += ["---", "Received a HTTP 500 error in http://127.0.0.1:5002/album", "Evil request:",
                      f"    GET /album?id={i}%27 HTTP/1.1", "---"]
        if i == 30:
            lines += ["---", "SQL Injection (DMBS: SQLite) in http://127.0.0.1:5002/artist via injection in the parameter id",
                      "Evil request:", "    GET /artist?id=1%C2%BF%27%22%28 HTTP/1.1", "---"]
    lines += ["", "A report has been generated in the file /src/proj/wapiti.json"]
    assert is_critical_line("[INFO] GET parameter 'id' is vulnerable. Do you want to keep testing the others?")
    assert not is_critical_line("Spring wires its beans by dependency injection")
    out = shipped_compressor.compress("\n".join(lines) + "\n").text.splitlines()
    assert "SQL Injection (DMBS: SQLite) in http://127.0.0.1:5002/artist via injection in the parameter id" in out


def test_the_line_above_a_crash_stays_even_as_a_repeated_log_record(shipped_compressor):
    # peewee's DEBUG log: one logged query per lookup; the last one (node 'f') found no row and the
    # traceback follows. As a repeat of its record it collapsed; it is what the program was doing.
    lines = ["('CREATE TABLE IF NOT EXISTS \"node\" (\"name\" TEXT NOT NULL PRIMARY KEY)', [])"]
    for i, name in enumerate("abcdeabcdeabcdeabcdeabcdeabcde"):
        lines.append(f"('SELECT \"t1\".\"name\" FROM \"node\" AS \"t1\" WHERE (\"t1\".\"name\" = ?) LIMIT ? OFFSET ?', ['{name}', 1, {i}])")
    last = "('SELECT \"t1\".\"name\" FROM \"node\" AS \"t1\" WHERE (\"t1\".\"name\" = ?) LIMIT ? OFFSET ?', ['f', 1, 0])"
    lines += [last, "Traceback (most recent call last):", '  File "/src/proj/examples/graph.py", line 97, in <module>',
              "    print_path(Node['a'], Node['f'])", "NodeDoesNotExist: <Model: Node> instance matching query does not exist:"]
    text = "\n".join(lines) + "\n"
    starts = line_spans(text)[0]
    assert len(lines) - 5 in detail_line_indices(text, starts, "log").tolist()
    out = shipped_compressor.compress(text).text.splitlines()
    assert last in out and any(MARKER_RE.match(x) for x in out)
    # Not a separator, nor a crash header of its own (a chained traceback's line above is its error).
    rule = "----------------------------------------------------------------------\nTraceback (most recent call last):\n"
    assert detail_line_indices(rule, line_spans(rule)[0], "test").tolist() == []


def test_a_record_of_fields_stays_whole_or_goes_whole():
    from kompress.decision.guards import record_mates
    lines = ["== Warnings ==", "", "Confidence: High", "Category: Redirect", "Check: Redirect",
             "Message: Possible unprotected redirect", "Code: redirect_to(params[:return_to])",
             "File: app/controllers/login_controller.rb", "Line: 18", "",
             "Confidence: Weak", "Category: SQL Injection", "Code: User.where(x)", "",
             "The scan found problems in these files and said so", "in a paragraph of three", "lines of prose"]
    kept = np.zeros(len(lines), dtype=bool)
    kept[[7, 8, 12, 14]] = True  # File and Line of the first record, Code of the second, one prose line
    mates = record_mates(lines, kept)
    assert mates[2:9].all() and mates[10:13].all()
    assert not mates[[0, 1, 9, 13, 15, 16]].any()  # not a heading, blank lines, nor prose around a kept line
    assert not record_mates(lines, np.zeros(len(lines), dtype=bool)).any()  # no kept line, nothing brought


def test_a_tools_located_finding_between_its_patches_stays_in_a_diff():
    # spatch --sp-file over a tree: a finding line among HANDLING lines, then its patches.
    lines = ["init_defs_builtins: /usr/lib/coccinelle/standard.h"]
    lines += [f"HANDLING: src/mod_{i}.c" for i in range(30)]
    lines.insert(12, "src/mod_ssi.c:86:19-23: use of 'hctx' after free() at line 85")
    lines += ["diff -u -p a/mod_webdav.c b/mod_webdav.c", "--- a/mod_webdav.c", "+++ b/mod_webdav.c",
              "@@ -4152,8 +4152,7 @@ webdav_has_lock (request_st * const r,",
              "     webdav_lock_activelocks(pconf, uri, 1,", "-    if (NULL != cbdata.tokens)",
              "-        free(cbdata.tokens);", "+    free(cbdata.tokens);", " ", "     int has_lock = 1;"]
    text = "\n".join(lines) + "\n"
    assert detect(text) == "diff"
    found = guard_line_indices(text, line_spans(text)[0], "diff").tolist()
    assert 12 in found
    from kompress.decision.guards import _OUTSIDE_HUNK
    assert not any(_OUTSIDE_HUNK.match(x) for x in (" see lock.c line 40", "+a.c:3:1: x", "-b.c line 2", "@@ -1 +1 @@",
                                                    "diff --git a/x.c b/x.c", "index 3f2a..9e1b 100644"))


def test_dated_rows_are_no_grep_context_and_a_capitalized_level_is_a_diagnostic():
    # hledger's register: "2012-01-04 Goba Goba | ..." is no path-2012 context line of grep -C.
    reg = "\n".join(f"2012-01-{d:02d} Shop {d} | Eating out        Expenses:Food:Restaurant     {d}.50 USD   {d * 10}.00 USD"
                    for d in range(1, 29)) + "\n"
    assert detect(reg) != "grep"
    # gdlint's findings name their level capitalized: a linter's report, not grep hits.
    lint = "\n".join(f"./2d/game/player_{i}.gd:{i + 3}: Error: Max allowed line length (100) exceeded (max-line-length)"
                     for i in range(20)) + "\n"
    assert detect(lint) != "grep"
    hits = "\n".join(f"src/app_{i}.py:{i + 3}:    return handle(error)" for i in range(20)) + "\n"
    assert detect(hits) == "grep"  # grep hits are still grep hits


def test_a_settings_dump_of_key_equals_value_lines_is_one_record():
    from kompress.decision.guards import record_mates
    lines = ["loaded user configuration file msmtprc", "using account company from msmtprc"]
    lines += [f"setting_{i} = {'on' if i % 3 else '(not set)'}" for i in range(40)]
    lines += ["", "reading recipients from the command line"]
    kept = np.zeros(len(lines), dtype=bool)
    kept[[5, 43]] = True
    mates = record_mates(lines, kept)
    assert mates[:42].all() and not mates[43]
    long = [f"setting_{i} = on" for i in range(60)]  # a long dump is no record: its lines go on their own
    kept_long = np.zeros(60, dtype=bool)
    kept_long[3] = True
    assert not record_mates(long, kept_long).any()


def test_a_github_actions_annotation_is_critical():
    lines = ["eco\tname\tpgn"] + [f"E{i:02d}\tOpening {i}\t1. d4 Nf6" for i in range(10)]
    lines.insert(5, "::error file=e.tsv,line=40::illegal san: 'Bh6' in rnbqkb1r/p2p1ppp/5n2")
    lines.insert(8, "::warning file=e.tsv,line=44::name not ordered")
    text = "\n".join(lines) + "\n"
    found = guard_line_indices(text, line_spans(text)[0], "text").tolist()
    assert 5 in found and 8 in found and 4 not in found


def test_the_code_a_caret_points_at_under_an_error_stays():
    # Nix's evaluation error: the code line its caret points at, in the first frame under it.
    lines = ["error: attempt to call something which is not a function but a string", "",
             "       at /src/proj/lib/strings.nix:693:9:", "",
             "          692|       if sufLen <= sLen && suffix == substring (sLen - sufLen) sufLen str then",
             "          693|         substring 0 (sLen - sufLen) suffix str",
             "             |         ^", "          694|       else", "",
             "       … while evaluating anonymous lambda", "",
             "       at /src/proj/lib/trivial.nix:789:50:", "",
             "          789|   warnIf = cond: msg: if cond then warn msg else x: x;",
             "             |                                                  ^"]
    text = "\n".join(lines) + "\n"
    found = guard_line_indices(text, line_spans(text)[0], "build").tolist()
    assert 5 in found and 6 not in found  # the code (its bare caret says nothing)
    assert 4 not in found and 13 not in found  # not the context above, nor a caller's frame


def test_a_messages_own_lines_around_an_error_stay():
    def kept(text: str, domain: str = "build") -> list[str]:
        lines = text.split("\n")
        return [lines[i] for i in guard_line_indices(text, line_spans(text)[0], domain).tolist()]

    # pip's warning goes on under it, indented to where its words begin: those lines are its own.
    text = ("running build_ext\nbuilding 'pvectorc' extension\n" + "".join(f"copying f{i}.py\n" for i in range(5))
            + "WARNING: Could not build the pvectorc extension module.\n"
            "         Pyrsistent will still work but performance may be degraded.\n"
            "         The output above this warning shows how the compilation failed.\n"
            "installing to build/bdist.linux-x86_64/wheel\n    unrelated indented line\n")
    got = kept(text)
    assert "         Pyrsistent will still work but performance may be degraded." in got
    assert "    unrelated indented line" not in got and "installing to build/bdist.linux-x86_64/wheel" not in got
    # A build step's fenced banner over an error names the project it is in (premake's makefiles).
    text = ("==== Building core (debug) ====\ncore.cc\n==== Building app (debug) ====\napp.cc\n"
            "app.cc:138:32: error: no matching function for call to 'Load'\nmake: *** [Makefile:17: app] Error 2\n")
    got = kept(text)
    assert "==== Building app (debug) ====" in got and "==== Building core (debug) ====" not in got
    # An exception's multi-line message (lark's 55 collisions): each line saying what its first
    # says, of another terminal, is one of what it is about; the rules under them are not.
    msgs = [f"Reduce/Reduce collision in Terminal('{t}') between the following rules: \n\t- <name : NAME>\n\t- <atom : NAME>"
            for t in ("CIRCUMFLEX", "AMPERSAND", "EQUAL", "STAR")]
    text = ('Traceback (most recent call last):\n  File "x.py", line 3, in <module>\n    main()\n'
            "lark.exceptions.GrammarError: " + "\n\n".join(msgs) + "\n")
    got = kept(text, "traceback")
    assert all(f"Reduce/Reduce collision in Terminal('{t}') between the following rules: " in got
               for t in ("AMPERSAND", "EQUAL", "STAR"))
    # Node's error object under a stack: its top-level fields are what the error carries.
    text = ("Error: Syntax error at line 11 col 3:\n    at Parser.feed (/p/nearley.js:343:27)\n"
            "    at node:internal/main/run_main_module:28:49 {\n  offset: 55,\n  token: {\n    type: '}',\n"
            "    value: '}'\n  }\n}\n\nNode.js v20.20.2\n")
    got = kept(text, "traceback")
    assert "  offset: 55," in got and "  token: {" in got


def test_git_greps_function_lines_are_where_its_hits_are():
    text = "\n".join(["build.c=284=jobstart(struct job *j, struct edge *e)", "build.c-285-{",
                      "build.c:288:\tstruct string *rspfile, *content;", "build.c-289-\tint fd[2], outfd;", "--",
                      "parse.c=32=parserule(struct scanner *s)", "parse.c-33-{", "parse.c:49:\telse if (x)"]) + "\n"
    lines = text.split("\n")
    got = [lines[i] for i in guard_line_indices(text, line_spans(text)[0], "grep").tolist()]
    assert {"build.c=284=jobstart(struct job *j, struct edge *e)", "parse.c=32=parserule(struct scanner *s)"} <= set(got)
    assert "build.c-289-\tint fd[2], outfd;" not in got


def test_a_word_diffs_changed_lines_are_its_changes():
    # git diff --word-diff: the changes are marked inside lines, none starts with + or -.
    text = ("diff --git a/src/tomli/_re.py b/src/tomli/_re.py\nindex 1a2b3c4..5d6e7f8 100644\n--- a/src/tomli/_re.py\n"
            "+++ b/src/tomli/_re.py\n@@ -40,7 +40,7 @@ def is_unicode_scalar_value(codepoint: int) -> bool:\n"
            "    \"\"\"Check.\"\"\"\n    x = values[-1]\n"
            "    return (0 <= codepoint <= 55295) or [-(57344-]{+(55296+} <= codepoint <= 1114111)\n"
            "RE_LOCALTIME: Final = [-re.compile(_TIME_RE_STR)-]{+re.compile(_TIME_RE_STR, flags=re.VERBOSE)+}\n"
            "    pos = {+skip_comments(src, pos)+}\n    return pos\n")
    lines = text.split("\n")
    got = {lines[i] for i in guard_line_indices(text, line_spans(text)[0], "diff").tolist()}
    assert {lines[7], lines[8], lines[9]} <= got
    assert "    x = values[-1]" not in got and "    return pos" not in got


def test_a_logs_slowest_statements_stay():
    from kompress.decision.frame import template_frame

    stmts = ["SELECT c.category_name, sum(od.unit_price) FROM categories c JOIN order_details od USING (id)",
             "SELECT cu.country, count(*) FROM customers cu GROUP BY cu.country", "SELECT 1", "SELECT now()"]
    lines = [f"2026-12-07 04:23:{10 + k:02d}.{k:03d} UTC [27595] postgres@northwind LOG:  duration: "
             f"{[0.412, 6.014, 0.388, 3.969, 0.251, 0.9, 2.67, 0.3][k % 8] + k / 1000:.3f} ms  statement: {stmts[k % 4]}"
             for k in range(40)]
    f = template_frame(lines)
    ms = [float(x.split("duration: ")[1].split()[0]) for x in lines]
    top = sorted(range(len(lines)), key=lambda i: -ms[i])[:3]
    assert all(f.keep[i] and not f.repeat[i] for i in top)


def test_a_teamcity_failed_test_and_a_failures_reason_are_critical(shipped_compressor):
    # phpunit --teamcity: a failed test is one service message holding its name, its message, its
    # file:line and both values; among sixty passes it was dropped with them.
    def started(i: int) -> str:
        return (f"##teamcity[testStarted name='test_{i}' locationHint='php_qn:///src/test/ParserTest.php::"
                f"\\ParserTest::test_{i}' flowId='77']\n\n##teamcity[testFinished name='test_{i}' duration='0' flowId='77']\n\n")
    failed = ("##teamcity[testFailed name='test_20' message='Failed asserting that two strings are equal.' "
              "details=' /src/test/ParserTest.php:58|n ' type='comparisonFailure' actual='<h1>closed #</h1>' "
              "expected='<h1>closed</h1>' flowId='77']")
    text = ("".join(started(i) for i in range(20)) + failed + "\n\n" + "".join(started(i) for i in range(21, 60))
            + "FAILURES!\nTests: 60, Assertions: 60, Failures: 1.\n")
    assert is_critical_line(failed) and not is_critical_line("##teamcity[testFinished name='test_3' duration='0']")
    assert failed in shipped_compressor.compress(text).text.split("\n")
    # xmlschema's validation errors: each says why on a ``Reason:`` line of its own.
    assert is_critical_line("Reason: day is out of range for month") and not is_critical_line("The reason is unclear")


def test_taps_skipped_tests_stay_among_its_passes(shipped_compressor):
    # testthat's TAP reporter: 500 ``ok`` lines; the two skipped tests and their reasons are
    # outcomes of their own, not passes to collapse.
    oks = [f"ok {i} ansi256_rgb_index" for i in range(1, 501)]
    oks[190] = "ok 191 # SKIP Reason: empty test"
    oks[400] = "ok 401 # SKIP Reason: This is not implemented, yet."
    text = "1..501\n" + "\n".join(oks) + "\nnot ok 501 ansi256\n  ansi256(x) not equal to `exp1`.\n"
    out = shipped_compressor.compress(text).text.split("\n")
    assert {oks[190], oks[400], "not ok 501 ansi256"} <= set(out)
    assert len(out) < 60  # the passes still collapse
    # Twenty skips for one reason, no space after the hash (``ok 101 #SKIP``) and no other "# " in
    # the text: still each its own outcome (the frame alone would fold them as one template).
    oks = [f"ok {i} ansi256_rgb_index" for i in range(1, 501)]
    skips = [f"ok {101 + 15 * k} #SKIP requires network" for k in range(20)]
    for k, line in enumerate(skips):
        oks[100 + 15 * k] = line
    text = "1..501\n" + "\n".join(oks) + "\nnot ok 501 ansi256\n  ansi256(x) not equal to `exp1`.\n"
    assert set(skips) <= set(shipped_compressor.compress(text).text.split("\n"))


def test_pylints_msvs_and_cfn_lints_pretty_findings_name_their_rules():
    assert lint_kind("src/cachetools/__init__.py(696): [R1720(no-else-raise)TLRUCache.popitem] "
                     "Unnecessary \"else\" after \"raise\"") == "R1720"
    assert lint_kind("88:7:               E3030     't2.nano.large' is not one of ['a1.2xlarge']") == "E3030"
    assert lint_kind("12:30:01 E3030 is no finding") is None


def test_findings_continued_on_an_ellipsis_line_each_keep_their_place(shipped_compressor):
    # ansible-later: each finding is its rule's line, then ``... path:line: message``; seventy in
    # other files and lines are seventy places to fix (the continuation is no record of its own,
    # whose template would collapse past its first fifty).
    files = ["tasks/users.yml", "vars/Debian-11.yml", "defaults/main.yml", "molecule/default/molecule.yml",
             "tasks/setup-RedHat.yml"]
    rows = []
    for i in range(70):
        if i % 6 == 5:
            rows += ["WARNING: [ANS128] rule 'Module actions should use full qualified collection names' not met:",
                     f"... {files[i % 5]}:{3 + i}: use FQCN `community.mysql.mysql_user` for module action `mysql_user`", ""]
        rows += ["ERROR: [ANS114] rule 'Literal bools should be consistent' not met:",
                 f"... {files[i % 5]}:{10 + i}: literal bools should be written as `True, False, yes, no`", ""]
    out = shipped_compressor.compress("\n".join(rows) + "\n").text
    assert all(f"{files[i % 5]}:{10 + i}:" in out for i in range(70))


def test_patch_merges_hunks_left_in_conflict_stay_under_their_file(shipped_compressor):
    # patch --merge --verbose: most hunks merge; those NOT MERGED are the conflicts to resolve,
    # each under the ``patching file`` line that names where.
    out = []
    for f in range(12):
        out += ["Hmm...  The next patch looks like a unified diff to me...", "The text leading up to this was:",
                "--------------------------", f"|diff --git a/src/f{f}.c b/src/f{f}.c", f"|--- a/src/f{f}.c",
                f"|+++ b/src/f{f}.c", "--------------------------", f"patching file src/f{f}.c", "Using Plan A..."]
        out += [f"Hunk #{h} merged at {100 * h + f}-{100 * h + f + 4}." for h in range(1, 8)]
        if f in (3, 9):
            out.append(f"Hunk #8 NOT MERGED at {588 + f}-{594 + f}.")
    text = "\n".join(out + ["done"]) + "\n"
    kept = shipped_compressor.compress(text).text.split("\n")
    for f in (3, 9):
        assert f"Hunk #8 NOT MERGED at {588 + f}-{594 + f}." in kept and f"patching file src/f{f}.c" in kept


def test_a_grid_tables_last_row_stays(shipped_compressor):
    # Sphinx's coverage builder: a grid table of modules, each row between ``+---+`` rules, its
    # TOTAL row last; the rows went, and the total with them.
    rule = "+" + "-" * 38 + "+" + "-" * 10 + "+" + "-" * 14 + "+"
    rows = [rule, "| Module                               | Coverage | Undocumented |", rule.replace("-", "=")]
    for i in range(60):
        rows += [f"| pkg.module_{i:<27} | {i % 3 * 33.3:6.2f}%  | {i % 7:<12} |", rule]
    rows += ["| TOTAL                                | 3.31%    | 585          |", rule,
             "build succeeded, 2 warnings."]
    text = "Running Sphinx v9.0.4\n" + "\n".join(rows) + "\n"
    lines = text.split("\n")
    got = {lines[i] for i in guard_line_indices(text, line_spans(text)[0], "text").tolist()}
    assert "| TOTAL                                | 3.31%    | 585          |" in got
    assert not any("pkg.module_3 " in ln for ln in got)  # a row with one after it is no total


def test_ctests_memcheck_defects_are_critical():
    assert is_critical_line("62/98 MemCheck: #161: invalid__object-no-value__strip ......   Defects: 1")
    assert not is_critical_line("62/98 MemCheck #161: invalid__object-no-value__strip .....   Passed    5.59 sec")


def test_a_tap_failures_block_values_stay_under_their_keys(shipped_compressor):
    # tape (through tap-spec): a failed deepEqual prints each value as a YAML block under
    # ``expected: |-`` and ``actual: |-``; the model kept some values and dropped others.
    blocks = []
    for i in range(30):
        blocks += [f"    ✔ should parse case {i}", ""]
        if i % 10 == 9:
            blocks += ["    ✖ should be deeply equivalent", "    ------------------------------",
                       "      operator: deepEqual", "      expected: |-", f"        {{ a: [ , {{ b: [ , , {{ c: '{i}' }} ] }} ] }}",
                       "      actual: |-", f"        {{ a: [ , {{ b: {{ '[2][c]': '{i}' }} }} ] }}",
                       f"      at: Test.<anonymous> (test/parse.js:{500 + i}:12)", ""]
    text = "\n".join(["", "  parse()", ""] + blocks + ["", "  total:     33", "  passing:   30", "  failing:   3"]) + "\n"
    lines = text.split("\n")
    got = {lines[i] for i in guard_line_indices(text, line_spans(text)[0], "test").tolist()}
    for i in (9, 19, 29):
        assert f"        {{ a: [ , {{ b: {{ '[2][c]': '{i}' }} }} ] }}" in got
        assert f"        {{ a: [ , {{ b: [ , , {{ c: '{i}' }} ] }} ] }}" in got
    assert "    ✔ should parse case 3" not in got


def test_a_value_under_its_own_heading_stays_with_the_heading():
    # vader.vim: each side of a failed comparison under "- Expected:" / "- Got:", the buffer's
    # blank line printed as spaces; the test's progress lines are the model's.
    text = ("    (12/21) [  GIVEN] Some text\n    (12/21) [ EXPECT] (X)\n      - Expected:\n          A,B,C\n"
            "          \n          d, e, f\n      - Got:\n          A,B,C\n          \n          d,e,f\n"
            "    (13/21) [  GIVEN] Other text\n")
    got = set(guard_line_indices(text, line_spans(text)[0], "text").tolist())
    assert set(range(2, 10)) <= got and not {0, 1, 10} & got
    # luassert (busted, plenary): "Passed in:" / "Expected:" over a value that opens with its Lua type.
    text = ("Fail\t||\tstrings align_str [abcde, 8, true]\n            tests/strings_spec.lua:157: Expected objects to be the same.\n"
            "            Passed in:\n            (string) '  abcde'\n            Expected:\n            (string) '   abcde'\n"
            "            \n            stack traceback:\n")
    got = set(guard_line_indices(text, line_spans(text)[0], "text").tolist())
    assert {2, 3, 4, 5} <= got and 7 not in got


def test_a_benchmarks_measured_values_and_a_profiles_hottest_stacks_are_results():
    from kompress.decision.guards import FOLDED_STACKS, MEASUREMENTS, result_line_indices

    # asv: each benchmark's table of timings with their spread ("1.05±0s"); read among the
    # tracebacks of a failing one, every table went.
    asv = ["· Running 4 total benchmarks"]
    for b in range(4):
        asv += [f"[{b * 25:5.2f}%] ··· bench.Chordal.time_{b}                 ok", "             =========== ==========",
                *[f"                  {n:<4}    {n * (b + 1) / 7:.3g}±0ms " for n in (5, 10, 50, 100)]]
    text = "\n".join(asv) + "\n"
    got = {text.split("\n")[i] for i in result_line_indices(text, line_spans(text)[0]).tolist()}
    assert "                  100     14.3±0ms " in got and len(got) == 16
    assert not any("ok" in g for g in got)
    many = "\n".join(f"row {i}: {i}.5 ± 0.{i % 9} ms" for i in range(MEASUREMENTS + 30)) + "\n"
    assert len(result_line_indices(many, line_spans(many)[0])) == MEASUREMENTS
    # py-spy --format raw: the hottest folded stacks (by their sample count) stay, ties in order.
    stacks = [f"<module> (s.py:18);loads (p.py:{190 + i});skip_{i % 7} (p.py:{300 + i}) {1 + (i * 37) % 11}"
              for i in range(60)]
    folded = "py-spy> Samples: 349\n" + "\n".join(stacks) + "\n"
    got = [folded.split("\n")[i] for i in result_line_indices(folded, line_spans(folded)[0]).tolist()]
    counts = sorted((int(s.rsplit(" ", 1)[1]) for s in stacks), reverse=True)
    assert len(got) == FOLDED_STACKS and min(int(g.rsplit(" ", 1)[1]) for g in got) >= counts[FOLDED_STACKS - 1]
    assert not result_line_indices("a;b 3\nc;d 4\n", line_spans("a;b 3\nc;d 4\n")[0]).size  # two lines: no profile
    # A record with a "; " inside (pg_waldump's "flags 0x20 ; new off 86", gtest's "@ length = 90 ; bytes = 114")
    # is no stack.
    wal = "".join(f"desc: HOT_UPDATE off {i} xmax 9{i} flags 0x20 ; new off 86 xmax {i}\n" for i in range(30))
    gt = "".join(f"False positives:  1.0{i}% @ length =     {i}0 ; bytes =    {i}14\n" for i in range(30))
    assert not result_line_indices(wal, line_spans(wal)[0]).size and not result_line_indices(gt, line_spans(gt)[0]).size


def test_a_profiles_hottest_stacks_stay_among_a_logs_repeats(shipped_compressor):
    stacks = [f"<module> (profiler_script.py:18);loads (tomli/_parser.py:{187 + i % 3});skip (tomli/_parser.py:{320 + i}) "
              f"{40 if i == 37 else 1 + i % 3}" for i in range(80)]
    out = shipped_compressor.compress("\n".join(stacks) + "\n").text
    assert stacks[37] in out.split("\n")


def test_gnu_program_prefixed_and_shellcheck_caret_findings_name_their_rule():
    # hadolint -f gnu names itself first; shellcheck's default report puts the rule under a caret.
    assert lint_kind("hadolint:./web/app/Dockerfile:16: DL3008 warning: Pin versions in apt get install.") == "DL3008"
    assert lint_kind("          ^---------------^ SC2086 (info): Double quote to prevent globbing and word splitting.") == "SC2086"
    assert lint_kind("  ^-- SC3014 (warning): In POSIX sh, == in place of = is undefined.") == "SC3014"
    assert lint_kind("make: *** [Makefile:12: all] Error 2") is None
    from kompress.decision.guards import _report_file

    # shellcheck's heading over a finding, a path with spaces too.
    assert _report_file("In deploy/ssh.sh line 389:") and _report_file("In test/fast/Unit tests/nvm_die line 31:")


def test_shellcheck_findings_keep_their_file_and_line(shipped_compressor):
    # Many findings, several of one rule each: a kept caret keeps the "In x line N:" above it.
    blocks = []
    for i in range(400):
        rule, msg = (("SC2086", "(info): Double quote to prevent globbing and word splitting.") if i % 3
                     else ("SC2046", "(warning): Quote this to prevent word splitting."))
        blocks += [f"In deploy/hook_{i % 9}.sh line {10 + i * 7}:", f"    rm -f $tmp_file_{i}",
                   f"          ^----------^ {rule} {msg}", "", "Did you mean: ", f'    rm -f "$tmp_file_{i}"', "", ""]
    blocks.append("For more information:")
    text = "\n".join(blocks) + "\n"
    out = shipped_compressor.compress(text).text.splitlines()
    carets = [k for k, line in enumerate(out) if " SC2086 " in line or " SC2046 " in line]
    assert carets
    for k in carets:
        assert any(line.startswith("In deploy/hook_") for line in out[max(0, k - 3):k]), out[max(0, k - 3):k + 1]


def test_valgrind_record_headings_and_a_failed_system_calls_own_frames(shipped_compressor):
    from kompress.decision.guards import syscall_stack_guard
    from kompress.structure.units import LineView

    # valgrind --track-fds: each record's heading (which descriptor, which file) over the same
    # libc frames; the innermost frame is kept by CRITICAL, the heading must be too.
    lines = ["==900== Memcheck, a memory error detector", "==900== ", "==900== FILE DESCRIPTORS: 9 open (3 std) at exit."]
    for fd in range(3, 9):
        lines += [f"==900== Open file descriptor {fd}: case_{fd}.ini", "==900==    at 0x495E011: open (open64.c:41)",
                  "==900==    by 0x48E79C1: _IO_file_open (fileops.c:188)", "==900==    by 0x1097EA: ini_parse (ini.c:277)",
                  f"==900==    by 0x109BA6: main (unittest.c:{70 + fd})", "==900== "]
    text = "\n".join(lines) + "\n"
    got = {lines[k] for k in guard_line_indices(text, line_spans(text)[0]).tolist()}
    assert {f"==900== Open file descriptor {fd}: case_{fd}.ini" for fd in range(3, 9)} <= got
    # strace -k: the program's own frames under the call that failed, not libc's; none under a call that worked.
    trace = ["01:19:21.186100 write(3, \"\\37\\213\", 31) = -1 EBADF (Bad file descriptor)",
             " > /usr/lib/x86_64-linux-gnu/libc.so.6(__write+0x10) [0xf8350]",
             " > /src/proj/example(gz_comp+0x1c6) [0x126e3]", " > /src/proj/example(gzclose+0x4a) [0x1045a]",
             "01:19:21.188931 close(3)                = 0", " > /usr/lib/x86_64-linux-gnu/libc.so.6(__close+0x10) [0xf8a10]",
             " > /src/proj/example(gzclose+0x5b) [0x1046b]"]
    text = "\n".join(trace) + "\n"
    starts, ends = line_spans(text)
    keep = np.array([True, False, False, False, True, False, False])
    assert np.flatnonzero(syscall_stack_guard(LineView(text, starts, ends), keep)).tolist() == [2, 3]
