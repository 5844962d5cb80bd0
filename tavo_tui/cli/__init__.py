"""The command-line front: `tavo-tui` launches the TUI; subcommands script the same session API."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from tavo_tui import __version__
from tavo_tui.cli import connection, generate
from tavo_tui.cli.common import add_common, fail, run_guarded


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tavo-tui",
        description="Roleplay chat with LLMs in your terminal. Without a command, opens the TUI.",
    )
    parser.add_argument("--version", action="version", version=f"tavo-tui {__version__}")
    add_common(parser, top_level=True)
    parser.add_argument("--card", metavar="PATH", help="open this character card")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    connection.register(sub)
    generate.register(sub)
    _register_optional(sub)
    return parser


def _register_optional(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Command groups that live in their own modules."""
    from tavo_tui.cli import cards, chats, serve

    cards.register(sub)
    chats.register(sub)
    serve.register(sub)


def _run_tui(args: argparse.Namespace) -> int:
    from pathlib import Path

    from tavo_tui.session import AppContext

    ctx = AppContext.open(args.home, args.library, args.user)
    if args.connection:
        ctx.profiles.get(args.connection)  # a clear error before the screen opens
    card = Path(args.card) if args.card else None
    if card is not None and not card.exists():
        return fail(f"no card at {card}")
    from tavo_tui.ui.app import run_tui  # imported late so scripted commands never load Textual

    return run_tui(ctx, card_path=card, connection=args.connection)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handler = getattr(args, "handler", None) or _run_tui
    return run_guarded(handler, args)


if __name__ == "__main__":
    sys.exit(main())
