"""Refill-based adherence (PDC, MPR) and drug levels for the agents of the induction.

* Window: from the later of the induction start, the agent's course start and
  ``today - WINDOW_DAYS``, to ``today`` (issue 3: "from induction start or the last 180
  days").
* Fills: MedicationDispense with status ``completed`` only (``in-progress`` and
  ``preparation`` have not reached the patient; cancelled, declined, stopped, on-hold,
  entered-in-error and unknown are not supply). Date: ``whenHandedOver``, else
  ``whenPrepared``. Days' supply: ``daysSupply``; else quantity in tablets / (daily dose /
  strength); else quantity / units per day from the dispense's own dosage.
* PDC: days covered in the window / days in the window, overlapping fills shifted
  forward (a fill starts when the previous supply runs out), so never above 1.
  MPR: total days' supply of fills in the window / days in the window, capped at 1.
* No dispense at all -> ``UNKNOWN`` with a reason (not zero: many EHRs have no
  pharmacy feed). IV agents (intravenous route or recorded administrations) ->
  ``INTRINSIC``.
* Levels: the latest level within ``LEVEL_RECENCY_DAYS`` below its threshold is a
  signal of possible non-adherence (``LEVEL_THRESHOLDS``).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from operator import attrgetter
from typing import Any

from fhir_mappings.facts import (
    MYCOPHENOLATES,
    AdherenceEstimate,
    AdherenceStatus,
    Agent,
    Analyte,
    DrugLevelSignal,
    Fill,
    InductionRegimen,
    LabPoint,
    LabResults,
    MedicationMatch,
    Route,
    TherapyCourse,
)
from fhir_mappings.read._access import (
    as_dict,
    as_float,
    as_str,
    dicts,
    parse_date,
    quantity_unit,
    source_id,
)
from fhir_mappings.read.dosing import dose_from_dosages
from fhir_mappings.read.medications import UNIT_DOSE_UNITS, MedicationIdentifier, strength_is_per_ml

#: PDC at or above this is adherent: Pharmacy Quality Alliance, "PQA Adherence
#: Measures" (pqaalliance.org/adherence-measures): "clinical evidence provides support for
#: a standard PDC threshold of 80%". The same 80% is used for MPR (clinical.md).
PDC_ADHERENT_THRESHOLD = 0.80
#: Longest look-back of the refill window (issue 3).
WINDOW_DAYS = 180
#: Fills this long before the window can still carry supply into it.
FILL_LOOKBACK_DAYS = 180
#: A level older than this says nothing about current adherence (about 3 months, the
#: review's and ACR 2024's monitoring interval).
LEVEL_RECENCY_DAYS = 90
#: MedicationDispense statuses that put supply in the patient's hands.
DISPENSE_STATUSES: frozenset[str] = frozenset({"completed"})

# speed: constants and a C-level sort key instead of per-fill objects and lambdas
_ONE_DAY = timedelta(days=1)
_FILL_LOOKBACK = timedelta(days=FILL_LOOKBACK_DAYS)
_WHEN = attrgetter("when")


@dataclass(frozen=True, slots=True)
class LevelThreshold:
    analyte: Analyte
    threshold: float  # in the analyte's canonical unit
    agents: frozenset[Agent]
    citation: str


#: Drug levels read as adherence signals (clinical.md "Doses" and "Adherence", H).
LEVEL_THRESHOLDS: tuple[LevelThreshold, ...] = (
    LevelThreshold(
        Analyte.MPA_TROUGH,
        3.0,
        MYCOPHENOLATES,
        "MPA trough (C0) < 3 mg/L: flare risk, possible non-adherence or malabsorption "
        "(clinical.md, H)",
    ),
    LevelThreshold(
        Analyte.MPA_AUC,
        30.0,
        MYCOPHENOLATES,
        "MPA 12 h AUC < 30 mg*h/L: below the 30-60 mg*h/L target (clinical.md, H)",
    ),
    LevelThreshold(
        Analyte.HYDROXYCHLOROQUINE,
        200.0,
        frozenset({Agent.HYDROXYCHLOROQUINE}),
        "Hydroxychloroquine whole-blood level < 200 ng/mL suggests non-adherence (clinical.md, H)",
    ),
)


def is_intrinsic(course: TherapyCourse) -> bool:
    """Given by clinicians (IV, or recorded as administrations): adherence not in question."""
    return course.route is Route.INTRAVENOUS or bool(course.administrations)


def _is_below(point: LabPoint, threshold: float) -> bool:
    """Certainly below: ``<2`` counts, ``>2`` or ``<5`` (for 3) does not."""
    if point.comparator in (">", ">="):
        return False
    if point.comparator in ("<", "<="):
        return point.value <= threshold
    return point.value < threshold


def level_signals(
    agent: Agent, labs: LabResults, since: date, today: date
) -> tuple[DrugLevelSignal, ...]:
    """The latest level of each analyte relevant to ``agent`` taken in ``[since, today]``."""
    out: list[DrugLevelSignal] = []
    for rule in LEVEL_THRESHOLDS:
        if agent not in rule.agents:
            continue
        points = [p for p in labs.get(rule.analyte).points if since <= p.day <= today]
        if points:
            latest = points[-1]
            out.append(
                DrugLevelSignal(
                    latest, rule.threshold, _is_below(latest, rule.threshold), rule.citation
                )
            )
    return tuple(out)


def _units_per_day(dispense: Mapping[str, Any], strength_mg: float | None) -> float | None:
    """Tablets (units) a day from the dispense's own dosage instructions."""
    for dosage in dicts(dispense.get("dosageInstruction")):
        for dose_and_rate in dicts(dosage.get("doseAndRate")):
            quantity = as_dict(dose_and_rate.get("doseQuantity"))
            unit = (quantity_unit(quantity) or "1").lower()
            if unit in UNIT_DOSE_UNITS:
                info = dose_from_dosages([dosage], strength_mg=1.0)
                if info.daily_dose_mg:
                    return info.daily_dose_mg
    return None


def _recorded_days_supply(dispense: Mapping[str, Any]) -> float | None:
    """``daysSupply`` when positive (it does not depend on the agent's dose)."""
    days = as_float(as_dict(dispense.get("daysSupply")).get("value"))
    return days if days is not None and days > 0 else None


def _days_supply_from_quantity(
    dispense: Mapping[str, Any], daily_dose_mg: float | None, strength_mg: float | None
) -> float | None:
    quantity = as_dict(dispense.get("quantity"))
    amount = as_float(quantity.get("value"))
    unit = (quantity_unit(quantity) or "1").lower()
    if amount is None or amount <= 0 or unit not in UNIT_DOSE_UNITS:
        return None
    if daily_dose_mg and strength_mg:
        return amount / (daily_dose_mg / strength_mg)
    per_day = _units_per_day(dispense, strength_mg)
    return amount / per_day if per_day else None


def _identified_dispenses(
    dispenses: Iterable[object], identify: MedicationIdentifier
) -> list[tuple[Mapping[str, Any], date, MedicationMatch]]:
    """Completed, dated, identified dispenses (each identified once, for every agent)."""
    out: list[tuple[Mapping[str, Any], date, MedicationMatch]] = []
    for dispense in dispenses:
        if type(dispense) is not dict and not isinstance(dispense, Mapping):
            continue
        if as_str(dispense.get("status")) not in DISPENSE_STATUSES:
            continue
        when = parse_date(dispense.get("whenHandedOver")) or parse_date(
            dispense.get("whenPrepared")
        )
        match = identify(dispense)
        if when is None or match is None:
            continue
        out.append((dispense, when, match))
    return out


def _fills_of(
    agent: Agent,
    identified: Iterable[tuple[Mapping[str, Any], date, MedicationMatch]],
    daily_dose_mg: float | None,
) -> tuple[Fill, ...]:
    out: list[Fill] = []
    for dispense, when, match in identified:
        if match.agent is not agent:
            continue
        days = _recorded_days_supply(dispense)
        if days is None:  # speed: the strength only matters without a recorded supply
            strength = None if strength_is_per_ml(match) else match.strength_mg
            days = _days_supply_from_quantity(dispense, daily_dose_mg, strength)
        quantity = as_float(as_dict(dispense.get("quantity")).get("value"))
        out.append(Fill(when, days, quantity, source_id(dispense)))
    return tuple(sorted(out, key=_WHEN))


def fills_for(
    agent: Agent,
    dispenses: Iterable[object],
    medications_by_ref: Mapping[str, Mapping[str, Any]],
    daily_dose_mg: float | None,
) -> tuple[Fill, ...]:
    """Completed dispenses of ``agent`` as fills, oldest first."""
    identified = _identified_dispenses(dispenses, MedicationIdentifier(medications_by_ref))
    return _fills_of(agent, identified, daily_dose_mg)


def proportion_of_days_covered(fills: Sequence[Fill], start: date, end: date) -> float | None:
    """PDC over ``[start, end]`` (inclusive); fills without a days' supply are skipped."""
    window = (end - start).days + 1
    if window <= 0:
        return None
    covered = 0
    cursor: date | None = None
    for fill in sorted(fills, key=_WHEN):
        if fill.days_supply is None:
            continue
        begin = fill.when if cursor is None or fill.when >= cursor else cursor
        finish = begin + timedelta(days=math.ceil(fill.days_supply))  # exclusive
        cursor = finish
        lo, hi = max(begin, start), min(finish, end + _ONE_DAY)
        if hi > lo:
            covered += (hi - lo).days
    return min(1.0, covered / window)


def medication_possession_ratio(fills: Sequence[Fill], start: date, end: date) -> float | None:
    """Total days' supply of fills in ``[start, end]`` / days in it, capped at 1."""
    window = (end - start).days + 1
    if window <= 0:
        return None
    total = sum(f.days_supply for f in fills if f.days_supply and start <= f.when <= end)
    return min(1.0, total / window)


def _estimate(
    course: TherapyCourse,
    induction_start: date,
    identified: Sequence[tuple[Mapping[str, Any], date, MedicationMatch]],
    labs: LabResults,
    today: date,
) -> AdherenceEstimate:
    agent = course.agent
    if is_intrinsic(course):
        return AdherenceEstimate(
            agent,
            AdherenceStatus.INTRINSIC,
            None,
            None,
            None,
            None,
            None,
            reasons=("given intravenously by clinicians: adherence is intrinsic",),
        )
    start = max(induction_start, course.start, today - timedelta(days=WINDOW_DAYS))
    levels = level_signals(
        agent, labs, max(course.start, today - timedelta(days=LEVEL_RECENCY_DAYS)), today
    )
    low = [s for s in levels if s.low]
    reasons = [
        f"{s.point.analyte.value} {s.point.value:g} {s.point.unit} on {s.point.day} below "
        f"{s.threshold:g}: {s.citation}"
        for s in low
    ]
    all_fills = _fills_of(agent, identified, course.daily_dose_mg)
    fills = tuple(f for f in all_fills if start - _FILL_LOOKBACK <= f.when <= today)
    pdc = mpr = None
    since_last = (today - fills[-1].when).days if fills else None
    if not fills:
        reasons.append("no dispense records for this drug: refill adherence unknown, not zero")
    elif all(f.days_supply is None for f in fills):
        reasons.append("days' supply of the dispenses could not be determined")
    else:
        pdc = proportion_of_days_covered(fills, start, today)
        mpr = medication_possession_ratio(fills, start, today)
        if pdc is not None:
            verdict = "below" if pdc < PDC_ADHERENT_THRESHOLD else "at or above"
            reasons.append(
                f"PDC {pdc:.0%} from {start} to {today}, {verdict} the "
                f"{PDC_ADHERENT_THRESHOLD:.0%} threshold (PQA)"
            )
    if low or (pdc is not None and pdc < PDC_ADHERENT_THRESHOLD):
        status = AdherenceStatus.POSSIBLE_NONADHERENCE
    elif pdc is not None or levels:
        status = AdherenceStatus.ADHERENT
        if pdc is None:
            reasons.append("recent drug level not below its threshold")
    else:
        status = AdherenceStatus.UNKNOWN
    return AdherenceEstimate(
        agent=agent,
        status=status,
        window_start=start,
        window_end=today,
        pdc=pdc,
        mpr=mpr,
        days_since_last_fill=since_last,
        fills=fills,
        levels=levels,
        reasons=tuple(reasons),
    )


def estimate_adherence(
    courses: Sequence[TherapyCourse],
    induction: InductionRegimen | None,
    dispenses: Iterable[object],
    labs: LabResults,
    medications_by_ref: Mapping[str, Mapping[str, Any]],
    today: date,
    *,
    identify: MedicationIdentifier | None = None,
) -> tuple[AdherenceEstimate, ...]:
    """One estimate per agent of the induction, plus hydroxychloroquine when current.

    ``identify``: an identifier over the same ``medications_by_ref``, to share its memo
    with the order mappers of one patient (speed).
    """
    targets: list[tuple[TherapyCourse, date]] = []
    if induction is not None:
        targets.extend((c, induction.start) for c in induction.courses)
    hcq = [
        c
        for c in courses
        if c.agent is Agent.HYDROXYCHLOROQUINE
        and c.start <= today
        and (c.end is None or (today - c.end).days <= LEVEL_RECENCY_DAYS)
    ]
    if hcq:
        latest = max(hcq, key=lambda c: c.start)
        targets.append((latest, latest.start))
    if not targets:
        return ()
    # each dispense is identified once here, not once per agent (speed)
    if identify is None:
        identify = MedicationIdentifier(medications_by_ref)
    identified = _identified_dispenses(dispenses, identify)
    return tuple(_estimate(course, start, identified, labs, today) for course, start in targets)
