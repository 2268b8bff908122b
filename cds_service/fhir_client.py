"""The FHIR client: one pooled ``httpx.AsyncClient`` (made in the app lifespan), typed errors.

* ``FhirClient`` is app-wide; ``FhirClient.session(base, token)`` binds one hook's
  ``fhirServer`` and bearer token, with a semaphore bounding concurrent requests.
* Searches follow ``Bundle.link[relation=next]`` within bounds (pages, resources); a
  next link outside ``base`` is not followed (the token never leaves ``base``) and a
  next-link loop stops paging. Paging that stops early is reported in
  ``Paged.stopped`` (a ``PagingStop``): the caller must treat the data as partial.
* Every failure is a ``FhirError`` subclass (see ``cds_service.errors``), including a
  URL httpx refuses (e.g. a next link with control characters). URLs (which hold
  patient ids) and tokens are never logged.
* ``r5_elements`` spots resources in FHIR R5 shape (this service reads R4).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import httpx
import orjson

from cds_service.config import Settings
from cds_service.errors import (
    FhirBadResponse,
    FhirInvalidContent,
    FhirTimeout,
    FhirUnavailable,
)

log = logging.getLogger(__name__)

FHIR_JSON = "application/fhir+json"
Params = Mapping[str, str] | str | httpx.QueryParams
Json = dict[str, Any]


class PagingStop(StrEnum):
    """Why paging stopped before the last page (values are caller-safe sentences)."""

    PAGE_BOUND = "more pages than the page limit"
    RESOURCE_BOUND = "more resources than the resource limit"
    LEFT_BASE = "a next link leaves the FHIR server"
    LOOP = "the next links loop"


@dataclass(frozen=True, slots=True)
class Paged:
    """Resources of a (possibly multi-page) searchset; ``stopped`` if paging stopped early."""

    resources: list[Json]
    pages: int
    stopped: PagingStop | None = None

    @property
    def truncated(self) -> bool:
        """Whether the resources are only part of the search result."""
        return self.stopped is not None


#: Elements that exist in FHIR R5 but not in R4, in the resource types this service
#: reads, where R5 moved data we need (R4 element in the comment). Source: the
#: fhir.resources 8.3 models, R5 (``fhir.resources``) against R4B
#: (``fhir.resources.R4B``), and HL7 "Extensions for Using Data Elements from FHIR R5
#: in FHIR R4" (hl7.org/fhir/uv/xver-r5.r4/0.1.0): MedicationRequest.medication is a
#: CodeableReference in R5, Procedure.occurrence[x] is R5-only.
R5_ONLY_ELEMENTS: Mapping[str, frozenset[str]] = {
    "MedicationRequest": frozenset({"medication"}),  # R4 medication[x]
    "MedicationDispense": frozenset({"medication"}),  # R4 medication[x]
    "MedicationStatement": frozenset({"medication"}),  # R4 medication[x]
    "MedicationAdministration": frozenset(
        {"medication", "occurenceDateTime", "occurencePeriod", "occurenceTiming"}
    ),  # R4 medication[x], effective[x] (R5 spells it "occurence")
    "Procedure": frozenset(
        {
            "occurrenceDateTime",
            "occurrencePeriod",
            "occurrenceString",
            "occurrenceAge",
            "occurrenceRange",
            "occurrenceTiming",
        }
    ),  # R4 performed[x]
    "Condition": frozenset({"participant"}),  # R4 asserter/recorder
}


def r5_elements(resource: Mapping[str, Any]) -> list[str]:
    """The R5-only elements present in ``resource`` (empty for an R4-shaped resource)."""
    rtype = resource.get("resourceType")
    # speed: most resources (Observations) are of a type with no R5-only element listed
    names = R5_ONLY_ELEMENTS.get(rtype) if isinstance(rtype, str) else None
    if names is None:
        return []
    return sorted(name for name in names if name in resource)


#: httpx logs every request URL at INFO (and httpcore more at DEBUG); our URLs hold
#: patient ids, so these loggers are kept at WARNING.
_QUIET_LOGGERS = ("httpx", "httpcore")


def make_http_client(
    settings: Settings, transport: httpx.AsyncBaseTransport | None = None
) -> httpx.AsyncClient:
    """The one pooled client of the process (explicit timeouts and limits)."""
    for name in _QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
    timeout = httpx.Timeout(
        settings.fhir_read_timeout_seconds,
        connect=settings.fhir_connect_timeout_seconds,
    )
    limits = httpx.Limits(
        max_connections=max(10, settings.fhir_concurrency * 4),
        max_keepalive_connections=max(5, settings.fhir_concurrency * 2),
    )
    return httpx.AsyncClient(
        timeout=timeout, limits=limits, transport=transport, follow_redirects=False
    )


def under_base(url: str, base: str) -> bool:
    """Whether ``url`` lies under the FHIR base URL (path boundary respected)."""
    root = base.rstrip("/")
    return url == root or url.startswith(root + "/") or url.startswith(root + "?")


def bundle_resources(bundle: Mapping[str, Any]) -> list[Json]:
    """The ``entry[].resource`` objects of a Bundle that name a ``resourceType`` string.

    Odd entries (no resource object, a resourceType that is not a string) are dropped.
    """
    entries = bundle.get("entry")
    if not isinstance(entries, list):
        return []
    out: list[Json] = []
    for entry in entries:
        resource = entry.get("resource") if isinstance(entry, dict) else None
        if isinstance(resource, dict) and isinstance(resource.get("resourceType"), str):
            out.append(resource)
    return out


def next_link(bundle: Mapping[str, Any]) -> str | None:
    links = bundle.get("link")
    if not isinstance(links, list):
        return None
    for link in links:
        if isinstance(link, dict) and link.get("relation") == "next":
            url = link.get("url")
            return url if isinstance(url, str) and url else None
    return None


class FhirClient:
    """App-wide FHIR access over one pooled ``httpx.AsyncClient``."""

    def __init__(self, http: httpx.AsyncClient, settings: Settings) -> None:
        self._http = http
        self._settings = settings

    @property
    def settings(self) -> Settings:
        return self._settings

    async def aclose(self) -> None:
        await self._http.aclose()

    def session(self, base: str, token: str | None = None) -> FhirSession:
        return FhirSession(self._http, self._settings, base, token)

    async def read(self, base: str, reference: str, *, token: str | None = None) -> Json:
        return await self.session(base, token).read(reference)

    async def search(
        self, base: str, resource_type: str, params: Params, *, token: str | None = None
    ) -> list[Json]:
        return (await self.session(base, token).search(resource_type, params)).resources

    async def follow_next(
        self, bundle: Mapping[str, Any], base: str, *, token: str | None = None
    ) -> list[Json]:
        return (await self.session(base, token).follow_next(bundle)).resources


class FhirSession:
    """One hook's view of one FHIR server: base URL, bearer token, concurrency bound."""

    def __init__(
        self, http: httpx.AsyncClient, settings: Settings, base: str, token: str | None
    ) -> None:
        self._http = http
        self._settings = settings
        self.base = base.rstrip("/")
        self._headers = {**settings.fhir_extra_headers, "Accept": FHIR_JSON}
        if token:
            self._headers["Authorization"] = f"Bearer {token}"
        self._semaphore = asyncio.Semaphore(settings.fhir_concurrency)

    async def _get(self, url: str, params: Params | None = None) -> Json:
        try:
            async with self._semaphore:
                response = await self._http.get(url, params=params, headers=self._headers)
        except httpx.TimeoutException as exc:
            log.warning("fhir request timed out", extra={"error": type(exc).__name__})
            raise FhirTimeout() from None
        except httpx.HTTPError as exc:
            log.warning("fhir request failed", extra={"error": type(exc).__name__})
            raise FhirUnavailable() from None
        except httpx.InvalidURL:
            # not an HTTPError: e.g. a next link or id with control characters
            log.warning("fhir request URL refused by the HTTP client")
            raise FhirInvalidContent() from None
        if not response.is_success:
            log.warning("fhir server answered", extra={"status": response.status_code})
            raise FhirBadResponse(response.status_code)
        content_type = response.headers.get("content-type", "").lower()
        if "html" in content_type:
            raise _invalid("html")
        try:
            data = orjson.loads(response.content)
        except orjson.JSONDecodeError:
            raise _invalid("invalid-json") from None
        if not isinstance(data, dict):
            raise _invalid("not-an-object")
        return data

    async def read(self, reference: str) -> Json:
        """Read ``Type/id``; the answer must be that resource type."""
        rtype, _, rid = reference.partition("/")
        if not rtype or not rid or "/" in rid:
            raise ValueError(f"not a relative reference: {reference!r}")
        resource = await self._get(f"{self.base}/{rtype}/{rid}")
        if resource.get("resourceType") != rtype:
            raise _invalid("wrong-resource-type")
        return resource

    async def search(self, resource_type: str, params: Params) -> Paged:
        """Search ``resource_type`` and follow next links within the search bounds."""
        bundle = await self._get(f"{self.base}/{resource_type}", params)
        _check_searchset(bundle)
        return await self._page(bundle, self._settings.max_resources_per_search)

    async def follow_next(self, bundle: Mapping[str, Any]) -> Paged:
        """Entries of a prefetched searchset plus its further pages (bounded)."""
        return await self._page(bundle, self._settings.max_resources_per_prefetch_bundle)

    async def _page(self, first: Mapping[str, Any], max_resources: int) -> Paged:
        resources = bundle_resources(first)
        pages = 1
        seen: set[str] = set()
        url = next_link(first)
        while url is not None:
            stop = self._stop_before(url, seen, pages, len(resources), max_resources)
            if stop is not None:
                log.warning("paging stopped early", extra={"reason": stop.name, "pages": pages})
                return Paged(resources[:max_resources], pages, stop)
            seen.add(url)
            page = await self._get(url)
            _check_searchset(page)
            resources.extend(bundle_resources(page))
            pages += 1
            url = next_link(page)
        if len(resources) > max_resources:
            log.warning("paging stopped early", extra={"reason": "RESOURCE_BOUND", "pages": pages})
            return Paged(resources[:max_resources], pages, PagingStop.RESOURCE_BOUND)
        return Paged(resources, pages)

    def _stop_before(
        self, url: str, seen: set[str], pages: int, count: int, max_resources: int
    ) -> PagingStop | None:
        """Why the next page at ``url`` must not be fetched, or ``None`` to fetch it."""
        if not under_base(url, self.base):
            return PagingStop.LEFT_BASE
        if url in seen:
            return PagingStop.LOOP
        if pages >= self._settings.max_pages_per_search:
            return PagingStop.PAGE_BOUND
        if count >= max_resources:
            return PagingStop.RESOURCE_BOUND
        return None


def _check_searchset(bundle: Mapping[str, Any]) -> None:
    if bundle.get("resourceType") != "Bundle" or bundle.get("type") != "searchset":
        raise _invalid("not-a-searchset")


def _invalid(reason: str) -> FhirInvalidContent:
    """A ``FhirInvalidContent`` to raise, logged with a fixed reason (never the content)."""
    log.warning("fhir server answered with unexpected content", extra={"reason": reason})
    return FhirInvalidContent()
