"""Client-side stop strings and <think> splitting, fed in every possible chunking."""

from __future__ import annotations

import itertools
from collections.abc import AsyncGenerator

from hypothesis import given
from hypothesis import strategies as st

from tavo_tui.backends.base import Finish, ReasoningDelta, Reply, StreamEvent, TextDelta
from tavo_tui.backends.shaping import ReplyShaper, shape_reply, shaped
from tavo_tui.backends.stops import StopTrimmer
from tavo_tui.backends.think import ThinkSplitter


def _chunks(text: str, cuts: list[int]) -> list[str]:
    points = sorted({c % (len(text) + 1) for c in cuts} | {0, len(text)})
    return [text[a:b] for a, b in itertools.pairwise(points)]


def _feed_stops(stops: list[str], pieces: list[str]) -> tuple[str, bool]:
    trimmer = StopTrimmer(stops)
    out = "".join(trimmer.feed(p) for p in pieces) + trimmer.flush()
    return out, trimmer.stopped


def test_stop_split_across_chunks_is_trimmed() -> None:
    out, stopped = _feed_stops(["\nYou:"], ["Fine, thanks.\n", "Yo", "u: what?"])
    assert out == "Fine, thanks." and stopped


def test_partial_stop_that_never_completes_is_released() -> None:
    trimmer = StopTrimmer(["\nYou:"])
    assert trimmer.feed("Hello\nYo") == "Hello"  # "\nYo" held: might become the stop
    assert trimmer.feed("yo!") == "\nYoyo!"
    assert trimmer.flush() == "" and not trimmer.stopped


def test_earliest_of_several_stops_wins_and_nothing_after_it_comes_out() -> None:
    trimmer = StopTrimmer(["</s>", "\n"])
    assert trimmer.feed("a</s>b\nc") == "a" and trimmer.matched == "</s>"
    assert trimmer.feed("more") == "" and trimmer.flush() == ""


@given(
    st.text(alphabet="ab:\nYou", max_size=30),
    st.lists(st.integers(min_value=0, max_value=40), max_size=6),
)
def test_any_chunking_gives_the_same_result_as_the_whole_text(text: str, cuts: list[int]) -> None:
    stops = ["\nYou:", "ab:"]
    whole = StopTrimmer(stops).trim(text)
    firsts = [i for i in (text.find(s) for s in stops) if i >= 0]
    assert whole == (text[: min(firsts)] if firsts else text)
    assert _feed_stops(stops, _chunks(text, cuts))[0] == whole


def _split(pieces: list[str], inside: bool = False) -> tuple[str, str]:
    splitter = ThinkSplitter(inside=inside)
    visible, reasoning = [], []
    for piece in pieces:
        v, r = splitter.feed(piece)
        visible.append(v)
        reasoning.append(r)
    v, r = splitter.flush()
    return "".join(visible) + v, "".join(reasoning) + r


def test_think_tags_split_across_chunks() -> None:
    assert _split(["<thi", "nk>plan ", "it</th", "ink>\n\nHello", " there"]) == ("Hello there", "plan it")


def test_reply_that_starts_inside_a_thought() -> None:
    assert _split(["weighing options", "</think>", "\nDone."], inside=True) == ("Done.", "weighing options")


def test_angle_brackets_that_are_not_tags_pass_through() -> None:
    assert _split(["a <b> c <th", "e end"]) == ("a <b> c <the end", "")


@given(st.lists(st.integers(min_value=0, max_value=60), max_size=8))
def test_think_split_is_independent_of_chunking(cuts: list[int]) -> None:
    text = "Intro <think>hidden <x> plan</think>\n\nVisible </thin reply"
    assert _split(_chunks(text, cuts)) == _split([text]) == ("Intro Visible </thin reply", "hidden <x> plan")


async def _events(*events: StreamEvent) -> AsyncGenerator[StreamEvent, None]:
    for event in events:
        yield event


async def test_shaped_stream_stops_early_and_closes_the_source() -> None:
    closed = []

    async def source() -> AsyncGenerator[StreamEvent, None]:
        try:
            for piece in ["<think>hm</think>Hi", " there\nYo", "u: next", " never"]:
                yield TextDelta(piece)
            yield Finish("length")
        finally:
            closed.append(True)

    got = [e async for e in shaped(source(), ["\nYou:"])]
    assert got == [ReasoningDelta("hm"), TextDelta("Hi"), TextDelta(" there"), Finish("stop")]
    assert closed == [True]


async def test_shaped_stream_without_finish_is_incomplete() -> None:
    got = [e async for e in shaped(_events(TextDelta("partial")), [])]
    assert got == [TextDelta("partial"), Finish(None)]


def test_shape_reply_trims_and_splits_whole_replies() -> None:
    reply = shape_reply(Reply("<think>why</think>Answer.\nYou: x", "", "length", {"n": 1}), ["\nYou:"])
    assert (reply.text, reply.reasoning, reply.finish_reason, reply.usage) == ("Answer.", "why", "stop", {"n": 1})


def test_reasoning_events_are_never_stop_trimmed() -> None:
    shaper = ReplyShaper(["STOP"])
    assert shaper.feed(ReasoningDelta("STOP thinking")) == [ReasoningDelta("STOP thinking")]
    assert not shaper.stopped
