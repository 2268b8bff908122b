"""read.facts: one patient's resources -> ``PatientFacts``, the reading stage as one call.

What each reader contributes to the facts is tested with that reader; here: how the
stage wires them (the day, the patient, the Medications referenced, the body size
that turns mg/m2 into mg, the gaps and exclusions), and EHR shapes that reach a
reader only through the whole stage (Epic's US Core birth sex, Cerner's coded
pregnancy answers beside local codes, statuses coded more than once).
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from fhir_mappings.facts import Agent, Analyte, Certainty, SafetyKind, Sex
from fhir_mappings.facts import TestResult as Result  # aliased: pytest collects Test* names
from fhir_mappings.read.facts import build_facts, medications_by_reference
from fhir_mappings.resources import DataGap, PatientResources
from tests.support import ehr

from ._builders import CYC, MMF_500, RULESET, TODAY, Chart

Json = dict[str, Any]
SNOMED = ehr.SNOMED
LOINC = ehr.LOINC
INTERPRETATION = "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation"
BIRTHSEX = "http://hl7.org/fhir/us/core/StructureDefinition/us-core-birthsex"


def _facts(*items: Json, gaps: tuple[DataGap, ...] = ()) -> Any:
    resources = PatientResources.from_resources(items, gaps=gaps)
    return build_facts(resources, today=TODAY, ruleset=RULESET)


class TestBuildFacts:
    def test_the_day_and_the_patient(self) -> None:
        """The facts are as of the evaluation date, for the Patient's id."""
        facts = _facts(ehr.patient("p7"), ehr.ln_snomed(onset="2025-01-10"))
        assert (facts.today, facts.patient_id, facts.has_lupus_nephritis) == (TODAY, "p7", True)
        assert facts.safety.patient is not None
        assert facts.safety.patient.sex is Sex.FEMALE

    def test_no_patient_resource(self) -> None:
        """Without a Patient the facts have no patient id and no patient record."""
        facts = _facts()
        assert (facts.patient_id, facts.safety.patient, facts.has_lupus_nephritis) == (
            None,
            None,
            False,
        )
        assert (facts.treatment.lines, facts.exposure, facts.biopsies) == ((), (), ())

    def test_weight_and_height_turn_mg_per_m2_into_mg(self) -> None:
        """An NIH-type order in mg/m2 is dosed in mg with the BSA from the latest weight
        and height."""
        chart = Chart().pulses(CYC, 60, 2, every=28, per_m2=750, mg=None)
        chart.add(ehr.weight("w", chart.on(70), 70), ehr.height("h", chart.on(70), 170))
        facts = chart.facts()
        assert (facts.weight_kg, facts.height_cm) == (70.0, 170.0)
        assert facts.body_surface_area_m2 is not None
        (order,) = facts.treatment.orders
        assert order.dose_per_m2_mg == 750.0
        assert order.dose_mg == pytest.approx(750 * facts.body_surface_area_m2)

    def test_gaps_and_exclusions_are_gathered(self) -> None:
        """The gathering step's gaps are kept; every reader's exclusions are listed."""
        gap = DataGap("MedicationDispense", "this FHIR server does not provide it")
        draft = ehr.observation(
            "o1", "2890-2", "2026-01-02", 1.2, "g/g", code="g/g", status="preliminary"
        )
        facts = _facts(draft, gaps=(gap,))
        assert facts.gaps == (gap,)
        assert facts.gap("MedicationDispense") is gap
        assert facts.gap("Observation") is None
        assert [e.source_id for e in facts.excluded] == ["Observation/o1"]

    def test_unidentified_medications_reach_the_treatment(self) -> None:
        """A request whose Medication was not returned is listed on the treatment."""
        request = ehr.med_request("r1", "2026-01-05", reference="Medication/missing")
        facts = _facts(request)
        assert [(u.source_id, u.reference) for u in facts.treatment.unidentified] == [
            ("MedicationRequest/r1", "Medication/missing")
        ]


class TestMedicationsByReference:
    def test_keyed_by_reference_first_id_wins(self) -> None:
        """Medications are keyed "Medication/<id>"; the first of a duplicate id wins, and
        one without an id cannot be referred to."""
        first = ehr.medication("m1", MMF_500)
        again = {"resourceType": "Medication", "id": "m1", "code": {"text": "other"}}
        no_id = {"resourceType": "Medication", "code": {"text": "CellCept"}}
        resources = PatientResources(medications=(first, again, no_id))
        assert medications_by_reference(resources) == {"Medication/m1": first}

    def test_an_epic_referenced_medication(self) -> None:
        """An Epic request pointing to a Medication read beside it is identified by it."""
        chart = Chart().add(ehr.medication("m1", MMF_500))
        chart.add(
            ehr.med_request(
                "r1",
                chart.on(90),
                reference="Medication/m1",
                dosage=[ehr.timed_dose(2, code="BID")],
            )
        )
        (order,) = chart.history().orders
        assert (order.medication.agent, order.daily_dose_mg) == (
            Agent.MYCOPHENOLATE_MOFETIL,
            2000.0,
        )

    def test_an_order_without_an_id_has_no_source(self) -> None:
        """An order whose id is not a string cannot be cited: its source id is None."""
        request = ehr.med_request("r1", "2026-01-05", concept=MMF_500)
        request["id"] = 17
        (order,) = _facts(request).treatment.orders
        assert order.source_id is None


class TestRecordShapes:
    @pytest.mark.parametrize(
        ("extensions", "sex"),
        [
            ([{"url": BIRTHSEX, "valueCode": "M"}], Sex.MALE),
            ([{"url": BIRTHSEX}, {"url": BIRTHSEX, "valueCoding": {"code": "F"}}], Sex.FEMALE),
            ([{"url": BIRTHSEX, "valueCode": "  "}], Sex.UNKNOWN),
        ],
        ids=["birth-sex", "first-without-a-code", "blank-code"],
    )
    def test_us_core_birth_sex_when_gender_is_unknown(
        self, extensions: list[Json], sex: Sex
    ) -> None:
        """With gender "unknown", the US Core birth sex extension that has a code gives the
        sex; one without a code is passed over."""
        patient = {**ehr.patient(), "gender": "unknown", "extension": extensions}
        facts = _facts(patient)
        assert facts.safety.patient is not None
        assert facts.safety.patient.sex is sex

    def test_a_verification_status_coded_twice(self) -> None:
        """A verificationStatus whose first coding has no code is read from the next one."""
        condition = ehr.condition(
            "c1",
            coding=[{"system": SNOMED, "code": "77386006", "display": "Pregnant"}],
            text="Pregnant",
            onset="2026-04-01",
        )
        condition["verificationStatus"] = {
            "coding": [
                {"system": ehr.VERIFICATION},
                {"system": ehr.VERIFICATION, "code": "provisional"},
            ]
        }
        (event,) = _facts(condition).safety.of_kind(SafetyKind.PREGNANCY)
        assert event.certainty is Certainty.POSSIBLE

    @pytest.mark.parametrize(
        ("value", "result"),
        [
            (
                {
                    "valueCodeableConcept": {
                        "coding": [
                            {"system": "urn:oid:2.16.840.1.113883.6.1000", "code": "POS1"},
                            {"system": SNOMED, "code": "10828004"},
                        ]
                    }
                },
                Result.POSITIVE,
            ),
            (
                {"valueCodeableConcept": {"text": "see below"}, "valueString": "Negative"},
                Result.NEGATIVE,
            ),
            (
                {
                    "interpretation": [
                        {
                            "coding": [
                                {"system": "urn:oid:1.2.3", "code": "P"},
                                {"system": INTERPRETATION, "code": "POS"},
                            ]
                        }
                    ]
                },
                Result.POSITIVE,
            ),
        ],
        ids=["local-code-then-snomed", "text-without-answer-then-string", "interpretation"],
    )
    def test_pregnancy_test_answers_beside_local_codes(self, value: Json, result: Result) -> None:
        """A urine hCG whose first answer is a local code or a text that says nothing is
        read from the answer beside it."""
        test = {
            "resourceType": "Observation",
            "id": "t1",
            "status": "final",
            "code": {"coding": [{"system": LOINC, "code": "2106-3"}]},
            "effectiveDateTime": "2026-05-02T09:00:00Z",
            **value,
        }
        (found,) = _facts(test).safety.pregnancy_tests
        assert (found.result, found.when) == (result, date(2026, 5, 2))

    def test_an_unreadable_result_keeps_its_day(self) -> None:
        """A UPCR reported as text only ("<0.1") is unreadable but dated: its day is kept."""
        upcr = ehr.observation("u1", "2890-2", "2026-05-20", value_string="<0.1")
        (unreadable,) = _facts(upcr).labs.unreadable
        assert (unreadable.analyte, unreadable.day) == (Analyte.UPCR, date(2026, 5, 20))

    def test_a_computed_ratio_too_large_for_a_number_is_not_formed(self) -> None:
        """Urine protein and creatinine of one sample whose ratio overflows a float give
        no computed UPCR."""
        protein = ehr.observation("p", "2888-6", "2026-05-20", 1e308, "mg/dL", code="mg/dL")
        creatinine = ehr.observation("c", "2161-8", "2026-05-20", 1e-9, "mg/dL", code="mg/dL")
        assert _facts(protein, creatinine).labs.get(Analyte.UPCR).points == ()
