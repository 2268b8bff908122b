"""fhir_mappings.pipeline: resources -> facts -> findings, end to end, under a named ruleset."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

import fhir_mappings
from fhir_mappings.facts import Agent, LineRole
from fhir_mappings.findings import ActionKind, ResponseClass, Topic
from fhir_mappings.pipeline import assess, build_facts, medications_by_reference
from fhir_mappings.resources import PatientResources
from tests.support.fhir import observation, ucum

START = date(2025, 11, 2)
TODAY = date(2026, 6, 30)  # 7.9 months after START
SUBJECT = {"reference": "Patient/p1"}
LOINC = "http://loinc.org"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"


def _obs(n: int, code: str, when: date, value: float, unit: str) -> dict[str, Any]:
    """A lab result at 08:00 UTC on ``when``."""
    return observation(
        code, id=f"obs-{n}", when=f"{when.isoformat()}T08:00:00Z", value=ucum(value, unit)
    )


def _mmf(daily_mg: float) -> dict[str, Any]:
    return {
        "resourceType": "MedicationRequest",
        "id": "mr-1",
        "medicationReference": {"reference": "Medication/mmf"},
        "status": "active",
        "intent": "order",
        "subject": SUBJECT,
        "authoredOn": START.isoformat(),
        "dosageInstruction": [
            {
                "timing": {
                    "repeat": {
                        "frequency": 2,
                        "period": 1,
                        "periodUnit": "d",
                        "boundsPeriod": {"start": START.isoformat()},
                    }
                },
                "route": {"text": "oral"},
                "doseAndRate": [
                    {
                        "doseQuantity": {
                            "value": daily_mg / 2,
                            "unit": "mg",
                            "system": "http://unitsofmeasure.org",
                            "code": "mg",
                        }
                    }
                ],
            }
        ],
    }


MEDICATION = {
    "resourceType": "Medication",
    "id": "mmf",
    "code": {"coding": [{"system": RXNORM, "code": "68149", "display": "mycophenolate mofetil"}]},
}


def _fills(daily_mg: float) -> list[dict[str, Any]]:
    tablets = daily_mg / 500 * 30
    return [
        {
            "resourceType": "MedicationDispense",
            "id": f"md-{i}",
            "medicationReference": {"reference": "Medication/mmf"},
            "status": "completed",
            "subject": SUBJECT,
            "authorizingPrescription": [{"reference": "MedicationRequest/mr-1"}],
            "quantity": {"value": tablets, "unit": "tablet"},
            "daysSupply": {
                "value": 30,
                "unit": "day",
                "system": "http://unitsofmeasure.org",
                "code": "d",
            },
            "whenHandedOver": f"{(START + timedelta(days=30 * i)).isoformat()}T15:00:00Z",
        }
        for i in range(8)
    ]


def patient(
    *, daily_mg: float = 3000.0, ln: bool = True, latest_upcr: float = 2.2, dispenses: bool = True
) -> PatientResources:
    resources: list[dict[str, Any]] = [
        {"resourceType": "Patient", "id": "p1"},
        MEDICATION,
        _mmf(daily_mg),
        _obs(1, "2890-2", START - timedelta(days=5), 3.1, "g/g"),
        _obs(2, "2890-2", date(2026, 3, 1), 2.6, "g/g"),
        _obs(3, "2890-2", date(2026, 6, 25), latest_upcr, "g/g"),
        _obs(4, "2160-0", START - timedelta(days=5), 1.0, "mg/dL"),
        _obs(5, "2160-0", date(2026, 6, 25), 1.04, "mg/dL"),
    ]
    if ln:
        resources.append(
            {
                "resourceType": "Condition",
                "id": "c1",
                "clinicalStatus": {
                    "coding": [
                        {
                            "system": "http://terminology.hl7.org/CodeSystem/condition-clinical",
                            "code": "active",
                        }
                    ]
                },
                "verificationStatus": {
                    "coding": [
                        {
                            "system": "http://terminology.hl7.org/CodeSystem/condition-ver-status",
                            "code": "confirmed",
                        }
                    ]
                },
                "code": {
                    "coding": [{"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "M32.14"}]
                },
                "subject": SUBJECT,
            }
        )
    if dispenses:
        resources.extend(_fills(daily_mg))
    return PatientResources.from_resources(resources)


class TestBuildFacts:
    def test_facts_from_resources(self) -> None:
        """Patient id, LN, labs and the current line (MMF via medicationReference) are read."""
        facts = build_facts(patient(), today=TODAY)
        assert facts.patient_id == "p1"
        assert facts.today == TODAY
        assert facts.has_lupus_nephritis
        line = facts.treatment.current
        assert line is not None
        assert line.backbone is not None
        assert line.backbone.agent is Agent.MYCOPHENOLATE_MOFETIL
        assert (line.start, line.clock_start, line.role) == (START, START, LineRole.INDUCTION)
        assert [e.agent for e in facts.exposure] == [Agent.MYCOPHENOLATE_MOFETIL]

    def test_the_ruleset_sets_the_reading_windows(self) -> None:
        """build_facts reads under the named ruleset; an unknown name is refused."""
        assert build_facts(patient(), today=TODAY, ruleset="eular-2019").treatment.current
        with pytest.raises(ValueError, match="valid rulesets"):
            build_facts(patient(), today=TODAY, ruleset="nope")

    def test_no_patient_resource(self) -> None:
        """Without a Patient resource the patient id is None."""
        assert build_facts(PatientResources(), today=TODAY).patient_id is None

    def test_medications_by_reference(self) -> None:
        """Medications are keyed 'Medication/<id>'; ones without an id are skipped."""
        res = PatientResources(medications=(MEDICATION, {"resourceType": "Medication"}))
        assert list(medications_by_reference(res)) == ["Medication/mmf"]


class TestAssess:
    def test_refractory_patient(self) -> None:
        """Adherent, MMF 3 g/day, no response at 8 months: refractory (with its biopsy
        order), switch."""
        result = assess(patient(), today=TODAY)
        assert result.response is not None
        assert result.response.classification is ResponseClass.NONE
        assert [f.topic for f in result.findings] == [Topic.REFRACTORY, Topic.THERAPY_SWITCH]
        assert [a.kind for a in result.findings[0].actions] == [ActionKind.ORDER_KIDNEY_BIOPSY]

    def test_under_dosed_patient(self) -> None:
        """MMF 2 g/day without response: a dose review, and no switch yet."""
        topics = [f.topic for f in assess(patient(daily_mg=2000.0), today=TODAY).findings]
        assert Topic.DOSE_REVIEW in topics
        assert Topic.THERAPY_SWITCH not in topics

    def test_no_dispenses_notes_unknown_adherence(self) -> None:
        """No dispense records: no adherence card, and the cards say adherence is unknown."""
        findings = assess(patient(dispenses=False), today=TODAY).findings
        assert Topic.ADHERENCE not in [f.topic for f in findings]
        assert findings
        note = "Adherence unknown: no dispense records (mycophenolate mofetil)."
        assert all(note in f.notes for f in findings)

    def test_traces_reach_the_assessment(self) -> None:
        """A patient who died: no finding, and the trace is in the assessment."""
        res = patient()
        dead = {**res.patient, "deceasedDateTime": "2026-06-01"} if res.patient else {}
        result = assess(PatientResources.from_resources([dead, *res.all()[1:]]), today=TODAY)
        assert result.findings == ()
        assert [t.rule for t in result.traces] == ["deceased: no cards"]

    def test_responder_status_on_request(self) -> None:
        """A complete responder gets only the status card, and only when asked."""
        res = patient(latest_upcr=0.3)
        assert assess(res, today=TODAY).findings == ()
        shown = assess(res, today=TODAY, show_status=True).findings
        assert [f.topic for f in shown] == [Topic.RESPONSE_STATUS]

    def test_no_lupus_nephritis(self) -> None:
        """Without LN there is no response and no finding."""
        result = assess(patient(ln=False), today=TODAY)
        assert result.response is None
        assert result.findings == ()

    @pytest.mark.parametrize("name", ["kdigo-2024", "kdigo-2012", "eular-2019"])
    def test_ruleset_recorded(self, name: str) -> None:
        """The response records the ruleset it was judged under."""
        result = assess(patient(), today=TODAY, ruleset=name)
        assert result.response is not None
        assert result.response.ruleset == name

    def test_unknown_ruleset(self) -> None:
        """An unknown ruleset name raises ValueError."""
        with pytest.raises(ValueError, match="valid rulesets"):
            assess(patient(), today=TODAY, ruleset="nope")


class TestPackageExports:
    def test_reexports(self) -> None:
        """The package re-exports assess, build_facts, PatientResources, PatientAssessment."""
        assert fhir_mappings.assess is assess
        assert fhir_mappings.build_facts is build_facts
        assert fhir_mappings.PatientResources is PatientResources
        assert set(fhir_mappings.__all__) == {
            "assess",
            "build_facts",
            "PatientResources",
            "PatientAssessment",
        }

    def test_unknown_attribute(self) -> None:
        """Unknown package attributes raise AttributeError."""
        with pytest.raises(AttributeError):
            _ = fhir_mappings.no_such_name
