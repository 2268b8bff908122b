"""Fixtures for client-JWT tests: real keys, a JWKS served by an httpx MockTransport, a
token factory, and a fixed clock."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from cds_service.auth import JwtPolicy, JwtVerifier
from cds_service.jwks import JwksCache
from cds_service.replay_cache import MemoryReplayCache
from tests.security._helpers import (
    AUD,
    BASE_URL,
    EC_KID,
    ISS,
    JWKS_URL,
    NOW,
    OTHER_ISS,
    OTHER_JWKS_URL,
    RSA_KID,
    FakeClock,
    JwksServer,
    TokenFactory,
    public_jwk,
)


@pytest.fixture
def anyio_backend() -> str:
    """Run async tests on asyncio only (the service runs on uvicorn/asyncio)."""
    return "asyncio"


@pytest.fixture(scope="session")
def ec_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP384R1())


@pytest.fixture(scope="session")
def ec_key_2() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP384R1())


@pytest.fixture(scope="session")
def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture
def jwks_server(ec_key: ec.EllipticCurvePrivateKey, rsa_key: rsa.RSAPrivateKey) -> JwksServer:
    return JwksServer(
        documents={
            JWKS_URL: {
                "keys": [
                    public_jwk(ec_key, EC_KID, "ES384"),
                    public_jwk(rsa_key, RSA_KID, "RS384"),
                ]
            }
        }
    )


@pytest.fixture
async def http(jwks_server: JwksServer) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.MockTransport(jwks_server.handler)) as client:
        yield client


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def policy() -> JwtPolicy:
    return JwtPolicy(
        public_base_url=BASE_URL,
        trusted_issuers={ISS: JWKS_URL, OTHER_ISS: OTHER_JWKS_URL},
    )


@pytest.fixture
def jwks_cache(http: httpx.AsyncClient, clock: FakeClock) -> JwksCache:
    return JwksCache(http, ttl_seconds=300, min_refetch_interval_seconds=30, clock=clock)


@pytest.fixture
def verifier(policy: JwtPolicy, jwks_cache: JwksCache, clock: FakeClock) -> JwtVerifier:
    return JwtVerifier(policy, jwks_cache, MemoryReplayCache(clock=clock), clock=clock)


@pytest.fixture
def make_token(ec_key: ec.EllipticCurvePrivateKey, rsa_key: rsa.RSAPrivateKey) -> TokenFactory:
    """Sign a CDS client JWT; keyword overrides replace claims/header fields (None removes)."""

    def factory(
        *,
        alg: str = "ES384",
        key: Any = None,
        header: dict[str, Any] | None = None,
        **claims: Any,
    ) -> str:
        signing_key = key if key is not None else (ec_key if alg.startswith("ES") else rsa_key)
        kid = EC_KID if alg.startswith("ES") else RSA_KID
        body: dict[str, Any] = {
            "iss": ISS,
            "aud": AUD,
            "exp": int(NOW) + 300,
            "iat": int(NOW),
            "jti": str(uuid.uuid4()),
        }
        body.update(claims)
        body = {k: v for k, v in body.items() if v is not None}
        headers: dict[str, Any] = {"kid": kid, "typ": "JWT"}
        headers.update(header or {})
        # PyJWT drops a falsy typ itself; other None-valued fields are removed here.
        headers = {k: v for k, v in headers.items() if v is not None or k == "typ"}
        return jwt.encode(body, signing_key, algorithm=alg, headers=headers)

    return factory
