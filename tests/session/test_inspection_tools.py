"""The inspector's session-layer tools: section origins, prompt diffs, masked curl/JSON export, saving,
the same turn on another connection, and the lorebook report."""

from __future__ import annotations

import json
import shlex
import shutil
from pathlib import Path

import pytest

from tavo_tui.model import ConnectionProfile, PreparedRequest, PromptSection
from tavo_tui.session import AppContext
from tavo_tui.session.inspection import Inspection
from tavo_tui.session.lore_report import lore_report
from tavo_tui.session.other_connection import inspect_on
from tavo_tui.session.prompt_diff import SentPrompts, diff_inspections, diff_sections, unified_diff
from tavo_tui.session.prompt_sources import history_index, section_origin
from tavo_tui.session.request_export import (
    ExportError,
    curl_command,
    inspection_curl,
    key_placeholder,
    request_curl,
    save_inspection,
    save_text,
)

SECRET = "sk-secret-0123456789abcdef"


def sec(name: str, content: str, tokens: int = 1, source: str = "", role: str = "system") -> PromptSection:
    return PromptSection(name=name, source=source or name, role=role, content=content, tokens=tokens)  # type: ignore[arg-type]


# ---- origins -------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("source", "kind"),
    [
        ("preset.main", "system"),
        ("card.description", "card"),
        ("card.scenario", "card"),
        ("injection.DEPTH_PROMPT", "card"),
        ("world_info.before", "world_info"),
        ("injection.customDepthWI_4_0", "world_info"),
        ("injection.2_floating_prompt", "authors_note"),
        ("persona", "persona"),
        ("injection.PERSONA_DESCRIPTION", "persona"),
        ("card.mes_example[0]", "examples"),
        ("history[12]", "history"),
        ("greeting", "history"),
        ("pending", "history"),
        ("preset.jailbreak", "post_history"),
        ("post_history_instructions", "post_history"),
        ("context.story_string", "system"),
        ("something.else", "other"),
    ],
)
def test_section_origin_kinds(source: str, kind: str) -> None:
    assert section_origin(sec("x", "text", source=source)).kind == kind


def test_history_labels_name_the_message_and_spans() -> None:
    assert section_origin(sec("h", "t", source="history[7]")).label == "history message 7"
    assert history_index(sec("h", "t", source="history[7]")) == 7
    assert section_origin(sec("h", "t", source="history[1]..history[9]")).label == "history messages 1 to 9"
    assert section_origin(sec("h", "t", source="greeting..history[6]")).label == "history messages 0 to 6"
    assert history_index(sec("main", "t", source="preset.main")) is None


# ---- diffs ---------------------------------------------------------------------------------------------------
def test_diff_sections_reports_added_removed_and_changed() -> None:
    old = [sec("main", "Be nice.", 3), sec("history[1]", "hello", 2, role="user"),
           sec("pending", "old question", 4, role="user")]
    new = [sec("main", "Be very nice.", 4), sec("history[1]", "hello", 2, role="user"),
           sec("history[2]", "a reply", 3, role="assistant"), sec("pending", "new question", 5, role="user")]
    changes = {(c.op, c.name): c for c in diff_sections(old, new)}
    assert set(changes) == {("changed", "main"), ("added", "history[2]"), ("changed", "pending")}
    assert changes[("changed", "main")].delta == 1
    assert changes[("changed", "pending")].preview == "new question"
    removed = diff_sections(new, old)
    assert ("removed", "history[2]") in {(c.op, c.name) for c in removed}


def test_diff_sections_matches_content_not_position() -> None:
    # The oldest message dropped out of the budget: every later index shifts but nothing else changed.
    old = [sec("history[1]", "one", role="user"), sec("history[2]", "two", role="assistant")]
    new = [sec("history[2]", "two", role="assistant")]
    changes = diff_sections(old, new)
    assert [(c.op, c.preview) for c in changes] == [("removed", "one")]


def test_unified_diff_is_cut_at_the_limit() -> None:
    old = "\n".join(f"line {i}" for i in range(100))
    new = "\n".join(f"LINE {i}" for i in range(100))
    lines, cut = unified_diff(old, new, "a", "b", limit=20)
    assert cut and len(lines) == 20
    lines, cut = unified_diff("same\ntext", "same\ntext", "a", "b")
    assert lines == [] and not cut


def test_diff_inspections_notes_mode_and_url_changes() -> None:
    from tavo_tui.model import AssembledPrompt

    chat = Inspection(AssembledPrompt(mode="chat", sections=[sec("main", "hi")], token_total=5),
                      PreparedRequest(url="http://a/v1/chat/completions", body={"messages": [{"content": "hi"}]}))
    text = Inspection(AssembledPrompt(mode="text", text="hi there", sections=[sec("story", "hi there")],
                                      token_total=4, stop=["\nUser:"]),
                      PreparedRequest(url="http://a/v1/completions", body={"prompt": "hi there"}))
    diff = diff_inspections(chat, text, "chat", "text")
    assert any("modes differ: chat vs text" in n for n in diff.notes)
    assert any("/v1/completions" in n for n in diff.notes)
    assert "+hi there" in diff.unified and "stop strings" in diff.as_text()
    assert not diff.identical
    assert diff_inspections(chat, chat, "a", "b").identical


# ---- curl and JSON -------------------------------------------------------------------------------------------
def test_curl_command_round_trips_through_a_shell_parser() -> None:
    body = {"messages": [{"role": "user", "content": "it's a \"quoted\" $HOME `tick` \\ test"}], "stream": True}
    request = PreparedRequest(url="http://127.0.0.1:5000/v1/chat/completions", body=body)
    text = curl_command(request, {"Content-Type": "application/json", "Authorization": "Bearer ****"})
    args = shlex.split(text.replace("\\\n", " "))
    assert args[:4] == ["curl", "-sS", "-X", "POST"]
    assert json.loads(args[args.index("--data-raw") + 1]) == body
    assert "Authorization: Bearer ****" in args


def test_env_placeholder_is_left_for_the_shell_to_expand() -> None:
    request = PreparedRequest(url="https://x.test/v1/chat/completions", body={"a": 1})
    text = curl_command(request, {"Authorization": "Bearer $OPENAI_API_KEY"}, "$OPENAI_API_KEY")
    assert '-H "Authorization: Bearer $OPENAI_API_KEY"' in text


def test_key_placeholder_prefers_the_env_var_name() -> None:
    assert key_placeholder(ConnectionProfile(name="a", api_key_env="OPENAI_API_KEY")) == "$OPENAI_API_KEY"
    assert key_placeholder(ConnectionProfile(name="a")) == "****"
    assert key_placeholder(ConnectionProfile(name="a", api_key_env="bad name; rm")) == "****"


@pytest.mark.parametrize(("kind", "header"), [("openai-compatible", "Authorization: Bearer ****"),
                                              ("claude", "x-api-key: ****")])
def test_request_curl_masks_the_key_for_each_backend(kind: str, header: str) -> None:
    profile = ConnectionProfile(name="p", kind=kind, base_url="http://127.0.0.1:9/v1", model="m")
    request = PreparedRequest(url="http://127.0.0.1:9/v1/x", body={"model": "m"})
    text = request_curl(profile, request, SECRET)
    assert header in text and SECRET not in text


def test_request_curl_redacts_a_key_that_slipped_into_the_url() -> None:
    profile = ConnectionProfile(name="p", base_url="http://127.0.0.1:9/v1")
    request = PreparedRequest(url=f"http://127.0.0.1:9/v1/x?key={SECRET}", body={})
    assert SECRET not in request_curl(profile, request, SECRET)


def test_no_key_means_no_auth_header() -> None:
    profile = ConnectionProfile(name="p", base_url="http://127.0.0.1:9/v1")
    text = request_curl(profile, PreparedRequest(url="http://127.0.0.1:9/v1/x", body={}), None)
    assert "Authorization" not in text


# ---- saving --------------------------------------------------------------------------------------------------
def test_save_text_writes_and_creates_folders(tmp_path: Path) -> None:
    target = save_text(tmp_path / "deep" / "req.json", '{"a": 1}')
    assert json.loads(target.read_text(encoding="utf-8")) == {"a": 1}


def test_save_text_refuses_bad_targets_with_a_reason(tmp_path: Path) -> None:
    with pytest.raises(ExportError, match="no file name"):
        save_text("  ", "x")
    with pytest.raises(ExportError, match="folder"):
        save_text(tmp_path, "x")
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(ExportError, match="cannot write"):
        save_text(blocker / "inside.json", "x")


# ---- sessions ------------------------------------------------------------------------------------------------
@pytest.fixture
def seraphina_ctx(home: Path, corpus: Path, tmp_path: Path) -> tuple[AppContext, Path]:
    library = tmp_path / "lib"
    library.mkdir()
    card = library / "sera.png"
    shutil.copy(corpus / "cards" / "v2_png_st2023_Seraphina_book.png", card)
    ctx = AppContext.open(home=home, library=[library])
    ctx.profiles.save(ConnectionProfile(name="text", kind="openai-compatible", base_url="http://127.0.0.1:9/v1",
                                        model="m", mode="text", api_key_env="OPENAI_API_KEY"), api_key=SECRET)
    return ctx, card


def test_inspect_on_builds_another_connection_without_switching(seraphina_ctx: tuple[AppContext, Path]) -> None:
    ctx, card = seraphina_ctx
    session = ctx.open_chat(card, "demo", persist=False)
    here = session.inspect("the glade?")
    there = inspect_on(session, "text", "the glade?")
    assert session.profile.name == "demo"
    assert here.prompt.mode == "chat" and there.prompt.mode == "text"
    assert there.request.url.endswith("/v1/completions") and "the glade?" in there.request.body["prompt"]
    assert there.profile_name == "text"
    curl = inspection_curl(session, there)
    assert SECRET not in curl and "$OPENAI_API_KEY" in curl


def test_save_inspection_picks_curl_or_json_by_suffix(seraphina_ctx: tuple[AppContext, Path],
                                                      tmp_path: Path) -> None:
    ctx, card = seraphina_ctx
    session = ctx.open_chat(card, "text", persist=False)
    inspection = session.inspect("hi")
    as_json = save_inspection(session, inspection, tmp_path / "r.json")
    assert json.loads(as_json.read_text(encoding="utf-8")) == inspection.request.body
    as_sh = save_inspection(session, inspection, tmp_path / "r.sh")
    text = as_sh.read_text(encoding="utf-8")
    assert text.startswith("curl ") and SECRET not in text


def test_sent_prompts_survive_the_chat_file_being_created(seraphina_ctx: tuple[AppContext, Path]) -> None:
    ctx, card = seraphina_ctx
    session = ctx.open_chat(card, "demo")
    sent = SentPrompts()
    assert sent.last(session) is None
    first = session.inspect("hello")
    sent.record(session, first)  # before the first save: no chat file yet
    session.add_user_message("hello")
    session.rewrite_file()
    assert session.ref is not None and sent.last(session) is first
    other = ctx.open_chat(card, "demo", new=True, persist=False)
    assert sent.last(other) is None
    session.close()


def test_lore_report_says_which_entries_fired_and_why(seraphina_ctx: tuple[AppContext, Path]) -> None:
    ctx, card = seraphina_ctx
    session = ctx.open_chat(card, "demo", persist=False)
    prompt = session.inspect("tell me about the glade").prompt
    report = lore_report(session, prompt, "tell me about the glade")
    by_status = {line.label: line for line in report}
    fired = [line for line in report if line.status == "fired"]
    assert fired, prompt.notes
    glade = [line for line in fired if "'glade'" in line.reason]
    assert glade and "found in the last" in glade[0].reason
    assert glade[0].lands_in == "world_info.before"
    # Every entry the engine named in its notes is reported with the same status.
    for note in prompt.notes:
        if note.startswith("world info: "):
            assert by_status[note[len("world info: "):]].status == "fired"
    assert report == sorted(report, key=lambda line: ["fired", "over budget", "not fired", "disabled"].index(
        line.status))
