"""Screens of the Textual front end."""
