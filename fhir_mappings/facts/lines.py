"""The course of treatment as lines of therapy.

A line is the set of lupus nephritis immunosuppressants given together from one
change of treatment to the next. Starting an agent (an add-on, a switch), a new
cyclophosphamide or anti-CD20 course, a step-down to maintenance and a return to
induction doses each start a new line; a dose change within a phase and the end of a
finite course (the last pulse, the last infusion) do not. ``fhir_mappings.read.lines``
builds them; the rules judge the response of the current line from its
``clock_start`` and know what earlier lines tried.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from fhir_mappings.facts.medications import (
    BACKBONE_AGENTS,
    CALCINEURIN_INHIBITORS,
    Agent,
    DoseGiven,
    MedicationOrder,
    Route,
    TherapyCourse,
    UnidentifiedMedication,
)


class LineRole(StrEnum):
    """What a line is for."""

    INDUCTION = "induction"  # the first line, a switch, or a return to induction
    ADD_ON = "add-on"  # an agent added to a line that goes on
    MAINTENANCE = "maintenance"  # azathioprine or mycophenolate at maintenance dose


class LineChange(StrEnum):
    """The change of treatment that started a line."""

    FIRST = "first"  # the first line in the record read
    ADDED = "added"  # an agent added while the others go on
    SWITCHED = "switched"  # a backbone replaced by another (MMF <-> cyclophosphamide)
    NEW_COURSE = "new-course"  # a new course of an agent given in courses (CYC, anti-CD20)
    STEP_DOWN = "step-down"  # induction -> maintenance (agent or dose)
    RE_INDUCTION = "re-induction"  # back to induction after maintenance or a pause


class RegimenKind(StrEnum):
    """Regimens recognised (KDIGO 2024 / ACR 2024 / EULAR 2019 / the review)."""

    MYCOPHENOLATE = "mycophenolate"
    CYCLOPHOSPHAMIDE_IV = "cyclophosphamide-iv"
    CYCLOPHOSPHAMIDE_ORAL = "cyclophosphamide-oral"
    MULTITARGET = "multitarget"  # mycophenolate + tacrolimus (+ glucocorticoids)
    MYCOPHENOLATE_BELIMUMAB = "mycophenolate-belimumab"
    MYCOPHENOLATE_VOCLOSPORIN = "mycophenolate-voclosporin"
    CYCLOPHOSPHAMIDE_BELIMUMAB = "cyclophosphamide-belimumab"
    CNI_MONOTHERAPY = "cni-monotherapy"
    ANTI_CD20 = "anti-cd20"  # rituximab or obinutuzumab without a backbone
    AZATHIOPRINE = "azathioprine"
    OTHER = "other"


class PulseScheme(StrEnum):
    """IV cyclophosphamide schedules the rules count pulses against."""

    EURO_LUPUS = "euro-lupus"  # 500 mg every 2 weeks x 6
    NIH = "nih"  # 0.5-1 g/m2 monthly x 6
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class PulseDelivery:
    """The pulses of one IV course in a line: scheme, plan and what was given.

    ``given`` holds every dose of the course up to the line's end, those given before
    the line started included (a course carried into an add-on line), so the delivery
    and the cumulative dose are the course's.
    """

    scheme: PulseScheme
    interval_days: float | None  # between pulses, from the order (else the scheme)
    planned: int | None  # pulses planned by the order (repeat.count), if stated
    given: tuple[DoseGiven, ...]  # the course's administrations to the line's end, oldest first
    cumulative_mg: float | None  # sum of the doses given, when every dose is known


@dataclass(frozen=True, slots=True)
class LineAgent:
    """One agent of a line, with the dose it runs at in that line."""

    agent: Agent
    start: date  # the agent's course start (before the line when carried over)
    end: date | None  # the course end (None: ongoing)
    route: Route
    daily_dose_mg: float | None  # the latest order's daily dose in the line (None: unknown)
    dose_order: MedicationOrder | None  # the order that dose comes from
    on_hold: bool  # the latest order is on hold: no current dose, no adherence judgement
    course: TherapyCourse
    pulses: PulseDelivery | None = None  # IV courses given in pulses


@dataclass(frozen=True, slots=True)
class TherapyLine:
    """One line of therapy; ``clock_start`` is where its response is judged from.

    For induction and add-on lines the clock starts with the line. A maintenance line
    keeps the clock of the induction it follows (after Euro-Lupus cyclophosphamide the
    response is still judged from the first pulse).
    """

    number: int  # 1 = the oldest line in the record read
    start: date
    end: date | None  # None: the line goes on at the evaluation date
    role: LineRole
    change: LineChange
    agents: tuple[LineAgent, ...]  # the backbone first
    added: tuple[Agent, ...]  # agents whose start made this line
    stopped: tuple[Agent, ...]  # agents of the previous line that this one no longer has
    regimen: RegimenKind
    clock_start: date

    @property
    def agent_set(self) -> frozenset[Agent]:
        return frozenset(a.agent for a in self.agents)

    @property
    def backbone(self) -> LineAgent | None:
        return next((a for a in self.agents if a.agent in BACKBONE_AGENTS), None)

    @property
    def contains_cni(self) -> bool:
        return any(a.agent in CALCINEURIN_INHIBITORS for a in self.agents)

    def agent(self, agent: Agent) -> LineAgent | None:
        return next((a for a in self.agents if a.agent is agent), None)


@dataclass(frozen=True, slots=True)
class TreatmentHistory:
    """Every line of therapy in the record read, and what could not be identified.

    ``current`` is the line in force at the evaluation date: the last line, unless
    every agent of it ended longer ago than the recency window (then ``None``: off
    therapy). ``unidentified`` lists orders whose medication could not be read: while
    one stands, the regimen is unknown.
    """

    orders: tuple[MedicationOrder, ...]
    administrations: tuple[DoseGiven, ...]
    courses: tuple[TherapyCourse, ...]
    lines: tuple[TherapyLine, ...]
    current: TherapyLine | None
    unidentified: tuple[UnidentifiedMedication, ...] = ()

    def earlier_lines(self) -> tuple[TherapyLine, ...]:
        """The lines before the current one (every line when none is current)."""
        if self.current is None:
            return self.lines
        return tuple(line for line in self.lines if line.number < self.current.number)
