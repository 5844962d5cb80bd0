"""Fake AI Horde (asynchronous submit/poll/cancel) and NovelAI (generate / generate-stream) on 127.0.0.1.

Shapes from the backends reference (§4, §5.14, §7, §8 I-J). Fixtures: `horde_server`, `novelai_server`.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from tests.fakes.local_servers import data_events, event_stream, ok_json
from tests.fakes.openai_server import Canned, FakeOpenAIServer, error, words

HORDE_401 = {
    "message": "No user matching sent API Key. Have you remembered to register at https://stablehorde.net/register ?",
    "rc": "InvalidAPIKey",
}
NOVELAI_401 = {"statusCode": 401, "message": "Access Token is incorrect."}


class FakeHordeServer(FakeOpenAIServer):
    """Jobs wait `queue` polls (positions counting down), then finish with the reply."""

    def __init__(self) -> None:
        super().__init__(prefix="/api")
        self.queue = [3, 2, 1]
        self.faulted = False
        self.possible = True
        self.jobs: dict[str, int] = {}  # job id -> polls so far
        self.cancelled: list[str] = []
        self._jobs_lock = threading.Lock()
        self.workers = [
            {
                "id": "w1",
                "name": "big",
                "models": ["koboldcpp/tiny"],
                "max_context_length": 8192,
                "max_length": 512,
                "online": True,
            },
            {
                "id": "w2",
                "name": "small",
                "models": ["koboldcpp/tiny"],
                "max_context_length": 2048,
                "max_length": 200,
                "online": True,
            },
            {
                "id": "w3",
                "name": "other",
                "models": ["other/model"],
                "max_context_length": 1024,
                "max_length": 80,
                "online": True,
            },
        ]

    def status(self, job: str) -> dict[str, Any]:
        with self._jobs_lock:
            polls = self.jobs[job]
            self.jobs[job] = polls + 1
        waiting = polls < len(self.queue)
        out: dict[str, Any] = {
            "finished": 0 if waiting else 1,
            "processing": 0,
            "restarted": 0,
            "waiting": 1 if waiting else 0,
            "done": not waiting,
            "faulted": self.faulted,
            "wait_time": 5 * self.queue[polls] if waiting else 0,
            "queue_position": self.queue[polls] if waiting else 0,
            "kudos": 12.0,
            "is_possible": self.possible,
            "generations": [],
        }
        if not waiting:
            out["generations"] = [
                {
                    "text": self.reply,
                    "worker_name": "big",
                    "worker_id": "w1",
                    "model": "koboldcpp/tiny",
                    "seed": 1,
                    "state": "ok",
                }
            ]
        return out

    def default_answer(self, method: str, path: str, headers: dict[str, str], body: bytes) -> Canned:
        if not headers.get("client-agent"):
            return error(400, {"message": "Client-Agent header missing", "rc": "BadClientAgent"})
        key = headers.get("apikey")
        if self.api_key is not None and key not in (self.api_key, "0000000000"):
            return error(401, HORDE_401)
        if path == "/api/v2/generate/text/async" and method == "POST":
            payload = json.loads(body)
            if not payload.get("prompt"):
                return error(400, {"message": "Missing prompt", "rc": "MissingPrompt"})
            with self._jobs_lock:
                job = f"job-{len(self.jobs) + 1}"
                self.jobs[job] = 0
            return Canned(status=202, chunks=[json.dumps({"id": job, "kudos": 12.0}).encode()])
        if path.startswith("/api/v2/generate/text/status/"):
            job = path.rsplit("/", 1)[-1]
            if job not in self.jobs:
                return error(404, {"message": "Request not found", "rc": "RequestNotFound"})
            if method == "DELETE":
                self.cancelled.append(job)
            return ok_json(self.status(job))
        if path == "/api/v2/workers":
            return ok_json(self.workers)
        if path == "/api/v2/status/models":
            return ok_json(
                [
                    {"name": "koboldcpp/tiny", "count": 2, "type": "text"},
                    {"name": "other/model", "count": 1, "type": "text"},
                ]
            )
        if path == "/api/v2/status/heartbeat":
            return ok_json({"message": "OK", "version": "4.44.0"})
        if path == "/api/v2/find_user":
            return ok_json({"username": "ann#1", "kudos": 42.0})
        return error(404, {"message": "Not found", "rc": "NotFound"})


class FakeNovelAIServer(FakeOpenAIServer):
    def __init__(self) -> None:
        super().__init__(prefix="")

    def default_answer(self, method: str, path: str, headers: dict[str, str], body: bytes) -> Canned:
        if self.api_key is not None and headers.get("authorization") != f"Bearer {self.api_key}":
            return error(401, NOVELAI_401)
        if path == "/user/subscription":
            return ok_json({"tier": 3, "active": True, "perks": {"contextTokens": 8192}})
        payload: Any = json.loads(body) if body.strip() else {}
        if path in ("/ai/generate", "/ai/generate-stream") and method == "POST":
            params = payload.get("parameters", {})
            if not isinstance(params.get("stop_sequences", []), list) or any(
                not isinstance(s, list) for s in params.get("stop_sequences", [])
            ):
                return error(400, {"statusCode": 400, "message": "stop_sequences must be token id arrays"})
            if path == "/ai/generate":
                return ok_json({"output": self.reply})
            pieces = words(self.reply)
            events = [{"token": p, "ptr": i, "final": i == len(pieces) - 1} for i, p in enumerate(pieces)]
            return event_stream(data_events(*events, event="newToken"))
        return error(404, {"statusCode": 404, "message": "Cannot POST " + path})


def _serve(server: FakeOpenAIServer) -> Iterator[Any]:
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def horde_server() -> Iterator[FakeHordeServer]:
    yield from _serve(FakeHordeServer())


@pytest.fixture
def novelai_server() -> Iterator[FakeNovelAIServer]:
    yield from _serve(FakeNovelAIServer())
