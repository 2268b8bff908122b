"""Helpers of the operability tests: constants, a fake evaluator and renderer, metric
values, and the app run with its lifespan. The fixtures are in ``conftest.py``."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import date
from typing import Any

import httpx
from fastapi import FastAPI

from cds_service.metrics import REGISTRY
from fhir_mappings.findings import PatientAssessment
from fhir_mappings.resources import PatientResources
from tests.support.hooks import BASE as BASE

PATIENT = "patient-raw-4711"
TOKEN = "secret-access-token-123"
#: the fhirAuthorization of every hook call of these tests
AUTHORIZATION = {"access_token": TOKEN, "token_type": "Bearer"}
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


@asynccontextmanager
async def running(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """The app with its lifespan run (start-up and shutdown), and a client for it."""
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://testserver") as http,
    ):
        yield http
