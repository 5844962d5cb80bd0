"""The character library: the card list, its actions, the card detail view and the card editor."""
