"""The command-line front: `tavo-tui` launches the TUI; subcommands script the same session API."""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Iterable, MutableMapping, Sequence

from tavo_tui import __version__, heap
from tavo_tui.cli.common import COMMANDS, add_common, fail, guard_terminal, run_guarded


def build_parser(commands: Iterable[str] | None = None) -> argparse.ArgumentParser:
    """The parser; `commands` names the commands to load fully (default: all of them).

    The others get a placeholder sub-parser with the same name and help, enough for `--help` and for telling
    a command from the TUI path without importing the command's module.
    """
    wanted = {COMMANDS[name][0] for name in (COMMANDS if commands is None else commands)}
    parser = argparse.ArgumentParser(
        prog="tavo-tui",
        description="Roleplay chat with LLMs in your terminal. Without a command, opens the TUI.",
    )
    parser.add_argument("--version", action="version", version=f"tavo-tui {__version__}")
    add_common(parser, top_level=True)
    parser.add_argument("--card", metavar="PATH", help="open this character card")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    registered: set[str] = set()
    for name, (module, help_text) in COMMANDS.items():
        if module in registered:
            continue  # one module registers all of its commands at once
        if module in wanted:
            importlib.import_module(f"tavo_tui.cli.{module}").register(sub)
            registered.add(module)
        else:
            sub.add_parser(name, help=help_text, add_help=False)
    return parser


def _named_commands(argv: Sequence[str]) -> list[str]:
    """The command names that appear anywhere in `argv` (an option's value may look like one too: loading a
    command that is not run only costs time)."""
    return [word for word in argv if word in COMMANDS]


# Textual draws at most TEXTUAL_FPS frames a second (60 by default), so a change waits up to one period for its
# frame: at 120 the last tokens of a reply and the echo of a key reach the screen up to ~8 ms sooner. A frame is
# drawn only when something changed, so an idle app costs the same.
FRAME_RATE = "120"


def prefer_fast_frames(environ: MutableMapping[str, str]) -> None:
    """Ask Textual (read when it is first imported) for FRAME_RATE frames a second, unless the user chose."""
    environ.setdefault("TEXTUAL_FPS", FRAME_RATE)


def _run_tui(args: argparse.Namespace) -> int:
    from pathlib import Path

    from tavo_tui.session import AppContext
    from tavo_tui.session.first_run import seed_samples, wants_welcome

    ctx = AppContext.open(args.home, args.library, args.user)
    # A new home gets the sample characters in its cards/ folder (not with --library: that names the cards).
    if not args.library:
        seed_samples(ctx)
    welcome = wants_welcome(ctx) and not args.card and not args.connection
    if args.connection:
        ctx.profiles.get(args.connection)  # a clear error before the screen opens
    card = Path(args.card) if args.card else None
    if card is not None and not card.exists():
        return fail(f"no card at {card}")
    prefer_fast_frames(os.environ)
    from tavo_tui.ui.app import run_tui  # imported late so scripted commands never load Textual

    # The collector stays off through the app's own start-up too: the app freezes the heap and turns it
    # back on once its first frame is on screen.
    return run_tui(ctx, card_path=card, connection=args.connection, welcome=welcome)


def main(argv: Sequence[str] | None = None) -> int:
    with heap.start_up():  # no collection while modules load (tavo_tui/heap.py)
        words = sys.argv[1:] if argv is None else list(argv)
        parser = build_parser(_named_commands(words))
        args = parser.parse_args(words)
        handler = getattr(args, "handler", None)
        if handler is None:
            return run_guarded(_run_tui, args)  # the app freezes the heap after its first frame
        heap.freeze_startup_heap()
        if not getattr(args, "raw_terminal", False):  # serve's console output is Rich's, coloured on purpose
            guard_terminal()
        return run_guarded(handler, args)


if __name__ == "__main__":
    sys.exit(main())
