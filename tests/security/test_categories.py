"""Rejection categories: every JwtRejected carries one of a small fixed set, for metrics."""

from __future__ import annotations

from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from cds_service.auth import (
    REJECTION_CATEGORIES,
    JwtPolicy,
    JwtRejected,
    JwtVerifier,
)
from cds_service.jwks import JwksCache, JwksUnavailable, KeyNotFound
from cds_service.replay_cache import MemoryReplayCache
from tests.security._helpers import (
    BASE_URL,
    ISS,
    JWKS_URL,
    NOW,
    PATH,
    FakeClock,
    TokenFactory,
    hs384_with_public_pem,
)

pytestmark = pytest.mark.anyio


async def category(verifier: JwtVerifier, header: str | None) -> str:
    with pytest.raises(JwtRejected) as caught:
        await verifier.verify(header, PATH)
    assert caught.value.category in REJECTION_CATEGORIES
    return caught.value.category


class TestCategories:
    @pytest.mark.parametrize(
        ("overrides", "expected"),
        [
            ({"iss": "https://stranger.example.com"}, "issuer"),
            ({"header": {"jku": "https://evil.example.com/jwks"}}, "issuer"),
            ({"aud": "https://cds.example.org/other"}, "audience"),
            ({"exp": int(NOW) - 3600, "iat": int(NOW) - 3900}, "expired"),
            ({"iat": int(NOW) + 3600, "exp": int(NOW) + 3900}, "expired"),
            ({"exp": None}, "expired"),
            ({"exp": int(NOW) + 365 * 24 * 3600}, "lifetime"),
            ({"iat": int(NOW) + 30, "exp": int(NOW) + 340}, "lifetime"),
            ({"jti": None}, "malformed"),
            ({"header": {"typ": None}}, "malformed"),
            ({"header": {"kid": "no-such-kid"}}, "key"),
        ],
    )
    async def test_claim_and_header_failures(
        self,
        verifier: JwtVerifier,
        make_token: TokenFactory,
        overrides: dict[str, Any],
        expected: str,
    ) -> None:
        """Each claim or header failure maps to its category."""
        token = make_token(**overrides)
        assert await category(verifier, f"Bearer {token}") == expected

    @pytest.mark.parametrize(
        ("header", "expected"),
        [
            (None, "missing"),
            ("Basic dXNlcjpwYXNz", "malformed"),
            ("Bearer not-a-jwt", "malformed"),
            ("Bearer " + "a" * 20_000, "malformed"),
        ],
    )
    async def test_header_failures(
        self, verifier: JwtVerifier, header: str | None, expected: str
    ) -> None:
        """A missing or unusable Authorization header maps to missing / malformed."""
        assert await category(verifier, header) == expected

    async def test_symmetric_algorithm(
        self, verifier: JwtVerifier, ec_key: ec.EllipticCurvePrivateKey
    ) -> None:
        """HS384 keyed with the public key (key confusion) is an 'algorithm' rejection."""
        claims = {"iss": ISS, "aud": BASE_URL.rstrip("/") + PATH, "exp": NOW + 300}
        token = hs384_with_public_pem(ec_key, {"kid": "ec-key-1", "typ": "JWT"}, claims)
        assert await category(verifier, f"Bearer {token}") == "algorithm"

    async def test_foreign_signature(
        self,
        verifier: JwtVerifier,
        make_token: TokenFactory,
        ec_key_2: ec.EllipticCurvePrivateKey,
    ) -> None:
        """A valid-looking token signed by another key is a 'signature' rejection."""
        token = make_token(key=ec_key_2)
        assert await category(verifier, f"Bearer {token}") == "signature"

    async def test_replay(self, verifier: JwtVerifier, make_token: TokenFactory) -> None:
        """The second use of a jti is a 'replay' rejection."""
        token = make_token()
        await verifier.verify(f"Bearer {token}", PATH)
        assert await category(verifier, f"Bearer {token}") == "replay"

    async def test_tenant(
        self, jwks_cache: JwksCache, clock: FakeClock, make_token: TokenFactory
    ) -> None:
        """A tenant outside the allow-list is a 'tenant' rejection."""
        policy = JwtPolicy(BASE_URL, {ISS: JWKS_URL}, tenants=frozenset({"t1"}))
        verifier = JwtVerifier(policy, jwks_cache, MemoryReplayCache(clock=clock), clock=clock)
        token = make_token(tenant="t2")
        assert await category(verifier, f"Bearer {token}") == "tenant"


class TestCategoryDefaults:
    @pytest.mark.parametrize(
        ("error", "expected"),
        [
            (JwtRejected("x"), "other"),
            (JwtRejected("x", "not-a-category"), "other"),
            (JwtRejected("x", "replay"), "replay"),
            (KeyNotFound("unknown kid"), "key"),
            (JwksUnavailable("down"), "key"),
        ],
    )
    def test_defaults(self, error: JwtRejected, expected: str) -> None:
        """Without a (known) category a rejection is 'other'; JWKS errors are 'key'."""
        assert error.category == expected
