"""Faithful compression on real tool outputs: kept lines are real lines, drops are
announced, polarity survives (issue: never hand the agent a plausible but false output)."""

import re
import subprocess

import numpy as np
import pytest

from kompress import MARKER_RE
from kompress.cli import main
from kompress.decision.mustkeep import is_polarity

from .conftest import SAMPLES

ROOT = SAMPLES.parent


def _run(cmd, cwd=ROOT):
    return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, check=False).stdout


@pytest.fixture(scope="module")
def grep_output():
    out = _run(["grep", "-rn", "-A1", "def ", "src/kompress/rendering/render.py", "src/kompress/structure/units.py", "src/kompress/structure/domains.py",
                "src/kompress/scoring/windows.py", "src/kompress/decision/mustkeep.py"])
    assert out.count("\n") > 10
    return out


@pytest.fixture(scope="module")
def ls_output(tmp_path_factory):
    d = tmp_path_factory.mktemp("tree")
    (d / ".git" / "objects").mkdir(parents=True)
    for i in range(30):
        (d / ".git" / "objects" / f"obj{i:02d}").write_text("x" * i)
    (d / "src").mkdir()
    (d / "src" / "main.py").write_text("print('hi')\n")
    (d / "README.md").write_text("# hi\n")
    return _run(["ls", "-laR", str(d)])


def _assert_faithful_lines(out: str, src: str) -> None:
    lines = set(src.splitlines())
    for line in out.splitlines():
        assert line in lines or MARKER_RE.match(line), f"not an input line: {line!r}"


def _omitted(out: str) -> int:
    return sum(int(m.group(1)) for m in map(MARKER_RE.match, out.splitlines()) if m)


def test_grep_hits_keep_their_matched_text(minilm_compressor, grep_output):
    r = minilm_compressor.compress(grep_output, rate=0.3)
    assert r.domain == "grep" and r.granularity == "line"
    _assert_faithful_lines(r.text, grep_output)
    hits = [ln for ln in r.text.splitlines() if re.match(r"^[\w./-]+:\d+:", ln)]
    assert hits and all("def " in ln for ln in hits)  # never a path:line without its match
    kept = len([x for x in r.text.splitlines() if not MARKER_RE.match(x)])
    assert kept + _omitted(r.text) == len(grep_output.splitlines())


def test_ls_la_rows_are_never_reduced_to_numbers(minilm_compressor, ls_output):
    r = minilm_compressor.compress(ls_output, rate=0.4)
    assert r.domain == "tree" and r.granularity == "line"
    _assert_faithful_lines(r.text, ls_output)
    assert any(MARKER_RE.match(x) for x in r.text.splitlines())  # the dropped rows are announced


def test_log_lines_whole_and_markers_count(minilm_compressor):
    log = "".join(
        f"2024-05-01 12:00:{i % 60:02d},{i:03d} INFO worker-{i % 3} processed batch {i} in {i * 7 % 90} ms\n"
        for i in range(80)
    ) + "2024-05-01 12:01:21,000 ERROR worker-2 failed to write /var/lib/app/out.db: disk full\n"
    r = minilm_compressor.compress(log, rate=0.2)
    assert r.domain == "log" and r.granularity == "line"
    _assert_faithful_lines(r.text, log)
    assert "ERROR worker-2 failed to write /var/lib/app/out.db: disk full" in r.text  # critical line guard
    kept = len([x for x in r.text.splitlines() if not MARKER_RE.match(x)])
    assert kept + _omitted(r.text) == 81


def test_diff_kept_lines_are_byte_identical(minilm_compressor, tmp_path):
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    f = tmp_path / "calc.py"
    f.write_text("".join(f"def f{i}(x):\n    return x + {i}\n\n" for i in range(30)))
    env = ["-c", "user.name=t", "-c", "user.email=t@e"]
    subprocess.run(["git", *env, "-C", str(tmp_path), "add", "."], check=True)
    subprocess.run(["git", *env, "-C", str(tmp_path), "commit", "-qm", "x"], check=True)
    f.write_text(f.read_text().replace("return x + 7", "return x - 7").replace("return x + 21", "return None"))
    diff = _run(["git", "-C", str(tmp_path), "diff"], cwd=tmp_path)
    r = minilm_compressor.compress(diff, rate=0.5)
    assert r.domain == "diff" and r.granularity == "line"
    _assert_faithful_lines(r.text, diff)
    assert r.text.encode() == minilm_compressor.compress(diff, rate=0.5).text.encode()  # deterministic markers


def test_prose_keeps_polarity_even_when_model_drops_everything(minilm_compressor):
    prose = ("The configuration file does not exist and the service cannot start. Access was denied, "
             "the upload failed without a retry, and there is no cache.\n")
    r = minilm_compressor.compress(prose, domain="text", threshold=1.0)
    assert r.granularity == "word"
    words = prose.split()
    kept = r.text.split()
    for w in words:
        if is_polarity(w):
            assert w in kept, w
    raw = minilm_compressor.compress(prose, domain="text", threshold=1.0, guard=False)
    assert not np.any(raw.word_keep)


def test_granularity_flag_and_floor(minilm_dir, grep_output, tmp_path, capsys):
    f = tmp_path / "grep.txt"
    f.write_text(grep_output)
    import json

    # Word mode cuts inside lines only where structure is off: grep hits are structured lines.
    assert main(["compress", str(f), "--model", str(minilm_dir), "--granularity", "word", "--rate", "0.3", "--json",
                 "--no-structure"]) == 0
    word_mode = json.loads(capsys.readouterr().out)["text"]
    assert any(line not in grep_output.splitlines() and not MARKER_RE.match(line) for line in word_mode.splitlines())
    assert main(["compress", str(f), "--model", str(minilm_dir), "--granularity", "word", "--rate", "0.3", "--json"]) == 0
    whole = json.loads(capsys.readouterr().out)["text"]
    assert all(line in grep_output.splitlines() or MARKER_RE.match(line) for line in whole.splitlines())
    assert main(["compress", str(f), "--model", str(minilm_dir), "--min-tokens", "100000", "--rate", "0.3"]) == 0
    assert capsys.readouterr().out == grep_output  # under the floor: unchanged
