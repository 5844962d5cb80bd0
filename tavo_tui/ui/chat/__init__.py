"""The chat: its log, message views, composer, the reply presenter, and the chat-level actions and dialogs."""
