"""identify_medication: codings, references, ingredients and the text fallback."""

from __future__ import annotations

from typing import Any

import pytest

from fhir_mappings.facts import Agent, MatchMethod, MedicationMatch, Route
from fhir_mappings.read.medications import (
    dose_form_of,
    identify_medication,
    quantity_mg,
    route_of_match,
    strength_from_name,
    strength_is_per_ml,
)

RX = "http://www.nlm.nih.gov/research/umls/rxnorm"


def _rx(code: str, display: str | None = None) -> dict[str, Any]:
    coding: dict[str, Any] = {"system": RX, "code": code}
    if display:
        coding["display"] = display
    return {"coding": [coding]}


def _request(**fields: Any) -> dict[str, Any]:
    return {"resourceType": "MedicationRequest", "id": "r1", **fields}


MEDICATION = {
    "resourceType": "Medication",
    "id": "m1",
    "code": _rx("616435"),
}


class TestCoding:
    @pytest.mark.parametrize(
        ("code", "agent", "strength"),
        [
            ("200060", Agent.MYCOPHENOLATE_MOFETIL, 500.0),
            ("68149", Agent.MYCOPHENOLATE_MOFETIL, None),
            ("3002", Agent.CYCLOPHOSPHAMIDE, None),
            ("197388", Agent.AZATHIOPRINE, 50.0),
        ],
    )
    def test_rxnorm_coding(self, code: str, agent: Agent, strength: float | None) -> None:
        """An RxNorm coding at any level identifies the agent by CODING."""
        match = identify_medication(_request(medicationCodeableConcept=_rx(code)), {})
        assert match is not None
        assert (match.agent, match.method, match.code, match.strength_mg) == (
            agent,
            MatchMethod.CODING,
            code,
            strength,
        )

    def test_ingredient_code_takes_strength_from_text(self) -> None:
        """An ingredient code with text "... 500 mg tablet" reads the strength from the text."""
        concept = {**_rx("68149"), "text": "mycophenolate mofetil 500 mg tablet"}
        match = identify_medication(_request(medicationCodeableConcept=concept), {})
        assert match is not None
        assert (match.strength_mg, match.dose_form) == (500.0, "tablet")

    def test_dose_form_code_reads_strength_from_text(self) -> None:
        """A dose-form concept (SCDF) keeps its form and takes the strength from the text."""
        concept = {**_rx("370656"), "text": "Hydroxychloroquine 200 mg tablet"}
        match = identify_medication(_request(medicationCodeableConcept=concept), {})
        assert match is not None
        assert (match.agent, match.strength_mg, match.dose_form) == (
            Agent.HYDROXYCHLOROQUINE,
            200.0,
            "tablet",
        )

    def test_unknown_rxnorm_code_falls_back_to_text(self) -> None:
        """An RxNorm code not in the table falls back to the display text."""
        concept = _rx("999999", "tacrolimus 1 MG Oral Capsule")
        match = identify_medication(_request(medicationCodeableConcept=concept), {})
        assert match is not None
        assert (match.agent, match.method, match.strength_mg) == (
            Agent.TACROLIMUS,
            MatchMethod.TEXT,
            1.0,
        )

    def test_other_system_display_is_text(self) -> None:
        """A coding from another system with a display is matched as text."""
        concept = {
            "coding": [{"system": "http://snomed.info/sct", "code": "1", "display": "Prograf"}]
        }
        match = identify_medication(_request(medicationCodeableConcept=concept), {})
        assert match is not None
        assert (match.agent, match.method) == (Agent.TACROLIMUS, MatchMethod.TEXT)

    def test_not_a_lupus_drug(self) -> None:
        """An unrelated drug gives None."""
        concept = _rx("197361", "amlodipine 5 MG Oral Tablet")
        assert identify_medication(_request(medicationCodeableConcept=concept), {}) is None


class TestReference:
    def test_contained(self) -> None:
        """'#id' resolves to a contained Medication, matched by REFERENCE."""
        resource = _request(
            contained=[{"resourceType": "Medication", "id": "x", "code": _rx("199058")}],
            medicationReference={"reference": "#x"},
        )
        match = identify_medication(resource, {})
        assert match is not None
        assert (match.method, match.strength_mg, match.dose_form) == (
            MatchMethod.REFERENCE,
            250.0,
            "capsule",
        )

    def test_contained_picks_by_id(self) -> None:
        """Among several contained resources the one with the referenced id is used."""
        resource = _request(
            contained=[
                {"resourceType": "Medication", "id": "a", "code": _rx("197388")},
                {"resourceType": "Medication", "id": "b", "code": _rx("197550")},
            ],
            medicationReference={"reference": "#b"},
        )
        match = identify_medication(resource, {})
        assert match is not None
        assert match.agent is Agent.CYCLOPHOSPHAMIDE

    def test_contained_missing(self) -> None:
        """A '#id' with no such contained resource falls back to the reference display."""
        resource = _request(medicationReference={"reference": "#nope", "display": "Imuran 50 mg"})
        match = identify_medication(resource, {})
        assert match is not None
        assert (match.agent, match.method) == (Agent.AZATHIOPRINE, MatchMethod.TEXT)

    @pytest.mark.parametrize(
        "reference",
        [
            "Medication/m1",
            "https://ehr.example/fhir/Medication/m1",
            "https://ehr.example/fhir/Medication/m1/_history/2",
        ],
    )
    def test_prefetched(self, reference: str) -> None:
        """Relative and absolute references resolve against medications_by_ref."""
        resource = _request(medicationReference={"reference": reference})
        match = identify_medication(resource, {"Medication/m1": MEDICATION})
        assert match is not None
        assert (match.agent, match.method, match.code) == (
            Agent.MYCOPHENOLATE_MOFETIL,
            MatchMethod.REFERENCE,
            "616435",
        )

    def test_unresolved_reference(self) -> None:
        """A reference that cannot be resolved and has no display gives None."""
        resource = _request(medicationReference={"reference": "Medication/zz"})
        assert identify_medication(resource, {}) is None

    def test_ingredient_with_strength(self) -> None:
        """A Medication known only by its ingredient gets the ingredient's strength and form."""
        medication = {
            "resourceType": "Medication",
            "id": "m2",
            "code": {"text": "house formulary item 44"},
            "form": {"text": "Oral Tablet"},
            "ingredient": [
                {"itemCodeableConcept": {"text": "lactose"}},
                {
                    "itemCodeableConcept": _rx("68149"),
                    "strength": {
                        "numerator": {"value": 0.5, "code": "g"},
                        "denominator": {"value": 1, "code": "{tbl}"},
                    },
                },
            ],
        }
        resource = _request(medicationReference={"reference": "Medication/m2"})
        match = identify_medication(resource, {"Medication/m2": medication})
        assert match is not None
        assert (match.agent, match.method, match.strength_mg, match.dose_form) == (
            Agent.MYCOPHENOLATE_MOFETIL,
            MatchMethod.REFERENCE,
            500.0,
            "tablet",
        )

    def test_ingredient_by_text(self) -> None:
        """An ingredient known only by name is matched; strength without denominator is per unit."""
        medication = {
            "resourceType": "Medication",
            "ingredient": [
                {
                    "itemCodeableConcept": {"text": "Azathioprine"},
                    "strength": {"numerator": {"value": 50, "unit": "mg"}},
                }
            ],
        }
        resource = _request(medicationReference={"reference": "Medication/m3"})
        match = identify_medication(resource, {"Medication/m3": medication})
        assert match is not None
        assert (match.agent, match.strength_mg) == (Agent.AZATHIOPRINE, 50.0)

    @pytest.mark.parametrize(
        "strength",
        [
            {"numerator": {"value": 50, "unit": "mg"}, "denominator": {"value": 0}},
            {"numerator": {"value": 50, "unit": "mL"}},
        ],
    )
    def test_ingredient_strength_unusable(self, strength: dict[str, Any]) -> None:
        """A zero denominator or a non-mass numerator gives no strength."""
        medication = {
            "resourceType": "Medication",
            "ingredient": [{"itemCodeableConcept": {"text": "Azathioprine"}, "strength": strength}],
        }
        resource = _request(medicationReference={"reference": "Medication/m3"})
        match = identify_medication(resource, {"Medication/m3": medication})
        assert match is not None
        assert match.strength_mg is None

    def test_strength_only_from_matching_ingredient(self) -> None:
        """An excipient's strength is never taken as the drug's strength."""
        medication = {
            "resourceType": "Medication",
            "code": {"text": "CellCept"},
            "ingredient": [
                {
                    "itemCodeableConcept": {"text": "lactose"},
                    "strength": {"numerator": {"value": 50, "unit": "mg"}},
                }
            ],
        }
        resource = _request(medicationReference={"reference": "Medication/c"})
        match = identify_medication(resource, {"Medication/c": medication})
        assert match is not None
        assert (match.agent, match.strength_mg) == (Agent.MYCOPHENOLATE_MOFETIL, None)

    def test_medication_text_only(self) -> None:
        """A Medication whose code is text only is matched by name, method REFERENCE."""
        medication = {"resourceType": "Medication", "code": {"text": "Lupkynis 7.9 mg capsule"}}
        resource = _request(medicationReference={"reference": "Medication/v"})
        match = identify_medication(resource, {"Medication/v": medication})
        assert match is not None
        assert (match.agent, match.method, match.strength_mg) == (
            Agent.VOCLOSPORIN,
            MatchMethod.REFERENCE,
            7.9,
        )

    def test_unknown_medication_falls_back_to_display(self) -> None:
        """An unrecognisable Medication falls back to the reference display."""
        medication = {"resourceType": "Medication", "code": {"text": "something"}}
        resource = _request(medicationReference={"reference": "Medication/v", "display": "Gazyva"})
        match = identify_medication(resource, {"Medication/v": medication})
        assert match is not None
        assert (match.agent, match.method) == (Agent.OBINUTUZUMAB, MatchMethod.TEXT)

    def test_r5_codeable_reference(self) -> None:
        """An R5-style ``medication.concept`` is read too."""
        resource = _request(medication={"concept": _rx("197550")})
        match = identify_medication(resource, {})
        assert match is not None
        assert match.agent is Agent.CYCLOPHOSPHAMIDE


class TestHelpers:
    def test_non_mapping_resource(self) -> None:
        """A non-dict resource gives None."""
        assert identify_medication([], {}) is None  # type: ignore[arg-type]

    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("mycophenolate mofetil 200 MG/ML Oral Suspension", (200.0, True)),
            ("Prograf 0.5 mg", (0.5, False)),
            ("1 g vial", (1000.0, False)),
            ("no strength", (None, False)),
            (None, (None, False)),
        ],
    )
    def test_strength_from_name(
        self, text: str | None, expected: tuple[float | None, bool]
    ) -> None:
        """The first strength in a name is read, per mL when written /ML."""
        assert strength_from_name(text) == expected

    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("Oral Tablet", ("tablet", Route.ORAL)),
            ("200 MG/ML Auto-Injector", ("auto-injector", Route.SUBCUTANEOUS)),
            ("Intravenous Solution", ("injection", Route.INTRAVENOUS)),
            ("Injection", ("injection", Route.UNKNOWN)),
            ("cream", (None, Route.UNKNOWN)),
            (None, (None, Route.UNKNOWN)),
        ],
    )
    def test_dose_form(self, text: str | None, expected: tuple[str | None, Route]) -> None:
        """Dose-form words give the form and the route they imply."""
        assert dose_form_of(text) == expected

    @pytest.mark.parametrize(
        ("quantity", "expected"),
        [
            ({"value": 1, "code": "g"}, 1000.0),
            ({"value": 250, "unit": "mcg"}, 0.25),
            ({"value": 2, "code": "{tbl}"}, None),
            ({"value": "2", "code": "mg"}, None),
            ({}, None),
        ],
    )
    def test_quantity_mg(self, quantity: dict[str, Any], expected: float | None) -> None:
        """Mass quantities convert to mg; anything else gives None."""
        assert quantity_mg(quantity) == expected

    @pytest.mark.parametrize(
        ("match", "route", "per_ml"),
        [
            (
                MedicationMatch(
                    Agent.RITUXIMAB, MatchMethod.CODING, "1657865", None, 10, "injection"
                ),
                Route.INTRAVENOUS,
                True,
            ),
            (
                MedicationMatch(
                    Agent.TACROLIMUS, MatchMethod.CODING, "42316", "tacrolimus", None, None
                ),
                Route.UNKNOWN,
                False,
            ),
            (
                MedicationMatch(Agent.TACROLIMUS, MatchMethod.TEXT, None, "x", 1, "capsule"),
                Route.ORAL,
                False,
            ),
            (
                MedicationMatch(
                    Agent.BELIMUMAB,
                    MatchMethod.TEXT,
                    None,
                    "Benlysta 200 MG/ML Auto-Injector",
                    200,
                    "auto-injector",
                ),
                Route.SUBCUTANEOUS,
                True,
            ),
        ],
    )
    def test_route_and_per_ml(self, match: MedicationMatch, route: Route, per_ml: bool) -> None:
        """Route and per-mL strength come from the RxNorm row, else from the name."""
        assert (route_of_match(match), strength_is_per_ml(match)) == (route, per_ml)
