"""Metric code of the real-log benchmark (benchmarks/bench_logs.py, benchmarks/logs/)."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "benchmarks", "logs"))

from events import assign_types, mask  # noqa: E402
from metric import first_per_type, last_n, match_output, random_drop, score_window  # noqa: E402

LOG = """2026-12-02 10:50:54,488 INFO  [main] c.a.j.JobRunner - JobRunner starting, java=17.0.15 cpus=2
2026-12-02 10:50:54,514 INFO  [w-1] c.a.j.JobRunner - job done file=/etc/a bytes=12 lines=3 took=5us
2026-12-02 10:50:54,515 INFO  [w-1] c.a.j.JobRunner - job done file=/etc/b bytes=40 lines=9 took=7us
2026-12-02 10:50:54,516 INFO  [w-2] c.a.j.JobRunner - job done file=/etc/c bytes=41 lines=1 took=3us
2026-12-02 10:50:54,573 ERROR [w-2] c.a.j.JobRunner - job failed for /etc/nginx/ghost.conf
java.nio.file.NoSuchFileException: /etc/nginx/ghost.conf
\tat java.base/sun.nio.fs.UnixException.translateToIOException(UnixException.java:92)
2026-12-02 10:50:54,600 INFO  [w-1] c.a.j.JobRunner - job done file=/etc/d bytes=1 lines=1 took=2us
2026-12-02 10:50:54,700 INFO  [main] c.a.j.JobRunner - JobRunner stopped""".split("\n")


def _typed():
    t = assign_types(LOG, "java_log4j")
    return t.types, t.heads, t.alert


def test_types_follow_format_and_continuations():
    types, heads, alert = _typed()
    assert types[1] == types[2] == types[3] == types[7]  # same event, different values
    assert heads[5] is False and heads[6] is False  # stack trace belongs to the record above
    assert types[5] == types[4]
    assert alert[types[4]] and not alert[types[1]]
    assert mask('user=bob at 10.0.0.1:22 took 3ms "x y" /var/log/a.log') == "user=<*> at <IP> took <*> <STR> <PATH>"


def test_all_types_kept_scores_one():
    types, heads, alert = _typed()
    c = score_window(LOG, types, heads, alert, "\n".join(LOG)).summary()
    assert c["types_kept"] == c["once_kept"] == c["alert_kept"] == c["line_fidelity"] == c["word_keep"] == 1.0
    ideal = score_window(LOG, types, heads, alert, first_per_type(LOG, types, heads)).summary()
    assert ideal["types_kept"] == ideal["once_kept"] == ideal["alert_kept"] == ideal["line_fidelity"] == 1.0
    assert ideal["word_keep"] < 1.0


def test_dropping_a_once_type_lowers_scores():
    types, heads, alert = _typed()
    out = LOG[:4] + ["[... 3 lines omitted ...]"] + LOG[7:]  # the only ERROR record is gone
    c = score_window(LOG, types, heads, alert, "\n".join(out)).summary()
    assert c["once_kept"] < 1.0 and c["alert_kept"] == 0.0 and c["types_kept"] < 1.0
    assert c["line_fidelity"] == 1.0 and c["word_keep"] < 1.0 and c["marker_words"] > 0


def test_non_line_output_lowers_fidelity():
    types, heads, alert = _typed()
    out = list(LOG)
    out[0] = "JobRunner starting, java=17.0.15"  # words dropped inside a line: not a whole line
    out.append("summary: 5 jobs, 1 failure")  # invented line
    c = score_window(LOG, types, heads, alert, "\n".join(out)).summary()
    assert c["line_fidelity"] < 1.0
    assert c["types_kept"] < 1.0 and c["types_shown"] == 1.0
    m = match_output(LOG, out)
    assert m.n_partial == 1 and m.n_other == 1


def test_baselines_respect_budget():
    words = sum(len(l.split()) for l in LOG)
    for out in (random_drop(LOG, words / 3, 0), last_n(LOG, words / 3)):
        m = match_output(LOG, out.split("\n"))
        assert sum(len(LOG[i].split()) for i in m.kept) <= words / 3
        assert m.n_other == 0 and m.n_partial == 0
