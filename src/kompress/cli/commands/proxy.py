"""``kompress proxy``: an HTTP proxy that compresses tool outputs on their way to the LLM."""

from __future__ import annotations

import argparse
import logging
import sys

from kompress.decision.options import add_arguments
from kompress.serving.proxy.config import OPTION_NAMES
from kompress.cli.errors import CliError
from kompress.cli.commands._common import (add_backend_argument, load_error, non_negative_float, non_negative_int,
                                           port_number, positive_float, positive_int)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "proxy",
        help="serve an OpenAI/Anthropic API proxy that compresses tool outputs in flight",
        description="Relay OpenAI (/v1/chat/completions, /v1/responses) and Anthropic (/v1/messages) "
        "requests to the real API, compressing tool outputs of at least --min-tokens tokens; everything "
        "else passes through byte for byte, streams chunk by chunk. Point the agent at it: "
        "OPENAI_BASE_URL=http://HOST:PORT/v1, ANTHROPIC_BASE_URL=http://HOST:PORT. Every option "
        "also reads KOMPRESS_PROXY_<OPTION> from the environment (e.g. KOMPRESS_PROXY_LOG_DB); "
        "flags win.",
    )
    # Defaults are None so that unset flags fall through to the environment, then to
    # ProxyConfig's defaults (shown in the help text).
    p.add_argument("--upstream-openai", metavar="URL", help="OpenAI-compatible API (default https://api.openai.com)")
    p.add_argument("--upstream-anthropic", metavar="URL", help="Anthropic API (default https://api.anthropic.com)")
    p.add_argument("--host", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=port_number, help="port to listen on (default 8787)")
    p.add_argument("--mode", choices=["compress", "shadow", "off"],
                   help="compress: send compressed tool outputs (default); shadow: compress and log, but send "
                   "the originals; off: pure pass-through")
    p.add_argument("--log-db", metavar="URL",
                   help="store every compressed output as a pair: SQLAlchemy URL or SQLite file path")
    p.add_argument("--log-journal", metavar="PATH",
                   help="write-ahead journal of pairs not yet in --log-db (JSON lines, mode 0600, secrets "
                   "redacted): a killed proxy's pairs are written at the next start (default: next to a SQLite "
                   "file as DB.journal.jsonl, else in the kompress cache; 'off': none)")
    p.add_argument("--shutdown-timeout", type=non_negative_float, metavar="S",
                   help="on SIGTERM, seconds for open requests and streams to finish, then at most as long for "
                   "queued pairs to reach --log-db; the rest stays in the journal (default 20)")
    p.add_argument("--exclude-tools", metavar="NAME,...", help="never compress the outputs of these tools")
    p.add_argument("--compress-file-reads", dest="compress_file_reads", action="store_const", const=True,
                   help="also compress outputs of calls that print files the agent may edit (cat, sed -n, grep -r, "
                   "git diff, Read, read_file, an editor's view); by default they pass whole: the agent quotes "
                   "their exact lines when it edits")
    p.add_argument("--model", metavar="DIR", help="model folder (default: the shipped model, or $KOMPRESS_MODEL)")
    add_backend_argument(p, default=None)
    add_arguments(p, OPTION_NAMES)  # compression options, defined once in kompress.decision.options
    p.add_argument("--budget-ms", type=positive_float, metavar="MS",
                   help="compression time per request before forwarding the original (default 5000)")
    p.add_argument("--cache-entries", type=non_negative_int, metavar="N", help="content-hash cache size (default 4096)")
    p.add_argument("--upstream-timeout", type=positive_float, metavar="S", help="seconds to wait for upstream bytes (default 600)")
    p.add_argument("--max-body-bytes", type=positive_int, metavar="N",
                   help="largest request body accepted; larger ones get 413 (default 67108864, 64 MiB)")
    p.add_argument("--no-note", dest="note", action="store_const", const=False,
                   help="do not append the '[kompress: ...; original: HASH]' line to compressed outputs")
    p.add_argument("--derive-query", dest="derive_query", action="store_const", const=True,
                   help="derive a query per tool output from the conversation (the assistant's text before the "
                   "call, the call, the user's message) and keep the lines answering it (experimental, off by "
                   "default: on real agent steps it kept less of what the next step used than no query)")
    p.add_argument("--no-query", dest="derive_query", action="store_const", const=False,
                   help="derive no query (the default)")
    p.add_argument("--log-level", choices=["debug", "info", "warning", "error"], default="info")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    try:
        import uvicorn

        from kompress.serving.proxy.app import create_app
        from kompress.serving.proxy.config import ProxyConfig
        from kompress.serving.proxy.store import JournalError, PairStore, display_url
    except ImportError as e:  # the web stack is the "proxy" extra
        raise CliError(f"the proxy needs its extra dependencies: pip install 'kompress-agent[proxy]' ({e.name} missing)") from e

    overrides = {k: getattr(args, k) for k in (
        "upstream_openai", "upstream_anthropic", "host", "port", "mode", "log_db", "exclude_tools",
        "model", "backend", "budget_ms", "cache_entries", "upstream_timeout", "note", "max_body_bytes",
        "derive_query", "log_journal", "shutdown_timeout", "compress_file_reads")}
    try:
        config = ProxyConfig.from_env(options={k: getattr(args, k) for k in OPTION_NAMES}, **overrides)
    except ValueError as e:  # also a bad KOMPRESS_PROXY_* value
        raise CliError(str(e)) from e

    compressor = None
    if config.mode != "off":
        # Load now, not on the first request: a missing model is a start-up error, not a
        # silent pass-through.
        from kompress.compressor import Compressor, NoTrainedModel
        from kompress.modeling.config import BackboneNotFound

        try:
            compressor = Compressor.load(config.model, backend=config.backend)
        except (NoTrainedModel, BackboneNotFound, FileNotFoundError, ValueError) as e:
            raise CliError(str(e)) from e
        except Exception as e:  # noqa: BLE001 - a damaged model file: one line, not a traceback
            raise load_error(config.model, e) from e
    store = None
    if config.log_db:
        try:
            store = PairStore(config.log_db, journal=config.journal_path(), shutdown_timeout=config.shutdown_timeout)
        except JournalError as e:
            raise CliError(f"--log-journal: {e}") from e
        except Exception as e:  # noqa: BLE001 - any driver error: one line, with the password masked
            raise CliError(f"cannot open --log-db {display_url(config.log_db)}: {type(e).__name__}: "
                           f"{str(e).splitlines()[0] if str(e) else ''}") from e

    app = create_app(config, compressor=compressor, store=store)
    logging.basicConfig(level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s",
                        stream=sys.stderr)
    print(f"kompress proxy: mode={config.mode} min_tokens={config.options.min_tokens} "
          f"queries={'on' if config.derive_query else 'off'} on http://{config.host}:{config.port} "
          f"-> openai {config.upstream_openai}, anthropic {config.upstream_anthropic}"
          + (f"; logging pairs to {display_url(config.log_db)}" if config.log_db else "")
          + (f" (journal {store.journal.path}, {store.replayed} pair(s) recovered)" if store and store.journal else ""),
          file=sys.stderr)
    # httpx logs every request's full URL (query string and all) at INFO: keep it to warnings.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
    # The upstream's Date/Server headers are relayed; uvicorn must not add its own.
    server_config = uvicorn.Config(app, host=config.host, port=config.port, log_level=args.log_level,
                                   server_header=False, date_header=False,
                                   timeout_graceful_shutdown=config.shutdown_timeout)
    # Config() has set up uvicorn's handlers; redact what they write (the access log's request
    # line carries the query string, ``?key=...`` included).
    from kompress.serving.proxy.redact import install_log_redaction

    install_log_redaction("uvicorn", "uvicorn.error", "uvicorn.access")
    uvicorn.Server(server_config).run()
    return 0
