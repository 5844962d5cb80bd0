"""The offline demo backend and the kind registry."""

from __future__ import annotations

import asyncio

import pytest

from tavo_tui.backends import KINDS, BackendError, Finish, TextDelta, make_backend
from tavo_tui.backends.demo import DemoBackend, demo_reply
from tavo_tui.backends.openai_compat import OpenAICompatBackend
from tavo_tui.model import AssembledPrompt, ConnectionProfile, PromptSection
from tests.backends.helpers import collect, text_of

SYSTEM = (
    "Seraphina is a guardian of the Eldenwood forest. She heals wounded travellers.\n"
    "Scenario: You woke up in Seraphina's glade after a wolf attack in the dark forest."
)


def demo(**kw: object) -> DemoBackend:
    return DemoBackend(ConnectionProfile(name="demo", kind="demo"), None, delay=0, **kw)  # type: ignore[arg-type]


def chat(user: str, *, max_tokens: int = 300) -> AssembledPrompt:
    messages = [{"role": "system", "content": SYSTEM}, {"role": "user", "content": user}]
    return AssembledPrompt(mode="chat", messages=messages, max_tokens=max_tokens)


async def test_demo_streams_an_in_character_reply_word_by_word() -> None:
    backend = demo(char_name="Seraphina")
    req = backend.prepare(chat("Where is the lighthouse?"))
    assert req.url == "demo://local"
    assert req.body["messages"][-1] == {"role": "user", "content": "Where is the lighthouse?"}
    assert req.body["model"] == "demo" and req.body["stream"] is True
    events = await collect(backend, req)
    text = text_of(events)
    assert "Seraphina" in text and "lighthouse" in text.lower() and "Where is the lighthouse?" not in text
    assert "wolf attack" in text  # something from the scenario
    assert sum(isinstance(e, TextDelta) for e in events) > 10
    assert events[-1] == Finish("stop", {"completion_tokens": len(events) - 1})
    fresh = demo(char_name="Seraphina")  # the same turn on a new backend: the same first reply
    assert (await fresh.complete(fresh.prepare(chat("Where is the lighthouse?"), stream=False))).text == text


async def test_demo_guesses_the_name_without_char_name() -> None:
    body = {"messages": [{"role": "system", "content": "Write Bob's next reply in a chat."},
                         {"role": "user", "content": "hey"}]}
    assert "Bob" in demo_reply(body)
    text_body = {"prompt": "Narrator: It was dark.\nYou: Hello there, where are the dragons?\nMilo:"}
    reply = demo_reply(text_body)
    assert "Milo" in reply and "dragons" in reply and "Hello there" not in reply


async def test_demo_honours_max_tokens_and_stop() -> None:
    backend = demo(char_name="Seraphina")
    events = await collect(backend, backend.prepare(chat("Hi", max_tokens=4)))
    assert sum(isinstance(e, TextDelta) for e in events) == 4
    assert events[-1].reason == "length"  # type: ignore[union-attr]
    req = backend.prepare(chat("Hi"))
    req.body["stop"] = ["Seraphina"]
    reply = await backend.complete(req)
    assert "Seraphina" not in reply.text


async def test_demo_replies_differ_with_the_message_and_respect_cancellation() -> None:
    assert demo_reply({"messages": chat("a").messages}, "X") != demo_reply(
        {"messages": chat("something else entirely").messages}, "X"
    )
    slow = DemoBackend(ConnectionProfile(name="d", kind="demo"), None, delay=5)
    gen = slow.stream(slow.prepare(chat("hi")))
    task = asyncio.create_task(gen.__anext__())
    await asyncio.sleep(0.01)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


async def test_demo_check_and_models_need_no_network() -> None:
    backend = demo()
    check = await backend.check()
    assert check.ok and "demo" in check.detail
    assert await backend.list_models() == ["demo"]
    assert await backend.count_tokens("x") is None


def test_registry_builds_each_kind() -> None:
    assert set(KINDS) >= {"demo", "openai-compatible"}
    assert isinstance(make_backend(ConnectionProfile(name="d", kind="demo")), DemoBackend)
    oai = make_backend(ConnectionProfile(name="o", base_url="http://localhost:8080"), "k")
    assert isinstance(oai, OpenAICompatBackend)
    assert oai.prepare(chat("x")).url == "http://127.0.0.1:8080/v1/chat/completions"
    assert KINDS["openai-compatible"].default_base_url == "http://127.0.0.1:8080/v1"
    assert KINDS["openai-compatible"].default_url == KINDS["openai-compatible"].default_base_url
    # An empty base URL falls back to the kind's default.
    assert make_backend(ConnectionProfile(name="o")).prepare(chat("x")).url.startswith("http://127.0.0.1:8080/v1/")


def test_unknown_kind_is_a_clear_error() -> None:
    with pytest.raises(BackendError) as info:
        make_backend(ConnectionProfile(name="mine", kind="telepathy"))
    assert "telepathy" in info.value.message and "openai-compatible" in info.value.message


async def test_demo_uses_the_scenario_section_not_the_instructions() -> None:
    main = "Write Seraphina's next reply in a fictional chat between Seraphina and You."
    desc = "Seraphina is a guardian of the Eldenwood forest."
    scen = "A storm rolls over the old watchtower at dusk."
    messages = [{"role": "system", "content": c} for c in (main, desc, scen)]
    messages.append({"role": "user", "content": "Who goes there?"})
    sections = [
        PromptSection(name="main", source="preset.main", content=main),
        PromptSection(name="Char Description", source="card.description", content=desc),
        PromptSection(name="Scenario", source="card.scenario", content=scen),
    ]
    prompt = AssembledPrompt(mode="chat", messages=messages, sections=sections, max_tokens=300)
    backend = demo()  # no char_name: guessed from the main prompt
    text = text_of(await collect(backend, backend.prepare(prompt)))
    assert "Seraphina" in text and scen in text and "next reply" not in text
    # Without sections (e.g. a hand-built request) the instructions are still never quoted.
    fresh = demo()
    req = fresh.prepare(AssembledPrompt(mode="chat", messages=messages, max_tokens=300))
    fallback = (await fresh.complete(req)).text
    assert "next reply" not in fallback and desc in fallback


async def test_demo_regenerate_gives_a_different_reply_each_time() -> None:
    backend = demo(char_name="Seraphina")
    replies = [(await backend.complete(backend.prepare(chat("Tell me about the wolves")))).text for _ in range(12)]
    assert len(set(replies)) == 12  # twelve asks of one turn: twelve different replies
    assert all("wolves" in r.lower() for r in replies)
    other = await backend.complete(backend.prepare(chat("And the river?")))
    assert other.text not in replies and "river" in other.text.lower()


async def test_demo_impersonate_writes_as_the_user() -> None:
    backend = demo(char_name="Seraphina")
    messages = [{"role": "system", "content": SYSTEM},
                {"role": "assistant", "content": "The moonflowers in my glade will mend your wounds."},
                {"role": "user", "content": "Thank you."}]
    prompt = AssembledPrompt(
        mode="chat", messages=[*messages, {"role": "system", "content": "[Write your next reply as User]"}],
        sections=[PromptSection(role="system", content="[Write your next reply as User]", name="Impersonation",
                                source="preset.impersonation_prompt")],
    )
    line = (await backend.complete(backend.prepare(prompt))).text
    assert "*I " in line and "moonflowers" in line and not line.startswith("*Seraphina")
    again = (await backend.complete(backend.prepare(prompt))).text
    assert again != line and "*I " in again
    normal = (await backend.complete(backend.prepare(AssembledPrompt(mode="chat", messages=messages)))).text
    assert normal.startswith("*Seraphina")


async def test_demo_text_mode_impersonation_is_the_final_user_line() -> None:
    backend = demo(char_name="Milo")
    prompt = AssembledPrompt(mode="text", text="Milo: The harbour bells ring at dusk.\nYou: I see.\nYou:")
    line = (await backend.complete(backend.prepare(prompt))).text
    assert line.startswith("*I ") and "harbour" in line
