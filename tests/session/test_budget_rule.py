"""The budget rule (session/budget.py) on its own: which prompts are refused, and the figures it gives."""

from __future__ import annotations

from tavo_tui.model import AssembledPrompt, Message, PromptSection
from tavo_tui.prompt.tokens import estimate_counter
from tavo_tui.session.budget import newest_source, over_budget, refusal_for


def section(source: str, tokens: int, role: str = "system") -> PromptSection:
    return PromptSection(name=source, source=source, role=role, content="x", tokens=tokens)  # type: ignore[arg-type]


def chat_prompt(*sections: PromptSection, total: int) -> AssembledPrompt:
    return AssembledPrompt(mode="chat", sections=list(sections), token_total=total, max_context=1000,
                           max_tokens=200, token_method="tiktoken o200k_base")


def test_newest_source_skips_hidden_messages_and_names_the_pending_one() -> None:
    messages = [Message(name="A", mes="hello"), Message(name="U", mes="hi", is_user=True),
                Message(name="U", mes="hidden", is_user=True, is_system=True)]
    assert newest_source(messages, None) == ("history[1]", "hi", True)
    assert newest_source(messages, "new") == ("pending", "new", True)
    assert newest_source(messages[:1], None) == ("greeting", "hello", False)


def test_a_left_out_user_message_is_refused_with_its_size_and_the_room() -> None:
    prompt = chat_prompt(section("preset.main", 300), section("history[0]", 50), total=353)
    assert refusal_for(prompt, ("history[3]", "word " * 400, True), estimate_counter()) is None  # nothing cut
    prompt.dropped = [section("history[1]..history[3]", 0)]
    refusal = refusal_for(prompt, ("history[3]", "word " * 400, True), estimate_counter())
    assert refusal is not None
    # 2000 chars / 4 + 4 framing; room: 1000 - 200 - (353 - 50 history) = 497
    assert (refusal.tokens, refusal.available, refusal.rest) == (504, 497, 303)
    assert refusal.text == ("your message is 504 tokens; 497 are available (context 1000, reply 200, "
                            "rest of the prompt 303)")
    kept = chat_prompt(section("preset.main", 300), section("history[3]", 504, "user"), total=807)
    assert refusal_for(kept, ("history[3]", "word " * 400, True), estimate_counter()) is None
    # A character message last (a reply after a reply) is not the user's: older history may go.
    assert refusal_for(prompt, ("history[3]", "text", False), estimate_counter()) is None


def test_a_continued_message_is_refused_only_over_the_budget() -> None:
    fits = chat_prompt(section("preset.main", 300), section("history[2]", 400, "assistant"), total=703)
    assert refusal_for(fits, ("history[2]", "t", False), estimate_counter(), continuing=True) is None
    over = chat_prompt(section("preset.main", 300), section("history[2]", 700, "assistant"), total=1003)
    refusal = refusal_for(over, ("history[2]", "t", False), estimate_counter(), continuing=True)
    assert refusal is not None and refusal.tokens == 700 and refusal.available == 497
    assert refusal.text.startswith("the message to continue is 700 tokens")


def test_over_budget_names_the_counted_total() -> None:
    assert over_budget(chat_prompt(total=800)) is None
    note = over_budget(chat_prompt(total=801))
    assert note == ("the prompt is 801 tokens as counted (tiktoken o200k_base); 800 are available "
                    "(context 1000, reply 200)")
