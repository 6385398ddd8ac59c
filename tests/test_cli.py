import json
import subprocess
import sys

import pytest

from kompress.cli import main

from .conftest import SAMPLES


def test_json_output(minilm_dir, capsys):
    assert main(["compress", str(SAMPLES / "gdb_segfault.txt"), "--model", str(minilm_dir), "--json", "--rate", "0.5"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert set(d) == {"text", "keep_rate", "domain", "tokens_in", "tokens_out"}
    assert d["domain"] == "crash" and "SIGSEGV" in d["text"] and 0 < d["keep_rate"] < 1


def test_show_strikes_dropped(minilm_dir, capsys):
    assert main(["compress", str(SAMPLES / "gdb_segfault.txt"), "--model", str(minilm_dir), "--show",
                 "--threshold", "1.0", "--granularity", "word"]) == 0
    out = capsys.readouterr()
    assert "SIGSEGV" in out.out and "keep_rate" in out.err


@pytest.mark.parametrize("args,msg", [
    (["missing.txt"], "no such file"),
    ([str(SAMPLES)], "is a directory"),
    (["--rate", "0"], "rate must be in (0, 1], got 0"),
    (["--threshold", "abc"], "must be a number"),
])
def test_bad_input_one_line_error(args, msg, capsys):
    with pytest.raises(SystemExit) if args[0].startswith("--") else _noop():
        rc = main(["compress", *args])
        assert rc == 2
    err = capsys.readouterr().err
    assert msg in err and "Traceback" not in err


class _noop:
    def __enter__(self):
        return self

    def __exit__(self, *a):
        return False


def test_invalid_utf8_and_replace(minilm_dir, tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"ERROR at \xff\xfe line 3\n")
    cmd = [sys.executable, "-m", "kompress.cli", "compress", str(bad), "--model", str(minilm_dir), "--threshold", "0"]
    p = subprocess.run(cmd, capture_output=True, text=True)
    assert p.returncode == 2 and "invalid UTF-8 at byte 9" in p.stderr and "--errors replace" in p.stderr
    p = subprocess.run(cmd + ["--errors", "replace"], capture_output=True, text=True)
    assert p.returncode == 0 and "\ufffd" in p.stdout and "ERROR" in p.stdout


def test_empty_input_empty_output(tmp_path):
    f = tmp_path / "empty.txt"
    f.write_text("")
    p = subprocess.run([sys.executable, "-m", "kompress.cli", "compress", str(f)], capture_output=True, text=True)
    assert p.returncode == 0 and p.stdout == ""


def test_help_lists_compress():
    p = subprocess.run([sys.executable, "-m", "kompress.cli", "--help"], capture_output=True, text=True)
    assert p.returncode == 0 and "compress" in p.stdout


def test_coverage_option_keeps_more_values(minilm_dir, capsys):
    from kompress.decision.mustkeep import must_keep_matches

    path = SAMPLES / "service_log.txt"
    text = path.read_text()
    outs = []
    for extra in ([], ["--coverage", "0.95"]):
        assert main(["compress", str(path), "--model", str(minilm_dir), "--domain", "log", "--threshold", "0.99",
                     "--no-structure", *extra]) == 0
        outs.append(capsys.readouterr().out)
    ms = must_keep_matches(text)
    exact = [sum(m in o for m in ms) / len(ms) for o in outs]
    assert exact[1] >= 0.95 > exact[0]
    with pytest.raises(SystemExit):
        main(["compress", str(path), "--model", str(minilm_dir), "--coverage", "2"])
    assert "coverage must be in [0, 1], got 2" in capsys.readouterr().err
    assert main(["compress", str(path), "--model", str(minilm_dir), "--domain", "log", "--threshold", "0.99",
                 "--novelty", "0.3", "--no-structure"]) == 0
    with_novelty = capsys.readouterr().out
    assert sum(m in with_novelty for m in ms) / len(ms) > exact[0]
    assert set(outs[0].splitlines()) <= set(with_novelty.splitlines()) | {x for x in outs[0].splitlines() if "omitted" in x}
