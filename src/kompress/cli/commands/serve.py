"""``kompress serve``: keep the model loaded behind a small HTTP service."""

from __future__ import annotations

import argparse
import importlib.util
import socket
import sys

from kompress.cli.errors import CliError
from kompress.cli.commands._common import (add_backend_argument, load_error, non_negative_float, port_number,
                                           positive_int)




def register(sub: argparse._SubParsersAction) -> None:
    from kompress.serving.server import (DEFAULT_CONCURRENCY, DEFAULT_HOST, DEFAULT_MAX_BATCH, DEFAULT_MAX_BYTES,
                          DEFAULT_MAX_WAIT_MS, DEFAULT_PORT)

    p = sub.add_parser(
        "serve",
        help="serve POST /compress over HTTP with the model kept loaded",
        description="Serve the compressor over HTTP: POST /compress {\"text\", \"domain\"?, \"rate\"?, "
        "\"threshold\"?, \"granularity\"?} -> {\"text\", \"keep_rate\", \"domain\", \"tokens_in\", \"tokens_out\"}; "
        "GET /healthz; GET /metrics (Prometheus). Concurrent requests share encoder passes; "
        "outputs are byte-identical to `kompress compress`.",
    )
    p.add_argument("--host", default=DEFAULT_HOST, help=f"address to listen on (default {DEFAULT_HOST})")
    p.add_argument("--port", type=port_number, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT})")
    p.add_argument("--model", metavar="DIR", help="model folder (default: the shipped model)")
    add_backend_argument(p)
    p.add_argument("--max-bytes", type=positive_int, default=DEFAULT_MAX_BYTES,
                   help=f"largest request body accepted; larger ones get 413 (default {DEFAULT_MAX_BYTES})")
    p.add_argument("--max-batch", type=positive_int, default=DEFAULT_MAX_BATCH,
                   help=f"most token windows in one shared encoder pass (default {DEFAULT_MAX_BATCH})")
    p.add_argument("--max-wait-ms", type=non_negative_float, default=DEFAULT_MAX_WAIT_MS,
                   help=f"how long a pass waits for other in-flight requests (default {DEFAULT_MAX_WAIT_MS})")
    p.add_argument("--concurrency", type=positive_int, default=DEFAULT_CONCURRENCY,
                   help=f"requests compressed at once; more wait in line (default {DEFAULT_CONCURRENCY})")
    p.add_argument("--no-batching", action="store_true", help="never merge requests into shared passes")
    p.add_argument("--log-level", choices=["critical", "error", "warning", "info", "debug"], default="info")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    sock = _bind(args.host, args.port)  # first: a taken port fails before torch and the model load
    needed = ("starlette", "uvicorn", "prometheus_client", "pydantic")
    missing = [m for m in needed if importlib.util.find_spec(m) is None]
    if missing:
        raise CliError(f"kompress serve needs {', '.join(missing)}: pip install 'kompress-agent[integrations]'")
    import uvicorn

    from kompress.compressor import Compressor, NoTrainedModel
    from kompress.modeling.config import BackboneNotFound
    from kompress.serving.server import create_app

    try:
        comp = Compressor.load(args.model, backend=args.backend)
    except (NoTrainedModel, BackboneNotFound, FileNotFoundError) as e:
        raise CliError(str(e)) from e
    except Exception as e:  # noqa: BLE001 - a damaged model file: one line, not a traceback
        raise load_error(args.model, e) from e
    app = create_app(
        comp, max_bytes=args.max_bytes, batching=not args.no_batching, max_batch=args.max_batch,
        max_wait_ms=args.max_wait_ms, concurrency=args.concurrency, backend_name=comp.backend_name,
    )
    server = uvicorn.Server(uvicorn.Config(app, log_level=args.log_level))
    port = sock.getsockname()[1]
    print(f"kompress serve: http://{args.host}:{port} (POST /compress, GET /healthz, GET /metrics)",
          file=sys.stderr, flush=True)
    server.run(sockets=[sock])
    return 0


def _bind(host: str, port: int) -> socket.socket:
    """Bind before starting uvicorn, so a taken port is a one-line error."""
    try:
        family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][0]
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
    except OSError as e:
        raise CliError(f"cannot listen on {host}:{port}: {e.strerror or e}") from e
    return sock
