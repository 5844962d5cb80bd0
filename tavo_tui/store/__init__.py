"""Persistence: where files live, connection profiles, API keys, chats."""

from tavo_tui.store.chats import ChatRef, ChatStore, ChatSummary, OpenedChat, SearchHit
from tavo_tui.store.errors import StoreError
from tavo_tui.store.locks import ChatLock
from tavo_tui.store.messages import MessageList
from tavo_tui.store.paths import AppPaths
from tavo_tui.store.personas import Persona, PersonaStore
from tavo_tui.store.profiles import DEMO_NAME, ProfileStore, demo_profile
from tavo_tui.store.secrets import SecretStore, mask_secret

__all__ = [
    "DEMO_NAME",
    "AppPaths",
    "ChatLock",
    "ChatRef",
    "ChatStore",
    "ChatSummary",
    "MessageList",
    "OpenedChat",
    "Persona",
    "PersonaStore",
    "ProfileStore",
    "SearchHit",
    "SecretStore",
    "StoreError",
    "demo_profile",
    "mask_secret",
]
