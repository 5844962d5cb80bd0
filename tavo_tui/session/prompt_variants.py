"""Continue and impersonate: how their prompts differ from a normal reply's (sillytavern.md §2.7, §3.3, §3.7, §7).

The prompt engine builds the normal prompt; these pure functions reshape its result:

* continue, chat completion: the continued message moves to the very end, followed by the continue nudge (with
  `continue_prefill`, the message itself is the last, unterminated turn and no nudge is sent);
* continue, text completion: the prompt is built without the message, so it ends with the reply prefix, and the
  message's text follows unterminated;
* impersonate, chat completion: the impersonation prompt is the final system message;
* impersonate, text completion: the reply prefix is replaced by the user's prefix (input sequence or `Name:`).
"""

from __future__ import annotations

from tavo_tui.model import AssembledPrompt, PromptSection
from tavo_tui.prompt.chat_completion import MESSAGE_OVERHEAD
from tavo_tui.prompt.templates import InstructTemplate
from tavo_tui.prompt.tokens import TokenCounter

REPLY_PREFIX = "reply prefix"


def fill_names(text: str, *, user: str, char: str, name: str | None = None) -> str:
    """The few macros these control prompts use."""
    out = text.replace("{{user}}", user).replace("{{char}}", char)
    return out.replace("{{name}}", name) if name is not None else out


def _add(prompt: AssembledPrompt, section: PromptSection, *, message: bool) -> None:
    """Add a section and its tokens (plus the per-message framing in chat mode) to the totals."""
    prompt.sections.append(section)
    prompt.token_total += section.tokens + (MESSAGE_OVERHEAD if message else 0)


def continue_chat(
    prompt: AssembledPrompt, text: str, *, nudge: str, prefill: bool, user: str, char: str, counter: TokenCounter
) -> AssembledPrompt:
    out = prompt.model_copy(deep=True)
    moved: dict[str, object] | None = None
    for i in range(len(out.messages) - 1, -1, -1):
        message = out.messages[i]
        if message.get("role") == "assistant" and str(message.get("content", "")).endswith(text.strip()):
            moved = out.messages.pop(i)
            break
    if moved is None:
        moved = {"role": "assistant", "content": text}
        out.messages.append(moved)
        _add(out, PromptSection(name="continued message", source="continue", role="assistant", content=text,
                                tokens=counter.count(text)), message=True)
    else:
        out.messages.append(moved)  # already counted as history
    if not prefill:
        content = fill_names(nudge.replace("{{lastChatMessage}}", text), user=user, char=char)
        out.messages.append({"role": "system", "content": content})
        _add(out, PromptSection(name="continue nudge", source="chat_completion.continue_nudge_prompt",
                                content=content, tokens=counter.count(content)), message=True)
    return out


def continue_text(prompt_without_last: AssembledPrompt, text: str, *, counter: TokenCounter) -> AssembledPrompt:
    """`prompt_without_last` ends with the character's reply prefix; the continued text follows it unterminated."""
    out = prompt_without_last.model_copy(deep=True)
    joiner = " " if out.text.endswith(":") and not text[:1].isspace() else ""
    piece = joiner + text
    out.text += piece
    _add(out, PromptSection(name="continued message", source="continue", role="assistant", content=piece,
                            tokens=counter.count(piece)), message=False)
    return out


def impersonation_prefix(template: InstructTemplate | None, *, user: str, text_so_far: str) -> str:
    """The user's turn opener, built the way the character's reply prefix is (sillytavern.md §2.7)."""
    if template is None:
        return ("" if text_so_far.endswith("\n") or not text_so_far else "\n") + f"{user}:"
    sequence = template.last_input_sequence or template.input_sequence
    if template.macro:
        sequence = sequence.replace("{{name}}", user).replace("{{user}}", user)
    include = bool(user) and template.names_behavior == "always"
    sep = "\n" if template.wrap else ""
    opener = f"{sep}{sequence}{sep}{user}:" if include else f"{sep}{sequence}"
    opener = opener.rstrip() if template.wrap else opener
    return opener if include else opener + sep


def impersonate_chat(prompt: AssembledPrompt, instruction: str, *, user: str, char: str,
                     counter: TokenCounter) -> AssembledPrompt:
    out = prompt.model_copy(deep=True)
    content = fill_names(instruction, user=user, char=char)
    out.messages.append({"role": "system", "content": content})
    _add(out, PromptSection(name="impersonation prompt", source="chat_completion.impersonation_prompt",
                            content=content, tokens=counter.count(content)), message=True)
    return out


def impersonate_text(prompt: AssembledPrompt, template: InstructTemplate | None, *, user: str, char: str,
                     counter: TokenCounter) -> AssembledPrompt:
    out = prompt.model_copy(deep=True)
    prefix = next((s for s in reversed(out.sections) if s.name == REPLY_PREFIX), None)
    text = out.text
    if prefix is not None and prefix.content and text.endswith(prefix.content):
        text = text[: -len(prefix.content)]
        out.sections.remove(prefix)
        out.token_total -= prefix.tokens
    elif text.endswith(f"{char}:"):
        text = text[: -len(f"{char}:")]
    if template is None:
        text = text.rstrip(" ")
    opener = impersonation_prefix(template, user=user, text_so_far=text)
    out.text = text + opener
    _add(out, PromptSection(name="user prefix", source="impersonate", role="user", content=opener,
                            tokens=counter.count(opener)), message=False)
    stop = f"\n{char}:"
    if stop not in out.stop:
        out.stop = [stop, *out.stop]
    return out


def clean_impersonation(text: str, user: str) -> str:
    """Drop a leading `User:` the model may repeat."""
    stripped = text.lstrip()
    if user and stripped.startswith(f"{user}:"):
        stripped = stripped[len(user) + 1 :]
    return stripped.strip()
