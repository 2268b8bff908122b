"""Every input is bounded: body size, prefetch bundle size, pages and resources per search,
the per-hook deadline, Medication reads; partial data answers 412, never cards."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest

from cds_service.prefetch import MAX_MEDICATION_READS
from tests.robustness._helpers import (
    BASE,
    PATIENT,
    SERVICE_PATH,
    SHORT_DEADLINE_SECONDS,
    TOKEN,
    LiveApp,
    assert_outcome,
    robust_settings,
    start_live,
)
from tests.support.fhir import observation, searchset
from tests.support.hooks import empty_prefetch, hook_body


def diagnostics(response: httpx.Response) -> str:
    return str(assert_outcome(response)["issue"][0]["diagnostics"])


@pytest.fixture
def limited(tmp_path: Path) -> Iterator[LiveApp]:
    """The real app with small limits (numbers chosen so the tests stay quick)."""
    settings = robust_settings(
        tmp_path,
        max_resources_per_prefetch_bundle=3,
        max_pages_per_search=2,
        max_resources_per_search=5,
    )
    with start_live(settings) as live:
        yield live


@pytest.fixture
def short_deadline(tmp_path: Path) -> Iterator[LiveApp]:
    """The real app with a short hook deadline (for a FHIR server that never answers)."""
    with start_live(
        robust_settings(tmp_path, hook_deadline_seconds=SHORT_DEADLINE_SECONDS)
    ) as live:
        yield live


@pytest.fixture
def small_body(tmp_path: Path) -> Iterator[LiveApp]:
    """The real app with the smallest body limit the settings allow (1 KiB)."""
    with start_live(robust_settings(tmp_path, max_body_bytes=1024)) as live:
        yield live


class TestBodyLimit:
    @pytest.mark.parametrize(
        "path", [SERVICE_PATH, f"{SERVICE_PATH}/feedback"], ids=["hook", "feedback"]
    )
    def test_declared_length_over_limit_is_413(self, small_body: LiveApp, path: str) -> None:
        """A body over max_body_bytes answers 413 with an OperationOutcome."""
        response = small_body.post(path, content=b"{" + b" " * 1100 + b"}")
        assert response.status_code == 413
        assert_outcome(response)

    def test_streamed_body_over_limit_is_413(self, small_body: LiveApp) -> None:
        """A chunked body (no Content-Length) is cut off at the limit with 413."""

        async def chunks() -> AsyncIterator[bytes]:
            for _ in range(20):
                yield b" " * 100

        response = small_body.post(content=chunks())
        assert response.status_code == 413

    def test_body_at_limit_is_read(self, small_body: LiveApp) -> None:
        """A body of exactly max_body_bytes is read (here: 400, it is not a hook call)."""
        response = small_body.post(content=b"[" + b" " * 1022 + b"]")
        assert response.status_code == 400


class TestPrefetchBundleLimit:
    @pytest.mark.parametrize(("count", "status"), [(3, 200), (4, 412)])
    def test_prefetch_bundle_size(self, limited: LiveApp, count: int, status: int) -> None:
        """A prefetched searchset over max_resources_per_prefetch_bundle answers 412 (partial)."""
        limited.reset()
        prefetch = empty_prefetch()
        prefetch["observations"] = searchset([observation(id=f"o{i}") for i in range(count)])
        response = limited.post(json=hook_body(prefetch=prefetch))
        assert response.status_code == status
        if status == 412:
            assert "observations" in diagnostics(response)
            assert "limit" in diagnostics(response)
        assert not limited.fhir_requests

    def test_prefetch_pages_count_towards_the_bundle_limit(self, limited: LiveApp) -> None:
        """Pages fetched for a prefetched searchset count towards the same limit."""

        async def page_two(request: httpx.Request) -> httpx.Response:
            return httpx.Response(
                200, json=searchset([observation(id=f"o{i}") for i in range(5, 7)])
            )

        limited.reset(page_two)
        prefetch = empty_prefetch()
        prefetch["observations"] = searchset(
            [observation(id=f"o{i}") for i in range(2)], next_url=f"{BASE}/Observation?page=2"
        )
        response = limited.post(json=hook_body(prefetch=prefetch))
        assert response.status_code == 412
        assert len(limited.fhir_requests) == 1


class TestSearchLimits:
    @staticmethod
    def _server(pages: list[list[dict[str, Any]]]) -> Any:
        async def handle(request: httpx.Request) -> httpx.Response:
            number = int(request.url.params.get("page", "1"))
            more = number < len(pages)
            url = f"{BASE}/Observation?page={number + 1}" if more else None
            return httpx.Response(200, json=searchset(pages[number - 1], next_url=url))

        return handle

    @pytest.mark.parametrize(
        ("page_sizes", "status", "requests"),
        [
            ([2, 3], 200, 2),  # two pages, five resources: within both limits
            ([1, 1, 1], 412, 2),  # a third page: over max_pages_per_search
            ([6], 412, 1),  # one page of six: over max_resources_per_search
            ([5, 1], 412, 1),  # the limit is reached with more pages to come
        ],
    )
    def test_search_bounds(
        self, limited: LiveApp, page_sizes: list[int], status: int, requests: int
    ) -> None:
        """Searches stop at the page and resource limits; stopping early with an answer in
        no known order (undated Observations, a required key) answers 412."""
        counter = iter(range(1000))
        pages = [[observation(id=f"o{next(counter)}") for _ in range(size)] for size in page_sizes]
        limited.reset(self._server(pages))
        prefetch = empty_prefetch()
        del prefetch["observations"]
        response = limited.post(json=hook_body(prefetch=prefetch))
        assert response.status_code == status
        assert len(limited.data_requests()) == requests
        if status == 412:
            assert "observations" in diagnostics(response)
            assert "only part of the data" in diagnostics(response)


class TestDeadline:
    def test_slow_server_is_cut_at_the_deadline(self, short_deadline: LiveApp) -> None:
        """A FHIR server that never answers is cut by hook_deadline_seconds: 412 timeout (a
        hook that hangs instead fails LiveApp.post's guard)."""

        async def never(request: httpx.Request) -> httpx.Response:
            await anyio.sleep_forever()
            raise AssertionError("unreachable")

        short_deadline.reset(never)
        response = short_deadline.post(json=hook_body())
        assert response.status_code == 412
        assert assert_outcome(response)["issue"][0]["code"] == "timeout"


class TestMedicationReads:
    @staticmethod
    def _prefetch(count: int) -> dict[str, Any]:
        prefetch = empty_prefetch()
        prefetch["medicationRequests"] = searchset(
            [
                {
                    "resourceType": "MedicationRequest",
                    "id": f"mr{i}",
                    "subject": {"reference": f"Patient/{PATIENT}"},
                    "medicationReference": {"reference": f"Medication/m{i}"},
                }
                for i in range(count)
            ]
        )
        return prefetch

    async def _medication(self, request: httpx.Request) -> httpx.Response:
        mid = request.url.path.rsplit("/", 1)[-1]
        return httpx.Response(200, json={"resourceType": "Medication", "id": mid})

    def test_reads_up_to_the_cap(self, live: LiveApp) -> None:
        """Up to MAX_MEDICATION_READS distinct Medications are read."""
        live.reset(self._medication)
        response = live.post(json=hook_body(prefetch=self._prefetch(MAX_MEDICATION_READS)))
        assert response.status_code == 200
        assert len(live.fhir_requests) == MAX_MEDICATION_READS

    def test_more_than_the_cap_is_412_without_reads(self, live: LiveApp) -> None:
        """More distinct Medications than MAX_MEDICATION_READS answers 412 before any read."""
        live.reset(self._medication)
        response = live.post(json=hook_body(prefetch=self._prefetch(MAX_MEDICATION_READS + 1)))
        assert response.status_code == 412
        assert "medicationReference" in diagnostics(response)
        assert not live.fhir_requests

    @pytest.mark.parametrize(
        "reference", ["Medication/a?b=c", "Medication/a b", "Medication/" + "x" * 65]
    )
    def test_reference_that_is_not_an_id_is_not_read(self, live: LiveApp, reference: str) -> None:
        """A medicationReference whose id is not a FHIR id is never turned into a request URL."""
        live.reset(self._medication)
        prefetch = self._prefetch(0)
        prefetch["medicationRequests"] = searchset(
            [
                {
                    "resourceType": "MedicationRequest",
                    "id": "mr",
                    "subject": {"reference": f"Patient/{PATIENT}"},
                    "medicationReference": {"reference": reference},
                }
            ]
        )
        assert live.post(json=hook_body(prefetch=prefetch)).status_code == 200
        assert not live.fhir_requests


class TestRequestRules:
    def test_authorization_without_server_is_400(self, live: LiveApp) -> None:
        """fhirAuthorization without fhirServer answers 400 naming fhirServer (CDS Hooks 2.0)."""
        live.reset()
        body = hook_body(
            fhirServer=...,
            prefetch=empty_prefetch(),
            fhirAuthorization={"access_token": TOKEN, "token_type": "Bearer"},
        )
        response = live.post(json=body)
        assert response.status_code == 400
        assert "'fhirServer'" in diagnostics(response)

    @pytest.mark.parametrize(
        ("token", "status"),
        [
            (TOKEN, 200),
            ("eyJhbGciOiJSUzM4NCJ9.eyJzdWIiOiJ4In0.c2ln", 200),  # a JWT
            ("abc+/=", 200),  # b64token may end in '='
            ("a b", 400),
            ("tok\r\nX-Injected: 1", 400),
            ("tökén", 400),
            ("=abc", 400),
            ("", 400),
        ],
    )
    def test_access_token_syntax(self, live: LiveApp, token: str, status: int) -> None:
        """The access_token must be an RFC 6750 b64token, so it can go into a Bearer header."""
        live.reset()
        body = hook_body(
            prefetch=empty_prefetch(),
            fhirAuthorization={"access_token": token, "token_type": "Bearer"},
        )
        response = live.post(json=body)
        assert response.status_code == status
        if status == 400:
            assert "fhirAuthorization.access_token" in diagnostics(response)
