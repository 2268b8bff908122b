"""The body of a CDS Hooks ``patient-view`` call, one builder for every test folder.

``hook_body()`` is a valid call for patient ``p1`` on the fake FHIR server ``BASE`` with
a fixed ``hookInstance`` and no ``fhirAuthorization`` or ``prefetch``. Keyword arguments
named as the CDS Hooks fields (``fhirServer``, ``fhirAuthorization``, ``prefetch``,
``hookInstance``, ``context``, any extra key) set or replace that field; ``...`` as a
value leaves the field out. The fields keep one order whatever is given, so the JSON a
test sends does not depend on how it built the body.
"""

from __future__ import annotations

import uuid
from typing import Any

from cds_service.service_definition import build_service
from tests.support.fhir import searchset

BASE = "https://fhir.example.org/r4"
PATIENT = "p1"
USER = "Practitioner/u1"
HOOK_INSTANCE = "d1577c69-dfbe-44ad-ba6d-3e05e953b2ea"
#: The order of the fields in a body; fields not listed follow them.
FIELD_ORDER = ("hook", "hookInstance", "fhirServer", "fhirAuthorization", "context", "prefetch")


def hook_body(
    patient: str = PATIENT, *, user: str = USER, fresh_instance: bool = False, **fields: Any
) -> dict[str, Any]:
    """A patient-view call for ``patient`` by ``user``; ``fresh_instance`` draws a new
    ``hookInstance`` (a random UUID) instead of the fixed one."""
    merged: dict[str, Any] = {
        "hook": "patient-view",
        "hookInstance": str(uuid.uuid4()) if fresh_instance else HOOK_INSTANCE,
        "fhirServer": BASE,
        "context": {"userId": user, "patientId": patient},
        **fields,
    }
    ordered = [key for key in FIELD_ORDER if key in merged]
    ordered += [key for key in merged if key not in FIELD_ORDER]
    return {key: merged[key] for key in ordered if merged[key] is not ...}


def empty_prefetch(patient: str = PATIENT) -> dict[str, Any]:
    """Every prefetch key of the service: the Patient and empty searchsets."""
    return {
        key: {"resourceType": "Patient", "id": patient} if "?" not in template else searchset()
        for key, template in build_service().prefetch.items()
    }
