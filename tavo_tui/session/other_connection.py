"""The same turn on another connection: build the prompt and request a profile would send, without switching.

It mirrors the session's own prompt building (same card, history, persona, settings, lorebooks and chat
metadata) with only the profile changed, so a diff shows what the connection alone changes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tavo_tui.backends.registry import make_backend
from tavo_tui.prompt.assembly import assemble
from tavo_tui.prompt.tokens import counter_for_model
from tavo_tui.session.inspection import Inspection
from tavo_tui.session.presets import prompt_presets
from tavo_tui.session.request_export import key_placeholder

if TYPE_CHECKING:
    from tavo_tui.session.chat_session import ChatSession


def inspect_on(session: ChatSession, profile_name: str, pending: str | None = None) -> Inspection:
    """The next normal reply's prompt and request as `profile_name` would send them. The chat's connection is
    untouched. Raises KeyError/StoreError for an unknown profile and BackendError for an unusable one."""
    profile = session.ctx.profiles.get(profile_name)
    persona = session.persona
    settings = session.prompt_settings()
    presets = prompt_presets(session.ctx, settings, profile)  # the user's presets by name, derived templates
    prompt = assemble(
        session.card,
        session.messages,  # type: ignore[arg-type]  # any sequence of messages
        user_name=session.user_name,
        profile=profile,
        counter=counter_for_model(profile.model),
        pending_user=pending or None,
        persona=persona.description if persona else "",
        settings=settings,
        lorebooks=session.lorebooks(),
        chat_metadata=session.metadata,
        generation_type="normal",
        **presets.inputs,
    )
    prompt.notes[:0] = presets.notes
    # A placeholder key: preparing a request never needs the real one, so it never enters the inspection.
    has_key = session.ctx.profiles.api_key(profile) is not None
    backend = make_backend(profile, key_placeholder(profile) if has_key else None)
    if hasattr(backend, "char_name"):
        backend.char_name = session.card.name
    return Inspection(prompt=prompt, request=backend.prepare(prompt), profile_name=profile.name)
