"""Hypothesis invariants: the assessment never raises on random but valid facts."""

from __future__ import annotations

from datetime import date

from assessment_builders import (
    adherent,
    biopsy,
    course,
    day,
    facts,
    induction,
    low_level,
    point,
)
from hypothesis import given, settings
from hypothesis import strategies as st

from fhir_mappings.facts import (
    AdherenceEstimate,
    AdherenceStatus,
    Agent,
    Analyte,
    InductionRegimen,
    LabPoint,
    RegimenKind,
    Route,
)
from fhir_mappings.findings import Topic
from fhir_mappings.rules.algorithm import findings_for
from fhir_mappings.rules.response import assess_response
from fhir_mappings.rulesets import RULESETS, get_ruleset

_RANGES = {
    Analyte.UPCR: 15.0,
    Analyte.PROTEIN_24H: 15.0,
    Analyte.CREATININE: 8.0,
    Analyte.EGFR: 150.0,
    Analyte.MPA_TROUGH: 10.0,
    Analyte.MPA_AUC: 100.0,
}


@st.composite
def lab_points(draw: st.DrawFn) -> LabPoint:
    analyte = draw(st.sampled_from(sorted(_RANGES)))
    value = draw(st.floats(0.0, _RANGES[analyte], allow_nan=False))
    comparator = draw(st.sampled_from([None, None, None, "<", "<=", ">", ">="]))
    return point(analyte, day(draw(st.integers(-120, 500))), value, comparator)


REGIMENS: list[InductionRegimen] = [
    induction(course(Agent.MYCOPHENOLATE_MOFETIL, 2000.0)),
    induction(course(Agent.MYCOPHENOLATE_MOFETIL, 3000.0)),
    induction(course(Agent.MYCOPHENOLATE_MOFETIL, None)),
    induction(course(Agent.MYCOPHENOLATE_SODIUM, 1440.0)),
    induction(
        course(Agent.MYCOPHENOLATE_MOFETIL, 1000.0),
        course(Agent.TACROLIMUS, 4.0),
        kind=RegimenKind.MULTITARGET,
    ),
    induction(
        course(Agent.CYCLOPHOSPHAMIDE, None, route=Route.INTRAVENOUS, cumulative_mg=2500.0),
        kind=RegimenKind.CYCLOPHOSPHAMIDE_IV,
    ),
    induction(course(Agent.VOCLOSPORIN, 47.4), kind=RegimenKind.CNI_MONOTHERAPY),
]


@st.composite
def estimates(draw: st.DrawFn) -> AdherenceEstimate:
    agent = draw(
        st.sampled_from(
            [
                Agent.MYCOPHENOLATE_MOFETIL,
                Agent.TACROLIMUS,
                Agent.HYDROXYCHLOROQUINE,
                Agent.CYCLOPHOSPHAMIDE,
            ]
        )
    )
    kind = draw(st.integers(0, 2))
    if kind == 0:
        return adherent(agent, draw(st.floats(0.0, 1.0)))
    if kind == 1:
        return low_level(agent, Analyte.MPA_TROUGH, draw(st.floats(0.0, 5.0)), 3.0)
    status = draw(st.sampled_from(list(AdherenceStatus)))
    return AdherenceEstimate(agent, status, None, None, None, None, None)


@settings(max_examples=300, deadline=None)
@given(
    points=st.lists(lab_points(), max_size=25),
    regimen=st.sampled_from(REGIMENS),
    today_offset=st.integers(0, 500),
    adherence=st.lists(estimates(), max_size=3),
    biopsy_days=st.lists(st.integers(-200, 500), max_size=2),
    name=st.sampled_from(sorted(RULESETS)),
    show=st.booleans(),
)
def test_findings_never_raise(
    points: list[LabPoint],
    regimen: InductionRegimen,
    today_offset: int,
    adherence: list[AdherenceEstimate],
    biopsy_days: list[int],
    name: str,
    show: bool,
) -> None:
    """Any valid facts give ordered findings with short summaries and citations, no error."""
    today: date = day(today_offset)
    f = facts(
        today=today,
        points=points,
        regimen=regimen,
        adherence=adherence,
        biopsies=[biopsy(n) for n in biopsy_days],
    )
    rs = get_ruleset(name)
    response = assess_response(f, rs)
    assert response is not None
    found = findings_for(f, response, rs, show_status=show)
    order = list(Topic)
    assert [order.index(x.topic) for x in found] == sorted(order.index(x.topic) for x in found)
    assert len({x.topic for x in found}) == len(found)
    for finding in found:
        assert len(finding.summary) < 140
        assert finding.citations
        assert finding.rationale
    if Topic.THERAPY_SWITCH in {x.topic for x in found}:
        assert not {Topic.ADHERENCE, Topic.DOSE_REVIEW} & {x.topic for x in found}
        assert Topic.REFRACTORY in {x.topic for x in found}
