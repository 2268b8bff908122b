"""rules/topics/pregnancy and not_applicable: the cards the safety context adds."""

from __future__ import annotations

from fhir_mappings.facts import Agent, Certainty, SafetyKind
from fhir_mappings.findings import Severity, Topic
from fhir_mappings.rulesets import get_ruleset
from tests.rules._builders import (
    NO_RESPONSE,
    day,
    egfr,
    event,
    facts,
    line,
    member,
    one,
    run,
    safety,
    upcr,
)

KDIGO_2024 = get_ruleset("kdigo-2024")
PREGNANT = safety(event(SafetyKind.PREGNANCY, day(150), display="Pregnant"))


class TestPregnancyCard:
    def test_critical_on_a_teratogenic_line(self) -> None:
        """Pregnant on MMF: critical; replace MMF; the compatible agents are listed."""
        card = one(run(facts(points=NO_RESPONSE, record=PREGNANT)), Topic.PREGNANCY)
        assert card.severity is Severity.CRITICAL
        assert card.summary == (
            "Pregnancy: mycophenolate mofetil not for use in pregnancy; specialist review"
        )
        assert card.next_steps == (
            "Review with maternal-fetal medicine and nephrology/rheumatology.",
            "Replace mycophenolate mofetil with a compatible agent.",
            "Agents compatible with pregnancy: hydroxychloroquine, azathioprine, tacrolimus, "
            "cyclosporine, prednisone (low-dose glucocorticoids).",
            "No dose step or new order is drafted for mycophenolate mofetil or any agent not "
            "for use in pregnancy.",
        )
        assert card.notes == ()
        (trace,) = card.traces
        assert trace.fact == (
            f"pregnancy recorded {day(150).isoformat()} (Pregnant); record Condition/pregnancy"
        )
        assert card.citations[0] == KDIGO_2024.sources.pregnancy

    def test_a_warning_on_a_compatible_line(self) -> None:
        """Pregnant on azathioprine: a warning; no drug to replace."""
        current = line(member(Agent.AZATHIOPRINE, 100.0))
        card = one(
            run(facts(points=NO_RESPONSE, lines=[current], record=PREGNANT)), Topic.PREGNANCY
        )
        assert card.severity is Severity.WARNING
        assert card.summary == "Pregnancy: no teratogenic draft orders; specialist review"
        assert not any(s.startswith("Replace") for s in card.next_steps)
        assert not any(s.startswith("No dose step") for s in card.next_steps)

    def test_a_possible_pregnancy_asks_for_a_test_first(self) -> None:
        """A provisional pregnancy: confirm or exclude it with a test, first."""
        record = safety(event(SafetyKind.PREGNANCY, day(150), certainty=Certainty.POSSIBLE))
        card = one(run(facts(points=NO_RESPONSE, record=record)), Topic.PREGNANCY)
        assert card.summary.startswith("Possible pregnancy: ")
        assert card.next_steps[0] == "Confirm or exclude pregnancy with a test."


class TestNotApplicable:
    def test_the_card_says_why_and_drafts_nothing(self) -> None:
        """eGFR below 15 for months: one info card with the fact, and no draft."""
        pts = (upcr(-5, 4.0), upcr(190, 3.5), egfr(-5, 40.0), egfr(60, 12.0), egfr(195, 10.0))
        (card,) = run(facts(points=pts)).findings
        assert (card.topic, card.severity, card.actions) == (
            Topic.NOT_APPLICABLE,
            Severity.INFO,
            (),
        )
        since = day(60).isoformat()
        assert card.summary == (
            f"Refractory lupus nephritis check not applied: eGFR below 15 since {since} "
            "(latest 10 mL/min/1.73 m²)"
        )
        assert "an eGFR below 15 mL/min/1.73 m² for at least 90 days" in card.rationale
        assert card.citations == (
            KDIGO_2024.sources.kidney_failure,
            KDIGO_2024.sources.kidney_failure_ln,
        )
        (trace,) = card.traces
        assert trace.effect == "no refractory, biopsy, dose or switch cards"
