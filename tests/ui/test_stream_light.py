"""Long replies: a Markdown head, then light text chunks whose cost does not grow with the reply."""

from __future__ import annotations

import gc
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from textual.content import Content
from textual.widgets import Markdown, TextArea

from tavo_tui import heap
from tavo_tui.model import ConnectionProfile, Message
from tavo_tui.session import AppContext
from tavo_tui.ui.app import TavoApp
from tavo_tui.ui.chat import light_text, message_view
from tavo_tui.ui.chat.roleplay_text import (
    CODE_STYLE,
    Chunk,
    fence_state_after,
    paragraph_breaks,
    roleplay_content,
    split_chunks,
    split_head,
)
from tests.fakes.openai_server import FakeOpenAIServer
from tests.ui.helpers import main, screen_text, type_and_send, wait_for, wait_idle, write_card


def styled(content: Content, style: str) -> list[str]:
    return [content.plain[span.start : span.end] for span in content.spans if span.style == style]


# ---- the pure pieces ----------------------------------------------------------------------------------------
def test_paragraph_breaks_skip_blank_lines_inside_fenced_code() -> None:
    text = "one\n\n```\ncode\n\nmore code\n```\n\ntwo"
    assert [text[:cut] for cut in paragraph_breaks(text)] == ["one\n\n", "one\n\n```\ncode\n\nmore code\n```\n\n"]


def test_split_head_cuts_at_the_first_paragraph_break_past_the_limit() -> None:
    text = "a" * 10 + "\n\n" + "b" * 10 + "\n\n" + "c" * 10
    assert split_head(text, 5) == ("a" * 10 + "\n\n", "b" * 10 + "\n\n" + "c" * 10)
    assert split_head(text, 15) == ("a" * 10 + "\n\n" + "b" * 10 + "\n\n", "c" * 10)
    assert split_head(text, 1000) == (text, "")
    assert split_head("x" * 50, 5) == ("x" * 50, "")  # no break: all head


def test_chunks_carry_the_fence_state_across_a_cut() -> None:
    text = "intro\n\n```\nline one\n\nline two\n```\n\nafter\n\nend"
    chunks = split_chunks(text, 1)
    assert "".join(c.text for c in chunks) == text
    assert all(not c.in_fence for c in chunks)  # cuts never fall inside the fence
    assert split_chunks("tail of code\n```\n\nprose", 1, in_fence=True) == [
        Chunk("tail of code\n```\n\n", True), Chunk("prose", False)]
    assert fence_state_after("```py\nx = 1\n", False) is True


def test_light_formatting_styles_and_stays_literal() -> None:
    content = roleplay_content('*waves* "Hi," [b]she[/b] says **loudly** with `code` and snake_case_words')
    assert content.plain == 'waves "Hi," [b]she[/b] says loudly with code and snake_case_words'
    assert styled(content, "italic") == ["waves"]
    assert styled(content, "bold") == ["loudly"]
    assert styled(content, CODE_STYLE) == ["code"]
    assert styled(content, "$chat-dialogue") == ['"Hi,"']
    fenced = roleplay_content("```\n*not italic*\n```")
    assert "*not italic*" in fenced.plain and not styled(fenced, "italic")
    assert roleplay_content("## A heading").plain == "A heading"


# ---- in the app ---------------------------------------------------------------------------------------------
@pytest.fixture
def small_limits(monkeypatch: pytest.MonkeyPatch) -> None:
    """Small head and chunk sizes, so a reply of a few hundred characters shows the long-reply path."""
    monkeypatch.setattr(message_view, "HEAD_LIMIT", 200)
    monkeypatch.setattr(light_text, "CHUNK_SIZE", 120)


def long_reply(paragraphs: int = 12) -> str:
    return "\n\n".join(f"*Paragraph {i}* \"line {i}\" " + "word " * 12 for i in range(paragraphs)) + " LASTWORD"


async def test_a_long_reply_streams_into_a_markdown_head_and_light_chunks(
    ctx: AppContext, alice: Path, openai_server: FakeOpenAIServer, fake_profile: ConnectionProfile,
    small_limits: None, monkeypatch: pytest.MonkeyPatch,
) -> None:
    openai_server.reply = long_reply()
    full_updates: list[str] = []
    real_update = Markdown.update

    def counting_update(self: Markdown, markdown: str) -> object:
        full_updates.append(markdown)
        return real_update(self, markdown)

    monkeypatch.setattr(Markdown, "update", counting_update)
    app = TavoApp(ctx, card_path=alice, connection="fake")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await type_and_send(pilot, "tell me a long story")
        await wait_idle(pilot)
        reply = main(app).chat_log.message_views()[-1]
        assert reply.text == openai_server.reply
        head, tail = reply.body.source, reply.tail.text
        assert head + tail == openai_server.reply
        assert 200 <= len(head) < 400 and head.endswith("\n\n")
        assert reply.tail.chunk_count >= 3  # cut into chunks, so an append re-wraps only the last
        assert not any(len(text) > len(head) for text in full_updates)  # the whole reply is never re-parsed
        assert "LASTWORD" in screen_text(app)


async def test_a_long_saved_message_opens_as_head_and_chunks(
    ctx: AppContext, alice: Path, small_limits: None
) -> None:
    chat = ctx.new_chat(ctx.load_card(alice))
    chat.messages.append(Message(name="Alice", is_user=False, mes=long_reply()))
    ctx.chats.create(ctx.card_key(alice), chat)
    app = TavoApp(ctx, card_path=alice)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        view = main(app).chat_log.message_views()[-1]
        assert view.body.source + view.tail.text == long_reply()
        assert view.tail.display and view.tail.chunk_count >= 3
        assert "LASTWORD" in screen_text(app)


async def test_a_short_message_has_no_light_tail(ctx: AppContext, alice: Path) -> None:
    app = TavoApp(ctx, card_path=alice)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        view = main(app).chat_log.message_views()[-1]
        assert view.tail.text == "" and not view.tail.display
        assert view.body.source == view.text


async def test_a_final_text_that_differs_from_the_stream_replaces_both_parts(
    ctx: AppContext, alice: Path, small_limits: None
) -> None:
    app = TavoApp(ctx, card_path=alice)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        log = main(app).chat_log
        view = await log.add_reply("Alice")
        for word in long_reply().split(" "):
            await view.add_delta(word + " ")
        await view.finish("A short final text.")
        await pilot.pause()
        assert view.body.source == "A short final text."
        assert view.tail.text == "" and not view.tail.display
        assert not view.streaming


# ---- the garbage-collector policy ---------------------------------------------------------------------------
def test_collect_if_due_runs_only_when_there_is_old_garbage_to_look_for() -> None:
    gc.collect()
    assert heap.collect_if_due() is False  # nothing reached the middle generation since
    gc.collect(1)  # a middle-generation collection, as a busy app has
    assert heap.collect_if_due() is True
    assert gc.get_count()[2] == 0


def test_tune_collector_holds_collections_until_the_first_frame_then_makes_full_ones_rare() -> None:
    before = gc.get_threshold()
    try:
        heap.tune_collector()
        assert gc.get_threshold() == heap.THRESHOLDS
        assert heap.THRESHOLDS[2] > before[2]
        assert not gc.isenabled()
    finally:
        gc.set_threshold(*before)
        gc.enable()


def test_freezing_moves_the_start_up_heap_out_of_later_scans() -> None:
    # In a child process: a frozen heap is never freed, which the test process must not suffer.
    code = ("import gc; from tavo_tui import heap; assert gc.get_freeze_count() == 0; heap.tune_collector(); "
            "heap.freeze_startup_heap(); assert gc.isenabled(); print(gc.get_freeze_count())")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert int(out) > 1000


async def test_the_app_never_freezes_the_heap_of_a_headless_run(ctx: AppContext, alice: Path) -> None:
    frozen = gc.get_freeze_count()
    app = TavoApp(ctx, card_path=alice)
    app.tune_heap = True
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
    assert gc.get_freeze_count() == frozen


# ---- the look ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("theme", ["tavo-dark", "tavo-light"])
def test_snapshot_of_a_long_greeting_with_a_light_tail(
    snap_compare: Any, home: Path, tmp_path: Path, small_limits: None, theme: str
) -> None:
    tail = ('*She sets the lamp down.* "The **storm** is close," she says.\n\n'
            "# Log\n\n```\nwind: 40 knots\n\n*not italic here*\n```\n\n"
            "The `keeper` writes it down, _slowly_, and waits. [b]not markup[/b]")
    card = write_card(tmp_path, "long.json", name="Maren", first_mes=long_reply(3) + "\n\n" + tail)
    app = TavoApp(AppContext.open(home=home, library=[tmp_path]), card_path=card)
    app.ui_settings.theme = theme
    assert snap_compare(app, terminal_size=(80, 24), run_before=steady)


async def steady(pilot: Any) -> None:
    for area in pilot.app.screen.query(TextArea):
        area.cursor_blink = False
    await pilot.app.workers.wait_for_complete()
    pilot.app.clear_notifications()
    await pilot.pause()


async def test_a_key_just_pressed_gets_its_frame_before_the_next_flush(ctx: AppContext, alice: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    import time
    from types import SimpleNamespace

    # The view's clock is ours: on a loaded machine a real 50 ms grace can pass between two lines of the test.
    clock = [time.monotonic()]
    monkeypatch.setattr(message_view, "time", SimpleNamespace(monotonic=lambda: clock[0]))
    app = TavoApp(ctx, card_path=alice)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        view = await main(app).chat_log.add_reply("Alice")
        await view.add_delta("first ")
        clock[0] += message_view.FLUSH_INTERVAL * 2  # the next delta is due for a flush
        before = time.monotonic()
        await pilot.press("x")  # the app notes when a key arrived ...
        assert app.last_input >= before
        app.last_input = clock[0]  # ... and, on the view's clock, it has just arrived
        await view.add_delta("second ")  # a flush is due, but the key goes first
        assert "second" not in view.body.source
        await pilot.pause(0.1)
        assert "second" not in view.body.source  # still within the grace on the view's clock
        clock[0] += message_view.INPUT_GRACE + 0.01
        await wait_for(pilot, lambda: "second" in view.body.source)  # the trailing flush caught up
        await view.finish(None)
        assert view.text == "first second "


def test_a_long_code_block_is_cut_at_line_breaks_and_keeps_its_fence_state() -> None:
    code = "".join(f"line_{i} = {i}\n" for i in range(400))  # ~5,000 characters, no paragraph break
    text = "Here:\n\n```python\n" + code + "```\n\nDone."
    chunks = split_chunks(text, 1000)
    assert "".join(c.text for c in chunks) == text
    assert max(len(c.text) for c in chunks) <= 2000
    inside = next(c for c in chunks if "line_200 = 200" in c.text)
    assert inside.in_fence  # a chunk that starts inside the fence knows it
    assert not styled(roleplay_content(inside.text, inside.in_fence), "italic")
    assert chunks[-1].text.endswith("Done.") and not chunks[-1].in_fence


async def test_light_text_drawn_from_appends_equals_the_same_text_set_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    from textual.app import App, ComposeResult

    monkeypatch.setattr(light_text, "CHUNK_SIZE", 60)
    text = long_reply(6) + "\n\n```\n" + "".join(f"code {i}\n" for i in range(30)) + "```\n\n*end* \"bye\""

    class Two(App[None]):
        def compose(self) -> ComposeResult:
            yield light_text.LightText()
            yield light_text.LightText(text)

    app = Two()
    async with app.run_test(size=(40, 200)) as pilot:
        streamed, whole = app.query(light_text.LightText).results()
        for start in range(0, len(text), 37):  # odd-sized pieces, as a stream cuts them
            streamed.append(text[start : start + 37])
            await pilot.pause()
        assert streamed.text == whole.text == text
        height = whole.get_content_height(app.size, app.size, 40)
        assert streamed.get_content_height(app.size, app.size, 40) == height > 40
        assert [streamed.render_line(y).text for y in range(height)] == [whole.render_line(y).text
                                                                          for y in range(height)]


# ---- a reply with no paragraph break, or no line break at all --------------------------------------------
def endless(words: int) -> str:
    return " ".join(f'*w{i}* "said {i}"' if i % 7 == 0 else f"word{i}" for i in range(words))


def test_split_head_bounds_the_markdown_part_of_a_text_without_paragraph_breaks() -> None:
    lines = "".join(f"line {i} of a long verse\n" for i in range(400))  # ~10,000 characters, one paragraph
    head, rest = split_head(lines, 1000)
    assert 1000 <= len(head) <= 2000 and head.endswith("\n") and head + rest == lines
    one_line = endless(2000)
    head, rest = split_head(one_line, 1000)
    assert 1000 <= len(head) <= 2000 and head.endswith(" ") and head + rest == one_line
    assert head.count("*") % 2 == 0 and head.count('"') % 2 == 0  # no emphasis or quote cut in two
    code = "```\n" + "x = 1 " * 1000  # an endless line of code is never cut (its fence would show)
    assert split_head(code, 1000) == (code, "")


def test_an_endless_line_is_cut_after_words_that_close_what_they_open() -> None:
    text = endless(3000)
    chunks = split_chunks(text, 1000)
    assert "".join(c.text for c in chunks) == text
    assert len(chunks) >= 10 and max(len(c.text) for c in chunks) <= 2000
    for chunk in chunks:
        content = roleplay_content(chunk.text)
        assert "*" not in content.plain  # every action's markers were paired within its chunk
        assert styled(content, "italic") == [w.strip("*") for w in chunk.text.split() if w.startswith("*")]
    whole = roleplay_content(text)
    assert "".join(roleplay_content(c.text).plain for c in chunks) == whole.plain


async def test_streaming_an_endless_line_rewraps_only_its_last_chunk(monkeypatch: pytest.MonkeyPatch) -> None:
    from textual.app import App, ComposeResult

    wrapped: list[int] = []
    real_wrap = light_text.LightText._wrap

    def counting_wrap(self: light_text.LightText, chunk: Chunk, width: int) -> Any:
        wrapped.append(len(chunk.text))
        return real_wrap(self, chunk, width)

    monkeypatch.setattr(light_text.LightText, "_wrap", counting_wrap)

    class One(App[None]):
        def compose(self) -> ComposeResult:
            yield light_text.LightText()

    text = endless(6000)  # ~60,000 characters, no line break
    app = One()
    async with app.run_test(size=(80, 40)) as pilot:
        streamed = app.query_one(light_text.LightText)
        for start in range(0, len(text), 500):
            streamed.append(text[start : start + 500])
            await pilot.pause()
        assert streamed.text == text
        assert max(wrapped) <= 2 * light_text.CHUNK_SIZE + 500  # never the whole line
        assert sum(wrapped) < 10 * len(text)
