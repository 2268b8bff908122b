"""Gathering one patient's data: prefetch first, the FHIR server second, else 412.

Per prefetch key (CDS Hooks 2.0 "Prefetch Template"):

* key absent -> fetch from ``fhirServer``;
* value ``null`` -> the client has no such data: nothing fetched;
* an ``OperationOutcome`` -> the client failed to prefetch: fetch (logged);
* a ``searchset`` Bundle -> its entries, plus ``link[next]`` pages through
  ``fhirServer`` (bounded); a next link with no usable server -> 412;
* a single resource of the template's type (the Patient read) -> itself;
* anything else (another Bundle type such as ``collection`` or
  ``transaction-response``, a resource in FHIR R5 shape, a Bundle holding another
  patient's data) -> treated as absent: fetched, with a log line.

Never partial data: paging that stops early (page or resource limit, a next link
leaving ``fhirServer``, a next-link loop), a prefetched Bundle with more than
``max_resources_per_prefetch_bundle`` entries, or more distinct Medications to read
than ``MAX_MEDICATION_READS`` -> ``DataUnavailable`` (412) naming the key and why,
rather than cards drawn from part of the record.

Entries of a type the key's search cannot return are dropped (logged); a FHIR server
answering with R5-shaped resources -> ``FhirInvalidContent`` (412).

A ``fhirServer`` not on the allow-list is treated as if none had been sent (and the
token is never sent anywhere). Every key is needed: one that cannot be obtained ->
``DataUnavailable`` naming it; a failed fetch -> the ``FhirError`` (also 412).
Medications named by ``medicationReference`` and not present are then read.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field
from enum import StrEnum
from functools import partial
from typing import Any, TypeVar

from cds_service.config import Settings
from cds_service.errors import DataUnavailable, FhirInvalidContent, FhirTimeout
from cds_service.fhir_client import (
    FhirClient,
    FhirSession,
    Paged,
    bundle_resources,
    next_link,
    r5_elements,
)
from cds_service.hook_models import HookRequest
from cds_service.service_definition import ServiceDefinition, TemplateError, resolve_template
from fhir_mappings.resources import PatientResources

log = logging.getLogger(__name__)
_T = TypeVar("_T")

Json = dict[str, Any]

#: Resource types that belong to one patient (their subject/patient must match).
_PATIENT_BOUND = frozenset(
    {
        "Observation",
        "Condition",
        "MedicationRequest",
        "MedicationDispense",
        "MedicationAdministration",
        "MedicationStatement",
        "Procedure",
    }
)
#: Resources whose ``medicationReference`` may need resolving.
_MEDICATION_USERS = frozenset(
    {"MedicationRequest", "MedicationDispense", "MedicationAdministration", "MedicationStatement"}
)
#: The one Bundle type a search answers with (FHIR R4 Bundle.type "searchset").
_SEARCH_BUNDLE = "searchset"
#: Resource types a search of the key type may also carry: the Medications of
#: ``_include``d medication references.
_ALSO_ALLOWED = {name: frozenset({"Medication"}) for name in _MEDICATION_USERS}
#: Most distinct Medications read in one hook call (each is a FHIR read); more -> 412.
#: Not a setting yet: a module constant (see the report to the integrator).
MAX_MEDICATION_READS = 100
#: FHIR R4 "id" datatype: [A-Za-z0-9\-\.]{1,64} (hl7.org/fhir/R4/datatypes.html#id).
_FHIR_ID_RE = re.compile(r"[A-Za-z0-9\-.]{1,64}")


#: A context for waits on the FHIR server (see ``gather``).
IoWindow = Callable[[], AbstractAsyncContextManager[None]]


@asynccontextmanager
async def _no_window() -> AsyncIterator[None]:
    yield


class KeySource(StrEnum):
    PREFETCH = "prefetch"  # satisfied entirely by the client's prefetch
    PREFETCH_PAGED = "prefetch+pages"  # prefetched first page, further pages fetched
    FETCHED = "fetched"  # fetched from fhirServer
    NULL = "null"  # client said: no such data


@dataclass(slots=True)
class PrefetchReport:
    """How each key was satisfied (for metrics and logs)."""

    sources: dict[str, KeySource] = field(default_factory=dict)
    truncated: list[str] = field(default_factory=list)
    medications_fetched: int = 0
    fhir_server_used: bool = False


@dataclass(frozen=True, slots=True)
class Gathered:
    resources: PatientResources
    report: PrefetchReport


def _reference_matches(reference: object, patient_id: str) -> bool:
    if not isinstance(reference, str):
        return False
    target = "Patient/" + patient_id
    if reference == target:  # speed: the usual relative reference
        return True
    ref = reference.split("/_history/")[0]
    return ref == target or ref.endswith("/" + target)


def belongs_to(resource: Mapping[str, Any], patient_id: str) -> bool:
    """Whether a resource is this patient's (other types: yes; no resourceType string: no)."""
    rtype = resource.get("resourceType")
    if not isinstance(rtype, str):
        return False
    if rtype == "Patient":
        return resource.get("id") == patient_id
    if rtype not in _PATIENT_BOUND:
        return True
    for name in ("subject", "patient"):
        holder = resource.get(name)
        if isinstance(holder, dict) and _reference_matches(holder.get("reference"), patient_id):
            return True
    return False


def _template_type(template: str) -> tuple[str, bool]:
    """(resource type, is an instance read) of a template."""
    path = template.partition("?")[0]
    rtype, _, rid = path.partition("/")
    return rtype, bool(rid)


def _of_type(key: str, rtype: str, resources: list[Json]) -> list[Json]:
    """The resources a search of ``rtype`` can return; others dropped with a log line."""
    allowed = {rtype} | _ALSO_ALLOWED.get(rtype, frozenset())
    kept = [item for item in resources if item.get("resourceType") in allowed]
    if len(kept) != len(resources):
        log.warning(
            "entries of another resource type dropped",
            extra={"key": key, "dropped": len(resources) - len(kept)},
        )
    return kept


def _any_r5(resources: Iterable[Json]) -> bool:
    return any(r5_elements(item) for item in resources)


class _Gatherer:
    def __init__(
        self,
        request: HookRequest,
        service: ServiceDefinition,
        session: FhirSession | None,
        report: PrefetchReport,
        settings: Settings,
        io_window: IoWindow = _no_window,
    ) -> None:
        self.request = request
        self.service = service
        self.session = session
        self.report = report
        self.settings = settings
        self.io_window = io_window
        self.patient_id = request.context.patientId
        self.context = request.context_dict

    def _from_prefetch(self, key: str, template: str, value: object) -> list[Json] | None:
        """Resources from the prefetch value, or ``None`` if it must be fetched."""
        rtype, is_read = _template_type(template)
        if not isinstance(value, dict):
            log.info("prefetch key unusable, fetching", extra={"key": key})
            return None
        vtype = value.get("resourceType")
        if vtype == "OperationOutcome":
            log.info("prefetch key is an OperationOutcome, fetching", extra={"key": key})
            return None
        if is_read and vtype == rtype:
            if not belongs_to(value, self.patient_id):
                log.warning("prefetched resource of another patient dropped", extra={"key": key})
                return None
            if _any_r5([value]):
                log.warning("prefetched resource in FHIR R5 shape, fetching", extra={"key": key})
                return None
            return [value]
        if vtype == "Bundle" and value.get("type") == _SEARCH_BUNDLE and not is_read:
            return self._from_searchset(key, rtype, value)
        log.info("prefetch key has unexpected content, fetching", extra={"key": key})
        return None

    def _from_searchset(self, key: str, rtype: str, bundle: Json) -> list[Json] | None:
        entries = bundle_resources(bundle)
        if len(entries) > self.settings.max_resources_per_prefetch_bundle:
            log.warning("prefetch bundle over the resource limit", extra={"key": key})
            raise DataUnavailable([key], "more resources than the prefetch bundle limit")
        r5 = False
        for item in entries:  # one pass for both checks (speed: ~160 entries per hook)
            if not belongs_to(item, self.patient_id):
                log.warning(
                    "prefetch bundle with another patient's data dropped", extra={"key": key}
                )
                return None
            r5 = r5 or bool(r5_elements(item))
        if r5:
            log.warning("prefetch bundle in FHIR R5 shape, fetching", extra={"key": key})
            return None
        return _of_type(key, rtype, entries)

    async def _pages(self, key: str, template: str, bundle: Json) -> list[Json]:
        assert self.session is not None
        paged = await self.session.follow_next(bundle)
        return self._checked(key, _template_type(template)[0], paged)

    async def _fetch(self, key: str, template: str) -> list[Json]:
        assert self.session is not None
        resolved = resolve_template(template, self.context, self.request.context.userId)
        path, _, query = resolved.partition("?")
        if not query:
            return self._not_r5(key, [await self.session.read(path)])
        paged = await self.session.search(path, query)
        return self._checked(key, path, paged)

    def _checked(self, key: str, rtype: str, paged: Paged) -> list[Json]:
        """The complete, well-typed, R4 resources of a search, or a 412 error."""
        if paged.stopped is not None:
            self.report.truncated.append(key)
            raise DataUnavailable([key], paged.stopped.value)
        return self._not_r5(key, _of_type(key, rtype, paged.resources))

    @staticmethod
    def _not_r5(key: str, resources: list[Json]) -> list[Json]:
        if _any_r5(resources):
            log.warning("FHIR server answered with R5-shaped resources", extra={"key": key})
            raise FhirInvalidContent()
        return resources

    async def run(self) -> list[Json]:
        provided = self.request.prefetch or {}
        kept: list[Json] = []
        # factories, not coroutines: nothing is created that an early 412 would leave unawaited
        jobs: dict[str, Callable[[], Awaitable[list[Json]]]] = {}
        missing: list[str] = []
        for key, template in self.service.prefetch.items():
            if key in provided and provided[key] is None:
                self.report.sources[key] = KeySource.NULL
                continue
            items = self._from_prefetch(key, template, provided[key]) if key in provided else None
            if items is not None:
                value = provided[key]
                if next_link(value) is None:
                    self.report.sources[key] = KeySource.PREFETCH
                    kept.extend(items)
                elif self.session is None:
                    missing.append(key)
                else:
                    self.report.sources[key] = KeySource.PREFETCH_PAGED
                    jobs[key] = partial(self._pages, key, template, value)
                continue
            if self.session is None:
                missing.append(key)
                continue
            try:
                resolve_template(template, self.context, self.request.context.userId)
            except TemplateError:
                missing.append(key)
                continue
            self.report.sources[key] = KeySource.FETCHED
            jobs[key] = partial(self._fetch, key, template)
        if missing:
            raise DataUnavailable(missing)
        self.report.fhir_server_used = bool(jobs)
        if jobs:
            async with self.io_window():
                batches = await _all(job() for job in jobs.values())
            for batch in batches:
                kept.extend(item for item in batch if belongs_to(item, self.patient_id))
        kept.extend(await self._medications(kept))
        return kept

    async def _medications(self, resources: list[Json]) -> list[Json]:
        known = {
            item["id"]
            for item in resources
            if item.get("resourceType") == "Medication" and isinstance(item.get("id"), str)
        }
        wanted: set[str] = set()
        for item in resources:
            if item.get("resourceType") not in _MEDICATION_USERS:
                continue
            ref = item.get("medicationReference")
            reference = ref.get("reference") if isinstance(ref, dict) else None
            if not isinstance(reference, str) or reference.startswith("#"):
                continue
            mid = _medication_id(reference, self.session.base if self.session else None)
            if mid is None:
                log.info("medicationReference outside the FHIR server (or not an id): not read")
            elif mid not in known:
                wanted.add(mid)
        if not wanted:
            return []
        if self.session is None:
            raise DataUnavailable(["medicationReference"])
        if len(wanted) > MAX_MEDICATION_READS:
            log.warning("too many Medications to read", extra={"count": len(wanted)})
            raise DataUnavailable(
                ["medicationReference"], "more Medications to read than the read limit"
            )
        session = self.session
        async with self.io_window():
            found = await _all(session.read(f"Medication/{mid}") for mid in sorted(wanted))
        self.report.medications_fetched = len(found)
        self.report.fhir_server_used = True
        return found


def _medication_id(reference: str, base: str | None) -> str | None:
    ref = reference.split("/_history/")[0]
    if base is not None and ref.startswith(base.rstrip("/") + "/"):
        ref = ref[len(base.rstrip("/")) + 1 :]
    rtype, _, rid = ref.partition("/")
    if rtype != "Medication" or not _FHIR_ID_RE.fullmatch(rid):
        return None
    return rid


async def _all(jobs: Iterable[Awaitable[_T]]) -> list[_T]:
    """Run concurrently; the first ``FhirError`` (or other error) is raised."""
    results = await asyncio.gather(*jobs, return_exceptions=True)
    for result in results:
        if isinstance(result, BaseException):
            raise result
    return [result for result in results if not isinstance(result, BaseException)]


def fhir_base(request: HookRequest, settings: Settings) -> str | None:
    """The request's fhirServer if allow-listed, else ``None`` (as if none was sent)."""
    base = request.fhirServer
    if base is None:
        return None
    if not settings.fhir_server_allowed(base):
        log.warning("fhirServer not on the allow-list: ignored")
        return None
    return base


async def gather(
    request: HookRequest,
    service: ServiceDefinition,
    client: FhirClient | None,
    settings: Settings,
    io_window: IoWindow = _no_window,
) -> Gathered:
    """Collect the patient's resources for ``service`` (see module docstring).

    Every wait on the FHIR server happens inside ``io_window()`` (the hook route passes
    ``Turn.released``: its CPU turn is lent out meanwhile); all prefetched -> no wait.
    """
    report = PrefetchReport()
    base = fhir_base(request, settings)
    session: FhirSession | None = None
    if base is not None and client is not None:
        auth = request.fhirAuthorization
        token = auth.access_token.get_secret_value() if auth is not None else None
        session = client.session(base, token)
    gatherer = _Gatherer(request, service, session, report, settings, io_window)
    try:
        async with asyncio.timeout(settings.hook_deadline_seconds):
            resources = await gatherer.run()
    except TimeoutError:
        log.warning("hook deadline exceeded while gathering data")
        raise FhirTimeout() from None
    return Gathered(PatientResources.from_resources(resources), report)
