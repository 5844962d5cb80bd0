"""Which messages take part in the prompt, answered from raw lines without parsing when that is certain."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from tavo_tui.model import Message
from tavo_tui.store import MessageList
from tavo_tui.store.jsonl import encode_message
from tavo_tui.store.messages import surely_visible


def line(obj: dict) -> bytes:
    return json.dumps(obj, separators=(",", ":")).encode()


def test_plain_lines_are_answered_without_parsing() -> None:
    assert surely_visible(line({"name": "A", "is_user": True, "is_system": False, "mes": "hi"}))
    assert surely_visible(b'{"name": "A", "is_system": false, "mes": "hi"}\r')  # spaced, with a CR
    assert surely_visible(line({"name": "A", "mes": "no key at all"}))
    # The words in the text are escaped inside the JSON string, so they are not mistaken for the key.
    assert surely_visible(line({"name": "A", "is_system": False, "mes": 'he typed "is_system":true'}))


def test_unsure_lines_say_so() -> None:
    assert not surely_visible(line({"name": "A", "is_system": True, "mes": "hidden"}))
    assert not surely_visible(line({"name": "A", "is_system": 1, "mes": "hidden, odd type"}))
    assert not surely_visible(line({"name": "A", "is_system": "true", "mes": "hidden, a string"}))
    assert not surely_visible(line({"name": "A", "extra": {"is_system": True}, "mes": "nested key"}))
    assert not surely_visible(b'{"name":"A","is_system":false,"is_system":true,"mes":"duplicate"}')
    assert not surely_visible(b'{"name":"A","is_\\u0073ystem":true,"mes":"escaped key"}')
    assert not surely_visible(b'{"name":"A","mes":"torn li')
    assert not surely_visible(b'[1, 2]')


def test_visible_positions_match_parsing_and_parse_only_unsure_lines() -> None:
    lines = [
        line({"name": "A", "is_system": False, "mes": "one"}),
        line({"name": "A", "is_system": True, "mes": "hidden"}),
        line({"name": "A", "is_system": 1, "mes": "hidden too"}),
        b'{"name":"A","mes":"damaged',
        line({"name": "A", "extra": {"is_system": True}, "mes": "visible, nested key"}),
        line({"name": "A", "mes": "visible, no key"}),
    ]
    messages = MessageList.from_lines(lines)
    assert messages.visible_positions() == [0, 4, 5]
    assert [i for i, m in enumerate(MessageList.from_lines(lines)) if not m.is_system] == [0, 4, 5]
    assert [messages.is_loaded(i) for i in range(6)] == [False, True, True, True, True, False]
    # Remembered: asking again parses nothing more, and edits through the list are followed.
    assert messages.visible_positions() == [0, 4, 5] and messages.parsed_count() == 4
    messages[5] = Message(name="A", mes="now hidden", is_system=True)
    del messages[0]
    messages.insert(0, Message(name="A", mes="new first"))
    assert messages.visible_positions() == [0, 4]
    assert [messages.maybe_hidden(i) for i in range(6)] == [False, True, True, True, False, True]


hidden_values = st.one_of(st.booleans(), st.integers(-1, 2), st.sampled_from(["true", "false", "yes", "0", None]))
payloads = st.dictionaries(st.sampled_from(["is_system", "is_user", "mes", "x"]),
                           st.one_of(st.booleans(), st.text(max_size=12)), max_size=3)
records = st.fixed_dictionaries(
    {"name": st.text(max_size=8), "mes": st.text(max_size=40)},
    optional={"is_system": hidden_values, "is_user": st.booleans(), "extra": payloads},
)


@settings(max_examples=300)
@given(st.lists(st.one_of(records.map(line), records.map(lambda r: json.dumps(r).encode()),
                          st.binary(max_size=30)), max_size=12))
def test_the_raw_answer_never_disagrees_with_parsing(lines: list[bytes]) -> None:
    # Lines that are not one JSON object decode to a hidden note. One that still looks like an object ({...})
    # can fool the raw check; the prompt engine notices when it parses such a line (tests/prompt).
    lines = [raw.replace(b"\n", b" ") for raw in lines if _is_object(raw) or not raw.strip().startswith(b"{")]
    expected = [i for i, m in enumerate(MessageList.from_lines(lines)) if not m.is_system]
    assert MessageList.from_lines(lines).visible_positions() == expected
    for raw in lines:
        if surely_visible(raw):
            assert not next(iter(MessageList.from_lines([raw]))).is_system


def _is_object(raw: bytes) -> bool:
    try:
        return isinstance(json.loads(raw), dict)
    except ValueError:
        return False


def test_messages_written_by_the_app_are_answered_from_their_bytes() -> None:
    written = [encode_message(Message(name="A", mes=f"m{i}", is_system=i % 3 == 0)) for i in range(30)]
    messages = MessageList.from_lines(written)
    assert messages.visible_positions() == [i for i in range(30) if i % 3]
    assert messages.parsed_count() == 10  # only the hidden ones were parsed to be sure
