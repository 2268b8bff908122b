"""The shared contracts of fhir_mappings: input grouping, defensive readers, purity."""

from __future__ import annotations

import ast
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fhir_mappings.facts import Analyte, LabPoint, LabResults, LabSeries
from fhir_mappings.read._access import (
    as_dict,
    as_float,
    as_list,
    as_str,
    codings,
    dicts,
    parse_date,
    parse_datetime,
    source_id,
)
from fhir_mappings.resources import PatientResources

PACKAGE = Path(__file__).resolve().parents[2] / "fhir_mappings"

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=20,
)


class TestPatientResources:
    def test_groups_by_type_and_keeps_the_first_patient(self) -> None:
        """Resources are grouped by resourceType; the first Patient wins; others are ignored."""
        res = PatientResources.from_resources(
            [
                {"resourceType": "Patient", "id": "p1"},
                {"resourceType": "Patient", "id": "p2"},
                {"resourceType": "Observation", "id": "o1"},
                {"resourceType": "Condition", "id": "c1"},
                {"resourceType": "MedicationRequest", "id": "m1"},
                {"resourceType": "MedicationDispense", "id": "d1"},
                {"resourceType": "MedicationAdministration", "id": "a1"},
                {"resourceType": "MedicationStatement", "id": "s1"},
                {"resourceType": "Medication", "id": "med1"},
                {"resourceType": "Procedure", "id": "pr1"},
                {"resourceType": "Encounter", "id": "e1"},
            ]
        )
        assert res.patient == {"resourceType": "Patient", "id": "p1"}
        assert [
            len(getattr(res, f))
            for f in (
                "observations",
                "conditions",
                "medication_requests",
                "medication_dispenses",
                "medication_administrations",
                "medication_statements",
                "medications",
                "procedures",
            )
        ] == [1] * 8
        assert len(res.all()) == 9

    def test_duplicates_and_junk_are_dropped(self) -> None:
        """The same type/id twice is kept once; non-dicts and dicts without a type are ignored."""
        res = PatientResources.from_resources(
            [
                {"resourceType": "Observation", "id": "o1", "n": 1},
                {"resourceType": "Observation", "id": "o1", "n": 2},
                {"resourceType": "Observation"},  # no id: kept
                {"resourceType": 3},
                {"id": "x"},
                "Observation",
                None,
            ]
        )
        assert [o.get("n") for o in res.observations] == [1, None]
        assert res.patient is None
        assert res.all() == res.observations

    @given(st.lists(json_values, max_size=8))
    def test_never_raises(self, items: list[object]) -> None:
        """Any JSON-like input groups without an exception."""
        PatientResources.from_resources(items)


class TestReaders:
    @pytest.mark.parametrize(
        ("value", "expected"),
        [("a", "a"), ("  ", None), ("", None), (3, None), (None, None)],
    )
    def test_as_str(self, value: object, expected: str | None) -> None:
        """Only non-blank strings are strings."""
        assert as_str(value) == expected

    @pytest.mark.parametrize(
        ("value", "expected"),
        [
            (1, 1.0),
            (2.5, 2.5),
            (True, None),
            ("1", None),
            (float("nan"), None),
            (float("inf"), None),
            (None, None),
        ],
    )
    def test_as_float(self, value: object, expected: float | None) -> None:
        """Finite JSON numbers only: booleans, strings, NaN and infinities are not numbers."""
        assert as_float(value) == expected

    def test_containers(self) -> None:
        """Wrong container types read as empty; dicts() keeps only objects."""
        assert as_dict([1]) == {}
        assert as_list({"a": 1}) == ()
        assert as_list((1, 2)) == (1, 2)
        assert dicts([{"a": 1}, 2, "x", {"b": 2}]) == [{"a": 1}, {"b": 2}]
        assert codings({"coding": [{"code": "x"}, "y"]}) == [{"code": "x"}]
        assert codings("nope") == []

    @pytest.mark.parametrize(
        ("resource", "expected"),
        [
            ({"resourceType": "Observation", "id": "1"}, "Observation/1"),
            ({"resourceType": "Observation"}, None),
            ({"id": "1"}, None),
        ],
    )
    def test_source_id(self, resource: dict[str, str], expected: str | None) -> None:
        """A source id needs both the type and the id."""
        assert source_id(resource) == expected

    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("2024", datetime(2024, 1, 1, tzinfo=UTC)),
            ("2024-03", datetime(2024, 3, 1, tzinfo=UTC)),
            ("2024-03-05", datetime(2024, 3, 5, tzinfo=UTC)),
            ("2024-03-05T10:00:00Z", datetime(2024, 3, 5, 10, tzinfo=UTC)),
            (
                "2024-03-05T10:00:00+02:00",
                datetime(2024, 3, 5, 10, tzinfo=timezone(timedelta(hours=2))),
            ),
            ("2024-03-05T10:00:00", datetime(2024, 3, 5, 10, tzinfo=UTC)),
            ("2024-13", None),
            ("2024-02-30", None),
            ("yesterday", None),
            (20240305, None),
        ],
    )
    def test_parse_datetime(self, text: object, expected: datetime | None) -> None:
        """FHIR date/dateTime/instant: partial dates to the first day, naive times as UTC."""
        assert parse_datetime(text) == expected

    def test_parse_date(self) -> None:
        """parse_date keeps the calendar day of the source (no timezone shift)."""
        assert parse_date("2024-03-05T23:30:00-05:00") == date(2024, 3, 5)
        assert parse_date("bad") is None

    @given(json_values)
    def test_parse_datetime_never_raises(self, value: object) -> None:
        """Any JSON value parses to an aware datetime or None."""
        parsed = parse_datetime(value)
        assert parsed is None or parsed.tzinfo is not None


class TestFacts:
    def test_series_and_results(self) -> None:
        """A series knows its latest point; missing analytes read as empty series."""
        when = datetime(2024, 1, 1, tzinfo=UTC)
        point = LabPoint(Analyte.UPCR, when, 1.0, "g/g", None, 1000.0, "mg/g", "2890-2", None)
        results = LabResults({Analyte.UPCR: LabSeries(Analyte.UPCR, (point,))})
        assert results.get(Analyte.UPCR).latest is point
        assert point.day == date(2024, 1, 1)
        assert results.get(Analyte.EGFR).latest is None


class TestPurity:
    @pytest.mark.parametrize("path", sorted(PACKAGE.rglob("*.py")), ids=lambda p: p.name)
    def test_no_io_and_no_clock(self, path: Path) -> None:
        """fhir_mappings imports no HTTP/IO library and never reads the clock."""
        tree = ast.parse(path.read_text(encoding="utf-8"))
        banned_modules = {"httpx", "requests", "urllib", "socket", "sqlalchemy", "os", "time"}
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                assert not {a.name.split(".")[0] for a in node.names} & banned_modules
            if isinstance(node, ast.ImportFrom) and node.module:
                assert node.module.split(".")[0] not in banned_modules
            if isinstance(node, ast.Attribute):
                assert node.attr not in {"now", "today", "utcnow"} or not (
                    isinstance(node.value, ast.Name) and node.value.id in {"datetime", "date"}
                ), f"{path.name}: reads the clock"
