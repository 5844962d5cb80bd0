"""`tavo-tui card show|validate|convert|import`: the cards layer from the command line."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from tavo_tui.cli.common import add_common, command_parser, fail
from tavo_tui.session.cards import CardError, LoadedCard, read_card, v3_object, write_card
from tavo_tui.session.visible import dumps


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = command_parser(sub, "card")
    add_common(p)
    csub = p.add_subparsers(dest="card_command", metavar="ACTION", required=True)

    show = csub.add_parser("show", help="print a card's main fields (or its normalised V3 JSON)")
    add_common(show)
    show.add_argument("path", type=Path)
    show.add_argument("--json", action="store_true", help="print the normalised card as V3 JSON")
    show.set_defaults(handler=cmd_show)

    val = csub.add_parser("validate", help="check that files read as cards; exit 1 if any fails")
    add_common(val)
    val.add_argument("paths", type=Path, nargs="+", metavar="PATH")
    val.set_defaults(handler=cmd_validate)

    conv = csub.add_parser("convert", help="rewrite a card in the format named by OUT's extension")
    add_common(conv)
    conv.add_argument("src", type=Path, metavar="IN")
    conv.add_argument("dst", type=Path, metavar="OUT", help=".png, .json or .charx")
    conv.add_argument("--v2", action="store_true", help="write V2 JSON instead of V3 (for .json)")
    conv.add_argument("--force", action="store_true", help="overwrite OUT if it exists")
    conv.set_defaults(handler=cmd_convert)

    imp = csub.add_parser("import", help="copy card files into the library (the data dir's cards/)")
    add_common(imp)
    imp.add_argument("paths", type=Path, nargs="+", metavar="PATH")
    imp.add_argument("--on-duplicate", choices=("replace", "keep-both", "skip"), default=None,
                     help="a card already in the library (same bytes or file name): replace it, keep both (the "
                          "new one as 'name (2)'), or skip it; without this flag such a card is refused")
    imp.set_defaults(handler=cmd_import)


def _json_out(obj: object) -> str:
    return dumps(obj, ensure_ascii=False, indent=2)


def cmd_show(args: argparse.Namespace) -> int:
    loaded = read_card(args.path)
    if args.json:
        print(_json_out(v3_object(loaded.card)))
    else:
        print(describe(loaded))
    for w in loaded.warnings:
        print(f"warning: {w}", file=sys.stderr)
    return 0


def describe(loaded: LoadedCard) -> str:
    c = loaded.card
    book = c.character_book
    lines = [
        f"Name:       {c.name}" + (f"  (nickname {c.nickname})" if c.nickname else ""),
        f"Format:     {loaded.format}",
        f"Creator:    {c.creator or '-'}   Version: {c.character_version or '-'}",
        f"Tags:       {', '.join(c.tags) or '-'}",
        f"Greetings:  {len(c.greetings())} (+{len(c.group_only_greetings)} group-only)",
        f"Lorebook:   {len(book.entries) if book else 0} entries",
        f"Prompts:    system prompt {'yes' if c.system_prompt else 'no'}, "
        f"post-history instructions {'yes' if c.post_history_instructions else 'no'}",
    ]
    if c.assets:
        lines.append(f"Assets:     {len(c.assets)}")
    for title, text in (("Description", c.description), ("First message", c.first_mes),
                        ("Creator notes", c.creator_notes)):
        if text:
            lines += ["", f"{title}:", _clip(text, 600)]
    return "\n".join(lines)


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit].rstrip() + " …"


def cmd_validate(args: argparse.Namespace) -> int:
    failed = 0
    for path in args.paths:
        try:
            loaded = read_card(path)
        except CardError as e:
            failed += 1
            print(f"FAIL {path}: {e.problem}")
            continue
        extra = f", {len(loaded.warnings)} warning(s)" if loaded.warnings else ""
        print(f"OK   {path}: {loaded.format}, {loaded.card.name!r}{extra}")
    return 1 if failed else 0


def cmd_convert(args: argparse.Namespace) -> int:
    if args.dst.exists() and not args.force:
        return fail(f"{args.dst} already exists (use --force to overwrite)")
    if args.src.resolve() == args.dst.resolve():
        return fail("IN and OUT are the same file")
    loaded = read_card(args.src)
    for w in [*loaded.warnings, *write_card(loaded, args.dst, v2=args.v2)]:
        print(f"warning: {w}", file=sys.stderr)
    print(f"wrote {args.dst}")
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    # The library's own import: the same checks and file naming as the TUI's import dialog.
    from tavo_tui.session import AppContext
    from tavo_tui.session.library import import_cards

    choice = {"keep-both": "keep", None: "refuse"}.get(args.on_duplicate, args.on_duplicate)
    report = import_cards(AppContext.open(getattr(args, "home", None)), args.paths, duplicates=choice)
    for target in report.imported:
        print(f"imported {report.names.get(target, target.stem)!r} -> {target}")
    for src, reason in report.failed:
        print(f"FAIL {src}: {reason}")
    for src, same in report.duplicates:
        if choice == "skip":
            print(f"skipped {src}: already in the library as {same}", file=sys.stderr)
        else:
            print(f"FAIL {src}: already in the library as {same}; pass --on-duplicate replace, keep-both or skip")
    for src in report.skipped:
        print(f"skipped {src}: not a card file", file=sys.stderr)
    return 1 if report.failed or (report.duplicates and choice == "refuse") else 0
