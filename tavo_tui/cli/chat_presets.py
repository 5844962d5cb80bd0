"""`tavo-tui chat-preset list|show|import|export`: SillyTavern chat-completion presets (the prompt manager)."""

from __future__ import annotations

import argparse
from pathlib import Path

from tavo_tui.cli.common import add_common, command_parser, fail, open_context
from tavo_tui.session.chat_presets import chat_preset_names, export_chat_preset, import_chat_preset, open_chat_preset
from tavo_tui.session.visible import dumps


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = command_parser(sub, "chat-preset")
    add_common(p)
    psub = p.add_subparsers(dest="chat_preset_command", metavar="ACTION", required=True)

    lst = psub.add_parser("list", help="list stored chat-completion presets")
    add_common(lst)
    lst.add_argument("--json", action="store_true", help="print the names as a JSON list")
    lst.set_defaults(handler=cmd_list)

    show = psub.add_parser("show", help="the prompts in order (enabled or not) and the utility prompts")
    add_common(show)
    show.add_argument("preset", metavar="NAME|FILE")
    show.add_argument("--json", action="store_true", help='print {"prompts": [...], "utility": {...}}')
    show.set_defaults(handler=cmd_show)

    imp = psub.add_parser("import", help="store a SillyTavern chat-completion preset .json")
    add_common(imp)
    imp.add_argument("file", type=Path, metavar="FILE")
    imp.add_argument("--name", help="store it under this name (default: the file's name)")
    imp.add_argument("--replace", action="store_true", help="overwrite a stored preset of the same name")
    imp.set_defaults(handler=cmd_import)

    exp = psub.add_parser("export", help="write a stored chat-completion preset as SillyTavern's .json")
    add_common(exp)
    exp.add_argument("name", metavar="NAME")
    exp.add_argument("out", type=Path, metavar="OUT")
    exp.add_argument("--force", action="store_true", help="overwrite OUT if it exists")
    exp.set_defaults(handler=cmd_export)



def cmd_list(args: argparse.Namespace) -> int:
    names = chat_preset_names(open_context(args))
    if args.json:
        print(dumps(names, ensure_ascii=False))
        return 0
    if not names:
        print("no chat-completion presets yet — `tavo-tui chat-preset import FILE` stores a SillyTavern one")
    for name in names:
        print(name)
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    manager = open_chat_preset(open_context(args), args.preset)
    prompts = manager.prompts()
    if args.json:
        print(dumps({"prompts": [vars(p) for p in prompts], "utility": manager.utility()},
                    ensure_ascii=False, indent=2))  # fmt: skip
        return 0
    for index, prompt in enumerate(prompts, 1):
        mark = "x" if prompt.enabled else " "
        what = "(marker)" if prompt.marker else f"{prompt.role}, {len(prompt.content)} chars"
        print(f"{index:>3} [{mark}] {prompt.name or prompt.identifier:<32} {what}")
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    name = import_chat_preset(open_context(args), args.file, args.name, replace=args.replace)
    print(f"stored chat-completion preset {name!r}")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    if args.out.exists() and not args.force:
        return fail(f"{args.out} exists — pass --force to overwrite it")
    export_chat_preset(open_context(args), args.name, args.out)
    print(f"wrote {args.name!r} to {args.out}")
    return 0
