"""fhir_mappings.rules.algorithm: what runs, in which order, under the safety context.

The cards of each topic are tested in ``tests/rules/topics``; here: when the algorithm
runs at all, the order of the findings, the safety overlay and its traces.
"""

from __future__ import annotations

from fhir_mappings.facts import Agent, LineRole, SafetyKind, Sex, UnidentifiedMedication
from fhir_mappings.findings import ActionKind, ResponseClass, Severity, Topic
from fhir_mappings.resources import DataGap
from fhir_mappings.rules.algorithm import TOPICS
from tests.rules._builders import (
    COMPLETE,
    NO_RESPONSE,
    PARTIAL,
    day,
    egfr,
    event,
    facts,
    line,
    mmf,
    one,
    patient,
    run,
    safety,
    topics,
    upcr,
)


def unidentified(status: str | None, n: float | None) -> UnidentifiedMedication:
    return UnidentifiedMedication(
        "MedicationRequest/x",
        "https://other.example/fhir/Medication/9",
        status,
        day(n) if n else None,
    )


class TestWhenTheAlgorithmRuns:
    def test_no_lupus_nephritis_no_findings(self) -> None:
        """Without a lupus nephritis diagnosis nothing is said, even on non-response data."""
        out = run(facts(with_ln=False, points=NO_RESPONSE))
        assert (out.findings, out.response, out.traces) == ((), None, ())

    def test_off_therapy_no_findings(self) -> None:
        """No current line (the last ended long ago): no response and no card."""
        out = run(facts(points=NO_RESPONSE, off_therapy=True))
        assert (out.findings, out.response) == ((), None)

    def test_too_early_and_adherent_says_nothing(self) -> None:
        """Month 3, no worsening, refills fine: nothing to say yet."""
        out = run(facts(today=day(100), points=(upcr(-5, 4.0), upcr(90, 3.5))))
        assert out.findings == ()
        assert out.response is not None
        assert out.response.classification is ResponseClass.TOO_EARLY

    def test_a_patient_who_died_gets_no_card_but_a_trace(self) -> None:
        """Deceased: every card suppressed; the trace says why."""
        record = safety(who=patient(deceased=True, deceased_on=day(190)))
        out = run(facts(points=NO_RESPONSE, record=record))
        assert (out.findings, out.response) == ((), None)
        (trace,) = out.traces
        assert (trace.rule, trace.effect) == ("deceased: no cards", "every card suppressed")

    def test_kidney_failure_gives_one_card_that_says_why(self) -> None:
        """On dialysis: only the not-applicable card, with its trace."""
        record = safety(event(SafetyKind.DIALYSIS, day(-400)))
        out = run(facts(points=NO_RESPONSE, record=record))
        assert topics(out) == [Topic.NOT_APPLICABLE]
        assert out.response is None
        assert out.traces == out.findings[0].traces

    def test_a_medication_that_cannot_be_read_makes_the_regimen_unknown(self) -> None:
        """An active order of an unreadable medication: one data-gap card, nothing judged."""
        out = run(facts(points=NO_RESPONSE, unidentified=[unidentified("active", 150)]))
        assert topics(out) == [Topic.DATA_GAP]
        assert out.response is None
        assert out.findings[0].summary.startswith("Regimen unknown: 1 medication order(s)")

    def test_an_old_finished_unreadable_order_does_not_stop_the_rules(self) -> None:
        """A completed unreadable order from before the line recency window is history."""
        old = unidentified("completed", 200 - 91)
        assert Topic.REFRACTORY in topics(run(facts(points=NO_RESPONSE, unidentified=[old])))
        recent = unidentified("completed", 200 - 90)
        assert topics(run(facts(points=NO_RESPONSE, unidentified=[recent]))) == [Topic.DATA_GAP]

    def test_an_undated_unreadable_order_of_unknown_status_counts(self) -> None:
        """No status and no date: it may be current, so the regimen is unknown."""
        out = run(facts(points=NO_RESPONSE, unidentified=[unidentified(None, None)]))
        assert topics(out) == [Topic.DATA_GAP]


class TestOrderAndTraces:
    def test_a_non_responder_at_target_dose_gets_the_full_work_up_in_order(self) -> None:
        """Refractory (carrying the repeat biopsy), then switch: the review's order in the
        fewest cards, all warnings."""
        out = run(facts(points=NO_RESPONSE))
        assert topics(out) == [Topic.REFRACTORY, Topic.THERAPY_SWITCH]
        refractory = one(out, Topic.REFRACTORY)
        assert [a.kind for a in refractory.actions] == [ActionKind.ORDER_KIDNEY_BIOPSY]
        assert {f.severity for f in out.findings} == {Severity.WARNING}
        assert out.response is not None
        assert out.response.classification is ResponseClass.NONE

    def test_findings_follow_the_topic_order(self) -> None:
        """Whatever the rules return, the findings come out in ``Topic`` order."""
        record = safety(event(SafetyKind.PREGNANCY, day(150)))
        out = run(facts(points=NO_RESPONSE, record=record))
        order = list(Topic)
        assert topics(out) == sorted(topics(out), key=order.index)
        assert topics(out)[0] is Topic.PREGNANCY

    def test_every_topic_rule_is_registered_once(self) -> None:
        """Each topic module's rule runs once per patient."""
        assert len(set(TOPICS)) == len(TOPICS) == 11

    def test_pregnancy_adds_its_card_and_no_switch_card(self) -> None:
        """Pregnant on MMF without response: a critical card and no teratogenic draft. The
        change of therapy goes through the pregnancy card (compatible agents), so no switch
        card offers the usual options; the refractory card points to the pregnancy card."""
        record = safety(event(SafetyKind.PREGNANCY, day(150)))
        out = run(facts(points=NO_RESPONSE, record=record))
        card = one(out, Topic.PREGNANCY)
        assert card.severity is Severity.CRITICAL
        assert Topic.THERAPY_SWITCH not in topics(out)
        drafted = {agent for f in out.findings for a in f.actions for agent in a.agents}
        assert not drafted & {Agent.CYCLOPHOSPHAMIDE.value, Agent.MYCOPHENOLATE_MOFETIL.value}
        refractory = one(out, Topic.REFRACTORY)
        assert refractory.next_steps[1] == (
            "Dose not reviewed: mycophenolate mofetil is to be replaced (see the pregnancy card)."
        )
        assert refractory.next_steps[-1] == (
            "Then change to agents compatible with pregnancy (see the pregnancy card)."
        )
        effects = [t.effect for t in out.traces]
        assert (
            effects[0] == "pregnancy card added; no card drafts an agent not for use in pregnancy"
        )

    def test_pregnancy_off_therapy_still_gets_its_card(self) -> None:
        """A pregnancy with no current line: the pregnancy card alone (a warning)."""
        record = safety(event(SafetyKind.PREGNANCY, day(150)))
        out = run(facts(points=NO_RESPONSE, record=record, off_therapy=True))
        assert topics(out) == [Topic.PREGNANCY]
        assert out.findings[0].severity is Severity.WARNING

    def test_pregnancy_with_an_unknown_regimen_keeps_both_cards(self) -> None:
        """Pregnancy and an unreadable order: the pregnancy card and the regimen gap."""
        record = safety(event(SafetyKind.PREGNANCY, day(150)))
        out = run(
            facts(points=NO_RESPONSE, record=record, unidentified=[unidentified("active", 150)])
        )
        assert topics(out) == [Topic.PREGNANCY, Topic.DATA_GAP]

    def test_an_infection_holds_every_medication_draft(self) -> None:
        """Active infection: the switch card keeps no draft order, and says why; the
        elective repeat biopsy waits too (it decides the change of therapy)."""
        record = safety(event(SafetyKind.SERIOUS_INFECTION, day(180)))
        out = run(facts(points=NO_RESPONSE, record=record))
        switch = one(out, Topic.THERAPY_SWITCH)
        assert switch.actions == ()
        assert any(n.startswith("Held: switch to IV cyclophosphamide") for n in switch.notes)
        refractory = one(out, Topic.REFRACTORY)
        assert refractory.actions == ()
        assert any(n.startswith("Held: order kidney biopsy.") for n in refractory.notes)
        effects = [t.effect for t in out.traces]
        assert "draft order held: Order kidney biopsy" in effects

    def test_reminders_only_for_women_of_child_bearing_potential(self) -> None:
        """The cyclophosphamide draft of a woman carries fertility notes; a man's none."""
        woman = one(run(facts(points=NO_RESPONSE)), Topic.THERAPY_SWITCH)
        cyc = next(a for a in woman.actions if a.agent == Agent.CYCLOPHOSPHAMIDE.value)
        assert any("GnRH" in n for n in cyc.notes)
        man = run(facts(points=NO_RESPONSE, record=safety(who=patient(Sex.MALE))))
        assert all(not a.notes for a in one(man, Topic.THERAPY_SWITCH).actions)


class TestJudgedContext:
    def test_a_maintenance_only_record_is_not_judged_as_refractory(self) -> None:
        """A record that starts on maintenance (its induction older than what was read)
        has no induction clock: no refractory call however long."""
        maintenance = line(mmf(2.0), role=LineRole.MAINTENANCE)
        out = run(facts(points=NO_RESPONSE, lines=[maintenance]))
        assert Topic.REFRACTORY not in topics(out)

    def test_response_status_only_when_asked(self) -> None:
        """A responder gets nothing unless the status is asked for."""
        assert run(facts(points=PARTIAL)).findings == ()
        assert topics(run(facts(points=COMPLETE), show_status=True)) == [Topic.RESPONSE_STATUS]

    def test_no_status_card_for_a_non_responder(self) -> None:
        """show_status adds nothing when there is no response."""
        out = run(facts(points=NO_RESPONSE), show_status=True)
        assert Topic.RESPONSE_STATUS not in topics(out)

    def test_latest_egfr_is_read_for_the_options(self) -> None:
        """The switch options read the latest eGFR, not the baseline."""
        pts = (*NO_RESPONSE, egfr(195, 40.0))
        switch = one(run(facts(points=pts)), Topic.THERAPY_SWITCH)
        assert Agent.VOCLOSPORIN.value not in {a.agent for a in switch.actions}


class TestDataNotes:
    def test_each_gap_is_stated_once_on_every_card(self) -> None:
        """What the server could not provide is a note on each card: a search that failed,
        one read back only to a date, and any other kind; a Procedure gap is left to the
        safety record's own sentence, and a sentence is never repeated."""
        gaps = [
            DataGap("MedicationDispense", "this FHIR server does not provide MedicationDispense"),
            DataGap("MedicationRequest", "paging stopped", complete_since=day(-30)),
            DataGap("Observation", "the search failed"),
            DataGap("Procedure", "this FHIR server does not provide Procedure"),
        ]
        unknown = [
            "dialysis and transplant procedures unknown",
            "dialysis and transplant procedures unknown",
        ]
        out = run(facts(points=NO_RESPONSE, gaps=gaps, record=safety(unknown=unknown)))
        expected = (
            "Adherence unknown: this FHIR server does not provide MedicationDispense.",
            f"MedicationRequest read back to {day(-30).isoformat()} only (paging stopped): "
            "older records are unknown.",
            "Data unknown: the search failed.",
            "dialysis and transplant procedures unknown",
        )
        assert all(f.notes[: len(expected)] == expected for f in out.findings)
