"""Replay caches: in-memory (expiry, bounds) and Redis (SET NX EX, shared between replicas)."""

from __future__ import annotations

import asyncio
import os
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from redis.asyncio import Redis

from cds_service.replay_cache import (
    MemoryReplayCache,
    RedisReplayCache,
    ReplayCache,
    replay_key,
)

from .conftest import NOW, FakeClock

pytestmark = pytest.mark.anyio

REDIS_URL = os.environ.get("LNCDS_TEST_REDIS_URL")


class TestReplayKey:
    def test_fixed_length_and_namespaced(self) -> None:
        """Keys are '<namespace>:<64 hex>' whatever the length of iss and jti."""
        key = replay_key("https://ehr.example", "x" * 5000, namespace="ns")
        assert key.startswith("ns:")
        assert len(key) == len("ns:") + 64

    @pytest.mark.parametrize(
        ("first", "second"),
        [(("a", "bc"), ("ab", "c")), (("iss", "jti"), ("iss", "jti2")), (("a", ""), ("", "a"))],
    )
    def test_distinct_pairs_give_distinct_keys(
        self, first: tuple[str, str], second: tuple[str, str]
    ) -> None:
        """Pairs that concatenate to the same text still get different keys."""
        assert replay_key(*first) != replay_key(*second)


class TestMemoryReplayCache:
    async def test_is_a_replay_cache(self) -> None:
        """MemoryReplayCache satisfies the ReplayCache protocol."""
        assert isinstance(MemoryReplayCache(), ReplayCache)

    async def test_second_sighting_is_a_replay(self, clock: FakeClock) -> None:
        """The first sighting of (iss, jti) returns False, the second True."""
        cache = MemoryReplayCache(clock=clock)
        assert await cache.seen_before("iss", "j", NOW + 60) is False
        assert await cache.seen_before("iss", "j", NOW + 60) is True

    async def test_scoped_by_issuer(self, clock: FakeClock) -> None:
        """The same jti from two issuers is two entries."""
        cache = MemoryReplayCache(clock=clock)
        assert await cache.seen_before("a", "j", NOW + 60) is False
        assert await cache.seen_before("b", "j", NOW + 60) is False

    @pytest.mark.parametrize(("elapsed", "replay"), [(59, True), (60, False), (61, False)])
    async def test_entries_expire(self, clock: FakeClock, elapsed: float, replay: bool) -> None:
        """An entry is remembered until its expiry and forgotten from then on."""
        cache = MemoryReplayCache(clock=clock)
        await cache.seen_before("iss", "j", NOW + 60)
        clock.advance(elapsed)
        assert await cache.seen_before("iss", "j", NOW + 120) is replay

    async def test_expired_entries_are_pruned(self, clock: FakeClock) -> None:
        """Expired entries leave the cache on the next call."""
        cache = MemoryReplayCache(clock=clock)
        for i in range(10):
            await cache.seen_before("iss", f"j{i}", NOW + 10)
        clock.advance(11)
        await cache.seen_before("iss", "new", NOW + 100)
        assert len(cache) == 1

    async def test_already_expired_is_not_stored(self, clock: FakeClock) -> None:
        """A pair whose expiry has passed is not a replay and is not recorded."""
        cache = MemoryReplayCache(clock=clock)
        assert await cache.seen_before("iss", "j", NOW - 1) is False
        assert len(cache) == 0

    async def test_bounded_dropping_the_soonest_expiring(self, clock: FakeClock) -> None:
        """When full, the entry expiring soonest is dropped; the others are kept."""
        cache = MemoryReplayCache(max_entries=3, clock=clock)
        await cache.seen_before("iss", "late", NOW + 300)
        await cache.seen_before("iss", "soon", NOW + 10)
        await cache.seen_before("iss", "mid", NOW + 100)
        await cache.seen_before("iss", "new", NOW + 200)
        assert len(cache) == 3
        assert await cache.seen_before("iss", "late", NOW + 300) is True
        assert await cache.seen_before("iss", "mid", NOW + 100) is True
        assert await cache.seen_before("iss", "new", NOW + 200) is True
        assert len(cache) == 3

    async def test_evicted_entry_is_forgotten(self, clock: FakeClock) -> None:
        """The evicted (soonest-expiring) entry is no longer recognised."""
        cache = MemoryReplayCache(max_entries=2, clock=clock)
        await cache.seen_before("iss", "soon", NOW + 10)
        await cache.seen_before("iss", "late", NOW + 300)
        await cache.seen_before("iss", "new", NOW + 200)
        assert await cache.seen_before("iss", "soon", NOW + 10) is False

    def test_refuses_zero_capacity(self) -> None:
        """A cache that can hold nothing would accept every replay: refused."""
        with pytest.raises(ValueError, match="max_entries"):
            MemoryReplayCache(max_entries=0)


class FakeRedis:
    """Records SET calls and emulates NX (enough to check the arguments we send)."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, Any, dict[str, Any]]] = []
        self.store: set[str] = set()

    async def set(self, name: str, value: Any, **kwargs: Any) -> bool | None:
        self.calls.append((name, value, kwargs))
        if kwargs.get("nx") and name in self.store:
            return None
        self.store.add(name)
        return True

    async def aclose(self) -> None:
        """Nothing to close."""


class TestRedisReplayCacheCommands:
    async def test_sends_set_nx_ex_with_remaining_lifetime(self, clock: FakeClock) -> None:
        """Each check is one SET key NX EX <seconds to expiry, rounded up> on a hashed key."""
        fake = FakeRedis()
        cache = RedisReplayCache(client=fake, namespace="t", clock=clock)  # type: ignore[arg-type]
        assert await cache.seen_before("iss", "j", NOW + 90.2) is False
        assert await cache.seen_before("iss", "j", NOW + 90.2) is True
        name, value, kwargs = fake.calls[0]
        assert name == replay_key("iss", "j", "t")
        assert value == b"1"
        assert kwargs == {"nx": True, "ex": 91}

    async def test_expired_pair_sends_nothing(self, clock: FakeClock) -> None:
        """An already expired pair is not a replay and costs no round trip."""
        fake = FakeRedis()
        cache = RedisReplayCache(client=fake, clock=clock)  # type: ignore[arg-type]
        assert await cache.seen_before("iss", "j", NOW) is False
        assert fake.calls == []

    def test_needs_a_url_or_a_client(self) -> None:
        """Constructing without a URL or client is a configuration error."""
        with pytest.raises(ValueError, match="redis_url"):
            RedisReplayCache()


@pytest.fixture
async def redis_caches() -> AsyncIterator[tuple[RedisReplayCache, RedisReplayCache]]:
    if REDIS_URL is None:
        pytest.skip("LNCDS_TEST_REDIS_URL not set: no Redis server for this run")
    namespace = f"lncds-test:{uuid.uuid4()}"
    first = RedisReplayCache(REDIS_URL, namespace=namespace)
    second = RedisReplayCache(REDIS_URL, namespace=namespace)
    yield first, second
    await first.aclose()
    await second.aclose()


class TestRedisReplayCacheLive:
    async def test_shared_between_replicas(
        self, redis_caches: tuple[RedisReplayCache, RedisReplayCache]
    ) -> None:
        """A jti recorded through one replica's cache is a replay through another's."""
        first, second = redis_caches
        jti = str(uuid.uuid4())
        assert await first.seen_before("iss", jti, _epoch() + 60) is False
        assert await second.seen_before("iss", jti, _epoch() + 60) is True
        assert await second.seen_before("other-iss", jti, _epoch() + 60) is False

    async def test_key_expires_with_the_token(
        self, redis_caches: tuple[RedisReplayCache, RedisReplayCache]
    ) -> None:
        """The Redis key carries a TTL no longer than the token's remaining lifetime."""
        first, _ = redis_caches
        jti = str(uuid.uuid4())
        await first.seen_before("iss", jti, _epoch() + 60)
        probe = Redis.from_url(str(REDIS_URL))
        try:
            ttl = await probe.ttl(replay_key("iss", jti, first.namespace))
        finally:
            await probe.aclose()
        assert 0 < ttl <= 61

    async def test_concurrent_checks_admit_exactly_one(
        self, redis_caches: tuple[RedisReplayCache, RedisReplayCache]
    ) -> None:
        """Of many simultaneous first sightings of one jti, exactly one is not a replay."""
        first, second = redis_caches
        jti = str(uuid.uuid4())
        results = await asyncio.gather(
            *(c.seen_before("iss", jti, _epoch() + 60) for c in (first, second) * 10)
        )
        assert results.count(False) == 1


def _epoch() -> float:
    return time.time()
