"""Property: whatever else the record holds, a patient whose record holds a pregnancy,
kidney failure, death or an active serious infection never gets a draft order for a
drug the safety rules exclude."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fhir_mappings.facts import Agent
from fhir_mappings.findings import MEDICATION_ACTIONS, Topic
from fhir_mappings.rulesets import get_ruleset
from tests.scenarios.test_course_of_treatment import refractory_on_mmf
from tests.support.record import CYC, Record

#: slow: a Hypothesis run through the whole pipeline
pytestmark = pytest.mark.slow

SNOMED = "http://snomed.info/sct"
ICD10 = "http://hl7.org/fhir/sid/icd-10-cm"
EXCLUDED_IN_PREGNANCY = {a.value for a in get_ruleset("kdigo-2024").safety.pregnancy_excluded}


def _non_responder(months: float, grams: float) -> Record:
    return refractory_on_mmf(months=months, grams=grams)


def _non_adherent(months: float, grams: float) -> Record:
    r = refractory_on_mmf(months=months, grams=grams)
    r.items = [i for i in r.items if i["resourceType"] != "MedicationDispense"]
    return r.fills("mycophenolate mofetil 500 MG Oral Tablet", months, 2, tablets=grams * 60)


def _cyclophosphamide(months: float, grams: float) -> Record:
    r = Record().patient().lupus_nephritis(months + 2)
    r.pulses(CYC, months, 6 if grams >= 2 else 3)
    r.upcr((months + 0.3, 3.0), (0.5, 2.9))
    return r.creatinine((months + 0.3, 1.0), (0.5, 1.0))


def _worsening(months: float, grams: float) -> Record:
    r = refractory_on_mmf(months=months, grams=grams)
    return r.creatinine((0.8, 1.6), (0.2, 1.7))


BASES: tuple[Callable[[float, float], Record], ...] = (
    _non_responder,
    _non_adherent,
    _cyclophosphamide,
    _worsening,
)


def _pregnant(r: Record, months: float, coding: int) -> tuple[set[str], bool]:
    codes = [
        (SNOMED, "77386006", "Pregnant (finding)"),
        (ICD10, "Z33.1", "Pregnant state, incidental"),
        (ICD10, "Z331", "Pregnant state, incidental"),
    ]
    system, code, display = codes[coding % len(codes)]
    r.condition(system, code, display, months_ago=months)
    return EXCLUDED_IN_PREGNANCY, False


def _kidney_failure(r: Record, months: float, coding: int) -> tuple[set[str], bool]:
    if coding % 2:
        r.condition(ICD10, "Z99.2", "Dependence on renal dialysis", months_ago=months + 1)
    else:
        r.condition(ICD10, "Z94.0", "Kidney transplant status", months_ago=months + 1)
    return {a.value for a in Agent}, True


def _deceased(r: Record, months: float, coding: int) -> tuple[set[str], bool]:
    r.items[0]["deceasedDateTime" if coding % 2 else "deceasedBoolean"] = (
        r.at(months / 10) if coding % 2 else True
    )
    return {a.value for a in Agent}, True


def _infection(r: Record, months: float, coding: int) -> tuple[set[str], bool]:
    r.condition(ICD10, "A41.9", "Sepsis, unspecified organism", months_ago=min(months, 2) / 10)
    return {a.value for a in Agent}, False


CONTEXTS = (_pregnant, _kidney_failure, _deceased, _infection)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    base=st.sampled_from(BASES),
    context=st.sampled_from(CONTEXTS),
    months=st.floats(min_value=1.5, max_value=9.5),
    grams=st.sampled_from([1.0, 2.0, 3.0]),
    coding=st.integers(min_value=0, max_value=5),
    when=st.floats(min_value=0.0, max_value=2.0),
)
def test_no_excluded_draft_for_a_patient_in_a_safety_context(
    base: Callable[[float, float], Record],
    context: Callable[[Record, float, int], tuple[set[str], bool]],
    months: float,
    grams: float,
    coding: int,
    when: float,
) -> None:
    """No card drafts a medication the patient's safety context excludes."""
    record = base(months, grams)
    excluded, no_algorithm = context(record, when, coding)
    assessment = record.assess()
    drafted = {
        action.agent
        for finding in assessment.findings
        for action in finding.actions
        if action.kind in MEDICATION_ACTIONS and action.agent is not None
    }
    assert not drafted & excluded
    if no_algorithm:
        assert {f.topic for f in assessment.findings} <= {Topic.NOT_APPLICABLE}


def test_the_property_sees_drafts_without_a_safety_context() -> None:
    """The same bases draft medication orders when nothing forbids it (the property can
    fail)."""
    assessment = _non_responder(8, 2).assess()
    assert any(a.kind in MEDICATION_ACTIONS for f in assessment.findings for a in f.actions)
