"""Hand-built facts for the rules tests: the contract between the two stages, no FHIR.

The rules judge ``PatientFacts``; these builders make them directly, so a test states
the one fact it varies (a UPCR, a PDC, a pulse date) and nothing else moves. Days are
counted from ``START``, the start of the default line: mycophenolate mofetil 3 g/day
from ``START`` as the only line, refills covering 95 % of days, a woman aged 31 with no
safety event. Clinical scenarios built from EHR-shaped FHIR are in ``tests/scenarios``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, time, timedelta

from fhir_mappings.facts import (
    ANTI_CD20,
    BACKBONE_AGENTS,
    CALCINEURIN_INHIBITORS,
    CANONICAL_UNIT,
    MYCOPHENOLATES,
    Agent,
    AgentExposure,
    Analyte,
    Biopsy,
    Certainty,
    ConditionFact,
    DoseGiven,
    Fill,
    LabPoint,
    LabResults,
    LabSeries,
    LineAgent,
    LineChange,
    LineRole,
    MatchMethod,
    MedicationMatch,
    MedicationOrder,
    PatientFacts,
    PatientRecord,
    PregnancyTest,
    PulseDelivery,
    PulseScheme,
    Refills,
    RefillStatus,
    RegimenKind,
    Route,
    SafetyEvent,
    SafetyKind,
    SafetyRecord,
    Sex,
    TestResult,
    TherapyCourse,
    TherapyLine,
    TreatmentHistory,
    UnidentifiedMedication,
    UnreadableResult,
)
from fhir_mappings.findings import Finding, Topic
from fhir_mappings.resources import DataGap
from fhir_mappings.rules.algorithm import Outcome, findings_for
from fhir_mappings.rulesets import get_ruleset

START = date(2024, 1, 1)
TODAY_N = 200  # the default evaluation date: day 200 of the line (6.6 months)
LN = ConditionFact(
    "M32.14", "http://hl7.org/fhir/sid/icd-10-cm", None, None, None, "IV", "Condition/ln"
)
MMF = Agent.MYCOPHENOLATE_MOFETIL
MPS = Agent.MYCOPHENOLATE_SODIUM
CYC = Agent.CYCLOPHOSPHAMIDE
_IV_AGENTS = ANTI_CD20 | {Agent.BELIMUMAB, Agent.ANIFROLUMAB}


def day(n: float) -> date:
    """The date ``n`` days after ``START`` (negative: before it)."""
    return START + timedelta(days=n)


# --- labs -------------------------------------------------------------------------------


def point(analyte: Analyte, when: date, value: float, comparator: str | None = None) -> LabPoint:
    """A result in the analyte's canonical unit, dated at midnight UTC of ``when``."""
    unit = CANONICAL_UNIT[analyte]
    return LabPoint(
        analyte=analyte,
        when=datetime.combine(when, time(), tzinfo=UTC),
        value=value,
        unit=unit,
        comparator=comparator,
        original_value=value,
        original_unit=unit,
        code="test",
        source_id=f"Observation/{analyte.value}-{when.isoformat()}",
    )


def upcr(n: float, value: float, comparator: str | None = None) -> LabPoint:
    return point(Analyte.UPCR, day(n), value, comparator)


def protein_24h(n: float, value: float, comparator: str | None = None) -> LabPoint:
    return point(Analyte.PROTEIN_24H, day(n), value, comparator)


def creat(n: float, value: float, comparator: str | None = None) -> LabPoint:
    return point(Analyte.CREATININE, day(n), value, comparator)


def egfr(n: float, value: float, comparator: str | None = None) -> LabPoint:
    return point(Analyte.EGFR, day(n), value, comparator)


def unreadable(n: float, analyte: Analyte = Analyte.UPCR) -> UnreadableResult:
    """A proteinuria result whose value could not be read (``"<0.1"`` with no unit)."""
    when = datetime.combine(day(n), time(), tzinfo=UTC)
    return UnreadableResult(analyte, when, f"Observation/unread-{n}", "no unit")


def labs(points: Iterable[LabPoint], unread: Sequence[UnreadableResult] = ()) -> LabResults:
    by: dict[Analyte, list[LabPoint]] = {}
    for p in points:
        by.setdefault(p.analyte, []).append(p)
    series = {a: LabSeries(a, tuple(sorted(ps, key=lambda p: p.when))) for a, ps in by.items()}
    return LabResults(series, unreadable=tuple(unread))


# --- treatment ----------------------------------------------------------------------------


def default_route(agent: Agent) -> Route:
    return Route.INTRAVENOUS if agent in _IV_AGENTS else Route.ORAL


def order(
    agent: Agent,
    daily_mg: float | None,
    *,
    start: date = START,
    end: date | None = None,
    status: str = "active",
    route: Route | None = None,
    source_id: str | None = None,
) -> MedicationOrder:
    """An order of ``agent`` at ``daily_mg`` a day (in two doses when oral)."""
    match = MedicationMatch(agent, MatchMethod.CODING, None, None, None, None)
    return MedicationOrder(
        source_id=source_id or f"MedicationRequest/{agent.value}-{start.isoformat()}",
        medication=match,
        status=status,
        intent="order",
        authored_on=start,
        start=start,
        end=end,
        route=route or default_route(agent),
        dose_mg=None if daily_mg is None else daily_mg / 2,
        daily_dose_mg=daily_mg,
        dose_per_m2_mg=None,
        dose_per_kg_mg=None,
        interval_days=None,
        planned_doses=None,
        dosage_text=None,
    )


def given(n: float, mg: float | None = 500.0, agent: Agent = CYC) -> DoseGiven:
    """An IV dose given on day ``n``."""
    return DoseGiven(agent, day(n), mg, Route.INTRAVENOUS, f"MedicationAdministration/{n}")


def pulses(
    *days_given: float,
    scheme: PulseScheme = PulseScheme.EURO_LUPUS,
    mg: float | None = 500.0,
    interval_days: float | None = None,
    planned: int | None = None,
) -> PulseDelivery:
    """Cyclophosphamide pulses given on ``days_given`` (their schedule from ``scheme``)."""
    doses = tuple(given(n, mg) for n in days_given)
    cumulative = sum(mg for _ in doses) if mg is not None and doses else None
    return PulseDelivery(scheme, interval_days, planned, doses, cumulative)


def member(
    agent: Agent,
    daily_mg: float | None = None,
    *,
    route: Route | None = None,
    start: date = START,
    end: date | None = None,
    on_hold: bool = False,
    pulses: PulseDelivery | None = None,
    dose_order: MedicationOrder | None = None,
) -> LineAgent:
    """One agent of a line; an oral dose comes with the order it was read from."""
    route = route or default_route(agent)
    status = "on-hold" if on_hold else "active"
    written = order(agent, daily_mg, start=start, end=end, status=status, route=route)
    if dose_order is None and daily_mg is not None and not on_hold:
        dose_order = written
    course = TherapyCourse(
        agent=agent,
        start=start,
        end=end,
        route=route,
        daily_dose_mg=daily_mg,
        orders=(written,),
        administrations=pulses.given if pulses is not None else (),
        cumulative_dose_mg=pulses.cumulative_mg if pulses is not None else None,
    )
    return LineAgent(
        agent=agent,
        start=start,
        end=end,
        route=route,
        daily_dose_mg=None if on_hold else daily_mg,
        dose_order=dose_order,
        on_hold=on_hold,
        course=course,
        pulses=pulses,
    )


def mmf(
    grams: float = 3.0, *, start: date = START, end: date | None = None, on_hold: bool = False
) -> LineAgent:
    """Mycophenolate mofetil at ``grams`` a day."""
    return member(MMF, grams * 1000, start=start, end=end, on_hold=on_hold)


def cyc_iv(
    *days_given: float,
    scheme: PulseScheme = PulseScheme.EURO_LUPUS,
    mg: float | None = 500.0,
    interval_days: float | None = None,
    planned: int | None = None,
) -> LineAgent:
    """IV cyclophosphamide (Euro-Lupus unless told), pulses given on ``days_given``."""
    delivery = pulses(
        *days_given, scheme=scheme, mg=mg, interval_days=interval_days, planned=planned
    )
    start = day(days_given[0]) if days_given else START
    return member(CYC, route=Route.INTRAVENOUS, start=start, pulses=delivery)


def _regimen(agents: set[Agent]) -> RegimenKind:
    if CYC in agents:
        return RegimenKind.CYCLOPHOSPHAMIDE_IV
    if agents & MYCOPHENOLATES:
        if Agent.TACROLIMUS in agents:
            return RegimenKind.MULTITARGET
        if Agent.VOCLOSPORIN in agents:
            return RegimenKind.MYCOPHENOLATE_VOCLOSPORIN
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


def line(
    *members: LineAgent,
    number: int = 1,
    start: date = START,
    end: date | None = None,
    role: LineRole = LineRole.INDUCTION,
    change: LineChange = LineChange.FIRST,
    clock_start: date | None = None,
    regimen: RegimenKind | None = None,
) -> TherapyLine:
    """A line of ``members`` (default: MMF 3 g/day), the backbone first."""
    agents = members or (mmf(),)
    ordered = tuple(sorted(agents, key=lambda a: a.agent not in BACKBONE_AGENTS))
    return TherapyLine(
        number=number,
        start=start,
        end=end,
        role=role,
        change=change,
        agents=ordered,
        added=tuple(a.agent for a in ordered),
        stopped=(),
        regimen=regimen or _regimen({a.agent for a in ordered}),
        clock_start=clock_start or start,
    )


def history(
    *lines: TherapyLine,
    off_therapy: bool = False,
    unidentified: Sequence[UnidentifiedMedication] = (),
) -> TreatmentHistory:
    """Lines oldest first; the last one is current unless ``off_therapy``."""
    now = None if off_therapy or not lines else lines[-1]
    return TreatmentHistory(
        orders=tuple(o for ln in lines for a in ln.agents for o in a.course.orders),
        administrations=tuple(
            d for ln in lines for a in ln.agents for d in a.course.administrations
        ),
        courses=tuple(a.course for ln in lines for a in ln.agents),
        lines=tuple(lines),
        current=now,
        unidentified=tuple(unidentified),
    )


# --- exposure -----------------------------------------------------------------------------

FILLS = (
    Fill(START, 30.0, 180.0, "MedicationDispense/1"),
    Fill(day(30), 30.0, 180.0, "MedicationDispense/2"),
)


def refills(
    agent: Agent = MMF,
    pdc: float | None = 0.95,
    *,
    status: RefillStatus = RefillStatus.MEASURED,
    fills: tuple[Fill, ...] = FILLS,
) -> Refills:
    measured = status is RefillStatus.MEASURED
    return Refills(
        agent=agent,
        status=status,
        window_start=START if measured else None,
        window_end=day(TODAY_N) if measured else None,
        pdc=pdc if measured else None,
        mpr=pdc if measured else None,
        days_since_last_fill=10 if measured else None,
        fills=fills if measured else (),
    )


def exposure(
    agent: Agent = MMF,
    pdc: float | None = 0.95,
    *levels: LabPoint,
    status: RefillStatus = RefillStatus.MEASURED,
) -> AgentExposure:
    """The refills of ``agent`` (PDC ``pdc``) and its drug levels."""
    return AgentExposure(agent, refills(agent, pdc, status=status), tuple(levels))


def exposure_of(current: TherapyLine | None) -> tuple[AgentExposure, ...]:
    """What the reader makes of the current line: oral agents refilled (PDC 95 %),
    IV agents given by clinicians, held ones on hold."""
    if current is None:
        return ()
    out = []
    for a in current.agents:
        if a.on_hold:
            out.append(exposure(a.agent, status=RefillStatus.ON_HOLD))
        elif a.route is Route.ORAL:
            out.append(exposure(a.agent))
        else:
            out.append(exposure(a.agent, status=RefillStatus.GIVEN_BY_CLINICIANS))
    return tuple(out)


# --- safety -------------------------------------------------------------------------------


def patient(
    sex: Sex = Sex.FEMALE,
    birth: date | None = date(1993, 3, 14),
    *,
    deceased: bool = False,
    deceased_on: date | None = None,
) -> PatientRecord:
    return PatientRecord("Patient/p1", deceased, deceased_on, birth, sex)


def event(
    kind: SafetyKind,
    start: date | None,
    *,
    ongoing: bool = True,
    certainty: Certainty = Certainty.CONFIRMED,
    procedure: bool = False,
    end: date | None = None,
    display: str | None = None,
) -> SafetyEvent:
    return SafetyEvent(
        kind=kind,
        source_id=f"Condition/{kind.value}",
        system="http://snomed.info/sct",
        code="0",
        display=display,
        start=start,
        end=end,
        ongoing=ongoing,
        certainty=certainty,
        procedure=procedure,
    )


def pregnancy_test(when: date, result: TestResult) -> PregnancyTest:
    return PregnancyTest(when, result, "2106-3", f"Observation/hcg-{when}", result.value.title())


def safety(
    *events: SafetyEvent,
    who: PatientRecord | None = None,
    tests: Sequence[PregnancyTest] = (),
    unknown: Sequence[str] = (),
) -> SafetyRecord:
    return SafetyRecord(
        patient=who if who is not None else patient(),
        events=events,
        pregnancy_tests=tuple(tests),
        unknown=tuple(unknown),
    )


# --- the patient ----------------------------------------------------------------------------


def biopsy(n: float) -> Biopsy:
    return Biopsy(day(n), "50200", "http://www.ama-assn.org/go/cpt", None, f"Procedure/bx-{n}")


def facts(
    *,
    today: date | None = None,
    points: Sequence[LabPoint] = (),
    lines: Sequence[TherapyLine] | None = None,
    off_therapy: bool = False,
    exposures: Sequence[AgentExposure] | None = None,
    biopsies: Sequence[Biopsy] = (),
    record: SafetyRecord | None = None,
    with_ln: bool = True,
    gaps: Sequence[DataGap] = (),
    unread: Sequence[UnreadableResult] = (),
    unidentified: Sequence[UnidentifiedMedication] = (),
) -> PatientFacts:
    """A patient with lupus nephritis on MMF 3 g/day from ``START`` unless told otherwise."""
    treatment = history(
        *(lines if lines is not None else (line(),)),
        off_therapy=off_therapy,
        unidentified=unidentified,
    )
    return PatientFacts(
        today=today if today is not None else day(TODAY_N),
        patient_id="p1",
        lupus_nephritis=(LN,) if with_ln else (),
        labs=labs(points, unread),
        treatment=treatment,
        exposure=tuple(exposures) if exposures is not None else exposure_of(treatment.current),
        biopsies=tuple(biopsies),
        safety=record if record is not None else safety(),
        gaps=tuple(gaps),
    )


#: Stable renal function around the default evaluation date.
RENAL = (creat(-5, 1.0), creat(190, 1.0), egfr(-5, 80.0), egfr(190, 80.0))
#: No response at day 200: UPCR 4.0 -> 3.5 g/g with stable renal function.
NO_RESPONSE = (upcr(-5, 4.0), upcr(190, 3.5), *RENAL)
PARTIAL = (upcr(-5, 4.0), upcr(190, 1.5), *RENAL)
COMPLETE = (upcr(-5, 4.0), upcr(190, 0.3), *RENAL)


# --- running the rules ----------------------------------------------------------------------


def run(f: PatientFacts, name: str = "kdigo-2024", *, show_status: bool = False) -> Outcome:
    """The rules on ``f`` under the ruleset ``name``; every summary within the CDS limit."""
    out = findings_for(f, get_ruleset(name), show_status=show_status)
    assert all(len(x.summary) < 140 for x in out.findings)
    return out


def topics(out: Outcome) -> list[Topic]:
    return [f.topic for f in out.findings]


def one(out: Outcome, topic: Topic) -> Finding:
    """The single finding of ``topic`` (an assertion naming the topics present if absent)."""
    found = [f for f in out.findings if f.topic is topic]
    assert len(found) == 1, f"{topic}: {topics(out)}"
    return found[0]
