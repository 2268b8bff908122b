"""The speed shortcuts of fhir_mappings.read._access read exactly as the general readers do.

A ``str`` subclass, a tuple or a read-only mapping does not take a shortcut, so calling a
reader with one gives the general path's answer to compare against.
"""

from __future__ import annotations

import math
from types import MappingProxyType
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fhir_mappings.read._access import (
    _INSTANT_RE,
    as_dict,
    as_float,
    dicts,
    parse_datetime,
    source_id,
)


class _Str(str):
    """A string that is not exactly ``str``: readers take their general path for it."""


_instants = st.from_regex(_INSTANT_RE, fullmatch=True)
_near_instants = st.builds(
    lambda base, edit, at: base[:at] + edit + base[at:],
    st.sampled_from(["2024-03-05T10:00:00Z", "2024-03-05T10:00:00.123+02:00", "2024-03-05"]),
    st.sampled_from(["", " ", "Z", "z", "+00:00", "T", "\n", "٣", "1", ".", "-"]),
    st.integers(min_value=0, max_value=30),
)
_texts = _instants | _near_instants | st.text(max_size=30)


@pytest.mark.slow  # long Hypothesis run
class TestParseDatetimeShortcut:
    @settings(max_examples=500)
    @given(text=_texts)
    def test_same_as_general_path(self, text: str) -> None:
        """Any string parses to the same instant (and time zone) as through the general path."""
        fast, general = parse_datetime(text), parse_datetime(_Str(text))
        assert fast == general
        assert repr(fast) == repr(general)

    @pytest.mark.parametrize(
        ("text", "shortcut"),
        [
            ("2024-03-05T10:00:00Z", True),
            ("2024-03-05T10:00:00.5-05:00", True),
            ("2024-02-30T10:00:00Z", True),  # matches the shape, then fails to parse: None
            ("2024-03-05T10:00:00", False),  # no offset: read as UTC by the general path
            (" 2024-03-05T10:00:00Z", False),
            ("2024-03-05", False),
        ],
    )
    def test_shortcut_shape(self, text: str, shortcut: bool) -> None:
        """Only a complete ASCII instant with an offset takes the shortcut; all parse alike."""
        assert (_INSTANT_RE.fullmatch(text) is not None) is shortcut
        assert repr(parse_datetime(text)) == repr(parse_datetime(_Str(text)))


class TestContainerShortcuts:
    @pytest.mark.parametrize("value", [{"a": 1}, {}, MappingProxyType({"a": 1}), [1], None])
    def test_as_dict(self, value: object) -> None:
        """A dict is returned as is, any other Mapping too, and anything else reads as empty."""
        result = as_dict(value)
        assert result == (dict(value) if isinstance(value, dict | MappingProxyType) else {})
        if isinstance(value, dict | MappingProxyType):
            assert result is value

    @pytest.mark.parametrize(
        "items",
        [
            [{"a": 1}, 2, "x", MappingProxyType({"b": 2}), None],
            [],
            ["x"],
        ],
    )
    def test_dicts_list_same_as_tuple(self, items: list[Any]) -> None:
        """A list keeps its objects (dicts and other Mappings) exactly as a tuple does."""
        assert dicts(items) == dicts(tuple(items))
        assert dicts(items) == [i for i in items if isinstance(i, dict | MappingProxyType)]


_ids = st.sampled_from(["Observation", "1", "", " ", " a ", None, 5, ["x"]])


class TestSourceIdShortcut:
    @given(rtype=_ids, rid=_ids)
    def test_same_as_general_path(self, rtype: object, rid: object) -> None:
        """Plain strings give the same source id as through the general path."""
        plain = source_id({"resourceType": rtype, "id": rid})
        general = source_id(
            {
                "resourceType": _Str(rtype) if isinstance(rtype, str) else rtype,
                "id": _Str(rid) if isinstance(rid, str) else rid,
            }
        )
        assert plain == general

    @pytest.mark.parametrize(
        ("rtype", "rid", "expected"),
        [
            ("Observation", "1", "Observation/1"),
            ("Observation", " ", None),
            (" ", "1", None),
            ("Observation", 1, None),
        ],
    )
    def test_plain_strings(self, rtype: object, rid: object, expected: str | None) -> None:
        """Both the type and the id must be non-blank strings."""
        assert source_id({"resourceType": rtype, "id": rid}) == expected


def _as_float_before(value: object) -> float | None:
    """``as_float`` before its float shortcut (the oracle)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    result = float(value)
    return result if math.isfinite(result) else None


_JSON_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**6), 10**6),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=3),
    st.just([30]),
)


class TestAsFloatShortcut:
    @pytest.mark.parametrize(
        "value", [30, 30.5, math.inf, -math.inf, math.nan, True, "30", None, [30], -0.0]
    )
    def test_table(self, value: object) -> None:
        """Numbers, non-finite floats, bools and junk read as before the shortcut."""
        fast, general = as_float(value), _as_float_before(value)
        assert fast == general or (fast is None and general is None)
        assert type(fast) is type(general)

    @given(value=_JSON_VALUES, read_only=st.booleans())
    def test_quantity_number_same_as_before(self, value: object, read_only: bool) -> None:
        """A Quantity's "value" (plain or read-only mapping) reads as it did before."""
        element = MappingProxyType({"value": value}) if read_only else {"value": value}
        fast = as_float(as_dict(element).get("value"))
        general = _as_float_before(as_dict(element).get("value"))
        assert fast == general or (fast is None and general is None)
        assert type(fast) is type(general)
