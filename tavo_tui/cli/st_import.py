"""`tavo-tui import sillytavern PATH [--json] [--dry-run]`: bring a SillyTavern data folder over."""

from __future__ import annotations

import argparse
from pathlib import Path

from tavo_tui.cli.common import add_common, command_parser


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = command_parser(sub, "import")
    add_common(p)
    isub = p.add_subparsers(dest="import_source", metavar="SOURCE", required=True)
    st = isub.add_parser(
        "sillytavern",
        help="characters (with chats), world info, personas, presets, tags and favourites from a SillyTavern "
             "data folder (data/<user>/, or public/ for old versions); the folder is only read",
    )
    add_common(st)
    st.add_argument("path", type=Path, metavar="PATH", help="SillyTavern's data/<user>/ folder (or its install)")
    st.add_argument("--json", action="store_true", help="print the summary as JSON")
    st.add_argument("--dry-run", action="store_true", help="report what would be imported; write nothing")
    st.set_defaults(handler=cmd_sillytavern)


def cmd_sillytavern(args: argparse.Namespace) -> int:
    from tavo_tui.session import AppContext
    from tavo_tui.session.migration import import_sillytavern, summary_text
    from tavo_tui.session.visible import dumps

    summary = import_sillytavern(AppContext.open(getattr(args, "home", None)), args.path, dry_run=args.dry_run)
    if args.json:
        print(dumps(summary.model_dump(mode="json"), ensure_ascii=False, indent=2))
    else:
        print(summary_text(summary))
    return 0
