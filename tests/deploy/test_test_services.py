"""The servers started by scripts/start-test-services answer at the URLs it exports.

These run when .ci/services.env has been sourced (LNCDS_TEST_POSTGRES_URL and
LNCDS_TEST_REDIS_URL set) and skip otherwise.
"""

from __future__ import annotations

import os

import pytest

#: slow: needs PostgreSQL and Redis
pytestmark = pytest.mark.slow


def _url(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        pytest.skip(f"{name} is not set (run scripts/start-test-services, source .ci/services.env)")
    return value


class TestServices:
    def test_postgres_accepts_the_lncds_role(self) -> None:
        """PostgreSQL on loopback accepts the lncds role and database from the URL."""
        psycopg = pytest.importorskip("psycopg")
        url = _url("LNCDS_TEST_POSTGRES_URL").replace("postgresql+psycopg://", "postgresql://", 1)
        assert url.startswith("postgresql://lncds:")
        with psycopg.connect(url, connect_timeout=5) as connection:
            row = connection.execute("SELECT current_user, current_database()").fetchone()
        assert row == ("lncds", "lncds")

    def test_redis_answers_ping(self) -> None:
        """Redis on loopback answers PING at the exported URL."""
        redis = pytest.importorskip("redis")
        url = _url("LNCDS_TEST_REDIS_URL")
        assert url.startswith("redis://127.0.0.1:")
        client = redis.Redis.from_url(url, socket_timeout=5)
        try:
            assert client.ping() is True
        finally:
            client.close()
