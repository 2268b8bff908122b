"""Small builders of FHIR JSON used by the lab/diagnosis mapping tests."""

from __future__ import annotations

from typing import Any

LOINC = "http://loinc.org"


def quantity(
    value: Any, unit: str | None = None, code: str | None = None, **extra: Any
) -> dict[str, Any]:
    out: dict[str, Any] = {"value": value}
    if unit is not None:
        out["unit"] = unit
    if code is not None:
        out["system"] = "http://unitsofmeasure.org"
        out["code"] = code
    out.update(extra)
    return out


def observation(
    rid: str | None = "o1",
    loinc: str | list[str] = "2890-2",
    *,
    status: str | None = "final",
    when: dict[str, Any] | None = None,
    value: dict[str, Any] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    codes = [loinc] if isinstance(loinc, str) else loinc
    out: dict[str, Any] = {
        "resourceType": "Observation",
        "code": {"coding": [{"system": LOINC, "code": c} for c in codes]},
    }
    if rid is not None:
        out["id"] = rid
    if status is not None:
        out["status"] = status
    out.update(when if when is not None else {"effectiveDateTime": "2024-03-01T08:00:00Z"})
    out.update(value if value is not None else {"valueQuantity": quantity(0.8, "g/g", "g/g")})
    out.update(extra)
    return out
