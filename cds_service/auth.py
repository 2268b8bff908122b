"""Client JWT verification: CDS Hooks 2.0 "Trusting CDS Clients".

Every call (discovery included) carries ``Authorization: Bearer <JWT>``. The header must have
``alg`` (asymmetric, on the allow-list), ``kid`` and ``typ: JWT``; ``jku`` is optional and,
when present, must be the issuer's allow-listed JWK Set URL. Claims ``iss`` (allow-listed),
``aud`` (this endpoint's public URL, string or array), ``exp``, ``iat`` and ``jti`` are
required; ``tenant`` is optional (checked against an allow-list when one is configured).
A token lives at most ``JwtPolicy.max_token_lifetime_seconds`` (default 300 s): both
``exp - iat`` and ``exp - now`` are capped, so the replay cache only has to remember a
``jti`` that long.

Any failure raises ``JwtRejected``; the HTTP layer answers a bare 401. The reason is for the
log only, and the token itself is never logged: only the reason, ``iss`` and ``kid``.

Wiring (integrator)::

    keys = JwksCache(http_client)                 # the app's one httpx.AsyncClient
    verifier = JwtVerifier(policy, keys, MemoryReplayCache())   # or RedisReplayCache(url)
    client = await verify_request(verifier, request)            # in a FastAPI dependency
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import urlsplit

import jwt

if TYPE_CHECKING:
    from starlette.requests import Request

    from cds_service.replay_cache import ReplayCache

__all__ = [
    "ASYMMETRIC_ALGORITHMS",
    "DEFAULT_MAX_TOKEN_LIFETIME_SECONDS",
    "REJECTION_CATEGORIES",
    "JwtPolicy",
    "JwtRejected",
    "JwtVerifier",
    "KeySource",
    "VerifiedClient",
    "parse_trusted_issuers",
    "read_trusted_issuers",
    "verify_request",
]

log = logging.getLogger(__name__)

# RFC 7518 section 3.1 ("alg" values for JWS), asymmetric ones only, plus EdDSA (RFC 8037).
# CDS Hooks "JWT Signing Algorithm": never "none", never a symmetric (HMAC) algorithm;
# ES384 and RS384 are RECOMMENDED.
ASYMMETRIC_ALGORITHMS: frozenset[str] = frozenset(
    {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"}
)
DEFAULT_ALGORITHMS: tuple[str, ...] = ("ES384", "RS384")

# SMART App Launch 2.2.0, "Client Authentication: Asymmetric (public key)", the client
# authentication SMART Backend Services use, table "Authentication JWT Claims", exp: "This
# time SHALL be no more than five minutes in the future"; its replay check covers "the
# maximum allowed authentication JWT lifetime (e.g., 5 minutes)". CDS Hooks client JWTs
# are the same kind of one-time assertion, so the same bound applies to exp - iat and
# exp - now (each with the clock leeway).
DEFAULT_MAX_TOKEN_LIFETIME_SECONDS = 300.0

# RFC 7515 section 4.1.9: "typ" is a media type, compared case-insensitively, and a value
# without "/" means "application/<value>". CDS Hooks fixes the value "JWT".
ACCEPTED_TYP: frozenset[str] = frozenset({"jwt", "application/jwt"})

MAX_TOKEN_CHARS = 16 * 1024  # a signed CDS client JWT is well under 2 KiB
_LOG_FIELD_CHARS = 200  # unverified iss/kid are attacker-controlled: truncated, repr'd


#: Fixed reason categories of a rejection: the ``reason`` label of ``JWT_FAILURES`` (a small,
#: bounded set; the free-text reason goes to the log only).
REJECTION_CATEGORIES: frozenset[str] = frozenset(
    {
        "missing",  # no Authorization header
        "malformed",  # not a Bearer JWT, undecodable, typ/kid/jti/sub missing or mistyped
        "algorithm",  # alg missing or not on the allow-list
        "issuer",  # iss not allow-listed, jku not the issuer's JWK Set URL
        "audience",  # aud is not this endpoint's public URL
        "expired",  # exp passed, iat/nbf in the future, exp before iat
        "lifetime",  # exp - iat or exp - now longer than the maximum lifetime
        "tenant",  # tenant not on the allow-list
        "key",  # JWK Set unavailable, unknown kid, unusable key
        "signature",  # signature does not verify
        "replay",  # jti seen before
        "other",
    }
)


class JwtRejected(Exception):
    """The client JWT is missing or invalid. ``reason`` is for logs, never for the caller;
    ``category`` (one of ``REJECTION_CATEGORIES``) is for metrics."""

    default_category = "other"

    def __init__(self, reason: str, category: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        chosen = category or self.default_category
        self.category = chosen if chosen in REJECTION_CATEGORIES else "other"


class KeySource(Protocol):
    """Where verification keys come from (``cds_service.jwks.JwksCache``)."""

    async def get_key(self, jwks_url: str, kid: str, algorithm: str | None = None) -> jwt.PyJWK:
        """The key ``kid`` of the JWK Set at ``jwks_url``; raises ``JwtRejected``."""
        ...


@dataclass(frozen=True)
class VerifiedClient:
    """Who called, once the JWT has passed every check."""

    iss: str
    jti: str
    tenant: str | None = None
    sub: str | None = None
    kid: str | None = None


def _check_url(url: str, what: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in {"https", "http"} or not parts.netloc:
        raise ValueError(f"{what} must be an absolute http(s) URL: {url!r}")


@dataclass(frozen=True)
class JwtPolicy:
    """What this service accepts. Immutable; build it once at start-up."""

    public_base_url: str  # as clients see it (reverse proxy, path prefix included)
    trusted_issuers: Mapping[str, str] = field(hash=False)  # iss -> JWK Set URL
    algorithms: tuple[str, ...] = DEFAULT_ALGORITHMS
    leeway_seconds: float = 30.0
    #: Cap on exp - iat and on exp - now (each plus ``leeway_seconds``).
    max_token_lifetime_seconds: float = DEFAULT_MAX_TOKEN_LIFETIME_SECONDS
    tenants: frozenset[str] | None = None  # tenant allow-list; None = any or none

    def __post_init__(self) -> None:
        _check_url(self.public_base_url, "public_base_url")
        if not self.trusted_issuers:
            raise ValueError("trusted_issuers is empty: no client could ever be accepted")
        for iss, url in self.trusted_issuers.items():
            if not isinstance(iss, str) or not iss:
                raise ValueError("trusted issuer must be a non-empty string")
            _check_url(url, f"JWKS URL for issuer {iss!r}")
        object.__setattr__(self, "trusted_issuers", MappingProxyType(dict(self.trusted_issuers)))
        algorithms = tuple(self.algorithms)
        if not algorithms:
            raise ValueError("algorithms is empty")
        refused = [a for a in algorithms if a not in ASYMMETRIC_ALGORITHMS]
        if refused:
            raise ValueError(
                f"algorithms {refused} refused: CDS Hooks forbids 'none' and symmetric (HS*) "
                f"algorithms; allowed: {sorted(ASYMMETRIC_ALGORITHMS)}"
            )
        object.__setattr__(self, "algorithms", algorithms)
        if self.leeway_seconds < 0:
            raise ValueError("leeway_seconds must be >= 0")
        if self.max_token_lifetime_seconds <= 0:
            raise ValueError("max_token_lifetime_seconds must be > 0")

    def audience_for(self, path: str) -> str:
        """The ``aud`` a client must use when calling ``path`` (e.g. ``/cds-services/x``)."""
        return self.public_base_url.rstrip("/") + "/" + path.lstrip("/")


def parse_trusted_issuers(json_text: str) -> dict[str, str]:
    """``{"<iss>": "<JWK Set URL>", ...}`` -> dict; ``ValueError`` saying what is wrong."""
    try:
        document = json.loads(json_text)
    except ValueError as exc:
        raise ValueError(f"trusted issuers: not valid JSON ({exc})") from exc
    if not isinstance(document, dict) or not document:
        raise ValueError('trusted issuers: expected a non-empty object {"<iss>": "<jwks url>"}')
    issuers: dict[str, str] = {}
    for iss, url in document.items():
        if not iss:
            raise ValueError("trusted issuers: empty issuer")
        if not isinstance(url, str):
            raise ValueError(f"trusted issuers: JWKS URL for {iss!r} must be a string")
        _check_url(url, f"trusted issuers: JWKS URL for {iss!r}")
        issuers[iss] = url
    return issuers


def read_trusted_issuers(path: str | Path) -> dict[str, str]:
    """``parse_trusted_issuers`` on a UTF-8 file; the error names the file."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise ValueError(f"trusted issuers file {str(path)!r}: {exc.strerror}") from exc
    try:
        return parse_trusted_issuers(text)
    except ValueError as exc:
        raise ValueError(f"{path}: {exc}") from exc


def _short(value: object) -> str:
    return repr(value)[:_LOG_FIELD_CHARS]


def _bearer_token(authorization_header: str | None) -> str:
    if not authorization_header:
        raise JwtRejected("missing Authorization header", "missing")
    scheme, _, token = authorization_header.strip().partition(" ")
    # RFC 7235 section 2.1: the auth-scheme is case-insensitive.
    if scheme.lower() != "bearer":
        raise JwtRejected("Authorization scheme is not Bearer", "malformed")
    token = token.strip()
    if not token or " " in token:
        raise JwtRejected("malformed Bearer token", "malformed")
    if len(token) > MAX_TOKEN_CHARS:
        raise JwtRejected("token too large", "malformed")
    return token


def _numeric(claims: Mapping[str, Any], name: str) -> float:
    value = claims.get(name)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise JwtRejected(f"{name} missing or not a number", "expired")
    return float(value)


def _optional_str(claims: Mapping[str, Any], name: str) -> str | None:
    value = claims.get(name)
    if value is not None and not isinstance(value, str):
        raise JwtRejected(f"{name} is not a string", "malformed")
    return value


class JwtVerifier:
    """Verifies client JWTs against a ``JwtPolicy`` (async, never blocks the loop)."""

    def __init__(
        self,
        policy: JwtPolicy,
        jwks_cache: KeySource,
        replay_cache: ReplayCache,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.policy = policy
        self._keys = jwks_cache
        self._replay = replay_cache
        self._clock = clock
        # Signature-only verifier; claims are checked below against the injected clock.
        self._jws = jwt.PyJWS(options={"enforce_minimum_key_length": True})

    async def verify(self, authorization_header: str | None, path: str) -> VerifiedClient:
        """Verify the JWT for a call to ``path``; raises ``JwtRejected``. Logs rejections."""
        context: dict[str, str] = {}
        try:
            return await self._verify(authorization_header, path, context)
        except JwtRejected as exc:
            log.warning(
                "client jwt rejected: reason=%s iss=%s kid=%s",
                exc.reason,
                context.get("iss", "-"),
                context.get("kid", "-"),
            )
            raise

    async def _verify(
        self, authorization_header: str | None, path: str, context: dict[str, str]
    ) -> VerifiedClient:
        token = _bearer_token(authorization_header)
        try:
            header = jwt.get_unverified_header(token)
            claims: dict[str, Any] = jwt.decode(token, options={"verify_signature": False})
        except jwt.PyJWTError as exc:
            raise JwtRejected(f"malformed token: {type(exc).__name__}", "malformed") from exc
        context["kid"] = _short(header.get("kid"))
        context["iss"] = _short(claims.get("iss"))
        alg, kid = self._check_header(header)
        iss = claims.get("iss")
        if not isinstance(iss, str) or iss not in self.policy.trusted_issuers:
            raise JwtRejected("iss missing or not on the allow-list", "issuer")
        jwks_url = self.policy.trusted_issuers[iss]
        if "jku" in header and header["jku"] != jwks_url:
            raise JwtRejected("jku is not the allow-listed JWK Set URL for this iss", "issuer")
        # Cheap claim checks before any key fetch; the same bytes are then signature-checked.
        expires_at = self._check_times(claims)
        self._check_audience(claims, path)
        jti = claims.get("jti")
        if not isinstance(jti, str) or not jti:
            raise JwtRejected("jti missing", "malformed")
        tenant = self._check_tenant(claims)
        sub = _optional_str(claims, "sub")
        key = await self._keys.get_key(jwks_url, kid, alg)
        try:
            self._jws.decode(token, key, algorithms=[alg])
        except jwt.PyJWTError as exc:
            raise JwtRejected(f"signature invalid: {type(exc).__name__}", "signature") from exc
        if await self._replay.seen_before(iss, jti, expires_at):
            raise JwtRejected("jti replayed", "replay")
        return VerifiedClient(iss=iss, jti=jti, tenant=tenant, sub=sub, kid=kid)

    def _check_header(self, header: Mapping[str, Any]) -> tuple[str, str]:
        alg = header.get("alg")
        if not isinstance(alg, str) or alg not in self.policy.algorithms:
            raise JwtRejected("alg missing or not allowed", "algorithm")
        typ = header.get("typ")
        if not isinstance(typ, str) or typ.lower() not in ACCEPTED_TYP:
            raise JwtRejected("typ missing or not JWT", "malformed")
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid:
            raise JwtRejected("kid missing", "malformed")
        return alg, kid

    def _check_times(self, claims: Mapping[str, Any]) -> float:
        """exp/iat (and nbf if present) against the clock with leeway; returns the last instant
        (epoch seconds) at which the token is still accepted, for the replay cache."""
        now = self._clock()
        leeway = self.policy.leeway_seconds
        exp = _numeric(claims, "exp")
        iat = _numeric(claims, "iat")
        if now >= exp + leeway:
            raise JwtRejected("token expired", "expired")
        if iat > now + leeway:
            raise JwtRejected("iat in the future", "expired")
        if exp < iat:
            raise JwtRejected("exp before iat", "expired")
        if "nbf" in claims and _numeric(claims, "nbf") > now + leeway:
            raise JwtRejected("token not yet valid (nbf)", "expired")
        # Leeway on both caps: an issuer may backdate iat, or run its clock ahead of ours.
        limit = self.policy.max_token_lifetime_seconds + leeway
        if exp - iat > limit:
            raise JwtRejected("token lifetime exceeds the maximum", "lifetime")
        if exp - now > limit:
            raise JwtRejected("exp too far in the future", "lifetime")
        return exp + leeway

    def _check_audience(self, claims: Mapping[str, Any], path: str) -> None:
        aud = claims.get("aud")
        expected = self.policy.audience_for(path)
        audiences = [aud] if isinstance(aud, str) else aud
        if not isinstance(audiences, list) or not all(isinstance(a, str) for a in audiences):
            raise JwtRejected("aud missing or not a string / array of strings", "audience")
        if expected not in audiences:
            raise JwtRejected("aud does not match this endpoint", "audience")

    def _check_tenant(self, claims: Mapping[str, Any]) -> str | None:
        tenant = _optional_str(claims, "tenant")
        allowed = self.policy.tenants
        if allowed is not None and tenant not in allowed:
            raise JwtRejected("tenant missing or not on the allow-list", "tenant")
        return tenant


def request_path(request: Request) -> str:
    """The app-local path of ``request`` (any ASGI ``root_path`` prefix removed), which is
    appended to ``JwtPolicy.public_base_url`` to form the expected ``aud``."""
    path = request.url.path
    root = request.scope.get("root_path") or ""
    if root and path.startswith(root):
        path = path[len(root) :] or "/"
    return path


async def verify_request(verifier: JwtVerifier, request: Request) -> VerifiedClient:
    """Verify the ``Authorization`` header of a Starlette/FastAPI request."""
    return await verifier.verify(request.headers.get("authorization"), request_path(request))
