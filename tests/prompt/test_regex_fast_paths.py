"""The regex-script fast paths (a constant replacement, a plain group template) give exactly what the general
per-match path gives."""

from __future__ import annotations

import pytest

from tavo_tui.model.regex_script import RegexScript
from tavo_tui.prompt import regex_scripts
from tavo_tui.prompt.regex_scripts import run_script

CASES = [
    ("/dragon/gi", "wyrm", "The Dragon met a dragon."),
    ("/(\\w+) lantern/g", "$1 lamp", "the old lantern and a red lantern"),
    ("/(a)|(b)/g", "[$1|$2]", "abc"),  # an unmatched group is empty
    ("/(x)(y)?/", "$2$1$1", "xz"),
    ("/storm(s)?/i", "{{match}}!", "Storms and a storm"),
    ("/ +$/gm", "", "line one   \nline two  "),
    ("ancient", "[$0]", "ancient ancient"),  # no g flag: the first only
    ("/(q)/g", "$9", "qq"),  # a group the pattern lacks: empty
]


def script(find: str, replace: str) -> RegexScript:
    return RegexScript.from_raw({"scriptName": "t", "findRegex": find, "replaceString": replace, "placement": [2]})


@pytest.mark.parametrize(("find", "replace", "text"), CASES)
def test_fast_paths_equal_the_general_path(find: str, replace: str, text: str,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    fast = run_script(script(find, replace), text, lambda t: t)
    monkeypatch.setattr(regex_scripts, "_group_template", lambda parts, groups: None)
    slow = run_script(script(find, replace), text, lambda t: t)
    assert fast == slow


def test_macros_in_the_text_or_the_replacement_still_expand_per_match() -> None:
    calls: list[str] = []

    def substitute(text: str) -> str:
        calls.append(text)
        return text.replace("{{user}}", "Sam")

    assert run_script(script("/x/g", "{{user}}"), "x x", substitute) == "Sam Sam" and len(calls) == 2
    assert run_script(script("/(\\{\\{user\\}\\})/g", "<$1>"), "hi {{user}}", substitute) == "hi <Sam>"


BOUNDED = [r"\bdragon\b", r"(\w+) lantern", r" +$", r"\b(silver|golden)\b", r"ancient (\w+)", "tavern",
           r"\{\{char\}\} says", r"(?<=the )forest", r"\.\.\.", r"[\s\S]*?x", r"a{2,3}b+", r"[]a*]+", r"\p{L}+x"]
UNBOUNDED = [r"(a|aa)+$", r"(a+)+b", r"a*a*b", r"\w+\w+x", r"(x)\1", r"(?:ab)*", r"a{2,}b{3,}", r"a?b?c?",
             r"[[:alpha:]]+", r"(?P<n>a)(?P=n)", r"a{e<=1}", r"a|b|c|d|e|f|g|h|i", r"storm(s)?", "[unclosed"]


def test_only_patterns_that_cannot_backtrack_long_skip_the_timeout() -> None:
    assert [p for p in BOUNDED if not regex_scripts.bounded_pattern(p)] == []
    assert [p for p in UNBOUNDED if regex_scripts.bounded_pattern(p)] == []


def test_a_catastrophic_script_on_a_short_text_is_still_cut_by_the_timeout() -> None:
    run = regex_scripts.RegexRun()
    text = "a" * 40 + "!"
    assert run_script(script("/(a|aa)+$/", "x"), text, lambda t: t, run) == text
    assert run.problems and "ran past" in run.problems[0]


def test_depth_classes_group_depths_with_the_same_scripts_in_range() -> None:
    near = RegexScript.from_raw({"findRegex": "/a/g", "placement": [1, 2], "promptOnly": True, "maxDepth": 3})
    far = RegexScript.from_raw({"findRegex": "/b/g", "placement": [1, 2], "promptOnly": True, "minDepth": 2})
    regex = regex_scripts.prompt_regex([near, far])
    assert regex is not None and regex.cap == 4
    assert [regex.depth_class(d) for d in range(-1, 9)] == [-1, -1, -1, 2, 2, 4, 4, 4, 4, 4]


def test_a_memoised_history_with_depth_limited_scripts_equals_a_fresh_one() -> None:
    from tavo_tui.model import Card, ConnectionProfile, Message
    from tavo_tui.prompt import assemble
    from tavo_tui.prompt.tokens import TokenCounter

    scripts = [RegexScript.from_raw({"findRegex": "/lamp/g", "replaceString": "LAMP", "placement": [1, 2],
                                     "promptOnly": True, "maxDepth": 2}),
               RegexScript.from_raw({"findRegex": "/oil/g", "replaceString": "OIL", "placement": [1, 2],
                                     "promptOnly": True, "minDepth": 3})]
    card = Card(name="Keeper", first_mes="The lamp is lit.")
    profile = ConnectionProfile(name="p", model="gpt-4o", max_context=4000, max_tokens=100)
    history = [Message(name="Keeper", is_user=False, mes="The lamp is lit.")]
    shared = TokenCounter("estimate", False)
    for i in range(8):
        history.append(Message(name="Sam" if i % 2 == 0 else "Keeper", is_user=i % 2 == 0,
                               mes=f"lamp and oil number {i}"))
        memo = assemble(card, history, user_name="Sam", profile=profile, counter=shared, regex_scripts=scripts)
        fresh = assemble(card, history, user_name="Sam", profile=profile, counter=TokenCounter("estimate", False),
                         regex_scripts=scripts)
        assert memo.messages == fresh.messages
    texts = [m["content"] for m in memo.messages if "number" in m["content"]]
    assert "LAMP and oil number 7" in texts[-1] and "lamp and OIL number 0" in texts[0]
