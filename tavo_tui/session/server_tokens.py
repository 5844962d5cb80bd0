"""Exact token counts from the backend's own tokenizer endpoint (llama.cpp, KoboldCpp, TabbyAPI, ...).

The offline counter (tiktoken or a labelled estimate) answers at once; this refines an inspection with the
server's figures when the connection has a tokenizer, and says nothing (None) when it has not.

The total is what the server will evaluate, where it can say so: llama.cpp applies its chat template to the
messages (/apply-template) and adds its special tokens (BOS) to the text, so the whole request is counted that
way. Elsewhere the sections are counted by the server and the chat format's own tokens (role markers, reply
priming) are added as an estimate; the label then says "estimate".
"""

from __future__ import annotations

import hashlib
import json
import re

from tavo_tui.backends.base import Backend, BackendError, PromptTokenCounter
from tavo_tui.backends.registry import KINDS
from tavo_tui.model import PreparedRequest
from tavo_tui.prompt.chat_completion import MESSAGE_OVERHEAD, REPLY_PRIMING
from tavo_tui.session.inspection import Inspection

_ONE_ENDPOINT = re.compile(r"/[\w/.-]+")  # a declared endpoint path, not "probed" guesses
_KEEP_REQUESTS = 16


def has_local_tokenizer(kind: str) -> bool:
    """Kinds whose local server has a known tokenize endpoint: cheap to ask after every edit. Hosted APIs
    (rate limits) and generic servers (unknown endpoints, probed only on request) are left to the CLI."""
    info = KINDS.get(kind)
    return info is not None and bool(_ONE_ENDPOINT.fullmatch(info.tokenizer)) and not info.needs_key


class ServerTokenCache:
    """Counts per exact text (and per exact request body), so a new turn only asks about what changed."""

    def __init__(self) -> None:
        self._counts: dict[str, int] = {}
        self._requests: dict[str, int | None] = {}

    async def count(self, backend: Backend, text: str) -> int | None:
        if text in self._counts:
            return self._counts[text]
        value = await backend.count_tokens(text)
        if value is not None:
            self._counts[text] = value
        return value

    async def whole(self, backend: Backend, request: PreparedRequest) -> int | None:
        """What the server evaluates for the whole request (None when it cannot say, remembered too)."""
        if not isinstance(backend, PromptTokenCounter):
            return None
        # A digest, and only the last few: the inspector asks again on every keystroke in the composer.
        key = hashlib.sha256(json.dumps([request.url, request.body.get("messages"), request.body.get("prompt")],
                                        ensure_ascii=False, sort_keys=True).encode()).hexdigest()
        if key not in self._requests:
            try:
                value = await backend.prompt_tokens(request)
            except BackendError:  # e.g. a build without /apply-template: the sections still count
                value = None
            self._requests[key] = value
            while len(self._requests) > _KEEP_REQUESTS:
                del self._requests[next(iter(self._requests))]
        return self._requests[key]


async def count_on_server(backend: Backend, inspection: Inspection, cache: ServerTokenCache,
                          *, label: str) -> Inspection | None:
    """`inspection` with every section (and the total) counted by the server; None when it cannot count."""
    prompt = inspection.prompt
    exact = True
    method = f"server tokenizer ({label})"
    try:
        counts = []
        for section in prompt.sections:
            value = await cache.count(backend, section.content) if section.content else 0
            if value is None:
                return None
            counts.append(value)
        whole = await cache.whole(backend, inspection.request)
        if whole is not None:
            total = whole
            method += ", chat template applied" if prompt.mode == "chat" else ", special tokens included"
        elif prompt.mode == "text" and prompt.text:
            text_total = await cache.count(backend, prompt.text)
            if text_total is None:
                return None
            total = text_total
        else:
            # Sections counted by the server; the messages' framing is the chat format's, not known here.
            total = sum(counts) + MESSAGE_OVERHEAD * len(inspection.request.body.get("messages") or ()) \
                + REPLY_PRIMING
            exact = False
            method += " + estimated framing"  # MESSAGE_OVERHEAD a message, REPLY_PRIMING for the reply
    except BackendError:
        return None
    sections = [s.model_copy(update={"tokens": n}) for s, n in zip(prompt.sections, counts, strict=True)]
    refined = prompt.model_copy(update={
        "sections": sections,
        "token_total": total,
        "token_method": method,
        "token_exact": exact,
    })
    return Inspection(prompt=refined, request=inspection.request)
