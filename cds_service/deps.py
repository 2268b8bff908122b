"""What routes depend on: the app's runtime objects, as ``Annotated`` dependency aliases.

``create_app`` puts one ``Runtime`` on ``app.state.runtime``; routes take
``RuntimeDep`` / ``SettingsDep`` so tests can override them with
``app.dependency_overrides``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any, Protocol

from fastapi import Depends, Request

from cds_service.config import Settings
from cds_service.errors import PayloadTooLarge, UnknownService
from cds_service.feedback_store import CardLog, FeedbackStore
from cds_service.fhir_client import FhirClient
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

    def service(self, service_id: str) -> ServiceDefinition:
        found = self.services.get(service_id)
        if found is None:
            raise UnknownService()
        return found


def get_runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


def get_settings(runtime: Annotated[Runtime, Depends(get_runtime)]) -> Settings:
    return runtime.settings


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]
SettingsDep = Annotated[Settings, Depends(get_settings)]


async def read_body(request: Request, limit: int) -> bytes:
    """The request body, or ``PayloadTooLarge`` past ``limit`` bytes (checked while reading)."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise PayloadTooLarge()
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge()
        chunks.append(chunk)
    return b"".join(chunks)
