"""What the first-run welcome needs beyond the connection tools: a profile from its few fields, the URL it will
use, and a test message whose reply the user reads before saving."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from tavo_tui.backends.base import BackendError
from tavo_tui.backends.registry import KINDS, make_backend
from tavo_tui.backends.used_url import used_base_url
from tavo_tui.model import AssembledPrompt, ConnectionProfile

if TYPE_CHECKING:
    from tavo_tui.session.context import AppContext

TEST_PROMPT = "Say hello in one short sentence."
TEST_MAX_TOKENS = 48


@dataclass(frozen=True)
class TestReply:
    ok: bool
    text: str  # the model's reply, or why there is none (one line)


def welcome_profile(name: str, kind: str, url: str, model: str) -> ConnectionProfile:
    """The profile the welcome saves: the kind's first mode, the URL as typed (normalised when used)."""
    info = KINDS[kind]
    mode: Literal["chat", "text"] = "chat" if "chat" in info.modes else "text"
    return ConnectionProfile(name=name.strip() or kind, kind=kind, base_url=url.strip() or info.default_base_url,
                             model=model.strip(), mode=mode)


def preview_url(kind: str, url: str) -> str:
    """The base URL requests will use for what is typed so far."""
    return used_base_url(welcome_profile("preview", kind, url, ""))


async def send_test_message(profile: ConnectionProfile, api_key: str | None) -> TestReply:
    """One short non-streamed request; never raises for server trouble."""
    prompt = AssembledPrompt(mode=profile.mode, messages=[{"role": "user", "content": TEST_PROMPT}],
                             text=f"User: {TEST_PROMPT}\nAssistant:", max_tokens=TEST_MAX_TOKENS)
    try:
        backend = make_backend(profile, api_key or None)
    except BackendError as exc:
        return TestReply(False, exc.message)
    try:
        reply = await backend.complete(backend.prepare(prompt, stream=False))
    except BackendError as exc:
        return TestReply(False, exc.message)
    except Exception as exc:  # a bad URL and the like: shown, never a traceback
        return TestReply(False, f"{type(exc).__name__}: {exc}")
    finally:
        await backend.aclose()
    text = " ".join(reply.text.split())
    return TestReply(True, text) if text else TestReply(False, "the server answered with an empty reply")


def save_welcome_profile(ctx: AppContext, profile: ConnectionProfile, api_key: str | None, *, default: bool) -> str:
    """Save under a name not yet used (the welcome never overwrites a profile); returns the name used."""
    from tavo_tui.session.connections import unique_name

    final = profile.model_copy(update={"name": unique_name(profile.name, ctx.profiles.names())})
    ctx.profiles.save(final, api_key=api_key or None, default=default)
    return final.name
