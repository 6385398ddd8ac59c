"""The options of one compression call: defined, parsed and validated here and nowhere else.

Every entry point builds a :class:`CompressOptions` the same way, so a bad value gets the
same message everywhere:

* Python: ``Compressor.compress(text, rate=0.4)`` or ``compress(text, CompressOptions(...))``;
* CLI flags: :func:`add_arguments` (``kompress compress``, ``kompress proxy``, the hook);
* HTTP JSON: :meth:`CompressOptions.from_mapping` (``kompress serve``);
* environment variables: :meth:`CompressOptions.from_env` (``KOMPRESS_PROXY_RATE`` ...).

What the *model folder* decides (per-domain thresholds, granularity map, guard settings) is
the :class:`~kompress.decision.policy.DecisionPolicy`; an option left at ``None`` means "the
policy's value". Kept free of numpy and torch so light modules can import it.
"""

from __future__ import annotations

import argparse
import math
import os
from dataclasses import asdict, dataclass, fields, replace
from typing import Any, Callable, Mapping

from kompress.structure.domains import DOMAINS, GRANULARITIES


class OptionError(ValueError):
    """A compression option has a bad value; the message names the option and the value."""


def _number(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise OptionError(f"{name} must be a number, got {value!r}")
    try:
        x = float(value)
    except ValueError:
        raise OptionError(f"{name} must be a number, got {value!r}") from None
    if not math.isfinite(x):
        raise OptionError(f"{name} must be a finite number, got {value}")
    return x


def _unit(name: str, low_open: bool = False) -> Callable[[Any], float]:
    def check(value: Any) -> float:
        x = _number(name, value)
        if not (0.0 < x <= 1.0 if low_open else 0.0 <= x <= 1.0):
            raise OptionError(f"{name} must be in {'(0, 1]' if low_open else '[0, 1]'}, got {value}")
        return x

    return check


def _non_negative(name: str) -> Callable[[Any], float]:
    def check(value: Any) -> float:
        x = _number(name, value)
        if x < 0:
            raise OptionError(f"{name} must be >= 0, got {value}")
        return x

    return check


def _count(name: str) -> Callable[[Any], int]:
    def check(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, (int, str, float)):
            raise OptionError(f"{name} must be a whole number >= 0, got {value!r}")
        try:
            x = int(value) if not isinstance(value, float) or value.is_integer() else None
        except ValueError:
            x = None
        if x is None or x < 0:
            raise OptionError(f"{name} must be a whole number >= 0, got {value!r}")
        return x

    return check


def _choice(name: str, choices: tuple[str, ...]) -> Callable[[Any], str]:
    def check(value: Any) -> str:
        if value not in choices:
            raise OptionError(f"{name} must be one of {', '.join(choices)}, got {value!r}")
        return value

    return check


def _domain(value: Any) -> str:
    if value not in DOMAINS:
        raise OptionError(f"unknown domain {value!r}; choose one of: {', '.join(DOMAINS)}")
    return value


#: Longest query accepted (characters); the model reads its first ``max_query_tokens`` tokens.
MAX_QUERY_CHARS = 20_000


def _query(value: Any) -> str | None:
    if not isinstance(value, str):
        raise OptionError(f"query must be a string, got {value!r}")
    if len(value) > MAX_QUERY_CHARS:
        raise OptionError(f"query must be at most {MAX_QUERY_CHARS} characters, got {len(value)}")
    # Blank means "no query": a derived query may come out empty.
    return " ".join(value.split()) or None


def _positive_count(name: str) -> Callable[[Any], int]:
    count = _count(name)

    def check(value: Any) -> int:
        x = count(value)
        if x < 1:
            raise OptionError(f"{name} must be a whole number >= 1, got {value!r}")
        return x

    return check


def _flag(name: str) -> Callable[[Any], bool]:
    def check(value: Any) -> bool:
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in ("1", "true", "yes", "on", "0", "false", "no", "off"):
            return value.strip().lower() in ("1", "true", "yes", "on")
        raise OptionError(f"{name} must be true or false, got {value!r}")

    return check


@dataclass(frozen=True)
class OptionSpec:
    """How one option is parsed and presented (CLI flag, help); its rule is ``check``."""

    name: str
    check: Callable[[Any], Any]
    help: str
    metavar: str | None = None
    public: bool = True  # offered as a CLI flag / HTTP field (``markers`` is internal)


SPECS: dict[str, OptionSpec] = {s.name: s for s in (
    OptionSpec("query", _query,
               "what the agent is looking for (its question, thought or the tool call): keep the lines that "
               "answer it, the guard lines and markers, little else (needs a model with a query companion)", "Q"),
    OptionSpec("domain", _domain, "treat the input as this domain (default: detected)", "D"),
    OptionSpec("threshold", _unit("threshold"), "keep units scoring above T (default: the model's, per domain)", "T"),
    OptionSpec("rate", _unit("rate", low_open=True),
               "a budget instead of a threshold: R of the words (word mode) or tokens (line mode), the "
               "structure frame's lines first, then the best-scoring", "R"),
    OptionSpec("budget", _positive_count("budget"),
               "keep at most N model tokens, whole lines, best first (the guard lines always stay)", "N"),
    OptionSpec("granularity", _choice("granularity", GRANULARITIES),
               "word, line, or auto: the domain's default (default auto)"),
    OptionSpec("guard", _flag("guard"), "never drop critical lines, the last lines (the model policy's tail_lines) or must-keep words (default on)"),
    OptionSpec("min_tokens", _count("min_tokens"), "leave inputs shorter than N model tokens unchanged", "N"),
    OptionSpec("coverage", _unit("coverage"),
               "line mode: bring back dropped lines until F of the must-keep matches survive (default: the model's; "
               "0 = off)", "F"),
    OptionSpec("novelty", _non_negative("novelty"),
               "line mode: bring back dropped lines carrying >= R must-keep values per word not kept yet "
               "(default: the model's; 0 = off)", "R"),
    OptionSpec("structure", _flag("structure"),
               "collapse repeated structure (log templates, JSON arrays, listings) with counted markers, "
               "keep structured lines whole in word mode (default on)"),
    OptionSpec("markers", _flag("markers"), "announce dropped lines with one marker line each", public=False),
)}


@dataclass(frozen=True)
class CompressOptions:
    """Everything a caller may set for one compression call (``None``: the model's policy).

    Validated on construction: a bad value raises :class:`OptionError` (a ``ValueError``)
    naming the option, e.g. ``rate must be in (0, 1], got 1.5``.
    """

    query: str | None = None
    domain: str | None = None
    threshold: float | None = None
    rate: float | None = None
    budget: int | None = None
    granularity: str = "auto"
    guard: bool = True
    min_tokens: int = 0
    coverage: float | None = None
    novelty: float | None = None
    structure: bool = True
    markers: bool = True

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if value is None:
                continue
            object.__setattr__(self, f.name, SPECS[f.name].check(value))
        given = [n for n in ("threshold", "rate", "budget") if getattr(self, n) is not None]
        if len(given) > 1:
            raise OptionError(f"give one of threshold, rate and budget, not {' and '.join(given)}")

    def replace(self, **changes: Any) -> "CompressOptions":
        """A copy with ``changes`` applied (and validated)."""
        return replace(self, **changes)

    def to_dict(self, public_only: bool = True) -> dict[str, Any]:
        """The options that differ from the defaults (what a client sends to a server)."""
        default = CompressOptions()
        return {k: v for k, v in asdict(self).items()
                if v != getattr(default, k) and (SPECS[k].public or not public_only)}

    @classmethod
    def build(cls, base: "CompressOptions | None" = None, **values: Any) -> "CompressOptions":
        """``base`` (or the defaults) with ``values`` applied; unknown names are an error."""
        unknown = sorted(set(values) - set(SPECS))
        if unknown:
            raise TypeError(f"unknown compression option(s): {', '.join(unknown)}; "
                            f"known: {', '.join(SPECS)}")
        return replace(base or cls(), **values)

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any], base: "CompressOptions | None" = None,
                     ignore: tuple[str, ...] = ()) -> "CompressOptions":
        """From JSON-like data (an HTTP body): JSON ``null`` means "default"; a key that is
        not a public option raises :class:`OptionError`, except those named in ``ignore``."""
        values = {}
        for key, value in data.items():
            if key in ignore:
                continue
            if key not in SPECS or not SPECS[key].public:
                raise OptionError(f"unknown option {key!r}; known: {', '.join(n for n, s in SPECS.items() if s.public)}")
            if value is not None:
                values[key] = value
        return replace(base or cls(), **values)

    @classmethod
    def from_env(cls, prefix: str, environ: Mapping[str, str] | None = None,
                 base: "CompressOptions | None" = None, names: tuple[str, ...] | None = None) -> "CompressOptions":
        """From ``<prefix><OPTION>`` variables (e.g. ``KOMPRESS_PROXY_RATE=0.4``) of the options
        in ``names`` (default: all public ones); an empty variable is unset."""
        env = os.environ if environ is None else environ
        values = {}
        for name, spec in SPECS.items():
            raw = env.get(prefix + name.upper(), "")
            if spec.public and (names is None or name in names) and raw != "":
                try:
                    values[name] = spec.check(raw)
                except OptionError as e:
                    raise OptionError(f"{prefix + name.upper()}: {e}") from None
        return replace(base or cls(), **values)

    @classmethod
    def from_args(cls, args: argparse.Namespace, base: "CompressOptions | None" = None) -> "CompressOptions":
        """From flags added by :func:`add_arguments` (flags left unset keep ``base``'s value)."""
        values = {n: getattr(args, n) for n in SPECS if getattr(args, n, None) is not None}
        return replace(base or cls(), **values)


def argument_type(name: str) -> Callable[[str], Any]:
    """An argparse ``type`` that applies the option's own rule (same message as Python/HTTP)."""
    check = SPECS[name].check

    def parse(value: str) -> Any:
        try:
            return check(value)
        except OptionError as e:
            raise argparse.ArgumentTypeError(str(e)) from None

    parse.__name__ = name  # argparse names the type in some messages
    return parse


def add_arguments(parser: argparse.ArgumentParser, names: tuple[str, ...] | None = None) -> None:
    """Add the compression options as flags (``--rate R`` ...), all defaulting to ``None`` so
    that :meth:`CompressOptions.from_args` falls through to a base (defaults, environment).
    ``guard`` becomes ``--no-guard``; ``threshold`` and ``rate`` exclude each other."""
    names = names or tuple(n for n, s in SPECS.items() if s.public)
    group = parser.add_mutually_exclusive_group() if {"threshold", "rate"} <= set(names) else parser
    for name in names:
        spec = SPECS[name]
        flag = "--" + name.replace("_", "-")
        if name == "guard":
            parser.add_argument("--no-guard", dest="guard", action="store_const", const=False, default=None,
                                help="let the model drop critical lines and must-keep words (for evaluation)")
        elif name == "structure":
            parser.add_argument("--no-structure", dest="structure", action="store_const", const=False, default=None,
                                help="do not collapse repeated structure (log templates, JSON arrays, listings) "
                                     "and let word mode cut inside structured lines")
        elif name == "granularity":
            parser.add_argument(flag, dest=name, choices=GRANULARITIES, default=None, help=spec.help)
        elif name == "domain":
            parser.add_argument(flag, dest=name, choices=list(DOMAINS), default=None, help=spec.help)
        else:
            target = group if name in ("threshold", "rate", "budget") else parser
            target.add_argument(flag, dest=name, type=argument_type(name), default=None, metavar=spec.metavar,
                                help=spec.help)


def check_options(threshold: float | None = None, rate: float | None = None, coverage: float | None = None,
                  novelty: float | None = None) -> None:
    """Raise :class:`OptionError` for a bad combination (the rules of :class:`CompressOptions`)."""
    CompressOptions(threshold=threshold, rate=rate, coverage=coverage, novelty=novelty)
