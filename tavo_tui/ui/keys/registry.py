"""Every action with a key, in one place: its binding id, description, pane, direct keys and leader key.

The BINDINGS of the app, the main screen and the panes are generated from this table (`bindings_for`), and so
are the key help (f1), the leader overlay, the palette's key hints and the README's key tables
(`python -m tavo_tui.ui.keys.registry --markdown`). Binding ids are what users' keymap.json names: never rename
one. Keys are Textual key names ("ctrl+j", "left_square_bracket"); `key_label` turns them into what to read.

Keys that arrive intact over SSH in tmux and common terminals are documented: control and function keys, single
keys in panes that are not text fields, and the leader (ctrl+g) followed by one key. Alt combinations are kept
only as undocumented aliases: a terminal that sends ESC as the meta prefix delivers `ESC ,` as a comma and
`ESC b` as ctrl+left, so nothing documented may depend on them.
"""

from __future__ import annotations

import sys
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from textual.binding import Binding, BindingType
from textual.keys import REPLACED_KEYS, _character_to_key, _get_unicode_name_from_key, key_to_character

LEADER_ID = "leader"
LEADER_PREFIX = "leader."  # keymap.json ids of the keys after the leader: "leader.<binding id>"

# Where a binding lives (which class's BINDINGS it is generated into), and so where it is active.
APP, SCREEN, CHAT_ACTIONS, CONNECTION_ACTIONS = "app", "screen", "chat-actions", "connection-actions"
CHAT_LOG, COMPOSER, CARD_LIST, CONNECTION_PANE, INSPECTOR = (
    "chat-log", "composer", "card-list", "connection-pane", "inspector")
# Owners whose bindings work whatever has the focus (the screen and the app): they can shadow any pane's key.
GLOBAL_OWNERS = frozenset({APP, SCREEN, CHAT_ACTIONS, CONNECTION_ACTIONS})

# Help and README headings, in the order they are listed.
GROUP_TITLES: dict[str, str] = {
    "everywhere": "Everywhere",
    "chat": "Chat",
    "chat log": "Chat log",
    "composer": "Composer",
    "lists": "Lists and the chat log",
    "library": "Library",
    "connections": "Connections",
    "inspector": "Inspector",
}
# The leader overlay's sections. Which ones are offered depends on the focus (`leader_sections`).
LEADER_TITLES: dict[str, str] = {
    "chat": "Chat",
    "library": "Library (highlighted card)",
    "panes": "Panes",
    "connection": "Connection",
    "general": "General",
}


@dataclass(frozen=True)
class KeyAction:
    id: str  # the binding id (keymap.json)
    action: str  # a Textual action, run in the owner's namespace
    description: str  # short: the footer, help and the leader overlay
    owner: str
    group: str  # a GROUP_TITLES key
    keys: tuple[str, ...] = ()  # documented direct keys
    aliases: tuple[str, ...] = ()  # also bound, never documented (alt keys)
    leader: tuple[str, ...] = ()  # keys after the leader
    section: str = ""  # the leader overlay's section (a LEADER_TITLES key), when `leader` is set
    show: bool = False  # in the footer
    priority: bool = False  # before the focused widget (a text field would type the key)
    title: str = ""  # the palette entry; none without it
    help: str = ""  # the palette entry's explanation (the keys are added to it)

    @property
    def bound(self) -> tuple[str, ...]:
        """The default keys of the binding: documented ones first, then the aliases."""
        return self.keys + self.aliases

    @property
    def leader_id(self) -> str:
        return LEADER_PREFIX + self.id


def _chat(id: str, action: str, description: str, alt: str, leader: tuple[str, ...], title: str, help: str,
          *, keys: tuple[str, ...] = ()) -> KeyAction:
    """A roleplay action on the open chat: leader key, any direct keys, and an alt alias where one arrives."""
    return KeyAction(id, action, description, CHAT_ACTIONS, "chat", keys=keys, aliases=(alt,) if alt else (),
                     leader=leader, section="chat", priority=True, title=title, help=help)


def _log(key: str, action: str, description: str, id: str = "") -> KeyAction:
    return KeyAction(id or f"log-{key}", f"screen.{action}", description, CHAT_LOG, "chat log", keys=(key,))


ENTRIES: tuple[KeyAction, ...] = (
    # ---- everywhere ------------------------------------------------------------------------------------------
    # Not a priority binding: it must reach the screen through the composer, after the keys typed before it.
    KeyAction("send", "send", "Send", SCREEN, "everywhere", keys=("ctrl+j", "ctrl+enter"), show=True,
              title="Send message", help="Send what is in the composer"),
    KeyAction("stop", "stop", "Stop", SCREEN, "everywhere", keys=("escape",), show=True,
              title="Stop generation", help="Stop the reply being written and keep what arrived"),
    KeyAction(LEADER_ID, "leader", "More", APP, "everywhere", keys=("ctrl+g",), show=True, priority=True,
              title="", help="Then one key: the chat actions, panes and the focused pane's commands"),
    # Keys that open a screen are priority: it is open before the next key is read, so that key goes to it.
    KeyAction("help", "show_help", "Keys", APP, "everywhere", keys=("f1",), leader=("question_mark",),
              section="general", show=True, priority=True, title="Keys", help="List the keys of the focused pane"),
    KeyAction("help-question", "app.show_help", "Keys (outside text fields)", SCREEN, "everywhere",
              keys=("question_mark",)),
    # Not in the footer: at 80 columns it has room for the leader (which lists more) but not for both.
    KeyAction("jump", "jump", "Jump", SCREEN, "everywhere", keys=("ctrl+o",), priority=True,
              title="Jump", help="Show a letter on every pane; press one to move the focus there"),
    KeyAction("toggle-cards", "toggle_cards", "Cards", SCREEN, "everywhere", keys=("f2",), show=True,
              title="Toggle character list", help="Show or hide the characters pane"),
    KeyAction("toggle-connections", "toggle_connections", "Conns", SCREEN, "everywhere", keys=("f3",), show=True,
              title="Toggle connections pane", help="Show or hide the connections pane"),
    KeyAction("toggle-inspector", "toggle_inspector", "Inspect", SCREEN, "everywhere", keys=("f4",), show=True,
              title="Toggle prompt inspector", help="Show or hide the prompt inspector"),
    # Priority: the picker opens as the key is read, so keys typed after f5 go to it, not to the composer.
    KeyAction("switch-connection", "pick_connection", "Switch", SCREEN, "everywhere", keys=("f5",), show=True,
              priority=True, leader=("p",), section="connection",
              title="Switch connection", help="Choose the connection the next reply uses"),
    KeyAction("test-connection", "test_connection", "Test connection", SCREEN, "everywhere", keys=("ctrl+t",),
              leader=("t",), section="connection",
              title="Test connection", help="Check that the selected connection answers"),
    KeyAction("pick-model", "pick_model", "Model", CONNECTION_ACTIONS, "everywhere", aliases=("alt+m",),
              leader=("m",), section="connection", priority=True,
              title="Pick model", help="Choose the model from the server's list, or type its name"),
    KeyAction("new-chat", "new_chat", "New chat", SCREEN, "everywhere", keys=("ctrl+n",),
              title="New chat", help="Start a new chat with this character"),
    KeyAction("retry", "retry", "Retry", SCREEN, "everywhere", keys=("ctrl+r",),
              title="Retry", help="Ask for a reply again after a failure"),
    KeyAction("focus-cards", "focus_pane('cards')", "Focus library", SCREEN, "everywhere", aliases=("alt+1",),
              leader=("1",), section="panes", title="Focus characters", help="Move the focus to the character list"),
    KeyAction("focus-chat", "focus_pane('chat')", "Focus chat", SCREEN, "everywhere", aliases=("alt+2",),
              leader=("2",), section="panes", title="Focus chat", help="Move the focus to the composer"),
    KeyAction("focus-connections", "focus_pane('connections')", "Focus connections", SCREEN, "everywhere",
              aliases=("alt+3",), leader=("3",), section="panes",
              title="Focus connections", help="Move the focus to the connections pane"),
    KeyAction("focus-inspector", "focus_pane('inspector')", "Focus inspector", SCREEN, "everywhere",
              aliases=("alt+4",), leader=("4",), section="panes",
              title="Focus inspector", help="Move the focus to the prompt inspector"),
    KeyAction("shrink-pane", "resize_pane(-2)", "Narrower pane", SCREEN, "everywhere", aliases=("alt+left",),
              leader=("less_than_sign",), section="panes",
              title="Narrower pane", help="Narrow the focused side pane, or the chat when it has the focus"),
    KeyAction("grow-pane", "resize_pane(2)", "Wider pane", SCREEN, "everywhere", aliases=("alt+right",),
              leader=("greater_than_sign",), section="panes",
              title="Wider pane", help="Widen the focused side pane, or the chat when it has the focus"),
    # ---- the open chat (whatever has the focus) ----------------------------------------------------------------
    _chat("regenerate", "regenerate", "Regenerate", "alt+r", ("r",),
          "Regenerate", "A new version of the last reply, kept as a swipe"),
    _chat("swipe-left", "swipe(-1)", "Swipe left", "alt+comma", ("comma", "left_square_bracket"),
          "Swipe left", "Show the previous version of the last reply"),
    _chat("swipe-right", "swipe(1)", "Swipe right", "alt+full_stop", ("full_stop", "right_square_bracket"),
          "Swipe right", "Next version; past the last one writes a new one"),
    _chat("new-swipe", "new_swipe", "New swipe", "alt+w", ("w",),
          "New swipe", "Write another version of the last reply"),
    _chat("continue", "continue_reply", "Continue", "alt+c", ("c",), "Continue reply", "Extend the last message"),
    _chat("impersonate", "impersonate", "Impersonate", "alt+i", ("i",),
          "Impersonate", "Write your next message into the composer"),
    _chat("edit-message", "edit_message", "Edit message", "alt+e", ("e",),
          "Edit message", "Edit the selected (else last) message"),
    _chat("edit-message-external", "edit_message_external", "Edit in $EDITOR", "alt+o", ("o",),
          "Edit message in $EDITOR", "Edit the selected message in your editor"),
    _chat("delete-messages", "delete_messages", "Delete messages", "alt+d", ("d",),
          "Delete messages", "Tick one or several messages to delete, then confirm"),
    _chat("toggle-hidden", "toggle_hidden", "Hide/unhide", "alt+h", ("h",),
          "Hide/unhide message", "Keep the message but leave it out of the prompt"),
    _chat("insert-narrator", "insert_narrator", "Narrator message", "alt+n", ("n",),
          "Insert narrator message", "A system/narrator message after the selected one"),
    _chat("branch", "branch_here", "Branch", "alt+b", ("b",),
          "Branch from message", "A new chat holding the messages up to the selected one"),
    _chat("delete-swipe", "delete_swipe", "Delete swipe", "alt+x", ("x",),
          "Delete this version", "Delete the shown swipe of the selected message (its only one: the message)"),
    _chat("checkpoint", "checkpoint_here", "Checkpoint", "alt+v", ("v",),
          "Checkpoint at message", "Save the messages up to the selected one as a linked chat, not opened"),
    _chat("parent-chat", "parent_chat", "Parent chat", "", ("circumflex_accent",),
          "Back to the parent chat", "Open the chat this checkpoint or branch was made from"),
    _chat("choose-greeting", "choose_greeting", "Greeting", "alt+g", ("g",),
          "Choose greeting", "Pick the greeting this new chat starts with"),
    _chat("authors-note", "authors_note", "Author's note", "alt+a", ("a",),
          "Author's note", "This chat's author's note, position and depth"),
    _chat("scenario-override", "scenario", "Scenario", "alt+s", ("s",),
          "Scenario override", "A scenario for this chat only"),
    _chat("chat-lorebook", "chat_lorebook", "Chat lorebook", "alt+l", ("l",),
          "Chat lorebook", "Bind a lorebook from the worlds folder to this chat"),
    _chat("search-chat", "search_chat", "Search chat", "", ("slash",),
          "Search this chat", "Find messages and jump to them", keys=("ctrl+f",)),
    _chat("search-all", "search_all", "Search all chats", "alt+f", ("f",),
          "Search all chats", "Find messages in every chat and open the chat there"),
    _chat("chats", "chats", "Chats", "", ("k",),
          "Chats", "This character's chats: open, new, rename, delete, branch", keys=("f8",)),
    _chat("personas", "personas", "Personas", "", ("u",),
          "Personas", "Who you play: create, edit, default, this chat's choice", keys=("f9",)),
    # The editors of what shapes the request (ui/workshop).
    _chat("prompt-manager", "prompt_manager", "Prompt manager", "", ("P",),
          "Prompt manager", "Chat completion's prompts: order, on/off, text, role, position, add, delete"),
    _chat("lorebook-editor", "lorebook_editor", "Lorebooks", "", ("W",),
          "Lorebook editor", "The chat's and character's lorebooks and world files: entries and all their fields"),
    _chat("templates", "templates", "Templates", "", ("T",),
          "Text completion templates", "Instruct, context and system prompt; instruct options, stop strings"),
    _chat("edit-chat-card", "edit_chat_card", "Edit card", "", ("E",),
          "Edit this chat's card", "Every field of the open chat's character, its note too; used at once"),
    # ---- the chat log (single keys while it has the focus) -----------------------------------------------------
    _log("r", "regenerate", "Regenerate"),
    _log("left_square_bracket", "swipe(-1)", "Swipe left"),
    _log("right_square_bracket", "swipe(1)", "Swipe right"),
    _log("w", "new_swipe", "New swipe"),
    _log("c", "continue_reply", "Continue"),
    _log("i", "impersonate", "Impersonate"),
    _log("e", "edit_message", "Edit message"),
    _log("o", "edit_message_external", "Edit in $EDITOR"),
    _log("d", "delete_messages", "Delete messages"),
    _log("h", "toggle_hidden", "Hide/unhide"),
    _log("n", "insert_narrator", "Narrator message"),
    _log("b", "branch_here", "Branch"),
    _log("x", "delete_swipe", "Delete swipe"),
    _log("v", "checkpoint_here", "Checkpoint"),
    KeyAction("copy-message", "copy_message", "Copy message", CHAT_LOG, "chat log", keys=("y",), leader=("y",),
              section="chat", show=True,
              title="Copy message", help="Copy the selected (else the last) message to the clipboard"),
    # ---- moving in lists, the chat log and read-only views: the screen checks what has the focus (check_action),
    # and text fields consume these keys before bindings see them ------------------------------------------------
    KeyAction("vim-down", "vim('down')", "Down", SCREEN, "lists", keys=("j",)),
    KeyAction("vim-up", "vim('up')", "Up", SCREEN, "lists", keys=("k",)),
    KeyAction("vim-top", "vim('top')", "Top", SCREEN, "lists", keys=("g",)),
    KeyAction("vim-bottom", "vim('bottom')", "Bottom", SCREEN, "lists", keys=("G", "shift+g")),
    # ---- the composer ------------------------------------------------------------------------------------------
    KeyAction("scroll-chat-up", "screen.scroll_chat(-1)", "Scroll chat up", COMPOSER, "composer",
              keys=("pageup",)),
    KeyAction("scroll-chat-down", "screen.scroll_chat(1)", "Scroll chat down", COMPOSER, "composer",
              keys=("pagedown",)),
    # ---- the library: printable keys typed there filter it, so its commands are behind the leader --------------
    KeyAction("cards-detail", "detail", "Details", CARD_LIST, "library", leader=("i",), section="library",
              title="Cards: details", help="Every field, greetings, lorebook, token cost"),
    KeyAction("cards-import", "import_cards", "Import", CARD_LIST, "library", leader=("a",), section="library",
              title="Cards: import", help="Copy a card file or a folder of cards into the library"),
    KeyAction("cards-export", "export_card", "Export", CARD_LIST, "library", leader=("x",), section="library",
              title="Cards: export", help="Write the highlighted card as PNG, JSON or CHARX"),
    KeyAction("cards-duplicate", "duplicate_card", "Duplicate", CARD_LIST, "library", leader=("c",),
              section="library", title="Cards: duplicate", help="Copy the highlighted card"),
    KeyAction("cards-delete", "delete_card", "Delete", CARD_LIST, "library", keys=("delete",), leader=("d",),
              section="library", show=True,
              title="Cards: delete", help="Delete the highlighted card file, after asking"),
    KeyAction("cards-create", "create_card", "New card", CARD_LIST, "library", leader=("n",), section="library",
              title="Cards: create", help="A new card, then its fields"),
    KeyAction("cards-edit", "edit_card", "Edit", CARD_LIST, "library", leader=("e",), section="library",
              title="Cards: edit", help="Edit the highlighted card's fields; ctrl+e for $EDITOR"),
    KeyAction("cards-sort", "cycle_sort", "Sort", CARD_LIST, "library", leader=("s",), section="library",
              title="Cards: change sort", help="Name, recently chatted, date added, tag (favourites first)"),
    KeyAction("cards-favourite", "toggle_favourite", "Favourite", CARD_LIST, "library", leader=("f",),
              section="library", title="Cards: favourite", help="Mark or unmark the highlighted card (listed first)"),
    KeyAction("cards-folders", "toggle_folders", "Tag folders", CARD_LIST, "library", leader=("o",),
              section="library", title="Cards: tags as folders",
              help="A folder row per tag (enter opens it, backspace or the back row leaves it), or a flat list"),
    KeyAction("cards-tags", "edit_tags", "Tags", CARD_LIST, "library", leader=("g",), section="library",
              title="Cards: edit tags", help="Tick several cards, then add (+tag) and remove (-tag) tags"),
    KeyAction("cards-filter", "focus_filter", "Filter", CARD_LIST, "library", leader=("slash",), section="library",
              title="Cards: filter", help="Filter the character list by name, creator or #tag"),
    # ---- the connections pane ----------------------------------------------------------------------------------
    KeyAction("conn.test", "act('test')", "Test", CONNECTION_PANE, "connections", keys=("t",), show=True),
    KeyAction("conn.edit", "act('edit')", "Edit", CONNECTION_PANE, "connections", keys=("e",), show=True),
    KeyAction("conn.add", "act('add')", "Add", CONNECTION_PANE, "connections", keys=("a",), show=True),
    KeyAction("conn.model", "act('model')", "Model", CONNECTION_PANE, "connections", keys=("m",), show=True),
    KeyAction("conn.discover", "act('discover')", "Discover", CONNECTION_PANE, "connections", keys=("d",),
              show=True),
    KeyAction("conn.default", "act('default')", "Default", CONNECTION_PANE, "connections", keys=("s",)),
    KeyAction("conn.remove", "act('remove')", "Remove", CONNECTION_PANE, "connections", keys=("x", "delete")),
    # ---- the prompt inspector ----------------------------------------------------------------------------------
    KeyAction("inspector.next-view", "next_view", "Next view", INSPECTOR, "inspector", keys=("tab",), show=True,
              title="Inspector: next view", help="Request, sections, dropped & lore, diff"),
    KeyAction("inspector.previous-view", "previous_view", "Previous view", INSPECTOR, "inspector",
              keys=("shift+tab",)),
    KeyAction("inspector.copy-json", "copy_json", "Copy JSON", INSPECTOR, "inspector", keys=("c",), show=True,
              title="Inspector: copy request as JSON", help="Copy the next request's body to the clipboard"),
    KeyAction("inspector.copy-curl", "copy_curl", "Copy curl", INSPECTOR, "inspector", keys=("u",), show=True,
              title="Inspector: copy request as curl", help="Copy a curl command for the next request, key masked"),
    KeyAction("inspector.save", "save", "Save", INSPECTOR, "inspector", keys=("s",), show=True,
              title="Inspector: save request to a file", help="Save the body (.json) or a curl command (.sh)"),
    KeyAction("inspector.diff-previous", "diff_previous", "Diff last", INSPECTOR, "inspector", keys=("d",),
              show=True, title="Inspector: diff with the last prompt sent",
              help="What changed since the last request in this chat"),
    KeyAction("inspector.diff-other", "diff_other", "Diff conn", INSPECTOR, "inspector", keys=("o",), show=True,
              title="Inspector: diff with another connection", help="The same turn built for another connection"),
    KeyAction("inspector.show-all", "toggle_all", "Show all", INSPECTOR, "inspector", keys=("a",)),
    KeyAction("inspector.edit-source", "edit_source", "Edit source", INSPECTOR, "inspector", keys=("e",),
              title="Inspector: edit the source", help="Open the editor for where the highlighted section came from"),
    # ---- palette only ------------------------------------------------------------------------------------------
    KeyAction("add-connection", "add_connection", "Add connection", SCREEN, "everywhere",
              title="Add connection", help="Create a new connection profile"),
    KeyAction("edit-connection", "edit_connection", "Edit connection", SCREEN, "everywhere",
              title="Edit current connection", help="Change the connection the chat uses now"),
    KeyAction("discover-servers", "discover_servers", "Discover servers", SCREEN, "everywhere",
              title="Discover local servers", help="Find LLM servers on this machine and add them as connections"),
    KeyAction("import-sillytavern", "import_sillytavern", "Import from SillyTavern", SCREEN, "everywhere",
              title="Import from SillyTavern…",
              help="Characters, chats, personas, presets, world info and tags from a SillyTavern data folder"),
    KeyAction("welcome", "welcome", "Set up a connection", SCREEN, "everywhere",
              title="Set up a connection", help="The first-run welcome: server, URL, key, model and a test message"),
)

BY_ID: dict[str, KeyAction] = {entry.id: entry for entry in ENTRIES}


def bindings_for(owner: str) -> list[BindingType]:
    """The BINDINGS of the class that `owner` names: one Binding per entry with keys, keyed by its id."""
    return [
        Binding(",".join(entry.bound), entry.action, entry.description, show=entry.show, priority=entry.priority,
                id=entry.id)
        for entry in ENTRIES
        if entry.owner == owner and entry.bound
    ]


# ---- keys as people read them ----------------------------------------------------------------------------------
_NAMES = {"escape": "esc", "question_mark": "?", "space": "space"}


def normalize_key(key: str) -> str:
    """A key as Textual names it: "," → "comma", "ctrl+?" → "ctrl+question_mark" (keymap.json may use either)."""
    *modifiers, base = key.strip().split("+") if key.strip() != "+" else ["+"]
    if len(base) == 1 and not base.isalnum():
        base = _character_to_key(base)
    return "+".join([*modifiers, base])


def key_label(key: str) -> str:
    """A Textual key name as it is read: "left_square_bracket" → "[", "ctrl+j" stays, "escape" → "esc"."""
    *modifiers, base = key.split("+")
    shown = _NAMES.get(base, base)
    if len(base) > 1 and base not in _NAMES:
        try:  # "slash" → "/": the Unicode name Textual derives key names from
            character = key_to_character(base) or unicodedata.lookup(
                _get_unicode_name_from_key(REPLACED_KEYS.get(base, base)))
        except KeyError:
            character = None
        if character is not None and len(character) == 1 and character.isprintable() and not character.isspace():
            shown = character
    return "+".join([*modifiers, shown])


def keys_label(keys: Iterable[str], leader: str | None = None) -> str:
    """Several keys (or leader sequences) for one action: "ctrl+j / ctrl+enter", "ctrl+g , / ctrl+g [". """
    prefix = f"{key_label(leader)} " if leader else ""
    return " / ".join(prefix + key_label(key) for key in keys)


# ---- the keys in force (defaults with the user's keymap applied) -----------------------------------------------
def live_keys(entry: KeyAction, keymap: Mapping[str, str]) -> tuple[str, ...]:
    """The binding's keys now: the keymap replaces all of them, aliases included (as Textual does)."""
    if entry.bound and entry.id in keymap:
        return tuple(k for k in keymap[entry.id].split(",") if k)
    return entry.bound


def documented_keys(entry: KeyAction, keymap: Mapping[str, str]) -> tuple[str, ...]:
    """What help shows: the live keys without the default aliases still in force."""
    return tuple(key for key in live_keys(entry, keymap) if key not in entry.aliases)


def live_leader_keys(entry: KeyAction, keymap: Mapping[str, str]) -> tuple[str, ...]:
    if entry.leader and entry.leader_id in keymap:
        return tuple(normalize_key(k) for k in keymap[entry.leader_id].split(",") if k)
    return entry.leader


def leader_key(keymap: Mapping[str, str]) -> str:
    keys = live_keys(BY_ID[LEADER_ID], keymap)
    return keys[0] if keys else "ctrl+g"


def leader_sections(context: str) -> tuple[str, ...]:
    """The overlay's sections for the focused pane: the library's commands take the chat's letters there."""
    if context == "library":
        return ("library", "panes", "connection", "general")
    return ("chat", "panes", "connection", "general")


LEADER_CONTEXTS = ("chat", "library")


def leader_entries(context: str) -> list[KeyAction]:
    sections = leader_sections(context)
    return sorted((e for e in ENTRIES if e.leader and e.section in sections), key=lambda e: sections.index(e.section))


# ---- README ------------------------------------------------------------------------------------------------------
def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def _code(keys: str) -> str:
    # Inline code with a backtick-free delimiter; "`" never appears in our keys.
    return " / ".join(f"`{part}`" for part in keys.split(" / "))


def markdown(keymap: Mapping[str, str] | None = None) -> str:
    """The README's key tables: the direct keys per pane, then what follows the leader, per overlay section."""
    keymap = keymap or {}
    out: list[str] = []
    for group, title in GROUP_TITLES.items():
        rows = [(e, documented_keys(e, keymap)) for e in ENTRIES if e.group == group]
        rows = [(e, keys) for e, keys in rows if keys]
        if not rows:
            continue
        out += [f"**{title}**", "", "| Keys | Action | Binding id |", "| --- | --- | --- |"]
        out += [f"| {_cell(_code(keys_label(keys)))} | {_cell(e.description)} | `{e.id}` |" for e, keys in rows]
        out.append("")
    leader = leader_key(keymap)
    for section, title in LEADER_TITLES.items():
        rows = [(e, live_leader_keys(e, keymap)) for e in ENTRIES if e.section == section and e.leader]
        if not rows:
            continue
        out += [f"**{key_label(leader)} then … — {title}**", "", "| Keys | Action | Binding id |",
                "| --- | --- | --- |"]
        out += [f"| {_cell(_code(keys_label(keys, leader)))} | {_cell(e.description)} | `{e.leader_id}` |"
                for e, keys in rows]
        out.append("")
    return "\n".join(out).rstrip("\n") + "\n"


def main(argv: Sequence[str]) -> int:
    if list(argv) != ["--markdown"]:
        print("usage: python -m tavo_tui.ui.keys.registry --markdown", file=sys.stderr)
        return 2
    sys.stdout.write(markdown())
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
