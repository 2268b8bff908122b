"""What a prefetch value or a FHIR answer may hold, checked before it is used.

* ``belongs_to``: a resource is the patient's (its ``subject``/``patient`` names them,
  relative or absolute, any ``/_history``), or of a type that belongs to nobody;
* ``usable_prefetch``: the resources of one prefetch value, or ``None`` when the value
  must be treated as absent and fetched (not a dict, an ``OperationOutcome``, another
  Bundle type, another patient's data, a resource in FHIR R5 shape);
* ``of_type``: the entries a search of a type can return (the type, and the Medications
  of ``_include``), the others dropped with a log line;
* ``not_r5``: ``FhirInvalidContent`` (412) for an answer in FHIR R5 shape (this service
  reads R4).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from typing import Any

from cds_service.errors import FhirInvalidContent
from cds_service.fhir_client import bundle_resources, r5_elements
from cds_service.medication_refs import MEDICATION_USERS

log = logging.getLogger(__name__)

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
#: The one Bundle type a search answers with (FHIR R4 Bundle.type "searchset").
_SEARCH_BUNDLE = "searchset"
#: Resource types a search of the key type may also carry: the Medications of
#: ``_include``d medication references.
_ALSO_ALLOWED = {name: frozenset({"Medication"}) for name in MEDICATION_USERS}


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


def template_type(template: str) -> tuple[str, bool]:
    """(resource type, is an instance read) of a template."""
    path = template.partition("?")[0]
    rtype, _, rid = path.partition("/")
    return rtype, bool(rid)


def of_type(key: str, rtype: str, resources: list[Json]) -> list[Json]:
    """The resources a search of ``rtype`` can return; others dropped with a log line."""
    allowed = {rtype} | _ALSO_ALLOWED.get(rtype, frozenset())
    kept = [item for item in resources if item.get("resourceType") in allowed]
    if len(kept) != len(resources):
        log.warning(
            "entries of another resource type dropped",
            extra={"key": key, "dropped": len(resources) - len(kept)},
        )
    return kept


def any_r5(resources: Iterable[Json]) -> bool:
    return any(r5_elements(item) for item in resources)


def usable_prefetch(key: str, template: str, value: object, patient_id: str) -> list[Json] | None:
    """Resources from the prefetch value, or ``None`` if it must be fetched."""
    rtype, is_read = template_type(template)
    if not isinstance(value, dict):
        log.info("prefetch key unusable, fetching", extra={"key": key})
        return None
    vtype = value.get("resourceType")
    if vtype == "OperationOutcome":
        log.info("prefetch key is an OperationOutcome, fetching", extra={"key": key})
        return None
    if is_read and vtype == rtype:
        if not belongs_to(value, patient_id):
            log.warning("prefetched resource of another patient dropped", extra={"key": key})
            return None
        if any_r5([value]):
            log.warning("prefetched resource in FHIR R5 shape, fetching", extra={"key": key})
            return None
        return [value]
    if vtype == "Bundle" and value.get("type") == _SEARCH_BUNDLE and not is_read:
        return _from_searchset(key, value, patient_id)
    log.info("prefetch key has unexpected content, fetching", extra={"key": key})
    return None


def _from_searchset(key: str, bundle: Json, patient_id: str) -> list[Json] | None:
    entries = bundle_resources(bundle)
    r5 = False
    for item in entries:  # one pass for both checks (speed: ~160 entries per hook)
        if not belongs_to(item, patient_id):
            log.warning("prefetch bundle with another patient's data dropped", extra={"key": key})
            return None
        r5 = r5 or bool(r5_elements(item))
    if r5:
        log.warning("prefetch bundle in FHIR R5 shape, fetching", extra={"key": key})
        return None
    return entries


def not_r5(key: str, resources: list[Json]) -> list[Json]:
    if any_r5(resources):
        log.warning("FHIR server answered with R5-shaped resources", extra={"key": key})
        raise FhirInvalidContent()
    return resources
