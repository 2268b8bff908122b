"""MedicationDispenses and drug levels -> exposure of the agents of the current line.

* Window: from the latest of the line's start, the agent's course start and
  ``today - RecordWindows.adherence_days``, to ``today``; where the gathering step could
  read dispenses only from a date on (a ``DataGap`` with ``complete_since``), the window
  starts there.
* Fills: MedicationDispense with status ``completed`` only (``in-progress`` and
  ``preparation`` have not reached the patient; cancelled, declined, stopped, on-hold,
  entered-in-error and unknown are not supply). Date: ``whenHandedOver``, else
  ``whenPrepared``. Days' supply: ``daysSupply``; else quantity in tablets / (daily dose
  / strength); else quantity / units per day from the dispense's own dosage. Fills up
  to ``RecordWindows.fill_carry_days`` before the window can carry supply into it.
* PDC: days covered in the window / days in the window, overlapping fills shifted
  forward (a fill starts when the previous supply runs out), so never above 1.
  MPR: total days' supply of fills in the window / days in the window, capped at 1.
* No dispense of the drug -> ``NO_DISPENSES`` (unknown, not zero: many EHRs have no
  pharmacy feed); the server provides none -> ``NOT_PROVIDED``; IV route or recorded
  administrations -> ``GIVEN_BY_CLINICIANS``; the current order on hold -> ``ON_HOLD``
  (hydroxychloroquine too: the latest order of its course).
* Levels: the newest result of each level analyte of the agent, taken since the agent
  started and within ``TreatmentWindows.level_recency_days``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, timedelta
from operator import attrgetter
from typing import Any

from fhir_mappings.facts import (
    Agent,
    AgentExposure,
    Analyte,
    Fill,
    LabPoint,
    LabResults,
    MedicationMatch,
    Refills,
    RefillStatus,
    Route,
    TherapyCourse,
    TherapyLine,
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
from fhir_mappings.read.orders import DISPENSE_STATUSES
from fhir_mappings.resources import DataGap
from fhir_mappings.rulesets import Ruleset

_ONE_DAY = timedelta(days=1)
_WHEN = attrgetter("when")

#: Level analytes read for each agent (the judgement of each is in the rules).
LEVEL_ANALYTES: Mapping[Agent, tuple[Analyte, ...]] = {
    Agent.MYCOPHENOLATE_MOFETIL: (Analyte.MPA_TROUGH, Analyte.MPA_AUC, Analyte.MPA_RANDOM),
    Agent.MYCOPHENOLATE_SODIUM: (Analyte.MPA_TROUGH, Analyte.MPA_AUC, Analyte.MPA_RANDOM),
    Agent.HYDROXYCHLOROQUINE: (Analyte.HYDROXYCHLOROQUINE,),
}


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


def _levels(
    agent: Agent, since: date, labs: LabResults, today: date, ruleset: Ruleset
) -> tuple[LabPoint, ...]:
    """The newest result of each level analyte of ``agent`` in ``[since, today]``."""
    start = max(since, today - timedelta(days=ruleset.treatment.level_recency_days))
    out: list[LabPoint] = []
    for analyte in LEVEL_ANALYTES.get(agent, ()):
        points = [p for p in labs.get(analyte).points if start <= p.day <= today]
        if points:
            out.append(points[-1])
    return tuple(sorted(out, key=_WHEN))


def _is_given_by_clinicians(course: TherapyCourse) -> bool:
    return course.route is Route.INTRAVENOUS or bool(course.administrations)


def _refills(
    agent: Agent,
    course: TherapyCourse,
    line_start: date,
    daily_dose_mg: float | None,
    identified: Sequence[tuple[Mapping[str, Any], date, MedicationMatch]],
    gap: DataGap | None,
    today: date,
    ruleset: Ruleset,
) -> Refills:
    windows = ruleset.windows
    start = max(line_start, course.start, today - timedelta(days=windows.adherence_days))
    if gap is not None:
        if gap.complete_since is None:
            return Refills(agent, RefillStatus.NOT_PROVIDED, start, today)
        start = max(start, gap.complete_since)
    carry = timedelta(days=windows.fill_carry_days)
    fills = tuple(
        f for f in _fills_of(agent, identified, daily_dose_mg) if start - carry <= f.when <= today
    )
    since_last = (today - fills[-1].when).days if fills else None
    if not fills:
        return Refills(agent, RefillStatus.NO_DISPENSES, start, today)
    if all(f.days_supply is None for f in fills):
        return Refills(
            agent, RefillStatus.SUPPLY_UNKNOWN, start, today, None, None, since_last, fills
        )
    return Refills(
        agent,
        RefillStatus.MEASURED,
        start,
        today,
        proportion_of_days_covered(fills, start, today),
        medication_possession_ratio(fills, start, today),
        since_last,
        fills,
    )


def read_exposure(
    line: TherapyLine | None,
    courses: Sequence[TherapyCourse],
    dispenses: Iterable[object],
    labs: LabResults,
    identify: MedicationIdentifier,
    today: date,
    ruleset: Ruleset,
    *,
    dispense_gap: DataGap | None = None,
) -> tuple[AgentExposure, ...]:
    """Exposure of each agent of the current line, plus hydroxychloroquine when current."""
    targets: list[tuple[Agent, TherapyCourse, date, float | None, bool]] = []
    if line is not None:
        targets.extend(
            (a.agent, a.course, line.start, a.daily_dose_mg, a.on_hold) for a in line.agents
        )
    recency = ruleset.treatment.line_recency_days  # as current as a line's agent
    hcq = [
        c
        for c in courses
        if c.agent is Agent.HYDROXYCHLOROQUINE
        and c.start <= today
        and (c.end is None or (today - c.end).days <= recency)
    ]
    if hcq:
        latest = max(hcq, key=lambda c: c.start)
        held = bool(latest.orders) and latest.orders[-1].status == "on-hold"
        targets.append((latest.agent, latest, latest.start, latest.daily_dose_mg, held))
    if not targets:
        return ()
    identified = _identified_dispenses(dispenses, identify)
    out: list[AgentExposure] = []
    for agent, course, start, daily, on_hold in targets:
        levels = _levels(agent, course.start, labs, today, ruleset)
        if on_hold:
            refills = Refills(agent, RefillStatus.ON_HOLD)
        elif _is_given_by_clinicians(course):
            refills = Refills(agent, RefillStatus.GIVEN_BY_CLINICIANS)
        else:
            refills = _refills(
                agent, course, start, daily, identified, dispense_gap, today, ruleset
            )
        out.append(AgentExposure(agent, refills, levels))
    return tuple(out)
