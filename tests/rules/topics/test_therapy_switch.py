"""rules/topics/therapy_switch: every remaining option as its own draft, never one tried."""

from __future__ import annotations

from dataclasses import replace

import pytest

from fhir_mappings.facts import Agent, Analyte, LabPoint, LineChange, LineRole, TherapyLine
from fhir_mappings.findings import ActionKind, Finding, Severity, Topic
from fhir_mappings.rulesets import Ruleset, get_ruleset
from tests.rules._builders import (
    CYC,
    MMF,
    NO_RESPONSE,
    START,
    cyc_iv,
    day,
    egfr,
    exposure,
    facts,
    line,
    member,
    mmf,
    one,
    order,
    point,
    pulses,
    run,
    topics,
    upcr,
)

KDIGO_2024 = get_ruleset("kdigo-2024")
PROTEINURIA = (upcr(-5, 4.0), upcr(190, 3.5))
ALL_SIX = (0, 14, 28, 42, 56, 70)


def switch(
    *points: LabPoint, lines: list[TherapyLine] | None = None, name: str = "kdigo-2024"
) -> Finding:
    """The switch card of the default patient (or ``lines``), non-responding."""
    return one(run(facts(points=points or NO_RESPONSE, lines=lines), name), Topic.THERAPY_SWITCH)


def offered(card: Finding) -> list[str | None]:
    return [a.agent for a in card.actions]


class TestFromMycophenolate:
    def test_every_option_is_its_own_draft(self) -> None:
        """Refractory on MMF 3 g/day, eGFR 80: cyclophosphamide first, then rituximab,
        multitarget tacrolimus, voclosporin and belimumab; a clinical trial last."""
        card = switch()
        assert card.severity is Severity.WARNING
        assert offered(card) == [
            CYC.value,
            Agent.RITUXIMAB.value,
            Agent.TACROLIMUS.value,
            Agent.VOCLOSPORIN.value,
            Agent.BELIMUMAB.value,
        ]
        assert {a.kind for a in card.actions} == {ActionKind.START_THERAPY}
        assert card.actions[0].parameters["route"] == "intravenous"
        assert card.actions[0].label == "Switch to IV cyclophosphamide (Euro-Lupus)"
        assert card.next_steps[-1] == "Clinical trial."
        assert card.actions[-1].label == "Add belimumab (IV)"
        assert (
            "Belimumab add-on (a first-line add-on in KDIGO 2024, with mycophenolate or "
            "low-dose cyclophosphamide); IV as drafted, or 400 mg SC weekly x 4, then 200 mg "
            "weekly." in card.next_steps
        )
        multitarget = str(card.actions[2].parameters["dosage_text"])
        assert "with mycophenolate mofetil reduced to 1 g/day" in multitarget
        assert [(r.label, r.value) for r in card.evidence] == [
            ("UPCR", 4.0),
            ("UPCR", 3.5),
            ("eGFR", 80.0),
            ("eGFR", 80.0),
            ("Mycophenolate mofetil", 3000.0),
            ("PDC: mycophenolate mofetil", 95.0),
        ]
        assert card.summary == (
            "Refractory on mycophenolate mofetil 3 g/day: switch or add (cyclophosphamide, "
            "rituximab, tacrolimus, voclosporin, belimumab)"
        )
        sources = KDIGO_2024.sources
        assert card.citations == (
            sources.algorithm,
            sources.euro_lupus,
            sources.rituximab,
            sources.multitarget,
            sources.voclosporin,
            sources.cni_egfr,
            sources.belimumab_first_line,
        )

    @pytest.mark.parametrize(
        ("value", "comparator", "shown"),
        [(46.0, None, True), (45.0, None, False), (45.0, ">", True), (90.0, "<", False)],
    )
    def test_calcineurin_inhibitors_only_above_egfr_45(
        self, ruleset: Ruleset, value: float, comparator: str | None, shown: bool
    ) -> None:
        """Tacrolimus (multitarget) and voclosporin need the latest eGFR above 45, not at it."""
        pts = (*PROTEINURIA, egfr(-5, 80.0), egfr(190, value, comparator))
        card = switch(*pts, name=ruleset.name)
        cni = {Agent.TACROLIMUS.value, Agent.VOCLOSPORIN.value}
        assert (cni <= set(offered(card))) is shown
        note = "calcineurin inhibitors (multitarget, voclosporin): eGFR not above 45"
        assert any(note in n for n in card.notes) is not shown

    @pytest.mark.parametrize(
        ("value", "comparator", "shown"),
        [(30.0, None, True), (29.9, None, False), (30.0, ">=", True), (30.0, "<=", False)],
    )
    def test_belimumab_from_egfr_30(
        self, ruleset: Ruleset, value: float, comparator: str | None, shown: bool
    ) -> None:
        """KDIGO 2024: belimumab add-on when eGFR is at least 30; 30 itself qualifies."""
        pts = (*PROTEINURIA, egfr(-5, 80.0), egfr(190, value, comparator))
        card = switch(*pts, name=ruleset.name)
        assert (Agent.BELIMUMAB.value in offered(card)) is shown
        note = "belimumab: eGFR below 30 or not known"
        assert any(note in n for n in card.notes) is not shown

    def test_no_egfr_no_calcineurin_inhibitor(self) -> None:
        """Without any eGFR neither tacrolimus nor voclosporin is drafted."""
        card = switch(*PROTEINURIA)
        assert not {Agent.TACROLIMUS.value, Agent.VOCLOSPORIN.value} & set(offered(card))

    def test_a_calcineurin_inhibitor_tried_before_is_named(self) -> None:
        """Tacrolimus failed in an earlier line: no calcineurin inhibitor, and the card
        says tacrolimus was tried."""
        first = line(mmf(end=day(200)), member(Agent.TACROLIMUS, 4.0, end=day(200)), end=day(200))
        second = line(mmf(start=day(200)), number=2, start=day(200), change=LineChange.RE_INDUCTION)
        pts = (*NO_RESPONSE, upcr(195, 3.5), upcr(390, 3.4), egfr(390, 80.0))
        card = one(
            run(facts(points=pts, lines=[first, second], today=day(400))), Topic.THERAPY_SWITCH
        )
        assert not {Agent.TACROLIMUS.value, Agent.VOCLOSPORIN.value} & set(offered(card))
        assert not any("(tried before)" in n for n in card.notes)  # said once, below
        tried = [n for n in card.notes if n.startswith("Tried before")]
        assert tried == [
            "Tried before, not offered again: tacrolimus (no response, line 1 from 2024-01-01)."
        ]
        assert "mycophenolate" not in tried[0]  # the current line's agent is not "tried"

    def test_the_switch_card_shows_the_dose_and_refills_of_the_line(self) -> None:
        """The card's own rows: each member's dose (when its order is dated) and the PDC of
        the line's agents; an undated order gives no dose row, its refills still count."""
        undated = replace(order(MMF, 3000.0), start=None, authored_on=None)
        card = switch(lines=[line(member(MMF, 3000.0, dose_order=undated))])
        labels = [r.label for r in card.evidence]
        assert "Mycophenolate mofetil" not in labels
        assert labels[-1] == "PDC: mycophenolate mofetil"

    def test_belimumab_already_in_the_line_is_not_offered(self) -> None:
        """MMF with belimumab: belimumab is not offered again."""
        card = switch(lines=[line(mmf(), member(Agent.BELIMUMAB))])
        assert Agent.BELIMUMAB.value not in offered(card)
        assert not any("belimumab:" in n for n in card.notes)


class TestAntiCd20:
    def test_rituximab_once_given_makes_way_for_obinutuzumab(self) -> None:
        """Rituximab given with MMF: obinutuzumab is offered, rituximab is not; rituximab is
        named in the line, not listed again as tried before (only earlier lines' agents are)."""
        card = switch(lines=[line(mmf(), member(Agent.RITUXIMAB, pulses=pulses(0, 14, mg=1000.0)))])
        assert Agent.RITUXIMAB.value not in offered(card)
        assert Agent.OBINUTUZUMAB.value in offered(card)
        assert card.summary.startswith("Refractory on mycophenolate mofetil 3 g/day + rituximab:")
        assert not any(n.startswith("Tried before") for n in card.notes)

    def test_both_anti_cd20_in_the_line(self) -> None:
        """Rituximab and obinutuzumab both in the line: neither is offered."""
        current = line(mmf(), member(Agent.RITUXIMAB), member(Agent.OBINUTUZUMAB))
        assert not {Agent.RITUXIMAB.value, Agent.OBINUTUZUMAB.value} & set(
            offered(switch(lines=[current]))
        )

    def test_obinutuzumab_tried_before_is_left_out(self) -> None:
        """Both antibodies given in an earlier line: neither offered, the card says why."""
        first = line(
            mmf(end=day(200)),
            member(Agent.RITUXIMAB, end=day(20)),
            member(Agent.OBINUTUZUMAB, end=day(30)),
            end=day(200),
        )
        second = line(
            cyc_iv(200, 214, 228, 242, 256, 270),
            number=2,
            start=day(200),
            change=LineChange.SWITCHED,
        )
        pts = (*NO_RESPONSE, upcr(195, 3.5), upcr(390, 3.4), egfr(390, 80.0))
        card = one(
            run(facts(points=pts, lines=[first, second], today=day(400))), Topic.THERAPY_SWITCH
        )
        assert not {Agent.RITUXIMAB.value, Agent.OBINUTUZUMAB.value} & set(offered(card))
        (tried,) = [n for n in card.notes if n.startswith("Tried before")]
        assert "rituximab (no response, line 1" in tried
        assert "obinutuzumab (no response, line 1" in tried
        assert not any("(tried before)" in n for n in card.notes)


class TestFromCyclophosphamide:
    def test_switch_to_mycophenolate_with_the_cumulative_dose(self) -> None:
        """Refractory after six pulses: MMF offered first; the cumulative 3 g is stated;
        no calcineurin inhibitor with a cyclophosphamide backbone."""
        card = switch(lines=[line(cyc_iv(*ALL_SIX))])
        assert offered(card)[0] == MMF.value
        assert not {Agent.TACROLIMUS.value, Agent.VOCLOSPORIN.value} & set(offered(card))
        assert any("cumulative dose so far 3 g" in s for s in card.next_steps)
        assert card.actions[0].parameters["dosage_text"] == (
            "1 g to 1.5 g orally twice daily (induction, EULAR 2019)"
        )

    def test_cumulative_dose_unknown(self) -> None:
        """Pulses whose doses were not recorded: the cumulative dose is unknown."""
        card = switch(lines=[line(cyc_iv(*ALL_SIX, mg=None))])
        assert any("cumulative dose unknown" in s for s in card.next_steps)


class TestWithoutBackbone:
    def test_calcineurin_monotherapy_is_offered_both_backbones(self) -> None:
        """Refractory on tacrolimus alone: both cyclophosphamide and MMF are offered."""
        card = switch(lines=[line(member(Agent.TACROLIMUS, 4.0))])
        assert {CYC.value, MMF.value} <= set(offered(card))
        assert not any("could not be computed" in n for n in card.notes)

    def test_nothing_left_is_a_clinical_trial(self) -> None:
        """Every option tried or excluded: the summary offers a clinical trial."""
        first = line(
            mmf(end=day(200)),
            member(Agent.RITUXIMAB, end=day(20)),
            member(Agent.OBINUTUZUMAB, end=day(30)),
            end=day(200),
        )
        second = line(
            cyc_iv(200, 214, 228, 242, 256, 270),
            number=2,
            start=day(200),
            change=LineChange.SWITCHED,
        )
        pts = (*NO_RESPONSE, upcr(195, 3.5), upcr(390, 3.4), egfr(390, 20.0))
        card = one(
            run(facts(points=pts, lines=[first, second], today=day(400))), Topic.THERAPY_SWITCH
        )
        assert card.actions == ()
        assert card.summary.endswith("switch or add (a clinical trial)")


class TestWhenShown:
    def test_hidden_while_adherence_is_in_doubt(self) -> None:
        """A low hydroxychloroquine level: the adherence card, no switch."""
        hcq = exposure(
            Agent.HYDROXYCHLOROQUINE, 0.95, point(Analyte.HYDROXYCHLOROQUINE, day(150), 100.0)
        )
        out = run(facts(points=NO_RESPONSE, exposures=[exposure(MMF), hcq]))
        assert Topic.ADHERENCE in topics(out)
        assert Topic.THERAPY_SWITCH not in topics(out)

    def test_maintenance_dose_mmf_without_response_is_offered_the_switch(self) -> None:
        """No response since the induction, now on MMF 2 g/day maintenance: no dose card
        asks for a step (maintenance dose), so the switch card is not held back for one."""
        maintenance = line(
            mmf(2.0, start=day(150)),
            number=2,
            start=day(150),
            role=LineRole.MAINTENANCE,
            change=LineChange.STEP_DOWN,
            clock_start=START,
        )
        out = run(
            facts(points=NO_RESPONSE, lines=[line(mmf(end=day(150)), end=day(150)), maintenance])
        )
        assert topics(out) == [Topic.REFRACTORY, Topic.THERAPY_SWITCH]
        assert [a.kind for a in one(out, Topic.REFRACTORY).actions] == [
            ActionKind.ORDER_KIDNEY_BIOPSY
        ]

    def test_hidden_below_the_mycophenolate_sodium_target(self) -> None:
        """Mycophenolate sodium 1.44 g/day: the dose step comes first."""
        out = run(
            facts(points=NO_RESPONSE, lines=[line(member(Agent.MYCOPHENOLATE_SODIUM, 1440.0))])
        )
        assert Topic.THERAPY_SWITCH not in topics(out)
        assert Topic.DOSE_REVIEW in topics(out)
