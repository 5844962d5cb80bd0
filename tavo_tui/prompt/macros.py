"""SillyTavern-style `{{macro}}` substitution (the 1.18 engine's behaviour, reimplemented).

Names are case-insensitive, arguments follow `::` (or a legacy single `:`/space), macros nest (inner first),
unknown macros are kept verbatim with their nested macros resolved, `\\{` / `\\}` escape braces and `{{trim}}`
removes itself together with the newlines around it after everything else is done.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from tavo_tui.prompt.moment import format_moment, time_diff

_TRIM_MARK = "\x00TRIM\x00"
_ESC_OPEN = "\x00LBRACE\x00"
_ESC_CLOSE = "\x00RBRACE\x00"

_LEGACY_MARKERS = re.compile(r"<(USER|BOT|CHAR|GROUP|CHARIFNOTGROUP)>", re.IGNORECASE)
_LEGACY_TARGET = {
    "user": "{{user}}",
    "bot": "{{char}}",
    "char": "{{char}}",
    "group": "{{group}}",
    "charifnotgroup": "{{charIfNotGroup}}",
}
_TIME_UTC = re.compile(r"\{\{time_UTC([+-]\d+)\}\}", re.IGNORECASE)
_TRIM_RE = re.compile(r"(?:\r?\n)*" + re.escape(_TRIM_MARK) + r"(?:\r?\n)*")
_MAX_DEPTH = 40
_MAX_REPEAT = 10_000
# A cost bound on untrusted text: macros evaluated per substitute() call, over every nesting level. Past it
# the rest of the text is left as written (a 512 KB card of 64,000 `{{if}}`s took 46 s before the bound).
_MAX_MACROS = 100_000
# And characters scanned over all nesting levels: deep nesting re-reads the inner text once per level.
_MAX_SCANNED = 4_000_000
# An {{if ...}} opening tag or an {{/if}} closing one.
_IF_TAG = re.compile(r"\{\{\s*(?:(/)if\s*\}\}|if(?:\s|::))", re.IGNORECASE)
_ROLL_RE = re.compile(r"^\s*(\d*)d(\d+)\s*([+-]\s*\d+)?\s*$", re.IGNORECASE)

# Card-field macros: inside card fields themselves they expand to "" (no recursive expansion).
CARD_FIELD_MACROS = frozenset(
    {
        "description",
        "chardescription",
        "personality",
        "scenario",
        "persona",
        "charprompt",
        "charinstruction",
        "charjailbreak",
        "chardepthprompt",
        "creatornotes",
        "charversion",
        "mesexamples",
        "mesexamplesraw",
        "charfirstmessage",
        "greeting",
    }
)


@dataclass
class MacroEnv:
    """Values macros expand to. `values` holds extra simple macros by lower-case name."""

    user: str = "User"
    char: str = ""
    group: str | None = None
    description: str = ""
    personality: str = ""
    scenario: str = ""
    persona: str = ""
    char_prompt: str = ""
    char_instruction: str = ""
    char_depth_prompt: str = ""
    creator_notes: str = ""
    char_version: str = ""
    mes_examples: str = ""
    mes_examples_raw: str = ""
    greetings: list[str] = field(default_factory=list)
    last_message: str = ""
    last_user_message: str = ""
    last_char_message: str = ""
    last_message_id: int | None = None
    values: dict[str, str] = field(default_factory=dict)
    variables: dict[str, str] = field(default_factory=dict)
    outlets: dict[str, str] = field(default_factory=dict)
    pick_seed: str = ""  # makes {{pick}} stable per chat (chat id hash + reroll seed)
    now: datetime | None = None
    rng: random.Random | None = None
    idle: Callable[[], str] | None = None  # {{idle_duration}}, computed on first use (it scans back the chat)
    banned: list[str] = field(default_factory=list)  # words from {{banned "word"}}, in the order met

    def simple(self) -> dict[str, str]:
        """Argument-less macros and their values."""
        group = self.group if self.group is not None else self.char
        table = {
            "user": self.user,
            "char": self.char,
            "group": group,
            "charifnotgroup": group,
            "groupnotmuted": group,
            "description": self.description,
            "chardescription": self.description,
            "personality": self.personality,
            "scenario": self.scenario,
            "persona": self.persona,
            "charprompt": self.char_prompt,
            "charinstruction": self.char_instruction,
            "charjailbreak": self.char_instruction,
            "chardepthprompt": self.char_depth_prompt,
            "creatornotes": self.creator_notes,
            "charversion": self.char_version,
            "char_version": self.char_version,
            "mesexamples": self.mes_examples,
            "mesexamplesraw": self.mes_examples_raw,
            "lastmessage": self.last_message,
            "lastusermessage": self.last_user_message,
            "lastcharmessage": self.last_char_message,
            "lastmessageid": "" if self.last_message_id is None else str(self.last_message_id),
            "newline": "\n",
            "noop": "",
            "space": " ",
        }
        table.update(self.values)
        return table


def substitute(
    text: str,
    env: MacroEnv,
    *,
    original: str | None = None,
    exclude: frozenset[str] = frozenset(),
    extra: Mapping[str, str] | None = None,
) -> str:
    """Expand every macro in `text`. `exclude` names macros that expand to "" (e.g. card fields in card fields)."""
    if not text:
        return ""
    if "{{" not in text and "<" not in text and "\\" not in text:
        return text
    text = _LEGACY_MARKERS.sub(lambda m: _LEGACY_TARGET[m.group(1).lower()], text)
    if "{{" not in text and "\\{" not in text and "\\}" not in text:
        return text
    text = _TIME_UTC.sub(lambda m: "{{time::UTC" + m.group(1) + "}}", text)
    text = text.replace("\\{", _ESC_OPEN).replace("\\}", _ESC_CLOSE)
    state = _State(env, env.simple(), original, exclude, dict(extra or {}))
    out = _expand(text, state)
    out = _TRIM_RE.sub("", out)
    return out.replace(_ESC_OPEN, "{").replace(_ESC_CLOSE, "}")


@dataclass
class _State:
    env: MacroEnv
    table: dict[str, str]
    original: str | None
    exclude: frozenset[str]
    extra: dict[str, str]
    depth: int = 0
    picks: int = 0
    macros: int = 0  # evaluated so far (see _MAX_MACROS)
    scanned: int = 0  # characters expanded so far, every level counted (see _MAX_SCANNED)


def _find_close(text: str, start: int) -> int:
    """Index of the `}}` closing the `{{` whose content starts at `start`, honouring nesting; -1 if none.

    Jumps between braces with str.find, and looks for the next `}}` again only once it has been passed
    (a per-character loop, or a fresh search after every `{{`, made deep nesting cost seconds)."""
    depth = 1
    i = start
    opening = text.find("{{", i)
    closing = text.find("}}", i)
    while closing >= 0:
        if 0 <= opening < closing:
            depth += 1
            i = opening + 2
            opening = text.find("{{", i)
            continue
        depth -= 1
        if depth == 0:
            return closing
        i = closing + 2
        closing = text.find("}}", i)
        if opening >= 0 and opening < i:
            opening = text.find("{{", i)
    return -1


def _expand(text: str, state: _State) -> str:
    state.scanned += len(text)
    if state.depth >= _MAX_DEPTH or state.scanned > _MAX_SCANNED:
        # Pathological nesting or size (untrusted card text) is left as it is rather than worked through.
        return text
    state.depth += 1
    try:
        return _expand_level(text, state)
    finally:
        state.depth -= 1


def _expand_level(text: str, state: _State) -> str:
    parts: list[str] = []
    i = 0
    # Each {{if}}'s matching {{/if}}, found in one pass (searching forward from every {{if}} was quadratic
    # with thousands of them in a card).
    if_pairs = _if_pairs(text) if "if" in text or "IF" in text.upper() else {}
    while True:
        j = text.find("{{", i)
        if j < 0 or state.macros >= _MAX_MACROS:
            parts.append(text[i:])
            break
        state.macros += 1
        end = _find_close(text, j + 2)
        if end < 0:
            parts.append(text[i:])
            break
        parts.append(text[i:j])
        inner = text[j + 2 : end]
        i = end + 2
        if inner.lstrip().startswith("//"):
            # Comment: {{// ...}} disappears; scoped {{//}}...{{///}} too.
            if inner.strip() == "//":
                close = text.find("{{///}}", i)
                if close >= 0:
                    i = close + len("{{///}}")
            continue
        head = inner.strip().lower()
        if (head.startswith("if ") or head.startswith("if::")) and j in if_pairs:
            close_start, block_end = if_pairs[j]
            body = text[i:close_start]
            if close_start >= i:
                cond = inner.strip()[2:].lstrip(":").strip()
                parts.append(_eval_if(cond, body, state))
                i = block_end
                continue
        resolved_inner = _expand(inner, state) if "{{" in inner else inner
        value = _evaluate(resolved_inner, state)
        parts.append("{{" + resolved_inner + "}}" if value is None else value)
    return "".join(parts)


def _if_pairs(text: str) -> dict[int, tuple[int, int]]:
    """For each `{{if` at index j that has a matching `{{/if}}`: j -> (start, end) of that closing tag.
    Nesting pairs an {{/if}} with the nearest unclosed {{if}} before it; unclosed {{if}}s get no entry."""
    pairs: dict[int, tuple[int, int]] = {}
    opened: list[int] = []
    for tag in _IF_TAG.finditer(text):
        if tag.group(1) is None:
            opened.append(tag.start())
        elif opened:
            pairs[opened.pop()] = (tag.start(), tag.end())
    return pairs


def _split_else(body: str) -> tuple[str, str]:
    m = re.search(r"\{\{\s*else\s*\}\}", body, re.IGNORECASE)
    if m is None:
        return body, ""
    return body[: m.start()], body[m.end() :]


def _eval_if(cond: str, body: str, state: _State) -> str:
    negate = cond.startswith("!")
    if negate:
        cond = cond[1:].strip()
    if "{{" in cond:
        value = _expand(cond, state)
    else:
        looked = _evaluate(cond, state)
        value = looked if looked is not None else cond
    truthy = value.strip().lower() not in ("", "false", "0", "off", "no")
    if negate:
        truthy = not truthy
    then_part, else_part = _split_else(body)
    return _expand(_dedent(then_part if truthy else else_part), state)


def _dedent(text: str) -> str:
    lines = text.strip("\n").split("\n")
    first = next((ln for ln in lines if ln.strip()), "")
    indent = len(first) - len(first.lstrip())
    if indent:
        lines = [ln[indent:] if ln[:indent].isspace() else ln for ln in lines]
    return "\n".join(lines).strip()


def _split_args(inner: str) -> tuple[str, list[str]]:
    body = inner.strip()
    if "::" in body:
        name, *args = body.split("::")
        return name.strip(), [a.strip() for a in args]
    m = re.match(r"^([A-Za-z_][\w-]*)(?::(.*)|\s+(.*))?$", body, re.DOTALL)
    if m is None:
        return body, []
    arg = m.group(2) if m.group(2) is not None else m.group(3)
    return m.group(1), ([] if arg is None else [arg.strip()])


def _evaluate(inner: str, state: _State) -> str | None:
    """Value of one macro, or None when it is not a known macro (kept verbatim)."""
    name, args = _split_args(inner)
    key = name.lower()
    if key in state.exclude:
        return ""
    if key == "trim":
        return _TRIM_MARK
    if key in state.extra:
        return state.extra[key]
    if key == "original":
        # Without a text to restore the macro stays for a later pass (card overrides are substituted twice).
        if state.original is None:
            return None
        value = state.original
        state.original = ""
        return value
    if not args:
        if key in state.table:
            return state.table[key]
    handler = _HANDLERS.get(key)
    if handler is not None:
        return handler(args, state)
    if key in state.table:
        return state.table[key]
    return None


def _h_newline(args: list[str], state: _State) -> str:
    return "\n" * _count(args)


def _h_space(args: list[str], state: _State) -> str:
    return " " * _count(args)


def _count(args: list[str]) -> int:
    if args and args[0].isdigit():
        return min(int(args[0]), _MAX_REPEAT)
    return 1


def _h_greeting(args: list[str], state: _State) -> str:
    greetings = state.env.greetings
    index = int(args[0]) if args and args[0].isdigit() else 0
    return greetings[index] if 0 <= index < len(greetings) else ""


def _h_reverse(args: list[str], state: _State) -> str:
    return "::".join(args)[::-1]


def _choices(args: list[str]) -> list[str]:
    if len(args) == 1:
        items = re.split(r"(?<!\\),", args[0])
        return [item.replace("\\,", ",").strip() for item in items]
    return args


def _h_random(args: list[str], state: _State) -> str:
    items = _choices(args)
    if not items:
        return ""
    rng = state.env.rng or random.Random()
    return rng.choice(items)


def _h_pick(args: list[str], state: _State) -> str:
    """Like random, but the same choice every time this text is built for the same chat."""
    items = _choices(args)
    if not items:
        return ""
    state.picks += 1
    rng = random.Random(f"{state.env.pick_seed}\x00{'::'.join(args)}\x00{state.picks}")
    return rng.choice(items)


def _h_roll(args: list[str], state: _State) -> str:
    spec = args[0] if args else ""
    if spec.strip().isdigit():
        spec = "1d" + spec.strip()
    m = _ROLL_RE.match(spec)
    if m is None:
        return ""
    count = int(m.group(1) or "1")
    sides = int(m.group(2))
    bonus = int((m.group(3) or "0").replace(" ", ""))
    if sides <= 0 or count > 1000:
        return ""
    rng = state.env.rng or random.Random()
    return str(sum(rng.randint(1, sides) for _ in range(count)) + bonus)


def _now(state: _State, args: list[str]) -> datetime:
    now = state.env.now or datetime.now(UTC)
    if args and args[0].upper().startswith("UTC"):
        try:
            hours = int(args[0][3:] or "0")
        except ValueError:
            hours = 0
        now = now.astimezone(UTC) + timedelta(hours=hours)
    return now


def _h_time(args: list[str], state: _State) -> str:
    return _now(state, args).strftime("%I:%M %p").lstrip("0")


def _h_date(args: list[str], state: _State) -> str:
    now = _now(state, args)
    return f"{now.strftime('%B')} {now.day}, {now.year}"


def _h_weekday(args: list[str], state: _State) -> str:
    return _now(state, args).strftime("%A")


def _h_isotime(args: list[str], state: _State) -> str:
    return _now(state, args).strftime("%H:%M")


def _h_isodate(args: list[str], state: _State) -> str:
    return _now(state, args).strftime("%Y-%m-%d")


def _h_datetimeformat(args: list[str], state: _State) -> str:
    return format_moment(_now(state, []), "::".join(args)) if args else ""


def _h_timediff(args: list[str], state: _State) -> str:
    return time_diff(args[0], args[1]) if len(args) >= 2 else ""


def _h_idle(args: list[str], state: _State) -> str:
    return state.env.idle() if state.env.idle is not None else "just now"


def _h_banned(args: list[str], state: _State) -> str:
    # The word (without its quotes) is collected for backends that can ban strings; the macro itself vanishes.
    word = "::".join(args).strip()
    if len(word) >= 2 and word[0] == word[-1] == '"':
        word = word[1:-1]
    if word and word not in state.env.banned:
        state.env.banned.append(word)
    return ""


def _h_getvar(args: list[str], state: _State) -> str:
    return state.env.variables.get(args[0], "") if args else ""


def _h_setvar(args: list[str], state: _State) -> str:
    if len(args) >= 2:
        state.env.variables[args[0]] = "::".join(args[1:])
    return ""


def _h_addvar(args: list[str], state: _State) -> str:
    if len(args) >= 2:
        old = state.env.variables.get(args[0], "")
        add = "::".join(args[1:])
        try:
            total = float(old or 0) + float(add)
            state.env.variables[args[0]] = str(int(total)) if total.is_integer() else str(total)
        except ValueError:
            state.env.variables[args[0]] = old + add
    return ""


def _h_incvar(args: list[str], state: _State, step: int = 1) -> str:
    if not args:
        return ""
    try:
        value = float(state.env.variables.get(args[0], "0") or 0) + step
    except ValueError:
        value = float(step)
    text = str(int(value)) if value.is_integer() else str(value)
    state.env.variables[args[0]] = text
    return text


def _h_decvar(args: list[str], state: _State) -> str:
    return _h_incvar(args, state, -1)


def _h_outlet(args: list[str], state: _State) -> str:
    return state.env.outlets.get(args[0], "") if args else ""


_HANDLERS: dict[str, Callable[[list[str], _State], str]] = {
    "outlet": _h_outlet,
    "newline": _h_newline,
    "space": _h_space,
    "charfirstmessage": _h_greeting,
    "greeting": _h_greeting,
    "reverse": _h_reverse,
    "random": _h_random,
    "pick": _h_pick,
    "roll": _h_roll,
    "time": _h_time,
    "date": _h_date,
    "weekday": _h_weekday,
    "isotime": _h_isotime,
    "isodate": _h_isodate,
    "datetimeformat": _h_datetimeformat,
    "timediff": _h_timediff,
    "banned": _h_banned,
    "idle_duration": _h_idle,
    "idleduration": _h_idle,
    "getvar": _h_getvar,
    "setvar": _h_setvar,
    "addvar": _h_addvar,
    "incvar": _h_incvar,
    "decvar": _h_decvar,
}
