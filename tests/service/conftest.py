"""Fixtures for the service tests: settings, a fake FHIR server (respx), fake evaluator/renderer."""

from __future__ import annotations

import threading
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx
from fastapi import FastAPI

from cds_service.app import create_app
from cds_service.config import Settings
from cds_service.service_definition import ServiceDefinition, build_service
from fhir_mappings.findings import PatientAssessment
from fhir_mappings.resources import PatientResources

BASE = "https://fhir.example.org/r4"
PATIENT = "p1"
TOKEN = "secret-access-token-123"
ORIGIN = "https://ehr.example.org"
SERVICE_PATH = "/cds-services/lupus-nephritis-refractory"
LOINC = ("2889-4", "2160-0")
#: resource type of each prefetch key's template
KEY_TYPES = {
    "conditions": "Condition",
    "observations": "Observation",
    "medicationRequests": "MedicationRequest",
    "medicationDispenses": "MedicationDispense",
    "medicationAdministrations": "MedicationAdministration",
    "medicationStatements": "MedicationStatement",
    "procedures": "Procedure",
}


def resource(rtype: str, rid: str, patient: str = PATIENT, **extra: Any) -> dict[str, Any]:
    return {
        "resourceType": rtype,
        "id": rid,
        "subject": {"reference": f"Patient/{patient}"},
        **extra,
    }


def searchset(resources: list[dict[str, Any]], next_url: str | None = None) -> dict[str, Any]:
    bundle: dict[str, Any] = {
        "resourceType": "Bundle",
        "type": "searchset",
        "entry": [{"resource": r} for r in resources],
    }
    if next_url:
        bundle["link"] = [{"relation": "next", "url": next_url}]
    return bundle


def patient_resource(pid: str = PATIENT) -> dict[str, Any]:
    return {"resourceType": "Patient", "id": pid}


def full_prefetch() -> dict[str, Any]:
    """Every key prefetched with one resource of the patient."""
    out: dict[str, Any] = {"patient": patient_resource()}
    for key, rtype in KEY_TYPES.items():
        out[key] = searchset([resource(rtype, f"{key}-1")])
    return out


def hook_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "hook": "patient-view",
        "hookInstance": "d1577c69-dfbe-44ad-ba6d-3e05e953b2ea",
        "fhirServer": BASE,
        "context": {"userId": "Practitioner/u1", "patientId": PATIENT},
        "prefetch": full_prefetch(),
    }
    body.update(overrides)
    return {key: value for key, value in body.items() if value is not ...}


class FakeEvaluator:
    """Records what it was given; returns an empty assessment."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []

    def __call__(
        self, resources: PatientResources, *, today: date, ruleset: str, show_status: bool
    ) -> PatientAssessment:
        self.calls.append(
            {
                "resources": resources,
                "today": today,
                "ruleset": ruleset,
                "show_status": show_status,
                "thread": threading.get_ident(),
            }
        )
        return PatientAssessment(facts=None, response=None)  # type: ignore[arg-type]


def fake_renderer(
    assessment: PatientAssessment, *, uuid_factory: Callable[[], str], ruleset: str
) -> list[dict[str, Any]]:
    return [
        {
            "uuid": uuid_factory(),
            "summary": "Check response",
            "indicator": "warning",
            "detail": None,
            "links": [],
            "source": {"label": "ln-cds", "topic": {"code": "refractory", "display": ""}},
        }
    ]


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        fhir_server_allowlist=[BASE],
        cors_origins=[ORIGIN],
        require_jwt=False,
        database_url=f"sqlite:///{tmp_path / 'feedback.sqlite3'}",
        pseudonym_key="k" * 32,
        fhir_extra_headers={"Epic-Client-ID": "client-42"},
    )


@pytest.fixture
def service() -> ServiceDefinition:
    return build_service(LOINC)


@pytest.fixture
def fhir() -> respx.Router:
    """The fake FHIR server; its /metadata answers 404 (every search assumed supported)."""
    router = respx.Router(base_url=BASE, assert_all_called=False)
    router.get("/metadata", name="metadata").respond(
        404, json={"resourceType": "OperationOutcome", "issue": []}
    )
    return router


@pytest.fixture
def evaluator() -> FakeEvaluator:
    return FakeEvaluator()


@pytest.fixture
def make_app(
    settings: Settings, service: ServiceDefinition, fhir: respx.Router, evaluator: FakeEvaluator
) -> Callable[..., FastAPI]:
    def factory(**overrides: Any) -> FastAPI:
        counter = iter(range(1, 1_000_000))
        kwargs: dict[str, Any] = {
            "settings": settings,
            "clock": lambda: date(2025, 6, 1),
            "uuid_factory": lambda: str(uuid.UUID(int=next(counter))),
            "fhir_transport": httpx.MockTransport(fhir.async_handler),
            "evaluator": evaluator,
            "renderer": fake_renderer,
            "service": service,
            "rulesets": {"kdigo-2024", "kdigo-2012"},
        }
        kwargs.update(overrides)
        return create_app(**kwargs)

    return factory


def asgi_client(app: FastAPI) -> httpx.AsyncClient:
    """A client for ``app`` without running its lifespan."""
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    return httpx.AsyncClient(transport=transport, base_url="http://testserver")


@asynccontextmanager
async def running(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """The app with its lifespan run (start-up and shutdown), and a client for it."""
    async with app.router.lifespan_context(app), asgi_client(app) as http:
        yield http


@pytest.fixture
async def client(make_app: Callable[..., FastAPI]) -> AsyncIterator[httpx.AsyncClient]:
    async with running(make_app()) as http:
        yield http
