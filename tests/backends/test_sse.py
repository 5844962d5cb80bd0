"""The SSE reader: every tolerance rule of the reference (§0.1), and chunk-boundary independence."""

from __future__ import annotations

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from tavo_tui.backends.ndjson import NDJSONError, NDJSONParser
from tavo_tui.backends.sse import SSEEvent, SSEParser


def parse(*chunks: bytes) -> list[SSEEvent]:
    parser = SSEParser()
    events: list[SSEEvent] = []
    for chunk in chunks:
        events += parser.feed(chunk)
    return events + parser.close()


def datas(*chunks: bytes) -> list[str]:
    return [e.data for e in parse(*chunks)]


def test_lf_crlf_and_cr_separators_give_the_same_events() -> None:
    for sep in ("\n", "\r\n", "\r"):
        body = f"data: one{sep}{sep}data: two{sep}{sep}".encode()
        assert datas(body) == ["one", "two"], repr(sep)


def test_mixed_line_endings_within_one_stream() -> None:
    assert datas(b"data: a\r\n\r\ndata: b\n\ndata: c\r\r") == ["a", "b", "c"]


def test_crlf_split_between_chunks_is_one_line_break() -> None:
    # "\r" at the end of a chunk and "\n" at the start of the next must not make an extra blank line.
    assert datas(b"data: a\r", b"\ndata: b\r\n\r\n") == ["a\nb"]


def test_one_optional_space_is_stripped_only() -> None:
    assert datas(b"data:  two spaces\n\ndata:none\n\n") == [" two spaces", "none"]


def test_multiple_data_lines_are_joined_with_newline() -> None:
    assert datas(b"data: first\ndata: second\ndata:\ndata: fourth\n\n") == ["first\nsecond\n\nfourth"]


def test_comments_and_pings_are_ignored() -> None:
    body = b": ping - 2024-01-01 00:00:00\n\n: keep-alive\n\n: OPENROUTER PROCESSING\n\ndata: x\n\n"
    assert datas(body) == ["x"]


def test_event_id_and_retry_fields() -> None:
    events = parse(b"event: message_start\nid: 7\nretry: 1500\ndata: {}\n\ndata: next\n\n")
    assert events[0] == SSEEvent(data="{}", event="message_start", id="7", retry=1500)
    # The event name resets per event; the last id persists as in the SSE spec.
    assert events[1] == SSEEvent(data="next", event="message", id="7", retry=None)


def test_empty_data_events_are_skipped() -> None:
    assert datas(b"data:\n\ndata: \n\nevent: ping\n\ndata: real\n\n") == ["real"]


def test_eof_without_trailing_blank_line_flushes_last_event() -> None:
    assert datas(b"data: a\n\ndata: [DONE]") == ["a", "[DONE]"]
    assert datas(b"data: [DONE]\n") == ["[DONE]"]
    assert datas(b"data: [DONE]\r") == ["[DONE]"]


def test_utf8_character_split_across_chunks() -> None:
    body = "data: café ☕ 🐉\n\n".encode()
    # Feed one byte at a time: every multi-byte char is split.
    assert datas(*[body[i : i + 1] for i in range(len(body))]) == ["café ☕ 🐉"]


def test_unknown_fields_ignored_and_old_llamacpp_error_field_kept() -> None:
    events = parse(b"foo: bar\ndata: ok\n\nerror: {\"code\":400,\"message\":\"too long\"}\n\ndata: [DONE]\n\n")
    assert [(e.event, e.data) for e in events] == [
        ("message", "ok"),
        ("error", '{"code":400,"message":"too long"}'),
        ("message", "[DONE]"),
    ]


def test_field_without_colon_and_leading_bom() -> None:
    assert datas("\ufeffdata: a\n\ndata\ndata: b\n\n".encode()) == ["a", "\nb"]


def test_invalid_utf8_is_replaced_not_fatal() -> None:
    assert datas(b"data: \xff ok\n\n") == ["\ufffd ok"]


RECORDED = (
    'data: {"choices":[{"delta":{"role":"assistant","content":""}}]}\n\n'
    ": keep-alive\n\n"
    'data: {"choices":[{"delta":{"reasoning_content":"thinking…"}}]}\r\n\r\n'
    'data: {"choices":[{"delta":{"content":"Ça va? ☕"}}]}\r\r'
    "event: custom\nid: 3\ndata: line one\ndata: line two\n\n"
    'data: {"choices":[{"delta":{"content":"🐉"},"finish_reason":"stop"}]}\n\n'
    "data: [DONE]"
).encode()


@settings(max_examples=300, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=len(RECORDED)), max_size=12))
def test_random_byte_boundaries_give_identical_events(cuts: list[int]) -> None:
    points = [0, *sorted(cuts), len(RECORDED)]
    chunks = [RECORDED[a:b] for a, b in itertools.pairwise(points)]
    assert parse(*chunks) == parse(RECORDED)
    assert len(parse(RECORDED)) == 6


def test_ndjson_objects_across_and_within_chunks() -> None:
    parser = NDJSONParser()
    out = parser.feed(b'{"a": 1}\n{"b": "caf')
    out += parser.feed("é\"}\n\n{\"c\": 3}".encode()[0:7])
    out += parser.feed("é\"}\n\n{\"c\": 3}".encode()[7:])
    out += parser.close()
    assert out == [{"a": 1}, {"b": "café"}, {"c": 3}]


def test_ndjson_bad_line_is_a_clear_error() -> None:
    parser = NDJSONParser()
    try:
        parser.feed(b"not json\n")
    except NDJSONError as exc:
        assert "not JSON" in str(exc)
    else:
        raise AssertionError("expected NDJSONError")
