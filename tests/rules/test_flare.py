"""fhir_mappings.rules.flare: a renal flare after a response, KDIGO 2012 GN Table 29.

Every band edge of the table, measured from the remission value: UPCR < 0.5 g/g rising
to >= 1.0, 0.5-1.0 rising to >= 2.0, > 1.0 doubling; severe when UPCR rises by more
than 5 g/g; creatinine up 0.20-1.0 mg/dL from < 2.0 (0.40-1.5 from >= 2.0), severe
beyond. A moderate flare needs the two newest values; a severe one counts on one.
"""

from __future__ import annotations

import pytest

from fhir_mappings.facts import LabPoint
from fhir_mappings.rules.flare import Flare, FlareKind, FlareSeverity, proteinuria_rose, renal_flare
from fhir_mappings.rules.response import assess_line
from fhir_mappings.rulesets import FlareRule, Ruleset, get_ruleset
from tests.rules._builders import creat, day, facts, line, upcr

KDIGO_2024 = get_ruleset("kdigo-2024")
MODERATE, SEVERE = FlareSeverity.MODERATE, FlareSeverity.SEVERE


def flare(rs: Ruleset, *points: LabPoint, today_n: float = 340) -> Flare | None:
    current = line()
    f = facts(today=day(today_n), points=points, lines=[current])
    return renal_flare(f, assess_line(f, current, rs), rs)


def proteinuric(rs: Ruleset, remission: float, *risen: float) -> Flare | None:
    """Baseline 3.5 g/g, the remission value on day 100, then ``risen`` from day 300."""
    later = [upcr(300 + 20 * i, v) for i, v in enumerate(risen)]
    return flare(rs, upcr(-5, 3.5), upcr(100, remission), *later, creat(-5, 1.0), creat(100, 1.0))


def nephritic(rs: Ruleset, remission: float, *risen: float) -> Flare | None:
    """Complete response on day 100 with creatinine ``remission``, then ``risen``."""
    later = [creat(300 + 20 * i, v) for i, v in enumerate(risen)]
    pts = (upcr(-5, 3.5), upcr(100, 0.3), upcr(330, 0.3), creat(-5, remission))
    return flare(rs, *pts, creat(100, remission), *later)


def severity(found: Flare | None) -> FlareSeverity | None:
    return found.severity if found is not None else None


class TestProteinuricBands:
    @pytest.mark.parametrize(
        ("remission", "risen", "expected"),
        [
            (0.49, 1.0, MODERATE),  # below 0.5: rising to >= 1.0
            (0.49, 0.99, None),
            (0.5, 1.99, None),  # 0.5 is the middle band: rising to >= 2.0
            (0.5, 2.0, MODERATE),
            (1.0, 1.99, None),  # 1.0 is still the middle band
            (1.0, 2.0, MODERATE),
            (1.01, 2.01, None),  # above 1.0: doubling
            (1.01, 2.02, MODERATE),
        ],
    )
    def test_moderate_band_edges(
        self, ruleset: Ruleset, remission: float, risen: float, expected: FlareSeverity | None
    ) -> None:
        """The two newest UPCRs at each band edge of Table 29, from the remission value."""
        found = proteinuric(ruleset, remission, risen, risen)
        assert severity(found) is expected
        if found is not None:
            assert found.kind is FlareKind.PROTEINURIC
            assert found.reference == upcr(100, remission)
            assert found.risen == (upcr(300, risen), upcr(320, risen))
            assert found.response_date == day(100)

    def test_a_moderate_flare_needs_two_values(self) -> None:
        """One UPCR of 1.2 g/g after a complete remission is not yet a flare."""
        assert proteinuric(KDIGO_2024, 0.3, 0.4, 1.2) is None

    def test_the_older_of_the_two_must_meet_the_band_too(self) -> None:
        """0.9 then 1.4 g/g from 0.3: the older value is below 1.0, no moderate flare."""
        assert proteinuric(KDIGO_2024, 0.3, 0.9, 1.4) is None

    @pytest.mark.parametrize(("newest", "expected"), [(5.3, None), (5.31, SEVERE)])
    def test_severe_is_a_rise_of_more_than_5_g_g_on_one_value(
        self, ruleset: Ruleset, newest: float, expected: FlareSeverity | None
    ) -> None:
        """From 0.3 g/g, one UPCR of 5.31 (up 5.01) is a severe flare; 5.3 (up 5.0) is not."""
        found = proteinuric(ruleset, 0.3, 0.3, newest)
        assert severity(found) is expected
        if found is not None:
            assert found.risen == (upcr(320, newest),)

    def test_the_reference_is_the_lowest_value_since_the_response(self) -> None:
        """Remission 0.2 on day 200 (lower than the 0.45 that met the response) is the
        reference: 0.8 twice is not a flare from 0.45 but 1.0 twice is one from 0.2."""
        pts = (upcr(-5, 3.5), upcr(100, 0.45), upcr(200, 0.2), creat(-5, 1.0), creat(100, 1.0))
        found = flare(KDIGO_2024, *pts, upcr(300, 1.0), upcr(320, 1.0))
        assert found is not None
        assert found.reference == upcr(200, 0.2)
        assert found.response_date == day(100)

    def test_a_reference_reported_above_a_value_is_no_reference(self) -> None:
        """'>0.3' says nothing about how low the remission went: no moderate band."""
        rule = FlareRule()
        assert not proteinuria_rose(upcr(100, 0.3, ">"), upcr(300, 3.0), rule)
        assert proteinuria_rose(upcr(100, 0.3, "<"), upcr(300, 1.0), rule)

    def test_a_newest_value_reported_below_a_number_is_not_severe(self) -> None:
        """'<6.0' g/g may be far lower: not a severe flare."""
        pts = (upcr(-5, 3.5), upcr(100, 0.3), upcr(300, 0.3), upcr(320, 6.0, "<"))
        assert flare(KDIGO_2024, *pts, creat(-5, 1.0), creat(100, 1.0)) is None


class TestNephriticBands:
    @pytest.mark.parametrize(
        ("remission", "risen", "expected"),
        [
            (1.0, 1.19, None),  # baseline below 2.0: moderate from +0.20
            (1.0, 1.2, MODERATE),
            (1.99, 2.19, MODERATE),  # 1.99 is still below the split
            (2.0, 2.39, None),  # baseline 2.0 and above: moderate from +0.40
            (2.0, 2.4, MODERATE),
        ],
    )
    def test_moderate_band_edges(
        self, ruleset: Ruleset, remission: float, risen: float, expected: FlareSeverity | None
    ) -> None:
        """Creatinine rises at the moderate edges either side of the 2.0 mg/dL split."""
        found = nephritic(ruleset, remission, risen, risen)
        assert severity(found) is expected
        if found is not None:
            assert found.kind is FlareKind.NEPHRITIC
            assert found.reference == creat(100, remission)

    @pytest.mark.parametrize(
        ("remission", "newest", "expected"),
        [
            (1.0, 2.0, None),  # +1.0 on one value: moderate needs two, severe needs > 1.0
            (1.0, 2.01, SEVERE),
            (2.0, 3.5, None),  # +1.5 from >= 2.0
            (2.0, 3.51, SEVERE),
        ],
    )
    def test_severe_edges_on_one_value(
        self, ruleset: Ruleset, remission: float, newest: float, expected: FlareSeverity | None
    ) -> None:
        """More than +1.0 mg/dL (from < 2.0) or +1.5 (from >= 2.0) is severe on one value."""
        found = nephritic(ruleset, remission, remission, newest)
        assert severity(found) is expected

    @pytest.mark.parametrize(("remission", "risen"), [(1.0, 2.0), (2.0, 3.5)])
    def test_the_top_of_the_moderate_band_is_moderate(self, remission: float, risen: float) -> None:
        """+1.0 (from < 2.0) and +1.5 (from >= 2.0) on two values are moderate, not severe."""
        assert severity(nephritic(KDIGO_2024, remission, risen, risen)) is MODERATE

    def test_comparators_that_hide_the_rise(self) -> None:
        """'<2.5' mg/dL newest, or a '>1.0' reference, cannot show a rise."""
        assert nephritic(KDIGO_2024, 1.0, 1.5, 2.5) is not None
        pts = (upcr(-5, 3.5), upcr(100, 0.3), upcr(330, 0.3), creat(-5, 1.0))
        hidden = (creat(100, 1.0), creat(300, 2.5, "<"), creat(320, 2.5, "<"))
        assert flare(KDIGO_2024, *pts, *hidden) is None
        unknown_reference = (creat(100, 1.0, ">"), creat(300, 1.5), creat(320, 1.5))
        assert flare(KDIGO_2024, *pts, *unknown_reference) is None

    def test_one_creatinine_after_the_response_is_not_a_series(self) -> None:
        """Only the remission creatinine since the response: nothing to compare."""
        assert nephritic(KDIGO_2024, 1.0) is None


class TestNoFlare:
    def test_no_response_no_flare(self) -> None:
        """A line that never responded has worsening, not flares."""
        pts = (upcr(-5, 3.5), upcr(100, 3.0), upcr(300, 6.0), upcr(320, 9.0))
        assert flare(KDIGO_2024, *pts) is None

    def test_proteinuria_is_read_before_creatinine(self) -> None:
        """Both rising: the proteinuric flare is the one reported."""
        pts = (upcr(-5, 3.5), upcr(100, 0.3), upcr(300, 1.2), upcr(320, 1.4))
        found = flare(
            KDIGO_2024, *pts, creat(-5, 1.0), creat(100, 1.0), creat(300, 1.5), creat(320, 1.5)
        )
        assert found is not None
        assert found.kind is FlareKind.PROTEINURIC
        assert found.since == upcr(300, 1.2)

    def test_a_response_on_the_newest_value_has_nothing_after_it(self) -> None:
        """A complete response met only by the newest UPCR: no flare can follow it yet."""
        pts = (upcr(-5, 3.5), upcr(150, 3.0), upcr(300, 0.3), creat(-5, 1.0), creat(300, 1.0))
        assert flare(KDIGO_2024, *pts) is None
