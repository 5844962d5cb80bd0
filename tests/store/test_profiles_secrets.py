from __future__ import annotations

import stat
from pathlib import Path

import pytest

from tavo_tui.model import ConnectionProfile
from tavo_tui.store import DEMO_NAME, AppPaths, ProfileStore, SecretStore, StoreError, mask_secret


def make_store(root: Path) -> ProfileStore:
    paths = AppPaths.resolve(root)
    return ProfileStore(paths.connections_file, SecretStore(paths.secrets_file))


def test_home_argument_wins_over_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TAVO_HOME", str(tmp_path / "env"))
    assert AppPaths.resolve(tmp_path / "arg").config_dir == (tmp_path / "arg" / "config").resolve()
    assert AppPaths.resolve().data_dir == (tmp_path / "env" / "data").resolve()


def test_demo_is_builtin_default(tmp_path: Path) -> None:
    store = make_store(tmp_path)
    assert store.default_name == DEMO_NAME
    assert store.list()[0].kind == "demo"
    with pytest.raises(StoreError):
        store.remove(DEMO_NAME)


def test_profiles_persist_and_default(tmp_path: Path) -> None:
    store = make_store(tmp_path)
    store.save(ConnectionProfile(name="local", base_url="http://127.0.0.1:8080", model="tiny"), default=True)
    store.save(ConnectionProfile(name="cloud", base_url="https://x.example/v1"))
    again = make_store(tmp_path)
    assert again.names() == [DEMO_NAME, "local", "cloud"]
    assert again.default_name == "local"
    assert again.get("local").model == "tiny"
    again.remove("local")
    assert again.default_name == DEMO_NAME
    with pytest.raises(StoreError, match="no connection named 'local'"):
        again.get("local")


def test_api_key_goes_to_private_secrets_file_only(tmp_path: Path) -> None:
    store = make_store(tmp_path)
    store.save(ConnectionProfile(name="cloud", base_url="https://x.example/v1"), api_key="sk-secret-123456")
    paths = AppPaths.resolve(tmp_path)
    assert "sk-secret" not in paths.connections_file.read_text()
    assert stat.S_IMODE(paths.secrets_file.stat().st_mode) == 0o600
    assert store.api_key(store.get("cloud")) == "sk-secret-123456"


def test_env_var_key_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = make_store(tmp_path)
    store.save(ConnectionProfile(name="c", base_url="https://x", api_key_env="MY_KEY"), api_key="stored")
    monkeypatch.setenv("MY_KEY", "from-env")
    assert store.api_key(store.get("c")) == "from-env"
    monkeypatch.delenv("MY_KEY")
    assert store.api_key(store.get("c")) == "stored"


def test_damaged_config_is_a_clear_error(tmp_path: Path) -> None:
    store = make_store(tmp_path)
    store.path.parent.mkdir(parents=True)
    store.path.write_text("{not json")
    with pytest.raises(StoreError, match="damaged"):
        store.list()


def test_mask_secret_never_shows_more_than_four_chars() -> None:
    assert mask_secret("sk-abcdefghijkl") == "****ijkl"
    assert mask_secret("short") == "****"
    assert mask_secret(None) == ""
