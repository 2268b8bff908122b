"""The rules' edges on records as EHRs send them: one unit either side of each threshold.

Every record goes through the real pipeline (``tests.support.record``): the numbers are
what a lab or a pharmacy system reports (UPCR in mg/g or mg/mmol, creatinine in mg/dL,
neutrophils in 10*3/uL, dates on the evaluation day's calendar), so these tests show the
threshold of the ruleset reaching the card, not only the rule function.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from fhir_mappings.facts import Agent
from fhir_mappings.findings import ActionKind, ResponseClass, Severity, Topic
from tests.scenarios.test_course_of_treatment import MMF_TEXT, refractory_on_mmf
from tests.support import ehr
from tests.support.record import Record, drafted_agents, finding

SNOMED = "http://snomed.info/sct"
ICD10 = "http://hl7.org/fhir/sid/icd-10-cm"


def days_ago(r: Record, days: int) -> str:
    return (r.today - timedelta(days=days)).isoformat()


def offered(r: Record) -> set[str]:
    return {a.agent for a in finding(r.assess(), Topic.THERAPY_SWITCH).actions if a.agent}


class TestResponseEdges:
    @pytest.mark.parametrize(
        ("mg_mmol", "expected"), [(56.5, ResponseClass.COMPLETE), (56.6, ResponseClass.PARTIAL)]
    )
    def test_a_european_upcr_at_the_complete_response_edge(
        self, mg_mmol: float, expected: ResponseClass
    ) -> None:
        """UPCR 56.5 mg/mmol (0.499 g/g) is a complete response; 56.6 (0.500 g/g) is not."""
        r = Record().patient().lupus_nephritis(10)
        r.mmf(8, 3)
        r.upcr((8.3, 3.0))
        r.add(ehr.upcr_mg_mmol("upcr-eu", r.at(0.5), mg_mmol))
        r.creatinine((8.3, 0.9), (0.5, 0.9))
        a = r.assess()
        assert a.response is not None
        assert a.response.classification is expected


class TestWorseningEdges:
    @pytest.mark.parametrize(("newest", "worse"), [(1.29, False), (1.30, True)])
    def test_creatinine_up_30_percent_on_two_values(self, newest: float, worse: bool) -> None:
        """Creatinine 1.00 -> 1.30 and 1.30 mg/dL four months into MMF is a worsening;
        1.29 twice is not."""
        r = Record().patient().lupus_nephritis(7)
        r.mmf(5, 3)
        r.upcr((5.3, 3.0), (2, 2.7), (0.5, 2.6))
        r.creatinine((5.3, 1.0), (1, newest), (0.3, newest))
        assert (Topic.RENAL_WORSENING in r.topics()) is worse


class TestFlareEdges:
    @pytest.mark.parametrize(("risen", "flare"), [(1.19, False), (1.20, True)])
    def test_creatinine_up_0_20_mg_dl_after_a_remission(self, risen: float, flare: bool) -> None:
        """Complete remission with creatinine 1.00 mg/dL, then two values of 1.20 (+0.20):
        a moderate nephritic flare; 1.19 twice is not."""
        r = Record().patient().lupus_nephritis(24)
        r.mmf(22, 3, end_months_ago=12)
        r.mmf(12, 2)
        r.upcr((22.5, 3.5), (14, 0.3), (8, 0.25), (1, 0.3), (0.5, 0.3))
        r.creatinine((22.5, 1.0), (14, 1.0), (8, 1.0), (2, risen), (0.5, risen))
        topics = r.topics()
        assert (Topic.FLARE in topics) is flare
        if flare:
            card = finding(r.assess(), Topic.FLARE)
            assert card.severity is Severity.WARNING
            assert "nephritic" in card.summary

    def test_upcr_in_mg_g_doubling_from_above_1_g_g(self) -> None:
        """Partial remission at 1200 mg/g, then 2400 and 2500 mg/g: doubled, a flare."""
        r = Record().patient().lupus_nephritis(24)
        r.mmf(22, 3)
        r.upcr((22.5, 4.0), (14, 1.2), (2, 2.4), (0.5, 2.5))
        r.creatinine((22.5, 1.0), (0.5, 1.0))
        assert Topic.FLARE in r.topics()


class TestOptionsByKidneyFunction:
    @pytest.mark.parametrize(("egfr", "shown"), [(45, False), (46, True)])
    def test_calcineurin_inhibitors_need_an_egfr_above_45(self, egfr: float, shown: bool) -> None:
        """Lupkynis label and KDIGO 2024: eGFR 46 allows voclosporin; eGFR 45 does not."""
        r = refractory_on_mmf().egfr((0.2, egfr))
        assert (Agent.VOCLOSPORIN.value in offered(r)) is shown

    @pytest.mark.parametrize(("egfr", "shown"), [(29, False), (30, True)])
    def test_belimumab_from_an_egfr_of_30(self, egfr: float, shown: bool) -> None:
        """KDIGO 2024: belimumab with an eGFR of at least 30; 30 itself qualifies."""
        r = refractory_on_mmf().egfr((0.2, egfr))
        assert (Agent.BELIMUMAB.value in offered(r)) is shown


class TestCourseEdges:
    def test_stepped_down_without_response_still_reaches_the_switch(self) -> None:
        """MMF 3 g/day for 7 months, stepped down to 2 g/day, never a response: no dose
        step is due on maintenance, so the switch card follows the refractory card (which
        drafts the biopsy)."""
        r = Record().patient().lupus_nephritis(14)
        r.mmf(12, 3, end_months_ago=5)
        r.mmf(5, 2)
        r.fills(MMF_TEXT, 12, 12, tablets=180)
        r.upcr((12.5, 3.2), (8, 3.0), (5, 2.9), (0.5, 2.9))
        r.creatinine((12.5, 1.0), (0.5, 1.0))
        a = r.assess()
        assert [f.topic for f in a.findings] == [Topic.REFRACTORY, Topic.THERAPY_SWITCH]
        card = finding(a, Topic.REFRACTORY)
        assert [act.kind for act in card.actions] == [ActionKind.ORDER_KIDNEY_BIOPSY]

    def test_falling_proteinuria_does_not_wait_out_a_rising_creatinine(self) -> None:
        """UPCR falling towards a response by month 12, but creatinine up 20 % since the
        last UPCR: no 'improving' wait, the non-response cards instead."""
        r = Record().patient().lupus_nephritis(10)
        r.mmf(8, 3)
        r.fills(MMF_TEXT, 8, 8, tablets=180)
        r.upcr((8.3, 4.0), (5, 3.2), (2.5, 2.6), (0.7, 2.2))
        r.creatinine((8.3, 1.0), (0.7, 1.0), (0.2, 1.2))
        topics = r.topics()
        assert Topic.IMPROVING not in topics
        assert Topic.REFRACTORY in topics

    def test_oral_cyclophosphamide_taken_irregularly_is_offered_iv(self) -> None:
        """Oral cyclophosphamide 100 mg/day with three monthly fills in eight months and no
        response: the adherence card drafts IV cyclophosphamide (adherence intrinsic)."""
        tablet = ehr.rx_concept("3002", "cyclophosphamide 50 MG Oral Tablet")
        r = Record().patient(gender="male").lupus_nephritis(10)
        r.order(tablet, 8, ehr.timed_dose(2, code="QD"))
        r.fills("cyclophosphamide 50 MG Oral Tablet", 8, 3, tablets=60)
        r.upcr((8.3, 3.0), (5, 2.9), (0.5, 2.8))
        r.creatinine((8.3, 1.0), (0.5, 1.0))
        card = finding(r.assess(), Topic.ADHERENCE)
        (iv,) = card.actions
        assert (iv.agent, iv.parameters["route"]) == (Agent.CYCLOPHOSPHAMIDE.value, "intravenous")


class TestSafetyEdges:
    @pytest.mark.parametrize(("days", "pregnant"), [(294, True), (295, False)])
    def test_a_pregnancy_recorded_42_weeks_ago(self, days: int, pregnant: bool) -> None:
        """An 'active' pregnancy with onset 294 days ago holds the teratogens; 295 days
        ago it is stale."""
        r = refractory_on_mmf(grams=2)
        pregnancy = ehr.condition(
            "preg",
            coding=[{"system": SNOMED, "code": "77386006", "display": "Pregnant (finding)"}],
            text="Pregnant",
            onset=days_ago(r, days),
        )
        a = r.add(pregnancy).assess()
        assert (Topic.PREGNANCY in [f.topic for f in a.findings]) is pregnant
        assert (Agent.MYCOPHENOLATE_MOFETIL.value in drafted_agents(a)) is not pregnant

    @pytest.mark.parametrize(("days", "held"), [(90, True), (91, False)])
    def test_an_infection_recorded_90_days_ago(self, days: int, held: bool) -> None:
        """Sepsis with onset 90 days ago still holds the dose step; 91 days ago it does not."""
        r = refractory_on_mmf(grams=2)
        sepsis = ehr.condition(
            "sepsis",
            coding=[{"system": ICD10, "code": "A41.9", "display": "Sepsis, unspecified organism"}],
            text="Sepsis",
            onset=days_ago(r, days),
        )
        a = r.add(sepsis).assess()
        assert (Agent.MYCOPHENOLATE_MOFETIL.value not in drafted_agents(a)) is held

    @pytest.mark.parametrize(("count", "held"), [(1.29, True), (1.3, False)])
    def test_neutrophils_at_the_label_threshold(self, count: float, held: bool) -> None:
        """Neutrophils 1.29 x 10^3/uL last week hold the step; 1.30 does not."""
        r = refractory_on_mmf(grams=2).lab("751-8", 0.25, count, "10*3/uL")
        assert (Agent.MYCOPHENOLATE_MOFETIL.value not in drafted_agents(r.assess())) is held

    @pytest.mark.parametrize(("span", "failure"), [(89, False), (90, True)])
    def test_egfr_below_15_over_90_days(self, span: int, failure: bool) -> None:
        """eGFR 14, 12 and 11 (today) over 90 days is kidney failure; over 89 days not yet."""
        r = refractory_on_mmf()
        r.items = [i for i in r.items if "egfr" not in str(i.get("id"))]
        r.egfr((8.5, 40))
        for n, (days, value) in enumerate(((span, 14), (40, 12), (0, 11))):
            r.add(
                ehr.observation(
                    f"egfr-edge-{n}",
                    "98979-8",
                    days_ago(r, days),
                    value,
                    "mL/min/{1.73_m2}",
                    code="mL/min/{1.73_m2}",
                )
            )
        assert (r.topics() == [Topic.NOT_APPLICABLE]) is failure

    @pytest.mark.parametrize(("age", "reminded"), [(55, True), (56, False)])
    def test_child_bearing_age_ends_at_55(self, age: int, reminded: bool) -> None:
        """A woman aged 55 today gets the pregnancy-prevention note on an MMF draft; at 56
        she does not."""
        r = Record().patient(birth=date(2026 - age, 11, 1).isoformat())
        r.items += refractory_on_mmf(grams=2).items[1:]
        dose = finding(r.assess(), Topic.DOSE_REVIEW)
        step = next(a for a in dose.actions if a.agent == Agent.MYCOPHENOLATE_MOFETIL.value)
        assert bool(step.notes) is reminded
