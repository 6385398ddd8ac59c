"""CLI subcommands: each module defines ``register(subparsers)`` setting ``func``."""
