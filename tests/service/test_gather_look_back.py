"""Searches bounded by the look-back, paging that stops once it is covered, and partial data."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from cds_service.config import Settings
from cds_service.fhir_client import FhirClient, make_http_client
from cds_service.hook_models import HookRequest
from cds_service.prefetch import gather
from cds_service.search_params import DATE_PARAMS
from cds_service.service_definition import ServiceDefinition
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

from .fake_fhir import FakeFhir, capability_statement, dated, ids

pytestmark = pytest.mark.anyio

TODAY = date(2025, 6, 1)  # the clock of make_app
LOOK_BACK = look_back(get_ruleset("kdigo-2024"))
LOINC = "http://loinc.org"


def since(rtype: str) -> date:
    first = LOOK_BACK.since(rtype, TODAY)
    assert first is not None
    return first


def monthly(rtype: str, months: int, **extra: Any) -> list[dict[str, Any]]:
    """One resource on the 15th of each of the last ``months`` months, newest first (ids
    named by date, so a long record and its short twin share them)."""
    out = []
    for back in range(1, months + 1):
        year, month = divmod(TODAY.year * 12 + TODAY.month - 1 - back, 12)
        day = date(year, month + 1, 15).isoformat()
        out.append(dated(rtype, f"{rtype[:3].lower()}-{day}", day, **extra))
    return out


def observations(months: int) -> list[dict[str, Any]]:
    return monthly("Observation", months, code={"coding": [{"system": LOINC, "code": "2160-0"}]})


def record(months: int) -> list[dict[str, Any]]:
    """A record of ``months`` months: monthly labs, orders, fills, administrations, statements."""
    return [
        {"resourceType": "Patient", "id": PATIENT},
        {"resourceType": "Condition", "id": "c1", "subject": {"reference": f"Patient/{PATIENT}"}},
        *observations(months),
        *monthly("MedicationRequest", months),
        *monthly("MedicationDispense", months),
        *monthly("MedicationAdministration", months),
        *monthly("MedicationStatement", months),
        dated("Procedure", "pr1", "2012-03-01"),
    ]


def in_look_back(resources: list[dict[str, Any]], rtype: str) -> list[str]:
    first = since(rtype).isoformat()
    element = DATE_PARAMS[rtype].elements[0]
    return ids(r for r in resources if r["resourceType"] == rtype and r[element][:10] >= first)


async def hooks(
    make_app: Callable[..., FastAPI], fake: FakeFhir, settings: Settings, **body: Any
) -> httpx.Response:
    app = make_app(settings=settings, fhir_transport=httpx.MockTransport(fake))
    async with running(app) as client:
        return await client.post(SERVICE_PATH, json=hook_body(**body))


def gathered(evaluator: FakeEvaluator) -> PatientResources:
    resources: PatientResources = evaluator.calls[-1]["resources"]
    return resources


class TestBounds:
    @pytest.mark.parametrize(
        ("rtype", "param"),
        [
            ("Observation", "date"),
            ("MedicationRequest", "authoredon"),
            ("MedicationDispense", "whenhandedover"),
            ("MedicationAdministration", "effective-time"),
            ("MedicationStatement", "effective"),
        ],
    )
    async def test_search_asks_for_the_look_back_newest_first(
        self, make_app: Callable[..., FastAPI], settings: Settings, rtype: str, param: str
    ) -> None:
        """Each bounded search names its FHIR R4 date parameter: ge the look-back's first
        day, sorted on it newest first, with the service's page size."""
        fake = FakeFhir(BASE, record(3))
        response = await hooks(make_app, fake, settings)
        assert response.status_code == 200
        (search,) = fake.searches(rtype, by_status=False)
        params = search.url.params
        assert params[param] == f"ge{since(rtype).isoformat()}"
        assert params["_sort"] == f"-{param}"
        assert params["_count"] == str(settings.fhir_search_page_size)

    @pytest.mark.parametrize("rtype", ["Condition", "Procedure"])
    async def test_whole_record_types_are_not_bounded(
        self, make_app: Callable[..., FastAPI], settings: Settings, rtype: str
    ) -> None:
        """Conditions and Procedures are read whole (no date bound)."""
        fake = FakeFhir(BASE, record(3))
        await hooks(make_app, fake, settings)
        (search,) = fake.searches(rtype)
        assert "date" not in search.url.params

    async def test_parameter_the_server_does_not_list_is_left_out(
        self, make_app: Callable[..., FastAPI], settings: Settings
    ) -> None:
        """A type whose listed search parameters lack its date parameter gets neither the
        bound nor the sort (a strict server would refuse them)."""
        statement = capability_statement(
            {"MedicationDispense": {"searchParam": [{"name": "patient"}]}}
        )
        fake = FakeFhir(BASE, record(3), capabilities=statement)
        assert (await hooks(make_app, fake, settings)).status_code == 200
        (search,) = fake.searches("MedicationDispense")
        assert set(search.url.params) == {"patient", "_count", "_include"}

    async def test_without_an_evaluation_date_the_whole_record_is_read(
        self, settings: Settings, service: ServiceDefinition
    ) -> None:
        """gather() without today (the command line) bounds nothing and drops nothing."""
        fake = FakeFhir(BASE, record(40))
        client = FhirClient(make_http_client(settings, httpx.MockTransport(fake)), settings)
        request = HookRequest.model_validate(hook_body())
        found = await gather(request, service, client, settings)
        await client.aclose()
        (search,) = fake.searches("MedicationDispense")
        assert "whenhandedover" not in search.url.params
        assert len(found.resources.medication_dispenses) == 40


class TestPagingStopsAtTheLookBack:
    @pytest.mark.parametrize(("page_size", "pages"), [(5, 3), (6, 3), (12, 2), (13, 1)])
    async def test_page_holding_the_first_day_is_read_the_next_is_not(
        self,
        make_app: Callable[..., FastAPI],
        settings: Settings,
        evaluator: FakeEvaluator,
        page_size: int,
        pages: int,
    ) -> None:
        """A server that sorts but ignores the date bound: paging goes on to the page holding
        the first fill before the look-back, never further, and what is older is dropped."""
        # 24 monthly fills, newest first; the look-back (360 days) starts 2024-06-06: the
        # 12th fill (2024-06-15) is the oldest inside it, the 13th (2024-05-15) the first
        # before it, so the page holding the 13th is the last one read
        fake = FakeFhir(BASE, record(24), ignore_dates=True, page_size=page_size)
        response = await hooks(make_app, fake, settings)
        assert response.status_code == 200
        offsets = [p.url.params.get("_offset", "0") for p in fake.searches("MedicationDispense")]
        assert offsets == [str(page_size * n) for n in range(pages)]
        dispenses = gathered(evaluator).medication_dispenses
        assert ids(dispenses) == in_look_back(record(24), "MedicationDispense")
        assert len(dispenses) == 12
        assert gathered(evaluator).gaps == ()

    async def test_honest_server_ends_the_paging_itself(
        self, make_app: Callable[..., FastAPI], settings: Settings, evaluator: FakeEvaluator
    ) -> None:
        """A server that honours the bound answers only the look-back: paging ends with it."""
        fake = FakeFhir(BASE, record(24), page_size=5)
        assert (await hooks(make_app, fake, settings)).status_code == 200
        assert len(fake.searches("MedicationDispense")) == 3  # 12 fills, 5 a page
        assert ids(gathered(evaluator).medication_dispenses) == in_look_back(
            record(24), "MedicationDispense"
        )

    async def test_server_ignoring_sort_and_bound_is_read_to_the_end(
        self, make_app: Callable[..., FastAPI], settings: Settings, evaluator: FakeEvaluator
    ) -> None:
        """A server that ignores _sort, the date bound and _count is paged to the end (the
        order proves nothing), and the look-back's resources are the same as the twin's."""
        short = record(12)
        long = list(reversed(record(60)))  # stored oldest first, as records grow
        fake = FakeFhir(BASE, long, ignore_dates=True, ignore_sort=True, page_size=7)
        roomy = settings.model_copy(update={"max_pages_per_search": 100})
        assert (await hooks(make_app, fake, roomy)).status_code == 200
        assert len(fake.searches("MedicationDispense")) == 9  # 60 fills, 7 a page
        found = gathered(evaluator)
        for rtype, field in (
            ("MedicationDispense", "medication_dispenses"),
            ("Observation", "observations"),
        ):
            assert sorted(ids(getattr(found, field))) == sorted(in_look_back(long, rtype))
        assert sorted(in_look_back(short, "MedicationDispense")) == sorted(
            in_look_back(long, "MedicationDispense")
        )


class TestPartialData:
    async def test_bound_inside_the_look_back_is_a_gap_not_a_412(
        self, make_app: Callable[..., FastAPI], settings: Settings, evaluator: FakeEvaluator
    ) -> None:
        """Paging stopped by the page bound while still inside the look-back (sorted): the
        hook answers, with a gap saying from which day on everything was read."""
        fake = FakeFhir(BASE, record(48), page_size=4)
        bounded = settings.model_copy(update={"max_pages_per_search": 2})
        response = await hooks(make_app, fake, bounded)
        assert response.status_code == 200
        found = gathered(evaluator)
        # Observations: 36 months in the look-back, 8 read (newest: 2025-05-15 .. 2024-10-15)
        gap = found.gap("Observation")
        assert gap is not None
        assert gap.complete_since == date(2024, 10, 16)
        assert "older ones were not read" in gap.reason
        assert len(found.observations) == 8
        statements = found.gap("MedicationStatement")  # order unknown: nothing kept
        assert statements is not None
        assert statements.complete_since is None
        assert found.medication_statements == ()

    async def test_unsorted_required_data_cut_short_is_412(
        self, make_app: Callable[..., FastAPI], settings: Settings
    ) -> None:
        """Required data cut short by a bound, in no known order, answers 412."""
        long = list(reversed(record(48)))
        fake = FakeFhir(BASE, long, ignore_sort=True, ignore_dates=True, page_size=4)
        bounded = settings.model_copy(update={"max_pages_per_search": 2})
        response = await hooks(make_app, fake, bounded)
        assert response.status_code == 412
        assert "page limit" in response.json()["issue"][0]["diagnostics"]


class TestPrefetchedFirstPage:
    async def test_first_page_covering_the_look_back_needs_no_request(
        self, make_app: Callable[..., FastAPI], settings: Settings, evaluator: FakeEvaluator
    ) -> None:
        """A prefetched first page (newest first) reaching past the look-back is complete:
        its next link is not followed."""
        resources = record(24)
        fills = [r for r in resources if r["resourceType"] == "MedicationDispense"]
        first = searchset(fills[:14], f"{BASE}/MedicationDispense?patient=p1&_offset=14")
        fake = FakeFhir(BASE, resources)
        prefetch = prefetch_whole(
            with_medications=False, resources=resources, medicationDispenses=first
        )
        response = await hooks(make_app, fake, settings, prefetch=prefetch)
        assert response.status_code == 200
        assert fake.requests == []
        assert ids(gathered(evaluator).medication_dispenses) == in_look_back(
            resources, "MedicationDispense"
        )

    async def test_first_page_inside_the_look_back_is_continued_until_covered(
        self, make_app: Callable[..., FastAPI], settings: Settings, evaluator: FakeEvaluator
    ) -> None:
        """A prefetched first page still inside the look-back is continued through
        fhirServer, and only until the look-back is covered."""
        resources = record(60)
        fake = FakeFhir(BASE, resources, ignore_dates=True)
        query = "MedicationDispense?patient=p1&_sort=-whenhandedover&_count=5"
        first = fake(httpx.Request("GET", f"{BASE}/{query}")).json()
        fake.requests.clear()
        prefetch = prefetch_whole(
            with_medications=False, resources=resources, medicationDispenses=first
        )
        response = await hooks(make_app, fake, settings, prefetch=prefetch)
        assert response.status_code == 200
        offsets = [r.url.params["_offset"] for r in fake.requests]
        assert offsets == ["5", "10"]
        assert ids(gathered(evaluator).medication_dispenses) == in_look_back(
            resources, "MedicationDispense"
        )

    async def test_first_page_without_a_server_is_partial(
        self, make_app: Callable[..., FastAPI], settings: Settings, evaluator: FakeEvaluator
    ) -> None:
        """A sorted first page inside the look-back with no fhirServer to continue it: the
        hook answers with a gap from the day after its oldest resource."""
        resources = record(24)
        fills = [r for r in resources if r["resourceType"] == "MedicationDispense"]
        first = searchset(fills[:5], f"{BASE}/MedicationDispense?patient=p1&_offset=5")
        prefetch = prefetch_whole(
            with_medications=False, resources=resources, medicationDispenses=first
        )
        fake = FakeFhir(BASE, resources)
        response = await hooks(make_app, fake, settings, prefetch=prefetch, fhirServer=...)
        assert response.status_code == 200
        gap = gathered(evaluator).gap("MedicationDispense")
        assert gap is not None
        assert gap.complete_since == date.fromisoformat(fills[4]["whenHandedOver"]) + timedelta(1)
        assert len(gathered(evaluator).medication_dispenses) == 5

    async def test_prefetched_resources_before_the_look_back_are_dropped(
        self, make_app: Callable[..., FastAPI], settings: Settings, evaluator: FakeEvaluator
    ) -> None:
        """A whole-record prefetch gives the rules only the look-back (undated kept)."""
        resources = record(60)
        undated = {"resourceType": "MedicationDispense", "id": "undated"}
        undated["subject"] = {"reference": f"Patient/{PATIENT}"}
        fills = [r for r in resources if r["resourceType"] == "MedicationDispense"]
        prefetch = prefetch_whole(
            with_medications=False,
            resources=resources,
            medicationDispenses=searchset([*fills, undated]),
        )
        response = await hooks(make_app, FakeFhir(BASE, []), settings, prefetch=prefetch)
        assert response.status_code == 200
        assert ids(gathered(evaluator).medication_dispenses) == [
            *in_look_back(resources, "MedicationDispense"),
            "undated",
        ]
