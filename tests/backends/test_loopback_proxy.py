"""Proxy environment variables never capture a local backend's traffic, but still apply to remote hosts.

A real "proxy" on 127.0.0.1 records every request it gets (a forward proxy receives the absolute URL) and
answers with its own model list, so the test can tell which way each request went.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tavo_tui.backends.registry import make_backend
from tavo_tui.model import ConnectionProfile
from tests.fakes.openai_server import FakeOpenAIServer


class RecordingProxy:
    def __init__(self) -> None:
        self.seen: list[str] = []
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                owner.seen.append(self.path)
                body = json.dumps({"object": "list", "data": [{"id": "via-proxy", "object": "model"}]}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def proxy(monkeypatch: pytest.MonkeyPatch) -> Iterator[RecordingProxy]:
    server = RecordingProxy()
    for name in ("NO_PROXY", "no_proxy", "HTTPS_PROXY", "https_proxy"):
        monkeypatch.delenv(name, raising=False)
    for name in ("HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.setenv(name, server.url)
    yield server
    server.close()


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
async def test_a_local_backend_is_reached_directly(proxy: RecordingProxy, openai_server: FakeOpenAIServer,
                                                  host: str) -> None:
    url = openai_server.base_url.replace("127.0.0.1", host)
    backend = make_backend(ConnectionProfile(name="local", base_url=url, model="fake-model"))
    try:
        models = await backend.list_models()
    finally:
        await backend.aclose()
    assert "via-proxy" not in models
    assert [r.path for r in openai_server.requests if r.path.endswith("/models")]
    assert proxy.seen == []


async def test_a_remote_backend_still_goes_through_the_proxy(proxy: RecordingProxy) -> None:
    backend = make_backend(ConnectionProfile(name="remote", base_url="http://models.example/v1", model="m"))
    try:
        models = await backend.list_models()
    finally:
        await backend.aclose()
    assert models == ["via-proxy"]
    assert proxy.seen == ["http://models.example/v1/models"]
