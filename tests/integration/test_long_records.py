"""Long records against the real FHIR server, and servers that behave like real ones do.

A 12-year record (monthly orders and fills of eight drugs, ten monthly labs: about 3,500
resources) and its 6-year twin must be gathered into the same resources within the
look-back, with and without prefetch (prefetch as the CDS Hooks Sandbox fills it: the
templates' first pages). Further servers (``tests/fhir_server/server.mjs`` switches)
ignore ``_sort`` and ``_count``, ignore the date bound, page HAPI-style, close reused
connections, or refuse a search; each time the hook answers 200 with the look-back's
resources (or the gap recorded). Paging is checked at the boundary: the page holding the
first resource before the look-back is read, the next one never.

A 12-year record whose mycophenolate order from its first month is still active must be
judged on that order (the look-back never hides the current treatment), also on servers
that ignore or refuse the ``status`` search parameter.

The card text is the mapping layer's; these tests assert on the gathered resources (an
evaluator that records them, then runs the real assessment), on the line of therapy the
assessment found and on the hook status.
"""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import AbstractContextManager, asynccontextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest

from cds_service.app import create_app
from cds_service.config import Settings
from cds_service.metrics import REGISTRY
from cds_service.search_params import DATE_PARAMS, date_span
from fhir_mappings import assess
from fhir_mappings.facts import Agent
from fhir_mappings.findings import PatientAssessment
from fhir_mappings.lookback import look_back
from fhir_mappings.resources import PatientResources
from fhir_mappings.rulesets import get_ruleset
from tests.support.fhir_server import RecordingTransport, load_resources, real_app_settings

from .long_records import keys, long_record, medications, record_with_order_in_force

pytestmark = pytest.mark.integration

TODAY = date(2026, 6, 30)
SERVICE_ID = "lupus-nephritis-refractory"
USER_ID = "Practitioner/lr-clinician"
APP_URL = "http://ln-cds.test"
LONG_YEARS, SHORT_YEARS, SMALL_YEARS = 12, 6, 1
LOOK_BACK = look_back(get_ruleset("kdigo-2024"))
#: The bounded types the records hold, and where PatientResources keeps them.
BOUNDED = {
    "Observation": "observations",
    "MedicationRequest": "medication_requests",
    "MedicationDispense": "medication_dispenses",
}
_TOKEN_RE = re.compile(r"\{\{\s*context\.([A-Za-z]+)\s*\}\}")

RunServer = Callable[[Mapping[str, str] | None], AbstractContextManager[str]]


@dataclass(frozen=True)
class Patient:
    id: str
    resources: list[dict[str, Any]]


def make_patient(kind: str, years: int) -> Patient:
    patient_id = f"lr-{kind}-{uuid.uuid4().hex[:8]}"
    bundle = long_record(patient_id, years, TODAY)
    return Patient(patient_id, [entry["resource"] for entry in bundle["entry"]])


def load(base: str, *patients: Patient, oldest_first: bool = False) -> None:
    load_resources(base, medications())
    for patient in patients:
        resources = list(reversed(patient.resources)) if oldest_first else patient.resources
        load_resources(base, resources)


def in_look_back(patient: Patient, rtype: str) -> list[dict[str, Any]]:
    """The patient's resources of ``rtype`` within the look-back, newest first."""
    first = LOOK_BACK.since(rtype, TODAY)
    assert first is not None
    param = DATE_PARAMS[rtype]
    found = []
    for resource in patient.resources:
        span = date_span(resource, param) if resource["resourceType"] == rtype else None
        if span is not None and span[1] >= first.isoformat():
            found.append(resource)
    return found


def pages_read(page_size: int, patient: Patient, rtype: str) -> int:
    """Pages of a newest-first search up to the one holding the first resource before
    the look-back (when the server does not apply the date bound)."""
    return len(in_look_back(patient, rtype)) // page_size + 1


class Recorder:
    """The real assessment, remembering the resources each hook gathered and what the
    assessment made of them."""

    def __init__(self) -> None:
        self.gathered: list[PatientResources] = []
        self.assessed: list[PatientAssessment] = []

    def __call__(
        self, resources: PatientResources, *, today: date, ruleset: str, show_status: bool
    ) -> PatientAssessment:
        self.gathered.append(resources)
        assessment = assess(resources, today=today, ruleset=ruleset, show_status=show_status)
        self.assessed.append(assessment)
        return assessment


@dataclass
class App:
    client: httpx.AsyncClient
    recorder: Recorder
    base: str

    async def fire(self, patient: Patient, prefetch: Mapping[str, Any] | None) -> httpx.Response:
        body: dict[str, Any] = {
            "hook": "patient-view",
            "hookInstance": str(uuid.uuid4()),
            "fhirServer": self.base,
            "context": {"userId": USER_ID, "patientId": patient.id},
        }
        if prefetch is not None:
            body["prefetch"] = dict(prefetch)
        return await self.client.post(f"/cds-services/{SERVICE_ID}", json=body)

    async def first_pages(self, patient: Patient) -> dict[str, Any]:
        """Prefetch as the CDS Hooks Sandbox fills it: each template's first page."""
        services = (await self.client.get("/cds-services")).json()["services"]
        templates = next(s for s in services if s["id"] == SERVICE_ID)["prefetch"]
        context = {"userId": USER_ID, "patientId": patient.id}
        prefetch: dict[str, Any] = {}
        async with httpx.AsyncClient(timeout=120.0) as fhir:
            for key, template in templates.items():
                query = _TOKEN_RE.sub(lambda m: context[m.group(1)], template)
                response = await fhir.get(f"{self.base}/{query}")
                assert response.status_code == 200, response.text[:500]
                prefetch[key] = response.json()
        return prefetch


@asynccontextmanager
async def app_on(
    base: str, tmp_path: Path, transport: httpx.AsyncBaseTransport | None = None, **settings: Any
) -> AsyncIterator[App]:
    """The real app (no JWT) reading ``base``, clock at TODAY; generous timeouts, as the
    in-memory test server is slow on records of thousands."""
    values = real_app_settings(base, tmp_path, **settings)
    recorder = Recorder()
    app = create_app(
        Settings(**values), clock=lambda: TODAY, evaluator=recorder, fhir_transport=transport
    )
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url=APP_URL, timeout=300.0
        ) as client,
    ):
        yield App(client, recorder, base)


def assert_look_back(gathered: PatientResources, patient: Patient) -> None:
    """Every bounded type holds exactly the patient's look-back, nothing older, no gap."""
    assert gathered.gaps == ()
    for rtype, field in BOUNDED.items():
        found = keys(getattr(gathered, field), patient.id)
        assert found == keys(in_look_back(patient, rtype), patient.id), rtype
    assert sorted(m["id"] for m in gathered.medications) == sorted(m["id"] for m in medications())


def has_next(bundle: Mapping[str, Any]) -> bool:
    return any(link.get("relation") == "next" for link in bundle.get("link", []))


def searches(urls: list[httpx.URL], rtype: str) -> list[httpx.URL]:
    """The dated searches of ``rtype`` and their pages (not the searches by status)."""
    return [url for url in urls if url.path.endswith(f"/{rtype}") and "status" not in url.params]


def by_status(urls: list[httpx.URL], rtype: str) -> list[httpx.URL]:
    """The searches of ``rtype`` for what is still in force, whatever its date."""
    return [url for url in urls if url.path.endswith(f"/{rtype}") and "status" in url.params]


def retries() -> float:
    return (
        REGISTRY.get_sample_value("lncds_fhir_retries_total", {"reason": "stale_connection"}) or 0.0
    )


@pytest.fixture(scope="module")
def twins(fhir_base_url: str) -> tuple[Patient, Patient]:
    """A long record and its short twin, loaded into the session FHIR server."""
    long, short = make_patient("long", LONG_YEARS), make_patient("short", SHORT_YEARS)
    load(fhir_base_url, long, short)
    return long, short


class TestTwins:
    def test_without_prefetch(
        self, fhir_base_url: str, tmp_path: Path, twins: tuple[Patient, Patient]
    ) -> None:
        """Searching the server itself, the 12-year record and its 6-year twin give the
        same look-back, in one round trip each (Medications come with _include), beside
        one search by status for the orders still in force (none here)."""
        long, short = twins
        transport = RecordingTransport()

        async def scenario() -> list[int]:
            async with app_on(fhir_base_url, tmp_path, transport) as app:
                statuses = [(await app.fire(p, None)).status_code for p in (long, short)]
                for gathered, patient in zip(app.recorder.gathered, (long, short), strict=True):
                    assert_look_back(gathered, patient)
                return statuses

        assert asyncio.run(scenario()) == [200, 200]
        assert keys(in_look_back(long, "MedicationRequest"), long.id) == keys(
            in_look_back(short, "MedicationRequest"), short.id
        )
        for rtype in BOUNDED:
            assert len(searches(transport.urls, rtype)) == 2  # one page per patient
        assert len(by_status(transport.urls, "MedicationRequest")) == 2
        assert [url for url in transport.urls if "/Medication/" in url.path] == []

    def test_with_first_page_prefetch(
        self, fhir_base_url: str, tmp_path: Path, twins: tuple[Patient, Patient]
    ) -> None:
        """With the templates' first pages prefetched, the long record is continued through
        the server up to the page holding the first resource before the look-back, never
        further, and both twins give the same look-back."""
        long, short = twins
        transport = RecordingTransport()

        async def scenario() -> dict[str, Any]:
            async with app_on(fhir_base_url, tmp_path, transport) as app:
                prefetch = await app.first_pages(long)
                assert (await app.fire(long, prefetch)).status_code == 200
                assert (await app.fire(short, await app.first_pages(short))).status_code == 200
                assert_look_back(app.recorder.gathered[0], long)
                assert_look_back(app.recorder.gathered[1], short)
                return prefetch

        prefetch = asyncio.run(scenario())
        for rtype, key in (
            ("Observation", "observations"),
            ("MedicationRequest", "medicationRequests"),
            ("MedicationDispense", "medicationDispenses"),
        ):
            pages = pages_read(250, long, rtype)  # the templates ask for 250 a page
            continued = [u for u in searches(transport.urls, rtype) if long.id in str(u)]
            assert [int(u.params["_offset"]) for u in continued] == [
                250 * n for n in range(1, pages)
            ], rtype
            assert has_next(prefetch[key]), key  # the first page alone is never all of it


class TestServersThatDiffer:
    def test_server_ignoring_sort_and_count(
        self, run_fhir_server_with: RunServer, tmp_path: Path
    ) -> None:
        """A server that ignores _sort and _count (its own 100 a page, oldest first) is paged
        to the end of what it returns; the look-back is the same."""
        patient = make_patient("unsorted", SHORT_YEARS)
        transport = RecordingTransport()
        env = {"FHIR_IGNORE_PARAMS": "_sort,_count", "FHIR_PAGE_SIZE": "100"}
        with run_fhir_server_with(env) as base:
            load(base, patient, oldest_first=True)

            async def scenario() -> int:
                async with app_on(base, tmp_path, transport) as app:
                    status = (await app.fire(patient, None)).status_code
                    assert_look_back(app.recorder.gathered[0], patient)
                    return status

            assert asyncio.run(scenario()) == 200
        for rtype in BOUNDED:
            expected = -(-len(in_look_back(patient, rtype)) // 100)  # every page, 100 each
            assert len(searches(transport.urls, rtype)) == expected, rtype

    def test_server_ignoring_the_date_bound(
        self, run_fhir_server_with: RunServer, tmp_path: Path
    ) -> None:
        """A server that sorts but ignores the date bound (40 a page): paging stops at the page
        holding the first resource before the look-back, the next one is never read."""
        patient = make_patient("unbounded", SHORT_YEARS)
        transport = RecordingTransport()
        env = {"FHIR_IGNORE_PARAMS": "date,authoredon,whenhandedover", "FHIR_MAX_PAGE_SIZE": "40"}
        with run_fhir_server_with(env) as base:
            load(base, patient)

            async def scenario() -> int:
                async with app_on(base, tmp_path, transport, max_pages_per_search=50) as app:
                    status = (await app.fire(patient, None)).status_code
                    assert_look_back(app.recorder.gathered[0], patient)
                    return status

            assert asyncio.run(scenario()) == 200
        for rtype in BOUNDED:
            offsets = [int(u.params.get("_offset", "0")) for u in searches(transport.urls, rtype)]
            assert offsets == [40 * n for n in range(pages_read(40, patient, rtype))], rtype

    def test_hapi_style_paging_links(self, run_fhir_server_with: RunServer, tmp_path: Path) -> None:
        """Next links on the base (?_getpages=...&_getpagesoffset=...) are followed, with and
        without prefetch, to the same look-back."""
        patient = make_patient("hapi", SHORT_YEARS)
        transport = RecordingTransport()
        with run_fhir_server_with({"FHIR_HAPI_PAGING": "1", "FHIR_MAX_PAGE_SIZE": "100"}) as base:
            load(base, patient)

            async def scenario() -> list[int]:
                async with app_on(base, tmp_path, transport) as app:
                    fetched = (await app.fire(patient, None)).status_code
                    prefetched = await app.fire(patient, await app.first_pages(patient))
                    for gathered in app.recorder.gathered:
                        assert_look_back(gathered, patient)
                    return [fetched, prefetched.status_code]

            assert asyncio.run(scenario()) == [200, 200]
        assert any("_getpages" in url.params for url in transport.urls)

    def test_server_closing_reused_connections(
        self, run_fhir_server_with: RunServer, tmp_path: Path
    ) -> None:
        """A server that closes each keep-alive connection when it is reused: every such GET
        is sent once more on a new connection and the hook answers with the whole look-back."""
        patient = make_patient("closing", SMALL_YEARS)
        with run_fhir_server_with({"FHIR_DROP_REUSED": "1"}) as base:
            load(base, patient)
            before = retries()

            async def scenario() -> int:
                # one request at a time: each reuses the connection the previous one left
                async with app_on(base, tmp_path, fhir_concurrency=1) as app:
                    status = (await app.fire(patient, None)).status_code
                    assert_look_back(app.recorder.gathered[0], patient)
                    return status

            assert asyncio.run(scenario()) == 200
        # /metadata, the Patient, seven searches and two searches by status: every one after
        # the first reused a connection the server then closed
        assert retries() - before == 10

    def test_search_not_supported(self, run_fhir_server_with: RunServer, tmp_path: Path) -> None:
        """A server answering 400 not-supported to MedicationDispense searches: the hook still
        answers 200, the gap is recorded, the rest is read."""
        patient = make_patient("nodispense", SMALL_YEARS)
        with run_fhir_server_with({"FHIR_REFUSE_TYPES": "MedicationDispense"}) as base:
            load(base, patient)

            async def scenario() -> tuple[int, PatientResources]:
                async with app_on(base, tmp_path) as app:
                    status = (await app.fire(patient, None)).status_code
                    return status, app.recorder.gathered[0]

            status, gathered = asyncio.run(scenario())
        assert status == 200
        gap = gathered.gap("MedicationDispense")
        assert gap is not None
        assert gap.complete_since is None
        assert gap.reason == "this FHIR server does not provide MedicationDispense"
        assert gathered.medication_dispenses == ()
        assert keys(gathered.medication_requests, patient.id) == keys(
            in_look_back(patient, "MedicationRequest"), patient.id
        )
        assert gathered.server_base == base


@pytest.fixture(scope="module")
def in_force(fhir_base_url: str) -> Patient:
    """A 12-year record whose mycophenolate order from its first month is still active,
    loaded into the session FHIR server."""
    patient = make_in_force("in-force")
    load(fhir_base_url, patient)
    return patient


def make_in_force(kind: str) -> Patient:
    patient_id = f"lr-{kind}-{uuid.uuid4().hex[:8]}"
    bundle = record_with_order_in_force(patient_id, LONG_YEARS, TODAY)
    return Patient(patient_id, [entry["resource"] for entry in bundle["entry"]])


def order_in_force(patient: Patient) -> str:
    return f"{patient.id}-mr-mmf-in-force"


def assert_judged_on_the_order_in_force(
    app: App, number: int, patient: Patient, response: httpx.Response
) -> None:
    """The hook read the order from the record's first month, with its Medication, and
    its cards are about the mycophenolate line that order started (no card at all when
    the order was missed: no line of therapy, nothing to judge)."""
    assert response.status_code == 200, response.text[:500]
    gathered = app.recorder.gathered[number]
    assert order_in_force(patient) in {r["id"] for r in gathered.medication_requests}
    assert "lr-mmf" in {m["id"] for m in gathered.medications}
    assert gathered.gaps == ()
    line = app.recorder.assessed[number].facts.treatment.current
    assert line is not None
    assert [member.agent for member in line.agents] == [Agent.MYCOPHENOLATE_MOFETIL]
    first = min(
        r["authoredOn"] for r in patient.resources if r["resourceType"] == "MedicationRequest"
    )
    assert line.start == date.fromisoformat(first)
    cards = response.json()["cards"]
    assert cards
    assert any("mycophenolate mofetil" in card.get("detail", "") for card in cards)


class TestOrdersInForce:
    def test_order_from_the_first_year_is_read(
        self, fhir_base_url: str, tmp_path: Path, in_force: Patient
    ) -> None:
        """The service searches the orders in force by status beside the dated search, and
        completes a first-page prefetch the same way: both hooks see the 12-year-old order
        and its Medication (_include)."""
        transport = RecordingTransport()

        async def scenario() -> None:
            async with app_on(fhir_base_url, tmp_path, transport) as app:
                fetched = await app.fire(in_force, None)
                assert_judged_on_the_order_in_force(app, 0, in_force, fetched)
                prefetched = await app.fire(in_force, await app.first_pages(in_force))
                assert_judged_on_the_order_in_force(app, 1, in_force, prefetched)

        asyncio.run(scenario())
        searched = by_status(transport.urls, "MedicationRequest")
        assert len(searched) == 2
        assert {url.params["status"] for url in searched} == {"active,on-hold"}
        assert {url.params["_include"] for url in searched} == {"MedicationRequest:medication"}
        assert all("authoredon" not in url.params for url in searched)
        # the order's Medication came with it, never read on its own (the prefetched pages
        # carry no Medications: those of the other drugs are read one by one)
        assert [url for url in transport.urls if url.path.endswith("/Medication/lr-mmf")] == []

    @pytest.mark.parametrize(
        "env",
        [{"FHIR_IGNORE_PARAMS": "status"}, {"FHIR_REFUSE_PARAMS": "status"}],
        ids=["ignoring-status", "refusing-status"],
    )
    def test_server_without_the_status_parameter(
        self, run_fhir_server_with: RunServer, tmp_path: Path, env: dict[str, str]
    ) -> None:
        """A server that ignores ``status`` (answering with every order) or refuses it (400
        with an OperationOutcome) still gives the order in force: from the whole record,
        read to the end, keeping only what is in force; no gap."""
        patient = make_in_force("no-status")
        transport = RecordingTransport()
        with run_fhir_server_with(env) as base:
            load(base, patient)

            async def scenario() -> None:
                async with app_on(base, tmp_path, transport) as app:
                    for number in (0, 1):
                        response = await app.fire(patient, None)
                        assert_judged_on_the_order_in_force(app, number, patient, response)
                    ended = [
                        r
                        for r in app.recorder.gathered[0].medication_requests
                        if r["authoredOn"] < LOOK_BACK.since("MedicationRequest", TODAY).isoformat()
                    ]
                    assert [r["id"] for r in ended] == [order_in_force(patient)]

            asyncio.run(scenario())
        if "FHIR_REFUSE_PARAMS" in env:  # refused once, then not sent again
            assert len(by_status(transport.urls, "MedicationRequest")) == 2
