"""Shared fake servers for tests (real HTTP on 127.0.0.1). The fixtures are registered in tests/conftest.py."""

from tests.fakes.openai_server import Canned, FakeOpenAIServer, RecordedRequest

__all__ = ["Canned", "FakeOpenAIServer", "RecordedRequest"]
