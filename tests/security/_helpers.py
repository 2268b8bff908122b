"""Helpers of the client-JWT tests: constants, public JWKs, hand-made tokens, a JWKS
endpoint and a settable clock. The fixtures that use them are in ``conftest.py``."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

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


class FakeClock:
    """A settable clock (epoch seconds or monotonic, as the consumer needs)."""

    def __init__(self, now: float = NOW) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


TokenFactory = Callable[..., str]
