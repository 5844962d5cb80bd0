"""The request as something to take elsewhere: JSON, a `curl` command with the key masked, or a file.

The real API key never enters these texts: auth headers are built by the backend from a placeholder
(`$ENV_VAR` when the profile names one, so the command works in a shell that has it; else `****`).
"""

from __future__ import annotations

import json
import os
import shlex
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from tavo_tui.backends.base import BackendError
from tavo_tui.backends.registry import make_backend
from tavo_tui.model import ConnectionProfile, PreparedRequest
from tavo_tui.session.visible import mask_url

if TYPE_CHECKING:
    from tavo_tui.session.chat_session import ChatSession
    from tavo_tui.session.inspection import Inspection

MASK = "****"


class ExportError(Exception):
    """The request could not be written (bad path, no permission, disk full); the message says why."""


def key_placeholder(profile: ConnectionProfile) -> str:
    """What stands in for the key: the profile's environment variable as `$NAME`, else `****`."""
    env = profile.api_key_env
    if env and env.replace("_", "").isalnum() and not env[0].isdigit():
        return f"${env}"
    return MASK


def masked_headers(profile: ConnectionProfile, request: PreparedRequest, has_key: bool) -> dict[str, str]:
    """The headers the backend would send, with the key replaced by the placeholder."""
    headers = {"Content-Type": "application/json", **request.headers}
    try:
        backend = make_backend(profile, key_placeholder(profile) if has_key else None)
        auth = getattr(backend, "auth_headers", None)
        if callable(auth):
            headers.update(auth())
    except BackendError:
        pass  # an unknown kind: the body is still worth copying
    return headers


def _shell_value(text: str, placeholder: str) -> str:
    """Quote for a POSIX shell. Text holding the `$VAR` placeholder is double-quoted so the shell expands it;
    everything else in it is escaped."""
    if placeholder.startswith("$") and placeholder in text:
        parts = text.split(placeholder)
        escaped = [p.replace("\\", "\\\\").replace('"', '\\"').replace("$", "\\$").replace("`", "\\`")
                   for p in parts]
        return '"' + placeholder.join(escaped) + '"'
    return shlex.quote(text)


def curl_command(request: PreparedRequest, headers: dict[str, str], placeholder: str = MASK) -> str:
    """A `curl` command that sends exactly `request` (the body as compact JSON, as on the wire)."""
    # Credentials typed into the base URL (user:pass@, ?key=) are masked like the key itself.
    lines = [f"curl -sS -X {shlex.quote(request.method)} {shlex.quote(mask_url(request.url))}"]
    if request.stream:
        lines[0] += " -N"
    for name, value in headers.items():
        lines.append(f"  -H {_shell_value(f'{name}: {value}', placeholder)}")
    body = request.body_bytes().decode("utf-8")
    lines.append(f"  --data-raw {shlex.quote(body)}")
    return " \\\n".join(lines)


def redact(text: str, secret: str | None) -> str:
    """Belt and braces: if the real key slipped into `text` anyway (a URL, a custom header), mask it."""
    if secret and len(secret) >= 4 and secret in text:
        return text.replace(secret, MASK)
    return text


def request_curl(profile: ConnectionProfile, request: PreparedRequest, api_key: str | None) -> str:
    """The curl command for `request` on `profile`; `api_key` is only used to know a key exists and to make
    sure it appears nowhere in the result."""
    placeholder = key_placeholder(profile)
    text = curl_command(request, masked_headers(profile, request, bool(api_key)), placeholder)
    return redact(text, api_key)


def request_json(request: PreparedRequest, api_key: str | None = None) -> str:
    """The body as indented JSON (what "copy as JSON" gives)."""
    return redact(json.dumps(request.body, indent=2, ensure_ascii=False), api_key)


def default_export_path(folder: Path, kind: str = "json", now: datetime | None = None) -> Path:
    """A fresh file name for a saved request: <folder>/request-YYYYmmdd-HHMMSS.<json|sh>."""
    stamp = (now or datetime.now()).strftime("%Y%m%d-%H%M%S")
    return folder / f"request-{stamp}.{'sh' if kind == 'curl' else 'json'}"


def save_text(path: Path | str, text: str) -> Path:
    """Write `text` to `path` (creating its folder; `~` is expanded). Raises ExportError with a clear reason."""
    raw = str(path).strip()
    if not raw:
        raise ExportError("no file name given")
    target = Path(os.path.expanduser(raw))
    if target.exists() and target.is_dir():
        raise ExportError(f"{target} is a folder; give a file name")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")
    except OSError as exc:
        raise ExportError(f"cannot write {target}: {exc.strerror or exc}") from exc
    return target


def _profile_and_key(session: ChatSession, inspection: Inspection) -> tuple[ConnectionProfile, str | None]:
    profile = session.profile
    if inspection.profile_name and inspection.profile_name != profile.name:
        profile = session.ctx.profiles.get(inspection.profile_name)
    return profile, session.ctx.profiles.api_key(profile)


def inspection_curl(session: ChatSession, inspection: Inspection) -> str:
    """The curl command for an inspection built in `session` (on its own or another connection)."""
    profile, key = _profile_and_key(session, inspection)
    return request_curl(profile, inspection.request, key)


def inspection_json(session: ChatSession, inspection: Inspection) -> str:
    _, key = _profile_and_key(session, inspection)
    return request_json(inspection.request, key)


def export_folder(session: ChatSession) -> Path:
    """Where saved requests go by default: the data folder's `exports/`."""
    return session.ctx.paths.data_dir / "exports"


def save_inspection(session: ChatSession, inspection: Inspection, path: Path | str) -> Path:
    """Save the request: a `.sh` (or `.curl`) file gets the curl command, anything else the JSON body."""
    suffix = Path(str(path).strip()).suffix.lower()
    text = inspection_curl(session, inspection) if suffix in (".sh", ".curl") else inspection_json(session, inspection)
    return save_text(path, text)
