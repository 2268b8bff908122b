"""Replay protection for client JWTs: a ``jti`` is accepted once per issuer until it expires.

CDS Hooks "Trusting CDS Clients": ``jti`` is "a nonce string value that uniquely identifies
this authentication JWT (used to protect against replay attacks)".

- ``MemoryReplayCache``: one process; bounded; expired entries pruned; when full, the entry
  that expires soonest is evicted (it is the one least likely to be replayed in time).
- ``RedisReplayCache``: shared by all replicas; ``SET key 1 NX EX ttl`` is the atomic
  check-and-set. Keys are ``<namespace>:<sha256(iss NUL jti)>`` so attacker-chosen strings never
  become Redis key names and their length is fixed.
"""

from __future__ import annotations

import hashlib
import heapq
import math
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:
    from redis.asyncio import Redis

__all__ = ["MemoryReplayCache", "RedisReplayCache", "ReplayCache", "replay_key"]


@runtime_checkable
class ReplayCache(Protocol):
    """Atomic check-and-set of (iss, jti) pairs until ``expires_at`` (epoch seconds)."""

    async def seen_before(self, iss: str, jti: str, expires_at: float) -> bool:
        """Record (iss, jti) and return True if it was already recorded and not yet expired."""
        ...


def replay_key(iss: str, jti: str, namespace: str = "lncds:jti") -> str:
    """Fixed-length, namespaced key for (iss, jti). The issuer is length-prefixed, so distinct
    pairs never hash the same input (plain concatenation would let ``("a", "bc")`` collide with
    ``("ab", "c")``)."""
    digest = hashlib.sha256(f"{len(iss)}:{iss}{jti}".encode()).hexdigest()
    return f"{namespace}:{digest}"


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
        ttl = math.ceil(expires_at - self._clock())
        if ttl <= 0:
            return False  # already expired: the verifier rejects it anyway
        created = await self._redis.set(replay_key(iss, jti, self.namespace), b"1", nx=True, ex=ttl)
        return not created

    async def aclose(self) -> None:
        """Close the connection pool (call from the app lifespan)."""
        await self._redis.aclose()
