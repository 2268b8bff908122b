"""Hypothesis: on any valid facts the rules never raise, and what they say holds together."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fhir_mappings.facts import (
    Agent,
    AgentExposure,
    Analyte,
    Certainty,
    LabPoint,
    LineChange,
    LineRole,
    PulseScheme,
    RefillStatus,
    SafetyEvent,
    SafetyKind,
    TherapyLine,
)
from fhir_mappings.findings import MEDICATION_ACTIONS, Topic
from fhir_mappings.rules.algorithm import findings_for
from fhir_mappings.rules.safety import assess_safety
from fhir_mappings.rulesets import RULESETS, get_ruleset
from tests.rules._builders import (
    MMF,
    MPS,
    START,
    biopsy,
    cyc_iv,
    day,
    event,
    exposure_of,
    facts,
    line,
    member,
    mmf,
    point,
    pulses,
    safety,
)

_RANGES = {
    Analyte.UPCR: 15.0,
    Analyte.PROTEIN_24H: 15.0,
    Analyte.CREATININE: 8.0,
    Analyte.EGFR: 150.0,
    Analyte.MPA_TROUGH: 10.0,
    Analyte.MPA_AUC: 100.0,
    Analyte.MPA_RANDOM: 10.0,
    Analyte.HYDROXYCHLOROQUINE: 1500.0,
    Analyte.NEUTROPHILS: 10.0,
}
_LEVELS = (Analyte.MPA_TROUGH, Analyte.MPA_AUC, Analyte.MPA_RANDOM, Analyte.HYDROXYCHLOROQUINE)


@st.composite
def lab_points(draw: st.DrawFn) -> LabPoint:
    analyte = draw(st.sampled_from(sorted(_RANGES)))
    value = draw(st.floats(0.0, _RANGES[analyte], allow_nan=False))
    comparator = draw(st.sampled_from([None, None, None, "<", "<=", ">", ">="]))
    return point(analyte, day(draw(st.integers(-120, 500))), value, comparator)


def _maintenance() -> list[TherapyLine]:
    step_down = line(
        mmf(2.0, start=day(120)),
        number=2,
        start=day(120),
        role=LineRole.MAINTENANCE,
        change=LineChange.STEP_DOWN,
        clock_start=START,
    )
    return [line(mmf(end=day(120)), end=day(120)), step_down]


def _switched() -> list[TherapyLine]:
    first = line(mmf(end=day(150)), member(Agent.RITUXIMAB, end=day(20)), end=day(150))
    second = line(cyc_iv(150, 164, 178), number=2, start=day(150), change=LineChange.SWITCHED)
    return [first, second]


HISTORIES: list[list[TherapyLine]] = [
    [line(mmf(3.0))],
    [line(mmf(2.0))],
    [line(member(MMF, None))],
    [line(member(MPS, 1440.0))],
    [line(mmf(1.0), member(Agent.TACROLIMUS, 4.0))],
    [line(mmf(), member(Agent.BELIMUMAB), member(Agent.VOCLOSPORIN, 47.4))],
    [line(cyc_iv(0, 14, 28, 42, 56, 70))],
    [line(cyc_iv(0, 14))],
    [line(cyc_iv(0, scheme=PulseScheme.NIH, mg=None))],
    [line(member(Agent.TACROLIMUS, 4.0))],
    [line(member(Agent.AZATHIOPRINE, 100.0), role=LineRole.MAINTENANCE)],
    [line(mmf(on_hold=True))],
    [line(mmf(), member(Agent.RITUXIMAB, pulses=pulses(0, 14, mg=1000.0)))],
    _maintenance(),
    _switched(),
]


@st.composite
def exposures(draw: st.DrawFn, current: TherapyLine) -> tuple[AgentExposure, ...]:
    """The reader's exposures of the current line, with random refills and levels."""
    out = []
    for item in exposure_of(current):
        if item.refills.status is RefillStatus.MEASURED:
            status = draw(st.sampled_from(list(RefillStatus)))
            pdc = draw(st.floats(0.0, 1.0)) if status is RefillStatus.MEASURED else None
            refills = replace(item.refills, status=status, pdc=pdc)
            item = replace(item, refills=refills)
        levels = draw(st.lists(st.sampled_from(_LEVELS), max_size=2, unique=True))
        drawn = tuple(point(a, day(150), draw(st.floats(0.0, _RANGES[a]))) for a in levels)
        item = replace(item, levels=drawn)
        out.append(item)
    return tuple(out)


@st.composite
def safety_events(draw: st.DrawFn) -> SafetyEvent:
    kind = draw(st.sampled_from(list(SafetyKind)))
    start = draw(st.one_of(st.none(), st.integers(-400, 500).map(day)))
    return event(
        kind,
        start,
        ongoing=draw(st.booleans()),
        certainty=draw(st.sampled_from(list(Certainty))),
        procedure=draw(st.booleans()),
    )


@pytest.mark.slow  # long Hypothesis run
@settings(max_examples=300, deadline=None)
@given(
    data=st.data(),
    points=st.lists(lab_points(), max_size=25),
    history=st.sampled_from(HISTORIES),
    today_offset=st.integers(0, 500),
    biopsy_days=st.lists(st.integers(-200, 500), max_size=2),
    events=st.lists(safety_events(), max_size=3),
    name=st.sampled_from(sorted(RULESETS)),
    show=st.booleans(),
)
def test_findings_never_raise_and_hold_together(
    data: st.DataObject,
    points: list[LabPoint],
    history: list[TherapyLine],
    today_offset: int,
    biopsy_days: list[int],
    events: list[SafetyEvent],
    name: str,
    show: bool,
) -> None:
    """Any valid facts give findings in topic order, once each, each with a summary
    under 140 characters, a rationale and a source; a switch only for refractory disease
    with adherence and dose settled; no draft the safety context forbids."""
    today: date = day(today_offset)
    f = facts(
        today=today,
        points=points,
        lines=history,
        exposures=data.draw(exposures(history[-1])),
        biopsies=[biopsy(n) for n in biopsy_days],
        record=safety(*events),
    )
    rs = get_ruleset(name)
    out = findings_for(f, rs, show_status=show)
    found = [x.topic for x in out.findings]
    order = list(Topic)
    assert found == sorted(found, key=order.index)
    assert len(set(found)) == len(found)
    for finding in out.findings:
        assert len(finding.summary) < 140
        assert finding.citations
        assert finding.rationale
        assert all(r.value is not None or r.text is not None for r in finding.evidence)
    if Topic.THERAPY_SWITCH in found:
        assert not {Topic.ADHERENCE, Topic.DOSE_REVIEW} & set(found)
        assert {Topic.REFRACTORY, Topic.RENAL_WORSENING} & set(found)
    context = assess_safety(f, rs)
    drafts = [a for x in out.findings for a in x.actions if a.kind in MEDICATION_ACTIONS]
    if context.deceased is not None:
        assert out.findings == ()
    elif context.kidney_failure is not None:
        assert found == [Topic.NOT_APPLICABLE]
    if context.hold is not None:
        assert drafts == []
    if context.pregnancy is not None:
        excluded = {a.value for a in rs.safety.pregnancy_excluded}
        assert not {a.agent for a in drafts} & excluded
