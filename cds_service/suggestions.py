"""``RecommendedAction`` -> draft FHIR R4 resource for a CDS card suggestion.

Every resource is built as a ``fhir.resources.R4B`` model (so it is valid FHIR R4 by
construction) and emitted as plain JSON (``model_dump(mode="json", exclude_none=True)``).
The R4B model classes are imported once, at module import (~0.1-0.25 s), never per request.

Validation is paid once per shape, not per hook (it was ~10 % of a hook's CPU): the
resource for an (action kind, parameters, notes) triple is built with a placeholder
patient, validated and dumped once (``_validated_template``, an LRU cache keyed on the
kind, the canonical parameters: sorted ``(name, type, value)`` triples, and the notes),
and each call returns a fresh copy with ``subject`` replaced by the patient's Reference,
itself validated with the R4B ``Reference`` model. ``subject`` is the only place the
patient appears, and a valid Reference in a valid resource's ``subject`` keeps it valid
(tests/cards checks every output with ``fhir.resources`` R4B). Parameters that are not
hashable skip the cache.

Notes
-----
``RecommendedAction.notes`` (safety reminders such as the pregnancy-prevention
requirement of mycophenolate) go on the draft order itself: one ``note`` Annotation per
note, on every kind of resource, so the prescriber sees them where they sign. The notes
are part of the cache key: two patients whose drafts differ only by a note never share
a resource.

Status and intent
-----------------
Suggestions are ``status: "draft"`` (CDS Hooks 2.0 "Suggestion": the EHR shows the
resource for the clinician to review and sign) and ``intent: "proposal"``: FHIR R4
RequestIntent defines *proposal* as "a suggestion made by someone/something that does
not have an intention to ensure it occurs and without providing an authorization to
act", which is exactly what a CDS service is. An EHR that only accepts ``order`` can
change the intent when the clinician signs.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Any, Final

from fhir.resources.R4B import get_fhir_model_class

from fhir_mappings import wording
from fhir_mappings.codes.conditions import KIDNEY_BIOPSY_CPT
from fhir_mappings.codes.rxnorm import INGREDIENT_CODES
from fhir_mappings.facts import Agent, Route
from fhir_mappings.findings import ActionKind, RecommendedAction

SUGGESTION_STATUS: Final = "draft"
SUGGESTION_INTENT: Final = "proposal"  # see module docstring

RXNORM_SYSTEM: Final = "http://www.nlm.nih.gov/research/umls/rxnorm"
LOINC_SYSTEM: Final = "http://loinc.org"
SNOMED_SYSTEM: Final = "http://snomed.info/sct"
CPT_SYSTEM: Final = "http://www.ama-assn.org/go/cpt"
UCUM_SYSTEM: Final = "http://unitsofmeasure.org"

#: Kidney biopsy order codes. CPT 50200 from the project's table
#: (``fhir_mappings.codes.conditions.KIDNEY_BIOPSY_CPT``). SNOMED CT 708940003
#: "Image-guided percutaneous biopsy of kidney" (seen in public FHIR code tables, e.g. an
#: interventional-radiology code map) is used for the order rather than the table's
#: 48426002 "Fine needle biopsy of kidney": a repeat LN biopsy is a percutaneous core
#: biopsy, not a fine-needle one.
KIDNEY_BIOPSY_CPT_CODE: Final = "50200"
KIDNEY_BIOPSY_CODINGS: Final[tuple[tuple[str, str, str], ...]] = (
    (SNOMED_SYSTEM, "708940003", "Image-guided percutaneous biopsy of kidney"),
    (CPT_SYSTEM, KIDNEY_BIOPSY_CPT_CODE, KIDNEY_BIOPSY_CPT[KIDNEY_BIOPSY_CPT_CODE]),
)
KIDNEY_BIOPSY_TEXT: Final = "Kidney biopsy (percutaneous)"

#: RxNorm ingredient codes (TTY=IN) per agent: the project's table
#: (``fhir_mappings.codes.rxnorm.INGREDIENT_CODES``, sources in docs/clinical-sources.md).
#: Agents without a verified code get a text-only CodeableConcept.
RXNORM_INGREDIENT: Final[Mapping[Agent, str]] = INGREDIENT_CODES

ROUTE_TEXT: Final[Mapping[Route, str]] = {
    Route.ORAL: "oral",
    Route.INTRAVENOUS: "intravenous",
    Route.SUBCUTANEOUS: "subcutaneous",
}

#: Words for "n times a day" in dosage text.
_FREQUENCY_WORDS: Final[Mapping[int, str]] = {
    1: "once daily",
    2: "twice daily",
    3: "three times daily",
    4: "four times daily",
}

_SERVICE_REQUEST = get_fhir_model_class("ServiceRequest")
_MEDICATION_REQUEST = get_fhir_model_class("MedicationRequest")
_REFERENCE = get_fhir_model_class("Reference")

#: Distinct (action kind, parameters) shapes whose validated resource is kept. The rules
#: emit a few dozen shapes (agents x doses x frequencies, labs, biopsy); the bound only
#: stops unusual input from growing the cache.
TEMPLATE_CACHE_SIZE: Final = 512
#: Stands for the patient while a template is validated (a valid FHIR id).
_PLACEHOLDER_PATIENT: Final = "ln-cds-template-patient"

#: (name, type name, value) per parameter, sorted: int 1 and True or 1.0 stay distinct.
ParamsKey = tuple[tuple[str, str, object], ...]


def build_suggestion_resource(
    action: RecommendedAction, *, patient_id: str | None
) -> dict[str, Any] | None:
    """The draft FHIR R4 resource for ``action`` (validated), or ``None`` when it cannot be built.

    ``None`` when there is no patient id (``subject`` is required in R4) or the action's
    parameters are missing what the resource needs.
    """
    if not patient_id:
        return None
    key = params_key(action.parameters)
    if key is None:
        return build_uncached(action, patient_id=patient_id)
    template = _validated_template(action.kind, key, note_texts(action))
    if template is None:
        return None
    return _with_subject(template, patient_reference(patient_id))


def build_uncached(action: RecommendedAction, *, patient_id: str) -> dict[str, Any] | None:
    """``build_suggestion_resource`` without the template cache: build, validate, dump."""
    raw = _raw_resource(
        action.kind,
        action.parameters,
        {"reference": f"Patient/{patient_id}"},
        note_texts(action),
    )
    return validate_resource(raw) if raw is not None else None


def note_texts(action: RecommendedAction) -> tuple[str, ...]:
    """The action's notes as Annotation texts: trimmed, blank ones left out, in order."""
    return tuple(text for note in action.notes if (text := note.strip()))


def params_key(params: Mapping[str, object]) -> ParamsKey | None:
    """The cache key of ``params`` (``None`` when a value is not hashable)."""
    key = tuple(sorted((name, type(value).__name__, value) for name, value in params.items()))
    try:
        hash(key)
    except TypeError:
        return None
    return key


@lru_cache(maxsize=TEMPLATE_CACHE_SIZE)
def _validated_template(
    kind: ActionKind, key: ParamsKey, notes: tuple[str, ...]
) -> dict[str, Any] | None:
    """The validated, dumped resource for (kind, parameters, notes) with a placeholder
    subject."""
    params = {name: value for name, _, value in key}
    raw = _raw_resource(kind, params, {"reference": f"Patient/{_PLACEHOLDER_PATIENT}"}, notes)
    return validate_resource(raw) if raw is not None else None


@lru_cache(maxsize=TEMPLATE_CACHE_SIZE)
def patient_reference(patient_id: str) -> dict[str, Any]:
    """``{"reference": "Patient/<id>"}``, validated and dumped with the R4B ``Reference`` model."""
    dumped: dict[str, Any] = _REFERENCE.model_validate(
        {"reference": f"Patient/{patient_id}"}
    ).model_dump(mode="json", exclude_none=True)
    return dumped


def _with_subject(template: Mapping[str, Any], subject: Mapping[str, Any]) -> dict[str, Any]:
    """A fresh copy of ``template`` (callers may mutate it) with ``subject`` replaced."""
    return {
        key: _copy(subject) if key == "subject" else _copy(value) for key, value in template.items()
    }


def _copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _copy(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_copy(item) for item in value]
    return value


def _raw_resource(
    kind: ActionKind,
    params: Mapping[str, object],
    subject: dict[str, str],
    notes: tuple[str, ...] = (),
) -> dict[str, Any] | None:
    raw: dict[str, Any] | None
    if kind is ActionKind.ORDER_KIDNEY_BIOPSY:
        raw = _biopsy_request(subject, params)
    elif kind is ActionKind.ORDER_LAB:
        raw = _lab_request(subject, params)
    elif kind is ActionKind.DOSE_STEP:
        raw = _dose_step_request(subject, params)
    elif kind is ActionKind.START_THERAPY:
        raw = _start_therapy_request(subject, params)
    else:  # pragma: no cover - exhaustive over ActionKind
        return None
    if raw is not None and notes:
        raw["note"] = [{"text": text} for text in notes]
    return raw


def validate_resource(raw: Mapping[str, Any]) -> dict[str, Any]:
    """Validate ``raw`` with its ``fhir.resources.R4B`` model and return its JSON form.

    Raises ``pydantic.ValidationError`` when the resource is not valid FHIR R4 (a bug here).
    """
    model_class = get_fhir_model_class(str(raw["resourceType"]))
    model = model_class.model_validate(dict(raw))
    dumped: dict[str, Any] = model.model_dump(mode="json", exclude_none=True)
    return dumped


def _text(params: Mapping[str, object], key: str) -> str | None:
    value = params.get(key)
    return value.strip() if isinstance(value, str) and value.strip() else None


def _number(params: Mapping[str, object], key: str) -> float | None:
    value = params.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        return None
    return float(value)


def _reason(params: Mapping[str, object]) -> list[dict[str, str]] | None:
    reason = _text(params, "reason")
    return [{"text": reason}] if reason else None


def _biopsy_request(subject: dict[str, str], params: Mapping[str, object]) -> dict[str, Any]:
    return _drop_none(
        {
            "resourceType": "ServiceRequest",
            "status": SUGGESTION_STATUS,
            "intent": SUGGESTION_INTENT,
            "code": {
                "coding": [
                    {"system": s, "code": c, "display": d} for s, c, d in KIDNEY_BIOPSY_CODINGS
                ],
                "text": KIDNEY_BIOPSY_TEXT,
            },
            "subject": subject,
            "reasonCode": _reason(params),
        }
    )


def _lab_request(subject: dict[str, str], params: Mapping[str, object]) -> dict[str, Any] | None:
    loinc = _text(params, "loinc")
    if loinc is None:
        return None
    display = _text(params, "display")
    return _drop_none(
        {
            "resourceType": "ServiceRequest",
            "status": SUGGESTION_STATUS,
            "intent": SUGGESTION_INTENT,
            "code": _drop_none(
                {
                    "coding": [
                        _drop_none({"system": LOINC_SYSTEM, "code": loinc, "display": display})
                    ],
                    "text": display,
                }
            ),
            "subject": subject,
            "reasonCode": _reason(params),
        }
    )


def _agent(params: Mapping[str, object]) -> Agent | None:
    value = params.get("agent")
    try:
        return Agent(value) if isinstance(value, str) else None
    except ValueError:
        return None


def _route(params: Mapping[str, object]) -> str | None:
    value = params.get("route")
    try:
        return ROUTE_TEXT.get(Route(value)) if isinstance(value, str) else None
    except ValueError:
        return None


def medication_concept(agent: Agent) -> dict[str, Any]:
    """RxNorm ingredient CodeableConcept for ``agent`` (text only when no verified code)."""
    display = wording.agent(agent)
    code = RXNORM_INGREDIENT.get(agent)
    concept: dict[str, Any] = {"text": display}
    if code is not None:
        concept["coding"] = [{"system": RXNORM_SYSTEM, "code": code, "display": display}]
    return concept


def format_mg(value: float) -> str:
    """``1500.0`` -> ``"1500"``, ``23.7`` -> ``"23.7"``."""
    return f"{value:.0f}" if float(value).is_integer() else f"{value:g}"


def _dose_step_request(
    subject: dict[str, str], params: Mapping[str, object]
) -> dict[str, Any] | None:
    agent = _agent(params)
    dose_mg = _number(params, "dose_mg")
    frequency = _number(params, "frequency_per_day")
    if agent is None or dose_mg is None or frequency is None or not frequency.is_integer():
        return None
    per_day = int(frequency)
    daily = _number(params, "daily_dose_mg") or dose_mg * per_day
    route = _route(params)
    how_often = _FREQUENCY_WORDS.get(per_day, f"{per_day} times daily")
    text = f"{format_mg(dose_mg)} mg {how_often} ({format_mg(daily)} mg/day)"
    if route:
        text = f"{text}, {route}"
    replaces = _text(params, "replaces")
    dosage = _drop_none(
        {
            "text": text,
            "timing": {"repeat": {"frequency": per_day, "period": 1, "periodUnit": "d"}},
            "route": {"text": route} if route else None,
            "doseAndRate": [
                {
                    "doseQuantity": {
                        "value": dose_mg,
                        "unit": "mg",
                        "system": UCUM_SYSTEM,
                        "code": "mg",
                    }
                }
            ],
        }
    )
    return _medication_request(agent, subject, dosage, replaces)


def _medication_request(
    agent: Agent,
    subject: dict[str, str],
    dosage: dict[str, Any] | None,
    replaces: str | None,
) -> dict[str, Any]:
    """The draft MedicationRequest envelope shared by dose steps and new therapy."""
    return _drop_none(
        {
            "resourceType": "MedicationRequest",
            "status": SUGGESTION_STATUS,
            "intent": SUGGESTION_INTENT,
            "medicationCodeableConcept": medication_concept(agent),
            "subject": subject,
            "dosageInstruction": [dosage] if dosage is not None else None,
            "priorPrescription": {"reference": replaces} if replaces else None,
        }
    )


def _start_therapy_request(
    subject: dict[str, str], params: Mapping[str, object]
) -> dict[str, Any] | None:
    agent = _agent(params)
    if agent is None:
        return None
    route = _route(params)
    dosage_text = _text(params, "dosage_text")
    dosage = _drop_none({"text": dosage_text, "route": {"text": route} if route else None})
    return _medication_request(agent, subject, dosage or None, None)


def _drop_none(values: Mapping[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in values.items() if value is not None}
