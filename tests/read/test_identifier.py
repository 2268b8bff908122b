"""MedicationIdentifier: one memo per patient gives the answers of one-off identification;
references resolve inside the FHIR server's base and never into another server; what
cannot be read is named (``unreadable_reference``)."""

from __future__ import annotations

from types import MappingProxyType
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fhir_mappings.facts import Agent, MatchMethod
from fhir_mappings.read.exposure import read_exposure
from fhir_mappings.read.medications import (
    MedicationIdentifier,
    _concept_key,
    identify_medication,
    resolve_medication,
)
from fhir_mappings.read.orders import map_administrations, map_orders

from ._builders import RULESET, TODAY, Chart

RX = "http://www.nlm.nih.gov/research/umls/rxnorm"
BASE = "https://ehr.example/fhir"
OTHER = "https://other.example/fhir"
M1 = {
    "resourceType": "Medication",
    "id": "m1",
    "code": {"coding": [{"system": RX, "code": "200060"}]},
}
BY_REF: dict[str, Any] = {
    "Medication/m1": M1,
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
    [
        "Medication/m1",
        " Medication/m2",
        "Medication/m3",
        "Medication/zz",
        "Medication/m1/_history/3",
        f"{BASE}/Medication/m1",
        f"{BASE}/Medication/m2?x=1",
        f"{OTHER}/Medication/m1",
        f"{BASE}2/Medication/m1",
        "#c1",
        " #c2",
        "",
        "#",
    ]
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


@pytest.mark.slow  # long Hypothesis run
@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_RESOURCE, max_size=8), st.sampled_from([None, BASE, BASE + "/"]))
def test_shared_memo_matches_one_off_calls(resources: list[Any], base: str | None) -> None:
    """A shared identifier answers every resource as a fresh identify_medication call does,
    with or without a server base."""
    identify = MedicationIdentifier(BY_REF, base)
    shared = [identify(r) for r in resources]
    again = [identify(r) for r in resources]  # every key now a memo hit
    assert shared == again == [identify_medication(r, BY_REF, base) for r in resources]


def _dispense(**fields: Any) -> dict[str, Any]:
    return {"resourceType": "MedicationDispense", **fields}


def _by_reference(reference: str, **extra: Any) -> dict[str, Any]:
    return _dispense(medicationReference={"reference": reference, **extra})


class TestMemo:
    def test_same_product_identified_once(self) -> None:
        """Two dispenses of one coded product share one memo entry and one answer."""
        identify = MedicationIdentifier({})
        concept = {"coding": [{"system": RX, "code": "979092"}], "text": "HCQ 200"}
        first = identify(_dispense(medicationCodeableConcept=concept))
        second = identify(_dispense(medicationCodeableConcept=dict(concept)))
        assert first is second
        assert first is not None
        assert first.agent is Agent.HYDROXYCHLOROQUINE

    def test_contained_reference_read_per_resource(self) -> None:
        """A '#id' reference is resolved in each resource's own contained list, never
        memoised."""
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
        assert (first.agent, second.agent) == (
            Agent.MYCOPHENOLATE_MOFETIL,
            Agent.HYDROXYCHLOROQUINE,
        )

    def test_reference_display_is_part_of_the_key(self) -> None:
        """Unresolved references with different displays are identified separately."""
        identify = MedicationIdentifier({})
        first = identify(_by_reference("Medication/x", display="Imuran"))
        second = identify(_by_reference("Medication/x", display="aspirin"))
        assert first is not None
        assert (first.agent, first.method, second) == (Agent.AZATHIOPRINE, MatchMethod.TEXT, None)

    def test_non_dict_mapping_resource(self) -> None:
        """A read-only Mapping resource is identified like a dict; a non-Mapping gives None."""
        identify = MedicationIdentifier({})
        concept = {"coding": [{"system": RX, "code": "200060"}]}
        found = identify(MappingProxyType(_dispense(medicationCodeableConcept=concept)))
        assert found is not None
        assert found.agent is Agent.MYCOPHENOLATE_MOFETIL
        assert identify(["not", "a", "resource"]) is None  # type: ignore[arg-type]

    def test_concept_key_reads_only_strings(self) -> None:
        """The key keeps text and each Mapping coding's strings; other values read as
        absent."""
        coding = {"system": RX, "code": 200060, "display": "x", "extra": [1]}
        concept = {"text": 5, "coding": (coding, MappingProxyType(coding), "junk")}
        assert _concept_key(concept) == (None, (RX, None, "x"), (RX, None, "x"))
        assert _concept_key(MappingProxyType({"text": "t"})) == ("t",)
        assert _concept_key("text only") == (None,)


class TestServerBase:
    @pytest.mark.parametrize(
        "reference",
        [
            "Medication/m1",
            " Medication/m1 ",
            "Medication/m1/_history/2",
            f"{BASE}/Medication/m1",
            f"{BASE}/Medication/m1/_history/2",
            f"{BASE}/Medication/m1?_format=json",
        ],
    )
    @pytest.mark.parametrize("base", [BASE, BASE + "/"], ids=["base", "base-with-slash"])
    def test_references_inside_the_base_resolve(self, reference: str, base: str) -> None:
        """Relative references, and absolute ones inside the server's base, resolve to the
        Medication read (``_history`` and queries dropped)."""
        found = identify_medication(_by_reference(reference), BY_REF, base)
        assert found is not None
        assert (found.agent, found.method) == (Agent.MYCOPHENOLATE_MOFETIL, MatchMethod.REFERENCE)

    @pytest.mark.parametrize(
        "reference",
        [
            f"{OTHER}/Medication/m1",
            f"{BASE}2/Medication/m1",
            "http://ehr.example/fhir/Medication/m1",
        ],
        ids=["another-server", "a-base-that-only-starts-alike", "another-scheme"],
    )
    def test_references_into_another_server_never_resolve(self, reference: str) -> None:
        """An absolute reference outside the base is never taken for one of ours, even when
        a Medication with that id was read."""
        resource = _by_reference(reference)
        assert resolve_medication(resource, resource["medicationReference"], BY_REF, BASE) is None
        assert identify_medication(resource, BY_REF, BASE) is None
        assert MedicationIdentifier(BY_REF, BASE).unreadable_reference(resource) == reference

    def test_another_server_still_identified_by_its_display(self) -> None:
        """Another server's Medication with a display naming the drug is read by name."""
        found = identify_medication(
            _by_reference(f"{OTHER}/Medication/m9", display="CellCept 500 mg"), BY_REF, BASE
        )
        assert found is not None
        assert (found.agent, found.method) == (Agent.MYCOPHENOLATE_MOFETIL, MatchMethod.TEXT)

    def test_without_a_base_an_absolute_reference_is_read_by_its_last_segments(self) -> None:
        """With no known base, an absolute reference is reduced to ``Medication/<id>``."""
        found = identify_medication(_by_reference(f"{OTHER}/Medication/m1"), BY_REF)
        assert found is not None
        assert found.agent is Agent.MYCOPHENOLATE_MOFETIL

    @pytest.mark.parametrize("reference", ["m1", f"{BASE}/m1", f"{BASE}/"])
    def test_a_reference_without_type_and_id_resolves_to_nothing(self, reference: str) -> None:
        """A reference that is not ``Type/id`` once the base is dropped resolves to nothing."""
        resource = _by_reference(reference)
        assert resolve_medication(resource, resource["medicationReference"], BY_REF, BASE) is None

    def test_one_reference_two_servers(self) -> None:
        """The memo is per identifier: the same absolute reference resolves under its own
        base and not under another's."""
        resource = _by_reference(f"{BASE}/Medication/m1")
        assert MedicationIdentifier(BY_REF, BASE)(resource) is not None
        assert MedicationIdentifier(BY_REF, OTHER)(resource) is None

    def test_the_reading_stage_uses_the_resources_base(self) -> None:
        """build_facts resolves an Epic-style absolute medicationReference inside the
        server's base and lists one into another server as unidentified."""
        chart = Chart(server_base=BASE)
        chart.add({**M1})
        ours = {"reference": f"{BASE}/Medication/m1"}
        theirs = {"reference": f"{OTHER}/Medication/m7"}
        for rid, reference in (("ours", ours), ("theirs", theirs)):
            chart.add(
                {
                    "resourceType": "MedicationRequest",
                    "id": rid,
                    "status": "active",
                    "intent": "order",
                    "authoredOn": chart.on(100),
                    "medicationReference": reference,
                    "dosageInstruction": [{"text": "1000 mg twice daily"}],
                }
            )
        treatment = chart.history()
        assert [o.source_id for o in treatment.orders] == ["MedicationRequest/ours"]
        assert [(u.source_id, u.reference) for u in treatment.unidentified] == [
            ("MedicationRequest/theirs", f"{OTHER}/Medication/m7")
        ]


class TestUnreadableReference:
    @pytest.mark.parametrize(
        "resource",
        [
            _dispense(medicationCodeableConcept={"text": "CellCept"}),
            _dispense(medicationReference={"display": "CellCept"}),
            _by_reference("Medication/zz", display="vitamin D"),
            _dispense(
                medicationCodeableConcept={"coding": [{"system": RX, "code": "1"}]},
                medicationReference={"reference": "Medication/zz"},
            ),
            _by_reference("Medication/m3"),
            _by_reference(f"{BASE}/Medication/m1"),
            _dispense(
                contained=[{"resourceType": "Medication", "id": "c1", "code": {"text": "x"}}],
                medicationReference={"reference": "#c1"},
            ),
            _dispense(medication={"reference": {"reference": "Medication/m1"}}),
            _dispense(),
        ],
        ids=[
            "concept-text",
            "reference-without-target",
            "display",
            "coded-concept-beside",
            "medication-read-not-an-agent",
            "inside-the-base",
            "contained",
            "r5-codeable-reference",
            "no-medication",
        ],
    )
    def test_known_medications(self, resource: dict[str, Any]) -> None:
        """A medication known as an agent or as something else is not unreadable."""
        assert MedicationIdentifier(BY_REF, BASE).unreadable_reference(resource) is None

    @pytest.mark.parametrize(
        ("reference", "named"),
        [
            ("Medication/zz", "Medication/zz"),
            (" #missing ", "#missing"),
            (f"{OTHER}/Medication/m1", f"{OTHER}/Medication/m1"),
        ],
        ids=["not-read", "contained-missing", "another-server"],
    )
    def test_unreadable(self, reference: str, named: str) -> None:
        """A reference that resolves to nothing, with nothing else to go by, is named."""
        identify = MedicationIdentifier(BY_REF, BASE)
        assert identify.unreadable_reference(_by_reference(reference)) == named

    def test_r5_reference_that_resolves_to_nothing(self) -> None:
        """An R5 ``medication.reference`` is read like medicationReference."""
        resource = _dispense(medication={"reference": {"reference": "Medication/zz"}})
        assert MedicationIdentifier(BY_REF).unreadable_reference(resource) == "Medication/zz"


def test_one_identifier_shared_by_the_readers() -> None:
    """Orders, doses and dispenses read through one shared identifier as through their own."""
    chart = Chart().mmf(180, 3)
    for k in range(6):
        chart.add(
            _dispense(
                id=f"d{k}",
                status="completed",
                whenHandedOver=chart.on(180 - 30 * k),
                medicationReference={"reference": "Medication/m1"},
                daysSupply={"value": 30},
            )
        )
    resources = chart.resources()
    facts = chart.facts()
    identify = MedicationIdentifier(BY_REF)
    requests = resources.medication_requests
    shared_orders = map_orders(requests, BY_REF, identify=identify)
    assert shared_orders == map_orders(requests, BY_REF)
    assert map_administrations([], BY_REF, identify=identify) == ()

    def exposure(identifier: MedicationIdentifier) -> Any:
        return read_exposure(
            facts.treatment.current,
            facts.treatment.courses,
            resources.medication_dispenses,
            facts.labs,
            identifier,
            TODAY,
            RULESET,
        )

    shared = exposure(identify)
    assert shared == exposure(MedicationIdentifier(BY_REF))
    (mmf,) = shared
    assert len(mmf.refills.fills) == 6
    assert shared_orders[0].medication.agent is Agent.MYCOPHENOLATE_MOFETIL
