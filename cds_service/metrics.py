"""Prometheus metrics: one registry, named instruments, one place.

Exposed at ``GET /metrics``. With several uvicorn workers, set
``PROMETHEUS_MULTIPROC_DIR`` to a writable, empty directory so the figures of all
workers are aggregated (prometheus-client multiprocess mode); otherwise each
worker reports its own.

Labels never carry secrets, tokens or patient identifiers.
"""

from __future__ import annotations

import os

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
