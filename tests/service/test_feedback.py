"""Feedback: validation, idempotency, durability, issued cards and the summary."""

from __future__ import annotations

import asyncio
import os
import threading
import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from fastapi import FastAPI

from cds_service.config import Settings
from cds_service.feedback_store import (
    MIGRATIONS,
    CardLog,
    FeedbackStore,
    IssuedCard,
    issued_cards,
    schema_version,
)
from cds_service.hook_models import FeedbackItem
from tests.service._helpers import SERVICE_PATH, full_prefetch, running
from tests.support.hooks import hook_body

pytestmark = pytest.mark.anyio

CARD = "00000000-0000-0000-0000-000000000001"
#: A bound that only stops a hung test; no correct run comes near it, however busy the machine.
HANG_GUARD_SECONDS = 300.0


def item(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "card": CARD,
        "outcome": "overridden",
        "overrideReason": {
            "reason": {
                "system": "http://example.org/reasons",
                "code": "not-relevant",
                "display": "Not relevant",
            },
            "userComment": "seen by nephrology",
        },
        "outcomeTimestamp": "2025-06-01T10:00:00Z",
    }
    body.update(overrides)
    return {key: value for key, value in body.items() if value is not ...}


def store_url(settings: Settings) -> str:
    return settings.database_url


class TestFeedbackRoute:
    async def test_stored_once_when_sent_twice(
        self, client: httpx.AsyncClient, settings: Settings
    ) -> None:
        """The same feedback report sent twice answers 200 both times and is stored once."""
        for _ in range(2):
            response = await client.post(f"{SERVICE_PATH}/feedback", json={"feedback": [item()]})
            assert response.status_code == 200
            assert response.json() == {}
        assert FeedbackStore(settings.database_url).count_feedback() == 1

    async def test_durable_across_store_objects(
        self, client: httpx.AsyncClient, settings: Settings
    ) -> None:
        """A new store object on the same SQLite file sees stored feedback."""
        accepted = item(outcome="accepted", overrideReason=..., acceptedSuggestions=[{"id": "s1"}])
        await client.post(f"{SERVICE_PATH}/feedback", json={"feedback": [accepted]})
        reopened = FeedbackStore(settings.database_url)
        assert reopened.migrate() == 3
        assert reopened.count_feedback() == 1

    @pytest.mark.parametrize(
        "body",
        [
            {},
            {"feedback": []},
            {"feedback": "x"},
            {"feedback": [item(card="not-a-uuid")]},
            {"feedback": [item(outcome="ignored")]},
            {"feedback": [item(outcomeTimestamp=...)]},
            {"feedback": [item(outcomeTimestamp="2025-06-01T10:00:00")]},
            {"feedback": [item(outcomeTimestamp="yesterday")]},
            {"feedback": [item(acceptedSuggestions=[{}])]},
            {"feedback": [item(overrideReason={"reason": "text"})]},
            {"feedback": [item(overrideReason={"reason": {"code": "x"}})]},
            {"feedback": [item(outcome="accepted", overrideReason=...)]},
        ],
    )
    async def test_invalid_feedback_is_400(
        self, client: httpx.AsyncClient, body: dict[str, Any], settings: Settings
    ) -> None:
        """Invalid feedback answers 400 with an OperationOutcome and stores nothing."""
        response = await client.post(f"{SERVICE_PATH}/feedback", json=body)
        assert response.status_code == 400
        assert response.json()["resourceType"] == "OperationOutcome"
        assert FeedbackStore(settings.database_url).count_feedback() == 0

    @pytest.mark.parametrize(
        "feedback_item",
        [
            item(overrideReason=...),
            item(overrideReason={"userComment": "no coded reason"}),
            item(outcome="accepted", overrideReason=..., acceptedSuggestions=[{"id": "s1"}]),
        ],
    )
    async def test_spec_examples_accepted(
        self, client: httpx.AsyncClient, feedback_item: dict[str, Any]
    ) -> None:
        """The spec's shapes (override without reason, comment only, accepted) answer 200."""
        response = await client.post(f"{SERVICE_PATH}/feedback", json={"feedback": [feedback_item]})
        assert response.status_code == 200

    async def test_malformed_feedback_is_400(self, client: httpx.AsyncClient) -> None:
        """A feedback body that is not JSON answers 400."""
        response = await client.post(f"{SERVICE_PATH}/feedback", content=b"nope")
        assert response.status_code == 400

    async def test_store_down_is_503(self, make_app: Callable[..., FastAPI]) -> None:
        """Feedback with no open store answers 503, not 500."""
        from tests.service._helpers import asgi_client

        async with asgi_client(make_app()) as client:  # lifespan not run: no store
            response = await client.post(f"{SERVICE_PATH}/feedback", json={"feedback": [item()]})
        assert response.status_code == 503

    async def test_issued_cards_linked_to_feedback(
        self, make_app: Callable[..., FastAPI], settings: Settings
    ) -> None:
        """Cards issued by the hook are remembered, so the summary counts feedback by topic."""
        async with running(make_app()) as client:
            (card,) = (
                await client.post(SERVICE_PATH, json=hook_body(prefetch=full_prefetch()))
            ).json()["cards"]
            await client.post(
                f"{SERVICE_PATH}/feedback", json={"feedback": [item(card=card["uuid"])]}
            )
        rows = FeedbackStore(settings.database_url).summary(
            datetime(2025, 1, 1, tzinfo=UTC), datetime(2026, 1, 1, tzinfo=UTC)
        )
        assert [(r.topic, r.outcome, r.override_reason_code, r.count) for r in rows] == [
            ("refractory", "overridden", "not-relevant", 1)
        ]


POSTGRES_URL = os.environ.get("LNCDS_TEST_POSTGRES_URL")


class TestPostgres:
    @pytest.mark.postgres
    @pytest.mark.skipif(POSTGRES_URL is None, reason="LNCDS_TEST_POSTGRES_URL not set")
    def test_insert_or_ignore_on_postgres(self) -> None:
        """On PostgreSQL, migrations apply and a repeated report is stored once."""
        assert POSTGRES_URL is not None
        store = FeedbackStore(POSTGRES_URL)
        try:
            assert store.migrate() == 3
            unique = item(card=str(uuid.uuid4()))
            now = datetime.now(UTC)
            assert store.record("svc", [FeedbackItem.model_validate(unique)], now) == 1
            assert store.record("svc", [FeedbackItem.model_validate(unique)], now) == 0
        finally:
            store.close()


class TestStore:
    def test_migrations_idempotent(self, tmp_path: Path) -> None:
        """Running the migrations twice leaves schema version 3 and one version row each."""
        store = FeedbackStore(f"sqlite:///{tmp_path / 'x.sqlite3'}")
        assert store.migrate() == 3
        assert store.migrate() == 3
        assert store.ping()

    def test_version_2_database_gains_the_jti_table(self, tmp_path: Path) -> None:
        """A database left at version 2 by the previous release is brought to version 3, which
        adds the client-JWT replay table and keeps the stored feedback."""
        store = FeedbackStore(f"sqlite:///{tmp_path / 'v2.sqlite3'}")
        with store.engine.begin() as conn:
            schema_version.create(conn)
            for version, step in enumerate(MIGRATIONS[:2], start=1):
                step(conn)
                conn.execute(schema_version.insert().values(version=version))
        store.record("svc", [FeedbackItem.model_validate(item())], datetime.now(UTC))
        assert store.migrate() == 3
        assert "client_jti" in sa.inspect(store.engine).get_table_names()
        assert store.count_feedback() == 1

    def test_ping_false_without_schema(self, tmp_path: Path) -> None:
        """ping() is False before the schema exists."""
        assert not FeedbackStore(f"sqlite:///{tmp_path / 'y.sqlite3'}").ping()

    def test_summary_window_and_unknown_topic(self, tmp_path: Path) -> None:
        """summary() counts outcomes in [since, until); unlinked cards have topic None."""
        store = FeedbackStore(f"sqlite:///{tmp_path / 'z.sqlite3'}")
        store.migrate()
        now = datetime(2025, 6, 2, tzinfo=UTC)
        items = [
            FeedbackItem.model_validate(
                item(outcome="accepted", overrideReason=..., acceptedSuggestions=[{"id": "s"}])
            ),
            FeedbackItem.model_validate(item(outcomeTimestamp="2025-06-01T12:00:00+02:00")),
            FeedbackItem.model_validate(item(outcomeTimestamp="2024-01-01T00:00:00Z")),
        ]
        assert store.record("svc", items, now) == 3
        assert store.record("svc", items[:1], now) == 0
        rows = store.summary(datetime(2025, 1, 1, tzinfo=UTC), datetime(2025, 12, 31, tzinfo=UTC))
        assert [(r.topic, r.outcome, r.count) for r in rows] == [
            (None, "accepted", 1),
            (None, "overridden", 1),
        ]

    def test_issued_cards_from_json(self) -> None:
        """issued_cards() reads uuid, topic code and indicator; cards without uuid are skipped."""
        when = datetime(2025, 6, 1, tzinfo=UTC)
        cards = [
            {"uuid": "u1", "indicator": "warning", "source": {"topic": {"code": "adherence"}}},
            {"uuid": "u2", "source": "odd"},
            {"summary": "no uuid"},
        ]
        assert issued_cards(cards, when) == [
            IssuedCard("u1", "adherence", "warning", when),
            IssuedCard("u2", None, None, when),
        ]


class TestCardLog:
    async def test_full_queue_drops_and_says_so(self, tmp_path: Path) -> None:
        """When the queue is full, offer() returns False instead of blocking the hook."""
        store = FeedbackStore(f"sqlite:///{tmp_path / 'q.sqlite3'}")
        store.migrate()
        log = CardLog(store, max_queued=1)
        card = [IssuedCard("u1", "t", "info", datetime(2025, 1, 1, tzinfo=UTC))]
        assert log.offer(card)
        assert not log.offer(card)
        assert log.offer([])

    async def test_writer_drains_on_stop(self, tmp_path: Path) -> None:
        """Queued cards are written before stop() returns."""
        store = FeedbackStore(f"sqlite:///{tmp_path / 'w.sqlite3'}")
        store.migrate()
        log = CardLog(store)
        log.start()
        when = datetime(2025, 1, 1, tzinfo=UTC)
        log.offer([IssuedCard("u1", "t", "info", when)])
        log.offer([IssuedCard("u2", "t", "info", when)])
        await asyncio.sleep(0)
        await log.stop(timeout=HANG_GUARD_SECONDS)
        await log.stop(timeout=HANG_GUARD_SECONDS)
        assert store.remember_cards([IssuedCard("u1", "t", "info", when)]) == 0


def _cards(prefix: str, n: int) -> list[IssuedCard]:
    when = datetime(2025, 1, 1, tzinfo=UTC)
    return [IssuedCard(f"{prefix}{i}", "t", "info", when) for i in range(n)]


class TestRememberCardsBatch:
    @pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
    def test_one_batch_counts_new_rows_only(self, tmp_path: Path, backend: str) -> None:
        """A batch with a stored uuid and a uuid repeated inside it counts each new card once."""
        if backend == "postgresql" and POSTGRES_URL is None:
            pytest.skip("LNCDS_TEST_POSTGRES_URL not set")
        url = POSTGRES_URL if backend == "postgresql" else f"sqlite:///{tmp_path / 'r.sqlite3'}"
        assert url is not None
        store = FeedbackStore(url)
        try:
            store.migrate()
            prefix = f"{uuid.uuid4()}-"
            when = datetime(2025, 1, 1, tzinfo=UTC)
            assert store.remember_cards(_cards(prefix, 1)) == 1
            batch = [*_cards(prefix, 3), IssuedCard(f"{prefix}2", "t", "info", when)]
            assert store.remember_cards(batch) == 2
            assert store.remember_cards(_cards(prefix, 3)) == 0
        finally:
            store.close()


class WatchedStore(FeedbackStore):
    """A FeedbackStore that signals each finished ``remember_cards`` call (written or
    failed), so a test waits for the writer's work instead of for a length of time."""

    def __init__(self, url: str) -> None:
        super().__init__(url)
        self.calls: list[list[IssuedCard]] = []
        self._done: list[threading.Event] = [threading.Event() for _ in range(4)]

    def remember_cards(self, cards: Sequence[IssuedCard]) -> int:
        self.calls.append(list(cards))
        try:
            return super().remember_cards(cards)
        finally:
            self._done[len(self.calls) - 1].set()

    async def finished(self, calls: int) -> None:
        """Return once ``calls`` writes have finished (the guard is against a hang only)."""
        assert await asyncio.to_thread(self._done[calls - 1].wait, HANG_GUARD_SECONDS)


class TestCardLogBatching:
    async def test_many_hooks_one_transaction(self, tmp_path: Path) -> None:
        """Cards offered by several hooks within the flush interval are written in one batch."""
        store = WatchedStore(f"sqlite:///{tmp_path / 'b.sqlite3'}")
        store.migrate()
        log = CardLog(store, flush_seconds=0.05)
        log.start()
        for i in range(20):  # one turn of the loop: the writer cannot flush in between
            assert log.offer(_cards(f"h{i}-", 2))
        await store.finished(1)
        assert (log.batches, log.pending, len(store.calls[0])) == (1, 0, 40)
        await log.stop(timeout=HANG_GUARD_SECONDS)
        assert store.remember_cards(_cards("h7-", 2)) == 0

    async def test_full_batch_flushes_before_the_interval(self, tmp_path: Path) -> None:
        """Reaching flush_cards writes the batch at once, without waiting for the timer."""
        store = WatchedStore(f"sqlite:///{tmp_path / 'n.sqlite3'}")
        store.migrate()
        log = CardLog(store, flush_cards=4, flush_seconds=HANG_GUARD_SECONDS * 10)
        log.start()
        log.offer(_cards("a", 2))
        log.offer(_cards("b", 2))
        await store.finished(1)  # long before the interval: only flush_cards can cause it
        assert (log.batches, log.pending, len(store.calls[0])) == (1, 0, 4)
        await log.stop(timeout=HANG_GUARD_SECONDS)

    async def test_partial_batch_waits_for_the_interval(self, tmp_path: Path) -> None:
        """Below flush_cards nothing is written before the flush interval has passed."""
        store = FeedbackStore(f"sqlite:///{tmp_path / 't.sqlite3'}")
        store.migrate()
        log = CardLog(store, flush_cards=100, flush_seconds=HANG_GUARD_SECONDS * 10)
        log.start()
        log.offer(_cards("a", 3))
        for _ in range(10):  # loop turns, not time: the writer wakes and starts its timer
            await asyncio.sleep(0)
        assert (log.batches, log.pending) == (0, 3)
        await log.stop(timeout=HANG_GUARD_SECONDS)
        assert (log.batches, log.pending) == (1, 0)
        assert store.remember_cards(_cards("a", 3)) == 0

    async def test_offer_is_synchronous_and_bounded_in_cards(self, tmp_path: Path) -> None:
        """offer() buffers on the calling loop (no writer needed) and counts cards, not hooks."""
        store = FeedbackStore(f"sqlite:///{tmp_path / 's.sqlite3'}")
        store.migrate()
        log = CardLog(store, max_queued=5)
        assert log.offer(_cards("a", 3))
        assert not log.offer(_cards("b", 3))
        assert log.offer(_cards("c", 2))
        assert log.pending == 5

    async def test_failed_write_is_logged_and_writer_continues(
        self, tmp_path: Path, caplog: pytest.LogCaptureFixture
    ) -> None:
        """A database error loses that batch only (logged); the same writer goes on and
        writes the next batch."""
        store = WatchedStore(f"sqlite:///{tmp_path / 'f.sqlite3'}")  # not migrated yet
        log = CardLog(store, flush_cards=1)
        log.start()
        log.offer(_cards("lost", 1))
        await store.finished(1)  # the write failed: no table yet
        store.migrate()
        log.offer(_cards("kept", 1))
        await store.finished(2)  # written by the running writer, not by stop()
        assert log.batches == 2
        await log.stop(timeout=HANG_GUARD_SECONDS)
        assert "recording issued cards failed" in caplog.text
        assert store.remember_cards(_cards("kept", 1)) == 0
        assert store.remember_cards(_cards("lost", 1)) == 1
