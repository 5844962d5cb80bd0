"""API keys: kept apart from profiles in a 0600 file, or read from an environment variable."""

from __future__ import annotations

import json
import os
from pathlib import Path

from tavo_tui.model import ConnectionProfile
from tavo_tui.store.errors import StoreError
from tavo_tui.store.files import atomic_write

PRIVATE_MODE = 0o600


def mask_secret(secret: str | None) -> str:
    """A form of the key that is safe to show: never more than its last 4 characters."""
    if not secret:
        return ""
    if len(secret) <= 8:
        return "****"
    return f"****{secret[-4:]}"


class SecretStore:
    """`secrets.json`: {profile name: api key}, created with mode 0600."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def _read(self) -> dict[str, str]:
        try:
            raw = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return {}
        except OSError as exc:
            raise StoreError(f"cannot read {self.path}: {exc.strerror}") from None
        try:
            data = json.loads(raw) if raw.strip() else {}
        except json.JSONDecodeError:
            raise StoreError(f"{self.path} is not valid JSON; fix or delete it and re-enter your keys") from None
        return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}

    def get(self, name: str) -> str | None:
        return self._read().get(name)

    def set(self, name: str, key: str | None) -> None:
        data = self._read()
        if key:
            data[name] = key
        else:
            data.pop(name, None)
        payload = json.dumps(data, indent=2, sort_keys=True).encode("utf-8")
        try:
            atomic_write(self.path, payload, mode=PRIVATE_MODE)
        except OSError as exc:
            raise StoreError(f"cannot write {self.path}: {exc.strerror}") from None

    def rename(self, old: str, new: str) -> None:
        key = self.get(old)
        if key is not None:
            self.set(old, None)
            self.set(new, key)

    def resolve(self, profile: ConnectionProfile) -> str | None:
        """The key to use: the named environment variable when it is set, else the stored one."""
        if profile.api_key_env:
            value = os.environ.get(profile.api_key_env)
            if value:
                return value
        return self.get(profile.name)
