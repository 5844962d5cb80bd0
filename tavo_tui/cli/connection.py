"""`tavo-tui connection add|list|test|default|remove|kinds`."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys

from tavo_tui.backends.base import BackendError
from tavo_tui.backends.registry import KINDS, make_backend
from tavo_tui.cli.common import add_common, fail
from tavo_tui.model import ConnectionProfile
from tavo_tui.store import AppPaths, ProfileStore, SecretStore, mask_secret


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("connection", help="manage connection profiles")
    add_common(p)
    csub = p.add_subparsers(dest="connection_command", metavar="ACTION", required=True)

    add = csub.add_parser("add", help="add or replace a profile")
    add_common(add)
    add.add_argument("name")
    add.add_argument("--kind", default="openai-compatible", help="backend kind (see `connection kinds`)")
    add.add_argument("--url", default="", help="base URL; with or without /v1")
    add.add_argument("--model", default="")
    add.add_argument("--api-key-env", metavar="VAR", help="read the API key from this environment variable")
    add.add_argument("--api-key-stdin", action="store_true", help="read the API key from standard input")
    add.add_argument("--mode", choices=["chat", "text"], default="chat")
    add.add_argument("--api", choices=["native", "openai"], default=None)
    add.add_argument("--max-context", type=int, default=None)
    add.add_argument("--max-tokens", type=int, default=None)
    add.add_argument("--converter", choices=["none", "merge", "semi", "strict", "single"], default="none")
    add.add_argument("--default", action="store_true", help="make it the default profile")
    add.set_defaults(handler=cmd_add)

    lst = csub.add_parser("list", help="list profiles")
    add_common(lst)
    lst.add_argument("--json", action="store_true")
    lst.set_defaults(handler=cmd_list)

    test = csub.add_parser("test", help="check that a profile's server answers (exit 0) or say why not (exit 1)")
    add_common(test)
    test.add_argument("name")
    test.set_defaults(handler=cmd_test)

    dflt = csub.add_parser("default", help="set the default profile")
    add_common(dflt)
    dflt.add_argument("name")
    dflt.set_defaults(handler=cmd_default)

    rm = csub.add_parser("remove", help="delete a profile and its stored key")
    add_common(rm)
    rm.add_argument("name")
    rm.set_defaults(handler=cmd_remove)

    kinds = csub.add_parser("kinds", help="list the backend kinds and their defaults")
    kinds.set_defaults(handler=cmd_kinds)


def _store(args: argparse.Namespace) -> ProfileStore:
    paths = AppPaths.resolve(getattr(args, "home", None))
    return ProfileStore(paths.connections_file, SecretStore(paths.secrets_file))


def cmd_add(args: argparse.Namespace) -> int:
    if args.kind not in KINDS:
        return fail(f"unknown kind {args.kind!r}; `tavo-tui connection kinds` lists them")
    if args.kind != "demo" and not args.url and not KINDS[args.kind].default_url:
        return fail(f"kind {args.kind!r} needs --url")
    key = sys.stdin.readline().strip() if args.api_key_stdin else None
    fields: dict[str, object] = {
        "name": args.name,
        "kind": args.kind,
        "base_url": args.url or KINDS[args.kind].default_url,
        "model": args.model,
        "api_key_env": args.api_key_env,
        "mode": args.mode,
        "api": args.api,
        "converter": args.converter,
    }
    if args.max_context:
        fields["max_context"] = args.max_context
    if args.max_tokens:
        fields["max_tokens"] = args.max_tokens
    store = _store(args)
    store.save(ConnectionProfile.model_validate(fields), api_key=key, default=args.default)
    print(f"saved connection {args.name!r}" + (" (default)" if args.default else ""))
    return 0


def _key_label(store: ProfileStore, profile: ConnectionProfile) -> str:
    if profile.api_key_env:
        return f"env:{profile.api_key_env}"
    stored = store.secrets.get(profile.name)
    return f"stored {mask_secret(stored)}" if stored else "none"


def cmd_list(args: argparse.Namespace) -> int:
    store = _store(args)
    default = store.default_name
    profiles = store.list()
    if args.json:
        rows = [
            {**p.model_dump(mode="json"), "default": p.name == default, "api_key": _key_label(store, p)}
            for p in profiles
        ]
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return 0
    for p in profiles:
        mark = "*" if p.name == default else " "
        url = p.base_url or "-"
        print(f"{mark} {p.name:<16} {p.kind:<18} {p.mode:<5} {p.model or '-':<24} {url}  key: {_key_label(store, p)}")
    return 0


def cmd_test(args: argparse.Namespace) -> int:
    store = _store(args)
    profile = store.get(args.name)

    async def run() -> int:
        backend = make_backend(profile, store.api_key(profile))
        try:
            check = await backend.check()
        except BackendError as exc:
            return fail(exc.message)
        finally:
            await backend.aclose()
        if not check.ok:
            return fail(check.detail)
        print(f"ok: {profile.name} answered in {check.latency_ms:.0f} ms ({check.detail})")
        return 0

    return asyncio.run(run())


def cmd_default(args: argparse.Namespace) -> int:
    _store(args).set_default(args.name)
    print(f"default connection: {args.name}")
    return 0


def cmd_remove(args: argparse.Namespace) -> int:
    _store(args).remove(args.name)
    print(f"removed connection {args.name!r}")
    return 0


def cmd_kinds(args: argparse.Namespace) -> int:
    for name, kind in KINDS.items():
        print(f"{name:<18} {kind.default_url or '-':<36} {kind.description}")
    return 0
