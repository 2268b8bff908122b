"""Prometheus metrics: one registry, named instruments, one place.

Exposed at ``GET /metrics``. With several uvicorn workers, set
``PROMETHEUS_MULTIPROC_DIR`` to a writable, empty directory so the figures of all
workers are aggregated (prometheus-client multiprocess mode); otherwise each
worker reports its own.

Labels never carry secrets, tokens or patient identifiers, and every label has a
bounded set of values: route templates (never raw paths), a fixed method list, FHIR
resource types from ``FHIR_RESOURCE_TYPES`` (else ``other``), JWT reason categories.

Recording helpers live here too: ``RequestMetricsMiddleware`` (HTTP latency),
``fhir_event_hooks()`` (httpx request/response hooks on the app's one client: FHIR
latency and HTTP errors), ``record_fhir_failure`` (transport failures, which have no
response), ``record_fhir_retry`` (a GET sent once more), ``record_data_gap`` (part of
the record missing from an answered hook), ``record_prefetch``, ``record_cards``,
``record_jwt_failure``.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import Any

import httpx
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client import multiprocess as _multiprocess

REGISTRY = CollectorRegistry(auto_describe=True)

#: Latency buckets tuned for a service that should answer in well under 500 ms.
_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

HTTP_REQUEST_SECONDS = Histogram(
    "lncds_http_request_duration_seconds",
    "Latency of requests served, by route template, method and status code.",
    ["route", "method", "status"],
    buckets=_LATENCY_BUCKETS,
    registry=REGISTRY,
)
FHIR_REQUEST_SECONDS = Histogram(
    "lncds_fhir_request_duration_seconds",
    "Latency of requests to EHR FHIR servers, by resource type and outcome.",
    ["resource_type", "outcome"],
    buckets=_LATENCY_BUCKETS,
    registry=REGISTRY,
)
FHIR_ERRORS = Counter(
    "lncds_fhir_errors_total",
    "FHIR requests that failed, by resource type and kind of failure.",
    ["resource_type", "kind"],
    registry=REGISTRY,
)
FHIR_RETRIES = Counter(
    "lncds_fhir_retries_total",
    "FHIR requests sent once more, by reason: stale_connection (a pooled connection the "
    "server had closed), include_refused (a search sent again without _include).",
    ["reason"],
    registry=REGISTRY,
)
DATA_GAPS = Counter(
    "lncds_data_gaps_total",
    "Hooks answered with part of the record missing, by resource type and kind: "
    "unsupported (the server does not offer the search), refused (it answered 4xx), "
    "partial (paging stopped inside the look-back), no_server (nothing to read it from).",
    ["resource_type", "kind"],
    registry=REGISTRY,
)
PREFETCH_KEYS = Counter(
    "lncds_prefetch_keys_total",
    "Prefetch keys by how they were satisfied: prefetch, fetched, or null (client has none).",
    ["key", "source"],
    registry=REGISTRY,
)
CARDS_EMITTED = Counter(
    "lncds_cards_total",
    "Cards returned, by topic and indicator.",
    ["topic", "indicator"],
    registry=REGISTRY,
)
JWT_FAILURES = Counter(
    "lncds_jwt_failures_total",
    "Client JWTs rejected, by reason category.",
    ["reason"],
    registry=REGISTRY,
)


def render_latest() -> tuple[bytes, str]:
    """The exposition text (aggregated across workers in multiprocess mode)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        _multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST


#: Methods kept as label values; anything else is "other" (bounded cardinality).
_METHODS = frozenset({"GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"})
#: Resource types this service reads (its prefetch templates + Medication reads); a URL
#: naming none of them is labelled "other".
FHIR_RESOURCE_TYPES = frozenset(
    {
        "Patient",
        "Condition",
        "Observation",
        "MedicationRequest",
        "MedicationDispense",
        "MedicationAdministration",
        "MedicationStatement",
        "Medication",
        "Procedure",
    }
)
#: FHIR requests are told apart from other traffic on the shared client (JWKS fetches)
#: by this Accept header (``cds_service.fhir_client.FHIR_JSON``).
_FHIR_ACCEPT = "application/fhir+json"
_STARTED = "lncds_started"

Scope = dict[str, Any]
Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
Asgi = Callable[[Scope, Receive, Send], Awaitable[None]]


class RequestMetricsMiddleware:
    """Pure ASGI middleware: ``HTTP_REQUEST_SECONDS`` by route template, method, status."""

    def __init__(self, app: Asgi) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # an exception escaping the app becomes a 500 further out

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            method = scope.get("method", "")
            HTTP_REQUEST_SECONDS.labels(
                route_template(scope),
                method if method in _METHODS else "other",
                str(status),
            ).observe(time.perf_counter() - started)


def route_template(scope: Mapping[str, Any]) -> str:
    """The matched route's path template (FastAPI puts the route in the scope), else
    ``unmatched``; never the raw path (it may hold ids)."""
    template = getattr(scope.get("route"), "path_format", None)
    return template if isinstance(template, str) else "unmatched"


def fhir_resource_type(url: httpx.URL) -> str:
    """The resource type a FHIR URL addresses (``.../Type`` search, ``.../Type/id`` read)."""
    segments = [part for part in url.path.split("/") if part]
    for candidate in (segments[-2:-1], segments[-1:]):
        if candidate and candidate[0] in FHIR_RESOURCE_TYPES:
            return candidate[0]
    return "other"


def _is_fhir(request: httpx.Request) -> bool:
    accept: str = request.headers.get("accept", "")
    return accept.lower() == _FHIR_ACCEPT


async def _on_request(request: httpx.Request) -> None:
    if _is_fhir(request):
        request.extensions[_STARTED] = time.perf_counter()


async def _on_response(response: httpx.Response) -> None:
    request = response.request
    started = request.extensions.get(_STARTED)
    if not isinstance(started, float):
        return
    resource_type = fhir_resource_type(request.url)
    outcome = "ok" if response.is_success else "error"
    # time to response headers (the hook runs before the body is read)
    FHIR_REQUEST_SECONDS.labels(resource_type, outcome).observe(time.perf_counter() - started)
    if not response.is_success:
        FHIR_ERRORS.labels(resource_type, f"status_{response.status_code // 100}xx").inc()


def fhir_event_hooks() -> dict[str, list[Callable[..., Any]]]:
    """httpx ``event_hooks`` that time FHIR requests and count HTTP errors."""
    return {"request": [_on_request], "response": [_on_response]}


def record_fhir_failure(exc: BaseException) -> None:
    """Count a FHIR failure that produced no response (timeout, network) or unusable
    content. The httpx error, when there is one, is the exception's ``__context__``."""
    from cds_service.errors import FhirInvalidContent, FhirTimeout, FhirUnavailable

    if isinstance(exc, FhirTimeout):
        kind = "timeout"
    elif isinstance(exc, FhirUnavailable):
        kind = "unavailable"
    elif isinstance(exc, FhirInvalidContent):
        kind = "invalid_content"
    else:
        return  # HTTP status errors were counted by the response hook
    resource_type = "other"
    cause = exc.__context__
    if isinstance(cause, httpx.RequestError):
        with contextlib.suppress(RuntimeError):  # httpx: ".request" not set on this error
            resource_type = fhir_resource_type(cause.request.url)
    FHIR_ERRORS.labels(resource_type, kind).inc()


def record_prefetch(sources: Mapping[str, object]) -> None:
    """``PREFETCH_KEYS`` from a ``PrefetchReport.sources`` (key -> how it was satisfied)."""
    for key, source in sources.items():
        PREFETCH_KEYS.labels(key, str(source)).inc()


#: Reasons of ``FHIR_RETRIES``.
RETRY_REASONS = frozenset({"stale_connection", "include_refused"})
#: Kinds of ``DATA_GAPS``.
GAP_KINDS = frozenset({"unsupported", "refused", "partial", "no_server"})


def record_fhir_retry(reason: str) -> None:
    """``FHIR_RETRIES`` by reason (one of ``RETRY_REASONS``)."""
    FHIR_RETRIES.labels(reason if reason in RETRY_REASONS else "other").inc()


def record_data_gap(resource_type: str, kind: str) -> None:
    """``DATA_GAPS`` by resource type (``FHIR_RESOURCE_TYPES``) and kind (``GAP_KINDS``)."""
    DATA_GAPS.labels(
        resource_type if resource_type in FHIR_RESOURCE_TYPES else "other",
        kind if kind in GAP_KINDS else "other",
    ).inc()


def record_cards(cards: Iterable[Mapping[str, Any]]) -> None:
    """``CARDS_EMITTED`` by ``source.topic.code`` and ``indicator`` of rendered cards."""
    for card in cards:
        source = card.get("source")
        topic = source.get("topic") if isinstance(source, Mapping) else None
        code = topic.get("code") if isinstance(topic, Mapping) else None
        indicator = card.get("indicator")
        CARDS_EMITTED.labels(
            code if isinstance(code, str) else "none",
            indicator if isinstance(indicator, str) else "none",
        ).inc()


def record_jwt_failure(category: str) -> None:
    """``JWT_FAILURES`` by reason category (``cds_service.auth.REJECTION_CATEGORIES``)."""
    JWT_FAILURES.labels(category).inc()
