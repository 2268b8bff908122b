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
Bodies are JSON: ``check_json_content_type`` refuses any other declared media type (415).

Feedback is stored, and later printed for the CDS committee, so it is held to limits up
front: lengths (``MAX_*`` below, the one home of each limit: the database columns are
declared from them), no control characters (tab and line feed allowed in the free-text
comment, CRLF stored as LF), and ``outcomeTimestamp`` within ``OUTCOME_TIMESTAMP_RANGE``
(normalised to UTC, which also keeps extreme offsets from overflowing).
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime
from typing import Annotated, Any, Literal, TypeVar

import orjson
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    SecretStr,
    StringConstraints,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from cds_service.errors import MalformedJson, MissingField, UnsupportedMediaType

_M = TypeVar("_M", bound=BaseModel)

#: RFC 6750 section 2.1: b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
_B64TOKEN_RE = re.compile(r"[A-Za-z0-9\-._~+/]+=*")
#: Model-level (cross-field) error types -> the field the caller is told about.
_MODEL_ERROR_FIELDS = {"fhir_server_required": "fhirServer"}

#: Media types a hook or feedback body may be declared as: JSON (CDS Hooks 2.0 "Calling a
#: CDS Service"; the CDS Hooks Sandbox sends ``application/json;charset=utf-8``), or FHIR's
#: JSON media type for clients that label it so. The only parameter allowed is ``charset``,
#: and only UTF-8 (RFC 8259 section 8.1). Anything else declared is a 415, which also
#: keeps browsers' CORS-exempt form and text posts out.
JSON_MEDIA_TYPES = ("application/json", "application/fhir+json")

#: Feedback limits (CDS Hooks 2.0 "Feedback" sets none). The columns of
#: ``cds_service.feedback_store.feedback`` are declared from these, so anything that passes
#: validation fits on every backend. Our cards and suggestions carry UUIDs (36 characters);
#: codes and displays are override reasons from the service's own code system.
MAX_FEEDBACK_ITEMS = 100
MAX_SUGGESTIONS_PER_ITEM = 64
MAX_CARD_UUID_CHARS = 64
MAX_SUGGESTION_ID_CHARS = 128
MAX_CODING_SYSTEM_CHARS = 512
MAX_CODING_CODE_CHARS = 256
MAX_CODING_DISPLAY_CHARS = 512
#: A few paragraphs of free text; the column is unbounded TEXT, this is its only limit.
MAX_USER_COMMENT_CHARS = 4096
#: ``outcomeTimestamp`` must fall in [start, end) once in UTC: CDS Hooks feedback cannot
#: predate 2000, and a far-future date is a client bug (it would also hide the item from
#: every report period).
OUTCOME_TIMESTAMP_RANGE = (datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC))

#: C0 controls, DEL and C1 controls (``unicodedata`` category Cc): never in a code, display,
#: id or system; a terminal or a database may act on them (ESC sequences, NUL).
_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f-\x9f]")
#: The same, minus tab and line feed, which a free-text comment may hold.
_COMMENT_CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _uuid_string(value: str) -> str:
    uuid.UUID(value)  # raises ValueError
    return value


def _non_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("blank")
    return value


def _no_controls(value: str) -> str:
    if _CONTROL_RE.search(value):
        raise ValueError("control character")
    return value


def _lf_line_ends(value: object) -> object:
    return value.replace("\r\n", "\n") if isinstance(value, str) else value


def _comment_text(value: str) -> str:
    if _COMMENT_CONTROL_RE.search(value):
        raise ValueError("control character other than tab or line feed")
    return value


UuidStr = Annotated[str, AfterValidator(_uuid_string)]
NonBlank = Annotated[str, AfterValidator(_non_blank)]
CardUuid = Annotated[UuidStr, StringConstraints(max_length=MAX_CARD_UUID_CHARS)]
SuggestionId = Annotated[
    NonBlank, StringConstraints(max_length=MAX_SUGGESTION_ID_CHARS), AfterValidator(_no_controls)
]
CodingSystem = Annotated[
    NonBlank, StringConstraints(max_length=MAX_CODING_SYSTEM_CHARS), AfterValidator(_no_controls)
]
CodingCode = Annotated[
    NonBlank, StringConstraints(max_length=MAX_CODING_CODE_CHARS), AfterValidator(_no_controls)
]
CodingDisplay = Annotated[
    str, StringConstraints(max_length=MAX_CODING_DISPLAY_CHARS), AfterValidator(_no_controls)
]
UserComment = Annotated[
    str,
    BeforeValidator(_lf_line_ends),
    StringConstraints(max_length=MAX_USER_COMMENT_CHARS),
    AfterValidator(_comment_text),
]


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

    system: CodingSystem
    code: CodingCode
    display: CodingDisplay | None = None


class OverrideReason(_Lenient):
    reason: Coding | None = None
    userComment: UserComment | None = None


class AcceptedSuggestion(_Lenient):
    id: SuggestionId


class FeedbackItem(_Lenient):
    card: CardUuid
    outcome: Literal["accepted", "overridden"]
    acceptedSuggestions: list[AcceptedSuggestion] = Field(
        default_factory=list, validate_default=True, max_length=MAX_SUGGESTIONS_PER_ITEM
    )
    overrideReason: OverrideReason | None = None
    outcomeTimestamp: datetime

    @field_validator("outcomeTimestamp")
    @classmethod
    def _utc_in_range(cls, value: datetime) -> datetime:
        if value.tzinfo is None:
            raise ValueError("outcomeTimestamp needs a time zone")
        try:
            # a date at the edge of the calendar with a large offset has no UTC equivalent
            in_utc = value.astimezone(UTC)
        except OverflowError:
            raise ValueError("outcomeTimestamp out of range") from None
        start, end = OUTCOME_TIMESTAMP_RANGE
        if not start <= in_utc < end:
            raise ValueError("outcomeTimestamp out of range")
        return in_utc

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
    feedback: list[FeedbackItem] = Field(min_length=1, max_length=MAX_FEEDBACK_ITEMS)


def _field_name(exc: ValidationError) -> str:
    errors = exc.errors()
    if not errors:
        return "body"
    loc = errors[0]["loc"]
    named = ".".join(str(part) for part in loc)
    return named or _MODEL_ERROR_FIELDS.get(errors[0]["type"], "body")


def check_json_content_type(header: str | None) -> None:
    """``UnsupportedMediaType`` unless ``header`` is one of ``JSON_MEDIA_TYPES`` with at most a
    UTF-8 ``charset``. No header at all is let through: RFC 9110 section 8.3 lets the
    recipient examine the data, and the body must then parse as a JSON object anyway."""
    if header is None:
        return
    media_type, *parameters = header.split(";")
    if media_type.strip().lower() not in JSON_MEDIA_TYPES:
        raise UnsupportedMediaType()
    for parameter in parameters:
        name, _, value = parameter.partition("=")
        if name.strip().lower() != "charset" or value.strip().strip('"').lower() != "utf-8":
            raise UnsupportedMediaType()


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
