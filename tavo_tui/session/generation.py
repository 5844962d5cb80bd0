"""Everything that asks the model for text: reply, regenerate / new swipe, continue, impersonate.

Each action is an async generator of `GenerationEvent`s (Started, Delta, Reasoning, then Done or Failed; Notice
for save problems). Closing or cancelling the consumer stops the request and keeps what arrived; each action
closes the one it delegates to, so that clean-up is done when `aclose()` returns, not whenever the collector
finalises the inner generator.

While text streams, the reply as it stands is saved at most once per `draft_interval` (and only when text
arrived since): a new reply's line is appended once and then replaced in place, a new swipe or a continuation
replaces the last message's line; the final save then writes the finished message over it. On a read-only chat
every action but impersonate raises `ReadOnlyChat` (an `ActionError`) before anything is sent.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncGenerator, AsyncIterator, Sequence
from typing import Any

from tavo_tui.backends.base import BackendError, Finish, Progress, ReasoningDelta, StreamEvent, TextDelta
from tavo_tui.backends.transport import RETRY_OBSERVER, RetryObserver, RetryWait
from tavo_tui.model import AssembledPrompt, Message
from tavo_tui.model.chat import now_send_date
from tavo_tui.prompt.assembly import assemble
from tavo_tui.prompt.tokens import counter_for_model
from tavo_tui.session.budget import MessageDoesNotFit, Refusal, newest_source, refusal_for
from tavo_tui.session.core import SessionCore, make_message
from tavo_tui.session.events import (
    ActionError,
    Delta,
    Done,
    Failed,
    Finishing,
    GenerationEvent,
    Notice,
    Reasoning,
    Retrying,
    Started,
    Waiting,
)
from tavo_tui.session.inspection import Inspection
from tavo_tui.session.presets import derive_templates_for, prompt_presets
from tavo_tui.session.regex import AI_OUTPUT, REASONING, USER_INPUT, regex_scripts, stored_text

# At most this long before `Started` for the request's body to be written (a cloud API's TLS handshake may take
# longer: the fronts then draw without waiting for it).
SENT_WAIT = 0.05
EMPTY_STREAM = (
    "the server closed the stream without sending any text "
    "(llama-cpp-python does this when the prompt is longer than its context)"
)


class GenerationMixin(SessionCore):
    _retry_observer: RetryObserver | None = None  # while a generation runs: hears of, and can cut, retry waits

    @property
    def retry_pending(self) -> bool:
        """The running generation is waiting before a retry (what `retry_now` would cut short)."""
        observer = self._retry_observer
        return observer is not None and observer.waiting and not observer.skip.is_set()

    def retry_now(self) -> bool:
        """Cut short the wait before a retry (after a 429/503) of the running generation. True if one was
        waiting."""
        if not self.retry_pending:
            return False
        assert self._retry_observer is not None
        self._retry_observer.skip.set()
        return True

    # ---- prompt ------------------------------------------------------------------------------------------
    def _assemble(self, history: Sequence[Message], *, pending: str | None = None,
                  generation_type: str = "normal") -> AssembledPrompt:
        persona = self.persona
        inputs: dict[str, Any] = {
            "persona": persona.description if persona else "",
            "settings": self.prompt_settings(),
            "lorebooks": self.lorebooks(),
            "chat_metadata": self.metadata,
        }
        # The user's own presets chosen by name (sysprompt, instruct, context) and templates derived from the
        # server's chat template; this run's overrides still win.
        presets = prompt_presets(self.ctx, inputs["settings"], self.profile)
        inputs.update(presets.inputs)
        overrides = dict(self.prompt_overrides)
        inputs["lorebooks"] = [*inputs["lorebooks"], *overrides.pop("extra_lorebooks", [])]
        inputs.update(overrides)
        prompt = assemble(
            self.card,
            history,  # type: ignore[arg-type]  # any sequence of messages; a MessageList decodes lazily
            user_name=self.user_name,
            profile=self.profile,
            counter=counter_for_model(self.profile.model),
            pending_user=stored_text(self, pending, USER_INPUT) if pending else None,
            generation_type=generation_type,
            regex_scripts=regex_scripts(self),
            **inputs,
        )
        if presets.notes and "instruct" not in overrides:
            prompt.notes[:0] = presets.notes
        return prompt

    def build_prompt(self, action: str = "normal", pending: str | None = None) -> AssembledPrompt:
        """The prompt for `action`: normal, swipe (regenerate), continue or impersonate (sillytavern.md §7)."""
        if action == "swipe":
            index = self._swipe_target()
            return self._assemble(self.messages.head(index), generation_type="swipe")
        if action == "continue":
            self._continue_target()
            return self._assemble(self.messages, generation_type="continue")
        if action == "impersonate":
            return self._assemble(self.messages, pending=pending, generation_type="impersonate")
        return self._assemble(self.messages, pending=pending)

    def fit_refusal(self, prompt: AssembledPrompt, action: str = "normal",
                    pending: str | None = None) -> Refusal | None:
        """Why `prompt` (built for `action`) cannot be sent: the user's newest message was left out by the
        context budget, or the message to continue does not fit (session/budget.py); None when it can."""
        history: Sequence[Message] = self.messages
        if action == "swipe" and self.messages:
            history = self.messages.head(len(self.messages) - 1)
        newest = newest_source(history, pending if action in ("normal", "impersonate") else None)
        return refusal_for(prompt, newest, counter_for_model(self.profile.model), continuing=action == "continue")

    def _checked_prompt(self, action: str) -> AssembledPrompt:
        prompt = self.build_prompt(action)
        refusal = self.fit_refusal(prompt, action)
        if refusal is not None:
            raise MessageDoesNotFit(refusal)
        return prompt

    def inspect(self, pending: str | None = None, action: str = "normal") -> Inspection:
        """The exact request the next generation would send (with `pending` as the new user message)."""
        prompt = self.build_prompt(action, pending)
        return Inspection(prompt=prompt, request=self.backend.prepare(prompt))

    # ---- targets -----------------------------------------------------------------------------------------
    def _last_bot_index(self) -> int | None:
        if not self.messages:
            return None
        last = self.messages[-1]
        return None if last.is_user else len(self.messages) - 1

    def can_swipe(self, index: int = -1) -> bool:
        """Only the last message swipes, and only a character/narrator reply that allows it."""
        if not self.messages:
            return False
        size = len(self.messages)
        index = index + size if index < 0 else index
        if index != size - 1:
            return False
        message = self.messages[index]
        extra = message.extra or {}
        return not message.is_user and not extra.get("isSmallSys") and extra.get("swipeable") is not False

    def _swipe_target(self) -> int:
        if not self.can_swipe():
            raise ActionError("only the character's last reply can get another version")
        return len(self.messages) - 1

    def _continue_target(self) -> int:
        if not self.messages:
            raise ActionError("there is no message to continue")
        return len(self.messages) - 1

    # ---- public actions ----------------------------------------------------------------------------------
    def add_user_message(self, text: str) -> Message:
        persona = self.persona
        extra: dict[str, Any] = {}
        more: dict[str, Any] = {}
        if persona is not None and persona.avatar:
            more["force_avatar"] = persona.avatar
        # The user-input regex scripts change the message as it is sent (SillyTavern stores the result).
        message = make_message(self.user_name, stored_text(self, text, USER_INPUT), is_user=True, extra=extra,
                               **more)
        self.messages.append(message)
        return message

    async def send(self, text: str) -> AsyncGenerator[GenerationEvent, None]:
        """Add the user's message (saved before the request), then stream the character's reply."""
        self.ensure_writable()  # before the message is added: the front end keeps the text to send later
        # "auto" templates: read the chat template first (once), before the message is added, so the budget
        # check below judges the prompt that is sent and a cancelled read leaves the chat as it was.
        await derive_templates_for(self)
        message = self.add_user_message(text)
        try:
            prompt = self._checked_prompt("normal")
        except Exception:
            self.messages.pop()  # refused before it was saved: the front end keeps the text
            raise
        notice = self._save_new(message)
        if notice:
            yield notice
        async with contextlib.aclosing(self._run("reply", prompt, None)) as events:
            async for event in events:
                yield event

    async def generate(self) -> AsyncGenerator[GenerationEvent, None]:
        """Stream a new character message for the chat as it stands."""
        self.ensure_writable()
        await derive_templates_for(self)  # "auto" templates: read the chat template first (once)
        async with contextlib.aclosing(self._run("reply", self._checked_prompt("normal"), None)) as events:
            async for event in events:
                yield event

    async def regenerate(self) -> AsyncGenerator[GenerationEvent, None]:
        """A new version of the last reply, kept beside the old ones as a swipe (a new reply after a user turn)."""
        self.ensure_writable()
        async with contextlib.aclosing(self.new_swipe() if self.can_swipe() else self.generate()) as events:
            async for event in events:
                yield event

    async def new_swipe(self) -> AsyncGenerator[GenerationEvent, None]:
        """Generate another version of the last reply (the prompt leaves that reply out) and select it."""
        self.ensure_writable()
        index = self._swipe_target()
        await derive_templates_for(self)  # "auto" templates: read the chat template first (once)
        async with contextlib.aclosing(self._run("swipe", self._checked_prompt("swipe"), index)) as events:
            async for event in events:
                yield event

    async def continue_last(self) -> AsyncGenerator[GenerationEvent, None]:
        """Extend the last message in place; the prompt ends with its text (sillytavern.md §7)."""
        self.ensure_writable()
        index = self._continue_target()
        await derive_templates_for(self)  # "auto" templates: read the chat template first (once)
        async with contextlib.aclosing(self._run("continue", self._checked_prompt("continue"), index)) as events:
            async for event in events:
                yield event

    async def impersonate(self) -> AsyncGenerator[GenerationEvent, None]:
        """Write the user's next message. `Done.message` is not added to the chat: it belongs in the composer."""
        await derive_templates_for(self)  # "auto" templates: read the chat template first (once)
        async with contextlib.aclosing(self._run("impersonate", self._checked_prompt("impersonate"),
                                                 None)) as events:
            async for event in events:
                yield event

    # ---- the engine --------------------------------------------------------------------------------------
    async def _run(
        self, action: str, prompt: AssembledPrompt, index: int | None
    ) -> AsyncGenerator[GenerationEvent, None]:
        backend = self.backend
        profile = self.profile
        try:
            request = backend.prepare(prompt)
        except BackendError as exc:  # e.g. a chat-only kind on a text-mode profile: say so, send nothing
            yield Failed(error=exc.message, kind=exc.kind)
            return
        inspection = Inspection(prompt=prompt, request=request, profile_name=profile.name)
        counter = counter_for_model(profile.model)
        parts: list[str] = []
        reasoning: list[str] = []
        finish: Finish | None = None
        started = time.monotonic()
        gen_started = now_send_date()
        first_token: float | None = None
        committed = False
        self._generating = True

        def metadata(text: str, incomplete: bool, count: bool = True) -> dict[str, Any]:
            extra: dict[str, Any] = {
                "api": profile.kind,
                "model": profile.model,
                "connection": profile.name,
                "gen_seconds": round(time.monotonic() - started, 3),
                "prompt_tokens": prompt.token_total,
            }
            if count:  # not for drafts: counting a long reply every second would cost more than saving it
                extra["token_count"] = counter.count(text)
            if first_token is not None:
                extra["time_to_first_token"] = round((first_token - started) * 1000)
            if reasoning:
                extra["reasoning"] = stored_text(self, "".join(reasoning), REASONING) if count else "".join(
                    reasoning)
            if incomplete:
                extra["incomplete"] = True
            return extra

        def commit(incomplete: bool) -> tuple[Message | None, Notice | None]:
            text = "".join(parts)
            if action == "impersonate":
                # An impersonated reply is the user's text: the user-input scripts run on it.
                cleaned = stored_text(self, clean_impersonation(text, self.user_name), USER_INPUT)
                return make_message(self.user_name, cleaned, is_user=True), None
            if action == "continue":
                assert index is not None
                return self._apply_continue(index, text, metadata, incomplete, gen_started)
            text = stored_text(self, text, AI_OUTPUT)  # the reply as stored: after the AI-output scripts
            extra = metadata(text, incomplete)
            info = {"send_date": now_send_date(), "gen_started": gen_started, "gen_finished": now_send_date(),
                    "extra": dict(extra)}
            if action == "swipe":
                assert index is not None
                return self._apply_new_swipe(index, text, extra, info)
            message = new_reply(text, extra, info)
            self.messages.append(message)
            if self.header.chat_metadata.get("tainted"):
                return message, self._save_new(message, replaces_draft=True)
            # The first generation marks the chat as no longer pristine (SillyTavern's `tainted`), in the header.
            self.header.chat_metadata = {**self.header.chat_metadata, "tainted": True}
            return message, self._save_all()

        def new_reply(text: str, extra: dict[str, Any], info: dict[str, Any]) -> Message:
            return make_message(self.card.name, text, is_user=False, extra=extra, swipes=[text], swipe_id=0,
                                swipe_info=[info], gen_started=gen_started, gen_finished=info["gen_finished"])

        # ---- drafts: the reply as it stands, saved on a timer (so a stall after some text saves it too)
        loop = asyncio.get_running_loop()
        keeps_drafts = action != "impersonate" and self.persist and not self.read_only
        draft_timer: asyncio.TimerHandle | None = None
        drafted = 0  # how many parts the last draft held
        last_draft = started

        def draft() -> Message:
            text = "".join(parts)
            if action == "reply":
                extra = metadata(text, True, count=False)
                return new_reply(text, extra, {"send_date": now_send_date(), "gen_started": gen_started,
                                               "gen_finished": now_send_date(), "extra": dict(extra)})
            assert index is not None
            message = self.messages[index].model_copy(deep=True)  # the chat itself changes only at the end
            if action == "continue":
                self._continue_into(message, text, metadata, True, count=False)
            else:
                extra = metadata(text, True, count=False)
                self._add_swipe(message, text, extra, {"send_date": now_send_date(), "gen_started": gen_started,
                                                       "gen_finished": now_send_date(), "extra": dict(extra)})
            return message

        def save_draft() -> None:
            nonlocal draft_timer, drafted, last_draft
            draft_timer = None
            if committed or len(parts) == drafted:
                return
            if action != "reply" and index != len(self.messages) - 1:
                return  # the message is no longer the file's last line
            drafted = len(parts)
            last_draft = time.monotonic()
            self._save_draft(draft(), new_line=action == "reply")

        def text_arrived() -> None:
            nonlocal draft_timer
            if keeps_drafts and draft_timer is None:
                wait = max(0.0, last_draft + self.draft_interval - time.monotonic())
                draft_timer = loop.call_later(wait, save_draft)

        # The transport reports retry waits through a context variable: set here, it is copied into the task
        # that sends the request (EarlyStream's first fetch, where every retry happens) and nowhere else.
        waits: asyncio.Queue[RetryWait] = asyncio.Queue()
        observer = self._retry_observer = RetryObserver(notify=waits.put_nowait)
        token = RETRY_OBSERVER.set(observer)
        try:
            events = EarlyStream(backend.stream(request), waits)
        finally:
            RETRY_OBSERVER.reset(token)
        try:
            # The fronts redraw on Started (a costly layout in a long chat): that waits until the request is on
            # the wire, so the server has it first.
            await events.on_the_wire(observer.sent, SENT_WAIT)
            yield Started(inspection, action=action, index=index)
            try:
                async for event in events:
                    if isinstance(event, TextDelta):
                        if first_token is None:
                            first_token = time.monotonic()
                        parts.append(event.text)
                        text_arrived()
                        yield Delta(event.text)
                    elif isinstance(event, ReasoningDelta):
                        reasoning.append(event.text)
                        yield Reasoning(event.text)
                    elif isinstance(event, Progress):
                        yield Waiting(event.queue_position, event.eta_seconds, event.detail)
                    elif isinstance(event, RetryWait):
                        yield Retrying(event.seconds, event.status, event.reason)
                    elif isinstance(event, Finish):
                        finish = event
                        if event.reason is not None:
                            yield Finishing(event.reason)
            except BackendError as exc:
                partial = None
                if "".join(parts):
                    committed = True
                    partial, notice = commit(incomplete=True)
                    if notice:
                        yield notice
                committed = True
                yield Failed(error=exc.message, kind=exc.kind, partial=partial)
                return
            incomplete = finish is None or finish.reason is None
            received = "".join(parts)
            if not received and incomplete:
                committed = True
                yield Failed(error=EMPTY_STREAM, kind="server")
                return
            committed = True
            message, notice = commit(incomplete)
            if notice:
                yield notice
            assert message is not None
            yield Done(message=message, incomplete=incomplete, action=action,
                       index=None if action == "impersonate" else self._index_of(message, index))
        finally:
            if draft_timer is not None:
                draft_timer.cancel()
            await events.aclose()
            self._generating = False
            self._retry_observer = None
            if not committed and "".join(parts) and action != "impersonate":
                # Stopped by the user (task cancelled or generator closed): keep what arrived.
                commit(incomplete=True)

    def _index_of(self, message: Message, hint: int | None) -> int:
        if hint is not None:
            return hint
        return len(self.messages) - 1

    def _apply_new_swipe(self, index: int, text: str, extra: dict[str, Any],
                         info: dict[str, Any]) -> tuple[Message, Notice | None]:
        message = self.messages[index]
        self._add_swipe(message, text, extra, info)
        self.header.chat_metadata = {**self.header.chat_metadata, "tainted": True}
        return message, self._save_all()

    def _add_swipe(self, message: Message, text: str, extra: dict[str, Any], info: dict[str, Any]) -> None:
        """`text` becomes the message's new, selected swipe (in place: the chat's message, or a draft's copy)."""
        self._sync_swipe(message)
        swipes = list(message.swipes or [message.mes])
        infos = list(message.swipe_info or [])
        infos += [{"send_date": message.send_date, "extra": dict(message.extra or {})}] * (len(swipes) - len(infos))
        swipes.append(text)
        infos.append(info)
        message.swipes = swipes
        message.swipe_info = infos
        message.swipe_id = len(swipes) - 1
        message.mes = text
        message.extra = dict(extra)
        message.send_date = info["send_date"]
        setattr(message, "gen_started", info["gen_started"])  # noqa: B010  extra keys SillyTavern writes
        setattr(message, "gen_finished", info["gen_finished"])  # noqa: B010

    def _apply_continue(self, index: int, text: str, metadata: Any, incomplete: bool,
                        gen_started: str) -> tuple[Message, Notice | None]:
        message = self.messages[index]
        self._continue_into(message, text, metadata, incomplete)
        self.header.chat_metadata = {**self.header.chat_metadata, "tainted": True}
        return message, self._save_all()

    def _continue_into(self, message: Message, text: str, metadata: Any, incomplete: bool, *,
                       count: bool = True) -> None:
        """`text` is added to the message (in place: the chat's message, or a draft's copy)."""
        old = message.mes
        postfix = self.prompt_settings().chat_completion.continue_postfix if self.profile.mode == "chat" else ""
        if text and postfix and not old.endswith(postfix):
            old += postfix  # the prompt sent the message with the postfix; the reply follows it
        combined = old + text
        if count:  # the final text, not a draft: the AI-output scripts run over the whole message again
            combined = stored_text(self, combined, USER_INPUT if message.is_user else AI_OUTPUT)
        message.mes = combined
        extra = dict(message.extra or {})
        fresh = metadata(combined, incomplete, count)
        extra.update({k: v for k, v in fresh.items() if k != "incomplete"})
        if incomplete:
            extra["incomplete"] = True
        message.extra = extra
        if message.swipes is not None and message.swipe_id is not None and 0 <= message.swipe_id < len(
            message.swipes
        ):
            swipes = list(message.swipes)
            swipes[message.swipe_id] = combined
            message.swipes = swipes
            infos = list(message.swipe_info or [])
            if 0 <= message.swipe_id < len(infos):
                infos[message.swipe_id] = {**infos[message.swipe_id], "gen_finished": now_send_date(),
                                           "extra": dict(extra)}
                message.swipe_info = infos
        setattr(message, "gen_finished", now_send_date())  # noqa: B010


class EarlyStream:
    """A backend's event stream whose first event is fetched at once, in a task of its own.

    For an HTTP backend, fetching the first event sends the request. Started right away, the request is on
    its way while the front end handles `Started` (drawing the reply block takes a frame or more), instead of
    waiting for the front end to ask for the next event. While that first fetch runs, the retry waits the
    transport reports (`waits`) come out of the stream first, as they happen."""

    def __init__(self, stream: AsyncIterator[StreamEvent], waits: asyncio.Queue[RetryWait] | None = None) -> None:
        self._stream = stream
        self._waits = waits
        self._first: asyncio.Task[StreamEvent | None] | None = asyncio.ensure_future(self._fetch_first())

    async def _fetch_first(self) -> StreamEvent | None:
        try:
            return await anext(self._stream)
        except StopAsyncIteration:  # an empty stream; a task must not end in StopAsyncIteration
            return None

    def __aiter__(self) -> EarlyStream:
        return self

    async def on_the_wire(self, sent: asyncio.Event, limit: float) -> None:
        """Wait until the request body is written (`sent`), the first fetch is over (an early error; a backend
        without HTTP), or `limit` seconds, whichever comes first."""
        if self._first is None or sent.is_set():
            return
        waiter = asyncio.ensure_future(sent.wait())
        try:
            await asyncio.wait({waiter, self._first}, timeout=limit, return_when=asyncio.FIRST_COMPLETED)
        finally:
            waiter.cancel()

    async def __anext__(self) -> StreamEvent | RetryWait:
        if self._first is None:
            return await anext(self._stream)
        first = self._first
        if self._waits is not None:
            if not self._waits.empty():
                return self._waits.get_nowait()
            wait = asyncio.ensure_future(self._waits.get())
            try:
                await asyncio.wait({first, wait}, return_when=asyncio.FIRST_COMPLETED)
            finally:
                if not wait.done():
                    wait.cancel()
            if wait.done() and not wait.cancelled():
                return wait.result()
        self._first = None
        event = await first
        if event is None:
            raise StopAsyncIteration
        return event

    async def aclose(self) -> None:
        """Stop the request (the first fetch still running, or the stream) and release its connection."""
        first, self._first = self._first, None
        if first is not None:
            first.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):  # its outcome is no longer wanted
                await first
        closer = getattr(self._stream, "aclose", None)
        if closer is not None:
            with contextlib.suppress(Exception):
                await closer()


def clean_impersonation(text: str, user: str) -> str:
    """Drop a leading `User:` the model may repeat."""
    stripped = text.lstrip()
    if user and stripped.startswith(f"{user}:"):
        stripped = stripped[len(user) + 1 :]
    return stripped.strip()
