"""Exact token counts from the backend's own tokenizer endpoint (llama.cpp, KoboldCpp, TabbyAPI, ...).

The offline counter (tiktoken or a labelled estimate) answers at once; this refines an inspection with the
server's figures when the connection has a tokenizer, and says nothing (None) when it has not.
"""

from __future__ import annotations

import re

from tavo_tui.backends.base import Backend, BackendError
from tavo_tui.backends.registry import KINDS
from tavo_tui.session.inspection import Inspection

_ONE_ENDPOINT = re.compile(r"/[\w/.-]+")  # a declared endpoint path, not "probed" guesses


def has_local_tokenizer(kind: str) -> bool:
    """Kinds whose local server has a known tokenize endpoint: cheap to ask after every edit. Hosted APIs
    (rate limits) and generic servers (unknown endpoints, probed only on request) are left to the CLI."""
    info = KINDS.get(kind)
    return info is not None and bool(_ONE_ENDPOINT.fullmatch(info.tokenizer)) and not info.needs_key


class ServerTokenCache:
    """Counts per exact text, so a new turn only asks the server about what changed."""

    def __init__(self) -> None:
        self._counts: dict[str, int] = {}

    async def count(self, backend: Backend, text: str) -> int | None:
        if text in self._counts:
            return self._counts[text]
        value = await backend.count_tokens(text)
        if value is not None:
            self._counts[text] = value
        return value


async def count_on_server(backend: Backend, inspection: Inspection, cache: ServerTokenCache,
                          *, label: str) -> Inspection | None:
    """`inspection` with every section (and the total) counted by the server; None when it cannot count."""
    prompt = inspection.prompt
    try:
        counts = []
        for section in prompt.sections:
            value = await cache.count(backend, section.content) if section.content else 0
            if value is None:
                return None
            counts.append(value)
        if prompt.mode == "text" and prompt.text:
            total = await cache.count(backend, prompt.text)
            if total is None:
                return None
        else:
            total = sum(counts)
    except BackendError:
        return None
    sections = [s.model_copy(update={"tokens": n}) for s, n in zip(prompt.sections, counts, strict=True)]
    refined = prompt.model_copy(update={
        "sections": sections,
        "token_total": total,
        "token_method": f"server tokenizer ({label})",
        "token_exact": True,
    })
    return Inspection(prompt=refined, request=inspection.request)
