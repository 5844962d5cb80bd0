"""Card files outside any library, for the fronts: read one, show it as V3 JSON, write it in another format.

`session.library` works on the library's cards; these are the plain file operations the command line offers on
any path. They are the cards layer's own functions, named here so the fronts depend on the session alone.
"""

from __future__ import annotations

from tavo_tui.cards import CardError, LoadedCard, read_card, v3_object, write_card

__all__ = ["CardError", "LoadedCard", "read_card", "v3_object", "write_card"]
