"""What routes depend on: the app's runtime objects, as ``Annotated`` dependency aliases.

``create_app`` puts one ``Runtime`` on ``app.state.runtime``; routes take
``RuntimeDep`` / ``SettingsDep`` so tests can override them with
``app.dependency_overrides``.

Client JWTs (CDS Hooks "Trusting CDS Clients"): ``ClientJwtDep`` guards the hook and
feedback routes when ``require_jwt``; ``DiscoveryJwtDep`` guards discovery only when
``discovery_requires_jwt`` as well. Any rejection -> ``AuthenticationFailed`` (a bare
401), counted in ``JWT_FAILURES`` by category; the verifier logs the reason (never the
token).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Annotated, Any, Protocol

from fastapi import Depends, Request
from starlette.requests import ClientDisconnect

from cds_service.auth import JwtRejected, JwtVerifier, VerifiedClient, verify_request
from cds_service.config import Settings
from cds_service.cpu_turns import CpuTurns
from cds_service.errors import (
    AuthenticationFailed,
    ClientDisconnected,
    PayloadTooLarge,
    UnknownService,
)
from cds_service.feedback_store import CardLog, FeedbackStore
from cds_service.fhir_client import FhirClient
from cds_service.hook_models import check_json_content_type
from cds_service.metrics import record_jwt_failure
from cds_service.service_definition import ServiceDefinition
from fhir_mappings.findings import PatientAssessment
from fhir_mappings.resources import PatientResources


class Evaluator(Protocol):
    """``fhir_mappings.assess``'s shape."""

    def __call__(
        self, resources: PatientResources, *, today: date, ruleset: str, show_status: bool
    ) -> PatientAssessment: ...


class Renderer(Protocol):
    """``cds_service.cards.render_cards``'s shape."""

    def __call__(
        self, assessment: PatientAssessment, *, uuid_factory: Callable[[], str], ruleset: str
    ) -> list[dict[str, Any]]: ...


@dataclass(slots=True)
class Runtime:
    """Everything a request needs; built by ``create_app``, opened in the lifespan."""

    settings: Settings
    services: dict[str, ServiceDefinition]
    clock: Callable[[], date]
    uuid_factory: Callable[[], str]
    evaluator: Evaluator
    renderer: Renderer
    fhir: FhirClient | None = None
    store: FeedbackStore | None = None
    card_log: CardLog | None = None
    #: Built in the lifespan when ``settings.require_jwt``.
    verifier: JwtVerifier | None = None
    #: Turns for the hooks' CPU-bound steps (tail latency under load).
    cpu_turns: CpuTurns = field(default_factory=CpuTurns)

    def service(self, service_id: str) -> ServiceDefinition:
        found = self.services.get(service_id)
        if found is None:
            raise UnknownService()
        return found


# ``async def`` on purpose: FastAPI runs a plain ``def`` dependency in a worker thread,
# a thread hop (and GIL hand-over) per request for an attribute read (seen in the profile).
async def get_runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


async def get_settings(runtime: Annotated[Runtime, Depends(get_runtime)]) -> Settings:
    return runtime.settings


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]
SettingsDep = Annotated[Settings, Depends(get_settings)]


async def _verified(request: Request, runtime: Runtime) -> VerifiedClient:
    if runtime.verifier is None:  # require_jwt without a verifier: fail closed
        record_jwt_failure("other")
        raise AuthenticationFailed()
    try:
        return await verify_request(runtime.verifier, request)
    except JwtRejected as exc:
        record_jwt_failure(exc.category)
        raise AuthenticationFailed() from None


async def client_jwt(request: Request, runtime: RuntimeDep) -> VerifiedClient | None:
    """The verified client of a hook or feedback call (``None`` when JWTs are off)."""
    if not runtime.settings.require_jwt:
        return None
    return await _verified(request, runtime)


async def discovery_jwt(request: Request, runtime: RuntimeDep) -> VerifiedClient | None:
    """Discovery is public unless ``require_jwt`` and ``discovery_requires_jwt``."""
    settings = runtime.settings
    if not (settings.require_jwt and settings.discovery_requires_jwt):
        return None
    return await _verified(request, runtime)


ClientJwtDep = Annotated[VerifiedClient | None, Depends(client_jwt)]
DiscoveryJwtDep = Annotated[VerifiedClient | None, Depends(discovery_jwt)]


async def read_body(request: Request, limit: int) -> bytes:
    """The JSON request body. ``UnsupportedMediaType`` when it is declared as anything but
    JSON (before reading), ``PayloadTooLarge`` past ``limit`` bytes (checked while reading),
    ``ClientDisconnected`` when the client leaves before the body is complete."""
    check_json_content_type(request.headers.get("content-type"))
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise PayloadTooLarge()
    chunks: list[bytes] = []
    size = 0
    try:
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                raise PayloadTooLarge()
            chunks.append(chunk)
    except ClientDisconnect:
        raise ClientDisconnected() from None
    return b"".join(chunks)
