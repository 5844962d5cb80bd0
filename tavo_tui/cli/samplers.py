"""`tavo-tui sampler list|show|import|export|delete`: named sampler presets in SillyTavern's formats."""

from __future__ import annotations

import argparse
from pathlib import Path

from tavo_tui.cli.common import add_common, command_parser, fail, open_context
from tavo_tui.session.sampler_presets import (
    FOLDERS,
    FORMATS,
    delete_preset,
    export_preset,
    import_preset,
    list_presets,
    resolve_preset,
    support_report,
)
from tavo_tui.session.visible import dumps


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = command_parser(sub, "sampler")
    add_common(p)
    ssub = p.add_subparsers(dest="sampler_command", metavar="ACTION", required=True)

    lst = ssub.add_parser("list", help="list stored sampler presets")
    add_common(lst)
    lst.add_argument("--json", action="store_true", help='print [{"name", "format", "path"}]')
    lst.set_defaults(handler=cmd_list)

    show = ssub.add_parser("show", help="a preset's samplers and what a connection's kind does with each")
    add_common(show)
    show.add_argument("preset", metavar="NAME|FILE")
    show.add_argument("--kind", help="judge for this backend kind (default: the connection's)")
    show.add_argument("--json", action="store_true", help="print the report as JSON")
    show.set_defaults(handler=cmd_show)

    imp = ssub.add_parser("import", help="store a SillyTavern TextGen or OpenAI Settings preset .json")
    add_common(imp)
    imp.add_argument("file", type=Path, metavar="FILE")
    imp.add_argument("--name", help="store it under this name (default: the file's name)")
    imp.add_argument("--format", choices=FORMATS, help="textgen or openai (default: read from the file)")
    imp.add_argument("--replace", action="store_true", help="overwrite a stored preset of the same name")
    imp.set_defaults(handler=cmd_import)

    exp = ssub.add_parser("export", help="write a stored preset as a SillyTavern preset .json")
    add_common(exp)
    exp.add_argument("name", metavar="NAME")
    exp.add_argument("out", type=Path, metavar="OUT")
    exp.add_argument("--force", action="store_true", help="overwrite OUT if it exists")
    exp.set_defaults(handler=cmd_export)

    rm = ssub.add_parser("delete", help="delete a stored preset")
    add_common(rm)
    rm.add_argument("name", metavar="NAME")
    rm.set_defaults(handler=cmd_delete)



def cmd_list(args: argparse.Namespace) -> int:
    entries = list_presets(open_context(args))
    if args.json:
        print(dumps([{"name": e.name, "format": e.format, "path": str(e.path)} for e in entries],
                    ensure_ascii=False, indent=2))  # fmt: skip
        return 0
    if not entries:
        print("no sampler presets yet — `tavo-tui sampler import FILE` stores a SillyTavern preset")
    for entry in entries:
        print(f"{entry.name:<40} {FOLDERS[entry.format]}")
    return 0


def _show_value(value: object) -> str:
    text = dumps(value, ensure_ascii=False)
    return text if len(text) <= 48 else text[:45] + "..."


def cmd_show(args: argparse.Namespace) -> int:
    ctx = open_context(args)
    profile = ctx.profiles.get(args.connection or ctx.profiles.default_name)
    kind = args.kind or profile.kind
    preset = resolve_preset(ctx, args.preset, profile)
    report = support_report(preset, kind, profile if kind == profile.kind else None)
    if args.json:
        print(dumps(report.as_json(), ensure_ascii=False, indent=2))
        return 0
    print(f"{preset.name} ({FOLDERS[preset.format]}) for kind {kind}")
    own = "(the connection's)"
    print(f"  context size: {report.context_size or own}; reply length: {report.reply_length or own}")
    for item in report.samplers:
        sent = f"sent as {item.wire}" if item.wire else "ignored by this kind"
        print(f"  {item.name:<26} {_show_value(item.value):<50} {sent}")
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    preset = import_preset(open_context(args), args.file, args.name, args.format, replace=args.replace)
    print(f"stored sampler preset {preset.name!r} ({FOLDERS[preset.format]})")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    if args.out.exists() and not args.force:
        return fail(f"{args.out} exists — pass --force to overwrite it")
    preset = export_preset(open_context(args), args.name, args.out)
    print(f"wrote {preset.name!r} ({FOLDERS[preset.format]}) to {args.out}")
    return 0


def cmd_delete(args: argparse.Namespace) -> int:
    entry = delete_preset(open_context(args), args.name)
    print(f"deleted sampler preset {entry.name!r} ({FOLDERS[entry.format]})")
    return 0
