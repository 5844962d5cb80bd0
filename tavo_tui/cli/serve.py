"""`tavo-tui serve`: the same app in a browser through textual-serve (one app process per browser tab)."""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path

from tavo_tui.cli.common import add_common, command_parser, fail

LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
NO_AUTH_WARNING = (
    "WARNING: tavo-tui serve has no authentication. Anyone who can reach {host}:{port} gets your chats and "
    "connections (and can spend your API keys). Prefer the default 127.0.0.1 with an SSH tunnel "
    "(ssh -L {port}:127.0.0.1:{port} host), or put an authenticating proxy in front."
)


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = command_parser(sub, "serve")
    add_common(p)
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8000, help="port to listen on (default 8000)")
    p.add_argument("--card", default=argparse.SUPPRESS, metavar="PATH", help="open this character card")
    p.set_defaults(handler=cmd_serve)


def app_command(args: argparse.Namespace) -> str:
    """The shell command textual-serve runs for each browser session: this Python, same options."""
    parts = [sys.executable, "-m", "tavo_tui"]
    home = getattr(args, "home", None)
    if home:
        parts += ["--home", str(Path(home).expanduser().resolve())]
    for folder in getattr(args, "library", None) or []:
        parts += ["--library", str(Path(folder).expanduser().resolve())]
    for option in ("user", "connection"):
        value = getattr(args, option, None)
        if value:
            parts += [f"--{option}", str(value)]
    card = getattr(args, "card", None)
    if card:
        parts += ["--card", str(Path(card).expanduser().resolve())]
    return shlex.join(parts)


def warning_for(host: str, port: int) -> str | None:
    """The no-authentication warning, when the server is reachable from other machines."""
    return None if host in LOCAL_HOSTS else NO_AUTH_WARNING.format(host=host, port=port)


def cmd_serve(args: argparse.Namespace) -> int:
    if not 0 < args.port < 65536:
        return fail(f"--port must be between 1 and 65535, not {args.port}")
    from tavo_tui.ui.serve import ServeUnavailable, serve_in_browser  # late: scripted commands never load the UI

    warning = warning_for(args.host, args.port)
    if warning:
        print(warning, file=sys.stderr)
    print(f"Serving tavo-tui on http://{args.host}:{args.port} (ctrl+c stops)", file=sys.stderr)
    try:
        serve_in_browser(app_command(args), host=args.host, port=args.port)
    except ServeUnavailable as exc:
        return fail(str(exc))
    return 0
