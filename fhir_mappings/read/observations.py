"""Observation -> ``LabResults``: recognised, dated, unit-normalised, de-duplicated.

Rules (each exclusion is reported as an ``ExcludedResource`` with its reason):

* **Status.** ``final``, ``amended`` and ``corrected`` are used. ``preliminary`` is
  *excluded*: the response assessment compares values against remission thresholds
  and a preliminary result may still change (FHIR R4 ObservationStatus: "the
  observation is ... not yet final"); a card built on it could be withdrawn the next
  day, while waiting for the final result only delays it. ``registered``,
  ``cancelled``, ``entered-in-error``, ``unknown`` and a missing status are excluded.
* **Absent values.** An Observation (or component) with ``dataAbsentReason`` has no value.
* **Time.** ``effectiveDateTime``, else ``effectivePeriod.start`` (else ``.end``), else
  ``effectiveInstant``, else ``issued``. No usable time -> excluded.
* **Value.** ``valueQuantity`` (its ``comparator`` kept: ``<0.1`` is below 0.1, not 0.1),
  ``valueInteger``, or a numeric ``valueString`` such as ``"<0.1"``, ``"1.2"`` or
  ``"1.2 g/g"``. A decimal comma (``"1,2"``) is refused: it cannot be told apart from a
  thousands separator (``"1,200"``), and nothing is guessed. Text such as
  ``"positive"`` is excluded. Only ``valueQuantity`` and a string with a trailing unit
  carry a unit; a number without a unit is excluded (never guessed).
* **Analyte.** From ``code.coding`` with system ``http://loinc.org``. Codings naming two
  different analytes make the result ambiguous: excluded. ``component[]`` entries with
  a known LOINC code are mapped as well (e.g. a UPCR inside a urinalysis panel). A
  recognised Observation whose values are all in its components (no ``value[x]``, no
  ``dataAbsentReason``) is read through its components only, without an exclusion.
* **Units.** Converted by ``fhir_mappings.read.units``; an unknown unit is excluded.
* **Duplicates.** The same resource id seen twice is used once; results with the same
  analyte, instant and canonical value (and comparator) are kept once.
* **Unreadable.** A dated, usable-status result of a known analyte whose value could
  not be read (no unit, unknown unit, text) is also listed in ``LabResults.unreadable``
  so the assessment never treats an older value as the latest one.
* **Computed UPCR.** A urine protein and a urine creatinine concentration reported
  separately for one sample give a UPCR point (g/g = protein mg/dL / creatinine mg/dL, as
  laboratories compute it when both are ordered on the same specimen [UIOWA-UCR]; the spot
  ratio estimates daily protein excretion [GINSBERG-1983]). One sample: the same
  ``specimen.reference``, or, when either has no specimen, the same day (the nearest in
  time; two equally near creatinines with different values are ambiguous: none). A
  measured UPCR on that day wins: no ratio is computed. The point's ``code`` is
  ``"<protein code>/<creatinine code>"`` (e.g. ``"2888-6/2161-8"``), its ``source_id`` the
  protein Observation. A ``<`` protein gives a ``<`` ratio; a ``<`` creatinine leaves the
  ratio without a bound: excluded, with the reason, under the protein's id.
* Series are sorted oldest first.

Sources of the computed ratio: [UIOWA-UCR] University of Iowa Health Care, Pathology
Laboratory Services Handbook, "Creatinine-Urine, Random": "The urine protein/creatinine ratio
is automatically calculated if a urine protein and urine creatinine are ordered on the same
specimen" (https://www.healthcare.uiowa.edu/path_handbook/handbook/test125.html).
[GINSBERG-1983] Ginsberg JM, Chang BS, Matarese RA, Garella S. Use of single voided urine
samples to estimate quantitative proteinuria. N Engl J Med 1983;309:1543-1546.

Never raises on any JSON: every read goes through ``fhir_mappings.read._access``, except in
``_fast_point``, which reads the plain, well-typed shape after checking each exact type
and hands anything else, unread, to the general path (same result, less time).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from operator import attrgetter
from typing import Any, Literal, NamedTuple

from fhir_mappings.codes.loinc import LOINC_BY_CODE, LOINC_SYSTEM, analyte_for_loinc
from fhir_mappings.facts import (
    CANONICAL_UNIT,
    Analyte,
    ExcludedResource,
    LabPoint,
    LabResults,
    LabSeries,
    UnreadableResult,
)
from fhir_mappings.read._access import as_dict, as_float, as_str, codings, dicts, parse_datetime
from fhir_mappings.read._access import source_id as read_source_id
from fhir_mappings.read.units import accepted_units, conversion_factor, to_canonical

#: Observation statuses whose values are used (FHIR R4 ObservationStatus).
USABLE_STATUSES: frozenset[str] = frozenset({"final", "amended", "corrected"})
#: FHIR R4 Quantity.comparator values.
COMPARATORS: frozenset[str] = frozenset({"<", "<=", ">=", ">"})

_NUMERIC_STRING = re.compile(
    r"^\s*(?P<cmp><=|>=|<|>)?\s*(?P<num>[+-]?(?:\d+(?:\.\d*)?|\.\d+))\s*(?P<unit>[^\d\s,].*?)?\s*$"
)


#: Speed (built once at import): LOINC code exactly as tabled -> analyte; a code with
#: surrounding blanks falls back to ``analyte_for_loinc``.
_ANALYTE_BY_CODE: Mapping[str, Analyte] = {code: e.analyte for code, e in LOINC_BY_CODE.items()}
#: Speed: per analyte, each accepted unit spelling exactly as tabled -> the factor
#: ``units.conversion_factor`` gives for it; any other spelling takes the full path.
_EXACT_FACTORS: Mapping[Analyte, Mapping[str, float]] = {
    analyte: {
        unit: factor
        for unit in accepted_units(analyte)
        if (factor := conversion_factor(analyte, unit)) is not None
    }
    for analyte in Analyte
}


class NumericValue(NamedTuple):  # a tuple: cheaper to build than a frozen dataclass (speed)
    """A number read from an Observation or component, with its comparator and unit."""

    number: float
    comparator: str | None
    unit_code: str | None
    unit_text: str | None


def effective_time(resource: Mapping[str, Any]) -> datetime | None:
    when = parse_datetime(resource.get("effectiveDateTime"))
    if when is None:
        period = as_dict(resource.get("effectivePeriod"))
        when = parse_datetime(period.get("start")) or parse_datetime(period.get("end"))
    if when is None:
        when = parse_datetime(resource.get("effectiveInstant"))
    if when is None:
        when = parse_datetime(resource.get("issued"))
    return when


def read_numeric_value(element: Mapping[str, Any]) -> NumericValue | str:
    """The numeric value of an Observation or component, or the reason there is none."""
    if "dataAbsentReason" in element:
        return "value absent (dataAbsentReason)"
    if "valueQuantity" in element:
        quantity = as_dict(element.get("valueQuantity"))
        number = as_float(quantity.get("value"))
        if number is None:
            return "valueQuantity has no numeric value"
        comparator = as_str(quantity.get("comparator"))
        if comparator is not None and comparator not in COMPARATORS:
            return f"unsupported comparator {comparator!r}"
        return NumericValue(
            number, comparator, as_str(quantity.get("code")), as_str(quantity.get("unit"))
        )
    if "valueInteger" in element:
        number = as_float(element.get("valueInteger"))
        if number is None:
            return "valueInteger is not a number"
        return NumericValue(number, None, None, None)
    if "valueString" in element:
        return _parse_value_string(element.get("valueString"))
    return "no numeric value"


def _parse_value_string(raw: object) -> NumericValue | str:
    text = as_str(raw)
    if text is None:
        return "empty valueString"
    if "," in text:
        return f"valueString {text!r} has a comma (decimal or thousands separator: ambiguous)"
    match = _NUMERIC_STRING.match(text)
    if match is None:
        return f"valueString {text!r} is not numeric"
    number = as_float(float(match.group("num")))
    if number is None:  # pragma: no cover - the pattern admits finite decimals only
        return f"valueString {text!r} is not numeric"
    return NumericValue(number, match.group("cmp"), None, as_str(match.group("unit")))


def _analyte_of(concept: object) -> tuple[Analyte, str] | str | None:
    """(analyte, code) from LOINC codings; a reason if ambiguous; ``None`` if unknown."""
    found: dict[Analyte, str] = {}
    for coding in codings(concept):
        if coding.get("system") != LOINC_SYSTEM:
            continue
        code = coding.get("code")
        if not isinstance(code, str):
            continue
        analyte = _ANALYTE_BY_CODE.get(code)
        if analyte is None and code.strip():
            analyte = analyte_for_loinc(code)
        if analyte is not None:
            found.setdefault(analyte, code.strip())
    if not found:
        return None
    if len(found) > 1:
        names = ", ".join(sorted(a.value for a in found))
        return f"codings name different analytes ({names})"
    return next(iter(found.items()))


def _point(
    element: Mapping[str, Any], analyte: Analyte, code: str, when: datetime, sid: str | None
) -> LabPoint | str:
    value = read_numeric_value(element)
    if isinstance(value, str):
        return f"{analyte.value} ({code}): {value}"
    if value.unit_code is None and value.unit_text is None:
        return f"{analyte.value} ({code}): no unit given; not converted"
    canonical = _canonical(analyte, value)
    original_unit = value.unit_code or value.unit_text or ""
    if canonical is None:
        shown = value.unit_code or value.unit_text
        return f"unit {shown!r} not convertible for {analyte.value} ({code})"
    return LabPoint(
        analyte=analyte,
        when=when,
        value=canonical,
        unit=CANONICAL_UNIT[analyte],
        comparator=value.comparator,
        original_value=value.number,
        original_unit=original_unit,
        code=code,
        source_id=sid,
    )


def _canonical(analyte: Analyte, value: NumericValue) -> float | None:
    """``units.to_canonical`` with a dict hit first for the unit spelled as tabled."""
    unit = value.unit_code if value.unit_code is not None else value.unit_text
    factor = _EXACT_FACTORS[analyte].get(unit) if unit is not None else None
    if factor is None:
        return to_canonical(analyte, value.number, value.unit_code, value.unit_text)
    result = value.number * factor
    return result if math.isfinite(result) else None


def _map_one(
    resource: Mapping[str, Any], sid: str | None, unreadable: list[UnreadableResult]
) -> tuple[list[LabPoint], list[str]]:
    """Points of one Observation (its source id ``sid``) and the reasons for anything left out;
    dated results of a known analyte whose value could not be read go to ``unreadable``."""
    status = as_str(resource.get("status"))
    if status not in USABLE_STATUSES:
        return [], [f"status {status!r} is not final/amended/corrected"]
    top = _analyte_of(resource.get("code"))
    raw_components = resource.get("component")
    components = (
        [(component, _analyte_of(component.get("code"))) for component in dicts(raw_components)]
        if raw_components is not None
        else []
    )
    known_components = [(c, a) for c, a in components if a is not None]
    if top is None and not known_components:
        return [], ["no known LOINC code"]
    when = effective_time(resource)
    if when is None:
        return [], ["no effective time or issued date"]
    points: list[LabPoint] = []
    reasons: list[str] = []
    elements: list[tuple[Mapping[str, Any], tuple[Analyte, str] | str]] = []
    if top is not None and not (known_components and _is_bare_panel(resource)):
        elements.append((resource, top))
    elements.extend((c, a) for c, a in known_components if a is not None)
    for element, identified in elements:
        if isinstance(identified, str):
            reasons.append(identified)
            continue
        analyte, code = identified
        outcome = _point(element, analyte, code, when, sid)
        if isinstance(outcome, str):
            reasons.append(outcome)
            unreadable.append(UnreadableResult(analyte, when, sid, outcome))
        else:
            points.append(outcome)
    return points, reasons


def _fast_analyte(concept: object) -> tuple[Analyte, str] | None:
    """Speed: ``_analyte_of`` for a dict of dict codings whose LOINC codes are all tabled
    (exactly, so ``code == code.strip()``) and name one analyte; ``None`` for anything else."""
    if type(concept) is not dict:
        return None
    items = concept.get("coding")
    if type(items) is not list:
        return None
    found: tuple[Analyte, str] | None = None
    for coding in items:
        if type(coding) is not dict:
            return None
        if coding.get("system") != LOINC_SYSTEM:
            continue
        code = coding.get("code")
        if type(code) is not str:
            return None
        analyte = _ANALYTE_BY_CODE.get(code)
        if analyte is None:
            return None
        if found is None:
            found = (analyte, code)
        elif found[0] is not analyte:
            return None
    return found


def _fast_point(
    resource: dict[str, Any], sid: str | None, times: dict[str, datetime]
) -> LabPoint | None:
    """Speed: the single ``LabPoint`` ``_map_one`` gives for the common, well-typed shape
    (usable status, tabled LOINC codings of one analyte, no components, no
    ``dataAbsentReason``, an ``effectiveDateTime``, a ``valueQuantity`` with a number and
    a tabled unit), or ``None`` for anything else: the caller then takes ``_map_one``.
    ``times`` caches parsed ``effectiveDateTime`` strings for one call."""
    status = resource.get("status")
    if type(status) is not str or status not in USABLE_STATUSES:
        return None
    if resource.get("component") is not None or "dataAbsentReason" in resource:
        return None
    identified = _fast_analyte(resource.get("code"))
    quantity = resource.get("valueQuantity")
    if identified is None or type(quantity) is not dict:
        return None
    analyte, code = identified
    number = quantity.get("value")
    if type(number) is int:
        number = float(number)
    elif type(number) is not float:
        return None
    comparator = quantity.get("comparator")
    if comparator is not None and (type(comparator) is not str or comparator not in COMPARATORS):
        return None
    unit = quantity.get("code")
    if unit is None:
        unit = quantity.get("unit")
    if type(unit) is not str:
        return None
    factor = _EXACT_FACTORS[analyte].get(unit)
    if factor is None:
        return None
    value = number * factor
    if not math.isfinite(value):  # infinite or overflowed: the general path excludes it
        return None
    raw_time = resource.get("effectiveDateTime")
    if type(raw_time) is not str:
        return None
    when = times.get(raw_time)
    if when is None:
        when = parse_datetime(raw_time)
        if when is None:
            return None
        times[raw_time] = when
    return LabPoint(
        analyte, when, value, CANONICAL_UNIT[analyte], comparator, number, unit, code, sid
    )


def _is_bare_panel(resource: Mapping[str, Any]) -> bool:
    """A panel whose values are all in its components (no value[x], no dataAbsentReason)."""
    return not any(key.startswith("value") or key == "dataAbsentReason" for key in resource)


def _sort_key(point: LabPoint) -> tuple[datetime, float, str, str]:
    return (point.when, point.value, point.comparator or "", point.source_id or "")


#: Speed: the first two parts of ``_sort_key``, read in C.
_WHEN_VALUE: Callable[[LabPoint], tuple[datetime, float]] = attrgetter("when", "value")


def map_observations(observations: Iterable[object]) -> LabResults:
    """Map Observation JSON objects to unit-normalised, sorted, de-duplicated series."""
    excluded: list[ExcludedResource] = []
    points: list[LabPoint] = []
    seen_ids: set[str] = set()
    unreadable: list[UnreadableResult] = []
    times: dict[str, datetime] = {}
    parts: list[tuple[LabPoint, str | None]] = []  # urine protein / creatinine, with specimen
    for resource in observations:
        if type(resource) is not dict and not isinstance(resource, Mapping):
            excluded.append(ExcludedResource(None, "not a JSON object"))
            continue
        sid = read_source_id(resource)
        rtype = resource.get("resourceType")
        if rtype != "Observation" and rtype is not None:
            excluded.append(ExcludedResource(sid, f"not an Observation ({rtype!r})"))
            continue
        if sid is not None:
            if sid in seen_ids:
                excluded.append(ExcludedResource(sid, "duplicate resource (same id)"))
                continue
            seen_ids.add(sid)
        if type(resource) is dict:
            point = _fast_point(resource, sid, times)
            if point is not None:
                points.append(point)
                if point.analyte in _RATIO_PARTS:
                    parts.append((point, _specimen(resource)))
                continue
        found, reasons = _map_one(resource, sid, unreadable)
        points.extend(found)
        parts.extend((p, _specimen(resource)) for p in found if p.analyte in _RATIO_PARTS)
        excluded.extend(ExcludedResource(sid, reason) for reason in reasons)
    if parts:
        points.extend(_computed_ratios(parts, points, excluded))
    return LabResults(
        series=_build_series(points, excluded),
        excluded=tuple(excluded),
        unreadable=tuple(sorted(unreadable, key=lambda u: (u.when, u.source_id or ""))),
    )


_RATIO_PARTS: frozenset[Analyte] = frozenset({Analyte.URINE_PROTEIN, Analyte.URINE_CREATININE})
_UNUSABLE: Literal["unusable"] = "unusable"


def _specimen(resource: Mapping[str, Any]) -> str | None:
    reference = as_str(as_dict(resource.get("specimen")).get("reference"))
    return reference.strip() if reference is not None else None


def _partner(
    protein: LabPoint, specimen: str | None, creatinines: list[tuple[LabPoint, str | None]]
) -> LabPoint | str | None:
    """The creatinine of the protein's sample, a reason when it is ambiguous, else ``None``."""
    same = [c for c, s in creatinines if specimen is not None and s == specimen]
    if not same:
        same = [
            c for c, s in creatinines if (specimen is None or s is None) and c.day == protein.day
        ]
    if not same:
        return None
    gap = min(abs((c.when - protein.when).total_seconds()) for c in same)
    nearest = [c for c in same if abs((c.when - protein.when).total_seconds()) == gap]
    if len({(c.value, c.comparator) for c in nearest}) > 1:
        return "computed UPCR not formed: two urine creatinine results fit this urine protein"
    return nearest[0]


def _ratio_comparator(protein: str | None, creatinine: str | None) -> str | None:
    """The comparator of protein / creatinine, or ``"unusable"`` when the ratio has no bound."""
    if creatinine in ("<", "<="):
        return _UNUSABLE  # the creatinine may be anything below: the ratio anything above
    if creatinine in (">", ">="):
        if protein in (">", ">="):
            return _UNUSABLE
        return "<" if creatinine == ">" or protein == "<" else "<="
    return protein


def _computed_ratios(
    parts: list[tuple[LabPoint, str | None]],
    points: list[LabPoint],
    excluded: list[ExcludedResource],
) -> list[LabPoint]:
    """UPCR points from urine protein and creatinine of one sample (see module docstring)."""
    measured_days = {p.day for p in points if p.analyte is Analyte.UPCR}
    creatinines = [(p, s) for p, s in parts if p.analyte is Analyte.URINE_CREATININE]
    out: list[LabPoint] = []
    for protein, specimen in parts:
        if protein.analyte is not Analyte.URINE_PROTEIN or protein.day in measured_days:
            continue
        creatinine = _partner(protein, specimen, creatinines)
        if creatinine is None:
            continue
        if isinstance(creatinine, str):
            excluded.append(ExcludedResource(protein.source_id, creatinine))
            continue
        shown = (
            f"{creatinine.comparator or ''}{creatinine.original_value:g} {creatinine.original_unit}"
        )
        comparator = _ratio_comparator(protein.comparator, creatinine.comparator)
        if comparator == _UNUSABLE:
            excluded.append(
                ExcludedResource(
                    protein.source_id,
                    f"computed UPCR not formed: urine creatinine {shown} leaves the ratio "
                    "without a bound",
                )
            )
            continue
        if creatinine.value <= 0:
            excluded.append(
                ExcludedResource(
                    protein.source_id, f"computed UPCR not formed: urine creatinine {shown}"
                )
            )
            continue
        ratio = protein.value / creatinine.value  # mg/dL over mg/dL = g/g
        if not math.isfinite(ratio):
            continue
        out.append(
            LabPoint(
                analyte=Analyte.UPCR,
                when=protein.when,
                value=ratio,
                unit=CANONICAL_UNIT[Analyte.UPCR],
                comparator=comparator,
                original_value=ratio,
                original_unit=CANONICAL_UNIT[Analyte.UPCR],
                code=f"{protein.code}/{creatinine.code}",
                source_id=protein.source_id,
            )
        )
    return out


def _build_series(
    points: list[LabPoint], excluded: list[ExcludedResource]
) -> Mapping[Analyte, LabSeries]:
    if len(set(map(_WHEN_VALUE, points))) == len(points):
        # speed: no two points share (when, value), so that pair alone orders them as
        # _sort_key does (values are finite: a total order) and none is a duplicate
        by_analyte: dict[Analyte, list[LabPoint]] = {}
        for point in sorted(points, key=_WHEN_VALUE):
            by_analyte.setdefault(point.analyte, []).append(point)
        return {a: LabSeries(a, tuple(series)) for a, series in by_analyte.items()}
    return _deduplicated_series(points, excluded)


def _deduplicated_series(
    points: list[LabPoint], excluded: list[ExcludedResource]
) -> Mapping[Analyte, LabSeries]:
    """The series in ``_sort_key`` order, each repeated (analyte, time, value, comparator)
    kept once and its repeats excluded."""
    by_analyte: dict[Analyte, list[LabPoint]] = {}
    seen: set[tuple[Analyte, datetime, float, str | None]] = set()
    for point in sorted(points, key=_sort_key):
        key = (point.analyte, point.when, point.value, point.comparator)
        if key in seen:
            excluded.append(
                ExcludedResource(
                    point.source_id,
                    f"duplicate {point.analyte.value} result at {point.when.isoformat()}",
                )
            )
            continue
        seen.add(key)
        by_analyte.setdefault(point.analyte, []).append(point)
    return {analyte: LabSeries(analyte, tuple(series)) for analyte, series in by_analyte.items()}
