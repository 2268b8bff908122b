"""Settings from the environment (prefix ``LNCDS_``), validated at start-up.

Comma-separated lists (``LNCDS_FHIR_SERVER_ALLOWLIST``, ``LNCDS_CORS_ORIGINS``,
``LNCDS_JWT_ALGORITHMS``, ``LNCDS_TENANT_ALLOWLIST``) are parsed as plain comma lists,
not JSON (``NoDecode``). ``LNCDS_FHIR_EXTRA_HEADERS`` and ``LNCDS_TRUSTED_ISSUERS`` are
JSON objects. Every setting is documented in ``docs/configuration.md``.

``jwt_policy(settings)`` is the start-up check of the client-JWT settings: with
``require_jwt`` it needs ``public_base_url`` and at least one trusted issuer, and
raises ``ConfigurationError`` (one line naming the variables) otherwise.
"""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path
from typing import Annotated, Final, Literal
from urllib.parse import urlsplit

from pydantic import Field, HttpUrl, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from cds_service.auth import (
    ASYMMETRIC_ALGORITHMS,
    DEFAULT_ALGORITHMS,
    DEFAULT_MAX_TOKEN_LIFETIME_SECONDS,
    JwtPolicy,
    parse_trusted_issuers,
    read_trusted_issuers,
)
from cds_service.fhir_urls import allowed_base, origin_of

#: Secrets nobody should deploy with.
_PLACEHOLDER_SECRETS = frozenset({"changeme", "change-me", "secret", "changethis", "example"})

MIB = 1024 * 1024

#: The project's own name and page as a card's source (``cds_service.cards`` uses the
#: same two for its defaults).
DEFAULT_CARD_SOURCE_LABEL: Final = "ln-cds: refractory lupus nephritis"
DEFAULT_CARD_SOURCE_URL: Final = "https://github.com/ln-cds/ln-cds"


class ConfigurationError(ValueError):
    """A setting (or combination) that makes start-up impossible; one line for the operator."""


def default_database_path() -> Path:
    """The SQLite feedback store of this user: ``$XDG_DATA_HOME/ln-cds/feedback.sqlite3``,
    or ``~/.local/share/ln-cds/feedback.sqlite3`` when ``XDG_DATA_HOME`` is unset, empty
    or relative (XDG Base Directory Specification: relative paths are ignored).

    The same file whatever the current folder, so ``ln-cds serve`` and ``ln-cds
    feedback-report`` started from different folders use one store. Without a home
    directory (no ``HOME``, no password entry) it is the current folder.
    """
    xdg = os.environ.get("XDG_DATA_HOME", "")
    if xdg and Path(xdg).is_absolute():
        base = Path(xdg)
    else:
        home = os.path.expanduser("~")
        base = Path(home) / ".local" / "share" if home != "~" else Path.cwd()
    return base / "ln-cds" / "feedback.sqlite3"


def default_database_url() -> str:
    """``LNCDS_DATABASE_URL`` when unset: SQLite at ``default_database_path()``."""
    return f"sqlite:///{default_database_path()}"


def _comma_list(value: object) -> object:
    if isinstance(value, str):
        return [item.strip() for item in value.split(",") if item.strip()]
    return value


class Settings(BaseSettings):
    """Runtime configuration. Every field can be set as ``LNCDS_<NAME>``."""

    model_config = SettingsConfigDict(env_prefix="LNCDS_", extra="ignore", frozen=True)

    #: Base URLs of FHIR servers the service may contact, each admitting the bases under it
    #: (``fhir_urls.allowed_base``); "*" allows any (logged as a warning at start-up);
    #: empty: no server is ever contacted.
    fhir_server_allowlist: Annotated[list[str], NoDecode] = Field(default_factory=list)
    cors_origins: Annotated[list[str], NoDecode] = Field(default_factory=list)
    require_jwt: bool = True
    public_base_url: HttpUrl | None = None
    #: SQLAlchemy URL of the feedback store; default: SQLite in the user's data folder
    #: (``default_database_path``). The container images set their own.
    database_url: str = Field(default_factory=default_database_url)
    ruleset: str = "kdigo-2024"
    show_status_card: bool = False
    fhir_connect_timeout_seconds: float = Field(default=5.0, gt=0)
    fhir_read_timeout_seconds: float = Field(default=10.0, gt=0)
    fhir_extra_headers: dict[str, str] = Field(default_factory=dict)
    max_pages_per_search: int = Field(default=10, ge=1)
    max_resources_per_search: int = Field(default=2000, ge=1)
    max_resources_per_prefetch_bundle: int = Field(default=5000, ge=1)
    #: ``_count`` of the service's own searches (servers may answer with smaller pages).
    fhir_search_page_size: int = Field(default=500, ge=1)
    #: Largest FHIR answer read (bytes, after decompression); a larger one answers 412.
    max_fhir_response_bytes: int = Field(default=8 * MIB, ge=1024)
    #: How long a FHIR server's CapabilityStatement (and the ``_include`` it refused) is
    #: remembered before ``/metadata`` is read again.
    fhir_capabilities_ttl_seconds: float = Field(default=3600.0, gt=0)
    max_body_bytes: int = Field(default=2 * MIB, ge=1024)
    hook_deadline_seconds: float = Field(default=8.0, gt=0)
    fhir_concurrency: int = Field(default=8, ge=1)
    #: HMAC key for pseudonymising patient ids in logs; random per process when unset.
    pseudonym_key: SecretStr = Field(default_factory=lambda: SecretStr(secrets.token_hex(32)))
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "INFO"
    log_format: Literal["auto", "json", "console"] = "auto"
    #: Client JWT issuers: JSON object {"<iss>": "<JWK Set URL>"}.
    trusted_issuers: Annotated[dict[str, str], NoDecode] = Field(default_factory=dict)
    #: A file holding the same JSON object (merged with ``trusted_issuers``), read at start-up.
    trusted_issuers_file: Path | None = None
    #: Accepted JWS algorithms; CDS Hooks forbids none/HS* (see ``auth.ASYMMETRIC_ALGORITHMS``).
    jwt_algorithms: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: list(DEFAULT_ALGORITHMS)
    )
    jwt_leeway_seconds: float = Field(default=30.0, ge=0)
    #: Longest client JWT accepted: exp - iat and exp - now (each plus the leeway).
    jwt_max_lifetime_seconds: float = Field(default=DEFAULT_MAX_TOKEN_LIFETIME_SECONDS, gt=0)
    #: Accepted ``tenant`` claim values; empty: any tenant (or none) is accepted.
    tenant_allowlist: Annotated[list[str], NoDecode] = Field(default_factory=list)
    #: Redis for the jti replay cache shared by workers/replicas; unset: in-process cache.
    redis_url: SecretStr | None = None
    discovery_requires_jwt: bool = False
    #: uvicorn worker processes for ``ln-cds serve`` when ``--workers`` is not given.
    workers: int = Field(default=1, ge=1)
    #: uvicorn's access log (one line per request, any route). Off by default: every hook
    #: already logs one structured ``hook answered`` line, and the access line doubled the
    #: logging cost of a hook (~1.5 % of CPU under load, docs/performance.md).
    access_log: bool = False
    #: uvicorn's HTTP/1.1 parser for ``ln-cds serve``: ``auto`` (httptools when installed,
    #: as ``uvicorn[standard]`` does, else h11), ``h11`` or ``httptools``.
    http_parser: Literal["auto", "h11", "httptools"] = "auto"
    #: Bytes of a request head (request line and headers) the h11 parser buffers before the
    #: head is complete; beyond it the request is refused (400). It bounds the memory one
    #: connection can hold with headers. uvicorn applies it to h11 only: httptools has no
    #: such limit, so a proxy in front (ingress) must bound headers there.
    max_header_bytes: int = Field(default=16 * 1024, ge=1024)
    #: Open connections plus requests in progress one worker process accepts; beyond it
    #: uvicorn answers 503 (its ``limit_concurrency``).
    max_concurrent_connections: int = Field(default=100, ge=1)
    #: Seconds an idle keep-alive connection is kept open (uvicorn's ``timeout_keep_alive``).
    keep_alive_timeout_seconds: int = Field(default=5, ge=1)
    #: SMART client id of the chart page (``/chart/``) registered with the EHR; unset:
    #: the chart is off (its routes answer 404 and no card links to it).
    chart_client_id: str | None = Field(default=None, min_length=1, max_length=200)
    #: Origins of SMART authorization servers whose token endpoint is not on the FHIR
    #: server's origin (the chart page posts to it, so its CSP ``connect-src`` names them).
    chart_authorization_origins: Annotated[list[str], NoDecode] = Field(default_factory=list)
    #: Origins allowed to frame the chart page (CSP ``frame-ancestors``): EHRs that show
    #: SMART apps in a frame; empty: the page may not be framed.
    chart_frame_ancestors: Annotated[list[str], NoDecode] = Field(default_factory=list)
    #: Every card's source (CDS Hooks ``Card.source.label`` and ``.url``): the name and page
    #: a clinician sees as where the advice comes from (a hospital may name its own team).
    card_source_label: str = Field(default=DEFAULT_CARD_SOURCE_LABEL, min_length=1, max_length=200)
    card_source_url: str = DEFAULT_CARD_SOURCE_URL
    #: The hospital's own protocol, linked from the first card of each patient; unset: none.
    local_protocol_url: str | None = None
    local_protocol_label: str = Field(default="Local protocol", min_length=1, max_length=100)

    @field_validator(
        "fhir_server_allowlist",
        "cors_origins",
        "jwt_algorithms",
        "tenant_allowlist",
        "chart_authorization_origins",
        "chart_frame_ancestors",
        mode="before",
    )
    @classmethod
    def _split_commas(cls, value: object) -> object:
        return _comma_list(value)

    @field_validator("fhir_server_allowlist")
    @classmethod
    def _normalise_prefixes(cls, value: list[str]) -> list[str]:
        return [item if item == "*" else item.rstrip("/") for item in value]

    @field_validator("cors_origins")
    @classmethod
    def _no_wildcard_origin(cls, value: list[str]) -> list[str]:
        if "*" in value:
            raise ValueError("cors_origins must list origins; '*' is not allowed")
        return value

    @field_validator("chart_authorization_origins", "chart_frame_ancestors")
    @classmethod
    def _web_origins(cls, value: list[str]) -> list[str]:
        # each goes into the chart's Content-Security-Policy: an origin and nothing else
        origins = [origin_of(item) for item in value]
        refused = [i for i, o in zip(value, origins, strict=True) if o != i.lower().rstrip("/")]
        if refused:
            raise ValueError(f"{refused} are not origins (scheme://host[:port], no path)")
        return [o for o in origins if o is not None]

    @field_validator("card_source_url", "local_protocol_url")
    @classmethod
    def _web_url(cls, value: str | None) -> str | None:
        # shown to clinicians as a link: an http(s) URL with a host, nothing a browser
        # would run or an EHR would read as another scheme
        if value is None:
            return None
        text = value.strip()
        try:
            parts = urlsplit(text)
        except ValueError:
            parts = None
        if (
            parts is None
            or parts.scheme not in ("http", "https")
            or not parts.hostname
            or any(c.isspace() or ord(c) < 32 for c in text)
        ):
            raise ValueError(f"{value!r} is not an http(s) URL with a host")
        return text

    @field_validator("card_source_label", "local_protocol_label")
    @classmethod
    def _one_line(cls, value: str) -> str:
        text = " ".join(value.split())
        if not text:
            raise ValueError("a label must not be blank")
        return text

    @field_validator("trusted_issuers", mode="before")
    @classmethod
    def _parse_issuers(cls, value: object) -> object:
        if isinstance(value, str):
            return parse_trusted_issuers(value) if value.strip() else {}
        if isinstance(value, dict) and value:
            return parse_trusted_issuers(json.dumps(value))
        return value

    @field_validator("jwt_algorithms")
    @classmethod
    def _asymmetric_only(cls, value: list[str]) -> list[str]:
        refused = [alg for alg in value if alg not in ASYMMETRIC_ALGORITHMS]
        if refused or not value:
            raise ValueError(
                f"refused {refused or 'an empty list'}: CDS Hooks forbids 'none' and symmetric "
                f"(HS*) algorithms; choose from {sorted(ASYMMETRIC_ALGORITHMS)}"
            )
        return value

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper_level(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @field_validator("pseudonym_key")
    @classmethod
    def _no_placeholder_key(cls, value: SecretStr) -> SecretStr:
        secret = value.get_secret_value()
        if secret.lower() in _PLACEHOLDER_SECRETS or len(secret) < 16:
            raise ValueError("pseudonym_key must be a real secret of at least 16 characters")
        return value

    @property
    def allow_any_fhir_server(self) -> bool:
        return "*" in self.fhir_server_allowlist

    def fhir_server_allowed(self, url: str | None) -> bool:
        """Whether ``url`` is a FHIR base under an allow-listed one: the one rule of
        ``fhir_urls.allowed_base`` (URLs compared by scheme, host, port and path segments;
        dot segments, user info, a query or a fragment refused)."""
        return allowed_base(url, self.fhir_server_allowlist) is not None

    def load_trusted_issuers(self) -> dict[str, str]:
        """``trusted_issuers`` merged with ``trusted_issuers_file`` (read now).

        ``ConfigurationError`` when the file is unreadable or invalid, or names an issuer
        already configured with another JWK Set URL.
        """
        issuers = dict(self.trusted_issuers)
        if self.trusted_issuers_file is None:
            return issuers
        try:
            from_file = read_trusted_issuers(self.trusted_issuers_file)
        except ValueError as exc:
            raise ConfigurationError(f"LNCDS_TRUSTED_ISSUERS_FILE: {exc}") from None
        for iss, url in from_file.items():
            if issuers.setdefault(iss, url) != url:
                raise ConfigurationError(
                    f"issuer {iss!r} has different JWK Set URLs in LNCDS_TRUSTED_ISSUERS and "
                    "LNCDS_TRUSTED_ISSUERS_FILE"
                )
        return issuers


def env_name(field: str) -> str:
    """The environment variable of a ``Settings`` field."""
    return f"LNCDS_{field.upper()}"


def jwt_policy(settings: Settings) -> JwtPolicy | None:
    """The client-JWT policy, ``None`` when ``require_jwt`` is off; ``ConfigurationError``
    (one line naming the variables to set) when JWTs are required but cannot be checked."""
    if not settings.require_jwt:
        return None
    issuers = settings.load_trusted_issuers()
    missing = []
    if settings.public_base_url is None:
        missing.append("LNCDS_PUBLIC_BASE_URL (the public URL clients call: the JWT aud)")
    if not issuers:
        missing.append("LNCDS_TRUSTED_ISSUERS or LNCDS_TRUSTED_ISSUERS_FILE")
    if missing:
        raise ConfigurationError(
            "LNCDS_REQUIRE_JWT=true needs " + " and ".join(missing) + "; set them "
            "(or LNCDS_REQUIRE_JWT=false, for local development only)"
        )
    try:
        return JwtPolicy(
            public_base_url=str(settings.public_base_url),
            trusted_issuers=issuers,
            algorithms=tuple(settings.jwt_algorithms),
            leeway_seconds=settings.jwt_leeway_seconds,
            max_token_lifetime_seconds=settings.jwt_max_lifetime_seconds,
            tenants=frozenset(settings.tenant_allowlist) or None,
        )
    except ValueError as exc:
        raise ConfigurationError(f"client JWT settings: {exc}") from None
