"""Replay protection for client JWTs: a ``jti`` is accepted once per issuer until it expires.

CDS Hooks "Trusting CDS Clients": ``jti`` is "a nonce string value that uniquely identifies
this authentication JWT (used to protect against replay attacks)".

- ``SqlReplayCache`` (the app's default): the service's database (``LNCDS_DATABASE_URL``,
  table ``client_jti``), so the set survives restarts and is shared by every process on that
  database. One ``INSERT ... ON CONFLICT DO UPDATE ... WHERE expired RETURNING`` statement is
  the atomic check-and-set on SQLite and PostgreSQL alike; expired rows are purged at most
  once per ``purge_interval_seconds`` per process.
- ``RedisReplayCache`` (when ``LNCDS_REDIS_URL`` is set): shared by all replicas;
  ``SET key 1 NX EX ttl`` is the atomic check-and-set.
- ``MemoryReplayCache``: one process, forgotten on restart (tests, embedded use); bounded;
  expired entries pruned; when full, the entry that expires soonest is evicted (it is the
  one least likely to be replayed in time).

Keys are ``sha256`` digests of the length-prefixed (iss, jti) pair (``replay_digest``), so
attacker-chosen strings never become key names and their length is fixed. Entries live
until the token's last accepted instant; ``JwtPolicy.max_token_lifetime_seconds`` bounds
that to a few minutes, which bounds the store. A store that cannot be reached fails closed:
``ServiceUnavailable`` (503), never an accepted token, and the log names the error class only.
"""

from __future__ import annotations

import hashlib
import heapq
import logging
import math
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol, runtime_checkable

import anyio.to_thread
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from cds_service.errors import ServiceUnavailable

if TYPE_CHECKING:
    from redis.asyncio import Redis
    from sqlalchemy.engine import Engine

__all__ = [
    "MemoryReplayCache",
    "RedisReplayCache",
    "ReplayCache",
    "SqlReplayCache",
    "client_jti",
    "replay_digest",
    "replay_key",
]

log = logging.getLogger(__name__)

#: The jti set in the service's database; created by migration 3 of
#: ``cds_service.feedback_store.MIGRATIONS`` (the database's one versioned schema).
client_jti = sa.Table(
    "client_jti",
    sa.MetaData(),
    sa.Column("key", sa.String(64), primary_key=True),  # replay_digest(iss, jti)
    sa.Column("expires_at", sa.BigInteger, nullable=False),  # epoch seconds, rounded up
    sa.Index("ix_client_jti_expires_at", "expires_at"),
)


@runtime_checkable
class ReplayCache(Protocol):
    """Atomic check-and-set of (iss, jti) pairs until ``expires_at`` (epoch seconds)."""

    async def seen_before(self, iss: str, jti: str, expires_at: float) -> bool:
        """Record (iss, jti) and return True if it was already recorded and not yet expired."""
        ...


def replay_digest(iss: str, jti: str) -> str:
    """64 hex characters for (iss, jti). The issuer is length-prefixed, so distinct pairs never
    hash the same input (plain concatenation would let ``("a", "bc")`` collide with
    ``("ab", "c")``)."""
    return hashlib.sha256(f"{len(iss)}:{iss}{jti}".encode()).hexdigest()


def replay_key(iss: str, jti: str, namespace: str = "lncds:jti") -> str:
    """Fixed-length, namespaced key for (iss, jti): ``<namespace>:<replay_digest>``."""
    return f"{namespace}:{replay_digest(iss, jti)}"


class MemoryReplayCache:
    """In-process replay cache (single replica or tests). Not shared between workers."""

    def __init__(
        self,
        max_entries: int = 100_000,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if max_entries < 1:
            raise ValueError("max_entries must be at least 1")
        self._max = max_entries
        self._clock = clock
        self._expiry: dict[str, float] = {}
        # Min-heap of (expires_at, key); may hold stale pairs for keys re-added later, which
        # are skipped when popped (their expiry no longer matches the dict).
        self._heap: list[tuple[float, str]] = []

    def __len__(self) -> int:
        return len(self._expiry)

    async def seen_before(self, iss: str, jti: str, expires_at: float) -> bool:
        """Record (iss, jti) until ``expires_at``; True if already recorded and unexpired.

        No ``await`` inside, so the check-and-set is atomic on one event loop.
        """
        now = self._clock()
        self._prune(now)
        key = replay_key(iss, jti)
        if key in self._expiry:
            return True
        if expires_at <= now:
            return False  # already expired: the verifier rejects it anyway; nothing to keep
        while len(self._expiry) >= self._max:
            self._evict_soonest()
        self._expiry[key] = expires_at
        heapq.heappush(self._heap, (expires_at, key))
        return False

    def _prune(self, now: float) -> None:
        while self._heap and self._heap[0][0] <= now:
            expires_at, key = heapq.heappop(self._heap)
            if self._expiry.get(key) == expires_at:
                del self._expiry[key]

    def _evict_soonest(self) -> None:
        while self._heap:
            expires_at, key = heapq.heappop(self._heap)
            if self._expiry.get(key) == expires_at:
                del self._expiry[key]
                return


class RedisReplayCache:
    """Replay cache shared by replicas through Redis (``redis.asyncio``)."""

    def __init__(
        self,
        redis_url: str | None = None,
        *,
        client: Redis | None = None,
        namespace: str = "lncds:jti",
        clock: Callable[[], float] = time.time,
    ) -> None:
        if client is None:
            if redis_url is None:
                raise ValueError("RedisReplayCache needs redis_url or client")
            from redis.asyncio import Redis  # optional dependency: extra "redis"

            client = Redis.from_url(redis_url)
        self._redis: Redis = client
        self.namespace = namespace
        self._clock = clock

    async def seen_before(self, iss: str, jti: str, expires_at: float) -> bool:
        """``SET NX EX``: True when the key already existed (a replay)."""
        from redis.exceptions import RedisError

        ttl = math.ceil(expires_at - self._clock())
        if ttl <= 0:
            return False  # already expired: the verifier rejects it anyway
        key = replay_key(iss, jti, self.namespace)
        try:
            created = await self._redis.set(key, b"1", nx=True, ex=ttl)
        except RedisError as exc:
            log.error("jti replay store unavailable (redis): %s", type(exc).__name__)
            raise ServiceUnavailable() from None
        return not created

    async def aclose(self) -> None:
        """Close the connection pool (call from the app lifespan)."""
        await self._redis.aclose()


class SqlReplayCache:
    """Replay cache in the service's database: durable, shared by every process using it.

    ``engine`` is the feedback store's (``FeedbackStore.engine``), already migrated; the
    cache does not own it. Blocking database calls run off the event loop.
    """

    def __init__(
        self,
        engine: Engine,
        *,
        purge_interval_seconds: float = 60.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if purge_interval_seconds < 0:
            raise ValueError("purge_interval_seconds must be >= 0")
        self._engine = engine
        self._purge_interval = purge_interval_seconds
        self._clock = clock
        self._next_purge = -math.inf  # the first check purges what a previous run left
        insert = postgresql.insert if engine.dialect.name == "postgresql" else sqlite.insert
        statement = insert(client_jti)
        # A row whose expiry has passed is taken over by the new token (the same pair may be
        # used again once forgotten, as with Redis); an unexpired row makes the insert a
        # no-op and RETURNING yields nothing: a replay.
        self._check_and_set = statement.on_conflict_do_update(
            index_elements=[client_jti.c.key],
            set_={"expires_at": statement.excluded.expires_at},
            where=client_jti.c.expires_at <= sa.bindparam("now"),
        ).returning(client_jti.c.key)
        self._purge = client_jti.delete().where(client_jti.c.expires_at <= sa.bindparam("now"))

    async def seen_before(self, iss: str, jti: str, expires_at: float) -> bool:
        """Record (iss, jti) until ``expires_at``; True if already recorded and unexpired."""
        now = self._clock()
        if expires_at <= now:
            return False  # already expired: the verifier rejects it anyway; nothing to keep
        try:
            return await anyio.to_thread.run_sync(
                self._record, replay_digest(iss, jti), math.ceil(expires_at), math.floor(now)
            )
        except sa.exc.SQLAlchemyError as exc:
            log.error("jti replay store unavailable (database): %s", type(exc).__name__)
            raise ServiceUnavailable() from None

    def _record(self, key: str, expires_at: int, now: int) -> bool:
        with self._engine.begin() as conn:
            if now >= self._next_purge:
                self._next_purge = now + self._purge_interval
                conn.execute(self._purge, {"now": now})
            row = conn.execute(
                self._check_and_set, {"key": key, "expires_at": expires_at, "now": now}
            ).first()
        return row is None

    def count(self) -> int:
        """Rows currently stored, expired ones included until the next purge (for tests)."""
        query = sa.select(sa.func.count()).select_from(client_jti)
        with self._engine.connect() as conn:
            return int(conn.execute(query).scalar_one())
