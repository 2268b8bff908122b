"""Long records for the benchmark: the bench patient's story told over 1, 5 or 15 years.

``build_long_patient(today, years)`` gives a ``make_hook.BenchPatient`` with, for every
month of ``years`` years up to ``today``: one MedicationDispense for each of eight
drugs, a MedicationRequest for each every three months (a 90-day order), and ten
laboratory Observations (``LAB_KINDS`` of ``make_hook``: codes and units from the
project's tables). Four drugs are the regimen's (``make_hook.REGIMEN`` plus tacrolimus),
ordered by RxNorm code, mycophenolate by ``medicationReference``; four are other drugs
a patient with lupus nephritis commonly takes, named by text only. A 15-year record
holds about 1,440 fills, 480 orders and 1,800 results; the rules read the last 3 years
of results, 5 of orders and about 1 of fills (``fhir_mappings.lookback``).

Deterministic: a seeded generator, dates relative to ``today``.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from make_hook import REGIMEN, SEED, BenchPatient, _Builder  # (script directory import)

from fhir_mappings.facts import Agent

Json = dict[str, Any]

#: The ten analytes drawn every month (keys of ``make_hook.LAB_KINDS``).
MONTHLY_LABS = (
    "upcr",
    "creatinine_mass",
    "egfr",
    "urine_rbc",
    "c3",
    "c4",
    "anti_dsdna",
    "mpa_trough",
    "hcq_level",
    "weight",
)
#: (agent, RxNorm code, strength mg, daily dose mg, units per day): the regimen and
#: tacrolimus (multitarget), codes from ``fhir_mappings.codes.rxnorm``.
DRUGS = (*REGIMEN, (Agent.TACROLIMUS, "1664464", 1, 4, 4))
#: Other drugs, by text only (no code claimed): (text, units per day).
OTHER_DRUGS = (
    ("lisinopril 10 mg tablet", 1),
    ("atorvastatin 20 mg tablet", 1),
    ("calcium carbonate 1250 mg tablet", 2),
    ("cholecalciferol 1000 unit tablet", 1),
)
ORDER_EVERY_MONTHS = 3


def _month_starts(today: date, years: int) -> list[date]:
    """The first day of each of the last ``years * 12`` months, oldest first."""
    out = []
    for back in range(years * 12, 0, -1):
        year, month = divmod(today.year * 12 + today.month - 1 - back, 12)
        out.append(date(year, month + 1, 1))
    return out


class _LongBuilder(_Builder):
    def __init__(self, today: date, years: int, seed: int) -> None:
        super().__init__(today, seed)
        self.start = _month_starts(today, years)[0]
        self.years = years

    def other_request(self, text: str, per_day: int, day: date) -> Json:
        return {
            "resourceType": "MedicationRequest",
            "id": self._id("medreq"),
            "status": "active" if day + timedelta(days=90) > self.today else "completed",
            "intent": "order",
            "medicationCodeableConcept": {"text": text},
            "subject": self.subject,
            "authoredOn": day.isoformat(),
            "dosageInstruction": [
                {
                    "text": f"{per_day} tablet(s) daily",
                    "timing": {"repeat": {"frequency": per_day, "period": 1, "periodUnit": "d"}},
                }
            ],
        }

    def renew(self, request: Json, day: date) -> None:
        """Date an order of ``make_hook`` (written at the record's start) at ``day``."""
        request["authoredOn"] = day.isoformat()
        request["status"] = "active" if day + timedelta(days=90) > self.today else "completed"
        end = day + timedelta(days=90)
        for dosage in request["dosageInstruction"]:
            dosage["timing"]["repeat"]["boundsPeriod"] = {
                "start": day.isoformat(),
                "end": end.isoformat(),
            }

    def fill(self, request: Json, day: date, units_per_day: int) -> Json:
        handed_over = f"{(day + timedelta(days=2)).isoformat()}T10:00:00Z"
        return self.dispense(request, units_per_day, handed_over)


def build_long_patient(today: date, years: int, seed: int = SEED) -> BenchPatient:
    """The bench patient over ``years`` years (see module docstring)."""
    builder = _LongBuilder(today, years, seed)
    months = _month_starts(today, years)
    requests: list[Json] = []
    dispenses: list[Json] = []
    observations: list[Json] = [builder.observation("height", builder.start, 0.0)]
    medications = [
        builder.medication(code)
        for agent, code, *_ in DRUGS
        if agent is Agent.MYCOPHENOLATE_MOFETIL
    ]
    current: dict[str, tuple[Json, int]] = {}
    for number, month in enumerate(months):
        fraction = number / max(len(months) - 1, 1)
        if number % ORDER_EVERY_MONTHS == 0:
            for agent, code, strength, daily, per_day in DRUGS:
                request = builder.request(agent, code, strength, daily, per_day)
                builder.renew(request, month)
                requests.append(request)
                current[code] = (request, per_day)
            for text, per_day in OTHER_DRUGS:
                request = builder.other_request(text, per_day, month)
                requests.append(request)
                current[text] = (request, per_day)
        for request, per_day in current.values():
            dispenses.append(builder.fill(request, month, per_day))
        visit = month + timedelta(days=9)
        if visit < today:
            observations.extend(builder.observation(kind, visit, fraction) for kind in MONTHLY_LABS)
    return BenchPatient(
        patient=builder.patient(),
        by_key={
            "conditions": [builder.condition()],
            "observations": observations,
            "medicationRequests": requests,
            "medicationDispenses": dispenses,
            "medicationAdministrations": [],
            "medicationStatements": [],
            "procedures": [builder.biopsy()],
        },
        medications=medications,
    )
