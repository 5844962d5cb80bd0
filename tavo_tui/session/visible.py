"""Untrusted text (cards, model output, server errors) made safe for a terminal without hiding any of it.

One rule for both fronts: every control character is shown as a visible stand-in, one for one, and nothing
is dropped or allowed to swallow the text after it. Stripping escape *sequences* (as the UI once did) let a
lone C1 string introducer or an unterminated `ESC ]` hide everything up to the next terminator from the very
screens built to show what the model receives, while the model still got it.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

# C0 controls except tab and newline, DEL, C1; bidirectional embeddings, overrides and isolates (they reorder
# how text displays); the line and paragraph separators some terminals treat as line breaks.
_SHOWN = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u2028\u2029]")
# Characters JSON may carry raw but that a terminal or a log viewer acts on: always escaped in our JSON.
_JSON_RAW = re.compile("[\x7f-\x9f\u202a-\u202e\u2066-\u2069\u2028\u2029]")
MASK = "****"
# Query parameters that carry a credential in the wild (Gemini's ?key=, proxies' ?api_key= / ?token=).
_SECRET_PARAMS = frozenset({"key", "api_key", "apikey", "api-key", "token", "access_token", "auth", "password",
                            "secret", "sig", "signature"})


def stand_in(char: str) -> str:
    """The visible form of one control character: its Unicode control picture where one exists (␛, ␇, ␀,
    ␡), else its code (\\x9b, \\u202e)."""
    code = ord(char)
    if code < 0x20:
        return chr(0x2400 + code)
    if code == 0x7F:
        return "\u2421"
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def visible(text: str) -> str:
    """`text` with every control character shown (see `stand_in`); `\\n` and `\\t` are kept, and carriage
    returns become line breaks (`\\r\\n` and a lone `\\r` alike), so nothing is overwritten on screen."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _SHOWN.sub(lambda m: stand_in(m.group()), text)


def one_cell(text: str) -> str:
    """`text` with every control character (as `visible` finds them) replaced by a one-cell stand-in: its
    control picture (␛, ␀) or U+FFFD. For text being edited, where a stand-in longer than one character would
    move every column after it away from where the editor thinks it is; line breaks and tabs are kept."""
    return _SHOWN.sub(lambda m: stand_in(m.group()) if ord(m.group()) < 0x20 or m.group() == "\x7f" else "\ufffd",
                      text)


def json_escape(encoded: str) -> str:
    """A JSON document (from json.dumps) with C1, DEL, bidi controls and U+2028/U+2029 written as `\\uXXXX`
    escapes: the same JSON value, but no raw control reaches the reader's terminal."""
    return _JSON_RAW.sub(lambda m: f"\\u{ord(m.group()):04x}", encoded)


def dumps(obj: Any, **kwargs: Any) -> str:
    """json.dumps for output: readable UTF-8 (ensure_ascii off) with every control character escaped."""
    kwargs.setdefault("ensure_ascii", False)
    return json_escape(json.dumps(obj, **kwargs))


def mask_url(url: str) -> str:
    """`url` with credentials in it masked: the userinfo (`https://user:pass@host`) and query parameters
    that carry keys (`?key=`, `?api_key=`, `?token=`, ...). Anything unparsable is returned masked whole."""
    try:
        parts = urlsplit(url)
        netloc = parts.netloc
        if "@" in netloc:
            netloc = MASK + "@" + netloc.rsplit("@", 1)[1]
        query = parts.query
        if query:
            pairs = parse_qsl(query, keep_blank_values=True)
            if any(name.lower() in _SECRET_PARAMS for name, _ in pairs):
                query = urlencode([(n, MASK if n.lower() in _SECRET_PARAMS else v) for n, v in pairs], safe="*")
        return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))
    except ValueError:
        return MASK
