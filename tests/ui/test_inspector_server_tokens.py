"""The inspector refines its token figures with the connection's own tokenizer (issue 4), never mid-reply."""

from __future__ import annotations

from pathlib import Path

from tavo_tui.model import ConnectionProfile
from tavo_tui.session import AppContext
from tavo_tui.ui.app import TavoApp
from tests.fakes.openai_server import FakeOpenAIServer
from tests.ui.helpers import main, wait_for, wait_idle


async def test_inspector_uses_the_server_tokenizer(ctx: AppContext, alice: Path,
                                                   openai_server: FakeOpenAIServer) -> None:
    openai_server.tokenizer = "llama.cpp"
    ctx.profiles.save(ConnectionProfile(name="local", kind="llamacpp", api="openai", base_url=openai_server.root),
                      default=True)
    app = TavoApp(ctx, card_path=alice, connection="local")
    async with app.run_test(size=(200, 60)) as pilot:
        inspector = main(app).inspector

        def method() -> str:
            return inspector.current.prompt.token_method if inspector.current else ""

        await wait_for(pilot, lambda: method() == "server tokenizer (llamacpp), chat template applied")
        prompt = inspector.current.prompt  # type: ignore[union-attr]
        # The fake server counts words: every section's figure is its word count.
        assert all(s.tokens == len(s.content.split()) for s in prompt.sections)
        await wait_idle(pilot)


async def test_generic_servers_are_not_probed_from_the_inspector(ctx: AppContext, alice: Path,
                                                                 openai_server: FakeOpenAIServer) -> None:
    openai_server.tokenizer = "llama.cpp"
    ctx.profiles.save(ConnectionProfile(name="local", base_url=openai_server.base_url), default=True)
    app = TavoApp(ctx, card_path=alice, connection="local")
    async with app.run_test(size=(200, 60)) as pilot:
        inspector = main(app).inspector
        await wait_for(pilot, lambda: inspector.current is not None)
        await wait_idle(pilot)
        assert inspector.current.prompt.token_method.startswith(("tiktoken", "estimate"))  # type: ignore[union-attr]
        assert openai_server.requests == []  # previewing a prompt sends nothing to a generic server
