"""Pieces every feature uses: literal text for untrusted strings, dialogs, the clipboard, $EDITOR, themes."""
