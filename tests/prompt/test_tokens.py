"""Token counting: exact tiktoken counts when the cache file is on disk, a labelled estimate otherwise."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tavo_tui.prompt import tokens
from tavo_tui.prompt.tokens import (
    ESTIMATE_METHOD,
    TokenCounter,
    cache_file_for,
    counter_for_model,
    encoding_for_model,
    estimate_tokens,
)

SHARED_CACHE = Path(__file__).resolve().parents[2].parent / "shared" / "tiktoken-cache"


@pytest.fixture
def shared_cache(monkeypatch: pytest.MonkeyPatch) -> Path:
    if not SHARED_CACHE.is_dir():
        pytest.skip("shared tiktoken cache absent")
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(SHARED_CACHE))
    return SHARED_CACHE


@pytest.mark.parametrize(
    ("model", "encoding"),
    [
        ("gpt-4o", "o200k_base"),
        ("gpt-4o-mini-2024-07-18", "o200k_base"),
        ("chatgpt-4o-latest", "o200k_base"),
        ("gpt-4.1-nano", "o200k_base"),
        ("gpt-5", "o200k_base"),
        ("o1-preview", "o200k_base"),
        ("o3-mini", "o200k_base"),
        ("o4-mini", "o200k_base"),
        ("openai/gpt-4o", "o200k_base"),
        ("gpt-4", "cl100k_base"),
        ("gpt-3.5-turbo", "cl100k_base"),
        ("llama-3-8b-instruct", "cl100k_base"),
        ("", "cl100k_base"),
    ],
)
def test_encoding_for_model(model: str, encoding: str) -> None:
    assert encoding_for_model(model) == encoding


def test_cache_file_name_is_sha1_of_blob_url() -> None:
    # tiktoken names cache files by the SHA-1 of the download URL.
    assert cache_file_for("cl100k_base", "/x").name == "9b5ad71b2ce5302211f9c61530b329a4922fc6a4"
    assert cache_file_for("o200k_base", "/x").name == "fb374d419588a4632f3f557e76b4b70aebbca790"


def test_exact_counts_from_shared_cache(shared_cache: Path) -> None:
    c = counter_for_model("gpt-4o")
    assert c.method == "tiktoken o200k_base"
    assert c.exact is True
    assert c.count("Hello world") == 2
    c100 = counter_for_model("gpt-4")
    assert c100.method == "tiktoken cl100k_base"
    assert c100.count("Hello world") == 2
    # Special-token text is counted as ordinary text rather than raising.
    assert c100.count("<|endoftext|>") > 1


def test_missing_cache_falls_back_to_estimate(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(tmp_path))
    c = counter_for_model("gpt-4o")
    assert c.method == ESTIMATE_METHOD
    assert c.exact is False
    assert c.count("abcdefgh") == 2
    assert c.count("abcdefghi") == 3


def test_empty_cache_variable_disables_tiktoken(monkeypatch: pytest.MonkeyPatch) -> None:
    # An empty TIKTOKEN_CACHE_DIR makes tiktoken download directly; we must not ask it at all.
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", "")
    assert counter_for_model("gpt-4").method == ESTIMATE_METHOD


def test_data_gym_cache_dir_is_honoured(shared_cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TIKTOKEN_CACHE_DIR")
    monkeypatch.setenv("DATA_GYM_CACHE_DIR", str(shared_cache))
    assert counter_for_model("gpt-4").exact is True


def test_corrupt_cache_file_falls_back(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, shared_cache: Path) -> None:
    # A file with the right name but wrong content would make tiktoken re-download: we refuse it instead.
    shutil.copy(cache_file_for("o200k_base", str(shared_cache)), tmp_path / cache_file_for("o200k_base", "/").name)
    bad = tmp_path / cache_file_for("cl100k_base", "/").name
    bad.write_bytes(b"not a bpe file")
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(tmp_path))
    assert counter_for_model("gpt-4").method == ESTIMATE_METHOD
    assert counter_for_model("gpt-4o").method == "tiktoken o200k_base"


def test_counter_caches_per_text() -> None:
    calls: list[str] = []

    def encode(text: str) -> int:
        calls.append(text)
        return len(text)

    c = TokenCounter("test", True, encode, cache_size=2)
    assert c.count("aa") == 2
    assert c.count("aa") == 2
    assert calls == ["aa"]
    c.count("bb")
    c.count("cc")  # evicts "aa", the least recently used
    c.count("aa")
    assert calls == ["aa", "bb", "cc", "aa"]
    assert c.count("") == 0


def test_estimate_rounds_up() -> None:
    assert estimate_tokens("") == 0
    assert estimate_tokens("a") == 1
    assert estimate_tokens("abcd") == 1
    assert estimate_tokens("abcde") == 2


def test_loader_is_keyed_by_cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, shared_cache: Path) -> None:
    assert counter_for_model("gpt-4").exact is True
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(tmp_path))
    # A different directory without files is not served from the earlier load.
    assert counter_for_model("gpt-4").exact is False
    assert tokens.tiktoken_cache_dir() == str(tmp_path)


def test_counter_is_shared_per_encoding(shared_cache: Path) -> None:
    # Callers asking for a counter every turn still benefit from the memo of the previous turn.
    assert counter_for_model("gpt-4o") is counter_for_model("gpt-4o-mini")
    assert counter_for_model("gpt-4") is not counter_for_model("gpt-4o")
