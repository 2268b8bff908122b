"""Fixtures for client-JWT tests: real keys, a JWKS served by an httpx MockTransport, a
token factory, and a fixed clock."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

from cds_service.auth import JwtPolicy, JwtVerifier
from cds_service.jwks import JwksCache
from cds_service.replay_cache import MemoryReplayCache

NOW = 1_700_000_000.0
ISS = "https://ehr.example.org/"
JWKS_URL = "https://ehr.example.org/.well-known/jwks.json"
OTHER_ISS = "https://other-ehr.example.net"
OTHER_JWKS_URL = "https://other-ehr.example.net/jwks"
BASE_URL = "https://cds.example.org/"
PATH = "/cds-services/lupus-nephritis-refractory"
AUD = "https://cds.example.org/cds-services/lupus-nephritis-refractory"
EC_KID = "ec-key-1"
RSA_KID = "rsa-key-1"


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


def public_jwk(key: Any, kid: str, alg: str | None = None, **extra: Any) -> dict[str, Any]:
    """Public JWK (dict) for a private key, with kid, use=sig and optional alg."""
    if isinstance(key, ec.EllipticCurvePrivateKey):
        jwk = ECAlgorithm.to_jwk(key.public_key(), as_dict=True)
    else:
        jwk = RSAAlgorithm.to_jwk(key.public_key(), as_dict=True)
    jwk.update({"kid": kid, "use": "sig", **extra})
    if alg is not None:
        jwk["alg"] = alg
    return jwk


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unsigned_parts(header: dict[str, Any], claims: dict[str, Any]) -> str:
    return b64url(json.dumps(header).encode()) + "." + b64url(json.dumps(claims).encode())


def hs384_with_public_pem(key: Any, header: dict[str, Any], claims: dict[str, Any]) -> str:
    """The key-confusion attack: HMAC-SHA384 keyed with the public key's PEM."""
    pem = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    signing_input = unsigned_parts({**header, "alg": "HS384"}, claims)
    mac = hmac.new(pem, signing_input.encode(), hashlib.sha384).digest()
    return signing_input + "." + b64url(mac)


@dataclass
class JwksServer:
    """A JWKS endpoint per URL, with a request counter and switchable failures."""

    documents: dict[str, Any] = field(default_factory=dict)
    status: int = 200
    raw_body: bytes | None = None
    requests: int = 0

    def handler(self, request: httpx.Request) -> httpx.Response:
        self.requests += 1
        if self.status != 200:
            return httpx.Response(self.status)
        if self.raw_body is not None:
            return httpx.Response(200, content=self.raw_body)
        document = self.documents.get(str(request.url))
        if document is None:
            return httpx.Response(404)
        return httpx.Response(200, json=document)


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


class FakeClock:
    """A settable clock (epoch seconds or monotonic, as the consumer needs)."""

    def __init__(self, now: float = NOW) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


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


TokenFactory = Callable[..., str]


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
