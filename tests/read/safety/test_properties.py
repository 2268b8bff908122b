"""Invariants: no JSON makes the safety readers raise; classification is total."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fhir_mappings.codes.safety import (
    condition_kind,
    normalise_icd10cm,
    procedure_kind,
    result_words,
    text_kinds,
)
from fhir_mappings.facts import SafetyRecord
from fhir_mappings.read.observations import map_observations
from fhir_mappings.read.patient import read_patient
from fhir_mappings.read.safety import read_safety
from fhir_mappings.resources import DataGap

from ._fhir import ICD10CM, LOINC, SNOMED

#: slow: long Hypothesis runs
pytestmark = pytest.mark.slow

KEYS = [
    "resourceType",
    "id",
    "code",
    "coding",
    "system",
    "text",
    "display",
    "status",
    "clinicalStatus",
    "verificationStatus",
    "onsetDateTime",
    "onsetPeriod",
    "recordedDate",
    "abatementDateTime",
    "abatementPeriod",
    "performedDateTime",
    "performedPeriod",
    "start",
    "end",
    "effectiveDateTime",
    "issued",
    "valueQuantity",
    "valueString",
    "valueBoolean",
    "valueCodeableConcept",
    "interpretation",
    "dataAbsentReason",
    "value",
    "unit",
    "comparator",
    "specimen",
    "reference",
    "gender",
    "birthDate",
    "deceasedBoolean",
    "deceasedDateTime",
    "extension",
    "url",
    "valueCode",
]
TEXTS = st.sampled_from(
    [
        "Condition",
        "Procedure",
        "Observation",
        "Patient",
        SNOMED,
        ICD10CM,
        LOINC,
        "77386006",
        "N186",
        "Z3A20",
        "T8144XS",
        "2106-3",
        "83086-9",
        "2888-6",
        "2161-8",
        "active",
        "refuted",
        "provisional",
        "completed",
        "in-progress",
        "final",
        "2026-03-02",
        "2026-13-45",
        "Pregnancy?",
        "no sepsis",
        "<",
        "mg/dL",
        "IU/L",
        "Specimen/1",
    ]
) | st.text(max_size=20)
SCALARS = st.none() | st.booleans() | st.integers() | st.floats() | TEXTS
JSON: st.SearchStrategy[Any] = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=8), inner, max_size=6)
    ),
    max_leaves=30,
)


class TestNeverRaises:
    @settings(max_examples=300, deadline=None)
    @given(JSON, st.lists(JSON, max_size=4), st.lists(JSON, max_size=4), st.lists(JSON, max_size=4))
    def test_read_safety(self, patient: Any, conditions: Any, procedures: Any, obs: Any) -> None:
        """Arbitrary JSON-ish input never makes read_safety raise."""
        record = read_safety(patient, conditions, procedures, obs, [DataGap("Procedure", "x")])
        assert isinstance(record, SafetyRecord)

    @settings(max_examples=200, deadline=None)
    @given(JSON, JSON, JSON, JSON)
    def test_read_safety_any_containers(self, a: Any, b: Any, c: Any, d: Any) -> None:
        """Even non-list containers (a dict, a string, a number) never make it raise."""
        assert isinstance(read_safety(a, b, c, d, a), SafetyRecord)

    @settings(max_examples=200, deadline=None)
    @given(JSON)
    def test_read_patient(self, value: Any) -> None:
        """Arbitrary JSON never makes read_patient raise."""
        read_patient(value)

    @settings(max_examples=200, deadline=None)
    @given(st.lists(JSON, max_size=6))
    def test_map_observations(self, observations: Any) -> None:
        """Arbitrary JSON never makes map_observations (with the computed ratio) raise."""
        map_observations(observations)

    @settings(max_examples=300, deadline=None)
    @given(SCALARS, SCALARS)
    def test_classification(self, system: Any, code: Any) -> None:
        """Any system and code classify without raising."""
        condition_kind(system, code)
        procedure_kind(system, code)
        normalise_icd10cm(code)
        text_kinds(code)
        result_words(code)
