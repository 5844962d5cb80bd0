"""The inspector's lore report re-checks keys to say why an entry fired: a catastrophic regex key must not
hold it either (issue 13)."""

from __future__ import annotations

from tavo_tui.prompt.settings import WorldInfoSettings
from tavo_tui.prompt.worldinfo import WIEntry
from tavo_tui.session.lore_report import explain_entry


def test_explaining_an_entry_with_a_catastrophic_key_skips_that_key() -> None:
    entry = WIEntry(uid=1, world="w", key=["/(a|aa)+$/", "plain"], content="x")
    reason = explain_entry(entry, "fired", ["a" * 30 + "! plain"], WorldInfoSettings())
    assert "'plain'" in reason
    assert "(a|aa)" not in reason
