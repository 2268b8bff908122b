"""Hypothesis invariants: PDC bounds and no exception on arbitrary JSON-like input."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fhir_mappings.facts import (
    Agent,
    Fill,
    InductionRegimen,
    LabResults,
    RegimenKind,
    Route,
    TherapyCourse,
)
from fhir_mappings.read.adherence import (
    estimate_adherence,
    medication_possession_ratio,
    proportion_of_days_covered,
)
from fhir_mappings.read.dosing import dose_from_dosage, parse_dosage_text
from fhir_mappings.read.medications import identify_medication
from fhir_mappings.read.therapy import (
    build_courses,
    find_induction,
    map_administrations,
    map_orders,
)

TODAY = date(2024, 12, 1)
KEYS = st.sampled_from(
    [
        "resourceType",
        "status",
        "intent",
        "medicationCodeableConcept",
        "medicationReference",
        "coding",
        "system",
        "code",
        "text",
        "display",
        "reference",
        "contained",
        "dosageInstruction",
        "dosage",
        "timing",
        "repeat",
        "frequency",
        "period",
        "periodUnit",
        "doseAndRate",
        "doseQuantity",
        "doseRange",
        "high",
        "value",
        "unit",
        "authoredOn",
        "effectiveDateTime",
        "effectivePeriod",
        "start",
        "end",
        "boundsPeriod",
        "count",
        "whenHandedOver",
        "daysSupply",
        "quantity",
        "ingredient",
        "itemCodeableConcept",
        "strength",
        "numerator",
        "denominator",
        "route",
        "dose",
        "id",
        "doNotPerform",
        "sequence",
        "boundsDuration",
        "dispenseRequest",
    ]
)
LEAVES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-10, 10_000),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(
        [
            "MedicationRequest",
            "MedicationAdministration",
            "MedicationStatement",
            "Medication",
            "active",
            "completed",
            "order",
            "http://www.nlm.nih.gov/research/umls/rxnorm",
            "200060",
            "3002",
            "68149",
            "#m",
            "Medication/m",
            "mg",
            "g",
            "{tbl}",
            "mg/kg",
            "mg/m2",
            "d",
            "wk",
            "mo",
            "BID",
            "2024-01-01",
            "2024-13-45",
            "CellCept",
            "1000 mg twice daily",
        ]
    ),
    st.text(max_size=12),
)
JSON = st.recursive(
    LEAVES,
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(KEYS, children, max_size=6)
    ),
    max_leaves=30,
)
RESOURCES = st.lists(st.one_of(JSON, st.dictionaries(KEYS, JSON, max_size=8)), max_size=5)
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


class TestPdcProperties:
    @given(
        st.lists(
            st.tuples(st.integers(-400, 400), st.one_of(st.none(), st.floats(0, 400))),
            max_size=12,
        ),
        st.integers(0, 400),
    )
    def test_pdc_and_mpr_in_unit_interval(
        self, raw: list[tuple[int, float | None]], length: int
    ) -> None:
        """PDC and MPR are always within [0, 1] for any fills and window."""
        start = date(2024, 1, 1)
        fills = [Fill(start + timedelta(days=d), s, None, None) for d, s in raw]
        end = start + timedelta(days=length)
        for value in (
            proportion_of_days_covered(fills, start, end),
            medication_possession_ratio(fills, start, end),
        ):
            assert value is not None
            assert 0.0 <= value <= 1.0

    @given(st.lists(st.tuples(st.integers(0, 200), st.floats(1, 90)), min_size=1, max_size=8))
    def test_pdc_monotone_in_fills(self, raw: list[tuple[int, float]]) -> None:
        """Adding a fill never lowers the PDC."""
        start, end = date(2024, 1, 1), date(2024, 6, 30)
        fills = [Fill(start + timedelta(days=d), s, None, None) for d, s in raw]
        before = proportion_of_days_covered(fills[:-1], start, end)
        after = proportion_of_days_covered(fills, start, end)
        assert before is not None
        assert after is not None
        assert after >= before


class TestNoCrash:
    @SETTINGS
    @given(RESOURCES, st.dictionaries(st.sampled_from(["Medication/m"]), JSON, max_size=1))
    def test_mappers_never_raise(self, resources: list[Any], by_ref: dict[str, Any]) -> None:
        """Arbitrary JSON-like input goes through every mapper without an exception."""
        orders = map_orders(resources, by_ref)
        doses = map_administrations(resources, by_ref)
        for resource in resources:
            if isinstance(resource, dict):
                identify_medication(resource, by_ref)
                dose_from_dosage(resource)
        courses = build_courses(orders, doses, TODAY)
        induction = find_induction(courses, TODAY)
        estimates = estimate_adherence(courses, induction, resources, LabResults({}), by_ref, TODAY)
        for estimate in estimates:
            assert estimate.pdc is None or 0.0 <= estimate.pdc <= 1.0

    @SETTINGS
    @given(RESOURCES)
    def test_adherence_never_raises(self, dispenses: list[Any]) -> None:
        """estimate_adherence accepts any dispenses for an oral induction agent."""
        course = TherapyCourse(
            Agent.MYCOPHENOLATE_MOFETIL, date(2024, 1, 1), None, Route.ORAL, 2000, ()
        )
        induction = InductionRegimen(
            RegimenKind.MYCOPHENOLATE, course.start, course.agent, (course,), False
        )
        (estimate,) = estimate_adherence([course], induction, dispenses, LabResults({}), {}, TODAY)
        assert estimate.pdc is None or 0.0 <= estimate.pdc <= 1.0

    @given(st.text(max_size=40))
    def test_text_parser_never_raises(self, text: str) -> None:
        """The dosage text parser returns a result or None for any text."""
        result = parse_dosage_text(text)
        assert result is None or result[0] >= 0
