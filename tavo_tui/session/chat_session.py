"""One open chat with one character: every roleplay action, generation, live connection switching.

The action API (all UI-agnostic; the TUI and the CLI drive the same object):

* streaming (async generators of `GenerationEvent`): `send(text)`, `generate()`, `regenerate()`, `new_swipe()`,
  `continue_last()`, `impersonate()`;
* instant (save at once; return a `Notice` when the save failed): `swipe(±1)`, `choose_greeting(i)`,
  `delete_swipe()`, `edit(i, text)`, `delete(indices)`, `set_hidden(indices, hidden)`, `insert_narrator(text)`,
  `set_authors_note(...)`, `set_scenario(...)`, `set_lorebook(...)`, `set_persona(...)`, `retry_save()`;
* chats: `branch(i)` (a new session), `checkpoint(i)`, `rename(title)`, `delete_chat()`, `search(query)`,
  `window(size, end)`.
"""

from __future__ import annotations

import asyncio

from tavo_tui.backends.base import Backend, BackendError, ConnectionCheck
from tavo_tui.backends.registry import make_backend
from tavo_tui.model import ConnectionProfile
from tavo_tui.session.editing import EditingMixin
from tavo_tui.session.generation import ActionError, GenerationMixin
from tavo_tui.session.regex import RegexMixin
from tavo_tui.session.sampler_presets import effective_profile

__all__ = ["ActionError", "ChatSession"]


class ChatSession(GenerationMixin, EditingMixin, RegexMixin):
    """With `persist=False` nothing is written (scripted `send`/`prompt` runs); otherwise the chat file is
    created on the first message and every change is saved as soon as it happens. A chat another tavo-tui
    process has open is read-only here (`read_only`, `read_only_reason`)."""

    # ---- connection --------------------------------------------------------------------------------------
    def switch_connection(self, name: str) -> None:
        """Live switch: the chat stays, the next generation and the inspector use the new profile."""
        self.use_profile(effective_profile(self.ctx, self.ctx.profiles.get(name)))  # its sampler preset applied

    def use_profile(self, profile: ConnectionProfile) -> None:
        """Use `profile` from the next prompt on (also an unsaved variant, e.g. CLI overrides of a profile), as
        it is: a stored profile's sampler preset is applied by switch_connection (see effective_profile)."""
        if self._backend is not None:
            self._retired.append(self._backend)
        self._backend = None
        self.profile = profile

    async def check_connection(self, name: str | None = None) -> ConnectionCheck:
        profile = self.ctx.profiles.get(name) if name else self.profile
        backend = make_backend(profile, self.ctx.profiles.api_key(profile))
        try:
            return await backend.check()
        except BackendError as exc:
            return ConnectionCheck(ok=False, latency_ms=0.0, detail=exc.message)
        finally:
            await backend.aclose()

    # ---- closing -----------------------------------------------------------------------------------------
    def close(self) -> None:
        """Release the chat's lock (one last save attempt first if an earlier one failed)."""
        if self.unsaved:
            self.retry_save()
        self.ctx.backups.flush()  # a backup still waiting for its interval is made now, not lost at exit
        self._close_storage()

    async def aclose(self) -> None:
        backends: list[Backend] = [*self._retired, *([self._backend] if self._backend else [])]
        self._retired.clear()
        self._backend = None
        for backend in backends:
            try:
                await backend.aclose()
            except Exception:
                pass
        self.close()
        await asyncio.sleep(0)
