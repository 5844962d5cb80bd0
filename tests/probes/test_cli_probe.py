"""The adversarial strings (tests/probes/strings.py) through every CLI command that prints untrusted text.

On a terminal (a fake tty stream, in process: `main` wraps it in the terminal guard as it would a real one) no
control byte may come out and both marker words of every probe must; into a pipe the exact text goes through;
JSON is always parseable, gives back the exact value, and carries no raw control byte. The real-pty version of
a few of these is tests/cli/test_terminal_output.py."""

from __future__ import annotations

import io
import json
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tavo_tui.cli import main
from tests.cards.helpers import v2
from tests.fakes.openai_server import Canned, FakeOpenAIServer, sse
from tests.probes.strings import DISPLAY_FORBIDDEN, Probe, probes

PROBES = probes()
ALL = "\n".join(p.text for p in PROBES)
# Card text goes through macro expansion before a prompt or a greeting shows it, and `{{user ...}}` spanning
# lines is a macro with an argument (it becomes the user's name): those probes are for the display surfaces.
# <USER> and <BOT> are SillyTavern's old spellings of {{user}} and {{char}}.
CARD = [p for p in PROBES if not any(m in p.text.lower() for m in ("{{", "}}", "<user>", "<bot>", "<char>"))]
CARD_TEXT = "\n".join(p.text for p in CARD)
# JSON may carry \n and \t raw inside strings only as escapes; any raw control or bidi byte is a leak.
JSON_FORBIDDEN = DISPLAY_FORBIDDEN
BIG = ["--max-context", "200000"]  # room for every probe in one prompt


class FakeTerminal(io.StringIO):
    """A stdout/stderr that says it is a terminal, as a pty would; `buffer` for commands that write bytes."""

    def __init__(self) -> None:
        super().__init__()
        self.buffer = io.BytesIO()

    def isatty(self) -> bool:
        return True

    def text(self) -> str:
        return self.getvalue() + self.buffer.getvalue().decode("utf-8", "replace")


class FakePipe(io.StringIO):
    def __init__(self) -> None:
        super().__init__()
        self.buffer = io.BytesIO()

    def isatty(self) -> bool:
        return False

    def text(self) -> str:
        return self.getvalue() + self.buffer.getvalue().decode("utf-8")


def run(argv: list[str], *, tty: bool, monkeypatch: pytest.MonkeyPatch) -> tuple[int, str, str]:
    out, err = (FakeTerminal(), FakeTerminal()) if tty else (FakePipe(), FakePipe())
    with monkeypatch.context() as m:
        m.setattr(sys, "stdout", out)
        m.setattr(sys, "stderr", err)
        code = main(argv)
    return code, out.text(), err.text()


def assert_shown(out: str, batch: list[Probe], what: str) -> None:
    leak = DISPLAY_FORBIDDEN.search(out)
    assert leak is None, (what, repr(out[max(leak.start() - 40, 0): leak.end() + 40]))
    missing = [p.index for p in batch if p.head not in out or p.tail not in out]
    assert not missing, (what, missing[:20])


def assert_json(out: str, what: str) -> object:
    leak = JSON_FORBIDDEN.search(out)
    assert leak is None, (what, repr(out[max(leak.start() - 40, 0): leak.end() + 40]))
    return json.loads(out)


def pack(batch: list[Probe], limit: int) -> list[list[Probe]]:
    """The probes in runs whose text, joined by newlines, stays within `limit` characters (a longer probe
    stands alone): for commands that clip a field."""
    runs: list[list[Probe]] = [[]]
    size = 0
    for p in batch:
        if runs[-1] and size + len(p.text) + 1 > limit:
            runs.append([])
            size = 0
        runs[-1].append(p)
        size += len(p.text) + 1
    return runs


def joined(run_: list[Probe]) -> str:
    return "\n".join(p.text for p in run_)


@pytest.fixture
def hostile_card(tmp_path: Path) -> Path:
    """A card whose name, description, greeting and creator notes carry every probe."""
    path = tmp_path / "hostile.json"
    card = v2(name="Evil " + PROBES[0].text, description=CARD_TEXT, first_mes=CARD_TEXT, creator_notes=CARD_TEXT,
              alternate_greetings=[p.text for p in PROBES[:50]], tags=[p.text for p in PROBES[50:80]])
    path.write_text(json.dumps(card), "utf-8")
    return path


def test_card_show_and_validate(tmp_path: Path, home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`card show` clips each field at 600 characters: one card per run of probes that fits."""
    folder = tmp_path / "lib"
    folder.mkdir()
    runs = pack(PROBES, 590)
    for n, run_ in enumerate(runs):
        text = joined(run_)
        card = v2(name=" ".join(p.text for p in run_[:3]), description=text, first_mes=text, creator_notes=text,
                  creator=run_[0].text, tags=[p.text for p in run_[:5]])
        (folder / f"c{n:03d}.json").write_text(json.dumps(card), "utf-8")
    for n, run_ in enumerate(runs):
        path = str(folder / f"c{n:03d}.json")
        code, out, err = run(["card", "show", path], tty=True, monkeypatch=monkeypatch)
        assert code == 0, err
        if len(run_) == 1 and len(run_[0].text) > 590:  # clipped by design: the start is shown
            assert DISPLAY_FORBIDDEN.search(out) is None and run_[0].head in out
        else:
            assert_shown(out, run_, f"card show {path}")
        code, as_json, _ = run(["card", "show", "--json", path], tty=True, monkeypatch=monkeypatch)
        data = assert_json(as_json, "card show --json")
        assert isinstance(data, dict)
        description = data["data"]["description"]  # the card as read (line endings normalised)
        assert description == joined(run_).replace("\r\n", "\n").replace("\r", "\n")
        if n % 8 == 0:  # into a pipe: the exact text (a sample: the printer is one code path)
            code, piped, _ = run(["card", "show", path], tty=False, monkeypatch=monkeypatch)
            assert code == 0 and (description in piped or len(run_[0].text) > 590)
    code, out, err = run(["card", "validate", *sorted(map(str, folder.iterdir()))], tty=True, monkeypatch=monkeypatch)
    assert code == 0, err
    assert DISPLAY_FORBIDDEN.search(out) is None
    assert all(run_[0].head in out for run_ in runs)


def test_prompt_and_prompt_json(hostile_card: Path, home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    code, out, err = run(["prompt", "--card", str(hostile_card), "--offline-tokens", *BIG], tty=True,
                         monkeypatch=monkeypatch)
    assert code == 0, err
    assert_shown(out, CARD, "prompt")
    code, piped, _ = run(["prompt", "--card", str(hostile_card), "--offline-tokens", *BIG], tty=False,
                         monkeypatch=monkeypatch)
    assert code == 0 and all(p.head in piped for p in CARD)
    code, as_json, _ = run(["prompt", "--card", str(hostile_card), "--json", "--offline-tokens", *BIG], tty=False,
                           monkeypatch=monkeypatch)
    assert code == 0
    data = assert_json(as_json, "prompt --json")
    assert isinstance(data, dict)
    assert any(CARD_TEXT.replace("\r\n", "\n").replace("\r", "\n") in m["content"]
               for m in data["body"]["messages"])


def test_chat_list_and_export(hostile_card: Path, home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    code, out, err = run(["chat", "new", "--card", str(hostile_card)], tty=False, monkeypatch=monkeypatch)
    assert code == 0, err
    chat_id = out.strip()
    title = " ".join(p.text for p in PROBES[:200])
    assert run(["chat", "rename", chat_id, title], tty=False, monkeypatch=monkeypatch)[0] == 0
    code, listed, err = run(["chat", "list"], tty=True, monkeypatch=monkeypatch)
    assert code == 0, err
    assert DISPLAY_FORBIDDEN.search(listed) is None and PROBES[0].head in listed
    code, as_json, _ = run(["chat", "list", "--json"], tty=True, monkeypatch=monkeypatch)
    rows = assert_json(as_json, "chat list --json")
    # The title is the chat's file name, made safe for a file system: parseable, no raw control, all there.
    assert isinstance(rows, list) and len(rows) == 1
    assert PROBES[0].head in rows[0]["title"] and PROBES[3].tail in rows[0]["title"]
    chat_id = rows[0]["id"]
    for fmt in ("md", "txt"):
        code, shown, err = run(["chat", "export", chat_id, "--format", fmt], tty=True, monkeypatch=monkeypatch)
        assert code == 0, err
        assert_shown(shown, CARD, f"chat export --format {fmt}")
        code, piped, _ = run(["chat", "export", chat_id, "--format", fmt], tty=False, monkeypatch=monkeypatch)
        exact = CARD_TEXT.replace("\r\n", "\n").replace("\r", "\n")
        assert code == 0 and exact in piped, fmt
        target = tmp_path / f"out.{fmt}"
        assert run(["chat", "export", chat_id, "--format", fmt, "-o", str(target)], tty=False,
                   monkeypatch=monkeypatch)[0] == 0
        assert exact in target.read_text("utf-8")


def hostile_stream() -> Canned:
    """The reply as an OpenAI stream of ~100 deltas, one network write each (word by word would take
    minutes through the loopback's delayed acknowledgements)."""
    pieces = [ALL[i: i + 500] for i in range(0, len(ALL), 500)]
    events = [{"choices": [{"index": 0, "delta": {"content": piece}, "finish_reason": None}]} for piece in pieces]
    events.append({"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
    body = [sse(event, done=False) for event in events] + [b"data: [DONE]\n\n"]
    return Canned(headers={"Content-Type": "text/event-stream"}, chunks=body, stream=True, chunk_delay=0.0)


def test_send_with_a_hostile_reply(hostile_card: Path, home: Path, openai_server: FakeOpenAIServer,
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    openai_server.script += [hostile_stream(), hostile_stream()]
    assert run(["connection", "add", "local", "--url", openai_server.base_url, "--model", "fake-model"],
               tty=False, monkeypatch=monkeypatch)[0] == 0
    argv = ["send", "--card", str(hostile_card), "--connection", "local", *BIG, "hi"]
    code, out, err = run(argv, tty=True, monkeypatch=monkeypatch)
    assert code == 0, err
    assert_shown(out, PROBES, "send")
    code, piped, _ = run(argv, tty=False, monkeypatch=monkeypatch)
    assert code == 0 and piped == ALL + "\n"


def _names() -> Iterator[Probe]:
    """Probes usable as a profile name: one line, and short (names are typed by hand)."""
    for p in PROBES:
        if len(p.text) <= 80 and "\n" not in p.text:
            yield p


def test_connection_list_with_hostile_names(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    names = list(_names())[::12][:40]
    added = []
    for p in names:
        code, _, err = run(["connection", "add", p.text, "--url", "http://127.0.0.1:9/v1"], tty=True,
                           monkeypatch=monkeypatch)
        assert DISPLAY_FORBIDDEN.search(err) is None, repr(err)
        if code == 0:
            added.append(p)
    assert len(added) > 30  # a name may be refused (with a clean error), most are not
    code, out, err = run(["connection", "list"], tty=True, monkeypatch=monkeypatch)
    assert code == 0, err
    assert_shown(out, added, "connection list")
    code, as_json, _ = run(["connection", "list", "--json"], tty=True, monkeypatch=monkeypatch)
    rows = assert_json(as_json, "connection list --json")
    assert isinstance(rows, list)
    assert {p.text for p in added} <= {row["name"] for row in rows}
