"""Hypothesis invariants of the medication readers: no reader raises on odd JSON, PDC and
MPR stay in [0, 1] and agree with a day-by-day count, and lines of therapy keep their
shape whatever EHR-shaped record they are read from."""

from __future__ import annotations

import math
from datetime import date, timedelta
from itertools import pairwise
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fhir_mappings.facts import LINE_AGENTS, Fill, LineRole
from fhir_mappings.read.dosing import dose_from_dosage, dose_from_dosages, parse_dosage_text
from fhir_mappings.read.exposure import medication_possession_ratio, proportion_of_days_covered
from fhir_mappings.read.facts import build_facts
from fhir_mappings.read.medications import MedicationIdentifier, identify_medication
from fhir_mappings.read.orders import map_administrations, map_orders, unidentified_medications
from fhir_mappings.resources import DataGap, PatientResources

from ._builders import (
    AZA,
    BELIMUMAB,
    CYC,
    HCQ_200,
    MMF_500,
    MPS_180,
    OBINUTUZUMAB,
    PREDNISONE_20,
    RITUXIMAB,
    RULESET,
    TACROLIMUS_1MG,
    TODAY,
    VOCLOSPORIN,
    Chart,
)

#: slow: long Hypothesis runs
pytestmark = pytest.mark.slow

KEYS = st.sampled_from(
    [
        "resourceType",
        "status",
        "intent",
        "medicationCodeableConcept",
        "medicationReference",
        "medication",
        "concept",
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
        "dateAsserted",
        "effectiveDateTime",
        "effectivePeriod",
        "occurenceDateTime",
        "start",
        "end",
        "boundsPeriod",
        "count",
        "whenHandedOver",
        "whenPrepared",
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
        "expectedSupplyDuration",
        "numberOfRepeatsAllowed",
        "validityPeriod",
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
            "MedicationDispense",
            "Medication",
            "active",
            "completed",
            "on-hold",
            "in-progress",
            "order",
            "http://www.nlm.nih.gov/research/umls/rxnorm",
            "200060",
            "3002",
            "68149",
            "121191",
            "#m",
            "Medication/m",
            "https://ehr.example/fhir/Medication/m",
            "https://other.example/fhir/Medication/m",
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
            "2024-06-30T10:00:00Z",
            "2024-13-45",
            "CellCept",
            "Cytoxan",
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
TYPED = st.builds(
    lambda rtype, body: {**body, "resourceType": rtype},
    st.sampled_from(
        [
            "MedicationRequest",
            "MedicationStatement",
            "MedicationAdministration",
            "MedicationDispense",
        ]
    ),
    st.dictionaries(KEYS, JSON, max_size=8),
)
RESOURCES = st.lists(st.one_of(JSON, TYPED, st.dictionaries(KEYS, JSON, max_size=8)), max_size=6)
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
#: No deadline anywhere: a slow or busy machine must not fail a property.
UNTIMED = settings(deadline=None)
BASE = "https://ehr.example/fhir"


class TestNoReaderRaises:
    @SETTINGS
    @given(RESOURCES, st.dictionaries(st.sampled_from(["Medication/m"]), JSON, max_size=1))
    def test_readers_never_raise(self, resources: list[Any], by_ref: dict[str, Any]) -> None:
        """Arbitrary JSON goes through every medication reader without an exception."""
        identify = MedicationIdentifier(by_ref, BASE)
        map_orders(resources, by_ref, identify=identify, weight_kg=70, bsa_m2=1.8)
        map_administrations(resources, by_ref, identify=identify)
        unidentified_medications(resources, identify)
        dose_from_dosages(resources)
        for resource in resources:
            if isinstance(resource, dict):
                identify_medication(resource, by_ref)
                identify.unreadable_reference(resource)
                dose_from_dosage(resource, strength_mg=500, weight_kg=70, bsa_m2=1.8)

    @SETTINGS
    @given(RESOURCES, st.sampled_from([None, date(2024, 3, 1), "none"]))
    def test_the_reading_stage_never_raises(self, resources: list[Any], gap: object) -> None:
        """build_facts reads any medication JSON (with or without a dispense gap) into a
        history whose numbers stay in range."""
        gaps = []
        if gap is not None:
            since = gap if isinstance(gap, date) else None
            gaps.append(DataGap("MedicationDispense", "not read", since))
        patient = PatientResources.from_resources(resources, gaps=gaps, server_base=BASE)
        facts = build_facts(patient, today=date(2024, 12, 1), ruleset=RULESET)
        for exposure in facts.exposure:
            for value in (exposure.refills.pdc, exposure.refills.mpr):
                assert value is None or 0.0 <= value <= 1.0

    @UNTIMED
    @given(st.text(max_size=40))
    def test_text_parser_never_raises(self, text: str) -> None:
        """The dosage text parser returns a non-negative dose or None for any text."""
        result = parse_dosage_text(text)
        assert result is None or result[0] >= 0


def _covered_days(fills: list[Fill], start: date, end: date) -> float:
    """PDC counted one day at a time: each supply starts when the previous one runs out."""
    days: set[date] = set()
    cursor: date | None = None
    for fill in sorted(fills, key=lambda f: f.when):
        if fill.days_supply is None:
            continue
        begin = fill.when if cursor is None or fill.when >= cursor else cursor
        length = math.ceil(fill.days_supply)
        days.update(begin + timedelta(days=k) for k in range(length))
        cursor = begin + timedelta(days=length)
    window = (end - start).days + 1
    return len({d for d in days if start <= d <= end}) / window


FILLS = st.lists(
    st.tuples(st.integers(-400, 400), st.one_of(st.none(), st.floats(0, 400))), max_size=12
)


class TestMeasures:
    @UNTIMED
    @given(FILLS, st.integers(0, 400))
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

    @UNTIMED
    @given(FILLS, st.integers(0, 400))
    def test_pdc_matches_a_day_by_day_count(
        self, raw: list[tuple[int, float | None]], length: int
    ) -> None:
        """The PDC equals the share of window days covered, counted one day at a time."""
        start = date(2024, 1, 1)
        fills = [Fill(start + timedelta(days=d), s, None, None) for d, s in raw]
        end = start + timedelta(days=length)
        expected = _covered_days(fills, start, end)
        assert proportion_of_days_covered(fills, start, end) == expected

    @UNTIMED
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


CONCEPTS = [
    MMF_500,
    MPS_180,
    CYC,
    AZA,
    TACROLIMUS_1MG,
    VOCLOSPORIN,
    RITUXIMAB,
    OBINUTUZUMAB,
    BELIMUMAB,
    HCQ_200,
    PREDNISONE_20,
]
ENTRY = st.tuples(
    st.sampled_from(["tablets", "pulses", "infusions", "on-hold"]),
    st.sampled_from(range(len(CONCEPTS))),
    st.integers(0, 700),  # start, days ago
    st.one_of(st.none(), st.integers(1, 400)),  # how long, None: going on
    st.sampled_from([0.5, 1, 1.5, 2, 3, 4, 6]),  # tablets per dose
)


def _chart(entries: list[tuple[str, int, int, int | None, float]]) -> Chart:
    chart = Chart(today=TODAY)
    for kind, index, start, length, tablets in entries:
        concept = CONCEPTS[index]
        end = None if length is None else max(start - length, -30)
        if kind == "tablets":
            chart.tablets(concept, start, tablets, end=end)
        elif kind == "pulses":
            chart.pulses(concept, start, min(6, 1 + start // 14), every=14 if tablets < 2 else 28)
        elif kind == "infusions":
            chart.infusions(concept, start, max(start - 14, 0))
        else:
            chart.request(concept, start, {"text": "hold"}, status="on-hold")
    return chart


class TestLinesKeepTheirShape:
    @settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(st.lists(ENTRY, max_size=7))
    def test_lines_of_any_record(
        self, entries: list[tuple[str, int, int, int | None, float]]
    ) -> None:
        """Lines are numbered from 1 in order of start, each ends where the next starts,
        hold only line agents once each, judge from no later than their start (maintenance
        keeps an earlier clock), and the current line is the last one or none."""
        history = _chart(entries).history()
        lines = history.lines
        assert [ln.number for ln in lines] == list(range(1, len(lines) + 1))
        for line, following in pairwise(lines):
            assert line.start <= following.start
            assert line.end == following.start
        for line in lines:
            agents = [a.agent for a in line.agents]
            assert len(agents) == len(set(agents)) >= 1
            assert set(agents) <= LINE_AGENTS
            assert line.start <= TODAY
            assert line.clock_start <= line.start
            if line.role is not LineRole.MAINTENANCE:
                assert line.clock_start == line.start
            assert set(line.added) <= set(agents)
            assert not set(line.stopped) & set(agents)
            if line.backbone is not None:
                assert line.agents[0] is line.backbone
        assert history.current is None or history.current == lines[-1]
        if history.current is not None:
            assert history.earlier_lines() == lines[:-1]
