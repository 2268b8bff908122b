"""Helpers of the service tests: constants, resources, a fake evaluator and renderer, and
the app run with its lifespan. The fixtures that use them are in ``conftest.py``."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import date
from typing import Any

import httpx
from fastapi import FastAPI

from fhir_mappings.findings import PatientAssessment
from fhir_mappings.resources import PatientResources
from tests.support.fhir import searchset
from tests.support.hooks import BASE as BASE
from tests.support.hooks import PATIENT as PATIENT

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


def patient_resource(pid: str = PATIENT) -> dict[str, Any]:
    return {"resourceType": "Patient", "id": pid}


def full_prefetch() -> dict[str, Any]:
    """Every key prefetched with one resource of the patient."""
    out: dict[str, Any] = {"patient": patient_resource()}
    for key, rtype in KEY_TYPES.items():
        out[key] = searchset([resource(rtype, f"{key}-1")])
    return out


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


def asgi_client(app: FastAPI) -> httpx.AsyncClient:
    """A client for ``app`` without running its lifespan."""
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    return httpx.AsyncClient(transport=transport, base_url="http://testserver")


@asynccontextmanager
async def running(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """The app with its lifespan run (start-up and shutdown), and a client for it."""
    async with app.router.lifespan_context(app), asgi_client(app) as http:
        yield http


#: The prefetch keys of the service and the resource type each holds.
PREFETCH_TYPES = (
    ("conditions", "Condition"),
    ("observations", "Observation"),
    ("medicationRequests", "MedicationRequest"),
    ("medicationDispenses", "MedicationDispense"),
    ("medicationAdministrations", "MedicationAdministration"),
    ("medicationStatements", "MedicationStatement"),
    ("procedures", "Procedure"),
)


def prefetch_whole(
    resources: list[dict[str, Any]], *, with_medications: bool, **pages: dict[str, Any]
) -> dict[str, Any]:
    """Every key prefetched whole (no next link), the patient first in ``resources``,
    except the keys given (first pages). ``with_medications``: the medication keys'
    searchsets also hold the Medications, as ``_include`` would bring them."""
    out: dict[str, Any] = {"patient": resources[0]}
    for key, rtype in PREFETCH_TYPES:
        wanted = {rtype}
        if with_medications and rtype.startswith("Medication"):
            wanted.add("Medication")
        out[key] = pages.get(key) or searchset(
            [r for r in resources if r["resourceType"] in wanted]
        )
    return out
