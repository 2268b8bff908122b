"""The patient as a whole person: what the record says beyond lupus nephritis.

These are the facts read from the Patient, Conditions, Procedures and Observations
that decide whether the refractory algorithm may run and which draft orders would
harm: death, pregnancy, kidney failure (dialysis, transplant, kidney failure
diagnoses), serious infection, child-bearing potential. Blood counts and eGFR are lab
series (``LabResults``). Statuses and dates are kept as recorded: whether a fact is
*current* (a pregnancy not ended, a test recent enough) is judged by
``fhir_mappings.rules.safety`` with the ruleset's windows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from fhir_mappings.facts.labs import ExcludedResource


class SafetyKind(StrEnum):
    """What a Condition, Procedure or Observation says about the patient."""

    PREGNANCY = "pregnancy"
    PREGNANCY_ENDED = "pregnancy-ended"  # delivery, miscarriage, termination, postpartum
    KIDNEY_FAILURE = "kidney-failure"  # end-stage kidney disease, CKD stage 5
    DIALYSIS = "dialysis"  # dependence on dialysis, or a dialysis procedure
    KIDNEY_TRANSPLANT = "kidney-transplant"  # transplant status or the procedure
    SERIOUS_INFECTION = "serious-infection"
    NOT_CHILDBEARING = "not-childbearing"  # menopause, hysterectomy, sterilisation


class Certainty(StrEnum):
    """How the record states a fact (FHIR verificationStatus, read for safety)."""

    CONFIRMED = "confirmed"  # confirmed, or no verificationStatus
    POSSIBLE = "possible"  # unconfirmed, provisional or differential


@dataclass(frozen=True, slots=True)
class SafetyEvent:
    """One Condition or Procedure that bears on safety.

    ``start`` is the onset (Condition) or performed date (Procedure), else the
    recorded date; ``end`` the abatement or the end of the performed period (for a
    Procedure, ``procedure`` is True: what it did lasts, e.g. a transplanted kidney).
    ``ongoing`` is False when the record says it is over (a clinicalStatus of
    inactive, remission or resolved, an abatement, or a Procedure, which is an
    event and never ongoing).
    """

    kind: SafetyKind
    source_id: str | None
    system: str
    code: str
    display: str | None
    start: date | None
    end: date | None
    ongoing: bool
    certainty: Certainty
    procedure: bool = False  # recorded as a Procedure (an event done), not a Condition


class TestResult(StrEnum):
    POSITIVE = "positive"
    NEGATIVE = "negative"


@dataclass(frozen=True, slots=True)
class PregnancyTest:
    """A pregnancy test or a recorded pregnancy status, read as positive or negative."""

    when: date
    result: TestResult
    code: str  # the LOINC code
    source_id: str | None
    value_text: str  # what the result said ("Positive", "hCG 1250 IU/L", "Pregnant")


class Sex(StrEnum):
    """Patient.gender (FHIR R4 AdministrativeGender), or US Core birth sex when present."""

    FEMALE = "female"
    MALE = "male"
    OTHER = "other"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class PatientRecord:
    """What the Patient resource says: death, birth date, sex."""

    source_id: str | None
    deceased: bool  # deceasedBoolean true, or a deceasedDateTime
    deceased_on: date | None
    birth_date: date | None
    sex: Sex


@dataclass(frozen=True, slots=True)
class SafetyRecord:
    """Every safety-relevant fact read from the record, and what could not be read.

    ``unknown`` holds caller-safe sentences for parts of the record the gathering step
    could not read (e.g. "dialysis and transplant procedures unknown: this FHIR
    server does not provide Procedure"); the cards state them.
    """

    patient: PatientRecord | None
    events: tuple[SafetyEvent, ...] = ()
    pregnancy_tests: tuple[PregnancyTest, ...] = ()
    unknown: tuple[str, ...] = ()
    excluded: tuple[ExcludedResource, ...] = ()

    def of_kind(self, kind: SafetyKind) -> tuple[SafetyEvent, ...]:
        return tuple(e for e in self.events if e.kind is kind)
