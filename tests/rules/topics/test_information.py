"""The information cards: improving, maintenance biopsy, CNI caveat, data gap, status."""

from __future__ import annotations

from dataclasses import replace

import pytest

from fhir_mappings.facts import Agent, LabPoint, LineChange, LineRole, TherapyLine
from fhir_mappings.findings import ActionKind, Severity, Topic
from fhir_mappings.rules.algorithm import findings_for
from fhir_mappings.rulesets import get_ruleset
from tests.rules._builders import (
    COMPLETE,
    NO_RESPONSE,
    PARTIAL,
    RENAL,
    START,
    biopsy,
    creat,
    day,
    facts,
    line,
    member,
    mmf,
    one,
    protein_24h,
    run,
    topics,
    unreadable,
    upcr,
)

KDIGO_2024 = get_ruleset("kdigo-2024")


def falling_to(at_month_12: float, *, today_n: float = 200) -> tuple[LabPoint, ...]:
    """UPCR 4.0 g/g at the start falling on a straight line that reaches ``at_month_12``
    on day 365 (the end of the 12-month window), sampled on days 60, 120 and 180."""
    slope = (4.0 - at_month_12) / 365
    return (upcr(0, 4.0), *(upcr(n, 4.0 - slope * n) for n in (60, 120, 180)), *RENAL)


class TestImproving:
    @pytest.mark.parametrize(("at_month_12", "improving"), [(1.99, True), (2.01, False)])
    def test_the_projection_must_reach_partial_response_by_month_12(
        self, at_month_12: float, improving: bool
    ) -> None:
        """Falling values whose fitted line reaches 1.99 g/g (a 50 % fall from 4.0) by
        month 12 wait for month 12; a line reaching only 2.01 g/g is refractory now."""
        out = run(facts(points=falling_to(at_month_12)))
        assert (Topic.IMPROVING in topics(out)) is improving
        assert (Topic.REFRACTORY in topics(out)) is not improving

    def test_the_card_waits_instead_of_switching(self) -> None:
        """Improving: an info card replaces the refractory, biopsy and switch cards."""
        out = run(facts(points=falling_to(1.9)))
        assert topics(out) == [Topic.IMPROVING]
        card = out.findings[0]
        assert card.severity is Severity.INFO
        assert card.summary == (
            "Not yet responding after 7 months of mycophenolate mofetil 3 g/day, but improving "
            "(proteinuria 3.65 → 3.31 → 2.96): re-assess by month 12"
        )
        assert card.next_steps[-1] == "Re-assess the response by month 12."
        assert card.citations[0] == KDIGO_2024.sources.improving

    def test_a_value_that_did_not_fall_is_not_improving(self) -> None:
        """The three newest values must each be lower than the one before."""
        pts = (upcr(0, 4.0), upcr(60, 3.0), upcr(120, 3.1), upcr(180, 2.2), *RENAL)
        assert Topic.IMPROVING not in topics(run(facts(points=pts)))

    def test_a_value_with_a_comparator_is_not_a_trend(self) -> None:
        """'<3.0' cannot be placed on a line: no improving call."""
        pts = (upcr(0, 4.0), upcr(60, 3.6), upcr(120, 3.2), upcr(180, 3.0, "<"), *RENAL)
        assert Topic.IMPROVING not in topics(run(facts(points=pts)))

    def test_two_values_are_not_a_trend(self) -> None:
        """Only two values since the baseline: not enough to call improvement."""
        pts = (upcr(0, 4.0), upcr(120, 3.0), upcr(180, 2.6), *RENAL)
        assert Topic.IMPROVING not in topics(run(facts(points=pts)))

    def test_not_with_renal_function_now_beyond_the_band(self) -> None:
        """Creatinine up 20 % (beyond KDIGO 2024's 15 %) on a value newer than the last
        UPCR: creatinine is not stable, so falling proteinuria does not buy time."""
        pts = (*falling_to(1.9)[:4], creat(-5, 1.0), creat(190, 1.2))
        out = run(facts(points=pts))
        assert Topic.IMPROVING not in topics(out)
        assert Topic.REFRACTORY in topics(out)

    def test_not_past_month_12(self) -> None:
        """At month 12 the wait is over: refractory, not improving."""
        pts = (*falling_to(1.0)[:4], upcr(360, 2.5), creat(-5, 1.0), creat(360, 1.0))
        out = run(facts(points=pts, today=day(370)))
        assert Topic.IMPROVING not in topics(out)
        assert Topic.REFRACTORY in topics(out)


def maintenance(*, end: object = None, stop_in_days: int | None = None) -> list[TherapyLine]:
    """Induction MMF 3 g/day from START, maintenance 2 g/day from day 150 (its order
    ending ``stop_in_days`` after day 400, or the line ended on ``end``)."""
    order_end = day(400 + stop_in_days) if stop_in_days is not None else None
    step_down = line(
        mmf(2.0, start=day(150), end=order_end),
        number=2,
        start=day(150),
        end=end,  # type: ignore[arg-type]
        role=LineRole.MAINTENANCE,
        change=LineChange.STEP_DOWN,
        clock_start=START,
    )
    return [line(mmf(end=day(150)), end=day(150)), step_down]


IN_REMISSION = (upcr(-5, 3.5), upcr(100, 0.3), upcr(390, 0.2), creat(-5, 1.0), creat(390, 1.0))


class TestMaintenanceBiopsy:
    @pytest.mark.parametrize(("days", "shown"), [(0, True), (90, True), (91, False)])
    def test_an_order_ending_within_90_days(self, days: int, shown: bool) -> None:
        """Maintenance in complete response whose order ends within 90 days: a biopsy
        before stopping is suggested; an order ending in 91 days is not yet stopping."""
        out = run(facts(points=IN_REMISSION, lines=maintenance(stop_in_days=days), today=day(400)))
        assert (Topic.MAINTENANCE_BIOPSY in topics(out)) is shown
        if shown:
            card = one(out, Topic.MAINTENANCE_BIOPSY)
            assert card.summary == (
                f"Maintenance (mycophenolate mofetil 2 g/day) ends {day(400 + days).isoformat()} "
                "in complete response: consider a kidney biopsy before stopping"
            )
            assert [a.kind for a in card.actions] == [ActionKind.ORDER_KIDNEY_BIOPSY]

    def test_a_maintenance_line_just_stopped(self) -> None:
        """Maintenance stopped 30 days ago in complete response: the card, dated by the stop."""
        out = run(facts(points=IN_REMISSION, lines=maintenance(end=day(370)), today=day(400)))
        assert f"ends {day(370).isoformat()}" in one(out, Topic.MAINTENANCE_BIOPSY).summary

    @pytest.mark.parametrize(("stopped_days_ago", "shown"), [(30, True), (31, False)])
    def test_a_stopped_line_counts_within_the_notice_window(
        self, stopped_days_ago: int, shown: bool
    ) -> None:
        """With a 30-day notice window, maintenance stopped 30 days ago still gets the
        card and one stopped 31 days ago does not: the stop is read with the same window."""
        rs = get_ruleset("kdigo-2024")
        short = replace(rs, treatment=replace(rs.treatment, maintenance_stop_notice_days=30))
        lines = maintenance(end=day(400 - stopped_days_ago))
        f = facts(points=IN_REMISSION, lines=lines, today=day(400))
        found = findings_for(f, short).findings
        assert (Topic.MAINTENANCE_BIOPSY in [x.topic for x in found]) is shown

    def test_ongoing_maintenance_is_left_alone(self) -> None:
        """Maintenance with no end in view: nothing to say."""
        assert run(facts(points=IN_REMISSION, lines=maintenance(), today=day(400))).findings == ()

    def test_a_biopsy_since_the_response_answers_it(self) -> None:
        """A biopsy after the response: no card."""
        out = run(
            facts(
                points=IN_REMISSION,
                lines=maintenance(stop_in_days=30),
                biopsies=[biopsy(350)],
                today=day(400),
            )
        )
        assert Topic.MAINTENANCE_BIOPSY not in topics(out)

    def test_only_in_complete_response(self) -> None:
        """A partial response on maintenance: no card."""
        pts = (upcr(-5, 3.5), upcr(100, 1.2), upcr(390, 1.2), creat(-5, 1.0), creat(390, 1.0))
        out = run(facts(points=pts, lines=maintenance(stop_in_days=30), today=day(400)))
        assert Topic.MAINTENANCE_BIOPSY not in topics(out)

    def test_only_for_maintenance(self) -> None:
        """An induction line in complete response is not maintenance being stopped."""
        current = line(mmf(end=day(420)))
        assert run(facts(points=IN_REMISSION, lines=[current], today=day(400))).findings == ()


class TestCniCaveat:
    @pytest.mark.parametrize("points", [PARTIAL, COMPLETE])
    def test_a_response_on_a_calcineurin_inhibitor(self, points: tuple[LabPoint, ...]) -> None:
        """Multitarget in response: an info card, biopsy before stopping or tapering."""
        current = line(mmf(1.0), member(Agent.TACROLIMUS, 4.0))
        out = run(facts(points=points, lines=[current]))
        assert topics(out) == [Topic.CNI_CAVEAT]
        card = out.findings[0]
        assert card.severity is Severity.INFO
        assert card.next_steps == ("Consider a kidney biopsy before stopping or tapering therapy.",)

    def test_not_without_a_response(self) -> None:
        """No response on multitarget: no caveat."""
        current = line(mmf(1.0), member(Agent.TACROLIMUS, 4.0))
        assert Topic.CNI_CAVEAT not in topics(run(facts(points=NO_RESPONSE, lines=[current])))


class TestDataGap:
    @pytest.mark.parametrize(
        ("points", "today_n", "what"),
        [
            ((upcr(190, 3.5),), 200, "no baseline proteinuria"),
            ((upcr(-5, 4.0), upcr(20, 3.5)), 200, "no recent proteinuria"),
            ((upcr(-5, 4.0),), 121, "no recent proteinuria"),
        ],
    )
    def test_what_is_missing_and_a_upcr_order(
        self, points: tuple[LabPoint, ...], today_n: int, what: str
    ) -> None:
        """No baseline, or no recent value: an info card that orders a UPCR (2890-2), names
        both baseline windows, offers a spot or a 24 h urine, and, without a baseline, says
        why a UPCR now still helps."""
        (card,) = run(facts(points=points, today=day(today_n))).findings
        assert card.topic is Topic.DATA_GAP
        assert card.summary == f"Response not assessable: {what}. Order a UPCR"
        assert card.actions[0].parameters["loinc"] == "2890-2"
        assert card.rationale == (
            "Response (KDIGO 2024 lupus nephritis guideline) is judged from a baseline "
            "proteinuria and a recent one. The service takes the baseline within 60 days "
            "before the start of the line, or 14 days after it, and the latest from the last "
            "120 days (its own windows: the guideline sets none)."
        )
        assert card.next_steps == (
            "Measure the urine protein/creatinine ratio (a spot sample as drafted, or on a "
            "24 h urine collection).",
        )
        baseline_note = (
            "The baseline cannot be measured afterwards: a UPCR now gives a reference for "
            "judging the coming months."
        )
        assert (baseline_note in card.notes) is (what == "no baseline proteinuria")

    def test_an_unreadable_latest_result(self) -> None:
        """A newer result that could not be read: the card says so and gives the reason."""
        out = run(facts(points=(upcr(-5, 4.0), upcr(150, 3.5)), unread=[unreadable(190)]))
        card = one(out, Topic.DATA_GAP)
        assert (
            card.summary == "Response not assessable: latest proteinuria unreadable. Order a UPCR"
        )
        assert any("could not be read" in n for n in card.notes)


class TestResponseStatus:
    def test_complete(self) -> None:
        """Complete response, asked for: the date and the rule."""
        card = one(run(facts(points=COMPLETE), show_status=True), Topic.RESPONSE_STATUS)
        assert card.summary == (
            f"Complete response on mycophenolate mofetil 3 g/day since {day(190).isoformat()} "
            "(KDIGO 2024)"
        )
        assert card.rationale == (
            "Proteinuria < 0.5 g/g with stable renal function (KDIGO 2024 lupus nephritis "
            "guideline)."
        )

    def test_partial(self) -> None:
        """Partial response: the fall and the cap."""
        card = one(
            run(facts(points=PARTIAL), "eular-2019", show_status=True), Topic.RESPONSE_STATUS
        )
        assert card.rationale.startswith("Proteinuria fell >= 50 % (and < 3 g/g)")
        assert card.summary.endswith("(EULAR 2019)")
        assert "24 h" not in card.rationale

    def test_a_response_read_on_a_24_h_protein_says_how_it_is_read(self) -> None:
        """The latest proteinuria a 24 h urine protein: the rule says g/day is read as g/g."""
        pts = (upcr(-5, 4.0), protein_24h(190, 0.3), *RENAL)
        card = one(run(facts(points=pts), show_status=True), Topic.RESPONSE_STATUS)
        assert card.rationale == (
            "Proteinuria < 0.5 g/g with stable renal function (KDIGO 2024 lupus nephritis "
            "guideline); a 24 h urine protein in g/day is read as a ratio in g/g."
        )
