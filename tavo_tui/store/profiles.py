"""Connection profiles, persisted in `connections.json`; the built-in demo profile always exists."""

from __future__ import annotations

import builtins
import json
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from tavo_tui.model import ConnectionProfile
from tavo_tui.store.errors import StoreError
from tavo_tui.store.files import atomic_write
from tavo_tui.store.secrets import SecretStore

DEMO_NAME = "demo"


def demo_profile() -> ConnectionProfile:
    """The embedded default: no network, canned in-character replies."""
    return ConnectionProfile(name=DEMO_NAME, kind="demo", base_url="", model="demo", max_context=4096)


class ProfileStore:
    """Reads and writes profiles; keys go to the SecretStore, never into connections.json."""

    def __init__(self, path: Path, secrets: SecretStore) -> None:
        self.path = path
        self.secrets = secrets

    def _read(self) -> tuple[str | None, list[ConnectionProfile]]:
        try:
            raw = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None, []
        except OSError as exc:
            raise StoreError(f"cannot read {self.path}: {exc.strerror}") from None
        try:
            data: Any = json.loads(raw) if raw.strip() else {}
            profiles = [ConnectionProfile.model_validate(p) for p in data.get("profiles", [])]
        except (json.JSONDecodeError, ValidationError, AttributeError) as exc:
            first = str(exc).splitlines()[0]
            raise StoreError(f"{self.path} is damaged ({first}); fix it or move it away") from None
        default = data.get("default")
        return (default if isinstance(default, str) else None), profiles

    def _write(self, default: str | None, profiles: list[ConnectionProfile]) -> None:
        stored = [p.model_dump(mode="json") for p in profiles if p.name != DEMO_NAME]
        payload = json.dumps({"default": default, "profiles": stored}, indent=2, ensure_ascii=False)
        try:
            atomic_write(self.path, payload.encode("utf-8") + b"\n")
        except OSError as exc:
            raise StoreError(f"cannot write {self.path}: {exc.strerror}") from None

    def list(self) -> list[ConnectionProfile]:
        """The demo profile first, then the user's profiles in the order they were added."""
        _, profiles = self._read()
        return [demo_profile(), *(p for p in profiles if p.name != DEMO_NAME)]

    def names(self) -> builtins.list[str]:
        return [p.name for p in self.list()]

    @property
    def default_name(self) -> str:
        default, profiles = self._read()
        if default and (default == DEMO_NAME or any(p.name == default for p in profiles)):
            return default
        return DEMO_NAME

    def get(self, name: str) -> ConnectionProfile:
        for profile in self.list():
            if profile.name == name:
                return profile
        known = ", ".join(self.names())
        raise StoreError(f"no connection named {name!r} (known: {known})")

    def save(self, profile: ConnectionProfile, api_key: str | None = None, *, default: bool = False) -> None:
        """Add or replace a profile by name; an `api_key` goes to the secrets file."""
        if profile.name == DEMO_NAME:
            raise StoreError("the demo connection is built in and cannot be changed; pick another name")
        current_default, profiles = self._read()
        profiles = [p for p in profiles if p.name != profile.name] + [profile]
        if api_key:
            self.secrets.set(profile.name, api_key)
        self._write(profile.name if default else current_default, profiles)

    def remove(self, name: str) -> None:
        if name == DEMO_NAME:
            raise StoreError("the demo connection is built in and cannot be removed")
        current_default, profiles = self._read()
        if not any(p.name == name for p in profiles):
            raise StoreError(f"no connection named {name!r}")
        self.secrets.set(name, None)
        self._write(None if current_default == name else current_default, [p for p in profiles if p.name != name])

    def set_default(self, name: str) -> None:
        self.get(name)  # raises with the known names when it does not exist
        _, profiles = self._read()
        self._write(name, profiles)

    def api_key(self, profile: ConnectionProfile) -> str | None:
        return self.secrets.resolve(profile)
