"""Patient, Conditions, Procedures, Observations -> ``SafetyRecord``.

Decisions (the rules in ``fhir_mappings.rules.safety`` rely on them):

* **Recognition.** Codings of ``fhir_mappings.codes.safety`` (SNOMED CT and ICD-10-CM in
  Conditions, SNOMED CT and CPT in Procedures). Only when no coding of a resource is known
  there, the concept text and the coding displays are read (``text_kinds``: negation-aware,
  doubt read as possible); such facts have ``system = "text"`` and the text as ``code``. A
  resource gives one event per kind (the first coding naming it); a code naming two facts
  (T86.13 transplant infection, 236436003 ESRF with a transplant) gives two events.
* **Conditions.** verificationStatus ``refuted`` and ``entered-in-error``: left out, listed
  in ``excluded``. ``unconfirmed``, ``provisional`` and ``differential``: kept with
  ``Certainty.POSSIBLE`` (for safety a suspected pregnancy or infection counts). clinicalStatus
  ``active``, ``recurrence``, ``relapse``: ongoing; ``inactive``, ``remission``, ``resolved``:
  not ongoing (still an event: a past delivery ends a pregnancy). No clinicalStatus: ongoing
  unless an ``abatement[x]`` is present. ``start`` = ``onsetDateTime`` or
  ``onsetPeriod.start``, else ``recordedDate``; ``end`` = ``abatementDateTime`` or
  ``abatementPeriod.end``.
* **Procedures.** ``completed`` (not ongoing) and ``in-progress`` (ongoing: a dialysis under
  way) are kept; every other status is listed in ``excluded``. ``start`` =
  ``performedDateTime`` or ``performedPeriod.start``; ``end`` = ``performedPeriod.end`` (the
  end of the procedure, not of what it did: a transplant lasts). Free text of a Procedure is
  read for a delivery, dialysis, a transplant or a sterilisation only.
* **Pregnancy tests.** Observations coded (LOINC only: 2106-3 is also a race code) with a
  qualitative pregnancy test, a pregnancy status or a quantitative hCG, status ``final``,
  ``amended`` or ``corrected``, dated like every lab (``observations.effective_time``).
  The result is read from the coded value (``codes.safety.PREGNANCY_ANSWERS``), the words of
  a string or the concept text ("positive", "not detected", "not pregnant" ...), a boolean,
  and the interpretation (POS, NEG, DET, ND). A quantitative hCG is read by its number
  alone: >= ``SafetyRule.hcg_positive_min_iu_l`` positive, < ``hcg_negative_below_iu_l`` negative
  (comparators honoured: "<5" is negative, "<10" is neither). Indeterminate, conflicting,
  in-between or unreadable results give no test and are listed in ``excluded``.
* **Unknown.** One caller-safe sentence per ``DataGap`` that hides safety facts (Patient,
  Condition, Procedure, Observation), carrying the gap's own reason.

Never raises on any JSON: every read goes through ``fhir_mappings.read._access``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from fhir_mappings.codes.conditions import TEXT_SYSTEM
from fhir_mappings.codes.loinc import (
    LOINC_SYSTEM,
    LOINC_TABLE,
    PREGNANCY_STATUS_LOINC,
    PREGNANCY_TEST_LOINC_CODES,
)
from fhir_mappings.codes.pregnancy_tests import Reading
from fhir_mappings.codes.safety import (
    CodeMeaning,
    Fact,
    answer_reading,
    canonical_system,
    condition_meaning,
    interpretation_reading,
    procedure_meaning,
    result_words,
    text_kinds,
)
from fhir_mappings.facts import (
    Analyte,
    Certainty,
    ExcludedResource,
    PregnancyTest,
    SafetyEvent,
    SafetyKind,
    SafetyRecord,
    TestResult,
)
from fhir_mappings.read._access import (
    as_dict,
    as_str,
    codings,
    dicts,
    parse_date,
    unique_resources,
)
from fhir_mappings.read.conditions import CURRENT_CLINICAL
from fhir_mappings.read.observations import USABLE_STATUSES, effective_time, read_numeric_value
from fhir_mappings.read.patient import read_patient
from fhir_mappings.read.units import to_canonical
from fhir_mappings.resources import DataGap
from fhir_mappings.rulesets import SafetyRule

#: verificationStatus codes that take a Condition out (FHIR R4 condition-ver-status).
REFUTED_VERIFICATION: frozenset[str] = frozenset({"refuted", "entered-in-error"})
#: verificationStatus codes read as ``Certainty.POSSIBLE``.
DOUBTFUL_VERIFICATION: frozenset[str] = frozenset({"unconfirmed", "provisional", "differential"})
#: clinicalStatus codes that say the condition is over (FHIR R4 condition-clinical).
ENDED_CLINICAL: frozenset[str] = frozenset({"inactive", "remission", "resolved"})
#: Procedure statuses kept, and whether they make the event ongoing (FHIR R4 EventStatus).
PROCEDURE_STATUSES: Mapping[str, bool] = {"completed": False, "in-progress": True}
#: Kinds a Procedure's free text may name (a procedure is no diagnosis).
PROCEDURE_TEXT_KINDS: frozenset[SafetyKind] = frozenset(
    {
        SafetyKind.PREGNANCY_ENDED,
        SafetyKind.DIALYSIS,
        SafetyKind.KIDNEY_TRANSPLANT,
        SafetyKind.NOT_CHILDBEARING,
    }
)
#: What a gap in each resource type hides, for ``SafetyRecord.unknown``.
GAP_HIDES: Mapping[str, str] = {
    "Patient": "Death, birth date and sex",
    "Condition": (
        "Pregnancy, kidney failure, dialysis, transplant, infection and menopause diagnoses"
    ),
    "Procedure": "Dialysis, transplant, delivery and sterilisation procedures",
    "Observation": "Pregnancy tests and blood counts",
}

_ABATEMENT_KEYS = (
    "abatementDateTime",
    "abatementAge",
    "abatementPeriod",
    "abatementRange",
    "abatementString",
)
_HCG_CODES: frozenset[str] = frozenset(e.code for e in LOINC_TABLE if e.analyte is Analyte.HCG)
_TEST_CODES: frozenset[str] = frozenset(PREGNANCY_TEST_LOINC_CODES)


@dataclass(frozen=True, slots=True)
class _Found:
    """One fact of one resource: where it was found and how certain the source is."""

    kind: SafetyKind
    system: str
    code: str
    display: str | None
    certainty: Certainty | None


def _status_code(concept: object) -> str | None:
    for coding in codings(concept):
        code = as_str(coding.get("code"))
        if code is not None:
            return code.strip().lower()
    return None


def _texts(concept: Mapping[str, Any]) -> list[str]:
    texts = [as_str(concept.get("text"))]
    texts.extend(as_str(coding.get("display")) for coding in codings(concept))
    return [text for text in texts if text is not None]


def _found(
    concept: Mapping[str, Any],
    meaning_of: Callable[[object, object], CodeMeaning | None],
    text_allowed: frozenset[SafetyKind] | None = None,
) -> list[_Found]:
    """The facts a CodeableConcept names: its known codings, else its text."""
    by_kind: dict[SafetyKind, _Found] = {}
    recognised = False
    for coding in codings(concept):
        meaning = meaning_of(coding.get("system"), coding.get("code"))
        if meaning is None:
            continue
        recognised = True
        system = canonical_system(coding.get("system")) or ""
        code = str(coding.get("code")).strip()
        display = as_str(coding.get("display")) or meaning.display
        for kind, certainty in meaning.facts:
            by_kind.setdefault(kind, _Found(kind, system, code, display, certainty))
    if recognised:
        return list(by_kind.values())
    for text in _texts(concept):
        facts: tuple[Fact, ...] = text_kinds(text)
        for kind, certainty in facts:
            if text_allowed is None or kind in text_allowed:
                by_kind.setdefault(kind, _Found(kind, TEXT_SYSTEM, text, text, certainty))
    return list(by_kind.values())


def _kinds(found: list[_Found]) -> str:
    return ", ".join(sorted({f.kind.value for f in found}))


def _certainty(found: _Found, doubtful: bool) -> Certainty:
    return Certainty.POSSIBLE if doubtful or found.certainty is not None else Certainty.CONFIRMED


# --- Conditions ------------------------------------------------------------------------------


def _condition_dates(resource: Mapping[str, Any]) -> tuple[date | None, date | None]:
    start = parse_date(resource.get("onsetDateTime")) or parse_date(
        as_dict(resource.get("onsetPeriod")).get("start")
    )
    if start is None:
        start = parse_date(resource.get("recordedDate"))
    end = parse_date(resource.get("abatementDateTime")) or parse_date(
        as_dict(resource.get("abatementPeriod")).get("end")
    )
    return start, end


def _condition_ongoing(resource: Mapping[str, Any]) -> bool:
    clinical = _status_code(resource.get("clinicalStatus"))
    if clinical in CURRENT_CLINICAL:
        return True
    if clinical in ENDED_CLINICAL:
        return False
    return not any(key in resource for key in _ABATEMENT_KEYS)


def _conditions(
    conditions: Iterable[object], events: list[SafetyEvent], excluded: list[ExcludedResource]
) -> None:
    for resource, sid in unique_resources(conditions, "Condition"):
        found = _found(as_dict(resource.get("code")), condition_meaning)
        if not found:
            continue
        verification = _status_code(resource.get("verificationStatus"))
        if verification in REFUTED_VERIFICATION:
            reason = f"safety Condition ({_kinds(found)}): verificationStatus {verification!r}"
            excluded.append(ExcludedResource(sid, reason))
            continue
        doubtful = verification in DOUBTFUL_VERIFICATION
        start, end = _condition_dates(resource)
        ongoing = _condition_ongoing(resource)
        events.extend(
            SafetyEvent(
                kind=f.kind,
                source_id=sid,
                system=f.system,
                code=f.code,
                display=f.display,
                start=start,
                end=end,
                ongoing=ongoing,
                certainty=_certainty(f, doubtful),
            )
            for f in found
        )


# --- Procedures ------------------------------------------------------------------------------


def _procedures(
    procedures: Iterable[object], events: list[SafetyEvent], excluded: list[ExcludedResource]
) -> None:
    for resource, sid in unique_resources(procedures, "Procedure"):
        found = _found(as_dict(resource.get("code")), procedure_meaning, PROCEDURE_TEXT_KINDS)
        if not found:
            continue
        status = as_str(resource.get("status"))
        ongoing = PROCEDURE_STATUSES.get(status.strip()) if status is not None else None
        if ongoing is None:
            reason = f"safety Procedure ({_kinds(found)}) with status {status!r}"
            excluded.append(ExcludedResource(sid, reason))
            continue
        period = as_dict(resource.get("performedPeriod"))
        start = parse_date(resource.get("performedDateTime")) or parse_date(period.get("start"))
        end = parse_date(period.get("end"))
        events.extend(
            SafetyEvent(
                kind=f.kind,
                source_id=sid,
                system=f.system,
                code=f.code,
                display=f.display,
                start=start if start is not None else end,
                end=end,
                ongoing=ongoing,
                certainty=_certainty(f, False),
                procedure=True,
            )
            for f in found
        )


# --- Pregnancy tests -------------------------------------------------------------------------

_RESULT: Mapping[Reading, TestResult] = {
    Reading.POSITIVE: TestResult.POSITIVE,
    Reading.NEGATIVE: TestResult.NEGATIVE,
}


def _test_code(resource: Mapping[str, Any]) -> str | None:
    """The first LOINC pregnancy-test code among the codings (the code is looked up before
    the system is normalised: most Observations are other tests, and the lookup is cheaper)."""
    for coding in codings(resource.get("code")):
        code = as_str(coding.get("code"))
        if code is None or code.strip() not in _TEST_CODES:
            continue
        if canonical_system(coding.get("system")) == LOINC_SYSTEM:
            return code.strip()
    return None


def _hcg_reading(resource: Mapping[str, Any], rule: SafetyRule) -> tuple[Reading, str] | str | None:
    """(reading, text) of a quantitative hCG; a reason if it gives no test; ``None`` if
    there is no number to read (the value may be words)."""
    value = read_numeric_value(resource)
    if isinstance(value, str):
        return None
    unit = value.unit_code or value.unit_text
    shown = f"hCG {value.comparator or ''}{value.number:g} {unit or ''}".rstrip()
    if unit is None:
        return f"{shown}: no unit"
    number = to_canonical(Analyte.HCG, value.number, value.unit_code, value.unit_text)
    if number is None:
        return f"{shown}: unit not convertible to IU/L"
    comparator = value.comparator
    if comparator in (None, ">", ">=") and number >= rule.hcg_positive_min_iu_l:
        return Reading.POSITIVE, shown
    below = (
        (comparator is None and number < rule.hcg_negative_below_iu_l)
        or (comparator == "<" and number <= rule.hcg_negative_below_iu_l)
        or (comparator == "<=" and number < rule.hcg_negative_below_iu_l)
    )
    if below:
        return Reading.NEGATIVE, shown
    return (
        f"{shown}: neither positive (>= {rule.hcg_positive_min_iu_l:g} IU/L) nor negative "
        f"(< {rule.hcg_negative_below_iu_l:g} IU/L)"
    )


def _value_readings(resource: Mapping[str, Any], status_code: bool) -> list[tuple[Reading, str]]:
    """Readings of value[x] (coded, words, boolean) with the text each came from."""
    out: list[tuple[Reading, str]] = []
    concept = as_dict(resource.get("valueCodeableConcept"))
    coded = False
    for coding in codings(concept):
        answer = answer_reading(coding.get("system"), coding.get("code"))
        if answer is not None:
            coded = True
            out.append((answer[0], as_str(coding.get("display")) or answer[1]))
    text = as_str(concept.get("text"))
    if not coded and text is not None:
        reading = result_words(text)
        if reading is not None:
            out.append((reading, text))
    words = as_str(resource.get("valueString"))
    if words is not None:
        reading = result_words(words)
        if reading is not None:
            out.append((reading, words))
    flag = resource.get("valueBoolean")
    if isinstance(flag, bool):
        if status_code:
            out.append(
                (Reading.POSITIVE, "Pregnant") if flag else (Reading.NEGATIVE, "Not pregnant")
            )
        else:
            out.append((Reading.POSITIVE, "Positive") if flag else (Reading.NEGATIVE, "Negative"))
    return out


def _interpretation_readings(resource: Mapping[str, Any]) -> list[tuple[Reading, str]]:
    out: list[tuple[Reading, str]] = []
    for concept in dicts(resource.get("interpretation")):
        for coding in codings(concept):
            reading = interpretation_reading(coding.get("system"), coding.get("code"))
            if reading is not None:
                shown = as_str(coding.get("display")) or str(coding.get("code")).strip()
                out.append((reading, shown))
    return out


def _test_result(
    resource: Mapping[str, Any], code: str, rule: SafetyRule
) -> tuple[Reading, str] | str:
    """(reading, text) of a pregnancy test, or the reason there is none."""
    if "dataAbsentReason" in resource:
        return "no result (dataAbsentReason)"
    if code in _HCG_CODES:
        hcg = _hcg_reading(resource, rule)
        if hcg is not None:
            return hcg
    readings = _value_readings(resource, code in PREGNANCY_STATUS_LOINC)
    readings.extend(_interpretation_readings(resource))
    if not readings:
        return "no readable result"
    kinds = {reading for reading, _ in readings}
    if Reading.INDETERMINATE in kinds:
        shown = next(text for reading, text in readings if reading is Reading.INDETERMINATE)
        return f"indeterminate result ({shown!r})"
    if len(kinds) > 1:
        return "the result says both positive and negative"
    return readings[0]


def _pregnancy_tests(
    observations: Iterable[object],
    tests: list[PregnancyTest],
    excluded: list[ExcludedResource],
    rule: SafetyRule,
) -> None:
    for resource, sid in unique_resources(observations, "Observation"):
        code = _test_code(resource)
        if code is None:
            continue
        status = as_str(resource.get("status"))
        if status not in USABLE_STATUSES:
            excluded.append(ExcludedResource(sid, f"pregnancy test with status {status!r}"))
            continue
        when = effective_time(resource)
        if when is None:
            excluded.append(ExcludedResource(sid, "pregnancy test without a date"))
            continue
        result = _test_result(resource, code, rule)
        if isinstance(result, str):
            excluded.append(ExcludedResource(sid, f"pregnancy test ({code}): {result}"))
            continue
        reading, text = result
        tests.append(PregnancyTest(when.date(), _RESULT[reading], code, sid, text))


#: The shared safety thresholds, when no ruleset is passed (they are the same in every one).
_DEFAULT_RULE = SafetyRule()


# --- Gaps and the record ---------------------------------------------------------------------


def _unknown(gaps: Iterable[object]) -> tuple[str, ...]:
    out: list[str] = []
    for gap in _iterable(gaps):
        if not isinstance(gap, DataGap):
            continue
        hides = GAP_HIDES.get(gap.resource_type)
        if hides is None:
            continue
        reason = gap.reason.strip().rstrip(".")
        if gap.complete_since is None:
            out.append(f"{hides} unknown: {reason}.")
        else:
            out.append(f"{hides} before {gap.complete_since.isoformat()} unknown: {reason}.")
    return tuple(dict.fromkeys(out))


def _iterable(value: object) -> Iterable[object]:
    if isinstance(value, str | bytes | Mapping) or not isinstance(value, Iterable):
        return ()
    return value


def read_safety(
    patient: Mapping[str, Any] | None,
    conditions: Iterable[object],
    procedures: Iterable[object],
    observations: Iterable[object],
    gaps: Iterable[DataGap] = (),
    rule: SafetyRule = _DEFAULT_RULE,
) -> SafetyRecord:
    """Every safety fact of one patient's record, and what the record could not tell.

    ``rule`` carries the hCG cut-offs (the ruleset's ``SafetyRule``)."""
    events: list[SafetyEvent] = []
    tests: list[PregnancyTest] = []
    excluded: list[ExcludedResource] = []
    _conditions(_iterable(conditions), events, excluded)
    _procedures(_iterable(procedures), events, excluded)
    _pregnancy_tests(_iterable(observations), tests, excluded, rule)
    events.sort(key=lambda e: (e.start or date.min, e.kind.value, e.source_id or "", e.code))
    tests.sort(key=lambda t: (t.when, t.source_id or ""))
    return SafetyRecord(
        patient=read_patient(patient),
        events=tuple(events),
        pregnancy_tests=tuple(tests),
        unknown=_unknown(gaps),
        excluded=tuple(excluded),
    )
