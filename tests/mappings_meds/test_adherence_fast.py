"""Adherence speed paths read dispenses exactly as the general readers do."""

from __future__ import annotations

import math
from types import MappingProxyType

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fhir_mappings._access import as_dict, as_float
from fhir_mappings.adherence import _value_of

_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**6), 10**6),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=3),
    st.just([30]),
)


def _general(element: object) -> float | None:
    return as_float(as_dict(element).get("value"))


@pytest.mark.parametrize(
    "element",
    [
        {"value": 30},
        {"value": 30.5},
        {"value": math.inf},
        {"value": math.nan},
        {"value": True},
        {"value": "30"},
        {"value": None},
        {},
        MappingProxyType({"value": 30}),
        None,
        "30",
        [30],
    ],
)
def test_value_of_table(element: object) -> None:
    """Plain dicts, read-only Mappings and junk give the general reader's number or None."""
    fast, general = _value_of(element), _general(element)
    assert fast == general or (fast is None and general is None)
    assert type(fast) is type(general)


@given(_VALUES, st.booleans())
def test_value_of_matches_general_reader(value: object, read_only: bool) -> None:
    """Any JSON value under "value" reads as as_float(as_dict(x).get("value")) does."""
    element = MappingProxyType({"value": value}) if read_only else {"value": value}
    fast, general = _value_of(element), _general(element)
    assert fast == general or (fast is None and general is None)
    assert type(fast) is type(general)
