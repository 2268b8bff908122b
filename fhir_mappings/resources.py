"""The input of ``fhir_mappings``: one patient's FHIR R4 resources, grouped by type.

Resources are plain JSON objects (``Mapping[str, Any]``) as parsed from the wire
(``orjson``): the hot path never builds full ``fhir.resources`` models. Every
mapper must therefore read them defensively (see ``fhir_mappings.read._access``).
The same shape is produced whether data came from prefetch, from the FHIR server
or from a Bundle file.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

Resource = Mapping[str, Any]

#: resourceType -> attribute of ``PatientResources``.
_FIELD_BY_TYPE: Mapping[str, str] = {
    "Observation": "observations",
    "Condition": "conditions",
    "MedicationRequest": "medication_requests",
    "MedicationDispense": "medication_dispenses",
    "MedicationAdministration": "medication_administrations",
    "MedicationStatement": "medication_statements",
    "Medication": "medications",
    "Procedure": "procedures",
}


@dataclass(frozen=True, slots=True)
class DataGap:
    """Part of the record that the gathering step could not read completely.

    ``complete_since`` is ``None`` when nothing of ``resource_type`` could be read
    (the server does not support the search, or it failed); a date when every
    resource from that date on was read and older ones may be missing (paging
    stopped inside the look-back). ``reason`` is a caller-safe sentence that a card
    can show as it is ("this FHIR server does not provide MedicationDispense").
    """

    resource_type: str
    reason: str
    complete_since: date | None = None


@dataclass(frozen=True, slots=True)
class PatientResources:
    """One patient's resources. ``medications`` holds Medication resources that
    ``medicationReference`` may point to (included in a search, prefetched or fetched).

    ``gaps`` lists what could not be read completely (optional searches a server does
    not support, paging stopped inside the look-back); the rules state each one on the
    cards it affects. ``server_base`` is the FHIR base the resources came from, so an
    absolute ``medicationReference`` into that base resolves and one into another
    server is known to be unreadable.
    """

    patient: Resource | None = None
    observations: tuple[Resource, ...] = ()
    conditions: tuple[Resource, ...] = ()
    medication_requests: tuple[Resource, ...] = ()
    medication_dispenses: tuple[Resource, ...] = ()
    medication_administrations: tuple[Resource, ...] = ()
    medication_statements: tuple[Resource, ...] = ()
    medications: tuple[Resource, ...] = ()
    procedures: tuple[Resource, ...] = ()
    gaps: tuple[DataGap, ...] = ()
    server_base: str | None = None

    @classmethod
    def from_resources(
        cls,
        resources: Iterable[object],
        *,
        gaps: Iterable[DataGap] = (),
        server_base: str | None = None,
    ) -> PatientResources:
        """Group resources by ``resourceType``; anything else (non-dicts, other types) is ignored.

        The first Patient wins. Duplicates (same type and id) are kept once.
        """
        groups: dict[str, list[Resource]] = {rtype: [] for rtype in _FIELD_BY_TYPE}
        seen: set[tuple[str, str]] = set()
        patient: Resource | None = None
        for resource in resources:
            # speed: parsed JSON objects are plain dicts; only other types pay the ABC check
            if type(resource) is not dict and not isinstance(resource, Mapping):
                continue
            rtype = resource.get("resourceType")
            if not isinstance(rtype, str):
                continue
            group = groups.get(rtype)
            if group is None and rtype != "Patient":
                continue  # speed: other types are dropped before the duplicate check
            rid = resource.get("id")
            if isinstance(rid, str):
                key = (rtype, rid)
                if key in seen:
                    continue
                seen.add(key)
            if group is not None:
                group.append(resource)
            elif patient is None:
                patient = resource
        return cls(
            patient=patient,
            **{name: tuple(groups[rtype]) for rtype, name in _FIELD_BY_TYPE.items()},
            gaps=tuple(gaps),
            server_base=server_base,
        )

    def gap(self, resource_type: str) -> DataGap | None:
        """The gap recorded for ``resource_type``, if any."""
        return next((g for g in self.gaps if g.resource_type == resource_type), None)

    def all(self) -> tuple[Resource, ...]:
        """Every resource, the Patient first."""
        out: list[Resource] = [self.patient] if self.patient is not None else []
        for name in _FIELD_BY_TYPE.values():
            out.extend(getattr(self, name))
        return tuple(out)
