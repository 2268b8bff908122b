"""rules/topics/refractory and repeat_biopsy: no response after the earliest month of an
induction that was taken and fully delivered."""

from __future__ import annotations

import pytest

from fhir_mappings.facts import Agent, Analyte, LineChange, LineRole, RefillStatus, SafetyKind
from fhir_mappings.findings import ActionKind, Severity, Topic
from fhir_mappings.rules.topics._common import BIOPSY_STEPS, REPEAT_BIOPSY_STEP
from fhir_mappings.rulesets import RULESETS, get_ruleset
from tests.rules._builders import (
    NO_RESPONSE,
    PARTIAL,
    RENAL,
    START,
    biopsy,
    cyc_iv,
    day,
    event,
    exposure,
    facts,
    line,
    mmf,
    one,
    run,
    safety,
    topics,
    upcr,
)

KDIGO_2024 = get_ruleset("kdigo-2024")


class TestRefractory:
    def test_the_card_names_the_regimen_its_dose_and_the_months(self) -> None:
        """No response on MMF 3 g/day at day 200: refractory, with the regimen and dose."""
        card = one(run(facts(points=NO_RESPONSE)), Topic.REFRACTORY)
        assert card.severity is Severity.WARNING
        assert card.summary == (
            "Refractory lupus nephritis: no response after 7 months of "
            "mycophenolate mofetil 3 g/day"
        )

    def test_an_iv_regimen_is_named_without_a_daily_dose(self) -> None:
        """IV cyclophosphamide: pulses are not a daily dose."""
        current = line(cyc_iv(0, 14, 28, 42, 56, 70))
        card = one(run(facts(points=NO_RESPONSE, lines=[current])), Topic.REFRACTORY)
        assert card.summary.endswith("of IV cyclophosphamide")

    def test_evidence_is_baseline_and_latest_as_values(self) -> None:
        """The rows carry baseline and latest proteinuria and renal function as numbers
        in their units, then the dose and the refills its steps name; the series is the
        proteinuria from the baseline on."""
        card = one(run(facts(points=NO_RESPONSE)), Topic.REFRACTORY)
        assert [(r.marker, r.label, r.value, r.unit, r.when) for r in card.evidence] == [
            ("baseline", "UPCR", 4.0, "g/g", day(-5)),
            ("latest", "UPCR", 3.5, "g/g", day(190)),
            ("baseline", "eGFR", 80.0, "mL/min/{1.73_m2}", day(-5)),
            ("latest", "eGFR", 80.0, "mL/min/{1.73_m2}", day(190)),
            ("latest order", "Mycophenolate mofetil", 3000.0, "mg/day", START),
            (None, "PDC: mycophenolate mofetil", 95.0, "%", START),
        ]
        assert all(r.analyte in (Analyte.UPCR, Analyte.EGFR) for r in card.evidence[:4])
        assert [p.value for p in card.series] == [4.0, 3.5]
        assert "PDC mycophenolate mofetil 95 %" in card.next_steps[0]
        assert card.next_steps[1] == "Dose at the induction target: mycophenolate mofetil 3 g/day."

    def test_a_dose_the_dose_card_steps_is_left_to_it(self) -> None:
        """MMF 2 g/day without response: the refractory card shows the refills but not the
        dose, which the dose card shows with its target."""
        out = run(facts(points=NO_RESPONSE, lines=[line(mmf(2.0))]))
        labels = [r.label for r in one(out, Topic.REFRACTORY).evidence]
        assert "Mycophenolate mofetil" not in labels
        assert "PDC: mycophenolate mofetil" in labels
        (dose,) = [r for r in one(out, Topic.DOSE_REVIEW).evidence if r.unit == "mg/day"]
        assert dose.marker == "target 3 g/day"

    def test_rationale_and_sources(self) -> None:
        """The rule is stated with its thresholds; the response definitions, the review,
        the repeat biopsy it drafts and the prognosis are cited; the prognosis is a note."""
        card = one(run(facts(points=NO_RESPONSE)), Topic.REFRACTORY)
        assert card.rationale == (
            "No complete (proteinuria < 0.5 g/g) or partial (fall >= 50 % and < 3 g/g) "
            "response after 7 months on mycophenolate mofetil 3 g/day "
            "(KDIGO 2024 lupus nephritis guideline)."
        )
        sources = KDIGO_2024.sources
        assert card.citations == (
            KDIGO_2024.response_citation,
            sources.algorithm,
            sources.repeat_biopsy,
            sources.prognosis,
        )
        assert sources.repeat_biopsy.short == "ACR 2024 LN"
        assert card.notes[-1].startswith(
            "10-year renal survival by remission: 94 % complete, 45 % partial, 19 % none"
        )

    def test_kdigo_2012_states_its_cap_only_from_a_nephrotic_baseline(self) -> None:
        """KDIGO 2012's partial response caps at 3 g/g only if nephrotic at baseline."""
        card = one(run(facts(points=NO_RESPONSE), "kdigo-2012"), Topic.REFRACTORY)
        assert "and < 3 g/g if nephrotic at baseline" in card.rationale

    @pytest.mark.parametrize("name", sorted(RULESETS))
    def test_each_ruleset_is_named(self, name: str) -> None:
        """The ruleset's title is in the rationale of the refractory and biopsy cards (the
        biopsy card where there is no refractory card: pulses missed)."""
        title = get_ruleset(name).title
        assert title in one(run(facts(points=NO_RESPONSE), name), Topic.REFRACTORY).rationale
        missed = run(facts(points=NO_RESPONSE, lines=[line(cyc_iv(0, 14, 28))]), name)
        assert title in one(missed, Topic.REPEAT_BIOPSY).rationale

    def test_the_card_carries_the_repeat_biopsy(self) -> None:
        """The fewest cards: the refractory card drafts the repeat biopsy, its steps name
        the lesions to exclude, and no separate biopsy card is shown."""
        out = run(facts(points=NO_RESPONSE))
        assert topics(out) == [Topic.REFRACTORY, Topic.THERAPY_SWITCH]
        card = one(out, Topic.REFRACTORY)
        (order,) = card.actions
        assert (order.kind, order.recommended) == (ActionKind.ORDER_KIDNEY_BIOPSY, True)
        assert order.parameters == {"reason": "No response to induction therapy"}
        assert card.next_steps == (
            "Adherence not in doubt: refills cover the period (PDC mycophenolate mofetil 95 %).",
            "Dose at the induction target: mycophenolate mofetil 3 g/day.",
            REPEAT_BIOPSY_STEP,
            "Then switch or add therapy (see the switch card).",
        )

    def test_an_iv_line_does_not_ask_about_adherence(self) -> None:
        """Every agent given IV by clinicians: adherence is not in question, and the
        pulses were all given."""
        current = line(cyc_iv(0, 14, 28, 42, 56, 70))
        card = one(run(facts(points=NO_RESPONSE, lines=[current])), Topic.REFRACTORY)
        assert card.next_steps[:2] == (
            "Adherence is not in question: every agent of the line is given by clinicians.",
            "Pulses given as scheduled (cyclophosphamide 6 of 6 pulses).",
        )

    def test_a_dose_below_target_is_named_and_the_switch_waits(self) -> None:
        """MMF 2 g/day, no response: the card names the dose and says the switch waits for
        the dose step (the dose card drafts it)."""
        out = run(facts(points=NO_RESPONSE, lines=[line(mmf(2.0))]))
        card = one(out, Topic.REFRACTORY)
        assert card.next_steps[1] == (
            "Dose below target: mycophenolate mofetil 2 g/day; the dose card's step comes "
            "before a switch."
        )
        assert card.next_steps[-1] == "Then, if there is still no response, switch or add therapy."
        assert Topic.DOSE_REVIEW in topics(out)
        assert Topic.THERAPY_SWITCH not in topics(out)

    def test_adherence_unknown_without_dispense_records_says_so(self) -> None:
        """No dispense records: the card asks to confirm adherence to the agent by name."""
        none = exposure(Agent.MYCOPHENOLATE_MOFETIL, None, status=RefillStatus.NO_DISPENSES)
        out = run(facts(points=NO_RESPONSE, exposures=[none]))
        card = one(out, Topic.REFRACTORY)
        assert card.next_steps[0] == (
            "Confirm adherence to mycophenolate mofetil (drug levels, refills): the record "
            "cannot tell."
        )

    def test_a_repeat_biopsy_done_is_reviewed_not_ordered(self) -> None:
        """A repeat biopsy on the clock: no order, its findings to review, its row shown, and
        the repeat-biopsy source no longer cited."""
        card = one(run(facts(points=NO_RESPONSE, biopsies=[biopsy(150)])), Topic.REFRACTORY)
        assert card.actions == ()
        assert card.next_steps[2:] == (
            f"Kidney biopsy done {day(150).isoformat()}: review its findings.",
            "Then switch or add therapy (see the switch card).",
        )
        assert (card.evidence[-1].label, card.evidence[-1].when) == ("Kidney biopsy", day(150))
        assert KDIGO_2024.sources.repeat_biopsy not in card.citations

    def test_pregnancy_changes_the_last_steps(self) -> None:
        """Pregnant: the biopsy timed with obstetrics, then agents compatible with pregnancy."""
        record = safety(event(SafetyKind.PREGNANCY, day(150)))
        card = one(run(facts(points=NO_RESPONSE, record=record)), Topic.REFRACTORY)
        assert [a.kind for a in card.actions] == [ActionKind.ORDER_KIDNEY_BIOPSY]
        assert card.next_steps[-2:] == (
            "Pregnancy: plan the timing of the biopsy with obstetrics.",
            "Then change to agents compatible with pregnancy (see the pregnancy card).",
        )

    def test_not_for_a_partial_response(self) -> None:
        """A partial response is not refractory and needs no repeat biopsy."""
        assert run(facts(points=PARTIAL)).findings == ()

    def test_a_lost_response_is_not_refractory(self) -> None:
        """Partial at day 100, back to 3.5 g/g at day 190: the line responded once, so
        it is judged for a flare, never called refractory."""
        pts = (upcr(-5, 4.0), upcr(100, 1.5), upcr(190, 3.5), *RENAL)
        assert Topic.REFRACTORY not in topics(run(facts(points=pts)))


class TestRepeatBiopsy:
    @pytest.mark.parametrize(
        ("n", "asked"), [(-1, True), (0, True), (41, True), (42, False), (150, False)]
    )
    def test_a_biopsy_in_the_first_six_weeks_is_diagnostic(self, n: int, asked: bool) -> None:
        """A biopsy up to day 41 of the line is its diagnostic biopsy (the repeat is still
        asked, on the refractory card); from day 42 it is a repeat biopsy and none is
        ordered."""
        out = run(facts(points=NO_RESPONSE, biopsies=[biopsy(n)]))
        assert Topic.REPEAT_BIOPSY not in topics(out)
        orders = [a.kind for a in one(out, Topic.REFRACTORY).actions]
        assert (orders == [ActionKind.ORDER_KIDNEY_BIOPSY]) is asked
        assert (orders == []) is not asked

    @pytest.mark.parametrize(
        ("n", "asked"), [(-1, True), (0, True), (41, True), (42, False), (150, False)]
    )
    def test_without_a_refractory_card_the_biopsy_card_is_shown(self, n: int, asked: bool) -> None:
        """Pulses missed (no refractory card): the same diagnostic window decides whether
        the repeat-biopsy card is shown."""
        current = line(cyc_iv(0, 14, 28))
        out = run(facts(points=NO_RESPONSE, lines=[current], biopsies=[biopsy(n)]))
        assert Topic.REFRACTORY not in topics(out)
        assert (Topic.REPEAT_BIOPSY in topics(out)) is asked

    def test_the_card_orders_a_biopsy_and_lists_what_to_exclude(self) -> None:
        """Without a refractory card (pulses missed): a recommended draft biopsy order; the
        steps name the lesions to exclude."""
        current = line(cyc_iv(0, 14, 28))
        out = run(facts(points=NO_RESPONSE, lines=[current], biopsies=[biopsy(10)]))
        card = one(out, Topic.REPEAT_BIOPSY)
        (order,) = card.actions
        assert (order.kind, order.recommended) == (ActionKind.ORDER_KIDNEY_BIOPSY, True)
        assert order.parameters == {"reason": "No response to induction therapy"}
        assert card.next_steps == BIOPSY_STEPS
        assert card.evidence[-1].label == "Kidney biopsy"
        assert card.evidence[-1].when == day(10)
        assert card.citations[0] == KDIGO_2024.sources.repeat_biopsy

    def test_a_maintenance_line_is_judged_on_its_induction_clock(self) -> None:
        """A biopsy after the step-down but 6 weeks into the induction counts as repeat."""
        maintenance = line(
            mmf(2.0, start=day(150)),
            number=2,
            start=day(150),
            role=LineRole.MAINTENANCE,
            change=LineChange.STEP_DOWN,
            clock_start=START,
        )
        out = run(
            facts(
                points=NO_RESPONSE,
                lines=[line(mmf(end=day(150))), maintenance],
                biopsies=[biopsy(60)],
            )
        )
        assert Topic.REPEAT_BIOPSY not in topics(out)
        card = one(out, Topic.REFRACTORY)
        assert card.actions == ()
        assert f"Kidney biopsy done {day(60).isoformat()}: review its findings." in card.next_steps
