"""Orders and administrations of one agent -> courses.

* Orders of one agent merge into one course while the gap between one order's end and
  the next one's start is at most ``TreatmentWindows.course_gap_days``; a dose change
  is not a new course.
* Administrations join the course whose dates they fall in (with the same slack);
  administrations with no order form courses of their own while the doses are at most
  ``admin_only_gap_days`` apart, ongoing while the next dose is due.
* A finite schedule (``repeat.count`` doses) ends at its last dose once every planned
  dose is given.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from fhir_mappings.facts import Agent, DoseGiven, MedicationOrder, Route, TherapyCourse
from fhir_mappings.read.orders import ENDED_STATUSES
from fhir_mappings.rulesets import TreatmentWindows


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


def _order_segments(
    orders: Sequence[MedicationOrder], today: date, windows: TreatmentWindows
) -> list[_Segment]:
    dated = [(o.start or o.authored_on, o) for o in orders]
    segments: list[_Segment] = []
    for start, order in sorted(
        ((s, o) for s, o in dated if s is not None), key=lambda pair: pair[0]
    ):
        end = _effective_end(order, start, today)
        current = segments[-1] if segments else None
        if current is not None and (
            current.end is None or (start - current.end).days <= windows.course_gap_days
        ):
            current.orders.append(order)
            current.end = None if current.end is None or end is None else max(current.end, end)
        else:
            segments.append(_Segment(start, end, [order]))
    return segments


def _attach_doses(
    segments: list[_Segment],
    doses: Sequence[DoseGiven],
    today: date,
    windows: TreatmentWindows,
) -> None:
    gap = timedelta(days=windows.course_gap_days)
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
            and (dose.when - last).days <= windows.admin_only_gap_days
        ):
            current.doses.append(dose)
        else:
            segments.append(_Segment(dose.when, dose.when, [], [dose]))


def _close_segment(segment: _Segment, today: date, windows: TreatmentWindows) -> None:
    """Dates of a segment from its doses: finite schedules end at the last planned dose."""
    if not segment.doses:
        return
    first, last = segment.doses[0].when, segment.doses[-1].when
    segment.start = min(segment.start, first)
    if not segment.orders:
        gaps = [
            (b.when - a.when).days for a, b in zip(segment.doses, segment.doses[1:], strict=False)
        ]
        interval = statistics.median(gaps) if gaps else windows.course_gap_days
        due = last + timedelta(days=interval + windows.admin_grace_days)
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
    orders: Iterable[MedicationOrder],
    doses: Iterable[DoseGiven],
    today: date,
    windows: TreatmentWindows,
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
        segments = _order_segments(orders_by_agent.get(agent, []), today, windows)
        _attach_doses(segments, doses_by_agent.get(agent, []), today, windows)
        for segment in segments:
            _close_segment(segment, today, windows)
            courses.append(_course(agent, segment))
    return tuple(sorted(courses, key=lambda c: (c.start, c.agent)))
