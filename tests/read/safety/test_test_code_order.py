"""The pregnancy-test code lookup: looking the code up before normalising the system gives
the same answer as the original order (system first), on plain and odd codings."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fhir_mappings.codes.loinc import LOINC_SYSTEM, PREGNANCY_TEST_LOINC_CODES
from fhir_mappings.codes.safety import SYSTEM_ALIASES, canonical_system
from fhir_mappings.read._access import as_str, codings
from fhir_mappings.read.safety import _test_code

_TEST_CODES = frozenset(PREGNANCY_TEST_LOINC_CODES)


def _system_first(resource: Mapping[str, Any]) -> str | None:
    """The lookup as it was written before: the system normalised first, then the code."""
    for coding in codings(resource.get("code")):
        if canonical_system(coding.get("system")) != LOINC_SYSTEM:
            continue
        code = as_str(coding.get("code"))
        if code is not None and code.strip() in _TEST_CODES:
            return code.strip()
    return None


_TEST = sorted(_TEST_CODES)
SYSTEMS = st.one_of(
    st.sampled_from(
        [
            LOINC_SYSTEM,
            LOINC_SYSTEM + "/",
            LOINC_SYSTEM.upper(),
            " " + LOINC_SYSTEM,
            "http://snomed.info/sct",
            "",
            *SYSTEM_ALIASES,
        ]
    ),
    st.none(),
    st.integers(),
    st.text(max_size=5),
)
CODES = st.one_of(
    st.sampled_from([*_TEST, *(f" {c} " for c in _TEST), "2890-2", "", "  "]),
    st.none(),
    st.integers(),
    st.lists(st.sampled_from(_TEST), max_size=1),
)
CODINGS = st.one_of(
    st.fixed_dictionaries({}, optional={"system": SYSTEMS, "code": CODES}),
    st.none(),
    st.text(max_size=3),
)
CONCEPTS = st.one_of(
    st.fixed_dictionaries(
        {}, optional={"coding": st.one_of(st.lists(CODINGS, max_size=4), CODINGS)}
    ),
    st.none(),
    st.lists(CODINGS, max_size=2),
)


@pytest.mark.slow  # a long Hypothesis run: outside the fast loop
@settings(max_examples=500)
@given(st.fixed_dictionaries({}, optional={"code": CONCEPTS}))
def test_code_first_matches_system_first(resource: dict[str, Any]) -> None:
    assert _test_code(resource) == _system_first(resource)
