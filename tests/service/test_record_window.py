"""Coverage of the look-back, read page by page: order, reach, and the day data is complete from."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from cds_service.record_window import Coverage, within_look_back

from .fake_fhir import dated, ids

SINCE = date(2024, 1, 1)


def dispenses(*days: str | None) -> list[dict[str, Any]]:
    out = []
    for number, day in enumerate(days):
        item = dated("MedicationDispense", f"d{number}", day or "")
        if day is None:
            del item["whenHandedOver"]
        out.append(item)
    return out


class TestCoverage:
    def test_sorted_answer_reaching_before_since_is_covered(self) -> None:
        """Newest first and one resource wholly before the look-back: covered."""
        coverage = Coverage("MedicationDispense", SINCE)
        coverage.add(dispenses("2024-05-01", "2024-02-01T10:00:00Z"))
        assert coverage.sorted
        assert not coverage.covered
        coverage.add(dispenses("2023-12-31"))
        assert coverage.covered

    def test_resource_on_the_first_day_is_not_beyond(self) -> None:
        """A resource on the look-back's first day is inside it: not yet covered."""
        coverage = Coverage("MedicationDispense", SINCE)
        coverage.add(dispenses("2024-03-01", "2024-01-01T00:30:00+05:00"))
        assert not coverage.covered

    def test_unsorted_answer_is_never_covered(self) -> None:
        """Once a resource is newer than the one before, order says nothing: never covered."""
        coverage = Coverage("MedicationDispense", SINCE)
        coverage.add(dispenses("2022-01-01", "2024-05-01"))
        assert not coverage.sorted
        assert not coverage.covered
        assert coverage.complete_since is None

    def test_disorder_after_the_crossing_undoes_it(self) -> None:
        """An old resource followed by a newer one in the same page does not cover."""
        coverage = Coverage("MedicationDispense", SINCE)
        coverage.add(dispenses("2024-02-01", "2023-06-01", "2024-04-01"))
        assert not coverage.covered

    def test_undated_and_other_types_are_skipped(self) -> None:
        """Undated resources and included Medications neither break nor make the order."""
        coverage = Coverage("MedicationDispense", SINCE)
        coverage.add(
            [
                *dispenses("2024-05-01", None),
                {"resourceType": "Medication", "id": "m", "whenHandedOver": "2030-01-01"},
                *dispenses("2023-11-30"),
            ]
        )
        assert coverage.covered

    def test_complete_since_is_the_day_after_the_oldest_read(self) -> None:
        """Sorted but short of the look-back: complete from the day after the oldest read."""
        coverage = Coverage("MedicationDispense", SINCE)
        coverage.add(dispenses("2024-06-01", "2024-03-10T22:00:00Z", "2024-03-10T08:00:00Z"))
        assert not coverage.covered
        assert coverage.complete_since == date(2024, 3, 11)

    def test_statements_with_periods_are_never_ordered(self) -> None:
        """Statements (long, open Periods) are never judged by order: no early stop."""
        coverage = Coverage("MedicationStatement", SINCE)
        coverage.add(
            [
                dated("MedicationStatement", "s1", "2024-03-01"),
                dated("MedicationStatement", "s2", "2021-01-01"),
            ]
        )
        assert not coverage.covered
        assert coverage.complete_since is None

    def test_whole_record_types_never_cover(self) -> None:
        """Without a look-back (since None) there is nothing to cover, only an order."""
        coverage = Coverage("Procedure", None)
        coverage.add([dated("Procedure", "p1", "2024-03-01"), dated("Procedure", "p0", "1999")])
        assert not coverage.covered
        assert coverage.complete_since == date(1999, 1, 2)

    def test_type_without_date_parameter(self) -> None:
        """A type with no date parameter (Condition) has no order and no reach."""
        coverage = Coverage("Condition", SINCE)
        coverage.add([{"resourceType": "Condition", "recordedDate": "2020-01-01"}])
        assert not coverage.sorted
        assert coverage.complete_since is None

    def test_fresh_copy_starts_empty(self) -> None:
        """fresh() gives an empty coverage of the same type and look-back."""
        coverage = Coverage("MedicationDispense", SINCE)
        coverage.add(dispenses("2022-01-01", "2024-05-01"))
        again = coverage.fresh()
        again.add(dispenses("2023-01-01"))
        assert again.covered


class TestWithinLookBack:
    @pytest.mark.parametrize(
        ("since", "kept"),
        [(SINCE, ["d0", "d1", "d3", "m"]), (None, ["d0", "d1", "d2", "d3", "m"])],
        ids=["look-back", "whole-record"],
    )
    def test_drops_what_ends_before(self, since: date | None, kept: list[str]) -> None:
        """Resources of the type ending before the look-back go; undated and others stay."""
        resources = [
            *dispenses("2024-05-01", "2024-01-01", "2023-12-31", None),
            {"resourceType": "Medication", "id": "m"},
        ]
        assert ids(within_look_back(resources, "MedicationDispense", since)) == kept

    def test_open_statement_stays(self) -> None:
        """A statement whose Period started long ago but is still open is inside."""
        statement = dated("MedicationStatement", "s", "")
        del statement["effectiveDateTime"]
        statement["effectivePeriod"] = {"start": "2015-01-01"}
        assert within_look_back([statement], "MedicationStatement", SINCE) == [statement]

    @pytest.mark.parametrize(
        ("rtype", "kept"),
        [
            ("MedicationRequest", ["active", "on-hold"]),
            ("MedicationStatement", ["active", "on-hold", "intended"]),
        ],
    )
    def test_still_in_force_stays_whatever_its_date(self, rtype: str, kept: list[str]) -> None:
        """An order or statement from before the look-back that is still in force stays
        (it is the current treatment); the ended ones before the look-back go."""
        statuses = ["active", "on-hold", "intended", "completed", "stopped", "entered-in-error"]
        resources = [dated(rtype, status, "2015-03-01", status=status) for status in statuses]
        assert ids(within_look_back(resources, rtype, SINCE)) == kept
