"""Character cards: read every known format into one model, write PNG/JSON/CHARX, list libraries."""

from tavo_tui.cards.errors import DEFAULT_LIMITS, CardError, Limits
from tavo_tui.cards.library import CardLibrary, CardSummary
from tavo_tui.cards.loaded import LoadedCard
from tavo_tui.cards.reader import read_card, read_card_bytes, sniff
from tavo_tui.cards.serialize import card_data, v2_object, v3_object
from tavo_tui.cards.writer import write_card

__all__ = [
    "DEFAULT_LIMITS",
    "CardError",
    "CardLibrary",
    "CardSummary",
    "Limits",
    "LoadedCard",
    "card_data",
    "read_card",
    "read_card_bytes",
    "sniff",
    "v2_object",
    "v3_object",
    "write_card",
]
