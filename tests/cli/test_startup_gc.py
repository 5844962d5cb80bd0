"""main() switches the garbage collector off while modules load and leaves it as it found it."""

from __future__ import annotations

import gc
from pathlib import Path

import pytest

from tavo_tui.cli import main


@pytest.mark.parametrize("enabled", [True, False])
def test_main_restores_the_collector(home: Path, capsys: pytest.CaptureFixture[str], enabled: bool) -> None:
    (gc.enable if enabled else gc.disable)()
    try:
        assert main(["connection", "kinds"]) == 0
        assert "openai-compatible" in capsys.readouterr().out
        assert gc.isenabled() is enabled
        assert gc.get_freeze_count() == 0
        with pytest.raises(SystemExit):
            main(["--version"])
        assert gc.isenabled() is enabled and gc.get_freeze_count() == 0
    finally:
        gc.enable()


def test_a_command_runs_with_the_collector_on(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import tavo_tui.cli.connection as connection

    seen: list[bool] = []

    def kinds(args: object) -> int:
        seen.append(gc.isenabled())
        return 0

    monkeypatch.setattr(connection, "cmd_kinds", kinds)
    gc.enable()
    # The handler was bound when the parser was built: rebuild after patching by running main().
    assert main(["connection", "kinds"]) == 0
    assert seen == [True]
