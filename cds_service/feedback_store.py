"""Durable, idempotent storage of card feedback (SQLAlchemy 2 Core; SQLite or PostgreSQL).

Schema is versioned: ``schema_version`` holds the applied version and ``MIGRATIONS``
is the ordered list of steps, applied at start-up (idempotent: each runs once). The same
database holds the client-JWT replay set (``client_jti``, step 3, defined and used by
``cds_service.replay_cache.SqlReplayCache``).
Feedback is unique on (service_id, card_uuid, outcome, outcome_timestamp): a report
sent twice is stored once (``INSERT ... ON CONFLICT DO NOTHING`` on both dialects).

Issued cards (uuid -> topic) are remembered so feedback can be summarised by topic.
They go through ``CardLog``: ``offer`` appends to an in-memory buffer on the event loop
(no thread hop, no await); one writer task commits the buffer as one transaction per
batch, when ``CARD_LOG_FLUSH_CARDS`` cards are waiting or ``CARD_LOG_FLUSH_SECONDS``
after the first waiting card, whichever comes first. When ``max_queued`` cards are
waiting, further cards are dropped (logged) rather than blocking the hook.

Durability of the issued-card log (feedback itself is committed before its 200):
accepted cards are committed within ``CARD_LOG_FLUSH_SECONDS`` (plus the write); a
graceful shutdown (SIGTERM, lifespan end) writes everything accepted before the store
closes; a crash loses at most the cards of the last ``CARD_LOG_FLUSH_SECONDS`` (never
more than ``max_queued``). A lost row only means feedback on that card is reported
under topic "unknown"; the card JSON the EHR received is unaffected.
Blocking database calls run off the event loop (``anyio.to_thread``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import anyio.to_thread
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine

from cds_service.hook_models import (
    MAX_CARD_UUID_CHARS,
    MAX_CODING_CODE_CHARS,
    MAX_CODING_DISPLAY_CHARS,
    MAX_CODING_SYSTEM_CHARS,
    FeedbackItem,
)
from cds_service.replay_cache import client_jti

log = logging.getLogger(__name__)

metadata = sa.MetaData()

schema_version = sa.Table(
    "schema_version",
    metadata,
    sa.Column("version", sa.Integer, nullable=False),
)

feedback = sa.Table(
    "feedback",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("service_id", sa.String(128), nullable=False),
    # lengths from the request limits in cds_service.hook_models (validated before a write)
    sa.Column("card_uuid", sa.String(MAX_CARD_UUID_CHARS), nullable=False),
    sa.Column("outcome", sa.String(16), nullable=False),
    sa.Column("outcome_timestamp", sa.DateTime(timezone=True), nullable=False),
    sa.Column("accepted_suggestions", sa.JSON, nullable=False),
    sa.Column("override_reason_code", sa.String(MAX_CODING_CODE_CHARS)),
    sa.Column("override_reason_system", sa.String(MAX_CODING_SYSTEM_CHARS)),
    sa.Column("override_reason_display", sa.String(MAX_CODING_DISPLAY_CHARS)),
    sa.Column("user_comment", sa.Text),  # MAX_USER_COMMENT_CHARS, checked on the way in
    sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
    sa.UniqueConstraint(
        "service_id", "card_uuid", "outcome", "outcome_timestamp", name="uq_feedback_report"
    ),
)

issued_card = sa.Table(
    "issued_card",
    metadata,
    sa.Column("card_uuid", sa.String(MAX_CARD_UUID_CHARS), primary_key=True),
    sa.Column("topic", sa.String(64)),
    sa.Column("indicator", sa.String(16)),
    sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
)


def _v1(conn: Connection) -> None:
    feedback.create(conn, checkfirst=True)


def _v2(conn: Connection) -> None:
    issued_card.create(conn, checkfirst=True)


def _v3(conn: Connection) -> None:
    client_jti.create(conn, checkfirst=True)


#: Ordered migration steps; step i brings the schema to version i + 1. Append only.
MIGRATIONS: tuple[Callable[[Connection], None], ...] = (_v1, _v2, _v3)

#: PostgreSQL advisory lock taken while migrating (any constant the service alone uses:
#: "lncds" in ASCII).
MIGRATION_LOCK_KEY = 0x6C6E636473


@dataclass(frozen=True, slots=True)
class IssuedCard:
    card_uuid: str
    topic: str | None
    indicator: str | None
    issued_at: datetime


@dataclass(frozen=True, slots=True)
class SummaryRow:
    """Feedback counts per card topic, outcome and override reason."""

    topic: str | None
    outcome: str
    override_reason_code: str | None
    override_reason_display: str | None
    count: int


def _utc(value: datetime) -> datetime:
    return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)


class FeedbackStore:
    """Feedback persistence over one SQLAlchemy engine."""

    def __init__(self, url: str) -> None:
        # hide_parameters: a database error's text (and so any log line or traceback
        # quoting it) names the statement but never the values, which hold free text
        kwargs: dict[str, Any] = {"pool_pre_ping": True, "hide_parameters": True}
        if url.startswith("sqlite"):
            kwargs["connect_args"] = {"check_same_thread": False}
        self.engine: Engine = sa.create_engine(url, **kwargs)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    # -- schema -----------------------------------------------------------------
    def migrate(self) -> int:
        """Apply pending migration steps; returns the schema version."""
        with self.engine.begin() as conn:
            if self.dialect == "postgresql":
                # Replicas starting together on a fresh database would otherwise race:
                # both see no table, both create it, one fails at start-up. The lock is
                # held until this transaction ends; the second replica then finds the
                # schema current and applies nothing.
                conn.execute(sa.select(sa.func.pg_advisory_xact_lock(MIGRATION_LOCK_KEY)))
            schema_version.create(conn, checkfirst=True)
            current = conn.execute(sa.select(sa.func.max(schema_version.c.version))).scalar()
            version = int(current or 0)
            for index, step in enumerate(MIGRATIONS[version:], start=version + 1):
                step(conn)
                conn.execute(schema_version.insert().values(version=index))
                version = index
        return version

    async def open(self) -> int:
        return await anyio.to_thread.run_sync(self.migrate)

    def close(self) -> None:
        self.engine.dispose()

    def ping(self) -> bool:
        try:
            with self.engine.connect() as conn:
                conn.execute(sa.select(sa.func.count()).select_from(schema_version))
        except sa.exc.SQLAlchemyError:
            return False
        return True

    async def aping(self) -> bool:
        return await anyio.to_thread.run_sync(self.ping)

    def has_schema(self) -> bool:
        """Whether the feedback table exists (``migrate`` creates it when a service opens
        the store; ``feedback-report`` only reads)."""
        with self.engine.connect() as conn:
            return sa.inspect(conn).has_table(feedback.name)

    # -- writes -----------------------------------------------------------------
    def _insert_ignore(self, table: sa.Table, rows: list[dict[str, Any]]) -> int:
        if not rows:
            return 0
        insert = postgresql.insert if self.dialect == "postgresql" else sqlite.insert
        # Count what RETURNING gives back, not rowcount: on PostgreSQL (psycopg 3) SQLAlchemy
        # adds an implicit RETURNING for the autoincrement key and rowcount then reads 0.
        key = next(iter(table.primary_key.columns))
        statement = insert(table).on_conflict_do_nothing().returning(key)
        # One execution for all rows: SQLAlchemy 2 "insertmanyvalues" sends them as
        # multi-row INSERT ... RETURNING batches (speed: the card log writes a batch of
        # up to CARD_LOG_FLUSH_CARDS rows; one statement per row cost ~0.1 ms each).
        with self.engine.begin() as conn:
            return len(conn.execute(statement, rows).fetchall())

    def record(self, service_id: str, items: Sequence[FeedbackItem], received_at: datetime) -> int:
        """Store feedback items; returns how many were new."""
        rows = []
        for item in items:
            reason = item.overrideReason.reason if item.overrideReason else None
            rows.append(
                {
                    "service_id": service_id,
                    "card_uuid": item.card,
                    "outcome": item.outcome,
                    "outcome_timestamp": _utc(item.outcomeTimestamp),
                    "accepted_suggestions": [s.id for s in item.acceptedSuggestions],
                    "override_reason_code": reason.code if reason else None,
                    "override_reason_system": reason.system if reason else None,
                    "override_reason_display": reason.display if reason else None,
                    "user_comment": (
                        item.overrideReason.userComment if item.overrideReason else None
                    ),
                    "received_at": _utc(received_at),
                }
            )
        return self._insert_ignore(feedback, rows)

    async def arecord(
        self, service_id: str, items: Sequence[FeedbackItem], received_at: datetime
    ) -> int:
        return await anyio.to_thread.run_sync(self.record, service_id, items, received_at)

    def remember_cards(self, cards: Sequence[IssuedCard]) -> int:
        rows = [
            {
                "card_uuid": c.card_uuid,
                "topic": c.topic,
                "indicator": c.indicator,
                "issued_at": _utc(c.issued_at),
            }
            for c in cards
        ]
        return self._insert_ignore(issued_card, rows)

    # -- reads ------------------------------------------------------------------
    def count_feedback(self) -> int:
        with self.engine.connect() as conn:
            return int(conn.execute(sa.select(sa.func.count()).select_from(feedback)).scalar_one())

    def summary(self, since: datetime, until: datetime) -> list[SummaryRow]:
        """Counts by topic, outcome and override reason for outcomes in [since, until)."""
        count = sa.func.count().label("n")
        query = (
            sa.select(
                issued_card.c.topic,
                feedback.c.outcome,
                feedback.c.override_reason_code,
                sa.func.max(feedback.c.override_reason_display),
                count,
            )
            .select_from(
                feedback.outerjoin(issued_card, issued_card.c.card_uuid == feedback.c.card_uuid)
            )
            .where(feedback.c.outcome_timestamp >= _utc(since))
            .where(feedback.c.outcome_timestamp < _utc(until))
            .group_by(issued_card.c.topic, feedback.c.outcome, feedback.c.override_reason_code)
            .order_by(issued_card.c.topic, feedback.c.outcome, feedback.c.override_reason_code)
        )
        with self.engine.connect() as conn:
            return [
                SummaryRow(topic, outcome, code, display, int(n))
                for topic, outcome, code, display, n in conn.execute(query)
            ]


def sqlite_file(url: str) -> Path | None:
    """The database file a SQLite URL names; ``None`` for another database, in-memory
    SQLite or a ``file:`` URI (SQLite interprets those itself)."""
    parsed = sa.engine.make_url(url)
    if parsed.get_backend_name() != "sqlite" or "uri" in parsed.query:
        return None
    if parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


def issued_cards(cards: Sequence[dict[str, Any]], issued_at: datetime) -> list[IssuedCard]:
    """IssuedCard rows from rendered card JSON (cards without a uuid are skipped)."""
    out = []
    for card in cards:
        card_uuid = card.get("uuid")
        if not isinstance(card_uuid, str):
            continue
        source = card.get("source")
        topic = source.get("topic") if isinstance(source, dict) else None
        code = topic.get("code") if isinstance(topic, dict) else None
        indicator = card.get("indicator")
        out.append(
            IssuedCard(
                card_uuid,
                code if isinstance(code, str) else None,
                indicator if isinstance(indicator, str) else None,
                issued_at,
            )
        )
    return out


#: Issued-card log batching (see module docstring): a batch is committed when this many
#: cards are waiting, or this many seconds after the first waiting card.
CARD_LOG_FLUSH_CARDS = 256
CARD_LOG_FLUSH_SECONDS = 0.5
#: Cards waiting beyond this are dropped (logged): ~10 s of a busy worker's cards.
CARD_LOG_MAX_QUEUED = 5000


class CardLog:
    """Fire-and-forget recording of issued cards: bounded buffer, one batching writer task."""

    def __init__(
        self,
        store: FeedbackStore,
        max_queued: int = CARD_LOG_MAX_QUEUED,
        *,
        flush_cards: int = CARD_LOG_FLUSH_CARDS,
        flush_seconds: float = CARD_LOG_FLUSH_SECONDS,
    ) -> None:
        self._store = store
        self._max_queued = max_queued
        self._flush_cards = flush_cards
        self._flush_seconds = flush_seconds
        self._pending: list[IssuedCard] = []
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        #: Transactions committed (or attempted) by the writer; for tests and tuning.
        self.batches = 0

    @property
    def pending(self) -> int:
        """Cards accepted and not yet handed to the database."""
        return len(self._pending)

    def offer(self, cards: list[IssuedCard]) -> bool:
        """Buffer cards for writing; ``False`` (and a log line) when the buffer is full."""
        if not cards:
            return True
        waiting = len(self._pending)
        if waiting + len(cards) > self._max_queued:
            log.warning("issued-card queue full: cards not recorded", extra={"n": len(cards)})
            return False
        self._pending.extend(cards)
        if waiting == 0 or waiting + len(cards) >= self._flush_cards:
            self._wake.set()  # first waiting card starts the timer; a full batch ends it
        return True

    def start(self) -> None:
        self._task = asyncio.create_task(self._run())

    async def _run(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            if len(self._pending) < self._flush_cards:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self._flush_seconds)
                self._wake.clear()
            await self._flush()

    async def _flush(self) -> None:
        if not self._pending:
            return
        batch, self._pending = self._pending, []
        self.batches += 1
        try:
            await anyio.to_thread.run_sync(self._store.remember_cards, batch)
        except Exception:
            log.exception("recording issued cards failed", extra={"n": len(batch)})

    async def stop(self, timeout: float = 5.0) -> None:
        """Stop the writer (a batch being written is finished), then write what is left
        (at most ``timeout`` seconds)."""
        if self._task is None:
            return
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        self._task = None
        try:
            await asyncio.wait_for(self._flush(), timeout)
        except TimeoutError:
            log.warning("issued-card queue not drained at shutdown")
