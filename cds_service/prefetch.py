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
from cds_service.search_params import DATE_PARAMS
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
    PREFETCH_PAGED = "prefetch+pages"  # prefetched first page, further pages fetched
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


@dataclass(slots=True)
class _Answer:
    """One key's resources, and the gap when they are not the whole look-back."""

    resources: list[Json]
    gap: DataGap | None = None


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

    def _gap(self, rtype: str, kind: str, reason: str, since: date | None = None) -> DataGap:
        record_data_gap(rtype, kind)
        log.warning("data gap", extra={"resource_type": rtype, "kind": kind})
        return DataGap(rtype, reason, since)

    # --- prefetch values ---------------------------------------------------------------

    def _prefetched(
        self, key: str, rtype: str, bundle: Json, entries: list[Json]
    ) -> _Answer | Callable[[], Awaitable[_Answer]]:
        """A prefetched searchset: its answer, or a job reading its further pages."""
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
            return _Answer([], self._gap(path, "unsupported", reason))
        include = spec.include
        if include is not None and (
            include in profile.refused_includes or not profile.capabilities.include(path, include)
        ):
            include = None
        params = self._own_params(path, query, profile.capabilities.param)
        try:
            paged = await self._search(path, params, include)
        except FhirBadResponse as exc:
            if include is None or not 400 <= exc.status < 500 or exc.status in _NOT_INCLUDE:
                return self._failed(key, spec, path, exc)
            log.info("search refused with _include; sending it without", extra={"key": key})
            record_fhir_retry("include_refused")
            try:
                paged = await self._search(path, params, None)
            except FhirBadResponse as again:
                return self._failed(key, spec, path, again)
            profile.refused_includes.add(include)
        return self._settle(key, path, paged)

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

    async def _search(
        self, rtype: str, params: list[tuple[str, str]], include: str | None
    ) -> Paged:
        assert self.session is not None
        full = (*params, ("_include", include)) if include is not None else tuple(params)
        return await self.session.search(rtype, full, coverage=Coverage(rtype, self.since(rtype)))

    def _failed(self, key: str, spec: DataKey, rtype: str, exc: FhirBadResponse) -> _Answer:
        """An optional search refused with an OperationOutcome is a gap; the rest is raised."""
        if spec.required or not _refusal(exc):
            raise exc
        log.info("optional search refused by the FHIR server", extra={"key": key})
        return _Answer([], self._gap(rtype, "refused", _refused_reason(rtype, exc)))

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
            return _Answer(within_look_back(resources, rtype, since, paged.coverage), gap)
        if self.service.key(key).required:
            raise DataUnavailable([key], paged.stopped.value)
        reason = f"the {rtype} of this patient could not be read completely"
        return _Answer([], self._gap(rtype, "partial", reason))

    # --- all keys --------------------------------------------------------------------------

    async def run(self) -> list[Json]:
        provided = self.request.prefetch or {}
        answers: list[_Answer] = []
        # factories, not coroutines: nothing is created that an early 412 would leave unawaited
        jobs: dict[str, Callable[[], Awaitable[_Answer]]] = {}
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
                answer = self._prefetched(key, rtype, provided[key], items)
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
                    answers.append(_Answer([], self._gap(rtype, "no_server", reason)))
                continue
            self.report.sources[key] = KeySource.FETCHED
            jobs[key] = partial(self._fetch, key, template)
        if missing:
            raise DataUnavailable(missing)
        kept: list[Json] = []
        for answer in answers:
            kept.extend(answer.resources)
            if answer.gap is not None:
                self.gaps.append(answer.gap)
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
                if answer.gap is not None:
                    self.gaps.append(answer.gap)
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
