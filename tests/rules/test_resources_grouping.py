"""PatientResources.from_resources: the one-pass grouping equals the original reading."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fhir_mappings.resources import _FIELD_BY_TYPE, PatientResources, Resource


def _reference_grouping(resources: Iterable[object]) -> PatientResources:
    """The grouping as first written (before the speed work), kept as the oracle."""
    groups: dict[str, list[Resource]] = {name: [] for name in _FIELD_BY_TYPE.values()}
    seen: set[tuple[str, str]] = set()
    patient: Resource | None = None
    for resource in resources:
        if not isinstance(resource, Mapping):
            continue
        rtype = resource.get("resourceType")
        if not isinstance(rtype, str):
            continue
        rid = resource.get("id")
        if isinstance(rid, str):
            key = (rtype, rid)
            if key in seen:
                continue
            seen.add(key)
        if rtype == "Patient":
            if patient is None:
                patient = resource
            continue
        name = _FIELD_BY_TYPE.get(rtype)
        if name is not None:
            groups[name].append(resource)
    return PatientResources(patient=patient, **{n: tuple(items) for n, items in groups.items()})


_TYPES = st.one_of(
    st.sampled_from([*_FIELD_BY_TYPE, "Patient", "Encounter", "observation", ""]),
    st.none(),
    st.integers(0, 2),
    st.just(["Observation"]),
)
_IDS = st.one_of(st.sampled_from(["a", "b", " a", ""]), st.none(), st.integers(0, 1))
_RESOURCE = st.fixed_dictionaries(
    {"n": st.integers(0, 1000)}, optional={"resourceType": _TYPES, "id": _IDS}
)
_ITEM = st.one_of(
    _RESOURCE,
    _RESOURCE.map(MappingProxyType),
    st.sampled_from(["Observation", None, 3, ["x"]]),
)


def _as_tuple(res: PatientResources) -> tuple[Any, ...]:
    return (res.patient, *(getattr(res, name) for name in _FIELD_BY_TYPE.values()))


@pytest.mark.slow  # long Hypothesis run
@settings(max_examples=400, deadline=None)
@given(st.lists(_ITEM, max_size=12))
def test_grouping_matches_the_reference(items: list[object]) -> None:
    """Any mix of dicts, read-only Mappings, junk, duplicates and Patients groups as before."""
    assert _as_tuple(PatientResources.from_resources(items)) == _as_tuple(
        _reference_grouping(items)
    )


def test_read_only_mapping_and_duplicate_patient() -> None:
    """A Mapping that is not a dict is grouped; a Patient id seen twice keeps the first."""
    first = MappingProxyType({"resourceType": "Patient", "id": "p", "n": 1})
    observation = MappingProxyType({"resourceType": "Observation", "id": "o"})
    res = PatientResources.from_resources(
        [first, {"resourceType": "Patient", "id": "p", "n": 2}, observation]
    )
    assert res.patient is first
    assert res.observations == (observation,)
