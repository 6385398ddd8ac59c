"""The notebooks in notebooks/: the quick start runs top to bottom (nbclient, this venv's
kernel) on a tiny subset and really trains, evaluates and compresses; the production run is too
long for CI, so every ``kompress ...`` command line in it is checked against the real parser
and every ``kompress`` import against the package."""

from __future__ import annotations

import ast
import importlib
import os
import re
import shlex
import sys
from pathlib import Path
from unittest import mock

import nbformat
import pytest
from nbclient import NotebookClient

from kompress import MARKER_RE, Compressor
from kompress.cli import build_parser

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
SAMPLES = ROOT / "samples"

# A few dozen items from families that need no extra programs (train 23, val 1, test 4),
# two encoder layers, 64-token windows, a 2,000-token training sample: seconds per stage.
TINY = {
    "KOMPRESS_NB_SCALE": "0.02",
    "KOMPRESS_NB_FAMILIES": "python-traceback,pytest,api-json,app-log",
    "KOMPRESS_NB_EPOCHS": "1",
    "KOMPRESS_NB_ENCODER_LAYERS": "2",
    "KOMPRESS_NB_LORA_LAYERS": "1",
    "KOMPRESS_NB_MAX_LENGTH": "64",
    "KOMPRESS_NB_MAX_TRAIN_TOKENS": "2000",
    "KOMPRESS_NB_EVAL_LIMIT": "4",
}
DROPPED = re.compile(r"\[-.*?-\]", re.S)


def _code_cells(nb) -> list[str]:
    return [c.source for c in nb.cells if c.cell_type == "code"]


def _text_of(cell) -> str:
    """Everything a code cell printed (streams and plain-text results)."""
    out = []
    for o in cell.get("outputs", []):
        if o.output_type == "stream":
            out.append(o.text)
        elif "data" in o:
            out.append(o.data.get("text/plain", ""))
    return "".join(out)


def _cell(nb, needle: str):
    found = [c for c in nb.cells if c.cell_type == "code" and needle in c.source]
    assert len(found) == 1, f"expected one cell containing {needle!r}, found {len(found)}"
    return found[0]


@pytest.fixture(scope="module")
def quickstart(tmp_path_factory):
    """quickstart.ipynb executed on the tiny subset: (the executed notebook, its run folder)."""
    run = tmp_path_factory.mktemp("nb-quickstart")
    nb = nbformat.read(NOTEBOOKS / "quickstart.ipynb", as_version=4)
    # The kernel inherits this environment: the tiny sizes, and conftest's per-run
    # KOMPRESS_CACHE, so ONNX exports never touch the user's cache.
    with mock.patch.dict(os.environ, {**TINY, "KOMPRESS_NB_RUN_DIR": str(run)}):
        NotebookClient(nb, timeout=600, kernel_name="python3",
                       resources={"metadata": {"path": str(NOTEBOOKS)}}).execute()
    return nb, run


def test_quickstart_runs_on_this_venvs_kernel(quickstart):
    nb, _ = quickstart
    printed = _text_of(_cell(nb, "def kompress("))
    assert f"python {sys.prefix}\n" in printed, printed


def test_quickstart_trains_a_model_that_compresses(quickstart):
    nb, run = quickstart
    model = run / "train" / "model"
    assert (model / "config.json").is_file() and (model / "heads.safetensors").is_file()
    assert (run / "data" / "summary.json").is_file()
    eval_md = (run / "eval" / "eval.md").read_text()
    assert "kompress" in eval_md and "random whole lines" in eval_md  # the baselines beside it
    # The folder the notebook trained is a working model here too (ONNX, as the runtime runs it).
    text = (SAMPLES / "pytest_failure.txt").read_text()
    r = Compressor.load(model).compress(text)
    assert 0 < r.tokens_out < r.tokens_in
    assert any(MARKER_RE.match(line) for line in r.text.splitlines())


@pytest.mark.parametrize("which", ["r_trained", "r_shipped"])
def test_quickstart_shows_kept_and_dropped_text(quickstart, which):
    nb, _ = quickstart
    shown = _text_of(_cell(nb, f"show(live, {which})"))
    dropped = DROPPED.findall(shown)
    kept = DROPPED.sub("", shown)
    assert dropped, shown  # some words dropped ...
    assert "test_apples" in kept and "KeyError: 'kiwi'" in kept  # ... the failure kept
    assert not any("KeyError" in d for d in dropped)


def _check_commands(path: Path, env: dict[str, str]) -> set[str]:
    """Parse every ``kompress(...)`` command line in ``path`` with the real CLI parser, the
    f-strings filled from the notebook's own parameters cell (run under ``env``) and its plain
    assignments; check every ``from kompress... import`` name exists. Returns the subcommands."""
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    params = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(params) == 1, f"{path.name}: one cell tagged 'parameters'"
    ns: dict = {}
    with mock.patch.dict(os.environ, env):
        exec(params[0].source, ns)
    ns.update(ROOT=ROOT, RUN=ROOT / "runs" / ns["RUN_NAME"], Path=Path, os=os)
    parser = build_parser()
    commands: set[str] = set()
    for source in _code_cells(nb):
        tree = ast.parse(source)  # every cell is plain Python (no shell escapes)
        for stmt in tree.body:
            # Plain assignments (paths, flag fragments) feed the command lines below them.
            if isinstance(stmt, ast.Assign) and not any(isinstance(n, ast.Call) for n in ast.walk(stmt.value)):
                exec(compile(ast.Module([stmt], []), path.name, "exec"), ns)
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("kompress"):
                module = importlib.import_module(node.module)
                for alias in node.names:
                    assert hasattr(module, alias.name), f"{path.name}: {node.module} has no {alias.name}"
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "kompress":
                cmdline = eval(compile(ast.Expression(node.args[0]), path.name, "eval"), ns)
                argv = shlex.split(cmdline)
                try:
                    args = parser.parse_args(argv)
                except SystemExit as e:
                    pytest.fail(f"{path.name}: `kompress {cmdline}` does not parse (exit {e.code})")
                assert getattr(args, "func", None), f"{path.name}: `kompress {cmdline}` names no command"
                commands.add(" ".join(argv[:2]) if argv[0] == "data" else argv[0])
    return commands


def test_production_notebook_uses_real_commands():
    # With a hub repository named, so the pipeline line carries --push-to-hub too.
    env = {"KOMPRESS_NB_HUB_REPO": "someone/kompress-test"}
    commands = _check_commands(NOTEBOOKS / "production.ipynb", env)
    assert {"data build", "train", "calibrate", "eval", "export", "pipeline"} <= commands


def test_quickstart_commands_parse_at_default_sizes():
    # The executed run above uses the tiny sizes; the defaults (the blog's 500 items) must parse too.
    commands = _check_commands(NOTEBOOKS / "quickstart.ipynb", {})
    assert {"data build", "train", "eval"} <= commands
