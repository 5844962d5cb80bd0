"""The key registry is the one source of the keys: ids users' keymaps name, no clash between defaults, keys
that arrive over SSH, readable names, and the README's tables equal to what it generates."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from tavo_tui.ui.keys.keymap import check_keymap
from tavo_tui.ui.keys.registry import (
    BY_ID,
    ENTRIES,
    LEADER_CONTEXTS,
    bindings_for,
    documented_keys,
    key_label,
    keys_label,
    leader_entries,
    markdown,
)

README = Path(__file__).resolve().parents[2] / "README.md"
START, END = "<!-- keys:start -->", "<!-- keys:end -->"

# The ids keymap.json files name today: none may disappear.
EXISTING_IDS = """send stop toggle-cards toggle-connections toggle-inspector switch-connection test-connection new-chat
retry focus-cards focus-chat focus-connections focus-inspector help-question jump shrink-pane grow-pane vim-down
vim-up vim-top vim-bottom regenerate swipe-left swipe-right new-swipe continue impersonate edit-message
edit-message-external delete-messages toggle-hidden insert-narrator branch choose-greeting chats personas
authors-note scenario-override chat-lorebook search-chat search-all log-r log-w log-c log-i log-e log-o log-d log-h
log-n log-b log-left_square_bracket log-right_square_bracket pick-model copy-message scroll-chat-up
scroll-chat-down help cards-filter cards-sort cards-detail cards-import cards-export cards-duplicate cards-delete
cards-create cards-edit conn.test conn.edit conn.add conn.model conn.discover conn.default conn.remove
inspector.next-view inspector.previous-view inspector.copy-json inspector.copy-curl inspector.save
inspector.diff-previous inspector.diff-other inspector.show-all""".split()


def test_every_existing_binding_id_is_kept_and_ids_are_unique() -> None:
    ids = [entry.id for entry in ENTRIES]
    assert len(ids) == len(set(ids))
    assert not set(EXISTING_IDS) - set(ids)
    pattern = re.compile(r"[a-z0-9][a-z0-9_.\-]{0,63}")  # what keymap.json accepts
    assert all(pattern.fullmatch(i) and pattern.fullmatch(f"leader.{i}") for i in ids)


def test_the_defaults_collide_nowhere() -> None:
    # Every entry "remapped" to its own default keys: the check finds no clash among the defaults.
    own = {e.id: ",".join(e.bound) for e in ENTRIES if e.bound}
    own |= {e.leader_id: ",".join(e.leader) for e in ENTRIES if e.leader}
    checked = check_keymap(own)
    assert checked.warnings == [] and checked.keymap == own


@pytest.mark.parametrize("context", LEADER_CONTEXTS)
def test_leader_keys_are_unique_where_the_overlay_offers_them(context: str) -> None:
    keys = [key for entry in leader_entries(context) for key in entry.leader]
    assert len(keys) == len(set(keys))


def test_documented_keys_arrive_intact_over_ssh() -> None:
    # Alt keys are aliases only: ESC , arrives as a comma, ESC b as ctrl+left in terminals using ESC as meta.
    for entry in ENTRIES:
        assert not [k for k in documented_keys(entry, {}) if k.startswith("alt+")], entry.id
        assert not [k for k in entry.aliases if not k.startswith("alt+")], entry.id
    # What the old alt keys did is reachable without them: through the leader, or a direct key.
    for entry in ENTRIES:
        if entry.aliases:
            assert entry.leader or entry.keys, entry.id


def test_library_commands_have_leader_keys_and_no_printable_direct_keys() -> None:
    library = [e for e in ENTRIES if e.group == "library"]
    assert {e.id for e in library} >= {"cards-detail", "cards-import", "cards-export", "cards-duplicate",
                                        "cards-delete", "cards-create", "cards-edit", "cards-sort", "cards-filter"}
    for entry in library:
        assert entry.leader and entry.section == "library", entry.id
        assert all(len(key) > 1 for key in entry.keys), entry.id  # type-to-filter owns the printable keys
    assert BY_ID["cards-delete"].keys == ("delete",)


def test_generated_bindings_carry_ids_keys_and_priority() -> None:
    screen = {b.id: b for b in bindings_for("screen")}  # type: ignore[union-attr]
    assert screen["send"].key == "ctrl+j,ctrl+enter" and not screen["send"].priority  # type: ignore[union-attr]
    assert screen["jump"].priority  # type: ignore[union-attr]  # a burst after ctrl+o reaches jump mode
    chat = {b.id: b for b in bindings_for("chat-actions")}  # type: ignore[union-attr]
    assert all(b.priority for b in chat.values())  # type: ignore[union-attr]
    assert "swipe-left" in chat and "alt+comma" in chat["swipe-left"].key  # type: ignore[union-attr]


def test_key_names_are_readable() -> None:
    assert key_label("left_square_bracket") == "["
    assert key_label("full_stop") == "."
    assert key_label("ctrl+j") == "ctrl+j"
    assert key_label("escape") == "esc"
    assert key_label("question_mark") == "?"
    assert key_label("less_than_sign") == "<"
    assert key_label("f5") == "f5" and key_label("pageup") == "pageup" and key_label("G") == "G"
    assert keys_label(("comma", "left_square_bracket"), "ctrl+g") == "ctrl+g , / ctrl+g ["
    assert "_" not in markdown().replace("log-left_square_bracket", "").replace("log-right_square_bracket", "")


def test_markdown_reflects_a_keymap() -> None:
    text = markdown({"send": "ctrl+s", "leader.regenerate": "x"})
    assert "| `ctrl+s` | Send | `send` |" in text
    assert "| `ctrl+g x` | Regenerate | `leader.regenerate` |" in text


def test_the_module_prints_the_markdown() -> None:
    out = subprocess.run([sys.executable, "-m", "tavo_tui.ui.keys.registry", "--markdown"], capture_output=True,
                         text=True, check=True).stdout
    assert out == markdown()


def test_the_readme_key_tables_are_the_generated_ones() -> None:
    text = README.read_text(encoding="utf-8")
    assert START in text and END in text, f"README.md needs the generated tables between {START} and {END}"
    shown = text.split(START, 1)[1].split(END, 1)[0].strip("\n") + "\n"
    assert shown == markdown(), "regenerate: python -m tavo_tui.ui.keys.registry --markdown"
