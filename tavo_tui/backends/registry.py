"""Backend kinds by name, and the one factory the session uses to build an adapter from a profile."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import httpx

from tavo_tui.backends import oai_providers as oai
from tavo_tui.backends.base import Backend, BackendError
from tavo_tui.backends.demo import DemoBackend
from tavo_tui.backends.openai_compat import OpenAICompatBackend
from tavo_tui.model import ConnectionProfile

Factory = Callable[..., Backend]


@dataclass(frozen=True)
class KindInfo:
    """What the connection editor shows for a kind, and how to build it."""

    name: str
    description: str
    default_base_url: str
    factory: Factory
    needs_key: bool = False  # hosted APIs always need one; local servers only when started with one
    modes: tuple[str, ...] = ("chat", "text")
    key_env: str | None = None  # the environment variable people usually keep this key in
    family: str = "openai"  # protocol family (see the README table)
    apis: tuple[str, ...] = ()  # ("native", "openai") when the server speaks both
    streaming: bool = True
    tokenizer: str = ""  # the server's token-count endpoint, "" when it has none
    options: tuple[str, ...] = ()  # keys of ConnectionProfile.options this kind reads

    @property
    def default_url(self) -> str:
        """Alias of `default_base_url` (the CLI's name for it)."""
        return self.default_base_url

    def api_for(self, profile: ConnectionProfile) -> str | None:
        """Which API a profile of this kind uses: its own choice, else native for text and OpenAI for chat
        (the native APIs of llama.cpp and KoboldCpp are text-only; Ollama's native API has both)."""
        if not self.apis:
            return None
        if profile.api in self.apis:
            return profile.api
        if "native" in self.apis and (profile.mode == "text" or self.name == "ollama"):
            return "native"
        return "openai"


def _dual(native: Callable[[], type[Any]], openai: type[Any], kind: str) -> Factory:
    """A factory choosing the native or the OpenAI-compatible adapter by the profile's API."""

    def build(profile: ConnectionProfile, api_key: str | None = None, **kw: Any) -> Backend:
        api = KINDS[kind].api_for(profile)
        cls = native() if api == "native" else openai
        backend: Backend = cls(profile, api_key, **kw)
        return backend

    return build


def _native_llamacpp() -> type[Any]:
    from tavo_tui.backends.llamacpp import LlamaCppBackend

    return LlamaCppBackend


def _native_koboldcpp() -> type[Any]:
    from tavo_tui.backends.kobold import KoboldCppBackend

    return KoboldCppBackend


def _native_ollama() -> type[Any]:
    from tavo_tui.backends.ollama import OllamaBackend

    return OllamaBackend


def _lazy(module: str, name: str) -> Factory:
    """Import an adapter module only when a profile of that kind is used (keeps start-up fast)."""

    def build(profile: ConnectionProfile, api_key: str | None = None, **kw: Any) -> Backend:
        import importlib

        cls = getattr(importlib.import_module(f"tavo_tui.backends.{module}"), name)
        backend: Backend = cls(profile, api_key, **kw)
        return backend

    return build


def _entries(*infos: KindInfo) -> Mapping[str, KindInfo]:
    return MappingProxyType({info.name: info for info in infos})


CHAT = ("chat",)
TEXT = ("text",)
_SIMPLE: tuple[tuple[type[OpenAICompatBackend], str, str | None, tuple[str, ...], str], ...] = (
    (oai.OpenAIBackend, "OpenAI (GPT, o-series)", "OPENAI_API_KEY", ("chat", "text"), ""),
    (oai.DeepSeekBackend, "DeepSeek (reasoning shown apart)", "DEEPSEEK_API_KEY", CHAT, ""),
    (oai.MistralBackend, "Mistral La Plateforme (strict schema, Magistral thinking)", "MISTRAL_API_KEY", CHAT, ""),
    (oai.OpenRouterBackend, "OpenRouter (many providers; routing and reasoning options)", "OPENROUTER_API_KEY",
     ("chat", "text"), ""),
    (oai.PerplexityBackend, "Perplexity Sonar (strict user/assistant alternation)", "PERPLEXITY_API_KEY", CHAT, ""),
    (oai.AI21Backend, "AI21 Jamba", "AI21_API_KEY", CHAT, ""),
    (oai.ElectronHubBackend, "Electron Hub", "ELECTRONHUB_API_KEY", CHAT, ""),
    (oai.AIMLAPIBackend, "AI/ML API", "AIMLAPI_API_KEY", CHAT, ""),
    (oai.DreamGenBackend, "DreamGen (Lucid / Opus)", "DREAMGEN_API_KEY", ("chat", "text"), ""),
    (oai.PollinationsBackend, "Pollinations (key optional)", "POLLINATIONS_API_KEY", CHAT, ""),
    (oai.MancerBackend, "Mancer", "MANCER_API_KEY", ("chat", "text"), ""),
    (oai.CloudflareBackend, "Cloudflare Workers AI (put your account id in the URL)", "CLOUDFLARE_API_TOKEN",
     CHAT, ""),
    (oai.OobaBackend, "text-generation-webui (Oobabooga) --api", "OOBA_API_KEY", ("chat", "text"),
     "/v1/internal/token-count"),
    (oai.TabbyBackend, "TabbyAPI (ExLlama)", "TABBY_API_KEY", ("chat", "text"), "/v1/token/encode"),
    (oai.VLLMBackend, "vLLM OpenAI server", "VLLM_API_KEY", ("chat", "text"), "/tokenize"),
    (oai.AphroditeBackend, "Aphrodite engine", "APHRODITE_API_KEY", ("chat", "text"), "/v1/tokenize"),
    (oai.LMStudioBackend, "LM Studio local server", None, ("chat", "text"), ""),
)  # fmt: skip
_LOCAL = {"ooba", "tabby", "vllm", "aphrodite", "lmstudio"}


def _simple(cls: type[OpenAICompatBackend], text: str, env: str | None, modes: tuple[str, ...], tok: str) -> KindInfo:
    hosted = cls.kind not in _LOCAL and cls.kind != "pollinations"
    options: tuple[str, ...] = ("provider", "reasoning", "transforms", "models") if cls.kind == "openrouter" else ()
    if cls.kind == "openai":
        options = ("reasoning_effort",)
    return KindInfo(cls.kind, text, cls.default_base_url, cls, needs_key=hosted, modes=modes, key_env=env,
                    tokenizer=tok, options=options)  # fmt: skip


# New kinds are one more KindInfo line here plus a small adapter module.
KINDS: Mapping[str, KindInfo] = _entries(
    KindInfo(
        "demo",
        "offline demo: in-character canned replies, no server needed",
        DemoBackend.default_base_url,
        DemoBackend,
        family="demo",
    ),
    KindInfo(
        "openai-compatible",
        "any OpenAI-style server: llama.cpp, llama-cpp-python, vLLM, LM Studio, TabbyAPI, ...",
        OpenAICompatBackend.default_base_url,
        OpenAICompatBackend,
        tokenizer="/tokenize or /extras/tokenize/count (probed)",
    ),
    *(_simple(*row) for row in _SIMPLE[:12]),
    KindInfo(
        "llamacpp",
        "llama.cpp llama-server (native /completion for text, /v1 for chat)",
        "http://127.0.0.1:8080",
        _dual(_native_llamacpp, oai.LlamaCppOpenAIBackend, "llamacpp"),
        key_env="LLAMA_API_KEY",
        family="llamacpp",
        apis=("native", "openai"),
        tokenizer="/tokenize",
    ),
    KindInfo(
        "koboldcpp",
        "KoboldCpp (native Kobold API for text, /v1 for chat)",
        "http://127.0.0.1:5001",
        _dual(_native_koboldcpp, oai.KoboldCppOpenAIBackend, "koboldcpp"),
        key_env="KOBOLDCPP_PASSWORD",
        family="kobold",
        apis=("native", "openai"),
        tokenizer="/api/extra/tokencount",
    ),
    KindInfo(
        "koboldai",
        "KoboldAI Classic / United (legacy, text only, no streaming)",
        "http://127.0.0.1:5000",
        _lazy("kobold", "KoboldAIBackend"),
        modes=TEXT,
        family="kobold",
        streaming=False,
    ),
    KindInfo(
        "ollama",
        "Ollama (native /api/chat and /api/generate, or /v1)",
        "http://127.0.0.1:11434",
        _dual(_native_ollama, oai.OllamaOpenAIBackend, "ollama"),
        key_env="OLLAMA_API_KEY",
        family="ollama",
        apis=("native", "openai"),
    ),
    *(_simple(*row) for row in _SIMPLE[12:]),
    KindInfo(
        "claude",
        "Anthropic Claude (Messages API)",
        "https://api.anthropic.com/v1",
        _lazy("claude", "ClaudeBackend"),
        needs_key=True,
        modes=CHAT,
        key_env="ANTHROPIC_API_KEY",
        family="claude",
        options=("thinking_budget", "anthropic_beta"),
    ),
    KindInfo(
        "gemini",
        "Google AI Studio (Gemini API)",
        "https://generativelanguage.googleapis.com",
        _lazy("gemini", "GeminiBackend"),
        needs_key=True,
        modes=CHAT,
        key_env="GEMINI_API_KEY",
        family="gemini",
        tokenizer=":countTokens",
        options=("thinking_budget", "include_thoughts"),
    ),
    KindInfo(
        "vertex",
        "Google Vertex AI (express-mode API key; project/region options)",
        "https://aiplatform.googleapis.com",
        _lazy("gemini", "VertexBackend"),
        needs_key=True,
        modes=CHAT,
        key_env="VERTEX_API_KEY",
        family="gemini",
        tokenizer=":countTokens",
        options=("project", "region", "thinking_budget", "include_thoughts"),
    ),
    KindInfo(
        "cohere",
        "Cohere (v2 chat)",
        "https://api.cohere.com",
        _lazy("cohere", "CohereBackend"),
        needs_key=True,
        modes=CHAT,
        key_env="COHERE_API_KEY",
        family="cohere",
        tokenizer="/v1/tokenize",
    ),
    KindInfo(
        "horde",
        "AI Horde (crowdsourced; queued, no streaming; anonymous key 0000000000)",
        "https://aihorde.net/api",
        _lazy("horde", "HordeBackend"),
        modes=TEXT,
        key_env="AI_HORDE_API_KEY",
        family="horde",
        streaming=False,
        options=("models", "workers", "trusted_workers", "poll_seconds"),
    ),
    KindInfo(
        "novelai",
        "NovelAI (Kayra / Erato / Clio text generation)",
        "https://text.novelai.net",
        _lazy("novelai", "NovelAIBackend"),
        needs_key=True,
        modes=TEXT,
        key_env="NOVELAI_API_KEY",
        family="novelai",
    ),
)


def make_backend(
    profile: ConnectionProfile, api_key: str | None = None, *, client: httpx.AsyncClient | None = None
) -> Backend:
    """Build the adapter for `profile.kind`; an unknown kind is a BackendError naming the known ones."""
    info = KINDS.get(profile.kind)
    if info is None:
        known = ", ".join(sorted(KINDS))
        raise BackendError(
            "bad_request",
            f"unknown backend kind {profile.kind!r} in connection {profile.name!r} — use one of: {known}",
        )
    return info.factory(profile, api_key, client=client)
