"""Tests for fhir_mappings.rules.response: timeline and response classification."""

from __future__ import annotations

from dataclasses import replace

import pytest
from assessment_builders import creat, day, egfr, facts, no_induction, point, upcr

from fhir_mappings.facts import Analyte
from fhir_mappings.findings import ResponseClass
from fhir_mappings.rules.response import (
    assess_response,
    early_worsening,
    is_below,
    months_between,
    renal_worse,
)
from fhir_mappings.rulesets import RULESETS, get_ruleset

ALL = sorted(RULESETS)
C = ResponseClass
STABLE = (creat(-5, 1.0), creat(190, 1.0), egfr(-5, 80.0), egfr(190, 80.0))


def classify(name: str, *points, today_n: int = 200):  # type: ignore[no-untyped-def]
    result = assess_response(facts(today=day(today_n), points=points), get_ruleset(name))
    assert result is not None
    return result


class TestApplicability:
    def test_none_without_lupus_nephritis(self) -> None:
        """No lupus nephritis diagnosis: no response assessment."""
        f = facts(with_ln=False, points=(upcr(-5, 4.0), upcr(190, 3.5)))
        assert assess_response(f, get_ruleset("kdigo-2024")) is None

    def test_none_without_induction(self) -> None:
        """No induction regimen: no response assessment."""
        f = no_induction(facts(points=(upcr(-5, 4.0), upcr(190, 3.5))))
        assert assess_response(f, get_ruleset("kdigo-2024")) is None


class TestCompleteBoundary:
    @pytest.mark.parametrize("name", ALL)
    def test_exactly_at_threshold_is_not_complete(self, name: str) -> None:
        """UPCR exactly at the complete-response threshold is not complete ("<")."""
        cr = get_ruleset(name).cr_proteinuria_below_g_g
        r = classify(name, upcr(-5, 4.0), upcr(190, cr), *STABLE)
        assert r.classification is C.PARTIAL

    @pytest.mark.parametrize("name", ALL)
    def test_just_below_threshold_is_complete(self, name: str) -> None:
        """UPCR just below the threshold is a complete response."""
        cr = get_ruleset(name).cr_proteinuria_below_g_g
        r = classify(name, upcr(-5, 4.0), upcr(190, cr - 0.01), *STABLE)
        assert r.classification is C.COMPLETE
        assert r.response_date == day(190)

    @pytest.mark.parametrize(
        ("comparator", "value", "expected"),
        [
            ("<", 0.5, C.COMPLETE),
            ("<", 0.6, C.PARTIAL),
            ("<=", 0.5, C.PARTIAL),
            (">", 0.1, C.NONE),
            (">=", 0.1, C.NONE),
        ],
    )
    def test_comparators(self, comparator: str, value: float, expected: ResponseClass) -> None:
        """'<0.5' is below 0.5; '<=0.5' is not; a '>' value is never below nor a fall."""
        r = classify("kdigo-2024", upcr(-5, 4.0), upcr(190, value, comparator), *STABLE)
        assert r.classification is expected


class TestPartialBoundary:
    @pytest.mark.parametrize("name", ALL)
    @pytest.mark.parametrize(("latest", "expected"), [(1.0, C.PARTIAL), (1.002, C.NONE)])
    def test_fifty_percent_fall(self, name: str, latest: float, expected: ResponseClass) -> None:
        """A 50% fall exactly is partial (>=); 49.9% is none."""
        r = classify(name, upcr(-5, 2.0), upcr(190, latest), *STABLE)
        assert r.classification is expected
        assert r.proteinuria_change == pytest.approx((latest - 2.0) / 2.0)

    @pytest.mark.parametrize("name", ALL)
    @pytest.mark.parametrize(("latest", "expected"), [(3.0, C.NONE), (2.99, C.PARTIAL)])
    def test_sub_nephrotic_cap(self, name: str, latest: float, expected: ResponseClass) -> None:
        """From a nephrotic baseline, a >= 50% fall must also reach < 3 g/g."""
        r = classify(name, upcr(-5, 8.0), upcr(190, latest), *STABLE)
        assert r.classification is expected

    def test_24h_protein_preferred_on_same_day(self) -> None:
        """On a day with both, the 24 h protein (g/day, taken as g/g) is used."""
        p24 = point(Analyte.PROTEIN_24H, day(190), 0.3)
        r = classify("kdigo-2024", upcr(-5, 4.0), upcr(190, 1.0), p24, *STABLE)
        assert r.latest_proteinuria == p24
        assert r.classification is C.COMPLETE


class TestRenalStability:
    @pytest.mark.parametrize("name", ALL)
    @pytest.mark.parametrize(("over", "stable"), [(0.0, True), (0.001, False)])
    def test_creatinine_band(self, name: str, over: float, stable: bool) -> None:
        """Creatinine rise exactly at the band is stable; beyond it (+0.1%) is not."""
        band = get_ruleset(name).creatinine_band
        r = classify(
            name, upcr(-5, 2.0), upcr(190, 0.9), creat(-5, 1.0), creat(190, 1.0 + band + over)
        )
        assert r.renal_function_stable is stable
        assert r.classification is (C.PARTIAL if stable else C.NONE)

    @pytest.mark.parametrize("name", ALL)
    @pytest.mark.parametrize(("under", "stable"), [(0.0, True), (0.1, False)])
    def test_egfr_band(self, name: str, under: float, stable: bool) -> None:
        """eGFR fall exactly at the band is stable; 0.1 mL/min below it is not."""
        band = get_ruleset(name).egfr_band
        r = classify(
            name, upcr(-5, 2.0), upcr(190, 0.4), egfr(-5, 80.0), egfr(190, 80 * (1 - band) - under)
        )
        assert r.renal_function_stable is stable
        assert r.classification is (C.COMPLETE if stable else C.NONE)

    def test_kdigo_2024_prefers_egfr(self) -> None:
        """KDIGO 2024 judges stability by eGFR when both are present."""
        r = classify(
            "kdigo-2024",
            upcr(-5, 2.0),
            upcr(190, 0.4),
            creat(-5, 1.0),
            creat(190, 1.5),
            egfr(-5, 80.0),
            egfr(190, 80.0),
        )
        assert r.renal_function_stable is True

    def test_kdigo_2012_prefers_creatinine(self) -> None:
        """KDIGO 2012 judges stability by creatinine when both are present."""
        r = classify(
            "kdigo-2012",
            upcr(-5, 2.0),
            upcr(190, 0.4),
            creat(-5, 1.0),
            creat(190, 1.5),
            egfr(-5, 80.0),
            egfr(190, 80.0),
        )
        assert r.renal_function_stable is False

    def test_unknown_renal_function_judged_on_proteinuria(self) -> None:
        """Without renal labs, stability is None and proteinuria alone decides, with a reason."""
        r = classify("kdigo-2024", upcr(-5, 2.0), upcr(190, 0.4))
        assert r.renal_function_stable is None
        assert r.classification is C.COMPLETE
        assert any("not assessable" in reason for reason in r.reasons)
        assert r.baseline_creatinine is None
        assert r.latest_creatinine is None

    @pytest.mark.parametrize(
        ("analyte", "base", "value", "comparator", "worse"),
        [
            (Analyte.CREATININE, 1.0, 2.0, "<", False),
            (Analyte.CREATININE, 1.0, 2.0, None, True),
            (Analyte.EGFR, 80.0, 60.0, ">", False),
            (Analyte.EGFR, 80.0, 60.0, None, True),
        ],
    )
    def test_comparator_toward_better_side_is_not_worse(
        self, analyte: Analyte, base: float, value: float, comparator: str | None, worse: bool
    ) -> None:
        """A value whose comparator points to the better side is never called worse."""
        rs = get_ruleset("kdigo-2024")
        b = point(analyte, day(-5), base)
        assert renal_worse(b, point(analyte, day(50), value, comparator), rs) is worse


class TestTimePoints:
    @pytest.mark.parametrize("name", ALL)
    @pytest.mark.parametrize(("today_n", "expected"), [(182, C.TOO_EARLY), (183, C.NONE)])
    def test_six_month_boundary(self, name: str, today_n: int, expected: ResponseClass) -> None:
        """Six months minus a day without response is too early; six months is none."""
        r = classify(name, upcr(-5, 4.0), upcr(180, 3.5), today_n=today_n)
        assert r.classification is expected
        assert r.months_on_therapy == pytest.approx(today_n / 30.4375)

    @pytest.mark.parametrize("name", ALL)
    def test_response_before_six_months_counts(self, name: str) -> None:
        """A complete response reached at month 3 is complete, not too early."""
        r = classify(name, upcr(-5, 4.0), upcr(90, 0.2), *STABLE, today_n=100)
        assert r.classification is C.COMPLETE

    def test_response_date_is_start_of_current_run(self) -> None:
        """The response date is the first value of the trailing run meeting the criteria."""
        r = classify(
            "kdigo-2024",
            upcr(-5, 4.0),
            upcr(30, 1.5),
            upcr(60, 3.5),
            upcr(120, 1.5),
            upcr(150, 0.3),
            upcr(190, 0.2),
            *STABLE,
        )
        assert r.classification is C.COMPLETE
        assert r.response_date == day(150)

    def test_partial_date_counts_complete_values(self) -> None:
        """A partial response's date includes earlier complete values of the same run."""
        r = classify("kdigo-2024", upcr(-5, 4.0), upcr(120, 0.3), upcr(190, 1.5), *STABLE)
        assert r.classification is C.PARTIAL
        assert r.response_date == day(120)

    @pytest.mark.parametrize(("age", "expected"), [(120, C.NONE), (121, C.INSUFFICIENT_DATA)])
    def test_latest_recency(self, age: int, expected: ResponseClass) -> None:
        """The latest value may be 120 days old; at 121 days it is not recent enough."""
        r = classify("kdigo-2024", upcr(-5, 4.0), upcr(300 - age, 3.5), today_n=300)
        assert r.classification is expected

    @pytest.mark.parametrize(
        ("today_n", "expected"), [(120, C.TOO_EARLY), (121, C.INSUFFICIENT_DATA)]
    )
    def test_no_follow_up_is_a_gap_after_one_monitoring_interval(
        self, today_n: int, expected: ResponseClass
    ) -> None:
        """Only a baseline: too early within 120 days of the start, a data gap after it."""
        r = classify("kdigo-2024", upcr(-5, 4.0), today_n=today_n)
        assert r.classification is expected
        assert r.latest_proteinuria is None

    def test_no_follow_up_after_six_months_is_insufficient(self) -> None:
        """Only a baseline, at month 7: insufficient data."""
        r = classify("kdigo-2024", upcr(-5, 4.0), today_n=210)
        assert r.classification is C.INSUFFICIENT_DATA

    def test_future_values_ignored(self) -> None:
        """Values dated after today are ignored."""
        r = classify("kdigo-2024", upcr(-5, 4.0), upcr(190, 3.5), upcr(250, 0.1))
        assert r.classification is C.NONE


class TestBaseline:
    @pytest.mark.parametrize(
        ("offset", "found"), [(-60, True), (-61, False), (14, True), (15, False), (0, True)]
    )
    def test_window(self, offset: int, found: bool) -> None:
        """Baseline: within 60 days before the start (inclusive), else up to 14 days after."""
        r = classify("kdigo-2024", upcr(offset, 4.0), upcr(190, 3.5))
        assert (r.baseline_proteinuria is not None) is found
        assert (r.classification is C.INSUFFICIENT_DATA) is not found

    def test_nearest_before_preferred(self) -> None:
        """The value nearest the start before it wins over older ones and later ones."""
        r = classify("kdigo-2024", upcr(-40, 6.0), upcr(-3, 4.0), upcr(5, 5.0), upcr(190, 3.5))
        assert r.baseline_proteinuria is not None
        assert r.baseline_proteinuria.value == 4.0

    def test_zero_baseline_has_no_change(self) -> None:
        """A zero baseline yields no fractional change and no partial response."""
        r = classify("kdigo-2024", upcr(-5, 0.0), upcr(190, 0.6))
        assert r.proteinuria_change is None
        assert r.classification is C.NONE


class TestEarlyWorsening:
    @pytest.mark.parametrize("name", ALL)
    @pytest.mark.parametrize(("over", "worse"), [(0.0, False), (0.001, True)])
    def test_creatinine_rise_in_first_three_months(
        self, name: str, over: float, worse: bool
    ) -> None:
        """A creatinine rise beyond the band within 3 months is early worsening."""
        band = get_ruleset(name).creatinine_band
        r = classify(
            name,
            upcr(-5, 4.0),
            upcr(190, 3.5),
            creat(-5, 1.0),
            creat(60, 1.0 + band + over),
            creat(190, 1.0),
        )
        assert r.early_worsening is worse

    @pytest.mark.parametrize(("n", "worse"), [(91, True), (92, False)])
    def test_window_end(self, n: int, worse: bool) -> None:
        """Day 91 is inside the 3-month window (91.3 days); day 92 is outside."""
        r = classify("kdigo-2024", upcr(-5, 4.0), upcr(190, 3.5), egfr(-5, 80.0), egfr(n, 40.0))
        assert r.early_worsening is worse

    def test_helper_without_induction(self) -> None:
        """The early-worsening helper returns None without an induction."""
        f = no_induction(facts(points=(creat(-5, 1.0), creat(60, 3.0))))
        assert early_worsening(f, get_ruleset("kdigo-2024")) is None
        assert (
            early_worsening(
                facts(points=(creat(-5, 1.0), creat(60, 3.0))), get_ruleset("kdigo-2024")
            )
            is not None
        )


class TestEularEarlyTarget:
    @pytest.mark.parametrize(("at3", "missed"), [(3.0, False), (3.01, True)])
    def test_reason_when_missed(self, at3: float, missed: bool) -> None:
        """EULAR: a < 25% fall by month 3 adds a reason (25% exactly meets the target)."""
        r = classify("eular-2019", upcr(-5, 4.0), upcr(80, at3), upcr(190, 3.5))
        assert any("Early target missed" in x for x in r.reasons) is missed

    def test_no_value_by_month_three(self) -> None:
        """No value by month 3: no early-target reason."""
        r = classify("eular-2019", upcr(-5, 4.0), upcr(190, 3.5))
        assert not any("Early target" in x for x in r.reasons)

    def test_zero_baseline_no_reason(self) -> None:
        """A zero baseline gives no early-target reason."""
        r = classify("eular-2019", upcr(-5, 0.0), upcr(80, 3.0), upcr(190, 3.5))
        assert not any("Early target" in x for x in r.reasons)


class TestHelpers:
    @pytest.mark.parametrize(
        ("value", "comparator", "threshold", "below"),
        [
            (0.1, "<", 0.1, True),
            (0.1, "<", 0.5, True),
            (0.5, None, 0.5, False),
            (0.49, None, 0.5, True),
            (0.1, ">", 0.5, False),
            (0.5, "<=", 0.5, False),
            (0.4, "<=", 0.5, True),
        ],
    )
    def test_is_below(
        self, value: float, comparator: str | None, threshold: float, below: bool
    ) -> None:
        """Comparator-aware 'below a threshold'."""
        assert is_below(upcr(0, value, comparator), threshold) is below

    def test_months_between(self) -> None:
        """Months use 30.4375 days."""
        assert months_between(day(0), day(365.25 // 1)) == pytest.approx(365 / 30.4375)

    def test_induction_start_after_baseline_day(self) -> None:
        """A baseline after the start: follow-up values are those after the baseline."""
        f = facts(points=(upcr(10, 4.0), upcr(190, 3.5)))
        r = assess_response(replace(f, today=day(200)), get_ruleset("kdigo-2024"))
        assert r is not None
        assert r.baseline_proteinuria is not None
        assert r.baseline_proteinuria.day == day(10)
