"""The service's one error tree. Every error knows its HTTP status and its body.

Hierarchy::

    LnCdsError                      500  base class (never raised directly)
    ├── RequestError                400  the caller sent something wrong
    │   ├── MalformedJson           400  body is not a JSON object
    │   ├── WrongHook               400  ``hook`` is not the service's hook
    │   └── MissingField(field)     400  a required field is absent or invalid
    ├── UnknownService              404  no service with that id
    ├── PayloadTooLarge             413  body larger than ``max_body_bytes``
    ├── UnsupportedMediaType        415  body declared as something other than JSON
    ├── ClientDisconnected          499  the client left before its body was read (no body)
    ├── AuthenticationFailed        401  client JWT rejected (bare: no detail)
    ├── DataUnavailable(keys, why)  412  needed data could not be obtained (or only part)
    ├── ServiceUnavailable          503  a dependency of ours (feedback store, jti store) is down
    └── FhirError                   412  the FHIR server failed us (see below)
        ├── FhirUnavailable         412  connection refused / network failure
        ├── FhirTimeout             412  timeout or per-hook deadline exceeded
        ├── FhirBadResponse(status) 412  non-2xx answer (``has_outcome``: it carried an
        │                                OperationOutcome)
        ├── FhirInvalidContent      412  HTML, invalid JSON, wrong resourceType
        └── FhirTooLarge            412  an answer over ``max_fhir_response_bytes``

A FHIR failure means the data a hook needs is unavailable, so every ``FhirError``
answers 412 like ``DataUnavailable`` (CDS Hooks 2.0 "Prefetch Template": data needed
but not obtainable -> 412). The gathering step catches some on optional searches
instead (a server refusing a search it does not offer): the hook then answers, with
the gap recorded for the rules. Bodies are FHIR ``OperationOutcome`` s with a safe,
generic ``diagnostics`` sentence: never a stack trace, URL, token or internal message.
Mapping to HTTP happens in one place: ``cds_service.app`` exception handlers.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, ClassVar


def operation_outcome(
    diagnostics: str, *, code: str = "exception", severity: str = "error"
) -> dict[str, Any]:
    """A minimal FHIR R4 OperationOutcome with one issue."""
    return {
        "resourceType": "OperationOutcome",
        "issue": [{"severity": severity, "code": code, "diagnostics": diagnostics}],
    }


class LnCdsError(Exception):
    """Base of every error the service raises on purpose."""

    status_code: ClassVar[int] = 500
    #: FHIR ``IssueType`` code (http://hl7.org/fhir/issue-type).
    issue_code: ClassVar[str] = "exception"
    #: The generic, caller-safe message.
    message: ClassVar[str] = "The service could not process the request."

    def diagnostics(self) -> str:
        """The caller-safe sentence put in the OperationOutcome."""
        return self.message

    def outcome(self) -> dict[str, Any]:
        return operation_outcome(self.diagnostics(), code=self.issue_code)


class RequestError(LnCdsError):
    status_code = 400
    issue_code = "invalid"
    message = "The request is invalid."


class MalformedJson(RequestError):
    issue_code = "structure"
    message = "The request body is not a JSON object."


class WrongHook(RequestError):
    issue_code = "not-supported"
    message = "This service does not handle that hook."


class MissingField(RequestError):
    issue_code = "required"

    def __init__(self, field: str) -> None:
        super().__init__(field)
        self.field = field

    def diagnostics(self) -> str:
        return f"The request field '{self.field}' is missing or invalid."


class UnknownService(LnCdsError):
    status_code = 404
    issue_code = "not-found"
    message = "No CDS service with that id."


class PayloadTooLarge(LnCdsError):
    status_code = 413
    issue_code = "too-costly"
    message = "The request body is too large."


class UnsupportedMediaType(LnCdsError):
    status_code = 415
    issue_code = "not-supported"
    message = (
        "The request body must be JSON: Content-Type application/json or "
        "application/fhir+json (charset, if given, utf-8)."
    )


class ClientDisconnected(LnCdsError):
    """The client closed the connection before its request body was read: its own doing,
    logged at info without a stack trace. 499 (nginx's "client closed request") is what the
    metrics record; nobody is left to receive the bodiless answer."""

    status_code = 499
    issue_code = "incomplete"
    message = "The client closed the connection before the request body was read."


class AuthenticationFailed(LnCdsError):
    """401 with a bare body: the spec forbids telling the caller why."""

    status_code = 401
    issue_code = "login"
    message = "Unauthorized."


class DataUnavailable(LnCdsError):
    """Needed data is missing, or only part of it could be had (``reason`` says why).

    Partial data answers 412 too: a card drawn from part of the record could read
    differently with all of it. ``reason`` must be a caller-safe sentence fragment
    (a fixed phrase, never a URL, id or exception text).
    """

    status_code = 412
    issue_code = "not-found"

    def __init__(self, keys: Iterable[str], reason: str | None = None) -> None:
        self.keys = tuple(sorted(set(keys)))
        self.reason = reason
        super().__init__(", ".join(self.keys))

    def diagnostics(self) -> str:
        text = (
            "Data needed for this service could not be obtained "
            f"(prefetch keys: {', '.join(self.keys)})"
        )
        if self.reason:
            return f"{text}: {self.reason}; only part of the data was available."
        return text + "."


class ServiceUnavailable(LnCdsError):
    status_code = 503
    issue_code = "transient"
    message = "The service is temporarily unavailable."


class FhirError(LnCdsError):
    status_code = 412
    issue_code = "transient"
    message = "The FHIR server could not provide the data this service needs."


class FhirUnavailable(FhirError):
    message = "The FHIR server could not be reached."


class FhirTimeout(FhirError):
    issue_code = "timeout"
    message = "The FHIR server did not answer in time."


class FhirBadResponse(FhirError):
    def __init__(self, status: int, *, has_outcome: bool = False) -> None:
        super().__init__(status)
        self.status = status
        #: The answer's body was a FHIR OperationOutcome (a deliberate refusal, not a crash).
        self.has_outcome = has_outcome

    def diagnostics(self) -> str:
        return f"The FHIR server answered with HTTP {self.status}."


class FhirInvalidContent(FhirError):
    issue_code = "invalid"
    message = "The FHIR server answered with content that is not the expected FHIR JSON."


class FhirTooLarge(FhirError):
    issue_code = "too-costly"
    message = "The FHIR server's answer is larger than this service accepts."
