"""Key bursts: keys that arrive in one read (over SSH, typed ahead) must never crash the app, reach a dialog
already closed, or be lost; the leader and jump mode take their one key in the order the keys were read."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from textual import events
from textual.keys import _character_to_key, key_to_character
from textual.worker import WorkerCancelled

from tavo_tui.session import AppContext
from tavo_tui.ui.app import TavoApp
from tavo_tui.ui.chat.log import ChatLog
from tavo_tui.ui.keys.jump import JumpScreen
from tavo_tui.ui.keys.leader import LeaderScreen
from tavo_tui.ui.keys.registry import ENTRIES, documented_keys, leader_entries, leader_key
from tavo_tui.ui.main.screen import MainScreen
from tests.ui.helpers import main, screen_text, type_and_send, wait_for, wait_idle


def key_event(key: str) -> events.Key:
    """The event a terminal read gives for `key` (a Textual key name or a single character)."""
    name = _character_to_key(key) if len(key) == 1 and not key.isalnum() else key
    return events.Key(name, key if len(key) == 1 else key_to_character(name))


async def settle(pilot: Any) -> None:
    """Every key read handled, every worker done (a reply stopped by escape counts as done), the screen settled."""
    await wait_for(pilot, lambda: not pilot.app.key_gate.holding, timeout=30)
    for _ in range(50):
        try:
            await pilot.app.workers.wait_for_complete()
            break
        except WorkerCancelled:
            continue
    await pilot.pause()


async def burst(pilot: Any, *keys: str) -> None:
    """Every key queued before the app handles the first, as when they come in one read from the terminal
    (Pilot.press waits for the app to settle after each key)."""
    app = pilot.app
    for key in keys:
        app.post_message(key_event(key))
    for _ in range(2):  # the keys, then what handling them posted
        read = asyncio.Event()
        app.call_later(read.set)  # queued behind the keys: set once the app has read them all
        await read.wait()
        await settle(pilot)


async def chat_open(pilot: Any) -> MainScreen:
    await pilot.pause()
    await type_and_send(pilot, "Is the lamp lit?")
    await wait_idle(pilot)
    return main(pilot.app)


async def test_jump_then_two_keys_in_one_read_focuses_and_keeps_the_second_key(ctx: AppContext,
                                                                                alice: Path) -> None:
    # The crash of issue 12: ctrl+o, then "l k" arriving together dismissed the jump screen twice.
    app = TavoApp(ctx, card_path=alice)
    async with app.run_test(size=(160, 40)) as pilot:
        screen = await chat_open(pilot)
        await burst(pilot, "ctrl+o", "l", "k")
        assert app.screen is screen and app.is_running
        log = screen.chat_log
        assert app.focused is log
        assert log.selected is log.message_views()[-1]  # "k" reached the chat log: the cursor moved


async def test_jump_then_a_key_then_typing_in_one_read_types_into_the_chosen_widget(ctx: AppContext,
                                                                                     alice: Path) -> None:
    app = TavoApp(ctx, card_path=alice)
    async with app.run_test(size=(160, 40)) as pilot:
        screen = await chat_open(pilot)
        screen.chat_log.focus()
        await pilot.pause()
        await burst(pilot, "ctrl+o", "m", *"hello there")
        assert app.focused is screen.composer and screen.composer.text == "hello there"


async def test_a_dialog_dismissed_twice_by_a_burst_leaves_the_screen_below(ctx: AppContext, alice: Path) -> None:
    # f1 then "escape escape" in one read: help closes once, the second escape reaches the main screen.
    app = TavoApp(ctx, card_path=alice)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await chat_open(pilot)
        await burst(pilot, "f1", "escape", "escape", "f1", "q", "q")
        assert app.screen is screen and app.is_running
        assert screen.composer.text == "q"  # the second q went to the composer, in order


async def test_leader_and_its_key_in_one_read_run_the_action(ctx: AppContext, alice: Path) -> None:
    app = TavoApp(ctx, card_path=alice)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await chat_open(pilot)
        await burst(pilot, "ctrl+g", "r")
        assert app.screen is screen
        assert screen.session is not None and screen.session.swipe_count() == 2
        assert "2/2" in screen_text(app)
        await burst(pilot, "ctrl+g", "[", "ctrl+g", "comma")  # left twice: wraps round to the second version
        assert screen.session.messages[-1].swipe_id == 1


async def test_leader_focus_key_then_typing_in_one_read_lands_in_the_new_pane(ctx: AppContext,
                                                                              alice: Path) -> None:
    app = TavoApp(ctx, card_path=alice)
    async with app.run_test(size=(160, 40)) as pilot:
        screen = await chat_open(pilot)
        screen.chat_log.focus()
        await pilot.pause()
        await burst(pilot, "ctrl+g", "2", *"hello")
        assert app.focused is screen.composer and screen.composer.text == "hello"


def sequences() -> list[tuple[str, ...]]:
    """Every documented key sequence of the main screen and its panes: direct keys and leader sequences."""
    found: list[tuple[str, ...]] = []
    for entry in ENTRIES:
        found += [(key,) for key in documented_keys(entry, {}) if entry.id not in SKIP]
    for context in ("chat", "library"):
        for entry in leader_entries(context):
            found += [(leader_key({}), key) for key in entry.leader if entry.id not in SKIP]
    return found


# Left out: the editor runs outside the app (its own test covers it); ctrl+n replaces the chat being tested.
SKIP = {"edit-message-external", "new-chat"}
# Sent after each sequence: closes whatever dialog it opened (several nest), never quits.
CLOSE = ("escape", "escape", "escape")


# Every sequence in one burst takes ~40 s and one at a time ~5 min: those run in the slow suite (.ci/run); each
# run of `make test` bursts every third sequence.
@pytest.mark.parametrize(("together", "step"), [pytest.param(True, 3, id="one-burst-every-third"),
                                                pytest.param(True, 1, id="one-burst", marks=pytest.mark.slow),
                                                pytest.param(False, 1, id="one-at-a-time", marks=[
                                                    pytest.mark.slow,
                                                    pytest.mark.skip(reason="stops for good under Pilot (not in a "
                                                                     "real terminal); open bug, session-6 note")])])
async def test_every_documented_sequence_leaves_the_app_alive(ctx: AppContext, alice: Path, together: bool,
                                                             step: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EDITOR", "true")
    app = TavoApp(ctx, card_path=alice)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await chat_open(pilot)
        chosen = sequences()[::step]
        keys = [key for sequence in chosen for key in (*sequence, *CLOSE)]
        if together:
            await burst(pilot, *keys)
        else:
            for sequence in chosen:
                # Each step in a task of its own, with a bound: awaited in the test's own task, this loop once
                # stopped for good at `ctrl+g /` (not seen in a task of its own nor in a real terminal; see the
                # session-6 note). A step that never ends fails here, naming the sequence.
                for stage in (lambda keys=sequence: pilot.press(*keys), lambda: settle(pilot),
                              lambda: pilot.press(*CLOSE), lambda: settle(pilot)):
                    try:
                        await asyncio.wait_for(stage(), 60)
                    except TimeoutError:
                        pytest.fail(f"{sequence}: not handled within 60 s")
                assert app.screen is screen, sequence
        # A dialog opened by a worker may appear after the escapes of its burst were read: close what is left.
        for _ in range(10):
            if app.screen is screen:
                break
            await pilot.press("escape")
            await settle(pilot)
        assert app.is_running and app.screen is screen
        assert not any(isinstance(s, (JumpScreen, LeaderScreen)) for s in app.screen_stack)
        assert screen.session is not None and screen.session.messages  # the chat is still open
        assert isinstance(screen.query_one(ChatLog), ChatLog)
        # Still answering keys: a message typed now arrives whole and is sent.
        for _ in range(3):  # the last keys of a burst may still be on their way through the widgets
            await settle(pilot)
            await pilot.pause(0.2)
        screen.set_focus(screen.composer)
        screen.composer.load_text("")
        await pilot.press(*"Still here?", "ctrl+j")
        await settle(pilot)
        assert screen.session.messages[-2].mes == "Still here?", [m.mes[:30] for m in screen.session.messages]
