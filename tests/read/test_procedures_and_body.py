"""Kidney biopsies from Procedures; body measures and BSA."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime
from typing import Any

import pytest

from fhir_mappings.codes.conditions import CPT_SYSTEM, SNOMED_SYSTEM, TEXT_SYSTEM
from fhir_mappings.facts import Analyte, LabPoint, LabResults, LabSeries
from fhir_mappings.read.body import body_measures, mosteller_bsa
from fhir_mappings.read.procedures import kidney_biopsies, kidney_biopsies_with_exclusions


def procedure(
    rid: str | None = "p1",
    *,
    status: str | None = "completed",
    coding: list[dict[str, Any]] | None = None,
    text: str | None = None,
    when: dict[str, Any] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    out: dict[str, Any] = {"resourceType": "Procedure"}
    if rid is not None:
        out["id"] = rid
    if status is not None:
        out["status"] = status
    code: dict[str, Any] = {
        "coding": coding if coding is not None else [{"system": CPT_SYSTEM, "code": "50200"}]
    }
    if text is not None:
        code["text"] = text
    out["code"] = code
    out.update(when if when is not None else {"performedDateTime": "2024-02-03T09:00:00Z"})
    out.update(extra)
    return out


class TestKidneyBiopsies:
    def test_completed_cpt(self) -> None:
        """A completed CPT 50200 procedure is a biopsy with the table display."""
        (biopsy,) = kidney_biopsies([procedure()])
        assert biopsy.when == date(2024, 2, 3)
        assert (biopsy.system, biopsy.code) == (CPT_SYSTEM, "50200")
        assert biopsy.display == "Renal biopsy; percutaneous, by trocar or needle"
        assert biopsy.source_id == "Procedure/p1"

    @pytest.mark.parametrize(
        "status",
        [
            "in-progress",
            "preparation",
            "not-done",
            "on-hold",
            "stopped",
            "entered-in-error",
            "unknown",
            None,
        ],
    )
    def test_other_statuses_excluded(self, status: str | None) -> None:
        """Only completed biopsies count; the others are listed as excluded."""
        found, excluded = kidney_biopsies_with_exclusions([procedure(status=status)])
        assert found == ()
        assert "status" in excluded[0].reason

    @pytest.mark.parametrize(
        ("when", "expected"),
        [
            ({"performedDateTime": "2024-01-02"}, date(2024, 1, 2)),
            ({"performedPeriod": {"start": "2024-01-03", "end": "2024-01-04"}}, date(2024, 1, 3)),
            ({"performedPeriod": {"end": "2024-01-04"}}, date(2024, 1, 4)),
        ],
    )
    def test_dates(self, when: dict[str, Any], expected: date) -> None:
        """performedDateTime, else performedPeriod.start, else .end."""
        assert kidney_biopsies([procedure(when=when)])[0].when == expected

    def test_no_date_excluded(self) -> None:
        """A biopsy without a date is excluded."""
        found, excluded = kidney_biopsies_with_exclusions(
            [procedure(when={"performedString": "last year"})]
        )
        assert found == ()
        assert "without a performed date" in excluded[0].reason

    def test_snomed_with_display(self) -> None:
        """A SNOMED CT kidney biopsy keeps its own display."""
        res = procedure(
            coding=[{"system": SNOMED_SYSTEM, "code": "48426002", "display": "FNA kidney"}]
        )
        assert kidney_biopsies([res])[0].display == "FNA kidney"

    def test_text_fallback(self) -> None:
        """A procedure known only by text is recorded with system 'text'."""
        res = procedure(coding=[], text="US-guided renal biopsy")
        (biopsy,) = kidney_biopsies([res])
        assert (biopsy.system, biopsy.code) == (TEXT_SYSTEM, "US-guided renal biopsy")

    def test_body_site_fallback(self) -> None:
        """A 'Biopsy' whose body site names the kidney counts."""
        res = procedure(
            coding=[{"system": SNOMED_SYSTEM, "code": "86273004", "display": "Biopsy"}],
            bodySite=[{"coding": [{"display": "Left kidney structure"}]}, "bad"],
        )
        assert len(kidney_biopsies([res])) == 1

    def test_other_procedures_ignored(self) -> None:
        """Other procedures are neither returned nor listed."""
        res = procedure(coding=[{"system": CPT_SYSTEM, "code": "50300"}], text="Kidney transplant")
        assert kidney_biopsies_with_exclusions([res]) == ((), ())

    def test_sorted_and_deduplicated(self) -> None:
        """Biopsies are sorted by date; the same id is read once; odd items skipped."""
        items: list[Any] = [
            procedure("b", when={"performedDateTime": "2024-05-01"}),
            procedure("a", when={"performedDateTime": "2023-05-01"}),
            procedure("a", when={"performedDateTime": "2023-05-01"}),
            procedure(None, when={"performedDateTime": "2022-05-01"}),
            None,
            {"resourceType": "Observation"},
        ]
        assert [b.when.year for b in kidney_biopsies(items)] == [2022, 2023, 2024]


def _point(analyte: Analyte, value: float, day: int, comparator: str | None = None) -> LabPoint:
    return LabPoint(
        analyte=analyte,
        when=datetime(2024, 1, day, tzinfo=UTC),
        value=value,
        unit="kg" if analyte is Analyte.WEIGHT else "cm",
        comparator=comparator,
        original_value=value,
        original_unit="kg",
        code="29463-7",
        source_id=None,
    )


def _labs(*points: LabPoint) -> LabResults:
    series: dict[Analyte, list[LabPoint]] = {}
    for p in points:
        series.setdefault(p.analyte, []).append(p)
    return LabResults({a: LabSeries(a, tuple(ps)) for a, ps in series.items()})


class TestBody:
    def test_mosteller(self) -> None:
        """Mosteller: sqrt(175 cm x 70 kg / 3600) = 1.845 m2."""
        assert mosteller_bsa(175, 70) == pytest.approx(math.sqrt(175 * 70 / 3600))
        assert round(mosteller_bsa(175, 70), 2) == 1.84

    def test_latest_values_used(self) -> None:
        """The latest weight and height give the BSA."""
        labs = _labs(
            _point(Analyte.WEIGHT, 80, 1),
            _point(Analyte.WEIGHT, 70, 2),
            _point(Analyte.HEIGHT, 175, 1),
        )
        weight, height, bsa = body_measures(labs)
        assert (weight, height) == (70, 175)
        assert bsa == pytest.approx(mosteller_bsa(175, 70))

    @pytest.mark.parametrize(
        ("weight", "height", "expected_w", "expected_h"),
        [
            (2.0, 40.0, 2.0, 40.0),
            (400.0, 250.0, 400.0, 250.0),
            (1.9, 170.0, None, 170.0),
            (401.0, 170.0, None, 170.0),
            (70.0, 39.9, 70.0, None),
            (70.0, 251.0, 70.0, None),
        ],
    )
    def test_plausible_ranges(
        self, weight: float, height: float, expected_w: float | None, expected_h: float | None
    ) -> None:
        """Weights outside 2-400 kg and heights outside 40-250 cm read as unknown."""
        w, h, bsa = body_measures(
            _labs(_point(Analyte.WEIGHT, weight, 1), _point(Analyte.HEIGHT, height, 1))
        )
        assert (w, h) == (expected_w, expected_h)
        assert (bsa is None) == (expected_w is None or expected_h is None)

    def test_comparator_reads_as_unknown(self) -> None:
        """A weight with a comparator is not a weight."""
        w, _, bsa = body_measures(
            _labs(_point(Analyte.WEIGHT, 150, 1, ">"), _point(Analyte.HEIGHT, 170, 1))
        )
        assert w is None
        assert bsa is None

    def test_no_data(self) -> None:
        """No measures: all None."""
        assert body_measures(LabResults({})) == (None, None, None)
