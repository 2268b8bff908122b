"""Request models: the hook call and the feedback report (CDS Hooks 2.0).

The body is parsed once with ``orjson`` and validated into lean pydantic models;
``prefetch`` values stay plain JSON (no ``fhir.resources`` models of inbound data).
Lenient where the spec lets clients vary: ``expires_in``/``scope``/``subject`` may be
missing; ``fhirServer`` without ``fhirAuthorization`` is fine (open servers). Strict
where the spec is: ``fhirAuthorization`` without ``fhirServer`` is refused (CDS Hooks
2.0 "Calling a CDS Service": fhirServer is required when fhirAuthorization is present),
and an ``access_token`` must be an RFC 6750 section 2.1 ``b64token`` (it goes into an
``Authorization: Bearer`` header; anything else could not be sent).
Validation failures become ``MissingField`` naming the field, never pydantic's text.
"""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from typing import Annotated, Any, Literal, TypeVar

import orjson
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from cds_service.errors import MalformedJson, MissingField

_M = TypeVar("_M", bound=BaseModel)

#: RFC 6750 section 2.1: b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
_B64TOKEN_RE = re.compile(r"[A-Za-z0-9\-._~+/]+=*")
#: Model-level (cross-field) error types -> the field the caller is told about.
_MODEL_ERROR_FIELDS = {"fhir_server_required": "fhirServer"}


def _uuid_string(value: str) -> str:
    uuid.UUID(value)  # raises ValueError
    return value


def _non_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("blank")
    return value


UuidStr = Annotated[str, AfterValidator(_uuid_string)]
NonBlank = Annotated[str, AfterValidator(_non_blank)]


class _Lenient(BaseModel):
    """Base: camelCase field names as in CDS Hooks; unknown fields kept."""

    model_config = ConfigDict(extra="allow", frozen=True)


class FhirAuthorization(_Lenient):
    access_token: SecretStr
    token_type: str = "Bearer"
    expires_in: int | None = None
    scope: str | None = None
    subject: str | None = None
    patient: str | None = None

    @field_validator("token_type")
    @classmethod
    def _bearer(cls, value: str) -> str:
        if value.lower() != "bearer":
            raise ValueError("token_type must be Bearer")
        return value

    @field_validator("access_token")
    @classmethod
    def _token_present(cls, value: SecretStr) -> SecretStr:
        if not _B64TOKEN_RE.fullmatch(value.get_secret_value()):
            raise ValueError("access_token must be a bearer token (RFC 6750 b64token)")
        return value


class HookContext(_Lenient):
    patientId: NonBlank
    userId: NonBlank
    encounterId: str | None = None


class HookRequest(_Lenient):
    hook: NonBlank
    hookInstance: UuidStr
    fhirServer: str | None = None
    fhirAuthorization: FhirAuthorization | None = None
    context: HookContext
    prefetch: dict[str, Any] | None = None

    @field_validator("fhirServer")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is not None and not value.lower().startswith(("https://", "http://")):
            raise ValueError("fhirServer must be an http(s) URL")
        return value

    @model_validator(mode="after")
    def _server_for_token(self) -> HookRequest:
        if self.fhirAuthorization is not None and self.fhirServer is None:
            raise PydanticCustomError(
                "fhir_server_required", "fhirServer is required with fhirAuthorization"
            )
        return self

    @property
    def context_dict(self) -> dict[str, Any]:
        return self.context.model_dump()


class Coding(_Lenient):
    """CDS Hooks Coding: ``code`` and ``system`` REQUIRED, ``display`` optional here."""

    system: NonBlank
    code: NonBlank
    display: str | None = None


class OverrideReason(_Lenient):
    reason: Coding | None = None
    userComment: str | None = None


class AcceptedSuggestion(_Lenient):
    id: NonBlank


class FeedbackItem(_Lenient):
    card: UuidStr
    outcome: Literal["accepted", "overridden"]
    acceptedSuggestions: list[AcceptedSuggestion] = Field(
        default_factory=list, validate_default=True
    )
    overrideReason: OverrideReason | None = None
    outcomeTimestamp: datetime

    @field_validator("outcomeTimestamp")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        if value.tzinfo is None:
            raise ValueError("outcomeTimestamp needs a time zone")
        return value

    @field_validator("acceptedSuggestions")
    @classmethod
    def _accepted_needs_suggestions(
        cls, value: list[AcceptedSuggestion], info: ValidationInfo
    ) -> list[AcceptedSuggestion]:
        # CDS Hooks 2.0 "Feedback": acceptedSuggestions is REQUIRED for accepted outcomes
        if info.data.get("outcome") == "accepted" and not value:
            raise ValueError("acceptedSuggestions is required when the outcome is accepted")
        return value


class FeedbackRequest(_Lenient):
    feedback: list[FeedbackItem] = Field(min_length=1)


def _field_name(exc: ValidationError) -> str:
    errors = exc.errors()
    if not errors:
        return "body"
    loc = errors[0]["loc"]
    named = ".".join(str(part) for part in loc)
    return named or _MODEL_ERROR_FIELDS.get(errors[0]["type"], "body")


def parse_json_object(raw: bytes) -> dict[str, Any]:
    """The body as a JSON object, or ``MalformedJson``."""
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise MalformedJson() from exc
    if not isinstance(data, dict):
        raise MalformedJson()
    return data


def validate_model(model: type[_M], data: dict[str, Any]) -> _M:
    """Validate ``data`` into ``model``; failures name the first bad field."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise MissingField(_field_name(exc)) from None


def parse_hook_request(raw: bytes) -> HookRequest:
    return validate_model(HookRequest, parse_json_object(raw))


def parse_feedback(raw: bytes) -> FeedbackRequest:
    return validate_model(FeedbackRequest, parse_json_object(raw))
