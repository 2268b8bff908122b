"""Orders and statements still in force are read whatever their date: the look-back never
hides the current treatment."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from cds_service.config import Settings
from fhir_mappings.lookback import look_back
from fhir_mappings.resources import PatientResources
from fhir_mappings.rulesets import get_ruleset
from tests.service._helpers import (
    BASE,
    PATIENT,
    SERVICE_PATH,
    FakeEvaluator,
    prefetch_whole,
    running,
)
from tests.support.fhir import searchset
from tests.support.hooks import hook_body

from .fake_fhir import FakeFhir, capability_statement, dated, ids, outcome

pytestmark = pytest.mark.anyio

TODAY = date(2025, 6, 1)  # the clock of make_app
LOOK_BACK = look_back(get_ruleset("kdigo-2024"))
LOINC = "http://loinc.org"
TYPES = (
    "Patient",
    "Condition",
    "Observation",
    "MedicationRequest",
    "MedicationDispense",
    "MedicationAdministration",
    "MedicationStatement",
    "Procedure",
    "Medication",
)


def since(rtype: str) -> date:
    first = LOOK_BACK.since(rtype, TODAY)
    assert first is not None
    return first


def order(rid: str, day: str, status: str, medication: str = "m-new") -> dict[str, Any]:
    reference = {"reference": f"Medication/{medication}"}
    return dated("MedicationRequest", rid, day, status=status, medicationReference=reference)


def record() -> list[dict[str, Any]]:
    """Orders and statements from before the look-back (2020-06-02 for both), in force or
    ended, and one order in force inside it."""
    return [
        {"resourceType": "Patient", "id": PATIENT},
        {"resourceType": "Condition", "id": "c1", "subject": {"reference": f"Patient/{PATIENT}"}},
        dated("Observation", "o1", "2025-05-01", code={"coding": [{"system": LOINC, "code": "1"}]}),
        order("mr-new", "2025-01-10", "active"),
        order("mr-old-active", "2018-03-01", "active", medication="m-old"),
        order("mr-old-hold", "2019-01-01", "on-hold", medication="m-old"),
        order("mr-old-done", "2018-03-01", "completed", medication="m-done"),
        dated("MedicationStatement", "ms-old-active", "2016-01-01", status="active"),
        dated("MedicationStatement", "ms-old-intended", "2016-01-01", status="intended"),
        dated("MedicationStatement", "ms-old-done", "2016-01-01", status="completed"),
        {"resourceType": "Medication", "id": "m-new"},
        {"resourceType": "Medication", "id": "m-old"},
        {"resourceType": "Medication", "id": "m-done"},
    ]


IN_FORCE_ORDERS = ["mr-new", "mr-old-active", "mr-old-hold"]
IN_FORCE_STATEMENTS = ["ms-old-active", "ms-old-intended"]


async def hooks(
    make_app: Callable[..., FastAPI],
    handler: Callable[[httpx.Request], httpx.Response],
    *,
    settings: Settings | None = None,
    count: int = 1,
    **body: Any,
) -> list[httpx.Response]:
    overrides: dict[str, Any] = {"fhir_transport": httpx.MockTransport(handler)}
    if settings is not None:
        overrides["settings"] = settings
    async with running(make_app(**overrides)) as client:
        return [await client.post(SERVICE_PATH, json=hook_body(**body)) for _ in range(count)]


def gathered(evaluator: FakeEvaluator, number: int = 0) -> PatientResources:
    resources: PatientResources = evaluator.calls[number]["resources"]
    return resources


def medication_reads(fake: FakeFhir) -> list[str]:
    return [r.url.path for r in fake.requests if "/Medication/" in r.url.path]


class TestOwnSearches:
    async def test_orders_and_statements_in_force_are_searched_by_status(
        self, make_app: Callable[..., FastAPI], evaluator: FakeEvaluator
    ) -> None:
        """Beside the dated search, one search by status per type, with _include and no date
        bound: the orders and statements in force from before the look-back are read (each
        once), the ended ones are not, and their Medications come in the same answer."""
        fake = FakeFhir(BASE, record())
        (response,) = await hooks(make_app, fake)
        assert response.status_code == 200
        (by_status,) = fake.searches("MedicationRequest", by_status=True)
        assert dict(by_status.url.params) == {
            "patient": PATIENT,
            "status": "active,on-hold",
            "_count": "500",
            "_include": "MedicationRequest:medication",
        }
        (statements,) = fake.searches("MedicationStatement", by_status=True)
        assert statements.url.params["status"] == "active,intended,on-hold"
        (bounded,) = fake.searches("MedicationRequest", by_status=False)
        assert bounded.url.params["authoredon"] == f"ge{since('MedicationRequest').isoformat()}"
        found = gathered(evaluator)
        assert sorted(ids(found.medication_requests)) == IN_FORCE_ORDERS
        assert sorted(ids(found.medication_statements)) == IN_FORCE_STATEMENTS
        assert sorted(ids(found.medications)) == ["m-new", "m-old"]
        assert medication_reads(fake) == []
        assert found.gaps == ()

    async def test_refused_optional_type_is_one_gap(
        self, make_app: Callable[..., FastAPI], evaluator: FakeEvaluator
    ) -> None:
        """A server refusing every MedicationStatement search: one gap for the type (its
        search by status adds none), nothing of it read; the orders are read in full."""
        fake = FakeFhir(BASE, record(), refuse_types={"MedicationStatement": 400})
        (response,) = await hooks(make_app, fake)
        assert response.status_code == 200
        found = gathered(evaluator)
        assert [(g.resource_type, g.complete_since) for g in found.gaps] == [
            ("MedicationStatement", None)
        ]
        assert found.medication_statements == ()
        assert sorted(ids(found.medication_requests)) == IN_FORCE_ORDERS


class TestPrefetch:
    async def test_whole_prefetch_keeps_them_without_a_request(
        self, make_app: Callable[..., FastAPI], evaluator: FakeEvaluator
    ) -> None:
        """A prefetch holding the whole record (no next link) keeps what is in force whatever
        its date, drops what ended before the look-back, and asks the server nothing."""
        resources = record()
        fake = FakeFhir(BASE, resources)
        (response,) = await hooks(
            make_app, fake, prefetch=prefetch_whole(with_medications=True, resources=resources)
        )
        assert response.status_code == 200
        assert fake.requests == []
        found = gathered(evaluator)
        assert sorted(ids(found.medication_requests)) == IN_FORCE_ORDERS
        assert sorted(ids(found.medication_statements)) == IN_FORCE_STATEMENTS
        assert found.gaps == ()

    async def test_first_page_is_completed_by_the_search_by_status(
        self, make_app: Callable[..., FastAPI], evaluator: FakeEvaluator
    ) -> None:
        """A first page (newest first) that covers the look-back needs no further page, but
        the rest of the record may hold orders in force: they are searched by status."""
        resources = record()
        first = searchset(
            [resources[3], resources[6]],  # mr-new, then mr-old-done (before the look-back)
            f"{BASE}/MedicationRequest?patient={PATIENT}&_offset=2",
        )
        fake = FakeFhir(BASE, resources)
        prefetch = prefetch_whole(
            with_medications=True, resources=resources, medicationRequests=first
        )
        (response,) = await hooks(make_app, fake, prefetch=prefetch)
        assert response.status_code == 200
        (search,) = fake.searches("MedicationRequest")
        assert search.url.params["status"] == "active,on-hold"
        assert "_offset" not in search.url.params
        found = gathered(evaluator)
        assert sorted(ids(found.medication_requests)) == IN_FORCE_ORDERS
        assert found.gaps == ()

    async def test_first_page_without_a_server_is_a_gap(
        self, make_app: Callable[..., FastAPI], evaluator: FakeEvaluator
    ) -> None:
        """With no fhirServer to ask, orders in force beyond a first page are unknown: a gap
        says the orders are complete from the look-back's first day on."""
        resources = record()
        first = searchset(
            [resources[3], resources[6]], f"{BASE}/MedicationRequest?patient={PATIENT}&_offset=2"
        )
        prefetch = prefetch_whole(
            with_medications=True, resources=resources, medicationRequests=first
        )
        (response,) = await hooks(
            make_app, FakeFhir(BASE, resources), prefetch=prefetch, fhirServer=...
        )
        assert response.status_code == 200
        found = gathered(evaluator)
        (gap,) = found.gaps
        assert gap.resource_type == "MedicationRequest"
        assert gap.complete_since == since("MedicationRequest")
        assert (
            gap.reason == "the EHR sent no FHIR server to search for older active MedicationRequest"
        )
        assert ids(found.medication_requests) == ["mr-new"]


def offered(**types: dict[str, Any]) -> dict[str, Any]:
    """A CapabilityStatement listing every type read, ``types`` with these details."""
    return capability_statement({rtype: types.get(rtype, {}) for rtype in TYPES})


class TestServersWithoutTheStatusParameter:
    async def test_statement_without_status_reads_the_whole_record(
        self, make_app: Callable[..., FastAPI], evaluator: FakeEvaluator
    ) -> None:
        """A type whose listed search parameters lack ``status`` is searched whole instead
        (no status, no date bound), read to the end, and only what is in force is kept."""
        params = [{"name": name} for name in ("patient", "authoredon", "_include")]
        fake = FakeFhir(
            BASE, record(), capabilities=offered(MedicationRequest={"searchParam": params})
        )
        (response,) = await hooks(make_app, fake)
        assert response.status_code == 200
        dated_search, whole = fake.searches("MedicationRequest")
        assert "authoredon" in dated_search.url.params
        assert set(whole.url.params) == {"patient", "_count", "_include"}
        found = gathered(evaluator)
        assert sorted(ids(found.medication_requests)) == IN_FORCE_ORDERS
        assert found.gaps == ()

    async def test_refused_status_falls_back_and_is_remembered(
        self, make_app: Callable[..., FastAPI], evaluator: FakeEvaluator
    ) -> None:
        """A 400 with an OperationOutcome to the search by status: the whole record is read
        instead, and the next hook does not send ``status`` again."""
        fake = FakeFhir(BASE, record(), refuse_params=frozenset({"status"}))
        responses = await hooks(make_app, fake, count=2)
        assert [r.status_code for r in responses] == [200, 200]
        # the first hook cannot tell the refused parameter from a refused _include: it tries
        # without _include first, then without status; the second hook sends neither
        by_status = fake.searches("MedicationRequest", by_status=True)
        assert ["_include" in r.url.params for r in by_status] == [True, False]
        assert len(fake.searches("MedicationRequest", by_status=False)) == 4
        for number in (0, 1):
            found = gathered(evaluator, number)
            assert sorted(ids(found.medication_requests)) == IN_FORCE_ORDERS
            assert sorted(ids(found.medication_statements)) == IN_FORCE_STATEMENTS
            assert found.gaps == ()

    async def test_server_ignoring_status_gives_only_what_is_in_force(
        self, make_app: Callable[..., FastAPI], evaluator: FakeEvaluator
    ) -> None:
        """A server that ignores ``status`` answers with the whole record: the ended orders
        in it are not kept."""
        fake = FakeFhir(BASE, record(), ignore_status=True)
        (response,) = await hooks(make_app, fake)
        assert response.status_code == 200
        assert sorted(ids(gathered(evaluator).medication_requests)) == IN_FORCE_ORDERS

    async def test_whole_record_over_the_bound_is_a_gap(
        self,
        make_app: Callable[..., FastAPI],
        evaluator: FakeEvaluator,
        settings: Settings,
    ) -> None:
        """When the whole record is more than the service reads at once, the orders in force
        from before the look-back cannot be known: a gap, and the hook answers."""
        resources = [
            *record(),
            *(order(f"mr-old-{n}", "2017-01-01", "completed") for n in range(6)),
        ]
        fake = FakeFhir(BASE, resources, refuse_params=frozenset({"status"}))
        bounded = settings.model_copy(update={"max_resources_per_search": 6})
        (response,) = await hooks(make_app, fake, settings=bounded)
        assert response.status_code == 200
        found = gathered(evaluator)
        (gap,) = found.gaps
        assert gap.resource_type == "MedicationRequest"
        assert gap.complete_since == since("MedicationRequest")
        assert gap.reason == (
            "this FHIR server holds more MedicationRequest than the service reads at once; "
            "older active ones may be missing"
        )
        assert "mr-new" in ids(found.medication_requests)


def refusing_status(fake: FakeFhir, status: int) -> Callable[[httpx.Request], httpx.Response]:
    def handler(request: httpx.Request) -> httpx.Response:
        if "status" in request.url.params:
            fake.requests.append(request)
            return httpx.Response(status, json=outcome())
        return fake(request)

    return handler


class TestFailures:
    async def test_access_refusal_is_a_gap_without_a_fallback(
        self, make_app: Callable[..., FastAPI], evaluator: FakeEvaluator
    ) -> None:
        """A 403 to the search by status is about the token: no whole-record search is sent,
        and a gap names the refusal."""
        fake = FakeFhir(BASE, record())
        (response,) = await hooks(make_app, refusing_status(fake, 403))
        assert response.status_code == 200
        assert len(fake.searches("MedicationRequest")) == 2
        gaps = {g.resource_type: g for g in gathered(evaluator).gaps}
        assert gaps["MedicationRequest"].complete_since == since("MedicationRequest")
        assert gaps["MedicationRequest"].reason == (
            "this FHIR server did not let the service search for older active MedicationRequest"
        )

    async def test_server_error_is_412(self, make_app: Callable[..., FastAPI]) -> None:
        """A 5xx to the search by status answers 412, as for any search."""
        (response,) = await hooks(make_app, refusing_status(FakeFhir(BASE, record()), 503))
        assert response.status_code == 412
