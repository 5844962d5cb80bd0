"""Text-completion assembly: story string, examples, formatted history, final line and stop strings."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from operator import attrgetter

from tavo_tui.model import AssembledPrompt, PromptSection
from tavo_tui.prompt.common import Extensions
from tavo_tui.prompt.examples import parse_blocks
from tavo_tui.prompt.injection import (
    BEFORE_PROMPT,
    IN_CHAT,
    IN_PROMPT,
    ExtensionPrompt,
    anchor,
    injection_blocks,
)
from tavo_tui.prompt.inputs import ChatItem, PromptInputs
from tavo_tui.prompt.instruct import (
    HistoryItem,
    Variant,
    continued_item,
    format_examples_instruct,
    format_examples_raw,
    format_item,
    last_line,
    stop_strings,
)
from tavo_tui.prompt.macros import MacroEnv, substitute
from tavo_tui.prompt.settings import PromptSettings, Role
from tavo_tui.prompt.story import render_template
from tavo_tui.prompt.templates import ContextTemplate, InstructTemplate, SystemPromptPreset
from tavo_tui.prompt.tokens import TokenCounter

_TEXT = attrgetter("text")
_TOKENS = attrgetter("tokens")


@dataclass
class _Piece:
    name: str
    source: str
    role: Role
    text: str
    tokens: int = 0
    cached: PromptSection | None = None  # set on memoised pieces, which are never modified

    def section(self) -> PromptSection:
        if self.cached is not None:
            return self.cached
        return PromptSection.model_construct(
            name=self.name, source=self.source, role=self.role, content=self.text, tokens=self.tokens
        )

    def with_text(self, text: str, tokens: int) -> _Piece:
        return _Piece(self.name, self.source, self.role, text, tokens)


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
    generation_type: str = "normal",
) -> AssembledPrompt:
    env = inputs.env
    card = inputs.card
    world = ext.world
    name1, name2 = inputs.name1, inputs.name2

    system = ""
    jailbreak = ""
    if sysprompt is not None and sysprompt.enabled:
        if settings.prefer_character_prompt and card.system:
            system = substitute(card.system, env, original=substitute(sysprompt.content, env))
        else:
            system = substitute(sysprompt.content, env)
        if settings.prefer_character_jailbreak and card.jailbreak:
            jailbreak = substitute(card.jailbreak, env, original=substitute(sysprompt.post_history, env))
        else:
            jailbreak = substitute(sysprompt.post_history, env)

    _template_macros(env, template, context)

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

    def make(role: int, text: str, prompt: ExtensionPrompt) -> HistoryItem:
        if role == 1:
            return HistoryItem(name1, text, True, False, f"injection.{prompt.key}", injected=True)
        if role == 2:
            return HistoryItem(name2, text, False, False, f"injection.{prompt.key}", injected=True)
        return HistoryItem("", text, False, True, f"injection.{prompt.key}", injected=True)

    impersonate = generation_type == "impersonate"
    continuing = generation_type == "continue" and len(inputs.chat) > 0
    continued_text = ""
    continued_piece: _Piece | None = None
    if continuing:
        last = inputs.chat[len(inputs.chat) - 1]
        open_item = history_item(last, name2)
        continued_text = continued_item(open_item, template, env, name1=name1)
        role: Role = "user" if last.is_user else "system" if last.narrator else "assistant"
        continued_piece = _Piece("continued message", last.source, role, continued_text)
    bias = "" if impersonate or continuing else substitute(settings.start_reply_with, env)
    force_name2 = (context.always_force_name2 or bool(bias)) and not impersonate
    final_line = (
        ""
        if continuing
        else last_line(
            template,
            env,
            name2=name2,
            force_name2=force_name2,
            impersonate_as=name1 if impersonate else None,
            bias=bias,
        )
    )
    if template is None and bias:
        # Without instruct mode the bias follows the final "Name:" (or the last message) after one space.
        final_line += bias.lstrip() if final_line[-1:].isspace() or not final_line else " " + bias.lstrip()
    chat_start = substitute(context.chat_start + "\n", env) if context.chat_start else ""
    filler_text = ""
    if template is not None and template.user_alignment_message:
        filler_item = HistoryItem(name1, substitute(template.user_alignment_message, env), True, False, "alignment")
        filler_text = format_item(filler_item, template, env, name1=name1, variant="first")

    limit = max_context - max_tokens
    count = counter.count
    base = count(story) + count(filler_text) + count(chat_start) + count(final_line) + settings.token_padding
    base += count(continued_text)
    blocks = injection_blocks(prompts, make)
    if continuing:
        # The continued message leaves the history; depth 0 injections go before it (as depth 1).
        shifted: dict[int, list[HistoryItem]] = {}
        for depth in sorted(blocks):
            shifted.setdefault(max(depth, 1) - 1, []).extend(blocks[depth])
        blocks = shifted
    if settings.pin_examples:
        base += sum(count(e) for e in example_entries)
    history, dropped, total = _fill_history(
        inputs,
        blocks,
        jailbreak,
        template=template,
        counter=counter,
        total=base,
        limit=limit,
        skip_newest=continuing,
    )
    kept = history
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
            PromptSection.model_construct(
                name="example", source="card.mes_example", role="system", content=e, tokens=count(e)
            )
            for e in example_entries[len(examples_kept) :]
        )

    # The last kept item loses one trailing newline before the final line is appended (not when continuing,
    # where the open message follows).
    if continued_piece is not None:
        continued_piece.tokens = count(continued_piece.text)
        kept.append(continued_piece)
    elif kept and (template is None or template.wrap) and kept[-1].text.endswith("\n"):
        kept[-1] = kept[-1].with_text(kept[-1].text[:-1], count(kept[-1].text[:-1]))
    if template is None and final_line and not continuing:
        if kept and not kept[-1].text.endswith("\n"):
            kept[-1] = kept[-1].with_text(kept[-1].text + "\n", count(kept[-1].text + "\n"))

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
    text = "".join(map(_TEXT, sections)).replace("\r", "")
    if settings.collapse_newlines:
        text = re.sub(r"\n+", "\n", text)
    stops = stop_strings(
        template,
        context,
        env,
        name1=name1,
        name2=name2,
        custom=settings.custom_stopping_strings,
        impersonate=impersonate,
        continuing_user=continued_piece is not None and continued_piece.role == "user",
    )
    return AssembledPrompt.model_construct(
        mode="text",
        sections=[p.section() if p.cached is None else p.cached for p in sections],
        text=text,
        stop=stops,
        token_total=sum(map(_TOKENS, sections)),
        token_method=counter.method,
        token_exact=counter.exact,
        max_context=max_context,
        max_tokens=max_tokens,
        dropped=dropped,
        # Given, not defaulted: a default factory costs model_construct a signature inspection each.
        messages=[],
        banned=[],
        notes=[],
        chat_metadata_updates={},
    )


def history_item(item: ChatItem, name2: str) -> HistoryItem:
    """A chat message for formatting: character messages speak as the current character name (a renamed
    character's old messages follow the new name) unless they carry their own avatar (another speaker)."""
    name = item.name
    if not item.is_user and not item.narrator and not item.force_avatar:
        name = name2
    return HistoryItem(name, item.text, item.is_user, item.narrator, item.source, item.force_avatar)


def _frozen(piece: _Piece) -> _Piece:
    piece.cached = piece.section()
    return piece


def _fill_history(
    inputs: PromptInputs,
    blocks: dict[int, list[HistoryItem]],
    jailbreak: str,
    *,
    template: InstructTemplate | None,
    counter: TokenCounter,
    total: int,
    limit: int,
    skip_newest: bool = False,
) -> tuple[list[_Piece], list[PromptSection], int]:
    """Format and budget the history newest to oldest: injections are reserved first, then messages are added
    until the first that does not fit. Returns (kept pieces, chronological; dropped; running total)."""
    env = inputs.env
    chat = inputs.chat
    name1 = inputs.name1
    count = counter.count
    fmt_key = template.model_dump_json() if template is not None else ""
    oldest_source = chat[0].source if len(chat) else None

    table = counter.cache.table("tc-item")
    put = counter.cache.put
    fingerprints: dict[Variant, tuple[Variant, str, str]] = {v: (v, fmt_key, name1) for v in (None, "first", "last")}

    def build(item: HistoryItem | ChatItem, variant: Variant) -> _Piece:
        hist = item if isinstance(item, HistoryItem) else history_item(item, inputs.name2)
        text = format_item(hist, template, env, name1=name1, variant=variant)
        role: Role = "user" if item.is_user else "system" if item.narrator else "assistant"
        return _Piece(item.source, item.source, role, text, count(text))

    def piece(item: HistoryItem | ChatItem, variant: Variant) -> _Piece:
        if isinstance(item, HistoryItem):
            return build(item, variant)
        # Chat items are stable objects across re-assembly (memoised per message), so their pieces are too.
        fingerprint = fingerprints[variant]
        hit = table.get(id(item))
        if hit is not None and hit[0] is item and hit[1] == fingerprint:
            piece_hit: _Piece = hit[2]
            return piece_hit
        return put("tc-item", item, fingerprint, _frozen(build(item, variant)))

    # Each message comes with its plain piece, memoised with it: one lookup per unchanged message. The few
    # messages needing a first/last variant are looked up again below. The format key names everything the
    # piece depends on besides the item and the names (the counter is this memo's owner).
    originals: Iterator[tuple[ChatItem, _Piece]] = chat.iter_newest_derived(
        f"tc-piece\x00{fmt_key}", lambda item: _frozen(build(item, None))
    )
    if skip_newest:
        next(originals, None)

    # Reserve injected prompts first, shallowest first; stop at the first that does not fit.
    reserved: dict[int, _Piece] = {}
    for depth in sorted(blocks):
        for block_item in blocks[depth]:
            p = piece(block_item, None)
            if total + p.tokens < limit:
                total += p.tokens
                reserved[id(block_item)] = p
            else:
                break
        else:
            continue
        break

    kept: list[_Piece] = []
    emitted: set[int] = set()
    seen_user = False
    consumed = 0
    dropped: list[PromptSection] = []
    cut: _Piece | None = None

    def add_injected(item: HistoryItem, variant: Variant) -> None:
        emitted.add(id(item))
        kept_piece = reserved.get(id(item))
        if kept_piece is not None:
            if variant is not None:
                kept_piece = piece(item, variant)
            kept.append(kept_piece)
        else:
            dropped.append(piece(item, None).section())

    # Newest first: the post-history instructions, then the messages with each depth's injected block placed
    # after that many messages (blocks deeper than the history follow the oldest message). The newest user item
    # takes the "last" variant, the oldest message the "first".
    if jailbreak:
        seen_user = True  # the instructions count as the newest user item
        p = piece(HistoryItem("", jailbreak, True, False, "post_history_instructions"), "last")
        if total + p.tokens < limit:
            total += p.tokens
            kept.append(p)
        else:
            cut = p
    if cut is None:
        depth_reached = 0
        for item, p in originals:
            if blocks:
                for injected in blocks.get(depth_reached, ()):
                    if injected.is_user and not seen_user:
                        seen_user = True
                        add_injected(injected, "last")
                    else:
                        add_injected(injected, None)
            depth_reached += 1
            if item.is_user and not seen_user:
                seen_user = True
                p = piece(item, "last")
            elif item.source == oldest_source:
                p = piece(item, "first")
            if total + p.tokens < limit:
                total += p.tokens
                kept.append(p)
                consumed += 1
            else:
                cut = p
                break
        else:
            for depth in sorted(blocks):
                if depth >= depth_reached:
                    for injected in blocks[depth]:
                        if injected.is_user and not seen_user:
                            seen_user = True
                            add_injected(injected, "last")
                        else:
                            add_injected(injected, None)
    if cut is not None:
        # Reserved injections deeper than the cut still go in, above the oldest kept message.
        for depth in sorted(blocks):
            for block_item in blocks[depth]:
                if id(block_item) not in emitted and id(block_item) in reserved:
                    kept.append(reserved[id(block_item)])
        remaining = len(chat) - consumed - (1 if skip_newest else 0)
        if cut.source == "post_history_instructions":
            dropped.append(cut.section())
        elif remaining > 0:
            first = chat[0].source
            span = first if remaining == 1 else f"{first}..{cut.source}"
            dropped.insert(
                0,
                PromptSection.model_construct(
                    name=f"{remaining} older message{'s' if remaining != 1 else ''}",
                    source=span,
                    role="system",
                    content="",
                    tokens=0,
                ),
            )
    kept.reverse()
    return kept, dropped, total


def _template_macros(env: MacroEnv, template: InstructTemplate | None, context: ContextTemplate) -> None:
    """Macros naming the active templates' values ("" for instruct values when instruct mode is off)."""
    t = template
    values = {
        "examplesseparator": context.example_separator,
        "exampleseparator": context.example_separator,
        "chatseparator": context.example_separator,
        "chatstart": context.chat_start,
        "instructuserprefix": t.input_sequence if t else "",
        "instructusersuffix": t.input_suffix if t else "",
        "instructassistantprefix": t.output_sequence if t else "",
        "instructassistantsuffix": t.output_suffix if t else "",
        "instructsystemprefix": t.system_sequence if t else "",
        "instructsystemsuffix": t.system_suffix if t else "",
        "instructfirstassistantprefix": (t.first_output_sequence or t.output_sequence) if t else "",
        "instructlastassistantprefix": (t.last_output_sequence or t.output_sequence) if t else "",
        "instructfirstuserprefix": (t.first_input_sequence or t.input_sequence) if t else "",
        "instructlastuserprefix": (t.last_input_sequence or t.input_sequence) if t else "",
        "instructsysteminstructionprefix": t.last_system_sequence if t else "",
        "instructstorystringprefix": t.story_string_prefix if t else "",
        "instructstorystringsuffix": t.story_string_suffix if t else "",
        "instructstop": t.stop_sequence if t else "",
        "instructuserfiller": t.user_alignment_message if t else "",
    }
    env.values.update(values)
