"""map_observations: a UPCR computed from urine protein and creatinine of one sample."""

from __future__ import annotations

from typing import Any

import pytest

from fhir_mappings.facts import Analyte, LabResults
from fhir_mappings.read.observations import map_observations
from tests.support.fhir import observation, ucum

PROTEIN, CREAT_MASS, CREAT_MOLAR = "2888-6", "2161-8", "14683-7"


def urine(
    rid: str,
    code: str,
    value: float,
    unit: str,
    *,
    specimen: str | None = None,
    when: str = "2026-03-02T08:00:00Z",
    comparator: str | None = None,
) -> dict[str, Any]:
    return observation(
        code, id=rid, when=when, value=ucum(value, unit, comparator), specimen=specimen
    )


def ratios(*observations: dict[str, Any]) -> tuple[LabResults, list[tuple[float, str | None]]]:
    labs = map_observations(observations)
    points = labs.get(Analyte.UPCR).points
    return labs, [(round(p.value, 3), p.comparator) for p in points]


class TestPairing:
    def test_same_specimen(self) -> None:
        """Protein and creatinine of one specimen give protein/creatinine in g/g."""
        labs, got = ratios(
            urine("p", PROTEIN, 150, "mg/dL", specimen="Specimen/s1"),
            urine(
                "c", CREAT_MASS, 100, "mg/dL", specimen="Specimen/s1", when="2026-03-02T09:30:00Z"
            ),
        )
        assert got == [(1.5, None)]
        (point,) = labs.get(Analyte.UPCR).points
        assert (point.code, point.source_id, point.unit) == (
            "2888-6/2161-8",
            "Observation/p",
            "g/g",
        )

    def test_same_specimen_across_days(self) -> None:
        """The same specimen pairs even when the results are dated on different days."""
        _, got = ratios(
            urine("p", PROTEIN, 50, "mg/dL", specimen="Specimen/s1"),
            urine(
                "c", CREAT_MASS, 100, "mg/dL", specimen="Specimen/s1", when="2026-03-03T01:00:00Z"
            ),
        )
        assert got == [(0.5, None)]

    def test_different_specimens_do_not_pair(self) -> None:
        """Two specimens on one day are two samples: no ratio."""
        _, got = ratios(
            urine("p", PROTEIN, 50, "mg/dL", specimen="Specimen/s1"),
            urine("c", CREAT_MASS, 100, "mg/dL", specimen="Specimen/s2"),
        )
        assert got == []

    def test_same_day_without_specimen(self) -> None:
        """Without specimens, results of the same day pair."""
        _, got = ratios(
            urine("p", PROTEIN, 30, "mg/dL"),
            urine("c", CREAT_MASS, 60, "mg/dL", when="2026-03-02T17:00:00Z"),
        )
        assert got == [(0.5, None)]

    def test_other_day_without_specimen(self) -> None:
        """Without specimens, results of different days do not pair."""
        _, got = ratios(
            urine("p", PROTEIN, 30, "mg/dL"),
            urine("c", CREAT_MASS, 60, "mg/dL", when="2026-03-03T08:00:00Z"),
        )
        assert got == []

    def test_nearest_creatinine(self) -> None:
        """Of two same-day creatinines the nearer in time is used."""
        _, got = ratios(
            urine("p", PROTEIN, 30, "mg/dL", when="2026-03-02T08:00:00Z"),
            urine("c1", CREAT_MASS, 60, "mg/dL", when="2026-03-02T08:05:00Z"),
            urine("c2", CREAT_MASS, 300, "mg/dL", when="2026-03-02T18:00:00Z"),
        )
        assert got == [(0.5, None)]

    def test_ambiguous_creatinines(self) -> None:
        """Two equally near creatinines with different values: no ratio, an exclusion."""
        labs, got = ratios(
            urine("p", PROTEIN, 30, "mg/dL"),
            urine("c1", CREAT_MASS, 60, "mg/dL"),
            urine("c2", CREAT_MASS, 90, "mg/dL"),
        )
        assert got == []
        assert any("two urine creatinine" in e.reason for e in labs.excluded)

    def test_measured_wins(self) -> None:
        """A measured UPCR on that day wins: no computed ratio is added."""
        labs, got = ratios(
            urine("m", "2890-2", 0.8, "g/g"),
            urine("p", PROTEIN, 150, "mg/dL"),
            urine("c", CREAT_MASS, 100, "mg/dL"),
        )
        assert got == [(0.8, None)]
        assert labs.get(Analyte.UPCR).points[0].code == "2890-2"

    def test_mmol_creatinine(self) -> None:
        """Creatinine in mmol/L is converted (113.12 mg/mmol) before dividing."""
        _, got = ratios(
            urine("p", PROTEIN, 1.0, "g/L", specimen="Specimen/s1"),
            urine("c", CREAT_MOLAR, 8.84, "mmol/L", specimen="Specimen/s1"),
        )
        assert got == [(1.0, None)]

    def test_inputs_stay_in_their_series(self) -> None:
        """The protein and creatinine results stay in their own series."""
        labs, _ = ratios(urine("p", PROTEIN, 30, "mg/dL"), urine("c", CREAT_MASS, 60, "mg/dL"))
        assert len(labs.get(Analyte.URINE_PROTEIN).points) == 1
        assert len(labs.get(Analyte.URINE_CREATININE).points) == 1


class TestComparators:
    @pytest.mark.parametrize(
        ("protein", "creatinine", "expected"),
        [
            ("<", None, [(0.1, "<")]),
            ("<=", None, [(0.1, "<=")]),
            (">", None, [(0.1, ">")]),
            (None, ">", [(0.1, "<")]),
            (None, ">=", [(0.1, "<=")]),
            ("<", ">=", [(0.1, "<")]),
        ],
    )
    def test_bounds(self, protein: str | None, creatinine: str | None, expected: Any) -> None:
        """A bound on the protein bounds the ratio the same way; one above on creatinine below."""
        _, got = ratios(
            urine("p", PROTEIN, 10, "mg/dL", comparator=protein),
            urine("c", CREAT_MASS, 100, "mg/dL", comparator=creatinine),
        )
        assert got == expected

    @pytest.mark.parametrize(
        ("protein", "creatinine"), [(None, "<"), (None, "<="), (">", ">"), ("<", "<")]
    )
    def test_unusable(self, protein: str | None, creatinine: str) -> None:
        """A '<' creatinine (or bounds that do not combine) gives no ratio and says why."""
        labs, got = ratios(
            urine("p", PROTEIN, 10, "mg/dL", comparator=protein),
            urine("c", CREAT_MASS, 10, "mg/dL", comparator=creatinine),
        )
        assert got == []
        reasons = [e.reason for e in labs.excluded if e.source_id == "Observation/p"]
        assert any("without a bound" in r for r in reasons)

    def test_zero_creatinine(self) -> None:
        """A creatinine of zero gives no ratio and says why."""
        labs, got = ratios(urine("p", PROTEIN, 10, "mg/dL"), urine("c", CREAT_MASS, 0, "mg/dL"))
        assert got == []
        assert any("computed UPCR not formed" in e.reason for e in labs.excluded)
