"""Replay caches: in-memory (expiry, bounds) and Redis (SET NX EX, shared between replicas)."""

from __future__ import annotations

import asyncio
import os
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from redis.asyncio import Redis
from redis.exceptions import ConnectionError as RedisConnectionError

from cds_service.errors import ServiceUnavailable
from cds_service.feedback_store import FeedbackStore
from cds_service.replay_cache import (
    MemoryReplayCache,
    RedisReplayCache,
    ReplayCache,
    SqlReplayCache,
    client_jti,
    replay_digest,
    replay_key,
)
from tests.security._helpers import NOW, FakeClock

pytestmark = pytest.mark.anyio

REDIS_URL = os.environ.get("LNCDS_TEST_REDIS_URL")
POSTGRES_URL = os.environ.get("LNCDS_TEST_POSTGRES_URL")


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

    async def test_unreachable_redis_fails_closed(
        self, clock: FakeClock, caplog: pytest.LogCaptureFixture
    ) -> None:
        """A Redis error is a 503 (ServiceUnavailable), never an accepted token, and the log
        names the error class only."""

        class DownRedis(FakeRedis):
            async def set(self, name: str, value: Any, **kwargs: Any) -> bool | None:
                raise RedisConnectionError("connection refused by redis://:hunter2@cache:6379")

        cache = RedisReplayCache(client=DownRedis(), clock=clock)  # type: ignore[arg-type]
        with pytest.raises(ServiceUnavailable):
            await cache.seen_before("iss", "j", NOW + 60)
        assert "ConnectionError" in caplog.text
        assert "hunter2" not in caplog.text


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


@pytest.mark.slow  # needs Redis
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


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, tmp_path: Any) -> str:
    """A migrated service database: a SQLite file, or the test PostgreSQL when configured."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'service.sqlite3'}"
    elif POSTGRES_URL is None:
        pytest.skip("LNCDS_TEST_POSTGRES_URL not set: no PostgreSQL server for this run")
    else:
        url = POSTGRES_URL
    store = FeedbackStore(url)
    store.migrate()
    store.close()
    return url


@pytest.fixture
def engines(database_url: str) -> Iterator[Callable[[], sa.Engine]]:
    """Fresh engines on the database (one per simulated process), disposed afterwards."""
    made: list[sa.Engine] = []

    def factory() -> sa.Engine:
        made.append(sa.create_engine(database_url))
        return made[-1]

    yield factory
    for engine in made:
        engine.dispose()


def stored(engine: sa.Engine, iss: str, jti: str) -> bool:
    """Whether the database holds a row for (iss, jti), expired or not."""
    query = sa.select(sa.func.count()).where(client_jti.c.key == replay_digest(iss, jti))
    with engine.connect() as conn:
        return bool(conn.execute(query.select_from(client_jti)).scalar_one())


class TestSqlReplayCache:
    async def test_is_a_replay_cache(self, engines: Callable[[], sa.Engine]) -> None:
        """SqlReplayCache satisfies the ReplayCache protocol."""
        assert isinstance(SqlReplayCache(engines()), ReplayCache)

    async def test_second_sighting_is_a_replay(
        self, engines: Callable[[], sa.Engine], clock: FakeClock
    ) -> None:
        """The first sighting of (iss, jti) returns False, the second True; issuers are
        separate."""
        cache = SqlReplayCache(engines(), clock=clock)
        jti = str(uuid.uuid4())
        assert await cache.seen_before("iss", jti, NOW + 60) is False
        assert await cache.seen_before("iss", jti, NOW + 60) is True
        assert await cache.seen_before("other-iss", jti, NOW + 60) is False

    async def test_survives_a_restart(
        self, engines: Callable[[], sa.Engine], clock: FakeClock
    ) -> None:
        """A jti recorded by one process is a replay for a new process on the same database."""
        jti = str(uuid.uuid4())
        first = engines()
        assert await SqlReplayCache(first, clock=clock).seen_before("iss", jti, NOW + 60) is False
        first.dispose()
        restarted = SqlReplayCache(engines(), clock=clock)
        assert await restarted.seen_before("iss", jti, NOW + 60) is True

    @pytest.mark.parametrize(("elapsed", "replay"), [(59, True), (60, False)])
    async def test_entries_expire(
        self, engines: Callable[[], sa.Engine], clock: FakeClock, elapsed: float, replay: bool
    ) -> None:
        """An entry is remembered until its expiry, then the pair may be recorded again."""
        cache = SqlReplayCache(engines(), clock=clock)
        jti = str(uuid.uuid4())
        await cache.seen_before("iss", jti, NOW + 60)
        clock.advance(elapsed)
        assert await cache.seen_before("iss", jti, NOW + 120) is replay
        assert await cache.seen_before("iss", jti, NOW + 120) is True

    async def test_expired_entries_are_purged(
        self, engines: Callable[[], sa.Engine], clock: FakeClock
    ) -> None:
        """Rows whose expiry has passed are deleted on the first check after the purge
        interval; unexpired rows stay."""
        engine = engines()
        cache = SqlReplayCache(engine, purge_interval_seconds=60, clock=clock)
        old, young = str(uuid.uuid4()), str(uuid.uuid4())
        await cache.seen_before("iss", old, NOW + 10)
        await cache.seen_before("iss", young, NOW + 600)
        clock.advance(30)  # old has expired, but the purge interval has not passed
        await cache.seen_before("iss", str(uuid.uuid4()), NOW + 600)
        assert stored(engine, "iss", old)
        clock.advance(31)
        await cache.seen_before("iss", str(uuid.uuid4()), NOW + 600)
        assert not stored(engine, "iss", old)
        assert stored(engine, "iss", young)

    async def test_already_expired_is_not_stored(
        self, engines: Callable[[], sa.Engine], clock: FakeClock
    ) -> None:
        """A pair whose expiry has passed is not a replay and writes nothing."""
        engine = engines()
        jti = str(uuid.uuid4())
        assert await SqlReplayCache(engine, clock=clock).seen_before("iss", jti, NOW) is False
        assert not stored(engine, "iss", jti)

    async def test_concurrent_checks_admit_exactly_one(
        self, engines: Callable[[], sa.Engine], clock: FakeClock
    ) -> None:
        """Of many simultaneous first sightings of one jti through two processes' caches,
        exactly one is not a replay."""
        caches = (SqlReplayCache(engines(), clock=clock), SqlReplayCache(engines(), clock=clock))
        jti = str(uuid.uuid4())
        results = await asyncio.gather(
            *(cache.seen_before("iss", jti, NOW + 60) for cache in caches * 10)
        )
        assert results.count(False) == 1

    async def test_unmigrated_database_fails_closed(
        self, tmp_path: Any, clock: FakeClock, caplog: pytest.LogCaptureFixture
    ) -> None:
        """A database error is a 503 (ServiceUnavailable), never an accepted token; the log
        names the error class only."""
        engine = sa.create_engine(f"sqlite:///{tmp_path / 'empty.sqlite3'}")
        try:
            with pytest.raises(ServiceUnavailable):
                await SqlReplayCache(engine, clock=clock).seen_before("iss", "j", NOW + 60)
        finally:
            engine.dispose()
        assert "OperationalError" in caplog.text
        assert "client_jti" not in caplog.text

    def test_refuses_a_negative_purge_interval(self, engines: Callable[[], sa.Engine]) -> None:
        """A negative purge interval is a programming error."""
        with pytest.raises(ValueError, match="purge_interval_seconds"):
            SqlReplayCache(engines(), purge_interval_seconds=-1)
