"""The inspector's preview of an "auto" text profile switches to the templates derived from the server."""

from __future__ import annotations

from pathlib import Path

from tavo_tui.model import ConnectionProfile
from tavo_tui.session import AppContext
from tavo_tui.ui.app import TavoApp
from tests.fakes.local_servers import FakeLlamaCppServer
from tests.ui.helpers import main, wait_for

LLAMA3 = "{{ '<|start_header_id|>' + r + '<|end_header_id|>' + c + '<|eot_id|>' }}"


async def test_preview_uses_the_derived_templates_and_notes_it(
    ctx: AppContext, alice: Path, llamacpp_server: FakeLlamaCppServer
) -> None:
    llamacpp_server.chat_template = LLAMA3
    ctx.profiles.save(ConnectionProfile(name="auto", kind="llamacpp", base_url=llamacpp_server.base_url,
                                        mode="text", instruct="auto"))
    app = TavoApp(ctx, card_path=alice, connection="auto")
    async with app.run_test(size=(200, 60)) as pilot:
        inspector = main(app).inspector

        def derived() -> bool:
            current = inspector.current
            return current is not None and "<|start_header_id|>" in (current.prompt.text or "")

        await wait_for(pilot, derived)
        notes = inspector.current.prompt.notes  # type: ignore[union-attr]
        assert any(n.startswith("instruct: Llama 3 Instruct (derived from the server's chat template") for n in notes)
        assert [r.path for r in llamacpp_server.requests].count("/props") == 1
