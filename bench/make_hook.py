"""A realistic, deterministic ``patient-view`` hook body for the benchmark.

One invented patient (a seeded ``random.Random``, so the same ``today`` and seed give
the same bytes): lupus nephritis class IV on mycophenolate mofetil, hydroxychloroquine
and prednisone, with ~160 laboratory Observations over a year (weekly-ish visits, mixed
codes and units, as EHR feeds mix them), a year of 30-day MedicationDispenses and
several MedicationRequests, one of them pointing to a Medication resource by reference
(``Medication/<id>``), which the prefetch includes and a FHIR server would have to read.

Every code and unit comes from the project's own sourced tables (``fhir_mappings.codes``
and ``fhir_mappings.read.units``); ``_check_codes`` refuses to build a body with a code those
tables do not know, so the benchmark exercises the real lookups, never the fallbacks.

Usage: ``python bench/make_hook.py [--today YYYY-MM-DD] [--out FILE]`` (prints size).
"""

from __future__ import annotations

import argparse
import random
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson

from fhir_mappings.codes.conditions import LN_ICD10CM, LN_SNOMED
from fhir_mappings.codes.loinc import LOINC_BY_CODE, LOINC_SYSTEM
from fhir_mappings.codes.rxnorm import INGREDIENT_CODES, RXNORM_SYSTEM, product_for_code
from fhir_mappings.facts import Agent, Analyte
from fhir_mappings.read.units import (
    CREATININE_MG_PER_MMOL,
    CREATININE_UMOL_L_PER_MG_DL,
    accepted_units,
)

Json = dict[str, Any]

SERVICE_ID = "lupus-nephritis-refractory"
PATIENT_ID = "bench-ln-0001"
SEED = 20240607
UCUM = "http://unitsofmeasure.org"
OBS_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
COND_CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"


#: LOINC code, unit variants (UCUM code), typical value range at presentation and
#: at one year. Codes: ``fhir_mappings.codes.loinc.LOINC_TABLE`` (sources there);
#: units and factors: ``fhir_mappings.read.units`` (sources there).
@dataclass(frozen=True, slots=True)
class LabKind:
    code: str
    category: str
    units: tuple[tuple[str, float], ...]  # (UCUM unit, factor from the base value)
    start: float  # base-unit value at presentation
    end: float  # base-unit value a year later


#: g/g -> mg/mmol (creatinine 113.12 mg/mmol, ``fhir_mappings.read.units``).
_MG_MMOL = CREATININE_MG_PER_MMOL
_UMOL_L = CREATININE_UMOL_L_PER_MG_DL  # mg/dL -> umol/L

#: UPCR reported in g/g, mg/g or mg/mmol (as labs differ).
_UPCR_UNITS = (("g/g", 1.0), ("mg/g", 1000.0), ("mg/mmol", _MG_MMOL))

# fmt: off
LAB_KINDS: dict[str, LabKind] = {
    # UPCR in g/g, mg/g, mg/mmol; stays high (a non-responder: cards fire)
    "upcr": LabKind("2890-2", "laboratory", _UPCR_UNITS, 3.4, 2.6),
    "upcr_ratio": LabKind("34366-5", "laboratory", (("g/g", 1.0),), 3.3, 2.7),
    "creatinine_mass": LabKind("2160-0", "laboratory", (("mg/dL", 1.0),), 1.1, 1.3),
    "creatinine_molar": LabKind("14682-9", "laboratory", (("umol/L", _UMOL_L),), 1.1, 1.3),
    "egfr": LabKind("98979-8", "laboratory", (("mL/min/{1.73_m2}", 1.0),), 72.0, 60.0),
    "urine_rbc": LabKind("13945-1", "laboratory", (("/[HPF]", 1.0),), 25.0, 12.0),
    "c3": LabKind("4485-9", "laboratory", (("mg/dL", 1.0), ("g/L", 0.01)), 55.0, 80.0),
    "c4": LabKind("4498-2", "laboratory", (("mg/dL", 1.0),), 8.0, 14.0),
    "anti_dsdna": LabKind("33799-8", "laboratory", (("[IU]/mL", 1.0),), 180.0, 90.0),
    "mpa_trough": LabKind("23905-3", "laboratory", (("mg/L", 1.0),), 2.0, 2.4),
    "hcq_level": LabKind("95921-3", "laboratory", (("ng/mL", 1.0),), 700.0, 750.0),
    "weight": LabKind("29463-7", "vital-signs", (("kg", 1.0),), 66.0, 64.0),
    "height": LabKind("8302-2", "vital-signs", (("cm", 1.0),), 165.0, 165.0),
}
# fmt: on
#: What each visit draws (kinds), by visit number modulo 8 (3.5 results a visit).
VISIT_PANELS: tuple[tuple[str, ...], ...] = (
    ("upcr", "creatinine_mass", "egfr", "urine_rbc"),
    ("upcr_ratio", "creatinine_molar", "egfr"),
    ("upcr", "creatinine_mass", "egfr", "c3"),
    ("upcr", "creatinine_molar", "egfr"),
    ("upcr", "creatinine_mass", "egfr", "mpa_trough"),
    ("upcr_ratio", "creatinine_molar", "egfr"),
    ("upcr", "creatinine_mass", "c4", "anti_dsdna"),
    ("upcr", "creatinine_molar", "egfr", "weight", "hcq_level"),
)
#: Days between visits (weekly-ish: 7 to 10).
VISIT_GAPS: tuple[int, ...] = (7, 7, 8, 8, 9, 10)

#: (agent, RxNorm code, strength mg, daily dose mg, units per day) of the regimen;
#: codes from ``fhir_mappings.codes.rxnorm`` (``RXNORM_PRODUCTS``, sources there).
# fmt: off
REGIMEN: tuple[tuple[Agent, str, float, float, int], ...] = (
    (Agent.MYCOPHENOLATE_MOFETIL, "200060", 500, 3000, 6),
    (Agent.HYDROXYCHLOROQUINE, "979092", 200, 400, 2),
    (Agent.PREDNISONE, "312615", 20, 20, 1),
)
# fmt: on


def _check_codes() -> None:
    """Every code and unit used here is one the project's tables know."""
    analytes: dict[str, Analyte] = {}
    for kind in LAB_KINDS.values():
        entry = LOINC_BY_CODE.get(kind.code)
        if entry is None:
            raise ValueError(f"LOINC {kind.code} not in fhir_mappings.codes.loinc")
        analytes[kind.code] = entry.analyte
        known = {unit.lower() for unit in accepted_units(entry.analyte)}
        for unit, _ in kind.units:
            if unit.lower() not in known:
                raise ValueError(f"unit {unit} not accepted for {entry.analyte}")
    for agent, code, *_ in REGIMEN:
        product = product_for_code(code)
        if product is None or product.agent is not agent:
            raise ValueError(f"RxNorm {code} is not {agent} in fhir_mappings.codes.rxnorm")
    if "M32.14" not in LN_ICD10CM or "36402006" not in LN_SNOMED:
        raise ValueError("lupus nephritis codes missing from fhir_mappings.codes.conditions")


def _ref(resource: Json) -> Json:
    return {"reference": f"{resource['resourceType']}/{resource['id']}"}


def _instant(day: date, rng: random.Random) -> str:
    hour, minute = 7 + rng.randrange(5), rng.randrange(60)
    moment = datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)
    return moment.isoformat().replace("+00:00", "Z")


class _Builder:
    def __init__(self, today: date, seed: int) -> None:
        self.today = today
        self.rng = random.Random(seed)
        self.start = today - timedelta(days=365)
        self.subject = {"reference": f"Patient/{PATIENT_ID}"}
        self.counter = 0

    def _id(self, prefix: str) -> str:
        self.counter += 1
        return f"{prefix}-{self.counter:04d}"

    def patient(self) -> Json:
        return {
            "resourceType": "Patient",
            "id": PATIENT_ID,
            "meta": {"versionId": "3", "lastUpdated": f"{self.start.isoformat()}T09:00:00Z"},
            "identifier": [{"system": "urn:oid:2.16.840.1.113883.19.5", "value": "MRN-424242"}],
            "name": [{"use": "official", "family": "Bench", "given": ["Patient"]}],
            "gender": "female",
            "birthDate": "1994-02-17",
        }

    def condition(self) -> Json:
        return {
            "resourceType": "Condition",
            "id": self._id("cond"),
            "clinicalStatus": {"coding": [{"system": COND_CLINICAL, "code": "active"}]},
            "code": {
                "coding": [
                    {"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "M32.14"},
                    {"system": "http://snomed.info/sct", "code": "36402006"},
                ],
                "text": "Lupus nephritis, ISN/RPS class IV",
            },
            "subject": self.subject,
            "onsetDateTime": self.start.isoformat(),
            "recordedDate": self.start.isoformat(),
        }

    def biopsy(self) -> Json:
        return {
            "resourceType": "Procedure",
            "id": self._id("proc"),
            "status": "completed",
            "code": {
                "coding": [{"system": "http://www.ama-assn.org/go/cpt", "code": "50200"}],
                "text": "Percutaneous kidney biopsy",
            },
            "subject": self.subject,
            "performedDateTime": f"{(self.start - timedelta(days=3)).isoformat()}T10:30:00Z",
        }

    def observation(self, kind_name: str, day: date, fraction: float) -> Json:
        kind = LAB_KINDS[kind_name]
        entry = LOINC_BY_CODE[kind.code]
        unit, factor = kind.units[self.rng.randrange(len(kind.units))]
        base = kind.start + (kind.end - kind.start) * fraction
        value = round(base * factor * self.rng.uniform(0.9, 1.1), 2)
        obs_id = self._id("obs")
        return {
            "resourceType": "Observation",
            "id": obs_id,
            "status": "final",
            "category": [{"coding": [{"system": OBS_CATEGORY, "code": kind.category}]}],
            "code": {
                "coding": [{"system": LOINC_SYSTEM, "code": kind.code, "display": entry.display}],
                "text": entry.display,
            },
            "subject": self.subject,
            "effectiveDateTime": _instant(day, self.rng),
            "valueQuantity": {"value": value, "unit": unit, "system": UCUM, "code": unit},
        }

    def observations(self) -> Iterator[Json]:
        day, visit = self.start + timedelta(days=7), 0
        yield self.observation("height", self.start, 0.0)
        while day < self.today:
            fraction = (day - self.start).days / 365
            for kind_name in VISIT_PANELS[visit % len(VISIT_PANELS)]:
                yield self.observation(kind_name, day, fraction)
            visit += 1
            day += timedelta(days=self.rng.choice(VISIT_GAPS))

    def medication(self, code: str) -> Json:
        product = product_for_code(code)
        assert product is not None
        return {
            "resourceType": "Medication",
            "id": f"med-{code}",
            "code": {
                "coding": [{"system": RXNORM_SYSTEM, "code": code, "display": product.name}],
                "text": product.name,
            },
        }

    def _medication_x(self, agent: Agent, code: str, by_reference: bool) -> Json:
        product = product_for_code(code)
        assert product is not None
        if by_reference:
            return {"medicationReference": {"reference": f"Medication/med-{code}"}}
        codings = [{"system": RXNORM_SYSTEM, "code": code, "display": product.name}]
        if agent in INGREDIENT_CODES and INGREDIENT_CODES[agent] != code:
            codings.append({"system": RXNORM_SYSTEM, "code": INGREDIENT_CODES[agent]})
        return {"medicationCodeableConcept": {"coding": codings, "text": product.name}}

    def request(self, agent: Agent, code: str, strength: float, daily: float, per_day: int) -> Json:
        by_reference = agent is Agent.MYCOPHENOLATE_MOFETIL
        dose_units = daily / strength / per_day
        return {
            "resourceType": "MedicationRequest",
            "id": self._id("medreq"),
            "status": "active",
            "intent": "order",
            **self._medication_x(agent, code, by_reference),
            "subject": self.subject,
            "authoredOn": self.start.isoformat(),
            "requester": {"reference": "Practitioner/bench-neph", "display": "Dr Bench"},
            "dosageInstruction": [
                {
                    "text": f"{daily / per_day:g} mg {per_day} times daily",
                    "timing": {
                        "repeat": {
                            "frequency": per_day,
                            "period": 1,
                            "periodUnit": "d",
                            "boundsPeriod": {"start": self.start.isoformat()},
                        }
                    },
                    "route": {"text": "oral"},
                    "doseAndRate": [
                        {
                            "doseQuantity": {
                                "value": dose_units,
                                "unit": "tablet",
                                "system": UCUM,
                                "code": "{tablet}",
                            }
                        }
                    ],
                }
            ],
            "dispenseRequest": {"expectedSupplyDuration": {"value": 30, "code": "d"}},
        }

    def dispense(self, request: Json, units_per_day: int, handed_over: str) -> Json:
        """A 30-day fill of ``request`` (tablets), handed over at ``handed_over``."""
        return {
            "resourceType": "MedicationDispense",
            "id": self._id("disp"),
            "status": "completed",
            **{k: v for k, v in request.items() if k.startswith("medication")},
            "subject": self.subject,
            "authorizingPrescription": [_ref(request)],
            "quantity": {
                "value": 30 * units_per_day,
                "unit": "tablet",
                "system": UCUM,
                "code": "{tablet}",
            },
            "daysSupply": {"value": 30, "unit": "day", "system": UCUM, "code": "d"},
            "whenHandedOver": handed_over,
        }

    def dispenses(self, request: Json, code: str, units_per_day: int) -> Iterator[Json]:
        day = self.start
        while day < self.today:
            yield self.dispense(request, units_per_day, _instant(day, self.rng))
            day += timedelta(days=30 + self.rng.choice((0, 1, 2, 3)))


def _searchset(resources: list[Json], includes: list[Json] = ()) -> Json:  # type: ignore[assignment]
    entries = [{"resource": r, "search": {"mode": "match"}} for r in resources]
    entries += [{"resource": r, "search": {"mode": "include"}} for r in includes]
    return {
        "resourceType": "Bundle",
        "type": "searchset",
        "total": len(resources),
        "entry": entries,
    }


@dataclass(frozen=True, slots=True)
class BenchPatient:
    """The patient's resources by prefetch key (for the hook body and the FHIR stub)."""

    patient: Json
    by_key: dict[str, list[Json]]
    medications: list[Json]  # referenced by MedicationRequest.medicationReference


def build_patient(today: date, seed: int = SEED) -> BenchPatient:
    _check_codes()
    builder = _Builder(today, seed)
    requests: list[Json] = []
    dispenses: list[Json] = []
    medications: list[Json] = []
    for agent, code, strength, daily, per_day in REGIMEN:
        request = builder.request(agent, code, strength, daily, per_day)
        requests.append(request)
        dispenses.extend(builder.dispenses(request, code, per_day))
        if "medicationReference" in request:
            medications.append(builder.medication(code))
    return BenchPatient(
        patient=builder.patient(),
        by_key={
            "conditions": [builder.condition()],
            "observations": sorted(
                builder.observations(), key=lambda o: o["effectiveDateTime"], reverse=True
            ),
            "medicationRequests": requests,
            "medicationDispenses": dispenses,
            "medicationAdministrations": [],
            "medicationStatements": [],
            "procedures": [builder.biopsy()],
        },
        medications=medications,
    )


def build_hook(
    today: date, *, seed: int = SEED, prefetch: bool = True, fhir_server: str | None = None
) -> Json:
    """The bench patient's hook request; with ``prefetch`` every key is filled."""
    return hook_for(
        build_patient(today, seed), seed=seed, prefetch=prefetch, fhir_server=fhir_server
    )


def hook_for(
    data: BenchPatient, *, seed: int = SEED, prefetch: bool = True, fhir_server: str | None = None
) -> Json:
    """The hook request for ``data``; with ``prefetch`` every key is filled (first page
    holds all)."""
    body: Json = {
        "hook": "patient-view",
        "hookInstance": str(uuid.UUID(int=random.Random(seed).getrandbits(128), version=4)),
        "context": {"userId": "Practitioner/bench-neph", "patientId": PATIENT_ID},
    }
    if fhir_server is not None:
        body["fhirServer"] = fhir_server
    if prefetch:
        body["prefetch"] = {"patient": data.patient}
        for key, resources in data.by_key.items():
            includes = data.medications if key == "medicationRequests" else []
            body["prefetch"][key] = _searchset(resources, includes)
    return body


def hook_bytes(
    today: date, *, seed: int = SEED, prefetch: bool = True, fhir_server: str | None = None
) -> bytes:
    return orjson.dumps(build_hook(today, seed=seed, prefetch=prefetch, fhir_server=fhir_server))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--today", type=date.fromisoformat, default=datetime.now(UTC).date())
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    body = hook_bytes(args.today)
    data = build_patient(args.today)
    counts = {key: len(items) for key, items in data.by_key.items()}
    print(
        f"{len(body) / 1024:.1f} KiB; {counts}; medications by reference: {len(data.medications)}"
    )
    if args.out is not None:
        args.out.write_bytes(body)


if __name__ == "__main__":
    main()
