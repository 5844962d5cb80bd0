"""Turns a session's generation events into chat widgets: the streamed reply, notes and notices."""

from __future__ import annotations

from collections.abc import Mapping

from textual.content import Content

from tavo_tui.session import (
    Delta,
    Done,
    Failed,
    Finishing,
    GenerationEvent,
    Notice,
    Reasoning,
    Retrying,
    Started,
)
from tavo_tui.ui.chat.log import ChatLog
from tavo_tui.ui.chat.message_view import MessageView
from tavo_tui.ui.shared.errors import error_hint, error_notice, exception_notice
from tavo_tui.ui.shared.safe_text import plain

INCOMPLETE_NOTE = "(incomplete: the stream ended without a finish reason)"
PARTIAL_NOTE = "(partial reply kept)"
STOPPED_NOTE = "(stopped — partial reply kept)"
# Failures a second try cannot mend: the connection or the chat must change first (their hint says how).
NOT_RETRIED = frozenset({"auth", "quota", "context_length", "not_found_model", "bad_request"})
# Kinds whose own advice is only "retry" (said better by retry_hint), and the unknown kinds' default advice.
RETRY_ADVICE = frozenset({"rate_limit", "overloaded", "server"})


def retry_hint(kind: str, retry_keys: str, *, partial: bool) -> str:
    """What the retry key does after this failure, naming the key in force; "" when retrying cannot help."""
    if not retry_keys or kind in NOT_RETRIED:
        return ""
    if partial:
        return f"{retry_keys} writes this reply again as a new version; the partial one stays one swipe back."
    return f"{retry_keys} asks again."


def failure_notice(event: Failed, keys: Mapping[str, str]) -> Content:
    """The error, then what to do: the retry key where a retry helps, and the kind's own advice (left out when
    it is itself only a retry hint). `keys`: action → the keys in force for it."""
    retry_keys = keys.get("retry", "")
    retry = retry_hint(event.kind, retry_keys, partial=event.partial is not None)
    advice = error_hint(event.kind, keys)
    if retry and event.kind in RETRY_ADVICE:
        advice = ""
    return error_notice(event.error, event.kind, " ".join(part for part in (retry, advice) if part))


def retry_wait_notice(event: Retrying, retry_keys: str) -> Content:
    """The server said "not now" (429, 503): what it said, when the request goes again, and the way out."""
    status = f" ({event.status})" if event.status else ""
    now = f"{retry_keys} tries now, esc stops." if retry_keys else "esc stops."
    return Content.assemble(("Server busy", "bold"), status, ": ", plain(event.reason), "\n",
                            (f"Trying again in {event.seconds:.0f} s; {now}", "italic"))


class ReplyPresenter:
    """One per generation. Feed it every event, then `stopped()` or `crashed()` if the stream ends early."""

    def __init__(self, log: ChatLog, speaker: str, *, keys: Mapping[str, str] | None = None) -> None:
        self.log = log
        self.speaker = speaker
        self.keys = dict(keys or {})  # action → its keys in force, for the failure notices' advice
        self.reply: MessageView | None = None

    async def _reply(self) -> MessageView:
        if self.reply is None:
            self.reply = await self.log.add_reply(self.speaker)
        return self.reply

    async def handle(self, event: GenerationEvent) -> None:
        if isinstance(event, Started):
            await self._reply()
        elif isinstance(event, Delta):
            await (await self._reply()).add_delta(event.text)
        elif isinstance(event, Reasoning):
            (await self._reply()).add_reasoning(event.text)
        elif isinstance(event, Finishing):
            if self.reply is not None:
                await self.reply.show_pending()
        elif isinstance(event, Done):
            await (await self._reply()).finish(event.message.mes, INCOMPLETE_NOTE if event.incomplete else "")
        elif isinstance(event, Failed):
            await self._failed(event)
        elif isinstance(event, Notice):
            await self.log.add_notice(plain(event.text), error=False)
        elif isinstance(event, Retrying):
            await self.log.add_notice(retry_wait_notice(event, self.keys.get("retry", "")), error=False)

    async def _failed(self, event: Failed) -> None:
        reply, self.reply = self.reply, None
        if reply is not None:
            if event.partial is not None:
                await reply.finish(event.partial.mes, PARTIAL_NOTE)
            else:
                await reply.remove()
        await self.log.add_notice(failure_notice(event, self.keys))

    async def stopped(self) -> None:
        """The user stopped the reply: keep what arrived (the session saves it too)."""
        reply = self.reply
        if reply is not None and not reply.streaming:
            return  # already finished
        if reply is not None and reply.text.strip():
            await reply.finish(None, STOPPED_NOTE)
            return
        # Nothing arrived, so nothing was saved: the empty block goes too. Asked of the log, which also knows a
        # block whose mounting the stop interrupted (never handed to us: it stayed on screen, empty).
        if await self.log.drop_empty_reply():
            await self.log.add_notice(Content("Stopped before any reply arrived."), error=False)

    async def crashed(self, exc: Exception) -> None:
        """Something the session did not turn into an event: say so and keep the app alive."""
        if self.reply is not None and self.reply.streaming:
            await self.reply.finish(None, PARTIAL_NOTE)
        await self.log.add_notice(exception_notice(exc, self.keys))
