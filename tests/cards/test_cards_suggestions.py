"""cds_service.suggestions: RecommendedAction -> draft FHIR R4 resource."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from fhir.resources.R4B import get_fhir_model_class

import cds_service.suggestions as suggestions_module
from cds_service.cards import render_card, render_cards
from cds_service.suggestions import (
    RXNORM_INGREDIENT,
    RXNORM_SYSTEM,
    SUGGESTION_INTENT,
    build_suggestion_resource,
    build_uncached,
    format_mg,
    medication_concept,
)
from fhir_mappings.facts import Agent
from fhir_mappings.findings import ActionKind, Finding, RecommendedAction, Severity, Topic
from fhir_mappings.rules import actions
from fhir_mappings.rulesets import get_ruleset
from tests.cards.card_builders import ALL_ACTIONS, counter_uuids
from tests.support.record import Record


def build(action: RecommendedAction) -> dict[str, Any]:
    resource = build_suggestion_resource(action, patient_id="p1")
    assert resource is not None
    return resource


class TestBuildSuggestionResource:
    @pytest.mark.parametrize("action", ALL_ACTIONS, ids=lambda a: a.label)
    def test_valid_r4_draft_proposal(self, action: RecommendedAction) -> None:
        """Every action kind builds a valid R4 resource: draft, proposal, subject the patient."""
        resource = build(action)
        get_fhir_model_class(resource["resourceType"]).model_validate(resource)
        assert resource["status"] == "draft"
        assert resource["intent"] == SUGGESTION_INTENT == "proposal"
        assert resource["subject"] == {"reference": "Patient/p1"}

    def test_biopsy_service_request(self) -> None:
        """A biopsy is a ServiceRequest coded in SNOMED CT and CPT with the reason as text."""
        resource = build(ALL_ACTIONS[0])
        assert resource["resourceType"] == "ServiceRequest"
        codes = {(c["system"], c["code"]) for c in resource["code"]["coding"]}
        assert ("http://snomed.info/sct", "708940003") in codes
        assert ("http://www.ama-assn.org/go/cpt", "50200") in codes
        assert resource["reasonCode"] == [{"text": "x"}]

    def test_lab_service_request(self) -> None:
        """A lab order is a LOINC-coded ServiceRequest."""
        resource = build(ALL_ACTIONS[1])
        assert resource["code"]["coding"][0]["system"] == "http://loinc.org"
        assert resource["code"]["coding"][0]["code"] == "2890-2"

    def test_dose_step_medication_request(self) -> None:
        """A dose step carries RxNorm, mg dose, frequency timing, text and the order it replaces."""
        resource = build(ALL_ACTIONS[2])
        assert resource["resourceType"] == "MedicationRequest"
        coding = resource["medicationCodeableConcept"]["coding"][0]
        assert (coding["system"], coding["code"]) == (RXNORM_SYSTEM, "68149")
        dosage = resource["dosageInstruction"][0]
        assert dosage["doseAndRate"][0]["doseQuantity"] == {
            "value": 1500.0,
            "unit": "mg",
            "system": "http://unitsofmeasure.org",
            "code": "mg",
        }
        assert dosage["timing"]["repeat"] == {"frequency": 2, "period": 1.0, "periodUnit": "d"}
        assert dosage["text"] == "1500 mg twice daily (3000 mg/day), oral"
        assert resource["priorPrescription"] == {"reference": "MedicationRequest/mmf-1"}

    def test_start_therapy_text_dosage(self) -> None:
        """Starting an agent gives the RxNorm ingredient and the dosage text with its route."""
        resource = build(ALL_ACTIONS[3])
        assert resource["medicationCodeableConcept"]["coding"][0]["code"] == "3002"
        assert resource["dosageInstruction"][0] == {
            "text": "500 mg IV every 2 weeks x 6 (Euro-Lupus)",
            "route": {"text": "intravenous"},
        }

    @pytest.mark.parametrize(
        ("kind", "parameters"),
        [
            (ActionKind.ORDER_LAB, {"display": "no code"}),
            (ActionKind.DOSE_STEP, {"agent": "mycophenolate-mofetil", "dose_mg": 500.0}),
            (
                ActionKind.DOSE_STEP,
                {"agent": "unknown-drug", "dose_mg": 500.0, "frequency_per_day": 2},
            ),
            (
                ActionKind.DOSE_STEP,
                {"agent": "tacrolimus", "dose_mg": -1.0, "frequency_per_day": 2},
            ),
            (ActionKind.START_THERAPY, {"dosage_text": "no agent"}),
        ],
    )
    def test_incomplete_parameters_give_none(
        self, kind: ActionKind, parameters: dict[str, Any]
    ) -> None:
        """Parameters missing what the resource needs give no suggestion rather than a bad one."""
        assert (
            build_suggestion_resource(RecommendedAction(kind, "x", parameters), patient_id="p1")
            is None
        )

    def test_no_patient_gives_none(self) -> None:
        """Without a patient id (subject is required in R4) nothing is built."""
        assert build_suggestion_resource(ALL_ACTIONS[0], patient_id=None) is None


class TestClosedLoop:
    def test_biopsy_order_codes_are_recognised_when_performed(self) -> None:
        """A completed Procedure coded as the biopsy suggestion is read back as a kidney biopsy."""
        from fhir_mappings.read.procedures import kidney_biopsies

        order = build(ALL_ACTIONS[0])
        procedure = {
            "resourceType": "Procedure",
            "id": "bx",
            "status": "completed",
            "code": order["code"],
            "subject": order["subject"],
            "performedDateTime": "2026-07-01",
        }
        assert len(kidney_biopsies([procedure])) == 1


class TestMedicationConcept:
    @pytest.mark.parametrize(
        ("agent", "code"),
        [
            (Agent.MYCOPHENOLATE_MOFETIL, "68149"),
            (Agent.CYCLOPHOSPHAMIDE, "3002"),
            (Agent.TACROLIMUS, "42316"),
            (Agent.RITUXIMAB, "121191"),
        ],
    )
    def test_rxnorm_ingredient(self, agent: Agent, code: str) -> None:
        """Agents with a verified RxNorm ingredient code are coded with it (the RxNorm table
        of fhir_mappings.codes)."""
        assert medication_concept(agent)["coding"][0]["code"] == code

    def test_unverified_agent_text_only(self) -> None:
        """An agent without a verified code gets a text-only concept."""
        assert Agent.VOCLOSPORIN not in RXNORM_INGREDIENT
        assert medication_concept(Agent.VOCLOSPORIN) == {"text": "voclosporin"}

    @pytest.mark.parametrize(("value", "text"), [(1500.0, "1500"), (23.7, "23.7"), (0.5, "0.5")])
    def test_format_mg(self, value: float, text: str) -> None:
        """Whole milligrams print without decimals."""
        assert format_mg(value) == text


CBP_NOTES = (
    "Woman of child-bearing potential: pregnancy test before starting and 8-10 days later; "
    "contraception during therapy and for 6 weeks after stopping (CellCept label).",
    "Check the MPA trough after 2 weeks.",
)


def with_notes(action: RecommendedAction, *notes: str) -> RecommendedAction:
    return replace(action, notes=notes)


class TestNotes:
    @pytest.mark.parametrize("action", ALL_ACTIONS, ids=lambda a: a.label)
    def test_notes_become_annotations_on_a_valid_draft(self, action: RecommendedAction) -> None:
        """Every note of an action is one ``note[].text`` Annotation of its draft, in order,
        and the draft stays a valid FHIR R4 resource (fhir.resources R4B)."""
        resource = build(with_notes(action, *CBP_NOTES))
        model = get_fhir_model_class(resource["resourceType"]).model_validate(resource)
        assert resource["note"] == [{"text": text} for text in CBP_NOTES]
        assert [n.text for n in model.note] == list(CBP_NOTES)

    def test_medication_request_with_a_note(self) -> None:
        """A mycophenolate draft with a child-bearing-potential note is a valid draft
        MedicationRequest carrying that note next to its dosage."""
        start_mmf = RecommendedAction(
            ActionKind.START_THERAPY,
            "Start mycophenolate mofetil",
            {"agent": Agent.MYCOPHENOLATE_MOFETIL.value, "dosage_text": "1 g twice daily"},
            notes=CBP_NOTES[:1],
        )
        resource = build(start_mmf)
        get_fhir_model_class("MedicationRequest").model_validate(resource)
        assert resource["resourceType"] == "MedicationRequest"
        assert resource["status"] == "draft"
        assert resource["note"] == [{"text": CBP_NOTES[0]}]
        assert resource["dosageInstruction"] == [{"text": "1 g twice daily"}]

    def test_a_note_with_a_line_break_stays_one_annotation(self) -> None:
        """A note is never split: a line break inside it stays inside its one Annotation."""
        resource = build(with_notes(ALL_ACTIONS[2], "first line\nsecond line"))
        assert resource["note"] == [{"text": "first line\nsecond line"}]

    def test_blank_notes_are_left_out(self) -> None:
        """Blank notes add no empty Annotation; an action without notes has no ``note``."""
        assert "note" not in build(with_notes(ALL_ACTIONS[3], " ", ""))
        assert "note" not in build(ALL_ACTIONS[3])
        assert build(with_notes(ALL_ACTIONS[3], "  keep  ", ""))["note"] == [{"text": "keep"}]

    def test_notes_are_part_of_the_cache_key(self) -> None:
        """The same action with and without a note, built in turns, never shares a template:
        each patient gets exactly its own notes."""
        plain = ALL_ACTIONS[3]
        noted = with_notes(plain, *CBP_NOTES)
        for _ in range(2):  # the second round is served from the cache
            first = build_suggestion_resource(noted, patient_id="woman")
            second = build_suggestion_resource(plain, patient_id="man")
            assert first is not None
            assert second is not None
            assert first["note"] == [{"text": text} for text in CBP_NOTES]
            assert "note" not in second
            assert first == build_uncached(noted, patient_id="woman")
            assert second == build_uncached(plain, patient_id="man")


def _refractory_on_mmf(gender: str) -> Record:
    """MMF 3 g/day for 8 months, refills on time, proteinuria barely moving: the switch
    card drafts IV cyclophosphamide."""
    r = Record().patient(gender=gender).lupus_nephritis(10)
    r.mmf(8, 3)
    r.fills("mycophenolate mofetil 500 MG Oral Tablet", 8, 8, tablets=180)
    r.upcr((8.5, 3.2), (6, 3.0), (3, 2.9), (0.5, 2.8))
    r.creatinine((8.5, 0.9), (0.5, 0.95))
    r.egfr((8.5, 88), (0.5, 85))
    return r


def _cyclophosphamide_draft(cards: list[dict[str, Any]]) -> dict[str, Any]:
    for card in cards:
        for suggestion in card.get("suggestions", ()):
            resource = suggestion["actions"][0]["resource"]
            if resource.get("medicationCodeableConcept", {}).get("text") == "cyclophosphamide":
                return dict(resource)
    raise AssertionError("no cyclophosphamide draft")


class TestNotesThroughThePipeline:
    @pytest.mark.parametrize("woman_first", [True, False])
    def test_child_bearing_note_only_on_her_draft(self, woman_first: bool) -> None:
        """A woman of child-bearing potential and a man with the same record: only her
        cyclophosphamide draft carries the fertility and contraception notes, whichever
        patient warmed the template cache first."""
        order = ["female", "male"] if woman_first else ["male", "female"]
        drafts = {}
        for gender in order:
            assessment = _refractory_on_mmf(gender).assess()
            cards = render_cards(assessment, uuid_factory=counter_uuids(), ruleset="kdigo-2024")
            drafts[gender] = _cyclophosphamide_draft(cards)
        woman, man = drafts["female"], drafts["male"]
        get_fhir_model_class("MedicationRequest").model_validate(woman)
        notes = [n["text"] for n in woman["note"]]
        assert any("GnRH analogue" in n for n in notes)
        assert any("contraception" in n.lower() for n in notes)
        assert "note" not in man
        assert {k: v for k, v in woman.items() if k != "note"} == man


PATIENT_IDS = ("p1", "bench-ln-0001", "A.b-9", "x" * 64)


class TestTemplateCache:
    @pytest.mark.parametrize("patient_id", PATIENT_IDS)
    @pytest.mark.parametrize("action", ALL_ACTIONS, ids=lambda a: a.label)
    def test_cached_output_is_valid_and_equals_full_validation(
        self, action: RecommendedAction, patient_id: str
    ) -> None:
        """A cache hit validates with fhir.resources R4B and equals building and validating anew."""
        build_suggestion_resource(action, patient_id="warm")  # the template is now cached
        cached = build_suggestion_resource(action, patient_id=patient_id)
        assert cached is not None
        model = get_fhir_model_class(cached["resourceType"]).model_validate(cached)
        assert model.model_dump(mode="json", exclude_none=True) == cached
        assert cached == build_uncached(action, patient_id=patient_id)
        assert list(cached) == list(build_uncached(action, patient_id=patient_id) or {})
        assert cached["subject"] == {"reference": f"Patient/{patient_id}"}

    def test_second_call_hits_the_cache(self) -> None:
        """The same kind and parameters are validated once: later calls are cache hits."""
        action = ALL_ACTIONS[0]
        build_suggestion_resource(action, patient_id="p1")
        hits = suggestions_module._validated_template.cache_info().hits
        build_suggestion_resource(action, patient_id="p2")
        assert suggestions_module._validated_template.cache_info().hits == hits + 1

    def test_outputs_do_not_share_state(self) -> None:
        """Mutating one returned resource does not change the next one (fresh copies)."""
        action = ALL_ACTIONS[0]
        first = build(action)
        first["code"]["coding"].clear()
        first["subject"]["reference"] = "Patient/other"
        second = build(action)
        assert second["code"]["coding"]
        assert second["subject"] == {"reference": "Patient/p1"}

    @pytest.mark.parametrize(
        ("left", "right"),
        [(1, 1.0), (1, True), ("1", 1)],
    )
    def test_key_keeps_value_types_apart(self, left: object, right: object) -> None:
        """Equal-comparing values of different types get different cache keys."""
        assert suggestions_module.params_key({"v": left}) != suggestions_module.params_key(
            {"v": right}
        )

    def test_unhashable_parameters_skip_the_cache(self) -> None:
        """Parameters with an unhashable value are built and validated directly."""
        params: dict[str, Any] = {"reason": "x", "extra": ["not", "hashable"]}
        action = RecommendedAction(ActionKind.ORDER_KIDNEY_BIOPSY, "Biopsy", params, True)  # type: ignore[arg-type]
        assert suggestions_module.params_key(params) is None
        resource = build(action)
        get_fhir_model_class("ServiceRequest").model_validate(resource)

    @pytest.mark.parametrize("patient_id", [" ", "a b", "x\n", "\u00e9", "Patient/1"])
    def test_odd_patient_ids_behave_as_full_validation(self, patient_id: str) -> None:
        """For odd ids the cached path raises or returns exactly what full validation does."""
        from pydantic import ValidationError

        action = ALL_ACTIONS[0]
        try:
            expected: object = build_uncached(action, patient_id=patient_id)
        except ValidationError:
            expected = ValidationError
        try:
            got: object = build_suggestion_resource(action, patient_id=patient_id)
        except ValidationError:
            got = ValidationError
        assert got == expected


class TestDecisionsWithSeveralOrders:
    """A draft with companion orders (``also``) is one suggestion with one action each."""

    @staticmethod
    def _card(action: RecommendedAction, patient_id: str | None = "p1") -> dict[str, Any]:
        finding = Finding(Topic.THERAPY_SWITCH, Severity.WARNING, "s", "r", (), actions=(action,))
        return render_card(
            finding, uuid_factory=counter_uuids(), ruleset="kdigo-2024", patient_id=patient_id
        )

    def test_multitarget_adds_tacrolimus_and_reduces_mycophenolate_together(self) -> None:
        """Accepting multitarget therapy creates both draft orders: tacrolimus, and the
        mycophenolate reduction that replaces the current order."""
        doses = get_ruleset("kdigo-2024").doses
        draft = actions.tacrolimus_multitarget(
            doses, Agent.MYCOPHENOLATE_MOFETIL, 3000.0, "MedicationRequest/mmf-1"
        )
        (suggestion,) = self._card(draft)["suggestions"]
        assert suggestion["label"] == draft.decision_label
        assert suggestion["label"].startswith("Add tacrolimus (multitarget); reduce")
        add, reduce = suggestion["actions"]
        assert add["description"] == "Add tacrolimus (multitarget)"
        assert add["resource"]["medicationCodeableConcept"]["text"] == "tacrolimus"
        assert reduce["description"] == "Reduce mycophenolate mofetil to 1 g/day"
        mmf = reduce["resource"]
        get_fhir_model_class("MedicationRequest").model_validate(mmf)
        assert mmf["priorPrescription"] == {"reference": "MedicationRequest/mmf-1"}
        assert mmf["dosageInstruction"][0]["text"].startswith("500 mg twice daily (1000 mg/day)")

    def test_a_decision_whose_companion_cannot_be_drafted_is_left_out_whole(self) -> None:
        """Never half a decision: a companion without its dose leaves the card without it."""
        doses = get_ruleset("kdigo-2024").doses
        draft = actions.tacrolimus_multitarget(doses, Agent.MYCOPHENOLATE_MOFETIL, 3000.0, "m")
        (companion,) = draft.also
        broken = replace(companion, parameters={**companion.parameters, "dose_mg": None})
        card = self._card(replace(draft, also=(broken,)))
        assert "suggestions" not in card
