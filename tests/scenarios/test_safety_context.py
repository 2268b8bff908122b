"""The patient as a whole person: when the algorithm must not run, and which draft
orders would harm.

Scenarios from ACR 2020 (reproductive health), the CellCept, cyclophosphamide,
rituximab and Gazyva labels (teratogenicity, infection, neutropenia), KDIGO 2012 CKD
(kidney failure: G5, > 3 months), ACOG/SMFM (42 weeks) and CTFG 2020 (child-bearing
potential). Conditions carry several codings, statuses and dates the way EHRs record
them; tests stand in for diagnoses.
"""

from __future__ import annotations

from fhir_mappings.facts import Agent
from fhir_mappings.findings import ActionKind, Severity, Topic
from tests.scenarios.test_course_of_treatment import MMF_TEXT, refractory_on_mmf
from tests.support.fhir import observation
from tests.support.record import Record, drafted_agents, finding

SNOMED = "http://snomed.info/sct"
ICD10 = "http://hl7.org/fhir/sid/icd-10-cm"
LOINC = "http://loinc.org"
TERATOGENS = {Agent.MYCOPHENOLATE_MOFETIL.value, Agent.CYCLOPHOSPHAMIDE.value}


def under_dosed() -> Record:
    """MMF 2 g/day for 8 months, adherent, no response: a dose step would be drafted."""
    return refractory_on_mmf(grams=2)


def pregnancy_test(r: Record, months_ago: float, answer: str, snomed: str) -> Record:
    code = {
        "coding": [
            {
                "system": LOINC,
                "code": "2106-3",
                "display": "Choriogonadotropin (pregnancy test) [Presence] in Urine",
            }
        ]
    }
    return r.add(
        observation(
            code,
            id=r._id("hcg"),
            when=f"{r.at(months_ago)}T10:00:00Z",
            valueCodeableConcept={
                "coding": [{"system": SNOMED, "code": snomed, "display": answer}],
                "text": answer,
            },
        )
    )


class TestDeceased:
    def test_a_patient_who_died_gets_no_card_but_a_trace(self) -> None:
        """deceasedDateTime set: no card at all; the assessment keeps the reason."""
        r = refractory_on_mmf()
        r.items[0]["deceasedDateTime"] = r.at(0.2)
        a = r.assess()
        assert a.findings == ()
        assert a.traces
        assert "deceased" in a.traces[0].rule

    def test_deceased_boolean_false_changes_nothing(self) -> None:
        """deceasedBoolean false is a living patient."""
        r = refractory_on_mmf()
        r.items[0]["deceasedBoolean"] = False
        assert Topic.REFRACTORY in r.topics()


class TestKidneyFailure:
    def test_dialysis_dependence_means_the_algorithm_does_not_apply(self) -> None:
        """Z99.2 active: one information card says why; no refractory, biopsy or switch."""
        r = refractory_on_mmf().condition(
            ICD10, "Z99.2", "Dependence on renal dialysis", months_ago=3
        )
        a = r.assess()
        assert [f.topic for f in a.findings] == [Topic.NOT_APPLICABLE]
        assert a.findings[0].severity is Severity.INFO
        assert a.findings[0].actions == ()

    def test_a_recent_haemodialysis_procedure_means_on_dialysis(self) -> None:
        """A haemodialysis session last week: the algorithm does not apply."""
        r = refractory_on_mmf().procedure(SNOMED, "302497006", "Hemodialysis (procedure)", 0.2)
        assert r.topics() == [Topic.NOT_APPLICABLE]

    def test_a_kidney_transplant_means_the_regimen_is_anti_rejection(self) -> None:
        """Kidney transplant status (Z94.0): no induction judgement, no biopsy order."""
        r = refractory_on_mmf().condition(ICD10, "Z94.0", "Kidney transplant status", months_ago=30)
        assert r.topics() == [Topic.NOT_APPLICABLE]

    def test_egfr_below_15_for_more_than_3_months_is_kidney_failure(self) -> None:
        """eGFR 12, 11 and 10 over four months: kidney failure by KDIGO G5 (> 3 months)."""
        r = refractory_on_mmf()
        r.items = [i for i in r.items if "egfr" not in str(i.get("id"))]
        r.egfr((8.5, 40), (4.2, 12), (2, 11), (0.1, 10))
        assert r.topics() == [Topic.NOT_APPLICABLE]

    def test_one_egfr_below_15_is_worsening_not_kidney_failure(self) -> None:
        """A single eGFR of 12 after 85 is an acute fall: the worsening card, not silence."""
        r = refractory_on_mmf()
        r.egfr((0.1, 12))
        topics = r.topics()
        assert Topic.NOT_APPLICABLE not in topics
        assert Topic.RENAL_WORSENING in topics

    def test_resolved_dialysis_dependence_does_not_count(self) -> None:
        """Dialysis dependence resolved (recovered from an acute episode): cards as usual."""
        r = refractory_on_mmf().condition(
            ICD10, "Z99.2", "Dependence on renal dialysis", months_ago=20, clinical="resolved"
        )
        assert Topic.NOT_APPLICABLE not in r.topics()


class TestPregnancy:
    def test_pregnant_woman_gets_no_teratogenic_draft(self) -> None:
        """Pregnancy recorded 2 months ago, on MMF 2 g/day without response: no MMF dose
        step (the dose card, which held only that step, is not shown) and no
        cyclophosphamide; a critical pregnancy card that says no step is drafted; traces."""
        r = under_dosed().condition(SNOMED, "77386006", "Pregnant (finding)", months_ago=2)
        a = r.assess()
        assert not drafted_agents(a) & TERATOGENS
        card = finding(a, Topic.PREGNANCY)
        assert card.severity is Severity.CRITICAL
        assert any("azathioprine" in s for s in card.next_steps)
        assert (
            "No dose step or new order is drafted for mycophenolate mofetil or any agent not "
            "for use in pregnancy." in card.next_steps
        )
        assert a.traces
        topics = [f.topic for f in a.findings]
        assert Topic.DOSE_REVIEW not in topics
        assert ActionKind.DOSE_STEP not in [x.kind for f in a.findings for x in f.actions]

    def test_pregnancy_coded_in_icd10_without_a_dot(self) -> None:
        """Z331 (pregnant state, incidental) as EHRs send it without the dot counts."""
        r = under_dosed().condition(ICD10, "Z331", "Pregnant state, incidental", months_ago=1)
        assert Topic.PREGNANCY in r.topics()

    def test_a_resolved_pregnancy_is_not_a_pregnancy(self) -> None:
        """Pregnancy with clinicalStatus resolved: the dose step is drafted as usual."""
        r = under_dosed().condition(
            SNOMED, "77386006", "Pregnant (finding)", months_ago=14, clinical="resolved"
        )
        a = r.assess()
        assert Topic.PREGNANCY not in [f.topic for f in a.findings]
        assert Agent.MYCOPHENOLATE_MOFETIL.value in drafted_agents(a)

    def test_an_active_pregnancy_recorded_13_months_ago_is_stale(self) -> None:
        """A pregnancy still 'active' 13 months after it was recorded is not current."""
        r = under_dosed().condition(SNOMED, "77386006", "Pregnant (finding)", months_ago=13)
        assert Topic.PREGNANCY not in r.topics()

    def test_a_positive_test_counts_and_a_later_negative_clears_it(self) -> None:
        """A positive urine hCG a month ago is a pregnancy; a negative one since clears it."""
        r = under_dosed()
        pregnancy_test(r, 1, "Positive", "10828004")
        assert Topic.PREGNANCY in r.topics()
        pregnancy_test(r, 0.3, "Negative", "260385009")
        assert Topic.PREGNANCY not in r.topics()

    def test_a_positive_test_a_year_ago_is_not_a_pregnancy_now(self) -> None:
        """A positive test older than 42 weeks says nothing about today."""
        r = under_dosed()
        pregnancy_test(r, 12, "Positive", "10828004")
        assert Topic.PREGNANCY not in r.topics()

    def test_a_possible_pregnancy_asks_for_a_test(self) -> None:
        """A provisional pregnancy holds the teratogens and asks to confirm or exclude."""
        r = under_dosed().condition(
            SNOMED, "77386006", "Pregnant (finding)", months_ago=1, verification="provisional"
        )
        a = r.assess()
        card = finding(a, Topic.PREGNANCY)
        assert any("test" in s for s in card.next_steps)
        assert not drafted_agents(a) & TERATOGENS

    def test_recorded_pregnancy_counts_whatever_the_recorded_gender(self) -> None:
        """A pregnancy recorded for a patient whose gender is recorded as male (a trans man,
        or a data error) still holds the teratogenic drafts: the evidence is not dropped."""
        r = Record().patient(gender="male")
        r.items += refractory_on_mmf(grams=2).items[1:]
        r.condition(SNOMED, "77386006", "Pregnant (finding)", months_ago=1)
        a = r.assess()
        assert Topic.PREGNANCY in [f.topic for f in a.findings]
        assert not drafted_agents(a) & TERATOGENS

    def test_a_possible_miscarriage_does_not_end_a_pregnancy(self) -> None:
        """Only a confirmed end of pregnancy clears it: a provisional miscarriage does not."""
        r = under_dosed().condition(SNOMED, "77386006", "Pregnant (finding)", months_ago=2)
        r.condition(
            ICD10,
            "O03.9",
            "Complete or unspecified spontaneous abortion without complication",
            months_ago=0.5,
            verification="provisional",
        )
        assert Topic.PREGNANCY in r.topics()


class TestInfectionAndCytopenia:
    def test_active_sepsis_holds_the_dose_increase(self) -> None:
        """Sepsis (A41.9) last week: no MMF dose step; the card says why it is held."""
        r = under_dosed().condition(ICD10, "A41.9", "Sepsis, unspecified organism", months_ago=0.25)
        a = r.assess()
        assert not drafted_agents(a)
        dose = finding(a, Topic.DOSE_REVIEW)
        assert any(n.startswith("Held") and "sepsis" in n.lower() for n in dose.notes)

    def test_resolved_sepsis_does_not_hold(self) -> None:
        """Sepsis resolved: the dose step is drafted."""
        r = under_dosed().condition(
            ICD10, "A41.9", "Sepsis, unspecified organism", months_ago=2, clinical="resolved"
        )
        assert Agent.MYCOPHENOLATE_MOFETIL.value in drafted_agents(r.assess())

    def test_neutropenia_below_the_label_threshold_holds_new_immunosuppression(self) -> None:
        """Neutrophils 0.9 x 10^9/L last week: no dose step and no new agent drafted."""
        r = under_dosed().lab("751-8", 0.25, 0.9, "10*3/uL")
        assert not drafted_agents(r.assess())

    def test_an_old_neutropenia_does_not_hold(self) -> None:
        """A low count 45 days ago says nothing about today's count."""
        r = under_dosed().lab("751-8", 1.5, 0.9, "10*3/uL")
        assert Agent.MYCOPHENOLATE_MOFETIL.value in drafted_agents(r.assess())


class TestChildBearingPotential:
    def test_cyclophosphamide_draft_carries_fertility_and_contraception(self) -> None:
        """A 34-year-old woman: the cyclophosphamide switch draft notes a GnRH analogue and
        contraception."""
        a = refractory_on_mmf().assess()
        switch = finding(a, Topic.THERAPY_SWITCH)
        cyc = next(x for x in switch.actions if x.agent == Agent.CYCLOPHOSPHAMIDE.value)
        assert any("GnRH" in n for n in cyc.notes)
        assert any("contraception" in n for n in cyc.notes)

    def test_mycophenolate_draft_carries_pregnancy_prevention(self) -> None:
        """The MMF dose step for a woman of child-bearing potential notes the tests and
        contraception the label requires (follow-up tests on a dose step)."""
        dose = finding(under_dosed().assess(), Topic.DOSE_REVIEW)
        step = next(x for x in dose.actions if x.kind is ActionKind.DOSE_STEP)
        assert step.notes == (
            "Woman of child-bearing potential: pregnancy tests at follow-up visits "
            "(CellCept label).",
            "Effective contraception during treatment and for 6 weeks after the last dose "
            "(an IUD, or two methods together: ACR 2020).",
        )

    def test_no_reminders_for_a_man(self) -> None:
        """A man's cyclophosphamide draft carries no fertility reminder."""
        r = Record().patient(gender="male")
        r.items += refractory_on_mmf().items[1:]
        switch = finding(r.assess(), Topic.THERAPY_SWITCH)
        assert all(not x.notes for x in switch.actions)

    def test_recorded_menopause_removes_the_reminders(self) -> None:
        """A postmenopausal state recorded (Z78.0): no pregnancy-prevention note."""
        r = under_dosed().condition(ICD10, "Z78.0", "Asymptomatic menopausal state", months_ago=12)
        dose = finding(r.assess(), Topic.DOSE_REVIEW)
        step = next(x for x in dose.actions if x.kind is ActionKind.DOSE_STEP)
        assert step.notes == ()


class TestHeldOrder:
    def test_an_order_on_hold_is_neither_non_adherence_nor_the_current_dose(self) -> None:
        """MMF 2 g/day on hold with no fills for 3 months: no adherence card, no dose step."""
        r = Record().patient().lupus_nephritis(10)
        r.mmf(8, 2, status="on-hold")
        r.fills(MMF_TEXT, 8, 5, tablets=120)
        r.upcr((8.3, 3.0), (0.5, 2.9))
        r.creatinine((8.3, 1.0), (0.5, 1.0))
        a = r.assess()
        topics = [f.topic for f in a.findings]
        assert Topic.ADHERENCE not in topics
        assert ActionKind.DOSE_STEP not in [x.kind for f in a.findings for x in f.actions]
