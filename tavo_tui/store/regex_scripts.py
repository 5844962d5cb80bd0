"""Stored regex scripts: the global list and the cards whose own scripts the user allowed.

Files (in the data folder's `regex/`):
* `global.json` — an array of SillyTavern regex-script objects, in run order, each kept exactly as imported
  (SillyTavern keeps the same array in settings.json as `extension_settings.regex`).
* `allowed_cards.json` — an array of card file names (SillyTavern's `character_allowed_regex`).
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

from tavo_tui.model.regex_script import RegexScript, scripts_from_json
from tavo_tui.store.errors import StoreError
from tavo_tui.store.files import atomic_write


def read_script_file(path: Path) -> list[RegexScript]:
    """The scripts of a SillyTavern regex file (one script object or an array)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except OSError as exc:
        raise StoreError(f"cannot read regex file {path}: {exc.strerror}") from None
    except ValueError:
        raise StoreError(f"regex file {path} is not valid JSON") from None
    try:
        return scripts_from_json(data)
    except ValueError as exc:
        raise StoreError(f"regex file {path}: {exc}") from None


def script_json(scripts: list[RegexScript]) -> bytes:
    """Scripts as a file SillyTavern imports: a lone script as an object, several as an array."""
    raws: Any = [s.raw for s in scripts]
    if len(raws) == 1:
        raws = raws[0]
    return (json.dumps(raws, ensure_ascii=False, indent=4) + "\n").encode("utf-8")


class RegexStore:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._cache: tuple[tuple[int, int], list[RegexScript]] | None = None

    @property
    def global_file(self) -> Path:
        return self.folder / "global.json"

    @property
    def allowed_file(self) -> Path:
        return self.folder / "allowed_cards.json"

    # ---- global scripts ----------------------------------------------------------------------------------
    def global_scripts(self) -> list[RegexScript]:
        """The global scripts in run order (re-read only when the file changed: every prompt asks)."""
        path = self.global_file
        try:
            stat = path.stat()
        except OSError:
            return []
        key = (stat.st_mtime_ns, stat.st_size)
        if self._cache is None or self._cache[0] != key:
            self._cache = (key, read_script_file(path))
        return list(self._cache[1])

    def save_global(self, scripts: list[RegexScript]) -> None:
        data = json.dumps([s.raw for s in scripts], ensure_ascii=False, indent=4) + "\n"
        try:
            atomic_write(self.global_file, data.encode("utf-8"))
        except OSError as exc:
            raise StoreError(f"cannot write {self.global_file}: {exc.strerror}") from None
        self._cache = None

    def import_scripts(self, scripts: list[RegexScript]) -> list[RegexScript]:
        """Add scripts at the end. A script keeps its id (so export gives back the same file) unless that id is
        missing or already taken; then it gets a new one, as SillyTavern gives every import."""
        current = self.global_scripts()
        taken = {s.id for s in current}
        added: list[RegexScript] = []
        for script in scripts:
            if not script.id or script.id in taken:
                raw = {**script.raw, "id": str(uuid.uuid4())}
                script = RegexScript.from_raw(raw)
            taken.add(script.id)
            added.append(script)
        self.save_global(current + added)
        return added

    def remove(self, ref: str) -> RegexScript:
        current = self.global_scripts()
        found = find_script(current, ref)
        self.save_global([s for s in current if s is not found])
        return found

    def set_disabled(self, ref: str, disabled: bool) -> RegexScript:
        current = self.global_scripts()
        found = find_script(current, ref)
        changed = RegexScript.from_raw({**found.raw, "disabled": disabled})
        self.save_global([changed if s is found else s for s in current])
        return changed

    # ---- card scripts allowed ----------------------------------------------------------------------------
    def allowed_cards(self) -> list[str]:
        try:
            data = json.loads(self.allowed_file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return []
        return [x for x in data if isinstance(x, str)] if isinstance(data, list) else []

    def set_allowed(self, card: str, allowed: bool) -> None:
        names = [n for n in self.allowed_cards() if n != card]
        if allowed:
            names.append(card)
        try:
            atomic_write(self.allowed_file, (json.dumps(names, ensure_ascii=False, indent=4) + "\n").encode())
        except OSError as exc:
            raise StoreError(f"cannot write {self.allowed_file}: {exc.strerror}") from None


def find_script(scripts: list[RegexScript], ref: str) -> RegexScript:
    """A script by id, by name, or by its 1-based number in the list."""
    for script in scripts:
        if ref and ref in (script.id, script.scriptName):
            return script
    if ref.isdigit() and 1 <= int(ref) <= len(scripts):
        return scripts[int(ref) - 1]
    raise StoreError(f"no regex script {ref!r} (see `tavo-tui regex list`)")
