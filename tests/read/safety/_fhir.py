"""FHIR JSON shaped as EHRs send it, for the safety reader tests (Observations and
Quantities come from ``tests.support.fhir``).

Epic-like Conditions carry a local code (``urn:oid:1.2.840.114350...``) next to ICD-10-CM
(often without the dot) and SNOMED CT; Cerner-like ones an ICD-10-CM coding and a text.
"""

from __future__ import annotations

from typing import Any

SNOMED = "http://snomed.info/sct"
ICD10CM = "http://hl7.org/fhir/sid/icd-10-cm"
CPT = "http://www.ama-assn.org/go/cpt"
LOINC = "http://loinc.org"
EPIC_LOCAL = "urn:oid:1.2.840.114350.1.13.0.1.7.2.696871"
CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"
VERIFICATION = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
INTERPRETATION = "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation"


def coding(system: str, code: str, display: str | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"system": system, "code": code}
    if display is not None:
        out["display"] = display
    return out


def concept(*codings: dict[str, Any], text: str | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if codings:
        out["coding"] = list(codings)
    if text is not None:
        out["text"] = text
    return out


def condition(
    rid: str,
    code: dict[str, Any],
    *,
    clinical: str | None = "active",
    verification: str | None = "confirmed",
    **extra: Any,
) -> dict[str, Any]:
    out: dict[str, Any] = {
        "resourceType": "Condition",
        "id": rid,
        "category": [
            concept(
                coding(
                    "http://terminology.hl7.org/CodeSystem/condition-category",
                    "problem-list-item",
                    "Problem List Item",
                )
            )
        ],
        "code": code,
        "subject": {"reference": "Patient/p1"},
    }
    if clinical is not None:
        out["clinicalStatus"] = concept(coding(CLINICAL, clinical))
    if verification is not None:
        out["verificationStatus"] = concept(coding(VERIFICATION, verification))
    out.update(extra if extra else {"onsetDateTime": "2026-03-02"})
    return out


def epic_condition(rid: str, local_display: str, *codings: dict[str, Any], **kw: Any) -> Any:
    """An Epic-like problem: a local code first, then the standard codings, and a text."""
    code = concept(coding(EPIC_LOCAL, "1234", local_display), *codings, text=local_display)
    return condition(rid, code, **kw)


def text_condition(rid: str, text: str, **kw: Any) -> dict[str, Any]:
    """A free-text problem: only a local code without a standard meaning, and the text."""
    return condition(rid, concept(coding(EPIC_LOCAL, "9999", text), text=text), **kw)


def procedure(
    rid: str, code: dict[str, Any], *, status: str | None = "completed", **extra: Any
) -> dict[str, Any]:
    out: dict[str, Any] = {
        "resourceType": "Procedure",
        "id": rid,
        "code": code,
        "subject": {"reference": "Patient/p1"},
    }
    if status is not None:
        out["status"] = status
    out.update(extra if extra else {"performedDateTime": "2026-03-02T10:00:00Z"})
    return out
