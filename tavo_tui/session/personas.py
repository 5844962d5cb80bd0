"""Personas (who `{{user}}` is) as the fronts see them: the model and where a description can go.

The store keeps the persona file; a front lists, edits and picks personas through `AppContext.personas` and needs
only these names to show them, so it has no reason to import the store.
"""

from __future__ import annotations

from tavo_tui.store.personas import POSITIONS, Persona

__all__ = ["POSITIONS", "Persona"]
