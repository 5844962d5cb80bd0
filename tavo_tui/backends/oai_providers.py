"""Per-provider profiles of the OpenAI family, as declarations over `OpenAICompatBackend`.

Each class states what differs for one provider: default base URL, auth and extra headers, the token-count
endpoint, and (only where needed) a small hook for message rules or extra body fields. Which sampler keys
each server accepts, and under which names, is the kind's row in sampler_table.
Sources: the backends reference, sections 3, 5 and 7.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar

from tavo_tui.backends.base import BackendError
from tavo_tui.backends.openai_compat import (
    LLAMA_CPP_PYTHON_COUNT,
    LLAMACPP_TOKENIZE,
    OpenAICompatBackend,
    TokenEndpoint,
)
from tavo_tui.backends.urls import OAIBase, clean_url, join
from tavo_tui.model import AssembledPrompt, SamplerSettings

_USAGE = {"stream_options": {"include_usage": True}}


def _with_names(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Messages without the `name` field (strict servers reject it); the name moves into the content."""
    out = []
    for message in messages:
        m = {k: v for k, v in message.items() if k != "name"}
        name = message.get("name")
        if name and isinstance(m.get("content"), str) and not m["content"].startswith(f"{name}:"):
            m["content"] = f"{name}: {m['content']}"
        out.append(m)
    return out


def merge_roles(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Consecutive messages with the same role joined with a blank line (string contents only)."""
    out: list[dict[str, Any]] = []
    for message in messages:
        if out and out[-1]["role"] == message["role"] and isinstance(out[-1].get("content"), str):
            out[-1] = {**out[-1], "content": f"{out[-1]['content']}\n\n{message.get('content', '')}"}
        else:
            out.append(dict(message))
    return out


START_PLACEHOLDER = "(The conversation begins.)"
CONTINUE_PLACEHOLDER = "(Continue.)"


def strict_alternation(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Leading system message, then user/assistant strictly alternating, first and last user."""
    msgs = _with_names(messages)
    lead: list[dict[str, Any]] = []
    while msgs and msgs[0]["role"] == "system":
        lead.append(msgs.pop(0))
    rest = [{**m, "role": "user"} if m["role"] == "system" else m for m in msgs]
    rest = merge_roles(rest)
    if not rest or rest[0]["role"] != "user":
        rest.insert(0, {"role": "user", "content": START_PLACEHOLDER})
    if rest[-1]["role"] != "user":
        rest.append({"role": "user", "content": CONTINUE_PLACEHOLDER})
    return merge_roles(lead) + rest


# -- hosted -------------------------------------------------------------------------------------------


class OpenAIBackend(OpenAICompatBackend):
    kind = "openai"
    default_base_url = "https://api.openai.com/v1"
    server_name = "OpenAI"
    max_stops = 4
    tokenizers = ()
    # o1/o3/o4 and gpt-5 reject max_tokens and any non-default sampling value.
    _REASONING = re.compile(r"^(o\d|gpt-5)", re.IGNORECASE)

    def _reasoning_model(self) -> bool:
        return bool(self._REASONING.match(self.profile.model.rsplit("/", 1)[-1]))

    def max_tokens_field(self) -> str:
        return "max_completion_tokens" if self._reasoning_model() else "max_tokens"

    def sampler_body(self, sampler: SamplerSettings) -> dict[str, Any]:
        body = super().sampler_body(sampler)
        return {k: v for k, v in body.items() if k == "seed"} if self._reasoning_model() else body

    def extra_body(self, prompt: AssembledPrompt, stream: bool) -> dict[str, Any]:
        out: dict[str, Any] = dict(_USAGE) if stream else {}
        if self._reasoning_model() and self.profile.options.get("reasoning_effort"):
            out["reasoning_effort"] = self.profile.options["reasoning_effort"]
        return out


class DeepSeekBackend(OpenAICompatBackend):
    kind = "deepseek"
    default_base_url = "https://api.deepseek.com/v1"
    server_name = "DeepSeek"
    chat_only = True
    reasoning_fields = ("reasoning_content",)
    tokenizers = ()

    def shape_messages(self, messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
        # Reasoning from earlier turns is never sent back (older reasoner models answered 400).
        return [{k: v for k, v in m.items() if k != "reasoning_content"} for m in messages]

    def extra_body(self, prompt: AssembledPrompt, stream: bool) -> dict[str, Any]:
        return dict(_USAGE) if stream else {}


class MistralBackend(OpenAICompatBackend):
    kind = "mistral"
    default_base_url = "https://api.mistral.ai/v1"
    server_name = "Mistral"
    chat_only = True
    # Strict schema: any other key is a 422 "extra_forbidden".
    tokenizers = ()

    def shape_messages(self, messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
        out = _with_names(messages)
        # A system message after the conversation started is refused after an assistant turn: make it user.
        started = False
        for i, message in enumerate(out):
            if message["role"] != "system":
                started = True
            elif started:
                out[i] = {**message, "role": "user"}
        out = merge_roles(out)
        if out and out[-1]["role"] == "assistant":
            out[-1] = {**out[-1], "prefix": True}  # continue the assistant's text instead of a 400
        return out


class OpenRouterBackend(OpenAICompatBackend):
    """Options: provider (routing object), reasoning ({effort|max_tokens|exclude}), transforms, models."""

    kind = "openrouter"
    default_base_url = "https://openrouter.ai/api/v1"
    server_name = "OpenRouter"
    extra_headers: ClassVar[dict[str, str]] = {"HTTP-Referer": "https://github.com/tavo-tui", "X-Title": "tavo-tui"}
    tokenizers = ()

    def extra_body(self, prompt: AssembledPrompt, stream: bool) -> dict[str, Any]:
        opts = self.profile.options
        out = {k: opts[k] for k in ("provider", "reasoning", "transforms", "models") if opts.get(k) is not None}
        return out


class PerplexityBackend(OpenAICompatBackend):
    kind = "perplexity"
    default_base_url = "https://api.perplexity.ai"
    server_name = "Perplexity"
    chat_only = True
    has_model_list = False
    static_models = ("sonar", "sonar-pro", "sonar-reasoning", "sonar-reasoning-pro", "sonar-deep-research")
    # Perplexity refuses presence_penalty together with frequency_penalty; the zero defaults are not sent.
    neutral_dropped: ClassVar[dict[str, float]] = {"presence_penalty": 0.0, "frequency_penalty": 0.0}
    max_stops = 0  # not documented there; stop strings are applied client-side only
    tokenizers = ()

    @classmethod
    def normalise_base(cls, raw: str) -> OAIBase:
        return OAIBase(clean_url(raw), certain=True)  # no /v1 on this API

    def shape_messages(self, messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return strict_alternation(messages)


class AI21Backend(OpenAICompatBackend):
    kind = "ai21"
    default_base_url = "https://api.ai21.com/studio/v1"
    server_name = "AI21"
    chat_only = True
    has_model_list = False
    static_models = ("jamba-large", "jamba-mini")
    tokenizers = ()

    def shape_messages(self, messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
        msgs = _with_names(messages)
        lead = [m for m in msgs[: next((i for i, m in enumerate(msgs) if m["role"] != "system"), len(msgs))]]
        rest = msgs[len(lead) :]
        squashed = [{"role": "system", "content": "\n\n".join(str(m.get("content", "")) for m in lead)}] if lead else []
        return squashed + merge_roles(rest)


class ElectronHubBackend(OpenAICompatBackend):
    kind = "electronhub"
    default_base_url = "https://api.electronhub.ai/v1"
    server_name = "Electron Hub"
    chat_only = True
    tokenizers = ()


class AIMLAPIBackend(OpenAICompatBackend):
    kind = "aimlapi"
    default_base_url = "https://api.aimlapi.com/v1"
    server_name = "AI/ML API"
    chat_only = True
    extra_headers: ClassVar[dict[str, str]] = {"HTTP-Referer": "https://github.com/tavo-tui", "X-Title": "tavo-tui"}
    tokenizers = ()


class DreamGenBackend(OpenAICompatBackend):
    kind = "dreamgen"
    default_base_url = "https://dreamgen.com/api/openai/v1"
    server_name = "DreamGen"
    tokenizers = ()


class PollinationsBackend(OpenAICompatBackend):
    kind = "pollinations"
    default_base_url = "https://gen.pollinations.ai/v1"
    server_name = "Pollinations"
    chat_only = True
    tokenizers = ()

    def extra_body(self, prompt: AssembledPrompt, stream: bool) -> dict[str, Any]:
        return {"private": True, "referrer": "tavo-tui"}


class MancerBackend(OpenAICompatBackend):
    kind = "mancer"
    default_base_url = "https://neuro.mancer.tech/oai/v1"
    server_name = "Mancer"
    tokenizers = ()

    def auth_headers(self) -> dict[str, str]:
        key = self.checked_key()
        return {"X-API-KEY": key, "Authorization": f"Bearer {key}"} if key else {}


class CloudflareBackend(OpenAICompatBackend):
    """Base: https://api.cloudflare.com/client/v4/accounts/<account id>/ai/v1 (the id is the user's)."""

    kind = "cloudflare"
    default_base_url = "https://api.cloudflare.com/client/v4/accounts/ACCOUNT_ID/ai/v1"
    server_name = "Cloudflare Workers AI"
    chat_only = True
    tokenizers = ()

    @property
    def base_url(self) -> str:
        base = super().base_url
        if "/accounts/ACCOUNT_ID/" in base:
            raise BackendError(
                "bad_request",
                "the Cloudflare base URL still has the ACCOUNT_ID placeholder — put your account id in it",
            )
        return base

    def models_url(self, base: str) -> str:
        # No OpenAI-style list: the account's model search, filtered to text generation.
        return join(base.removesuffix("/v1"), "models/search?task=Text%20Generation")


# -- local servers ----------------------------------------------------------------------------------


class LlamaCppOpenAIBackend(OpenAICompatBackend):
    kind = "llamacpp"
    default_base_url = "http://127.0.0.1:8080"
    server_name = "llama.cpp server"
    tokenizers = (LLAMACPP_TOKENIZE, LLAMA_CPP_PYTHON_COUNT)


class KoboldCppOpenAIBackend(OpenAICompatBackend):
    kind = "koboldcpp"
    default_base_url = "http://127.0.0.1:5001"
    server_name = "KoboldCpp"
    tokenizers = (TokenEndpoint("koboldcpp", "api/extra/tokencount", "prompt"),)


class OobaBackend(OpenAICompatBackend):
    kind = "ooba"
    default_base_url = "http://127.0.0.1:5000"
    server_name = "text-generation-webui"
    tokenizers = (TokenEndpoint("ooba", "v1/internal/token-count", "text"),)

    def extra_body(self, prompt: AssembledPrompt, stream: bool) -> dict[str, Any]:
        # {{banned "word"}} macros: SillyTavern sends these words in the text-completion body's banned_strings,
        # after the preset's own banned strings.
        if not prompt.banned:
            return {}
        own = self.sampler_body(self.profile.sampler).get("banned_strings", [])
        return {"banned_strings": list(dict.fromkeys([*own, *prompt.banned]))}


class TabbyBackend(OpenAICompatBackend):
    kind = "tabby"
    default_base_url = "http://127.0.0.1:5000"
    server_name = "TabbyAPI"
    tokenizers = (TokenEndpoint("tabby", "v1/token/encode", "text"),)

    def auth_headers(self) -> dict[str, str]:
        key = self.checked_key()
        return {"x-api-key": key, "Authorization": f"Bearer {key}"} if key else {}


class VLLMBackend(OpenAICompatBackend):
    kind = "vllm"
    default_base_url = "http://127.0.0.1:8000"
    server_name = "vLLM"
    tokenizers = (TokenEndpoint("vllm", "tokenize", "prompt", with_model=True),)


class AphroditeBackend(OpenAICompatBackend):
    kind = "aphrodite"
    default_base_url = "http://127.0.0.1:2242"
    server_name = "Aphrodite"
    tokenizers = (TokenEndpoint("aphrodite", "v1/tokenize", "prompt", with_model=True),)

    def auth_headers(self) -> dict[str, str]:
        key = self.checked_key()
        return {"Authorization": f"Bearer {key}", "X-API-KEY": key} if key else {}


class LMStudioBackend(OpenAICompatBackend):
    kind = "lmstudio"
    default_base_url = "http://127.0.0.1:1234"
    server_name = "LM Studio"
    tokenizers = ()


class OllamaOpenAIBackend(OpenAICompatBackend):
    kind = "ollama"
    default_base_url = "http://127.0.0.1:11434"
    server_name = "Ollama"
    reasoning_fields = ("reasoning", "reasoning_content")
    tokenizers = ()
