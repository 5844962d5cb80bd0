"""Serving the TUI to a browser (textual-serve): one app process per browser tab."""

from __future__ import annotations


class ServeUnavailable(RuntimeError):
    """textual-serve is not installed."""


def serve_in_browser(command: str, *, host: str, port: int) -> None:
    """Run `command` (the tavo-tui command line) for each browser session until interrupted."""
    try:
        from textual_serve.server import Server
    except ImportError:
        raise ServeUnavailable("textual-serve is not installed (pip install textual-serve)") from None
    Server(command, host=host, port=port, title="tavo-tui").serve()
