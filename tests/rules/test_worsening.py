"""fhir_mappings.rules.worsening: renal function worse on therapy before any response."""

from __future__ import annotations

import pytest

from fhir_mappings.facts import LabPoint
from fhir_mappings.rules.response import assess_line
from fhir_mappings.rules.worsening import Worsening, WorseningKind, renal_worsening
from fhir_mappings.rulesets import Ruleset, get_ruleset
from tests.rules._builders import creat, day, egfr, facts, line, upcr

KDIGO_2024 = get_ruleset("kdigo-2024")
#: Proteinuria barely moving: no response, and no proteinuric rise.
FLAT = (upcr(-5, 4.0), upcr(100, 3.8), upcr(150, 3.6))


def worsening(rs: Ruleset, *points: LabPoint, today_n: float = 160) -> Worsening | None:
    current = line()
    f = facts(today=day(today_n), points=points, lines=[current])
    return renal_worsening(f, assess_line(f, current, rs), rs)


class TestConfirmed:
    @pytest.mark.parametrize(("newest", "found"), [(1.299, False), (1.30, True)])
    def test_creatinine_up_30_percent_on_the_two_newest_values(
        self, ruleset: Ruleset, newest: float, found: bool
    ) -> None:
        """Creatinine 1.0 -> 1.30 and 1.30 mg/dL is a confirmed worsening; 1.299 (29.9 %) is not."""
        w = worsening(ruleset, *FLAT, creat(-5, 1.0), creat(120, newest), creat(150, newest))
        assert (w is not None) is found
        if w is not None:
            assert w.kind is WorseningKind.CONFIRMED
            assert w.worse == (creat(120, newest), creat(150, newest))
            assert w.since == creat(120, newest)
            assert w.baseline == creat(-5, 1.0)

    @pytest.mark.parametrize(("newest", "found"), [(56.08, False), (56.0, True)])
    def test_egfr_down_30_percent_on_the_two_newest_values(
        self, ruleset: Ruleset, newest: float, found: bool
    ) -> None:
        """eGFR 80 -> 56 and 56 is a confirmed worsening; 56.08 (a 29.9 % fall) is not."""
        w = worsening(ruleset, *FLAT, egfr(-5, 80.0), egfr(120, newest), egfr(150, newest))
        assert (w is not None) is found
        if w is not None:
            assert w.kind is WorseningKind.CONFIRMED

    def test_one_of_the_two_below_the_threshold_does_not_confirm(self) -> None:
        """1.25 then 1.40 mg/dL: the older of the two is not beyond 30 %, so the newest
        alone is an unconfirmed worsening (a repeat value asked for), not a confirmed one."""
        w = worsening(KDIGO_2024, *FLAT, creat(-5, 1.0), creat(120, 1.25), creat(150, 1.4))
        assert w is not None
        assert (w.kind, w.confirmed) == (WorseningKind.UNCONFIRMED, False)
        assert (w.baseline, w.worse) == (creat(-5, 1.0), (creat(150, 1.4),))

    def test_two_values_on_the_same_day_are_one_value(self) -> None:
        """Two results 40 % up drawn on one day do not confirm each other: unconfirmed."""
        pts = (creat(-5, 1.0), creat(150, 1.4), creat(150.2, 1.4))
        w = worsening(KDIGO_2024, *FLAT, *pts)
        assert w is not None
        assert (w.kind, w.confirmed) == (WorseningKind.UNCONFIRMED, False)
        assert len(w.worse) == 1

    def test_a_dip_that_has_recovered_does_not_fire(self) -> None:
        """Up 50 % twice, back to baseline on the newest value: only the newest count."""
        pts = (creat(-5, 1.0), creat(60, 1.5), creat(90, 1.5), creat(150, 1.05))
        assert worsening(KDIGO_2024, *FLAT, *pts) is None


class TestSingleValue:
    @pytest.mark.parametrize(
        ("newest", "kind"), [(1.99, WorseningKind.UNCONFIRMED), (2.0, WorseningKind.SINGLE)]
    )
    def test_doubled_creatinine_counts_on_one_value(
        self, ruleset: Ruleset, newest: float, kind: WorseningKind
    ) -> None:
        """One creatinine at 2.0 x baseline is a confirmed worsening; 1.99 x is only an
        unconfirmed one (one value beyond 30 %: repeat it)."""
        w = worsening(ruleset, *FLAT, creat(-5, 1.0), creat(150, newest))
        assert w is not None
        assert (w.kind, w.worse) == (kind, (creat(150, newest),))
        assert w.confirmed is (kind is WorseningKind.SINGLE)

    @pytest.mark.parametrize(
        ("newest", "kind"), [(40.1, WorseningKind.UNCONFIRMED), (40.0, WorseningKind.SINGLE)]
    )
    def test_halved_egfr_counts_on_one_value(
        self, ruleset: Ruleset, newest: float, kind: WorseningKind
    ) -> None:
        """One eGFR at half the baseline is a confirmed worsening; just above half is only
        an unconfirmed one."""
        w = worsening(ruleset, *FLAT, egfr(-5, 80.0), egfr(150, newest))
        assert w is not None
        assert (w.kind, w.worse) == (kind, (egfr(150, newest),))
        assert w.confirmed is (kind is WorseningKind.SINGLE)

    @pytest.mark.parametrize(("newest", "found"), [(1.299, False), (1.30, True)])
    def test_one_creatinine_up_30_percent_is_unconfirmed(
        self, ruleset: Ruleset, newest: float, found: bool
    ) -> None:
        """One creatinine 30 % up is an unconfirmed worsening; 29.9 % up is nothing."""
        w = worsening(ruleset, *FLAT, creat(-5, 1.0), creat(150, newest))
        assert (w is not None) is found
        if w is not None:
            assert (w.kind, w.worse) == (WorseningKind.UNCONFIRMED, (creat(150, newest),))

    @pytest.mark.parametrize(("newest", "found"), [(56.08, False), (56.0, True)])
    def test_one_egfr_down_30_percent_is_unconfirmed(
        self, ruleset: Ruleset, newest: float, found: bool
    ) -> None:
        """One eGFR 30 % down is an unconfirmed worsening; a 29.9 % fall is nothing."""
        w = worsening(ruleset, *FLAT, egfr(-5, 80.0), egfr(150, newest))
        assert (w is not None) is found
        if w is not None:
            assert w.kind is WorseningKind.UNCONFIRMED

    def test_a_comparator_towards_normal_never_counts(self) -> None:
        """'<2.5' mg/dL creatinine may be normal: not a worsening on its own."""
        assert worsening(KDIGO_2024, *FLAT, creat(-5, 1.0), creat(150, 2.5, "<")) is None

    def test_the_other_measure_is_read_when_the_first_is_stable(self) -> None:
        """eGFR stable but creatinine doubled: the worsening is shown on creatinine."""
        pts = (egfr(-5, 80.0), egfr(150, 79.0), creat(-5, 1.0), creat(150, 2.1))
        w = worsening(KDIGO_2024, *FLAT, *pts)
        assert w is not None
        assert w.baseline == creat(-5, 1.0)


class TestWithProteinuria:
    def test_proteinuria_rising_with_creatinine_beyond_the_band(self) -> None:
        """UPCR 0.8 -> 2.1 g/g with creatinine up 20 % (beyond KDIGO 2024's 15 %): a worsening."""
        pts = (upcr(-5, 0.8), upcr(150, 2.1), creat(-5, 1.0), creat(150, 1.2))
        w = worsening(KDIGO_2024, *pts)
        assert w is not None
        assert w.kind is WorseningKind.WITH_PROTEINURIA
        assert w.proteinuria == (upcr(-5, 0.8), upcr(150, 2.1))
        assert w.worse == (creat(150, 1.2),)

    def test_within_the_band_it_is_not(self) -> None:
        """The same rise of proteinuria with creatinine up 15 % (inside the band): none."""
        pts = (upcr(-5, 0.8), upcr(150, 2.1), creat(-5, 1.0), creat(150, 1.15))
        assert worsening(KDIGO_2024, *pts) is None

    def test_the_kdigo_2012_band_is_wider(self) -> None:
        """Creatinine up 20 % is inside KDIGO 2012's 25 % band: no worsening there."""
        pts = (upcr(-5, 0.8), upcr(150, 2.1), creat(-5, 1.0), creat(150, 1.2))
        assert worsening(get_ruleset("kdigo-2012"), *pts) is None

    def test_proteinuria_not_rising_enough(self) -> None:
        """UPCR 0.8 -> 1.9 g/g (below the 2.0 band) with creatinine up 20 %: none."""
        pts = (upcr(-5, 0.8), upcr(150, 1.9), creat(-5, 1.0), creat(150, 1.2))
        assert worsening(KDIGO_2024, *pts) is None

    def test_no_renal_value_after_the_baseline(self) -> None:
        """Proteinuria rising but the only creatinine is the baseline: nothing to judge."""
        assert worsening(KDIGO_2024, upcr(-5, 0.8), upcr(150, 2.1), creat(-5, 1.0)) is None

    def test_no_renal_series(self) -> None:
        """Proteinuria rising without any creatinine or eGFR: no worsening claimed."""
        assert worsening(KDIGO_2024, upcr(-5, 0.8), upcr(150, 2.1)) is None


class TestAfterAResponse:
    def test_a_line_that_responded_is_judged_for_flares_instead(self) -> None:
        """Partial response on day 100, creatinine doubled since: not a worsening."""
        pts = (upcr(-5, 4.0), upcr(100, 1.5), upcr(150, 1.6), creat(-5, 1.0), creat(150, 2.5))
        assert worsening(KDIGO_2024, *pts) is None
