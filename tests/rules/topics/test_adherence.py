"""rules/topics/adherence: possible non-adherence comes before any switch."""

from __future__ import annotations

import pytest

from fhir_mappings.facts import (
    Agent,
    AgentExposure,
    Analyte,
    Fill,
    LabPoint,
    RefillStatus,
    Route,
    TherapyLine,
)
from fhir_mappings.findings import ActionKind, Severity, Topic
from fhir_mappings.rules.algorithm import Outcome
from fhir_mappings.rulesets import get_ruleset
from tests.rules._builders import (
    CYC,
    MMF,
    NO_RESPONSE,
    PARTIAL,
    START,
    cyc_iv,
    day,
    exposure,
    facts,
    line,
    member,
    mmf,
    one,
    point,
    run,
    topics,
    upcr,
)

KDIGO_2024 = get_ruleset("kdigo-2024")
HCQ = Agent.HYDROXYCHLOROQUINE


def with_exposure(
    *exposures: AgentExposure,
    points: tuple[LabPoint, ...] = NO_RESPONSE,
    lines: list[TherapyLine] | None = None,
) -> Outcome:
    """The default patient (or ``lines``) with these exposures."""
    return run(facts(points=points, exposures=exposures, lines=lines))


class TestPossibleNonAdherence:
    @pytest.mark.parametrize(("pdc", "shown"), [(0.79, True), (0.80, False)])
    def test_pdc_threshold(self, pdc: float, shown: bool) -> None:
        """A PDC below 80 % raises the card; exactly 80 % does not."""
        out = with_exposure(exposure(MMF, pdc))
        assert (Topic.ADHERENCE in topics(out)) is shown

    def test_the_card_shows_each_fill_and_the_pdc(self) -> None:
        """Evidence lists each fill (days' supply) and the PDC (%); a trough level and IV
        cyclophosphamide (adherence intrinsic) are offered; the summary names the PDC."""
        card = one(with_exposure(exposure(MMF, 0.5)), Topic.ADHERENCE)
        assert card.severity is Severity.WARNING
        fills = [r for r in card.evidence if r.label.startswith("Dispense")]
        assert [(r.when, r.value, r.unit) for r in fills] == [
            (START, 30.0, "d"),
            (day(30), 30.0, "d"),
        ]
        (pdc,) = [r for r in card.evidence if r.label.startswith("PDC")]
        assert (pdc.label, pdc.value, pdc.unit, pdc.when, pdc.until) == (
            "PDC: mycophenolate mofetil",
            50.0,
            "%",
            START,
            day(200),
        )
        lab, iv = card.actions
        assert (lab.kind, lab.parameters["loinc"]) == (ActionKind.ORDER_LAB, "72667-9")
        assert (iv.kind, iv.agent, iv.recommended) == (ActionKind.START_THERAPY, CYC.value, False)
        assert card.summary == "Possible non-adherence: mycophenolate mofetil PDC 50 %"
        assert card.citations[:2] == (
            KDIGO_2024.sources.adherence,
            KDIGO_2024.sources.adherence_first,
        )

    def test_the_card_leads_with_the_response(self) -> None:
        """The adherence card opens with the baseline and latest proteinuria that were not
        reached (it is the first card of its set), then its own fills and PDC."""
        card = one(with_exposure(exposure(MMF, 0.5)), Topic.ADHERENCE)
        assert [(r.marker, r.analyte) for r in card.evidence[:2]] == [
            ("baseline", Analyte.UPCR),
            ("latest", Analyte.UPCR),
        ]
        assert card.evidence[-1].label == "PDC: mycophenolate mofetil"

    def test_no_refractory_call_and_no_switch_while_adherence_is_in_doubt(self) -> None:
        """Non-response with refills for half the days: biopsy yes, refractory and switch no."""
        out = with_exposure(exposure(MMF, 0.5))
        assert topics(out) == [Topic.ADHERENCE, Topic.REPEAT_BIOPSY]

    def test_a_low_hydroxychloroquine_level(self) -> None:
        """Hydroxychloroquine 150 ng/mL: the card names the level and cites Blanchet."""
        hcq = exposure(
            HCQ,
            None,
            point(Analyte.HYDROXYCHLOROQUINE, day(150), 150.0),
            status=RefillStatus.NO_DISPENSES,
        )
        card = one(with_exposure(exposure(MMF), hcq), Topic.ADHERENCE)
        assert card.summary == "Possible non-adherence: low Hydroxychloroquine level 150 ng/mL"
        (row,) = [r for r in card.evidence if r.analyte is Analyte.HYDROXYCHLOROQUINE]
        assert (row.marker, row.value) == ("latest", 150.0)
        assert KDIGO_2024.sources.hydroxychloroquine_level in card.citations

    def test_a_low_mpa_level_without_refills_is_either(self) -> None:
        """A low trough and no dispense records: non-adherence or low exposure."""
        low = exposure(
            MMF, None, point(Analyte.MPA_TROUGH, day(150), 1.5), status=RefillStatus.NO_DISPENSES
        )
        card = one(with_exposure(low), Topic.ADHERENCE)
        assert card.summary == "Possible non-adherence or low exposure: low MPA trough 1.5 mg/L"
        assert KDIGO_2024.sources.exposure in card.citations
        assert ActionKind.ORDER_LAB not in [a.kind for a in card.actions]  # the trough is there

    def test_a_low_mpa_level_with_good_refills_is_exposure_not_adherence(self) -> None:
        """A low trough with PDC >= 80 %: the dose-review card, not this one."""
        low = exposure(MMF, 0.95, point(Analyte.MPA_TROUGH, day(150), 1.5))
        out = with_exposure(low)
        assert Topic.ADHERENCE not in topics(out)
        assert Topic.DOSE_REVIEW in topics(out)

    def test_a_normal_level_raises_no_doubt(self) -> None:
        """A trough of 4 mg/L and no refills: no adherence card."""
        ok = exposure(
            MMF, None, point(Analyte.MPA_TROUGH, day(150), 4.0), status=RefillStatus.NO_DISPENSES
        )
        assert Topic.ADHERENCE not in topics(with_exposure(ok))

    def test_a_fill_without_days_supply_is_shown_as_unknown(self) -> None:
        """A dispense whose supply is unknown is a row with text, not a zero."""
        base = exposure(MMF, 0.5)
        refills = base.refills.__class__(
            **{
                **{f: getattr(base.refills, f) for f in base.refills.__slots__},
                "fills": (Fill(day(10), None, None, None),),
            }
        )
        card = one(with_exposure(base.__class__(MMF, refills)), Topic.ADHERENCE)
        (row,) = [r for r in card.evidence if r.label.startswith("Dispense")]
        assert (row.value, row.text, row.unit) == (None, "supply unknown", "d")


class TestResponders:
    def test_a_responder_gets_a_reminder_and_nothing_cytotoxic(self) -> None:
        """Partial response with refills for half the days: an INFO reminder, no IV switch."""
        card = one(with_exposure(exposure(MMF, 0.5), points=PARTIAL), Topic.ADHERENCE)
        assert card.severity is Severity.INFO
        assert card.summary.startswith("Adherence reminder: ")
        assert CYC.value not in {a.agent for a in card.actions}
        assert len(card.next_steps) == 2


class TestIntravenousCyclophosphamide:
    def test_adherence_is_not_questioned_for_iv_doses(self) -> None:
        """IV cyclophosphamide given by clinicians: no card, no 'unknown' note."""
        current = line(cyc_iv(0, 14, 28, 42, 56, 70))
        out = run(facts(points=NO_RESPONSE, lines=[current]))
        assert Topic.ADHERENCE not in topics(out)
        assert not any("Adherence unknown" in n for f in out.findings for n in f.notes)

    def test_an_iv_backbone_is_offered_no_iv_switch(self) -> None:
        """IV cyclophosphamide and a low hydroxychloroquine level: the card has no draft."""
        current = line(cyc_iv(0, 14, 28, 42, 56, 70))
        hcq = exposure(HCQ, 0.95, point(Analyte.HYDROXYCHLOROQUINE, day(150), 100.0))
        card = one(with_exposure(hcq, lines=[current]), Topic.ADHERENCE)
        assert card.actions == ()

    def test_oral_cyclophosphamide_taken_irregularly_is_offered_iv(self) -> None:
        """Oral cyclophosphamide with refills for 40 % of days and no response: IV
        cyclophosphamide is offered (adherence intrinsic), and no MPA level."""
        current = line(member(CYC, 100.0, route=Route.ORAL))
        card = one(with_exposure(exposure(CYC, 0.4), lines=[current]), Topic.ADHERENCE)
        (iv,) = card.actions
        assert (iv.kind, iv.agent) == (ActionKind.START_THERAPY, CYC.value)
        assert iv.parameters["route"] == Route.INTRAVENOUS.value

    def test_no_backbone_is_offered_no_iv_switch(self) -> None:
        """Tacrolimus alone taken irregularly: no oral backbone to replace with IV doses."""
        current = line(member(Agent.TACROLIMUS, 4.0))
        card = one(with_exposure(exposure(Agent.TACROLIMUS, 0.4), lines=[current]), Topic.ADHERENCE)
        assert card.actions == ()

    def test_not_offered_again_once_tried(self) -> None:
        """Cyclophosphamide failed in an earlier line: the IV switch is not offered."""
        first = line(cyc_iv(0, 14, 28, 42, 56, 70), end=day(200))
        second = line(mmf(start=day(200)), number=2, start=day(200))
        pts = (*NO_RESPONSE, upcr(195, 3.5), upcr(395, 3.4))
        out = run(
            facts(points=pts, lines=[first, second], exposures=[exposure(MMF, 0.5)], today=day(400))
        )
        card = one(out, Topic.ADHERENCE)
        assert CYC.value not in {a.agent for a in card.actions}


class TestUnknownAdherence:
    def test_no_dispense_records_is_a_note_not_a_card(self) -> None:
        """No dispense of MMF: no adherence card; every card says adherence is unknown."""
        out = with_exposure(exposure(MMF, None, status=RefillStatus.NO_DISPENSES))
        assert Topic.ADHERENCE not in topics(out)
        assert Topic.REFRACTORY in topics(out)
        note = "Adherence unknown: no dispense records (mycophenolate mofetil)."
        assert all(note in f.notes for f in out.findings)

    def test_the_note_names_oral_agents_only(self) -> None:
        """An infused agent without dispenses is not an adherence unknown."""
        current = line(mmf(), member(Agent.RITUXIMAB, route=Route.INTRAVENOUS))
        out = with_exposure(
            exposure(MMF, 0.95),
            exposure(Agent.RITUXIMAB, None, status=RefillStatus.NO_DISPENSES),
            lines=[current],
        )
        assert not any("Adherence unknown" in n for f in out.findings for n in f.notes)
