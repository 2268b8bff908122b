"""A fake FHIR server over a list of resources, for ``httpx.MockTransport``.

Searches are answered by ``cds_service.bundle_search`` (the search rule the demo uses),
with ``link[next]`` paging by ``_offset``. Switches make it behave like servers the
service must cope with: one that ignores ``_sort``, the date bound, ``status`` or
``_count``, one that refuses ``_include``, some search parameters or some types with a
4xx OperationOutcome, one with a given CapabilityStatement. Every request is recorded
(``requests``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import httpx

from cds_service.bundle_search import evaluate_query
from cds_service.search_params import DATE_PARAMS

Json = dict[str, Any]


def outcome(text: str = "refused") -> Json:
    return {
        "resourceType": "OperationOutcome",
        "issue": [{"severity": "error", "code": "not-supported", "diagnostics": text}],
    }


def capability_statement(types: Mapping[str, Mapping[str, Any]]) -> Json:
    """A CapabilityStatement listing ``types`` (each: extra fields of its ``resource``)."""
    return {
        "resourceType": "CapabilityStatement",
        "status": "active",
        "kind": "instance",
        "fhirVersion": "4.0.1",
        "rest": [
            {
                "mode": "server",
                "resource": [{"type": name, **extra} for name, extra in types.items()],
            }
        ],
    }


@dataclass
class FakeFhir:
    """The server; call it with a request (it is an ``httpx.MockTransport`` handler)."""

    base: str
    resources: list[Json]
    #: None: /metadata answers 404
    capabilities: Json | None = None
    ignore_sort: bool = False
    ignore_dates: bool = False
    ignore_status: bool = False
    #: a page size the server uses whatever ``_count`` says
    page_size: int | None = None
    refuse_include: bool = False
    #: search parameters whose searches answer 400 with an OperationOutcome
    refuse_params: frozenset[str] = frozenset()
    #: resource type -> status answered (with an OperationOutcome) to its searches
    refuse_types: Mapping[str, int] = field(default_factory=dict)
    #: Medication ids whose reads answer this status instead of the resource
    medication_status: Mapping[str, int] = field(default_factory=dict)
    requests: list[httpx.Request] = field(default_factory=list)

    def data_requests(self) -> list[httpx.Request]:
        """The requests other than ``/metadata``."""
        return [r for r in self.requests if not r.url.path.endswith("/metadata")]

    def searches(self, resource_type: str, *, by_status: bool | None = None) -> list[httpx.Request]:
        """The searches of ``resource_type``; ``by_status``: only those with (``True``) or
        without (``False``) a ``status`` parameter."""
        return [
            r
            for r in self.requests
            if r.url.path.endswith(f"/{resource_type}")
            and (by_status is None or ("status" in r.url.params) is by_status)
        ]

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        prefix = httpx.URL(self.base).path.rstrip("/")
        path = request.url.path.removeprefix(prefix).strip("/")
        if path == "metadata":
            if self.capabilities is None:
                return httpx.Response(404, json=outcome("no metadata"))
            return httpx.Response(200, json=self.capabilities)
        rtype, _, rid = path.partition("/")
        if rid:
            status = self.medication_status.get(rid) if rtype == "Medication" else None
            if status is not None:
                return httpx.Response(status, json=outcome("gone"))
            found = evaluate_query(path, self.resources)
            if found is None:
                return httpx.Response(404, json=outcome("not found"))
            return httpx.Response(200, json=found)
        if rtype in self.refuse_types:
            return httpx.Response(self.refuse_types[rtype], json=outcome())
        params = list(request.url.params.multi_items())
        if self.refuse_include and any(name == "_include" for name, _ in params):
            return httpx.Response(400, json=outcome("_include is not supported"))
        if any(name in self.refuse_params for name, _ in params):
            return httpx.Response(400, json=outcome("search parameter not supported"))
        date_param = DATE_PARAMS.get(rtype)
        kept = [
            (name, value)
            for name, value in params
            if not (self.ignore_sort and name == "_sort")
            and not (self.ignore_status and name == "status")
            and not (self.ignore_dates and date_param is not None and name == date_param.name)
            and not (self.page_size is not None and name == "_count")
        ]
        if self.page_size is not None:
            kept.append(("_count", str(self.page_size)))
        bundle = evaluate_query(f"{rtype}?{urlencode(kept)}", self.resources, base=self.base)
        return httpx.Response(200, json=bundle)


def dated(rtype: str, rid: str, day: str, patient: str = "p1", **extra: Any) -> Json:
    """A resource of ``rtype`` dated ``day`` on the element its date search parameter reads."""
    element = DATE_PARAMS[rtype].elements[0]
    return {
        "resourceType": rtype,
        "id": rid,
        "subject": {"reference": f"Patient/{patient}"},
        element: day,
        **extra,
    }


def ids(resources: Iterable[Mapping[str, Any]]) -> list[str]:
    return [str(r.get("id")) for r in resources]
