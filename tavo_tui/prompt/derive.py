"""Derive the instruct and context templates from a model's chat template, as SillyTavern's "Derive templates"
does (public/scripts/chat-templates.js): the SHA-256 of the template text against a table of known templates,
then a few token heuristics.

SillyTavern hashes the text exactly as the server reports it (llama.cpp `/props` `chat_template`; old llama.cpp
builds put a NUL where the last newline was, which SillyTavern turns back into "\\n"). After SillyTavern's rules
fail, tavo-tui tries the template's own tokens for the formats it ships (useful for Ollama, whose Go templates
never match a Jinja hash); those guesses say so.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

# sha256(chat_template) -> preset name (instruct and context of the same name), from SillyTavern's table.
_HASHES: dict[str, str] = {
    "e10ca381b1ccc5cf9db52e371f3b6651576caee0a630b452e2816b2d404d4b65": "Llama 3 Instruct",  # Llama 3.1
    "5816fce10444e03c2e9ee1ef8a4a1ea61ae7e69e438613f3b17b69d0426223a4": "Llama 3 Instruct",  # Llama 3.2
    "73e87b1667d87ab7d7b579107f01151b29ce7f3ccdd1018fdc397e78be76219d": "Llama 3 Instruct",  # Nemotron 70B
    "e16746b40344d6c5b5265988e0328a0bf7277be86f1c335156eae07e29c82826": "Mistral V2 & V3",  # Small 2409, Large 2407
    "26a59556925c987317ce5291811ba3b7f32ec4c647c400c6cc7e3a9993007ba7": "Mistral V2 & V3",  # 7B Instruct v0.3
    "e4676cb56dffea7782fd3e2b577cfaf1e123537e6ef49b3ec7caa6c095c62272": "Mistral V3-Tekken",  # Nemo 2407
    "3c4ad5fa60dd8c7ccdf82fa4225864c903e107728fcaf859fa6052cb80c92ee9": "Mistral V7",  # Large 2411
    "3934d199bfe5b6fab5cba1b5f8ee475e8d5738ac315f21cb09545b4e665cc005": "Mistral V7",  # Small 24B
    "ecd6ae513fe103f0eb62e8ab5bfa8d0fe45c1074fa398b089c93a7e70c15cfd6": "Gemma 2",  # gemma-2-9b/27b-it
    "87fa45af6cdc3d6a9e4dd34a0a6848eceaa73a35dcfe976bd2946a5822a38bf3": "Gemma 2",  # gemma-2-2b-it
    "7de1c58e208eda46e9c7f86397df37ec49883aeece39fb961e0a6b24088dd3c4": "Gemma 2",  # gemma-3
    "3b54f5c219ae1caa5c0bb2cdc7c001863ca6807cf888e4240e8739fa7eb9e02e": "Command R",  # command-r-08-2024
    "ac7498a36a719da630e99d48e6ebc4409de85a77556c2b6159eeb735bcbd11df": "Tulu",  # Tulu-3
    "54d400beedcd17f464e10063e0577f6f798fa896266a912d8a366f8a2fcc0bca": "DeepSeek-V2.5",
    "b6835114b7303ddd78919a82e4d9f7d8c26ed0d7dfc36beeb12d524f6144eab1": "DeepSeek-V2.5",  # DeepSeek R1
    "854b703e44ca06bdb196cc471c728d15dbab61e744fe6cdce980086b61646ed1": "GLM-4",
    "aab20feb9bc6881f941ea649356130ffbc4943b3c2577c0991e1fba90de5a0fc": "Moonshot AI",  # Kimi K2
    "70da0d2348e40aaf8dad05f04a316835fd10547bd7e3392ce337e4c79ba91c01": "OpenAI Harmony",  # gpt-oss (unsloth)
    "a4c9919cbbd4acdd51ccffe22da049264b1b73e59055fa58811a99efbd7c8146": "OpenAI Harmony",  # gpt-oss (ggml-org)
}

# SillyTavern's heuristics, in its order: every token must appear in the template.
_ST_TOKENS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Moonshot AI", ("<|im_user|>user<|im_middle|>", "<|im_assistant|>assistant<|im_middle|>", "<|im_end|>")),
    ("OpenAI Harmony", ("<|start|>user<|message|>", "<|start|>assistant<|channel|>final<|message|>", "<|end|>")),
    ("ChatML", ("<|im_start|>user", "<|im_start|>assistant", "<|im_end|>")),
)

# tavo-tui's own guesses, tried only when SillyTavern's rules find nothing: each format's turn tokens.
_OUR_TOKENS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("ChatML", ("<|im_start|>", "<|im_end|>")),  # Go templates write "<|im_start|>{{ .Role }}"
    ("Llama 4 Instruct", ("<|header_start|>", "<|header_end|>", "<|eot|>")),
    ("Llama 3 Instruct", ("<|start_header_id|>", "<|end_header_id|>", "<|eot_id|>")),
    ("Gemma 4", ("<|turn>", "<turn|>")),
    ("Gemma 2", ("<start_of_turn>", "<end_of_turn>")),
    ("Command R", ("<|START_OF_TURN_TOKEN|>", "<|END_OF_TURN_TOKEN|>")),
    ("Mistral V7", ("[SYSTEM_PROMPT]", "[INST]")),
    ("Phi", ("<|user|>", "<|assistant|>", "<|end|>")),
)


@dataclass(frozen=True)
class Derived:
    """The preset names derived from a chat template, and how (for the note the user sees)."""

    instruct: str
    context: str
    how: str  # "known template (sha256 …)", "SillyTavern's <|im_start|> rule", "guessed from its tokens …"
    sillytavern: bool  # False: tavo-tui's own guess, where SillyTavern would derive nothing

    @property
    def note(self) -> str:
        names = self.instruct if self.context == self.instruct else f"{self.instruct}, context: {self.context}"
        return f"instruct: {names} (derived from the server's chat template: {self.how})"


def template_hash(chat_template: str) -> str:
    """SillyTavern's hash of a chat template as a server reported it."""
    if chat_template.endswith("\0"):
        chat_template = chat_template[:-1] + "\n"  # old llama.cpp builds (SillyTavern's fix-up)
    return hashlib.sha256(chat_template.encode("utf-8")).hexdigest()


def derive_templates(chat_template: str | None) -> Derived | None:
    """The instruct/context preset names for `chat_template`, or None when nothing matches (or it is empty)."""
    if not chat_template or not chat_template.strip():
        return None
    digest = template_hash(chat_template)
    name = _HASHES.get(digest) or _HASHES.get(hashlib.sha256(chat_template.strip("\0").strip().encode()).hexdigest())
    if name is not None:
        return Derived(name, name, f"known template, sha256 {digest[:12]}…", True)
    for name, tokens in _ST_TOKENS:
        if all(token in chat_template for token in tokens):
            return Derived(name, name, f"it uses {' '.join(tokens)}", True)
    for name, tokens in _OUR_TOKENS:
        if all(token in chat_template for token in tokens):
            return Derived(name, name, f"guessed from its {' '.join(tokens)} tokens", False)
    return None
