"""Fixtures for the operability tests: the real app with fake evaluator/renderer, a
respx FHIR server, and helpers to read metric values."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx
from fastapi import FastAPI
from pydantic import SecretStr

from cds_service.app import create_app
from cds_service.config import Settings
from cds_service.metrics import REGISTRY
from cds_service.service_definition import ServiceDefinition, build_service
from fhir_mappings.findings import PatientAssessment
from fhir_mappings.resources import PatientResources

BASE = "https://fhir.example.org/r4"
PATIENT = "patient-raw-4711"
TOKEN = "secret-access-token-123"
SERVICE_PATH = "/cds-services/lupus-nephritis-refractory"
PSEUDONYM_KEY = "k" * 32
#: resource type of each search key's template
KEY_TYPES = {
    "conditions": "Condition",
    "observations": "Observation",
    "medicationRequests": "MedicationRequest",
    "medicationDispenses": "MedicationDispense",
    "medicationAdministrations": "MedicationAdministration",
    "medicationStatements": "MedicationStatement",
    "procedures": "Procedure",
}
#: (topic code, indicator) of the cards the fake renderer returns
CARDS = (("refractory", "warning"), ("adherence", "info"))


def searchset(resources: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "resourceType": "Bundle",
        "type": "searchset",
        "entry": [{"resource": r} for r in resources],
    }


def full_prefetch() -> dict[str, Any]:
    out: dict[str, Any] = {"patient": {"resourceType": "Patient", "id": PATIENT}}
    for key in KEY_TYPES:
        out[key] = searchset([])
    return out


def hook_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "hook": "patient-view",
        "hookInstance": "d1577c69-dfbe-44ad-ba6d-3e05e953b2ea",
        "fhirServer": BASE,
        "fhirAuthorization": {"access_token": TOKEN, "token_type": "Bearer"},
        "context": {"userId": "Practitioner/u1", "patientId": PATIENT},
        "prefetch": full_prefetch(),
    }
    body.update(overrides)
    return body


def evaluator(
    resources: PatientResources, *, today: date, ruleset: str, show_status: bool
) -> PatientAssessment:
    return PatientAssessment(facts=None, response=None)  # type: ignore[arg-type]


def renderer(
    assessment: PatientAssessment, *, uuid_factory: Callable[[], str], ruleset: str
) -> list[dict[str, Any]]:
    return [
        {
            "uuid": uuid_factory(),
            "summary": f"{topic} card",
            "indicator": indicator,
            "source": {"label": "ln-cds", "topic": {"code": topic}},
        }
        for topic, indicator in CARDS
    ]


def sample(name: str, **labels: str) -> float:
    """The current value of one metric sample (0 when it does not exist yet)."""
    return REGISTRY.get_sample_value(name, labels) or 0.0


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'feedback.sqlite3'}"


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(
        fhir_server_allowlist=[BASE],
        require_jwt=False,
        database_url=database_url,
        pseudonym_key=SecretStr(PSEUDONYM_KEY),
    )


@pytest.fixture
def service() -> ServiceDefinition:
    return build_service(("2889-4",))


@pytest.fixture
def fhir() -> respx.Router:
    """The fake FHIR server; its /metadata answers 404 (every search assumed supported)."""
    router = respx.Router(base_url=BASE, assert_all_called=False)
    router.get("/metadata", name="metadata").respond(
        404, json={"resourceType": "OperationOutcome", "issue": []}
    )
    return router


@pytest.fixture
def make_app(
    settings: Settings, service: ServiceDefinition, fhir: respx.Router
) -> Callable[..., FastAPI]:
    def factory(**overrides: Any) -> FastAPI:
        counter = iter(range(1, 1_000_000))
        kwargs: dict[str, Any] = {
            "settings": settings,
            "clock": lambda: date(2025, 6, 1),
            "uuid_factory": lambda: f"00000000-0000-0000-0000-{next(counter):012d}",
            "fhir_transport": httpx.MockTransport(fhir.async_handler),
            "evaluator": evaluator,
            "renderer": renderer,
            "service": service,
            "rulesets": {"kdigo-2024"},
        }
        kwargs.update(overrides)
        return create_app(**kwargs)

    return factory


@asynccontextmanager
async def running(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """The app with its lifespan run (start-up and shutdown), and a client for it."""
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://testserver") as http,
    ):
        yield http


@pytest.fixture
async def client(make_app: Callable[..., FastAPI]) -> AsyncIterator[httpx.AsyncClient]:
    async with running(make_app()) as http:
        yield http
