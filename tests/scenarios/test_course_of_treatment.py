"""The whole course of treatment: lines of therapy, late worsening, flares, exposure.

Scenarios written from the review (refractory = no response, or deterioration, within
6-12 months of adherent, adequately dosed induction; switch without repeating what
failed), KDIGO 2024, ACR 2024, KDIGO 2012 Table 29 (flares), MAINTAIN and Euro-Lupus
(maintenance, pulse schedules) and van Gelder 2015 (MPA exposure). Every record is
built as an EHR holds it (``tests.support.record``) and run through the real pipeline.
"""

from __future__ import annotations

from fhir_mappings.facts import Agent, LineChange, LineRole
from fhir_mappings.findings import ActionKind, ResponseClass, Severity, Topic
from tests.support import ehr
from tests.support.record import (
    BELIMUMAB,
    CYC,
    RITUXIMAB,
    TACROLIMUS_1MG,
    Record,
    drafted_agents,
    finding,
)

MMF_TEXT = "mycophenolate mofetil 500 MG Oral Tablet"


def refractory_on_mmf(months: float = 8, grams: float = 3) -> Record:
    """MMF for ``months`` months, refills every 30 days, proteinuria barely moving."""
    r = Record().patient().lupus_nephritis(months + 2)
    r.mmf(months, grams)
    r.fills(MMF_TEXT, months, round(months), tablets=grams * 60)
    r.upcr((months + 0.5, 3.2), (months - 2, 3.0), (months - 5, 2.9), (0.5, 2.8))
    r.creatinine((months + 0.5, 0.9), (0.5, 0.95))
    r.egfr((months + 0.5, 88), (0.5, 85))
    return r


class TestLinesOfTherapy:
    def test_one_clean_induction_is_one_induction_line(self) -> None:
        """MMF alone from the start is line 1, an induction, with its clock at the start."""
        facts = refractory_on_mmf().assess().facts
        line = facts.treatment.current
        assert line is not None
        assert (line.number, line.role, line.change) == (1, LineRole.INDUCTION, LineChange.FIRST)
        assert line.clock_start == facts.treatment.lines[0].start

    def test_added_calcineurin_inhibitor_starts_a_new_line_and_restarts_the_clock(self) -> None:
        """Tacrolimus added 3 months ago to MMF started 10 months ago: a new add-on line,
        judged from the add-on, so it is too early to call refractory."""
        r = refractory_on_mmf(months=10)
        r.order(TACROLIMUS_1MG, 3, ehr.timed_dose(2, code="BID"))
        r.upcr((3.1, 2.85))  # the value that prompted the add-on: the new line's baseline
        a = r.assess()
        line = a.facts.treatment.current
        assert line is not None
        assert (line.role, line.change) == (LineRole.ADD_ON, LineChange.ADDED)
        assert line.agent_set == {Agent.MYCOPHENOLATE_MOFETIL, Agent.TACROLIMUS}
        assert a.response is not None
        assert a.response.classification is ResponseClass.TOO_EARLY
        assert Topic.REFRACTORY not in [f.topic for f in a.findings]

    def test_agents_started_together_are_one_line(self) -> None:
        """Belimumab started two weeks after MMF belongs to the same line (triple therapy)."""
        r = refractory_on_mmf(months=8)
        r.order(BELIMUMAB, 7.5, {"text": "10 mg/kg IV every 4 weeks"})
        line = r.assess().facts.treatment.current
        assert line is not None
        assert line.number == 1
        assert Agent.BELIMUMAB in line.agent_set

    def test_tacrolimus_dose_shows_in_mg_per_day(self) -> None:
        """A tacrolimus line is labelled with its dose in mg/day, not in grams."""
        from fhir_mappings import wording

        r = refractory_on_mmf(months=10)
        r.order(TACROLIMUS_1MG, 3, ehr.timed_dose(2, code="BID"))
        line = r.assess().facts.treatment.current
        assert line is not None
        assert "tacrolimus 4 mg/day" in wording.line_label(line)

    def test_switch_to_cyclophosphamide_is_a_new_induction_and_mmf_is_tried(self) -> None:
        """MMF failed for 6 months, then Euro-Lupus cyclophosphamide 8 months ago without
        response: refractory on cyclophosphamide, and MMF is never offered again."""
        r = Record().patient(gender="male").lupus_nephritis(20)
        r.mmf(14, 3, end_months_ago=8)
        r.fills(MMF_TEXT, 14, 6, tablets=180)
        r.pulses(CYC, 8, 6)
        r.upcr((14.5, 4.0), (9, 3.6), (8.2, 3.5), (4, 3.3), (0.5, 3.2))
        r.creatinine((14.5, 1.0), (8.2, 1.0), (0.5, 1.05))
        a = r.assess()
        line = a.facts.treatment.current
        assert line is not None
        assert (line.change, line.role) == (
            LineChange.SWITCHED,
            LineRole.INDUCTION,
        )
        switch = finding(a, Topic.THERAPY_SWITCH)
        offered = {act.agent for act in switch.actions}
        assert Agent.MYCOPHENOLATE_MOFETIL.value not in offered
        assert Agent.CYCLOPHOSPHAMIDE.value not in offered
        assert Agent.RITUXIMAB.value in offered
        assert any("mycophenolate mofetil (no response" in n for n in switch.notes)

    def test_each_option_is_its_own_draft_order(self) -> None:
        """The switch card offers every remaining option as a separate suggestion."""
        switch = finding(refractory_on_mmf().assess(), Topic.THERAPY_SWITCH)
        kinds = {a.kind for a in switch.actions}
        assert kinds == {ActionKind.START_THERAPY}
        agents = [a.agent for a in switch.actions]
        assert len(agents) == len(set(agents)) >= 3

    def test_rituximab_once_given_is_not_offered_again(self) -> None:
        """Rituximab given with MMF from the start counts as tried: the switch offers
        obinutuzumab, not rituximab."""
        r = refractory_on_mmf(months=8)
        r.pulses(RITUXIMAB, 7.8, 2, every_days=14, mg=1000, order=False)
        a = r.assess()
        switch = finding(a, Topic.THERAPY_SWITCH)
        offered = {act.agent for act in switch.actions}
        assert Agent.RITUXIMAB.value not in offered
        assert Agent.OBINUTUZUMAB.value in offered

    def test_multitarget_has_the_same_egfr_limit_as_voclosporin(self) -> None:
        """eGFR 40: neither tacrolimus (multitarget) nor voclosporin is offered."""
        r = refractory_on_mmf()
        r.egfr((0.2, 40))
        switch = finding(r.assess(), Topic.THERAPY_SWITCH)
        offered = {act.agent for act in switch.actions}
        assert not offered & {Agent.TACROLIMUS.value, Agent.VOCLOSPORIN.value}
        assert any("calcineurin" in n and "45" in n for n in switch.notes)

    def test_belimumab_is_worded_as_a_first_line_add_on(self) -> None:
        """Belimumab is offered as KDIGO's first-line add-on, not as rescue therapy."""
        switch = finding(refractory_on_mmf().assess(), Topic.THERAPY_SWITCH)
        step = next(s for s in switch.next_steps if "Belimumab" in s)
        assert "first-line" in step


class TestMaintenance:
    def test_azathioprine_after_euro_lupus_is_maintenance_on_the_cyclophosphamide_clock(
        self,
    ) -> None:
        """Azathioprine after six fortnightly pulses is maintenance; the response is judged
        from the first pulse, 8 months ago: no response means refractory."""
        r = Record().patient(gender="male").lupus_nephritis(10)
        r.pulses(CYC, 8, 6)
        r.order(ehr.AZA_IN, 5, {"text": "100 mg daily"})
        r.upcr((8.3, 3.0), (5, 2.9), (0.5, 2.8))
        r.creatinine((8.3, 1.0), (0.5, 1.0))
        a = r.assess()
        line = a.facts.treatment.current
        assert line is not None
        assert line.role is LineRole.MAINTENANCE
        assert a.response is not None
        assert round(a.response.months_on_line) == 8
        assert Topic.REFRACTORY in [f.topic for f in a.findings]
        offered = {act.agent for act in finding(a, Topic.THERAPY_SWITCH).actions}
        assert Agent.MYCOPHENOLATE_MOFETIL.value in offered

    def test_mmf_stepped_down_to_two_grams_after_response_is_maintenance(self) -> None:
        """MMF 3 g/day for 7 months with a partial response, then 2 g/day: maintenance,
        not a new induction (no dose-review card, the clock still from the start)."""
        r = Record().patient().lupus_nephritis(14)
        r.mmf(12, 3, end_months_ago=5)
        r.mmf(5, 2)
        r.fills(MMF_TEXT, 12, 12, tablets=180)
        r.upcr((12.5, 3.0), (8, 1.4), (5, 1.2), (0.5, 1.1))
        r.creatinine((12.5, 1.0), (0.5, 1.0))
        a = r.assess()
        line = a.facts.treatment.current
        assert line is not None
        assert line.role is LineRole.MAINTENANCE
        assert line.clock_start == a.facts.treatment.lines[0].start
        assert Topic.DOSE_REVIEW not in [f.topic for f in a.findings]

    def test_biopsy_is_advised_before_stopping_maintenance_in_remission(self) -> None:
        """Maintenance MMF in complete response whose order ends next month: a biopsy
        before stopping is suggested."""
        r = Record().patient().lupus_nephritis(30)
        r.mmf(28, 3, end_months_ago=20)
        r.mmf(20, 2, end_months_ago=-1)
        r.upcr((28.5, 3.0), (20, 0.3), (6, 0.2), (0.5, 0.2))
        r.creatinine((28.5, 1.0), (0.5, 0.9))
        card = finding(r.assess(), Topic.MAINTENANCE_BIOPSY)
        assert [a.kind for a in card.actions] == [ActionKind.ORDER_KIDNEY_BIOPSY]


class TestWorseningAndFlares:
    def test_creatinine_up_60_percent_in_month_four_is_a_worsening(self) -> None:
        """Creatinine 1.0 -> 1.6 -> 1.6 mg/dL in months 4-5 on MMF: a critical card, not
        only in the first 3 months."""
        r = Record().patient().lupus_nephritis(7)
        r.mmf(5, 3)
        r.upcr((5.3, 3.0), (2, 2.6), (0.5, 2.5))
        r.creatinine((5.3, 1.0), (2.5, 1.05), (1, 1.6), (0.3, 1.6))
        card = finding(r.assess(), Topic.RENAL_WORSENING)
        assert card.severity is Severity.CRITICAL
        assert [a.kind for a in card.actions] == [ActionKind.ORDER_KIDNEY_BIOPSY]

    def test_one_value_needs_the_higher_threshold(self) -> None:
        """A single creatinine 45 % above baseline asks for a repeat value (a warning with a
        creatinine order); a doubled one is the critical card with a biopsy order."""
        r = Record().patient().lupus_nephritis(7)
        r.mmf(5, 3)
        r.upcr((5.3, 3.0), (0.5, 2.5))
        r.creatinine((5.3, 1.0), (2, 1.0), (0.3, 1.45))
        card = finding(r.assess(), Topic.RENAL_WORSENING)
        assert card.severity is Severity.WARNING
        assert [a.parameters["loinc"] for a in card.actions] == ["2160-0"]
        r.creatinine((0.1, 2.1))
        card = finding(r.assess(), Topic.RENAL_WORSENING)
        assert card.severity is Severity.CRITICAL
        assert [a.kind for a in card.actions] == [ActionKind.ORDER_KIDNEY_BIOPSY]

    def test_a_dip_that_has_recovered_does_not_fire(self) -> None:
        """Creatinine up 50 % twice at months 2-3, back to baseline now: no card."""
        r = Record().patient().lupus_nephritis(7)
        r.mmf(5, 3)
        r.upcr((5.3, 3.0), (0.5, 2.5))
        r.creatinine((5.3, 1.0), (3, 1.5), (2.5, 1.5), (0.3, 1.05))
        assert Topic.RENAL_WORSENING not in r.topics()

    def test_a_biopsy_after_the_worsening_is_not_asked_again(self) -> None:
        """A kidney biopsy after the first worse value: the card drafts no biopsy."""
        r = Record().patient().lupus_nephritis(7)
        r.mmf(5, 3)
        r.upcr((5.3, 3.0), (0.5, 2.5))
        r.creatinine((5.3, 1.0), (1, 1.6), (0.3, 1.6))
        r.biopsy(0.6)
        card = finding(r.assess(), Topic.RENAL_WORSENING)
        assert card.actions == ()

    def test_proteinuria_rising_with_creatinine_is_a_worsening(self) -> None:
        """UPCR 0.8 -> 2.1 g/g with creatinine up 20 % (beyond the 15 % band): a trigger."""
        r = Record().patient().lupus_nephritis(7)
        r.mmf(5, 3)
        r.upcr((5.3, 0.8), (0.5, 2.1))
        r.creatinine((5.3, 1.0), (0.5, 1.2))
        assert Topic.RENAL_WORSENING in r.topics()

    def test_a_flare_after_a_response_is_not_refractory(self) -> None:
        """Complete response at month 8, then UPCR 1.2 and 1.4 g/g on maintenance: a
        proteinuric flare card (repeat biopsy, re-induction), no refractory card."""
        r = Record().patient().lupus_nephritis(24)
        r.mmf(22, 3, end_months_ago=12)
        r.mmf(12, 2)
        r.upcr((22.5, 3.5), (14, 0.4), (8, 0.3), (2, 1.2), (0.5, 1.4))
        r.creatinine((22.5, 1.0), (0.5, 1.0))
        a = r.assess()
        topics = [f.topic for f in a.findings]
        assert Topic.FLARE in topics
        assert Topic.REFRACTORY not in topics
        assert Topic.THERAPY_SWITCH not in topics
        card = finding(a, Topic.FLARE)
        assert any("Re-induce" in s for s in card.next_steps)

    def test_one_high_value_after_a_response_is_not_yet_a_moderate_flare(self) -> None:
        """One UPCR of 1.2 g/g after complete remission: a moderate flare needs a second."""
        r = Record().patient().lupus_nephritis(24)
        r.mmf(22, 3)
        r.upcr((22.5, 3.5), (14, 0.4), (8, 0.3), (0.5, 1.2))
        r.creatinine((22.5, 1.0), (0.5, 1.0))
        assert Topic.FLARE not in r.topics()

    def test_improving_at_eight_months_waits_instead_of_switching(self) -> None:
        """No partial response at month 8, creatinine stable and proteinuria falling:
        an info card replaces the refractory, biopsy and switch cards."""
        r = Record().patient().lupus_nephritis(10)
        r.mmf(8, 3)
        r.fills(MMF_TEXT, 8, 8, tablets=180)
        r.upcr((8.3, 4.0), (5, 3.2), (2.5, 2.6), (0.5, 2.2))
        r.creatinine((8.3, 1.0), (0.5, 1.0))
        topics = r.topics()
        assert Topic.IMPROVING in topics
        assert not {Topic.REFRACTORY, Topic.THERAPY_SWITCH, Topic.REPEAT_BIOPSY} & set(topics)


class TestExposureIsNotAdherence:
    def test_low_trough_with_good_fills_goes_to_dose_review(self) -> None:
        """MPA trough 1.8 mg/L while refills cover every day: low exposure, a dose-review
        card with AUC-guided dosing; never an adherence card or IV cyclophosphamide."""
        r = refractory_on_mmf()
        r.lab("72667-9", 1, 1.8, "mg/L")
        a = r.assess()
        topics = [f.topic for f in a.findings]
        assert Topic.DOSE_REVIEW in topics
        assert Topic.ADHERENCE not in topics
        assert Topic.REFRACTORY not in topics  # low exposure is not refractory disease
        assert Agent.CYCLOPHOSPHAMIDE.value not in drafted_agents(a)
        card = finding(a, Topic.DOSE_REVIEW)
        assert any("AUC" in s for s in card.next_steps)

    def test_a_random_mpa_level_is_not_a_trough(self) -> None:
        """A low MPA level of unstated timing is not judged: the patient stays refractory."""
        r = refractory_on_mmf()
        r.lab("23905-3", 1, 1.2, "mg/L")
        topics = r.topics()
        assert Topic.DOSE_REVIEW not in topics
        assert Topic.REFRACTORY in topics

    def test_a_responder_with_poor_fills_gets_a_reminder_and_nothing_cytotoxic(self) -> None:
        """Partial response but refills for 2 of 8 months: an adherence reminder (info),
        no cyclophosphamide draft."""
        r = Record().patient().lupus_nephritis(10)
        r.mmf(8, 3)
        r.fills(MMF_TEXT, 8, 2, tablets=180)
        r.upcr((8.3, 3.0), (3, 1.2), (0.5, 1.1))
        r.creatinine((8.3, 1.0), (0.5, 1.0))
        a = r.assess()
        card = finding(a, Topic.ADHERENCE)
        assert card.severity is Severity.INFO
        assert Agent.CYCLOPHOSPHAMIDE.value not in drafted_agents(a)

    def test_a_non_responder_with_poor_fills_may_be_offered_iv_cyclophosphamide(self) -> None:
        """No response at month 8 with refills for 3 of 8 months: adherence card with IV
        cyclophosphamide (adherence intrinsic); no refractory call."""
        r = refractory_on_mmf()
        r.items = [i for i in r.items if i["resourceType"] != "MedicationDispense"]
        r.fills(MMF_TEXT, 8, 3, tablets=180)
        a = r.assess()
        card = finding(a, Topic.ADHERENCE)
        assert Agent.CYCLOPHOSPHAMIDE.value in {act.agent for act in card.actions}
        assert Topic.REFRACTORY not in [f.topic for f in a.findings]


class TestDelivery:
    def test_missed_pulses_are_under_treatment_not_refractory(self) -> None:
        """Euro-Lupus ordered 7 months ago, 3 of 6 pulses given: dose review (complete the
        course), no refractory and no switch card."""
        r = Record().patient(gender="male").lupus_nephritis(9)
        r.pulses(CYC, 7, 3)
        r.upcr((7.3, 3.0), (0.5, 2.9))
        r.creatinine((7.3, 1.0), (0.5, 1.0))
        a = r.assess()
        topics = [f.topic for f in a.findings]
        assert Topic.DOSE_REVIEW in topics
        assert Topic.REFRACTORY not in topics
        assert Topic.THERAPY_SWITCH not in topics
        card = finding(a, Topic.DOSE_REVIEW)
        assert "3 of 6" in card.summary


class TestRepeatBiopsy:
    def test_a_diagnostic_biopsy_in_the_first_weeks_is_not_a_repeat(self) -> None:
        """A biopsy two weeks after the start does not answer the repeat-biopsy question:
        the refractory card still drafts the repeat biopsy (no separate biopsy card)."""
        r = refractory_on_mmf()
        r.biopsy(7.5)
        a = r.assess()
        assert Topic.REPEAT_BIOPSY not in [f.topic for f in a.findings]
        card = finding(a, Topic.REFRACTORY)
        assert [act.kind for act in card.actions] == [ActionKind.ORDER_KIDNEY_BIOPSY]

    def test_a_biopsy_at_month_six_is_a_repeat(self) -> None:
        """A biopsy six months into the line answers it: no biopsy drafted, its findings
        to review."""
        r = refractory_on_mmf()
        r.biopsy(2)
        a = r.assess()
        assert Topic.REPEAT_BIOPSY not in [f.topic for f in a.findings]
        card = finding(a, Topic.REFRACTORY)
        assert card.actions == ()
        assert any(s.startswith("Kidney biopsy done ") for s in card.next_steps)
