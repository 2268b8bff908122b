"""FHIR R4 JSON in the shapes real EHRs send (Epic-like, Cerner/Oracle-like), by hand.

These builders were written from the FHIR R4 specification and the vendors' public
examples, not from the mappers: they exist to show what the mappers do with payloads
they were not designed on. Every builder returns plain JSON dicts.

Codes used (all from the code tables of fhir_mappings.codes, sources in
docs/clinical-sources.md):
LOINC 2890-2 UPCR, 2889-4 protein 24 h urine, 14682-9 creatinine (umol/L), 98979-8 eGFR
CKD-EPI 2021, 95921-3 hydroxychloroquine whole blood, 29463-7 weight, 8302-2 height;
RxNorm 200060 MMF 500 MG Oral Tablet (SCD), 616435 same [Cellcept] (SBD), 3002
cyclophosphamide (IN), 1256 azathioprine (IN); SNOMED CT 197608009 lupus nephritis;
ICD-10-CM M32.14.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from fhir_mappings.resources import PatientResources
from tests.support import fhir

Json = dict[str, Any]

LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
SNOMED = "http://snomed.info/sct"
ICD10CM = "http://hl7.org/fhir/sid/icd-10-cm"
EPIC_LOCAL_LAB = "urn:oid:1.2.840.114350.1.13.0.1.7.2.768282"  # an Epic-style local OID
CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"
VERIFICATION = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
CATEGORY = "http://terminology.hl7.org/CodeSystem/condition-category"
TIMING = "http://terminology.hl7.org/CodeSystem/v3-GTSAbbreviation"

TODAY = date(2026, 6, 1)


def day(offset_days: int, today: date = TODAY) -> str:
    """The ISO date ``offset_days`` from ``today`` (negative: in the past)."""
    return (today + timedelta(days=offset_days)).isoformat()


def months_ago(months: float, today: date = TODAY) -> str:
    """The ISO date ``months`` months (30.4375 days) before ``today``."""
    return day(-round(months * 30.4375), today)


def resources(*items: Json) -> PatientResources:
    """Group resources the way ``cds_service`` does after prefetch."""
    return PatientResources.from_resources(items)


def patient(pid: str = "p1", gender: str = "female") -> Json:
    return {"resourceType": "Patient", "id": pid, "gender": gender, "birthDate": "1992-03-14"}


# --- Conditions ---------------------------------------------------------------------------


def condition(
    cid: str,
    *,
    coding: list[Json] | None = None,
    text: str | None = "Lupus nephritis",
    category: str = "problem-list-item",
    clinical: str | None = "active",
    verification: str | None = "confirmed",
    onset: str | None = None,
) -> Json:
    """A Condition as Epic/Cerner send it (category, clinical and verification status)."""
    code: Json = {}
    if coding is not None:
        code["coding"] = coding
    if text is not None:
        code["text"] = text
    out: Json = {
        "resourceType": "Condition",
        "id": cid,
        "subject": {"reference": "Patient/p1"},
        "category": [{"coding": [{"system": CATEGORY, "code": category}]}],
        "code": code,
        "recordedDate": onset or day(-400),
    }
    if clinical is not None:
        out["clinicalStatus"] = {"coding": [{"system": CLINICAL, "code": clinical}]}
    if verification is not None:
        out["verificationStatus"] = {"coding": [{"system": VERIFICATION, "code": verification}]}
    if onset is not None:
        out["onsetDateTime"] = onset
    return out


def ln_snomed(cid: str = "ln-snomed", **kw: Any) -> Json:
    coding = [{"system": SNOMED, "code": "197608009", "display": "Lupus nephritis"}]
    return condition(cid, coding=coding, **kw)


def ln_icd10(cid: str = "ln-icd", **kw: Any) -> Json:
    coding = [
        {
            "system": ICD10CM,
            "code": "M32.14",
            "display": "Glomerular disease in systemic lupus erythematosus",
        }
    ]
    return condition(cid, coding=coding, category="encounter-diagnosis", **kw)


# --- Observations -------------------------------------------------------------------------


def observation(
    oid: str,
    loinc: str,
    when: str,
    value: float | None = None,
    unit: str | None = None,
    *,
    code: str | None = None,
    comparator: str | None = None,
    value_string: str | None = None,
    status: str = "final",
    local_code: str | None = None,
    timing: str = "effectiveDateTime",
) -> Json:
    """A lab Observation as an EHR sends it: the laboratory category, the LOINC code (after
    Epic's local one when ``local_code`` is given) with the code as text, Central time;
    ``timing`` picks effectiveDateTime / effectivePeriod / issued."""
    codings: list[Json] = []
    if local_code is not None:  # Epic sends its own code beside (here: before) LOINC
        codings.append({"system": EPIC_LOCAL_LAB, "code": local_code, "display": "LOCAL"})
    codings.append({"system": LOINC, "code": loinc})
    stamp = f"{when}T08:30:00-05:00"
    issued = {} if timing == "effectivePeriod" else {"issued": f"{when}T14:02:11.000-05:00"}
    return fhir.observation(
        {"coding": codings, "text": loinc},
        id=oid,
        status=status,
        category="laboratory",
        when=stamp if timing not in ("effectivePeriod", "issued") else None,
        period=(stamp, f"{when}T09:30:00-05:00") if timing == "effectivePeriod" else None,
        value=(
            fhir.quantity(value, unit, code, comparator=comparator)
            if value is not None and value_string is None
            else None
        ),
        value_string=value_string,
        **issued,
    )


def upcr(oid: str, when: str, g_per_g: float, **kw: Any) -> Json:
    """Spot UPCR in g/g (UCUM coded)."""
    return observation(oid, "2890-2", when, g_per_g, "g/g", code="g/g", **kw)


def upcr_mg_mmol(oid: str, when: str, mg_mmol: float, **kw: Any) -> Json:
    """Spot UPCR in mg/mmol (European / Oracle labs)."""
    return observation(oid, "2890-2", when, mg_mmol, "mg/mmol", code="mg/mmol", **kw)


def protein_24h_mg(oid: str, when: str, mg_per_day: float, **kw: Any) -> Json:
    """24 h urine protein in mg/(24.h), the only proteinuria some labs report."""
    return observation(oid, "2889-4", when, mg_per_day, "mg/24 h", code="mg/(24.h)", **kw)


def creatinine_umol(oid: str, when: str, umol_l: float, **kw: Any) -> Json:
    return observation(oid, "14682-9", when, umol_l, "umol/L", code="umol/L", **kw)


def egfr_text_unit(oid: str, when: str, value: float, **kw: Any) -> Json:
    """eGFR whose unit is only the printable text Epic sends (no UCUM code)."""
    return observation(oid, "98979-8", when, value, "mL/min/1.73m2", **kw)


def weight(oid: str, when: str, kg: float) -> Json:
    return observation(oid, "29463-7", when, kg, "kg", code="kg")


def height(oid: str, when: str, cm: float) -> Json:
    return observation(oid, "8302-2", when, cm, "cm", code="cm")


# --- Medications --------------------------------------------------------------------------


def rx_concept(code: str, display: str, text: str | None = None) -> Json:
    return {
        "coding": [{"system": RXNORM, "code": code, "display": display}],
        "text": text or display,
    }


MMF_500_SCD = rx_concept("200060", "mycophenolate mofetil 500 MG Oral Tablet")
MMF_500_SBD = rx_concept(
    "616435", "mycophenolate mofetil 500 MG Oral Tablet [Cellcept]", "CellCept"
)
CYC_IN = rx_concept("3002", "cyclophosphamide")
AZA_IN = rx_concept("1256", "azathioprine")


def medication(mid: str, concept: Json) -> Json:
    """A Medication resource (Epic: ``Medication/<id>`` beside the request, or contained)."""
    return {"resourceType": "Medication", "id": mid, "code": concept}


def timed_dose(
    tablets: float | None = None,
    *,
    mg: float | None = None,
    mg_per_m2: float | None = None,
    code: str | None = "BID",
    text: str | None = None,
    bounds: tuple[str, str | None] | None = None,
    route: str | None = "Oral",
) -> Json:
    """A dosageInstruction: tablets or mg per dose, timing.code BID/TID, or text only."""
    dosage: Json = {}
    if text is not None:
        dosage["text"] = text
    if code is not None or bounds is not None:
        timing: Json = {}
        if code is not None:
            timing["code"] = {"coding": [{"system": TIMING, "code": code}], "text": code}
        if bounds is not None:
            period = {"start": bounds[0]}
            if bounds[1] is not None:
                period["end"] = bounds[1]
            timing["repeat"] = {"boundsPeriod": period}
        dosage["timing"] = timing
    if route is not None:
        dosage["route"] = {"text": route}
    if tablets is not None:
        dose: Json = {"value": tablets, "unit": "tablet", "system": UCUM, "code": "{tbl}"}
    elif mg is not None:
        dose = {"value": mg, "unit": "mg", "system": UCUM, "code": "mg"}
    elif mg_per_m2 is not None:
        dose = {"value": mg_per_m2, "unit": "mg/m2", "system": UCUM, "code": "mg/m2"}
    else:
        return dosage
    dosage["doseAndRate"] = [{"doseQuantity": dose}]
    return dosage


def med_request(
    rid: str,
    authored: str,
    *,
    concept: Json | None = None,
    reference: str | None = None,
    contained: list[Json] | None = None,
    status: str = "active",
    intent: str = "order",
    dosage: list[Json] | None = None,
    supply_days: int | None = None,
    repeats: int | None = None,
) -> Json:
    """A MedicationRequest (medicationCodeableConcept or medicationReference)."""
    out: Json = {
        "resourceType": "MedicationRequest",
        "id": rid,
        "status": status,
        "intent": intent,
        "subject": {"reference": "Patient/p1"},
        "authoredOn": f"{authored}T10:00:00Z",
        "dosageInstruction": dosage or [],
    }
    if concept is not None:
        out["medicationCodeableConcept"] = concept
    if reference is not None:
        out["medicationReference"] = {"reference": reference}
    if contained:
        out["contained"] = contained
    if supply_days is not None:
        dispense: Json = {
            "expectedSupplyDuration": {
                "value": supply_days,
                "unit": "days",
                "system": UCUM,
                "code": "d",
            }
        }
        if repeats is not None:
            dispense["numberOfRepeatsAllowed"] = repeats
        out["dispenseRequest"] = dispense
    return out


def med_statement(
    sid: str,
    start: str,
    text: str,
    *,
    status: str = "active",
    dosage: list[Json] | None = None,
) -> Json:
    """A Cerner-style MedicationStatement with a text-only medicationCodeableConcept."""
    return {
        "resourceType": "MedicationStatement",
        "id": sid,
        "status": status,
        "subject": {"reference": "Patient/p1"},
        "medicationCodeableConcept": {"text": text},
        "effectivePeriod": {"start": f"{start}T00:00:00Z"},
        "dateAsserted": f"{start}T00:00:00Z",
        "dosage": dosage or [],
    }


def administration(
    aid: str,
    when: str,
    concept: Json,
    *,
    value: float,
    unit: str,
    code: str,
    status: str = "completed",
) -> Json:
    """An IV MedicationAdministration (Cerner: dose in g, mg or mg/m2)."""
    return {
        "resourceType": "MedicationAdministration",
        "id": aid,
        "status": status,
        "subject": {"reference": "Patient/p1"},
        "medicationCodeableConcept": concept,
        "effectivePeriod": {"start": f"{when}T09:00:00Z", "end": f"{when}T11:00:00Z"},
        "dosage": {
            "route": {"text": "Intravenous"},
            "dose": {"value": value, "unit": unit, "system": UCUM, "code": code},
        },
    }


def dispense(
    did: str,
    when: str,
    text: str,
    *,
    quantity: float,
    days_supply: float | None = None,
    status: str = "completed",
    tablets_per_day: float | None = None,
) -> Json:
    """A Cerner-style MedicationDispense: ``whenPrepared`` only, daysSupply optional."""
    out: Json = {
        "resourceType": "MedicationDispense",
        "id": did,
        "status": status,
        "subject": {"reference": "Patient/p1"},
        "medicationCodeableConcept": {"text": text},
        "quantity": {"value": quantity, "unit": "tablet", "system": UCUM, "code": "{tbl}"},
        "whenPrepared": f"{when}T12:00:00Z",
    }
    if days_supply is not None:
        out["daysSupply"] = {"value": days_supply, "unit": "day", "system": UCUM, "code": "d"}
    if tablets_per_day is not None:
        out["dosageInstruction"] = [
            {
                "timing": {"repeat": {"frequency": 1, "period": 1, "periodUnit": "d"}},
                "doseAndRate": [
                    {
                        "doseQuantity": {
                            "value": tablets_per_day,
                            "unit": "tablet",
                            "system": UCUM,
                            "code": "{tbl}",
                        }
                    }
                ],
            }
        ]
    return out
