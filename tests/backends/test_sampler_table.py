"""The per-kind sampler table: what each server gets from a full SillyTavern preset, on real fake servers."""

from __future__ import annotations

import json
from typing import Any

from tavo_tui.backends.registry import KINDS, make_backend
from tavo_tui.backends.sampler_table import WIRE, accepted, row_key, wire_body
from tavo_tui.model import ConnectionProfile, SamplerSettings
from tavo_tui.model.sampler_preset import SamplerPreset
from tests.backends.helpers import chat_prompt, collect, text_of, text_prompt
from tests.fakes.cloud_servers import FakeClaudeServer
from tests.fakes.local_servers import FakeKoboldServer, FakeLlamaCppServer
from tests.fakes.openai_server import FakeOpenAIServer

# A TextGen Settings preset with every sampler set away from "off", under SillyTavern's keys.
TEXTGEN: dict[str, Any] = {
    "temp": 0.9, "top_p": 0.92, "top_k": 40, "min_p": 0.05, "typical_p": 0.95, "tfs": 0.97, "top_a": 0.1,
    "nsigma": 1.5, "epsilon_cutoff": 3, "eta_cutoff": 4, "rep_pen": 1.08, "rep_pen_range": 2048,
    "rep_pen_slope": 0.7, "freq_pen": 0.1, "presence_pen": 0.2, "dry_multiplier": 0.8, "dry_base": 1.75,
    "dry_allowed_length": 2, "dry_penalty_last_n": 512, "dry_sequence_breakers": "[\"\\n\", \":\"]",
    "xtc_threshold": 0.1, "xtc_probability": 0.5, "mirostat_mode": 0, "mirostat_tau": 5, "mirostat_eta": 0.1,
    "smoothing_factor": 0.3, "smoothing_curve": 1.2, "dynatemp": True, "min_temp": 0.5, "max_temp": 1.5,
    "dynatemp_exponent": 1.1, "temperature_last": True, "ban_eos_token": False, "seed": 7,
    "banned_tokens": "[1, 2]\n\"As an AI\"", "logit_bias": [{"id": "x", "text": "[42]", "value": -3}],
    "sampler_order": [6, 0, 1, 3, 4, 2, 5], "samplers": ["dry", "top_k", "min_p", "temperature"],
    "sampler_priority": ["temperature", "min_p"], "genamt": 200, "max_length": 8192, "some_future_key": {"a": 1},
}  # fmt: skip
SAMPLER = SamplerPreset.from_sillytavern("full", TEXTGEN).apply_to(SamplerSettings(stop=["\nYou:"]))


def prof(kind: str, url: str, **kw: Any) -> ConnectionProfile:
    return ConnectionProfile(name="t", kind=kind, base_url=url, model="m", sampler=SAMPLER, **kw)


def test_every_kind_and_api_has_a_row() -> None:
    for info in KINDS.values():
        for api in info.apis or (None,):
            assert row_key(info.name, api) in WIRE, (info.name, api)
    assert row_key("llamacpp", "native") == "llamacpp:native" and row_key("llamacpp", "openai") == "llamacpp"
    assert row_key("vertex") == "gemini"


async def test_llamacpp_native_gets_its_names_and_derived_values(llamacpp_server: FakeLlamaCppServer) -> None:
    b = make_backend(prof("llamacpp", llamacpp_server.root, mode="text"))
    req = b.prepare(text_prompt())
    await collect(b, req)
    body = llamacpp_server.requests[-1].json()
    # Dynamic temperature 0.5..1.5 goes as a range around the middle, as SillyTavern sends it to llama.cpp.
    assert body["temperature"] == 1.0 and body["dynatemp_range"] == 0.5 and body["dynatemp_exponent"] == 1.1
    assert body["repeat_penalty"] == 1.08 and body["repeat_last_n"] == 2048 and body["top_n_sigma"] == 1.5
    assert body["dry_sequence_breakers"] == ["\n", ":"] and body["dry_penalty_last_n"] == 512
    assert body["samplers"] == ["dry", "top_k", "min_p", "temperature"] and body["ignore_eos"] is False
    assert body["logit_bias"] == [[42, -3.0], [1, False], [2, False], ["As an AI", False]]
    assert body["seed"] == 7 and body["xtc_probability"] == 0.5
    for foreign in ("rep_pen", "sampler_order", "sampler_priority", "smoothing_factor", "min_temp", "tfs"):
        assert foreign not in body
    await b.aclose()


async def test_koboldcpp_native_gets_kobold_names(kobold_server: FakeKoboldServer) -> None:
    b = make_backend(prof("koboldcpp", kobold_server.root, mode="text"))
    req = b.prepare(text_prompt())
    assert text_of(await collect(b, req)) == kobold_server.reply
    body = [r for r in kobold_server.requests if "generate" in r.path][-1].json()
    assert body["rep_pen"] == 1.08 and body["rep_pen_range"] == 2048 and body["rep_pen_slope"] == 0.7
    assert body["sampler_order"] == [6, 0, 1, 3, 4, 2, 5] and body["sampler_seed"] == 7
    assert body["typical"] == 0.95 and body["smoothing_factor"] == 0.3 and body["dynatemp_range"] == 0.5
    assert body["banned_tokens"] == ["As an AI"] and body["logit_bias"] == {"42": -3.0}
    assert body["use_default_badwordsids"] is False and body["max_length"] == 64
    assert "presence_penalty" not in body and "samplers" not in body and "typical_p" not in body
    await b.aclose()


async def test_ooba_and_tabby_get_their_dialects(openai_server: FakeOpenAIServer) -> None:
    ooba = make_backend(prof("ooba", openai_server.base_url, mode="text"))
    req = ooba.prepare(text_prompt(banned=["delve"]))
    await collect(ooba, req)
    body = openai_server.requests[-1].json()
    assert body["dynamic_temperature"] is True and body["dynatemp_low"] == 0.5 and body["dynatemp_high"] == 1.5
    assert body["temperature"] == 0.9  # Ooba takes the range itself
    assert json.loads(body["dry_sequence_breakers"]) == ["\n", ":"]  # a string there
    assert body["custom_token_bans"] == "1,2" and body["banned_strings"] == ["As an AI", "delve"]
    assert body["sampler_priority"] == ["temperature", "min_p"] and body["smoothing_curve"] == 1.2
    assert body["epsilon_cutoff"] == 3 and body["top_n_sigma"] == 1.5 and body["temperature_last"] is True
    await ooba.aclose()

    tabby = make_backend(prof("tabby", openai_server.base_url, mode="text"))
    await collect(tabby, tabby.prepare(text_prompt()))
    body = openai_server.requests[-1].json()
    assert body["penalty_range"] == 2048 and body["min_temp"] == 0.5 and body["max_temp"] == 1.5
    assert body["temp_exponent"] == 1.1 and body["dry_range"] == 512 and body["banned_tokens"] == [1, 2]
    assert body["banned_strings"] == ["As an AI"] and "repetition_penalty_range" not in body
    await tabby.aclose()


async def test_strict_hosted_kinds_get_only_what_they_take(openai_server: FakeOpenAIServer,
                                                          claude_server: FakeClaudeServer) -> None:
    for kind, allowed in (("openai", {"temperature", "top_p", "presence_penalty", "frequency_penalty", "seed",
                                      "logit_bias"}),
                          ("mistral", {"temperature", "top_p", "presence_penalty", "frequency_penalty",
                                       "random_seed"})):  # fmt: skip
        b = make_backend(prof(kind, openai_server.base_url, mode="chat"))
        await collect(b, b.prepare(chat_prompt()))
        body = openai_server.requests[-1].json()
        samplers = set(body) - {"model", "messages", "max_tokens", "stream", "stop", "stream_options"}
        assert samplers == allowed, kind
        await b.aclose()
    claude_server.models.append("claude-3-7-sonnet")  # takes temperature and top_p together
    claude_profile = prof("claude", claude_server.base_url, mode="chat").model_copy(
        update={"model": "claude-3-7-sonnet"})
    claude = make_backend(claude_profile, "sk-test-key")
    await collect(claude, claude.prepare(chat_prompt()))
    body = claude_server.requests[-1].json()
    assert {k: body[k] for k in ("temperature", "top_p", "top_k")} == {"temperature": 0.9, "top_p": 0.92, "top_k": 40}
    assert not {"min_p", "seed", "repetition_penalty", "presence_penalty"} & set(body)
    await claude.aclose()


def test_report_names_the_wire_name_or_ignored() -> None:
    values = SamplerPreset.from_sillytavern("full", TEXTGEN).values()
    claude = {s.name: s.wire for s in accepted(values, "claude")}
    assert claude["temperature"] == "temperature" and claude["min_p"] is None and claude["sampler_order"] is None
    native = {s.name: s.wire for s in accepted(values, "llamacpp", "native")}
    assert native["repetition_penalty"] == "repeat_penalty" and native["banned_tokens"] == "logit_bias"
    assert native["max_temp"] == "dynatemp_range" and native["sampler_order"] is None
    assert {s.name: s.wire for s in accepted(values, "koboldcpp", "native")}["banned_tokens"] == "banned_tokens"


def test_off_values_are_not_sent_and_order_is_stable() -> None:
    off = SamplerSettings(temperature=0.7, dynatemp=False, min_temp=0.1, max_temp=2.0)
    body = wire_body(off, "llamacpp", "native")
    assert body["temperature"] == 0.7 and "dynatemp_range" not in body
    assert "min_temp" not in wire_body(off, "tabby")  # Tabby would switch dynamic temperature on
    assert list(wire_body(SAMPLER, "gemini")) == ["temperature", "topP", "topK", "presencePenalty",
                                                  "frequencyPenalty", "seed"]  # fmt: skip
