"""`tavo-tui preset list|show|import|delete`: instruct, context and system-prompt presets."""

from __future__ import annotations

import argparse
from pathlib import Path

from tavo_tui.cli.common import add_common, command_parser, fail, open_context
from tavo_tui.session.presets import (
    PRESET_KINDS,
    delete_preset,
    get_preset,
    import_presets,
    list_presets,
    to_sillytavern,
)
from tavo_tui.session.visible import dumps


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = command_parser(sub, "preset")
    add_common(p)
    psub = p.add_subparsers(dest="preset_command", metavar="ACTION", required=True)

    lst = psub.add_parser("list", help="the presets a name can choose (shipped, yours, and yours over shipped)")
    add_common(lst)
    lst.add_argument("kind", nargs="?", choices=PRESET_KINDS, help="only this kind")
    lst.add_argument("--json", action="store_true", help='print [{"kind", "name", "origin"}, ...]')
    lst.set_defaults(handler=cmd_list)

    show = psub.add_parser("show", help="print one preset as SillyTavern JSON (the copy in effect)")
    add_common(show)
    show.add_argument("kind", choices=PRESET_KINDS)
    show.add_argument("name")
    show.set_defaults(handler=cmd_show)

    imp = psub.add_parser("import", help="import SillyTavern presets from a .json file or a folder "
                          "(with instruct/, context/, sysprompt/ subfolders, e.g. SillyTavern's data/default-user)")
    add_common(imp)
    imp.add_argument("path", type=Path, metavar="PATH")
    imp.add_argument("--json", action="store_true", help='print {"imported", "same_as_shipped", "skipped"}')
    imp.set_defaults(handler=cmd_import)

    rm = psub.add_parser("delete", help="delete your preset (a shipped one of that name is used again)")
    add_common(rm)
    rm.add_argument("kind", choices=PRESET_KINDS)
    rm.add_argument("name")
    rm.set_defaults(handler=cmd_delete)



def cmd_list(args: argparse.Namespace) -> int:
    ctx = open_context(args)
    kinds = [args.kind] if args.kind else list(PRESET_KINDS)
    entries = [e for kind in kinds for e in list_presets(ctx, kind)]
    if args.json:
        print(dumps([{"kind": e.kind, "name": e.name, "origin": e.origin} for e in entries],
                    ensure_ascii=False, indent=2))
        return 0
    for e in entries:
        print(f"{e.kind:<10} {e.origin:<8} {e.name}")
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    preset = get_preset(open_context(args), args.kind, args.name)
    print(dumps(to_sillytavern(preset), ensure_ascii=False, indent=4))
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    report = import_presets(open_context(args), args.path)
    if args.json:
        print(dumps({
            "imported": [{"kind": e.kind, "name": e.name, "origin": e.origin} for e in report.imported],
            "same_as_shipped": [{"kind": e.kind, "name": e.name} for e in report.same_as_shipped],
            "skipped": report.skipped,
        }, ensure_ascii=False, indent=2))
    else:
        for e in report.imported:
            note = " (yours, used instead of the shipped one)" if e.origin == "edited" else ""
            print(f"imported {e.kind} {e.name}{note}")
        if report.same_as_shipped:
            print(f"{len(report.same_as_shipped)} equal to the shipped presets of the same name (nothing to store)")
        for line in report.skipped:
            print(f"skipped {line}")
    if not report.imported and not report.same_as_shipped:
        return fail(f"no presets imported from {args.path}")
    return 0


def cmd_delete(args: argparse.Namespace) -> int:
    if not delete_preset(open_context(args), args.kind, args.name):
        return fail(f"you have no {args.kind} preset {args.name!r} (shipped presets cannot be deleted)")
    print(f"deleted {args.kind} {args.name}")
    return 0
