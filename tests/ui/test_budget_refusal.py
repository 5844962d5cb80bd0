"""A message that cannot fit the context is refused in the TUI (issue 14): a notice, the text stays in the
composer, nothing is sent or saved."""

from __future__ import annotations

from pathlib import Path

from tavo_tui.model import ConnectionProfile
from tavo_tui.session import AppContext
from tavo_tui.store.profiles import demo_profile
from tavo_tui.ui.app import TavoApp
from tests.ui.helpers import main, type_and_send, wait_idle


async def test_a_message_too_long_for_the_context_stays_in_the_composer(ctx: AppContext, alice: Path) -> None:
    # A small context keeps the text (and the test) small: ~600 tokens against 512 - 100 for the reply.
    tiny: ConnectionProfile = demo_profile().model_copy(update={"name": "tiny", "max_context": 512,
                                                                "max_tokens": 100})
    ctx.profiles.save(tiny, default=True)
    huge = "lantern " * 600
    app = TavoApp(ctx, card_path=alice)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen = main(app)
        await type_and_send(pilot, huge)
        await wait_idle(pilot)
        assert screen.composer.text == huge
        assert [v.is_user for v in screen.chat_log.message_views()] == [False]  # only the greeting
        assert len(screen.session.messages) == 1 and not screen.generating
        notes = [str(n.message) for n in app._notifications]
        assert any(n.startswith("your message is ") and "are available (context 512, reply 100" in n
                   for n in notes), notes
    assert len(AppContext(ctx.paths, ctx.library).open_chat(alice).messages) == 1  # nothing saved
