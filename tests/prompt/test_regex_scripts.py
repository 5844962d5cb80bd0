"""Regex-extension scripts: SillyTavern's find/replace semantics and where the prompt applies them."""

from __future__ import annotations

import time
from typing import Any

import pytest

from tavo_tui.model import Card, Message
from tavo_tui.model.regex_script import RegexScript, scripts_from_json
from tavo_tui.prompt import assemble
from tavo_tui.prompt.regex_scripts import (
    AI_OUTPUT,
    USER_INPUT,
    WORLD_INFO,
    RegexRun,
    apply_scripts,
    parse_find_regex,
    run_script,
)
from tavo_tui.prompt.tokens import estimate_counter

from .conftest import bot, chat_profile, user


def script(find: str, replace: str = "", **kw: Any) -> RegexScript:
    raw: dict[str, Any] = {"id": kw.pop("id", "s"), "scriptName": kw.pop("name", "s"), "findRegex": find,
                           "replaceString": replace, "placement": kw.pop("placement", [USER_INPUT, AI_OUTPUT])}
    raw.update(kw)
    return RegexScript.from_raw(raw)


def macros(text: str) -> str:
    return text.replace("{{user}}", "Sam").replace("{{char}}", "Aria")


def run(s: RegexScript, text: str, r: RegexRun | None = None) -> str:
    return run_script(s, text, macros, r)


def test_find_regex_is_parsed_like_sillytavern() -> None:
    assert parse_find_regex("/a+b/gi").pattern == "a+b"  # type: ignore[union-attr]
    assert parse_find_regex("/a+b/gi").flags == "gi"  # type: ignore[union-attr]
    # No slashes: the whole text is the pattern, without flags (first match only).
    assert run(script("cat", "dog"), "cat cat") == "dog cat"
    # Repeated or unknown flags: the whole text is taken literally as the pattern.
    assert run(script("/cat/gg", "dog"), "cat /cat/gg") == "cat dog"
    # Slashes inside the pattern need no escaping; the last one starts the flags.
    assert run(script("/a/b/g", "x"), "a/b a/b") == "x x"


def test_global_case_multiline_and_dotall_flags() -> None:
    assert run(script("/cat/g", "dog"), "cat Cat cat") == "dog Cat dog"
    assert run(script("/cat/gi", "dog"), "cat Cat") == "dog dog"
    assert run(script("/^x/gm", "y"), "x\nx") == "y\ny"
    assert run(script("/a.b/s", "-"), "a\nb") == "-"
    assert run(script("/a.b/", "-"), "a\nb") == "a\nb"


def test_match_groups_trim_strings_and_macros() -> None:
    s = script(r"/(\w+)@(\w+)/g", "[{{match}}|$2 $1|{{user}}|$9]", trimStrings=["o"])
    # {{match}} is $0; trim strings are removed from every inserted group; macros expand in the result.
    assert run(s, "bob@home x") == "[bb@hme|hme bb|Sam|] x"
    assert run(script("/(a)|(b)/g", "<$1$2>"), "ab") == "<a><b>"  # an unmatched group is empty
    assert run(script("/x/", "$&"), "x") == "$&"  # only $digits are special


def test_substitute_regex_raw_and_escaped() -> None:
    assert run(script("/{{char}}/g", "her", substituteRegex=1), "Aria and Aria") == "her and her"
    assert run(script("/{{char}}/g", "her", substituteRegex=0), "Aria") == "Aria"

    def dotted(text: str) -> str:
        return text.replace("{{user}}", "S.m")

    escaped = script("/{{user}}/g", "U", substituteRegex=2)
    assert run_script(escaped, "S.m Sam", dotted) == "U Sam"
    assert run_script(script("/{{user}}/g", "U", substituteRegex=1), "S.m Sam", dotted) == "U U"


def test_bad_and_slow_regexes_are_skipped_with_a_note() -> None:
    r = RegexRun()
    assert run(script("/(/g", "x", name="broken"), "((", r) == "(("
    assert run(script("/a/x", "b", name="flag"), "a", r) == "a"
    start = time.monotonic()
    assert run(script("/(a|aa)+$/", "x", name="slow"), "a" * 60 + "b", r) == "a" * 60 + "b"
    # Unbounded, this pattern takes about 1e12 steps on 60 characters: any bound in seconds proves the timeout,
    # and a generous one does not fail on a loaded machine (it did once at 1 s under pytest -n 2).
    assert time.monotonic() - start < 10
    assert [p.split(":")[0] for p in r.problems] == ["broken", "flag", "slow"]
    assert "ran past" in r.problems[2]


def test_stages_placements_flags_and_depth() -> None:
    plain = script("/a/g", "1", name="plain")
    prompt_only = script("/b/g", "2", name="prompt", promptOnly=True)
    display_only = script("/c/g", "3", name="display", markdownOnly=True)
    on_edit = script("/d/g", "4", name="edit", runOnEdit=True)
    off = script("/e/g", "5", disabled=True)
    ai_only = script("/f/g", "6", placement=[AI_OUTPUT])
    deep = script("/g/g", "7", promptOnly=True, minDepth=1, maxDepth=2)
    scripts = [plain, prompt_only, display_only, on_edit, off, ai_only, deep]
    text = "abcdefg"

    def go(placement: int = USER_INPUT, **kw: Any) -> str:
        return apply_scripts(scripts, text, placement, substitute=macros, **kw)

    assert go() == "1bc4efg"  # stored: plain scripts only
    assert go(AI_OUTPUT) == "1bc4e6g"
    assert go(edit=True) == "abc4efg"  # an edit runs only run-on-edit scripts
    assert go(prompt=True, depth=0) == "a2cdefg"  # prompt-only, depth 0 below minDepth 1
    assert go(prompt=True, depth=2) == "a2cdef7"
    assert go(prompt=True, depth=3) == "a2cdefg"
    assert go(display=True) == "ab3defg"
    assert go(WORLD_INFO) == text


def test_script_files_round_trip_and_keep_unknown_keys() -> None:
    raw = {"id": "1", "scriptName": "n", "findRegex": "/x/", "replaceString": "y", "trimStrings": [],
           "placement": [2], "disabled": False, "markdownOnly": True, "promptOnly": False, "runOnEdit": True,
           "substituteRegex": 0, "minDepth": None, "maxDepth": 3, "futureKey": {"a": 1}}
    (one,) = scripts_from_json(raw)
    assert one.raw == raw and one.maxDepth == 3 and one.markdownOnly
    assert [s.raw for s in scripts_from_json([raw, raw])] == [raw, raw]
    with pytest.raises(ValueError, match="findRegex"):
        scripts_from_json([{"name": "not a script"}])
    # Odd values found in old files fall back instead of failing.
    odd = RegexScript.from_raw({"findRegex": "/x/", "placement": ["2", None], "substituteRegex": True,
                                "minDepth": "", "maxDepth": "NaN", "trimStrings": None})
    assert (odd.placement, odd.substituteRegex, odd.minDepth, odd.maxDepth, odd.trimStrings) == ([2], 1, None,
                                                                                              None, [])


def test_prompt_only_scripts_rewrite_history_with_depth_and_say_so() -> None:
    card = Card(name="Aria", first_mes="Hi.")
    scripts = [
        script("/secret/g", "[hidden]", name="hide", promptOnly=True, placement=[AI_OUTPUT]),
        script("/please/g", "pls", name="short", promptOnly=True, placement=[USER_INPUT], minDepth=0,
               maxDepth=0),
        script("/Hi/g", "Bye", name="stored"),  # plain: already applied when stored, not in the prompt
    ]
    messages = [bot("Hi. secret", "Aria"), user("please", "Sam"), bot("secret", "Aria"), user("please", "Sam")]
    result = assemble(card, messages, user_name="Sam", profile=chat_profile(), counter=estimate_counter(),
                      regex_scripts=scripts)
    contents = [m["content"] for m in result.messages[-4:]]
    assert contents == ["Hi. [hidden]", "please", "[hidden]", "pls"]
    assert "regex script changed chat history: hide" in result.notes
    assert "regex script changed chat history: short" in result.notes
    assert not any("stored" in n for n in result.notes)
    # Continuing: the message being extended is at depth -1 (below minDepth 0), the user one before it at 1.
    cont = assemble(card, messages, user_name="Sam", profile=chat_profile(), counter=estimate_counter(),
                    regex_scripts=scripts, generation_type="continue")
    assert [m["content"].strip() for m in cont.messages if m["role"] == "user"][-2:] == ["please", "please"]


def test_memoised_history_follows_depth_as_the_chat_grows() -> None:
    card = Card(name="Aria", first_mes="Hi.")
    newest_only = [script("/x/g", "y", promptOnly=True, maxDepth=0)]
    counter = estimate_counter()  # keeps the per-chat memo
    messages: list[Message] = [bot("x", "Aria")]
    first = assemble(card, messages, user_name="Sam", profile=chat_profile(), counter=counter,
                     regex_scripts=newest_only)
    assert first.messages[-1]["content"] == "y"
    messages.append(user("x", "Sam"))
    second = assemble(card, messages, user_name="Sam", profile=chat_profile(), counter=counter,
                      regex_scripts=newest_only)
    assert [m["content"] for m in second.messages[-2:]] == ["x", "y"]
    # A changed script set is not served from the memo of the old one.
    third = assemble(card, messages, user_name="Sam", profile=chat_profile(), counter=counter, regex_scripts=[])
    assert [m["content"] for m in third.messages[-2:]] == ["x", "x"]


def test_world_info_scripts_run_on_entry_texts() -> None:
    book = {"name": "w", "entries": {
        "0": {"uid": 0, "key": ["dragon"], "content": "Dragons breathe fire.", "position": 0, "order": 1},
        "1": {"uid": 1, "key": ["dragon"], "content": "DELETE ME", "position": 0, "order": 2},
        "2": {"uid": 2, "key": ["dragon"], "content": "Deep fire.", "position": 4, "depth": 3, "order": 3},
    }}
    scripts = [
        script("/fire/g", "ice", name="cold", promptOnly=True, placement=[WORLD_INFO], maxDepth=2),
        script("/DELETE ME/", "", name="drop", promptOnly=True, placement=[WORLD_INFO]),
    ]
    result = assemble(Card(name="Aria", first_mes="Hi."), [user("a dragon!", "Sam")], user_name="Sam",
                      profile=chat_profile(), counter=estimate_counter(), lorebooks=[book], regex_scripts=scripts)
    text = "\n".join(m["content"] for m in result.messages)
    assert "Dragons breathe ice." in text  # no depth for before/after entries: limits do not apply
    assert "DELETE ME" not in text
    assert "Deep fire." in text  # depth 3 is past maxDepth 2
    assert "regex script changed world info: cold" in result.notes
