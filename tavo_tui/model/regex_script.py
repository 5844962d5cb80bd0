"""A SillyTavern regex-extension script (its JSON layout: `extension_settings.regex[]`, a card's
`data.extensions.regex_scripts[]`, or an exported script file).

The model is what the engine reads; the JSON object it came from is kept as `raw` so an imported file is
exported again exactly as it was, unknown keys included.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_validator

# Placements (SillyTavern's regex_placement). 0 (markdown display) is deprecated; 4 (sendAs) is legacy.
USER_INPUT, AI_OUTPUT, SLASH_COMMAND, WORLD_INFO, REASONING = 1, 2, 3, 5, 6
PLACEMENT_NAMES = {USER_INPUT: "user input", AI_OUTPUT: "AI output", SLASH_COMMAND: "slash commands",
                   WORLD_INFO: "world info", REASONING: "reasoning"}
# substituteRegex: macros in the find regex.
SUBSTITUTE_NONE, SUBSTITUTE_RAW, SUBSTITUTE_ESCAPED = 0, 1, 2


def _int_or_none(value: Any) -> int | None:
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return int(number) if number == number else None  # NaN counts as unset, as in SillyTavern


class RegexScript(BaseModel):
    """One find/replace script. Lenient: wrong types fall back to SillyTavern's defaults."""

    model_config = ConfigDict(extra="ignore", defer_build=True)

    id: str = ""
    scriptName: str = ""  # SillyTavern's key names (camelCase)
    findRegex: str = ""
    replaceString: str = ""
    trimStrings: list[str] = Field(default_factory=list)
    placement: list[int] = Field(default_factory=list)
    disabled: bool = False
    markdownOnly: bool = False
    promptOnly: bool = False
    runOnEdit: bool = False
    substituteRegex: int = SUBSTITUTE_NONE
    minDepth: int | None = None
    maxDepth: int | None = None
    _raw: dict[str, Any] = PrivateAttr(default_factory=dict)

    @field_validator("id", "scriptName", "findRegex", "replaceString", mode="before")
    @classmethod
    def _text(cls, value: Any) -> str:
        return value if isinstance(value, str) else ("" if value is None else str(value))

    @field_validator("trimStrings", mode="before")
    @classmethod
    def _strings(cls, value: Any) -> list[str]:
        return [str(v) for v in value if v is not None] if isinstance(value, list) else []

    @field_validator("placement", mode="before")
    @classmethod
    def _placements(cls, value: Any) -> list[int]:
        if not isinstance(value, list):
            return []
        return [n for n in (_int_or_none(v) for v in value) if n is not None]

    @field_validator("disabled", "markdownOnly", "promptOnly", "runOnEdit", mode="before")
    @classmethod
    def _flag(cls, value: Any) -> bool:
        return bool(value)  # JavaScript truthiness, as the extension tests them

    @field_validator("substituteRegex", mode="before")
    @classmethod
    def _substitute(cls, value: Any) -> int:
        if value is True:
            return SUBSTITUTE_RAW  # older files stored a boolean
        number = _int_or_none(value)
        return number if number is not None else SUBSTITUTE_NONE

    @field_validator("minDepth", "maxDepth", mode="before")
    @classmethod
    def _depth(cls, value: Any) -> int | None:
        return _int_or_none(value)

    @classmethod
    def from_raw(cls, raw: dict[str, Any]) -> RegexScript:
        script = cls.model_validate(raw)
        script._raw = raw
        return script

    @property
    def raw(self) -> dict[str, Any]:
        """The JSON object as imported (an edited script's fields written over it)."""
        return self._raw or self.model_dump()

    @property
    def label(self) -> str:
        return self.scriptName or self.id or self.findRegex


def scripts_from_json(data: Any) -> list[RegexScript]:
    """The scripts in a SillyTavern regex file: one script object, or an array of them. Anything else is
    refused with ValueError (one clear line for the user)."""
    items = data if isinstance(data, list) else [data]
    if not items:
        return []
    scripts: list[RegexScript] = []
    for number, item in enumerate(items, 1):
        if not isinstance(item, dict) or "findRegex" not in item:
            where = f"item {number}" if isinstance(data, list) else "the file"
            raise ValueError(f"{where} is not a SillyTavern regex script (no \"findRegex\")")
        scripts.append(RegexScript.from_raw(item))
    return scripts
