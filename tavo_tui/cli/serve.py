"""`tavo-tui serve`: the same app in a browser through textual-serve (one app process per browser tab)."""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path

from tavo_tui.cli.common import add_common, command_parser, fail

LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
PUBLIC_WARNING = (
    "WARNING: {host}:{port} can be reached from other machines, over plain HTTP. The token in the address "
    "below is the only lock on your chats, connections and API keys, and anyone who sees the traffic sees it. "
    "Prefer the default 127.0.0.1 with an SSH tunnel (ssh -L {port}:127.0.0.1:{port} host)."
)


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = command_parser(sub, "serve")
    add_common(p)
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8000, help="port to listen on (default 8000)")
    p.add_argument("--card", default=argparse.SUPPRESS, metavar="PATH", help="open this character card")
    p.set_defaults(handler=cmd_serve, raw_terminal=True)


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
    """The warning for a server that other machines can reach."""
    return None if host in LOCAL_HOSTS else PUBLIC_WARNING.format(host=host, port=port)


def cmd_serve(args: argparse.Namespace) -> int:
    if not 0 < args.port < 65536:
        return fail(f"--port must be between 1 and 65535, not {args.port}")
    from tavo_tui.ui.serve import ServeUnavailable, new_token, serve_in_browser  # late: the CLI alone never loads it

    warning = warning_for(args.host, args.port)
    if warning:
        print(warning, file=sys.stderr)

    def ready(url: str) -> None:
        print(f"Serving tavo-tui. Open {url} (ctrl+c stops)", file=sys.stderr, flush=True)

    try:
        serve_in_browser(app_command(args), host=args.host, port=args.port, token=new_token(), on_ready=ready)
    except ServeUnavailable as exc:
        return fail(str(exc))
    return 0
