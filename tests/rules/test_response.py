"""fhir_mappings.rules.response: baseline, follow-up and the response of one line."""

from __future__ import annotations

import pytest

from fhir_mappings.facts import Analyte, LabPoint, LineChange, LineRole, TherapyLine
from fhir_mappings.findings import ResponseAssessment, ResponseClass
from fhir_mappings.rules.response import (
    RenalSeries,
    assess_line,
    find_baseline,
    is_at_least,
    is_below,
    level_at,
    months_between,
    proteinuria_series,
    renal_worse,
    unreadable_proteinuria_after,
)
from fhir_mappings.rulesets import DAYS_PER_MONTH, Ruleset, get_ruleset
from tests.rules._builders import (
    RENAL,
    START,
    creat,
    day,
    egfr,
    facts,
    line,
    mmf,
    point,
    protein_24h,
    unreadable,
    upcr,
)

C = ResponseClass
KDIGO_2024 = get_ruleset("kdigo-2024")
STABLE = RENAL


def assess(
    rs: Ruleset, *points: LabPoint, today_n: float = 200, of: TherapyLine | None = None
) -> ResponseAssessment:
    """The response of the default MMF line (or ``of``) at day ``today_n``."""
    current = of or line()
    f = facts(today=day(today_n), points=points, lines=[current])
    return assess_line(f, current, rs)


class TestCompleteResponse:
    def test_exactly_at_the_threshold_is_not_complete(self, ruleset: Ruleset) -> None:
        """UPCR exactly at the complete-response threshold is partial, not complete ("<")."""
        cr = ruleset.cr_proteinuria_below_g_g
        r = assess(ruleset, upcr(-5, 4.0), upcr(190, cr), *STABLE)
        assert r.classification is C.PARTIAL

    def test_just_below_the_threshold_is_complete(self, ruleset: Ruleset) -> None:
        """UPCR 0.01 g/g below the threshold is a complete response dated by that value."""
        cr = ruleset.cr_proteinuria_below_g_g
        r = assess(ruleset, upcr(-5, 4.0), upcr(190, cr - 0.01), *STABLE)
        assert r.classification is C.COMPLETE
        assert r.response_date == day(190)
        assert r.first_response_date == day(190)
        assert r.responded

    @pytest.mark.parametrize(
        ("comparator", "value", "expected"),
        [
            ("<", 0.5, C.COMPLETE),
            ("<", 0.6, C.PARTIAL),
            ("<=", 0.5, C.PARTIAL),
            ("<=", 0.4, C.COMPLETE),
            (">", 0.1, C.NONE),
            (">=", 0.1, C.NONE),
        ],
    )
    def test_comparators(self, comparator: str, value: float, expected: ResponseClass) -> None:
        """'<0.5' is below 0.5, '<=0.5' is not; a '>' value is never below nor a fall."""
        r = assess(KDIGO_2024, upcr(-5, 4.0), upcr(190, value, comparator), *STABLE)
        assert r.classification is expected

    def test_eular_complete_threshold_is_0_7(self) -> None:
        """EULAR 2019 calls 0.69 g/g complete where both KDIGO rulesets call it partial."""
        pts = (upcr(-5, 4.0), upcr(190, 0.69), *STABLE)
        assert assess(get_ruleset("eular-2019"), *pts).classification is C.COMPLETE
        assert assess(get_ruleset("kdigo-2024"), *pts).classification is C.PARTIAL
        assert assess(get_ruleset("kdigo-2012"), *pts).classification is C.PARTIAL


class TestPartialResponse:
    @pytest.mark.parametrize(("latest", "expected"), [(1.0, C.PARTIAL), (1.002, C.NONE)])
    def test_fifty_percent_fall(
        self, ruleset: Ruleset, latest: float, expected: ResponseClass
    ) -> None:
        """A 50 % fall exactly is partial (>=); a 49.9 % fall is none."""
        r = assess(ruleset, upcr(-5, 2.0), upcr(190, latest), *STABLE)
        assert r.classification is expected
        assert r.proteinuria_change == pytest.approx((latest - 2.0) / 2.0)

    @pytest.mark.parametrize(("latest", "expected"), [(3.0, C.NONE), (2.99, C.PARTIAL)])
    def test_sub_nephrotic_cap(
        self, ruleset: Ruleset, latest: float, expected: ResponseClass
    ) -> None:
        """From a nephrotic baseline (8 g/g) a >= 50 % fall must also reach < 3 g/g."""
        r = assess(ruleset, upcr(-5, 8.0), upcr(190, latest), *STABLE)
        assert r.classification is expected

    def test_a_24h_protein_wins_its_day(self) -> None:
        """On a day with both, the 24 h protein (g/day, taken as g/g) is the value used."""
        p24 = protein_24h(190, 0.3)
        r = assess(KDIGO_2024, upcr(-5, 4.0), upcr(190, 1.0), p24, *STABLE)
        assert r.latest_proteinuria == p24
        assert r.classification is C.COMPLETE

    def test_the_series_merges_upcr_and_24h_protein(self) -> None:
        """UPCR and 24 h protein make one series, oldest first, one value a day."""
        f = facts(points=(upcr(-5, 4.0), protein_24h(60, 2.0), upcr(60, 2.2), upcr(120, 1.0)))
        assert [(p.day, p.value) for p in proteinuria_series(f)] == [
            (day(-5), 4.0),
            (day(60), 2.0),
            (day(120), 1.0),
        ]
        assert [p.value for p in proteinuria_series(f, at=day(60))] == [4.0, 2.0]


class TestRenalStability:
    @pytest.mark.parametrize(("over", "stable"), [(0.0, True), (0.001, False)])
    def test_creatinine_band(self, ruleset: Ruleset, over: float, stable: bool) -> None:
        """A creatinine rise exactly at the band is stable; 0.001 mg/dL beyond it is not."""
        band = ruleset.creatinine_band
        r = assess(
            ruleset, upcr(-5, 2.0), upcr(190, 0.9), creat(-5, 1.0), creat(190, 1 + band + over)
        )
        assert r.renal_function_stable is stable
        assert r.classification is (C.PARTIAL if stable else C.NONE)

    @pytest.mark.parametrize(("under", "stable"), [(0.0, True), (0.1, False)])
    def test_egfr_band(self, ruleset: Ruleset, under: float, stable: bool) -> None:
        """An eGFR fall exactly at the band is stable; 0.1 mL/min/1.73 m² more is not."""
        low = 80 * (1 - ruleset.egfr_band) - under
        r = assess(ruleset, upcr(-5, 2.0), upcr(190, 0.4), egfr(-5, 80.0), egfr(190, low))
        assert r.renal_function_stable is stable
        assert r.classification is (C.COMPLETE if stable else C.NONE)

    @pytest.mark.parametrize(
        ("name", "stable"), [("kdigo-2024", True), ("eular-2019", True), ("kdigo-2012", False)]
    )
    def test_which_measure_comes_first(self, name: str, stable: bool) -> None:
        """KDIGO 2024 and EULAR judge stability by eGFR first, KDIGO 2012 by creatinine."""
        pts = (upcr(-5, 2.0), upcr(190, 0.4), creat(-5, 1.0), creat(190, 1.5))
        r = assess(get_ruleset(name), *pts, egfr(-5, 80.0), egfr(190, 80.0))
        assert r.renal_function_stable is stable
        assert r.baseline_renal is not None
        expected = Analyte.CREATININE if name == "kdigo-2012" else Analyte.EGFR
        assert r.baseline_renal.analyte is expected

    def test_the_other_measure_stands_in(self) -> None:
        """With no eGFR at all, KDIGO 2024 judges stability by creatinine."""
        r = assess(KDIGO_2024, upcr(-5, 2.0), upcr(190, 0.4), creat(-5, 1.0), creat(190, 1.5))
        assert r.renal_function_stable is False
        assert r.latest_renal == creat(190, 1.5)

    def test_unknown_renal_function_is_judged_on_proteinuria_with_a_reason(self) -> None:
        """Without creatinine or eGFR, proteinuria alone decides and a reason says so."""
        r = assess(KDIGO_2024, upcr(-5, 2.0), upcr(190, 0.4))
        assert r.renal_function_stable is None
        assert r.classification is C.COMPLETE
        assert any("not assessable" in reason for reason in r.reasons)
        assert (r.baseline_renal, r.latest_renal) == (None, None)

    def test_a_zero_renal_baseline_is_not_a_baseline(self) -> None:
        """An eGFR of 0 cannot anchor a fractional band: creatinine stands in."""
        r = assess(KDIGO_2024, upcr(-5, 2.0), upcr(190, 0.4), egfr(-5, 0.0), creat(-5, 1.0))
        assert r.baseline_renal == creat(-5, 1.0)

    def test_stability_is_judged_at_each_value_not_only_the_latest(self) -> None:
        """A value met while creatinine was beyond the band is not a response; the run
        counts from the first value met with stable renal function."""
        pts = (upcr(-5, 4.0), upcr(100, 1.5), upcr(190, 1.5))
        r = assess(KDIGO_2024, *pts, creat(-5, 1.0), creat(95, 1.5), creat(185, 1.0))
        assert r.classification is C.PARTIAL
        assert r.response_date == day(190)
        assert r.first_response_date == day(190)

    @pytest.mark.parametrize(
        ("analyte", "base", "value", "comparator", "worse"),
        [
            (Analyte.CREATININE, 1.0, 2.0, "<", False),
            (Analyte.CREATININE, 1.0, 2.0, "<=", False),
            (Analyte.CREATININE, 1.0, 2.0, None, True),
            (Analyte.CREATININE, 1.0, 2.0, ">", True),
            (Analyte.EGFR, 80.0, 60.0, ">", False),
            (Analyte.EGFR, 80.0, 60.0, ">=", False),
            (Analyte.EGFR, 80.0, 60.0, None, True),
            (Analyte.EGFR, 80.0, 60.0, "<", True),
        ],
    )
    def test_a_comparator_towards_the_better_side_is_never_worse(
        self, analyte: Analyte, base: float, value: float, comparator: str | None, worse: bool
    ) -> None:
        """'<2.0' creatinine or '>60' eGFR may be normal: not called worse."""
        b = point(analyte, day(-5), base)
        assert renal_worse(b, point(analyte, day(50), value, comparator), KDIGO_2024) is worse

    def test_no_renal_series_has_no_stability(self) -> None:
        """With no renal baseline, stability on any day is unknown."""
        f = facts(points=(upcr(-5, 2.0),))
        assert RenalSeries(f, START, KDIGO_2024, day(200)).stable_on(day(100)) is None


class TestTimePoints:
    @pytest.mark.parametrize(("today_n", "expected"), [(182, C.TOO_EARLY), (183, C.NONE)])
    def test_six_month_boundary(
        self, ruleset: Ruleset, today_n: int, expected: ResponseClass
    ) -> None:
        """Day 182 (5.98 months) without response is too early; day 183 (6.01) is none."""
        r = assess(ruleset, upcr(-5, 4.0), upcr(180, 3.5), today_n=today_n)
        assert r.classification is expected
        assert r.months_on_line == pytest.approx(today_n / DAYS_PER_MONTH)

    def test_too_early_says_so(self) -> None:
        """Before the earliest month the reason names the months and the time point."""
        r = assess(KDIGO_2024, upcr(-5, 4.0), upcr(90, 3.5), today_n=100)
        assert r.classification is C.TOO_EARLY
        assert r.reasons[-1] == "3 months on this line: too early to judge (before month 6)."

    def test_a_response_before_six_months_counts(self, ruleset: Ruleset) -> None:
        """A complete response at month 3 is complete, not too early."""
        r = assess(ruleset, upcr(-5, 4.0), upcr(90, 0.2), *STABLE, today_n=100)
        assert r.classification is C.COMPLETE

    def test_the_response_date_starts_the_current_run(self) -> None:
        """The response date is the first value of the trailing run that meets it; the
        first response date is the first value that ever met one."""
        pts = (upcr(-5, 4.0), upcr(30, 1.5), upcr(60, 3.5), upcr(120, 1.5), upcr(150, 0.3))
        r = assess(KDIGO_2024, *pts, upcr(190, 0.2), *STABLE)
        assert r.classification is C.COMPLETE
        assert r.response_date == day(150)
        assert r.first_response_date == day(30)
        assert any("since " + day(150).isoformat() in x for x in r.reasons)

    def test_a_partial_run_counts_complete_values(self) -> None:
        """A partial response is dated from the complete values of the same run."""
        r = assess(KDIGO_2024, upcr(-5, 4.0), upcr(120, 0.3), upcr(190, 1.5), *STABLE)
        assert r.classification is C.PARTIAL
        assert r.response_date == day(120)

    def test_a_lost_response_is_none_but_remembered(self) -> None:
        """Partial at day 100, back to 3.5 g/g at day 190: none now, responded before."""
        r = assess(KDIGO_2024, upcr(-5, 4.0), upcr(100, 1.5), upcr(190, 3.5), *STABLE)
        assert r.classification is C.NONE
        assert r.first_response_date == day(100)
        assert r.responded

    @pytest.mark.parametrize(("age", "expected"), [(120, C.NONE), (121, C.INSUFFICIENT_DATA)])
    def test_latest_recency(self, ruleset: Ruleset, age: int, expected: ResponseClass) -> None:
        """The latest value may be 120 days old; at 121 days it is not recent enough."""
        r = assess(ruleset, upcr(-5, 4.0), upcr(300 - age, 3.5), today_n=300)
        assert r.classification is expected

    @pytest.mark.parametrize(
        ("today_n", "expected"), [(120, C.TOO_EARLY), (121, C.INSUFFICIENT_DATA)]
    )
    def test_no_follow_up_is_a_gap_after_one_monitoring_interval(
        self, today_n: int, expected: ResponseClass
    ) -> None:
        """Only a baseline: too early within 120 days of the start, a data gap after."""
        r = assess(KDIGO_2024, upcr(-5, 4.0), today_n=today_n)
        assert r.classification is expected
        assert r.latest_proteinuria is None

    def test_values_after_the_evaluation_date_are_ignored(self) -> None:
        """A result dated after today does not count."""
        r = assess(KDIGO_2024, upcr(-5, 4.0), upcr(190, 3.5), upcr(250, 0.1))
        assert r.classification is C.NONE
        assert r.latest_proteinuria == upcr(190, 3.5)

    def test_at_judges_the_line_on_an_earlier_day(self) -> None:
        """``at`` judges with the values known then: complete on day 100, none by day 200."""
        current = line()
        f = facts(points=(upcr(-5, 4.0), upcr(90, 0.3), upcr(190, 3.5)), lines=[current])
        assert assess_line(f, current, KDIGO_2024, at=day(100)).classification is C.COMPLETE
        assert assess_line(f, current, KDIGO_2024).classification is C.NONE

    def test_a_maintenance_line_keeps_the_induction_clock(self) -> None:
        """A maintenance line is judged from its clock start, not its own start."""
        maintenance = line(
            mmf(2.0, start=day(150)),
            number=2,
            start=day(150),
            role=LineRole.MAINTENANCE,
            change=LineChange.STEP_DOWN,
            clock_start=START,
        )
        r = assess(KDIGO_2024, upcr(-5, 4.0), upcr(190, 3.5), of=maintenance)
        assert (r.clock_start, r.line_number) == (START, 2)
        assert r.classification is C.NONE

    def test_a_newer_unreadable_result_is_not_overruled_by_an_older_value(self) -> None:
        """No response on day 150, but a newer result could not be read: insufficient data."""
        current = line()
        f = facts(points=(upcr(-5, 4.0), upcr(150, 3.5)), unread=[unreadable(190)], lines=[current])
        r = assess_line(f, current, KDIGO_2024)
        assert r.classification is C.INSUFFICIENT_DATA
        assert "could not be read" in r.reasons[-1]

    def test_an_older_unreadable_result_changes_nothing(self) -> None:
        """An unreadable result older than the latest readable one is not newer news."""
        current = line()
        f = facts(points=(upcr(-5, 4.0), upcr(190, 3.5)), unread=[unreadable(150)], lines=[current])
        assert assess_line(f, current, KDIGO_2024).classification is C.NONE
        assert unreadable_proteinuria_after(f, day(100)) == (unreadable(150),)
        assert unreadable_proteinuria_after(f, day(150)) == ()


class TestBaseline:
    @pytest.mark.parametrize(
        ("offset", "found"), [(-60, True), (-61, False), (0, True), (14, True), (15, False)]
    )
    def test_window(self, ruleset: Ruleset, offset: int, found: bool) -> None:
        """Baseline: within 60 days before the start (inclusive), else up to 14 days after."""
        r = assess(ruleset, upcr(offset, 4.0), upcr(190, 3.5))
        assert (r.baseline_proteinuria is not None) is found
        assert (r.classification is C.INSUFFICIENT_DATA) is not found

    def test_no_baseline_says_which_window(self) -> None:
        """Without a baseline the reason states the window around the start."""
        r = assess(KDIGO_2024, upcr(190, 3.5))
        assert r.reasons == (
            f"No proteinuria within 60 days before or 14 days after the start of the line "
            f"({START}).",
        )

    def test_the_nearest_value_before_the_start_wins(self) -> None:
        """The value nearest the start before it wins over older and later ones."""
        pts = [upcr(-40, 6.0), upcr(-3, 4.0), upcr(5, 5.0)]
        assert find_baseline(pts, START, KDIGO_2024) == upcr(-3, 4.0)

    def test_follow_up_starts_after_a_baseline_taken_after_the_start(self) -> None:
        """A baseline on day 10: only values after day 10 are follow-up."""
        r = assess(KDIGO_2024, upcr(10, 4.0), upcr(190, 3.5))
        assert r.baseline_proteinuria == upcr(10, 4.0)
        assert r.follow_up == (upcr(190, 3.5),)

    def test_a_zero_baseline_has_no_fractional_change(self) -> None:
        """A zero baseline gives no change and no partial response."""
        r = assess(KDIGO_2024, upcr(-5, 0.0), upcr(190, 0.6))
        assert r.proteinuria_change is None
        assert r.classification is C.NONE


class TestEularEarlyTarget:
    EULAR = get_ruleset("eular-2019")

    @pytest.mark.parametrize(("at3", "missed"), [(3.0, False), (3.01, True)])
    def test_a_reason_when_missed(self, at3: float, missed: bool) -> None:
        """EULAR: a fall under 25 % by month 3 adds a reason (25 % exactly meets it)."""
        r = assess(self.EULAR, upcr(-5, 4.0), upcr(80, at3), upcr(190, 3.5))
        assert any("Early target missed" in x for x in r.reasons) is missed

    def test_a_rise_is_written_as_no_fall(self) -> None:
        """A rise by month 3 reads as a 0 % fall, not a negative one."""
        r = assess(self.EULAR, upcr(-5, 4.0), upcr(80, 4.4), upcr(190, 3.5))
        assert any("fell 0 % by month 3 (target >= 25 %)" in x for x in r.reasons)

    def test_no_value_by_month_three(self) -> None:
        """No value by month 3: no early-target reason."""
        r = assess(self.EULAR, upcr(-5, 4.0), upcr(190, 3.5))
        assert not any("Early target" in x for x in r.reasons)

    def test_a_zero_baseline_gives_no_reason(self) -> None:
        """A zero baseline gives no early-target reason."""
        r = assess(self.EULAR, upcr(-5, 0.0), upcr(80, 3.0), upcr(190, 3.5))
        assert not any("Early target" in x for x in r.reasons)

    def test_the_kdigo_rulesets_have_no_early_target(self) -> None:
        """KDIGO 2024 states no early target: no reason however little fell."""
        r = assess(KDIGO_2024, upcr(-5, 4.0), upcr(80, 4.0), upcr(190, 3.5))
        assert not any("Early target" in x for x in r.reasons)


class TestHelpers:
    @pytest.mark.parametrize(
        ("value", "comparator", "threshold", "below"),
        [
            (0.1, "<", 0.1, True),
            (0.1, "<", 0.5, True),
            (0.6, "<", 0.5, False),
            (0.5, None, 0.5, False),
            (0.49, None, 0.5, True),
            (0.1, ">", 0.5, False),
            (0.1, ">=", 0.5, False),
            (0.5, "<=", 0.5, False),
            (0.4, "<=", 0.5, True),
        ],
    )
    def test_is_below(
        self, value: float, comparator: str | None, threshold: float, below: bool
    ) -> None:
        """Below a threshold only when the true value certainly is."""
        assert is_below(upcr(0, value, comparator), threshold) is below

    @pytest.mark.parametrize(
        ("value", "comparator", "threshold", "at_least"),
        [
            (1.0, None, 1.0, True),
            (0.99, None, 1.0, False),
            (1.0, ">", 1.0, True),
            (1.0, ">=", 1.0, True),
            (0.9, ">", 1.0, False),
            (2.0, "<", 1.0, False),
            (2.0, "<=", 1.0, False),
        ],
    )
    def test_is_at_least(
        self, value: float, comparator: str | None, threshold: float, at_least: bool
    ) -> None:
        """At or above a threshold only when the true value certainly is."""
        assert is_at_least(upcr(0, value, comparator), threshold) is at_least

    def test_months_between(self) -> None:
        """Months are 30.4375 days: 365 days is 11.99 months."""
        assert months_between(day(0), day(365)) == pytest.approx(365 / 30.4375)

    def test_level_at_unstable_renal_function_is_none(self) -> None:
        """Renal function beyond the band: no response whatever the proteinuria."""
        assert level_at(upcr(-5, 4.0), upcr(190, 0.1), False, KDIGO_2024) is C.NONE
        assert level_at(upcr(-5, 4.0), upcr(190, 0.1), None, KDIGO_2024) is C.COMPLETE
