"""The stored regex scripts for the fronts: list, import, export, remove, enable/disable, and the cards whose own
scripts may run. (A chat's scripts in force are `ChatSession.regex_scripts()`.)"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tavo_tui.cards import read_card
from tavo_tui.model.regex_script import PLACEMENT_NAMES, RegexScript
from tavo_tui.store.regex_scripts import RegexStore, find_script, read_script_file, script_json

__all__ = ["RegexLibrary", "ScriptRow", "describe_script"]


@dataclass(frozen=True)
class ScriptRow:
    number: int
    script: RegexScript

    def as_json(self) -> dict[str, Any]:
        return {"number": self.number, "id": self.script.id, "name": self.script.scriptName,
                "find": self.script.findRegex, "replace": self.script.replaceString,
                "placement": self.script.placement, "disabled": self.script.disabled,
                "prompt_only": self.script.promptOnly, "display_only": self.script.markdownOnly,
                "run_on_edit": self.script.runOnEdit, "min_depth": self.script.minDepth,
                "max_depth": self.script.maxDepth}


def describe_script(script: RegexScript) -> str:
    """A one-line summary: where it runs and its flags."""
    where = ", ".join(PLACEMENT_NAMES.get(p, f"placement {p}") for p in script.placement) or "nowhere"
    flags = [name for name, on in (("disabled", script.disabled), ("prompt only", script.promptOnly),
                                   ("display only", script.markdownOnly), ("run on edit", script.runOnEdit))
             if on]
    if script.minDepth is not None or script.maxDepth is not None:
        flags.append(f"depth {script.minDepth if script.minDepth is not None else ''}.."
                     f"{script.maxDepth if script.maxDepth is not None else ''}")
    return f"{where}" + (f" ({', '.join(flags)})" if flags else "")


class RegexLibrary:
    def __init__(self, data_dir: Path) -> None:
        self.store = RegexStore(data_dir / "regex")

    def rows(self) -> list[ScriptRow]:
        return [ScriptRow(n, s) for n, s in enumerate(self.store.global_scripts(), 1)]

    def import_files(self, paths: list[Path]) -> list[RegexScript]:
        """Read every file first, so a bad one adds nothing."""
        scripts = [s for path in paths for s in read_script_file(path)]
        return self.store.import_scripts(scripts)

    def export(self, refs: list[str]) -> bytes:
        """The named scripts (all when none is named) as a SillyTavern regex file."""
        current = self.store.global_scripts()
        if not refs:
            return _as_array(current)  # the whole list is an array even with one script
        return script_json([find_script(current, ref) for ref in refs])

    def remove(self, ref: str) -> RegexScript:
        return self.store.remove(ref)

    def set_disabled(self, ref: str, disabled: bool) -> RegexScript:
        return self.store.set_disabled(ref, disabled)

    # ---- card scripts ------------------------------------------------------------------------------------
    def card_scripts(self, card_path: Path) -> tuple[list[RegexScript], bool]:
        """A card's own scripts and whether they are allowed to run."""
        card = read_card(card_path).card
        raw = card.extensions.get("regex_scripts") if isinstance(card.extensions, dict) else None
        scripts = [RegexScript.from_raw(x) for x in raw if isinstance(x, dict)] if isinstance(raw, list) else []
        return scripts, card_path.name in self.store.allowed_cards()

    def allow_card(self, card_path: Path, allowed: bool) -> None:
        self.store.set_allowed(card_path.name, allowed)


def _as_array(scripts: list[RegexScript]) -> bytes:
    import json

    return (json.dumps([s.raw for s in scripts], ensure_ascii=False, indent=4) + "\n").encode("utf-8")
