"""UCUM conversion into canonical units, one table per analyte."""

from __future__ import annotations

import math

import pytest

from fhir_mappings.facts import Analyte
from fhir_mappings.read.units import (
    CREATININE_MG_PER_MMOL,
    accepted_units,
    conversion_factor,
    to_canonical,
)

A = Analyte

CASES = [
    # UPCR -> g/g
    (A.UPCR, 0.5, "g/g", None, 0.5),
    (A.UPCR, 0.5, "mg/mg", None, 0.5),
    (A.UPCR, 500, "mg/g", None, 0.5),
    (A.UPCR, 113.12, "mg/mmol", None, 1.0),
    (A.UPCR, 0.11312, "g/mmol", None, 1.0),
    (A.UPCR, 500, "mg/g{creat}", None, 0.5),
    (A.UPCR, 500, None, "mg/g creat", 0.5),
    (A.UPCR, 0.5, "mg/mg{creat}", None, 0.5),
    (A.UPCR, 0.5, "g/g{creat}", None, 0.5),
    (A.UPCR, 113.12, "mg/mmol{creat}", None, 1.0),
    (A.UPCR, 113.12, None, "mg/mmol creatinine", 1.0),
    # 24 h protein -> g/d
    (A.PROTEIN_24H, 800, "mg/(24.h)", None, 0.8),
    (A.PROTEIN_24H, 0.8, "g/(24.h)", None, 0.8),
    (A.PROTEIN_24H, 800, "mg/d", None, 0.8),
    (A.PROTEIN_24H, 0.8, "g/d", None, 0.8),
    (A.PROTEIN_24H, 800, None, "mg/24h", 0.8),
    (A.PROTEIN_24H, 0.8, None, "g/24h", 0.8),
    (A.PROTEIN_24H, 800, None, "mg/24 h", 0.8),
    (A.PROTEIN_24H, 0.8, None, "g/24 h", 0.8),
    (A.PROTEIN_24H, 800, None, "mg/day", 0.8),
    # creatinine -> mg/dL
    (A.CREATININE, 1.2, "mg/dL", None, 1.2),
    (A.CREATININE, 88.4, "umol/L", None, 1.0),
    (A.CREATININE, 88.4, None, "µmol/L", 1.0),
    (A.CREATININE, 88.4, None, "μmol/L", 1.0),
    (A.CREATININE, 0.0884, "mmol/L", None, 1.0),
    (A.CREATININE, 12, "mg/L", None, 1.2),
    (A.CREATININE, 1.2, None, "mg/dl", 1.2),
    # eGFR
    (A.EGFR, 60, "mL/min/{1.73_m2}", None, 60),
    (A.EGFR, 60, None, "mL/min/1.73m2", 60),
    (A.EGFR, 60, None, "mL/min/1.73 m2", 60),
    (A.EGFR, 60, None, "ml/min/1.73m2", 60),
    # drug levels
    (A.MPA_TROUGH, 2.5, "mg/L", None, 2.5),
    (A.MPA_TROUGH, 2.5, "ug/mL", None, 2.5),
    (A.MPA_TROUGH, 2.5, None, "µg/mL", 2.5),
    (A.MPA_AUC, 40, "mg.h/L", None, 40),
    (A.TACROLIMUS_TROUGH, 5, "ng/mL", None, 5),
    (A.TACROLIMUS_TROUGH, 5, "ug/L", None, 5),
    (A.CYCLOSPORINE_TROUGH, 100, "ng/mL", None, 100),
    (A.CYCLOSPORINE_TROUGH, 100, "ug/L", None, 100),
    (A.HYDROXYCHLOROQUINE, 750, "ng/mL", None, 750),
    (A.HYDROXYCHLOROQUINE, 750, "ug/L", None, 750),
    # body
    (A.WEIGHT, 70, "kg", None, 70),
    (A.WEIGHT, 70000, "g", None, 70),
    (A.WEIGHT, 100, "[lb_av]", None, 45.359237),
    (A.WEIGHT, 100, None, "lb", 45.359237),
    (A.HEIGHT, 170, "cm", None, 170),
    (A.HEIGHT, 1.7, "m", None, 170),
    (A.HEIGHT, 10, "[in_i]", None, 25.4),
    (A.HEIGHT, 10, None, "in", 25.4),
    # complement
    (A.C3, 90, "mg/dL", None, 90),
    (A.C3, 0.9, "g/L", None, 90),
    (A.C4, 200, "mg/L", None, 20),
    # UACR -> mg/g
    (A.UACR, 30, "mg/g", None, 30),
    (A.UACR, 3, "mg/mmol", None, 3000 / CREATININE_MG_PER_MMOL),
    # urine RBC
    (A.URINE_RBC, 10, "/[HPF]", None, 10),
    (A.URINE_RBC, 10, None, "/HPF", 10),
    (A.URINE_RBC, 10, None, "RBC/HPF", 10),
    (A.URINE_RBC, 10, None, "/hpf", 10),
    # anti-dsDNA
    (A.ANTI_DSDNA, 40, "[IU]/mL", None, 40),
    (A.ANTI_DSDNA, 40, None, "IU/mL", 40),
]


class TestToCanonical:
    @pytest.mark.parametrize(("analyte", "value", "code", "text", "expected"), CASES)
    def test_conversion(
        self, analyte: Analyte, value: float, code: str | None, text: str | None, expected: float
    ) -> None:
        """Each accepted unit converts to the canonical unit with its documented factor."""
        result = to_canonical(analyte, value, code, text)
        assert result is not None
        assert math.isclose(result, expected, rel_tol=1e-9)

    def test_one_mg_per_mmol_is_8_84_mg_per_g(self) -> None:
        """1 mg/mmol equals 8.84 mg/g (creatinine 113.12 g/mol)."""
        result = to_canonical(A.UPCR, 1, "mg/mmol")
        assert result is not None
        assert round(result * 1000, 2) == 8.84

    @pytest.mark.parametrize(
        ("analyte", "code", "text"),
        [
            (A.UPCR, "mg/dL", None),
            (A.UPCR, None, None),
            (A.UPCR, "", "  "),
            (A.PROTEIN_24H, "mg/dL", None),
            (A.CREATININE, "mg/g", None),
            (A.EGFR, "mL/min", None),
            (A.ANTI_DSDNA, "U/mL", None),
            (A.WEIGHT, "stone", None),
            (A.URINE_RBC, "/uL", None),
        ],
    )
    def test_unknown_unit_is_none(
        self, analyte: Analyte, code: str | None, text: str | None
    ) -> None:
        """An unknown or missing unit is never guessed: None."""
        assert to_canonical(analyte, 1.0, code, text) is None

    def test_code_wins_over_text(self) -> None:
        """The UCUM code is used before the unit text."""
        assert to_canonical(A.UPCR, 500, "mg/g", "g/g") == pytest.approx(0.5)

    def test_text_used_when_code_unknown(self) -> None:
        """The unit text is tried when the code is unknown."""
        assert to_canonical(A.UPCR, 500, "bogus", "mg/g") == pytest.approx(0.5)

    @pytest.mark.parametrize("value", [math.inf, math.nan, True, "1"])
    def test_non_finite_or_non_number(self, value: object) -> None:
        """Non-finite numbers, booleans and strings give None."""
        assert to_canonical(A.UPCR, value, "g/g") is None  # type: ignore[arg-type]

    def test_overflow_is_none(self) -> None:
        """A product that overflows to infinity gives None."""
        assert to_canonical(A.UACR, 1e308, "g/mmol") is None


class TestTables:
    @pytest.mark.parametrize("analyte", list(Analyte))
    def test_every_analyte_has_units(self, analyte: Analyte) -> None:
        """Every analyte has a unit table whose spellings all convert."""
        units = accepted_units(analyte)
        assert units
        assert all(conversion_factor(analyte, u) is not None for u in units)

    def test_unknown_analyte(self) -> None:
        """An analyte with no table gives None and no units."""
        assert conversion_factor("nope", "g/g") is None  # type: ignore[arg-type]
        assert accepted_units("nope") == ()  # type: ignore[arg-type]
