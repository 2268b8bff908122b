"""Under CI, the services that some tests need are present, so those tests cannot skip."""

from __future__ import annotations

import os

import pytest

SERVICE_URLS = ("LNCDS_TEST_POSTGRES_URL", "LNCDS_TEST_REDIS_URL")


@pytest.mark.skipif(os.environ.get("CI") != "true", reason="only meaningful under CI=true")
@pytest.mark.parametrize("name", SERVICE_URLS)
def test_ci_provides_service(name: str) -> None:
    """CI exports the PostgreSQL and Redis URLs (scripts/start-test-services), never skips."""
    assert os.environ.get(name), f"{name} is not set: .ci/run must start the test services"
