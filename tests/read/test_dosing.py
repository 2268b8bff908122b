"""dose_from_dosage / dose_from_dosages / parse_dosage_text."""

from __future__ import annotations

from typing import Any

import pytest

from fhir_mappings.read.dosing import (
    GTS_ABBREVIATIONS,
    GTS_SYSTEM,
    NO_DOSE,
    dose_from_dosage,
    dose_from_dosages,
    parse_dosage_text,
    route_of_dosage,
)


def _dosage(
    value: float | None = 1000,
    unit: str = "mg",
    *,
    code: str | None = None,
    repeat: dict[str, Any] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    dosage: dict[str, Any] = dict(extra)
    timing: dict[str, Any] = {}
    if code:
        timing["code"] = {"coding": [{"system": GTS_SYSTEM, "code": code}]}
    if repeat is not None:
        timing["repeat"] = repeat
    if timing:
        dosage["timing"] = timing
    if value is not None:
        dosage["doseAndRate"] = [{"doseQuantity": {"value": value, "code": unit}}]
    return dosage


class TestUnits:
    @pytest.mark.parametrize(
        ("value", "unit", "expected"),
        [(1000, "mg", 1000.0), (1.5, "g", 1500.0), (500, "ug", 0.5), (500, "mcg", 0.5)],
    )
    def test_mass_units(self, value: float, unit: str, expected: float) -> None:
        """mg, g, ug and mcg convert to mg."""
        assert dose_from_dosage(_dosage(value, unit, code="QD")).dose_mg == pytest.approx(expected)

    @pytest.mark.parametrize("unit", ["{tbl}", "TAB", "tablet", "{capsule}", "1", "{tablet}"])
    def test_tablets_through_strength(self, unit: str) -> None:
        """Tablet/capsule units times the product strength give mg."""
        info = dose_from_dosage(_dosage(2, unit, code="BID"), strength_mg=500)
        assert (info.dose_mg, info.daily_dose_mg) == (1000.0, 2000.0)

    def test_tablets_without_strength(self) -> None:
        """Tablets with no known strength give no mg dose."""
        assert dose_from_dosage(_dosage(2, "{tbl}", code="BID")).dose_mg is None

    def test_ml_through_per_ml_strength(self) -> None:
        """mL of a suspension times its per-mL strength gives mg."""
        info = dose_from_dosage(_dosage(5, "mL", code="BID"), strength_mg=200, strength_per_ml=True)
        assert info.dose_mg == 1000.0

    def test_tablets_not_converted_with_per_ml_strength(self) -> None:
        """A per-mL strength is never applied to tablets."""
        info = dose_from_dosage(_dosage(2, "{tbl}"), strength_mg=200, strength_per_ml=True)
        assert info.dose_mg is None

    @pytest.mark.parametrize(
        ("unit", "weight", "bsa", "dose", "per_kg", "per_m2"),
        [
            ("mg/kg", None, None, None, 10.0, None),
            ("mg/kg", 60.0, None, 600.0, 10.0, None),
            ("mg/m2", None, None, None, None, 10.0),
            ("mg/m2", None, 1.7, 17.0, None, 10.0),
        ],
    )
    def test_per_body_size(
        self,
        unit: str,
        weight: float | None,
        bsa: float | None,
        dose: float | None,
        per_kg: float | None,
        per_m2: float | None,
    ) -> None:
        """mg/kg and mg/m2 stay apart and convert only with weight/BSA."""
        info = dose_from_dosage(_dosage(10, unit), weight_kg=weight, bsa_m2=bsa)
        assert (info.dose_mg, info.per_kg, info.per_m2) == (
            pytest.approx(dose) if dose else None,
            per_kg,
            per_m2,
        )

    @pytest.mark.parametrize(("value", "unit"), [(5, "mL"), (-1, "mg"), (1, "puff")])
    def test_unusable_quantities(self, value: float, unit: str) -> None:
        """Volumes without strength, negative values and unknown units give no dose."""
        assert dose_from_dosage(_dosage(value, unit)).dose_mg is None

    def test_dose_range_uses_high(self) -> None:
        """doseRange uses the high bound (documented choice)."""
        dosage = {
            "doseAndRate": [
                {
                    "doseRange": {
                        "low": {"value": 500, "code": "mg"},
                        "high": {"value": 1500, "code": "mg"},
                    }
                }
            ],
            "timing": {"code": {"coding": [{"code": "BID"}]}},
        }
        info = dose_from_dosage(dosage)
        assert (info.dose_mg, info.daily_dose_mg) == (1500.0, 3000.0)

    def test_administration_dose(self) -> None:
        """MedicationAdministration.dosage.dose is read as the dose."""
        assert dose_from_dosage({"dose": {"value": 0.5, "code": "g"}}).dose_mg == 500.0

    def test_empty(self) -> None:
        """An empty or non-dict dosage gives NO_DOSE."""
        assert dose_from_dosage({}) == NO_DOSE
        assert dose_from_dosage("x") == NO_DOSE


class TestFrequency:
    @pytest.mark.parametrize(("code", "per"), sorted(GTS_ABBREVIATIONS.items()))
    def test_every_timing_code(self, code: str, per: tuple[float, float]) -> None:
        """Every GTS abbreviation gives its interval and daily dose."""
        info = dose_from_dosage(_dosage(100, "mg", code=code))
        times, days = per
        assert info.interval_days == pytest.approx(days / times)
        assert info.daily_dose_mg == pytest.approx(100 * times / days)

    def test_unknown_code_then_known(self) -> None:
        """An unknown timing code is skipped for a known one in the same concept."""
        timing = {"code": {"coding": [{"code": "XYZ"}, {"code": "TID"}]}}
        dosage = {"timing": timing, "doseAndRate": [{"doseQuantity": {"value": 100, "code": "mg"}}]}
        assert dose_from_dosage(dosage).daily_dose_mg == 300.0

    def test_empty_dose_and_rate_entry_skipped(self) -> None:
        """A doseAndRate entry with no dose is skipped for the next one."""
        dosage = {
            "doseAndRate": [
                {"rateQuantity": {"value": 1}},
                {"doseQuantity": {"value": 5, "code": "mg"}},
            ]
        }
        assert dose_from_dosage(dosage).dose_mg == 5.0

    def test_lower_case_code(self) -> None:
        """Timing codes are case-insensitive."""
        assert dose_from_dosage(_dosage(100, code="bid")).daily_dose_mg == 200.0

    @pytest.mark.parametrize(
        ("repeat", "interval"),
        [
            ({"frequency": 2, "period": 1, "periodUnit": "d"}, 0.5),
            ({"period": 2, "periodUnit": "wk"}, 14.0),
            ({"frequency": 1, "period": 1, "periodUnit": "mo"}, 365.25 / 12),
            ({"frequency": 1, "period": 12, "periodUnit": "h"}, 0.5),
            ({"frequency": 1, "period": 720, "periodUnit": "min"}, 0.5),
            ({"frequency": 1, "period": 86400, "periodUnit": "s"}, 1.0),
            ({"frequency": 1, "period": 1, "periodUnit": "a"}, 365.25),
            ({"frequency": 0, "period": 1, "periodUnit": "d"}, 1.0),
        ],
    )
    def test_repeat(self, repeat: dict[str, Any], interval: float) -> None:
        """repeat.frequency per period/periodUnit gives the interval (frequency 0 reads as 1)."""
        assert dose_from_dosage(_dosage(100, repeat=repeat)).interval_days == pytest.approx(
            interval
        )

    def test_frequency_max_ignored(self) -> None:
        """frequencyMax does not raise the daily dose."""
        repeat = {"frequency": 1, "frequencyMax": 3, "period": 1, "periodUnit": "d"}
        assert dose_from_dosage(_dosage(100, repeat=repeat)).daily_dose_mg == 100.0

    @pytest.mark.parametrize(
        "repeat",
        [{"timeOfDay": ["08:00:00", "20:00:00"]}, {"when": ["MORN", "EVE"]}],
    )
    def test_time_slots(self, repeat: dict[str, Any]) -> None:
        """timeOfDay / when entries count as administrations per day."""
        assert dose_from_dosage(_dosage(500, repeat=repeat)).daily_dose_mg == 1000.0

    @pytest.mark.parametrize(
        "repeat", [{"period": 1, "periodUnit": "fortnight"}, {"period": 0, "periodUnit": "d"}, {}]
    )
    def test_no_frequency(self, repeat: dict[str, Any]) -> None:
        """An unknown unit, a zero period or no timing give no daily dose."""
        info = dose_from_dosage(_dosage(500, repeat=repeat))
        assert (info.dose_mg, info.daily_dose_mg, info.interval_days) == (500.0, None, None)

    def test_as_needed(self) -> None:
        """As-needed doses have no daily dose."""
        assert dose_from_dosage(_dosage(5, code="QD", asNeededBoolean=True)).daily_dose_mg is None


class TestSchedule:
    def test_count(self) -> None:
        """'500 mg every 2 weeks x 6': 6 planned doses over 70 days."""
        info = dose_from_dosage(_dosage(500, repeat={"period": 2, "periodUnit": "wk", "count": 6}))
        assert (info.planned_doses, info.interval_days, info.schedule_days) == (6, 14.0, 70.0)

    @pytest.mark.parametrize(
        ("duration", "days"),
        [({"value": 6, "code": "mo"}, 182.625), ({"value": 12, "unit": "wk"}, 84.0)],
    )
    def test_bounds_duration(self, duration: dict[str, Any], days: float) -> None:
        """boundsDuration gives the schedule length."""
        info = dose_from_dosage(_dosage(500, code="QD", repeat={"boundsDuration": duration}))
        assert info.schedule_days == pytest.approx(days)

    @pytest.mark.parametrize("count", [0, 1.5, "6"])
    def test_bad_count(self, count: object) -> None:
        """Zero, fractional or string counts are ignored."""
        info = dose_from_dosage(
            _dosage(500, repeat={"period": 1, "periodUnit": "d", "count": count})
        )
        assert info.planned_doses is None


class TestText:
    @pytest.mark.parametrize(
        ("text", "dose", "daily"),
        [
            ("1000 mg twice daily", 1000.0, 2000.0),
            ("Take 1 g by mouth BID.", 1000.0, 2000.0),
            ("500 mg IV every 2 weeks", 500.0, 500.0 / 14),
            ("720 mg every 12 hours", 720.0, 1440.0),
        ],
    )
    def test_plain_text(self, text: str, dose: float, daily: float) -> None:
        """Plain "<n> mg <frequency>" text is parsed."""
        info = dose_from_dosage({"text": text})
        assert info.dose_mg == dose
        assert info.daily_dose_mg == pytest.approx(daily)

    @pytest.mark.parametrize(
        "text",
        [
            "2 tabs twice daily",
            "1000 mg twice daily then taper",
            "as directed",
            "1000mg bid or tid",
        ],
    )
    def test_other_text_not_guessed(self, text: str) -> None:
        """Anything beyond the plain pattern is left None."""
        assert parse_dosage_text(text) is None

    def test_text_with_structured_timing(self) -> None:
        """Structured timing wins over the text's frequency."""
        info = dose_from_dosage(
            {"text": "1000 mg twice daily", "timing": {"code": {"coding": [{"code": "QD"}]}}}
        )
        assert info.daily_dose_mg == 1000.0


class TestRoute:
    @pytest.mark.parametrize(
        ("route", "expected"),
        [
            ({"coding": [{"system": "http://snomed.info/sct", "code": "26643006"}]}, "oral"),
            ({"coding": [{"system": "http://snomed.info/sct", "code": "47625008"}]}, "intravenous"),
            (
                {"coding": [{"system": "http://snomed.info/sct", "code": "34206005"}]},
                "subcutaneous",
            ),
            ({"text": "IV infusion"}, "intravenous"),
            ({"coding": [{"code": "x", "display": "By mouth"}]}, "oral"),
            ({"text": "SC"}, "subcutaneous"),
            ({"text": "topical"}, None),
            ({}, None),
        ],
    )
    def test_route(self, route: dict[str, Any], expected: str | None) -> None:
        """SNOMED route codes, then route words, give the route."""
        assert route_of_dosage({"route": route}) == expected


class TestCombine:
    def test_morning_and_evening(self) -> None:
        """Two simultaneous instructions add up to the daily dose."""
        info = dose_from_dosages([_dosage(1000, code="AM"), _dosage(500, code="PM")])
        assert (info.dose_mg, info.daily_dose_mg) == (1000.0, 1500.0)

    def test_unknown_part(self) -> None:
        """A part without a daily dose makes the total unknown."""
        assert (
            dose_from_dosages([_dosage(1000, code="AM"), _dosage(None, code="PM")]).daily_dose_mg
            is None
        )

    def test_taper_sequence(self) -> None:
        """Sequenced instructions are not summed: the first step counts."""
        info = dose_from_dosages(
            [_dosage(60, code="QD", sequence=1), _dosage(40, code="QD", sequence=2)]
        )
        assert info.daily_dose_mg == 60.0

    def test_route_from_any(self) -> None:
        """The route comes from the first instruction that has one."""
        second = _dosage(500, code="PM", route={"text": "oral"})
        assert dose_from_dosages([_dosage(1000, code="AM"), second]).route == "oral"

    def test_empty(self) -> None:
        """No instructions give NO_DOSE."""
        assert dose_from_dosages([]) == NO_DOSE
        assert dose_from_dosages(["x"]) == NO_DOSE
