"""The local FHIR search (demo, tests, benchmark) and the date table it shares with gathering."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from cds_service.bundle_search import UnsupportedQuery, evaluate_query
from cds_service.search_params import DATE_PARAMS, date_span, day_bounds

BASE = "https://fhir.example.org/r4"


def dispense(rid: str, when: str | None, medication: str | None = None) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "resourceType": "MedicationDispense",
        "id": rid,
        "subject": {"reference": "Patient/p1"},
    }
    if when is not None:
        resource["whenHandedOver"] = when
    if medication is not None:
        resource["medicationReference"] = {"reference": f"Medication/{medication}"}
    return resource


RECORD: list[dict[str, Any]] = [
    dispense("d1", "2024-01-10T09:00:00Z", "m1"),
    dispense("d2", "2024-03-01", "m2"),
    dispense("d3", "2023-12-31T23:00:00-05:00", "m1"),
    dispense("d4", None),
    dispense("d5", "2024-02", "m3"),
    {"resourceType": "Medication", "id": "m1"},
    {"resourceType": "Medication", "id": "m2"},
    {
        "resourceType": "MedicationStatement",
        "id": "s1",
        "subject": {"reference": "Patient/p1"},
        "effectivePeriod": {"start": "2015-05-01"},
    },
]


def ids(bundle: dict[str, Any] | None, mode: str = "match") -> list[str]:
    assert bundle is not None
    return [e["resource"]["id"] for e in bundle.get("entry", []) if e["search"]["mode"] == mode]


class TestDayBounds:
    @pytest.mark.parametrize(
        ("value", "bounds"),
        [
            ("2024-03-05T10:00:00+09:00", ("2024-03-05", "2024-03-05")),
            ("2024-03-05", ("2024-03-05", "2024-03-05")),
            ("2024-03", ("2024-03-01", "2024-03-31")),
            ("2024", ("2024-01-01", "2024-12-31")),
            ("March", None),
            (20240305, None),
        ],
    )
    def test_bounds(self, value: object, bounds: tuple[str, str] | None) -> None:
        """A date stands for the day written; a partial date for its whole month or year."""
        assert day_bounds(value) == bounds

    @pytest.mark.parametrize(
        ("resource", "span"),
        [
            ({"effectivePeriod": {"start": "2015-05-01"}}, ("2015-05-01", "9999-12-31")),
            ({"effectivePeriod": {"end": "2016"}}, ("0000-01-01", "2016-12-31")),
            ({"effectivePeriod": {}}, None),
            ({"effectivePeriod": "2015"}, None),
            ({"effectiveDateTime": "2020-02-02T00:00:00Z"}, ("2020-02-02", "2020-02-02")),
            ({}, None),
        ],
    )
    def test_statement_span(self, resource: dict[str, Any], span: tuple[str, str] | None) -> None:
        """A Period spans from its start to its end; an open end reaches any later day."""
        assert date_span(resource, DATE_PARAMS["MedicationStatement"]) == span

    def test_registry_names(self) -> None:
        """Each bounded type uses its FHIR R4 date search parameter."""
        assert {rtype: param.name for rtype, param in DATE_PARAMS.items()} == {
            "Observation": "date",
            "Procedure": "date",
            "MedicationRequest": "authoredon",
            "MedicationDispense": "whenhandedover",
            "MedicationAdministration": "effective-time",
            "MedicationStatement": "effective",
        }


class TestDateSearch:
    @pytest.mark.parametrize(
        ("value", "expected"),
        [
            ("ge2024-01-10", ["d1", "d2", "d5"]),
            ("gt2024-01-10", ["d2", "d5"]),
            ("le2024-01-10", ["d1", "d3"]),
            ("lt2024-01-10", ["d3"]),
            ("2024-02", ["d5"]),
            ("eq2024-03-01", ["d2"]),
        ],
    )
    def test_prefixes(self, value: str, expected: list[str]) -> None:
        """Date prefixes compare at day precision; undated resources never match."""
        bundle = evaluate_query(f"MedicationDispense?patient=p1&whenhandedover={value}", RECORD)
        assert sorted(ids(bundle)) == expected

    def test_open_period_reaches_the_bound(self) -> None:
        """A statement with an open Period matches any later ge bound (FHIR range overlap)."""
        bundle = evaluate_query("MedicationStatement?patient=p1&effective=ge2024-01-01", RECORD)
        assert ids(bundle) == ["s1"]

    def test_bad_date_value(self) -> None:
        """A date value that is no date raises instead of matching nothing."""
        with pytest.raises(UnsupportedQuery):
            evaluate_query("MedicationDispense?whenhandedover=ge-soon", RECORD)

    def test_sort_on_the_types_parameter(self) -> None:
        """_sort=-whenhandedover orders dispenses newest first by instant, undated last."""
        bundle = evaluate_query("MedicationDispense?patient=p1&_sort=-whenhandedover", RECORD)
        assert ids(bundle) == ["d2", "d5", "d1", "d3", "d4"]

    def test_sort_on_another_parameter_is_refused(self) -> None:
        """Sorting a type on a date parameter it does not have raises."""
        with pytest.raises(UnsupportedQuery):
            evaluate_query("MedicationDispense?patient=p1&_sort=-date", RECORD)


class TestPagingAndInclude:
    def test_next_link_with_offset(self) -> None:
        """With a base, a page cut by _count links to the next _offset; the last page does not."""
        query = "MedicationDispense?patient=p1&_sort=-whenhandedover&_count=2"
        first = evaluate_query(query, RECORD, base=BASE)
        assert first is not None
        assert ids(first) == ["d2", "d5"]
        (link,) = first["link"]
        url = urlsplit(link["url"])
        assert f"{url.scheme}://{url.netloc}{url.path}" == f"{BASE}/MedicationDispense"
        assert parse_qs(url.query)["_offset"] == ["2"]
        second = evaluate_query(f"MedicationDispense?{url.query}", RECORD, base=BASE)
        assert ids(second) == ["d1", "d3"]
        third = evaluate_query(f"{query}&_offset=4", RECORD, base=BASE)
        assert ids(third) == ["d4"]
        assert third is not None
        assert "link" not in third

    def test_no_base_no_link(self) -> None:
        """Without a base the page is cut by _count and carries no link (as the demo wants)."""
        bundle = evaluate_query("MedicationDispense?patient=p1&_count=1", RECORD)
        assert bundle is not None
        assert "link" not in bundle

    def test_include_medications_of_the_page(self) -> None:
        """_include=<Type>:medication adds the page's referenced Medications once, as includes."""
        query = (
            "MedicationDispense?patient=p1&_sort=-whenhandedover&_count=3"
            "&_include=MedicationDispense:medication"
        )
        bundle = evaluate_query(query, RECORD)
        assert ids(bundle) == ["d2", "d5", "d1"]
        assert ids(bundle, "include") == ["m2", "m1"]  # m3 is not in the record

    def test_include_of_another_type_is_refused(self) -> None:
        """An _include the search does not implement raises."""
        with pytest.raises(UnsupportedQuery):
            evaluate_query("MedicationDispense?_include=MedicationRequest:medication", RECORD)
