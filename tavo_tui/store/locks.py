"""One writer per chat: an advisory fcntl lock on a hidden file beside the chat.

The lock sits on a separate file because rewrites replace the chat file (a new inode) by rename. The lock file is
never deleted while in use (deleting it would let a second process lock a different inode).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from pathlib import Path


def lock_path(chat_path: Path) -> Path:
    return chat_path.with_name(f".{chat_path.name}.lock")


class ChatLock:
    """Held for as long as a session may write the chat. `acquire()` is False when another process holds it."""

    def __init__(self, chat_path: Path) -> None:
        self.path = lock_path(chat_path)
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def acquire(self) -> bool:
        if self._fd is not None:
            return True
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError:
            # A read-only data dir cannot hold a lock file; nothing can be written there anyway, so the save
            # errors will say so. Treat it as unlocked rather than blocking the reader.
            return True
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            return False
        with contextlib.suppress(OSError):
            os.ftruncate(fd, 0)
            os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd
        return True

    def release(self) -> None:
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        with contextlib.suppress(OSError):
            fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)

    def holder_pid(self) -> int | None:
        """The pid written by the process holding the lock (for the read-only message), if readable."""
        try:
            return int(self.path.read_text(encoding="ascii").strip() or 0) or None
        except (OSError, ValueError):
            return None

    def __del__(self) -> None:
        self.release()
