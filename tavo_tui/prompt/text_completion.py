"""Text-completion assembly: story string, examples, formatted history, final line and stop strings."""

from __future__ import annotations

from dataclasses import dataclass

from tavo_tui.model import AssembledPrompt, PromptSection
from tavo_tui.prompt.common import Extensions
from tavo_tui.prompt.examples import parse_blocks
from tavo_tui.prompt.injection import BEFORE_PROMPT, IN_CHAT, IN_PROMPT, ExtensionPrompt, anchor, inject
from tavo_tui.prompt.inputs import PromptInputs
from tavo_tui.prompt.instruct import (
    HistoryItem,
    format_examples_instruct,
    format_examples_raw,
    format_item,
    last_line,
    stop_strings,
)
from tavo_tui.prompt.macros import substitute
from tavo_tui.prompt.settings import PromptSettings, Role
from tavo_tui.prompt.story import render_template
from tavo_tui.prompt.templates import ContextTemplate, InstructTemplate, SystemPromptPreset
from tavo_tui.prompt.tokens import TokenCounter


@dataclass
class _Piece:
    name: str
    source: str
    role: Role
    text: str
    tokens: int = 0

    def section(self) -> PromptSection:
        return PromptSection(name=self.name, source=self.source, role=self.role, content=self.text, tokens=self.tokens)


def render_story_string(
    context: ContextTemplate,
    template: InstructTemplate | None,
    params: dict[str, str],
    inputs: PromptInputs,
) -> str:
    """The story string after Handlebars, macros and {{trim}}, wrapped with the instruct story sequences."""
    story = substitute(render_template(context.story_string, params), inputs.env)
    story = story.lstrip("\n")
    in_chat = context.story_string_position == 1
    if story and not story.endswith("\n") and not in_chat:
        if template is None or (template.wrap and not template.story_string_suffix):
            story += "\n"
    if template is None or in_chat or not story:
        return story
    env = inputs.env
    prefix = (
        substitute(template.story_string_prefix, env, extra={"name": "System"})
        if template.macro
        else (template.story_string_prefix)
    )
    suffix = (
        substitute(template.story_string_suffix, env, extra={"name": "System"})
        if template.macro
        else (template.story_string_suffix)
    )
    sep = "\n" if template.wrap else ""
    if prefix:
        story = prefix + sep + story
    return story + suffix


def assemble_text(
    inputs: PromptInputs,
    ext: Extensions,
    *,
    settings: PromptSettings,
    template: InstructTemplate | None,
    context: ContextTemplate,
    sysprompt: SystemPromptPreset | None,
    counter: TokenCounter,
    max_context: int,
    max_tokens: int,
) -> AssembledPrompt:
    env = inputs.env
    card = inputs.card
    world = ext.world
    name1, name2 = inputs.name1, inputs.name2

    system = ""
    jailbreak = ""
    if sysprompt is not None and sysprompt.enabled:
        if settings.prefer_character_prompt and card.system:
            system = substitute(card.system, env, original=sysprompt.content)
        else:
            system = substitute(sysprompt.content, env)
        if settings.prefer_character_jailbreak and card.jailbreak:
            jailbreak = substitute(card.jailbreak, env, original=sysprompt.post_history)
        else:
            jailbreak = substitute(sysprompt.post_history, env)

    # Example dialogue: world-info example entries around the card's own blocks.
    raw_blocks = [b for text in [*world.em_top, card.mes_examples, *world.em_bottom] for b in parse_blocks(text)]
    if template is not None:
        example_entries = format_examples_instruct(raw_blocks, template, context, env, name1=name1, name2=name2)
    else:
        example_entries = format_examples_raw(raw_blocks, context, env)
    env.mes_examples = "".join(example_entries)
    if settings.strip_examples:
        example_entries = []

    prompts: list[ExtensionPrompt] = list(ext.prompts)
    params = {
        "description": card.description,
        "personality": card.personality,
        "scenario": card.scenario,
        "system": system,
        "persona": inputs.persona if settings.persona_position == 0 else "",
        "char": name2,
        "user": name1,
        "wiBefore": "\n".join(world.before),
        "loreBefore": "\n".join(world.before),
        "wiAfter": "\n".join(world.after),
        "loreAfter": "\n".join(world.after),
        "anchorBefore": substitute(anchor(prompts, BEFORE_PROMPT), env),
        "anchorAfter": substitute(anchor(prompts, IN_PROMPT), env),
        "mesExamples": env.mes_examples,
        "mesExamplesRaw": "".join(raw_blocks),
    }
    story = render_story_string(context, template, params, inputs)
    if context.story_string_position == 1 and story:
        prompts.append(
            ExtensionPrompt("__STORY_STRING__", story, IN_CHAT, context.story_string_depth, context.story_string_role)
        )
        story = ""

    history = [HistoryItem(m.name, m.text, m.is_user, m.narrator, m.source, m.force_avatar) for m in inputs.chat]

    def make(role: int, text: str, prompt: ExtensionPrompt) -> HistoryItem:
        if role == 1:
            return HistoryItem(name1, text, True, False, f"injection.{prompt.key}", injected=True)
        if role == 2:
            return HistoryItem(name2, text, False, False, f"injection.{prompt.key}", injected=True)
        return HistoryItem("", text, False, True, f"injection.{prompt.key}", injected=True)

    history, _ = inject(history, prompts, make)
    if jailbreak:
        history.append(HistoryItem("", jailbreak, True, False, "post_history_instructions"))

    # First/last variants: the oldest chat message and the last user message.
    oldest = next((i for i, h in enumerate(history) if not h.injected and h.source != "post_history_instructions"), -1)
    last_user = next((i for i in range(len(history) - 1, -1, -1) if history[i].is_user), -1)
    pieces: list[_Piece] = []
    for i, h in enumerate(history):
        variant: str | None = "first" if i == oldest else None
        if i == last_user:
            variant = "last"
        text = format_item(h, template, env, name1=name1, variant=variant)  # type: ignore[arg-type]
        role: Role = "user" if h.is_user else "system" if h.narrator else "assistant"
        label = "greeting" if h.source == "greeting" else h.source
        pieces.append(_Piece(label, h.source, role, text))

    force_name2 = context.always_force_name2
    final_line = last_line(template, env, name2=name2, force_name2=force_name2)
    chat_start = substitute(context.chat_start + "\n", env) if context.chat_start else ""
    filler_text = ""
    if template is not None and template.user_alignment_message:
        filler_item = HistoryItem(name1, substitute(template.user_alignment_message, env), True, False, "alignment")
        filler_text = format_item(filler_item, template, env, name1=name1, variant="first")

    # Budget: history first (newest to oldest, stop at the first that does not fit), then examples.
    limit = max_context - max_tokens
    count = counter.count
    base = count(story) + count(filler_text) + count(chat_start) + count(final_line) + settings.token_padding
    if settings.pin_examples:
        base += sum(count(e) for e in example_entries)
    total = base
    for piece in pieces:
        piece.tokens = count(piece.text)
    keep = [False] * len(pieces)
    injected_idx = [i for i, h in enumerate(history) if h.injected]
    for i in sorted(injected_idx, key=lambda i: -i):
        if total + pieces[i].tokens < limit:
            total += pieces[i].tokens
            keep[i] = True
        else:
            break
    for i in range(len(pieces) - 1, -1, -1):
        if history[i].injected:
            continue
        if total + pieces[i].tokens < limit:
            total += pieces[i].tokens
            keep[i] = True
        else:
            break
    dropped = [p.section() for p, k in zip(pieces, keep, strict=True) if not k]
    kept = [p for p, k in zip(pieces, keep, strict=True) if k]
    if filler_text and (not kept or kept[0].role != "user"):
        kept.insert(
            0, _Piece("user alignment", "instruct.user_alignment_message", "user", filler_text, count(filler_text))
        )
    examples_kept: list[str] = []
    if settings.pin_examples:
        examples_kept = list(example_entries)
    else:
        for entry in example_entries:
            cost = count(entry)
            if total + cost < limit:
                total += cost
                examples_kept.append(entry)
            else:
                break
        dropped.extend(
            PromptSection(name="example", source="card.mes_example", role="system", content=e, tokens=count(e))
            for e in example_entries[len(examples_kept) :]
        )

    # The last kept item loses one trailing newline before the final line is appended.
    if kept and (template is None or template.wrap) and kept[-1].text.endswith("\n"):
        kept[-1].text = kept[-1].text[:-1]
        kept[-1].tokens = count(kept[-1].text)
    if template is None and final_line:
        if kept and not kept[-1].text.endswith("\n"):
            kept[-1].text += "\n"
            kept[-1].tokens = count(kept[-1].text)

    sections: list[_Piece] = []
    if story:
        sections.append(_Piece("story string", "context.story_string", "system", story, count(story)))
    if examples_kept:
        sections.append(_Piece("examples", "card.mes_example", "system", "".join(examples_kept)))
        sections[-1].tokens = sum(count(e) for e in examples_kept)
    if chat_start:
        sections.append(_Piece("chat start", "context.chat_start", "system", chat_start, count(chat_start)))
    sections.extend(kept)
    if final_line:
        sections.append(
            _Piece("reply prefix", "instruct.last_output_sequence", "assistant", final_line, count(final_line))
        )
    text = "".join(p.text for p in sections).replace("\r", "")
    if settings.collapse_newlines:
        import re

        text = re.sub(r"\n+", "\n", text)
    stops = stop_strings(template, context, env, name1=name1, name2=name2, custom=settings.custom_stopping_strings)
    return AssembledPrompt(
        mode="text",
        sections=[p.section() for p in sections],
        text=text,
        stop=stops,
        token_total=sum(p.tokens for p in sections),
        token_method=counter.method,
        token_exact=counter.exact,
        max_context=max_context,
        max_tokens=max_tokens,
        dropped=dropped,
    )
