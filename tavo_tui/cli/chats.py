"""`tavo-tui chat list`: the stored chats (more chat commands come with the chats issue)."""

from __future__ import annotations

import argparse
import json

from tavo_tui.cli.common import add_common
from tavo_tui.session import AppContext


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("chat", help="stored chats")
    add_common(p)
    csub = p.add_subparsers(dest="chat_command", metavar="ACTION", required=True)
    lst = csub.add_parser("list", help="list chats, most recent first")
    add_common(lst)
    lst.add_argument("--card", default=None, help="only this card's chats (its file path)")
    lst.add_argument("--json", action="store_true")
    lst.set_defaults(handler=cmd_list)


def cmd_list(args: argparse.Namespace) -> int:
    from pathlib import Path

    ctx = AppContext.open(getattr(args, "home", None))
    key = ctx.card_key(Path(args.card)) if args.card else None
    refs = ctx.chats.list(key)
    if args.json:
        print(json.dumps([{"id": r.id, "path": str(r.path), "mtime": r.mtime} for r in refs], ensure_ascii=False))
        return 0
    for ref in refs:
        print(ref.id)
    return 0
