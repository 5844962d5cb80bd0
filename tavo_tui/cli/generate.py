"""`tavo-tui prompt` (show the exact request) and `tavo-tui send` (send it, stream the reply)."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from tavo_tui.cli.common import add_common, command_parser, fail, open_context
from tavo_tui.session import ChatSession, Delta, Done, Failed, Inspection, Notice, Retrying
from tavo_tui.session.budget import Refusal, over_budget
from tavo_tui.session.errors import StoreError
from tavo_tui.session.presets import derive_templates_for, wants_derived
from tavo_tui.session.scripted import RunInputs, add_history, apply_inputs, open_chat_file
from tavo_tui.session.server_tokens import ServerTokenCache, count_on_server
from tavo_tui.session.visible import dumps, mask_url


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    prompt = command_parser(sub, "prompt")
    _add_inputs(prompt)
    _add_action(prompt, "the prompt to show: the next reply (normal), a new version of the last reply (swipe), "
                "more of the last message (continue) or your next message written by the model (impersonate)")
    prompt.add_argument("--json", action="store_true",
                        help='print {"url", "body", "tokens", "notes", "action", "refusal"} as JSON')
    prompt.add_argument("--offline-tokens", action="store_true",
                        help="count with tiktoken/estimate only, never ask the server's tokenizer")
    prompt.set_defaults(handler=cmd_prompt)

    send = command_parser(sub, "send")
    _add_inputs(send)
    _add_action(send, "normal sends TEXT and prints the reply; swipe adds a new version of the last reply; "
                "continue appends to the last message; impersonate prints your next message as the model "
                "writes it (nothing saved). Only normal takes TEXT")
    send.add_argument("text", nargs="?", help="the message to send (--action normal)")
    send.set_defaults(handler=cmd_send)


ACTIONS = ("normal", "continue", "impersonate", "swipe")


def _add_action(p: argparse.ArgumentParser, help_text: str) -> None:
    p.add_argument("--action", choices=ACTIONS, default="normal", help=f"{help_text} (default normal)")


def _add_inputs(p: argparse.ArgumentParser) -> None:
    add_common(p)
    p.add_argument("--card", type=Path, metavar="PATH", help="the character card (optional with --chat)")
    p.add_argument("--chat", default=None, metavar="ID|FILE",
                   help="a stored chat id (`tavo-tui chat list`; `send` saves to it), or a SillyTavern .jsonl "
                   "file whose messages are the history (nothing is written; needs --card)")
    p.add_argument(
        "-m",
        "--message",
        dest="messages",
        action="append",
        default=[],
        metavar="TEXT",
        help="a history message after the greeting; they alternate you, character, you, ... (repeatable)",
    )
    g = p.add_argument_group("prompt inputs (override the chat's and the connection's for this run)")
    g.add_argument("--persona", metavar="TEXT", help="your persona's description ({{persona}})")
    g.add_argument("--author-note", metavar="TEXT", help="an Author's Note for this run")
    g.add_argument("--author-note-depth", type=int, default=4, metavar="N", help="its depth in the chat (default 4)")
    g.add_argument("--lorebook", type=Path, action="append", default=[], metavar="FILE",
                   help="a SillyTavern world-info JSON file to scan (repeatable)")
    g.add_argument("--regex", type=Path, action="append", default=[], metavar="FILE",
                   help="a SillyTavern regex-script file (one script or an array) to run after the global "
                   "scripts (repeatable)")
    g.add_argument("--instruct", metavar="NAME|FILE", help="instruct template (text mode): a shipped name or a "
                   "SillyTavern instruct preset .json")
    g.add_argument("--context", metavar="NAME|FILE", help="context template (text mode): name or preset .json")
    g.add_argument("--sysprompt", metavar="NAME|FILE", help="system prompt preset (text mode's story string "
                   "{{system}}, and {{systemPrompt}}): a name (`tavo-tui preset list`) or a SillyTavern .json")
    g.add_argument("--preset", type=Path, metavar="FILE", help="a SillyTavern chat-completion preset .json: "
                   "the prompt manager's prompts, order and enabled flags (chat mode); or the name of one "
                   "stored with `tavo-tui chat-preset import`")
    g.add_argument("--sampler-preset", metavar="NAME|FILE",
                   help="a stored sampler preset (`tavo-tui sampler list`) or a SillyTavern TextGen/OpenAI "
                   "Settings .json: its samplers, context size and reply length for this run")
    g.add_argument("--converter", choices=["none", "merge", "semi", "strict", "single"],
                   help="prompt post-processing for chat mode")
    g.add_argument("--max-context", type=int, metavar="N", help="context size in tokens")
    g.add_argument("--max-tokens", type=int, metavar="N", help="reply length in tokens")
    g.add_argument("--mode", choices=["chat", "text"], help="chat or text completion")


def open_scripted(args: argparse.Namespace, *, save: bool = False) -> ChatSession:
    """The session a scripted run uses, with this run's prompt inputs applied."""
    session = _open_history(args, save=save)
    apply_inputs(session, run_inputs(args))
    return session


def run_inputs(args: argparse.Namespace) -> RunInputs:
    """The prompt-input options of `prompt`/`send`, as the session takes them."""
    return RunInputs(persona=args.persona, author_note=args.author_note, author_note_depth=args.author_note_depth,
                     lorebooks=tuple(args.lorebook), instruct=args.instruct, context=args.context,
                     sysprompt=args.sysprompt,
                     preset=args.preset, converter=args.converter, max_context=args.max_context,
                     max_tokens=args.max_tokens, mode=args.mode,
                     sampler_preset=args.sampler_preset, regex=tuple(args.regex))


def _open_history(args: argparse.Namespace, *, save: bool) -> ChatSession:
    """The greeting plus the -m history (nothing written), a SillyTavern chat file's messages, or a stored
    chat with --chat ID (saved when `save`)."""
    ctx = open_context(args)
    if args.card is not None and not args.card.exists():
        raise FileNotFoundError(2, "no such card file", str(args.card))
    if args.chat and args.chat.endswith(".jsonl") and Path(args.chat).is_file():
        if args.card is None:
            raise StoreError("--chat FILE needs --card PATH (the character the chat is with)")
        session = open_chat_file(ctx, Path(args.chat), args.card, getattr(args, "connection", None),
                                 keep_user=not getattr(args, "user", None))
        add_history(session, args.messages)
        return session
    if args.chat:
        if args.messages:
            raise StoreError("-m/--message cannot be combined with --chat (the chat has its own history)")
        session = ctx.open_chat_id(args.chat, args.card, getattr(args, "connection", None), persist=save)
        if save and session.read_only:
            session.close()
            raise StoreError(f"chat {args.chat!r}: {session.read_only_reason}")
        return session
    if args.card is None:
        raise StoreError("give --card PATH (or --chat ID to continue a stored chat)")
    if not args.card.exists():
        raise FileNotFoundError(2, "no such card file", str(args.card))
    session = ctx.open_chat(args.card, getattr(args, "connection", None), new=True, persist=False)
    add_history(session, args.messages)
    return session


def compact(obj: object) -> str:
    """The serialisation the backends send, so `prompt --json` shows the body byte for byte."""
    return dumps(obj, ensure_ascii=False, separators=(",", ":"))


def cmd_prompt(args: argparse.Namespace) -> int:
    session = open_scripted(args)
    action = getattr(args, "action", "normal")
    if not session.is_demo and (not args.offline_tokens or wants_derived(session.profile)):
        inspection, refusal = asyncio.run(_online_inspection(session, action, count=not args.offline_tokens))
    else:
        try:
            inspection = session.inspect(action=action)
            refusal = session.fit_refusal(inspection.prompt, action)
        finally:
            session.close()
    reason = refusal.text if refusal is not None else over_budget(inspection.prompt)
    if args.json:
        shape = inspection.as_json()
        shape["action"] = action
        shape["refusal"] = reason
        print(compact(shape))
        return 0
    prompt = inspection.prompt
    print(f"{inspection.request.method} {mask_url(inspection.request.url)}")
    print()
    print(dumps(inspection.request.body, indent=2, ensure_ascii=False))
    print()
    label = "" if prompt.token_exact else "  (estimate)"
    print(f"tokens ({prompt.token_method}){label}:")
    for name, count in inspection.section_tokens().items():
        print(f"  {name:<32} {count:>7}")
    print(f"  {'total':<32} {prompt.token_total:>7} / {prompt.max_context} context")
    if reason is not None:
        print(f"note: `send` would refuse this: {reason}" if refusal is not None else f"note: {reason}")
    if prompt.notes:
        print()
        print("notes:")
        for note in prompt.notes:
            print(f"  {note}")
    return 0


async def _online_inspection(session: ChatSession, action: str, *,
                             count: bool) -> tuple[Inspection, Refusal | None]:
    """The request for `action`, with "auto" templates derived from the server's chat template, and the
    connection's own token counts when it has a tokenizer (`count`); the offline figures otherwise. Also why
    `send` would refuse it (judged on the budget's own figures, before the server's count)."""
    try:
        await derive_templates_for(session)
        inspection = session.inspect(action=action)
        refusal = session.fit_refusal(inspection.prompt, action)
        refined = None
        if count:
            refined = await count_on_server(session.backend, inspection, ServerTokenCache(),
                                            label=session.profile.kind)
    finally:
        await session.aclose()
    return refined or inspection, refusal


def cmd_send(args: argparse.Namespace) -> int:
    action = getattr(args, "action", "normal")
    if action == "normal" and args.text is None:
        return fail("give the message to send (or --action continue|impersonate|swipe)", 2)
    if action != "normal" and args.text is not None:
        return fail(f"--action {action} takes no message text (it works on the chat as it stands)", 2)
    # An impersonation is printed, never added to the chat: it opens the chat read-only, like `prompt`.
    session = open_scripted(args, save=action != "impersonate")
    events = {
        "normal": lambda: session.send(args.text),
        "swipe": session.new_swipe,
        "continue": session.continue_last,
        "impersonate": session.impersonate,
    }[action]()

    async def run() -> int:
        code = 0
        try:
            async for event in events:
                if isinstance(event, Done) and action == "impersonate":
                    print(event.message.mes)  # cleaned as the TUI's composer gets it (no leading "You:")
                    continue
                if isinstance(event, Delta) and action == "impersonate":
                    continue
                if isinstance(event, Delta):
                    sys.stdout.write(event.text)
                    sys.stdout.flush()
                elif isinstance(event, Done):
                    sys.stdout.write("\n")
                    if event.incomplete:
                        print("tavo-tui: the reply may be incomplete (no finish reason)", file=sys.stderr)
                elif isinstance(event, Failed):
                    if event.partial:
                        sys.stdout.write("\n")
                    code = fail(event.error)
                elif isinstance(event, Notice):
                    print(f"tavo-tui: {event.text}", file=sys.stderr)
                elif isinstance(event, Retrying):
                    status = f" ({event.status})" if event.status else ""
                    print(f"tavo-tui: server busy{status}: {event.reason}; trying again in {event.seconds:.0f} s "
                          "(ctrl+c stops)", file=sys.stderr)
        finally:
            await session.aclose()
        return code

    return asyncio.run(run())
