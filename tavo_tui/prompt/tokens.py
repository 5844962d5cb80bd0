"""Token counting that never touches the network.

tiktoken downloads its BPE files on first use. There is no network at runtime, so an encoding is only requested
from tiktoken when its cache file is already on disk (same lookup rules as tiktoken's own loader) and its
checksum is right; otherwise counts fall back to a labelled character estimate.
"""

from __future__ import annotations

import hashlib
import math
import os
import tempfile
from collections import OrderedDict
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

from tavo_tui.prompt.cache import PromptCache

_BLOB_BASE = "https://openaipublic.blob.core.windows.net/encodings/"

# Expected SHA-256 of each supported encoding file (published by tiktoken). A cache file with another hash would
# make tiktoken delete it and try to download again, which must never happen here.
_EXPECTED_SHA256: dict[str, str] = {
    "cl100k_base": "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7",
    "o200k_base": "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d",
}

ESTIMATE_METHOD = "estimate (~4 chars/token)"
_CHARS_PER_TOKEN = 4

# Model-name prefixes that use o200k_base; everything else is counted with cl100k_base.
_O200K_PREFIXES = ("gpt-4o", "gpt-4.1", "gpt-4.5", "gpt-5", "o1", "o3", "o4", "chatgpt-4o", "gpt-oss")


def tiktoken_cache_dir() -> str | None:
    """The directory tiktoken reads its cache from, or None when caching is disabled (empty variable)."""
    if "TIKTOKEN_CACHE_DIR" in os.environ:
        cache_dir = os.environ["TIKTOKEN_CACHE_DIR"]
    elif "DATA_GYM_CACHE_DIR" in os.environ:
        cache_dir = os.environ["DATA_GYM_CACHE_DIR"]
    else:
        cache_dir = os.path.join(tempfile.gettempdir(), "data-gym-cache")
    return cache_dir or None


def cache_file_for(encoding: str, cache_dir: str) -> Path:
    """Where tiktoken keeps `encoding`: the SHA-1 hex of the blob URL inside the cache directory."""
    url = f"{_BLOB_BASE}{encoding}.tiktoken"
    return Path(cache_dir) / hashlib.sha1(url.encode()).hexdigest()


@lru_cache(maxsize=8)
def _load_encode(encoding: str, cache_dir: str | None) -> Callable[[str], int] | None:
    """A function counting tokens with `encoding`, or None when its file is not safely available offline."""
    if cache_dir is None or encoding not in _EXPECTED_SHA256:
        return None
    path = cache_file_for(encoding, cache_dir)
    try:
        data = path.read_bytes()
    except OSError:
        return None
    if hashlib.sha256(data).hexdigest() != _EXPECTED_SHA256[encoding]:
        return None
    try:
        import tiktoken

        enc = tiktoken.get_encoding(encoding)
    except Exception:
        # Any loader failure (corrupt file, incompatible tiktoken) degrades to the estimate.
        return None

    def count(text: str) -> int:
        return len(enc.encode(text, disallowed_special=()))

    return count


def estimate_tokens(text: str) -> int:
    """Rough count for when no tokenizer is available: one token per four characters, rounded up."""
    return math.ceil(len(text) / _CHARS_PER_TOKEN)


class TokenCounter:
    """Counts tokens of strings, remembering recent results so re-assembly only counts new text."""

    def __init__(
        self,
        method: str,
        exact: bool,
        encode: Callable[[str], int] | None = None,
        *,
        cache_size: int = 65536,
    ) -> None:
        self.method = method
        self.exact = exact
        self._encode = encode or estimate_tokens
        self._cache: OrderedDict[str, int] = OrderedDict()
        self._cache_size = cache_size
        # Derived prompt data (converted messages, lorebook entries) memoised for re-assembly.
        self.cache = PromptCache()

    def count(self, text: str) -> int:
        if not text:
            return 0
        cached = self._cache.get(text)
        if cached is not None:
            self._cache.move_to_end(text)
            return cached
        value = self._encode(text)
        self._cache[text] = value
        if len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)
        return value

    def __repr__(self) -> str:
        return f"TokenCounter(method={self.method!r}, exact={self.exact})"


def encoding_for_model(model: str) -> str:
    """The tiktoken encoding OpenAI uses for `model` (o200k_base for gpt-4o and newer, else cl100k_base)."""
    name = model.strip().lower()
    # Provider-qualified ids such as "openai/gpt-4o-mini" count like the bare model name.
    name = name.rsplit("/", 1)[-1]
    return "o200k_base" if name.startswith(_O200K_PREFIXES) else "cl100k_base"


@lru_cache(maxsize=8)
def _shared_counter(encoding: str, cache_dir: str | None) -> TokenCounter:
    encode = _load_encode(encoding, cache_dir)
    if encode is None:
        return estimate_counter()
    return TokenCounter(f"tiktoken {encoding}", True, encode)


def counter_for_encoding(encoding: str) -> TokenCounter:
    """A counter for `encoding`, or the labelled estimate when its file is not cached locally.

    The counter is shared per process (and per tiktoken cache directory): its memos are keyed by content and
    object identity, so sharing is safe, and callers that ask again for every turn still re-assemble fast.
    """
    return _shared_counter(encoding, tiktoken_cache_dir())


def counter_for_model(model: str) -> TokenCounter:
    """The best offline counter for `model` (shared per process, see `counter_for_encoding`)."""
    return counter_for_encoding(encoding_for_model(model))


def estimate_counter() -> TokenCounter:
    return TokenCounter(ESTIMATE_METHOD, False, estimate_tokens)
