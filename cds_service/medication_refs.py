"""The Medications that gathered orders, fills and statements name by ``medicationReference``.

A reference is never dropped silently; the order that holds it always reaches the
mapping layer intact, which can tell what it could not identify (``PatientResources``
carries the FHIR base the data came from):

* contained (``#id``) or already present (prefetched, ``_include``d): nothing to read;
* into the FHIR base, relative (``Medication/m1``) or absolute (``<base>/Medication/m1``,
  any ``/_history/<v>`` dropped): read from the server, at most ``MAX_MEDICATION_READS``
  distinct ones per hook (more -> 412). A read answered 404 or 410 leaves the reference
  unresolved (logged without the id); any other failure of a read (network, timeout,
  5xx, 401) answers 412, as the data exists but could not be had;
* to another server, or not a Medication id: left unresolved (logged without the URL),
  and never requested: the token stays with its server;
* into the base with no server to read it from: 412 naming ``medicationReference``.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

from cds_service.errors import DataUnavailable, FhirBadResponse
from cds_service.fhir_client import FhirSession
from cds_service.fhir_urls import relative_to

log = logging.getLogger(__name__)

Json = dict[str, Any]

#: Most distinct Medications read in one hook call (each is a FHIR read); more -> 412.
MAX_MEDICATION_READS = 100
#: Resources whose ``medicationReference`` may need resolving.
MEDICATION_USERS = frozenset(
    {"MedicationRequest", "MedicationDispense", "MedicationAdministration", "MedicationStatement"}
)
#: FHIR R4 "id" datatype: [A-Za-z0-9\-\.]{1,64} (hl7.org/fhir/R4/datatypes.html#id).
_FHIR_ID_RE = re.compile(r"[A-Za-z0-9\-.]{1,64}")
#: Read answers meaning "no such Medication (any more)": the reference stays unresolved.
_GONE = frozenset({404, 410})


@asynccontextmanager
async def _no_window() -> AsyncIterator[None]:
    yield


def medication_id(reference: str, base: str | None) -> str | None:
    """The id of a Medication in ``base`` that ``reference`` names, else ``None``."""
    ref = reference.split("/_history/")[0]
    if "://" in ref:
        inside = relative_to(ref, base) if base is not None else None
        if inside is None:
            return None
        ref = inside
    rtype, _, rid = ref.partition("/")
    if rtype != "Medication" or not _FHIR_ID_RE.fullmatch(rid):
        return None
    return rid


class MedicationReads:
    """Finds and reads the Medications that resources reference (see module).

    ``wanted`` names what is still to read, ``read`` reads it (at most
    ``MAX_MEDICATION_READS`` distinct ids per hook, whatever the number of passes),
    ``tally`` counts what stayed unresolved once everything is gathered.
    """

    def __init__(
        self,
        session: FhirSession | None,
        base: str | None,
        io_window: Callable[[], AbstractAsyncContextManager[None]] = _no_window,
    ) -> None:
        self.session = session
        self.base = base
        self.io_window = io_window
        self.attempted: set[str] = set()
        self.fetched = 0
        self.unresolved = 0

    def _references(self, resources: Iterable[Json]) -> tuple[set[str], set[str], int]:
        """(ids of the Medications present, ids referenced in the base, references elsewhere)."""
        present: set[str] = set()
        referenced: set[str] = set()
        elsewhere = 0
        for item in resources:
            rtype = item.get("resourceType")
            if rtype == "Medication":
                if isinstance(item.get("id"), str):
                    present.add(item["id"])
                continue
            if rtype not in MEDICATION_USERS:
                continue
            ref = item.get("medicationReference")
            reference = ref.get("reference") if isinstance(ref, dict) else None
            if not isinstance(reference, str) or reference.startswith("#"):
                continue
            mid = medication_id(reference, self.base)
            if mid is None:
                elsewhere += 1
            else:
                referenced.add(mid)
        return present, referenced, elsewhere

    def wanted(self, resources: Iterable[Json]) -> set[str]:
        """Ids referenced in the base, neither among ``resources`` nor read already.

        412 (before any request) when there is no server to read them from, or when
        they would take the hook past ``MAX_MEDICATION_READS``.
        """
        present, referenced, _ = self._references(resources)
        wanted = referenced - present - self.attempted
        if wanted and self.session is None:
            raise DataUnavailable(["medicationReference"])
        if len(self.attempted | wanted) > MAX_MEDICATION_READS:
            log.warning("too many Medications to read", extra={"count": len(wanted)})
            raise DataUnavailable(
                ["medicationReference"], "more Medications to read than the read limit"
            )
        return wanted

    async def read(self, ids: set[str]) -> list[Json]:
        """The Medications of ``ids`` that the server has (404/410: left out)."""
        if not ids:
            return []
        assert self.session is not None  # wanted() refuses ids without a server
        self.attempted |= ids
        results = await asyncio.gather(
            *(self._read(mid) for mid in sorted(ids)), return_exceptions=True
        )
        found: list[Json] = []
        for result in results:
            if isinstance(result, BaseException):
                raise result
            if result is not None:
                found.append(result)
        self.fetched += len(found)
        return found

    async def resolve(self, resources: list[Json]) -> list[Json]:
        """Read what ``resources`` still reference (inside the I/O window)."""
        wanted = self.wanted(resources)
        if not wanted:
            return []
        async with self.io_window():
            return await self.read(wanted)

    def tally(self, resources: Iterable[Json]) -> None:
        """Count (and log, without URLs or ids) the references left unresolved."""
        present, referenced, elsewhere = self._references(resources)
        gone = len(referenced - present)
        self.unresolved = elsewhere + gone
        if elsewhere:
            log.info(
                "medicationReference outside the FHIR server (or not an id): left unresolved",
                extra={"count": elsewhere},
            )
        if gone:
            log.info("Medication not on the FHIR server: left unresolved", extra={"count": gone})

    async def _read(self, mid: str) -> Json | None:
        assert self.session is not None
        try:
            return await self.session.read(f"Medication/{mid}")
        except FhirBadResponse as exc:
            if exc.status in _GONE:
                return None
            raise
