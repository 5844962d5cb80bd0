"""Deriving instruct/context templates from a model's chat template, as SillyTavern's "Derive templates"."""

from __future__ import annotations

import hashlib

import pytest

from tavo_tui.prompt import derive
from tavo_tui.prompt.derive import derive_templates, template_hash
from tavo_tui.prompt.templates import load_context, load_instruct

QWEN = (
    "{%- for message in messages %}{{- '<|im_start|>' + message.role + '\\n' + message.content + '<|im_end|>' + "
    "'\\n' }}{%- endfor %}{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}{%- endif %}"
    "{# <|im_start|>user #}"
)
KIMI = "<|im_user|>user<|im_middle|>{{ m }}<|im_end|><|im_assistant|>assistant<|im_middle|>"
HARMONY = "<|start|>user<|message|>{{ c }}<|end|><|start|>assistant<|channel|>final<|message|>"
OLLAMA_LLAMA3 = (
    "{{ if .System }}<|start_header_id|>system<|end_header_id|>\n\n{{ .System }}<|eot_id|>{{ end }}"
    "<|start_header_id|>user<|end_header_id|>\n\n{{ .Prompt }}<|eot_id|>"
    "<|start_header_id|>assistant<|end_header_id|>\n\n"
)
OLLAMA_CHATML = "<|im_start|>{{ .Role }}\n{{ .Content }}<|im_end|>\n<|im_start|>assistant\n"


def test_a_known_hash_wins_and_old_llamacpp_nul_is_fixed_up(monkeypatch: pytest.MonkeyPatch) -> None:
    text = "{{ bos_token }}<|im_start|>user<|im_start|>assistant<|im_end|>\n"
    monkeypatch.setitem(derive._HASHES, hashlib.sha256(text.encode()).hexdigest(), "Tulu")
    found = derive_templates(text)
    assert found is not None and (found.instruct, found.context, found.sillytavern) == ("Tulu", "Tulu", True)
    assert "known template" in found.note
    assert template_hash(text[:-1] + "\0") == template_hash(text)  # what old llama.cpp builds sent
    assert derive_templates(text[:-1] + "\0") == found


@pytest.mark.parametrize(
    ("template", "name", "sillytavern"),
    [(QWEN, "ChatML", True), (KIMI, "Moonshot AI", True), (HARMONY, "OpenAI Harmony", True),
     (OLLAMA_LLAMA3, "Llama 3 Instruct", False), (OLLAMA_CHATML, "ChatML", False),
     ("<start_of_turn>user\n{{ c }}<end_of_turn>", "Gemma 2", False)],
)
def test_token_rules_sillytaverns_first(template: str, name: str, sillytavern: bool) -> None:
    found = derive_templates(template)
    assert found is not None and (found.instruct, found.sillytavern) == (name, sillytavern)
    assert found.note.startswith(f"instruct: {name} (derived from the server's chat template")


@pytest.mark.parametrize("template", [None, "", "  \n", "{{ .Prompt }}", "### Human: {{ p }}"])
def test_nothing_derived_without_a_known_format(template: str | None) -> None:
    assert derive_templates(template) is None


def test_every_derivable_name_is_a_shipped_instruct_and_context_template() -> None:
    names = {*derive._HASHES.values(), *(n for n, _ in derive._ST_TOKENS), *(n for n, _ in derive._OUR_TOKENS)}
    for name in names:
        assert load_instruct(name).name == name
        assert load_context(name).name == name
