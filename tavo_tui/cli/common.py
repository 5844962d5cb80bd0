"""Options and error handling every command shares: one clear line on stderr, never a traceback."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tavo_tui.session import AppContext

# Every command: its module under tavo_tui.cli and its one-line help, in the order `--help` lists them. The
# module is imported only when its command is on the command line, so the TUI path loads none of them.
COMMANDS: dict[str, tuple[str, str]] = {
    "connection": ("connection", "manage connection profiles"),
    "prompt": ("generate", "print the exact request that would be sent, with token counts"),
    "send": ("generate", "send a message and stream the reply to stdout"),
    "card": ("cards", "inspect, validate, convert and import character cards"),
    "chat": ("chats", "stored chats"),
    "persona": ("chats", "your personas (who {{user}} is)"),
    "preset": ("presets", "instruct, context and system-prompt presets: list, show, import from SillyTavern"),
    "sampler": ("samplers", "sampler presets (SillyTavern TextGen / OpenAI Settings files): list, import, export"),
    "chat-preset": ("chat_presets", "chat-completion presets (SillyTavern prompt manager files): list, show, "
                    "import, export"),
    "regex": ("regex", "regex scripts (SillyTavern's regex extension): list, import, export, enable, a card's own"),
    "worldinfo": ("worldinfo", "lorebooks (SillyTavern world-info files), the global selection, world-info "
                  "settings"),
    "import": ("st_import", "bring characters, chats, personas and presets over from SillyTavern"),
    "serve": ("serve", "serve the TUI to a web browser, behind a token printed at start (keep it on localhost)"),
}


def command_parser(sub: argparse._SubParsersAction, name: str) -> argparse.ArgumentParser:  # type: ignore[type-arg]
    """The sub-parser of command `name`, with the help text from COMMANDS."""
    parser: argparse.ArgumentParser = sub.add_parser(name, help=COMMANDS[name][1])
    return parser


def add_common(parser: argparse.ArgumentParser, *, top_level: bool = False) -> None:
    """--home/--library/--user/--connection work before or after the command name."""
    default = None if top_level else argparse.SUPPRESS
    parser.add_argument("--home", type=Path, default=default, metavar="DIR",
                        help="keep all data under DIR (also $TAVO_HOME)")
    parser.add_argument("--library", type=Path, action="append", default=[] if top_level else argparse.SUPPRESS,
                        metavar="DIR", help="an extra folder of character cards (repeatable)")
    parser.add_argument("--user", default=default, metavar="NAME", help="your persona's name ({{user}})")
    parser.add_argument("--connection", default=default, metavar="NAME", help="connection profile to use")


class VisibleStream:
    """A terminal stream that shows control characters instead of obeying them (session.visible): scripted
    commands print untrusted text (model replies, card fields, chat titles). Only installed on a terminal;
    into a pipe or a file the exact text goes through."""

    def __init__(self, stream: Any) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        from tavo_tui.session.visible import visible

        return int(self._stream.write(visible(text)))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def open_context(args: argparse.Namespace) -> AppContext:
    """The app context for the common options (`--home`, `--library`, `--user`) a command was given."""
    from tavo_tui.session import AppContext  # here: the TUI path imports this module and needs none of it

    return AppContext.open(getattr(args, "home", None), getattr(args, "library", []), getattr(args, "user", None))


def guard_terminal() -> None:
    """Wrap stdout and stderr in VisibleStream where they are terminals."""
    if sys.stdout.isatty() and not isinstance(sys.stdout, VisibleStream):
        sys.stdout = VisibleStream(sys.stdout)
    if sys.stderr.isatty() and not isinstance(sys.stderr, VisibleStream):
        sys.stderr = VisibleStream(sys.stderr)


def fail(message: str, code: int = 1) -> int:
    print(f"tavo-tui: {message}", file=sys.stderr)
    return code


def run_guarded(handler: Callable[[argparse.Namespace], int], args: argparse.Namespace) -> int:
    try:
        return handler(args)
    except KeyboardInterrupt:
        return fail("interrupted", 130)
    except Exception as exc:
        return explain(exc)


def explain(exc: Exception) -> int:
    """One line on stderr for any failure, never a traceback; the exit code."""
    # The error classes are imported here, not at the top: `tavo_tui.cli` must import nothing heavy (see main()).
    from tavo_tui.session.errors import ActionError, BackendError, CardError, LibraryError, StoreError

    if isinstance(exc, BackendError):
        return fail(exc.message)
    if isinstance(exc, (CardError, StoreError, LibraryError, ActionError)):
        return fail(str(exc))
    if isinstance(exc, BrokenPipeError):
        return 0
    if isinstance(exc, OSError):
        return fail(f"{exc.filename or ''}: {exc.strerror or exc}".lstrip(": "))
    return fail(f"unexpected error: {type(exc).__name__}: {exc}", 2)  # the last line of defence
