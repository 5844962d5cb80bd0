"""`prompt`/`send --action normal|continue|impersonate|swipe`, and the refusal of a message that cannot fit
(issue 14): what a script sees (stdout, stderr, exit codes, the chat file, the requests the server got)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tavo_tui.cli import main
from tavo_tui.model import ConnectionProfile
from tavo_tui.session import AppContext
from tavo_tui.session.scripted import add_history
from tests.fakes.openai_server import FakeOpenAIServer

ROOT = Path(__file__).resolve().parents[2]
GRIMBLE = ROOT / "sample_cards" / "grimble.json"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def prompt_json(capsys: pytest.CaptureFixture[str], *argv: str) -> dict:  # type: ignore[type-arg]
    code, out, err = run(capsys, "prompt", "--card", str(GRIMBLE), *argv, "--json")
    assert code == 0, err
    return json.loads(out)  # type: ignore[no-any-return]


def test_prompt_actions_show_the_sessions_prompt_for_each(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    normal = prompt_json(capsys, "-m", "hi")
    assert normal["action"] == "normal" and normal["refusal"] is None
    assert prompt_json(capsys, "-m", "hi", "--action", "normal")["body"] == normal["body"]
    # A new version of the last reply leaves that reply out: the prompt is the one that produced it.
    swipe = prompt_json(capsys, "-m", "hi", "-m", "An old reply.", "--action", "swipe")
    assert swipe["action"] == "swipe" and swipe["body"] == normal["body"]
    # Continue ends with the message to extend, then the nudge; impersonate with the impersonation prompt.
    cont = prompt_json(capsys, "-m", "hi", "-m", "An old reply.", "--action", "continue")["body"]["messages"]
    # (with the preset's continue postfix, a space, that the reply follows)
    assert cont[-2] == {"role": "assistant", "content": "An old reply. "} and cont[-1]["role"] == "system"
    imp = prompt_json(capsys, "-m", "hi", "-m", "An old reply.", "--action", "impersonate")["body"]["messages"]
    assert imp[-2]["content"] == "An old reply." and imp[-1]["role"] == "system"
    assert imp[-1]["content"] != cont[-1]["content"]
    # The TUI's session builds the very same bodies.
    ctx = AppContext.open(home)
    session = ctx.open_chat(GRIMBLE, None, new=True, persist=False)
    add_history(session, ["hi", "An old reply."])
    assert session.inspect(action="continue").request.body["messages"] == cont


def test_prompt_action_errors_are_one_line(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "prompt", "--card", str(GRIMBLE), "-m", "hi", "--action", "swipe")
    assert code == 1 and "last reply" in err and err.count("\n") == 1


@pytest.fixture
def local(home: Path, openai_server: FakeOpenAIServer) -> FakeOpenAIServer:
    AppContext.open(home).profiles.save(ConnectionProfile(name="local", base_url=openai_server.base_url,
                                                          model="fake-model"))
    return openai_server


def stored_chat(capsys: pytest.CaptureFixture[str], home: Path, server: FakeOpenAIServer) -> tuple[str, Path]:
    code, out, err = run(capsys, "chat", "new", "--card", str(GRIMBLE))
    assert code == 0, err
    chat_id = out.strip()
    server.reply = "First reply."
    assert run(capsys, "send", "--chat", chat_id, "--card", str(GRIMBLE), "--connection", "local", "Hi")[0] == 0
    return chat_id, home / "data" / "chats" / f"{chat_id}.jsonl"


def lines(path: Path) -> list[dict]:  # type: ignore[type-arg]
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines()[1:]]


def test_send_swipe_continue_impersonate_on_a_stored_chat(home: Path, local: FakeOpenAIServer,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    chat_id, path = stored_chat(capsys, home, local)
    chat = ["--chat", chat_id, "--card", str(GRIMBLE), "--connection", "local"]
    local.reply = "Second version."
    code, out, err = run(capsys, "send", *chat, "--action", "swipe")
    assert code == 0, err
    assert out.strip() == "Second version."
    last = lines(path)[-1]
    assert last["swipes"] == ["First reply.", "Second version."] and last["mes"] == "Second version."
    assert "First reply." not in json.dumps(local.requests[-1].json())  # the swiped reply is not in the prompt

    local.reply = "And more."
    code, out, err = run(capsys, "send", *chat, "--action", "continue")
    assert code == 0, err
    assert out.strip() == "And more."  # only the new text is printed
    assert lines(path)[-1]["mes"] == "Second version. And more."
    assert local.requests[-1].json()["messages"][-2]["content"] == "Second version. "

    before = path.read_bytes()
    local.reply = "Tester: I wave back."
    code, out, err = run(capsys, "send", *chat, "--action", "impersonate", "--user", "Tester")
    assert code == 0, err
    assert out == "I wave back.\n"  # cleaned as the composer gets it, and never saved
    assert path.read_bytes() == before


def test_send_text_rules(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "send", "--card", str(GRIMBLE))
    assert code == 2 and "give the message" in err
    code, _, err = run(capsys, "send", "--card", str(GRIMBLE), "--action", "continue", "text")
    assert code == 2 and "takes no message text" in err


def test_send_refuses_a_message_that_cannot_fit(home: Path, local: FakeOpenAIServer,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    chat_id, path = stored_chat(capsys, home, local)
    before = path.read_bytes()
    asked = len(local.requests)
    huge = "lantern " * 20000
    code, out, err = run(capsys, "send", "--chat", chat_id, "--card", str(GRIMBLE), "--connection", "local",
                         "--max-context", "4096", "--max-tokens", "300", huge)
    assert code == 1 and out == ""
    assert err.count("\n") == 1 and err.startswith("tavo-tui: your message is ")
    assert "are available (context 4096, reply 300, rest of the prompt " in err
    tokens = int(err.split("your message is ")[1].split(" ")[0])
    assert tokens > 4096
    assert len(local.requests) == asked and path.read_bytes() == before  # nothing sent, nothing saved


def test_prompt_carries_the_refusal_as_a_note(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    huge = "lantern " * 5000
    data = prompt_json(capsys, "-m", "older", "-m", "reply", "-m", huge, "--max-context", "2048")
    assert data["refusal"].startswith("your message is ") and "context 2048" in data["refusal"]
    assert huge.strip() not in json.dumps(data["body"])
    code, out, _ = run(capsys, "prompt", "--card", str(GRIMBLE), "-m", huge, "--max-context", "2048")
    assert code == 0 and out.splitlines()[-1] == f"note: `send` would refuse this: {data['refusal']}"
    # Old history trimmed by the budget is not a refusal: the newest message is in.
    fine = prompt_json(capsys, "-m", huge, "-m", "reply", "-m", "short", "--max-context", "2048")
    assert fine["refusal"] is None and fine["body"]["messages"][-1]["content"] == "short"
    text = prompt_json(capsys, "-m", "older", "-m", "reply", "-m", huge, "--max-context", "2048", "--mode", "text")
    assert text["refusal"].startswith("your message is ") and huge.strip() not in text["body"]["prompt"]
    # Continuing a message that cannot fit is refused too.
    cont = prompt_json(capsys, "-m", "hi", "-m", huge, "--max-context", "2048", "--action", "continue")
    assert cont["refusal"].startswith("the message to continue is ")
