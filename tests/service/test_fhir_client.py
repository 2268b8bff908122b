"""FhirClient units: reads, searches, paging bounds, errors, retries, answer size."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import date
from typing import Any

import httpx
import pytest
import respx

from cds_service.config import Settings
from cds_service.errors import (
    FhirBadResponse,
    FhirInvalidContent,
    FhirTimeout,
    FhirTooLarge,
    FhirUnavailable,
)
from cds_service.fhir_client import (
    FhirClient,
    PagingStop,
    make_http_client,
    r5_elements,
)
from cds_service.metrics import REGISTRY
from cds_service.record_window import Coverage
from tests.service._helpers import BASE, TOKEN, resource
from tests.support.fhir import searchset

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

    async def test_query_written_once(self, fhir_client: FhirClient, fhir: respx.Router) -> None:
        """Search parameters go out percent-encoded as httpx would write them (| escaped,
        commas, colons and slashes as they are) and decode to the values given."""
        route = fhir.get("/Observation").respond(json=searchset([]))
        codes = "http://loinc.org|2889-4,http://loinc.org|2160-0"
        await fhir_client.session(BASE).search(
            "Observation", (("patient", "p 1"), ("code", codes), ("date", "ge2024-01-01"))
        )
        url = route.calls.last.request.url
        assert url.query == (
            b"patient=p%201&code=http://loinc.org%7C2889-4,http://loinc.org%7C2160-0"
            b"&date=ge2024-01-01"
        )
        assert url.params["code"] == codes
        assert url.params["patient"] == "p 1"

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

    async def test_unusable_next_url_is_not_followed(self, settings: Settings) -> None:
        """A next link with control characters is never requested: paging stops there."""
        client = FhirClient(
            make_http_client(settings, httpx.MockTransport(lambda r: httpx.Response(500))),
            settings,
        )
        paged = await client.session(BASE).follow_next(
            searchset([resource("Condition", "c1")], f"{BASE}/Condition?page=\x00")
        )
        await client.aclose()
        assert paged.stopped is PagingStop.LEFT_BASE


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


def _client(settings: Settings, handler: Callable[[httpx.Request], Any]) -> FhirClient:
    return FhirClient(make_http_client(settings, httpx.MockTransport(handler)), settings)


def _retries() -> float:
    value = REGISTRY.get_sample_value("lncds_fhir_retries_total", {"reason": "stale_connection"})
    return value or 0.0


class _Flaky:
    """Fails the first ``failures`` requests with ``error``, then answers the Patient."""

    def __init__(self, error: Exception, failures: int = 1) -> None:
        self.error = error
        self.failures = failures
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if len(self.requests) <= self.failures:
            raise self.error
        return httpx.Response(200, json={"resourceType": "Patient", "id": "p1"})


class _BrokenBody(httpx.AsyncByteStream):
    """An answer body that fails after its first bytes."""

    async def __aiter__(self) -> AsyncIterator[bytes]:
        yield b'{"resourceType": '
        raise httpx.ReadError("connection reset")


class TestStaleConnection:
    @pytest.mark.parametrize(
        "error",
        [
            httpx.RemoteProtocolError("Server disconnected without sending a response."),
            httpx.ReadError("connection reset"),
            httpx.WriteError("broken pipe"),
        ],
        ids=["disconnected", "read-error", "write-error"],
    )
    async def test_sent_once_more(self, settings: Settings, error: Exception) -> None:
        """A GET whose connection fails before any answer is sent once more, and counted."""
        server = _Flaky(error)
        client = _client(settings, server)
        before = _retries()
        resource = await client.read(BASE, "Patient/p1", token=TOKEN)
        await client.aclose()
        assert resource["id"] == "p1"
        assert len(server.requests) == 2
        assert server.requests[1].headers["authorization"] == f"Bearer {TOKEN}"
        assert _retries() == before + 1

    async def test_only_once(self, settings: Settings) -> None:
        """A second failure is not retried again: the read fails as unavailable."""
        server = _Flaky(httpx.RemoteProtocolError("gone"), failures=2)
        client = _client(settings, server)
        with pytest.raises(FhirUnavailable):
            await client.read(BASE, "Patient/p1")
        await client.aclose()
        assert len(server.requests) == 2

    @pytest.mark.parametrize(
        ("error", "raised"),
        [
            (httpx.ConnectError("refused"), FhirUnavailable),
            (httpx.ReadTimeout("slow"), FhirTimeout),
            (httpx.ConnectTimeout("slow"), FhirTimeout),
        ],
        ids=["refused", "read-timeout", "connect-timeout"],
    )
    async def test_other_failures_are_not_retried(
        self, settings: Settings, error: Exception, raised: type[Exception]
    ) -> None:
        """Refused connections and timeouts are not a stale connection: no second request."""
        server = _Flaky(error)
        client = _client(settings, server)
        with pytest.raises(raised):
            await client.read(BASE, "Patient/p1")
        await client.aclose()
        assert len(server.requests) == 1

    async def test_failure_after_the_answer_began_is_not_retried(self, settings: Settings) -> None:
        """A connection lost while the body streams is past the headers: not sent again."""
        requests: list[httpx.Request] = []

        def handler(request: httpx.Request) -> httpx.Response:
            requests.append(request)
            return httpx.Response(200, stream=_BrokenBody())

        client = _client(settings, handler)
        with pytest.raises(FhirUnavailable):
            await client.read(BASE, "Patient/p1")
        await client.aclose()
        assert len(requests) == 1


class _Chunks(httpx.AsyncByteStream):
    """A streamed body of ``count`` chunks of ``size`` bytes (no Content-Length); records
    how many chunks were read."""

    def __init__(self, count: int, size: int) -> None:
        self.count = count
        self.size = size
        self.read = 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for _ in range(self.count):
            self.read += 1
            yield b" " * self.size


class TestAnswerSize:
    @pytest.fixture
    def capped(self, settings: Settings) -> Settings:
        return settings.model_copy(update={"max_fhir_response_bytes": 2048})

    async def test_declared_length_over_the_cap(self, capped: Settings) -> None:
        """An answer whose Content-Length is over the cap is refused before its body is read."""
        body = _Chunks(10, 1024)
        client = _client(
            capped,
            lambda r: httpx.Response(200, headers={"content-length": "10240"}, stream=body),
        )
        with pytest.raises(FhirTooLarge) as caught:
            await client.read(BASE, "Patient/p1")
        await client.aclose()
        assert body.read == 0
        assert caught.value.status_code == 412
        assert caught.value.outcome()["issue"][0]["code"] == "too-costly"

    async def test_streamed_body_over_the_cap(self, capped: Settings) -> None:
        """A body without Content-Length is cut as soon as it passes the cap."""
        body = _Chunks(100, 1024)
        client = _client(capped, lambda r: httpx.Response(200, stream=body))
        with pytest.raises(FhirTooLarge):
            await client.read(BASE, "Patient/p1")
        await client.aclose()
        assert body.read == 3

    async def test_body_at_the_cap_is_read(self, capped: Settings) -> None:
        """An answer of exactly the cap is read."""
        payload = b'{"resourceType": "Patient", "id": "p1"}'
        padded = payload + b" " * (2048 - len(payload))
        client = _client(capped, lambda r: httpx.Response(200, content=padded))
        assert (await client.read(BASE, "Patient/p1"))["id"] == "p1"
        await client.aclose()

    @pytest.mark.parametrize(
        ("response", "has_outcome"),
        [
            (httpx.Response(400, json={"resourceType": "OperationOutcome", "issue": []}), True),
            (httpx.Response(404, json={"resourceType": "Bundle"}), False),
            (httpx.Response(403, text="<html>no</html>"), False),
            (httpx.Response(404), False),
            (httpx.Response(400, stream=_Chunks(100, 1024)), False),
        ],
        ids=["outcome", "other-json", "html", "empty", "over-the-cap"],
    )
    async def test_error_answer_says_whether_it_was_an_outcome(
        self, capped: Settings, response: httpx.Response, has_outcome: bool
    ) -> None:
        """A non-2xx answer is a FhirBadResponse telling whether it carried an OperationOutcome."""
        client = _client(capped, lambda r: response)
        with pytest.raises(FhirBadResponse) as caught:
            await client.read(BASE, "Patient/p1")
        await client.aclose()
        assert caught.value.has_outcome is has_outcome


class TestNextLinkEscapes:
    @pytest.mark.parametrize(
        "next_url",
        [
            f"{BASE}/../../x",
            f"{BASE}/%2e%2e/%2E%2E/x",
            f"{BASE}/Condition/..%2F..%2Fadmin",
            "https://fhir.example.org:8443/r4/Condition?page=2",
            "https://user@fhir.example.org/r4/Condition?page=2",
        ],
        ids=["dots", "encoded-dots", "encoded-slash", "other-port", "user-info"],
    )
    async def test_escaping_next_link_is_never_requested(
        self, settings: Settings, next_url: str
    ) -> None:
        """A next link that would leave the base (after dot-segment removal) is not followed:
        no request, so the bearer token goes nowhere else."""
        requests: list[httpx.Request] = []

        def handler(request: httpx.Request) -> httpx.Response:
            requests.append(request)
            return httpx.Response(200, json=searchset([]))

        client = _client(settings, handler)
        paged = await client.session(BASE, TOKEN).follow_next(
            searchset([resource("Condition", "c1")], next_url)
        )
        await client.aclose()
        assert paged.stopped is PagingStop.LEFT_BASE
        assert requests == []


def _dispense(rid: str, day: str) -> dict[str, Any]:
    return resource("MedicationDispense", rid, whenHandedOver=day)


class TestCoveragePaging:
    async def test_paging_stops_once_the_look_back_is_covered(
        self, fhir_client: FhirClient, fhir: respx.Router
    ) -> None:
        """The page holding the look-back's first day is read, the next one is not."""
        fhir.get("/MedicationDispense", params={"page": "2"}).respond(
            json=searchset(
                [_dispense("d3", "2024-02-01"), _dispense("d4", "2023-12-15")],
                f"{BASE}/MedicationDispense?page=3",
            )
        )
        third = fhir.get("/MedicationDispense", params={"page": "3"}).respond(
            json=searchset([_dispense("d5", "2023-06-01")])
        )
        first = searchset(
            [_dispense("d1", "2024-05-01"), _dispense("d2", "2024-03-01")],
            f"{BASE}/MedicationDispense?page=2",
        )
        paged = await fhir_client.session(BASE).follow_next(
            first, coverage=Coverage("MedicationDispense", date(2024, 1, 1))
        )
        assert paged.complete
        assert paged.stopped is None
        assert [r["id"] for r in paged.resources] == ["d1", "d2", "d3", "d4"]
        assert not third.called

    async def test_cut_at_the_resource_bound_judges_what_is_kept(
        self, settings: Settings, fhir: respx.Router
    ) -> None:
        """A page over the resource bound is cut; coverage and complete_since are of the kept."""
        bounded = settings.model_copy(update={"max_resources_per_search": 2})
        fhir.get("/MedicationDispense").respond(
            json=searchset(
                [
                    _dispense("d1", "2024-05-01"),
                    _dispense("d2", "2024-03-01"),
                    _dispense("d3", "2023-01-01"),
                ]
            )
        )
        client = FhirClient(
            make_http_client(bounded, httpx.MockTransport(fhir.async_handler)), bounded
        )
        paged = await client.session(BASE).search(
            "MedicationDispense",
            {"patient": "p1"},
            coverage=Coverage("MedicationDispense", date(2024, 1, 1)),
        )
        await client.aclose()
        assert paged.stopped is PagingStop.RESOURCE_BOUND
        assert not paged.complete
        assert paged.coverage is not None
        assert paged.coverage.complete_since == date(2024, 3, 2)
