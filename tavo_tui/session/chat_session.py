"""One open chat with one character: prompt preview, generation, live connection switching."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

from tavo_tui.backends.base import Backend, BackendError, ConnectionCheck, Finish, ReasoningDelta, TextDelta
from tavo_tui.backends.registry import make_backend
from tavo_tui.model import Card, Chat, ConnectionProfile, Message
from tavo_tui.model.chat import now_send_date
from tavo_tui.prompt.assemble import assemble
from tavo_tui.prompt.tokens import counter_for_model
from tavo_tui.session.events import Delta, Done, Failed, GenerationEvent, Notice, Reasoning, Started
from tavo_tui.session.inspection import Inspection
from tavo_tui.store import ChatRef, StoreError

if TYPE_CHECKING:
    from pathlib import Path

    from tavo_tui.session.context import AppContext


class ChatSession:
    """UI-agnostic: the TUI and the CLI drive the same object.

    With `persist=False` nothing is written (scripted `send`/`prompt` runs); otherwise the chat file is
    created on the first message and every message is saved as soon as it exists.
    """

    def __init__(
        self,
        ctx: AppContext,
        card: Card,
        card_path: Path,
        chat: Chat,
        profile: ConnectionProfile,
        *,
        ref: ChatRef | None = None,
        persist: bool = True,
    ) -> None:
        self.ctx = ctx
        self.card = card
        self.card_path = card_path
        self.chat = chat
        self.profile = profile
        self.ref = ref
        self.persist = persist
        self._backend: Backend | None = None
        self._retired: list[Backend] = []
        self._generating = False
        self._dirty = False  # a save failed: the next save rewrites the whole file

    # ---- state -------------------------------------------------------------------------------------------
    @property
    def messages(self) -> list[Message]:
        return self.chat.messages

    @property
    def user_name(self) -> str:
        return self.chat.header.user_name

    @property
    def is_demo(self) -> bool:
        return self.profile.kind == "demo"

    @property
    def generating(self) -> bool:
        return self._generating

    @property
    def backend(self) -> Backend:
        if self._backend is None:
            self._backend = make_backend(self.profile, self.ctx.profiles.api_key(self.profile))
            # The demo backend builds its canned replies from the character.
            if hasattr(self._backend, "char_name"):
                self._backend.char_name = self.card.name
        return self._backend

    # ---- connection --------------------------------------------------------------------------------------
    def switch_connection(self, name: str) -> None:
        """Live switch: the chat stays, the next generation and the inspector use the new profile."""
        profile = self.ctx.profiles.get(name)
        if self._backend is not None:
            self._retired.append(self._backend)
        self._backend = None
        self.profile = profile

    async def check_connection(self, name: str | None = None) -> ConnectionCheck:
        profile = self.ctx.profiles.get(name) if name else self.profile
        backend = make_backend(profile, self.ctx.profiles.api_key(profile))
        try:
            return await backend.check()
        except BackendError as exc:
            return ConnectionCheck(ok=False, latency_ms=0.0, detail=exc.message)
        finally:
            await backend.aclose()

    # ---- prompt ------------------------------------------------------------------------------------------
    def inspect(self, pending: str | None = None) -> Inspection:
        """The exact request the next generation would send (with `pending` as the new user message)."""
        prompt = assemble(
            self.card,
            self.messages,
            user_name=self.user_name,
            profile=self.profile,
            counter=counter_for_model(self.profile.model),
            pending_user=pending or None,
        )
        return Inspection(prompt=prompt, request=self.backend.prepare(prompt))

    # ---- generation --------------------------------------------------------------------------------------
    def add_user_message(self, text: str) -> Message:
        message = Message(name=self.user_name, is_user=True, mes=text, send_date=now_send_date())
        self.messages.append(message)
        return message

    async def send(self, text: str) -> AsyncIterator[GenerationEvent]:
        """Add the user's message, then stream the character's reply."""
        message = self.add_user_message(text)
        notice = self._save_new(message)
        if notice:
            yield notice
        async for event in self.generate():
            yield event

    async def generate(self) -> AsyncIterator[GenerationEvent]:
        """Stream a reply to the chat as it stands. Cancelling the consumer keeps and saves the partial reply."""
        inspection = self.inspect()
        request = inspection.request
        backend = self.backend
        profile = self.profile
        parts: list[str] = []
        reasoning: list[str] = []
        finish: Finish | None = None
        started = time.monotonic()
        saved = False
        self._generating = True

        def reply_message(incomplete: bool) -> Message:
            text = "".join(parts)
            extra = {
                "api": profile.kind,
                "model": profile.model,
                "connection": profile.name,
                "gen_seconds": round(time.monotonic() - started, 3),
            }
            if reasoning:
                extra["reasoning"] = "".join(reasoning)
            if incomplete:
                extra["incomplete"] = True
            info = {"send_date": now_send_date(), "gen_started": None, "gen_finished": None, "extra": dict(extra)}
            return Message(
                name=self.card.name,
                is_user=False,
                mes=text,
                send_date=now_send_date(),
                swipes=[text],
                swipe_id=0,
                swipe_info=[info],
                extra=extra,
            )

        try:
            yield Started(request)
            try:
                async for event in backend.stream(request):
                    if isinstance(event, TextDelta):
                        parts.append(event.text)
                        yield Delta(event.text)
                    elif isinstance(event, ReasoningDelta):
                        reasoning.append(event.text)
                        yield Reasoning(event.text)
                    elif isinstance(event, Finish):
                        finish = event
            except BackendError as exc:
                partial = None
                if parts:
                    partial = reply_message(incomplete=True)
                    self.messages.append(partial)
                    saved = True
                    notice = self._save_new(partial)
                    if notice:
                        yield notice
                yield Failed(error=exc.message, kind=exc.kind, partial=partial)
                return
            incomplete = finish is None or finish.reason is None
            if not parts and incomplete:
                yield Failed(
                    error="the server closed the stream without sending any text "
                    "(llama-cpp-python does this when the prompt is longer than its context)",
                    kind="server",
                )
                return
            message = reply_message(incomplete=incomplete)
            self.messages.append(message)
            saved = True
            notice = self._save_new(message)
            if notice:
                yield notice
            yield Done(message=message, incomplete=incomplete)
        finally:
            self._generating = False
            if not saved and parts:
                # Stopped by the user (task cancelled or generator closed): keep what arrived.
                partial = reply_message(incomplete=True)
                self.messages.append(partial)
                self._save_new(partial)

    # ---- storage -----------------------------------------------------------------------------------------
    def _save_new(self, message: Message) -> Notice | None:
        """Persist the newest message. A failure keeps the chat in memory and says so; it never raises."""
        if not self.persist:
            return None
        try:
            if self.ref is None:
                self.ref = self.ctx.chats.create(self.ctx.card_key(self.card_path), self.chat)
            elif self._dirty:
                self.ctx.chats.rewrite(self.ref, self.chat)
            else:
                self.ctx.chats.append(self.ref, message)
        except StoreError as exc:
            self._dirty = self.ref is not None
            return Notice(f"not saved: {exc}")
        self._dirty = False
        return None

    async def aclose(self) -> None:
        backends = [*self._retired, *([self._backend] if self._backend else [])]
        self._retired.clear()
        self._backend = None
        for backend in backends:
            try:
                await backend.aclose()
            except Exception:
                pass
        await asyncio.sleep(0)
