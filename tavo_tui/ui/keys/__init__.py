"""The keyboard: help (f1), jump mode, the command palette and its commands."""
