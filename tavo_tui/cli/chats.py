"""`tavo-tui chat ...` (list, new, import, export, rename, backups, restore, delete, search), `tavo-tui persona`."""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from tavo_tui.cli.common import add_common, command_parser, fail, open_context
from tavo_tui.session.chat_tree import ChatNode, chat_tree
from tavo_tui.session.chats import EXPORT_FORMATS, greeting_range_error, save_export
from tavo_tui.session.personas import POSITIONS
from tavo_tui.session.visible import dumps


def _card(value: str) -> Path:
    path = Path(value)
    if not path.exists():
        raise FileNotFoundError(2, "no such card file", str(path))
    return path


_LINE_BREAKS = re.compile(r"[\r\n\t]+")


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = command_parser(sub, "chat")
    add_common(p)
    csub = p.add_subparsers(dest="chat_command", metavar="ACTION", required=True)

    def action(name: str, help_text: str) -> argparse.ArgumentParser:
        parser = csub.add_parser(name, help=help_text)
        add_common(parser)
        return parser

    lst = action("list", "list chats, most recent first, with the last message")
    lst.add_argument("--card", default=None, help="only this card's chats (its file path)")
    lst.add_argument("--json", action="store_true")
    lst.add_argument("--tree", action="store_true",
                     help="checkpoints and branches under the chat they came from, indented (text output)")
    lst.set_defaults(handler=cmd_list)

    new = action("new", "start a new chat with a card (prints its id)")
    new.add_argument("--card", required=True, help="the character card")
    new.add_argument("--greeting", type=int, default=0, metavar="N",
                     help="start with greeting N (0 = first message, 1.. = alternate greetings)")
    new.set_defaults(handler=cmd_new)

    imp = action("import", "import a SillyTavern chat file (.jsonl; also oobabooga/Agnai/CAI-Tools .json)")
    imp.add_argument("file", type=Path)
    imp.add_argument("--card", required=True, help="the card the chat belongs to")
    imp.set_defaults(handler=cmd_import)

    exp = action("export", "export a chat as SillyTavern JSONL, Markdown or plain text")
    exp.add_argument("id")
    exp.add_argument("--format", choices=EXPORT_FORMATS, default="jsonl")
    exp.add_argument("-o", "--output", type=Path, default=None, metavar="FILE", help="write here (default: stdout)")
    exp.set_defaults(handler=cmd_export)

    ren = action("rename", "rename a chat (prints the new id)")
    ren.add_argument("id")
    ren.add_argument("title")
    ren.set_defaults(handler=cmd_rename)

    bak = action("backups", "list a chat's automatic backups, newest first")
    bak.add_argument("id")
    bak.add_argument("--json", action="store_true")
    bak.set_defaults(handler=cmd_backups)

    rst = action("restore", "replace a chat with one of its backups (the current state is backed up first)")
    rst.add_argument("id")
    rst.add_argument("backup", help="the backup's file name or timestamp, as `chat backups` lists them")
    rst.set_defaults(handler=cmd_restore)

    dele = action("delete", "delete a chat")
    dele.add_argument("id")
    dele.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    dele.set_defaults(handler=cmd_delete)

    srch = action("search", "find messages containing TEXT in every chat (or one card's)")
    srch.add_argument("text")
    srch.add_argument("--card", default=None)
    srch.add_argument("--json", action="store_true")
    srch.set_defaults(handler=cmd_search)

    per = command_parser(sub, "persona")
    add_common(per)
    psub = per.add_subparsers(dest="persona_command", metavar="ACTION", required=True)
    plist = psub.add_parser("list", help="list personas (* marks the default)")
    add_common(plist)
    plist.set_defaults(handler=cmd_persona_list)
    padd = psub.add_parser("add", help="add a persona (prints its id)")
    add_common(padd)
    padd.add_argument("name")
    padd.add_argument("--description", default="")
    padd.add_argument("--position", type=int, default=0, choices=sorted(POSITIONS),
                      help="where the description goes: " + ", ".join(f"{k} {v}" for k, v in POSITIONS.items()))
    padd.add_argument("--depth", type=int, default=2)
    padd.add_argument("--avatar", default=None, metavar="IMAGE")
    padd.add_argument("--default", action="store_true", help="make it the default persona")
    padd.set_defaults(handler=cmd_persona_add)
    pdef = psub.add_parser("default", help="make a persona the default")
    add_common(pdef)
    pdef.add_argument("persona", help="id or name")
    pdef.set_defaults(handler=cmd_persona_default)
    pdel = psub.add_parser("delete", help="delete a persona")
    add_common(pdel)
    pdel.add_argument("persona", help="id or name")
    pdel.set_defaults(handler=cmd_persona_delete)


# ---- chats -------------------------------------------------------------------------------------------------
def cmd_list(args: argparse.Namespace) -> int:
    ctx = open_context(args)
    summaries = ctx.chat_summaries(_card(args.card) if args.card else None)
    if args.json:
        print(dumps([
            {"id": s.id, "title": s.title, "path": str(s.ref.path), "mtime": s.mtime, "messages": s.message_count,
             "last_name": s.last_name, "last_message": s.last_preview, "parent": s.main_chat or None}
            for s in summaries
        ], ensure_ascii=False))
        return 0
    rows = chat_tree(summaries) if args.tree else [ChatNode(s, 0) for s in summaries]
    for node in rows:
        s = node.summary
        preview = f"{s.last_name}: {s.last_preview}" if s.last_name else s.last_preview
        print(f"{'  ' * node.depth}{s.id}\t{s.message_count} messages\t{_printable(preview)[:80]}")
    return 0


def cmd_new(args: argparse.Namespace) -> int:
    ctx = open_context(args)
    card = _card(args.card)
    problem = greeting_range_error(args.greeting, len(ctx.load_card(card).greetings()))
    if problem:
        return fail(problem, 2)
    session = ctx.open_chat(card, getattr(args, "connection", None), new=True, greeting_index=args.greeting)
    try:
        notice = session.rewrite_file()
        if notice:
            return fail(notice.text)
        print(session.ref.id if session.ref else "")
    finally:
        session.close()
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    ctx = open_context(args)
    card = _card(args.card)
    ref = ctx.import_chat(args.file, card)
    print(ref.id)
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    ctx = open_context(args)
    data = ctx.export_chat(args.id, args.format)
    if args.output is None:
        if sys.stdout.isatty():  # shown through the terminal guard, controls visible
            sys.stdout.write(data.decode("utf-8", "replace") + ("\n" if args.format == "jsonl" else ""))
        else:  # a pipe or a file: the exact bytes
            sys.stdout.buffer.write(data)
            if args.format == "jsonl":
                sys.stdout.buffer.write(b"\n")
        sys.stdout.flush()
        return 0
    save_export(args.output, data)
    return 0


def cmd_rename(args: argparse.Namespace) -> int:
    print(open_context(args).rename_chat(args.id, args.title).id)  # refused while the chat is open elsewhere
    return 0


def cmd_backups(args: argparse.Namespace) -> int:
    backups = open_context(args).chat_backups(args.id)
    if args.json:
        print(dumps([{"name": b.name, "stamp": b.stamp, "time": b.when.isoformat(), "size": b.size,
                      "path": str(b.path)} for b in backups], ensure_ascii=False))
        return 0
    for b in backups:
        print(f"{b.name}\t{b.when:%Y-%m-%d %H:%M:%S}\t{b.size} bytes")
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    before = open_context(args).restore_backup(args.id, args.backup)  # refused while the chat is open elsewhere
    print(f"restored; the previous state is kept as backup {before.name}")
    return 0


def cmd_delete(args: argparse.Namespace) -> int:
    ctx = open_context(args)
    ref = ctx.find_chat(args.id)
    if not args.yes:
        if not sys.stdin.isatty():
            return fail("refusing to delete without confirmation; pass --yes")
        answer = input(f"Delete chat {ref.id}? [y/N] ").strip().lower()
        if answer not in ("y", "yes"):
            return fail("not deleted")
    ctx.delete_chat(ref.id)  # refused while the chat is open elsewhere
    return 0


def cmd_search(args: argparse.Namespace) -> int:
    ctx = open_context(args)
    key = ctx.card_key(_card(args.card)) if args.card else None
    hits = ctx.chats.search(args.text, key)
    if args.json:
        print(dumps([{"id": h.ref.id, "index": h.index, "name": h.name, "snippet": h.snippet} for h in hits],
                         ensure_ascii=False))
        return 0
    for hit in hits:
        print(f"{hit.ref.id}#{hit.index}\t{_printable(hit.name)}: {_printable(hit.snippet)}")
    return 0 if hits else 1


# ---- personas ----------------------------------------------------------------------------------------------
def cmd_persona_list(args: argparse.Namespace) -> int:
    ctx = open_context(args)
    default = ctx.personas.default_id
    for persona in ctx.personas.list():
        mark = "*" if persona.id == default else " "
        print(f"{mark} {persona.id}\t{_printable(persona.name)}\t{POSITIONS.get(persona.position, '')}\t"
              f"{_printable(persona.description)[:60]}")
    return 0


def cmd_persona_add(args: argparse.Namespace) -> int:
    ctx = open_context(args)
    persona = ctx.personas.create(args.name, args.description, position=args.position, depth=args.depth,
                                  avatar=args.avatar)
    if args.default:
        ctx.personas.set_default(persona.id)
    print(persona.id)
    return 0


def cmd_persona_default(args: argparse.Namespace) -> int:
    ctx = open_context(args)
    ctx.personas.set_default(ctx.personas.find(args.persona).id)
    return 0


def cmd_persona_delete(args: argparse.Namespace) -> int:
    ctx = open_context(args)
    ctx.personas.delete(ctx.personas.find(args.persona).id)
    return 0


def _printable(text: str) -> str:
    """Untrusted text on one line: line breaks and tabs become spaces. Other controls are kept, so a pipe gets
    them exactly and a terminal shows them (the CLI's terminal guard)."""
    return _LINE_BREAKS.sub(" ", text)
