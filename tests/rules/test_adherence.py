"""fhir_mappings.rules.adherence: refills and drug levels judged together, per agent."""

from __future__ import annotations

import pytest

from fhir_mappings.facts import Agent, Analyte, LabPoint, RefillStatus
from fhir_mappings.rules.adherence import DOUBT, Verdict, judge, judge_all, low_levels
from fhir_mappings.rulesets import Ruleset, get_ruleset
from tests.rules._builders import MMF, day, exposure, point

KDIGO_2024 = get_ruleset("kdigo-2024")
HCQ = Agent.HYDROXYCHLOROQUINE
V = Verdict


def level(analyte: Analyte, value: float, comparator: str | None = None) -> LabPoint:
    return point(analyte, day(150), value, comparator)


class TestRefills:
    @pytest.mark.parametrize(
        ("pdc", "verdict"), [(0.79, V.POSSIBLE_NONADHERENCE), (0.80, V.ADHERENT)]
    )
    def test_pdc_threshold(self, ruleset: Ruleset, pdc: float, verdict: Verdict) -> None:
        """PQA: a PDC of 80 % is adherent; 79 % is possible non-adherence."""
        judged = judge(exposure(MMF, pdc), ruleset)
        assert judged.verdict is verdict
        assert judged.low_pdc is (pdc < 0.80)
        assert judged.in_doubt is (verdict in DOUBT)
        assert judged.agent is MMF

    @pytest.mark.parametrize(
        "status",
        [RefillStatus.NO_DISPENSES, RefillStatus.SUPPLY_UNKNOWN, RefillStatus.NOT_PROVIDED],
    )
    def test_no_measure_is_unknown_never_non_adherent(self, status: RefillStatus) -> None:
        """No dispense, no readable supply or no dispense feed: unknown, not in doubt."""
        judged = judge(exposure(MMF, None, status=status), KDIGO_2024)
        assert judged.verdict is V.UNKNOWN
        assert not judged.in_doubt

    def test_given_by_clinicians_is_not_in_question(self) -> None:
        """IV cyclophosphamide given by clinicians: adherence is not a question."""
        judged = judge(
            exposure(Agent.CYCLOPHOSPHAMIDE, None, status=RefillStatus.GIVEN_BY_CLINICIANS),
            KDIGO_2024,
        )
        assert judged.verdict is V.GIVEN_BY_CLINICIANS
        assert not judged.in_doubt

    def test_an_order_on_hold_is_judged_neither_way(self) -> None:
        """The current order on hold: no verdict on adherence, even with a low level."""
        held = exposure(MMF, None, level(Analyte.MPA_TROUGH, 1.0), status=RefillStatus.ON_HOLD)
        judged = judge(held, KDIGO_2024)
        assert (judged.verdict, judged.low_levels) == (V.ON_HOLD, ())


class TestLevels:
    @pytest.mark.parametrize(
        ("analyte", "value", "low"),
        [
            (Analyte.MPA_TROUGH, 2.99, True),
            (Analyte.MPA_TROUGH, 3.0, False),
            (Analyte.MPA_AUC, 29.9, True),
            (Analyte.MPA_AUC, 30.0, False),
        ],
    )
    def test_mpa_exposure_thresholds_with_good_refills(
        self, ruleset: Ruleset, analyte: Analyte, value: float, low: bool
    ) -> None:
        """Trough < 3.0 mg/L or AUC < 30 mg·h/L with PDC >= 80 % is low exposure (a
        dosing question, not adherence); at the threshold it is adherent."""
        judged = judge(exposure(MMF, 0.95, level(analyte, value)), ruleset)
        assert judged.verdict is (V.LOW_EXPOSURE if low else V.ADHERENT)
        assert not judged.in_doubt

    @pytest.mark.parametrize(("value", "doubt"), [(199.0, True), (200.0, False)])
    def test_hydroxychloroquine_level(self, ruleset: Ruleset, value: float, doubt: bool) -> None:
        """Blanchet 2020: whole-blood hydroxychloroquine < 200 ng/mL is non-adherence,
        whatever the refills say."""
        judged = judge(exposure(HCQ, 0.95, level(Analyte.HYDROXYCHLOROQUINE, value)), ruleset)
        assert judged.verdict is (V.POSSIBLE_NONADHERENCE if doubt else V.ADHERENT)

    def test_low_mpa_with_refills_unknown_is_either(self) -> None:
        """A low trough without dispense records: non-adherence or low exposure."""
        low = exposure(MMF, None, level(Analyte.MPA_TROUGH, 1.5), status=RefillStatus.NO_DISPENSES)
        judged = judge(low, KDIGO_2024)
        assert judged.verdict is V.NONADHERENCE_OR_LOW_EXPOSURE
        assert judged.in_doubt

    def test_low_mpa_with_low_refills_is_non_adherence(self) -> None:
        """A low trough and a PDC of 50 %: possible non-adherence."""
        judged = judge(exposure(MMF, 0.5, level(Analyte.MPA_TROUGH, 1.5)), KDIGO_2024)
        assert judged.verdict is V.POSSIBLE_NONADHERENCE
        assert judged.low_levels == (level(Analyte.MPA_TROUGH, 1.5),)

    def test_a_normal_level_without_refills_shows_the_drug_is_taken(self) -> None:
        """A trough of 4 mg/L and no dispense records: adherent."""
        judged = judge(
            exposure(MMF, None, level(Analyte.MPA_TROUGH, 4.0), status=RefillStatus.NO_DISPENSES),
            KDIGO_2024,
        )
        assert judged.verdict is V.ADHERENT

    def test_a_random_mpa_level_is_not_judged(self) -> None:
        """An MPA level of unstated timing is not a trough: neither low nor reassuring."""
        random = exposure(
            MMF, None, level(Analyte.MPA_RANDOM, 0.5), status=RefillStatus.NO_DISPENSES
        )
        judged = judge(random, KDIGO_2024)
        assert judged.verdict is V.UNKNOWN
        assert low_levels(random, KDIGO_2024) == ()

    @pytest.mark.parametrize(
        ("comparator", "value", "low"), [("<", 3.0, True), ("<", 3.5, False), (">", 1.0, False)]
    )
    def test_level_comparators(self, comparator: str, value: float, low: bool) -> None:
        """'<3.0' mg/L is low; '<3.5' may not be; '>1.0' is never called low."""
        found = low_levels(
            exposure(MMF, 0.95, level(Analyte.MPA_TROUGH, value, comparator)), KDIGO_2024
        )
        assert bool(found) is low

    def test_judge_all_keeps_the_order(self) -> None:
        """One verdict per agent, in the order of the exposures."""
        verdicts = judge_all((exposure(MMF, 0.5), exposure(HCQ, 0.95)), KDIGO_2024)
        assert [(v.agent, v.verdict) for v in verdicts] == [
            (MMF, V.POSSIBLE_NONADHERENCE),
            (HCQ, V.ADHERENT),
        ]
