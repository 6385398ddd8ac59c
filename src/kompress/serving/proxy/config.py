"""Proxy settings: one dataclass, filled from defaults, then environment, then CLI flags.

Environment variables (a flag given on the command line wins):

=================================  ===========================  ==========================
variable                           flag                         default
=================================  ===========================  ==========================
KOMPRESS_PROXY_UPSTREAM_OPENAI     --upstream-openai            https://api.openai.com
KOMPRESS_PROXY_UPSTREAM_ANTHROPIC  --upstream-anthropic         https://api.anthropic.com
KOMPRESS_PROXY_HOST                --host                       127.0.0.1
KOMPRESS_PROXY_PORT                --port                       8787
KOMPRESS_PROXY_MODE                --mode                       compress
KOMPRESS_PROXY_MIN_TOKENS          --min-tokens                 500
KOMPRESS_PROXY_LOG_DB              --log-db                     (none: no pairs stored)
KOMPRESS_PROXY_LOG_JOURNAL         --log-journal                next to a SQLite file, else in the cache; off: none
KOMPRESS_PROXY_SHUTDOWN_TIMEOUT    --shutdown-timeout           20 (seconds)
KOMPRESS_PROXY_EXCLUDE_TOOLS       --exclude-tools              (none)
KOMPRESS_PROXY_COMPRESS_FILE_READS --compress-file-reads        0 (off: file views pass whole)
KOMPRESS_PROXY_RATE                --rate                       (the model's threshold)
KOMPRESS_PROXY_THRESHOLD           --threshold                  (the model's threshold)
KOMPRESS_PROXY_GRANULARITY         --granularity                auto
KOMPRESS_PROXY_COVERAGE            --coverage                   (the model's coverage_floor)
KOMPRESS_PROXY_NOVELTY             --novelty                    (the model's novelty)
KOMPRESS_PROXY_STRUCTURE           --no-structure               1 (on: collapse repeated structure)
KOMPRESS_PROXY_BUDGET_MS           --budget-ms                  5000
KOMPRESS_PROXY_CACHE_ENTRIES       --cache-entries              4096
KOMPRESS_PROXY_UPSTREAM_TIMEOUT    --upstream-timeout           600
KOMPRESS_PROXY_NOTE                --no-note                    1 (on)
KOMPRESS_PROXY_DERIVE_QUERY        --derive-query               0 (off: see the README's query results)
KOMPRESS_PROXY_MAX_BODY_BYTES      --max-body-bytes             67108864 (64 MiB)
KOMPRESS_MODEL                     --model                      the shipped default model
=================================  ===========================  ==========================
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field, fields
from typing import Any, Mapping

from kompress.decision.options import CompressOptions

#: The compression options the proxy takes (flags and KOMPRESS_PROXY_* variables), defined in
#: :mod:`kompress.decision.options`.
OPTION_NAMES = ("threshold", "rate", "granularity", "min_tokens", "coverage", "novelty", "structure")
#: Tool outputs shorter than this many model tokens are never touched by default.
DEFAULT_OPTIONS = CompressOptions(min_tokens=500)
ENV_PREFIX = "KOMPRESS_PROXY_"

MODES = ("compress", "shadow", "off")
#: ``--log-journal`` values that turn the journal off.
JOURNAL_OFF = ("off", "none", "0", "false", "no")


@dataclass
class ProxyConfig:
    """Everything :func:`kompress.serving.proxy.create_app` needs."""

    upstream_openai: str = "https://api.openai.com"
    upstream_anthropic: str = "https://api.anthropic.com"
    host: str = "127.0.0.1"
    port: int = 8787
    mode: str = "compress"  # compress | shadow (log, forward the original) | off (pass-through)
    log_db: str | None = None  # SQLAlchemy URL or SQLite path; None: store nothing
    # The pairs' write-ahead journal (store.Journal): None: the default place for log_db
    # (store.default_journal_path); "off": no journal (a killed proxy loses queued pairs).
    log_journal: str | None = None
    # SIGTERM: seconds for open requests and streams to finish, then again at most this long for
    # queued pairs to reach the database (the rest stays in the journal for the next start).
    shutdown_timeout: float = 20.0
    exclude_tools: frozenset[str] = field(default_factory=frozenset)
    # Outputs of calls that print files the agent may edit (cat, sed -n, grep -r, git diff, Read,
    # read_file: kompress.tool_calls) pass whole unless this is on, as in the Claude Code hook.
    compress_file_reads: bool = False
    model: str | None = None  # model folder; None: Compressor.load() default
    backend: str = "auto"
    options: CompressOptions = DEFAULT_OPTIONS  # threshold | rate, granularity, min_tokens, coverage, novelty
    budget_ms: float = 5000.0  # compression time allowed per request before failing open
    cache_entries: int = 4096  # content-hash LRU size (results, and originals for the endpoint)
    cache_chars: int = 64_000_000  # ... and its bound in characters held
    upstream_timeout: float = 600.0  # seconds to wait for upstream bytes (LLM answers are slow)
    note: bool = True  # append the one-line "[kompress: ...; original: HASH]" note
    max_body_bytes: int = 64 * 1024 * 1024  # larger request bodies get 413, never buffered whole
    # Compress each tool output for a query derived from the conversation (proxy.query).
    # Off by default: on real agent steps the derived query kept less of what the next step
    # used than no query (README, "Queries"); opt in with --derive-query.
    derive_query: bool = False

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise ValueError(f"mode must be one of {', '.join(MODES)}, got {self.mode!r}")
        if not isinstance(self.options, CompressOptions):
            raise TypeError("options must be a CompressOptions")
        # ``not x > 0`` also rejects nan, which compares false with everything.
        if not (math.isfinite(self.budget_ms) and self.budget_ms > 0):
            raise ValueError(f"budget_ms must be a finite number > 0, got {self.budget_ms}")
        if not (math.isfinite(self.upstream_timeout) and self.upstream_timeout > 0):
            raise ValueError(f"upstream_timeout must be a finite number of seconds > 0, got {self.upstream_timeout}")
        if not (math.isfinite(self.shutdown_timeout) and self.shutdown_timeout >= 0):
            raise ValueError(f"shutdown_timeout must be a finite number of seconds >= 0, got {self.shutdown_timeout}")
        if not 0 <= self.port <= 65535:
            raise ValueError(f"port must be 0..65535, got {self.port}")
        if self.max_body_bytes < 1:
            raise ValueError(f"max_body_bytes must be >= 1, got {self.max_body_bytes}")
        if not isinstance(self.exclude_tools, frozenset):
            self.exclude_tools = parse_tool_list(self.exclude_tools)

    def journal_path(self) -> str | None:
        """The journal file for ``log_db`` (None: no store, ``log_journal`` off, or in-memory)."""
        if not self.log_db or (self.log_journal or "").strip().lower() in JOURNAL_OFF:
            return None
        if self.log_journal:
            return self.log_journal
        from kompress.serving.proxy.store import default_journal_path

        return default_journal_path(self.log_db)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, options: Mapping[str, Any] | None = None,
                 **overrides) -> "ProxyConfig":
        """Defaults, overridden by ``KOMPRESS_PROXY_*`` variables, then by ``overrides`` and, for
        the compression options, ``options`` (keys whose value is None are ignored, so unset CLI
        flags fall through)."""
        env = os.environ if env is None else env
        values: dict = {}
        opts = CompressOptions.from_env(ENV_PREFIX, env, base=DEFAULT_OPTIONS, names=OPTION_NAMES)
        values["options"] = opts.replace(**{k: v for k, v in (options or {}).items() if v is not None})
        for f in fields(cls):
            if f.name == "options":
                continue
            var = "KOMPRESS_MODEL" if f.name == "model" else f"{ENV_PREFIX}{f.name.upper()}"
            if var in env and env[var] != "":
                try:
                    values[f.name] = _convert(f.name, env[var])
                except ValueError:
                    raise ValueError(f"{var}={env[var]!r}: not a valid {f.name}") from None
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)


def parse_tool_list(value) -> frozenset[str]:
    """``"a, b,c"`` or an iterable of names -> a set of tool names."""
    if isinstance(value, str):
        value = value.split(",")
    return frozenset(name.strip() for name in value if name and name.strip())


def _convert(name: str, raw: str):
    if name in ("port", "cache_entries", "cache_chars", "max_body_bytes"):
        return int(raw)
    if name in ("budget_ms", "upstream_timeout", "shutdown_timeout"):
        return float(raw)
    if name in ("note", "derive_query", "compress_file_reads"):
        return raw.strip().lower() not in ("0", "false", "no", "off")
    if name == "exclude_tools":
        return parse_tool_list(raw)
    return raw
