"""Turn HTTP failures and transport exceptions into one `BackendError` a person can act on.

Every backend family words its errors differently (see the reference, §0.3 and §7); this module knows the
shapes once. Messages always start with what went wrong and end with what to do; they never contain the API
key (callers pass it in `secrets` and it is masked in both the message and the raw body).
"""

from __future__ import annotations

import email.utils
import json
import re
import time
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import urlsplit

import httpx

from tavo_tui.backends.base import BackendError, ErrorKind

CONTEXT_RE = re.compile(
    r"context_length_exceeded|exceed_context_size_error|maximum context length|context size|"
    r"too many tokens|prompt is too long|input token count .* exceeds|Prompt length \d+ exceeds",
    re.IGNORECASE,
)
_QUOTA_RE = re.compile(r"insufficient_quota|quota|insufficient balance|credits", re.IGNORECASE)
_AUTH_RE = re.compile(r"invalid_api_key|api_key_invalid|api key not valid|invalid api key", re.IGNORECASE)
_MODEL_RE = re.compile(r"model", re.IGNORECASE)
# In-stream errors carry no HTTP status; their type names say what happened (Claude, Google, OpenRouter).
_TYPED: tuple[tuple[re.Pattern[str], ErrorKind], ...] = (
    (re.compile(r"overloaded_error|\bUNAVAILABLE\b|overloaded", re.IGNORECASE), "overloaded"),
    (re.compile(r"rate_limit_error|rate_limit_exceeded|RESOURCE_EXHAUSTED"), "rate_limit"),
    (re.compile(r"authentication_error|permission_error|UNAUTHENTICATED|PERMISSION_DENIED"), "auth"),
    (re.compile(r"not_found_error|\bNOT_FOUND\b"), "not_found_model"),
    (re.compile(r"invalid_request_error|INVALID_ARGUMENT"), "bad_request"),
    (re.compile(r"api_error|server_error|\bINTERNAL\b"), "server"),
)
_RETRY_DELAY = re.compile(r'"retryDelay"\s*:\s*"(\d+(?:\.\d+)?)s"')
_TITLE_RE = re.compile(r"<title>(.*?)</title>", re.IGNORECASE | re.DOTALL)
_MAX_DETAIL = 300


def mask(text: str, secrets: Iterable[str | None]) -> str:
    """Replace every occurrence of a secret by "***" (secrets shorter than 4 chars are too ambiguous)."""
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, "***")
    return text


def _str_at(obj: Any, *path: str | int) -> str | None:
    for step in path:
        if isinstance(step, int):
            if not isinstance(obj, list) or len(obj) <= step:
                return None
        elif not isinstance(obj, dict):
            return None
        obj = obj[step] if isinstance(step, int) else obj.get(step)
    return obj if isinstance(obj, str) and obj.strip() else None


_MESSAGE_PATHS: tuple[tuple[str | int, ...], ...] = (
    ("error", "message"),
    ("error",),
    ("message",),
    ("detail",),
    ("detail", "msg"),
    ("detail", 0, "msg"),
    ("message", "detail", 0, "msg"),
    ("errors", 0, "message"),
    ("statusMessage",),
)


def extract_message(body: Any) -> str | None:
    """The human part of a parsed error body, trying the known shapes in order."""
    for path in _MESSAGE_PATHS:
        found = _str_at(body, *path)
        if found:
            return found.strip()
    return None


def _detail_from_text(text: str) -> tuple[str, Any]:
    """(message, parsed-json-or-None) for a raw body of any content type."""
    stripped = text.strip()
    parsed: Any = None
    if stripped[:1] in "{[":
        try:
            parsed = json.loads(stripped)
        except json.JSONDecodeError:
            parsed = None
    if parsed is not None:
        msg = extract_message(parsed)
        if msg is None:
            msg = json.dumps(parsed, ensure_ascii=False)
        return msg, parsed
    if "<html" in stripped[:500].lower() or "<!doctype" in stripped[:100].lower():
        title = _TITLE_RE.search(stripped)
        return (f"an HTML page: {' '.join(title.group(1).split())}" if title else "an HTML page"), None
    first = stripped.splitlines()[0] if stripped else ""
    return first, None


def parse_retry_after(headers: Mapping[str, str] | None, now: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date)."""
    if not headers:
        return None
    value = None
    for key, val in headers.items():
        if key.lower() == "retry-after":
            value = val.strip()
            break
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _shorten(text: str) -> str:
    # Server text ends up on a terminal: no escape sequences or other control characters survive.
    text = " ".join(_CONTROL.sub(" ", text).split())
    return text if len(text) <= _MAX_DETAIL else text[: _MAX_DETAIL - 1] + "…"


def _classify(status: int | None, detail: str, raw: str) -> ErrorKind:
    haystack = f"{detail}\n{raw}"
    if CONTEXT_RE.search(haystack):
        return "context_length"
    if status in (401, 403) or _AUTH_RE.search(haystack):
        return "auth"
    if status == 402 or (status == 429 and _QUOTA_RE.search(haystack) and not _RETRY_DELAY.search(raw)):
        return "quota"
    if status == 429:
        return "rate_limit"
    if status == 404:
        return "not_found_model" if _MODEL_RE.search(detail) else "bad_request"
    if status in (503, 529, 408, 409, 425):
        return "overloaded"
    if status is not None and 400 <= status < 500:
        return "bad_request"
    if status is not None and status >= 500:
        return "server"
    if status is None:
        for pattern, kind in _TYPED:
            if pattern.search(raw):
                return kind
    return "unknown"


def _advice(kind: ErrorKind, status: int | None, retry_after: float | None, url: str | None) -> str:
    where = f" at {display_url(url)}" if url else ""
    if kind == "auth":
        return "the server rejected the API key — check the key in the connection settings"
    if kind == "quota":
        return "the account is out of quota or credits — check billing with the provider"
    if kind == "rate_limit":
        wait = f"; it asked to wait {retry_after:g} s" if retry_after is not None else ""
        return f"rate limited — wait a moment and try again{wait}"
    if kind == "context_length":
        return "the prompt is longer than the model's context — lower the context size or max tokens"
    if kind == "not_found_model":
        return "the server does not know this model — pick one from the model list in the connection settings"
    if kind == "overloaded":
        return "the server is busy or still loading — try again shortly"
    if kind == "bad_request" and status == 404:
        return f"no such endpoint{where} — check the base URL (does it need /v1?)"
    if kind == "bad_request":
        return "the server refused the request"
    if kind == "server":
        return "the server failed while answering — check its log"
    return "unexpected answer from the server"


def http_error(
    status: int | None,
    body: str,
    headers: Mapping[str, str] | None = None,
    *,
    url: str | None = None,
    secrets: Iterable[str | None] = (),
) -> BackendError:
    """Normalise a non-2xx answer (or an in-stream error object, with `status` None) into a BackendError."""
    secrets = list(secrets)
    raw = mask(body, secrets)
    detail, parsed = _detail_from_text(raw)
    if status is None and isinstance(parsed, dict):
        inner = parsed.get("error")
        code = inner.get("code") if isinstance(inner, dict) else parsed.get("code")
        if isinstance(code, int) and 400 <= code < 600:
            status = code
    kind = _classify(status, detail, raw)
    retry_after = parse_retry_after(headers) if status in (429, 503, 529) else None
    delay = _RETRY_DELAY.search(raw)
    if retry_after is None and status == 429 and delay:
        retry_after = float(delay.group(1))  # Google puts it in the body (RetryInfo.retryDelay)
    advice = _advice(kind, status, retry_after, url)
    prefix = f"{status}: " if status else ""
    message = f"{prefix}{advice}"
    if detail:
        message += f" (server said: {_shorten(detail)})"
    return BackendError(kind, mask(message, secrets), status=status, retry_after=retry_after, raw=raw)


def error_from_object(obj: Any, *, url: str | None = None, secrets: Iterable[str | None] = ()) -> BackendError:
    """An error object that arrived inside a 200 stream or body, e.g. `{"error": {...}}`."""
    text = obj if isinstance(obj, str) else json.dumps(obj, ensure_ascii=False)
    if isinstance(obj, dict) and "error" not in obj and "message" not in obj:
        text = json.dumps({"error": obj}, ensure_ascii=False)
    return http_error(None, text, None, url=url, secrets=secrets)


def display_url(url: str) -> str:
    """scheme://host[:port] only: paths are noise and queries or userinfo may hold keys."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "the server"
    if not parts.scheme or not parts.hostname:
        return "the server"
    host = parts.hostname if ":" not in parts.hostname else f"[{parts.hostname}]"
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{host}{port}"


def network_error(
    exc: BaseException, url: str, *, mid_stream: bool = False, secrets: Iterable[str | None] = (), server: str = ""
) -> BackendError:
    """A transport failure (no HTTP status) with a message that says where and what to try. `server` names the
    program that should be listening ("KoboldCpp"), for a local kind; hosted APIs leave it empty."""
    where = display_url(url)
    text = str(exc)
    lowered = text.lower()
    if isinstance(exc, httpx.ConnectTimeout):
        msg = f"timed out connecting to {where} — is the address right and the server reachable?"
    elif isinstance(exc, httpx.ReadTimeout):
        msg = f"{where} stopped answering (read timed out) — the model may be too slow; try again"
    elif isinstance(exc, httpx.TimeoutException):
        msg = f"the request to {where} timed out — try again"
    elif isinstance(exc, httpx.ConnectError) and any(
        s in lowered for s in ("name or service", "nodename", "getaddrinfo", "name resolution", "not known")
    ):
        msg = f"cannot find the host in {where} — check the base URL"
    elif isinstance(exc, httpx.ConnectError) and any(s in lowered for s in ("ssl", "certificate", "tls")):
        msg = f"secure connection to {where} failed ({_shorten(text)}) — check http:// versus https://"
    elif isinstance(exc, httpx.ConnectError):
        msg = (f"no server at {where} — is {server} running?" if server
               else f"nothing answers at {where} — check the base URL and your network")
    elif mid_stream or isinstance(exc, httpx.RemoteProtocolError | httpx.ReadError):
        msg = f"the connection to {where} dropped mid-reply — the text received so far is kept; try again"
    elif isinstance(exc, httpx.UnsupportedProtocol | httpx.InvalidURL):
        msg = f"the base URL {url!r} is not a valid http(s) address — fix it in the connection settings"
    else:
        msg = f"could not talk to {where} ({type(exc).__name__}) — check the connection settings"
    secrets = list(secrets)
    return BackendError("network", mask(msg, secrets), raw=mask(text, secrets))
