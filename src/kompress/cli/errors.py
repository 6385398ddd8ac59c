"""Errors shown to users as one line."""


class CliError(Exception):
    """A user-facing error: the CLI prints it as one line and exits with status 2."""
