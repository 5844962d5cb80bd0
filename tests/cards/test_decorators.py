"""V3 lorebook decorators parsed into the model (LorebookEntry.decorators() / body())."""

from __future__ import annotations

from tavo_tui.model.card import LorebookEntry, parse_decorators


def test_no_decorators() -> None:
    dec, body = parse_decorators("Plain text\n@@depth 3 is not at the top")
    assert dec.depth is None and body == "Plain text\n@@depth 3 is not at the top"


def test_defined_decorators() -> None:
    content = ("@@depth 3\n@@role assistant\n@@activate_only_after 2\n@@activate_only_every 4\n"
               "@@scan_depth 5\n@@is_greeting 1\n@@position after_desc\n@@ignore_on_max_context\n"
               "@@exclude_keys a, b\n@@is_user_icon me\n@@disable_ui_prompt system_prompt\n@@activate\n\nBody")
    dec, body = parse_decorators(content)
    assert (dec.depth, dec.role, dec.activate_only_after, dec.activate_only_every) == (3, "assistant", 2, 4)
    assert (dec.scan_depth, dec.is_greeting, dec.position) == (5, 1, "after_desc")
    assert dec.ignore_on_max_context and dec.activate and not dec.dont_activate
    assert dec.exclude_keys == ["a", "b"] and dec.is_user_icon == "me"
    assert dec.disable_ui_prompt == "system_prompt"
    assert body == "Body"


def test_first_wins_repeatable_and_invalid_values() -> None:
    dec, _ = parse_decorators("@@depth 2\n@@depth 9\n@@additional_keys x\n@@additional_keys y,z\n@@role king\nB")
    assert dec.depth == 2 and dec.additional_keys == ["x", "y", "z"] and dec.role is None


def test_fallback_lines() -> None:
    dec, _ = parse_decorators("@@risu_only 4\n@@@activate_only_after 4\nB")
    assert dec.activate_only_after == 4 and dec.other == {"risu_only": "4"}
    dec, _ = parse_decorators("@@depth 1\n@@@depth 7\nB")
    assert dec.depth == 1
    dec, _ = parse_decorators("@@role nobody\n@@@role narrator\n@@@role user\nB")
    assert dec.role == "user"


def test_entry_methods() -> None:
    e = LorebookEntry(keys=["k"], content="@@dont_activate\nSecret")
    assert e.decorators().dont_activate and e.body() == "Secret"
    assert e.content.startswith("@@")  # the stored content is untouched for round trips
