"""Generate the synthetic demo patients shipped in ``cds_service/demo_data/``.

Usage: ``python scripts/make_demo_patients.py [--out DIR]``

Each patient is one FHIR R4 ``collection`` Bundle (``<slug>.json``); ``index.json``
records the anchor date the absolute dates were written against and the card topics
each patient is expected to raise. ``cds_service.demo`` shifts every date by
``today - anchor`` when it loads a bundle, so the demo tells the same story on any day.

All patients are invented. The shapes vary on purpose, as real EHR data does: UPCR in
g/g, mg/g or mg/mmol, 24 h protein, creatinine in mg/dL or umol/L; medications coded
by RxNorm ingredient, as text only, or through a contained Medication; dosage timing as
frequency/period or as a timing code; dose in mg or in tablets.

Codes (source beside each):
* LOINC 2890-2 UPCR, 2889-4 24 h protein, 2160-0 / 14682-9 creatinine, 98979-8 eGFR
  (CKD-EPI 2021). 29463-7 body weight and
  8302-2 body height: public FHIR examples (e.g. MII and US Core style vital signs).
* RxNorm 68149 mycophenolate mofetil, 3002 cyclophosphamide, 42316 tacrolimus, 121191
  rituximab, 5521 hydroxychloroquine (the project's RxNorm table).
* ICD-10-CM M32.14 "Glomerular disease in systemic lupus erythematosus", SNOMED CT
  197608009 (lupus nephritis). SLE without nephritis: SNOMED CT
  55464009 "Systemic lupus erythematosus" and ICD-10-CM M32.9 (public code tables).
* Kidney biopsy: CPT 50200 and SNOMED CT 708940003 "Image-guided percutaneous biopsy
  of kidney".
* Safety context: SNOMED CT 77386006 "Pregnant", ICD-10-CM Z33.1 "Pregnant state,
  incidental", LOINC 2106-3 urine hCG with SNOMED CT 10828004 "Positive", ICD-10-CM Z99.2
  "Dependence on renal dialysis", SNOMED CT 302497006 "Hemodialysis"; LOINC 72667-9 MPA
  trough. Every code is in the project's tables (``fhir_mappings.codes``), with its source
  in ``docs/clinical-sources.md``.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from fhir_mappings.findings import Topic

#: The evaluation day the absolute dates are written against (stored in index.json).
ANCHOR = date(2026, 6, 30)
OUT_DIR = Path(__file__).resolve().parents[1] / "cds_service" / "demo_data"
FULL_URL_BASE = "https://example.org/fhir"

LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
SNOMED = "http://snomed.info/sct"
ICD10CM = "http://hl7.org/fhir/sid/icd-10-cm"
CPT = "http://www.ama-assn.org/go/cpt"
OBS_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
COND_CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"
COND_VERIFICATION = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
GTS_ABBREVIATION = "http://terminology.hl7.org/CodeSystem/v3-GTSAbbreviation"

#: (LOINC code, display) per lab kind.
LABS: dict[str, tuple[str, str]] = {
    "upcr": ("2890-2", "Protein/Creatinine [Mass Ratio] in Urine"),
    "protein24h": ("2889-4", "Protein [Mass/time] in 24 hour Urine"),
    "creatinine_mass": ("2160-0", "Creatinine [Mass/volume] in Serum or Plasma"),
    "creatinine_molar": ("14682-9", "Creatinine [Moles/volume] in Serum or Plasma"),
    "egfr": ("98979-8", "Glomerular filtration rate/1.73 sq M.predicted (CKD-EPI 2021)"),
    "weight": ("29463-7", "Body weight"),
    "height": ("8302-2", "Body height"),
    "mpa_trough": ("72667-9", "Mycophenolate [Mass/volume] in Serum or Plasma --trough"),
    "hcg_urine": ("2106-3", "Choriogonadotropin (pregnancy test) [Presence] in Urine"),
}
#: Creatinine mg/dL -> umol/L (x 88.4, as ``fhir_mappings.read.units``).
CREATININE_UMOL_PER_MG_DL = 88.4

#: (RxNorm ingredient, display).
DRUGS: dict[str, tuple[str, str]] = {
    "mmf": ("68149", "mycophenolate mofetil"),
    "cyc": ("3002", "cyclophosphamide"),
    "tac": ("42316", "tacrolimus"),
    "hcq": ("5521", "hydroxychloroquine"),
    "rtx": ("121191", "rituximab"),
}

LN_CODINGS = (
    (ICD10CM, "M32.14", "Glomerular disease in systemic lupus erythematosus"),
    (SNOMED, "197608009", "Lupus nephritis"),
)
SLE_CODINGS = (
    (SNOMED, "55464009", "Systemic lupus erythematosus"),
    (ICD10CM, "M32.9", "Systemic lupus erythematosus, unspecified"),
)
PREGNANCY_CODINGS = (
    (SNOMED, "77386006", "Pregnant"),
    (ICD10CM, "Z33.1", "Pregnant state, incidental"),
)
DIALYSIS_DEPENDENCE_CODINGS = ((ICD10CM, "Z99.2", "Dependence on renal dialysis"),)
HAEMODIALYSIS_CODINGS = ((SNOMED, "302497006", "Hemodialysis"),)
BIOPSY_CODINGS = (
    (CPT, "50200", "Renal biopsy; percutaneous, by trocar or needle"),
    (SNOMED, "708940003", "Image-guided percutaneous biopsy of kidney"),
)


def day(offset: int) -> str:
    """The date ``offset`` days from the anchor (negative: before)."""
    return (ANCHOR + timedelta(days=offset)).isoformat()


def instant(offset: int, hour: int = 9) -> str:
    return f"{day(offset)}T{hour:02d}:00:00Z"


def concept(codings: Sequence[tuple[str, str, str]], text: str | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "coding": [{"system": s, "code": c, "display": d} for s, c, d in codings]
    }
    if text:
        out["text"] = text
    return out


def mg(value: float) -> dict[str, Any]:
    return {"value": value, "unit": "mg", "system": UCUM, "code": "mg"}


def tablets(value: float) -> dict[str, Any]:
    return {"value": value, "unit": "tablet", "system": UCUM, "code": "{tablet}"}


@dataclass
class Patient:
    """Collects one synthetic patient's resources."""

    slug: str
    title: str
    name: tuple[str, str]
    gender: str
    birth: str
    expected: tuple[str, ...]
    expected_show_status: tuple[str, ...]
    resources: list[dict[str, Any]] = field(default_factory=list)
    counter: int = 0

    @property
    def pid(self) -> str:
        return f"ln-demo-{self.slug}"

    @property
    def subject(self) -> dict[str, str]:
        return {"reference": f"Patient/{self.pid}"}

    def next_id(self, kind: str) -> str:
        self.counter += 1
        return f"{self.pid}-{kind}-{self.counter}"

    def add(self, resource: dict[str, Any]) -> dict[str, Any]:
        self.resources.append(resource)
        return resource

    # --- resources -------------------------------------------------------------------

    def patient(self) -> None:
        family, given = self.name
        self.add(
            {
                "resourceType": "Patient",
                "id": self.pid,
                "name": [{"family": family, "given": [given]}],
                "gender": self.gender,
                "birthDate": self.birth,
            }
        )

    def condition(self, codings: Sequence[tuple[str, str, str]], onset: int, text: str) -> None:
        self.add(
            {
                "resourceType": "Condition",
                "id": self.next_id("cond"),
                "clinicalStatus": concept([(COND_CLINICAL, "active", "Active")]),
                "verificationStatus": concept([(COND_VERIFICATION, "confirmed", "Confirmed")]),
                "code": concept(codings, text),
                "subject": self.subject,
                "onsetDateTime": day(onset),
                "recordedDate": day(onset),
            }
        )

    def lab(self, kind: str, offset: int, value: float, unit: str, ucum: str) -> None:
        code, display = LABS[kind]
        category = "vital-signs" if kind in ("weight", "height") else "laboratory"
        self.add(
            {
                "resourceType": "Observation",
                "id": self.next_id("obs"),
                "status": "final",
                "category": [concept([(OBS_CATEGORY, category, category.title())])],
                "code": concept([(LOINC, code, display)]),
                "subject": self.subject,
                "effectiveDateTime": instant(offset, 8),
                "valueQuantity": {"value": value, "unit": unit, "system": UCUM, "code": ucum},
            }
        )

    def upcr(self, offset: int, value: float, unit: str) -> None:
        self.lab("upcr", offset, value, unit, unit)

    def creatinine(self, offset: int, mg_dl: float, *, molar: bool = False) -> None:
        if molar:
            umol = round(mg_dl * CREATININE_UMOL_PER_MG_DL)
            self.lab("creatinine_molar", offset, umol, "umol/L", "umol/L")
        else:
            self.lab("creatinine_mass", offset, mg_dl, "mg/dL", "mg/dL")

    def egfr(self, offset: int, value: float) -> None:
        self.lab("egfr", offset, value, "mL/min/1.73m2", "mL/min/{1.73_m2}")

    def body(self, offset: int, kg: float, cm: float) -> None:
        self.lab("weight", offset, kg, "kg", "kg")
        self.lab("height", offset, cm, "cm", "cm")

    def procedure(self, codings: Sequence[tuple[str, str, str]], offset: int, text: str) -> None:
        self.add(
            {
                "resourceType": "Procedure",
                "id": self.next_id("proc"),
                "status": "completed",
                "code": concept(codings, text),
                "subject": self.subject,
                "performedDateTime": instant(offset, 7),
            }
        )

    def coded_result(self, kind: str, offset: int, answer: tuple[str, str, str]) -> None:
        code, display = LABS[kind]
        self.add(
            {
                "resourceType": "Observation",
                "id": self.next_id("obs"),
                "status": "final",
                "category": [concept([(OBS_CATEGORY, "laboratory", "Laboratory")])],
                "code": concept([(LOINC, code, display)]),
                "subject": self.subject,
                "effectiveDateTime": instant(offset, 8),
                "valueCodeableConcept": concept([answer], answer[2]),
            }
        )

    def biopsy(self, offset: int) -> None:
        self.add(
            {
                "resourceType": "Procedure",
                "id": self.next_id("proc"),
                "status": "completed",
                "code": concept(BIOPSY_CODINGS, "Percutaneous kidney biopsy"),
                "subject": self.subject,
                "performedDateTime": instant(offset, 11),
            }
        )

    def order(
        self,
        medication: dict[str, Any],
        start: int,
        dosage: dict[str, Any],
        *,
        status: str = "active",
        end: int | None = None,
    ) -> str:
        """A MedicationRequest; ``medication`` holds medication[x] (and ``contained``)."""
        rid = self.next_id("medreq")
        bounds = {"start": day(start)} | ({"end": day(end)} if end is not None else {})
        timing = dosage.setdefault("timing", {})
        timing.setdefault("repeat", {})["boundsPeriod"] = bounds
        self.add(
            {
                "resourceType": "MedicationRequest",
                "id": rid,
                **medication,
                "status": status,
                "intent": "order",
                "subject": self.subject,
                "authoredOn": day(start),
                "dosageInstruction": [dosage],
            }
        )
        return rid

    def fills(
        self,
        medication: dict[str, Any],
        request_id: str,
        offsets: Sequence[int],
        quantity: dict[str, Any],
        days_supply: int = 30,
    ) -> None:
        for offset in offsets:
            self.add(
                {
                    "resourceType": "MedicationDispense",
                    "id": self.next_id("disp"),
                    **medication,
                    "status": "completed",
                    "subject": self.subject,
                    "authorizingPrescription": [{"reference": f"MedicationRequest/{request_id}"}],
                    "quantity": quantity,
                    "daysSupply": {
                        "value": days_supply,
                        "unit": "day",
                        "system": UCUM,
                        "code": "d",
                    },
                    "whenHandedOver": instant(offset, 15),
                }
            )

    def administration(
        self, medication: dict[str, Any], request_id: str, offset: int, dose: float
    ) -> None:
        self.add(
            {
                "resourceType": "MedicationAdministration",
                "id": self.next_id("admin"),
                **medication,
                "status": "completed",
                "subject": self.subject,
                "effectiveDateTime": instant(offset, 10),
                "request": {"reference": f"MedicationRequest/{request_id}"},
                "dosage": {"route": {"text": "intravenous"}, "dose": mg(dose)},
            }
        )

    def bundle(self) -> dict[str, Any]:
        return {
            "resourceType": "Bundle",
            "id": self.pid,
            "type": "collection",
            "entry": [
                {"fullUrl": f"{FULL_URL_BASE}/{r['resourceType']}/{r['id']}", "resource": r}
                for r in self.resources
            ],
        }


# --- medication shapes ------------------------------------------------------------------


def coded(drug: str, text: str | None = None) -> dict[str, Any]:
    code, display = DRUGS[drug]
    return {"medicationCodeableConcept": concept([(RXNORM, code, display)], text)}


def text_only(text: str) -> dict[str, Any]:
    return {"medicationCodeableConcept": {"text": text}}


def contained_mmf_500() -> dict[str, Any]:
    code, display = DRUGS["mmf"]
    return {
        "contained": [
            {
                "resourceType": "Medication",
                "id": "mmf500",
                "code": concept(
                    [(RXNORM, code, display)], "mycophenolate mofetil 500 mg oral tablet"
                ),
                "form": {"text": "tablet"},
                "ingredient": [
                    {
                        "itemCodeableConcept": concept([(RXNORM, code, display)]),
                        "strength": {"numerator": mg(500), "denominator": tablets(1)},
                    }
                ],
            }
        ],
        "medicationReference": {"reference": "#mmf500", "display": "mycophenolate mofetil 500 mg"},
    }


def per_day(dose: dict[str, Any], times: int, text: str, route: str = "oral") -> dict[str, Any]:
    return {
        "text": text,
        "timing": {"repeat": {"frequency": times, "period": 1, "periodUnit": "d"}},
        "route": {"text": route},
        "doseAndRate": [{"doseQuantity": dose}],
    }


def bid_code(dose: dict[str, Any], text: str) -> dict[str, Any]:
    return {
        "text": text,
        "timing": {
            "code": {"coding": [{"system": GTS_ABBREVIATION, "code": "BID"}], "text": "twice a day"}
        },
        "route": {"text": "oral"},
        "doseAndRate": [{"doseQuantity": dose}],
    }


def monthly(start: int, until: int = -1) -> list[int]:
    """Fill days every 30 days from ``start`` up to ``until``."""
    return list(range(start, until + 1, 30))


# --- the patients ------------------------------------------------------------------------


def refractory() -> Patient:
    p = Patient(
        "a-refractory",
        "Refractory on MMF 3 g/day for 8 months, adherent",
        ("Alvarez", "Maria"),
        "female",
        "1992-03-14",
        ("refractory", "therapy-switch"),
        ("refractory", "therapy-switch"),
    )
    p.patient()
    p.condition(LN_CODINGS, -262, "Lupus nephritis, ISN/RPS class IV")
    p.biopsy(-262)
    p.body(-250, 68, 165)
    med = coded("mmf", "mycophenolate mofetil 500 mg tablet")
    rid = p.order(med, -240, per_day(mg(1500), 2, "1500 mg twice daily"))
    p.fills(med, rid, monthly(-240, -20), tablets(180))
    for offset, value in ((-245, 3.1), (-150, 2.6), (-90, 2.4), (-30, 2.3), (-5, 2.2)):
        p.upcr(offset, value, "g/g")
    for offset, value in ((-245, 1.0), (-150, 1.02), (-90, 1.05), (-5, 1.04)):
        p.creatinine(offset, value)
    p.egfr(-245, 74)
    p.egfr(-5, 71)
    return p


def under_dosed() -> Patient:
    p = Patient(
        "b-under-dosed",
        "MMF 2 g/day for 7 months without response, adherent",
        ("Baptiste", "Chloe"),
        "female",
        "1996-11-02",
        ("refractory", "dose-review"),
        ("refractory", "dose-review"),
    )
    p.patient()
    p.condition(LN_CODINGS[:1], -225, "Lupus nephritis class III")
    p.biopsy(-225)
    p.body(-215, 59, 161)
    med = text_only("CellCept 500 mg tablet")
    rid = p.order(med, -210, bid_code(tablets(2), "2 tablets (1000 mg) twice a day"))
    p.fills(med, rid, monthly(-210, -20), tablets(120))
    for offset, value in ((-214, 2800.0), (-120, 2600.0), (-60, 2500.0), (-7, 2400.0)):
        p.upcr(offset, value, "mg/g")
    for offset, value in ((-214, 0.9), (-120, 0.92), (-7, 0.93)):
        p.creatinine(offset, value, molar=True)
    return p


def non_adherent() -> Patient:
    p = Patient(
        "c-non-adherent",
        "MMF 3 g/day for 7 months, large gaps between fills",
        ("Chen", "Li"),
        "female",
        "1999-06-21",
        ("adherence", "repeat-biopsy"),
        ("adherence", "repeat-biopsy"),
    )
    p.patient()
    p.condition(LN_CODINGS, -220, "Lupus nephritis class IV")
    p.biopsy(-220)
    p.body(-212, 54, 158)
    med = contained_mmf_500()
    rid = p.order(med, -210, per_day(tablets(3), 2, "3 tablets (1500 mg) twice daily"))
    p.fills(med, rid, (-210, -150, -90, -40), tablets(180))
    for offset, value in ((-212, 350.0), (-120, 330.0), (-60, 325.0), (-10, 320.0)):
        p.upcr(offset, value, "mg/mmol")
    p.lab("protein24h", -100, 3.8, "g/24h", "g/(24.h)")
    for offset, value in ((-212, 1.1), (-120, 1.12), (-10, 1.15)):
        p.creatinine(offset, value)
    p.egfr(-10, 66)
    return p


def early_worsening() -> Patient:
    p = Patient(
        "d-early-worsening",
        "Started MMF 2 months ago, eGFR down and creatinine up > 30 %",
        ("Diallo", "Aminata"),
        "female",
        "1988-01-30",
        ("renal-worsening",),
        ("renal-worsening",),
    )
    p.patient()
    p.condition(LN_CODINGS[1:], -70, "Lupus nephritis class IV")
    p.biopsy(-70)
    p.body(-62, 81, 172)
    med = coded("mmf")
    rid = p.order(med, -60, per_day(mg(1500), 2, "1500 mg twice daily"))
    p.fills(med, rid, monthly(-60, -20), tablets(180))
    for offset, value in ((-62, 4.2), (-30, 4.0), (-3, 4.1)):
        p.upcr(offset, value, "g/g")
    for offset, value in ((-62, 0.9), (-30, 1.1), (-17, 1.3), (-3, 1.35)):
        p.creatinine(offset, value)
    p.egfr(-62, 88)
    p.egfr(-17, 58)
    p.egfr(-3, 55)
    return p


def cni_response() -> Patient:
    p = Patient(
        "e-cni-response",
        "Multitarget MMF 1 g/day + tacrolimus 4 mg/day, UPCR 4 -> 0.3 g/g",
        ("Eriksen", "Ingrid"),
        "female",
        "1990-09-09",
        ("cni-caveat",),
        ("cni-caveat", "response-status"),
    )
    p.patient()
    p.condition(LN_CODINGS, -215, "Lupus nephritis class V + IV")
    p.biopsy(-215)
    p.body(-203, 63, 168)
    mmf = coded("mmf", "mycophenolate mofetil 500 mg tablet")
    tac = coded("tac", "tacrolimus 1 mg capsule")
    mmf_id = p.order(mmf, -200, per_day(mg(500), 2, "500 mg twice daily"))
    tac_id = p.order(tac, -200, per_day(mg(2), 2, "2 mg twice daily"))
    p.fills(mmf, mmf_id, monthly(-200, -20), tablets(60))
    p.fills(
        tac,
        tac_id,
        monthly(-200, -20),
        {"value": 120, "unit": "capsule", "system": UCUM, "code": "{capsule}"},
    )
    for offset, value in ((-203, 4.0), (-140, 1.2), (-80, 0.5), (-8, 0.3)):
        p.upcr(offset, value, "g/g")
    for offset, value in ((-203, 0.8), (-140, 0.85), (-8, 0.84)):
        p.creatinine(offset, value)
    return p


def data_gap() -> Patient:
    p = Patient(
        "f-data-gap",
        "On MMF for 5 months, no baseline proteinuria and none since the start",
        ("Fofana", "Awa"),
        "female",
        "2001-04-18",
        ("data-gap",),
        ("data-gap",),
    )
    p.patient()
    p.condition(LN_CODINGS, -160, "Lupus nephritis class III")
    p.biopsy(-160)
    p.body(-155, 57, 160)
    med = coded("mmf")
    rid = p.order(med, -150, per_day(mg(1500), 2, "1500 mg twice daily"))
    p.fills(med, rid, monthly(-150, -20), tablets(180))
    # The only UPCR is from the diagnostic work-up a year before: no baseline (none in
    # the weeks before the start) and none since the start -> not assessable.
    p.upcr(-420, 3.5, "g/g")
    for offset, value in ((-155, 0.95), (-90, 0.97), (-14, 0.96)):
        p.creatinine(offset, value)
    return p


def responder() -> Patient:
    p = Patient(
        "g-responder",
        "MMF 3 g/day, complete response at 5 months",
        ("Garcia", "Sofia"),
        "female",
        "1994-12-05",
        (),
        ("response-status",),
    )
    p.patient()
    p.condition(LN_CODINGS, -190, "Lupus nephritis class IV")
    p.biopsy(-190)
    p.body(-183, 66, 163)
    med = coded("mmf", "mycophenolate mofetil 500 mg tablet")
    rid = p.order(med, -180, per_day(mg(1500), 2, "1500 mg twice daily"))
    p.fills(med, rid, monthly(-180, -20), tablets(180))
    for offset, value in ((-183, 3.2), (-120, 1.5), (-60, 0.6), (-30, 0.4), (-2, 0.35)):
        p.lab("protein24h", offset, value, "g/24h", "g/(24.h)")
    for offset, value in ((-183, 0.9), (-120, 0.88), (-30, 0.86)):
        p.creatinine(offset, value)
    p.egfr(-30, 92)
    return p


def no_ln() -> Patient:
    p = Patient(
        "h-no-ln",
        "SLE without nephritis, on hydroxychloroquine",
        ("Hassan", "Leila"),
        "female",
        "1985-07-27",
        (),
        (),
    )
    p.patient()
    p.condition(SLE_CODINGS, -900, "Systemic lupus erythematosus")
    p.body(-40, 70, 166)
    med = coded("hcq", "hydroxychloroquine sulfate 200 mg tablet")
    rid = p.order(med, -800, per_day(mg(200), 2, "200 mg twice daily"))
    p.fills(med, rid, monthly(-180, -20), tablets(60))
    p.upcr(-40, 0.08, "g/g")
    p.creatinine(-40, 0.75)
    return p


def refractory_cyclophosphamide() -> Patient:
    p = Patient(
        "i-refractory-cyclophosphamide",
        "Euro-Lupus IV cyclophosphamide 7 months ago, repeat biopsy done",
        ("Ivanova", "Daria"),
        "female",
        "1991-02-11",
        ("refractory", "therapy-switch"),
        ("refractory", "therapy-switch"),
    )
    p.patient()
    p.condition(LN_CODINGS, -225, "Lupus nephritis class IV")
    p.biopsy(-225)
    p.body(-215, 72, 170)
    med = coded("cyc", "cyclophosphamide 500 mg injection")
    dosage = {
        "text": "500 mg IV every 2 weeks x 6 (Euro-Lupus)",
        "timing": {"repeat": {"count": 6, "frequency": 1, "period": 2, "periodUnit": "wk"}},
        "route": {"text": "intravenous"},
        "doseAndRate": [{"doseQuantity": mg(500)}],
    }
    rid = p.order(med, -210, dosage, status="completed", end=-140)
    for offset in range(-210, -139, 14):
        p.administration(med, rid, offset, 500)
    p.biopsy(-30)
    for offset, value in (
        (-213, 3500.0),
        (-150, 3000.0),
        (-90, 2800.0),
        (-35, 2700.0),
        (-6, 2650.0),
    ):
        p.upcr(offset, value, "mg/g")
    for offset, value in ((-213, 1.2), (-150, 1.25), (-90, 1.22), (-6, 1.24)):
        p.creatinine(offset, value, molar=True)
    p.egfr(-6, 58)
    return p


def added_therapy() -> Patient:
    p = Patient(
        "j-added-therapy",
        "MMF 3 g/day for 14 months, belimumab added 8 months ago: judged from the add-on",
        ("Jensen", "Sofie"),
        "female",
        "1987-05-19",
        ("refractory", "therapy-switch"),
        ("refractory", "therapy-switch"),
    )
    p.patient()
    p.condition(LN_CODINGS, -440, "Lupus nephritis class IV")
    p.biopsy(-440)
    p.body(-430, 64, 168)
    mmf = coded("mmf", "mycophenolate mofetil 500 mg tablet")
    rid = p.order(mmf, -425, per_day(mg(1500), 2, "1500 mg twice daily"))
    p.fills(mmf, rid, monthly(-425, -20), tablets(180))
    bel = text_only("Benlysta (belimumab) 400 mg IV")
    p.order(bel, -243, {"text": "10 mg/kg IV every 4 weeks", "route": {"text": "intravenous"}})
    for offset in range(-243, -10, 28):
        p.add(
            {
                "resourceType": "MedicationAdministration",
                "id": p.next_id("admin"),
                **bel,
                "status": "completed",
                "subject": p.subject,
                "effectiveDateTime": instant(offset, 10),
                "dosage": {"route": {"text": "intravenous"}, "dose": mg(640)},
            }
        )
    for offset, value in (
        (-428, 4.0),
        (-300, 3.4),
        (-250, 3.3),
        (-150, 3.1),
        (-60, 3.0),
        (-8, 2.9),
    ):
        p.upcr(offset, value, "g/g")
    for offset, value in ((-428, 0.95), (-250, 0.97), (-8, 0.98)):
        p.creatinine(offset, value)
    p.egfr(-8, 79)
    return p


def flare() -> Patient:
    p = Patient(
        "k-flare",
        "Complete response at 8 months, maintenance MMF 2 g/day, proteinuria rising again",
        ("Kowalski", "Anna"),
        "female",
        "1990-12-01",
        ("flare",),
        ("flare",),
    )
    p.patient()
    p.condition(LN_CODINGS, -720, "Lupus nephritis class IV")
    p.biopsy(-720)
    p.body(-700, 61, 163)
    mmf = coded("mmf", "mycophenolate mofetil 500 mg tablet")
    rid = p.order(
        mmf, -700, per_day(mg(1500), 2, "1500 mg twice daily"), status="completed", end=-400
    )
    p.fills(mmf, rid, monthly(-700, -410), tablets(180))
    rid = p.order(mmf, -400, per_day(mg(1000), 2, "1000 mg twice daily"))
    p.fills(mmf, rid, monthly(-400, -20), tablets(120))
    for offset, value in (
        (-705, 3.8),
        (-550, 1.2),
        (-460, 0.4),
        (-300, 0.3),
        (-150, 0.35),
        (-40, 1.3),
        (-6, 1.6),
    ):
        p.upcr(offset, value, "g/g")
    for offset, value in ((-705, 1.0), (-460, 0.9), (-40, 0.95), (-6, 0.97)):
        p.creatinine(offset, value)
    return p


def low_exposure() -> Patient:
    p = Patient(
        "l-low-exposure",
        "MMF 3 g/day for 8 months, refills on time, MPA trough 1.4 mg/L",
        ("Lindqvist", "Eva"),
        "female",
        "1985-08-08",
        ("dose-review", "repeat-biopsy"),
        ("dose-review", "repeat-biopsy"),
    )
    p.patient()
    p.condition(LN_CODINGS, -260, "Lupus nephritis class III")
    p.biopsy(-260)
    p.body(-250, 58, 160)
    mmf = coded("mmf", "mycophenolate mofetil 500 mg tablet")
    rid = p.order(mmf, -245, per_day(mg(1500), 2, "1500 mg twice daily"))
    p.fills(mmf, rid, monthly(-245, -20), tablets(180))
    for offset, value in ((-250, 3.4), (-150, 3.2), (-90, 3.2), (-8, 3.1)):
        p.upcr(offset, value, "g/g")
    for offset, value in ((-250, 0.8), (-90, 0.82), (-8, 0.83)):
        p.creatinine(offset, value)
    p.lab("mpa_trough", -20, 1.4, "mg/L", "mg/L")
    return p


def late_worsening() -> Patient:
    p = Patient(
        "m-late-worsening",
        "MMF 3 g/day for 5 months, creatinine up 60 % in months 4-5",
        ("Moreau", "Lucie"),
        "female",
        "1994-04-04",
        ("renal-worsening",),
        ("renal-worsening",),
    )
    p.patient()
    p.condition(LN_CODINGS, -170, "Lupus nephritis class IV")
    p.biopsy(-170)
    p.body(-160, 66, 170)
    mmf = coded("mmf", "mycophenolate mofetil 500 mg tablet")
    rid = p.order(mmf, -155, per_day(mg(1500), 2, "1500 mg twice daily"))
    p.fills(mmf, rid, monthly(-155, -20), tablets(180))
    for offset, value in ((-158, 3.0), (-90, 2.6), (-10, 2.7)):
        p.upcr(offset, value, "g/g")
    for offset, value in ((-158, 0.9), (-90, 0.95), (-30, 1.45), (-5, 1.44)):
        p.creatinine(offset, value)
    return p


def pregnant() -> Patient:
    p = Patient(
        "n-pregnant",
        "Pregnant (positive test 5 weeks ago) on MMF 2 g/day without response",
        ("Nakamura", "Yui"),
        "female",
        "1995-02-17",
        ("pregnancy", "refractory"),
        ("pregnancy", "refractory"),
    )
    p.patient()
    p.condition(LN_CODINGS, -240, "Lupus nephritis class IV")
    p.biopsy(-240)
    p.body(-230, 60, 162)
    mmf = coded("mmf", "mycophenolate mofetil 500 mg tablet")
    rid = p.order(mmf, -225, per_day(mg(1000), 2, "1000 mg twice daily"))
    p.fills(mmf, rid, monthly(-225, -20), tablets(120))
    p.coded_result("hcg_urine", -35, (SNOMED, "10828004", "Positive"))
    p.condition(PREGNANCY_CODINGS, -33, "Pregnancy, 9 weeks")
    for offset, value in ((-228, 3.0), (-120, 2.8), (-60, 2.8), (-7, 2.7)):
        p.upcr(offset, value, "g/g")
    for offset, value in ((-228, 0.8), (-60, 0.8), (-7, 0.78)):
        p.creatinine(offset, value)
    return p


def on_dialysis() -> Patient:
    p = Patient(
        "o-on-dialysis",
        "Lupus nephritis on haemodialysis three times a week",
        ("Okafor", "Grace"),
        "female",
        "1979-10-10",
        ("not-applicable",),
        ("not-applicable",),
    )
    p.patient()
    p.condition(LN_CODINGS, -1500, "Lupus nephritis class IV")
    p.condition(DIALYSIS_DEPENDENCE_CODINGS, -200, "Dependence on renal dialysis")
    mmf = coded("mmf", "mycophenolate mofetil 500 mg tablet")
    p.order(mmf, -300, per_day(mg(500), 2, "500 mg twice daily"))
    for offset in range(-60, 0, 3):
        if offset % 7 not in (2, 5):
            p.procedure(HAEMODIALYSIS_CODINGS, offset, "Haemodialysis session")
    for offset, value in ((-300, 3.5), (-150, 3.2), (-10, 3.4)):
        p.upcr(offset, value, "g/g")
    for offset, value in ((-300, 4.2), (-150, 5.8), (-10, 6.4)):
        p.creatinine(offset, value)
    p.egfr(-10, 8)
    return p


BUILDERS = (
    refractory,
    under_dosed,
    non_adherent,
    early_worsening,
    cni_response,
    data_gap,
    responder,
    no_ln,
    refractory_cyclophosphamide,
    added_therapy,
    flare,
    low_exposure,
    late_worsening,
    pregnant,
    on_dialysis,
)


def in_card_order(topics: Sequence[str]) -> list[str]:
    """Topics in card order (the order of ``fhir_mappings.findings.Topic``)."""
    order = {topic.value: i for i, topic in enumerate(Topic)}
    return sorted(topics, key=lambda t: order[t])


def write_all(out_dir: Path) -> list[Path]:
    """Write every bundle and ``index.json`` into ``out_dir``; return the paths written."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    index: list[dict[str, Any]] = []
    for build in BUILDERS:
        patient = build()
        path = out_dir / f"{patient.slug}.json"
        path.write_text(json.dumps(patient.bundle(), indent=1, ensure_ascii=False) + "\n")
        written.append(path)
        index.append(
            {
                "slug": patient.slug,
                "file": path.name,
                "patient_id": patient.pid,
                "title": patient.title,
                "expected_topics": in_card_order(patient.expected),
                "expected_topics_show_status": in_card_order(patient.expected_show_status),
            }
        )
    index_path = out_dir / "index.json"
    document = {
        "anchor": ANCHOR.isoformat(),
        "note": "Dates in the bundles are absolute relative to 'anchor'; the demo shifts "
        "them by (today - anchor). expected_topics: default settings; "
        "expected_topics_show_status: with LNCDS_SHOW_STATUS_CARD on (as the demo runs).",
        "patients": index,
    }
    index_path.write_text(json.dumps(document, indent=1, ensure_ascii=False) + "\n")
    written.append(index_path)
    return written


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--out", type=Path, default=OUT_DIR, help="output directory")
    args = parser.parse_args(argv)
    for path in write_all(args.out):
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
