"""Hypothesis properties: conversions, ordering, de-duplication, no crash on odd JSON."""

from __future__ import annotations

import math
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fhir_mappings.facts import Analyte
from fhir_mappings.read.conditions import lupus_nephritis_conditions
from fhir_mappings.read.observations import map_observations
from fhir_mappings.read.procedures import kidney_biopsies
from fhir_mappings.read.units import accepted_units, conversion_factor, to_canonical

from ._builders import observation, quantity

#: slow: long Hypothesis runs
pytestmark = pytest.mark.slow

_UNIT_PAIRS = [(a, u) for a in Analyte for u in accepted_units(a)]
_values = st.floats(min_value=1e-6, max_value=1e6, allow_nan=False, allow_infinity=False)

_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)
_keys = st.sampled_from(
    [
        "resourceType",
        "id",
        "status",
        "code",
        "component",
        "valueQuantity",
        "valueString",
        "valueInteger",
        "effectiveDateTime",
        "effectivePeriod",
        "issued",
        "dataAbsentReason",
        "clinicalStatus",
        "verificationStatus",
        "onsetDateTime",
        "onsetPeriod",
        "recordedDate",
        "note",
        "performedDateTime",
        "performedPeriod",
        "bodySite",
        "abatementDateTime",
    ]
)
_resources = st.dictionaries(_keys, _json, max_size=8)


class TestConversionProperties:
    @given(
        pair=st.sampled_from(_UNIT_PAIRS), value=_values, k=st.floats(min_value=0.01, max_value=100)
    )
    def test_linear(self, pair: tuple[Analyte, str], value: float, k: float) -> None:
        """Converting k*x equals k times converting x (conversions are linear)."""
        analyte, unit = pair
        base = to_canonical(analyte, value, unit)
        scaled = to_canonical(analyte, value * k, unit)
        assert base is not None
        assert scaled is not None
        assert math.isclose(scaled, base * k, rel_tol=1e-9)

    @given(pair=st.sampled_from(_UNIT_PAIRS), a=_values, b=_values)
    def test_monotonic(self, pair: tuple[Analyte, str], a: float, b: float) -> None:
        """Conversion preserves order."""
        analyte, unit = pair
        ca, cb = to_canonical(analyte, a, unit), to_canonical(analyte, b, unit)
        assert ca is not None
        assert cb is not None
        assert (a <= b) == (ca <= cb) or math.isclose(ca, cb)

    @given(pair=st.sampled_from(_UNIT_PAIRS), value=_values)
    def test_round_trip(self, pair: tuple[Analyte, str], value: float) -> None:
        """Converting back with the inverse factor returns the original value."""
        analyte, unit = pair
        factor = conversion_factor(analyte, unit)
        converted = to_canonical(analyte, value, unit)
        assert factor is not None
        assert converted is not None
        assert math.isclose(converted / factor, value, rel_tol=1e-9)


class TestNoCrash:
    @settings(max_examples=200)
    @given(items=st.lists(_resources | _json, max_size=5))
    def test_map_observations(self, items: list[Any]) -> None:
        """map_observations never raises and every series comes out sorted."""
        labs = map_observations(items)
        assert all(
            s.points == tuple(sorted(s.points, key=lambda p: p.when)) for s in labs.series.values()
        )

    @settings(max_examples=200)
    @given(items=st.lists(_resources | _json, max_size=5))
    def test_conditions(self, items: list[Any]) -> None:
        """lupus_nephritis_conditions never raises."""
        assert isinstance(lupus_nephritis_conditions(items), tuple)

    @settings(max_examples=200)
    @given(items=st.lists(_resources | _json, max_size=5))
    def test_procedures(self, items: list[Any]) -> None:
        """kidney_biopsies never raises and returns biopsies sorted by date."""
        found = kidney_biopsies(items)
        assert [b.when for b in found] == sorted(b.when for b in found)


_days = st.dates(
    min_value=__import__("datetime").date(2020, 1, 1),
    max_value=__import__("datetime").date(2025, 12, 31),
)


class TestSeriesProperties:
    @given(
        rows=st.lists(
            st.tuples(
                _days,
                st.sampled_from([0.1, 0.5, 1.0, 3.0]),
                st.sampled_from(["g/g", "mg/g"]),
                st.booleans(),
            ),
            max_size=12,
        )
    )
    def test_sorted_and_deduplicated(self, rows: list[tuple[Any, float, str, bool]]) -> None:
        """Every series is sorted oldest first and holds no (instant, value, comparator) twice."""
        resources = [
            observation(
                f"o{i}" if with_id else None,
                when={"effectiveDateTime": day.isoformat()},
                value={"valueQuantity": quantity(v * (1000 if unit == "mg/g" else 1), unit, unit)},
            )
            for i, (day, v, unit, with_id) in enumerate(rows)
        ]
        points = map_observations(resources).get(Analyte.UPCR).points
        whens = [p.when for p in points]
        assert whens == sorted(whens)
        keys = [(p.when, p.value, p.comparator) for p in points]
        assert len(keys) == len(set(keys))
        assert {(p.when.date(), p.value) for p in points} == {
            (day, v) for day, v, _unit, _with_id in rows
        }
