"""Settings from the environment (prefix ``LNCDS_``), validated at start-up.

Comma-separated lists (``LNCDS_FHIR_SERVER_ALLOWLIST``, ``LNCDS_CORS_ORIGINS``) are
parsed as plain comma lists, not JSON (``NoDecode``). ``LNCDS_FHIR_EXTRA_HEADERS`` is
a JSON object (e.g. ``{"Epic-Client-ID": "..."}``).
"""

from __future__ import annotations

import secrets
from typing import Annotated, Literal

from pydantic import Field, HttpUrl, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

#: Secrets nobody should deploy with.
_PLACEHOLDER_SECRETS = frozenset({"changeme", "change-me", "secret", "changethis", "example"})

MIB = 1024 * 1024


def _comma_list(value: object) -> object:
    if isinstance(value, str):
        return [item.strip() for item in value.split(",") if item.strip()]
    return value


class Settings(BaseSettings):
    """Runtime configuration. Every field can be set as ``LNCDS_<NAME>``."""

    model_config = SettingsConfigDict(env_prefix="LNCDS_", extra="ignore", frozen=True)

    #: Base-URL prefixes of FHIR servers the service may contact; "*" allows any
    #: (logged as a warning at start-up); empty: no server is ever contacted.
    fhir_server_allowlist: Annotated[list[str], NoDecode] = Field(default_factory=list)
    cors_origins: Annotated[list[str], NoDecode] = Field(default_factory=list)
    require_jwt: bool = True
    public_base_url: HttpUrl | None = None
    database_url: str = "sqlite:///./ln-cds-feedback.sqlite3"
    ruleset: str = "kdigo-2024"
    show_status_card: bool = False
    fhir_connect_timeout_seconds: float = Field(default=5.0, gt=0)
    fhir_read_timeout_seconds: float = Field(default=10.0, gt=0)
    fhir_extra_headers: dict[str, str] = Field(default_factory=dict)
    max_pages_per_search: int = Field(default=10, ge=1)
    max_resources_per_search: int = Field(default=2000, ge=1)
    max_resources_per_prefetch_bundle: int = Field(default=5000, ge=1)
    max_body_bytes: int = Field(default=2 * MIB, ge=1024)
    hook_deadline_seconds: float = Field(default=8.0, gt=0)
    fhir_concurrency: int = Field(default=8, ge=1)
    #: HMAC key for pseudonymising patient ids in logs; random per process when unset.
    pseudonym_key: SecretStr = Field(default_factory=lambda: SecretStr(secrets.token_hex(32)))
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "INFO"
    log_format: Literal["auto", "json", "console"] = "auto"

    @field_validator("fhir_server_allowlist", "cors_origins", mode="before")
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
        """Whether ``url`` starts with an allow-listed base (at a path boundary)."""
        if not url or not url.lower().startswith(("https://", "http://")):
            return False
        if self.allow_any_fhir_server:
            return True
        candidate = url.rstrip("/")
        return any(
            candidate == prefix or candidate.startswith(prefix + "/")
            for prefix in self.fhir_server_allowlist
        )
