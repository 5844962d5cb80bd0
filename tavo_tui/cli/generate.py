"""`tavo-tui prompt` (show the exact request) and `tavo-tui send` (send it, stream the reply)."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path

from tavo_tui.cli.common import add_common, fail
from tavo_tui.session import AppContext, ChatSession, Delta, Done, Failed, Notice
from tavo_tui.session.core import make_message
from tavo_tui.store import StoreError


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    prompt = sub.add_parser("prompt", help="print the exact request that would be sent, with token counts")
    _add_inputs(prompt)
    prompt.add_argument("--json", action="store_true", help='print {"url", "body", "tokens"} as JSON')
    prompt.set_defaults(handler=cmd_prompt)

    send = sub.add_parser("send", help="send a message and stream the reply to stdout")
    _add_inputs(send)
    send.add_argument("text", help="the message to send")
    send.set_defaults(handler=cmd_send)


def _add_inputs(p: argparse.ArgumentParser) -> None:
    add_common(p)
    p.add_argument("--card", type=Path, metavar="PATH", help="the character card (optional with --chat)")
    p.add_argument("--chat", default=None, metavar="ID",
                   help="continue this stored chat (`tavo-tui chat list` shows ids); `send` saves to it")
    p.add_argument(
        "-m",
        "--message",
        dest="messages",
        action="append",
        default=[],
        metavar="TEXT",
        help="a history message after the greeting; they alternate you, character, you, ... (repeatable)",
    )


def open_scripted(args: argparse.Namespace, *, save: bool = False) -> ChatSession:
    """The greeting plus the -m history (nothing written), or a stored chat with --chat (saved when `save`)."""
    ctx = AppContext.open(getattr(args, "home", None), getattr(args, "library", []), getattr(args, "user", None))
    if args.card is not None and not args.card.exists():
        raise FileNotFoundError(2, "no such card file", str(args.card))
    if args.chat:
        if args.messages:
            raise StoreError("-m/--message cannot be combined with --chat (the chat has its own history)")
        session = ctx.open_chat_id(args.chat, args.card, getattr(args, "connection", None), persist=save)
        if save and session.read_only:
            session.close()
            raise StoreError(f"chat {args.chat!r}: {session.read_only_reason}")
        return session
    if args.card is None:
        raise StoreError("give --card PATH (or --chat ID to continue a stored chat)")
    if not args.card.exists():
        raise FileNotFoundError(2, "no such card file", str(args.card))
    session = ctx.open_chat(args.card, getattr(args, "connection", None), new=True, persist=False)
    for index, text in enumerate(args.messages):
        if index % 2 == 0:
            session.add_user_message(text)
        else:
            session.messages.append(make_message(session.card.name, text, is_user=False))
    return session


def compact(obj: object) -> str:
    """The serialisation the backends send, so `prompt --json` shows the body byte for byte."""
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


def cmd_prompt(args: argparse.Namespace) -> int:
    session = open_scripted(args)
    inspection = session.inspect()
    if args.json:
        print(compact(inspection.as_json()))
        return 0
    prompt = inspection.prompt
    print(f"{inspection.request.method} {inspection.request.url}")
    print()
    print(json.dumps(inspection.request.body, indent=2, ensure_ascii=False))
    print()
    label = "" if prompt.token_exact else "  (estimate)"
    print(f"tokens ({prompt.token_method}){label}:")
    for name, count in inspection.section_tokens().items():
        print(f"  {name:<32} {count:>7}")
    print(f"  {'total':<32} {prompt.token_total:>7} / {prompt.max_context} context")
    return 0


def cmd_send(args: argparse.Namespace) -> int:
    session = open_scripted(args, save=True)

    async def run() -> int:
        code = 0
        try:
            async for event in session.send(args.text):
                if isinstance(event, Delta):
                    sys.stdout.write(event.text)
                    sys.stdout.flush()
                elif isinstance(event, Done):
                    sys.stdout.write("\n")
                    if event.incomplete:
                        print("tavo-tui: the reply may be incomplete (no finish reason)", file=sys.stderr)
                elif isinstance(event, Failed):
                    if event.partial:
                        sys.stdout.write("\n")
                    code = fail(event.error)
                elif isinstance(event, Notice):
                    print(f"tavo-tui: {event.text}", file=sys.stderr)
        finally:
            await session.aclose()
        return code

    return asyncio.run(run())
