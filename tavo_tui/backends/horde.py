"""Kind "horde": AI Horde, a crowdsourced queue. Submit a job, poll its status, fetch the text.

There is no streaming: while the job waits, `stream()` yields `Progress(queue_position, eta_seconds,
detail)` events, then the whole text as one TextDelta. Cancelling (or closing the stream) sends
`DELETE /v2/generate/text/status/{id}` so the job leaves the queue. Parameters use the Kobold names and are
clamped to what the chosen models' workers accept.
Options: models (list of model names; empty = any), workers (ids), trusted_workers (bool),
poll_seconds (default 2.5).
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncGenerator
from typing import Any
from urllib.parse import quote

import httpx

from tavo_tui import __version__
from tavo_tui.backends.base import BackendError, ConnectionCheck, Finish, Progress, Reply, StreamEvent, TextDelta
from tavo_tui.backends.native import NativeBackend, ok
from tavo_tui.backends.oai_events import model_ids
from tavo_tui.backends.urls import join
from tavo_tui.model import AssembledPrompt, PreparedRequest

ANONYMOUS_KEY = "0000000000"
MAX_POLLS = 600  # about 25 minutes at the default interval; jobs expire on the Horde side before that
_CANCEL_TIMEOUT = httpx.Timeout(5.0)


def _clamp(value: int, low: int, high: int) -> int:
    return max(low, min(high, value))


def worker_limits(workers: Any, models: list[str]) -> tuple[int | None, int | None]:
    """(max context, max new tokens) that every online worker serving one of `models` accepts."""
    contexts: list[int] = []
    lengths: list[int] = []
    for worker in workers if isinstance(workers, list) else []:
        if not isinstance(worker, dict) or worker.get("online") is False:
            continue
        raw_models = worker.get("models")
        served: list[Any] = raw_models if isinstance(raw_models, list) else []
        if models and not set(models) & set(served):
            continue
        if isinstance(worker.get("max_context_length"), int):
            contexts.append(worker["max_context_length"])
        if isinstance(worker.get("max_length"), int):
            lengths.append(worker["max_length"])
    return (min(contexts) if contexts else None), (min(lengths) if lengths else None)


class HordeBackend(NativeBackend):
    kind = "horde"
    default_base_url = "https://aihorde.net/api"
    server_name = "AI Horde"
    root_suffixes = ("/v2",)

    def auth_headers(self) -> dict[str, str]:
        return {"apikey": self.checked_key() or ANONYMOUS_KEY, "Client-Agent": f"tavo-tui:{__version__}:local"}

    def _list_option(self, name: str) -> list[str]:
        value = self.profile.options.get(name)
        return [str(v) for v in value] if isinstance(value, list) else []

    def prepare(self, prompt: AssembledPrompt, *, stream: bool | None = None) -> PreparedRequest:
        self.need_mode(prompt, "text", hint="the Horde completes text with the Kobold API")
        params: dict[str, Any] = {
            "n": 1,
            "max_context_length": _clamp(prompt.max_context or self.profile.max_context, 80, 32768),
            "max_length": _clamp(self.max_new_tokens(prompt), 16, 1024),
        }
        params.update(self.samplers(self.profile.sampler))
        stops = self.stops_for(prompt)
        if stops:
            params["stop_sequence"] = stops
        # Leave the text as generated; formatting and trimming happen here, with the stop strings.
        params.update(frmtadsnsp=False, frmtrmblln=False, frmtrmspch=False, frmttriminc=False, singleline=False)
        body: dict[str, Any] = {"prompt": prompt.text, "params": params, "models": self._list_option("models")}
        workers = self._list_option("workers")
        if workers:
            body["workers"] = workers[:5]
        body["trusted_workers"] = bool(self.profile.options.get("trusted_workers", False))
        return PreparedRequest(url=join(self.root, "v2/generate/text/async"), body=body, stream=False)

    def body_stops(self, body: dict[str, Any]) -> Any:
        params = body.get("params")
        return params.get("stop_sequence") if isinstance(params, dict) else None

    async def clamped(self, body: dict[str, Any]) -> dict[str, Any]:
        """`body` with context and length lowered to the chosen models' workers' limits (when any are chosen)."""
        models = body.get("models") or []
        if not models:
            return body
        ctx, length = worker_limits(await self.get_json(join(self.root, "v2/workers?type=text")), list(models))
        params = dict(body["params"])
        if ctx is not None:
            params["max_context_length"] = min(params["max_context_length"], ctx)
        if length is not None:
            params["max_length"] = min(params["max_length"], length)
        return {**body, "params": params}

    async def _raw_stream(self, request: PreparedRequest) -> AsyncGenerator[StreamEvent, None]:
        body = await self.clamped(request.body)
        submitted = await self.post_json(request.url, body, self.headers(request))
        job = submitted.get("id") if isinstance(submitted, dict) else None
        if not isinstance(job, str) or not job:
            raise BackendError("unknown", "the Horde accepted the request but returned no job id")
        status_url = join(self.root, f"v2/generate/text/status/{quote(job)}")
        interval = float(self.profile.options.get("poll_seconds", 2.5))
        finished = False
        try:
            for _ in range(MAX_POLLS):
                status = await self.get_json(status_url)
                if not isinstance(status, dict):
                    raise BackendError("unknown", "the Horde answered the status request with an unexpected shape")
                if status.get("faulted"):
                    raise BackendError("server", "the Horde worker failed on this request — try again")
                if status.get("is_possible") is False:
                    raise BackendError(
                        "bad_request",
                        "no Horde worker can serve this request — choose other models or lower context/max tokens",
                    )
                generations = status.get("generations")
                if status.get("done") and isinstance(generations, list) and generations:
                    finished = True
                    first = generations[0] if isinstance(generations[0], dict) else {}
                    text = str(first.get("text", ""))
                    if text:
                        yield TextDelta(text)
                    worker = {k: first.get(k) for k in ("worker_name", "model") if first.get(k)}
                    yield Finish("stop", worker)
                    return
                yield _progress(status)
                await self._transport.sleep(interval)
            raise BackendError("server", "the Horde job did not finish in time — try again or pick faster models")
        finally:
            if not finished:
                await self.cancel(job)

    async def cancel(self, job: str) -> None:
        """Withdraw a queued or running job. Never raises (it runs while a stream is being closed)."""
        with contextlib.suppress(Exception):
            await self._transport.client.delete(
                join(self.root, f"v2/generate/text/status/{quote(job)}"),
                headers=self.auth_headers(),
                timeout=_CANCEL_TIMEOUT,
            )

    async def _raw_complete(self, request: PreparedRequest) -> Reply:
        text: list[str] = []
        finish: Finish | None = None
        async for event in self._raw_stream(request):
            if isinstance(event, TextDelta):
                text.append(event.text)
            elif isinstance(event, Finish):
                finish = event
        return Reply("".join(text), "", finish.reason if finish else None, finish.usage if finish else {})

    async def list_models(self) -> list[str]:
        return model_ids(await self.get_json(join(self.root, "v2/status/models?type=text")))

    async def check(self) -> ConnectionCheck:
        async def probe() -> ConnectionCheck:
            await self.get_json(join(self.root, "v2/status/heartbeat"))
            who = "anonymous"
            if self.checked_key():
                user = await self.get_json(join(self.root, "v2/find_user"))
                if isinstance(user, dict):
                    who = f"{user.get('username', '?')}, {user.get('kudos', 0):g} kudos"
            models = await self.list_models()
            return ok(f"connected to AI Horde as {who}; {len(models)} text models online", "AI Horde", models)

        return await self.timed_check(probe)


def _progress(status: dict[str, Any]) -> Progress:
    position = status.get("queue_position") if isinstance(status.get("queue_position"), int) else None
    eta = status.get("wait_time") if isinstance(status.get("wait_time"), int | float) else None
    if status.get("processing"):
        detail = "a worker is generating"
    elif position is not None:
        detail = f"queued at position {position}"
    else:
        detail = "waiting for a worker"
    if eta is not None:
        detail += f", about {eta:g} s left"
    return Progress(position, float(eta) if eta is not None else None, detail)
