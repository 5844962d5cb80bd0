"""`tavo-tui connection add|list|test|models|discover|default|remove|kinds`."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys

from tavo_tui.cli.common import add_common, command_parser, fail
from tavo_tui.model import ConnectionProfile
from tavo_tui.session import AppContext
from tavo_tui.session.connections import (
    DEFAULT_PORTS,
    KINDS,
    check_profile,
    discover_servers,
    mask_secret,
    model_ids,
    used_base_url,
)
from tavo_tui.session.visible import dumps, mask_url


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = command_parser(sub, "connection")
    add_common(p)
    csub = p.add_subparsers(dest="connection_command", metavar="ACTION", required=True)

    add = csub.add_parser("add", help="add a profile (--replace to overwrite one of the same name)")
    add_common(add)
    add.add_argument("name")
    add.add_argument("--kind", default="openai-compatible", help="backend kind (see `connection kinds`)")
    add.add_argument("--url", default="", help="base URL; with or without /v1")
    add.add_argument("--model", default="")
    add.add_argument("--api-key-env", metavar="VAR", help="read the API key from this environment variable")
    add.add_argument("--api-key-stdin", action="store_true", help="read the API key from standard input")
    add.add_argument("--mode", choices=["chat", "text"], default=None, help="default: the kind's first mode")
    add.add_argument("--api", choices=["native", "openai"], default=None)
    add.add_argument("--max-context", type=int, default=None)
    add.add_argument("--max-tokens", type=int, default=None)
    add.add_argument("--converter", choices=["none", "merge", "semi", "strict", "single"], default="none")
    add.add_argument("--option", action="append", default=[], metavar="KEY=VALUE",
                     help="a kind-specific setting (see `connection kinds`); VALUE is JSON or plain text")
    add.add_argument("--instruct", default=None, metavar="NAME",
                     help="instruct template for text mode (`tavo-tui preset list instruct`), or auto: derived "
                     "from the server's chat template (default chatml)")
    add.add_argument("--default", action="store_true", help="make it the default profile")
    add.add_argument("--sampler-preset", metavar="NAME", help="a stored sampler preset this connection uses "
                     "(`tavo-tui sampler list`)")
    add.add_argument("--keep-lengths", action="store_true", help="keep this connection's --max-context and "
                     "--max-tokens even when its sampler preset has its own")
    add.add_argument("--replace", action="store_true",
                     help="overwrite an existing profile of this name (its stored key too, when a key is given)")
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

    models = csub.add_parser("models", help="list the models a profile's server offers")
    add_common(models)
    models.add_argument("name")
    models.add_argument("--filter", default="", metavar="TEXT", help="only ids containing TEXT")
    models.set_defaults(handler=cmd_models)

    disc = csub.add_parser("discover", help="find LLM servers running on this machine")
    add_common(disc)
    disc.add_argument("--ports", default=",".join(map(str, DEFAULT_PORTS)), help="comma-separated ports to probe")
    disc.add_argument("--timeout", type=float, default=0.3, help="seconds to wait per probe")
    disc.add_argument("--add", action="store_true", help="save what answers as new profiles")
    disc.set_defaults(handler=cmd_discover)

    kinds = csub.add_parser("kinds", help="list the backend kinds and their defaults")
    kinds.add_argument("--json", action="store_true")
    kinds.set_defaults(handler=cmd_kinds)


def _ctx(args: argparse.Namespace) -> AppContext:
    return AppContext.open(getattr(args, "home", None))


def _options(pairs: list[str]) -> dict[str, object] | str:
    """KEY=VALUE pairs as a dict (VALUE parsed as JSON when it is JSON), or an error message."""
    out: dict[str, object] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            return f"--option needs KEY=VALUE, got {pair!r}"
        try:
            out[key.strip()] = json.loads(value)
        except json.JSONDecodeError:
            out[key.strip()] = value
    return out


def cmd_add(args: argparse.Namespace) -> int:
    if args.kind not in KINDS:
        return fail(f"unknown kind {args.kind!r}; `tavo-tui connection kinds` lists them")
    info = KINDS[args.kind]
    if args.kind != "demo" and not args.url and not info.default_url:
        return fail(f"kind {args.kind!r} needs --url")
    if args.api and args.api not in info.apis:
        which = "kinds llamacpp, koboldcpp and ollama" if not info.apis else f"{', '.join(info.apis)}"
        return fail(f"--api {args.api} does not apply to kind {args.kind!r} (it is for {which})")
    mode = args.mode or info.modes[0]
    if mode not in info.modes:
        return fail(f"kind {args.kind!r} works in {' or '.join(info.modes)} mode, not {mode}")
    options = _options(args.option)
    if isinstance(options, str):
        return fail(options)
    store = _ctx(args).profiles
    # Checked before the key is read: a refused add consumes nothing and changes nothing.
    if args.name in store.names() and not args.replace and args.name != "demo":
        return fail(f"a connection named {args.name!r} exists; add --replace to overwrite it", 2)
    key = sys.stdin.readline().strip() if args.api_key_stdin else None
    key_env = args.api_key_env
    if key_env is None and key is None and info.needs_key and info.key_env:
        key_env = info.key_env  # the usual variable; the pane and `list` show where the key comes from
    fields: dict[str, object] = {
        "name": args.name,
        "kind": args.kind,
        "base_url": args.url or KINDS[args.kind].default_url,
        "model": args.model,
        "api_key_env": key_env,
        "mode": mode,
        "api": args.api,
        "converter": args.converter,
        "options": options,
    }
    if args.max_context:
        fields["max_context"] = args.max_context
    if args.max_tokens:
        fields["max_tokens"] = args.max_tokens
    if args.instruct:
        fields["instruct"] = args.instruct
    if args.sampler_preset:
        fields["sampler_preset"] = args.sampler_preset
    if args.keep_lengths:
        fields["preset_lengths"] = False
    store.save(ConnectionProfile.model_validate(fields), api_key=key, default=args.default)
    note = f"; API key read from ${key_env}" if key_env and key_env != args.api_key_env else ""
    print(f"saved connection {args.name!r}" + (" (default)" if args.default else "") + note)
    return 0


def _key_label(ctx: AppContext, profile: ConnectionProfile) -> str:
    if profile.api_key_env:
        return f"env:{profile.api_key_env}"
    stored = ctx.profiles.secrets.get(profile.name)
    return f"stored {mask_secret(stored)}" if stored else "none"


def cmd_list(args: argparse.Namespace) -> int:
    ctx = _ctx(args)
    store = ctx.profiles
    default = store.default_name
    profiles = store.list()
    if args.json:
        rows = [
            {**p.model_dump(mode="json"), "base_url": mask_url(p.base_url), "default": p.name == default,
             "api_key": _key_label(ctx, p), "url_used": mask_url(used_base_url(p))}
            for p in profiles
        ]
        print(dumps(rows, ensure_ascii=False, indent=2))
        return 0
    for p in profiles:
        mark = "*" if p.name == default else " "
        # As requests will use it (/v1 added where the API needs it); the demo makes no requests.
        url = mask_url(used_base_url(p)) if p.kind != "demo" else "-"
        print(f"{mark} {p.name:<16} {p.kind:<18} {p.mode:<5} {p.model or '-':<24} {url}  key: {_key_label(ctx, p)}")
    return 0


def cmd_test(args: argparse.Namespace) -> int:
    ctx = _ctx(args)
    profile = ctx.profiles.get(args.name)  # an unknown name fails here, with the store's message
    check = asyncio.run(check_profile(ctx, profile))
    if not check.ok:
        return fail(check.detail)
    print(f"ok: {profile.name} answered in {check.latency_ms:.0f} ms ({check.detail})")
    return 0


def cmd_default(args: argparse.Namespace) -> int:
    _ctx(args).profiles.set_default(args.name)
    print(f"default connection: {args.name}")
    return 0


def cmd_remove(args: argparse.Namespace) -> int:
    _ctx(args).profiles.remove(args.name)
    print(f"removed connection {args.name!r}")
    return 0


def cmd_models(args: argparse.Namespace) -> int:
    wanted = args.filter.lower()
    for model in asyncio.run(model_ids(_ctx(args), args.name)):
        if wanted in model.lower():
            print(model)
    return 0


def cmd_discover(args: argparse.Namespace) -> int:
    try:
        ports = [int(p) for p in args.ports.split(",") if p.strip()]
    except ValueError:
        return fail(f"--ports takes numbers separated by commas, got {args.ports!r}")
    found = asyncio.run(discover_servers(ports, timeout=args.timeout))
    if not found:
        print(f"no local LLM server answered on ports {', '.join(map(str, ports))}")
        return 0
    store = _ctx(args).profiles if args.add else None
    taken = {p.name for p in store.list()} if store else set()
    for server in found:
        models = ", ".join(server.models[:3]) or "-"
        line = f"{server.kind:<18} {server.base_url:<28} {server.server}  models: {models}"
        if store is not None:
            profile = server.profile()
            if profile.name in taken:
                line += f"  (profile {profile.name!r} exists, kept)"
            else:
                store.save(profile)
                taken.add(profile.name)
                line += f"  -> saved as {profile.name!r}"
        print(line)
    return 0


def cmd_kinds(args: argparse.Namespace) -> int:
    if args.json:
        rows = [
            {"name": k.name, "description": k.description, "default_url": k.default_url, "key_env": k.key_env,
             "needs_key": k.needs_key, "modes": list(k.modes), "apis": list(k.apis), "family": k.family,
             "streaming": k.streaming, "tokenizer": k.tokenizer, "options": list(k.options)}
            for k in KINDS.values()
        ]
        print(dumps(rows, indent=2))
        return 0
    for name, kind in KINDS.items():
        extra = f" [{'/'.join(kind.modes)}" + (f"; --api {'|'.join(kind.apis)}" if kind.apis else "") + "]"
        key = kind.key_env or "-"
        print(f"{name:<18} {kind.default_url or '-':<44} {key:<22} {kind.description}{extra}")
    return 0
