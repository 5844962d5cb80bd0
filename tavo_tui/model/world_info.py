"""The world-info settings every chat shares, in SillyTavern's own layout (`settings.json` → `world_info_settings`):
the global selection (`world_info.globalSelect`, the lorebooks active in every chat) and the scan settings.

Kept in SillyTavern's key names so the stored file reads like SillyTavern's and keys this model does not know
(written by SillyTavern or a later tavo-tui) are kept as they were. The prompt engine's own input is
`tavo_tui.prompt.settings.WorldInfoSettings`; the session converts one into the other.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

# world_info_character_strategy (SillyTavern's world_info_insertion_strategy).
SORTED_EVENLY, CHARACTER_FIRST, GLOBAL_FIRST = 0, 1, 2
STRATEGY_NAMES: dict[int, str] = {SORTED_EVENLY: "sorted_evenly", CHARACTER_FIRST: "character_first",
                                  GLOBAL_FIRST: "global_first"}


class GlobalSelection(BaseModel):
    """SillyTavern's `world_info` object: the names of the globally active books."""

    model_config = ConfigDict(extra="allow")

    globalSelect: list[str] = Field(default_factory=list)

    @field_validator("globalSelect", mode="before")
    @classmethod
    def _names(cls, value: Any) -> list[str]:
        if not isinstance(value, list):
            return []
        names: list[str] = []
        for item in value:
            if isinstance(item, str) and item and item not in names:
                names.append(item)
        return names


class WorldInfoConfig(BaseModel):
    """`world_info_settings` as SillyTavern stores it; defaults are SillyTavern's new-install ones."""

    model_config = ConfigDict(extra="allow")

    world_info: GlobalSelection = Field(default_factory=GlobalSelection)
    world_info_depth: int = Field(default=2, ge=0, le=1000)
    world_info_min_activations: int = Field(default=0, ge=0, le=1000)
    world_info_min_activations_depth_max: int = Field(default=0, ge=0, le=1000)
    world_info_budget: int = Field(default=25, ge=1, le=100)
    world_info_include_names: bool = True
    world_info_recursive: bool = True
    world_info_overflow_alert: bool = False
    world_info_case_sensitive: bool = False
    world_info_match_whole_words: bool = True
    world_info_character_strategy: int = Field(default=CHARACTER_FIRST, ge=0, le=2)
    world_info_budget_cap: int = Field(default=0, ge=0)
    world_info_use_group_scoring: bool = False
    world_info_max_recursion_steps: int = Field(default=0, ge=0, le=10)

    @property
    def global_select(self) -> list[str]:
        return list(self.world_info.globalSelect)

    def with_global(self, names: list[str]) -> WorldInfoConfig:
        selection = self.world_info.model_copy(update={"globalSelect": list(dict.fromkeys(names))})
        return self.model_copy(update={"world_info": selection})
