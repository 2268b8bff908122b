"""Prefetch rules end to end through the hook: what is fetched, when, and the 412 answers."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

import httpx
import pytest
import respx
from fastapi import FastAPI

from cds_service.config import Settings
from cds_service.medication_refs import medication_id
from tests.service._helpers import (
    BASE,
    KEY_TYPES,
    PATIENT,
    SERVICE_PATH,
    TOKEN,
    FakeEvaluator,
    full_prefetch,
    patient_resource,
    resource,
    running,
)
from tests.support.fhir import searchset
from tests.support.hooks import hook_body

pytestmark = pytest.mark.anyio


def serve_everything(fhir: respx.Router) -> None:
    """The fake FHIR server answers every template with one resource of the patient."""
    fhir.get("/Patient/p1").respond(json=patient_resource())
    for key, rtype in KEY_TYPES.items():
        fhir.get(f"/{rtype}").respond(json=searchset([resource(rtype, f"{key}-srv")]))


async def post(client: httpx.AsyncClient, **overrides: Any) -> httpx.Response:
    return await client.post(
        SERVICE_PATH, json=hook_body(**{"prefetch": full_prefetch(), **overrides})
    )


def data_calls(fhir: respx.Router) -> list[Any]:
    """The calls to the fake server other than its /metadata (read once per server)."""
    return [c for c in fhir.calls if not c.request.url.path.endswith("/metadata")]


def data_paths(fhir: respx.Router) -> list[str]:
    return [c.request.url.path for c in data_calls(fhir)]


def _outcome_text(response: httpx.Response) -> str:
    body = response.json()
    assert body["resourceType"] == "OperationOutcome"
    return str(body["issue"][0]["diagnostics"])


class TestPerKeyRules:
    async def test_full_prefetch_contacts_no_server(
        self, client: httpx.AsyncClient, fhir: respx.Router
    ) -> None:
        """When every key is prefetched, the FHIR server is not contacted."""
        assert (await post(client)).status_code == 200
        assert fhir.calls.call_count == 0

    async def test_absent_key_is_fetched(
        self, client: httpx.AsyncClient, fhir: respx.Router, evaluator: FakeEvaluator
    ) -> None:
        """A key missing from prefetch is searched on fhirServer with the resolved template,
        bounded by the look-back and with the service's page size."""
        serve_everything(fhir)
        prefetch = full_prefetch()
        del prefetch["observations"]
        assert (await post(client, prefetch=prefetch)).status_code == 200
        (call,) = data_calls(fhir)
        assert call.request.url.path == "/r4/Observation"
        params = call.request.url.params
        assert params["patient"] == PATIENT
        assert params["code"] == "http://loinc.org|2889-4,http://loinc.org|2160-0"
        assert params["_sort"] == "-date"
        assert params["date"] == "ge2022-06-02"  # 3 x 365 days before the clock's 2025-06-01
        assert params["_count"] == "500"
        assert evaluator.calls[0]["resources"].observations[0]["id"] == "observations-srv"

    async def test_no_prefetch_fetches_every_key(
        self, client: httpx.AsyncClient, fhir: respx.Router, evaluator: FakeEvaluator
    ) -> None:
        """Without prefetch, every key is fetched: the Patient read, seven searches, and the
        searches by status of MedicationRequest and MedicationStatement."""
        serve_everything(fhir)
        assert (await post(client, prefetch=...)).status_code == 200
        assert len(data_calls(fhir)) == 10
        assert evaluator.calls[0]["resources"].patient == patient_resource()

    async def test_null_key_is_not_fetched(
        self, client: httpx.AsyncClient, fhir: respx.Router, evaluator: FakeEvaluator
    ) -> None:
        """A key whose value is null means no data: nothing is fetched and the set is empty."""
        prefetch = full_prefetch()
        prefetch["medicationDispenses"] = None
        assert (await post(client, prefetch=prefetch)).status_code == 200
        assert fhir.calls.call_count == 0
        assert evaluator.calls[0]["resources"].medication_dispenses == ()

    async def test_operation_outcome_is_fetched(
        self, client: httpx.AsyncClient, fhir: respx.Router, caplog: pytest.LogCaptureFixture
    ) -> None:
        """An OperationOutcome in place of a key is treated as absent: fetched, with a log line."""
        serve_everything(fhir)
        prefetch = full_prefetch()
        prefetch["conditions"] = {"resourceType": "OperationOutcome", "issue": []}
        with caplog.at_level(logging.INFO):
            assert (await post(client, prefetch=prefetch)).status_code == 200
        assert data_paths(fhir) == ["/r4/Condition"]
        assert any("OperationOutcome" in r.getMessage() for r in caplog.records)

    @pytest.mark.parametrize(
        "value",
        [
            "a string",
            {"resourceType": "Bundle", "type": "transaction", "entry": []},
            {"resourceType": "Condition", "id": "x"},
            {"resourceType": "Bundle", "type": "collection", "entry": []},
            {"resourceType": "Bundle", "type": "transaction-response", "entry": []},
            searchset([resource("Condition", "r5", participant=[{"actor": {"reference": "x"}}])]),
        ],
        ids=["string", "transaction", "single-resource", "collection", "tx-response", "r5-shape"],
    )
    async def test_odd_value_is_fetched(
        self, client: httpx.AsyncClient, fhir: respx.Router, value: object
    ) -> None:
        """An unexpected prefetch value is treated as absent and fetched."""
        serve_everything(fhir)
        prefetch = full_prefetch()
        prefetch["conditions"] = value
        assert (await post(client, prefetch=prefetch)).status_code == 200
        assert data_paths(fhir) == ["/r4/Condition"]

    async def test_patient_key_of_another_patient_is_refetched(
        self, client: httpx.AsyncClient, fhir: respx.Router
    ) -> None:
        """A prefetched Patient with another id is dropped and read from the server."""
        serve_everything(fhir)
        prefetch = full_prefetch()
        prefetch["patient"] = patient_resource("someone-else")
        assert (await post(client, prefetch=prefetch)).status_code == 200
        assert [c.request.url.path for c in fhir.calls] == ["/r4/Patient/p1"]

    async def test_bundle_of_another_patient_is_dropped(
        self,
        client: httpx.AsyncClient,
        fhir: respx.Router,
        evaluator: FakeEvaluator,
        caplog: pytest.LogCaptureFixture,
    ) -> None:
        """A prefetch bundle holding another patient's data is dropped (logged) and fetched."""
        serve_everything(fhir)
        prefetch = full_prefetch()
        prefetch["observations"] = searchset(
            [resource("Observation", "mine"), resource("Observation", "theirs", patient="p2")]
        )
        assert (await post(client, prefetch=prefetch)).status_code == 200
        ids = [o["id"] for o in evaluator.calls[0]["resources"].observations]
        assert ids == ["observations-srv"]
        assert any("another patient" in r.getMessage() for r in caplog.records)

    async def test_fetched_resources_of_other_patients_are_filtered(
        self, client: httpx.AsyncClient, fhir: respx.Router, evaluator: FakeEvaluator
    ) -> None:
        """Fetched resources whose subject is another patient are not used."""
        fhir.get("/Procedure").respond(
            json=searchset(
                [
                    resource("Procedure", "ok"),
                    resource("Procedure", "abs", subject={"reference": f"{BASE}/Patient/p1"}),
                    resource("Procedure", "bad", patient="p2"),
                    {"resourceType": "Procedure", "id": "nosubject"},
                ]
            )
        )
        prefetch = full_prefetch()
        del prefetch["procedures"]
        assert (await post(client, prefetch=prefetch)).status_code == 200
        ids = [p["id"] for p in evaluator.calls[0]["resources"].procedures]
        assert ids == ["ok", "abs"]


class TestVersionAndShape:
    async def test_r5_medication_request_prefetch_is_fetched(
        self,
        client: httpx.AsyncClient,
        fhir: respx.Router,
        evaluator: FakeEvaluator,
        caplog: pytest.LogCaptureFixture,
    ) -> None:
        """A prefetched MedicationRequest in R5 shape (CodeableReference medication) is fetched
        (its search and its search by status)."""
        serve_everything(fhir)
        prefetch = full_prefetch()
        r5 = resource("MedicationRequest", "r5", medication={"concept": {"text": "MMF"}})
        prefetch["medicationRequests"] = searchset([r5])
        with caplog.at_level(logging.INFO):
            assert (await post(client, prefetch=prefetch)).status_code == 200
        assert data_paths(fhir) == ["/r4/MedicationRequest"] * 2
        ids = [m["id"] for m in evaluator.calls[0]["resources"].medication_requests]
        assert ids == ["medicationRequests-srv"]
        assert any("R5" in r.getMessage() for r in caplog.records)

    async def test_r5_answer_from_server_is_412(
        self, client: httpx.AsyncClient, fhir: respx.Router
    ) -> None:
        """A server answering with R5-shaped resources gives 412, not cards from misread data."""
        r5 = resource("Procedure", "pr", occurrenceDateTime="2024-01-01")
        fhir.get("/Procedure").respond(json=searchset([r5]))
        prefetch = full_prefetch()
        del prefetch["procedures"]
        response = await post(client, prefetch=prefetch)
        assert response.status_code == 412
        assert response.json()["issue"][0]["code"] == "invalid"

    async def test_wrong_entry_types_from_server_are_dropped(
        self,
        client: httpx.AsyncClient,
        fhir: respx.Router,
        evaluator: FakeEvaluator,
        caplog: pytest.LogCaptureFixture,
    ) -> None:
        """Entries of another resource type in a search answer are dropped with a log line."""
        fhir.get("/Observation").respond(
            json=searchset(
                [
                    resource("Observation", "o1"),
                    resource("Condition", "stray"),
                    {"resourceType": "OperationOutcome", "issue": []},
                ]
            )
        )
        prefetch = full_prefetch()
        del prefetch["observations"]
        assert (await post(client, prefetch=prefetch)).status_code == 200
        resources = evaluator.calls[0]["resources"]
        assert [o["id"] for o in resources.observations] == ["o1"]
        assert [c["id"] for c in resources.conditions] == ["conditions-1"]
        assert any("another resource type" in r.getMessage() for r in caplog.records)

    async def test_included_medications_are_kept(
        self, client: httpx.AsyncClient, fhir: respx.Router, evaluator: FakeEvaluator
    ) -> None:
        """Medication entries of a MedicationRequest search (an _include) are kept."""
        fhir.get("/MedicationRequest").respond(
            json=searchset(
                [
                    resource(
                        "MedicationRequest", "mr", medicationReference={"reference": "Medication/m"}
                    ),
                    {"resourceType": "Medication", "id": "m"},
                ]
            )
        )
        prefetch = full_prefetch()
        del prefetch["medicationRequests"]
        assert (await post(client, prefetch=prefetch)).status_code == 200
        assert [m["id"] for m in evaluator.calls[0]["resources"].medications] == ["m"]
        assert len(data_calls(fhir)) == 2  # the search and the search by status

    @pytest.mark.parametrize("medication_first", [True, False])
    async def test_prefetched_requests_and_included_medication_are_kept(
        self, client: httpx.AsyncClient, evaluator: FakeEvaluator, medication_first: bool
    ) -> None:
        """A prefetched MedicationRequest searchset keeps its requests and its _include'd
        Medication, whichever entry comes last."""
        entries = [
            resource("MedicationRequest", "mr1", medicationReference={"reference": "Medication/m"}),
            resource("MedicationRequest", "mr2", medicationReference={"reference": "Medication/m"}),
        ]
        medication = {"resourceType": "Medication", "id": "m"}
        prefetch = full_prefetch()
        prefetch["medicationRequests"] = searchset(
            [medication, *entries] if medication_first else [*entries, medication]
        )
        assert (await post(client, prefetch=prefetch)).status_code == 200
        resources = evaluator.calls[0]["resources"]
        assert [r["id"] for r in resources.medication_requests] == ["mr1", "mr2"]
        assert [m["id"] for m in resources.medications] == ["m"]


class TestPaging:
    async def test_prefetched_bundle_next_link_is_followed(
        self, client: httpx.AsyncClient, fhir: respx.Router, evaluator: FakeEvaluator
    ) -> None:
        """A prefetched searchset with link[next] gets its next pages from fhirServer."""
        fhir.get("/Observation", params={"page": "2"}).respond(
            json=searchset([resource("Observation", "o2")], next_url=f"{BASE}/Observation?page=3")
        )
        fhir.get("/Observation", params={"page": "3"}).respond(
            json=searchset([resource("Observation", "o3")])
        )
        prefetch = full_prefetch()
        prefetch["observations"] = searchset(
            [resource("Observation", "o1")], next_url=f"{BASE}/Observation?page=2"
        )
        assert (await post(client, prefetch=prefetch)).status_code == 200
        ids = [o["id"] for o in evaluator.calls[0]["resources"].observations]
        assert ids == ["o1", "o2", "o3"]

    @pytest.mark.parametrize(
        "next_url",
        ["https://evil.example/r4/Observation?p=2", f"{BASE}x/Observation"],
        ids=["other-host", "lookalike-prefix"],
    )
    async def test_next_link_leaving_the_base_is_412(
        self, client: httpx.AsyncClient, fhir: respx.Router, next_url: str
    ) -> None:
        """A next link outside fhirServer is never requested and the partial key answers 412."""
        prefetch = full_prefetch()
        prefetch["observations"] = searchset([resource("Observation", "o1")], next_url=next_url)
        response = await post(
            client,
            prefetch=prefetch,
            fhirAuthorization={"access_token": TOKEN, "token_type": "Bearer"},
        )
        assert response.status_code == 412
        assert fhir.calls.call_count == 0
        text = _outcome_text(response)
        assert "observations" in text
        assert "leaves the FHIR server" in text
        assert next_url not in text

    async def test_next_link_loop_is_412(
        self, client: httpx.AsyncClient, fhir: respx.Router
    ) -> None:
        """A next link that points back to itself stops after one extra request and answers 412."""
        loop_url = f"{BASE}/Observation?page=2"
        fhir.get("/Observation", params={"page": "2"}).respond(
            json=searchset([resource("Observation", "o2")], next_url=loop_url)
        )
        prefetch = full_prefetch()
        prefetch["observations"] = searchset([resource("Observation", "o1")], next_url=loop_url)
        response = await post(client, prefetch=prefetch)
        assert response.status_code == 412
        assert "loop" in _outcome_text(response)
        assert fhir.calls.call_count == 1

    async def test_page_bound_stops_paging_with_412(
        self, make_app: Callable[..., FastAPI], settings: Settings, fhir: respx.Router
    ) -> None:
        """Paging stops at max_pages_per_search when next links keep coming, and answers 412."""
        counter = {"n": 0}

        def endless(request: httpx.Request) -> httpx.Response:
            counter["n"] += 1
            nxt = f"{BASE}/Observation?page={counter['n'] + 2}"
            return httpx.Response(200, json=searchset([resource("Observation", "x")], nxt))

        fhir.get("/Observation").mock(side_effect=endless)
        prefetch = full_prefetch()
        prefetch["observations"] = searchset([], next_url=f"{BASE}/Observation?page=2")
        bounded = settings.model_copy(update={"max_pages_per_search": 3})
        async with running(make_app(settings=bounded)) as client:
            response = await post(client, prefetch=prefetch)
        assert response.status_code == 412
        assert "page limit" in _outcome_text(response)
        assert counter["n"] == 2

    async def test_next_link_without_server_is_412(self, client: httpx.AsyncClient) -> None:
        """A paginated prefetch with no fhirServer to follow it is 412 (never partial data)."""
        prefetch = full_prefetch()
        prefetch["observations"] = searchset(
            [resource("Observation", "o1")], next_url=f"{BASE}/Observation?page=2"
        )
        response = await post(client, prefetch=prefetch, fhirServer=...)
        assert response.status_code == 412
        assert "observations" in _outcome_text(response)


class TestServerChoice:
    async def test_missing_key_without_server_is_412(self, client: httpx.AsyncClient) -> None:
        """An absent required key and no fhirServer answers 412 naming the key."""
        prefetch = full_prefetch()
        del prefetch["conditions"]
        response = await post(client, prefetch=prefetch, fhirServer=...)
        assert response.status_code == 412
        assert "conditions" in _outcome_text(response)

    async def test_server_not_allow_listed_is_never_contacted(
        self, client: httpx.AsyncClient, fhir: respx.Router, caplog: pytest.LogCaptureFixture
    ) -> None:
        """A fhirServer off the allow-list is ignored (no request, no token sent) -> 412."""
        prefetch = full_prefetch()
        del prefetch["conditions"]
        response = await post(
            client,
            prefetch=prefetch,
            fhirServer="https://other.example/fhir",
            fhirAuthorization={"access_token": TOKEN, "token_type": "Bearer"},
        )
        assert response.status_code == 412
        assert fhir.calls.call_count == 0
        assert TOKEN not in caplog.text

    async def test_allow_list_checks_path_boundary(
        self, client: httpx.AsyncClient, fhir: respx.Router
    ) -> None:
        """A server whose URL merely starts with an allowed base string is not allowed."""
        prefetch = full_prefetch()
        del prefetch["conditions"]
        response = await post(client, prefetch=prefetch, fhirServer=BASE + "-evil")
        assert response.status_code == 412
        assert fhir.calls.call_count == 0

    @pytest.mark.parametrize(
        "server",
        [f"{BASE}/../admin", f"{BASE}/%2e%2e/admin", f"{BASE}/.%2E/.%2E/x", f"{BASE}/a/..%2F.."],
        ids=["dots", "encoded-dots", "mixed-case", "encoded-slash"],
    )
    async def test_dot_segments_never_reach_the_server(
        self, client: httpx.AsyncClient, fhir: respx.Router, server: str
    ) -> None:
        """A fhirServer climbing out of the allowed base with dot segments is refused: no
        request goes out, so the token never reaches the path httpx would resolve it to."""
        prefetch = full_prefetch()
        del prefetch["conditions"]
        response = await post(
            client,
            prefetch=prefetch,
            fhirServer=server,
            fhirAuthorization={"access_token": TOKEN, "token_type": "Bearer"},
        )
        assert response.status_code == 412
        assert fhir.calls.call_count == 0

    async def test_wildcard_allow_list_contacts_any_server(
        self, make_app: Callable[..., FastAPI], settings: Settings, fhir: respx.Router
    ) -> None:
        """With the allow-list '*', any fhirServer is used."""
        serve_everything(fhir)
        anything = settings.model_copy(update={"fhir_server_allowlist": ["*"]})
        async with running(make_app(settings=anything)) as client:
            assert (await post(client, prefetch=...)).status_code == 200
        assert len(data_calls(fhir)) == 10

    async def test_empty_allow_list_contacts_nothing(
        self, make_app: Callable[..., FastAPI], settings: Settings, fhir: respx.Router
    ) -> None:
        """With an empty allow-list, no server is contacted and missing data is 412."""
        serve_everything(fhir)
        closed = settings.model_copy(update={"fhir_server_allowlist": []})
        async with running(make_app(settings=closed)) as client:
            assert (await post(client, prefetch=...)).status_code == 412
        assert fhir.calls.call_count == 0


class TestHeaders:
    async def test_bearer_sent_only_with_fhir_authorization(
        self, client: httpx.AsyncClient, fhir: respx.Router
    ) -> None:
        """Authorization: Bearer goes out only when fhirAuthorization was given."""
        serve_everything(fhir)
        await post(client, prefetch=...)
        assert all("authorization" not in c.request.headers for c in fhir.calls)
        fhir.calls.clear()
        await post(
            client,
            prefetch=...,
            fhirAuthorization={"access_token": TOKEN, "token_type": "Bearer", "scope": "x"},
        )
        assert {c.request.headers["authorization"] for c in fhir.calls} == {f"Bearer {TOKEN}"}

    async def test_extra_and_accept_headers_sent(
        self, client: httpx.AsyncClient, fhir: respx.Router
    ) -> None:
        """Configured extra headers and Accept: application/fhir+json go on every FHIR request."""
        serve_everything(fhir)
        await post(client, prefetch=...)
        for call in fhir.calls:
            assert call.request.headers["epic-client-id"] == "client-42"
            assert call.request.headers["accept"] == "application/fhir+json"

    async def test_token_never_logged(
        self, client: httpx.AsyncClient, fhir: respx.Router, caplog: pytest.LogCaptureFixture
    ) -> None:
        """Neither the access token nor the raw patient id appears in the logs, even on failure."""
        fhir.get("/Patient/p1").respond(500)
        for rtype in KEY_TYPES.values():
            fhir.get(f"/{rtype}").respond(401)
        with caplog.at_level(logging.DEBUG):
            await post(
                client,
                prefetch=...,
                fhirAuthorization={"access_token": TOKEN, "token_type": "Bearer"},
            )
            await post(client, fhirAuthorization={"access_token": TOKEN, "token_type": "Bearer"})
        assert TOKEN not in caplog.text
        for record in caplog.records:
            text = str(record.__dict__)
            assert TOKEN not in text
            assert "Patient/p1" not in text
            assert "'p1'" not in text


def _fault_routes(fhir: respx.Router, **respond: Any) -> None:
    fhir.get("/Observation").mock(**respond)


class TestFhirFaults:
    @pytest.mark.parametrize(
        "respond",
        [
            {"return_value": httpx.Response(500)},
            {"return_value": httpx.Response(401)},
            {"return_value": httpx.Response(403)},
            {"return_value": httpx.Response(404)},
            {
                "return_value": httpx.Response(
                    200, text="<html>login</html>", headers={"content-type": "text/html"}
                )
            },
            {"return_value": httpx.Response(200, text="{not json")},
            {"return_value": httpx.Response(200, json=[1, 2])},
            {"return_value": httpx.Response(200, json={"resourceType": "Bundle", "type": "batch"})},
            {"return_value": httpx.Response(200, json={"resourceType": "Observation"})},
            {"side_effect": httpx.ReadTimeout("slow")},
            {"side_effect": httpx.ConnectError("refused")},
        ],
        ids=[
            "500",
            "401",
            "403",
            "404",
            "html",
            "bad-json",
            "array",
            "batch",
            "not-bundle",
            "timeout",
            "refused",
        ],
    )
    async def test_fault_is_412_outcome(
        self, client: httpx.AsyncClient, fhir: respx.Router, respond: dict[str, Any]
    ) -> None:
        """Every FHIR failure while fetching answers 412 with an OperationOutcome, never 500."""
        _fault_routes(fhir, **respond)
        prefetch = full_prefetch()
        del prefetch["observations"]
        response = await post(client, prefetch=prefetch)
        assert response.status_code == 412
        text = _outcome_text(response)
        assert BASE not in text
        assert "Traceback" not in response.text

    async def test_wrong_type_on_read_is_412(
        self, client: httpx.AsyncClient, fhir: respx.Router
    ) -> None:
        """A Patient read answered with another resource type is 412."""
        fhir.get("/Patient/p1").respond(json={"resourceType": "Observation", "id": "p1"})
        prefetch = full_prefetch()
        del prefetch["patient"]
        assert (await post(client, prefetch=prefetch)).status_code == 412

    async def test_hook_deadline_is_412(
        self, make_app: Callable[..., FastAPI], settings: Settings, fhir: respx.Router
    ) -> None:
        """A FHIR server that never answers gives 412 (timeout) at hook_deadline_seconds."""
        import anyio

        async def slow(request: httpx.Request) -> httpx.Response:
            await anyio.sleep_forever()
            raise AssertionError("unreachable")

        fhir.get("/Observation").mock(side_effect=slow)
        prefetch = full_prefetch()
        del prefetch["observations"]
        quick = settings.model_copy(update={"hook_deadline_seconds": 0.05})
        async with running(make_app(settings=quick)) as client:
            response = await post(client, prefetch=prefetch)
        assert response.status_code == 412
        assert response.json()["issue"][0]["code"] == "timeout"


class TestMedicationReferences:
    def _with_reference(self, reference: str) -> dict[str, Any]:
        prefetch = full_prefetch()
        prefetch["medicationRequests"] = searchset(
            [
                resource("MedicationRequest", "mr1", medicationReference={"reference": reference}),
                resource(
                    "MedicationRequest", "mr2", medicationReference={"reference": "#contained"}
                ),
            ]
        )
        return prefetch

    async def test_unresolved_medication_is_read(
        self, client: httpx.AsyncClient, fhir: respx.Router, evaluator: FakeEvaluator
    ) -> None:
        """A medicationReference not in the data is read from fhirServer; contained ones are not."""
        fhir.get("/Medication/m1").respond(json={"resourceType": "Medication", "id": "m1"})
        assert (
            await post(client, prefetch=self._with_reference("Medication/m1"))
        ).status_code == 200
        assert [c.request.url.path for c in fhir.calls] == ["/r4/Medication/m1"]
        assert evaluator.calls[0]["resources"].medications[0]["id"] == "m1"

    async def test_absolute_reference_under_base_is_read(
        self, client: httpx.AsyncClient, fhir: respx.Router
    ) -> None:
        """An absolute medicationReference under fhirServer is read like a relative one."""
        fhir.get("/Medication/m2").respond(json={"resourceType": "Medication", "id": "m2"})
        prefetch = self._with_reference(f"{BASE}/Medication/m2/_history/3")
        assert (await post(client, prefetch=prefetch)).status_code == 200
        assert fhir.calls.call_count == 1

    @pytest.mark.parametrize(
        "reference",
        [
            "https://other.example/Medication/m3",
            f"{BASE}x/Medication/m3",
            f"{BASE}/../other/Medication/m3",
        ],
        ids=["other-host", "lookalike-prefix", "dot-segments"],
    )
    async def test_reference_elsewhere_is_not_read(
        self,
        client: httpx.AsyncClient,
        fhir: respx.Router,
        evaluator: FakeEvaluator,
        reference: str,
    ) -> None:
        """A medicationReference on another server is not fetched (the token stays home) and
        the order reaches the assessment with its reference as sent."""
        prefetch = self._with_reference(reference)
        assert (await post(client, prefetch=prefetch)).status_code == 200
        assert fhir.calls.call_count == 0
        request = evaluator.calls[0]["resources"].medication_requests[0]
        assert request["medicationReference"] == {"reference": reference}

    async def test_known_medication_is_not_read(
        self, client: httpx.AsyncClient, fhir: respx.Router
    ) -> None:
        """A referenced Medication already present in the data is not fetched again."""
        prefetch = self._with_reference("Medication/m1")
        prefetch["medicationRequests"]["entry"].append(
            {"resource": {"resourceType": "Medication", "id": "m1"}}
        )
        assert (await post(client, prefetch=prefetch)).status_code == 200
        assert fhir.calls.call_count == 0

    @pytest.mark.parametrize("status", [404, 410])
    async def test_medication_gone_is_left_unresolved(
        self,
        client: httpx.AsyncClient,
        fhir: respx.Router,
        evaluator: FakeEvaluator,
        caplog: pytest.LogCaptureFixture,
        status: int,
    ) -> None:
        """A Medication read answered 404/410 leaves the reference unresolved: the hook
        answers and the order reaches the assessment intact (logged without the id)."""
        fhir.get("/Medication/m1").respond(status)
        with caplog.at_level(logging.INFO):
            response = await post(client, prefetch=self._with_reference("Medication/m1"))
        assert response.status_code == 200
        resources = evaluator.calls[0]["resources"]
        assert resources.medications == ()
        assert resources.medication_requests[0]["medicationReference"] == {
            "reference": "Medication/m1"
        }
        assert resources.server_base == BASE
        assert any("left unresolved" in r.getMessage() for r in caplog.records)
        assert "m1" not in str([r.__dict__ for r in caplog.records if "unresolved" in r.msg])

    @pytest.mark.parametrize(
        "respond",
        [
            {"return_value": httpx.Response(500)},
            {"return_value": httpx.Response(403)},
            {"side_effect": httpx.ConnectError("refused")},
            {"side_effect": httpx.ReadTimeout("slow")},
        ],
        ids=["500", "403", "refused", "timeout"],
    )
    async def test_medication_read_failure_is_412(
        self, client: httpx.AsyncClient, fhir: respx.Router, respond: dict[str, Any]
    ) -> None:
        """A Medication read that fails other than 404/410 (the data exists) answers 412."""
        fhir.get("/Medication/m1").mock(**respond)
        assert (
            await post(client, prefetch=self._with_reference("Medication/m1"))
        ).status_code == 412

    async def test_reads_go_out_with_the_next_pages(
        self, make_app: Callable[..., FastAPI], evaluator: FakeEvaluator
    ) -> None:
        """A Medication named by a prefetched first page is read while the further pages are
        fetched: both requests are in flight together (one round trip, not two)."""
        medication_asked = asyncio.Event()
        overlapped: list[bool] = []

        async def handler(request: httpx.Request) -> httpx.Response:
            if request.url.path.endswith("/Medication/m1"):
                medication_asked.set()
                return httpx.Response(200, json={"resourceType": "Medication", "id": "m1"})
            if "page" not in request.url.params:  # /metadata, the search by status
                return httpx.Response(200, json=searchset([]))
            # the next page: answered once the read is in flight, or after many event-loop
            # turns (a count, not a time) if it never comes
            for _ in range(1000):
                if medication_asked.is_set():
                    break
                await asyncio.sleep(0)
            overlapped.append(medication_asked.is_set())
            return httpx.Response(200, json=searchset([resource("MedicationRequest", "mr2")]))

        prefetch = full_prefetch()
        prefetch["medicationRequests"] = searchset(
            [
                resource(
                    "MedicationRequest", "mr1", medicationReference={"reference": "Medication/m1"}
                )
            ],
            next_url=f"{BASE}/MedicationRequest?page=2",
        )
        app = make_app(fhir_transport=httpx.MockTransport(handler))
        async with running(app) as client:
            assert (await post(client, prefetch=prefetch)).status_code == 200
        assert overlapped == [True]
        resources = evaluator.calls[0]["resources"]
        assert [r["id"] for r in resources.medication_requests] == ["mr1", "mr2"]
        assert [m["id"] for m in resources.medications] == ["m1"]

    async def test_medication_without_server_is_412(self, client: httpx.AsyncClient) -> None:
        """An unresolvable medicationReference with no fhirServer answers 412."""
        response = await post(
            client, prefetch=self._with_reference("Medication/m1"), fhirServer=...
        )
        assert response.status_code == 412
        assert "medicationReference" in _outcome_text(response)


class TestMedicationId:
    @pytest.mark.parametrize(
        ("reference", "expected"),
        [
            ("Medication/m1", "m1"),
            ("Medication/m1/_history/2", "m1"),
            (f"{BASE}/Medication/m2", "m2"),
            ("HTTPS://FHIR.example.org:443/r4/Medication/m3/_history/1", "m3"),
            ("https://other.example/r4/Medication/m4", None),
            (f"{BASE}/../r4/Medication/m5", None),
            (f"{BASE}/Patient/p1", None),
            ("Medication/a b", None),
            ("Medication/" + "x" * 65, None),
        ],
    )
    def test_medication_id(self, reference: str, expected: str | None) -> None:
        """Relative and absolute references into the base name a Medication id; others none."""
        assert medication_id(reference, BASE) == expected

    def test_absolute_reference_without_a_base(self) -> None:
        """With no FHIR base known, an absolute reference names nothing readable."""
        assert medication_id(f"{BASE}/Medication/m2", None) is None
        assert medication_id("Medication/m2", None) == "m2"


class TestConcurrency:
    @pytest.mark.parametrize(("limit", "expected"), [(8, 8), (2, 2)])
    async def test_fetches_overlap_up_to_the_limit(
        self,
        make_app: Callable[..., FastAPI],
        settings: Settings,
        fhir: respx.Router,
        limit: int,
        expected: int,
    ) -> None:
        """Key fetches run concurrently, never more at once than fhir_concurrency (the
        CapabilityStatement is read first, alone)."""
        state = {"now": 0, "peak": 0}

        async def slow(request: httpx.Request) -> httpx.Response:
            state["now"] += 1
            state["peak"] = max(state["peak"], state["now"])
            # held for many event-loop turns (a count, not a time): every fetch the limit
            # lets start starts meanwhile, however busy the machine
            for _ in range(200):
                await asyncio.sleep(0)
            state["now"] -= 1
            if request.url.path.endswith("/Patient/p1"):
                return httpx.Response(200, json=patient_resource())
            rtype = request.url.path.rsplit("/", 1)[-1]
            return httpx.Response(200, json=searchset([resource(rtype, "x")]))

        fhir.route().mock(side_effect=slow)
        bounded = settings.model_copy(update={"fhir_concurrency": limit})
        async with running(make_app(settings=bounded)) as client:
            assert (await post(client, prefetch=...)).status_code == 200
        assert state["peak"] == expected
