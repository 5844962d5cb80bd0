"""`tavo-tui regex list|import|export|remove|enable|disable|card|allow|deny`: SillyTavern regex scripts.

The global scripts live in the data folder's regex/global.json; a card's own scripts run only once it is allowed
(regex/allowed_cards.json), as SillyTavern asks before running them.
"""

from __future__ import annotations

import argparse
import functools
import sys
from collections.abc import Callable
from pathlib import Path

from tavo_tui.cli.common import add_common, command_parser, fail, open_context
from tavo_tui.session.regex_library import RegexLibrary, ScriptRow, describe_script
from tavo_tui.session.visible import dumps

BAD_INPUT = 2  # a script or card that is not there, a file that is not a regex file


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = command_parser(sub, "regex")
    add_common(p)
    rsub = p.add_subparsers(dest="regex_command", metavar="ACTION", required=True)

    lst = rsub.add_parser("list", help="the global scripts in run order")
    add_common(lst)
    lst.add_argument("--json", action="store_true", help="print the scripts as a JSON list")
    lst.set_defaults(handler=cmd_list)

    imp = rsub.add_parser("import", help="add the scripts of SillyTavern regex files (one script or a list)")
    add_common(imp)
    imp.add_argument("files", type=Path, nargs="+", metavar="FILE")
    imp.set_defaults(handler=cmd_import)

    exp = rsub.add_parser("export", help="write scripts as a SillyTavern regex file (all of them by default)")
    add_common(exp)
    exp.add_argument("refs", nargs="*", metavar="REF", help="a script's number, name or id")
    exp.add_argument("-o", "--output", type=Path, metavar="FILE", help="write to FILE instead of stdout")
    exp.set_defaults(handler=cmd_export)

    for name, help_text, handler in (("remove", "delete a global script", cmd_remove),
                                     ("enable", "let a global script run", cmd_enable),
                                     ("disable", "keep a global script from running", cmd_disable)):
        action = rsub.add_parser(name, help=help_text)
        add_common(action)
        action.add_argument("ref", metavar="REF", help="the script's number, name or id")
        action.set_defaults(handler=handler)

    card = rsub.add_parser("card", help="a card's own scripts and whether they are allowed to run")
    add_common(card)
    card.add_argument("card", type=Path, metavar="CARD")
    card.add_argument("--json", action="store_true", help='print {"card", "allowed", "scripts": [...]}')
    card.set_defaults(handler=cmd_card)

    for name, help_text, handler in (("allow", "let a card's own scripts run", cmd_allow),
                                     ("deny", "stop a card's own scripts from running", cmd_deny)):
        action = rsub.add_parser(name, help=help_text)
        add_common(action)
        action.add_argument("card", type=Path, metavar="CARD")
        action.set_defaults(handler=handler)


def _library(args: argparse.Namespace) -> RegexLibrary:
    return RegexLibrary(open_context(args).paths.data_dir)


def _line(row: ScriptRow) -> str:
    script = row.script
    mark = " " if script.disabled else "x"
    name = script.scriptName or "(unnamed)"
    return f"{row.number:>3} [{mark}] {name}  /{script.findRegex}/  {describe_script(script)}"


def bad_input(handler: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    """A script, card or file that is not there (or not a regex file) is bad input: one line, exit 2."""

    @functools.wraps(handler)
    def run(args: argparse.Namespace) -> int:
        from tavo_tui.session.errors import CardError, StoreError

        try:
            return handler(args)
        except (StoreError, CardError) as exc:
            return fail(str(exc), BAD_INPUT)

    return run


def cmd_list(args: argparse.Namespace) -> int:
    rows = _library(args).rows()
    if args.json:
        print(dumps([row.as_json() for row in rows], indent=2))
        return 0
    if not rows:
        print("no regex scripts yet — `tavo-tui regex import FILE` adds SillyTavern ones")
    for row in rows:
        print(_line(row))
    return 0


@bad_input
def cmd_import(args: argparse.Namespace) -> int:
    added = _library(args).import_files(list(args.files))
    print(f"imported {len(added)} regex script(s)")
    return 0


@bad_input
def cmd_export(args: argparse.Namespace) -> int:
    data = _library(args).export(list(args.refs))
    if args.output is None:
        sys.stdout.write(data.decode("utf-8"))
        return 0
    try:
        args.output.write_bytes(data)
    except OSError as exc:
        return fail(f"cannot write {args.output}: {exc.strerror or exc}")
    print(f"wrote {args.output}")
    return 0


def _change(args: argparse.Namespace, verb: str, action: str) -> int:
    library = _library(args)
    if action == "remove":
        script = library.remove(args.ref)
    else:
        script = library.set_disabled(args.ref, action == "disable")
    print(f"{verb} {script.scriptName or args.ref!r}")
    return 0


@bad_input
def cmd_remove(args: argparse.Namespace) -> int:
    return _change(args, "removed", "remove")


@bad_input
def cmd_enable(args: argparse.Namespace) -> int:
    return _change(args, "enabled", "enable")


@bad_input
def cmd_disable(args: argparse.Namespace) -> int:
    return _change(args, "disabled", "disable")


def _card_path(args: argparse.Namespace) -> Path | None:
    path: Path = args.card
    return path if path.is_file() else None


@bad_input
def cmd_card(args: argparse.Namespace) -> int:
    path = _card_path(args)
    if path is None:
        return fail(f"no card at {args.card}", BAD_INPUT)
    scripts, allowed = _library(args).card_scripts(path)
    if args.json:
        rows = [ScriptRow(n, s).as_json() for n, s in enumerate(scripts, 1)]
        print(dumps({"card": str(path), "allowed": allowed, "scripts": rows}, indent=2))
        return 0
    if not scripts:
        print(f"{path.name} has no regex scripts of its own")
        return 0
    state = "allowed to run" if allowed else "not allowed to run (`tavo-tui regex allow CARD`)"
    print(f"{path.name}: {len(scripts)} script(s), {state}")
    for n, script in enumerate(scripts, 1):
        print(_line(ScriptRow(n, script)))
    return 0


def _allow(args: argparse.Namespace, allowed: bool) -> int:
    path = _card_path(args)
    if path is None:
        return fail(f"no card at {args.card}", BAD_INPUT)
    _library(args).allow_card(path, allowed)
    print(f"{path.name}: its own regex scripts {'may run' if allowed else 'will not run'}")
    return 0


@bad_input
def cmd_allow(args: argparse.Namespace) -> int:
    return _allow(args, True)


@bad_input
def cmd_deny(args: argparse.Namespace) -> int:
    return _allow(args, False)
