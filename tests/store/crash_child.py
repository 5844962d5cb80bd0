"""A child process for the crash test: it edits one chat through the store until it is SIGKILLed.

Before each change it prints `B <hash>` (the message list the change will produce), after the change returns
`C <hash>`. The parent kills it at a random moment and checks the file holds one of those two states.
"""

from __future__ import annotations

import hashlib
import json
import random
import sys
import time
from pathlib import Path
from typing import Any

from tavo_tui.model import ChatHeader, Message
from tavo_tui.store.chats import ChatRef, ChatStore
from tavo_tui.store.jsonl import message_to_json


def digest(messages: list[dict[str, Any]]) -> str:
    return hashlib.sha256(json.dumps(messages, sort_keys=True).encode()).hexdigest()[:16]


def say(tag: str, messages: list[Message]) -> None:
    sys.stdout.write(f"{tag} {digest([message_to_json(m) for m in messages])}\n")
    sys.stdout.flush()


def main(path: Path, seed: int) -> None:
    rng = random.Random(seed)
    store = ChatStore(path.parent.parent)
    ref = ChatRef(path, path.parent.name)
    header = ChatHeader(user_name="Ann", character_name="Bob")
    if path.exists():
        opened = store.open(ref)
        header, messages = opened.header, list(opened.messages)
        if opened.torn_tail:
            store.write(ref, header, messages)  # what a session does on open
    else:
        messages = []
        say("B", messages)
        store.write(ref, header, messages)
    say("C", messages)
    step = 0
    while True:
        step += 1
        # "Streaming": tokens arrive for a while before the reply is committed.
        time.sleep(rng.random() * 0.004)
        op = rng.random()
        text = f"{seed}-{step} " + "word " * rng.randint(1, 400) + "é☕"
        if op < 0.55 or len(messages) < 2:
            message = Message(name="Bob", is_user=step % 2 == 0, mes=text, swipes=[text], swipe_id=0,
                              swipe_info=[{"extra": {"n": step}}])
            messages.append(message)
            say("B", messages)
            store.append(ref, message)
        else:
            index = rng.randrange(len(messages))
            if op < 0.75:
                messages[index] = messages[index].model_copy(update={"mes": text})
            elif op < 0.85:
                del messages[index]
            else:
                last = messages[-1]
                messages[-1] = last.model_copy(update={"swipes": [*(last.swipes or []), text],
                                                       "swipe_id": len(last.swipes or []), "mes": text})
            say("B", messages)
            store.write(ref, header, messages)
        say("C", messages)


if __name__ == "__main__":
    main(Path(sys.argv[1]), int(sys.argv[2]))
