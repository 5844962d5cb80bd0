"""AI Horde (queued jobs with progress and cancel) and NovelAI against fake servers on 127.0.0.1."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from tavo_tui.backends.base import BackendError, Finish, Progress, TextDelta
from tavo_tui.backends.horde import HordeBackend, worker_limits
from tavo_tui.backends.novelai import NovelAIBackend
from tavo_tui.backends.transport import RetryPolicy
from tavo_tui.model import AssembledPrompt, ConnectionProfile, SamplerSettings
from tests.backends.helpers import collect, text_of, text_prompt
from tests.fakes.queue_servers import FakeHordeServer, FakeNovelAIServer

FAST = RetryPolicy(max_retries=1, max_wait=0.02, backoff=0.01)
SAMPLER = SamplerSettings(
    temperature=0.8,
    top_k=40,
    min_p=0.1,
    repetition_penalty=1.08,
    tfs=0.95,
    presence_penalty=0.0,
    frequency_penalty=0.02,
    stop=["\nYou:"],
)


def horde(server: FakeHordeServer, key: str | None = None, **options: Any) -> HordeBackend:
    opts = {"poll_seconds": 0.01, **options}
    p = ConnectionProfile(
        name="h", kind="horde", base_url=server.base_url, mode="text", options=opts, sampler=SAMPLER, max_context=16384
    )
    b = HordeBackend(p, key)
    b.retry = FAST
    return b


async def test_horde_submit_poll_progress_and_text(horde_server: FakeHordeServer) -> None:
    b = horde(horde_server, models=["koboldcpp/tiny"])
    req = b.prepare(text_prompt())
    body = req.body
    params = body["params"]
    assert req.url == horde_server.base_url + "/v2/generate/text/async"
    assert params["max_length"] == 64 and params["rep_pen"] == 1.08 and params["min_p"] == 0.1
    assert params["stop_sequence"] == ["\nYou:"] and params["frmttriminc"] is False and "stop" not in params
    assert body["models"] == ["koboldcpp/tiny"] and body["trusted_workers"] is False
    events = await collect(b, req)
    progress = [e for e in events if isinstance(e, Progress)]
    assert [p.queue_position for p in progress] == [3, 2, 1]
    assert progress[0].eta_seconds == 15.0 and "position 3" in progress[0].detail
    assert text_of(events) == horde_server.reply
    assert events[-1] == Finish("stop", {"worker_name": "big", "model": "koboldcpp/tiny"})
    submitted = next(r for r in horde_server.requests if r.path.endswith("/async"))
    # Clamped to the smallest limits of the workers serving the chosen model (w2: 2048 / 200).
    assert submitted.json()["params"]["max_context_length"] == 2048
    assert submitted.headers["apikey"] == "0000000000" and submitted.headers["client-agent"].startswith("tavo-tui:")
    assert horde_server.cancelled == []


def test_worker_limits_ignore_offline_and_other_models() -> None:
    workers = [
        {"models": ["a"], "max_context_length": 4096, "max_length": 300},
        {"models": ["a"], "max_context_length": 1024, "max_length": 100, "online": False},
        {"models": ["b"], "max_context_length": 512, "max_length": 50},
    ]
    assert worker_limits(workers, ["a"]) == (4096, 300)
    assert worker_limits(workers, []) == (512, 50)


async def test_horde_cancel_deletes_the_job(horde_server: FakeHordeServer) -> None:
    horde_server.queue = [5] * 500
    b = horde(horde_server, "user-key-1234")
    horde_server.api_key = "user-key-1234"
    waiting = asyncio.Event()

    async def consume() -> None:
        async for event in b.stream(b.prepare(text_prompt())):
            if isinstance(event, Progress):
                waiting.set()

    task = asyncio.create_task(consume())
    await asyncio.wait_for(waiting.wait(), 5)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert horde_server.cancelled == ["job-1"]
    delete = [r for r in horde_server.requests if r.method == "DELETE"]
    assert delete[0].headers["apikey"] == "user-key-1234"


async def test_horde_impossible_faulted_and_bad_key(horde_server: FakeHordeServer) -> None:
    horde_server.possible = False
    b = horde(horde_server)
    with pytest.raises(BackendError) as info:
        await b.complete(b.prepare(text_prompt()))
    assert info.value.kind == "bad_request" and "no Horde worker" in info.value.message
    assert horde_server.cancelled == ["job-1"]  # the hopeless job is withdrawn
    horde_server.possible, horde_server.faulted = True, True
    with pytest.raises(BackendError) as info:
        await b.complete(b.prepare(text_prompt()))
    assert info.value.kind == "server"
    horde_server.api_key = "the-real-key"
    wrong = horde(horde_server, "wrong-key-999")
    with pytest.raises(BackendError) as info:
        await wrong.complete(wrong.prepare(text_prompt()))
    assert info.value.kind == "auth" and "No user matching" in info.value.message


async def test_horde_complete_models_and_check(horde_server: FakeHordeServer) -> None:
    horde_server.queue = [1]
    horde_server.reply = "A reply.\nYou: cut here"
    b = horde(horde_server, "k-12345678")
    reply = await b.complete(b.prepare(text_prompt()))
    assert reply.text == "A reply." and reply.finish_reason == "stop"  # stop string trimmed client-side
    assert await b.list_models() == ["koboldcpp/tiny", "other/model"]
    check = await b.check()
    assert check.ok and "ann#1" in check.detail and "42 kudos" in check.detail and "2 text models" in check.detail
    with pytest.raises(BackendError):
        b.prepare(AssembledPrompt(mode="chat", messages=[{"role": "user", "content": "hi"}]))


# -- NovelAI ---------------------------------------------------------------------------------------------


def novelai(server: FakeNovelAIServer, key: str = "pst-abcdef123456", **kw: Any) -> NovelAIBackend:
    server.api_key = "pst-abcdef123456"
    p = ConnectionProfile(name="n", kind="novelai", base_url=server.root, mode="text", sampler=SAMPLER, **kw)
    b = NovelAIBackend(p, key)
    b.retry = FAST
    return b


async def test_novelai_stream_and_generate(novelai_server: FakeNovelAIServer) -> None:
    b = novelai(novelai_server)
    req = b.prepare(text_prompt(stop=["\nAria:"]))
    assert req.url == novelai_server.root + "/ai/generate-stream"
    params = req.body["parameters"]
    assert req.body["model"] == "llama-3-erato-v1" and req.body["input"].endswith("Aria:")
    assert params["max_length"] == 64 and params["tail_free_sampling"] == 0.95
    assert params["repetition_penalty_frequency"] == 0.02 and params["use_string"] is True
    assert "stop_sequences" not in params and "stop" not in req.body
    events = await collect(b, req)
    assert text_of(events) == novelai_server.reply and events[-1] == Finish("stop")
    assert novelai_server.requests[-1].headers["authorization"] == "Bearer pst-abcdef123456"
    reply = await b.complete(b.prepare(text_prompt(), stream=False))
    assert reply.text == novelai_server.reply


async def test_novelai_stop_strings_apply_client_side(novelai_server: FakeNovelAIServer) -> None:
    novelai_server.reply = "Sure.\nAria: more and more"
    b = novelai(novelai_server)
    events = await collect(b, b.prepare(text_prompt(stop=["\nAria:"])))
    assert text_of(events) == "Sure." and sum(isinstance(e, TextDelta) for e in events) >= 1


async def test_novelai_bad_token_and_check(novelai_server: FakeNovelAIServer) -> None:
    bad = novelai(novelai_server, key="pst-wrong-token")
    with pytest.raises(BackendError) as info:
        await collect(bad, bad.prepare(text_prompt()))
    assert info.value.kind == "auth" and "Access Token is incorrect" in info.value.message
    assert not (await bad.check()).ok
    good = novelai(novelai_server)
    check = await good.check()
    assert check.ok and "tier 3" in check.detail and "llama-3-erato-v1" in await good.list_models()
