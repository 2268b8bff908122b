"""rules/topics/renal_worsening and flare: the kidney getting worse, before or after a response."""

from __future__ import annotations

from fhir_mappings.facts import Analyte
from fhir_mappings.findings import ActionKind, Severity, Topic
from fhir_mappings.rules.topics._common import BIOPSY_STEPS
from fhir_mappings.rulesets import get_ruleset
from tests.rules._builders import (
    biopsy,
    creat,
    day,
    egfr,
    facts,
    one,
    run,
    topics,
    upcr,
)

KDIGO_2024 = get_ruleset("kdigo-2024")
FLAT = (upcr(-5, 4.0), upcr(100, 3.8), upcr(150, 3.6))


class TestRenalWorsening:
    def test_creatinine_confirmed(self) -> None:
        """Creatinine 1.0 -> 1.5 and 1.5 mg/dL in months 4-5: a critical card with a
        biopsy draft, the values as rows and the creatinine series."""
        pts = (*FLAT, creat(-5, 1.0), creat(60, 1.05), creat(120, 1.5), creat(150, 1.5))
        out = run(facts(today=day(160), points=pts))
        card = out.findings[0]
        assert card.topic is Topic.RENAL_WORSENING
        assert card.severity is Severity.CRITICAL
        assert card.summary == (
            "Renal function worsening on therapy: creatinine up 50 % from baseline (2023-12-27): "
            "earlier repeat biopsy and therapy review"
        )
        assert [(r.marker, r.value, r.when) for r in card.evidence] == [
            ("baseline", 1.0, day(-5)),
            (None, 1.5, day(120)),
            ("latest", 1.5, day(150)),
        ]
        assert [p.value for p in card.series] == [1.0, 1.05, 1.5, 1.5]
        (order,) = card.actions
        assert (order.kind, order.parameters["reason"]) == (
            ActionKind.ORDER_KIDNEY_BIOPSY,
            "Renal function worsening on therapy",
        )
        assert "confirmed by two values beyond 30 %" in card.rationale
        assert card.next_steps[0] == "Repeat kidney biopsy now rather than at 6 months."
        assert card.next_steps[2:] == BIOPSY_STEPS
        assert card.citations == (KDIGO_2024.sources.worsening, KDIGO_2024.sources.algorithm)

    def test_doubled_creatinine_cites_the_aki_staging(self) -> None:
        """One creatinine at twice the baseline: the single-value rule and its source."""
        card = one(
            run(facts(today=day(160), points=(*FLAT, creat(-5, 1.0), creat(150, 2.1)))),
            Topic.RENAL_WORSENING,
        )
        assert "creatinine at least 2 x baseline" in card.rationale
        assert card.citations[1] == KDIGO_2024.sources.worsening_single

    def test_halved_egfr(self) -> None:
        """eGFR 80 -> 38: 'eGFR down' in the summary, the eGFR series on the card."""
        card = one(
            run(facts(today=day(160), points=(*FLAT, egfr(-5, 80.0), egfr(150, 38.0)))),
            Topic.RENAL_WORSENING,
        )
        assert "eGFR down 52 %" in card.summary
        assert "eGFR down at least 50 %" in card.rationale
        assert {p.analyte for p in card.series} == {Analyte.EGFR}

    def test_egfr_confirmed(self) -> None:
        """eGFR down 35 % twice: confirmed, beyond 30 %."""
        pts = (*FLAT, egfr(-5, 80.0), egfr(120, 52.0), egfr(150, 52.0))
        card = one(run(facts(today=day(160), points=pts)), Topic.RENAL_WORSENING)
        assert "confirmed by two values beyond 30 %" in card.rationale

    def test_with_proteinuria_shows_both(self) -> None:
        """UPCR 0.8 -> 2.1 with creatinine up 20 %: proteinuria rows beside creatinine."""
        pts = (upcr(-5, 0.8), upcr(150, 2.1), creat(-5, 1.0), creat(150, 1.2))
        card = one(run(facts(today=day(160), points=pts)), Topic.RENAL_WORSENING)
        assert "with proteinuria rising" in card.rationale
        assert [(r.label, r.marker) for r in card.evidence][-2:] == [
            ("UPCR", "baseline"),
            ("UPCR", "latest"),
        ]

    def test_a_biopsy_after_the_worsening_is_not_asked_again(self) -> None:
        """A biopsy after the first worse value: no draft; the steps review its findings."""
        pts = (*FLAT, creat(-5, 1.0), creat(120, 1.5), creat(150, 1.5))
        card = one(
            run(facts(today=day(160), points=pts, biopsies=[biopsy(140)])), Topic.RENAL_WORSENING
        )
        assert card.actions == ()
        assert card.summary.endswith(f"biopsy done {day(140).isoformat()}: review therapy")
        assert card.next_steps[0].startswith(f"Kidney biopsy done {day(140).isoformat()}")
        assert card.evidence[-1].label == "Kidney biopsy"

    def test_it_replaces_the_refractory_and_repeat_biopsy_cards(self) -> None:
        """Worsening at month 7 without response: the worsening card says it; the switch
        card still follows (deterioration on therapy is refractory disease)."""
        pts = (upcr(-5, 4.0), upcr(190, 3.5), creat(-5, 1.0), creat(170, 1.5), creat(190, 1.5))
        out = run(facts(points=pts))
        assert topics(out) == [Topic.RENAL_WORSENING, Topic.THERAPY_SWITCH]

    def test_one_value_beyond_30_percent_asks_for_a_repeat(self) -> None:
        """Creatinine 1.0 -> 1.4 on one value in month 5: a warning (not the critical card)
        that orders a serum creatinine (2160-0) to confirm, without a biopsy draft."""
        pts = (*FLAT, creat(-5, 1.0), creat(150, 1.4))
        out = run(facts(today=day(160), points=pts))
        assert topics(out) == [Topic.RENAL_WORSENING]
        card = out.findings[0]
        assert card.severity is Severity.WARNING
        assert card.summary == (
            "Possible renal worsening: creatinine up 40 % from baseline on one value; "
            "repeat to confirm"
        )
        assert card.rationale.startswith("One value beyond 30 % of baseline;")
        (order,) = card.actions
        assert (order.kind, order.parameters["loinc"]) == (ActionKind.ORDER_LAB, "2160-0")
        assert [(r.marker, r.value) for r in card.evidence] == [("baseline", 1.0), ("latest", 1.4)]
        assert card.next_steps[0] == "Repeat serum creatinine (and eGFR) soon."
        assert card.citations == (KDIGO_2024.sources.worsening, KDIGO_2024.sources.algorithm)

    def test_below_30_percent_on_one_value_there_is_no_card(self) -> None:
        """Creatinine up 29 % on one value: no worsening card at all."""
        pts = (*FLAT, creat(-5, 1.0), creat(150, 1.29))
        assert Topic.RENAL_WORSENING not in topics(run(facts(today=day(160), points=pts)))

    def test_an_unconfirmed_worsening_does_not_hold_back_the_other_cards(self) -> None:
        """One creatinine 40 % up at month 7 without response: the repeat-value warning,
        and the refractory card (with its biopsy) and the switch still follow."""
        pts = (upcr(-5, 4.0), upcr(190, 3.5), creat(-5, 1.0), creat(190, 1.4))
        out = run(facts(points=pts))
        assert topics(out) == [Topic.RENAL_WORSENING, Topic.REFRACTORY, Topic.THERAPY_SWITCH]
        assert one(out, Topic.RENAL_WORSENING).severity is Severity.WARNING
        assert [a.kind for a in one(out, Topic.REFRACTORY).actions] == [
            ActionKind.ORDER_KIDNEY_BIOPSY
        ]


class TestFlare:
    def test_a_moderate_proteinuric_flare_is_a_warning_not_refractory(self) -> None:
        """Complete response, then UPCR 1.2 and 1.4: a flare card (biopsy, re-induction);
        no refractory, switch or status card."""
        pts = (
            upcr(-5, 3.5),
            upcr(100, 0.3),
            upcr(300, 1.2),
            upcr(320, 1.4),
            creat(-5, 1.0),
            creat(100, 1.0),
        )
        out = run(facts(today=day(330), points=pts), show_status=True)
        assert topics(out) == [Topic.FLARE]
        card = out.findings[0]
        assert card.severity is Severity.WARNING
        assert card.summary == (
            f"Renal flare (moderate, proteinuric) after a response on {day(100).isoformat()}: "
            "UPCR 0.3 g/g → 1.4 g/g"
        )
        assert [(r.marker, r.value) for r in card.evidence] == [
            ("reference", 0.3),
            (None, 1.2),
            ("latest", 1.4),
        ]
        assert [p.value for p in card.series] == [0.3, 1.2, 1.4]
        assert any(s.startswith("Re-induce") for s in card.next_steps)
        assert [a.kind for a in card.actions] == [ActionKind.ORDER_KIDNEY_BIOPSY]
        assert card.citations == (KDIGO_2024.sources.flare, KDIGO_2024.sources.repeat_biopsy)

    def test_a_severe_flare_is_critical(self) -> None:
        """UPCR up by more than 5 g/g: critical."""
        pts = (
            upcr(-5, 3.5),
            upcr(100, 0.3),
            upcr(300, 0.3),
            upcr(320, 6.0),
            creat(-5, 1.0),
            creat(100, 1.0),
        )
        assert (
            one(run(facts(today=day(330), points=pts)), Topic.FLARE).severity is Severity.CRITICAL
        )

    def test_a_nephritic_flare_shows_the_creatinine_series(self) -> None:
        """Creatinine up 0.3 mg/dL twice after a complete response: the creatinine series."""
        pts = (
            upcr(-5, 3.5),
            upcr(100, 0.3),
            upcr(320, 0.3),
            creat(-5, 1.0),
            creat(100, 1.0),
            creat(300, 1.3),
            creat(320, 1.3),
        )
        card = one(run(facts(today=day(330), points=pts)), Topic.FLARE)
        assert "nephritic" in card.summary
        assert [p.value for p in card.series] == [1.0, 1.3, 1.3]

    def test_a_biopsy_after_the_rise_is_reviewed_not_ordered(self) -> None:
        """A biopsy after the first risen value: no draft; the first step reviews it."""
        pts = (
            upcr(-5, 3.5),
            upcr(100, 0.3),
            upcr(300, 1.2),
            upcr(320, 1.4),
            creat(-5, 1.0),
            creat(100, 1.0),
        )
        card = one(run(facts(today=day(330), points=pts, biopsies=[biopsy(310)])), Topic.FLARE)
        assert card.actions == ()
        assert (
            card.next_steps[0] == f"Kidney biopsy done {day(310).isoformat()}: review its findings."
        )
