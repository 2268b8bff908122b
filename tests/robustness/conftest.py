"""The fixture of the robustness tests: one started app per module (``_helpers.py``)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.robustness._helpers import LiveApp, robust_settings, start_live


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveApp]:
    """One started app for the whole module (Hypothesis examples share it)."""
    with start_live(robust_settings(tmp_path_factory.mktemp("robust"))) as started:
        yield started
