"""Send latency, measured in a real terminal: from ctrl+j written to the pty until the server has the request.

Starts a local fake OpenAI-compatible server in this process and the real `tavo-tui` in a pseudo-terminal
(120x40, xterm-256color) on a chat of `--history` messages. Each of `--sends` rounds types a message, waits for
the app to settle (the inspector's idle preview included), writes the byte 0x0a (ctrl+j, the send key) and
notes the time; the server notes when the whole request (headers and body) has arrived and answers with a short
stream, and the next round starts once that answer is on screen. Both clocks are this process's perf_counter.

Run by hand: `.venv/bin/python benchmarks/send_latency.py [--sends 20] [--history 200]`. Goal: median < 30 ms.
The terminal and history helpers are stream_render.py's (same folder), so both benchmarks drive the app alike.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from stream_render import COLUMNS, HISTORY_MARK, ROWS, Terminal, sse_chunk, tavo_command

SEND = "\n"  # ctrl+j
SETTLE = 0.8  # seconds after typing: past the inspector's preview delay and its server-token count


class RequestClock:
    """A fake OpenAI server that records when each chat/text completion request has fully arrived."""

    def __init__(self) -> None:
        self.arrivals: list[float] = []
        self.bodies: list[bytes] = []

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            request_line = (await reader.readline()).decode("latin-1")
            length = 0
            while (line := await reader.readline()) not in (b"\r\n", b"\n", b""):
                name, _, value = line.decode("latin-1").partition(":")
                if name.strip().lower() == "content-length":
                    length = int(value.strip())
            body = await reader.readexactly(length) if length else b""
            method, path = request_line.split(" ")[:2]
            if method == "POST" and path.rstrip("/").endswith("/completions"):
                self.arrivals.append(time.perf_counter())
                self.bodies.append(body)
                reply = f"PONG{len(self.arrivals)} "
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: close\r\n\r\n"
                             + sse_chunk(reply) + sse_chunk("", "stop") + b"data: [DONE]\n\n")
            else:  # model lists, tokenizer probes and the like: an empty, valid answer
                answer = json.dumps({"object": "list", "data": [{"id": "bench", "object": "model"}]}).encode()
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
                             + str(len(answer)).encode() + b"\r\nConnection: close\r\n\r\n" + answer)
            await writer.drain()
        except (ConnectionError, ValueError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()

    def start(self) -> str:
        ready, where = threading.Event(), []

        async def serve() -> None:
            server = await asyncio.start_server(self.handle, "127.0.0.1", 0)
            where.append(f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}/v1")
            ready.set()
            async with server:
                await server.serve_forever()

        threading.Thread(target=lambda: asyncio.run(serve()), daemon=True).start()
        ready.wait(10)
        return where[0]


def measure(term: Terminal, clock: RequestClock, sends: int) -> list[float]:
    """Milliseconds from ctrl+j to the request's arrival, one figure per send."""
    term.wait_for(f"Message {HISTORY_MARK}", timeout=60)
    time.sleep(1.0)  # start-up settles: the first preview, the card list
    figures: list[float] = []
    for n in range(1, sends + 1):
        text = f"ping number {n}"
        term.write(text)
        term.wait_for(text)
        time.sleep(SETTLE)
        before = len(clock.arrivals)
        offset = term.length()
        pressed = time.perf_counter()
        term.write(SEND)
        deadline = pressed + 30
        while len(clock.arrivals) == before and time.perf_counter() < deadline:
            time.sleep(0.0002)
        if len(clock.arrivals) == before:
            raise TimeoutError(f"send {n}: no request reached the server in 30 s")
        figures.append((clock.arrivals[before] - pressed) * 1000)
        term.wait_for(f"PONG{before + 1}", offset)  # the reply is on screen: the app is idle again
        time.sleep(0.3)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sends", type=int, default=20)
    parser.add_argument("--history", type=int, default=200, help="messages in the chat before the first send")
    args = parser.parse_args()
    env = {**os.environ, "TERM": "xterm-256color", "COLORTERM": "truecolor", "COLUMNS": str(COLUMNS),
           "LINES": str(ROWS)}
    clock = RequestClock()
    url = clock.start()
    home = Path(tempfile.mkdtemp(prefix="tavo-send-bench-"))
    try:
        term = Terminal(tavo_command(home, url, 64, args.history), env)
        try:
            figures = measure(term, clock, args.sends)
        finally:
            term.close()
    finally:
        shutil.rmtree(home, ignore_errors=True)
    print(f"ctrl+j to the request at a local server: tavo-tui on a chat of {args.history} messages, "
          f"{COLUMNS}x{ROWS} pty, {len(figures)} sends")
    print(f"  median {statistics.median(figures):.1f} ms, min {min(figures):.1f} ms, max {max(figures):.1f} ms"
          "  (goal: median < 30 ms)")
    print("  each (ms): " + ", ".join(f"{f:.0f}" for f in figures))


if __name__ == "__main__":
    main()
