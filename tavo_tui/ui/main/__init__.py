"""The main screen that lays the panes out, and the status bar under them."""
