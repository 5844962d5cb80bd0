"""Where a start without --card/--connection goes back to: the chat open when the app last ran, on its connection.

Only what is cheap is checked here (the card's and the chat's files exist, the connection is configured): the
chat itself is read when it opens. Something remembered that is gone is dropped with a readable notice, and the
app starts as it would have without it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tavo_tui.session.context import AppContext
    from tavo_tui.session.ui_settings import LastChat


@dataclass
class ResumePoint:
    card: Path | None = None
    chat_id: str | None = None  # None: the card's latest chat
    connection: str | None = None  # None: the default connection
    notices: list[str] = field(default_factory=list)


def resume_point(ctx: AppContext, last: LastChat, *, card: Path | None = None,
                 connection: str | None = None) -> ResumePoint:
    """What to open at start. `card` and `connection` (given on the command line) win over what was remembered:
    with a card given no chat is resumed; with a connection given the remembered one is not used."""
    point = ResumePoint(card=card, connection=connection)
    if connection is None and last.connection:
        if _has_connection(ctx, last.connection):
            point.connection = last.connection
        else:
            point.notices.append(f"The connection last used, {last.connection}, is gone: using the default.")
    if card is not None or not last.card:
        return point
    path = Path(last.card)
    if not path.is_file():
        point.notices.append(f"The card last open, {path.name}, is gone.")
        return point
    point.card = path
    if last.chat:
        try:
            ctx.chats.find(last.chat)
        except Exception:  # StoreError: deleted or renamed since; the card's latest chat opens instead
            point.notices.append(f"The chat last open ({last.chat}) is gone: opened the latest chat instead.")
        else:
            point.chat_id = last.chat
    return point


def _has_connection(ctx: AppContext, name: str) -> bool:
    try:
        ctx.profiles.get(name)
    except Exception:  # unknown name or an unreadable connections.json: the default is used
        return False
    return True


def remember(last: LastChat, *, card: Path | None, chat_id: str | None, connection: str) -> bool:
    """Note where the user is now in `last`; True when that changed (and the settings want saving)."""
    before = (last.card, last.chat, last.connection)
    if card is not None:
        # Absolute: the next start may run from another folder (a --card path is often relative).
        last.card = str(card.absolute())
        last.chat = chat_id or ""
    last.connection = connection
    return (last.card, last.chat, last.connection) != before
