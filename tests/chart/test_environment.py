"""Under CI the browser tests have their browser, so they cannot skip."""

from __future__ import annotations

import os

import pytest

from .harness import chromium_executable


@pytest.mark.skipif(os.environ.get("CI") != "true", reason="only meaningful under CI=true")
def test_ci_provides_chromium() -> None:
    """CI installs Debian's Chromium (.ci/run), so the browser tests run there."""
    path, why = chromium_executable()
    assert path is not None, why
