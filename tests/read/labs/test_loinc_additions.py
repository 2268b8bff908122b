"""codes.loinc additions: blood counts, hCG, urine concentrations, MPA timing, prefetch."""

from __future__ import annotations

import pytest

from fhir_mappings.codes.loinc import (
    LOINC_TABLE,
    PREFETCH_LOINC_CODES,
    PREGNANCY_TEST_LOINC_CODES,
    analyte_for_loinc,
    loinc_check_digit_ok,
)
from fhir_mappings.facts import Analyte
from fhir_mappings.read.observations import map_observations
from tests.support.fhir import observation, ucum

A = Analyte
#: When a result was taken, unless the test says otherwise.
WHEN = "2026-03-02T09:00:00Z"


class TestTable:
    @pytest.mark.parametrize(
        ("code", "analyte"),
        [
            ("751-8", A.NEUTROPHILS),
            ("26499-4", A.NEUTROPHILS),
            ("6690-2", A.LEUKOCYTES),
            ("33256-9", A.LEUKOCYTES),
            ("777-3", A.PLATELETS),
            ("26515-7", A.PLATELETS),
            ("83086-9", A.HCG),
            ("19080-1", A.HCG),
            ("2888-6", A.URINE_PROTEIN),
            ("2161-8", A.URINE_CREATININE),
            ("14683-7", A.URINE_CREATININE),
            ("72667-9", A.MPA_TROUGH),
            ("23905-3", A.MPA_RANDOM),
            ("55806-4", A.MPA_RANDOM),
        ],
    )
    def test_analyte(self, code: str, analyte: Analyte) -> None:
        """New codes map to their analyte; MPA of unstated timing is random, not a trough."""
        assert analyte_for_loinc(code) is analyte

    @pytest.mark.parametrize("code", ["2119-6", "34670-0", "25372-4", "13056-7", "770-8", "2106-3"])
    def test_left_out(self, code: str) -> None:
        """Molar or mass hCG, urine hCG, plasma platelets, percentages and tests are no analyte."""
        assert analyte_for_loinc(code) is None

    def test_only_72667_is_a_trough(self) -> None:
        """72667-9 is the only MPA trough code."""
        assert [e.code for e in LOINC_TABLE if e.analyte is A.MPA_TROUGH] == ["72667-9"]

    @pytest.mark.parametrize("code", PREGNANCY_TEST_LOINC_CODES)
    def test_pregnancy_codes_check_digit(self, code: str) -> None:
        """Every pregnancy test code has a valid mod-10 check digit."""
        assert loinc_check_digit_ok(code)


class TestPrefetch:
    @pytest.mark.parametrize(
        "analyte",
        [
            A.NEUTROPHILS,
            A.LEUKOCYTES,
            A.PLATELETS,
            A.HCG,
            A.URINE_PROTEIN,
            A.URINE_CREATININE,
            A.MPA_RANDOM,
        ],
    )
    def test_new_analytes_prefetched(self, analyte: Analyte) -> None:
        """Every code of the analytes the safety rules read is in the prefetch."""
        codes = {e.code for e in LOINC_TABLE if e.analyte is analyte}
        assert codes
        assert codes <= set(PREFETCH_LOINC_CODES)

    def test_pregnancy_tests_prefetched(self) -> None:
        """Qualitative tests, pregnancy status and quantitative hCG are in the prefetch, once."""
        assert {"2106-3", "82810-3", "11449-6", "83086-9"} <= set(PREGNANCY_TEST_LOINC_CODES)
        assert set(PREGNANCY_TEST_LOINC_CODES) <= set(PREFETCH_LOINC_CODES)
        assert len(PREFETCH_LOINC_CODES) == len(set(PREFETCH_LOINC_CODES))


class TestUnits:
    @pytest.mark.parametrize(
        ("value", "unit", "expected"),
        [(4.2, "10*3/uL", 4.2), (4.2, "K/uL", 4.2), (4200, "/uL", 4.2), (4.2, "/nL", 4.2)],
    )
    def test_neutrophils(self, value: float, unit: str, expected: float) -> None:
        """Neutrophil counts convert to 10*9/L from the units EHRs send."""
        labs = map_observations([observation("751-8", id="o1", when=WHEN, value=ucum(value, unit))])
        (point,) = labs.get(A.NEUTROPHILS).points
        assert point.value == pytest.approx(expected)

    def test_percent_is_not_a_count(self) -> None:
        """A percentage under an absolute-count code is not converted."""
        labs = map_observations([observation("751-8", id="o1", when=WHEN, value=ucum(60, "%"))])
        assert labs.get(A.NEUTROPHILS).points == ()
