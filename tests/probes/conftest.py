"""The TUI fixtures (a temp library, a context on the temp home, fast demo replies) for the UI probes."""

from tests.ui.conftest import alice, bob, ctx, fake_profile, fast_demo, isolated_home, library  # noqa: F401
