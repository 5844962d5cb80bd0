"""Streaming render speed: a fake OpenAI server streams N tokens/s into a chat with a long history.

Two modes:

* `--serve [--port 8765] [--rate 5000] [--tokens 20000]`: only the fake server, so the same stream can be
  pointed at any chat TUI that speaks the OpenAI API (base URL http://127.0.0.1:PORT/v1, any model/key).
  Every request gets the same stream; the final token is `ENDMARK`.
* default: starts that server as a child process, opens tavo-tui headless (Textual's test driver, which still
  lays out and renders every frame) on a chat with `--history` messages, sends one message and measures
   - lag: time from the last token reaching the app (the generation event) to the final text being on screen,
   - CPU: process CPU seconds per wall second while the reply streams (1.0 = one core),
   - key latency: a key pressed in the composer while streaming, until it is drawn (median / worst of 10).

Run by hand: `.venv/bin/python benchmarks/stream_render.py [--rate 5000] [--seconds 4] [--history 200]`.
Goals: lag < 50 ms, CPU < 1 core, key latency < 50 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
CARD = ROOT / "sample_cards" / "maren_holloway.png"
WORDS = "the beam turns over *black water* and \"hold fast\" she says while gulls".split()
END = "ENDMARK"


# ---- the fake server (standard library only, so it runs anywhere) --------------------------------------
def sse_chunk(text: str, finish: str | None = None) -> bytes:
    data = {"id": "bench", "object": "chat.completion.chunk", "model": "bench",
            "choices": [{"index": 0, "delta": {"content": text} if text else {}, "finish_reason": finish}]}
    return f"data: {json.dumps(data)}\n\n".encode()


async def stream_tokens(writer: asyncio.StreamWriter, rate: int, tokens: int) -> None:
    tick = 0.01  # write the tokens due every 10 ms as one batch of SSE events, keeping the rate exact
    start = time.perf_counter()
    sent = 0
    while sent < tokens:
        due = min(tokens, int((time.perf_counter() - start) * rate) + 1)
        # A paragraph break every 60 tokens, as replies have; one endless paragraph is re-parsed per flush.
        batch = b"".join(sse_chunk(WORDS[i % len(WORDS)] + ("\n\n" if i % 60 == 59 else " "))
                         for i in range(sent, due))
        sent = due
        if sent >= tokens:
            batch += sse_chunk(END) + sse_chunk("", "stop") + b"data: [DONE]\n\n"
        writer.write(batch)
        await writer.drain()
        await asyncio.sleep(tick)


async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, rate: int, tokens: int) -> None:
    try:
        request_line = (await reader.readline()).decode("latin-1")
        length = 0
        while (line := await reader.readline()) not in (b"\r\n", b"\n", b""):
            name, _, value = line.decode("latin-1").partition(":")
            if name.strip().lower() == "content-length":
                length = int(value.strip())
        if length:
            await reader.readexactly(length)
        method, path = request_line.split(" ")[:2]
        if method == "GET" and path.rstrip("/").endswith("/models"):
            body = json.dumps({"object": "list", "data": [{"id": "bench", "object": "model"}]}).encode()
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
                         + str(len(body)).encode() + b"\r\nConnection: close\r\n\r\n" + body)
        else:
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\n"
                         b"Connection: close\r\n\r\n")
            await stream_tokens(writer, rate, tokens)
        await writer.drain()
    except (ConnectionError, ValueError):
        pass
    finally:
        writer.close()


async def serve(port: int, rate: int, tokens: int) -> None:
    server = await asyncio.start_server(lambda r, w: handle(r, w, rate, tokens), "127.0.0.1", port)
    sockname = server.sockets[0].getsockname()
    print(f"fake OpenAI stream on http://127.0.0.1:{sockname[1]}/v1 ({rate} tokens/s, {tokens} tokens)",
          flush=True)
    async with server:
        await server.serve_forever()


# ---- the measurement --------------------------------------------------------------------------------------
def write_history(path: Path, count: int) -> None:
    lines = [json.dumps({"user_name": "Ann", "character_name": "Maren Holloway", "chat_metadata": {}})]
    for i in range(count):
        user = bool(i % 2)
        text = f"Message {i}: *she trims the wick* \"The storm is close,\" she says. " + "More words here. " * 6
        lines.append(json.dumps({"name": "Ann" if user else "Maren Holloway", "is_user": user, "is_system": False,
                                 "send_date": f"2026-05-03T15:{i // 60 % 60:02d}:{i % 60:02d}.000Z", "mes": text,
                                 "extra": {}}))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def start_server(rate: int, tokens: int) -> tuple[subprocess.Popen[str], str]:
    child = subprocess.Popen([sys.executable, __file__, "--serve", "--port", "0", "--rate", str(rate),
                              "--tokens", str(tokens)], stdout=subprocess.PIPE, text=True)
    assert child.stdout is not None
    line = child.stdout.readline()
    url = line.split(" on ")[1].split(" ")[0]
    return child, url


def block_shows(view: Any, text: str) -> bool:
    """Cheap check (no full-screen render): the reply's last Markdown block holds `text`."""
    from textual.widgets._markdown import MarkdownBlock

    blocks = [child for child in view.body.children if isinstance(child, MarkdownBlock)]
    return bool(blocks) and text in blocks[-1]._content.plain


async def after_refresh(app: Any) -> float:
    """The time at which the next screen refresh (the frame that draws the change) has happened."""
    done: asyncio.Future[float] = asyncio.get_running_loop().create_future()
    app.screen.refresh()
    app.call_after_refresh(lambda: done.done() or done.set_result(time.perf_counter()))
    return await done


async def measure(rate: int, tokens: int, history: int, home: Path, url: str) -> dict[str, float]:
    from tavo_tui.model import ConnectionProfile
    from tavo_tui.session import AppContext, Delta
    from tavo_tui.ui.app import TavoApp
    from tavo_tui.ui.widgets import reply_presenter

    ctx = AppContext.open(home=home, library=[CARD.parent])
    ctx.profiles.save(ConnectionProfile(name="bench", kind="openai-compatible", base_url=url, model="bench",
                                        max_context=32768, max_tokens=tokens + 10), None)
    source = home / "history.jsonl"
    write_history(source, history)
    ctx.import_chat(source, CARD)

    last_arrival: list[float] = []
    first_arrival: list[float] = []
    original = reply_presenter.ReplyPresenter.handle

    async def timed(self: Any, event: Any) -> None:
        if isinstance(event, Delta):
            if not first_arrival:
                first_arrival.append(time.perf_counter())
            if END in event.text:
                last_arrival.append(time.perf_counter())
        await original(self, event)

    reply_presenter.ReplyPresenter.handle = timed  # type: ignore[method-assign]
    app = TavoApp(ctx, card_path=CARD, connection="bench")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause(0.5)
        screen = app.main_screen
        screen.composer.load_text("Tell me everything.")
        cpu0, wall0 = time.process_time(), time.perf_counter()
        await pilot.press("ctrl+j")
        key_latency: list[float] = []
        while not last_arrival and time.perf_counter() - wall0 < 120:
            if len(key_latency) < 10 and time.perf_counter() - wall0 > 0.3 * (len(key_latency) + 1):
                key_latency.append(await key_to_screen(pilot, app))
            await asyncio.sleep(0.01)
        view = screen.chat_log.message_views()[-1]
        while not block_shows(view, END) and time.perf_counter() - last_arrival[0] < 10:
            await asyncio.sleep(0.001)
        shown = await after_refresh(app)
        cpu = (time.process_time() - cpu0) / (shown - wall0)
        await app.workers.wait_for_complete()
    return {"first_token_s": first_arrival[0] - wall0, "last_token_s": last_arrival[0] - wall0,
            "lag_ms": (shown - last_arrival[0]) * 1000, "cpu_cores": cpu, "stream_s": shown - wall0,
            "key_median_ms": statistics.median(key_latency) * 1000 if key_latency else float("nan"),
            "key_max_ms": max(key_latency) * 1000 if key_latency else float("nan"), "keys": len(key_latency)}


async def key_to_screen(pilot: Any, app: Any) -> float:
    """Type a letter into the composer during the stream; seconds until the composer shows it."""
    from textual import events

    composer = app.main_screen.composer
    composer.focus()
    before = composer.text.count("q")
    start = time.perf_counter()
    app.post_message(events.Key("q", "q"))  # as the driver does for a real key press
    while composer.text.count("q") == before:
        await asyncio.sleep(0.001)
    return await after_refresh(app) - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--serve", action="store_true", help="only run the fake OpenAI server")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--rate", type=int, default=5000, help="tokens per second")
    parser.add_argument("--tokens", type=int, default=0, help="tokens per reply (default rate x seconds)")
    parser.add_argument("--seconds", type=float, default=4.0)
    parser.add_argument("--history", type=int, default=200)
    args = parser.parse_args()
    tokens = args.tokens or int(args.rate * args.seconds)
    if args.serve:
        asyncio.run(serve(args.port, args.rate, tokens))
        return
    child, url = start_server(args.rate, tokens)
    home = Path(tempfile.mkdtemp(prefix="tavo-bench-"))
    try:
        result = asyncio.run(measure(args.rate, tokens, args.history, home, url))
    finally:
        child.terminate()
        child.wait()
        shutil.rmtree(home, ignore_errors=True)
    print(f"stream {tokens} tokens at {args.rate}/s into a chat of {args.history} messages (120x40, headless):")
    print(f"  first token reached the app after {result['first_token_s']:.2f} s, the last after "
          f"{result['last_token_s']:.2f} s")
    print(f"  last token on screen {result['lag_ms']:.0f} ms after it reached the app (goal < 50)")
    print(f"  CPU {result['cpu_cores']:.2f} cores over {result['stream_s']:.1f} s (goal < 1)")
    print(f"  key press to screen during the stream: median {result['key_median_ms']:.1f} ms, "
          f"worst {result['key_max_ms']:.1f} ms over {result['keys']:.0f} keys (goal < 50)")


if __name__ == "__main__":
    main()
