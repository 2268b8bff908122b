"""Async JWK Set cache for client JWT verification (CDS Hooks "Trusting CDS Clients").

PyJWT's ``PyJWKClient`` fetches with blocking urllib; this cache fetches on the app's shared
``httpx.AsyncClient`` so the event loop never blocks.

Behaviour, per JWKS URL:
- keys are cached for ``ttl_seconds``; after that the next lookup refetches;
- an unknown ``kid`` triggers a refetch (key rotation), but fetch *attempts* for one URL are
  at most one per ``min_refetch_interval_seconds``, so a flood of tokens with invented kids
  cannot turn this service into a load generator against the client's JWKS endpoint;
- concurrent lookups of one URL share one fetch (one ``asyncio.Lock`` per URL);
- a failed fetch never drops keys: keys still within their TTL keep being served
  (and, if ``stale_if_error_seconds`` > 0, for that long after it);
- errors are ``JwtRejected`` subclasses, so callers map them to a bare 401 like any other
  token failure.

The set of URLs is bounded by the issuer allow-list (``JwtPolicy.trusted_issuers``), so the
cache itself needs no size bound.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx
import jwt

from cds_service.auth import JwtRejected

__all__ = ["JwksCache", "JwksUnavailable", "KeyNotFound"]

log = logging.getLogger(__name__)

# A JWK Set is a few KiB; refuse anything absurd rather than buffering it.
MAX_JWKS_BYTES = 256 * 1024

# RFC 7518 section 3.4 (ECDSA): the curve each ES* algorithm is defined on.
EC_CURVE_FOR_ALGORITHM: Mapping[str, str] = {
    "ES256": "P-256",
    "ES384": "P-384",
    "ES512": "P-521",
}
# RFC 7518 sections 3.3 (RS*), 3.5 (PS*), 3.4 (ES*); RFC 8037 section 3.1 (EdDSA on OKP keys).
KEY_TYPE_FOR_ALGORITHM_PREFIX: Mapping[str, str] = {
    "RS": "RSA",
    "PS": "RSA",
    "ES": "EC",
    "Ed": "OKP",
}


class JwksUnavailable(JwtRejected):
    """The JWK Set could not be fetched or parsed and no usable cached copy exists."""

    default_category = "key"


class KeyNotFound(JwtRejected):
    """The JWK Set has no usable key with that ``kid`` for that algorithm."""

    default_category = "key"


@dataclass
class _Entry:
    keys: dict[str, dict[str, Any]] = field(default_factory=dict)
    fetched_at: float | None = None  # monotonic time of the last successful fetch
    attempted_at: float | None = None  # monotonic time of the last attempt (any outcome)
    built: dict[tuple[str, str], jwt.PyJWK] = field(default_factory=dict)


class JwksCache:
    """Per-URL cache of JWK Sets, fetched with an injected ``httpx.AsyncClient``."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        ttl_seconds: float = 300.0,
        min_refetch_interval_seconds: float = 30.0,
        *,
        stale_if_error_seconds: float = 0.0,
        fetch_timeout_seconds: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if ttl_seconds <= 0 or min_refetch_interval_seconds < 0 or stale_if_error_seconds < 0:
            raise ValueError("JwksCache intervals must be positive")
        self._http = http
        self._ttl = ttl_seconds
        self._min_interval = min_refetch_interval_seconds
        self._stale_if_error = stale_if_error_seconds
        self._timeout = fetch_timeout_seconds
        self._clock = clock
        self._entries: dict[str, _Entry] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        self.fetch_count = 0  # successful and failed attempts; for metrics and tests

    async def get_key(self, jwks_url: str, kid: str, algorithm: str | None = None) -> jwt.PyJWK:
        """Return the key ``kid`` from the JWK Set at ``jwks_url``, usable with ``algorithm``.

        Raises ``KeyNotFound`` or ``JwksUnavailable`` (both ``JwtRejected``).
        """
        entry = self._entries.get(jwks_url)
        if entry is not None and self._fresh(entry) and kid in entry.keys:
            return self._build(entry, kid, algorithm)
        async with self._lock(jwks_url):
            entry = self._entries.setdefault(jwks_url, _Entry())
            # Re-check: a concurrent caller may have refreshed while we waited for the lock.
            if self._fresh(entry) and kid in entry.keys:
                return self._build(entry, kid, algorithm)
            if self._may_fetch(entry):
                await self._refresh(jwks_url, entry)
            if kid in entry.keys and self._usable(entry):
                return self._build(entry, kid, algorithm)
            if not self._usable(entry):
                raise JwksUnavailable("jwks unavailable and no usable cached copy")
            raise KeyNotFound("unknown kid")

    def _lock(self, url: str) -> asyncio.Lock:
        lock = self._locks.get(url)
        if lock is None:
            lock = self._locks[url] = asyncio.Lock()
        return lock

    def _fresh(self, entry: _Entry) -> bool:
        return entry.fetched_at is not None and self._clock() - entry.fetched_at < self._ttl

    def _usable(self, entry: _Entry) -> bool:
        if entry.fetched_at is None:
            return False
        return self._clock() - entry.fetched_at < self._ttl + self._stale_if_error

    def _may_fetch(self, entry: _Entry) -> bool:
        if entry.attempted_at is None:
            return True
        return self._clock() - entry.attempted_at >= self._min_interval

    async def _refresh(self, url: str, entry: _Entry) -> None:
        entry.attempted_at = self._clock()
        self.fetch_count += 1
        try:
            keys = await self._fetch(url)
        except JwksUnavailable as exc:
            log.warning("jwks fetch failed: url=%s reason=%s", url, exc.reason)
            return
        entry.keys = keys
        entry.built = {}
        entry.fetched_at = self._clock()

    async def _fetch(self, url: str) -> dict[str, dict[str, Any]]:
        try:
            async with self._http.stream(
                "GET", url, headers={"Accept": "application/json"}, timeout=self._timeout
            ) as response:
                if response.status_code != httpx.codes.OK:
                    raise JwksUnavailable(f"jwks http status {response.status_code}")
                body = bytearray()
                async for chunk in response.aiter_bytes():
                    body.extend(chunk)
                    if len(body) > MAX_JWKS_BYTES:
                        raise JwksUnavailable("jwks response too large")
        except httpx.HTTPError as exc:
            raise JwksUnavailable(f"jwks transport error: {type(exc).__name__}") from exc
        return _parse_jwks(bytes(body))

    @staticmethod
    def _build(entry: _Entry, kid: str, algorithm: str | None) -> jwt.PyJWK:
        jwk = entry.keys[kid]
        declared = jwk.get("alg")
        alg = algorithm or (declared if isinstance(declared, str) else None)
        if alg is None:
            raise KeyNotFound("key has no alg and none was requested")
        cached = entry.built.get((kid, alg))
        if cached is not None:
            return cached
        if isinstance(declared, str) and declared != alg:
            raise KeyNotFound("token alg does not match the key's alg")
        if not _key_type_matches(jwk, alg):
            raise KeyNotFound("key type or curve does not match the token alg")
        try:
            key = jwt.PyJWK(jwk, algorithm=alg)
        except jwt.PyJWTError as exc:
            raise KeyNotFound(f"unusable key: {type(exc).__name__}") from exc
        entry.built[(kid, alg)] = key
        return key


def _key_type_matches(jwk: Mapping[str, Any], alg: str) -> bool:
    expected_kty = next(
        (kty for prefix, kty in KEY_TYPE_FOR_ALGORITHM_PREFIX.items() if alg.startswith(prefix)),
        None,
    )
    if expected_kty is None or jwk.get("kty") != expected_kty:
        return False
    curve = EC_CURVE_FOR_ALGORITHM.get(alg)
    return curve is None or jwk.get("crv") == curve


def _parse_jwks(body: bytes) -> dict[str, dict[str, Any]]:
    """JWK Set JSON -> {kid: jwk}; keys without a kid or not meant for signatures are skipped."""
    try:
        document = json.loads(body)
    except ValueError as exc:
        raise JwksUnavailable("jwks is not json") from exc
    raw_keys = document.get("keys") if isinstance(document, dict) else None
    if not isinstance(raw_keys, list):
        raise JwksUnavailable("jwks has no keys array")
    keys: dict[str, dict[str, Any]] = {}
    duplicated: set[str] = set()
    for raw in raw_keys:
        if not isinstance(raw, dict):
            continue
        kid = raw.get("kid")
        if not isinstance(kid, str) or not kid or raw.get("use", "sig") != "sig":
            continue
        if "d" in raw or raw.get("kty") == "oct":
            continue  # private or symmetric material has no place in a client's public set
        if kid in keys:
            # CDS Hooks "Trusting CDS Clients": kid MUST be unique within the client's JWK Set;
            # an ambiguous kid is dropped rather than guessed.
            duplicated.add(kid)
        keys[kid] = raw
    usable = {kid: jwk for kid, jwk in keys.items() if kid not in duplicated}
    if not usable:
        raise JwksUnavailable("jwks has no usable signing keys")
    return usable
