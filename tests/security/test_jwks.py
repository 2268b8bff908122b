"""JwksCache: TTL, rate-limited refetch on unknown kid (rotation), coalescing, failures."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from cds_service.auth import JwtRejected, JwtVerifier
from cds_service.jwks import MAX_JWKS_BYTES, JwksCache, JwksUnavailable, KeyNotFound
from tests.security._helpers import (
    EC_KID,
    JWKS_URL,
    PATH,
    RSA_KID,
    FakeClock,
    JwksServer,
    TokenFactory,
    public_jwk,
)

pytestmark = pytest.mark.anyio


class TestGetKey:
    async def test_returns_the_key_for_kid_and_alg(
        self, jwks_cache: JwksCache, jwks_server: JwksServer
    ) -> None:
        """A known kid yields a PyJWK bound to the requested algorithm."""
        key = await jwks_cache.get_key(JWKS_URL, EC_KID, "ES384")
        assert isinstance(key, jwt.PyJWK)
        assert key.algorithm_name == "ES384"
        assert jwks_server.requests == 1

    async def test_cached_within_ttl(
        self, jwks_cache: JwksCache, jwks_server: JwksServer, clock: FakeClock
    ) -> None:
        """Lookups within the TTL do not refetch."""
        for _ in range(5):
            await jwks_cache.get_key(JWKS_URL, EC_KID, "ES384")
            clock.advance(50)
        assert jwks_server.requests == 1

    async def test_refetched_after_ttl(
        self, jwks_cache: JwksCache, jwks_server: JwksServer, clock: FakeClock
    ) -> None:
        """After the TTL (300 s) the next lookup refetches the set."""
        await jwks_cache.get_key(JWKS_URL, EC_KID, "ES384")
        clock.advance(300)
        await jwks_cache.get_key(JWKS_URL, EC_KID, "ES384")
        assert jwks_server.requests == 2

    async def test_rsa_key_without_alg_is_usable_with_rs384(
        self, jwks_cache: JwksCache, jwks_server: JwksServer, rsa_key: rsa.RSAPrivateKey
    ) -> None:
        """An RSA JWK without 'alg' is bound to the token's alg (PyJWK would assume RS256)."""
        jwks_server.documents[JWKS_URL] = {"keys": [public_jwk(rsa_key, "bare")]}
        key = await jwks_cache.get_key(JWKS_URL, "bare", "RS384")
        assert key.algorithm_name == "RS384"

    @pytest.mark.parametrize(
        ("kid", "alg"),
        [
            (EC_KID, "RS384"),  # EC key used for an RSA algorithm
            (RSA_KID, "ES384"),  # RSA key used for an EC algorithm
            (EC_KID, "ES512"),  # declared alg ES384 differs from the token's
        ],
    )
    async def test_key_and_alg_must_agree(self, jwks_cache: JwksCache, kid: str, alg: str) -> None:
        """A key is never used with an algorithm its type, curve or declared alg contradicts."""
        with pytest.raises(KeyNotFound):
            await jwks_cache.get_key(JWKS_URL, kid, alg)

    async def test_p256_key_refused_for_es384(
        self, jwks_cache: JwksCache, jwks_server: JwksServer
    ) -> None:
        """A P-256 key without alg cannot verify ES384 (ES384 is defined on P-384)."""
        p256 = ec.generate_private_key(ec.SECP256R1())
        jwks_server.documents[JWKS_URL] = {"keys": [public_jwk(p256, "p256")]}
        with pytest.raises(KeyNotFound, match="curve"):
            await jwks_cache.get_key(JWKS_URL, "p256", "ES384")

    async def test_errors_are_jwt_rejections(self, jwks_cache: JwksCache) -> None:
        """Cache errors are JwtRejected, so the HTTP layer maps them to 401 like the rest."""
        with pytest.raises(JwtRejected):
            await jwks_cache.get_key(JWKS_URL, "nope", "ES384")


class TestRotation:
    async def test_unknown_kid_refetches_and_finds_the_rotated_key(
        self,
        verifier: JwtVerifier,
        jwks_server: JwksServer,
        clock: FakeClock,
        make_token: TokenFactory,
        ec_key_2: ec.EllipticCurvePrivateKey,
    ) -> None:
        """After a rotation, a token with the new kid triggers one refetch and is accepted."""
        await verifier.verify(f"Bearer {make_token()}", PATH)
        jwks_server.documents[JWKS_URL] = {"keys": [public_jwk(ec_key_2, "ec-key-2", "ES384")]}
        clock.advance(31)
        token = make_token(key=ec_key_2, header={"kid": "ec-key-2"})
        assert (await verifier.verify(f"Bearer {token}", PATH)).kid == "ec-key-2"
        assert jwks_server.requests == 2

    async def test_flood_of_unknown_kids_fetches_at_most_once_per_interval(
        self, jwks_cache: JwksCache, jwks_server: JwksServer, clock: FakeClock
    ) -> None:
        """Many unknown kids within the 30 s interval cause one refetch, then one more after it."""
        await jwks_cache.get_key(JWKS_URL, EC_KID, "ES384")
        clock.advance(30)
        for i in range(50):
            with pytest.raises(KeyNotFound):
                await jwks_cache.get_key(JWKS_URL, f"invented-{i}", "ES384")
        assert jwks_server.requests == 2
        clock.advance(29)
        with pytest.raises(KeyNotFound):
            await jwks_cache.get_key(JWKS_URL, "invented-x", "ES384")
        assert jwks_server.requests == 2
        clock.advance(1)
        with pytest.raises(KeyNotFound):
            await jwks_cache.get_key(JWKS_URL, "invented-y", "ES384")
        assert jwks_server.requests == 3

    async def test_unknown_kid_right_after_a_fetch_does_not_refetch(
        self, jwks_cache: JwksCache, jwks_server: JwksServer
    ) -> None:
        """An unknown kid less than the interval after the first fetch is rejected directly."""
        await jwks_cache.get_key(JWKS_URL, EC_KID, "ES384")
        with pytest.raises(KeyNotFound, match="unknown kid"):
            await jwks_cache.get_key(JWKS_URL, "new", "ES384")
        assert jwks_server.requests == 1

    async def test_concurrent_lookups_share_one_fetch(
        self, jwks_server: JwksServer, clock: FakeClock
    ) -> None:
        """Concurrent lookups of one URL on a cold cache cause a single HTTP fetch."""
        gate = asyncio.Event()

        async def slow_handler(request: httpx.Request) -> httpx.Response:
            await gate.wait()
            return jwks_server.handler(request)

        async with httpx.AsyncClient(transport=httpx.MockTransport(slow_handler)) as http:
            cache = JwksCache(http, clock=clock)
            tasks = [
                asyncio.create_task(cache.get_key(JWKS_URL, EC_KID, "ES384")) for _ in range(20)
            ]
            await asyncio.sleep(0)
            gate.set()
            keys = await asyncio.gather(*tasks)
        assert jwks_server.requests == 1
        assert all(k is keys[0] for k in keys)


class TestFailures:
    async def test_fetch_error_keeps_serving_unexpired_keys(
        self, jwks_cache: JwksCache, jwks_server: JwksServer, clock: FakeClock
    ) -> None:
        """A failed refetch (unknown kid, server 500) does not evict keys still within TTL."""
        await jwks_cache.get_key(JWKS_URL, EC_KID, "ES384")
        jwks_server.status = 500
        clock.advance(60)
        with pytest.raises(KeyNotFound):
            await jwks_cache.get_key(JWKS_URL, "rotated", "ES384")
        assert jwks_server.requests == 2
        key = await jwks_cache.get_key(JWKS_URL, EC_KID, "ES384")
        assert key.algorithm_name == "ES384"

    async def test_expired_keys_are_not_served_when_refetch_fails(
        self, jwks_cache: JwksCache, jwks_server: JwksServer, clock: FakeClock
    ) -> None:
        """Past the TTL with the endpoint down, the cache refuses (stale keys are not trusted)."""
        await jwks_cache.get_key(JWKS_URL, EC_KID, "ES384")
        jwks_server.status = 503
        clock.advance(301)
        with pytest.raises(JwksUnavailable):
            await jwks_cache.get_key(JWKS_URL, EC_KID, "ES384")

    async def test_stale_if_error_window(
        self, http: httpx.AsyncClient, jwks_server: JwksServer, clock: FakeClock
    ) -> None:
        """With stale_if_error_seconds, keys outlive a failed refresh for that long only."""
        cache = JwksCache(http, stale_if_error_seconds=600, clock=clock)
        await cache.get_key(JWKS_URL, EC_KID, "ES384")
        jwks_server.status = 503
        clock.advance(301)
        assert (await cache.get_key(JWKS_URL, EC_KID, "ES384")).algorithm_name == "ES384"
        clock.advance(600)
        with pytest.raises(JwksUnavailable):
            await cache.get_key(JWKS_URL, EC_KID, "ES384")

    async def test_cold_cache_failures_are_rate_limited_too(
        self, jwks_cache: JwksCache, jwks_server: JwksServer, clock: FakeClock
    ) -> None:
        """With the endpoint down and nothing cached, attempts are at most one per interval."""
        jwks_server.status = 500
        for _ in range(10):
            with pytest.raises(JwksUnavailable):
                await jwks_cache.get_key(JWKS_URL, EC_KID, "ES384")
        assert jwks_server.requests == 1
        jwks_server.status = 200
        clock.advance(30)
        assert (await jwks_cache.get_key(JWKS_URL, EC_KID, "ES384")).key_id == EC_KID

    async def test_transport_error(self, clock: FakeClock) -> None:
        """A connection failure becomes JwksUnavailable."""

        def broken(request: httpx.Request) -> httpx.Response:
            raise httpx.ConnectError("refused", request=request)

        async with httpx.AsyncClient(transport=httpx.MockTransport(broken)) as http:
            with pytest.raises(JwksUnavailable):
                await JwksCache(http, clock=clock).get_key(JWKS_URL, EC_KID, "ES384")

    @pytest.mark.parametrize(
        "body",
        [
            b"not json",
            b"[]",
            b'{"keys": {}}',
            b'{"keys": []}',
            b'{"keys": [{"kty": "oct", "kid": "s", "k": "c2VjcmV0"}]}',
            b" " * (MAX_JWKS_BYTES + 1),
        ],
    )
    async def test_unusable_documents(
        self, jwks_cache: JwksCache, jwks_server: JwksServer, body: bytes
    ) -> None:
        """Non-JSON, keyless, symmetric-only or oversized JWK Sets are refused."""
        jwks_server.raw_body = body
        with pytest.raises(JwksUnavailable):
            await jwks_cache.get_key(JWKS_URL, "s", "ES384")


class TestParsing:
    @pytest.mark.parametrize(
        "extra",
        [{"use": "enc"}, {"d": "private-part"}],
    )
    async def test_skips_encryption_and_private_keys(
        self,
        jwks_cache: JwksCache,
        jwks_server: JwksServer,
        ec_key_2: ec.EllipticCurvePrivateKey,
        extra: dict[str, Any],
    ) -> None:
        """Keys marked use=enc, or carrying private material, are never used to verify."""
        jwks_server.documents[JWKS_URL]["keys"].append(public_jwk(ec_key_2, "odd", **extra))
        with pytest.raises(KeyNotFound):
            await jwks_cache.get_key(JWKS_URL, "odd", "ES384")
        assert (await jwks_cache.get_key(JWKS_URL, EC_KID, "ES384")).key_id == EC_KID

    async def test_duplicate_kid_is_dropped(
        self,
        jwks_cache: JwksCache,
        jwks_server: JwksServer,
        ec_key_2: ec.EllipticCurvePrivateKey,
    ) -> None:
        """A kid that appears twice in the set is ambiguous and not used at all."""
        jwks_server.documents[JWKS_URL]["keys"].append(public_jwk(ec_key_2, EC_KID, "ES384"))
        with pytest.raises(KeyNotFound):
            await jwks_cache.get_key(JWKS_URL, EC_KID, "ES384")
        assert (await jwks_cache.get_key(JWKS_URL, RSA_KID, "RS384")).key_id == RSA_KID

    async def test_refuses_bad_intervals(self, http: httpx.AsyncClient) -> None:
        """A zero TTL or a negative interval is a configuration error."""
        with pytest.raises(ValueError, match="intervals"):
            JwksCache(http, ttl_seconds=0)
        with pytest.raises(ValueError, match="intervals"):
            JwksCache(http, min_refetch_interval_seconds=-1)
