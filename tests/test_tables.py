"""Tables in text: found by their cells, decided by rows (header, first rows, rows with news)."""

from __future__ import annotations

import numpy as np

from kompress import MARKER_RE
from kompress.decision.frame import describe_run, table_frame
from kompress.structure.domains import detect
from kompress.structure.tables import cells_of, find_table


def _pods(n: int = 60) -> list[str]:
    rows = [f"{'NAME':<32}{'READY':<8}{'STATUS':<20}{'RESTARTS':<10}AGE"]
    for i in range(n):
        ready, status, restarts = "1/1", "Running", "0"
        if i == 17:
            ready, status, restarts = "0/1", "CrashLoopBackOff", "41"
        if i == 40:
            ready, status = "0/1", "Pending"
        rows.append(f"{f'api-7d9f{i:04d}-x{i * 7919 % 99991:05d}':<32}{ready:<8}{status:<20}{restarts:<10}{i % 29 + 1}d")
    return rows


def test_find_table_reads_aligned_csv_and_psql_tables():
    pods = _pods()
    t = find_table(pods)
    assert t is not None and t.delim == " " and t.width == 5 and len(t.rows) == len(pods)
    assert cells_of(pods[18], " ")[2] == "CrashLoopBackOff"
    csv_rows = ["id,name,region,amount"] + [f'{i},"Doe, J{i}",eu-{i % 3},{i * 1.5}' for i in range(20)]
    t = find_table(csv_rows)
    assert t is not None and t.delim == "," and t.width == 4 and cells_of(csv_rows[1], ",")[1] == "Doe, J0"
    psql = [" name | setting | unit | context", "------+---------+------+--------"] + \
           [f" opt_{i} | {i} | {'ms' if i % 2 else 'kB'} | {'user' if i % 5 else 'postmaster'}" for i in range(12)] + ["(12 rows)"]
    t = find_table(psql)
    assert t is not None and t.delim == "|" and t.rows[0] == 0 and len(t.rows) == 13
    # Prose, a two-column help text and a short table are not tables.
    assert find_table(["The service retried the request, then the cache, then the pool."] * 3 + ["ok"] * 20) is None
    assert find_table([f"  --opt{i}    set option {i}" for i in range(30)]) is None
    assert find_table(_pods(6)) is None
    # Lines of one cell count without a header naming columns: a script's checks, a parse tree.
    checks = ["Checking the rounding rule", "=" * 40] + \
             [f"{'ok' if i % 4 else 'FAIL'} case: {i}, input: {i * 3}, got: {i * 7}, want: {i * 7 + (i % 4 == 0)}"
              for i in range(20)]
    assert find_table(checks) is None
    tree = ["Structure:"] + [f"[L:  {i // 5 + 1}, P: {i % 5 + 1:2d}]      |{'    ' * (i % 4)}node_{i}:      'x{i}'"
                             for i in range(20)]
    assert find_table(tree) is None


def test_a_bar_on_one_side_only_is_a_separator_not_markdowns_frame():
    # airflow dags report: a file yielding no DAG ends its row in an empty cell; a wrapped row
    # opens with one.
    assert cells_of("/x.py | 0:00:00.001 | 0       | 0        |       ", "|") == ["/x.py", "0:00:00.001", "0", "0", ""]
    assert cells_of("      |              |         |          | ,more_dags", "|") == ["", "", "", "", ",more_dags"]
    assert cells_of("| a | b |", "|") == ["a", "b"]
    header = "file     | duration       | dag_num | task_num | dags"
    rows = [f"/f{i}.py | 0:00:00.00{i} | {i % 2} | {i}        | dag_{i}" if i % 3 else f"/f{i}.py | 0:00:00.00{i} | 0 | 0 |   "
            for i in range(12)]
    table = find_table([header, "=" * 40, *rows])
    assert table is not None and table.delim == "|" and table.width == 5 and len(table.rows) == 13


def test_table_frame_keeps_header_first_rows_and_rows_with_news():
    pods = _pods()
    f = table_frame(pods)
    assert f is not None and f.keep[0] and f.keep[1] and f.keep[2]
    crash, pending = 18, 41  # the rows whose STATUS, READY, RESTARTS are new
    assert f.keep[crash] and f.keep[pending] and not f.repeat[crash] and not f.repeat[pending]
    assert f.repeat[3:18].all() and f.repeat[19:41].all()
    detail = describe_run(f, list(range(3, 18)), 15)
    assert detail == '15 lines omitted: 15 more rows like "1/1 Running 0 <*>"', detail
    # A legend before the header (dpkg -l): the first line, the header and its rule stay (a
    # marker in place of the rule would cost more than the rule).
    dpkg = ["Desired=Unknown/Install/Remove/Purge/Hold", "||/ Name      Version      Architecture Description",
            "+++-=========-============-============-==========="] + \
           [f"ii  pkg{i:03d}    1.{i}-1    {'all' if i % 3 else 'amd64'}    package number {i}" for i in range(60)]
    f = table_frame(dpkg)
    assert f is not None and f.keep[0] and f.keep[1] and f.keep[2]
    assert f.keep[3] and f.keep[4] and f.repeat[3 + 5]


def test_detection_reads_a_table_as_text_not_a_crash_and_a_log_as_a_log():
    dpkg = ["||/ Name      Version      Architecture Description"] + \
           [f"ii  pkg{i:03d}    1.{i}-1    amd64    package number {i}" for i in range(30)]
    dpkg[12] = "ii  libasan8    12.2.0-14    amd64    AddressSanitizer -- a fast memory error detector"
    assert detect("\n".join(dpkg)) == "text"
    android = [f"03-17 16:13:{i % 60:02d}.811  1702  2395 D WindowManager: freeze {i}" for i in range(30)]
    assert detect("\n".join(android)) == "log"


def test_compressor_collapses_a_table_by_rows(shipped_compressor):
    text = "\n".join(_pods(150)) + "\n"
    r = shipped_compressor.compress(text)
    assert r.domain == "text" and r.granularity == "line"
    out = r.text.splitlines()
    src = set(text.splitlines())
    assert all(MARKER_RE.match(x) or x in src for x in out)  # whole rows or markers
    assert text.splitlines()[0] in out and any("CrashLoopBackOff" in x for x in out) and any("Pending" in x for x in out)
    markers = [x for x in out if MARKER_RE.match(x)]
    # Every row is in the output or counted by a marker.
    assert sum(int(MARKER_RE.match(m).group(1)) for m in markers) + len(out) - len(markers) == 151
    assert r.keep_rate < 0.2
    assert shipped_compressor.compress(text).text == r.text  # deterministic
    # Asked for words, the caller gets words: the table frame is the auto granularity's.
    assert shipped_compressor.compress(text, granularity="word").granularity == "word"
    assert np.isclose(shipped_compressor.compress(text, structure=False).keep_rate, 1.0, atol=0.2)


def test_binary_data_is_not_read_and_collapses(shipped_compressor):
    import random

    from kompress.structure.binary import is_binary

    raw = random.Random(8).randbytes(20_000).decode("latin-1").replace("\x00", "\ufffd")
    assert is_binary(raw)
    # ANSI colours, a man page's overstrike, form feeds and a few undecodable bytes are text.
    assert not is_binary("\x1b[31mFAILED\x1b[0m tests/x.py\n" * 50 + "N\bNA\bAM\bME\n\x0c caf\ufffd\n")
    r = shipped_compressor.compress(raw)
    out = r.text.splitlines()
    assert MARKER_RE.match(out[0]) and r.keep_rate < 0.2
    assert all(MARKER_RE.match(x) or x in raw.splitlines() for x in out)
    # Text with a binary tail: not binary by its start, read as usual.
    assert not is_binary("ok\n" * 40_000 + raw)


def test_bench_tables_questions_and_kept_lines():
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
    import bench_tables as bt

    lines = _pods(60)
    qs = bt.questions(lines, 0)
    # STATUS: CrashLoopBackOff and Pending are rare; READY 0/1 and RESTARTS 41 too.
    assert {(j, v) for j, v, _ in qs} >= {(2, "CrashLoopBackOff"), (2, "Pending"), (1, "0/1"), (3, "41")}
    assert all(rows for _, _, rows in qs)
    kept, wk, fid = bt.kept_lines("\n".join([lines[0], "[... 3 lines omitted ...]", lines[18]]), lines)
    assert kept == {0, 18} and 0 < wk < 0.1 and fid == 1.0
    assert bt.score(kept, 0, qs)["header"] == 1.0 and 0 < bt.score(kept, 0, qs)["rare"] < 1


def test_a_bar_framed_two_column_table_keeps_every_row_of_its_rare_status():
    rows = ["| Name | Status |", "|------|--------|"]
    rows += [f"| func_{i} (L{10 * i}) | {'MISSED' if i % 11 == 3 else 'COVERED'} |" for i in range(120)]
    t = find_table(rows)
    assert t is not None and t.delim == "|" and t.width == 2
    f = table_frame(rows)
    missed = [i for i, x in enumerate(rows) if "MISSED" in x]
    assert len(missed) == 11 and all(f.keep[i] and not f.repeat[i] for i in missed)  # each exception stays
    covered = [i for i, x in enumerate(rows) if "COVERED" in x]
    assert sum(f.repeat[i] for i in covered) >= len(covered) - 5  # the common rows collapse
    # Without bars two columns are key: value text, not a table.
    assert find_table([f"func_{i} (L{10 * i})  {'MISSED' if i % 11 == 3 else 'COVERED'}" for i in range(120)]) is None


def test_where_few_valued_columns_cross_no_combination_is_an_exception():
    # Three few-valued columns: most combinations are rare, none of them news; rows collapse.
    rows = [" name | context | vartype | source"] + [
        f" opt_{i} | {('user', 'sighup', 'postmaster', 'internal')[i % 4]} | {('bool', 'integer', 'string')[i % 3]}"
        f" | {('default', 'configuration file')[i % 7 == 0]}" for i in range(200)]
    f = table_frame(rows)
    assert f is not None and int(f.keep.sum()) < 40


def test_rows_under_a_warnings_heading_are_findings():
    header = "  NLOC    CCN   token  PARAM  length  location  "
    rows = [header, "-" * 48] + [f"{10 + i:8d}{1 + i % 3:7d}{50 + i:7d}{i % 4:7d}{12 + i:8d} f{i}@{i * 10}-{i * 10 + 9}@a.c"
                                 for i in range(60)]
    rows += ["2 file analyzed.", "=" * 60, "!!!! Warnings (cyclomatic_complexity > 15 or length > 100) !!!!", "=" * 48,
             header, "-" * 48] + [f"{80 + i:8d}{20 + i:7d}{400 + i:7d}{2:7d}{110 + i:8d} big{i}@{i * 100}-{i * 100 + 99}@a.c"
                                  for i in range(6)]
    f = table_frame(rows)
    warned = [i for i, x in enumerate(rows) if "big" in x]
    assert all(f.keep[i] and not f.repeat[i] for i in warned)
    assert sum(f.repeat[i] for i, x in enumerate(rows) if "@a.c" in x and "big" not in x) > 40  # the others collapse


def _boxed(style: str, n: int = 80) -> list[str]:
    """A box-drawn table as rich (``rich``) or tabulate's ``grid`` prints it: ``n`` rows, every
    seventh FAILED, rows 5 and 23 timeout."""
    status = ["FAILED" if i % 7 == 3 else "timeout" if i in (5, 23) else "ok" for i in range(n)]
    cells = [[f"pkg-{i:02d}", f"1.{i}.0", status[i], f"{i * 1.5:.1f}ms"] for i in range(n)]
    if style == "rich":
        out = ["          Dependency audit", "┏━━━━━━━━┳━━━━━━━━┳━━━━━━━━━┳━━━━━━━━┓",
               "┃ Package┃ Version┃ Status  ┃ Time   ┃", "┡━━━━━━━━╇━━━━━━━━╇━━━━━━━━━╇━━━━━━━━┩"]
        out += [f"│ {a:7s}│ {b:7s}│ {c:8s}│ {d:7s}│" for a, b, c, d in cells]
        return out + ["└────────┴────────┴─────────┴────────┘"]
    rule = "+---------+---------+----------+--------+"
    out = [rule, "| Package | Version | Status   | Time   |", rule.replace("-", "=")]
    for a, b, c, d in cells:
        out += [f"| {a:7s} | {b:7s} | {c:8s} | {d:6s} |", rule]
    return out


def test_box_drawn_tables_are_tables_decided_by_rows(shipped_compressor):
    for style in ("rich", "grid"):
        lines = _boxed(style)
        text = "\n".join(lines) + "\n"
        t = find_table(lines)
        assert t is not None and t.width == 4 and lines[t.header].count("Status") == 1, style
        assert cells_of(lines[4 if style == "rich" else 3], "|") == ["pkg-00", "1.0.0", "ok", "0.0ms"]
        assert detect(text) == "text", style  # a table, not a tree of `│` lines nor a log of `+--` lines
        r = shipped_compressor.compress(text)
        out = r.text.splitlines()
        src = set(lines)
        assert all(MARKER_RE.match(x) or x in src for x in out)
        # Every FAILED row stays (a rare status), a timeout row shows the status exists, the rest collapse.
        assert sum("FAILED" in x for x in out) == sum("FAILED" in x for x in lines)
        assert any("timeout" in x for x in out) and r.keep_rate < 0.6, style
        # The header's borders stay; a grid's rules between dropped rows are counted in the marker.
        assert lines[1] in out and lines[2] in out
        markers = [x for x in out if MARKER_RE.match(x)]
        assert sum(int(MARKER_RE.match(m).group(1)) for m in markers) + len(out) - len(markers) == len(lines)
        if style == "grid":
            assert any("rules between rows" in m for m in markers)


def test_a_tree_drawing_is_a_tree_and_a_panel_line_no_tree_line():
    tree = [".", "├── src", "│   ├── kompress", "│   │   ├── __init__.py", "│   │   └── compressor.py",
            "│   └── tests", "│       └── test_x.py", "├── README.md", "└── pyproject.toml", "", "4 directories, 4 files"]
    assert detect("\n".join(tree)) == "tree"
    panel = ["Usage: app [OPTIONS] COMMAND", "", "╭─ Options ──────────────────────────────╮"] + \
            [f"│ --opt-{i:02d}        Set option number {i}.     │" for i in range(12)] + \
            ["╰────────────────────────────────────────╯"]
    assert detect("\n".join(panel)) != "tree"


def test_a_report_table_keeps_its_findings_and_a_wrapped_row_goes_whole(shipped_compressor):
    # A validator's report as rich prints it: a summary table, then a table of errors whose
    # message cells wrap over several lines; every error is a finding (no status says so).
    lines = ["┏━━━━━━━━━┳━━━━━━━┳━━━━━━━━━━━━┳━━━━━━━━━┓", "┃ name    ┃ type  ┃ path       ┃ status  ┃",
             "┡━━━━━━━━━╇━━━━━━━╇━━━━━━━━━━━━╇━━━━━━━━━┩", "│ codes   │ table │ codes.csv  │ INVALID │",
             "└─────────┴───────┴────────────┴─────────┘", "",
             "┏━━━━━━━━━┳━━━━━━━┳━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┓",
             "┃ Row     ┃ Field ┃ Type       ┃ Message                      ┃",
             "┡━━━━━━━━━╇━━━━━━━╇━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┩"]
    for r in range(60):
        lines += [f"│ {38 + 7 * r:<7d} │ {57 + r % 3:<5d} │ extra-cell │ Row at position \"{38 + 7 * r}\" has an │",
                  f"│         │       │            │ extra value in field {57 + r % 3:<8d}│"]
    lines.append("└─────────┴───────┴────────────┴──────────────────────────────┘")
    f = table_frame(lines)
    assert f is not None
    first_error = lines.index(next(x for x in lines if "position \"38\"" in x))
    assert f.keep[first_error] and f.keep[first_error + 1]  # a wrapped row stays whole
    findings = [i for i, x in enumerate(lines) if "has an" in x]
    assert all(f.keep[i] for i in findings[:50]) and all(f.repeat[i] for i in findings[50:])  # 50 of a kind
    out = shipped_compressor.compress("\n".join(lines) + "\n").text
    assert all(f'position "{38 + 7 * r}"' in out for r in range(50))
    # Without a column naming findings, the same rows are 60 alike rows: they collapse, and a
    # wrapped row goes with its first line.
    plain = [x.replace("Message", "Note   ") for x in lines]
    g = table_frame(plain)
    assert g is not None and g.repeat.sum() > 50
    heads = [i for i, x in enumerate(plain) if "has an" in x]
    assert all(g.keep[i + 1] == g.keep[i] and g.repeat[i + 1] == g.repeat[i] for i in heads)


def test_a_coverage_reports_uncovered_rows_and_each_sections_header_stay():
    # llvm-cov report: a section per file, the columns named again in each; the functions at
    # the bottom of a percentage column (0.00%: never run) are what the report is read for.
    head = "Name                    Regions    Miss   Cover     Lines    Miss   Cover"
    rule = "-" * len(head)
    lines = []
    for sec in range(3):
        lines += [f"File '/src/proj/f{sec}.c':", head, rule]
        for k in range(30):
            cov = 0.0 if k % 10 == 4 else 50 + k
            lines.append(f"fn_{sec}_{k:02d}                    {10 + k:3d}    {k:4d}  {cov:6.2f}%"
                         f"        {20 + k:3d}    {k:4d}  {cov:6.2f}%")
        lines += [rule, f"TOTAL                    300    40  {80 + sec:.2f}%        400    50  {70 + sec:.2f}%", ""]
    f = table_frame(lines)
    assert f is not None
    uncovered = [i for i, x in enumerate(lines) if "  0.00%" in x]
    assert len(uncovered) == 9 and all(f.keep[i] for i in uncovered)
    heads = [i for i, x in enumerate(lines) if x == head]
    assert all(f.keep[i] and f.keep[i + 3] for i in heads)  # each header and the first row under it
    assert f.repeat.sum() > 40  # the covered rest collapses
    # Where most rows sit at the bottom (all 0%), the bottom is no exception.
    flat = [head] + [f"fn_{k:02d}   10   10   {0.0 if k % 5 else 10.0:.2f}%   20   20   0.00%" for k in range(60)]
    g = table_frame(flat)
    assert g is not None and g.repeat.sum() > 20


def test_a_flaky_tests_rerun_line_is_critical():
    from kompress.decision.guards import is_critical_line

    assert is_critical_line("tests/test_formatting.py::test_probe RERUN      [ 32%]")
    assert not is_critical_line("tests/test_formatting.py::test_probe PASSED     [ 32%]")
    assert is_critical_line("│   └── ✕ unmet peer eslint@^8.56.0: found 9.39.5")


def test_key_value_records_are_no_table_and_a_tables_summary_rows_stay():
    # The IBM OpenAPI validator's findings: "  Rule    :   x" records, a column of nothing but ':'.
    recs = []
    for i in range(20):
        recs += [f"  Message :   Path segments must be snake case: seg{i}", "  Rule    :   ibm-path-segment-casing",
                 f"  Path    :   paths./pet/seg{i}", f"  Line    :   {100 + i}", ""]
    assert find_table(recs) is None
    # Google Benchmark: repetitions, then the aggregates they are run for.
    rows = ["Benchmark                      Time             CPU   Iterations", "-" * 64]
    for b in range(12):
        rows += [f"bench_{b}                    {10 + b}.{r} ns        {10 + b}.{r} ns      {100000 + r}" for r in range(3)]
        rows += [f"bench_{b}_{agg}               {10 + b}.1 ns        {10 + b}.1 ns            3" for agg in ("mean", "median", "stddev")]
    f = table_frame(rows)
    assert f is not None
    assert all(f.keep[i] for i, x in enumerate(rows) if "_median" in x or "_mean" in x)
    assert f.repeat[[i for i, x in enumerate(rows) if "_stddev" in x][5:]].all()


def _syscalls() -> list[str]:
    names = ["read", "write", "close", "lseek", "mmap", "mprotect", "munmap", "brk", "pread64", "access",
             "dup2", "getpid", "socket", "bind", "setsockopt", "execve", "fcntl", "ftruncate", "getcwd", "unlink",
             "getuid", "arch_prctl", "openat", "newfstatat", "prlimit64", "getrandom"]
    rows = ["% time     seconds  usecs/call     calls    errors syscall",
            "------ ----------- ----------- --------- --------- ----------------"]
    for i, name in enumerate(names):
        errors = "1" if name in ("access", "bind", "openat") else ""
        rows.append(f"  0.00    0.000000           0 {i % 9 + 1:9d} {errors:>9s} {name}")
    return rows + ["------ ----------- ----------- --------- --------- ----------------",
                   "100.00    0.000000           0       121         3 total"]


def test_a_short_table_stays_whole_each_row_a_record(shipped_compressor):
    from kompress.decision.frame import TABLE_WHOLE

    # strace -c: one row per syscall; an agent asks about one by its name ("how many openat
    # failed"), and "[... 20 more rows like "0.00 0.000000 0 <*> <*>" ...]" names none.
    rows = _syscalls()
    f = table_frame(rows)
    assert f is not None and f.keep[: len(rows)].all() and not f.repeat.any()
    text = "\n".join(rows) + "\n"
    assert shipped_compressor.compress(text).text == text
    # A long table still collapses by rows (the pods above): only up to TABLE_WHOLE rows stay whole.
    assert table_frame(_pods(TABLE_WHOLE + 10)).repeat.any()


def test_the_lines_around_a_table_are_decided_as_text(shipped_compressor):
    # top -b -n 1: the summary above the process table (how many tasks are stopped or zombies)
    # is no table row; it stays as the text would keep it, whole.
    head = ["top - 06:50:28 up  2:50,  0 user,  load average: 4.60, 3.20, 2.19",
            "Tasks:  11 total,   2 running,   5 sleeping,   1 stopped,   3 zombie",
            "%Cpu(s):  0.0 us,  0.0 sy,  0.0 ni,100.0 id,  0.0 wa,  0.0 hi,  0.0 si,  0.0 st",
            "MiB Mem :  24151.8 total,   8146.1 free,   1306.5 used,  15184.2 buff/cache",
            "", "    PID USER      PR  NI    VIRT    RES    SHR S  %CPU  %MEM     TIME+ COMMAND"]
    procs = [f"{pid:7d} {'nobody':<9s} 20   0 {4316 + pid:7d} {2100 + pid:6d} {1900 + pid:6d} {'ZST'[pid % 3]} "
             f"{pid % 7:5.1f} {0.0:5.1f} {'0:00.00':>9s} {'worker' + str(pid)}" for pid in range(10, 140)]
    text = "\n".join(head + procs) + "\n"
    r = shipped_compressor.compress(text)
    out = r.text.splitlines()
    assert r.granularity == "line" and any(MARKER_RE.match(x) for x in out)  # a long table: collapsed by rows
    assert head[1] in out and head[3] in out and head[5] in out
    assert all(MARKER_RE.match(x) or x in text.splitlines() for x in out)


def test_a_tables_sections_under_other_column_names_each_keep_their_header_and_first_rows():
    # benchcmp: one section per measure, each under its own header after a blank line; the rows of
    # a later section are no repeats of the first's. (Each row names a benchmark: all stay, up to
    # TABLE_RARE_ROWS of each section.)
    sections = []
    for unit in ("ns/op", "allocs", "bytes"):
        sections += [f"{'benchmark':<40s}{'old ' + unit:<14s}{'new ' + unit:<14s}delta"]
        sections += [f"{'BenchmarkCase' + str(k) + '-2':<40s}{100 + k:<14d}{90 + 3 * k:<14d}{(2 * k - 10) / 1.0:+.2f}%"
                     for k in range(30)]
        sections += [""]
    f = table_frame(sections)
    heads = [i for i, x in enumerate(sections) if x.startswith("benchmark")]
    assert len(heads) == 3
    assert f is None or all(f.keep[i] for i, x in enumerate(sections) if x)  # no row collapses
    # A table of the same shape measuring no time (a size report) keeps its first rows only.
    sizes = [x.replace("ns/op", "KiB") for x in sections]
    f = table_frame(sizes)
    assert f is not None and f.repeat[heads[1] + 5] and f.repeat[heads[2] - 3]


def test_a_short_later_section_of_a_table_stays_whole():
    # yappi: a long table of functions, then a blank line and five threads under their own columns.
    rows = [f"{'parser.py:' + str(100 + k) + ' Parser.f' + str(k):<38s}{k * 7 + 3:<7d}{0.5 / (k + 1):.6f}  "
            f"{1.0 / (k + 1):.6f}  {0.01 / (k + 1):.6f}" for k in range(80)]
    threads = [f"{'Thread':<15s}{k:<7d}{139662060414656 + 97 * k:<17d}{2.0 - k / 10:.6f}  8" for k in range(1, 6)]
    lines = ["Clock type: WALL", "", f"{'name':<38s}ncall  tsub      ttot      tavg", *rows, "",
             f"{'name':<15s}{'id':<7s}{'tid':<17s}ttot      scnt", *threads]
    f = table_frame(lines)
    assert f is not None
    first = len(lines) - 5
    assert all(f.keep[first + k] for k in range(5))  # each thread
    assert f.repeat[3 + 40]  # the long section's middle rows still collapse


def test_a_text_of_passing_verdicts_collapses_them_and_keeps_the_others(shipped_compressor):
    # xmlstarlet val -e: 280 "<file> - valid" lines around the few invalid files' errors.
    from kompress.decision.frame import verdict_frame
    from kompress.structure.units import LineView, line_spans

    # (Drain keys a line by its first word: a few dozen files' verdicts are as many templates; past
    # its hundred children per node, the rest share one.)
    words = ("arrow", "circle", "square", "user", "bell", "cloud", "star", "heart", "home", "lock", "mail", "map", "pin")
    names = [f"icons/{a}-{b}.svg" for a in words for b in words]
    lines = ["icons/camera.svg:1.312: Attribute cy redefined",
             '2 0 0 1 2-2h4l2-3h6l2 3h4a2 2 0 0 1 2 2z"/><circle cx="12" cy="13" r="4" cy="12"', " " * 40 + "^"]
    lines += [f"{n} - valid" for n in names[:40]] + ["icons/camera.svg - invalid"] + [f"{n} - valid" for n in names[40:]]
    text = "\n".join(lines) + "\n"
    starts, ends = line_spans(text)
    frame = verdict_frame(LineView(text, starts, ends))
    assert frame is not None and frame.repeat.sum() >= 40
    res = shipped_compressor.compress(text)
    out = res.text.splitlines()
    assert "icons/camera.svg - invalid" in out and lines[0] in out
    assert sum(x.endswith(" - valid") for x in out) <= 4
    assert any(MARKER_RE.match(x) and "valid" in x for x in out)
    # Another word in a passing verdict's place is a finding (zipalign -c -v's "(BAD - 2)" among
    # its "(OK)" lines; "BAD" alerts nowhere else): each stays, though the text is never read.
    rows = [f" {1000 + 97 * i} res/drawable/{n.split('/')[1][:-4]}.png ({'BAD - 2' if i % 9 == 4 else 'OK'})"
            for i, n in enumerate(names[:120])]
    text = "Verifying alignment of app.apk (4)...\n" + "\n".join(rows) + "\nVerification FAILED\n"
    starts, ends = line_spans(text)
    frame = verdict_frame(LineView(text, starts, ends))
    bad = [i + 1 for i, r in enumerate(rows) if "BAD" in r]
    assert frame is not None and frame.keep[bad].all() and not frame.repeat[bad].any()
    out = shipped_compressor.compress(text).text
    assert all(rows[i - 1] in out for i in bad) and sum(" (OK)" in x for x in out.splitlines()) < 30
    # Runs that are findings, not verdicts (a checker's "block N, offset 2"), are left to the text's words.
    rows = [f'heap table "db.public.t", block {k}, offset 2:' for k in range(40)]
    text = "\n".join(rows) + "\n"
    starts, ends = line_spans(text)
    assert verdict_frame(LineView(text, starts, ends)) is None


def test_a_rare_value_of_a_narrow_column_stays_where_columns_cross():
    # arviz's summary: mcse columns of a few values cross r_hat's, so no combination is the
    # exception; r_hat's 1.02 among 1.00 and 1.01 still is one, each of its rows stays.
    rows = ["                  mean     sd  mcse_mean  mcse_sd  r_hat"]
    for i in range(175):
        r_hat = "1.02" if i % 13 == 5 else ("1.01" if i % 3 else "1.00")
        rows.append(f"alpha[C{i:03d}]     {1 + i / 1000:.3f}  0.{100 + i % 50}  0.00{i % 7 + 1}  0.00{i % 5 + 2}  {r_hat}")
    f = table_frame(rows)
    rare = [i for i, x in enumerate(rows) if x.endswith("1.02")]
    assert len(rare) == 14 and all(f.keep[i] for i in rare)
    assert int(f.keep.sum()) < 60  # the common rows still collapse


def test_a_benchmarks_table_keeps_a_row_of_each_name_in_each_section():
    # Google Benchmark's repetitions and benchcmp's sections: the first row of each name stays
    # (what it measured), in each section under columns named again; repeats of a name collapse.
    rows = ["Running ./bench/latency_bench", "-" * 60, f"{'Benchmark':<40}{'Time':>10}{'CPU':>10}{'Iterations':>12}", "-" * 60]
    for k in range(30):
        for r in range(3):
            rows.append(f"{f'sink_{k}/backtrace':<40}{f'{700 + 13 * k + r} ns':>10}{f'{700 + 13 * k + r} ns':>10}{35000 + 97 * k:>12}")
    f = table_frame(rows)
    firsts = [i for i, x in enumerate(rows) if x.startswith("sink_") and not rows[i - 1].startswith(x.split()[0] + " ")]
    assert len(firsts) == 30 and f.keep[firsts].all()
    assert int(f.keep.sum()) < 45
    head = f"{'benchmark':<36}{'old ns/op':>12}{'new ns/op':>12}{'delta':>12}"
    allocs = f"{'benchmark':<36}{'old allocs':>12}{'new allocs':>12}{'delta':>12}"
    body = [f"{f'BenchmarkRef{k}-2':<36}{1000 + k:>12}{1500 + 9 * k:>12}{f'+{50 + k}.00%':>12}" for k in range(70)]
    rows = [head] + body + ["", allocs] + [x.replace("+", "+1") for x in body]
    f = table_frame(rows)
    assert f is not None and f.keep[1:51].all() and f.keep[73:123].all()
    assert f.repeat[51:71].all()  # past the first TABLE_RARE_ROWS names of a section


def test_a_semicolon_separated_report_is_a_table(shipped_compressor):
    # linkchecker -o csv: ';' between cells; its few invalid URLs among many valid ones were
    # cut as prose (a block of rows with three 404s dropped).
    header = "urlname;parentname;base;result;warningstring;infostring;valid;url;line;column;name"
    rows = []
    for i in range(60):
        bad = i in (17, 33, 51)
        rows.append(f"page{i}.html;http://127.0.0.1:18305/index.html;;{'404 File not found' if bad else '200 OK'};;;"
                    f"{not bad};http://127.0.0.1:18305/page{i}.html;{60 + i};25;Page {i}")
    t = find_table([header, *rows])
    assert t is not None and t.delim == ";" and t.width == 11
    out = shipped_compressor.compress("\n".join(["# created by LinkChecker", header, *rows]) + "\n").text.splitlines()
    assert all(rows[i] in out for i in (17, 33, 51)) and header in out
    assert sum(";200 OK;" in x for x in out) < 20
