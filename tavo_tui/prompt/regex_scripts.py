"""SillyTavern's regex extension (1.18's engine.js, reimplemented): find/replace scripts over message texts.

Which scripts run on a text (getRegexedString): markdown-only scripts when the text is displayed, prompt-only
ones when it goes into a prompt, and the others when a text is stored (user input, a model reply, reasoning),
never twice. Edits run only `runOnEdit` scripts. Depth limits apply where a depth is known (prompt messages,
displayed messages, world info at depth): depth 0 is the newest message. Scripts run in order: global ones,
then the character's (only once the user allowed them for that card).

The find regex is parsed like SillyTavern's `regexFromString` ("/pattern/flags", or a bare pattern without
flags) and run with the `regex` package under a timeout: a script whose pattern is invalid in JavaScript, is
not understood here, or runs too long is skipped and reported, never a crash or a hang.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

import regex

from tavo_tui.model.regex_script import (
    AI_OUTPUT,
    REASONING,
    SUBSTITUTE_ESCAPED,
    SUBSTITUTE_NONE,
    SUBSTITUTE_RAW,
    USER_INPUT,
    WORLD_INFO,
    RegexScript,
)

__all__ = [
    "AI_OUTPUT",
    "REASONING",
    "REGEX_TIMEOUT",
    "USER_INPUT",
    "WORLD_INFO",
    "RegexRun",
    "apply_scripts",
    "depth_cap",
    "parse_find_regex",
    "run_script",
    "scripts_for",
]

# Each search stops after this long (a script comes from a card or a downloaded file: /(a|aa)+$/ on a long
# reply would otherwise hold the app for minutes).
REGEX_TIMEOUT = 0.05

# SillyTavern's regexFromString: optional slashes around the pattern, then letters as flags.
_SLASHED = re.compile(r"(/?)(.+)\1([a-z]*)", re.IGNORECASE)
_VALID_FLAGS = re.compile(r"^(?!.*?(.).*?\1)[gmixXsuUAJ]+$")
_GROUP_REF = re.compile(r"\$(\d+)")
_MATCH_MACRO = re.compile(r"\{\{match\}\}", re.IGNORECASE)
_MACRO = re.compile(r"\{\{[^{}]*\}\}")
# JavaScript's "anything" class, which Python's engines reject.
_JS_ANY = re.compile(r"(?<!\\)\[\^\]")
_REGEX_SPECIAL = re.compile(r"[\n\r\t\v\f\0.^$*+?{}\[\]\\/|()]")
_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t", "\v": "\\v", "\f": "\\f", "\0": "\\0"}


@dataclass(frozen=True)
class ParsedFind:
    pattern: str
    flags: str  # JavaScript flags

    @property
    def global_(self) -> bool:
        return "g" in self.flags


def parse_find_regex(text: str) -> ParsedFind | None:
    """`/pattern/flags` -> pattern and flags, the way SillyTavern reads it: flags that are not a set of distinct
    regex-parser letters make the whole text the pattern; None when nothing can be made of it."""
    m = _SLASHED.search(text)
    if m is None:
        return None
    if m.group(3) and not _VALID_FLAGS.match(m.group(3)):
        return ParsedFind(text, "")
    return ParsedFind(m.group(2), m.group(3))


@lru_cache(maxsize=1024)
def _compiled(find: str) -> regex.Pattern[str] | str:
    """The compiled pattern, or why it cannot be used (a str)."""
    parsed = parse_find_regex(find)
    if parsed is None:
        return "empty find regex"
    flags = regex.VERSION0
    for ch in parsed.flags:
        if ch == "i":
            flags |= regex.IGNORECASE
        elif ch == "m":
            flags |= regex.MULTILINE
        elif ch == "s":
            flags |= regex.DOTALL
        elif ch not in "gu":
            # x, X, U, A, J pass the parser's check but JavaScript's RegExp rejects them (and y, d, v are not
            # flags to the parser: such a text is taken whole as the pattern).
            return f"invalid flag {ch!r}"
    pattern = _JS_ANY.sub(r"[\\s\\S]", parsed.pattern)
    try:
        return regex.compile(pattern, flags)
    except (regex.error, OverflowError, RecursionError, ValueError) as exc:
        return f"invalid regex: {exc}"


def _escape_macro(value: str) -> str:
    return _REGEX_SPECIAL.sub(lambda m: _ESCAPES.get(m.group(0), "\\" + m.group(0)), value)


@dataclass
class RegexRun:
    """What running scripts did: the labels of scripts that changed a text, and problems (skipped scripts)."""

    changed: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def note_changed(self, script: RegexScript) -> None:
        if script.label not in self.changed:
            self.changed.append(script.label)

    def note_problem(self, text: str) -> None:
        if text not in self.problems:
            self.problems.append(text)

    def notes(self, where: str) -> list[str]:
        return [f"regex script changed {where}: {label}" for label in self.changed] + [
            f"regex script skipped: {text}" for text in self.problems
        ]


def run_script(script: RegexScript, text: str, substitute: Callable[[str], str],
               run: RegexRun | None = None) -> str:
    """One script over `text` (SillyTavern's runRegexScript): the find regex (macros substituted if asked),
    every match replaced by replaceString with `{{match}}`/`$0` and `$1`... (trim strings removed from each
    inserted group) and macros substituted in the result."""
    if script.disabled or not script.findRegex or not text:
        return text
    find = script.findRegex
    if script.substituteRegex == SUBSTITUTE_RAW:
        find = substitute(find)
    elif script.substituteRegex == SUBSTITUTE_ESCAPED:
        find = _MACRO.sub(lambda m: _escape_macro(substitute(m.group(0))), find)
    elif script.substituteRegex != SUBSTITUTE_NONE:
        pass  # SillyTavern warns and uses the raw regex
    compiled = _compiled(find)
    if isinstance(compiled, str):
        if run is not None:
            run.note_problem(f"{script.label}: {compiled}")
        return text
    parsed = parse_find_regex(find)
    count = 0 if parsed is not None and parsed.global_ else 1
    template = _MATCH_MACRO.sub("$0", script.replaceString)
    trims = [substitute(t) for t in script.trimStrings]

    def replace(m: regex.Match[str]) -> str:
        groups = m.groups()

        def group(ref: re.Match[str]) -> str:
            number = int(ref.group(1))
            if number == 0:
                value: str | None = m.group(0)
            elif number <= len(groups):
                value = groups[number - 1]
            elif number == len(groups) + 1:
                value = str(m.start()) if m.start() else None  # JavaScript passes the offset next
            elif number == len(groups) + 2:
                value = text  # then the whole string
            else:
                value = None
            if not value:
                return ""
            for trim in trims:
                value = value.replace(trim, "") if trim else value
            return value

        return substitute(_GROUP_REF.sub(group, template))

    try:
        result: str = compiled.sub(replace, text, count=count, timeout=REGEX_TIMEOUT)
    except TimeoutError:
        if run is not None:
            run.note_problem(f"{script.label}: its search ran past {REGEX_TIMEOUT * 1000:.0f} ms")
        return text
    except (regex.error, IndexError, RecursionError) as exc:
        if run is not None:
            run.note_problem(f"{script.label}: {exc}")
        return text
    if run is not None and result != text:
        run.note_changed(script)
    return result


def _wanted(script: RegexScript, *, display: bool, prompt: bool) -> bool:
    if script.markdownOnly and display:
        return True
    if script.promptOnly and prompt:
        return True
    # Plain scripts change the stored text; a displayed or prompted text has had them already.
    return not script.markdownOnly and not script.promptOnly and not display and not prompt


def _in_depth(script: RegexScript, depth: int | None) -> bool:
    if depth is None:
        return True
    if script.minDepth is not None and script.minDepth >= -1 and depth < script.minDepth:
        return False
    return not (script.maxDepth is not None and script.maxDepth >= 0 and depth > script.maxDepth)


def scripts_for(scripts: Iterable[RegexScript], placement: int, *, display: bool = False, prompt: bool = False,
                edit: bool = False) -> tuple[RegexScript, ...]:
    """The scripts that can run on a text of `placement` at this stage (depth aside), in order."""
    return tuple(
        s for s in scripts
        if not s.disabled and s.findRegex and placement in s.placement and _wanted(s, display=display, prompt=prompt)
        and (s.runOnEdit or not edit)
    )


def depth_cap(scripts: Iterable[RegexScript]) -> int | None:
    """Beyond this depth no script's depth limits change anything (None: no script has limits). Lets a
    memo treat every deeper message alike."""
    bounds = [b for s in scripts for b in (s.minDepth, s.maxDepth) if b is not None and b >= -1]
    return max(bounds) + 1 if bounds else None


def apply_scripts(
    scripts: Sequence[RegexScript],
    text: str,
    placement: int,
    *,
    substitute: Callable[[str], str],
    display: bool = False,
    prompt: bool = False,
    edit: bool = False,
    depth: int | None = None,
    run: RegexRun | None = None,
    selected: bool = False,
) -> str:
    """SillyTavern's getRegexedString: every eligible script in order over `text`. `selected` says `scripts` is
    already `scripts_for(...)` of this placement and stage (a hot path selects once)."""
    if not text or not scripts:
        return text
    chosen = scripts if selected else scripts_for(scripts, placement, display=display, prompt=prompt, edit=edit)
    for script in chosen:
        if _in_depth(script, depth):
            text = run_script(script, text, substitute, run)
    return text


@dataclass(frozen=True)
class PromptRegex:
    """The prompt-only scripts of one assembly, selected once per placement (chat messages and world info)."""

    user: tuple[RegexScript, ...] = ()
    bot: tuple[RegexScript, ...] = ()
    world_info: tuple[RegexScript, ...] = ()
    depth_offset: int = 0  # 1 when continuing: the message being extended is at depth -1
    cap: int | None = None
    signature: int = 0

    @property
    def active(self) -> bool:
        return bool(self.user or self.bot)

    def apply(self, text: str, is_user: bool, depth: int, run: RegexRun, substitute: Callable[[str], str]) -> str:
        scripts = self.user if is_user else self.bot
        return apply_scripts(scripts, text, USER_INPUT if is_user else AI_OUTPUT, substitute=substitute,
                             prompt=True, depth=depth, run=run, selected=True)


def _fingerprint(script: RegexScript) -> tuple[object, ...]:
    return (script.findRegex, script.replaceString, tuple(script.trimStrings), tuple(script.placement),
            script.markdownOnly, script.promptOnly, script.substituteRegex, script.minDepth, script.maxDepth,
            script.scriptName)


def prompt_regex(scripts: Sequence[RegexScript], generation_type: str = "normal") -> PromptRegex | None:
    """What the prompt needs of `scripts` (None when no prompt-only script can change it)."""
    if not scripts:
        return None
    user = scripts_for(scripts, USER_INPUT, prompt=True)
    bot = scripts_for(scripts, AI_OUTPUT, prompt=True)
    world = scripts_for(scripts, WORLD_INFO, prompt=True)
    if not (user or bot or world):
        return None
    chat = user + bot
    return PromptRegex(user, bot, world, 1 if generation_type == "continue" else 0, depth_cap(chat),
                       hash(tuple(_fingerprint(s) for s in chat)))
