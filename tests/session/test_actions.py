"""Roleplay actions on a ChatSession, against a real fake OpenAI server on 127.0.0.1 (and the demo backend)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

from tavo_tui.model import ConnectionProfile
from tavo_tui.session import AppContext, Delta, Done, Failed, Notice, Started
from tavo_tui.session.chat_session import ActionError, ChatSession
from tests.fakes.openai_server import FakeOpenAIServer, endless_stream

CARD = Path(__file__).resolve().parents[2] / "sample_cards" / "maren_holloway.png"


def ctx_with(home: Path, server: FakeOpenAIServer | None = None, **profile: Any) -> AppContext:
    ctx = AppContext.open(home, user_name="Ann")
    if server is not None:
        ctx.profiles.save(ConnectionProfile(name="local", base_url=server.base_url, model="fake-model", **profile))
    return ctx


async def collect(agen) -> list:  # type: ignore[no-untyped-def]
    return [event async for event in agen]


def last_body(server: FakeOpenAIServer) -> dict[str, Any]:
    return [r for r in server.requests if "completions" in r.path][-1].json()  # type: ignore[no-any-return]


def file_records(session: ChatSession) -> list[dict[str, Any]]:
    assert session.ref is not None
    return [json.loads(line) for line in session.ref.path.read_text(encoding="utf-8").splitlines()]


async def chat_of_three(home: Path, server: FakeOpenAIServer) -> ChatSession:
    session = ctx_with(home, server).open_chat(CARD, "local")
    server.reply = "First reply."
    await collect(session.send("Hello"))
    return session


async def test_regenerate_keeps_every_swipe_with_metadata(home: Path, openai_server: FakeOpenAIServer) -> None:
    session = await chat_of_three(home, openai_server)
    openai_server.reply = "Second version."
    events = await collect(session.regenerate())
    started, done = events[0], events[-1]
    assert isinstance(started, Started) and started.action == "swipe" and started.index == 2
    assert isinstance(done, Done) and done.action == "swipe" and done.index == 2
    # The prompt for a swipe leaves out the reply being replaced.
    contents = [m["content"] for m in last_body(openai_server)["messages"]]
    assert "First reply." not in contents and contents[-1] == "Hello"
    last = session.messages[-1]
    assert last.swipes == ["First reply.", "Second version."] and last.swipe_id == 1
    assert last.mes == "Second version." and len(session.messages) == 3
    info = last.swipe_info
    assert info is not None and len(info) == 2
    for entry in info:
        extra = entry["extra"]
        assert extra["connection"] == "local" and extra["model"] == "fake-model" and extra["token_count"] > 0
        assert entry["gen_started"] and entry["gen_finished"]
    saved = file_records(session)[-1]
    assert saved["swipes"] == last.swipes and saved["swipe_id"] == 1 and saved["mes"] == "Second version."


async def test_swipe_left_right_wraps_and_asks_for_generation(home: Path, openai_server: FakeOpenAIServer) -> None:
    session = await chat_of_three(home, openai_server)
    openai_server.reply = "Two."
    await collect(session.new_swipe())
    assert session.swipe(-1) and session.messages[-1].mes == "First reply."
    assert session.swipe(-1) and session.messages[-1].mes == "Two."  # left from the first wraps
    assert session.swipe(+1) is False  # past the last: the caller generates with new_swipe()
    assert session.swipe(-1) and session.messages[-1].swipe_id == 0
    assert file_records(session)[-1]["swipe_id"] == 0
    # Swiping switches extra too (each swipe keeps its own metadata).
    session.messages[-1].extra = {**session.messages[-1].extra, "note": "mine"}
    session.swipe(+1)
    assert "note" not in session.messages[-1].extra
    session.swipe(-1)
    assert session.messages[-1].extra["note"] == "mine"


async def test_user_message_cannot_be_swiped(home: Path, openai_server: FakeOpenAIServer) -> None:
    session = await chat_of_three(home, openai_server)
    session.add_user_message("waiting")
    assert session.swipe(-1) is False
    with pytest.raises(ActionError):
        await collect(session.new_swipe())
    # regenerate after a user turn is simply a new reply
    openai_server.reply = "Answer."
    await collect(session.regenerate())
    assert session.messages[-1].mes == "Answer." and not session.messages[-1].is_user


async def test_greeting_choice_and_pristine_wrap(home: Path) -> None:
    ctx = ctx_with(home)
    card = ctx.load_card(CARD)
    assert len(card.greetings()) >= 2
    session = ctx.open_chat(CARD, greeting_index=1)
    greeting = session.messages[0]
    assert greeting.swipe_id == 1 and greeting.mes.startswith(card.greetings()[1][:20])
    assert greeting.swipe_info is not None and len(greeting.swipe_info) == len(card.greetings())
    session.choose_greeting(0)
    assert session.messages[0].mes.startswith(card.greetings()[0][:20])
    # The greeting of an untouched chat wraps instead of generating.
    for _ in range(len(card.greetings()) - 1):
        assert session.swipe(+1)
    assert session.swipe(+1) and session.messages[0].swipe_id == 0
    session.add_user_message("hi")
    with pytest.raises(ValueError):
        session.choose_greeting(1)


async def test_continue_extends_in_place_chat_mode(home: Path, openai_server: FakeOpenAIServer) -> None:
    session = await chat_of_three(home, openai_server)
    openai_server.reply = "And more."
    events = await collect(session.continue_last())
    done = events[-1]
    assert isinstance(done, Done) and done.action == "continue" and done.index == 2
    assert session.messages[-1].mes == "First reply. And more."
    assert session.messages[-1].swipes == ["First reply. And more."]
    body = last_body(openai_server)["messages"]
    assert body[-2]["role"] == "assistant" and body[-2]["content"].startswith("First reply.")
    assert body[-1]["role"] == "system" and "Continue your last message" in body[-1]["content"]
    assert file_records(session)[-1]["mes"] == "First reply. And more."


async def test_continue_text_mode_ends_with_the_message(home: Path, openai_server: FakeOpenAIServer) -> None:
    ctx = ctx_with(home, openai_server, mode="text", instruct="ChatML")
    session = ctx.open_chat(CARD, "local")
    openai_server.reply = "Start of it"
    await collect(session.send("Hi"))
    prompt = session.inspect(action="continue").prompt
    assert prompt.text.endswith("<|im_start|>assistant\nStart of it")
    normal = session.inspect().prompt
    assert normal.text.endswith("<|im_start|>assistant\n")
    openai_server.reply = " and the end."
    await collect(session.continue_last())
    assert session.messages[-1].mes == "Start of it and the end."


async def test_impersonate_returns_text_without_adding_it(home: Path, openai_server: FakeOpenAIServer) -> None:
    session = await chat_of_three(home, openai_server)
    openai_server.reply = "Ann: I look around the kitchen."
    events = await collect(session.impersonate())
    done = events[-1]
    assert isinstance(done, Done) and done.action == "impersonate" and done.index is None
    assert done.message.is_user and done.message.mes == "I look around the kitchen."
    assert len(session.messages) == 3 and len(file_records(session)) == 4
    body = last_body(openai_server)["messages"]
    assert body[-1]["role"] == "system" and "Ann" in body[-1]["content"]


async def test_impersonate_text_mode_ends_with_user_prefix(home: Path, openai_server: FakeOpenAIServer) -> None:
    ctx = ctx_with(home, openai_server, mode="text", instruct="ChatML")
    session = ctx.open_chat(CARD, "local")
    prompt = session.inspect(action="impersonate").prompt
    assert prompt.text.endswith("<|im_start|>user\n")
    assert not prompt.text.endswith("<|im_start|>assistant\n")


async def test_edit_delete_hide_and_narrator(home: Path, openai_server: FakeOpenAIServer) -> None:
    session = await chat_of_three(home, openai_server)
    session.edit(1, "Hello, edited")
    assert session.messages[1].mes == "Hello, edited" and file_records(session)[2]["mes"] == "Hello, edited"
    session.edit(2, "Reply, edited")
    assert session.messages[2].swipes == ["Reply, edited"]
    session.set_hidden([1])
    assert file_records(session)[2]["is_system"] is True
    contents = [m["content"] for m in session.inspect().prompt.messages]
    assert "Hello, edited" not in contents and "Reply, edited" in contents
    session.set_hidden(1, hidden=False)
    assert "Hello, edited" in [m["content"] for m in session.inspect().prompt.messages]
    index, notice = session.insert_narrator("The storm stops.")
    assert notice is None and index == 3
    narrator = session.inspect().prompt.messages[-1]
    assert narrator["role"] == "system" and narrator["content"] == "The storm stops."
    assert file_records(session)[-1]["extra"] == {"type": "narrator"}
    session.delete([1, 2])
    assert [m.mes for m in session.messages][1:] == ["The storm stops."]
    assert len(file_records(session)) == 3


async def test_branch_copies_up_to_a_message_and_opens_it(home: Path, openai_server: FakeOpenAIServer) -> None:
    session = await chat_of_three(home, openai_server)
    branch = session.branch(1)
    assert branch.ref is not None and session.ref is not None and branch.ref != session.ref
    assert [m.mes for m in branch.messages] == [m.mes for m in session.messages[:2]]
    assert branch.metadata["main_chat"] == session.title and "Branch #1" in branch.title
    openai_server.reply = "Other path."
    await collect(branch.generate())
    assert len(session.messages) == 3 and file_records(session)[-1]["mes"] == "First reply."
    assert file_records(branch)[-1]["mes"] == "Other path."
    checkpoint = session.checkpoint(2)
    assert session.messages[2].extra["bookmark_link"] in checkpoint
    await branch.aclose()


async def test_persona_sets_user_and_description(home: Path, openai_server: FakeOpenAIServer) -> None:
    ctx = ctx_with(home, openai_server)
    ctx.user_override = None
    ctx.personas.create("Rook", "A quiet cartographer with ink-stained hands.")
    session = ctx.open_chat(CARD, "local")
    assert session.user_name == "Rook"
    body = json.dumps(session.inspect().request.body)
    assert "ink-stained" in body
    other = ctx.personas.create("Vale", "A loud sailor.", position=9)
    session.set_persona(other.id)
    assert session.user_name == "Vale" and "loud sailor" not in json.dumps(session.inspect().request.body)
    await collect(session.send("Ahoy"))
    assert session.messages[1].name == "Vale"
    assert file_records(session)[0]["chat_metadata"]["persona"] == other.id


async def test_authors_note_scenario_and_lorebook_reach_the_prompt(home: Path, openai_server: FakeOpenAIServer) -> None:
    session = await chat_of_three(home, openai_server)
    session.set_authors_note("Keep it eerie.", depth=0)
    session.set_scenario("A lighthouse on the moon.")
    worlds = session.ctx.worlds_dir
    worlds.mkdir(parents=True)
    (worlds / "moon.json").write_text(json.dumps({"entries": {"0": {
        "uid": 0, "key": ["Hello"], "content": "The moon hums at night.", "constant": False, "disable": False,
        "order": 100, "position": 0}}}), encoding="utf-8")
    session.set_lorebook("moon")
    meta = file_records(session)[0]["chat_metadata"]
    assert meta["note_prompt"] == "Keep it eerie." and meta["scenario"] == "A lighthouse on the moon."
    body = json.dumps(session.inspect().request.body)
    assert "Keep it eerie." in body and "A lighthouse on the moon." in body
    assert "The moon hums at night." in body
    session.set_scenario(None)
    assert "scenario" not in file_records(session)[0]["chat_metadata"]


async def test_second_session_is_read_only(home: Path, openai_server: FakeOpenAIServer) -> None:
    session = await chat_of_three(home, openai_server)
    other = ctx_with(home, openai_server).open_chat(CARD, "local")
    assert other.ref == session.ref and other.read_only and "read-only" in (other.read_only_reason or "")
    notice = other.edit(1, "sneaky")
    assert isinstance(notice, Notice) and "read-only" in notice.text
    assert file_records(session)[2]["mes"] == "Hello"
    await session.aclose()
    third = ctx_with(home, openai_server).open_chat(CARD, "local")
    assert not third.read_only
    await third.aclose()


async def test_a_read_only_chat_refuses_to_change_the_shown_swipe(home: Path,
                                                                 openai_server: FakeOpenAIServer) -> None:
    session = await chat_of_three(home, openai_server)
    openai_server.reply = "Second version."
    async for _ in session.new_swipe():
        pass
    other = ctx_with(home, openai_server).open_chat(CARD, "local")
    assert other.read_only and other.messages[-1].swipe_id == 1
    with pytest.raises(ActionError, match="read-only"):
        other.swipe(-1)
    assert other.messages[-1].swipe_id == 1 and other.messages[-1].mes == "Second version."
    assert session.swipe(-1) and session.messages[-1].mes == "First reply."  # the writer still can
    await session.aclose()
    await other.aclose()


async def test_search_and_window(home: Path, openai_server: FakeOpenAIServer) -> None:
    session = await chat_of_three(home, openai_server)
    assert session.search("hello") == [1]
    assert session.search("FIRST REPLY") == [2]
    start, window = session.window(2)
    assert start == 1 and [m.mes for m in window] == ["Hello", "First reply."]
    hits = session.ctx.chats.search("first reply")
    assert [(h.ref, h.index) for h in hits] == [(session.ref, 2)]


async def test_cancel_during_new_swipe_keeps_partial_swipe(home: Path, openai_server: FakeOpenAIServer) -> None:
    session = await chat_of_three(home, openai_server)
    openai_server.script.append(endless_stream(10))
    got: list[str] = []

    async def consume() -> None:
        async for event in session.new_swipe():
            if isinstance(event, Delta):
                got.append(event.text)

    task = asyncio.create_task(consume())
    for _ in range(200):
        if len(got) >= 3:
            break
        await asyncio.sleep(0.02)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    last = session.messages[-1]
    assert last.swipes is not None and last.swipes[0] == "First reply." and last.swipes[1] == "".join(got)
    assert last.swipe_id == 1 and last.extra["incomplete"] is True
    assert file_records(session)[-1]["swipes"] == last.swipes


async def test_failed_edit_save_is_kept_and_retried(home: Path, openai_server: FakeOpenAIServer) -> None:
    session = await chat_of_three(home, openai_server)
    ref = session.ref
    assert ref is not None
    before = ref.path.read_bytes()
    folder = ref.path.parent
    blocker = folder.with_name(folder.name + ".moved")
    folder.rename(blocker)
    folder.write_text("not a folder")  # the chat's folder is now unusable: every write fails
    try:
        notice = session.edit(1, "changed")
        assert isinstance(notice, Notice) and "kept in memory" in notice.text
        assert session.unsaved and session.messages[1].mes == "changed"
    finally:
        folder.unlink()
        blocker.rename(folder)
    assert ref.path.read_bytes() == before  # the file on disk was never touched
    assert session.retry_save() is None and not session.unsaved
    assert file_records(session)[2]["mes"] == "changed"


async def test_empty_stream_on_swipe_adds_nothing(home: Path, openai_server: FakeOpenAIServer) -> None:
    from tests.fakes.openai_server import empty_stream

    session = await chat_of_three(home, openai_server)
    openai_server.script.append(empty_stream())
    events = await collect(session.new_swipe())
    assert isinstance(events[-1], Failed)
    assert session.messages[-1].swipes == ["First reply."]


async def test_reopen_after_a_torn_append_repairs_then_appends(home: Path, openai_server: FakeOpenAIServer) -> None:
    session = await chat_of_three(home, openai_server)
    ref = session.ref
    assert ref is not None
    await session.aclose()
    with open(ref.path, "ab") as fh:
        fh.write(b'{"name":"Maren Holloway","mes":"half a li')  # power lost mid-append
    again = ctx_with(home, openai_server).open_chat(CARD, "local")
    assert again.ref == ref and len(again.messages) == 3
    openai_server.reply = "After the crash."
    await collect(again.send("Still there?"))
    records = file_records(again)
    assert [r["mes"] for r in records[1:]][-2:] == ["Still there?", "After the crash."]
    assert all("half a li" not in json.dumps(r) for r in records)
    await again.aclose()


async def test_context_chat_management_and_session_export(home: Path, openai_server: FakeOpenAIServer,
                                                         corpus: Path) -> None:
    session = await chat_of_three(home, openai_server)
    ctx = session.ctx
    assert session.ref is not None
    stale = session.ref.path.with_name(f".{session.ref.path.name}.abc123.tmp")
    stale.write_text("left by a crash")
    md = session.export("md").decode()
    assert "First reply." in md and md.startswith(f"# {session.title}")
    assert json.loads(session.export("jsonl").decode().split("\n")[-1])["mes"] == "First reply."
    with pytest.raises(Exception, match="unknown export format"):
        session.export("doc")
    # A chat open in this session cannot be renamed or deleted behind its back.
    with pytest.raises(Exception, match="another tavo-tui process"):
        ctx.delete_chat(session.ref.id)
    await session.aclose()
    reopened = ctx.open_chat(CARD, "local")  # resumes the latest chat and tidies up after the crash
    assert reopened.ref == session.ref and not stale.exists()
    await reopened.aclose()
    ref = ctx.rename_chat(session.ref.id, "Renamed")
    assert ref.id.endswith("/Renamed") and ctx.chat_summaries(CARD)[0].id == ref.id
    imported = ctx.import_chat(corpus / "chats" / "st_Aqua_2023-01_minimal.jsonl", CARD)
    assert ctx.export_chat(imported.id, "txt").decode().count("Aqua:") == 1
    ctx.delete_chat(ref.id)
    assert [s.id for s in ctx.chat_summaries(CARD)] == [imported.id]


async def test_delete_swipe_selects_a_neighbour(home: Path, openai_server: FakeOpenAIServer) -> None:
    session = await chat_of_three(home, openai_server)
    for reply in ("Two.", "Three."):
        openai_server.reply = reply
        await collect(session.new_swipe())
    session.swipe(-1)  # showing "Two."
    session.delete_swipe()
    last = session.messages[-1]
    assert last.swipes == ["First reply.", "Three."] and last.mes == "Three." and last.swipe_id == 1
    assert last.swipe_info is not None and len(last.swipe_info) == 2
    assert last.extra == last.swipe_info[1]["extra"]
    session.delete_swipe()
    with pytest.raises(ValueError, match="only one version"):
        session.delete_swipe()
    assert file_records(session)[-1]["swipes"] == ["First reply."]


async def test_stopped_continue_keeps_the_partial_addition(home: Path, openai_server: FakeOpenAIServer) -> None:
    session = await chat_of_three(home, openai_server)
    openai_server.script.append(endless_stream(10))
    got: list[str] = []

    async def consume() -> None:
        async for event in session.continue_last():
            if isinstance(event, Delta):
                got.append(event.text)

    task = asyncio.create_task(consume())
    for _ in range(200):
        if len(got) >= 3:
            break
        await asyncio.sleep(0.02)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    expected = "First reply. " + "".join(got)
    assert session.messages[-1].mes == expected and session.messages[-1].swipes == [expected]
    assert file_records(session)[-1]["mes"] == expected


def test_the_prompt_of_a_swipe_in_a_long_chat_parses_only_what_fits(home: Path) -> None:
    from tavo_tui.model import Message

    ctx = ctx_with(home)
    ctx.profiles.save(ConnectionProfile(name="small", kind="demo", max_context=2048, max_tokens=100))
    chat = ctx.new_chat(ctx.load_card(CARD))
    chat.messages.extend(Message(name="Ann" if i % 2 else "Maren Holloway", is_user=bool(i % 2),
                                 mes=f"line {i} " + "words " * 20) for i in range(2001))
    ctx.chats.create(ctx.card_key(CARD), chat)
    session = ctx.open_chat(CARD, "small")  # read back lazily from the file
    prompt = session.build_prompt("swipe")
    assert prompt.dropped  # the context holds a small part of the chat
    assert session.messages.parsed_count() < 200  # not the 2,000 messages before the one swiped
