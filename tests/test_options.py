"""One definition of the compression options: every entry point gives a bad value the same message."""

import json
import subprocess
import sys
import urllib.error
import urllib.request

import pytest

from kompress.decision.options import CompressOptions, OptionError
from kompress.integrations import claude_code as cc
from kompress.serving.proxy.config import ProxyConfig
from kompress.serving.server import create_app, remote_compress, serve_in_thread

from .conftest import SAMPLES

# (option, bad value as text, message every entry point must show)
BAD = [
    ("rate", "1.5", "rate must be in (0, 1], got 1.5"),
    ("threshold", "nan", "threshold must be a finite number, got nan"),
    ("novelty", "-1", "novelty must be >= 0, got -1"),
    ("coverage", "2", "coverage must be in [0, 1], got 2"),
]
TEXT = (SAMPLES / "service_log.txt").read_text()


@pytest.fixture(scope="module")
def server_url(minilm_compressor):
    with serve_in_thread(create_app(minilm_compressor, verify_batching=False)) as url:
        yield url


def _python(name, raw, compressor):
    with pytest.raises(OptionError) as e:
        compressor.compress(TEXT, **{name: _as_json(raw)})
    return str(e.value)


def _as_json(raw: str):
    return float(raw)


def _http(name, raw, url):
    body = json.dumps({"text": TEXT, name: _as_json(raw)}).encode()
    req = urllib.request.Request(url + "/compress", data=body, method="POST", headers={"Content-Type": "application/json"})
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(req, timeout=60)
    assert e.value.code == 422
    return json.loads(e.value.read())["error"]


def _cli(args):
    p = subprocess.run([sys.executable, "-m", "kompress.cli", *args], capture_output=True, text=True, input=TEXT)
    assert p.returncode == 2 and "Traceback" not in p.stderr
    return p.stderr


@pytest.mark.parametrize("name,raw,message", BAD)
def test_same_message_from_every_entry_point(name, raw, message, minilm_compressor, server_url, minilm_dir):
    flag = "--" + name.replace("_", "-")
    # Python API
    assert message in _python(name, raw, minilm_compressor)
    # compress server (HTTP JSON), and its client, which checks before sending
    assert message in _http(name, raw, server_url)
    with pytest.raises(OptionError, match=message.replace("(", r"\(").replace(")", r"\)").replace("[", r"\[")):
        remote_compress(server_url, TEXT, **{name: _as_json(raw)})
    # CLI flags: compress, proxy, install
    assert message in _cli(["compress", "-", "--model", str(minilm_dir), flag, raw])
    assert message in _cli(["proxy", "--mode", "off", flag, raw])
    assert message in _cli(["install", "claude-code", "--settings", "/nonexistent/s.json", flag, raw])
    # proxy environment variable
    with pytest.raises(OptionError) as e:
        ProxyConfig.from_env({"KOMPRESS_PROXY_" + name.upper(): raw})
    assert message in str(e.value)
    # the Claude Code hook: passes the output through (exit 0, nothing on stdout), says why on stderr
    p = subprocess.run([sys.executable, "-m", cc.HOOK_MODULE, "--server", "none", flag, raw],
                       input=json.dumps({"tool_name": "Bash", "tool_response": {"stdout": TEXT}}),
                       capture_output=True, text=True)
    assert p.returncode == 0 and p.stdout == "" and message in p.stderr


def test_options_from_each_source_agree():
    import argparse

    from kompress.decision.options import add_arguments

    parser = argparse.ArgumentParser()
    add_arguments(parser)
    args = parser.parse_args(["--rate", "0.4", "--granularity", "line", "--no-guard", "--min-tokens", "7"])
    from_cli = CompressOptions.from_args(args)
    from_json = CompressOptions.from_mapping({"rate": 0.4, "granularity": "line", "guard": False, "min_tokens": 7})
    from_env = CompressOptions.from_env("X_", {"X_RATE": "0.4", "X_GRANULARITY": "line", "X_GUARD": "false",
                                               "X_MIN_TOKENS": "7"})
    from_py = CompressOptions(rate=0.4, granularity="line", guard=False, min_tokens=7)
    assert from_cli == from_json == from_env == from_py
    assert from_py.to_dict() == {"rate": 0.4, "granularity": "line", "guard": False, "min_tokens": 7}


@pytest.mark.parametrize("data,message", [
    ({"rate": True}, "rate must be a number"),
    ({"min_tokens": 1.5}, "min_tokens must be a whole number"),
    ({"guard": "maybe"}, "guard must be true or false"),
    ({"colour": "red"}, "unknown option 'colour'"),
    ({"markers": False}, "unknown option 'markers'"),  # internal, not offered over HTTP
    ({"rate": 0.5, "threshold": 0.5}, "not threshold and rate"),
])
def test_mapping_rejects_wrong_types_and_unknown_keys(data, message):
    with pytest.raises(OptionError, match=message):
        CompressOptions.from_mapping(data)


def test_unknown_keyword_names_the_known_ones(minilm_compressor):
    with pytest.raises(TypeError, match="unknown compression option.*known: query, domain"):
        minilm_compressor.compress("x", ratio=0.5)
