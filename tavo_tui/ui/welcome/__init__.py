"""The first-run welcome: set up an OpenAI-compatible (or any) connection in one dialog, or skip it."""
