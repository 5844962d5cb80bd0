"""Base-URL normalisation (reference §1) as a table of what people paste."""

from __future__ import annotations

import pytest

from tavo_tui.backends.urls import URLError, clean_url, join, oai_base, root_url, with_v1

OAI_CASES = [
    # pasted, base, certain
    ("http://127.0.0.1:8080", "http://127.0.0.1:8080/v1", True),
    ("http://127.0.0.1:8080/", "http://127.0.0.1:8080/v1", True),
    ("http://127.0.0.1:8080/v1", "http://127.0.0.1:8080/v1", True),
    ("http://127.0.0.1:8080/v1///", "http://127.0.0.1:8080/v1", True),
    ("http://localhost:8080/v1/chat/completions", "http://127.0.0.1:8080/v1", True),
    ("http://localhost:1234/v1/completions", "http://127.0.0.1:1234/v1", True),
    ("http://127.0.0.1:5000/v1/models", "http://127.0.0.1:5000/v1", True),
    ("localhost:11434", "http://127.0.0.1:11434/v1", True),
    ("  'HTTP://LocalHost:8080/V1/'  ", "http://127.0.0.1:8080/V1", True),
    ("192.168.1.20:5001", "http://192.168.1.20:5001/v1", True),
    ("mybox:8000", "http://mybox:8000/v1", True),
    ("api.openai.com/v1", "https://api.openai.com/v1", True),
    ("https://openrouter.ai/api/v1/chat/completions", "https://openrouter.ai/api/v1", True),
    ("https://generativelanguage.googleapis.com/v1beta/openai", "https://generativelanguage.googleapis.com/v1beta/openai",
     True),
    ("https://api.z.ai/api/paas/v4", "https://api.z.ai/api/paas/v4", True),
    ("https://example.com/proxy", "https://example.com/proxy", False),
    ("https://example.com/proxy/chat/completions", "https://example.com/proxy", False),
    ("https://res.openai.azure.com/openai/deployments/d?api-version=2024-10-21",
     "https://res.openai.azure.com/openai/deployments/d?api-version=2024-10-21", False),
    ("http://[::1]:8080", "http://[::1]:8080/v1", True),
]


@pytest.mark.parametrize(("pasted", "base", "certain"), OAI_CASES)
def test_oai_base(pasted: str, base: str, certain: bool) -> None:
    found = oai_base(pasted)
    assert (found.url, found.certain) == (base, certain)


@pytest.mark.parametrize(
    ("pasted", "root"),
    [
        ("http://127.0.0.1:8080/v1", "http://127.0.0.1:8080"),
        ("http://localhost:8000/v1/chat/completions", "http://127.0.0.1:8000"),
        ("http://127.0.0.1:8000", "http://127.0.0.1:8000"),
        ("http://host.local/prefix/v1", "http://host.local/prefix"),
    ],
)
def test_root_url(pasted: str, root: str) -> None:
    assert root_url(pasted) == root


def test_clean_url_strips_one_suffix_only_and_keeps_userinfo() -> None:
    assert clean_url("http://u:p@127.0.0.1:5001/api/v1/generate") == "http://u:p@127.0.0.1:5001/api/v1"
    assert clean_url("http://127.0.0.1:11434/api/chat") == "http://127.0.0.1:11434"
    assert clean_url("http://x.local/models/models") == "http://x.local/models"


@pytest.mark.parametrize("bad", ["", "   ", "ftp://example.com", "http://", "http://127.0.0.1:notaport"])
def test_bad_urls_raise_clear_errors(bad: str) -> None:
    with pytest.raises(URLError) as info:
        clean_url(bad)
    assert str(info.value)


def test_join_and_with_v1_keep_query_last() -> None:
    base = "https://r.azure.com/openai/d?api-version=1"
    assert join(base, "chat/completions") == "https://r.azure.com/openai/d/chat/completions?api-version=1"
    assert with_v1("http://h:1/p") == "http://h:1/p/v1"
    assert with_v1(base) == "https://r.azure.com/openai/d/v1?api-version=1"
