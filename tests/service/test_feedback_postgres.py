"""The feedback store on a real PostgreSQL (LNCDS_TEST_POSTGRES_URL): the app started
twice, feedback through the real endpoint, idempotency across restarts."""

from __future__ import annotations

import os
import threading
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi import FastAPI

from cds_service.config import Settings
from cds_service.feedback_store import (
    MIGRATIONS,
    FeedbackStore,
    feedback,
    issued_card,
    schema_version,
)
from tests.service._helpers import SERVICE_PATH, full_prefetch, running
from tests.support.hooks import hook_body

POSTGRES_URL = os.environ.get("LNCDS_TEST_POSTGRES_URL")

pytestmark = [
    pytest.mark.anyio,
    pytest.mark.postgres,
    pytest.mark.skipif(POSTGRES_URL is None, reason="LNCDS_TEST_POSTGRES_URL not set"),
]


@pytest.fixture
def pg_app(settings: Settings, make_app: Callable[..., FastAPI]) -> Callable[[], FastAPI]:
    """A fresh app (new lifespan, new engine) on the PostgreSQL store, random card uuids."""
    pg_settings = settings.model_copy(update={"database_url": POSTGRES_URL})

    def factory() -> FastAPI:
        return make_app(settings=pg_settings, uuid_factory=lambda: str(uuid.uuid4()))

    return factory


def scalar(query: sa.Select[Any]) -> int:
    assert POSTGRES_URL is not None
    store = FeedbackStore(POSTGRES_URL)
    try:
        with store.engine.connect() as conn:
            value: int = conn.execute(query).scalar_one()
            return value
    finally:
        store.close()


def report(card: str) -> dict[str, object]:
    return {
        "feedback": [
            {
                "card": card,
                "outcome": "overridden",
                "overrideReason": {
                    "reason": {"system": "http://example.org/r", "code": "nr", "display": "NR"}
                },
                "outcomeTimestamp": datetime.now(UTC).isoformat(),
            }
        ]
    }


class TestPostgresAcrossRestarts:
    async def test_migrations_apply_once_over_two_starts(
        self, pg_app: Callable[[], FastAPI]
    ) -> None:
        """Two start-ups leave the latest schema version with one schema_version row per step."""
        for _ in range(2):
            async with running(pg_app()) as http:
                assert (await http.get("/readyz")).status_code == 200
        assert scalar(sa.select(sa.func.max(schema_version.c.version))) == len(MIGRATIONS)
        assert scalar(sa.select(sa.func.count()).select_from(schema_version)) == len(MIGRATIONS)

    async def test_feedback_is_idempotent_across_restarts(
        self, pg_app: Callable[[], FastAPI]
    ) -> None:
        """The same report sent before and after a restart is stored once, linked to its
        card's topic (the issued card was written at the first shutdown)."""
        async with running(pg_app()) as http:
            (card,) = (
                await http.post(SERVICE_PATH, json=hook_body(prefetch=full_prefetch()))
            ).json()["cards"]
            body = report(card["uuid"])
            assert (await http.post(f"{SERVICE_PATH}/feedback", json=body)).status_code == 200
        async with running(pg_app()) as http:
            assert (await http.post(f"{SERVICE_PATH}/feedback", json=body)).status_code == 200
        mine = feedback.c.card_uuid == card["uuid"]
        assert scalar(sa.select(sa.func.count()).select_from(feedback).where(mine)) == 1
        topic = sa.select(sa.func.count()).select_from(issued_card)
        assert scalar(topic.where(issued_card.c.card_uuid == card["uuid"])) == 1


class TestReplicasStartingTogether:
    def test_concurrent_migrations_on_a_fresh_schema(self) -> None:
        """Replicas started together on an empty database (Kubernetes, two replicas) all
        open the store: the migration runs once, the others find the schema current."""
        assert POSTGRES_URL is not None
        schema = f"lncds_race_{uuid.uuid4().hex[:12]}"
        admin = sa.create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
        url = sa.make_url(POSTGRES_URL).update_query_dict({"options": f"-csearch_path={schema}"})
        stores = [FeedbackStore(url.render_as_string(hide_password=False)) for _ in range(6)]
        start = threading.Barrier(len(stores))
        errors: list[BaseException] = []

        def open_store(store: FeedbackStore) -> None:
            start.wait()
            try:
                store.migrate()
            except BaseException as exc:  # collected and asserted below
                errors.append(exc)

        try:
            threads = [threading.Thread(target=open_store, args=(s,)) for s in stores]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            assert errors == []
            with stores[0].engine.connect() as conn:
                count = conn.execute(sa.select(sa.func.count()).select_from(schema_version))
                assert count.scalar_one() == len(MIGRATIONS)
        finally:
            for store in stores:
                store.close()
            with admin.connect() as conn:
                conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin.dispose()
