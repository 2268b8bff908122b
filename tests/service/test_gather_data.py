"""Required and optional data, the server's CapabilityStatement, MedicationStatement, _include."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from cds_service.config import Settings
from cds_service.metrics import REGISTRY
from cds_service.service_definition import build_service
from fhir_mappings.resources import PatientResources
from tests.service._helpers import BASE, PATIENT, SERVICE_PATH, FakeEvaluator, running
from tests.support.hooks import hook_body

from .fake_fhir import FakeFhir, capability_statement, dated, ids

pytestmark = pytest.mark.anyio

LOINC = "http://loinc.org"
OPTIONAL = ("MedicationDispense", "MedicationAdministration", "MedicationStatement", "Procedure")
REQUIRED = ("Condition", "Observation", "MedicationRequest")
ALL_TYPES = (*REQUIRED, *OPTIONAL)


def medication_user(rtype: str, rid: str, day: str, medication: str) -> dict[str, Any]:
    return dated(rtype, rid, day, medicationReference={"reference": f"Medication/{medication}"})


def record() -> list[dict[str, Any]]:
    """One of each type the service reads, recent enough for every look-back."""
    return [
        {"resourceType": "Patient", "id": PATIENT},
        {"resourceType": "Condition", "id": "c1", "subject": {"reference": f"Patient/{PATIENT}"}},
        dated(
            "Observation",
            "o1",
            "2025-05-01",
            code={"coding": [{"system": LOINC, "code": "2160-0"}]},
        ),
        medication_user("MedicationRequest", "mr1", "2025-01-10", "m1"),
        medication_user("MedicationDispense", "md1", "2025-05-10", "m1"),
        medication_user("MedicationAdministration", "ma1", "2025-02-01", "m2"),
        medication_user("MedicationStatement", "ms1", "2025-03-01", "m3"),
        dated("Procedure", "pr1", "2024-11-01"),
        {"resourceType": "Medication", "id": "m1"},
        {"resourceType": "Medication", "id": "m2"},
        {"resourceType": "Medication", "id": "m3"},
    ]


def everything_offered(**changes: dict[str, Any]) -> dict[str, Any]:
    types: dict[str, dict[str, Any]] = {rtype: {} for rtype in ALL_TYPES}
    types.update({"Patient": {}, "Medication": {}})
    types.update(changes)
    return capability_statement(types)


async def call(
    make_app: Callable[..., FastAPI],
    fake: FakeFhir,
    *,
    settings: Settings | None = None,
    hooks: int = 1,
    **body: Any,
) -> list[httpx.Response]:
    """POST ``hooks`` hook calls (no prefetch unless given) to one app reading ``fake``."""
    overrides: dict[str, Any] = {"fhir_transport": httpx.MockTransport(fake)}
    if settings is not None:
        overrides["settings"] = settings
    async with running(make_app(**overrides)) as client:
        return [await client.post(SERVICE_PATH, json=hook_body(**body)) for _ in range(hooks)]


def gathered(evaluator: FakeEvaluator, number: int = 0) -> PatientResources:
    resources: PatientResources = evaluator.calls[number]["resources"]
    return resources


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


class TestRequiredAndOptional:
    def test_the_definition_says_which_keys_are_required(self) -> None:
        """Patient, Conditions, Observations and MedicationRequests are required; the rest
        is optional, as data in the service definition (not in discovery)."""
        service = build_service(("2160-0",))
        assert service.required_keys == {
            "patient",
            "conditions",
            "observations",
            "medicationRequests",
        }
        assert set(service.prefetch) - service.required_keys == {
            "medicationDispenses",
            "medicationAdministrations",
            "medicationStatements",
            "procedures",
        }
        assert "data" not in service.discovery()

    @pytest.mark.parametrize("rtype", OPTIONAL)
    @pytest.mark.parametrize(
        ("status", "reason"),
        [
            (400, "this FHIR server does not provide {}"),
            (404, "this FHIR server does not provide {}"),
            (403, "this service is not allowed to read {} on this FHIR server"),
        ],
    )
    async def test_refused_optional_search_is_a_gap(
        self,
        make_app: Callable[..., FastAPI],
        evaluator: FakeEvaluator,
        rtype: str,
        status: int,
        reason: str,
    ) -> None:
        """An optional search refused with a 4xx OperationOutcome: the hook answers 200 and
        the gap (nothing read) is recorded with a sentence a card can show."""
        fake = FakeFhir(BASE, record(), refuse_types={rtype: status})
        before = sample("lncds_data_gaps_total", resource_type=rtype, kind="refused")
        (response,) = await call(make_app, fake)
        assert response.status_code == 200
        resources = gathered(evaluator)
        gap = resources.gap(rtype)
        assert gap is not None
        assert gap.complete_since is None
        assert gap.reason == reason.format(rtype)
        assert len(resources.gaps) == 1
        assert [r for r in resources.all() if r.get("resourceType") == rtype] == []
        assert ids(resources.observations) == ["o1"]
        assert sample("lncds_data_gaps_total", resource_type=rtype, kind="refused") == before + 1

    @pytest.mark.parametrize("rtype", REQUIRED)
    async def test_refused_required_search_is_412(
        self, make_app: Callable[..., FastAPI], rtype: str
    ) -> None:
        """A required search refused with a 4xx OperationOutcome still answers 412."""
        fake = FakeFhir(BASE, record(), refuse_types={rtype: 400})
        (response,) = await call(make_app, fake)
        assert response.status_code == 412

    @pytest.mark.parametrize(
        "answer",
        [
            httpx.Response(429, json={"resourceType": "OperationOutcome", "issue": []}),
            httpx.Response(408, json={"resourceType": "OperationOutcome", "issue": []}),
            httpx.Response(404, text="not here"),
            httpx.Response(500, json={"resourceType": "OperationOutcome", "issue": []}),
        ],
        ids=["429", "408", "404-without-outcome", "500"],
    )
    async def test_other_failures_of_optional_searches_are_412(
        self, make_app: Callable[..., FastAPI], answer: httpx.Response
    ) -> None:
        """A transient 4xx, a 4xx without an OperationOutcome or a 5xx is not a refusal:
        even an optional search failing that way answers 412."""
        fake = FakeFhir(BASE, record())

        def handler(request: httpx.Request) -> httpx.Response:
            if request.url.path.endswith("/MedicationDispense"):
                return answer
            return fake(request)

        async with running(make_app(fhir_transport=httpx.MockTransport(handler))) as client:
            response = await client.post(SERVICE_PATH, json=hook_body())
        assert response.status_code == 412

    async def test_optional_key_without_a_server_is_a_gap(
        self, make_app: Callable[..., FastAPI], evaluator: FakeEvaluator
    ) -> None:
        """An optional key neither prefetched nor readable (no fhirServer) is a gap; the
        required ones prefetched, the hook answers."""
        resources = record()
        prefetch: dict[str, Any] = {"patient": resources[0]}
        for key, rtype in (
            ("conditions", "Condition"),
            ("observations", "Observation"),
            ("medicationRequests", "MedicationRequest"),
            ("medicationAdministrations", "MedicationAdministration"),
            ("medicationStatements", "MedicationStatement"),
            ("procedures", "Procedure"),
        ):
            entries = [r for r in resources if r["resourceType"] in (rtype, "Medication")]
            prefetch[key] = {
                "resourceType": "Bundle",
                "type": "searchset",
                "entry": [{"resource": r} for r in entries],
            }
        async with running(make_app()) as client:
            response = await client.post(
                SERVICE_PATH, json=hook_body(prefetch=prefetch, fhirServer=...)
            )
        assert response.status_code == 200
        gap = gathered(evaluator).gap("MedicationDispense")
        assert gap is not None
        assert "no FHIR server" in gap.reason
        assert gathered(evaluator).server_base is None


class TestCapabilityStatement:
    async def test_search_the_server_does_not_offer_is_not_sent(
        self, make_app: Callable[..., FastAPI], evaluator: FakeEvaluator
    ) -> None:
        """An optional type missing from the CapabilityStatement is not searched: a gap."""
        statement = everything_offered()
        statement["rest"][0]["resource"] = [
            r for r in statement["rest"][0]["resource"] if r["type"] != "MedicationDispense"
        ]
        fake = FakeFhir(BASE, record(), capabilities=statement)
        (response,) = await call(make_app, fake)
        assert response.status_code == 200
        assert fake.searches("MedicationDispense") == []
        gap = gathered(evaluator).gap("MedicationDispense")
        assert gap is not None
        assert gap.reason == "this FHIR server does not provide MedicationDispense"

    async def test_search_type_interaction_missing(
        self, make_app: Callable[..., FastAPI], evaluator: FakeEvaluator
    ) -> None:
        """A type listed with interactions but not search-type is not searched either."""
        statement = everything_offered(Procedure={"interaction": [{"code": "read"}]})
        fake = FakeFhir(BASE, record(), capabilities=statement)
        (response,) = await call(make_app, fake)
        assert response.status_code == 200
        assert fake.searches("Procedure") == []
        assert gathered(evaluator).gap("Procedure") is not None

    async def test_required_type_missing_is_still_searched(
        self, make_app: Callable[..., FastAPI], evaluator: FakeEvaluator
    ) -> None:
        """A required type the statement leaves out is searched anyway: its answer decides."""
        statement = everything_offered()
        statement["rest"][0]["resource"] = [
            r for r in statement["rest"][0]["resource"] if r["type"] != "Observation"
        ]
        fake = FakeFhir(BASE, record(), capabilities=statement)
        (response,) = await call(make_app, fake)
        assert response.status_code == 200
        assert len(fake.searches("Observation")) == 1
        assert gathered(evaluator).gaps == ()

    async def test_read_once_per_server(self, make_app: Callable[..., FastAPI]) -> None:
        """Three hooks on one server read its /metadata once."""
        fake = FakeFhir(BASE, record(), capabilities=everything_offered())
        responses = await call(make_app, fake, hooks=3)
        assert [r.status_code for r in responses] == [200, 200, 200]
        assert [r.url.path for r in fake.requests].count("/r4/metadata") == 1

    @pytest.mark.parametrize(
        "metadata",
        [
            httpx.Response(500),
            httpx.Response(200, text="<html>portal</html>", headers={"content-type": "text/html"}),
            httpx.Response(200, json={"resourceType": "Bundle", "type": "searchset"}),
        ],
        ids=["500", "html", "not-a-statement"],
    )
    async def test_unreadable_statement_assumes_everything(
        self,
        make_app: Callable[..., FastAPI],
        evaluator: FakeEvaluator,
        metadata: httpx.Response,
    ) -> None:
        """When /metadata fails, every search is sent (the searches by status included) and
        the hook answers with no gap."""
        fake = FakeFhir(BASE, record())

        def handler(request: httpx.Request) -> httpx.Response:
            if request.url.path.endswith("/metadata"):
                return metadata
            return fake(request)

        async with running(make_app(fhir_transport=httpx.MockTransport(handler))) as client:
            response = await client.post(SERVICE_PATH, json=hook_body())
        assert response.status_code == 200
        assert len(fake.data_requests()) == 10
        assert gathered(evaluator).gaps == ()


class TestMedicationStatements:
    async def test_own_prefetch_key(self, client: httpx.AsyncClient) -> None:
        """Discovery offers MedicationStatement as its own key, newest first."""
        prefetch = (await client.get("/cds-services")).json()["services"][0]["prefetch"]
        assert prefetch["medicationStatements"] == (
            "MedicationStatement?patient={{context.patientId}}&_sort=-effective&_count=250"
        )

    async def test_fetched_with_its_own_search(
        self, make_app: Callable[..., FastAPI], evaluator: FakeEvaluator
    ) -> None:
        """Without prefetch the statements are searched (bounded, newest first, with their
        Medications) and reach the assessment."""
        fake = FakeFhir(BASE, record())
        (response,) = await call(make_app, fake)
        assert response.status_code == 200
        (search,) = fake.searches("MedicationStatement", by_status=False)
        params = search.url.params
        assert params["patient"] == PATIENT
        assert params["_sort"] == "-effective"
        assert params["effective"].startswith("ge")
        assert params["_include"] == "MedicationStatement:medication"
        assert ids(gathered(evaluator).medication_statements) == ["ms1"]


class TestIncludes:
    async def test_one_round_trip(
        self, make_app: Callable[..., FastAPI], evaluator: FakeEvaluator
    ) -> None:
        """Each medication search asks for its Medications (_include): none is read after."""
        fake = FakeFhir(BASE, record(), capabilities=everything_offered())
        (response,) = await call(make_app, fake)
        assert response.status_code == 200
        for rtype in ("MedicationRequest", "MedicationDispense", "MedicationAdministration"):
            (search,) = fake.searches(rtype, by_status=False)
            assert search.url.params["_include"] == f"{rtype}:medication"
        assert [r for r in fake.requests if "/Medication/" in r.url.path] == []
        assert sorted(ids(gathered(evaluator).medications)) == ["m1", "m2", "m3"]

    async def test_refused_include_is_dropped_and_remembered(
        self, make_app: Callable[..., FastAPI], evaluator: FakeEvaluator
    ) -> None:
        """A server refusing _include gets each search once more without it, the Medications
        are read, and the next hook sends no _include at all."""
        fake = FakeFhir(BASE, record(), capabilities=everything_offered(), refuse_include=True)
        before = sample("lncds_fhir_retries_total", reason="include_refused")
        first, second = await call(make_app, fake, hooks=2)
        assert (first.status_code, second.status_code) == (200, 200)
        dated = [
            "_include" in r.url.params for r in fake.searches("MedicationRequest", by_status=False)
        ]
        assert dated == [True, False, False]
        # the search by status runs alongside: it may start before or after the refusal is
        # remembered, and is answered without _include in each hook
        by_status = [
            "_include" in r.url.params for r in fake.searches("MedicationRequest", by_status=True)
        ]
        assert by_status in ([True, False, False], [False, False])
        # every search sent with _include was refused and sent once more without it
        refused = [r for r in fake.requests if "_include" in r.url.params]
        assert sample("lncds_fhir_retries_total", reason="include_refused") == before + len(refused)
        reads = [r.url.path for r in fake.requests if "/Medication/" in r.url.path]
        assert sorted(reads) == [f"/r4/Medication/m{n}" for n in (1, 1, 2, 2, 3, 3)]
        assert sorted(ids(gathered(evaluator, 1).medications)) == ["m1", "m2", "m3"]

    async def test_statement_listing_other_includes(self, make_app: Callable[..., FastAPI]) -> None:
        """An _include missing from the type's searchInclude list is never sent."""
        statement = everything_offered(
            MedicationRequest={"searchInclude": ["MedicationRequest:requester"]}
        )
        fake = FakeFhir(BASE, record(), capabilities=statement)
        (response,) = await call(make_app, fake)
        assert response.status_code == 200
        searches = fake.searches("MedicationRequest")
        assert len(searches) == 2
        assert all("_include" not in search.url.params for search in searches)
        (dispenses,) = fake.searches("MedicationDispense")
        assert dispenses.url.params["_include"] == "MedicationDispense:medication"

    async def test_access_refusal_is_not_blamed_on_include(
        self, make_app: Callable[..., FastAPI]
    ) -> None:
        """A 403 is about the token, not _include: the search is not sent again without it."""
        fake = FakeFhir(BASE, record(), refuse_types={"MedicationDispense": 403})
        (response,) = await call(make_app, fake)
        assert response.status_code == 200
        assert len(fake.searches("MedicationDispense")) == 1
