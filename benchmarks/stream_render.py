"""Streaming render speed, measured in a real terminal: a fake OpenAI server streams N tokens/s into a chat.

Two modes:

* `--serve [--port 8765] [--rate 5000] [--tokens 20000]`: only the fake server, so the same stream can be
  pointed at any chat TUI that speaks the OpenAI API (base URL http://127.0.0.1:PORT/v1, any model/key).
  Every request gets the same stream; the final token is `ENDMARK` on a line of its own.
* default: starts that server in this process and the real `tavo-tui` in a pseudo-terminal (120x40,
  xterm-256color), on a chat with `--history` messages; types a message, sends it, and reads everything the
  app writes to the terminal. It measures
   - lag: from the server writing the last token to `ENDMARK` appearing in the terminal output,
   - CPU: the app process's CPU seconds per wall second while the reply streams (1.0 = one core),
   - key latency: a key typed while the reply streams, until the terminal output shows it (median / worst).
  `--command` runs another TUI instead (`{url}` is replaced by the server's base URL); `--send` is the
  keystroke that sends there (default ctrl+j). Its history and card are its own business.
  TAVO_BENCH_BIN=/path/to/script runs that instead of `.venv/bin/tavo-tui` with the same arguments (a
  profiling wrapper, another build).

Run by hand: `.venv/bin/python benchmarks/stream_render.py [--rate 5000] [--seconds 4] [--history 200]`.
Goals: lag < 50 ms, CPU < 1 core, key latency < 50 ms.

A huge reply: `--reply-bytes 1000000` streams about that many bytes (the token count follows from it; with
`--rate 20000` a 1 MB reply takes ~10 s). `--paragraph-tokens N` puts a blank line every N tokens (default
60, as replies have; 0 = one endless paragraph) and `--line-tokens N` a single line break every N tokens
(roleplay text; 0 = none). Keys are typed evenly over the whole stream, so the last ones land when the
reply is longest; their latencies are printed in order with `--verbose`.
"""

from __future__ import annotations

import argparse
import asyncio
import fcntl
import json
import os
import pty
import re
import shlex
import shutil
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CARD = ROOT / "sample_cards" / "maren_holloway.png"
TAVO = Path(os.environ.get("TAVO_BENCH_BIN", str(Path(sys.executable).parent / "tavo-tui")))
WORDS = "the beam turns over *black water* and \"hold fast\" she says while gulls".split()
END = "ENDMARK"
KEY = "§"  # typed while streaming: it appears nowhere else on screen
HISTORY_MARK = "LAST"  # the last history message starts with "Message LAST:"
ESCAPES = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b[@-_][^\x1b]?")
COLUMNS, ROWS = 120, 40


# ---- the fake server (standard library only, so it runs anywhere) --------------------------------------
def sse_chunk(text: str, finish: str | None = None) -> bytes:
    data = {"id": "bench", "object": "chat.completion.chunk", "model": "bench",
            "choices": [{"index": 0, "delta": {"content": text} if text else {}, "finish_reason": finish}]}
    return f"data: {json.dumps(data)}\n\n".encode()


def token_text(i: int, paragraph: int = 60, line: int = 0) -> str:
    """Token `i` of the stream: a word, then a space, a line break or a paragraph break."""
    if paragraph and i % paragraph == paragraph - 1:
        return WORDS[i % len(WORDS)] + "\n\n"
    if line and i % line == line - 1:
        return WORDS[i % len(WORDS)] + "\n"
    return WORDS[i % len(WORDS)] + " "


def tokens_for_bytes(size: int, paragraph: int = 60, line: int = 0) -> int:
    """How many tokens make a reply of about `size` bytes (UTF-8)."""
    cycle = max(len(WORDS), paragraph or 1, line or 1) * len(WORDS)
    per_token = sum(len(token_text(i, paragraph, line).encode()) for i in range(cycle)) / cycle
    return max(1, round(size / per_token))


class FakeServer:
    """Streams `tokens` words at `rate` per second to every chat request; notes when the last one went out."""

    def __init__(self, rate: int, tokens: int, paragraph: int = 60, line: int = 0) -> None:
        self.rate = rate
        self.tokens = tokens
        self.paragraph = paragraph
        self.line = line
        self.end_sent: float | None = None

    async def stream_tokens(self, writer: asyncio.StreamWriter) -> None:
        tick = 0.01  # write the tokens due every 10 ms as one batch of SSE events, keeping the rate exact
        start = time.perf_counter()
        sent = 0
        while sent < self.tokens:
            due = min(self.tokens, int((time.perf_counter() - start) * self.rate) + 1)
            # A paragraph break every 60 tokens by default, as replies have (see --paragraph-tokens).
            batch = b"".join(sse_chunk(token_text(i, self.paragraph, self.line)) for i in range(sent, due))
            sent = due
            last = sent >= self.tokens
            if last:
                batch += sse_chunk(f"\n\n{END}") + sse_chunk("", "stop") + b"data: [DONE]\n\n"
            writer.write(batch)
            await writer.drain()
            if last:
                self.end_sent = time.perf_counter()
            await asyncio.sleep(tick)

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
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
            if method == "GET" or not path.rstrip("/").endswith("/completions"):
                body = json.dumps({"object": "list", "data": [{"id": "bench", "object": "model"}]}).encode()
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
                             + str(len(body)).encode() + b"\r\nConnection: close\r\n\r\n" + body)
            else:
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\n"
                             b"Connection: close\r\n\r\n")
                await self.stream_tokens(writer)
            await writer.drain()
        except (ConnectionError, ValueError):
            pass
        finally:
            writer.close()

    async def serve(self, port: int, ready: threading.Event | None = None, where: list[str] | None = None) -> None:
        server = await asyncio.start_server(self.handle, "127.0.0.1", port)
        url = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}/v1"
        if where is not None:
            where.append(url)
        if ready is not None:
            ready.set()
        else:
            print(f"fake OpenAI stream on {url} ({self.rate} tokens/s, {self.tokens} tokens)", flush=True)
        async with server:
            await server.serve_forever()

    def start_in_thread(self) -> str:
        ready, where = threading.Event(), list[str]()
        threading.Thread(target=lambda: asyncio.run(self.serve(0, ready, where)), daemon=True).start()
        ready.wait(10)
        return where[0]


# ---- the terminal ---------------------------------------------------------------------------------------
class Terminal:
    """A command in a pseudo-terminal; a thread keeps every byte it writes, with the time it arrived."""

    def __init__(self, command: list[str], env: dict[str, str]) -> None:
        master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLUMNS, 0, 0))
        self.process = subprocess.Popen(command, stdin=slave, stdout=slave, stderr=slave, env=env,
                                        start_new_session=True, close_fds=True)
        os.close(slave)
        self.master = master
        self.text = ""  # everything written so far, escape sequences removed
        self.lock = threading.Lock()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        pending = b""
        while True:
            try:
                data = os.read(self.master, 65536)
            except OSError:
                return
            if not data:
                return
            pending += data
            cut = len(pending) - 8  # keep a possibly split UTF-8 character or escape for the next read
            if pending.rfind(b"\x1b") > cut:
                cut = pending.rfind(b"\x1b")
            head, pending = pending[: max(cut, 0)], pending[max(cut, 0):]
            with self.lock:
                self.text += ESCAPES.sub("", head.decode("utf-8", "replace"))

    def write(self, data: str) -> None:
        os.write(self.master, data.encode())

    def length(self) -> int:
        with self.lock:
            return len(self.text)

    def wait_for(self, needle: str, start: int = 0, timeout: float = 30.0) -> float:
        """Seconds (perf_counter) at which `needle` showed up after offset `start`."""
        deadline = time.perf_counter() + timeout
        while time.perf_counter() < deadline:
            with self.lock:
                if needle in self.text[start:]:
                    return time.perf_counter()
            time.sleep(0.0005)
        with self.lock:
            tail = self.text[-1500:]
        raise TimeoutError(f"{needle!r} never appeared on the terminal; its last output:\n{tail}")

    def cpu_seconds(self) -> float:
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def close(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(5)
        except subprocess.TimeoutExpired:
            self.process.kill()
        os.close(self.master)


# ---- the measurement --------------------------------------------------------------------------------------
def write_history(path: Path, count: int) -> None:
    lines = [json.dumps({"user_name": "Ann", "character_name": "Maren Holloway", "chat_metadata": {}})]
    for i in range(count):
        user = bool(i % 2)
        number = HISTORY_MARK if i == count - 1 else str(i)
        text = f"Message {number}: *she trims the wick* \"The storm is close,\" she says. " + "More words here. " * 6
        lines.append(json.dumps({"name": "Ann" if user else "Maren Holloway", "is_user": user, "is_system": False,
                                 "send_date": f"2026-05-03T15:{i // 60 % 60:02d}:{i % 60:02d}.000Z", "mes": text,
                                 "extra": {}}))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def tavo_command(home: Path, url: str, tokens: int, history: int) -> list[str]:
    from tavo_tui.model import ConnectionProfile
    from tavo_tui.session import AppContext

    ctx = AppContext.open(home=home, library=[CARD.parent])
    ctx.profiles.save(ConnectionProfile(name="bench", kind="openai-compatible", base_url=url, model="bench",
                                        max_context=32768, max_tokens=tokens + 10), None)
    source = home / "history.jsonl"
    write_history(source, history)
    ctx.import_chat(source, CARD)
    return [str(TAVO), "--home", str(home), "--library", str(CARD.parent), "--card", str(CARD),
            "--connection", "bench"]


def measure(term: Terminal, server: FakeServer, send: str, keys: int, ready: str) -> dict[str, object]:
    term.wait_for(ready, timeout=60)
    time.sleep(1.0)  # let start-up settle: the first inspector preview, the card list
    term.write("Tell me everything.")
    term.wait_for("everything.")
    mark = term.length()
    cpu0, wall0 = term.cpu_seconds(), time.perf_counter()
    term.write(send)
    latencies: list[float] = []
    # Keys spread over the whole stream (at least 0.3 s apart), so a long reply is also tested near its end.
    every = max(0.3, server.tokens / server.rate / (keys + 1))
    while server.end_sent is None and time.perf_counter() - wall0 < 600:
        if len(latencies) < keys and time.perf_counter() - wall0 > every * (len(latencies) + 1):
            offset = term.length()
            typed = time.perf_counter()
            term.write(KEY)
            latencies.append(term.wait_for(KEY * (len(latencies) + 1), offset) - typed)
        time.sleep(0.002)
    shown = term.wait_for(END, mark, timeout=60)
    cpu = (term.cpu_seconds() - cpu0) / (shown - wall0)
    assert server.end_sent is not None
    return {"lag_ms": (shown - server.end_sent) * 1000, "cpu_cores": cpu, "stream_s": shown - wall0,
            "key_median_ms": statistics.median(latencies) * 1000 if latencies else float("nan"),
            "key_max_ms": max(latencies) * 1000 if latencies else float("nan"), "keys": len(latencies),
            "key_ms": [round(latency * 1000) for latency in latencies]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--serve", action="store_true", help="only run the fake OpenAI server")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--rate", type=int, default=5000, help="tokens per second")
    parser.add_argument("--tokens", type=int, default=0, help="tokens per reply (default rate x seconds)")
    parser.add_argument("--reply-bytes", type=int, default=0, help="reply size in bytes (sets --tokens)")
    parser.add_argument("--paragraph-tokens", type=int, default=60, help="a blank line every N tokens (0: none)")
    parser.add_argument("--line-tokens", type=int, default=0, help="a single line break every N tokens (0: none)")
    parser.add_argument("--verbose", action="store_true", help="print each key's latency, in order")
    parser.add_argument("--seconds", type=float, default=4.0)
    parser.add_argument("--history", type=int, default=200)
    parser.add_argument("--keys", type=int, default=10, help="keys typed while the reply streams")
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--command", help="another TUI to measure; {url} becomes the server's base URL")
    parser.add_argument("--send", default="\n", help="the keystroke that sends (default ctrl+j)")
    parser.add_argument("--ready", default=f"Message {HISTORY_MARK}",
                        help="text on screen once the chat is open (default: tavo-tui's last history message)")
    args = parser.parse_args()
    tokens = args.tokens or int(args.rate * args.seconds)
    if args.reply_bytes:
        tokens = tokens_for_bytes(args.reply_bytes, args.paragraph_tokens, args.line_tokens)
    shape = {"paragraph": args.paragraph_tokens, "line": args.line_tokens}
    if args.serve:
        asyncio.run(FakeServer(args.rate, tokens, **shape).serve(args.port))
        return
    env = {**os.environ, "TERM": "xterm-256color", "COLORTERM": "truecolor", "COLUMNS": str(COLUMNS),
           "LINES": str(ROWS)}
    results = []
    for _ in range(args.runs):
        server = FakeServer(args.rate, tokens, **shape)
        url = server.start_in_thread()
        home = Path(tempfile.mkdtemp(prefix="tavo-bench-"))
        try:
            if args.command:
                command = shlex.split(args.command.replace("{url}", url))
            else:
                command = tavo_command(home, url, tokens, args.history)
            term = Terminal(command, env)
            try:
                results.append(measure(term, server, args.send, args.keys, args.ready))
            finally:
                term.close()
        finally:
            shutil.rmtree(home, ignore_errors=True)
    who = args.command or f"tavo-tui on a chat of {args.history} messages"
    size = sum(len(token_text(i, args.paragraph_tokens, args.line_tokens).encode()) for i in range(tokens))
    print(f"stream {tokens} tokens ({size / 1e6:.2f} MB) at {args.rate}/s into {who} ({COLUMNS}x{ROWS} pty, "
          f"{args.runs} run(s)):")
    for name, label, goal in (("lag_ms", "last token on screen after the server sent it (ms)", "< 50"),
                              ("cpu_cores", "CPU while streaming (cores)", "< 1"),
                              ("key_median_ms", "key press to screen, median (ms)", "< 50"),
                              ("key_max_ms", "key press to screen, worst (ms)", "")):
        values = [float(r[name]) for r in results]  # type: ignore[arg-type]
        figures = ", ".join(f"{v:.2f}" if name == "cpu_cores" else f"{v:.0f}" for v in values)
        print(f"  {label}: {figures}" + (f"  (goal {goal})" if goal else ""))
    if args.verbose:
        for result in results:
            print(f"  keys in order (ms): {result['key_ms']}")


if __name__ == "__main__":
    main()
