"""Hand-built ``PatientFacts`` for the assessment tests (no mapper modules needed)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta

from fhir_mappings.facts import (
    CANONICAL_UNIT,
    AdherenceEstimate,
    AdherenceStatus,
    Agent,
    Analyte,
    Biopsy,
    ConditionFact,
    DrugLevelSignal,
    Fill,
    InductionRegimen,
    LabPoint,
    LabResults,
    LabSeries,
    MatchMethod,
    MedicationMatch,
    MedicationOrder,
    PatientFacts,
    RegimenKind,
    Route,
    TherapyCourse,
)

START = date(2024, 1, 1)
LN = ConditionFact("M32.14", "http://hl7.org/fhir/sid/icd-10-cm", None, None, None, "IV", None)


def day(n: int | float) -> date:
    """The date ``n`` days after the induction start."""
    return START + timedelta(days=n)


def point(analyte: Analyte, when: date, value: float, comparator: str | None = None) -> LabPoint:
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


def labs(points: Iterable[LabPoint]) -> LabResults:
    by: dict[Analyte, list[LabPoint]] = {}
    for p in points:
        by.setdefault(p.analyte, []).append(p)
    return LabResults(
        {a: LabSeries(a, tuple(sorted(ps, key=lambda p: p.when))) for a, ps in by.items()}
    )


def course(
    agent: Agent,
    daily_mg: float | None,
    *,
    route: Route = Route.ORAL,
    start: date = START,
    cumulative_mg: float | None = None,
) -> TherapyCourse:
    match = MedicationMatch(agent, MatchMethod.CODING, None, None, None, None)
    order = MedicationOrder(
        source_id=f"MedicationRequest/{agent.value}",
        medication=match,
        status="active",
        intent="order",
        authored_on=start,
        start=start,
        end=None,
        route=route,
        dose_mg=None if daily_mg is None else daily_mg / 2,
        daily_dose_mg=daily_mg,
        dose_per_m2_mg=None,
        dose_per_kg_mg=None,
        interval_days=None,
        planned_doses=None,
        dosage_text=None,
    )
    return TherapyCourse(
        agent=agent,
        start=start,
        end=None,
        route=route,
        daily_dose_mg=daily_mg,
        orders=(order,),
        cumulative_dose_mg=cumulative_mg,
    )


def induction(
    *courses: TherapyCourse,
    kind: RegimenKind = RegimenKind.MYCOPHENOLATE,
    start: date = START,
) -> InductionRegimen:
    from fhir_mappings.facts import CALCINEURIN_INHIBITORS

    return InductionRegimen(
        kind=kind,
        start=start,
        primary_agent=courses[0].agent,
        courses=tuple(courses),
        contains_cni=any(c.agent in CALCINEURIN_INHIBITORS for c in courses),
    )


MMF_3G = course(Agent.MYCOPHENOLATE_MOFETIL, 3000.0)
MMF_2G = course(Agent.MYCOPHENOLATE_MOFETIL, 2000.0)


def adherent(agent: Agent = Agent.MYCOPHENOLATE_MOFETIL, pdc: float = 0.95) -> AdherenceEstimate:
    return AdherenceEstimate(
        agent=agent,
        status=AdherenceStatus.ADHERENT if pdc >= 0.8 else AdherenceStatus.POSSIBLE_NONADHERENCE,
        window_start=START,
        window_end=day(200),
        pdc=pdc,
        mpr=pdc,
        days_since_last_fill=10,
        fills=(Fill(START, 30.0, 120.0, "MedicationDispense/1"), Fill(day(60), 30.0, 120.0, None)),
    )


def low_level(agent: Agent, analyte: Analyte, value: float, threshold: float) -> AdherenceEstimate:
    return AdherenceEstimate(
        agent=agent,
        status=AdherenceStatus.UNKNOWN,
        window_start=None,
        window_end=None,
        pdc=None,
        mpr=None,
        days_since_last_fill=None,
        levels=(DrugLevelSignal(point(analyte, day(150), value), threshold, True, "test"),),
    )


def facts(
    *,
    today: date | None = None,
    points: Sequence[LabPoint] = (),
    regimen: InductionRegimen | None = None,
    with_ln: bool = True,
    adherence: Sequence[AdherenceEstimate] | None = None,
    biopsies: Sequence[Biopsy] = (),
    extra_courses: Sequence[TherapyCourse] = (),
) -> PatientFacts:
    """A patient with LN on MMF 3 g/day (adherent) unless told otherwise."""
    today = today if today is not None else day(200)
    regimen = regimen if regimen is not None else induction(MMF_3G)
    est = (adherent(),) if adherence is None else tuple(adherence)
    return PatientFacts(
        today=today,
        patient_id="p1",
        lupus_nephritis=(LN,) if with_ln else (),
        labs=labs(points),
        orders=tuple(o for c in regimen.courses for o in c.orders),
        courses=(*regimen.courses, *extra_courses),
        induction=regimen,
        maintenance=(),
        adherence=est,
        biopsies=tuple(biopsies),
    )


def no_induction(f: PatientFacts) -> PatientFacts:
    return replace(f, induction=None)


def upcr(n: float, value: float, comparator: str | None = None) -> LabPoint:
    return point(Analyte.UPCR, day(n), value, comparator)


def creat(n: float, value: float, comparator: str | None = None) -> LabPoint:
    return point(Analyte.CREATININE, day(n), value, comparator)


def egfr(n: float, value: float, comparator: str | None = None) -> LabPoint:
    return point(Analyte.EGFR, day(n), value, comparator)


def biopsy(n: float) -> Biopsy:
    return Biopsy(day(n), "50200", "http://www.ama-assn.org/go/cpt", None, "Procedure/bx")
