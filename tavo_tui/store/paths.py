"""Where user data lives: platformdirs' dirs, or one folder given by --home / TAVO_HOME."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import platformdirs

APP_NAME = "tavo-tui"
HOME_ENV = "TAVO_HOME"


@dataclass(frozen=True)
class AppPaths:
    """The three roots; every file the app writes lives under one of them."""

    config_dir: Path
    data_dir: Path
    cache_dir: Path

    @classmethod
    def resolve(cls, home: Path | None = None) -> AppPaths:
        """`home` wins, then $TAVO_HOME, then the platform's standard directories."""
        root = home if home is not None else _env_home()
        if root is not None:
            root = root.expanduser().resolve()
            return cls(config_dir=root / "config", data_dir=root / "data", cache_dir=root / "cache")
        return cls(
            config_dir=Path(platformdirs.user_config_dir(APP_NAME, appauthor=False)),
            data_dir=Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)),
            cache_dir=Path(platformdirs.user_cache_dir(APP_NAME, appauthor=False)),
        )

    @property
    def cards_dir(self) -> Path:
        return self.data_dir / "cards"

    @property
    def chats_dir(self) -> Path:
        return self.data_dir / "chats"

    @property
    def connections_file(self) -> Path:
        return self.config_dir / "connections.json"

    @property
    def secrets_file(self) -> Path:
        return self.config_dir / "secrets.json"

    @property
    def settings_file(self) -> Path:
        return self.config_dir / "settings.json"


def _env_home() -> Path | None:
    value = os.environ.get(HOME_ENV, "").strip()
    return Path(value) if value else None
