"""LOINC table: check digits, analyte lookup, prefetch codes."""

from __future__ import annotations

import pytest

from fhir_mappings.codes.loinc import (
    LOINC_SYSTEM,
    LOINC_TABLE,
    PREFETCH_LOINC_CODES,
    analyte_for_loinc,
    loinc_check_digit_ok,
)
from fhir_mappings.facts import Analyte


class TestCheckDigit:
    @pytest.mark.parametrize("entry", LOINC_TABLE, ids=lambda e: e.code)
    def test_every_table_code_passes_mod10(self, entry: object) -> None:
        """Every LOINC code in the table has a valid mod-10 check digit."""
        assert loinc_check_digit_ok(entry.code)  # type: ignore[attr-defined]

    @pytest.mark.parametrize("code", PREFETCH_LOINC_CODES)
    def test_every_prefetch_code_passes_mod10(self, code: str) -> None:
        """Every prefetch code has a valid mod-10 check digit."""
        assert loinc_check_digit_ok(code)

    @pytest.mark.parametrize(
        "code",
        ["2890-3", "2160-1", "4485-8", "", "2890", "2890-", "-2", "28a0-2", "2890-22", "²890-2"],
    )
    def test_wrong_or_malformed_codes_fail(self, code: str) -> None:
        """A wrong check digit or a malformed code fails the check."""
        assert not loinc_check_digit_ok(code)

    def test_non_string_fails(self) -> None:
        """A non-string never passes."""
        assert not loinc_check_digit_ok(2890)  # type: ignore[arg-type]


class TestAnalyteLookup:
    @pytest.mark.parametrize(
        ("code", "analyte"),
        [
            ("2890-2", Analyte.UPCR),
            ("13801-6", Analyte.UPCR),
            ("34366-5", Analyte.UPCR),
            ("60678-0", Analyte.UPCR),
            ("40486-3", Analyte.UPCR),
            ("2889-4", Analyte.PROTEIN_24H),
            ("2160-0", Analyte.CREATININE),
            ("14682-9", Analyte.CREATININE),
            ("38483-4", Analyte.CREATININE),
            ("98979-8", Analyte.EGFR),
            ("33914-3", Analyte.EGFR),
            ("13945-1", Analyte.URINE_RBC),
            ("9318-7", Analyte.UACR),
            ("14585-4", Analyte.UACR),
            ("4485-9", Analyte.C3),
            ("4498-2", Analyte.C4),
            ("33799-8", Analyte.ANTI_DSDNA),
            ("23905-3", Analyte.MPA_RANDOM),
            ("115789-0", Analyte.MPA_AUC),
            ("77348-1", Analyte.TACROLIMUS_TROUGH),
            ("53828-0", Analyte.CYCLOSPORINE_TROUGH),
            ("95921-3", Analyte.HYDROXYCHLOROQUINE),
            ("29463-7", Analyte.WEIGHT),
            ("8302-2", Analyte.HEIGHT),
            (" 2890-2 ", Analyte.UPCR),
        ],
    )
    def test_known_codes(self, code: str, analyte: Analyte) -> None:
        """Known codes (surrounding spaces ignored) map to their analyte."""
        assert analyte_for_loinc(code) is analyte

    @pytest.mark.parametrize("code", ["3684-8", "1234-5", "", "not-a-code"])
    def test_unknown_codes(self, code: str) -> None:
        """Codes outside the table (e.g. serum HCQ 3684-8) give None."""
        assert analyte_for_loinc(code) is None

    def test_non_string(self) -> None:
        """A non-string code gives None."""
        assert analyte_for_loinc(None) is None  # type: ignore[arg-type]

    def test_every_analyte_has_a_code(self) -> None:
        """Every Analyte has at least one LOINC code."""
        assert {e.analyte for e in LOINC_TABLE} == set(Analyte)

    def test_codes_unique(self) -> None:
        """No code appears twice in the table."""
        codes = [e.code for e in LOINC_TABLE]
        assert len(codes) == len(set(codes))

    def test_system_uri(self) -> None:
        """The LOINC system URI is the FHIR one."""
        assert LOINC_SYSTEM == "http://loinc.org"


class TestPrefetch:
    def test_flat_tuple_of_strings(self) -> None:
        """PREFETCH_LOINC_CODES is a flat tuple of unique code strings."""
        assert isinstance(PREFETCH_LOINC_CODES, tuple)
        assert all(isinstance(c, str) for c in PREFETCH_LOINC_CODES)
        assert len(set(PREFETCH_LOINC_CODES)) == len(PREFETCH_LOINC_CODES)

    @pytest.mark.parametrize(
        "analyte",
        [
            Analyte.UPCR,
            Analyte.PROTEIN_24H,
            Analyte.CREATININE,
            Analyte.EGFR,
            Analyte.URINE_RBC,
            Analyte.MPA_TROUGH,
            Analyte.TACROLIMUS_TROUGH,
            Analyte.CYCLOSPORINE_TROUGH,
            Analyte.HYDROXYCHLOROQUINE,
            Analyte.WEIGHT,
            Analyte.HEIGHT,
        ],
    )
    def test_assessment_analytes_are_prefetched(self, analyte: Analyte) -> None:
        """Every analyte the assessment uses has all its codes in the prefetch."""
        codes = {e.code for e in LOINC_TABLE if e.analyte is analyte}
        assert codes <= set(PREFETCH_LOINC_CODES)
