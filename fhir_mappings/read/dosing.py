"""FHIR ``Dosage`` -> dose per administration (mg), daily dose, interval, finite schedule.

Decisions (each is a named table or a documented rule below):

* ``doseRange``: the **high** bound is used. It keeps the dose review from calling a
  patient under-dosed when the prescriber allowed up to the standard dose; days' supply
  computed from it is shorter, so it never overstates coverage.
* Units: mg, g, ug/mcg convert to mg; mg/kg and mg/m2 are kept apart (``per_kg`` /
  ``per_m2``) and converted only when weight / BSA are passed in; tablets, capsules,
  vials and "1" convert through the product strength; mL through a per-mL strength.
* Frequency: ``timing.repeat`` (frequency per period; ``frequencyMax`` and
  ``periodMax`` are ignored: they describe the most allowed, not the prescribed
  schedule), else ``timing.code`` (``GTS_ABBREVIATIONS``), else ``timeOfDay``/``when``
  entries counted per day. ``asNeeded`` doses have no daily dose.
* Finite schedule: ``repeat.count`` (planned doses) and ``repeat.boundsDuration``.
* Text-only dosage: one conservative pattern, "<n> <mg|g> [route] <frequency phrase>"
  (``TEXT_FREQUENCIES``); anything else leaves the dose ``None`` rather than guessing.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from fhir_mappings.read._access import (
    as_dict,
    as_float,
    as_list,
    as_str,
    codings,
    dicts,
    quantity_unit,
)
from fhir_mappings.read.medications import MASS_TO_MG, UNIT_DOSE_UNITS

GTS_SYSTEM = "http://terminology.hl7.org/CodeSystem/v3-GTSAbbreviation"
SNOMED_SYSTEM = "http://snomed.info/sct"

#: UCUM time units in days (UCUM: mo = a/12, a = 365.25 d; wk = 7 d).
PERIOD_UNIT_DAYS: Mapping[str, float] = {
    "s": 1 / 86400,
    "min": 1 / 1440,
    "h": 1 / 24,
    "d": 1.0,
    "wk": 7.0,
    "mo": 365.25 / 12,
    "a": 365.25,
}

#: HL7 v3 GTSAbbreviation codes -> (administrations, per days). Source: HL7
#: terminology CodeSystem v3-GTSAbbreviation (BID = twice a day, QOD = every other day,
#: Q4H = every 4 hours, WK = weekly, MO = monthly, AM/PM = once in the morning/evening).
GTS_ABBREVIATIONS: Mapping[str, tuple[float, float]] = {
    "QD": (1, 1),
    "BID": (2, 1),
    "TID": (3, 1),
    "QID": (4, 1),
    "QOD": (1, 2),
    "Q4H": (6, 1),
    "Q6H": (4, 1),
    "Q8H": (3, 1),
    "Q12H": (2, 1),
    "AM": (1, 1),
    "PM": (1, 1),
    "WK": (1, 7),
    "MO": (1, 365.25 / 12),
}

#: Route codes (SNOMED CT qualifier values; the same codes appear in HL7 FHIR examples
#: and US Core data, e.g. ``SCT#47625008 "Intravenous route (qualifier value)"``).
SNOMED_ROUTES: Mapping[str, str] = {
    "26643006": "oral",
    "47625008": "intravenous",
    "34206005": "subcutaneous",
}

#: Route words in ``route.text`` / displays.
ROUTE_WORDS: tuple[tuple[str, str], ...] = (
    ("intravenous", "intravenous"),
    ("iv", "intravenous"),
    ("subcutaneous", "subcutaneous"),
    ("sc", "subcutaneous"),
    ("sq", "subcutaneous"),
    ("oral", "oral"),
    ("by mouth", "oral"),
    ("po", "oral"),
)

#: mass-per-body-size units, kept apart until weight/BSA are known.
PER_KG_UNITS: frozenset[str] = frozenset({"mg/kg", "mg/kg/dose"})
PER_M2_UNITS: frozenset[str] = frozenset({"mg/m2", "mg/m^2", "mg/m²", "mg/{m2}", "mg/m2/dose"})
VOLUME_UNITS: frozenset[str] = frozenset({"ml"})

#: Text frequencies accepted by the conservative text parser -> (times, per days).
TEXT_FREQUENCIES: Mapping[str, tuple[float, float]] = {
    "once daily": (1, 1),
    "daily": (1, 1),
    "once a day": (1, 1),
    "every day": (1, 1),
    "qd": (1, 1),
    "twice daily": (2, 1),
    "twice a day": (2, 1),
    "bid": (2, 1),
    "every 12 hours": (2, 1),
    "q12h": (2, 1),
    "three times daily": (3, 1),
    "three times a day": (3, 1),
    "tid": (3, 1),
    "every 8 hours": (3, 1),
    "weekly": (1, 7),
    "once weekly": (1, 7),
    "every week": (1, 7),
    "every 2 weeks": (1, 14),
    "every two weeks": (1, 14),
    "every 4 weeks": (1, 28),
    "monthly": (1, 365.25 / 12),
    "every month": (1, 365.25 / 12),
}

_TEXT_DOSE_RE = re.compile(
    r"(?:take\s+)?(\d+(?:\.\d+)?)\s*(mg|g)\s+(?:(?:by mouth|orally|po|iv|intravenously)\s+)?"
    r"(" + "|".join(map(re.escape, sorted(TEXT_FREQUENCIES, key=len, reverse=True))) + r")"
)


@dataclass(frozen=True, slots=True)
class DoseInfo:
    """What one (or several combined) ``Dosage`` say about the dose."""

    dose_mg: float | None  # per administration, mg
    daily_dose_mg: float | None  # averaged per day, mg
    interval_days: float | None  # days between administrations
    planned_doses: int | None  # repeat.count
    per_kg: float | None  # mg/kg per administration, when written so
    per_m2: float | None  # mg/m2 per administration, when written so
    route: str | None  # "oral" | "intravenous" | "subcutaneous" | None
    schedule_days: float | None = None  # length of a finite schedule (first to last dose)
    text: str | None = None


NO_DOSE = DoseInfo(None, None, None, None, None, None, None)


_NON_LETTERS = re.compile(r"[^a-z]+")  # speed: compiled once, not looked up per call


def route_of_dosage(dosage: Mapping[str, Any]) -> str | None:
    """Route from ``dosage.route`` (SNOMED code, else words in text/display)."""
    route = as_dict(dosage.get("route"))
    for coding in codings(route):
        code = as_str(coding.get("code"))
        if code is not None and code in SNOMED_ROUTES:
            return SNOMED_ROUTES[code]
    words = [as_str(route.get("text"))] + [as_str(c.get("display")) for c in codings(route)]
    for text in words:
        if not text:
            continue
        tokens = set(_NON_LETTERS.split(text.lower()))
        lowered = text.lower()
        for word, name in ROUTE_WORDS:
            if (" " in word and word in lowered) or word in tokens:
                return name
    return None


def _frequency(timing: Mapping[str, Any]) -> tuple[float, float] | None:
    """(administrations, per days) of a Timing."""
    repeat = as_dict(timing.get("repeat"))
    frequency = as_float(repeat.get("frequency"))
    period = as_float(repeat.get("period"))
    unit = as_str(repeat.get("periodUnit"))
    if period is not None and unit is not None and unit in PERIOD_UNIT_DAYS and period > 0:
        times = frequency if frequency is not None and frequency > 0 else 1.0
        return times, period * PERIOD_UNIT_DAYS[unit]
    for coding in codings(timing.get("code")):
        code = as_str(coding.get("code"))
        if code is not None and code.upper() in GTS_ABBREVIATIONS:
            return GTS_ABBREVIATIONS[code.upper()]
    slots = len(as_list(repeat.get("timeOfDay"))) or len(as_list(repeat.get("when")))
    if slots:
        return float(slots), 1.0
    return None


def _dose_quantity(dosage: Mapping[str, Any]) -> Mapping[str, Any] | None:
    for dose_and_rate in dicts(dosage.get("doseAndRate")):
        quantity = dose_and_rate.get("doseQuantity")
        if isinstance(quantity, Mapping):
            return quantity
        dose_range = as_dict(dose_and_rate.get("doseRange"))
        high = dose_range.get("high")
        if isinstance(high, Mapping):
            return high
    # MedicationAdministration.dosage.dose (a plain Quantity)
    dose = dosage.get("dose")
    return dose if isinstance(dose, Mapping) else None


def _mg_from_quantity(
    quantity: Mapping[str, Any],
    strength_mg: float | None,
    strength_per_ml: bool,
    weight_kg: float | None,
    bsa_m2: float | None,
) -> tuple[float | None, float | None, float | None]:
    """(mg, per_kg, per_m2) of one dose quantity."""
    value = as_float(quantity.get("value"))
    unit = quantity_unit(quantity) or "1"
    if value is None or value < 0:
        return None, None, None
    unit_l = unit.strip().lower()
    if unit_l in MASS_TO_MG:
        return value * MASS_TO_MG[unit_l], None, None
    if unit_l in PER_KG_UNITS:
        return (value * weight_kg if weight_kg else None), value, None
    if unit_l in PER_M2_UNITS:
        return (value * bsa_m2 if bsa_m2 else None), None, value
    if unit_l in UNIT_DOSE_UNITS and strength_mg is not None and not strength_per_ml:
        return value * strength_mg, None, None
    if unit_l in VOLUME_UNITS and strength_mg is not None and strength_per_ml:
        return value * strength_mg, None, None
    return None, None, None


def dose_from_dosage(
    dosage: object,
    *,
    strength_mg: float | None = None,
    strength_per_ml: bool = False,
    weight_kg: float | None = None,
    bsa_m2: float | None = None,
) -> DoseInfo:
    """Read one ``Dosage`` (or ``MedicationAdministration.dosage``); never raises."""
    data = as_dict(dosage)
    if not data:
        return NO_DOSE
    text = as_str(data.get("text"))
    route = route_of_dosage(data)
    timing = as_dict(data.get("timing"))
    repeat = as_dict(timing.get("repeat"))
    frequency = _frequency(timing)
    quantity = _dose_quantity(data)
    dose_mg = per_kg = per_m2 = None
    if quantity is not None:
        dose_mg, per_kg, per_m2 = _mg_from_quantity(
            quantity, strength_mg, strength_per_ml, weight_kg, bsa_m2
        )
    elif text is not None:
        parsed = parse_dosage_text(text)
        if parsed is not None:
            dose_mg = parsed[0]
            frequency = frequency or parsed[1]
    interval = frequency[1] / frequency[0] if frequency else None
    as_needed = data.get("asNeededBoolean") is True or "asNeededCodeableConcept" in data
    daily = None
    if dose_mg is not None and interval and not as_needed:
        daily = dose_mg / interval
    count = as_float(repeat.get("count"))
    planned = int(count) if count is not None and count >= 1 and count == int(count) else None
    schedule = None
    if planned is not None and interval is not None:
        schedule = (planned - 1) * interval
    duration = as_dict(repeat.get("boundsDuration"))
    duration_value = as_float(duration.get("value"))
    duration_unit = quantity_unit(duration)
    if (
        schedule is None
        and duration_value is not None
        and duration_unit is not None
        and duration_unit in PERIOD_UNIT_DAYS
    ):
        schedule = duration_value * PERIOD_UNIT_DAYS[duration_unit]
    return DoseInfo(dose_mg, daily, interval, planned, per_kg, per_m2, route, schedule, text)


def parse_dosage_text(text: str) -> tuple[float, tuple[float, float]] | None:
    """``"1000 mg twice daily"`` -> (1000.0, (2, 1)); anything less plain -> ``None``."""
    normalised = " ".join(text.lower().replace(",", " ").split()).rstrip(".")
    match = _TEXT_DOSE_RE.fullmatch(normalised)
    if match is None:
        return None
    dose = float(match.group(1)) * MASS_TO_MG[match.group(2)]
    return dose, TEXT_FREQUENCIES[match.group(3)]


def dose_from_dosages(
    dosages: Sequence[object],
    *,
    strength_mg: float | None = None,
    strength_per_ml: bool = False,
    weight_kg: float | None = None,
    bsa_m2: float | None = None,
) -> DoseInfo:
    """Combine ``dosageInstruction[0..n]``.

    Several instructions given together (e.g. 1000 mg in the morning + 500 mg at night)
    add up to the daily dose when every one of them has a daily dose; per-dose fields
    come from the first instruction. Sequenced instructions (a taper) are not summed:
    when ``sequence`` differs, only the first sequence counts.
    """
    items = [as_dict(d) for d in dosages if isinstance(d, Mapping)]
    if not items:
        return NO_DOSE
    first_sequence = as_float(items[0].get("sequence"))
    same_step = [d for d in items if as_float(d.get("sequence")) == first_sequence]
    infos = [
        dose_from_dosage(
            d,
            strength_mg=strength_mg,
            strength_per_ml=strength_per_ml,
            weight_kg=weight_kg,
            bsa_m2=bsa_m2,
        )
        for d in same_step
    ]
    head = infos[0]
    if len(infos) == 1:
        return head
    dailies = [i.daily_dose_mg for i in infos]
    daily = (
        sum(d for d in dailies if d is not None) if all(d is not None for d in dailies) else None
    )
    route = next((i.route for i in infos if i.route), None)
    return DoseInfo(
        head.dose_mg,
        daily,
        head.interval_days,
        head.planned_doses,
        head.per_kg,
        head.per_m2,
        route,
        head.schedule_days,
        head.text,
    )
