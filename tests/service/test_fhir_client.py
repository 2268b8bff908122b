"""FhirClient units: reads, searches, paging bounds, errors."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
import respx

from cds_service.config import Settings
from cds_service.errors import (
    FhirBadResponse,
    FhirInvalidContent,
    FhirTimeout,
    FhirUnavailable,
)
from cds_service.fhir_client import (
    FhirClient,
    PagingStop,
    make_http_client,
    r5_elements,
    under_base,
)

from .conftest import BASE, TOKEN, resource, searchset

pytestmark = pytest.mark.anyio


@pytest.fixture
async def fhir_client(settings: Settings, fhir: respx.Router) -> AsyncIterator[FhirClient]:
    client = FhirClient(
        make_http_client(settings, httpx.MockTransport(fhir.async_handler)), settings
    )
    yield client
    await client.aclose()


class TestRead:
    async def test_read_returns_resource(self, fhir_client: FhirClient, fhir: respx.Router) -> None:
        """read('Patient/p1') returns the Patient JSON with the bearer token sent."""
        route = fhir.get("/Patient/p1").respond(json={"resourceType": "Patient", "id": "p1"})
        assert (await fhir_client.read(BASE, "Patient/p1", token=TOKEN))["id"] == "p1"
        assert route.calls.last.request.headers["authorization"] == f"Bearer {TOKEN}"

    @pytest.mark.parametrize("reference", ["Patient", "Patient/", "Patient/a/b", "/p1"])
    async def test_bad_reference(self, fhir_client: FhirClient, reference: str) -> None:
        """A reference that is not Type/id is refused before any request."""
        with pytest.raises(ValueError, match="reference"):
            await fhir_client.read(BASE, reference)

    @pytest.mark.parametrize(
        ("response", "error"),
        [
            (httpx.Response(404), FhirBadResponse),
            (httpx.Response(503), FhirBadResponse),
            (
                httpx.Response(200, text="<html/>", headers={"content-type": "text/html"}),
                FhirInvalidContent,
            ),
            (httpx.Response(200, content=b"\xff"), FhirInvalidContent),
            (httpx.Response(200, json="string"), FhirInvalidContent),
            (httpx.Response(200, json={"resourceType": "Bundle"}), FhirInvalidContent),
            (httpx.Response(302, headers={"location": "https://elsewhere"}), FhirBadResponse),
        ],
    )
    async def test_typed_errors(
        self,
        fhir_client: FhirClient,
        fhir: respx.Router,
        response: httpx.Response,
        error: type[Exception],
    ) -> None:
        """Non-2xx answers, HTML, invalid JSON and wrong types raise typed FhirErrors."""
        fhir.get("/Patient/p1").mock(return_value=response)
        with pytest.raises(error):
            await fhir_client.read(BASE, "Patient/p1")

    async def test_status_kept(self, fhir_client: FhirClient, fhir: respx.Router) -> None:
        """FhirBadResponse carries the HTTP status and says it in its diagnostics."""
        fhir.get("/Patient/p1").respond(403)
        with pytest.raises(FhirBadResponse) as caught:
            await fhir_client.read(BASE, "Patient/p1")
        assert caught.value.status == 403
        assert "403" in caught.value.outcome()["issue"][0]["diagnostics"]

    @pytest.mark.parametrize(
        ("exc", "error"),
        [
            (httpx.ConnectTimeout("t"), FhirTimeout),
            (httpx.ReadTimeout("t"), FhirTimeout),
            (httpx.ConnectError("refused"), FhirUnavailable),
            (httpx.RemoteProtocolError("x"), FhirUnavailable),
        ],
    )
    async def test_transport_errors(
        self, fhir_client: FhirClient, fhir: respx.Router, exc: Exception, error: type[Exception]
    ) -> None:
        """Timeouts and connection failures raise FhirTimeout / FhirUnavailable."""
        fhir.get("/Patient/p1").mock(side_effect=exc)
        with pytest.raises(error):
            await fhir_client.read(BASE, "Patient/p1")


class TestSearch:
    async def test_search_follows_next(self, fhir_client: FhirClient, fhir: respx.Router) -> None:
        """search() returns the entries of every page, following link[next] under the base."""
        fhir.get("/Condition", params={"patient": "p1"}).respond(
            json=searchset([resource("Condition", "c1")], f"{BASE}/Condition?page=2")
        )
        fhir.get("/Condition", params={"page": "2"}).respond(
            json=searchset([resource("Condition", "c2")])
        )
        found = await fhir_client.search(BASE, "Condition", {"patient": "p1"})
        assert [r["id"] for r in found] == ["c1", "c2"]

    async def test_resource_bound(self, settings: Settings, fhir: respx.Router) -> None:
        """A search never returns more than max_resources_per_search resources."""
        bounded = settings.model_copy(update={"max_resources_per_search": 3})
        fhir.get("/Condition", params={"page": "2"}).respond(
            json=searchset([resource("Condition", f"b{i}") for i in range(5)])
        )
        fhir.get("/Condition").respond(
            json=searchset(
                [resource("Condition", f"a{i}") for i in range(2)], f"{BASE}/Condition?page=2"
            )
        )
        client = FhirClient(
            make_http_client(bounded, httpx.MockTransport(fhir.async_handler)), bounded
        )
        session = client.session(BASE)
        paged = await session.search("Condition", {"patient": "p1"})
        await client.aclose()
        assert len(paged.resources) == 3
        assert paged.truncated

    async def test_follow_next_of_prefetch(
        self, fhir_client: FhirClient, fhir: respx.Router
    ) -> None:
        """follow_next() returns the prefetched entries plus the next pages."""
        fhir.get("/Observation", params={"page": "2"}).respond(
            json=searchset([resource("Observation", "o2")])
        )
        bundle = searchset([resource("Observation", "o1")], f"{BASE}/Observation?page=2")
        assert [r["id"] for r in await fhir_client.follow_next(bundle, BASE)] == ["o1", "o2"]

    async def test_odd_entries_ignored(self, fhir_client: FhirClient, fhir: respx.Router) -> None:
        """Entries without a resource object are skipped, a non-list entry is empty."""
        fhir.get("/Condition").respond(
            json={
                "resourceType": "Bundle",
                "type": "searchset",
                "entry": [{"fullUrl": "x"}, "junk", {"resource": resource("Condition", "c1")}],
                "link": [{"relation": "self", "url": "x"}, "junk", {"relation": "next"}],
            }
        )
        assert [r["id"] for r in await fhir_client.search(BASE, "Condition", {})] == ["c1"]


class TestUnderBase:
    @pytest.mark.parametrize(
        ("url", "inside"),
        [
            (f"{BASE}/Observation?page=2", True),
            (f"{BASE}?_getpages=abc", True),
            (BASE, True),
            (f"{BASE}x/Observation", False),
            ("https://evil.example/r4/Observation", False),
        ],
    )
    def test_under_base(self, url: str, inside: bool) -> None:
        """A URL is under the base only at a path or query boundary."""
        assert under_base(url, BASE + "/") is inside


class TestPagingStops:
    @pytest.mark.parametrize(
        ("next_url", "page_two_next", "stop"),
        [
            ("https://evil.example/r4/Condition?page=2", None, PagingStop.LEFT_BASE),
            (f"{BASE}/Condition?page=2", f"{BASE}/Condition?page=2", PagingStop.LOOP),
            (f"{BASE}/Condition?page=2", f"{BASE}/Condition?page=3", PagingStop.PAGE_BOUND),
            (f"{BASE}/Condition?page=2", None, None),
        ],
        ids=["left-base", "loop", "page-bound", "complete"],
    )
    async def test_stop_reason(
        self,
        settings: Settings,
        fhir: respx.Router,
        next_url: str,
        page_two_next: str | None,
        stop: PagingStop | None,
    ) -> None:
        """Paging that stops early says why in Paged.stopped; a complete search has none."""
        bounded = settings.model_copy(update={"max_pages_per_search": 2})
        fhir.get("/Condition", params={"page": "2"}).respond(
            json=searchset([resource("Condition", "c2")], page_two_next)
        )
        client = FhirClient(
            make_http_client(bounded, httpx.MockTransport(fhir.async_handler)), bounded
        )
        paged = await client.session(BASE).follow_next(
            searchset([resource("Condition", "c1")], next_url)
        )
        await client.aclose()
        assert paged.stopped is stop
        assert paged.truncated is (stop is not None)

    async def test_resource_bound_reason(self, settings: Settings) -> None:
        """A first page already over the resource limit stops with RESOURCE_BOUND."""
        bounded = settings.model_copy(update={"max_resources_per_prefetch_bundle": 2})
        client = FhirClient(
            make_http_client(bounded, httpx.MockTransport(lambda r: httpx.Response(500))), bounded
        )
        paged = await client.session(BASE).follow_next(
            searchset([resource("Condition", f"c{i}") for i in range(3)])
        )
        await client.aclose()
        assert paged.stopped is PagingStop.RESOURCE_BOUND
        assert len(paged.resources) == 2

    async def test_unusable_next_url_is_invalid_content(self, fhir_client: FhirClient) -> None:
        """A next link httpx cannot turn into a request raises FhirInvalidContent, not a crash."""
        bundle = searchset([resource("Condition", "c1")], f"{BASE}/Condition?page=\x00")
        with pytest.raises(FhirInvalidContent):
            await fhir_client.follow_next(bundle, BASE)


class TestR5Elements:
    @pytest.mark.parametrize(
        ("item", "found"),
        [
            ({"resourceType": "MedicationRequest", "medicationCodeableConcept": {}}, []),
            ({"resourceType": "MedicationRequest", "medication": {"concept": {}}}, ["medication"]),
            ({"resourceType": "Procedure", "performedDateTime": "2024"}, []),
            ({"resourceType": "Procedure", "occurrenceDateTime": "2024"}, ["occurrenceDateTime"]),
            (
                {"resourceType": "MedicationAdministration", "occurenceDateTime": "2024"},
                ["occurenceDateTime"],
            ),
            ({"resourceType": "Observation", "medication": {}}, []),
            ({"resourceType": ["x"], "medication": {}}, []),
        ],
    )
    def test_r5_elements(self, item: dict[str, object], found: list[str]) -> None:
        """r5_elements names the R5-only elements of the types the service reads."""
        assert r5_elements(item) == found
