"""Helpers shared by subcommands: input reading and option validation."""

from __future__ import annotations

import argparse
import math
import os
import sys

from kompress.cli.errors import CliError


def read_input(path: str, errors: str = "strict") -> str:
    """Read FILE or stdin (``-``) as UTF-8, with one-line errors for bad input."""
    if path == "-":
        data = sys.stdin.buffer.read()
        name = "<stdin>"
    else:
        if not os.path.exists(path):
            raise CliError(f"{path}: no such file")
        if os.path.isdir(path):
            raise CliError(f"{path}: is a directory; give a file or - for stdin")
        try:
            with open(path, "rb") as f:
                data = f.read()
        except OSError as e:
            raise CliError(f"{path}: cannot read: {e.strerror}") from e
        name = path
    if b"\x00" in data[:8192] and errors == "strict":
        raise CliError(f"{name}: looks binary (NUL bytes); pass --errors replace to compress it anyway")
    try:
        return data.decode("utf-8", errors=errors)
    except UnicodeDecodeError as e:
        raise CliError(
            f"{name}: invalid UTF-8 at byte {e.start}; pass --errors replace to substitute U+FFFD and go on"
        ) from e


def unit_float(name: str, low_open: bool = False):
    """argparse type: a float in [0, 1] (or (0, 1] with ``low_open``)."""

    def parse(value: str) -> float:
        try:
            x = float(value)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{name} must be a number, got {value!r}") from None
        if not (0.0 < x <= 1.0 if low_open else 0.0 <= x <= 1.0):
            raise argparse.ArgumentTypeError(f"{name} must be in {'(0, 1]' if low_open else '[0, 1]'}, got {value}")
        return x

    return parse


def _number(value: str, kind: type, low: float, strict: bool) -> float:
    """Parse ``value`` as ``kind`` (int or float) that is > ``low`` (``strict``) or >= ``low``."""
    try:
        x = kind(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected {'a whole number' if kind is int else 'a number'}, got {value!r}") from None
    if kind is float and not math.isfinite(x):  # nan compares false with everything: reject it by name
        raise argparse.ArgumentTypeError(f"expected a finite number, got {value!r}")
    if x < low or (strict and x == low):
        raise argparse.ArgumentTypeError(f"expected {'>' if strict else '>='} {low:g}, got {value}")
    return x


def non_negative_int(value: str) -> int:
    """argparse type: a whole number >= 0."""
    return int(_number(value, int, 0, strict=False))


def positive_int(value: str) -> int:
    """argparse type: a whole number >= 1."""
    return int(_number(value, int, 1, strict=False))


def non_negative_float(value: str) -> float:
    """argparse type: a number >= 0."""
    return _number(value, float, 0, strict=False)


def positive_float(value: str) -> float:
    """argparse type: a number > 0."""
    return _number(value, float, 0, strict=True)


def port_number(value: str) -> int:
    """argparse type: a TCP port, 0 (any free port) to 65535."""
    port = int(_number(value, int, 0, strict=False))
    if port > 65535:
        raise argparse.ArgumentTypeError(f"a port is 0..65535, got {value}")
    return port


def load_error(model: str | None, e: BaseException) -> CliError:
    """One line for a model that exists but cannot be loaded (a truncated or corrupt
    ``model.int8.onnx`` raises onnxruntime's ``InvalidProtobuf``, a bad safetensors file a
    ``SafetensorError``): what failed, where, and what to do."""
    first = str(e).strip().splitlines()[0] if str(e).strip() else ""
    where = model or "the default model"
    return CliError(f"cannot load the model from {where}: {type(e).__name__}: {first[:300]} "
                    "(a file of the model folder is damaged or truncated: re-download or re-export it, "
                    "or delete the cached ONNX export to rebuild it)")


def add_backend_argument(p: argparse.ArgumentParser, default: str | None = "auto") -> None:
    """The ``--backend`` option shared by every command that loads a model (``default=None``
    where a config file may set it)."""
    from kompress.compressor import BACKENDS

    p.add_argument("--backend", choices=BACKENDS, default=default,
                   help="auto (default): ONNX Runtime, int8 when the model's eval validated it, exported "
                        "once on first use and cached; or onnx, onnx-int8, torch")
