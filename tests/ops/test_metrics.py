"""Prometheus metrics: /metrics, HTTP latency by route template, FHIR latency and errors by
resource type, prefetch keys by source, cards by topic and indicator."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
import respx
from fastapi import FastAPI

from cds_service.config import Settings
from cds_service.errors import FhirTimeout, FhirUnavailable
from cds_service.metrics import (
    fhir_event_hooks,
    fhir_resource_type,
    record_fhir_failure,
    render_latest,
)
from tests.ops._helpers import AUTHORIZATION, BASE, CARDS, KEY_TYPES, PATIENT, SERVICE_PATH, sample
from tests.support.hooks import empty_prefetch, hook_body

pytestmark = pytest.mark.anyio

HTTP = "lncds_http_request_duration_seconds_count"
FHIR = "lncds_fhir_request_duration_seconds_count"
FHIR_ERRORS = "lncds_fhir_errors_total"
PREFETCH = "lncds_prefetch_keys_total"
CARDS_TOTAL = "lncds_cards_total"


class TestMetricsEndpoint:
    async def test_exposes_every_instrument(self, client: httpx.AsyncClient) -> None:
        """GET /metrics answers the text exposition with each lncds_ instrument named."""
        response = await client.get("/metrics")
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/plain")
        for family in (
            "lncds_http_request_duration_seconds",
            "lncds_fhir_request_duration_seconds",
            "lncds_fhir_errors_total",
            "lncds_prefetch_keys_total",
            "lncds_cards_total",
            "lncds_jwt_failures_total",
        ):
            assert f"# TYPE {family.removesuffix('_total')}" in response.text


class TestMultiprocess:
    def test_aggregates_from_the_multiprocess_directory(
        self, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
    ) -> None:
        """With PROMETHEUS_MULTIPROC_DIR set, the exposition is read from that directory."""
        monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
        body, content_type = render_latest()
        assert content_type.startswith("text/plain")
        assert b"lncds_" not in body  # nothing written there by this process


class TestFailClosed:
    async def test_jwt_required_without_verifier_is_401(
        self, make_app: Callable[..., FastAPI], settings: Settings
    ) -> None:
        """A hook on an app whose verifier was never built (no lifespan) is refused, counted
        as 'other'."""
        app = make_app(settings=settings.model_copy(update={"require_jwt": True}))
        before = sample("lncds_jwt_failures_total", reason="other")
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            response = await http.post(
                SERVICE_PATH,
                json=hook_body(
                    PATIENT, fhirAuthorization=AUTHORIZATION, prefetch=empty_prefetch(PATIENT)
                ),
            )
        assert response.status_code == 401
        assert sample("lncds_jwt_failures_total", reason="other") == before + 1


class TestHttpLatency:
    async def test_hook_is_recorded_by_route_template(self, client: httpx.AsyncClient) -> None:
        """A hook call is counted under the route template, never the raw path."""
        labels = {"route": "/cds-services/{service_id}", "method": "POST", "status": "200"}
        before = sample(HTTP, **labels)
        assert (
            await client.post(
                SERVICE_PATH,
                json=hook_body(
                    PATIENT, fhirAuthorization=AUTHORIZATION, prefetch=empty_prefetch(PATIENT)
                ),
            )
        ).status_code == 200
        assert sample(HTTP, **labels) == before + 1
        exposition = (await client.get("/metrics")).text
        assert f'route="{SERVICE_PATH}"' not in exposition

    async def test_error_status_is_the_answered_one(self, client: httpx.AsyncClient) -> None:
        """A 404 for an unknown service id is counted with status 404 under the template."""
        labels = {"route": "/cds-services/{service_id}", "method": "POST", "status": "404"}
        before = sample(HTTP, **labels)
        await client.post(
            "/cds-services/unknown",
            json=hook_body(
                PATIENT, fhirAuthorization=AUTHORIZATION, prefetch=empty_prefetch(PATIENT)
            ),
        )
        assert sample(HTTP, **labels) == before + 1

    async def test_unmatched_path(self, client: httpx.AsyncClient) -> None:
        """A path no route matches is counted as route 'unmatched'."""
        labels = {"route": "unmatched", "method": "GET", "status": "404"}
        before = sample(HTTP, **labels)
        await client.get("/patients/4711/secret")
        assert sample(HTTP, **labels) == before + 1

    async def test_unknown_method_is_other(self, client: httpx.AsyncClient) -> None:
        """A method outside the fixed list is labelled 'other' (bounded cardinality)."""
        before = sum(
            sample(HTTP, route=route, method="other", status=status)
            for route in ("unmatched", "/healthz")
            for status in ("404", "405")
        )
        await client.request("BREW", "/healthz")
        after = sum(
            sample(HTTP, route=route, method="other", status=status)
            for route in ("unmatched", "/healthz")
            for status in ("404", "405")
        )
        assert after == before + 1


class TestFhirMetrics:
    async def test_fetched_keys_time_each_resource_type(
        self, client: httpx.AsyncClient, fhir: respx.Router
    ) -> None:
        """Keys fetched from fhirServer record FHIR latency by resource type and count
        the prefetch key as 'fetched'."""
        fhir.get("/Observation").respond(json={"resourceType": "Bundle", "type": "searchset"})
        prefetch = empty_prefetch(PATIENT)
        del prefetch["observations"]
        before = sample(FHIR, resource_type="Observation", outcome="ok")
        fetched = sample(PREFETCH, key="observations", source="fetched")
        response = await client.post(
            SERVICE_PATH,
            json=hook_body(PATIENT, fhirAuthorization=AUTHORIZATION, prefetch=prefetch),
        )
        assert response.status_code == 200
        assert sample(FHIR, resource_type="Observation", outcome="ok") == before + 1
        assert sample(PREFETCH, key="observations", source="fetched") == fetched + 1

    async def test_http_error_is_counted(
        self, client: httpx.AsyncClient, fhir: respx.Router
    ) -> None:
        """A 500 from the FHIR server is a 412 and counts an error of kind status_5xx."""
        fhir.get("/Condition").respond(500)
        prefetch = empty_prefetch(PATIENT)
        del prefetch["conditions"]
        before = sample(FHIR_ERRORS, resource_type="Condition", kind="status_5xx")
        response = await client.post(
            SERVICE_PATH,
            json=hook_body(PATIENT, fhirAuthorization=AUTHORIZATION, prefetch=prefetch),
        )
        assert response.status_code == 412
        assert sample(FHIR_ERRORS, resource_type="Condition", kind="status_5xx") == before + 1

    async def test_timeout_is_counted(self, client: httpx.AsyncClient, fhir: respx.Router) -> None:
        """A FHIR timeout (no response at all) counts an error of kind timeout."""
        fhir.get("/Procedure").mock(side_effect=httpx.ReadTimeout("slow"))
        prefetch = empty_prefetch(PATIENT)
        del prefetch["procedures"]
        before = sample(FHIR_ERRORS, resource_type="Procedure", kind="timeout")
        response = await client.post(
            SERVICE_PATH,
            json=hook_body(PATIENT, fhirAuthorization=AUTHORIZATION, prefetch=prefetch),
        )
        assert response.status_code == 412
        assert sample(FHIR_ERRORS, resource_type="Procedure", kind="timeout") == before + 1

    async def test_non_fhir_traffic_is_not_timed(self) -> None:
        """Requests on the shared client without the FHIR Accept header (JWKS) are ignored."""
        transport = httpx.MockTransport(lambda _: httpx.Response(200, json={"keys": []}))
        before = sample(FHIR, resource_type="other", outcome="ok")
        async with httpx.AsyncClient(transport=transport, event_hooks=fhir_event_hooks()) as http:
            await http.get(f"{BASE}/jwks", headers={"Accept": "application/json"})
            await http.get(f"{BASE}/metadata", headers={"Accept": "application/fhir+json"})
        assert sample(FHIR, resource_type="other", outcome="ok") == before + 1

    def test_failure_without_request_is_other(self) -> None:
        """A FHIR failure whose cause carries no request is counted with resource type other."""
        before = sample(FHIR_ERRORS, resource_type="other", kind="unavailable")
        record_fhir_failure(FhirUnavailable())
        assert sample(FHIR_ERRORS, resource_type="other", kind="unavailable") == before + 1

    def test_failure_reads_the_request_of_its_cause(self) -> None:
        """The httpx error in __context__ names the resource type of the failed request."""
        before = sample(FHIR_ERRORS, resource_type="Patient", kind="timeout")
        request = httpx.Request("GET", f"{BASE}/Patient/p1")
        try:
            try:
                raise httpx.ConnectTimeout("slow", request=request)
            except httpx.TimeoutException:
                raise FhirTimeout() from None
        except FhirTimeout as exc:
            record_fhir_failure(exc)
        assert sample(FHIR_ERRORS, resource_type="Patient", kind="timeout") == before + 1

    @pytest.mark.parametrize(
        ("url", "expected"),
        [
            (f"{BASE}/Observation?patient=p1&_count=250", "Observation"),
            (f"{BASE}/Patient/p1", "Patient"),
            (f"{BASE}/Medication/Observation", "Medication"),
            ("https://fhir.example.org/FHIR/MedicationRequest", "MedicationRequest"),
            (f"{BASE}?_getpages=abc&_offset=100", "other"),
            (f"{BASE}/Encounter/e1", "other"),
        ],
    )
    def test_resource_type_from_url(self, url: str, expected: str) -> None:
        """The resource type comes from Type (search) or Type/id (read) at the end of the path."""
        assert fhir_resource_type(httpx.URL(url)) == expected


class TestHookMetrics:
    async def test_prefetched_keys_by_source(self, client: httpx.AsyncClient) -> None:
        """Every key satisfied by the client's prefetch is counted with source 'prefetch'."""
        before = {key: sample(PREFETCH, key=key, source="prefetch") for key in KEY_TYPES}
        await client.post(
            SERVICE_PATH,
            json=hook_body(
                PATIENT, fhirAuthorization=AUTHORIZATION, prefetch=empty_prefetch(PATIENT)
            ),
        )
        for key in KEY_TYPES:
            assert sample(PREFETCH, key=key, source="prefetch") == before[key] + 1

    async def test_cards_by_topic_and_indicator(self, client: httpx.AsyncClient) -> None:
        """Each returned card is counted under its topic code and indicator."""
        before = {card: sample(CARDS_TOTAL, topic=card[0], indicator=card[1]) for card in CARDS}
        await client.post(
            SERVICE_PATH,
            json=hook_body(
                PATIENT, fhirAuthorization=AUTHORIZATION, prefetch=empty_prefetch(PATIENT)
            ),
        )
        for topic, indicator in CARDS:
            after = sample(CARDS_TOTAL, topic=topic, indicator=indicator)
            assert after == before[(topic, indicator)] + 1
