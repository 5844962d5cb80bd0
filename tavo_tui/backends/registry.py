"""Backend kinds by name, and the one factory the session uses to build an adapter from a profile.

The table is plain data: listing kinds (the connection editor, `connection kinds`, the status bar) imports no
adapter and no httpx. `make_backend()` imports the adapter module of the one kind it builds, by module path.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from tavo_tui.backends.base import Backend, BackendError, StreamTimeouts
from tavo_tui.model import ConnectionProfile

if TYPE_CHECKING:
    import httpx

DEMO_URL = "demo://local"  # the demo adapter's pseudo URL (it never makes a request)


@dataclass(frozen=True)
class KindInfo:
    """What the connection editor shows for a kind, and which adapter class serves it."""

    name: str
    description: str
    default_base_url: str
    adapter: str  # "module:Class" under tavo_tui.backends (for two-API kinds, the OpenAI-compatible one)
    needs_key: bool = False  # hosted APIs always need one; local servers only when started with one
    modes: tuple[str, ...] = ("chat", "text")
    key_env: str | None = None  # the environment variable people usually keep this key in
    family: str = "openai"  # protocol family (see the README table)
    apis: tuple[str, ...] = ()  # ("native", "openai") when the server speaks both
    streaming: bool = True
    tokenizer: str = ""  # the server's token-count endpoint, "" when it has none
    options: tuple[str, ...] = ()  # keys of ConnectionProfile.options this kind reads
    native: str = ""  # "module:Class" of the native adapter when `apis` offers "native"
    server: str = ""  # the program a user starts for a local kind ("KoboldCpp"): named when nothing answers

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

    def adapter_class(self, api: str | None = None) -> type[Any]:
        """The adapter class for `api` (imported now: this is the first point that needs its module)."""
        spec = self.native if api == "native" and self.native else self.adapter
        module, _, name = spec.partition(":")
        cls: type[Any] = getattr(importlib.import_module(f"tavo_tui.backends.{module}"), name)
        return cls


def _entries(*infos: KindInfo) -> Mapping[str, KindInfo]:
    return MappingProxyType({info.name: info for info in infos})


CHAT = ("chat",)
TEXT = ("text",)
# kind, OpenAI-style provider class, description, key variable, modes, tokenizer endpoint, default URL
_SIMPLE: tuple[tuple[str, str, str, str | None, tuple[str, ...], str, str], ...] = (
    ("openai", "OpenAIBackend", "OpenAI (GPT, o-series)", "OPENAI_API_KEY", ("chat", "text"), "",
     "https://api.openai.com/v1"),
    ("deepseek", "DeepSeekBackend", "DeepSeek (reasoning shown apart)", "DEEPSEEK_API_KEY", CHAT, "",
     "https://api.deepseek.com/v1"),
    ("mistral", "MistralBackend", "Mistral La Plateforme (strict schema, Magistral thinking)", "MISTRAL_API_KEY",
     CHAT, "", "https://api.mistral.ai/v1"),
    ("openrouter", "OpenRouterBackend", "OpenRouter (many providers; routing and reasoning options)",
     "OPENROUTER_API_KEY", ("chat", "text"), "", "https://openrouter.ai/api/v1"),
    ("perplexity", "PerplexityBackend", "Perplexity Sonar (strict user/assistant alternation)",
     "PERPLEXITY_API_KEY", CHAT, "", "https://api.perplexity.ai"),
    ("ai21", "AI21Backend", "AI21 Jamba", "AI21_API_KEY", CHAT, "", "https://api.ai21.com/studio/v1"),
    ("electronhub", "ElectronHubBackend", "Electron Hub", "ELECTRONHUB_API_KEY", CHAT, "",
     "https://api.electronhub.ai/v1"),
    ("aimlapi", "AIMLAPIBackend", "AI/ML API", "AIMLAPI_API_KEY", CHAT, "", "https://api.aimlapi.com/v1"),
    ("dreamgen", "DreamGenBackend", "DreamGen (Lucid / Opus)", "DREAMGEN_API_KEY", ("chat", "text"), "",
     "https://dreamgen.com/api/openai/v1"),
    ("pollinations", "PollinationsBackend", "Pollinations (key optional)", "POLLINATIONS_API_KEY", CHAT, "",
     "https://gen.pollinations.ai/v1"),
    ("mancer", "MancerBackend", "Mancer", "MANCER_API_KEY", ("chat", "text"), "",
     "https://neuro.mancer.tech/oai/v1"),
    ("cloudflare", "CloudflareBackend", "Cloudflare Workers AI (put your account id in the URL)",
     "CLOUDFLARE_API_TOKEN", CHAT, "", "https://api.cloudflare.com/client/v4/accounts/ACCOUNT_ID/ai/v1"),
    ("ooba", "OobaBackend", "text-generation-webui (Oobabooga) --api", "OOBA_API_KEY", ("chat", "text"),
     "/v1/internal/token-count", "http://127.0.0.1:5000"),
    ("tabby", "TabbyBackend", "TabbyAPI (ExLlama)", "TABBY_API_KEY", ("chat", "text"), "/v1/token/encode",
     "http://127.0.0.1:5000"),
    ("vllm", "VLLMBackend", "vLLM OpenAI server", "VLLM_API_KEY", ("chat", "text"), "/tokenize",
     "http://127.0.0.1:8000"),
    ("aphrodite", "AphroditeBackend", "Aphrodite engine", "APHRODITE_API_KEY", ("chat", "text"), "/v1/tokenize",
     "http://127.0.0.1:2242"),
    ("lmstudio", "LMStudioBackend", "LM Studio local server", None, ("chat", "text"), "", "http://127.0.0.1:1234"),
)  # fmt: skip
_LOCAL = {"ooba", "tabby", "vllm", "aphrodite", "lmstudio"}
_SERVERS = {"ooba": "text-generation-webui", "tabby": "TabbyAPI", "vllm": "vLLM", "aphrodite": "Aphrodite",
            "lmstudio": "LM Studio's server"}


def _simple(kind: str, cls: str, text: str, env: str | None, modes: tuple[str, ...], tok: str, url: str) -> KindInfo:
    hosted = kind not in _LOCAL and kind != "pollinations"
    options: tuple[str, ...] = ("provider", "reasoning", "transforms", "models") if kind == "openrouter" else ()
    if kind == "openai":
        options = ("reasoning_effort",)
    return KindInfo(kind, text, url, f"oai_providers:{cls}", needs_key=hosted, modes=modes, key_env=env,
                    tokenizer=tok, options=options, server=_SERVERS.get(kind, ""))  # fmt: skip


# New kinds are one more KindInfo line here plus a small adapter module.
KINDS: Mapping[str, KindInfo] = _entries(
    KindInfo(
        "demo",
        "offline demo: in-character canned replies, no server needed",
        DEMO_URL,
        "demo:DemoBackend",
        family="demo",
    ),
    KindInfo(
        "openai-compatible",
        "any OpenAI-style server: llama.cpp, llama-cpp-python, vLLM, LM Studio, TabbyAPI, ...",
        "http://127.0.0.1:8080/v1",
        "openai_compat:OpenAICompatBackend",
        tokenizer="/tokenize or /extras/tokenize/count (probed)",
        server="your server",
    ),
    *(_simple(*row) for row in _SIMPLE[:12]),
    KindInfo(
        "llamacpp",
        "llama.cpp llama-server (native /completion for text, /v1 for chat)",
        "http://127.0.0.1:8080",
        "oai_providers:LlamaCppOpenAIBackend",
        native="llamacpp:LlamaCppBackend",
        key_env="LLAMA_API_KEY",
        family="llamacpp",
        apis=("native", "openai"),
        tokenizer="/tokenize",
        server="llama.cpp",
    ),
    KindInfo(
        "koboldcpp",
        "KoboldCpp (native Kobold API for text, /v1 for chat)",
        "http://127.0.0.1:5001",
        "oai_providers:KoboldCppOpenAIBackend",
        native="kobold:KoboldCppBackend",
        key_env="KOBOLDCPP_PASSWORD",
        family="kobold",
        apis=("native", "openai"),
        tokenizer="/api/extra/tokencount",
        server="KoboldCpp",
    ),
    KindInfo(
        "koboldai",
        "KoboldAI Classic / United (legacy, text only, no streaming)",
        "http://127.0.0.1:5000",
        "kobold:KoboldAIBackend",
        modes=TEXT,
        family="kobold",
        streaming=False,
        server="KoboldAI",
    ),
    KindInfo(
        "ollama",
        "Ollama (native /api/chat and /api/generate, or /v1)",
        "http://127.0.0.1:11434",
        "oai_providers:OllamaOpenAIBackend",
        native="ollama:OllamaBackend",
        key_env="OLLAMA_API_KEY",
        family="ollama",
        apis=("native", "openai"),
        server="Ollama",
    ),
    *(_simple(*row) for row in _SIMPLE[12:]),
    KindInfo(
        "claude",
        "Anthropic Claude (Messages API)",
        "https://api.anthropic.com/v1",
        "claude:ClaudeBackend",
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
        "gemini:GeminiBackend",
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
        "gemini:VertexBackend",
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
        "cohere:CohereBackend",
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
        "horde:HordeBackend",
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
        "novelai:NovelAIBackend",
        needs_key=True,
        modes=TEXT,
        key_env="NOVELAI_API_KEY",
        family="novelai",
    ),
)


# A local model may spend minutes reading a long prompt before its first token; a hosted API answers sooner.
# Once tokens flow, a pause this long means the server stalled.
LOCAL_FIRST_TOKEN = 300.0
HOSTED_FIRST_TOKEN = 120.0
IDLE_TIMEOUT = 60.0


def stream_timeouts(profile: ConnectionProfile) -> StreamTimeouts:
    """The profile's own first-token and idle timeouts, else its kind's defaults."""
    info = KINDS.get(profile.kind)
    local = info is not None and not info.needs_key
    first = profile.first_token_timeout or (LOCAL_FIRST_TOKEN if local else HOSTED_FIRST_TOKEN)
    return StreamTimeouts(first_token=first, idle=profile.idle_timeout or IDLE_TIMEOUT)


def server_label(kind: str) -> str:
    """What to call the server of `kind` when nothing answers: its program for local kinds, else ""."""
    info = KINDS.get(kind)
    return info.server if info is not None else ""


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
    backend: Backend = info.adapter_class(info.api_for(profile))(profile, api_key, client=client)
    return backend
