"""Errors the store raises; each message says what happened and what to do."""


class StoreError(Exception):
    """A config, secrets or chat file could not be read or written."""
