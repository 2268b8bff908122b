"""read_safety over Observations: pregnancy tests, pregnancy status, quantitative hCG."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from fhir_mappings.facts import PregnancyTest, SafetyRecord
from fhir_mappings.facts import TestResult as Result
from fhir_mappings.read.safety import read_safety
from fhir_mappings.rulesets import SafetyRule
from tests.support.fhir import observation, ucum

from ._fhir import INTERPRETATION, LOINC, SNOMED, coding, concept

POS, NEG = Result.POSITIVE, Result.NEGATIVE
RACE = "urn:oid:2.16.840.1.113883.6.238"
#: When a test was taken, unless the test says otherwise.
WHEN = "2026-03-02T09:00:00Z"


def read(*observations: dict[str, Any]) -> SafetyRecord:
    return read_safety(None, (), (), observations, ())


def one(*observations: dict[str, Any]) -> PregnancyTest:
    (test,) = read(*observations).pregnancy_tests
    return test


class TestQualitative:
    def test_positive_then_negative(self) -> None:
        """A positive urine test and a later negative serum test are both kept, in order."""
        record = read(
            observation(
                "2118-8",
                id="o2",
                when="2026-03-09T10:00:00Z",
                valueCodeableConcept=concept(coding(SNOMED, "260385009", "Negative")),
            ),
            observation(
                "2106-3",
                id="o1",
                when="2026-03-02T10:00:00Z",
                valueCodeableConcept=concept(coding(SNOMED, "10828004", "Positive")),
            ),
        )
        assert [(t.when, t.result, t.code, t.source_id) for t in record.pregnancy_tests] == [
            (date(2026, 3, 2), POS, "2106-3", "Observation/o1"),
            (date(2026, 3, 9), NEG, "2118-8", "Observation/o2"),
        ]

    @pytest.mark.parametrize(
        ("value", "result", "text"),
        [
            ({"valueString": "Positive"}, POS, "Positive"),
            ({"valueString": "NEGATIVE"}, NEG, "NEGATIVE"),
            ({"valueString": "hCG not detected"}, NEG, "hCG not detected"),
            ({"valueCodeableConcept": concept(text="Detected")}, POS, "Detected"),
            ({"valueCodeableConcept": concept(coding(LOINC, "LA6576-8"))}, POS, "Positive"),
            ({"valueBoolean": True}, POS, "Positive"),
            ({"valueBoolean": False}, NEG, "Negative"),
        ],
    )
    def test_value_forms(self, value: dict[str, Any], result: Result, text: str) -> None:
        """Coded, word and boolean results are read, with the words they said."""
        test = one(observation("2106-3", id="o1", when=WHEN, **value))
        assert (test.result, test.value_text) == (result, text)

    def test_interpretation_alone(self) -> None:
        """With no value, a POS interpretation makes a positive test."""
        test = one(
            observation(
                "80384-1",
                id="o1",
                when=WHEN,
                interpretation=[concept(coding(INTERPRETATION, "POS", "Positive"))],
            )
        )
        assert test.result is POS

    def test_value_and_interpretation_disagree(self) -> None:
        """A negative value with a POS interpretation gives no test and an exclusion."""
        record = read(
            observation(
                "2106-3",
                id="o1",
                when=WHEN,
                valueString="negative",
                interpretation=[concept(coding(INTERPRETATION, "POS"))],
            )
        )
        assert record.pregnancy_tests == ()
        assert "both positive and negative" in record.excluded[0].reason

    @pytest.mark.parametrize(
        "value",
        [
            {"valueString": "Equivocal"},
            {"valueString": "Positive?"},
            {"valueString": "specimen hemolysed"},
            {"valueCodeableConcept": concept(coding(SNOMED, "261665006", "Unknown"))},
            {"dataAbsentReason": concept(coding("x", "not-performed"))},
            {},
        ],
    )
    def test_indeterminate_or_unreadable_gives_no_test(self, value: dict[str, Any]) -> None:
        """An indeterminate, unreadable or absent result gives no test, only an exclusion."""
        record = read(observation("2106-3", id="o1", when=WHEN, **value))
        assert record.pregnancy_tests == ()
        assert record.excluded[0].source_id == "Observation/o1"

    def test_race_code_is_not_a_pregnancy_test(self) -> None:
        """2106-3 under the CDC race code system ("White") is not a pregnancy test."""
        record = read(
            observation(
                concept(coding(RACE, "2106-3", "White")),
                id="o1",
                when=WHEN,
                valueCodeableConcept=concept(coding(SNOMED, "10828004")),
            )
        )
        assert (record.pregnancy_tests, record.excluded) == ((), ())

    @pytest.mark.parametrize("status", ["preliminary", "registered", "cancelled", None])
    def test_status_not_final_excluded(self, status: str | None) -> None:
        """A preliminary or cancelled test is excluded with its status."""
        record = read(
            observation("2106-3", id="o1", when=WHEN, status=status, valueString="Positive")
        )
        assert record.pregnancy_tests == ()
        assert repr(status) in record.excluded[0].reason

    def test_no_date_excluded(self) -> None:
        """A test with no time is excluded."""
        resource = observation("2106-3", id="o1", when=WHEN, valueString="Positive")
        del resource["effectiveDateTime"]
        record = read(resource)
        assert record.pregnancy_tests == ()
        assert "without a date" in record.excluded[0].reason

    def test_issued_dates_a_test(self) -> None:
        """Without an effective time, issued dates the test (as for every lab)."""
        resource = observation(
            "2106-3", id="o1", when=WHEN, valueString="Positive", issued="2026-04-01T07:00:00Z"
        )
        del resource["effectiveDateTime"]
        assert one(resource).when == date(2026, 4, 1)


class TestPregnancyStatus:
    @pytest.mark.parametrize(
        ("answer", "result"),
        [
            (coding(LOINC, "LA15173-0", "Pregnant"), POS),
            (coding(SNOMED, "77386006", "Patient currently pregnant"), POS),
            (coding(LOINC, "LA26683-5", "Not pregnant"), NEG),
            (coding(SNOMED, "60001007", "Not pregnant"), NEG),
        ],
    )
    def test_answers(self, answer: dict[str, Any], result: Result) -> None:
        """US Core pregnancy status answers read as positive or negative."""
        test = one(observation("82810-3", id="o1", when=WHEN, valueCodeableConcept=concept(answer)))
        assert (test.result, test.code) == (result, "82810-3")

    def test_possible_pregnancy_status_gives_no_test(self) -> None:
        """A "possible pregnancy" status is neither positive nor negative."""
        record = read(
            observation(
                "11449-6",
                id="o1",
                when=WHEN,
                valueCodeableConcept=concept(coding(SNOMED, "102874004")),
            )
        )
        assert record.pregnancy_tests == ()

    def test_boolean_status_words(self) -> None:
        """A boolean pregnancy status reads as "Pregnant"."""
        assert (
            one(observation("82810-3", id="o1", when=WHEN, valueBoolean=True)).value_text
            == "Pregnant"
        )


class TestQuantitativeHcg:
    def test_cut_offs(self) -> None:
        """The cut-offs are 25 IU/L (positive from) and 5 IU/L (negative below)."""
        rule = SafetyRule()
        assert (rule.hcg_positive_min_iu_l, rule.hcg_negative_below_iu_l) == (25.0, 5.0)

    @pytest.mark.parametrize(
        ("value", "unit", "comparator", "result"),
        [
            (4, "[IU]/L", None, NEG),
            (4.9, "IU/L", None, NEG),
            (5, "[IU]/L", None, None),
            (24.9, "[IU]/L", None, None),
            (25, "[IU]/L", None, POS),
            (1250, "IU/L", None, POS),
            (4, "m[IU]/mL", None, NEG),
            (25, "m[IU]/mL", None, POS),
            (24.9, "mIU/mL", None, None),
            (5, "mIU/mL", "<", NEG),
            (10, "mIU/mL", "<", None),
            (1000, "mIU/mL", ">", POS),
            (2, "pmol/L", None, None),
        ],
    )
    def test_value(
        self, value: float, unit: str, comparator: str | None, result: Result | None
    ) -> None:
        """hCG >= 25 IU/L is positive, < 5 negative, between them (or unconvertible) none."""
        record = read(
            observation("83086-9", id="o1", when=WHEN, valueQuantity=ucum(value, unit, comparator))
        )
        got = [t.result for t in record.pregnancy_tests]
        assert got == ([] if result is None else [result])
        if result is None:
            assert record.excluded[0].source_id == "Observation/o1"

    def test_value_text(self) -> None:
        """The test says what was measured."""
        test = one(observation("19080-1", id="o1", when=WHEN, valueQuantity=ucum(1250, "m[IU]/mL")))
        assert test.value_text == "hCG 1250 m[IU]/mL"

    def test_numeric_string(self) -> None:
        """A numeric valueString with a unit is read like a quantity."""
        assert one(observation("83086-9", id="o1", when=WHEN, valueString="<2 IU/L")).result is NEG

    def test_no_unit(self) -> None:
        """A number without a unit gives no test."""
        record = read(observation("83086-9", id="o1", when=WHEN, valueQuantity={"value": 300}))
        assert record.pregnancy_tests == ()
        assert "no unit" in record.excluded[0].reason

    def test_interpretation_does_not_override_the_number(self) -> None:
        """A POS flag on an hCG of 12 IU/L does not make it positive."""
        record = read(
            observation(
                "83086-9",
                id="o1",
                when=WHEN,
                valueQuantity=ucum(12, "IU/L"),
                interpretation=[concept(coding(INTERPRETATION, "POS"))],
            )
        )
        assert record.pregnancy_tests == ()

    def test_molar_hcg_is_not_read(self) -> None:
        """The molar code 2119-6 is not a pregnancy test here."""
        record = read(observation("2119-6", id="o1", when=WHEN, valueQuantity=ucum(100, "pmol/L")))
        assert (record.pregnancy_tests, record.excluded) == ((), ())

    def test_words_under_a_quantitative_code(self) -> None:
        """A quantitative code reporting "Positive" in words is read from the words."""
        assert one(observation("21198-7", id="o1", when=WHEN, valueString="Positive")).result is POS
