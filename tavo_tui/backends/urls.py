"""Base-URL normalisation: people paste URLs with or without /v1, with endpoint paths, without a scheme."""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

# Longest first. A version segment before the endpoint ("/v1/chat/completions") is deliberately kept:
# the version rules below then know the base is complete ("/api/v1" stays "/api/v1", no probe needed).
_ENDPOINT_SUFFIXES = (
    "/api/extra/generate/stream",
    "/chat/completions",
    "/api/generate",
    "/completions",
    "/completion",
    "/responses",
    "/api/chat",
    "/api/tags",
    "/messages",
    "/generate",
    "/models",
)
_VERSIONED = re.compile(
    r"(/v\d+(beta\d*)?|/openai|/oa/v1|/api/v1|/paas/v4|/ai/v1|/inference/v1|/oai/v1|/api/openai/v1)$",
    re.IGNORECASE,
)


class URLError(ValueError):
    """A base URL that cannot be used; the message says why."""


@dataclass(frozen=True)
class OAIBase:
    """A normalised OpenAI-style base. `certain` is False when probing should confirm whether /v1 is needed."""

    url: str
    certain: bool


def _is_local_host(host: str) -> bool:
    if host in ("localhost", "127.0.0.1", "::1") or host.endswith(".local") or "." not in host:
        return True
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return False
    return ip.is_private or ip.is_loopback or ip.is_link_local


def clean_url(raw: str) -> str:
    """Steps shared by every kind: scheme, case, localhost, trailing slashes and one pasted endpoint path."""
    text = raw.strip().strip("\"'").strip()
    if not text:
        raise URLError("the base URL is empty — enter the server address, e.g. http://127.0.0.1:8080")
    if "://" not in text:
        host = re.split(r"[/:?#]", text.split("@")[-1].removeprefix("["), maxsplit=1)[0].rstrip("]")
        text = ("http://" if _is_local_host(host.lower()) else "https://") + text
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError as exc:
        raise URLError(f"the base URL {raw.strip()!r} is not valid: {exc}") from exc
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise URLError(f"the base URL must start with http:// or https:// (got {scheme}://)")
    host = (parts.hostname or "").lower()
    if not host:
        raise URLError(f"the base URL {raw.strip()!r} has no host name")
    if host == "localhost":
        # Most local servers bind IPv4 only while "localhost" may resolve to ::1 first.
        host = "127.0.0.1"
    netloc = f"[{host}]" if ":" in host else host
    if port is not None:
        netloc += f":{port}"
    userinfo = parts.netloc.rpartition("@")[0] if "@" in parts.netloc else ""
    if userinfo:
        netloc = f"{userinfo}@{netloc}"
    path = parts.path.rstrip("/")
    lowered = path.lower()
    for suffix in _ENDPOINT_SUFFIXES:
        if lowered.endswith(suffix):
            path = path[: -len(suffix)].rstrip("/")
            break
    return urlunsplit((scheme, netloc, path, parts.query, ""))


def _split_query(url: str) -> tuple[str, str]:
    base, sep, query = url.partition("?")
    return base, (sep + query)


def oai_base(raw: str) -> OAIBase:
    """The base for OpenAI-style `{base}/chat/completions` and `{base}/models`."""
    url = clean_url(raw)
    base, query = _split_query(url)
    path = urlsplit(base).path
    if _VERSIONED.search(path):
        return OAIBase(url, certain=True)
    if path == "":
        return OAIBase(f"{base}/v1{query}", certain=True)
    return OAIBase(url, certain=False)


def with_v1(url: str) -> str:
    base, query = _split_query(url)
    return f"{base}/v1{query}"


def root_url(url: str) -> str:
    """The server root for native endpoints (llama.cpp `/tokenize`, llama-cpp-python `/extras/...`)."""
    base, _query = _split_query(clean_url(url))
    return re.sub(r"/v\d+$", "", base, flags=re.IGNORECASE)


def join(base: str, path: str) -> str:
    """`base` + `/path`, keeping a query string (e.g. Azure's api-version) at the end."""
    head, query = _split_query(base)
    return f"{head.rstrip('/')}/{path.lstrip('/')}{query}"
