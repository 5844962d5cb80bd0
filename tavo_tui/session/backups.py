"""When automatic backups are made, and restoring one.

After a committed change (a message added, an edit, a swipe, a delete; never a token of a reply being written)
the chat file is copied to backups/, at most once per `interval` seconds per chat: a change inside the interval
is backed up when it ends, so the newest state is never left out. Copies run on one background thread, so a
save never waits for them; `flush()` waits (tests, exit). The oldest backups past `limit` per chat are removed.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

from tavo_tui.store.backups import BackupRef, BackupStore
from tavo_tui.store.chats import ChatRef
from tavo_tui.store.errors import StoreError

__all__ = ["BACKUP_INTERVAL", "BACKUP_LIMIT", "BackupRef", "Backups", "backup_delay"]

BACKUP_LIMIT = 50  # backups kept per chat (SillyTavern's default number of backups per chat)
BACKUP_INTERVAL = 10.0  # seconds between two backups of one chat (SillyTavern throttles chat backups likewise)


def backup_delay(last: float | None, now: float, interval: float) -> float:
    """How long to wait before backing up a chat last backed up at `last` (None: never): 0 means now."""
    if last is None or interval <= 0:
        return 0.0
    return max(0.0, last + interval - now)


class Backups:
    """The backup policy for every chat of one AppContext."""

    def __init__(self, store: BackupStore, *, limit: int = BACKUP_LIMIT, interval: float = BACKUP_INTERVAL,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.store = store
        self.limit = limit
        self.interval = interval
        self.enabled = limit > 0
        self._clock = clock
        self._last: dict[Path, float] = {}
        self._timers: dict[Path, threading.Timer] = {}
        self._mutex = threading.Lock()
        self._pool: ThreadPoolExecutor | None = None
        self._futures: list[Future[None]] = []
        self.last_error: str | None = None  # the last backup that failed (shown by nobody yet; a save never fails)

    def changed(self, ref: ChatRef) -> None:
        """The chat file was just saved after a committed change."""
        if not self.enabled:
            return
        with self._mutex:
            if ref.path in self._timers:
                return  # a backup is already due at the end of the interval; it will copy this state too
            delay = backup_delay(self._last.get(ref.path), self._clock(), self.interval)
            if delay <= 0:
                self._last[ref.path] = self._clock()
                self._submit(ref)
                return
            timer = threading.Timer(delay, self._due, (ref,))
            timer.daemon = True
            self._timers[ref.path] = timer
        timer.start()

    def _due(self, ref: ChatRef) -> None:
        with self._mutex:
            self._timers.pop(ref.path, None)
            self._last[ref.path] = self._clock()
            self._submit(ref)

    def _submit(self, ref: ChatRef) -> None:
        if self._pool is None:
            self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="tavo-backup")
        self._futures = [f for f in self._futures if not f.done()]
        try:
            self._futures.append(self._pool.submit(self._copy, ref))
        except RuntimeError:  # the interpreter is exiting (a timer fired after the app quit unflushed): copy here
            self._copy(ref)

    def _copy(self, ref: ChatRef) -> None:
        try:
            data = ref.path.read_bytes()
        except OSError:
            return  # deleted or renamed since: nothing to keep
        try:
            self.store.write(ref, data, self.limit)
        except StoreError as exc:
            self.last_error = str(exc)

    def flush(self) -> None:
        """Make the backups that are due (pending ones too, without waiting for their interval) and wait."""
        with self._mutex:
            timers = list(self._timers.items())
            self._timers.clear()
        for path, timer in timers:
            timer.cancel()
            self._due(ChatRef(path, path.parent.name))
        with self._mutex:
            futures = list(self._futures)
        for future in futures:
            future.result()

    def list(self, ref: ChatRef) -> list[BackupRef]:
        return self.store.list(ref)

    def backup_now(self, ref: ChatRef) -> BackupRef:
        """A backup made at once, on the caller's thread (before a restore replaces the chat)."""
        try:
            data = ref.path.read_bytes()
        except OSError as exc:
            raise StoreError(f"cannot read chat {ref.path}: {exc.strerror}") from None
        with self._mutex:
            self._last[ref.path] = self._clock()
        return self.store.write(ref, data, self.limit)
