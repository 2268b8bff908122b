"""Medication orders and administrations -> therapy courses, induction regimen, maintenance.

Rules (the constants below are the knobs; each says why it has its value):

* Orders: MedicationRequest with status active/on-hold/completed/stopped (or unknown)
  and intent order/original-order/reflex-order/filler-order/instance-order; drafts,
  cancelled, entered-in-error, proposals, plans, options and ``doNotPerform`` are left
  out. MedicationStatement (active/completed/stopped/on-hold) is accepted too.
* Administrations: status completed, and in-progress (an infusion that has started
  counts as given); not-done, stopped, on-hold, entered-in-error, unknown are left out.
* Courses: orders of one agent merge while the gap between one order's end and the
  next one's start is <= ``COURSE_GAP_DAYS``; a dose change is not a new course.
* Induction: the most recent backbone (mycophenolate or cyclophosphamide) course that
  is ongoing or ended within ``INDUCTION_RECENCY_DAYS`` (a cyclophosphamide pulse
  course: started within ``PULSE_COURSE_ASSESSMENT_DAYS``); add-ons started within
  ``REGIMEN_WINDOW_DAYS`` of it join the regimen; else a CNI alone.
"""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from fhir_mappings.facts import (
    CALCINEURIN_INHIBITORS,
    MYCOPHENOLATES,
    Agent,
    DoseGiven,
    InductionRegimen,
    MedicationMatch,
    MedicationOrder,
    RegimenKind,
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
from fhir_mappings.read.dosing import PERIOD_UNIT_DAYS, dose_from_dosage, dose_from_dosages
from fhir_mappings.read.medications import MedicationIdentifier, route_of_match, strength_is_per_ml

#: MedicationRequest statuses that count as therapy (R4 value set medicationrequest-status).
ORDER_STATUSES: frozenset[str] = frozenset({"active", "on-hold", "completed", "stopped", "unknown"})
#: Statuses of orders that are over (they count for history).
ENDED_STATUSES: frozenset[str] = frozenset({"completed", "stopped"})
#: MedicationRequest intents that are real orders (R4 value set medicationrequest-intent).
ORDER_INTENTS: frozenset[str] = frozenset(
    {"order", "original-order", "reflex-order", "filler-order", "instance-order"}
)
#: MedicationStatement statuses that say the drug is/was taken (R4 medication-statement-status).
STATEMENT_STATUSES: frozenset[str] = frozenset({"active", "completed", "stopped", "on-hold"})
#: MedicationAdministration statuses that count as a dose given.
ADMINISTRATION_STATUSES: frozenset[str] = frozenset({"completed", "in-progress"})

#: Orders of one agent closer than this are one course: one month covers a late renewal
#: (the usual 30-day supply) without joining two separate treatment episodes.
COURSE_GAP_DAYS = 30
#: Administrations with no order: doses up to this far apart are one course (monthly
#: NIH-style IV cyclophosphamide, q4w belimumab, plus two weeks of scheduling slack).
ADMIN_ONLY_GAP_DAYS = 45
#: An administration-only course is ongoing while the next dose is due within this slack.
ADMIN_GRACE_DAYS = 14
#: A course counts as the current induction when ongoing or ended this recently
#: (KDIGO/ACR response is judged at 6-12 months; a gap of up to 3 months after the last
#: dose still belongs to the regimen under assessment).
INDUCTION_RECENCY_DAYS = 90
#: A finite cyclophosphamide pulse course (Euro-Lupus: 6 doses over 10 weeks; NIH: 6
#: monthly pulses) ends long before its response is judged at 6-12 months (review,
#: Figure 1; KDIGO 2024): it stays the induction under assessment until this many days
#: after its start, maintenance (azathioprine, low-dose MMF) notwithstanding.
PULSE_COURSE_ASSESSMENT_DAYS = 366
#: Agents started within this many days of the backbone form one regimen.
REGIMEN_WINDOW_DAYS = 90
#: Mycophenolate after a completed cyclophosphamide course, below these daily doses, is
#: maintenance (induction standard: MMF 2-3 g/day, mycophenolate sodium 1.44-2.16 g/day;
#: clinical.md "Doses (induction)").
MAINTENANCE_MAX_DAILY_MG: Mapping[Agent, float] = {
    Agent.MYCOPHENOLATE_MOFETIL: 2000.0,
    Agent.MYCOPHENOLATE_SODIUM: 1440.0,
}
#: Backbone agents of an induction regimen.
BACKBONE_AGENTS: frozenset[Agent] = MYCOPHENOLATES | {Agent.CYCLOPHOSPHAMIDE}


def _route(value: str | None, match: MedicationMatch) -> Route:
    if value is not None:
        return Route(value)
    return route_of_match(match)


def _days(quantity: object) -> float | None:
    data = as_dict(quantity)
    value = as_float(data.get("value"))
    unit = quantity_unit(data)
    if value is None or unit is None:
        return None
    unit = {"day": "d", "days": "d", "week": "wk", "weeks": "wk", "month": "mo"}.get(unit, unit)
    factor = PERIOD_UNIT_DAYS.get(unit)
    return value * factor if factor is not None and value >= 0 else None


def _last_known_date(request: Mapping[str, Any], start: date | None) -> date | None:
    """End of a completed/stopped order: its expected supply, else validity end, else start."""
    dispense = as_dict(request.get("dispenseRequest"))
    supply = _days(dispense.get("expectedSupplyDuration"))
    repeats = as_float(dispense.get("numberOfRepeatsAllowed")) or 0.0
    if start is not None and supply is not None and 0 <= repeats < 1000:
        return start + timedelta(days=math.ceil(supply * (1 + repeats)))
    validity_end = parse_date(as_dict(dispense.get("validityPeriod")).get("end"))
    return validity_end or start


@dataclass(frozen=True, slots=True)
class BodySize:
    """Weight and BSA used to turn mg/kg and mg/m2 doses into mg (``None``: unknown)."""

    weight_kg: float | None = None
    bsa_m2: float | None = None


def _order_from_request(
    request: Mapping[str, Any], identify: MedicationIdentifier, body: BodySize
) -> MedicationOrder | None:
    status = as_str(request.get("status")) or "unknown"
    intent = as_str(request.get("intent")) or "unknown"
    if status not in ORDER_STATUSES or (intent != "unknown" and intent not in ORDER_INTENTS):
        return None
    if request.get("doNotPerform") is True:
        return None
    return _build_order(request, identify, body, status, intent, "dosageInstruction")


def _order_from_statement(
    statement: Mapping[str, Any], identify: MedicationIdentifier, body: BodySize
) -> MedicationOrder | None:
    status = as_str(statement.get("status"))
    if status not in STATEMENT_STATUSES:
        return None
    return _build_order(statement, identify, body, status, "statement", "dosage")


def _build_order(
    resource: Mapping[str, Any],
    identify: MedicationIdentifier,
    body: BodySize,
    status: str,
    intent: str,
    dosage_key: str,
) -> MedicationOrder | None:
    match = identify(resource)
    if match is None:
        return None
    dosages = dicts(resource.get(dosage_key))
    info = dose_from_dosages(
        dosages,
        strength_mg=match.strength_mg,
        strength_per_ml=strength_is_per_ml(match),
        weight_kg=body.weight_kg,
        bsa_m2=body.bsa_m2,
    )
    authored = parse_date(resource.get("authoredOn")) or parse_date(resource.get("dateAsserted"))
    bounds: Mapping[str, Any] = {}
    for dosage in dosages:
        bounds = as_dict(as_dict(as_dict(dosage.get("timing")).get("repeat")).get("boundsPeriod"))
        if bounds:
            break
    effective = as_dict(resource.get("effectivePeriod"))
    start = (
        parse_date(bounds.get("start"))
        or parse_date(effective.get("start"))
        or parse_date(resource.get("effectiveDateTime"))
        or authored
    )
    end = parse_date(bounds.get("end")) or parse_date(effective.get("end"))
    if end is None and start is not None and info.schedule_days is not None:
        end = start + timedelta(days=math.ceil(info.schedule_days))
    if end is None and status in ENDED_STATUSES:
        end = _last_known_date(resource, start)
    texts = [as_str(d.get("text")) for d in dosages]
    text = "; ".join(t for t in texts if t) or None
    return MedicationOrder(
        source_id=source_id(resource),
        medication=match,
        status=status,
        intent=intent,
        authored_on=authored,
        start=start,
        end=end,
        route=_route(info.route, match),
        dose_mg=info.dose_mg,
        daily_dose_mg=info.daily_dose_mg,
        dose_per_m2_mg=info.per_m2,
        dose_per_kg_mg=info.per_kg,
        interval_days=info.interval_days,
        planned_doses=info.planned_doses,
        dosage_text=text,
    )


def map_orders(
    requests: Iterable[object],
    medications_by_ref: Mapping[str, Mapping[str, Any]],
    *,
    weight_kg: float | None = None,
    bsa_m2: float | None = None,
    identify: MedicationIdentifier | None = None,
) -> tuple[MedicationOrder, ...]:
    """MedicationRequests (and MedicationStatements) that count as therapy; never raises.

    ``identify``: an identifier over the same ``medications_by_ref``, to share its memo
    with the other mappers of one patient (speed).
    """
    body = BodySize(weight_kg, bsa_m2)
    if identify is None:
        identify = MedicationIdentifier(medications_by_ref)
    out: list[MedicationOrder] = []
    for resource in requests:
        if not isinstance(resource, Mapping):
            continue
        if resource.get("resourceType") == "MedicationStatement":
            order = _order_from_statement(resource, identify, body)
        else:
            order = _order_from_request(resource, identify, body)
        if order is not None:
            out.append(order)
    return tuple(out)


def map_administrations(
    administrations: Iterable[object],
    medications_by_ref: Mapping[str, Mapping[str, Any]],
    *,
    weight_kg: float | None = None,
    bsa_m2: float | None = None,
    identify: MedicationIdentifier | None = None,
) -> tuple[DoseGiven, ...]:
    """Doses actually given (completed or in-progress), oldest first; never raises.

    ``identify``: as for ``map_orders``.
    """
    out: list[DoseGiven] = []
    if identify is None:
        identify = MedicationIdentifier(medications_by_ref)
    for resource in administrations:
        if not isinstance(resource, Mapping):
            continue
        if as_str(resource.get("status")) not in ADMINISTRATION_STATUSES:
            continue
        when = (
            parse_date(resource.get("effectiveDateTime"))
            or parse_date(as_dict(resource.get("effectivePeriod")).get("start"))
            or parse_date(resource.get("occurenceDateTime"))
        )
        match = identify(resource)
        if when is None or match is None:
            continue
        info = dose_from_dosage(
            resource.get("dosage"),
            strength_mg=match.strength_mg,
            strength_per_ml=strength_is_per_ml(match),
            weight_kg=weight_kg,
            bsa_m2=bsa_m2,
        )
        out.append(
            DoseGiven(
                match.agent, when, info.dose_mg, _route(info.route, match), source_id(resource)
            )
        )
    return tuple(sorted(out, key=lambda d: d.when))


@dataclass(slots=True)
class _Segment:
    start: date
    end: date | None
    orders: list[MedicationOrder] = field(default_factory=list)
    doses: list[DoseGiven] = field(default_factory=list)


def _effective_end(order: MedicationOrder, start: date, today: date) -> date | None:
    """When an order stopped being current (``None``: still current at ``today``)."""
    if order.status in ENDED_STATUSES:
        return order.end or start
    if order.end is None or order.end >= today:
        return None
    return order.end


def _order_segments(orders: Sequence[MedicationOrder], today: date) -> list[_Segment]:
    dated = [(o.start or o.authored_on, o) for o in orders]
    segments: list[_Segment] = []
    for start, order in sorted(
        ((s, o) for s, o in dated if s is not None), key=lambda pair: pair[0]
    ):
        end = _effective_end(order, start, today)
        current = segments[-1] if segments else None
        if current is not None and (
            current.end is None or (start - current.end).days <= COURSE_GAP_DAYS
        ):
            current.orders.append(order)
            current.end = None if current.end is None or end is None else max(current.end, end)
        else:
            segments.append(_Segment(start, end, [order]))
    return segments


def _attach_doses(segments: list[_Segment], doses: Sequence[DoseGiven], today: date) -> None:
    gap = timedelta(days=COURSE_GAP_DAYS)
    loose: list[DoseGiven] = []
    for dose in sorted(doses, key=lambda d: d.when):
        home = next(
            (
                s
                for s in segments
                if s.orders and s.start - gap <= dose.when <= (s.end or today) + gap
            ),
            None,
        )
        if home is None:
            loose.append(dose)
        else:
            home.doses.append(dose)
    for dose in loose:
        current = segments[-1] if segments and not segments[-1].orders else None
        last = current.doses[-1].when if current is not None else None
        if (
            current is not None
            and last is not None
            and (dose.when - last).days <= ADMIN_ONLY_GAP_DAYS
        ):
            current.doses.append(dose)
        else:
            segments.append(_Segment(dose.when, dose.when, [], [dose]))


def _close_segment(segment: _Segment, today: date) -> None:
    """Dates of a segment from its doses: finite schedules end at the last planned dose."""
    if not segment.doses:
        return
    first, last = segment.doses[0].when, segment.doses[-1].when
    segment.start = min(segment.start, first)
    if not segment.orders:
        gaps = [
            (b.when - a.when).days for a, b in zip(segment.doses, segment.doses[1:], strict=False)
        ]
        interval = statistics.median(gaps) if gaps else COURSE_GAP_DAYS
        due = last + timedelta(days=interval + ADMIN_GRACE_DAYS)
        segment.end = None if today <= due else last
        return
    latest = max(segment.orders, key=lambda o: o.start or o.authored_on or date.min)
    schedule_done = latest.planned_doses is not None and len(segment.doses) >= latest.planned_doses
    if schedule_done or (segment.end is not None and last > segment.end):
        segment.end = last


def _course(agent: Agent, segment: _Segment) -> TherapyCourse:
    orders = tuple(sorted(segment.orders, key=lambda o: o.start or o.authored_on or date.min))
    doses = tuple(segment.doses)
    latest = orders[-1] if orders else None
    route = latest.route if latest is not None else Route.UNKNOWN
    if route is Route.UNKNOWN:
        route = next((d.route for d in reversed(doses) if d.route is not Route.UNKNOWN), route)
    known = [d.dose_mg for d in doses if d.dose_mg is not None]
    cumulative = sum(known) if doses and len(known) == len(doses) else None
    return TherapyCourse(
        agent=agent,
        start=segment.start,
        end=segment.end,
        route=route,
        daily_dose_mg=latest.daily_dose_mg if latest is not None else None,
        orders=orders,
        administrations=doses,
        cumulative_dose_mg=cumulative,
    )


def build_courses(
    orders: Iterable[MedicationOrder], doses: Iterable[DoseGiven], today: date
) -> tuple[TherapyCourse, ...]:
    """Merge orders and administrations of each agent into courses, oldest first."""
    orders_by_agent: dict[Agent, list[MedicationOrder]] = defaultdict(list)
    doses_by_agent: dict[Agent, list[DoseGiven]] = defaultdict(list)
    for order in orders:
        orders_by_agent[order.medication.agent].append(order)
    for dose in doses:
        doses_by_agent[dose.agent].append(dose)
    courses: list[TherapyCourse] = []
    for agent in sorted(set(orders_by_agent) | set(doses_by_agent)):
        segments = _order_segments(orders_by_agent.get(agent, []), today)
        _attach_doses(segments, doses_by_agent.get(agent, []), today)
        for segment in segments:
            _close_segment(segment, today)
            courses.append(_course(agent, segment))
    return tuple(sorted(courses, key=lambda c: (c.start, c.agent)))


def _recent(course: TherapyCourse, today: date) -> bool:
    if course.end is None or (today - course.end).days <= INDUCTION_RECENCY_DAYS:
        return True
    return (
        course.agent is Agent.CYCLOPHOSPHAMIDE
        and (today - course.start).days <= PULSE_COURSE_ASSESSMENT_DAYS
    )


def is_maintenance_mycophenolate(course: TherapyCourse, courses: Sequence[TherapyCourse]) -> bool:
    """A mycophenolate course below the induction dose, started after a finished CYC course."""
    limit = MAINTENANCE_MAX_DAILY_MG.get(course.agent)
    if limit is None or course.daily_dose_mg is None or course.daily_dose_mg >= limit:
        return False
    return any(
        c.agent is Agent.CYCLOPHOSPHAMIDE and c.end is not None and c.end <= course.start
        for c in courses
    )


def _kind(backbone: TherapyCourse, addons: Sequence[TherapyCourse]) -> RegimenKind:
    agents = {c.agent for c in addons}
    if backbone.agent is Agent.CYCLOPHOSPHAMIDE:
        if Agent.BELIMUMAB in agents:
            return RegimenKind.CYCLOPHOSPHAMIDE_BELIMUMAB
        if backbone.route is Route.ORAL:
            return RegimenKind.CYCLOPHOSPHAMIDE_ORAL
        return RegimenKind.CYCLOPHOSPHAMIDE_IV
    if Agent.VOCLOSPORIN in agents:
        return RegimenKind.MYCOPHENOLATE_VOCLOSPORIN
    if Agent.TACROLIMUS in agents:
        return RegimenKind.MULTITARGET
    if Agent.BELIMUMAB in agents:
        return RegimenKind.MYCOPHENOLATE_BELIMUMAB
    return RegimenKind.MYCOPHENOLATE


#: Agents that join a backbone in a recognised combination (cyclosporine is kept with
#: the regimen for the CNI caveat, although no named regimen pairs it with MMF).
ADD_ON_AGENTS: Mapping[Agent, frozenset[Agent]] = {
    Agent.MYCOPHENOLATE_MOFETIL: frozenset(
        {Agent.BELIMUMAB, Agent.VOCLOSPORIN, Agent.TACROLIMUS, Agent.CYCLOSPORINE}
    ),
    Agent.MYCOPHENOLATE_SODIUM: frozenset(
        {Agent.BELIMUMAB, Agent.VOCLOSPORIN, Agent.TACROLIMUS, Agent.CYCLOSPORINE}
    ),
    Agent.CYCLOPHOSPHAMIDE: frozenset({Agent.BELIMUMAB}),
}


def find_induction(courses: Sequence[TherapyCourse], today: date) -> InductionRegimen | None:
    """The current induction regimen (see module docstring), else ``None``."""
    recent = [c for c in courses if _recent(c, today) and c.start <= today]
    backbones = [
        c
        for c in recent
        if c.agent in BACKBONE_AGENTS and not is_maintenance_mycophenolate(c, courses)
    ]
    if backbones:
        backbone = max(backbones, key=lambda c: (c.start, c.end is None))
        allowed = ADD_ON_AGENTS[backbone.agent]
        addons = [
            c
            for c in recent
            if c.agent in allowed and abs((c.start - backbone.start).days) <= REGIMEN_WINDOW_DAYS
        ]
        members = (backbone, *sorted(addons, key=lambda c: (c.start, c.agent)))
        return InductionRegimen(
            kind=_kind(backbone, addons),
            start=backbone.start,
            primary_agent=backbone.agent,
            courses=members,
            contains_cni=any(c.agent in CALCINEURIN_INHIBITORS for c in members),
        )
    cnis = [c for c in recent if c.agent in CALCINEURIN_INHIBITORS]
    if not cnis:
        return None
    cni = max(cnis, key=lambda c: (c.start, c.end is None))
    return InductionRegimen(RegimenKind.CNI_MONOTHERAPY, cni.start, cni.agent, (cni,), True)


def maintenance_courses(
    courses: Sequence[TherapyCourse], induction: InductionRegimen | None
) -> tuple[TherapyCourse, ...]:
    """Azathioprine courses and low-dose mycophenolate after cyclophosphamide (not induction)."""
    in_induction = set(induction.courses) if induction is not None else set()
    return tuple(
        c
        for c in courses
        if c not in in_induction
        and (c.agent is Agent.AZATHIOPRINE or is_maintenance_mycophenolate(c, courses))
    )
