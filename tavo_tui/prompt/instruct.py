"""Instruct-mode formatting: sequences around chat items, example dialogue, the final line, stop strings."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from tavo_tui.prompt.examples import split_turns
from tavo_tui.prompt.macros import MacroEnv, substitute
from tavo_tui.prompt.templates import ContextTemplate, InstructTemplate

Variant = Literal["first", "last"] | None


@dataclass(frozen=True)
class HistoryItem:
    """A chat item ready to be formatted (real message, injection or post-history instructions)."""

    name: str
    text: str
    is_user: bool
    narrator: bool
    source: str
    force_avatar: bool = False
    injected: bool = False


def _seq(template: InstructTemplate, text: str, env: MacroEnv, name: str) -> str:
    if not template.macro or not text:
        return text
    return substitute(text, env, extra={"name": name})


def format_item(
    item: HistoryItem,
    template: InstructTemplate | None,
    env: MacroEnv,
    *,
    name1: str,
    variant: Variant = None,
    group: bool = False,
) -> str:
    """One history item as prompt text (SillyTavern's formatMessageHistoryItem)."""
    if template is None:
        if item.name and not item.narrator:
            return f"{item.name}: {item.text}\n"
        return f"{item.text}\n"
    t = template
    if item.narrator:
        prefix = t.input_sequence if t.system_same_as_user else t.system_sequence
        suffix = t.input_suffix if t.system_same_as_user else t.system_suffix
    elif item.is_user:
        prefix = t.input_sequence
        if variant == "first" and t.first_input_sequence:
            prefix = t.first_input_sequence
        elif variant == "last" and t.last_input_sequence:
            prefix = t.last_input_sequence
        suffix = t.input_suffix
    else:
        prefix = t.output_sequence
        if variant == "first" and t.first_output_sequence:
            prefix = t.first_output_sequence
        suffix = t.output_suffix
    seq_name = item.name or "System"
    prefix = _seq(t, prefix, env, seq_name)
    suffix = _seq(t, suffix, env, seq_name)
    if not suffix and t.wrap:
        suffix = "\n"
    sep = "\n" if t.wrap else ""
    if t.names_behavior == "always":
        include = not item.narrator
    elif t.names_behavior == "force":
        include = (group or item.force_avatar) and item.name != name1 and not item.narrator
    else:
        include = False
    body = (f"{item.name}: " if include and item.name else "") + item.text + suffix
    return sep.join(part for part in (prefix, body) if part)


def format_examples_raw(blocks: Sequence[str], context: ContextTemplate, env: MacroEnv) -> list[str]:
    """Non-instruct example blocks: the `<START>` heading becomes the example separator line."""
    sep = substitute(context.example_separator, env)
    heading = sep + "\n" if sep else ""
    return [heading + block.removeprefix("<START>\n") for block in blocks]


def format_examples_instruct(
    blocks: Sequence[str],
    template: InstructTemplate,
    context: ContextTemplate,
    env: MacroEnv,
    *,
    name1: str,
    name2: str,
) -> list[str]:
    """Instruct example entries: [heading, message, message, ...] per block."""
    sep_text = substitute(context.example_separator, env)
    heading = sep_text + "\n" if sep_text else ""
    if template.skip_examples:
        return [heading + block.removeprefix("<START>\n") for block in blocks]
    sep = "\n" if template.wrap else ""
    out: list[str] = []
    any_message = False
    for block in blocks:
        if heading:
            out.append(heading)
        for turn in split_turns(block, name1, name2):
            any_message = True
            if turn.is_user:
                prefix, suffix, name = template.input_sequence, template.input_suffix, name1
            else:
                prefix, suffix, name = template.output_sequence, template.output_suffix, name2
            if template.macro:
                prefix = substitute(prefix, env, extra={"name": name})
                suffix = substitute(suffix, env, extra={"name": name})
                if not suffix and template.wrap:
                    suffix = "\n"
            include = template.names_behavior == "always" or (template.names_behavior == "force" and turn.is_user)
            content = (f"{turn.name}: " if include else "") + turn.text + suffix
            out.append(sep.join(part for part in (prefix, content) if part))
    if not any_message:
        return [heading + block.removeprefix("<START>\n") for block in blocks]
    return out


def last_line(
    template: InstructTemplate | None,
    env: MacroEnv,
    *,
    name2: str,
    force_name2: bool,
    group: bool = False,
    impersonate_as: str | None = None,
    bias: str = "",
) -> str:
    """Text appended after the history so the model answers as the character (or as the user, impersonating).

    `bias` ("Start Reply With") begins the reply; without instruct mode it follows the name (see `assemble_text`).
    """
    if template is None:
        if impersonate_as is not None:
            return f"{impersonate_as}:"
        return f"{name2}:" if force_name2 else ""
    t = template
    if impersonate_as is not None:
        name = impersonate_as
        sequence = t.last_input_sequence or t.input_sequence
        last_variant = False
    else:
        name = name2
        sequence = t.last_output_sequence or t.output_sequence
        last_variant = bool(t.last_output_sequence)
    include = bool(name) and (t.names_behavior == "always" or (group and t.names_behavior == "force"))
    seq = substitute(sequence, env, extra={"name": name}) if t.macro else sequence
    sep = "\n" if t.wrap else ""
    filler = ""
    if include and last_variant and t.output_sequence[-1:].isspace():
        if not t.last_output_sequence[-1:].isspace():
            filler = t.output_sequence[-1]
    text = f"{sep}{seq}{sep}{filler}{name}:" if include else f"{sep}{seq}"
    if bias and impersonate_as is None:
        text += bias if include else sep + bias.lstrip()
    text = text.rstrip() if t.wrap else text
    return text if include else text + sep


def continued_item(item: HistoryItem, template: InstructTemplate | None, env: MacroEnv, *, name1: str) -> str:
    """The message being continued: its prefix and text, left open (no suffix)."""
    if template is None:
        return f"{item.name}: {item.text}" if item.name and not item.narrator else item.text
    t = template
    if item.is_user:
        prefix = t.input_sequence
    elif item.narrator:
        prefix = t.input_sequence if t.system_same_as_user else t.system_sequence
    else:
        prefix = t.last_output_sequence or t.output_sequence
    prefix = _seq(t, prefix, env, item.name or "System")
    sep = "\n" if t.wrap else ""
    include = t.names_behavior == "always" and not item.narrator
    body = (f"{item.name}: " if include and item.name else "") + item.text
    return sep.join(part for part in (prefix, body) if part)


def stop_strings(
    template: InstructTemplate | None,
    context: ContextTemplate,
    env: MacroEnv,
    *,
    name1: str,
    name2: str,
    custom: Sequence[str] = (),
    impersonate: bool = False,
    continuing_user: bool = False,
) -> list[str]:
    """Stop strings for text completion, in SillyTavern's order, de-duplicated."""
    result: list[str] = []
    if context.names_as_stop_strings:
        result += [f"\n{name2}:" if impersonate else f"\n{name1}:", f"\n{name1}:"]
        if continuing_user:
            result.append(f"\n{name2}:")
    if template is not None:
        seqs: list[str] = [template.stop_sequence]
        if template.sequences_as_stop_strings:
            seqs += [
                _named(template, template.input_sequence, env, name1),
                _named(template, template.output_sequence, env, name2),
                _named(template, template.first_output_sequence, env, name2),
                _named(template, template.last_output_sequence, env, name2),
                _named(template, template.system_sequence, env, "System"),
                _named(template, template.last_system_sequence, env, "System"),
            ]
        lines: list[str] = []
        for line in "\n".join(seqs).split("\n"):
            if line.strip() and line not in lines:
                lines.append(line)
        for line in lines:
            line = "\n" + line if template.wrap else line
            result.append(substitute(line, env) if template.macro else line)
    if context.use_stop_strings:
        for value in (context.chat_start, context.example_separator):
            if value:
                result.append("\n" + substitute(value, env))
    for value in custom:
        if isinstance(value, str) and value:
            result.append(substitute(value, env))
    if context.single_line:
        result.insert(0, "\n")
    out: list[str] = []
    for value in result:
        if value and value not in out:
            out.append(value)
    return out


def _named(template: InstructTemplate, text: str, env: MacroEnv, name: str) -> str:
    return substitute(text, env, extra={"name": name}) if text and "{{" in text else text
