"""rules/topics/dose_review: the dose, the exposure and the pulses come before a switch."""

from __future__ import annotations

from dataclasses import replace

import pytest

from fhir_mappings.facts import Agent, Analyte, LabPoint, LineChange, LineRole, PulseScheme, Route
from fhir_mappings.findings import ActionKind, EvidenceRow, Finding, Severity, Topic
from fhir_mappings.resources import DataGap
from fhir_mappings.rulesets import Ruleset, get_ruleset
from tests.rules._builders import (
    COMPLETE,
    CYC,
    MMF,
    MPS,
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
    order,
    point,
    run,
    topics,
    upcr,
)

KDIGO_2024 = get_ruleset("kdigo-2024")
#: The tests a response is judged on: the rows every response card leads with.
RESPONSE_TESTS = frozenset({Analyte.UPCR, Analyte.PROTEIN_24H, Analyte.CREATININE, Analyte.EGFR})


def own_rows(card: Finding) -> list[EvidenceRow]:
    """The dose card's own rows, after the response rows it leads with."""
    return [r for r in card.evidence if r.analyte not in RESPONSE_TESTS]


class TestDoseStep:
    def test_mmf_2_g_without_response(self) -> None:
        """No response on MMF 2 g/day: step to 3 g/day (1.5 g twice daily); no switch yet."""
        out = run(facts(points=NO_RESPONSE, lines=[line(mmf(2.0))]))
        card = one(out, Topic.DOSE_REVIEW)
        assert card.severity is Severity.WARNING
        assert card.summary == (
            "No response after 7 months: mycophenolate mofetil 2 g/day, consider 3 g/day"
        )
        (step,) = card.actions
        assert step.kind is ActionKind.DOSE_STEP
        assert step.label == "Increase mycophenolate mofetil to 3 g/day"
        assert dict(step.parameters) == {
            "agent": MMF.value,
            "daily_dose_mg": 3000.0,
            "dose_mg": 1500.0,
            "frequency_per_day": 2,
            "route": Route.ORAL.value,
            "replaces": f"MedicationRequest/{MMF.value}-{START.isoformat()}",
        }
        assert [(r.marker, r.label) for r in card.evidence[:2]] == [
            ("baseline", "UPCR"),
            ("latest", "UPCR"),
        ]
        (row,) = own_rows(card)
        assert (row.label, row.value, row.unit, row.when, row.marker) == (
            "Mycophenolate mofetil",
            2000.0,
            "mg/day",
            START,
            "target 3 g/day",
        )
        assert card.citations == (KDIGO_2024.sources.dose, KDIGO_2024.sources.algorithm)
        assert Topic.REFRACTORY in topics(out)
        assert Topic.THERAPY_SWITCH not in topics(out)

    @pytest.mark.parametrize(
        ("agent", "daily", "shown"),
        [(MMF, 2999.0, True), (MMF, 3000.0, False), (MPS, 2159.0, True), (MPS, 2160.0, False)],
    )
    def test_dose_targets(self, ruleset: Ruleset, agent: Agent, daily: float, shown: bool) -> None:
        """Below MMF 3 g/day or mycophenolate sodium 2.16 g/day without response: a step."""
        out = run(facts(points=NO_RESPONSE, lines=[line(member(agent, daily))]), ruleset.name)
        assert (Topic.DOSE_REVIEW in topics(out)) is shown

    def test_mycophenolate_sodium_steps_to_1080_mg_twice_daily(self) -> None:
        """Mycophenolate sodium 1.44 g/day: 1080 mg twice daily, citing Salvadori."""
        card = one(
            run(facts(points=NO_RESPONSE, lines=[line(member(MPS, 1440.0))])), Topic.DOSE_REVIEW
        )
        (step,) = card.actions
        assert (step.parameters["daily_dose_mg"], step.parameters["dose_mg"]) == (2160.0, 1080.0)
        assert KDIGO_2024.sources.mycophenolate_sodium in card.citations

    def test_an_order_without_a_date_still_gives_the_step(self) -> None:
        """An undated order: the step is drafted; no dated dose row can be shown."""
        undated = replace(order(MMF, 2000.0), start=None, authored_on=None)
        current = line(member(MMF, 2000.0, dose_order=undated))
        card = one(run(facts(points=NO_RESPONSE, lines=[current])), Topic.DOSE_REVIEW)
        assert own_rows(card) == []
        assert [a.kind for a in card.actions] == [ActionKind.DOSE_STEP]

    def test_multitarget_mmf_1_g_is_standard(self) -> None:
        """MMF 1 g/day with tacrolimus (multitarget): no dose review; the switch is shown."""
        current = line(mmf(1.0), member(Agent.TACROLIMUS, 4.0))
        out = run(facts(points=NO_RESPONSE, lines=[current]))
        assert Topic.DOSE_REVIEW not in topics(out)
        assert Topic.THERAPY_SWITCH in topics(out)

    def test_maintenance_dose_is_not_under_dosing(self) -> None:
        """MMF 2 g/day on a maintenance line after induction: no dose step."""
        maintenance = line(
            mmf(2.0, start=day(150)),
            number=2,
            start=day(150),
            role=LineRole.MAINTENANCE,
            change=LineChange.STEP_DOWN,
            clock_start=START,
        )
        out = run(facts(points=NO_RESPONSE, lines=[line(mmf(end=day(150))), maintenance]))
        assert Topic.REFRACTORY in topics(out)
        assert Topic.DOSE_REVIEW not in topics(out)

    @pytest.mark.parametrize("points", [PARTIAL, COMPLETE])
    def test_not_after_a_response(self, points: tuple[LabPoint, ...]) -> None:
        """A partial or complete response: no dose review even at 2 g/day."""
        out = run(facts(points=points, lines=[line(mmf(2.0))]))
        assert Topic.DOSE_REVIEW not in topics(out)

    def test_not_while_too_early(self) -> None:
        """Month 3 without response: nothing yet."""
        pts = (upcr(-5, 4.0), upcr(90, 3.5))
        assert run(facts(today=day(100), points=pts, lines=[line(mmf(2.0))])).findings == ()

    def test_an_unknown_daily_dose_is_not_judged(self) -> None:
        """A dose that could not be computed: no dose review; the switch card says to check."""
        out = run(facts(points=NO_RESPONSE, lines=[line(member(MMF, None))]))
        assert Topic.DOSE_REVIEW not in topics(out)
        switch = one(out, Topic.THERAPY_SWITCH)
        assert (
            "Daily dose of an oral agent could not be computed: check it is at target."
            in switch.notes
        )


class TestExposure:
    @pytest.mark.parametrize(
        ("analyte", "value", "shown"),
        [
            (Analyte.MPA_TROUGH, 2.9, True),
            (Analyte.MPA_TROUGH, 3.0, False),
            (Analyte.MPA_AUC, 29.9, True),
            (Analyte.MPA_AUC, 30.0, False),
        ],
    )
    def test_low_mpa_with_good_refills(
        self, ruleset: Ruleset, analyte: Analyte, value: float, shown: bool
    ) -> None:
        """Trough < 3 mg/L or AUC < 30 mg·h/L at 3 g/day with good refills: AUC-guided
        dosing (an MPA AUC is ordered), no dose step, no switch, and no refractory call (the
        induction was not adequately given): dose review and the repeat biopsy only."""
        low = exposure(MMF, 0.95, point(analyte, day(150), value))
        out = run(facts(points=NO_RESPONSE, exposures=[low]), ruleset.name)
        assert (Topic.DOSE_REVIEW in topics(out)) is shown
        assert (Topic.THERAPY_SWITCH in topics(out)) is not shown
        assert (Topic.REFRACTORY in topics(out)) is not shown
        if shown:
            assert topics(out) == [Topic.DOSE_REVIEW, Topic.REPEAT_BIOPSY]
            card = one(out, Topic.DOSE_REVIEW)
            assert card.summary.endswith(
                "low MPA exposure with good refills on mycophenolate mofetil, AUC-guided dosing"
            )
            (lab,) = card.actions
            assert (lab.kind, lab.parameters["loinc"]) == (ActionKind.ORDER_LAB, "115789-0")
            rows = [(r.label, r.value) for r in card.evidence]
            assert rows[-1] == ("PDC: mycophenolate mofetil", 95.0)

    def test_a_pdc_without_its_period_is_not_a_row(self) -> None:
        """Low exposure whose PDC period is unknown: the card stands, with the level only."""
        low = exposure(MMF, 0.95, point(Analyte.MPA_TROUGH, day(150), 1.5))
        low = replace(low, refills=replace(low.refills, window_start=None))
        card = one(run(facts(points=NO_RESPONSE, exposures=[low])), Topic.DOSE_REVIEW)
        assert [r.label for r in own_rows(card)] == ["MPA trough"]

    def test_a_low_level_with_adherence_in_doubt_is_an_adherence_question(self) -> None:
        """A low trough with refills for half the days: adherence card, no dose review."""
        low = exposure(MMF, 0.5, point(Analyte.MPA_TROUGH, day(150), 1.0))
        out = run(facts(points=NO_RESPONSE, exposures=[low]))
        assert Topic.DOSE_REVIEW not in topics(out)
        assert Topic.ADHERENCE in topics(out)

    def test_low_exposure_with_an_unknown_dose(self) -> None:
        """A low AUC and an unknown dose: the exposure question alone."""
        low = exposure(MMF, 0.95, point(Analyte.MPA_AUC, day(150), 20.0))
        out = run(facts(points=NO_RESPONSE, lines=[line(member(MMF, None))], exposures=[low]))
        assert one(out, Topic.DOSE_REVIEW).summary == (
            "No response after 7 months: low MPA exposure with good refills on "
            "mycophenolate mofetil, AUC-guided dosing"
        )
        assert Topic.REFRACTORY not in topics(out)


class TestPulses:
    def test_missed_euro_lupus_pulses_are_under_treatment(self) -> None:
        """3 of 6 fortnightly pulses given, all six due: complete the course (the biopsy
        question stays); no refractory call and no switch."""
        current = line(cyc_iv(0, 14, 28))
        out = run(facts(points=NO_RESPONSE, lines=[current]))
        assert topics(out) == [Topic.DOSE_REVIEW, Topic.REPEAT_BIOPSY]
        card = one(out, Topic.DOSE_REVIEW)
        assert (
            card.summary
            == "No response after 7 months: cyclophosphamide 3 of 6 pulses given, 6 due"
        )
        assert [(r.label, r.value, r.unit, r.when) for r in own_rows(card)] == [
            ("Pulse: cyclophosphamide", 500.0, "mg", day(n)) for n in (0, 14, 28)
        ]
        (give,) = card.actions
        assert give.label == "Give the remaining 3 cyclophosphamide pulses"
        assert give.parameters["dosage_text"] == "500 mg IV every 2 weeks x 3 (Euro-Lupus)"
        assert card.citations == (KDIGO_2024.sources.euro_lupus,)

    def test_missed_nih_pulses(self) -> None:
        """NIH-type monthly pulses, 2 of 6 given: the remaining 4 on the NIH schedule."""
        current = line(cyc_iv(0, 28, scheme=PulseScheme.NIH, mg=750.0))
        card = one(run(facts(points=NO_RESPONSE, lines=[current])), Topic.DOSE_REVIEW)
        (give,) = card.actions
        assert give.parameters["dosage_text"] == "0.5-1 g/m2 IV every 4 weeks x 4 (NIH-type)"

    def test_a_pulse_without_a_recorded_dose(self) -> None:
        """A pulse whose dose was not recorded is a row with text."""
        current = line(cyc_iv(0, 14, mg=None))
        card = one(run(facts(points=NO_RESPONSE, lines=[current])), Topic.DOSE_REVIEW)
        (first, *_) = own_rows(card)
        assert (first.value, first.text) == (None, "dose not recorded")

    def test_every_pulse_given_is_refractory(self) -> None:
        """All six pulses given on schedule and no response: refractory, no dose review."""
        current = line(cyc_iv(0, 14, 28, 42, 56, 70))
        out = run(facts(points=NO_RESPONSE, lines=[current]))
        assert Topic.DOSE_REVIEW not in topics(out)
        assert Topic.REFRACTORY in topics(out)

    def test_administrations_not_provided_leave_delivery_unknown(self) -> None:
        """A server without MedicationAdministration: pulses are not counted as missed."""
        gap = DataGap("MedicationAdministration", "this FHIR server does not provide it")
        out = run(facts(points=NO_RESPONSE, lines=[line(cyc_iv(0))], gaps=[gap]))
        assert Topic.DOSE_REVIEW not in topics(out)
        assert all(
            "IV doses given unknown: this FHIR server does not provide it." in f.notes
            for f in out.findings
        )

    def test_a_held_mycophenolate_is_noted_not_judged(self) -> None:
        """MMF on hold beside cyclophosphamide pulses missed: its dose is not judged, and
        the card says so."""
        current = line(member(MMF, 2000.0, on_hold=True), cyc_iv(0, 14))
        card = one(run(facts(points=NO_RESPONSE, lines=[current])), Topic.DOSE_REVIEW)
        assert "Mycophenolate mofetil is on hold: its dose is not judged." in card.notes
        assert ActionKind.DOSE_STEP not in [a.kind for a in card.actions]
        assert CYC.value in {a.agent for a in card.actions}
