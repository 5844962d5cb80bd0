"""{{banned "word"}} macros reach text-generation-webui as banned strings (a real fake server on 127.0.0.1)."""

from __future__ import annotations

from tavo_tui.backends.registry import make_backend
from tavo_tui.model import Card, ConnectionProfile, Message
from tavo_tui.prompt import assemble
from tavo_tui.prompt.tokens import estimate_counter
from tests.backends.helpers import collect, text_of
from tests.fakes.openai_server import FakeOpenAIServer

CARD = Card(
    name="Mira",
    description='Mira keeps the lighthouse.{{banned "I apologize"}}',
    first_mes="The lamp is lit.",
    post_history_instructions="Stay in character.{{banned::delve}}{{banned \"I apologize\"}}",
)
CHAT = [
    Message(name="Mira", mes="The lamp is lit."),
    Message(name="Ann", is_user=True, mes='Tell me a story.{{banned "tapestry"}}'),
]


def profile(server: FakeOpenAIServer, kind: str, mode: str) -> ConnectionProfile:
    return ConnectionProfile(name="t", kind=kind, base_url=server.base_url, model="m", mode=mode)


async def send(server: FakeOpenAIServer, kind: str, mode: str) -> dict:  # type: ignore[type-arg]
    conn = profile(server, kind, mode)
    prompt = assemble(CARD, CHAT, user_name="Ann", profile=conn, counter=estimate_counter())
    backend = make_backend(conn)
    try:
        events = await collect(backend, backend.prepare(prompt))
    finally:
        await backend.aclose()
    assert text_of(events) == server.reply
    sent = [r for r in server.requests if r.path.endswith("completions")]
    return sent[-1].json()  # type: ignore[no-any-return]


async def test_ooba_gets_the_banned_words_in_both_modes(openai_server: FakeOpenAIServer) -> None:
    openai_server.reply = "Once, a ship came in."
    for mode in ("text", "chat"):
        body = await send(openai_server, "ooba", mode)
        # Each word once, without its quotes; the macros themselves are gone from the prompt.
        assert sorted(body["banned_strings"]) == ["I apologize", "delve", "tapestry"]
        assert len(body["banned_strings"]) == 3
        assert "banned" not in str(body.get("prompt", "")) + str(body.get("messages", ""))
        assert "Stay in character." in str(body.get("prompt", "")) + str(body.get("messages", ""))


async def test_other_servers_and_prompts_without_bans_get_no_field(openai_server: FakeOpenAIServer) -> None:
    body = await send(openai_server, "openai-compatible", "text")
    assert "banned_strings" not in body
    conn = profile(openai_server, "ooba", "text")
    plain = assemble(Card(name="Mira", description="No bans."), CHAT[:1], user_name="Ann", profile=conn,
                     counter=estimate_counter())
    assert plain.banned == [] and "banned_strings" not in make_backend(conn).prepare(plain).body
