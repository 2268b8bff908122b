"""MedicationIdentifier: one memo per patient gives the answers of one-off identification."""

from __future__ import annotations

from datetime import date, timedelta
from types import MappingProxyType
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fhir_mappings.facts import Agent, LabResults, MatchMethod
from fhir_mappings.read.adherence import estimate_adherence
from fhir_mappings.read.medications import MedicationIdentifier, _concept_key, identify_medication
from fhir_mappings.read.therapy import (
    build_courses,
    find_induction,
    map_administrations,
    map_orders,
)

RX = "http://www.nlm.nih.gov/research/umls/rxnorm"
BY_REF: dict[str, Any] = {
    "Medication/m1": {
        "resourceType": "Medication",
        "id": "m1",
        "code": {"coding": [{"system": RX, "code": "200060"}]},
    },
    "Medication/m2": {"resourceType": "Medication", "id": "m2", "code": {"text": "Plaquenil"}},
    "Medication/m3": {"resourceType": "Medication", "id": "m3", "code": {"text": "vitamin D"}},
}

_STRINGS = st.sampled_from(
    [
        RX,
        f" {RX} ",
        "http://snomed.info/sct",
        "200060",
        " 979092 ",
        "312615",
        "8640",
        "197361",
        "",
        "  ",
        "CellCept 500 mg tablet",
        "hydroxychloroquine 200 MG Oral Tablet",
        "Imuran",
        "aspirin",
    ]
)
_ODD = st.one_of(st.none(), st.booleans(), st.integers(-2, 2), st.just(["200060"]), _STRINGS)
_CODING = st.one_of(
    st.fixed_dictionaries({}, optional={"system": _ODD, "code": _ODD, "display": _ODD}),
    st.just("junk"),
    st.none(),
)
_CODINGS = st.one_of(st.lists(_CODING, max_size=3), st.tuples(_CODING), _ODD)
_CONCEPT_DICT = st.fixed_dictionaries({}, optional={"text": _ODD, "coding": _CODINGS})
_CONCEPT = st.one_of(_CONCEPT_DICT, _CONCEPT_DICT.map(MappingProxyType), _ODD)
_REF_STRINGS = st.sampled_from(
    ["Medication/m1", " Medication/m2", "Medication/m3", "Medication/zz", "#c1", " #c2", "", "#"]
)
_REFERENCE = st.one_of(
    st.fixed_dictionaries(
        {}, optional={"reference": st.one_of(_REF_STRINGS, _ODD), "display": _ODD}
    ),
    _ODD,
)
_CONTAINED = st.lists(
    st.fixed_dictionaries(
        {"resourceType": st.sampled_from(["Medication", "Substance"])},
        optional={"id": st.sampled_from(["c1", "c2", 1]), "code": _CONCEPT},
    ),
    max_size=2,
)
_RESOURCE = st.one_of(
    st.fixed_dictionaries(
        {"resourceType": st.just("MedicationDispense")},
        optional={
            "medicationCodeableConcept": _CONCEPT,
            "medicationReference": _REFERENCE,
            "medication": st.one_of(
                st.fixed_dictionaries({}, optional={"concept": _CONCEPT, "reference": _REFERENCE}),
                _ODD,
            ),
            "contained": _CONTAINED,
        },
    ),
    st.just("not a resource"),
)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_RESOURCE, max_size=8))
def test_shared_memo_matches_one_off_calls(resources: list[Any]) -> None:
    """A shared identifier answers every resource as a fresh identify_medication call does."""
    identify = MedicationIdentifier(BY_REF)
    shared = [identify(r) for r in resources]
    again = [identify(r) for r in resources]  # every key now a memo hit
    assert shared == again == [identify_medication(r, BY_REF) for r in resources]


def _dispense(**fields: Any) -> dict[str, Any]:
    return {"resourceType": "MedicationDispense", **fields}


def test_same_product_identified_once() -> None:
    """Two dispenses of one coded product share one memo entry and one answer."""
    identify = MedicationIdentifier({})
    concept = {"coding": [{"system": RX, "code": "979092"}], "text": "HCQ 200"}
    first = identify(_dispense(medicationCodeableConcept=concept))
    second = identify(_dispense(medicationCodeableConcept=dict(concept)))
    assert first is second
    assert first is not None
    assert first.agent is Agent.HYDROXYCHLOROQUINE


def test_contained_reference_read_per_resource() -> None:
    """A '#id' reference is resolved in each resource's own contained list, never memoised."""
    identify = MedicationIdentifier({})

    def with_contained(code: str) -> dict[str, Any]:
        return _dispense(
            contained=[
                {
                    "resourceType": "Medication",
                    "id": "c1",
                    "code": {"coding": [{"system": RX, "code": code}]},
                }
            ],
            medicationReference={"reference": "#c1"},
        )

    first, second = identify(with_contained("200060")), identify(with_contained("979092"))
    assert first is not None
    assert second is not None
    assert (first.agent, second.agent) == (Agent.MYCOPHENOLATE_MOFETIL, Agent.HYDROXYCHLOROQUINE)


def test_reference_display_is_part_of_the_key() -> None:
    """Unresolved references with different displays are identified separately."""
    identify = MedicationIdentifier({})
    first = identify(
        _dispense(medicationReference={"reference": "Medication/x", "display": "Imuran"})
    )
    second = identify(
        _dispense(medicationReference={"reference": "Medication/x", "display": "aspirin"})
    )
    assert first is not None
    assert (first.agent, first.method, second) == (Agent.AZATHIOPRINE, MatchMethod.TEXT, None)


def test_non_dict_mapping_resource() -> None:
    """A read-only Mapping resource is identified like a dict; a non-Mapping gives None."""
    identify = MedicationIdentifier({})
    concept = {"coding": [{"system": RX, "code": "200060"}]}
    match = identify(MappingProxyType(_dispense(medicationCodeableConcept=concept)))
    assert match is not None
    assert match.agent is Agent.MYCOPHENOLATE_MOFETIL
    assert identify(["not", "a", "resource"]) is None  # type: ignore[arg-type]


def test_concept_key_reads_only_strings() -> None:
    """The key keeps text and each Mapping coding's strings; other values read as absent."""
    coding = {"system": RX, "code": 200060, "display": "x", "extra": [1]}
    concept = {"text": 5, "coding": (coding, MappingProxyType(coding), "junk")}
    assert _concept_key(concept) == (None, (RX, None, "x"), (RX, None, "x"))
    assert _concept_key(MappingProxyType({"text": "t"})) == ("t",)
    assert _concept_key("text only") == (None,)


def test_one_identifier_shared_by_the_mappers() -> None:
    """Orders, doses and dispenses read through one shared identifier as through their own."""
    today = date(2024, 12, 1)
    request = {
        "resourceType": "MedicationRequest",
        "id": "r1",
        "status": "active",
        "intent": "order",
        "authoredOn": "2024-06-01",
        "medicationReference": {"reference": "Medication/m1"},
        "dosageInstruction": [{"text": "1000 mg twice daily"}],
    }
    dispenses = [
        _dispense(
            id=f"d{i}",
            status="completed",
            whenHandedOver=(date(2024, 6, 1) + timedelta(days=30 * i)).isoformat(),
            medicationReference={"reference": "Medication/m1"},
            daysSupply={"value": 30},
        )
        for i in range(6)
    ]
    identify = MedicationIdentifier(BY_REF)
    shared_orders = map_orders([request], BY_REF, identify=identify)
    assert map_administrations([], BY_REF, identify=identify) == ()
    courses = build_courses(shared_orders, (), today)
    induction = find_induction(courses, today)
    shared = estimate_adherence(
        courses, induction, dispenses, LabResults({}), BY_REF, today, identify=identify
    )
    assert shared_orders == map_orders([request], BY_REF)
    assert shared == estimate_adherence(
        courses, induction, dispenses, LabResults({}), BY_REF, today
    )
    assert shared
    assert len(shared[0].fills) == 6
