"""Synthetic long records for the integration tests: years of monthly orders, fills and labs.

``long_record(patient_id, years, today)`` builds one patient's collection Bundle: a lupus
nephritis Condition, a kidney biopsy, and for each month of ``years`` years up to
``today``: one MedicationRequest and one MedicationDispense for each of ``DRUGS``
(``medicationReference`` to a shared Medication) and one Observation for each of
``ANALYTES``. Two records of one patient story with different lengths ("twins") hold
the same resources in their last months, told apart only by the patient id in their
ids and subjects: ``content_key`` strips that, so their look-backs can be compared.

``record_with_order_in_force(patient_id, years, today)`` is a long record of another
story: the mycophenolate order written in its first month is still ``active`` and is the
only order of a lupus nephritis agent, beside the monthly orders and fills of the other
drugs and monthly urine protein/creatinine ratios and serum creatinines.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from fhir_mappings.codes.loinc import PREFETCH_LOINC_CODES
from fhir_mappings.codes.rxnorm import RXNORM_SYSTEM
from tests.support.fhir import observation, quantity, ucum

Json = dict[str, Any]
#: (Medication id, RxNorm code or None, name): eight drugs a patient takes every month.
#: The lupus nephritis drugs carry their codes from ``fhir_mappings.codes.rxnorm``; the
#: others are named by text only.
DRUGS: tuple[tuple[str, str | None, str], ...] = (
    ("lr-mmf", "200060", "mycophenolate mofetil 500 MG Oral Tablet"),
    ("lr-hcq", "979092", "Hydroxychloroquine Sulfate 200 MG Oral Tablet"),
    ("lr-pred", "312615", "predniSONE 20 MG Oral Tablet"),
    ("lr-tac", "1664464", "Tacrolimus 1 MG Extended Release Oral Tablet"),
    ("lr-lis", None, "lisinopril 10 mg tablet"),
    ("lr-ca", None, "calcium carbonate 1250 mg tablet"),
    ("lr-vitd", None, "cholecalciferol 1000 unit tablet"),
    ("lr-ator", None, "atorvastatin 20 mg tablet"),
)
#: Ten laboratory codes of the service's Observation template, drawn every month.
ANALYTES: tuple[str, ...] = tuple(PREFETCH_LOINC_CODES[:10])
#: The drugs of ``DRUGS`` that make lines of therapy (the others are background therapy).
LINE_DRUGS = frozenset({"lr-mmf", "lr-tac"})
#: (LOINC code, UCUM unit, value) of the labs of ``record_with_order_in_force``: urine
#: protein/creatinine ratio and serum creatinine.
RESPONSE_LABS: tuple[tuple[str, str, float], ...] = (
    ("2890-2", "g/g", 0.3),
    ("2160-0", "mg/dL", 0.9),
)


def medications() -> list[Json]:
    """The shared Medication resources the orders and fills reference."""
    out = []
    for mid, code, name in DRUGS:
        concept: Json = {"text": name}
        if code is not None:
            concept["coding"] = [{"system": RXNORM_SYSTEM, "code": code}]
        out.append({"resourceType": "Medication", "id": mid, "code": concept})
    return out


def _months(years: int, today: date) -> list[tuple[int, int]]:
    """(year, month) of the last ``years * 12`` whole months before ``today``, newest first."""
    out = []
    for back in range(1, years * 12 + 1):
        year, month = divmod(today.year * 12 + today.month - 1 - back, 12)
        out.append((year, month + 1))
    return out


def long_record(patient_id: str, years: int, today: date) -> Json:
    """A collection Bundle of one patient's ``years`` years (see module docstring)."""
    subject = {"reference": f"Patient/{patient_id}"}
    entries: list[Json] = [
        {"resourceType": "Patient", "id": patient_id},
        {
            "resourceType": "Condition",
            "id": f"{patient_id}-ln",
            "subject": subject,
            "clinicalStatus": {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/condition-clinical",
                        "code": "active",
                    }
                ]
            },
            "code": {"coding": [{"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "M32.14"}]},
        },
        {
            "resourceType": "Procedure",
            "id": f"{patient_id}-biopsy",
            "subject": subject,
            "status": "completed",
            "code": {"coding": [{"system": "http://www.ama-assn.org/go/cpt", "code": "50200"}]},
            "performedDateTime": "2011-03-01",
        },
    ]
    for year, month in _months(years, today):
        stamp = f"{year:04d}{month:02d}"
        for mid, _, _ in DRUGS:
            reference = {"reference": f"Medication/{mid}"}
            entries.append(
                {
                    "resourceType": "MedicationRequest",
                    "id": f"{patient_id}-mr-{mid}-{stamp}",
                    "status": "completed",
                    "intent": "order",
                    "subject": subject,
                    "medicationReference": reference,
                    "authoredOn": f"{year:04d}-{month:02d}-01",
                }
            )
            entries.append(
                {
                    "resourceType": "MedicationDispense",
                    "id": f"{patient_id}-md-{mid}-{stamp}",
                    "status": "completed",
                    "subject": subject,
                    "medicationReference": reference,
                    "daysSupply": {"value": 30, "unit": "d"},
                    "whenHandedOver": f"{year:04d}-{month:02d}-03T10:00:00Z",
                }
            )
        for code in ANALYTES:
            entries.append(
                observation(
                    code,
                    id=f"{patient_id}-obs-{code}-{stamp}",
                    patient=patient_id,
                    when=f"{year:04d}-{month:02d}-10T08:00:00Z",
                    value=quantity(1.0),
                )
            )
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [{"resource": resource} for resource in entries],
    }


def content_key(resource: Mapping[str, Any], patient_id: str) -> str:
    """``Type/id`` with the patient's id taken out, so twins' resources compare equal."""
    return f"{resource.get('resourceType')}/{str(resource.get('id')).replace(patient_id, '*')}"


def keys(resources: Iterable[Mapping[str, Any]], patient_id: str) -> list[str]:
    return sorted(content_key(resource, patient_id) for resource in resources)


def record_with_order_in_force(patient_id: str, years: int, today: date) -> Json:
    """A collection Bundle whose only lupus nephritis order, mycophenolate mofetil 1 g twice
    a day written in the record's first month, is still active (see module docstring)."""
    subject = {"reference": f"Patient/{patient_id}"}
    months = _months(years, today)
    first_year, first_month = months[-1]
    started = f"{first_year:04d}-{first_month:02d}-01"
    entries = [
        entry["resource"]
        for entry in long_record(patient_id, years, today)["entry"]
        if entry["resource"]["resourceType"] != "Observation"
        and entry["resource"].get("medicationReference", {}).get("reference", "").split("/")[-1]
        not in LINE_DRUGS
    ]
    entries.append(
        {
            "resourceType": "MedicationRequest",
            "id": f"{patient_id}-mr-mmf-in-force",
            "status": "active",
            "intent": "order",
            "subject": subject,
            "medicationReference": {"reference": "Medication/lr-mmf"},
            "authoredOn": started,
            "dosageInstruction": [
                {
                    "timing": {"repeat": {"frequency": 2, "period": 1, "periodUnit": "d"}},
                    "doseAndRate": [
                        {
                            "doseQuantity": {
                                "value": 1000,
                                "unit": "mg",
                                "system": "http://unitsofmeasure.org",
                                "code": "mg",
                            }
                        }
                    ],
                }
            ],
        }
    )
    for year, month in months:
        for code, unit, value in RESPONSE_LABS:
            entries.append(
                observation(
                    code,
                    id=f"{patient_id}-obs-{code}-{year:04d}{month:02d}",
                    patient=patient_id,
                    when=f"{year:04d}-{month:02d}-10T08:00:00Z",
                    value=ucum(value, unit),
                )
            )
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [{"resource": resource} for resource in entries],
    }
