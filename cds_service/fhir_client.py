"""The FHIR client: one pooled ``httpx.AsyncClient`` (made in the app lifespan), typed errors.

* ``FhirClient`` is app-wide; ``FhirClient.session(base, token)`` binds one hook's
  ``fhirServer`` and bearer token, with a semaphore bounding concurrent requests. It
  also keeps what each server can search (``cds_service.capabilities``), read once per
  ``fhir_capabilities_ttl_seconds`` from ``GET [base]/metadata``.
* Answers are streamed and refused past ``max_fhir_response_bytes`` (``FhirTooLarge``,
  412): no body is held whole before its size is known.
* A GET whose pooled keep-alive connection the server has just closed (the connection
  fails before any answer: ``RemoteProtocolError``, ``ReadError``, ``WriteError``) is
  sent once more; the pool drops connections the server has closed, so the retry goes
  out on a live or a new one. Counted in ``lncds_fhir_retries_total``. GETs are
  idempotent, so a retry never does anything twice.
* Searches follow ``Bundle.link[relation=next]`` within bounds (pages, resources). A
  ``Coverage`` (``cds_service.record_window``) watches the order and dates of the
  answer: once it has covered the look-back, paging stops and the data is complete.
  A next link outside ``base`` is not followed (compared as URLs,
  ``cds_service.fhir_urls``: the token never leaves ``base``) and a next-link loop
  stops paging. Paging that stops early is reported in ``Paged.stopped`` (a
  ``PagingStop``): the caller must treat the data as partial.
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
from urllib.parse import quote, urlencode

import httpx
import orjson

from cds_service.capabilities import Capabilities, ServerProfile, ServerProfiles
from cds_service.config import Settings
from cds_service.errors import (
    FhirBadResponse,
    FhirError,
    FhirInvalidContent,
    FhirTimeout,
    FhirTooLarge,
    FhirUnavailable,
)
from cds_service.fhir_urls import under_base
from cds_service.metrics import record_fhir_retry
from cds_service.record_window import Coverage

log = logging.getLogger(__name__)

FHIR_JSON = "application/fhir+json"
Params = Mapping[str, str] | tuple[tuple[str, str], ...] | str | httpx.QueryParams
Json = dict[str, Any]


class PagingStop(StrEnum):
    """Why paging stopped before the last page (values are caller-safe sentences)."""

    PAGE_BOUND = "more pages than the page limit"
    RESOURCE_BOUND = "more resources than the resource limit"
    LEFT_BASE = "a next link leaves the FHIR server"
    LOOP = "the next links loop"
    NO_SERVER = "further pages but no FHIR server to read them from"


@dataclass(frozen=True, slots=True)
class Paged:
    """Resources of a (possibly multi-page) searchset; ``stopped`` if paging stopped early.

    ``coverage`` (when the search was given one) tells whether the resources read cover
    the look-back, which makes them complete even when paging stopped before the end.
    """

    resources: list[Json]
    pages: int
    stopped: PagingStop | None = None
    coverage: Coverage | None = None

    @property
    def truncated(self) -> bool:
        """Whether paging stopped before the last page."""
        return self.stopped is not None

    @property
    def complete(self) -> bool:
        """Whether nothing the look-back needs is missing."""
        return self.stopped is None or (self.coverage is not None and self.coverage.covered)


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


#: Errors of a pooled connection that the server closed just before or as it was reused:
#: raised by ``send`` before any answer arrived, so the GET is sent once more.
_STALE_CONNECTION = (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError)


class FhirClient:
    """App-wide FHIR access over one pooled ``httpx.AsyncClient``."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        settings: Settings,
        *,
        profiles: ServerProfiles | None = None,
    ) -> None:
        self._http = http
        self._settings = settings
        self.profiles = (
            profiles
            if profiles is not None
            else ServerProfiles(settings.fhir_capabilities_ttl_seconds)
        )

    @property
    def settings(self) -> Settings:
        return self._settings

    async def aclose(self) -> None:
        await self.profiles.aclose()
        await self._http.aclose()

    def session(self, base: str, token: str | None = None) -> FhirSession:
        return FhirSession(self._http, self._settings, base, token, self.profiles)

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
        self,
        http: httpx.AsyncClient,
        settings: Settings,
        base: str,
        token: str | None,
        profiles: ServerProfiles | None = None,
    ) -> None:
        self._http = http
        self._settings = settings
        self.base = base.rstrip("/")
        self._headers = {**settings.fhir_extra_headers, "Accept": FHIR_JSON}
        if token:
            self._headers["Authorization"] = f"Bearer {token}"
        self._semaphore = asyncio.Semaphore(settings.fhir_concurrency)
        self._profiles = (
            profiles
            if profiles is not None
            else ServerProfiles(settings.fhir_capabilities_ttl_seconds)
        )

    async def profile(self) -> ServerProfile:
        """What this server can search (its CapabilityStatement, remembered per base)."""
        return await self._profiles.get(self.base, self._capabilities)

    async def _capabilities(self) -> Capabilities:
        try:
            statement = await self._get(f"{self.base}/metadata")
        except FhirError:
            log.info("CapabilityStatement unreadable: every search is assumed supported")
            return Capabilities.unknown()
        return Capabilities.of(statement)

    async def _get(self, url: str, params: Params | None = None) -> Json:
        try:
            async with self._semaphore:
                request = self._http.build_request("GET", url, params=params, headers=self._headers)
                response = await self._send(request)
                try:
                    content = await self._body(response)
                finally:
                    await response.aclose()
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
            raise FhirBadResponse(response.status_code, has_outcome=_is_outcome(content))
        if content is None:
            log.warning("fhir answer over the size limit", extra={"status": response.status_code})
            raise FhirTooLarge()
        content_type = response.headers.get("content-type", "").lower()
        if "html" in content_type:
            raise _invalid("html")
        try:
            data = orjson.loads(content)
        except orjson.JSONDecodeError:
            raise _invalid("invalid-json") from None
        if not isinstance(data, dict):
            raise _invalid("not-an-object")
        return data

    async def _send(self, request: httpx.Request) -> httpx.Response:
        """Send (answer streamed); once more if a reused connection fails before answering."""
        try:
            return await self._http.send(request, stream=True)
        except _STALE_CONNECTION as exc:
            log.info(
                "fhir connection closed by the server before answering; sending once more",
                extra={"error": type(exc).__name__},
            )
            record_fhir_retry("stale_connection")
        return await self._http.send(request, stream=True)

    async def _body(self, response: httpx.Response) -> bytes | None:
        """The answer's bytes, or ``None`` past ``max_fhir_response_bytes`` (stops reading)."""
        limit = self._settings.max_fhir_response_bytes
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            return None
        chunks: list[bytes] = []
        size = 0
        async for chunk in response.aiter_bytes():
            size += len(chunk)
            if size > limit:
                return None
            chunks.append(chunk)
        return b"".join(chunks)

    async def read(self, reference: str) -> Json:
        """Read ``Type/id``; the answer must be that resource type."""
        rtype, _, rid = reference.partition("/")
        if not rtype or not rid or "/" in rid:
            raise ValueError(f"not a relative reference: {reference!r}")
        resource = await self._get(f"{self.base}/{rtype}/{rid}")
        if resource.get("resourceType") != rtype:
            raise _invalid("wrong-resource-type")
        return resource

    async def search(
        self, resource_type: str, params: Params, *, coverage: Coverage | None = None
    ) -> Paged:
        """Search ``resource_type`` and follow next links within the search bounds; with a
        ``coverage``, paging stops once the look-back is covered."""
        bundle = await self._get(_search_url(f"{self.base}/{resource_type}", params))
        _check_searchset(bundle)
        return await self._page(bundle, self._settings.max_resources_per_search, coverage)

    async def follow_next(
        self, bundle: Mapping[str, Any], *, coverage: Coverage | None = None
    ) -> Paged:
        """Entries of a prefetched searchset plus its further pages (bounded, as ``search``)."""
        return await self._page(bundle, self._settings.max_resources_per_prefetch_bundle, coverage)

    async def _page(
        self, first: Mapping[str, Any], max_resources: int, coverage: Coverage | None
    ) -> Paged:
        resources = bundle_resources(first)
        if coverage is not None:
            coverage.add(resources)
        pages = 1
        seen: set[str] = set()
        url = next_link(first)
        while url is not None and not (coverage is not None and coverage.covered):
            stop = self._stop_before(url, seen, pages, len(resources), max_resources)
            if stop is not None:
                log.warning("paging stopped early", extra={"reason": stop.name, "pages": pages})
                return _cut(resources, pages, stop, coverage, max_resources)
            seen.add(url)
            page = await self._get(url)
            _check_searchset(page)
            found = bundle_resources(page)
            if coverage is not None:
                coverage.add(found)
            resources.extend(found)
            pages += 1
            url = next_link(page)
        if len(resources) > max_resources:
            log.warning("paging stopped early", extra={"reason": "RESOURCE_BOUND", "pages": pages})
            return _cut(resources, pages, PagingStop.RESOURCE_BOUND, coverage, max_resources)
        return Paged(resources, pages, None, coverage)

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


def _cut(
    resources: list[Json],
    pages: int,
    stop: PagingStop,
    coverage: Coverage | None,
    max_resources: int,
) -> Paged:
    """A stopped search: at most ``max_resources``, the coverage judged on what is kept."""
    if len(resources) > max_resources:
        resources = resources[:max_resources]
        if coverage is not None:
            coverage = coverage.fresh()
            coverage.add(resources)
    return Paged(resources, pages, stop, coverage)


#: Characters left as they are in query values: FHIR search writes system URIs and lists
#: with them, and they need no escaping in a query (RFC 3986 section 3.4). ``|`` is
#: escaped, as httpx would.
_QUERY_SAFE = ",:/"


def _search_url(url: str, params: Params) -> str:
    """``url`` with its query written out once.

    Speed: httpx merging ``params`` into a URL parses and re-encodes the whole query
    (about 1 ms for the Observation search's 37 codes); a finished URL string is parsed
    once, its ``%XX`` sequences left as they are.
    """
    if isinstance(params, str | httpx.QueryParams):
        query = str(params)
    else:
        pairs = params.items() if isinstance(params, Mapping) else params
        query = urlencode(list(pairs), safe=_QUERY_SAFE, quote_via=quote)
    return f"{url}?{query}" if query else url


def _is_outcome(content: bytes | None) -> bool:
    """Whether an error answer's body is a FHIR OperationOutcome."""
    if not content:
        return False
    try:
        data = orjson.loads(content)
    except orjson.JSONDecodeError:
        return False
    return isinstance(data, dict) and data.get("resourceType") == "OperationOutcome"


def _check_searchset(bundle: Mapping[str, Any]) -> None:
    if bundle.get("resourceType") != "Bundle" or bundle.get("type") != "searchset":
        raise _invalid("not-a-searchset")


def _invalid(reason: str) -> FhirInvalidContent:
    """A ``FhirInvalidContent`` to raise, logged with a fixed reason (never the content)."""
    log.warning("fhir server answered with unexpected content", extra={"reason": reason})
    return FhirInvalidContent()
