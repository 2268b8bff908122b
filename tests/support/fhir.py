"""Small FHIR R4 JSON builders shared by every test folder.

``searchset`` wraps resources in a search Bundle (with an optional next link);
``observation`` builds an Observation in any of the shapes the tests need; ``quantity``
builds a Quantity. Each builder returns plain JSON dicts and leaves out what it is not
given, so a test states exactly the fields its resource carries.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
PATIENT = "p1"

Json = dict[str, Any]


def searchset(resources: Iterable[Mapping[str, Any]] = (), next_url: str | None = None) -> Json:
    """A searchset Bundle of ``resources``; ``next_url`` adds a ``next`` link."""
    bundle: Json = {
        "resourceType": "Bundle",
        "type": "searchset",
        "entry": [{"resource": item} for item in resources],
    }
    if next_url is not None:
        bundle["link"] = [{"relation": "next", "url": next_url}]
    return bundle


def quantity(
    value: Any,
    unit: str | None = None,
    code: str | None = None,
    *,
    comparator: str | None = None,
    **extra: Any,
) -> Json:
    """A Quantity; ``code`` is a UCUM code (it brings the UCUM system with it)."""
    out: Json = {"value": value}
    if unit is not None:
        out["unit"] = unit
    if code is not None:
        out["system"] = UCUM
        out["code"] = code
    if comparator is not None:
        out["comparator"] = comparator
    out.update(extra)
    return out


def ucum(value: Any, unit: str, comparator: str | None = None) -> Json:
    """A Quantity whose UCUM code is its unit, the way most labs send one."""
    return quantity(value, unit, unit, comparator=comparator)


def observation(
    code: str | Sequence[str] | Mapping[str, Any] | None = None,
    *,
    id: str | None = None,
    status: str | None = "final",
    category: str | None = None,
    system: str = LOINC,
    patient: str | None = PATIENT,
    when: str | None = None,
    period: tuple[str, str] | None = None,
    value: Mapping[str, Any] | None = None,
    value_string: str | None = None,
    specimen: str | None = None,
    **extra: Any,
) -> Json:
    """An Observation; every field not given is left out, but ``status`` (final) and the
    subject (``Patient/p1``).

    ``code``: a code of ``system`` (LOINC unless told), several codes (one coding each) or
    a whole CodeableConcept. ``category``: an observation-category code (``laboratory``).
    ``patient``: the subject's id, None for no subject. ``when``: effectiveDateTime;
    ``period``: effectivePeriod (start, end). ``value``: the valueQuantity;
    ``value_string``: the valueString. ``specimen``: the Specimen reference. ``extra``:
    any other field (``valueCodeableConcept``, ``interpretation``, ``issued``...).
    """
    out: Json = {"resourceType": "Observation"}
    if id is not None:
        out["id"] = id
    if status is not None:
        out["status"] = status
    if category is not None:
        out["category"] = [{"coding": [{"system": OBSERVATION_CATEGORY, "code": category}]}]
    if isinstance(code, str):
        out["code"] = {"coding": [{"system": system, "code": code}]}
    elif isinstance(code, Mapping):
        out["code"] = dict(code)
    elif code is not None:
        out["code"] = {"coding": [{"system": system, "code": item} for item in code]}
    if patient is not None:
        out["subject"] = {"reference": f"Patient/{patient}"}
    if when is not None:
        out["effectiveDateTime"] = when
    if period is not None:
        out["effectivePeriod"] = {"start": period[0], "end": period[1]}
    if value is not None:
        out["valueQuantity"] = dict(value)
    if value_string is not None:
        out["valueString"] = value_string
    if specimen is not None:
        out["specimen"] = {"reference": specimen}
    out.update(extra)
    return out
