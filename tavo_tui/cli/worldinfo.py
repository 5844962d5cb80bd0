"""`tavo-tui worldinfo list|show|import|export|global|settings`: lorebooks (SillyTavern world-info files), the
books active in every chat (the global selection) and the world-info settings every chat uses."""

from __future__ import annotations

import argparse
import functools
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tavo_tui.cli.common import add_common, command_parser, fail, open_context
from tavo_tui.session import world_info as wi
from tavo_tui.session.visible import dumps

BAD_INPUT = 2  # a book that is not there, a file that is not a world-info file, a setting out of range


def bad_input(handler: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    @functools.wraps(handler)
    def run(args: argparse.Namespace) -> int:
        from tavo_tui.session.errors import StoreError

        try:
            return handler(args)
        except StoreError as exc:
            return fail(str(exc), BAD_INPUT)

    return run


def _bool(text: str) -> bool:
    lowered = text.strip().lower()
    if lowered in ("on", "true", "yes", "1"):
        return True
    if lowered in ("off", "false", "no", "0"):
        return False
    raise argparse.ArgumentTypeError(f"expected on or off, not {text!r}")


# `settings` flags: (flag, engine setting, type, help).
SETTING_FLAGS: tuple[tuple[str, str, Callable[[str], Any], str], ...] = (
    ("--scan-depth", "depth", int, "how many of the newest messages are scanned for keys"),
    ("--budget", "budget", int, "world-info token budget, % of the context (1-100)"),
    ("--budget-cap", "budget_cap", int, "at most this many tokens (0: no cap)"),
    ("--recursive", "recursive", _bool, "activated entries' text is scanned too (on/off)"),
    ("--max-recursion-steps", "max_recursion_steps", int, "limit recursion passes (0: no limit)"),
    ("--case-sensitive", "case_sensitive", _bool, "keys match case (on/off)"),
    ("--whole-words", "match_whole_words", _bool, "keys match whole words only (on/off)"),
    ("--include-names", "include_names", _bool, "scan messages as 'Name: text' (on/off)"),
    ("--min-activations", "min_activations", int, "scan deeper until this many entries fired (0: off)"),
    ("--min-activations-depth-max", "min_activations_depth_max", int,
     "deepest scan for min activations (0: the whole chat)"),
    ("--group-scoring", "use_group_scoring", _bool, "inclusion groups keep the best-matching entry (on/off)"),
    ("--insertion-strategy", "character_strategy", str,
     "sorted_evenly, character_first or global_first: how character and global lore are ordered"),
    ("--overflow-alert", "overflow_alert", _bool, "warn when the budget cut entries (on/off)"),
)


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = command_parser(sub, "worldinfo")
    add_common(p)
    wsub = p.add_subparsers(dest="worldinfo_command", metavar="ACTION", required=True)

    lst = wsub.add_parser("list", help="the stored lorebooks, with entry counts and which are global")
    add_common(lst)
    lst.add_argument("--json", action="store_true", help='print [{"name", "entries", "global", "error"}, ...]')
    lst.set_defaults(handler=cmd_list)

    show = wsub.add_parser("show", help="a lorebook's entries (--json: the file's JSON)")
    add_common(show)
    show.add_argument("name", metavar="NAME")
    show.add_argument("--json", action="store_true", help="print the world-info JSON as stored")
    show.set_defaults(handler=cmd_show)

    imp = wsub.add_parser("import", help="store a SillyTavern world-info .json file as it is")
    add_common(imp)
    imp.add_argument("file", type=Path, metavar="FILE")
    imp.add_argument("--name", metavar="N", help="store it under this name (default: the file's name)")
    imp.add_argument("--replace", action="store_true", help="overwrite a stored lorebook of the same name")
    imp.set_defaults(handler=cmd_import)

    exp = wsub.add_parser("export", help="write a stored lorebook as SillyTavern world-info JSON")
    add_common(exp)
    exp.add_argument("name", metavar="NAME")
    exp.add_argument("-o", "--output", type=Path, metavar="FILE", help="write to FILE instead of stdout")
    exp.set_defaults(handler=cmd_export)

    glob = wsub.add_parser("global", help="the lorebooks active in every chat: show, set, add, remove")
    add_common(glob)
    glob.add_argument("names", nargs="*", metavar="NAME", help="make exactly these the global selection")
    glob.add_argument("--add", action="append", default=[], metavar="NAME", help="add a book (repeatable)")
    glob.add_argument("--remove", action="append", default=[], metavar="NAME", help="remove a book (repeatable)")
    glob.add_argument("--none", action="store_true", help="clear the global selection")
    glob.add_argument("--json", action="store_true", help="print the selection as a JSON list")
    glob.set_defaults(handler=cmd_global)

    sett = wsub.add_parser("settings", help="show or change the world-info settings every chat uses")
    add_common(sett)
    for flag, dest, kind, help_text in SETTING_FLAGS:
        sett.add_argument(flag, dest=f"set_{dest}", type=kind, metavar="N" if kind is int else "VALUE",
                          help=help_text)
    sett.add_argument("--json", action="store_true", help="print the settings as a JSON object")
    sett.set_defaults(handler=cmd_settings)


@bad_input
def cmd_list(args: argparse.Namespace) -> int:
    rows = wi.list_books(open_context(args))
    if args.json:
        print(dumps([row.as_json() for row in rows], indent=2))
        return 0
    if not rows:
        print("no lorebooks yet — `tavo-tui worldinfo import FILE` stores a SillyTavern world-info file")
    for row in rows:
        mark = "global" if row.is_global else "      "
        print(f"{mark}  {row.name}  ({row.error or f'{row.entries} entries'})")
    return 0


def _entry_line(uid: str, entry: dict[str, Any]) -> str:
    keys = entry.get("key")
    keys_text = ", ".join(str(k) for k in keys) if isinstance(keys, list) else ""
    flags = [name for name, on in (("constant", entry.get("constant")), ("disabled", entry.get("disable"))) if on]
    comment = str(entry.get("comment") or "")
    extra = f" [{', '.join(flags)}]" if flags else ""
    return f"{uid:>5}  {comment or '(no comment)'}{extra}  keys: {keys_text or '-'}  order {entry.get('order', 100)}"


@bad_input
def cmd_show(args: argparse.Namespace) -> int:
    data = wi.show_book(open_context(args), args.name)
    if args.json:
        print(dumps(data, indent=4))
        return 0
    entries = data.get("entries")
    items = list(entries.items()) if isinstance(entries, dict) else list(enumerate(entries or []))
    print(f"{args.name}: {len(items)} entries")
    for uid, entry in items:
        if isinstance(entry, dict):
            print(_entry_line(str(uid), entry))
    return 0


@bad_input
def cmd_import(args: argparse.Namespace) -> int:
    name = wi.import_book(open_context(args), args.file, args.name, replace=args.replace)
    print(f"stored lorebook {name!r}")
    return 0


@bad_input
def cmd_export(args: argparse.Namespace) -> int:
    data = wi.export_book(open_context(args), args.name)
    if args.output is None:
        sys.stdout.write(data.decode("utf-8-sig"))
        return 0
    try:
        args.output.write_bytes(data)
    except OSError as exc:
        return fail(f"cannot write {args.output}: {exc.strerror or exc}")
    print(f"wrote {args.name!r} to {args.output}")
    return 0


@bad_input
def cmd_global(args: argparse.Namespace) -> int:
    ctx = open_context(args)
    if args.names or args.add or args.remove or args.none:
        names = list(args.names) if args.names or args.none else None
        selected = wi.set_global(ctx, names, add=args.add, remove=args.remove)
    else:
        selected = wi.global_selection(ctx)
    if args.json:
        print(dumps(selected))
        return 0
    if not selected:
        print("no global lorebooks — `tavo-tui worldinfo global --add NAME` makes one active in every chat")
    known = set(ctx.world_info.store.names())
    for name in selected:
        print(name if name in known else f"{name}  (missing: no such lorebook file)")
    return 0


@bad_input
def cmd_settings(args: argparse.Namespace) -> int:
    ctx = open_context(args)
    changes = {dest: getattr(args, f"set_{dest}") for _, dest, _, _ in SETTING_FLAGS
               if getattr(args, f"set_{dest}") is not None}
    engine = wi.update_settings(ctx, changes) if changes else wi.settings_view(ctx)
    # Shown under the flags' names, so what is printed is what can be typed back.
    values = {flag[2:].replace("-", "_"): engine[dest] for flag, dest, _, _ in SETTING_FLAGS}
    if args.json:
        print(dumps(values, indent=2))
        return 0
    for key, value in values.items():
        shown = value if isinstance(value, str) else ("on" if value is True else "off" if value is False else value)
        print(f"{key.replace('_', '-')}: {shown}")
    return 0
