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


@lru_cache(maxsize=1024)
def _count(find: str) -> int:
    """How many matches a find regex replaces: all with the `g` flag (0 to the regex module), else the first."""
    parsed = parse_find_regex(find)
    return 0 if parsed is not None and parsed.global_ else 1


@lru_cache(maxsize=1024)
def _template(replace_string: str) -> tuple[str | int, ...]:
    """A replace string as literal pieces and group numbers (`{{match}}` is `$0`), parsed once per script
    text rather than once per match."""
    template = _MATCH_MACRO.sub("$0", replace_string)
    parts: list[str | int] = []
    position = 0
    for ref in _GROUP_REF.finditer(template):
        parts.append(template[position:ref.start()])
        parts.append(int(ref.group(1)))
        position = ref.end()
    parts.append(template[position:])
    return tuple(p for p in parts if p != "")


@lru_cache(maxsize=1024)
def _group_template(parts: tuple[str | int, ...], groups: int) -> str | None:
    """The replace pieces as a regex-module template (`\\g<N>`), when they are only the pattern's own groups and
    literals with nothing a macro or an escape could start from; else None."""
    out: list[str] = []
    for part in parts:
        if isinstance(part, int):
            if part > groups:
                return None  # JavaScript's offset and whole-string arguments: the slow path knows them
            out.append(f"\\g<{part}>")
        elif "{" in part or "<" in part or "\\" in part:
            return None
        else:
            out.append(part)
    return "".join(out)


# The regex module's timeout makes every match step check the clock: a script over a 200-character message took
# 17 µs with it and 4 µs without, and a prompt runs each script over each of thousands of messages. It is
# skipped only where no search can run long: a short text and a pattern of at most one unbounded repetition
# (one more bounded one at most) that repeats no group and refers back to none. Such a search is at worst
# quadratic in the text: at 1,024 characters, a few million steps at most (a few ms).
BOUNDED_TEXT = 1024
_MAX_ALTERNATIVES = 8


def bounded_pattern(pattern: str) -> bool:
    """Whether `pattern` (Python regex syntax, as compiled) cannot backtrack past quadratic time. Errs towards
    False: anything it does not understand is unbounded."""
    quantifiers = unbounded = 0
    alternatives = 1
    i, n = 0, len(pattern)
    after_group = after_quantifier = False
    while i < n:
        c = pattern[i]
        if c == "\\":
            nxt = pattern[i + 1 : i + 2]
            if not nxt or nxt in "123456789gkR":
                return False  # a back-reference (or a recursion): not bounded by anything here
            i += 2
            if nxt in "pPxNu" and pattern[i : i + 1] == "{":
                end = pattern.find("}", i)
                if end < 0:
                    return False
                i = end + 1
            after_group = after_quantifier = False
            continue
        if c == "[":
            i += 1
            if pattern[i : i + 1] == "^":
                i += 1
            if pattern[i : i + 1] == "]":
                i += 1  # a leading ] is a literal
            while i < n and pattern[i] != "]":
                if pattern[i] == "\\":
                    i += 1
                elif pattern[i] == "[":
                    return False  # nested or POSIX classes: not worth reading
                i += 1
            if i >= n:
                return False
            i += 1
            after_group = after_quantifier = False
            continue
        if c == "(":
            if pattern.startswith(("(?P=", "(?(", "(?R", "(?&", "(?P>"), i) or (
                pattern.startswith("(?", i) and pattern[i + 2 : i + 3].isdigit()
            ):
                return False
            i += 1
            after_group = after_quantifier = False
            continue
        if c == ")":
            i += 1
            after_group, after_quantifier = True, False
            continue
        if c in "*+?" or c == "{":
            if c in "?+" and after_quantifier:
                i += 1  # lazy or possessive: the same repetition
                after_quantifier = False
                continue
            if c == "{":
                close = pattern.find("}", i)
                body = pattern[i + 1 : close] if close > 0 else ""
                low, comma, high = body.partition(",")
                if not body or not (low.isdigit() or (not low and comma)) or (high and not high.isdigit()):
                    return False  # a literal brace or a fuzzy-match constraint: not read here
                repeats_unbounded = bool(comma) and (not high or int(high) > 4)
                i = close + 1
            else:
                repeats_unbounded = c != "?"
                i += 1
            if after_group:
                return False  # a repeated group: where catastrophic backtracking comes from
            quantifiers += 1
            unbounded += repeats_unbounded
            after_quantifier, after_group = True, False
            continue
        if c == "|":
            alternatives += 1
        i += 1
        after_group = after_quantifier = False
    return unbounded <= 1 and quantifiers <= 2 and alternatives <= _MAX_ALTERNATIVES


@lru_cache(maxsize=1024)
def _bounded(find: str) -> bool:
    parsed = parse_find_regex(find)
    return parsed is not None and bounded_pattern(_JS_ANY.sub(r"[\\s\\S]", parsed.pattern))


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
    count = _count(find)
    parts = _template(script.replaceString)
    replace: str | Callable[[regex.Match[str]], str]
    if len(parts) <= 1 and not any(isinstance(p, int) for p in parts):
        constant = str(parts[0]) if parts else ""
        if "{{" in constant or "<" in constant or "\\" in constant:
            def replace(_m: regex.Match[str]) -> str:  # macros: expanded per match, as SillyTavern does
                return substitute(constant)
        else:
            replace = constant  # nothing to expand and no backslash: the regex module's fast path
    elif (fast := _group_template(parts, compiled.groups)) is not None and not any(script.trimStrings) and not (
        "{" in text or "<" in text or "\\" in text
    ):
        # Only groups of the pattern and plain literals, and no macro can come of the text: the regex module
        # fills the groups itself (an unmatched group gives "", as in JavaScript), with nothing to expand after.
        replace = fast
    else:
        trims = [substitute(t) for t in script.trimStrings]

        def replace(m: regex.Match[str]) -> str:
            groups = m.groups()
            out: list[str] = []
            for part in parts:
                if isinstance(part, str):
                    out.append(part)
                    continue
                if part == 0:
                    value: str | None = m.group(0)
                elif part <= len(groups):
                    value = groups[part - 1]
                elif part == len(groups) + 1:
                    value = str(m.start()) if m.start() else None  # JavaScript passes the offset next
                elif part == len(groups) + 2:
                    value = text  # then the whole string
                else:
                    value = None
                if value:
                    for trim in trims:
                        value = value.replace(trim, "") if trim else value
                    out.append(value)
            return substitute("".join(out))

    try:
        if len(text) <= BOUNDED_TEXT and _bounded(find):
            result: str = compiled.sub(replace, text, count=count)  # cannot run long (see BOUNDED_TEXT)
        else:
            result = compiled.sub(replace, text, count=count, timeout=REGEX_TIMEOUT)
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
    # Depths -1..cap, each mapped to the smallest depth at which the same scripts are in their depth range:
    # messages of one class get the same result, so a memo keyed by class survives a new message shifting
    # every depth by one (a maxDepth of 50 no longer makes the 50 newest messages run again).
    classes: tuple[int, ...] = ()

    def depth_class(self, depth: int) -> int:
        """The memo key standing for `depth` (clipped to -1..cap)."""
        classes = self.classes
        if not classes:
            return depth
        return classes[min(max(depth, -1), len(classes) - 2) + 1]

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
    cap = depth_cap(chat)
    return PromptRegex(user, bot, world, 1 if generation_type == "continue" else 0, cap,
                       hash(tuple(_fingerprint(s) for s in chat)), depth_classes(chat, cap))


def depth_classes(scripts: Sequence[RegexScript], cap: int | None) -> tuple[int, ...]:
    """For depths -1..cap, the smallest depth at which exactly the same of `scripts` are in their depth range."""
    if cap is None:
        return ()
    first: dict[tuple[bool, ...], int] = {}
    return tuple(first.setdefault(tuple(_in_depth(s, d) for s in scripts), d) for d in range(-1, cap + 1))
