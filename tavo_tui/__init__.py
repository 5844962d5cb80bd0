"""tavo-tui: a keyboard-driven terminal client for roleplay chat with LLMs."""

__version__ = "0.1.0"
