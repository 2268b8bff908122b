"""Courses of lupus nephritis agents -> lines of therapy (``TreatmentHistory``).

How the record is walked, oldest first (every window is a ``TreatmentWindows`` or
``DoseTargets`` field of the ruleset):

* Only the agents of ``LINE_AGENTS`` make lines; hydroxychloroquine and
  glucocorticoids are background therapy.
* A mycophenolate course is split where its dose crosses the maintenance dose
  (``maintenance_mmf_max_mg_day``, ``maintenance_mps_max_mg_day``): after an induction,
  a step down to that dose or below is a maintenance line whose response clock keeps
  running from the induction; a step back above it is a re-induction. A dose change of
  a course the current line no longer holds (a backbone tapered after a switch) starts
  no line.
* An agent that starts while a line goes on joins that line when it starts within
  ``regimen_window_days`` of the line's start (agents started together); later it
  starts a new line: an add-on (the others go on), a switch (a backbone replaced by
  another one stopped within ``switch_overlap_days``), or maintenance (azathioprine or
  maintenance-dose mycophenolate after an induction).
* A new course of an agent already in the line (a second cyclophosphamide course, an
  anti-CD20 re-dose) starts a new line.
* The end of a finite course (the last pulse or infusion) does not end the line: a line
  of pulses stays current for ``pulse_line_days`` unless another line starts.
* The current line is the last one, unless every agent of it ended more than
  ``line_recency_days`` ago.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from itertools import pairwise

from fhir_mappings.facts import (
    ANTI_CD20,
    BACKBONE_AGENTS,
    CALCINEURIN_INHIBITORS,
    LINE_AGENTS,
    Agent,
    DoseGiven,
    LineAgent,
    LineChange,
    LineRole,
    MedicationOrder,
    PulseDelivery,
    PulseScheme,
    RegimenKind,
    Route,
    TherapyCourse,
    TherapyLine,
    TreatmentHistory,
    UnidentifiedMedication,
)
from fhir_mappings.rulesets import DoseTargets, TreatmentWindows


@dataclass(frozen=True, slots=True)
class _Stretch:
    """A part of one course: the whole course, or a dose phase of a mycophenolate course."""

    agent: Agent
    start: date
    end: date | None
    course: TherapyCourse
    maintenance_dose: bool  # mycophenolate at or below the maintenance dose
    phase_change: bool  # starts where the same course crossed the maintenance dose


def _maintenance_max(agent: Agent, doses: DoseTargets) -> float | None:
    if agent is Agent.MYCOPHENOLATE_MOFETIL:
        return doses.maintenance_mmf_max_mg_day
    if agent is Agent.MYCOPHENOLATE_SODIUM:
        return doses.maintenance_mps_max_mg_day
    return None


def _order_start(order: MedicationOrder) -> date | None:
    return order.start or order.authored_on


def _stretches(course: TherapyCourse, doses: DoseTargets) -> list[_Stretch]:
    """The course, split where a mycophenolate dose crosses the maintenance dose."""
    limit = _maintenance_max(course.agent, doses)
    if limit is None:
        return [_Stretch(course.agent, course.start, course.end, course, False, False)]
    phases: list[tuple[date, bool]] = []
    for order in sorted(course.orders, key=lambda o: _order_start(o) or course.start):
        if order.daily_dose_mg is None or order.status == "on-hold":
            continue  # an unknown or held dose keeps the phase it is in
        low = order.daily_dose_mg <= limit
        start = max(_order_start(order) or course.start, course.start)
        if not phases or phases[-1][1] is not low:
            phases.append((start, low))
    if not phases:
        return [_Stretch(course.agent, course.start, course.end, course, False, False)]
    out: list[_Stretch] = []
    for i, (start, low) in enumerate(phases):
        begin = course.start if i == 0 else start
        end = phases[i + 1][0] if i + 1 < len(phases) else course.end
        out.append(_Stretch(course.agent, begin, end, course, low, i > 0))
    return out


def _finite(course: TherapyCourse) -> bool:
    """Given in pulses or infusions whose course ends while its effect is judged."""
    if course.agent in ANTI_CD20:
        return True
    return course.agent is Agent.CYCLOPHOSPHAMIDE and course.route is not Route.ORAL


@dataclass(slots=True)
class _Line:
    start: date
    role: LineRole
    change: LineChange
    clock_start: date
    members: list[_Stretch] = field(default_factory=list)
    added: list[Agent] = field(default_factory=list)
    stopped: list[Agent] = field(default_factory=list)
    end: date | None = None

    def agents(self) -> set[Agent]:
        return {m.agent for m in self.members}

    def active_at(self, day: date, windows: TreatmentWindows) -> list[_Stretch]:
        """Members still going at ``day`` (a finite course: within its assessment window)."""
        out = []
        for member in self.members:
            if _finite(member.course):
                if (day - member.start).days <= windows.pulse_line_days:
                    out.append(member)
            elif member.end is None or member.end >= day:
                out.append(member)
        return out

    def last_end(self) -> date | None:
        """When the last member ended (``None``: one goes on)."""
        ends = [m.end for m in self.members]
        return None if any(e is None for e in ends) else max(e for e in ends if e is not None)


def _is_maintenance(stretch: _Stretch) -> bool:
    return stretch.agent is Agent.AZATHIOPRINE or stretch.maintenance_dose


def _open(
    lines: list[_Line], stretch: _Stretch, role: LineRole, change: LineChange, clock: date
) -> _Line:
    line = _Line(stretch.start, role, change, clock, [stretch], [stretch.agent])
    lines.append(line)
    return line


def _carry(line: _Line, previous: _Line, day: date, windows: TreatmentWindows) -> None:
    """Members of ``previous`` still going at ``day`` go on in ``line``."""
    carried = [m for m in previous.active_at(day, windows) if m.agent not in line.agents()]
    line.members[0:0] = carried
    kept = line.agents()
    line.stopped = sorted(a for a in previous.agents() if a not in kept)


def _next_line(lines: list[_Line], stretch: _Stretch, windows: TreatmentWindows) -> _Line | None:
    """Where ``stretch`` goes: into the current line (``None`` returned) or a new one."""
    day = stretch.start
    current = lines[-1] if lines else None
    if current is None:
        role = LineRole.MAINTENANCE if stretch.agent is Agent.AZATHIOPRINE else LineRole.INDUCTION
        return _open(lines, stretch, role, LineChange.FIRST, day)
    active = current.active_at(day, windows)
    induction_before = current.role is not LineRole.MAINTENANCE
    if stretch.phase_change:
        if not any(m.course is stretch.course for m in current.members):
            return None  # a dose change of an agent the line no longer holds (switched away)
        if stretch.maintenance_dose and induction_before:
            line = _open(
                lines, stretch, LineRole.MAINTENANCE, LineChange.STEP_DOWN, current.clock_start
            )
        elif not stretch.maintenance_dose and not induction_before:
            line = _open(lines, stretch, LineRole.INDUCTION, LineChange.RE_INDUCTION, day)
        else:
            current.members = [m for m in current.members if m.course is not stretch.course]
            current.members.append(stretch)
            return None
        _carry(line, current, day, windows)
        line.members = [m for m in line.members if m.course is not stretch.course or m is stretch]
        line.added = []  # a dose change of a course going on: no agent started
        return line
    if stretch.agent in current.agents():
        if _is_maintenance(stretch):  # maintenance resumed: the induction's clock goes on
            line = _open(
                lines, stretch, LineRole.MAINTENANCE, LineChange.NEW_COURSE, current.clock_start
            )
            _carry(line, current, day, windows)
            return line
        line = _open(lines, stretch, LineRole.INDUCTION, LineChange.NEW_COURSE, day)
        _carry(line, current, day, windows)
        if any(m.agent in BACKBONE_AGENTS for m in active if m.agent is not stretch.agent):
            line.role = LineRole.ADD_ON
        return line
    switched = _switch(lines, current, stretch, day, windows)
    if switched is not None:
        return switched
    joins = (day - current.start).days <= windows.regimen_window_days
    if joins and current.role is not LineRole.MAINTENANCE and not _is_maintenance(stretch):
        current.members.append(stretch)
        current.added.append(stretch.agent)
        if stretch.agent in current.stopped:  # stopped at the line's start, restarted in it
            current.stopped.remove(stretch.agent)
        return None
    if _is_maintenance(stretch):  # after an induction, or one maintenance agent for another
        change = LineChange.STEP_DOWN if induction_before else LineChange.SWITCHED
        line = _open(lines, stretch, LineRole.MAINTENANCE, change, current.clock_start)
        _carry(line, current, day, windows)
        # Maintenance follows the induction: its induction agents do not go on with it.
        line.members = [m for m in line.members if m is stretch or not _ended_soon(m, day, windows)]
        line.stopped = sorted(a for a in current.agents() if a not in line.agents())
        return line
    if active:
        line = _open(lines, stretch, LineRole.ADD_ON, LineChange.ADDED, day)
        _carry(line, current, day, windows)
        return line
    line = _open(lines, stretch, _role_alone(stretch), LineChange.RE_INDUCTION, day)
    _carry(line, current, day, windows)  # nothing goes on: this records what stopped
    return line


def _switch(
    lines: list[_Line], current: _Line, stretch: _Stretch, day: date, windows: TreatmentWindows
) -> _Line | None:
    """A backbone that replaces another one stopped within the switch window: a new
    induction line (even inside the regimen window: a switch is never a combination)."""
    if stretch.agent not in BACKBONE_AGENTS or _is_maintenance(stretch):
        return None
    old = [
        m for m in current.members if m.agent in BACKBONE_AGENTS and m.agent is not stretch.agent
    ]
    if not old or not all(_ended_soon(m, day, windows) for m in old):
        return None
    line = _open(lines, stretch, LineRole.INDUCTION, LineChange.SWITCHED, day)
    _carry(line, current, day, windows)
    line.members = [m for m in line.members if m not in old]
    line.stopped = sorted(a for a in current.agents() if a not in line.agents())
    return line


def _role_alone(stretch: _Stretch) -> LineRole:
    return LineRole.MAINTENANCE if stretch.agent is Agent.AZATHIOPRINE else LineRole.INDUCTION


def _ended_soon(member: _Stretch, day: date, windows: TreatmentWindows) -> bool:
    """Ended (or ends) within the switch window around ``day``; a finite course counts as
    ended once its last dose is given."""
    end = member.course.end if _finite(member.course) else member.end
    return end is not None and (end - day).days <= windows.switch_overlap_days


def _regimen(agents: set[Agent], backbone: _Stretch | None) -> RegimenKind:
    if backbone is not None and backbone.agent is Agent.CYCLOPHOSPHAMIDE:
        if Agent.BELIMUMAB in agents:
            return RegimenKind.CYCLOPHOSPHAMIDE_BELIMUMAB
        if backbone.course.route is Route.ORAL:
            return RegimenKind.CYCLOPHOSPHAMIDE_ORAL
        return RegimenKind.CYCLOPHOSPHAMIDE_IV
    if backbone is not None:
        if Agent.VOCLOSPORIN in agents:
            return RegimenKind.MYCOPHENOLATE_VOCLOSPORIN
        if Agent.TACROLIMUS in agents:
            return RegimenKind.MULTITARGET
        if Agent.BELIMUMAB in agents:
            return RegimenKind.MYCOPHENOLATE_BELIMUMAB
        return RegimenKind.MYCOPHENOLATE
    if agents & CALCINEURIN_INHIBITORS:
        return RegimenKind.CNI_MONOTHERAPY
    if agents & ANTI_CD20:
        return RegimenKind.ANTI_CD20
    if Agent.AZATHIOPRINE in agents:
        return RegimenKind.AZATHIOPRINE
    return RegimenKind.OTHER


def _orders_in(
    member: _Stretch, start: date, end: date | None, next_start: date | None
) -> list[MedicationOrder]:
    """The course's orders that were in force during ``[start, end]``, oldest first.

    An order starting the day the next line starts (``next_start``) belongs to that line:
    the 2 g/day order of a step-down is the maintenance line's dose, not the induction's.
    """
    out = []
    for order in member.course.orders:
        begin = _order_start(order)
        if begin is None or (end is not None and begin > end):
            continue
        if next_start is not None and begin >= next_start and begin > start:
            continue
        if order.end is not None and order.end < start:
            continue
        out.append(order)
    return sorted(out, key=lambda o: _order_start(o) or date.min)


def _pulses(
    member: _Stretch, orders: Sequence[MedicationOrder], end: date | None, doses: DoseTargets
) -> PulseDelivery | None:
    """The course's doses given up to the line's end: a course carried into a later line
    (an add-on) keeps the pulses given before that line started."""
    course = member.course
    if not _finite(course) and not (course.administrations and course.route is not Route.ORAL):
        return None
    given = tuple(d for d in course.administrations if end is None or d.when <= end)
    order = orders[-1] if orders else None
    interval = order.interval_days if order is not None else None
    planned = order.planned_doses if order is not None else None
    scheme = PulseScheme.UNKNOWN
    if course.agent is Agent.CYCLOPHOSPHAMIDE:
        scheme = _scheme(order, given, doses)
    known = [d.dose_mg for d in given if d.dose_mg is not None]
    cumulative = sum(known) if given and len(known) == len(given) else None
    return PulseDelivery(scheme, interval, planned, given, cumulative)


def _scheme(
    order: MedicationOrder | None, given: Sequence[DoseGiven], doses: DoseTargets
) -> PulseScheme:
    """Euro-Lupus or NIH-type, from the ordered interval, else the doses' spacing, else
    a dose written per m2 (NIH-type); the nearer scheme interval wins, and an interval
    exactly between the two (21 days) reads as Euro-Lupus (CHOICE: the shorter schedule,
    so a pulse is counted as due sooner rather than later)."""
    interval = order.interval_days if order is not None else None
    if interval is None and len(given) >= 2:
        gaps = [(b.when - a.when).days for a, b in pairwise(given)]
        interval = sorted(gaps)[len(gaps) // 2]
    if interval is None:
        if order is not None and order.dose_per_m2_mg is not None:
            return PulseScheme.NIH
        return PulseScheme.UNKNOWN
    to_euro = abs(interval - doses.euro_lupus_interval_days)
    to_nih = abs(interval - doses.nih_interval_days)
    return PulseScheme.EURO_LUPUS if to_euro <= to_nih else PulseScheme.NIH


def _line_agent(
    member: _Stretch, start: date, end: date | None, next_start: date | None, doses: DoseTargets
) -> LineAgent:
    orders = _orders_in(member, start, end, next_start) or list(member.course.orders[-1:])
    latest = orders[-1] if orders else None
    on_hold = latest is not None and latest.status == "on-hold"
    dosed = [o for o in orders if o.status != "on-hold" and o.daily_dose_mg is not None]
    dose_order = None if on_hold or not dosed else dosed[-1]
    return LineAgent(
        agent=member.agent,
        start=member.course.start,
        end=member.course.end,
        route=member.course.route,
        daily_dose_mg=dose_order.daily_dose_mg if dose_order is not None else None,
        dose_order=dose_order,
        on_hold=on_hold,
        course=member.course,
        pulses=_pulses(member, orders, end, doses),
    )


def _freeze(
    lines: list[_Line], today: date, windows: TreatmentWindows, doses: DoseTargets
) -> list[TherapyLine]:
    out: list[TherapyLine] = []
    for i, line in enumerate(lines):
        following = lines[i + 1] if i + 1 < len(lines) else None
        end = following.start if following is not None else _last_line_end(line, today, windows)
        members = sorted(
            line.members, key=lambda m: (m.agent not in BACKBONE_AGENTS, m.start, m.agent)
        )
        next_start = following.start if following is not None else None
        agents = tuple(_line_agent(m, line.start, end, next_start, doses) for m in members)
        backbone = next((m for m in members if m.agent in BACKBONE_AGENTS), None)
        out.append(
            TherapyLine(
                number=i + 1,
                start=line.start,
                end=end,
                role=line.role,
                change=line.change,
                agents=agents,
                added=tuple(dict.fromkeys(line.added)),
                stopped=tuple(line.stopped),
                regimen=_regimen(line.agents(), backbone),
                clock_start=line.clock_start,
            )
        )
    return out


def _last_line_end(line: _Line, today: date, windows: TreatmentWindows) -> date | None:
    """The last line goes on while a member does (a finite course: within its window)."""
    if line.active_at(today, windows):
        return None
    return line.last_end()


def build_lines(
    courses: Iterable[TherapyCourse],
    today: date,
    windows: TreatmentWindows,
    doses: DoseTargets,
) -> tuple[tuple[TherapyLine, ...], TherapyLine | None]:
    """Every line of therapy, oldest first, and the current line (``None``: off therapy)."""
    stretches = [
        s
        for course in courses
        if course.agent in LINE_AGENTS and course.start <= today
        for s in _stretches(course, doses)
        if s.start <= today
    ]
    stretches.sort(key=lambda s: (s.start, s.agent not in BACKBONE_AGENTS, s.agent))
    lines: list[_Line] = []
    for stretch in stretches:
        _next_line(lines, stretch, windows)
    frozen = _freeze(lines, today, windows, doses)
    if not frozen:
        return (), None
    last = frozen[-1]
    current = (
        last if last.end is None or (today - last.end).days <= windows.line_recency_days else None
    )
    return tuple(frozen), current


def treatment_history(
    orders: Sequence[MedicationOrder],
    administrations: Sequence[DoseGiven],
    courses: Sequence[TherapyCourse],
    unidentified: Sequence[UnidentifiedMedication],
    today: date,
    windows: TreatmentWindows,
    doses: DoseTargets,
) -> TreatmentHistory:
    """The ``TreatmentHistory`` of one patient from the readers' output."""
    lines, current = build_lines(courses, today, windows, doses)
    return TreatmentHistory(
        orders=tuple(orders),
        administrations=tuple(administrations),
        courses=tuple(courses),
        lines=lines,
        current=current,
        unidentified=tuple(unidentified),
    )
