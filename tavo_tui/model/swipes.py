"""The swipe-consistency rule, in one place: a message's `mes`/`extra` are its shown swipe, and `swipes`,
`swipe_id` and `swipe_info` stay in step (as SillyTavern keeps them) whatever is selected or removed."""

from __future__ import annotations

from tavo_tui.model.chat import Message


def sync_swipe(message: Message) -> None:
    """Before switching swipes, the visible text/extra go back into the current swipe (as SillyTavern does)."""
    if message.swipes is None or message.swipe_id is None:
        return
    if 0 <= message.swipe_id < len(message.swipes):
        swipes = list(message.swipes)
        swipes[message.swipe_id] = message.mes
        message.swipes = swipes
        infos = list(message.swipe_info or [])
        if 0 <= message.swipe_id < len(infos):
            infos[message.swipe_id] = {**infos[message.swipe_id], "extra": dict(message.extra or {})}
            message.swipe_info = infos


def show_swipe(message: Message, target: int) -> None:
    """Make swipe `target` the shown one: its text, extra and dates become the message's (no sync first)."""
    swipes = list(message.swipes or [message.mes])
    infos = list(message.swipe_info or [])
    message.swipe_id = target
    message.mes = swipes[target]
    info = infos[target] if 0 <= target < len(infos) and isinstance(infos[target], dict) else {}
    extra = info.get("extra")
    message.extra = dict(extra) if isinstance(extra, dict) else {}
    for key in ("send_date", "gen_started", "gen_finished"):
        if info.get(key) is not None:
            setattr(message, key, info[key])


def select_swipe(message: Message, target: int) -> None:
    """Switch to swipe `target`, keeping edits made to the shown one."""
    sync_swipe(message)
    show_swipe(message, target)


def swipe_total(message: Message) -> int:
    """How many versions the message has (a message without `swipes` is its one version)."""
    return len(message.swipes) if message.swipes else 1


def drop_shown_swipe(message: Message) -> bool:
    """Remove the shown version; its neighbour (the next one, else the previous) is shown instead.

    Returns False, changing nothing, when it is the only version: then the caller deletes the message."""
    swipes = list(message.swipes or [])
    if len(swipes) < 2:
        return False
    current = message.swipe_id if message.swipe_id is not None and 0 <= message.swipe_id < len(swipes) else 0
    infos = list(message.swipe_info or [])
    del swipes[current]
    if current < len(infos):
        del infos[current]
    message.swipes = swipes
    message.swipe_info = infos
    show_swipe(message, min(current, len(swipes) - 1))
    return True
