"""Gathering one patient's data: prefetch first, the FHIR server second, else 412 or a gap.

Per prefetch key (CDS Hooks 2.0 "Prefetch Template"):

* key absent -> fetch from ``fhirServer``;
* value ``null`` -> the client has no such data: nothing fetched;
* an ``OperationOutcome`` -> the client failed to prefetch: fetch (logged);
* a ``searchset`` Bundle -> its entries, plus ``link[next]`` pages through
  ``fhirServer`` until the look-back is covered (bounded);
* a single resource of the template's type (the Patient read) -> itself;
* anything else (another Bundle type such as ``collection`` or
  ``transaction-response``, a resource in FHIR R5 shape, a Bundle holding another
  patient's data) -> treated as absent: fetched, with a log line.

Required and optional keys (``ServiceDefinition.data``): a required key that cannot be
obtained answers 412 (``DataUnavailable`` naming it, or the ``FhirError``). An optional
key whose search the server does not offer (its CapabilityStatement) or refuses (a 4xx
with an OperationOutcome; not 408/429, which are transient), or that has no server to
be read from, becomes a ``DataGap`` with ``complete_since=None`` and the hook answers.

The look-back (``fhir_mappings.lookback``, from the ruleset and ``today``): the
service's own searches ask for ``<date parameter>=ge<first day>``, newest first, and
paging stops once the look-back is covered (``cds_service.record_window``): complete
data, whatever is left on the server. Paging stopped by a bound (pages, resources,
the prefetch bundle size), a next link leaving ``fhirServer`` or looping, or a next
link with no server to follow it, is partial: when the answer was sorted, a
``DataGap`` says from which day on everything was read and the hook answers; when the
order is unknown, a required key answers 412 and an optional one becomes a gap with
nothing read. Resources that end before the look-back are dropped: the rules never
read them.

Still in force, whatever their date (``cds_service.search_params.STILL_ACTIVE``):
``active``/``on-hold`` MedicationRequests and ``active``/``intended``/``on-hold``
MedicationStatements. An order written before the look-back and still active is the
current treatment, so such resources are never dropped, and when the record of their
type was not read whole (the service's own dated search, a prefetched first page with
``link[next]``, a prefetch over its bound) one more search asks ``fhirServer`` for them
by status (``MedicationRequest?patient=X&status=active,on-hold`` with ``_include``), run
alongside the dated one; both answers are merged, each resource once (type and id). A
server that does not offer ``status`` for the type (its CapabilityStatement) or refuses
it (a 4xx with an OperationOutcome; remembered per server) is asked for the type's
whole record instead, read to the end, of which the still-active resources are kept.
Only when they cannot be known (no ``fhirServer``, that search refused, or a bound
reached) does a ``DataGap`` say the type is complete from the look-back's first day on.

What a value or an answer may hold is checked by ``cds_service.prefetch_values``:
entries of a type the key's search cannot return are dropped (logged); a FHIR server
answering with R5-shaped resources -> ``FhirInvalidContent`` (412).

A ``fhirServer`` not on the allow-list (compared as URLs, ``cds_service.fhir_urls``)
is treated as if none had been sent, and the token is never sent anywhere. Medications
named by ``medicationReference`` and not present are then read
(``cds_service.medication_refs``).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from functools import partial
from typing import Any, TypeVar
from urllib.parse import parse_qsl

from cds_service.capabilities import ServerProfile
from cds_service.config import Settings
from cds_service.errors import DataUnavailable, FhirBadResponse, FhirTimeout
from cds_service.fhir_client import (
    FhirClient,
    FhirSession,
    Paged,
    PagingStop,
    next_link,
)
from cds_service.fhir_urls import allowed_base, parse_url
from cds_service.hook_models import HookRequest
from cds_service.medication_refs import MAX_MEDICATION_READS, MedicationReads
from cds_service.metrics import record_data_gap, record_fhir_retry
from cds_service.prefetch_values import (
    belongs_to,
    not_r5,
    of_type,
    template_type,
    usable_prefetch,
)
from cds_service.record_window import Coverage, within_look_back
from cds_service.search_params import DATE_PARAMS, STATUS_PARAM, STILL_ACTIVE, still_active
from cds_service.service_definition import (
    DataKey,
    ServiceDefinition,
    TemplateError,
    resolve_template,
)
from fhir_mappings.lookback import LookBack, look_back
from fhir_mappings.resources import DataGap, PatientResources
from fhir_mappings.rulesets import get_ruleset

__all__ = [
    "MAX_MEDICATION_READS",
    "Gathered",
    "KeySource",
    "PrefetchReport",
    "belongs_to",
    "gather",
]

log = logging.getLogger(__name__)
_T = TypeVar("_T")

Json = dict[str, Any]

#: 4xx answers that say "try later", not "this search is not offered": never a gap.
_TRANSIENT_STATUSES = frozenset({408, 429})
#: 4xx answers about the credentials, not the query: an _include retry would not help.
_ACCESS_STATUSES = frozenset({401, 403})
#: 4xx answers after which a search is not sent again without _include.
_NOT_INCLUDE = _ACCESS_STATUSES | _TRANSIENT_STATUSES


#: A context for waits on the FHIR server (see ``gather``).
IoWindow = Callable[[], AbstractAsyncContextManager[None]]


@asynccontextmanager
async def _no_window() -> AsyncIterator[None]:
    yield


class KeySource(StrEnum):
    PREFETCH = "prefetch"  # satisfied entirely by the client's prefetch
    PREFETCH_PAGED = "prefetch+pages"  # prefetched first page, the rest read from fhirServer
    FETCHED = "fetched"  # fetched from fhirServer
    NULL = "null"  # client said: no such data
    UNSUPPORTED = "unsupported"  # optional search the server does not offer: not sent
    MISSING = "missing"  # optional key neither prefetched nor readable from a server


@dataclass(slots=True)
class PrefetchReport:
    """How each key was satisfied (for metrics and logs)."""

    sources: dict[str, KeySource] = field(default_factory=dict)
    truncated: list[str] = field(default_factory=list)
    medications_fetched: int = 0
    medications_unresolved: int = 0
    fhir_server_used: bool = False


@dataclass(frozen=True, slots=True)
class Gathered:
    resources: PatientResources
    report: PrefetchReport


@dataclass(frozen=True, slots=True)
class _Gap:
    """A gap and its kind (``metrics.GAP_KINDS``), counted once the hook keeps it."""

    kind: str
    gap: DataGap


@dataclass(slots=True)
class _Answer:
    """One key's resources, and the gaps when they are not the whole look-back."""

    resources: list[Json]
    gaps: list[_Gap] = field(default_factory=list)


#: A job reading (part of) one key's data from the FHIR server.
_Job = Callable[[], Awaitable[_Answer]]


async def _ready(answer: _Answer) -> _Answer:
    return answer


def _identity(resource: Json) -> tuple[object, str] | None:
    rid = resource.get("id")
    return (resource.get("resourceType"), rid) if isinstance(rid, str) else None


def _merged(dated: _Answer, active: _Answer) -> _Answer:
    """The dated answer plus the still-active resources it lacks, each resource once.

    When nothing of the type could be read (a gap without a day), that gap is the
    answer: the search by status adds nothing to it.
    """
    if any(item.gap.complete_since is None for item in dated.gaps):
        return dated
    seen = {_identity(item) for item in dated.resources}
    seen.discard(None)
    extra = [item for item in active.resources if _identity(item) not in seen]
    return _Answer([*dated.resources, *extra], [*dated.gaps, *active.gaps])


def _refusal(exc: FhirBadResponse) -> bool:
    """A deliberate 4xx refusal (with an OperationOutcome) that is not worth retrying later."""
    return 400 <= exc.status < 500 and exc.has_outcome and exc.status not in _TRANSIENT_STATUSES


def _refused_reason(rtype: str, exc: FhirBadResponse) -> str:
    if exc.status in _ACCESS_STATUSES:
        return f"this service is not allowed to read {rtype} on this FHIR server"
    return f"this FHIR server does not provide {rtype}"


class _Gatherer:
    def __init__(
        self,
        request: HookRequest,
        service: ServiceDefinition,
        session: FhirSession | None,
        report: PrefetchReport,
        settings: Settings,
        io_window: IoWindow = _no_window,
        window: tuple[LookBack, date] | None = None,
    ) -> None:
        self.request = request
        self.service = service
        self.session = session
        self.report = report
        self.settings = settings
        self.io_window = io_window
        self.window = window
        self.patient_id = request.context.patientId
        self.context = request.context_dict
        self.gaps: list[DataGap] = []

    def since(self, rtype: str) -> date | None:
        """The look-back's first day for ``rtype`` (``None``: the whole record)."""
        if self.window is None:
            return None
        lookback, today = self.window
        return lookback.since(rtype, today)

    def keeps_active(self, rtype: str) -> bool:
        """Whether the look-back could leave out resources of ``rtype`` still in force."""
        return rtype in STILL_ACTIVE and self.since(rtype) is not None

    @staticmethod
    def _gap(rtype: str, kind: str, reason: str, since: date | None = None) -> _Gap:
        return _Gap(kind, DataGap(rtype, reason, since))

    def _keep_gaps(self, gaps: Iterable[_Gap]) -> None:
        """Record the gaps of an answer the hook keeps (counted and logged here, once)."""
        for item in gaps:
            record_data_gap(item.gap.resource_type, item.kind)
            log.warning(
                "data gap", extra={"resource_type": item.gap.resource_type, "kind": item.kind}
            )
            self.gaps.append(item.gap)

    # --- prefetch values ---------------------------------------------------------------

    def _prefetched(
        self, key: str, template: str, bundle: Json, entries: list[Json]
    ) -> _Answer | _Job:
        """A prefetched searchset: its answer, or a job reading its further pages (and the
        resources still in force that the pages it holds need not reach)."""
        rtype = template_type(template)[0]
        limit = self.settings.max_resources_per_prefetch_bundle
        answer = self._first_page(key, rtype, bundle, entries)
        if not self.keeps_active(rtype) or (next_link(bundle) is None and len(entries) <= limit):
            return answer  # the type's whole record is in hand
        if self.session is None:
            assert isinstance(answer, _Answer)  # further pages are only read from a server
            reason = f"the EHR sent no FHIR server to search for older active {rtype}"
            answer.gaps.append(self._gap(rtype, "no_server", reason, self.since(rtype)))
            return answer
        self.report.sources[key] = KeySource.PREFETCH_PAGED
        return partial(self._with_active, key, template, answer)

    def _first_page(
        self, key: str, rtype: str, bundle: Json, entries: list[Json]
    ) -> _Answer | _Job:
        """A prefetched searchset's look-back: its answer, or a job reading further pages."""
        limit = self.settings.max_resources_per_prefetch_bundle
        coverage = Coverage(rtype, self.since(rtype))
        if len(entries) > limit:
            log.warning("prefetch bundle over the resource limit", extra={"key": key})
            entries = entries[:limit]
            coverage.add(entries)
            return self._settle(key, rtype, Paged(entries, 1, PagingStop.RESOURCE_BOUND, coverage))
        coverage.add(entries)
        if next_link(bundle) is None or coverage.covered:
            return self._settle(key, rtype, Paged(entries, 1, None, coverage))
        if self.session is None:
            return self._settle(key, rtype, Paged(entries, 1, PagingStop.NO_SERVER, coverage))
        self.report.sources[key] = KeySource.PREFETCH_PAGED
        return partial(self._pages, key, rtype, bundle)

    async def _pages(self, key: str, rtype: str, bundle: Json) -> _Answer:
        assert self.session is not None
        paged = await self.session.follow_next(bundle, coverage=Coverage(rtype, self.since(rtype)))
        return self._settle(key, rtype, paged)

    # --- the service's own searches ------------------------------------------------------

    async def _fetch(self, key: str, template: str) -> _Answer:
        assert self.session is not None
        spec = self.service.key(key)
        resolved = resolve_template(template, self.context, self.request.context.userId)
        path, _, query = resolved.partition("?")
        if not query:
            return _Answer(not_r5(key, [await self.session.read(path)]))
        profile = await self.session.profile()
        if not spec.required and not profile.capabilities.searches(path):
            self.report.sources[key] = KeySource.UNSUPPORTED
            log.info("optional search not offered by the FHIR server", extra={"key": key})
            reason = f"this FHIR server does not provide {path}"
            return _Answer([], [self._gap(path, "unsupported", reason)])
        if self.keeps_active(path):
            return await self._with_active(key, template, partial(self._dated, key, path, query))
        return await self._dated(key, path, query)

    async def _dated(self, key: str, path: str, query: str) -> _Answer:
        """The key's own search, bounded by the look-back (see ``_own_params``)."""
        assert self.session is not None
        spec = self.service.key(key)
        profile = await self.session.profile()
        params = self._own_params(path, query, profile.capabilities.param)
        try:
            paged = await self._send(key, path, params, self._include(spec, path, profile), profile)
        except FhirBadResponse as exc:
            return self._failed(key, spec, path, exc)
        return self._settle(key, path, paged)

    async def _with_active(self, key: str, template: str, dated: _Answer | _Job) -> _Answer:
        """``dated`` (an answer, or the job giving it) merged with the resources still in
        force that the search by status finds; both requests run at once."""
        first = _ready(dated) if isinstance(dated, _Answer) else dated()
        answer, active = await _all([first, self._active(key, template)])
        return _merged(answer, active)

    async def _active(self, key: str, template: str) -> _Answer:
        """The key type's resources still in force, whatever their date (module docstring)."""
        assert self.session is not None
        rtype = template_type(template)[0]
        since = self.since(rtype)
        spec = self.service.key(key)
        profile = await self.session.profile()
        if not spec.required and not profile.capabilities.searches(rtype):
            reason = f"this FHIR server cannot search for older active {rtype}"
            return _Answer([], [self._gap(rtype, "unsupported", reason, since)])
        try:
            query = resolve_template(template, self.context, self.request.context.userId)
        except TemplateError:
            reason = f"older active {rtype} could not be searched for"
            return _Answer([], [self._gap(rtype, "no_server", reason, since)])
        params = [
            (name, value)
            for name, value in parse_qsl(query.partition("?")[2], keep_blank_values=True)
            if name not in ("_sort", "_count")
        ]
        params.append(("_count", str(self.settings.fhir_search_page_size)))
        include = self._include(spec, rtype, profile)
        try:
            paged = await self._by_status(key, rtype, params, include, profile)
        except FhirBadResponse as exc:
            if not _refusal(exc):
                raise
            log.info("search for resources still in force refused", extra={"key": key})
            reason = (
                f"this FHIR server did not let the service search for older active {rtype}"
                if exc.status in _ACCESS_STATUSES
                else f"this FHIR server refused the search for older active {rtype}"
            )
            return _Answer([], [self._gap(rtype, "refused", reason, since)])
        found = not_r5(key, of_type(key, rtype, paged.resources))
        # a server that ignores (or was not asked) the status answers with the whole record
        kept = [item for item in found if item.get("resourceType") != rtype or still_active(item)]
        if paged.stopped is None:
            return _Answer(kept)
        if key not in self.report.truncated:
            self.report.truncated.append(key)
        reason = (
            f"this FHIR server holds more {rtype} than the service reads at once; "
            "older active ones may be missing"
        )
        return _Answer(kept, [self._gap(rtype, "partial", reason, since)])

    async def _by_status(
        self,
        key: str,
        rtype: str,
        params: list[tuple[str, str]],
        include: str | None,
        profile: ServerProfile,
    ) -> Paged:
        """The search by status, else (not offered, refused) the type's whole record; read
        to the end either way (no look-back: the answer has no useful order)."""
        if profile.offers(rtype, STATUS_PARAM):
            statuses = ",".join(STILL_ACTIVE[rtype])
            try:
                return await self._send(
                    key, rtype, [*params, (STATUS_PARAM, statuses)], include, profile, bounded=False
                )
            except FhirBadResponse as exc:
                if not _refusal(exc) or exc.status in _ACCESS_STATUSES:
                    raise
                log.info("search by status refused; reading the whole record", extra={"key": key})
                profile.refused_params.add((rtype, STATUS_PARAM))
        return await self._send(key, rtype, params, include, profile, bounded=False)

    @staticmethod
    def _include(spec: DataKey, rtype: str, profile: ServerProfile) -> str | None:
        """The key's ``_include``, unless the server does not offer it or refused it."""
        include = spec.include
        if include is not None and (
            include in profile.refused_includes or not profile.capabilities.include(rtype, include)
        ):
            return None
        return include

    def _own_params(
        self, rtype: str, query: str, offered: Callable[[str, str], bool]
    ) -> list[tuple[str, str]]:
        """The template's query plus the look-back bound and the page size.

        The date parameter (bound and sort) is left out when the server's
        CapabilityStatement lists the type's search parameters without it.
        """
        date_param = DATE_PARAMS.get(rtype)
        dated = date_param is not None and offered(rtype, date_param.name)
        params = [
            (name, value)
            for name, value in parse_qsl(query, keep_blank_values=True)
            if name != "_count" and (dated or name != "_sort")
        ]
        since = self.since(rtype)
        if date_param is not None and dated and since is not None:
            params.append((date_param.name, f"ge{since.isoformat()}"))
        params.append(("_count", str(self.settings.fhir_search_page_size)))
        return params

    async def _send(
        self,
        key: str,
        rtype: str,
        params: list[tuple[str, str]],
        include: str | None,
        profile: ServerProfile,
        *,
        bounded: bool = True,
    ) -> Paged:
        """One search, sent once more without ``_include`` when the server refuses it with a
        4xx that is not about access or load (remembered per server); ``FhirBadResponse``
        otherwise. ``bounded``: paging stops once the look-back is covered."""
        try:
            return await self._search(rtype, params, include, bounded)
        except FhirBadResponse as exc:
            if include is None or not 400 <= exc.status < 500 or exc.status in _NOT_INCLUDE:
                raise
            log.info("search refused with _include; sending it without", extra={"key": key})
            record_fhir_retry("include_refused")
            paged = await self._search(rtype, params, None, bounded)
            profile.refused_includes.add(include)
            return paged

    async def _search(
        self, rtype: str, params: list[tuple[str, str]], include: str | None, bounded: bool
    ) -> Paged:
        assert self.session is not None
        full = (*params, ("_include", include)) if include is not None else tuple(params)
        coverage = Coverage(rtype, self.since(rtype)) if bounded else None
        return await self.session.search(rtype, full, coverage=coverage)

    def _failed(self, key: str, spec: DataKey, rtype: str, exc: FhirBadResponse) -> _Answer:
        """An optional search refused with an OperationOutcome is a gap; the rest is raised."""
        if spec.required or not _refusal(exc):
            raise exc
        log.info("optional search refused by the FHIR server", extra={"key": key})
        return _Answer([], [self._gap(rtype, "refused", _refused_reason(rtype, exc))])

    # --- settling a key ------------------------------------------------------------------

    def _settle(self, key: str, rtype: str, paged: Paged) -> _Answer:
        """The key's answer from what was read: complete, partial with a gap, or 412."""
        resources = not_r5(key, of_type(key, rtype, paged.resources))
        since = self.since(rtype)
        if paged.complete:
            return _Answer(within_look_back(resources, rtype, since, paged.coverage))
        assert paged.stopped is not None
        self.report.truncated.append(key)
        complete_since = paged.coverage.complete_since if paged.coverage is not None else None
        if complete_since is not None:
            reason = (
                f"this FHIR server holds more {rtype} than the service reads at once; "
                "older ones were not read"
            )
            gap = self._gap(rtype, "partial", reason, complete_since)
            return _Answer(within_look_back(resources, rtype, since, paged.coverage), [gap])
        if self.service.key(key).required:
            raise DataUnavailable([key], paged.stopped.value)
        reason = f"the {rtype} of this patient could not be read completely"
        return _Answer([], [self._gap(rtype, "partial", reason)])

    # --- all keys --------------------------------------------------------------------------

    async def run(self) -> list[Json]:
        provided = self.request.prefetch or {}
        answers: list[_Answer] = []
        # factories, not coroutines: nothing is created that an early 412 would leave unawaited
        jobs: dict[str, _Job] = {}
        missing: list[str] = []
        first_pages: list[Json] = []  # prefetched pages whose further pages are to be read
        for key, template in self.service.prefetch.items():
            rtype, is_read = template_type(template)
            if key in provided and provided[key] is None:
                self.report.sources[key] = KeySource.NULL
                continue
            items = (
                usable_prefetch(key, template, provided[key], self.patient_id)
                if key in provided
                else None
            )
            if items is not None:
                self.report.sources[key] = KeySource.PREFETCH
                if is_read:
                    answers.append(_Answer(items))
                    continue
                answer = self._prefetched(key, template, provided[key], items)
                if isinstance(answer, _Answer):
                    answers.append(answer)
                else:
                    jobs[key] = answer
                    first_pages.extend(items)
                continue
            if self.session is None or not self._resolvable(template):
                if self.service.key(key).required:
                    missing.append(key)
                else:
                    self.report.sources[key] = KeySource.MISSING
                    reason = f"the EHR sent no {rtype} and no FHIR server to read them from"
                    answers.append(_Answer([], [self._gap(rtype, "no_server", reason)]))
                continue
            self.report.sources[key] = KeySource.FETCHED
            jobs[key] = partial(self._fetch, key, template)
        if missing:
            raise DataUnavailable(missing)
        kept: list[Json] = []
        for answer in answers:
            kept.extend(answer.resources)
            self._keep_gaps(answer.gaps)
        reads = MedicationReads(self.session, self.server_base(), self.io_window)
        # the Medications named by data in hand are read alongside the other requests
        early = reads.wanted([*kept, *first_pages])
        if early:
            jobs["medicationReference"] = partial(self._medications, reads, early)
        self.report.fhir_server_used = bool(jobs)
        if jobs:
            async with self.io_window():
                fetched = await _all(job() for job in jobs.values())
            for answer in fetched:
                kept.extend(item for item in answer.resources if belongs_to(item, self.patient_id))
                self._keep_gaps(answer.gaps)
        kept.extend(await reads.resolve(kept))
        reads.tally(kept)
        self.report.medications_fetched = reads.fetched
        self.report.medications_unresolved = reads.unresolved
        self.report.fhir_server_used = self.report.fhir_server_used or bool(reads.attempted)
        return kept

    @staticmethod
    async def _medications(reads: MedicationReads, ids: set[str]) -> _Answer:
        return _Answer(await reads.read(ids))

    def _resolvable(self, template: str) -> bool:
        try:
            resolve_template(template, self.context, self.request.context.userId)
        except TemplateError:
            return False
        return True

    def server_base(self) -> str | None:
        """The FHIR base the data came from: the session's, else the request's fhirServer."""
        if self.session is not None:
            return self.session.base
        parsed = parse_url(self.request.fhirServer)
        return parsed.base_string() if parsed is not None else None


async def _all(jobs: Iterable[Awaitable[_T]]) -> list[_T]:
    """Run concurrently; the first ``FhirError`` (or other error) is raised."""
    results = await asyncio.gather(*jobs, return_exceptions=True)
    for result in results:
        if isinstance(result, BaseException):
            raise result
    return [result for result in results if not isinstance(result, BaseException)]


def fhir_base(request: HookRequest, settings: Settings) -> str | None:
    """The request's fhirServer in normal form if allow-listed, else ``None`` (as if none
    was sent)."""
    if request.fhirServer is None:
        return None
    base = allowed_base(request.fhirServer, settings.fhir_server_allowlist)
    if base is None:
        log.warning("fhirServer not on the allow-list: ignored")
    return base


async def gather(
    request: HookRequest,
    service: ServiceDefinition,
    client: FhirClient | None,
    settings: Settings,
    io_window: IoWindow = _no_window,
    *,
    today: date | None = None,
) -> Gathered:
    """Collect the patient's resources for ``service`` (see module docstring).

    ``today`` (the evaluation date) sets the look-back of every search, from
    ``settings.ruleset``; without it every search reads the whole record.

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
    window = None
    if today is not None:
        window = (look_back(get_ruleset(settings.ruleset)), today)
    gatherer = _Gatherer(request, service, session, report, settings, io_window, window)
    try:
        async with asyncio.timeout(settings.hook_deadline_seconds):
            resources = await gatherer.run()
    except TimeoutError:
        log.warning("hook deadline exceeded while gathering data")
        raise FhirTimeout() from None
    return Gathered(
        PatientResources.from_resources(
            resources, gaps=gatherer.gaps, server_base=gatherer.server_base()
        ),
        report,
    )
