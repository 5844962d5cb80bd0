"""The base URL a profile's requests will really use: what the user typed, normalised by its kind's adapter
(scheme added, a pasted endpoint path dropped, /v1 appended where the API needs it)."""

from __future__ import annotations

from tavo_tui.backends.registry import DEMO_URL, KINDS
from tavo_tui.backends.urls import URLError
from tavo_tui.model import ConnectionProfile


def used_base_url(profile: ConnectionProfile) -> str:
    """The normalised base, or the URL as typed when it cannot be normalised (the test then says why)."""
    info = KINDS.get(profile.kind)
    if profile.kind == "demo":
        return DEMO_URL
    if info is None:
        return profile.base_url
    raw = profile.base_url or info.default_base_url
    cls = info.adapter_class(info.api_for(profile))
    try:
        if hasattr(cls, "normalise_base"):
            return str(cls.normalise_base(raw).url)
        if hasattr(cls, "normalise_root"):
            return str(cls.normalise_root(raw))
    except URLError:
        return raw
    return raw
