"""The prompt inspector: the pane, how a request is drawn, and its dialogs."""
