"""warm_up() loads the chat session, the adapters of the connection in use and its model's token counter
ahead of the first chat."""

from __future__ import annotations

import subprocess
import sys

from tavo_tui.prompt.tokens import counter_for_model
from tavo_tui.session.warm_up import warm_up


def test_warm_up_loads_both_adapters_of_a_two_api_kind_and_the_counter() -> None:
    done = warm_up("llamacpp", "gpt-4o")
    assert done == ["ChatSession", "LlamaCppOpenAIBackend", "LlamaCppBackend", counter_for_model("gpt-4o").method]


def test_warm_up_of_an_unknown_kind_still_loads_the_counter() -> None:
    assert warm_up("no-such-kind") == ["ChatSession", counter_for_model("").method]


def test_warm_up_imports_what_start_up_left_out() -> None:
    code = (
        "import sys\n"
        "from tavo_tui.session.warm_up import warm_up\n"
        "names = ['httpx', 'tavo_tui.backends.oai_providers', 'tavo_tui.prompt.assembly']\n"
        "before = [name in sys.modules for name in names]\n"
        "warm_up('openai', 'gpt-4o')\n"
        "print(*before, *[name in sys.modules for name in names])\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False"] * 3 + ["True"] * 3
