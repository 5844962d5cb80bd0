"""Personas (who the user plays), kept in `personas.json` in the config dir.

Fields follow SillyTavern's `persona_descriptions` (description, position, depth, role); `position` uses its numbers:
0 in the prompt (after the card), 2 top of the author's note, 3 bottom of it, 4 at a depth in the chat, 9 nowhere.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from tavo_tui.store.errors import StoreError
from tavo_tui.store.files import atomic_write

POSITIONS = {0: "in prompt", 2: "top of author's note", 3: "bottom of author's note", 4: "at depth", 9: "none"}
_SLUG = re.compile(r"[^A-Za-z0-9_-]+")


class Persona(BaseModel):
    # Built on first use like the models in tavo_tui.model: the TUI's first frame needs no persona.
    model_config = ConfigDict(extra="allow", defer_build=True)

    id: str
    name: str
    description: str = ""
    position: int = 0
    depth: int = 2
    role: int = 0  # 0 system, 1 user, 2 assistant (for position 4)
    avatar: str | None = None  # an image file path, optional

    @field_validator("position")
    @classmethod
    def _known_position(cls, value: int) -> int:
        if value == 1:  # SillyTavern's retired "after character" position renders in the prompt
            return 0
        if value not in POSITIONS:
            raise ValueError(f"position must be one of {sorted(POSITIONS)}")
        return value


class PersonaFile(BaseModel):
    model_config = ConfigDict(defer_build=True)

    default: str | None = None
    personas: list[Persona] = Field(default_factory=list)


def slug(name: str) -> str:
    return _SLUG.sub("-", name).strip("-").lower()[:60] or "persona"


PersonaList = list[Persona]


class PersonaStore:
    """Reads and writes `personas.json`; every change is an atomic rewrite."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def _read(self) -> PersonaFile:
        try:
            raw = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return PersonaFile()
        except OSError as exc:
            raise StoreError(f"cannot read {self.path}: {exc.strerror}") from None
        try:
            return PersonaFile.model_validate(json.loads(raw) if raw.strip() else {})
        except (ValueError, ValidationError) as exc:
            first = str(exc).splitlines()[0]
            raise StoreError(f"{self.path} is damaged ({first}); fix it or move it away") from None

    def _write(self, data: PersonaFile) -> None:
        payload = json.dumps(data.model_dump(mode="json"), indent=2, ensure_ascii=False) + "\n"
        try:
            atomic_write(self.path, payload.encode("utf-8"))
        except OSError as exc:
            raise StoreError(f"cannot write {self.path}: {exc.strerror}") from None

    def list(self) -> list[Persona]:
        return list(self._read().personas)

    def get(self, persona_id: str) -> Persona | None:
        return next((p for p in self._read().personas if p.id == persona_id), None)

    def find(self, key: str) -> Persona:
        """By id, else by name (case-insensitive); a clear error otherwise."""
        personas = self._read().personas
        for persona in personas:
            if persona.id == key:
                return persona
        for persona in personas:
            if persona.name.casefold() == key.casefold():
                return persona
        raise StoreError(f"no persona {key!r}; known: {', '.join(p.name for p in personas) or 'none'}")

    @property
    def default_id(self) -> str | None:
        return self._read().default

    def default(self) -> Persona | None:
        data = self._read()
        return next((p for p in data.personas if p.id == data.default), None)

    def save(self, persona: Persona) -> Persona:
        """Add or replace (by id). The first persona saved becomes the default."""
        data = self._read()
        data.personas = [p for p in data.personas if p.id != persona.id] + [persona]
        if data.default is None:
            data.default = persona.id
        self._write(data)
        return persona

    def create(self, name: str, description: str = "", **fields: Any) -> Persona:
        taken = {p.id for p in self._read().personas}
        base = slug(name)
        pid, n = base, 2
        while pid in taken:
            pid, n = f"{base}-{n}", n + 1
        try:
            persona = Persona(id=pid, name=name, description=description, **fields)
        except ValidationError as exc:
            raise StoreError(f"invalid persona: {str(exc).splitlines()[-1].strip()}") from None
        return self.save(persona)

    def delete(self, persona_id: str) -> None:
        data = self._read()
        data.personas = [p for p in data.personas if p.id != persona_id]
        if data.default == persona_id:
            data.default = data.personas[0].id if data.personas else None
        self._write(data)

    def set_default(self, persona_id: str | None) -> None:
        data = self._read()
        if persona_id is not None and all(p.id != persona_id for p in data.personas):
            raise StoreError(f"no persona {persona_id!r}")
        data.default = persona_id
        self._write(data)

    def import_sillytavern(self, settings: dict[str, Any]) -> PersonaList:
        """Personas from a SillyTavern settings.json (`power_user.personas` / `persona_descriptions`)."""
        power = settings.get("power_user", settings)
        names = power.get("personas") if isinstance(power, dict) else None
        if not isinstance(names, dict):
            return []
        descriptions = power.get("persona_descriptions") or {}
        added: list[Persona] = []
        for avatar, name in names.items():
            info = descriptions.get(avatar) if isinstance(descriptions, dict) else None
            info = info if isinstance(info, dict) else {}
            added.append(
                self.create(
                    str(name),
                    str(info.get("description") or ""),
                    position=_int(info.get("position"), 0),
                    depth=_int(info.get("depth"), 2),
                    role=_int(info.get("role"), 0),
                )
            )
        return added


def _int(value: object, default: int) -> int:
    try:
        return int(value)  # type: ignore[call-overload, no-any-return]
    except (TypeError, ValueError):
        return default
