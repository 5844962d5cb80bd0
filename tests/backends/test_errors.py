"""Error normalisation: real error bodies from each family map to a kind and an actionable message."""

from __future__ import annotations

import json

import httpx
import pytest

from tavo_tui.backends.errors import (
    display_url,
    error_from_object,
    extract_message,
    http_error,
    network_error,
    parse_retry_after,
)

KEY = "sk-secret-abcdef123456"

CASES = [
    # (status, body, expected kind, expected substring of the message)
    (401, {"error": {"code": 401, "message": "Invalid API Key", "type": "authentication_error"}}, "auth",
     "Invalid API Key"),
    (401, {"detail": "Invalid API key"}, "auth", "check the key in the connection settings"),
    (401, {"detail": {"error": "Unauthorized", "msg": "Authentication key is missing or invalid."}}, "auth",
     "Authentication key is missing"),
    (400, {"error": {"code": 400, "message": "API key not valid. Please pass a valid API key.",
                     "status": "INVALID_ARGUMENT"}}, "auth", "API key not valid"),
    (404, {"error": {"message": "The model `x` does not exist or you do not have access to it.",
                     "code": "model_not_found"}}, "not_found_model", "does not exist"),
    (404, {"detail": "Not Found"}, "bad_request", "check the base URL"),
    (429, {"error": {"message": "Rate limit reached", "code": "rate_limit_exceeded"}}, "rate_limit", "wait"),
    (429, {"error": {"message": "You exceeded your current quota", "type": "insufficient_quota",
                     "code": "insufficient_quota"}}, "quota", "quota"),
    (402, {"error": {"message": "Insufficient Balance"}}, "quota", "Insufficient Balance"),
    (400, {"error": {"code": 400, "message": "request (13392 tokens) exceeds the available context size (8192 tokens)",
                     "type": "exceed_context_size_error", "n_ctx": 8192}}, "context_length", "8192"),
    (400, {"error": {"message": "This model's maximum context length is 128000 tokens.",
                     "code": "context_length_exceeded"}}, "context_length", "lower the context size"),
    (400, {"type": "error", "error": {"type": "invalid_request_error",
                                      "message": "prompt is too long: 212345 tokens > 200000 maximum"}},
     "context_length", "prompt is too long"),
    (400, {"message": "too many tokens: total number of tokens in the prompt cannot exceed 4096"}, "context_length",
     "too many tokens"),
    (422, {"detail": [{"loc": ["body", "x"], "msg": "extra fields not permitted"}]}, "bad_request",
     "extra fields not permitted"),
    (422, {"message": {"detail": [{"msg": "Extra inputs are not permitted"}]}}, "bad_request",
     "Extra inputs are not permitted"),
    (400, {"success": False, "errors": [{"code": 10000, "message": "No such model"}]}, "bad_request", "No such model"),
    (400, {"statusCode": 400, "statusMessage": "bad things"}, "bad_request", "bad things"),
    (503, {"detail": {"msg": "Server is busy; please try again later.", "type": "service_unavailable"}},
     "overloaded", "Server is busy"),
    (529, {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}, "overloaded",
     "Overloaded"),
    (500, "Internal Server Error", "server", "Internal Server Error"),
    (502, "<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>", "server", "502 Bad Gateway"),
    (418, "", "bad_request", "418"),
]


@pytest.mark.parametrize(("status", "body", "kind", "needle"), CASES)
def test_error_table(status: int, body: object, kind: str, needle: str) -> None:
    text = body if isinstance(body, str) else json.dumps(body)
    err = http_error(status, text)
    assert err.kind == kind
    assert needle in err.message
    assert err.status == status
    assert err.raw == text


def test_401_message_tells_what_to_do() -> None:
    err = http_error(401, json.dumps({"detail": "Invalid API key"}))
    assert err.message.startswith("401: the server rejected the API key — check the key in the connection settings")


def test_api_key_is_masked_everywhere() -> None:
    body = json.dumps({"error": {"message": f"Incorrect API key provided: {KEY}", "code": "invalid_api_key"}})
    err = http_error(401, body, secrets=[KEY])
    assert KEY not in err.message and KEY not in err.raw and KEY not in str(err)
    assert "***" in err.message


def test_retry_after_seconds_and_http_date() -> None:
    err = http_error(429, "{}", {"Retry-After": "7"})
    assert err.retry_after == 7.0 and "7 s" in err.message
    assert parse_retry_after({"retry-after": "Wed, 21 Oct 2015 07:28:10 GMT"}, now=1445412480.0) == 10.0
    assert parse_retry_after({"retry-after": "soon"}) is None
    # Retry-After is only honoured where it means "try again later".
    assert http_error(400, "{}", {"Retry-After": "7"}).retry_after is None


def test_message_extraction_order() -> None:
    assert extract_message({"error": {"message": "a"}, "message": "b"}) == "a"
    assert extract_message({"error": "plain", "detail": "d"}) == "plain"
    assert extract_message({"detail": {"msg": "m"}}) == "m"
    assert extract_message({"nothing": 1}) is None


def test_in_stream_error_object_takes_status_from_code() -> None:
    err = error_from_object({"error": {"code": 502, "message": "upstream"}})
    assert err.kind == "server" and err.status == 502 and "upstream" in err.message
    err = error_from_object({"code": 400, "message": "the request exceeds the available context size"})
    assert err.kind == "context_length"


def test_long_details_are_shortened() -> None:
    err = http_error(500, json.dumps({"error": {"message": "x" * 5000}}))
    assert len(err.message) < 500


def _req() -> httpx.Request:
    return httpx.Request("POST", "http://127.0.0.1:8080/v1/chat/completions")


def test_network_errors_say_where_and_what_to_try() -> None:
    url = "http://127.0.0.1:8080/v1/chat/completions"
    refused = network_error(httpx.ConnectError("[Errno 111] Connection refused", request=_req()), url)
    assert refused.kind == "network"
    assert refused.message == "nothing answers at http://127.0.0.1:8080 — check the base URL and your network"
    named = network_error(httpx.ConnectError("[Errno 111] Connection refused", request=_req()), url, server="Ollama")
    assert named.message == "no server at http://127.0.0.1:8080 — is Ollama running?"
    dns = network_error(httpx.ConnectError("[Errno -2] Name or service not known"), "https://nope.example/v1")
    assert "check the base URL" in dns.message
    assert "timed out connecting" in network_error(httpx.ConnectTimeout("t"), url).message
    assert "stopped answering" in network_error(httpx.ReadTimeout("t"), url).message
    cut = network_error(httpx.RemoteProtocolError("incomplete chunked read"), url, mid_stream=True)
    assert "dropped mid-reply" in cut.message


def test_display_url_hides_userinfo_query_and_path() -> None:
    assert display_url("https://user:pw@api.example.com:8443/v1/x?key=SECRET") == "https://api.example.com:8443"
    assert display_url("not a url") == "the server"


def test_control_characters_from_the_server_never_reach_the_message() -> None:
    err = http_error(500, json.dumps({"error": {"message": "bad \x1b[31mred\x1b[0m\x07 thing"}}))
    assert "\x1b" not in err.message and "\x07" not in err.message
    assert "bad [31mred [0m thing" in err.message
