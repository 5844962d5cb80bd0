"""The openai-compatible adapter against a real llama-cpp-python server running a tiny GGUF model.

Run with `.venv/bin/python -m pytest -q -m peer tests/peer`. Skipped only when llama-cpp-python (with its
server extras) is not installed or the model file is absent.
"""

from __future__ import annotations

import asyncio
import importlib.util
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tavo_tui.backends.base import BackendError, Finish, TextDelta
from tavo_tui.backends.discover import discover_local
from tavo_tui.backends.openai_compat import OpenAICompatBackend
from tavo_tui.backends.registry import make_backend
from tavo_tui.model import AssembledPrompt, ConnectionProfile, SamplerSettings
from tests.backends.helpers import collect, text_of

pytestmark = pytest.mark.peer

ROOT = Path(__file__).resolve().parents[2]
MODEL = ROOT.parent / "shared" / "peers" / "tiny-llama3vocab-ascii.gguf"
NO_EOS = {"128003": -100}  # the model's EOS; banning it forces long replies


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def llama_server() -> Iterator[str]:
    """A llama-cpp-python server on a free port; yields its root URL."""
    if importlib.util.find_spec("llama_cpp") is None or importlib.util.find_spec("uvicorn") is None:
        pytest.skip("llama-cpp-python[server] is not installed")
    if not MODEL.is_file():
        pytest.skip(f"{MODEL} is absent")
    port = _free_port()
    cmd = [
        sys.executable, "-m", "llama_cpp.server", "--model", str(MODEL), "--host", "127.0.0.1",
        "--port", str(port), "--model_alias", "tiny", "--n_ctx", "2048", "--verbose", "False",
    ]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    root = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
                pytest.fail(f"llama_cpp.server exited early: {err[-2000:]}")
            try:
                if httpx.get(f"{root}/v1/models", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                pytest.fail("llama_cpp.server did not answer /v1/models within 60 s")
            time.sleep(0.2)
        yield root
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _backend(root: str, **kw: object) -> OpenAICompatBackend:
    sampler = SamplerSettings(temperature=0.0, seed=7)
    # The user pastes the root without /v1: normalisation must find /v1 itself.
    profile = ConnectionProfile(name="peer", base_url=root, model="tiny", sampler=sampler, **kw)  # type: ignore[arg-type]
    return OpenAICompatBackend(profile, None)


def _chat(content: str = "Hello! Who are you?", max_tokens: int = 24) -> AssembledPrompt:
    messages = [{"role": "system", "content": "You are Aria."}, {"role": "user", "content": content}]
    return AssembledPrompt(mode="chat", messages=messages, max_tokens=max_tokens)


async def test_check_and_models(llama_server: str) -> None:
    backend = _backend(llama_server)
    check = await backend.check()
    assert check.ok, check.detail
    assert check.models == ("tiny",) and "llama-cpp-python" in check.server
    assert await backend.list_models() == ["tiny"]
    await backend.aclose()


async def test_chat_streamed_and_not_agree(llama_server: str) -> None:
    backend = _backend(llama_server)
    streamed = await asyncio.wait_for(collect(backend, backend.prepare(_chat(), stream=True)), 60)
    finish = streamed[-1]
    assert isinstance(finish, Finish) and finish.reason in ("stop", "length")
    assert finish.usage == {}  # quirk: llama-cpp-python sends no usage in streams
    reply = await asyncio.wait_for(backend.complete(backend.prepare(_chat(), stream=False)), 60)
    # Greedy sampling (temperature 0): both paths produce the same text from the same prompt.
    assert text_of(streamed) == reply.text and reply.text
    assert reply.finish_reason == finish.reason
    assert reply.usage["completion_tokens"] >= 1
    await backend.aclose()


async def test_text_completion_streamed_and_not(llama_server: str) -> None:
    backend = _backend(llama_server, mode="text")
    prompt = AssembledPrompt(mode="text", text="Aria: Welcome aboard.\nYou: Hi!\nAria:", max_tokens=12)
    req = backend.prepare(prompt, stream=True)
    assert req.url.endswith("/v1/completions")
    events = await asyncio.wait_for(collect(backend, req), 60)
    assert isinstance(events[-1], Finish) and events[-1].reason in ("stop", "length")
    reply = await asyncio.wait_for(backend.complete(backend.prepare(prompt, stream=False)), 60)
    assert reply.text == text_of(events)
    await backend.aclose()


async def test_count_tokens_matches_the_server_tokenizer(llama_server: str) -> None:
    backend = _backend(llama_server)
    text = "The quick brown fox jumps over the lazy dog. Ça va? ☕"
    count = await backend.count_tokens(text)
    async with httpx.AsyncClient() as client:
        tokens = (await client.post(f"{llama_server}/extras/tokenize", json={"input": text})).json()["tokens"]
    assert count == len(tokens) > 10
    await backend.aclose()


async def test_streamed_prompt_over_context_is_a_clear_error_not_a_hang(llama_server: str) -> None:
    backend = _backend(llama_server)
    big = _chat("hello world " * 1500, max_tokens=8)  # ~3000 tokens > n_ctx 2048
    with pytest.raises(BackendError) as info:
        await asyncio.wait_for(collect(backend, backend.prepare(big, stream=True)), 60)
    assert info.value.kind == "server" and "context" in info.value.message
    # Not streamed, the same server reports it properly.
    with pytest.raises(BackendError) as info:
        await asyncio.wait_for(backend.complete(backend.prepare(big, stream=False)), 60)
    assert info.value.kind == "context_length" and "2048" in info.value.message
    # And the server still answers afterwards.
    reply = await asyncio.wait_for(backend.complete(backend.prepare(_chat(), stream=False)), 60)
    assert reply.text
    await backend.aclose()


async def test_a_second_request_cuts_the_first_stream_which_ends_incomplete(llama_server: str) -> None:
    first_backend, second_backend = _backend(llama_server), _backend(llama_server)
    long_req = first_backend.prepare(_chat(max_tokens=1500))
    long_req.body["logit_bias"] = NO_EOS  # never stop by itself
    got: list[object] = []
    started = asyncio.Event()

    async def consume() -> None:
        async for event in first_backend.stream(long_req):
            got.append(event)
            if len([e for e in got if isinstance(e, TextDelta)]) >= 5:
                started.set()

    task = asyncio.create_task(consume())
    await asyncio.wait_for(started.wait(), 60)
    reply = await asyncio.wait_for(second_backend.complete(second_backend.prepare(_chat(), stream=False)), 60)
    await asyncio.wait_for(task, 60)
    assert reply.text
    finish = got[-1]
    assert isinstance(finish, Finish) and finish.reason is None  # [DONE] without a finish_reason
    assert len(text_of(got)) > 0  # the partial reply is still there for the caller to keep
    await first_backend.aclose()
    await second_backend.aclose()


async def test_cancelling_a_stream_frees_the_server(llama_server: str) -> None:
    backend = _backend(llama_server)
    long_req = backend.prepare(_chat(max_tokens=1500))
    long_req.body["logit_bias"] = NO_EOS
    started = asyncio.Event()

    async def consume() -> None:
        async for _event in backend.stream(long_req):
            started.set()

    task = asyncio.create_task(consume())
    await asyncio.wait_for(started.wait(), 60)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    begin = time.monotonic()
    reply = await asyncio.wait_for(backend.complete(backend.prepare(_chat(), stream=False)), 60)
    assert reply.text and time.monotonic() - begin < 5  # not stuck behind 1500 tokens (~6 s here)
    await backend.aclose()


# -- the "llamacpp" kind (api openai) and discovery against the same real server --------------------------


def _kind_backend(root: str, **kw: object) -> Any:
    sampler = SamplerSettings(temperature=0.0, seed=7, top_k=40, min_p=0.05, repetition_penalty=1.05)
    profile = ConnectionProfile(name="peer", kind="llamacpp", api="openai", base_url=root, model="tiny",
                                sampler=sampler, **kw)  # type: ignore[arg-type]
    return make_backend(profile)


async def test_llamacpp_kind_with_local_sampler_names(llama_server: str) -> None:
    backend = _kind_backend(llama_server)
    req = backend.prepare(_chat(max_tokens=16))
    assert req.body["repeat_penalty"] == 1.05 and req.body["top_k"] == 40 and "repetition_penalty" not in req.body
    events = await asyncio.wait_for(collect(backend, req), 60)
    assert isinstance(events[-1], Finish) and events[-1].reason in ("stop", "length") and text_of(events)
    # llama-server's /tokenize is absent here; the llama-cpp-python count endpoint answers instead.
    text = "Stop strings and token counts. ☕"
    count = await backend.count_tokens(text)
    async with httpx.AsyncClient() as client:
        tokens = (await client.post(f"{llama_server}/extras/tokenize", json={"input": text})).json()["tokens"]
    assert count == len(tokens)
    await backend.aclose()


async def test_client_side_stop_string_cuts_a_real_stream(llama_server: str) -> None:
    backend = _kind_backend(llama_server)
    long_req = backend.prepare(_chat(max_tokens=120))
    long_req.body["logit_bias"] = NO_EOS
    full = text_of(await asyncio.wait_for(collect(backend, long_req), 60))
    assert len(full) > 20
    stop = full[10:14]  # a piece the greedy model will produce again at the same place
    cut = full[: full.index(stop)]
    backend.profile.sampler.stop = [stop]  # client-side only: the body already went without it
    events = await asyncio.wait_for(collect(backend, long_req), 60)
    assert text_of(events) == cut and events[-1] == Finish("stop", {})
    await backend.aclose()


async def test_discovery_finds_the_real_server(llama_server: str) -> None:
    port = int(llama_server.rsplit(":", 1)[1])
    found = await discover_local([port], timeout=2.0)
    assert len(found) == 1 and found[0].kind == "openai-compatible" and found[0].server == "llama-cpp-python"
    assert found[0].models == ("tiny",)
    backend = make_backend(found[0].profile())
    check = await backend.check()
    assert check.ok and check.models == ("tiny",)
    await backend.aclose()
