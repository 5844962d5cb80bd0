"""Prompt post-processing: the converter examples of sillytavern.md §3.6 plus property tests."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tavo_tui.prompt import convert

PH = "[Start a new chat]"


def S(content: str, name: str | None = None) -> dict[str, Any]:
    return {"role": "system", "content": content, **({"name": name} if name else {})}


def U(content: str, name: str | None = None) -> dict[str, Any]:
    return {"role": "user", "content": content, **({"name": name} if name else {})}


def A(content: str, name: str | None = None) -> dict[str, Any]:
    return {"role": "assistant", "content": content, **({"name": name} if name else {})}


SPEC_INPUT = [
    S("Main prompt"),
    S("Char description"),
    S("[Example Chat]"),
    S("Hi", "example_user"),
    S("Hello!", "example_assistant"),
    S("[Start a new Chat]"),
    A("Greeting"),
    U("Question"),
    S("PHI"),
]
MERGED_SYSTEM = "Main prompt\n\nChar description\n\n[Example Chat]\n\nUser: Hi\n\nBot: Hello!\n\n[Start a new Chat]"


def run(messages: list[dict[str, Any]], mode: str) -> list[dict[str, Any]]:
    return convert(messages, mode, char_name="Bot", user_name="User")


def test_none_is_unchanged_copy() -> None:
    out = run(SPEC_INPUT, "none")
    assert out == SPEC_INPUT
    assert out[0] is not SPEC_INPUT[0]


def test_merge() -> None:
    assert run(SPEC_INPUT, "merge") == [S(MERGED_SYSTEM), A("Greeting"), U("Question"), S("PHI")]


def test_semi() -> None:
    assert run(SPEC_INPUT, "semi") == [S(MERGED_SYSTEM), A("Greeting"), U("Question\n\nPHI")]


def test_strict() -> None:
    assert run(SPEC_INPUT, "strict") == [S(MERGED_SYSTEM), U(PH), A("Greeting"), U("Question\n\nPHI")]


def test_single() -> None:
    expected = MERGED_SYSTEM + "\n\nBot: Greeting\n\nUser: Question\n\nPHI"
    assert run(SPEC_INPUT, "single") == [U(expected)]


def test_strict_without_system_starts_with_placeholder() -> None:
    assert run([A("Greeting"), U("Q")], "strict") == [U(PH), A("Greeting"), U("Q")]


def test_semi_keeps_leading_system_and_assistant() -> None:
    assert run([S("s"), A("a")], "semi") == [S("s"), A("a")]


def test_merge_prefixes_names() -> None:
    out = run([U("x", "Alice"), A("y", "Bob"), A("z")], "merge")
    assert out == [U("Alice: x"), A("Bob: y\n\nz")]


def test_merge_tools() -> None:
    call = {"role": "assistant", "content": "", "tool_calls": [{"id": "1"}]}
    tool = {"role": "tool", "content": "R", "tool_call_id": "1"}
    messages = [U("Q"), call, tool, A("A")]
    assert run(messages, "merge") == [U("Q"), A(""), U("R"), A("A")]
    assert run(messages, "merge_tools") == messages


def test_empty_input_gets_placeholder() -> None:
    assert run([], "merge") == [U(PH)]


def test_unknown_mode_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="unknown prompt post-processing mode"):
        run([U("x")], "bogus")


roles = st.sampled_from(["system", "user", "assistant"])
texts = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=12)
message_lists = st.lists(st.fixed_dictionaries({"role": roles, "content": texts}), max_size=12)


def _words(messages: list[dict[str, Any]]) -> str:
    return "".join(m["content"] for m in messages)


@given(message_lists)
def test_strict_alternates_user_first(messages: list[dict[str, Any]]) -> None:
    out = run(messages, "strict")
    body = out[1:] if out[0]["role"] == "system" else out
    assert body and body[0]["role"] == "user"
    for a, b in itertools.pairwise(body):
        assert a["role"] != b["role"]
    assert all(m["role"] != "system" for m in body)


@given(message_lists)
def test_semi_has_at_most_one_system_message_first(messages: list[dict[str, Any]]) -> None:
    out = run(messages, "semi")
    systems = [i for i, m in enumerate(out) if m["role"] == "system"]
    assert systems in ([], [0])
    for a, b in itertools.pairwise(out):
        assert a["role"] != b["role"]


@given(message_lists, st.sampled_from(["merge", "semi", "strict", "single"]))
def test_no_text_lost(messages: list[dict[str, Any]], mode: str) -> None:
    out = run(messages, mode)
    joined = "\x00".join(m["content"] for m in out)
    position = 0
    for m in messages:
        found = joined.find(m["content"], position)
        assert found >= 0, (m, out)
        position = found + len(m["content"])


@given(message_lists)
def test_single_is_one_user_message(messages: list[dict[str, Any]]) -> None:
    out = run(messages, "single")
    assert len(out) == 1
    assert out[0]["role"] == "user"


@given(message_lists)
def test_merge_never_has_equal_neighbours(messages: list[dict[str, Any]]) -> None:
    out = run(messages, "merge")
    for a, b in itertools.pairwise(out):
        assert a["role"] != b["role"]
