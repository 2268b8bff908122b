"""The Observation fast path gives exactly what the general path gives, or steps aside."""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from types import MappingProxyType
from typing import Any
from unittest import mock

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fhir_mappings.codes.loinc import LOINC_BY_CODE
from fhir_mappings.facts import Analyte, ExcludedResource, LabPoint, LabResults
from fhir_mappings.read import observations
from fhir_mappings.read.observations import map_observations

from ._builders import LOINC, observation, quantity


def _general(items: list[Any]) -> LabResults:
    with mock.patch.object(observations, "_fast_point", return_value=None):
        return map_observations(items)


def _assert_same(items: list[Any]) -> LabResults:
    fast = map_observations(items)
    general = _general(items)
    assert fast == general
    assert repr(fast) == repr(general)  # also the time zones and the float spellings
    return fast


def _fast(resource: dict[str, Any]) -> object:
    return observations._fast_point(resource, "Observation/o1", {})


def _with(**changes: Any) -> dict[str, Any]:
    resource = observation()
    for key, value in changes.items():
        if value is _DROP:
            del resource[key]
        else:
            resource[key] = value
    return resource


def _quantity(**changes: Any) -> dict[str, Any]:
    return _with(valueQuantity={**quantity(0.8, "g/g", "g/g"), **changes})


_DROP = object()

#: Shapes the fast path reads itself.
_TAKEN: list[tuple[str, dict[str, Any]]] = [
    ("plain", observation()),
    ("amended", _with(status="amended")),
    ("integer value", _quantity(value=800, code="mg/g")),
    ("comparator", _quantity(comparator="<")),
    ("unit text only", _with(valueQuantity={"value": 1, "unit": "g/g"})),
    ("component null", _with(component=None)),
    (
        "other codings beside",
        _with(code={"coding": [{"code": "x"}, {"system": LOINC, "code": "2890-2"}]}),
    ),
    ("two codes, one analyte", observation(loinc=["2890-2", "34366-5"])),
]

#: Shapes the fast path leaves to the general path (the reason is in the label).
_LEFT: list[tuple[str, dict[str, Any]]] = [
    ("status not a string", _with(status=["final"])),
    ("status preliminary", _with(status="preliminary")),
    ("status with blanks", _with(status=" final")),
    ("components", _with(component=[])),
    ("dataAbsentReason", _with(dataAbsentReason={"text": "x"})),
    ("code not an object", _with(code=[{"system": LOINC, "code": "2890-2"}])),
    ("coding not a list", _with(code={"coding": {"system": LOINC, "code": "2890-2"}})),
    ("coding item not an object", _with(code={"coding": ["2890-2"]})),
    ("code not a string", _with(code={"coding": [{"system": LOINC, "code": 2890}]})),
    ("code with blanks", observation(loinc=" 2890-2")),
    ("unknown code", observation(loinc="1234-5")),
    ("two analytes", observation(loinc=["2890-2", "2160-0"])),
    (
        "no LOINC coding",
        _with(code={"coding": [{"system": "http://example.org", "code": "2890-2"}]}),
    ),
    ("no valueQuantity", _with(valueQuantity=_DROP, valueInteger=3)),
    ("valueQuantity not an object", _with(valueQuantity="0.8 g/g")),
    ("bool value", _quantity(value=True)),
    ("string value", _quantity(value="0.8")),
    ("infinite value", _quantity(value=math.inf)),
    (
        "value overflows in conversion",
        observation(loinc="14959-1", value={"valueQuantity": quantity(1e308, "g/g", "g/g")}),
    ),
    ("comparator not a string", _quantity(comparator=1)),
    ("unknown comparator", _quantity(comparator="<<")),
    ("unit code not a string", _quantity(code=5)),
    ("unit code blank", _quantity(code="")),
    ("unit spelled otherwise", _quantity(code="G/G")),
    ("no unit", _with(valueQuantity={"value": 0.8})),
    ("time not a string", _with(effectiveDateTime=20240301)),
    ("time unreadable", _with(effectiveDateTime="garbage", issued="2024-01-07")),
    ("no effectiveDateTime", _with(effectiveDateTime=_DROP, issued="2024-01-07T10:00:00Z")),
]


class TestFastPathTable:
    @pytest.mark.parametrize(("label", "resource"), _TAKEN, ids=[t[0] for t in _TAKEN])
    def test_taken_and_same(self, label: str, resource: dict[str, Any]) -> None:
        """A well-typed Observation is read by the fast path, with the general path's result."""
        assert _fast(resource) is not None, label
        assert len(_assert_same([resource]).series) == 1

    @pytest.mark.parametrize(("label", "resource"), _LEFT, ids=[t[0] for t in _LEFT])
    def test_left_to_general_path(self, label: str, resource: dict[str, Any]) -> None:
        """Any other shape is left to the general path, so its outcome is unchanged."""
        assert _fast(resource) is None, label
        _assert_same([resource])

    def test_non_dict_mapping_takes_general_path(self) -> None:
        """A read-only mapping (not a dict) is read by the general path, as before."""
        labs = _assert_same([MappingProxyType(observation())])
        assert len(labs.get(Analyte.UPCR).points) == 1

    def test_shared_time_parsed_once_same_value(self) -> None:
        """Results sharing an effectiveDateTime string get the same instant (parsed once)."""
        items = [
            observation("a"),
            observation(
                "b", loinc="2160-0", value={"valueQuantity": quantity(1, "mg/dL", "mg/dL")}
            ),
        ]
        labs = _assert_same(items)
        upcr, creat = labs.get(Analyte.UPCR).latest, labs.get(Analyte.CREATININE).latest
        assert upcr is not None
        assert creat is not None
        assert upcr.when is creat.when

    def test_tabled_loinc_codes_have_no_blanks(self) -> None:
        """Every tabled LOINC code is already stripped (the fast path keeps the code as given)."""
        assert all(code == code.strip() for code in LOINC_BY_CODE)

    def test_tabled_factors_finite_and_positive(self) -> None:
        """Every exact unit factor is finite and above zero (the fast path checks the product)."""
        factors = [f for table in observations._EXACT_FACTORS.values() for f in table.values()]
        assert factors
        assert all(math.isfinite(f) and f > 0 for f in factors)


_codes = st.sampled_from(["2890-2", "34366-5", "2160-0", "14959-1", " 2890-2", "1234-5", "", 2890])
_codings = st.lists(
    st.fixed_dictionaries(
        {},
        optional={
            "system": st.sampled_from([LOINC, "http://example.org", None]),
            "code": _codes,
        },
    )
    | st.sampled_from(["2890-2", None]),
    max_size=3,
)
_units = st.sampled_from(["g/g", "mg/g", "mg/mmol", "mg/dL", "G/G", " g/g", "", "kg", None, 5])
_quantities = st.fixed_dictionaries(
    {},
    optional={
        "value": st.sampled_from([0.8, 1, 0, -2.5, 1e308, True, "1", None, math.inf, math.nan]),
        "comparator": st.sampled_from(["<", ">=", "<<", " <", "", None, 1]),
        "code": _units,
        "unit": _units,
    },
)
_near_fast = st.fixed_dictionaries(
    {},
    optional={
        "resourceType": st.sampled_from(["Observation", "Condition", 5]),
        "id": st.sampled_from(["o1", "o2", " ", "", 7]),
        "status": st.sampled_from(["final", "corrected", "preliminary", " final", None, 5]),
        "code": st.fixed_dictionaries({"coding": _codings}) | st.sampled_from([None, "x"]),
        "component": st.sampled_from(
            [None, [], [{"code": {"coding": [{"system": LOINC, "code": "2890-2"}]}}]]
        ),
        "dataAbsentReason": st.just({"text": "x"}),
        "valueQuantity": _quantities | st.sampled_from(["1 g/g", None]),
        "valueString": st.sampled_from(["<0.1 g/g", "1,2"]),
        "effectiveDateTime": st.sampled_from(
            [
                "2024-03-01T08:00:00Z",
                "2024-03-01T08:00:00+01:00",
                "2024-03",
                " 2024-03-02 ",
                "x",
                "",
                2024,
            ]
        ),
        "issued": st.sampled_from(["2024-01-07T10:00:00Z", "2024"]),
    },
)


@pytest.mark.slow  # long Hypothesis run
class TestFastPathProperty:
    @settings(max_examples=400)
    @given(items=st.lists(_near_fast, max_size=6))
    def test_same_as_general_path(self, items: list[dict[str, Any]]) -> None:
        """On any mix of plain and odd Observations the result equals the general path's."""
        _assert_same(items)


_points = st.builds(
    LabPoint,
    analyte=st.sampled_from([Analyte.UPCR, Analyte.CREATININE]),
    when=st.sampled_from(
        [
            datetime(2024, 3, 1, 8, tzinfo=UTC),
            datetime(2024, 3, 1, 9, tzinfo=timezone(timedelta(hours=1))),  # same instant
            datetime(2024, 3, 2, tzinfo=UTC),
        ]
    ),
    value=st.sampled_from([0.5, 1.0, -0.0, 0.0]),
    unit=st.just("g/g"),
    comparator=st.sampled_from([None, "<", ">="]),
    original_value=st.just(1.0),
    original_unit=st.just("g/g"),
    code=st.just("2890-2"),
    source_id=st.sampled_from([None, "Observation/a", "Observation/b"]),
)


@pytest.mark.slow  # long Hypothesis run
class TestSeriesShortcut:
    @settings(max_examples=300)
    @given(points=st.lists(_points, max_size=8))
    def test_same_as_reference(self, points: list[LabPoint]) -> None:
        """With or without shared (instant, value) pairs, series and exclusions are unchanged."""
        fast_excluded: list[ExcludedResource] = []
        reference_excluded: list[ExcludedResource] = []
        fast = observations._build_series(list(points), fast_excluded)
        reference = observations._deduplicated_series(list(points), reference_excluded)
        assert repr(fast) == repr(reference)
        assert fast_excluded == reference_excluded

    def test_distinct_points_take_the_shortcut(self) -> None:
        """Points with distinct (instant, value) pairs come out sorted, none dropped."""
        later = LabPoint(
            Analyte.UPCR,
            datetime(2024, 3, 2, tzinfo=UTC),
            1.0,
            "g/g",
            None,
            1.0,
            "g/g",
            "2890-2",
            "Observation/b",
        )
        earlier = replace(later, when=datetime(2024, 3, 1, tzinfo=UTC), source_id="Observation/a")
        excluded: list[ExcludedResource] = []
        series = observations._build_series([later, earlier], excluded)
        assert series[Analyte.UPCR].points == (earlier, later)
        assert excluded == []
