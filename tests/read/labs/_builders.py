"""The lab tests' Observation: by default a UPCR of 0.8 g/g on 2024-03-01, no subject.

Built with the shared ``tests.support.fhir.observation``; ``when`` and ``value`` take the
whole effective[x] and value[x] fields, so a test can give any of their shapes.
"""

from __future__ import annotations

from typing import Any

from tests.support.fhir import LOINC as LOINC
from tests.support.fhir import observation as fhir_observation
from tests.support.fhir import quantity as quantity


def observation(
    rid: str | None = "o1",
    loinc: str | list[str] = "2890-2",
    *,
    status: str | None = "final",
    when: dict[str, Any] | None = None,
    value: dict[str, Any] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    return fhir_observation(
        loinc,
        id=rid,
        status=status,
        patient=None,
        **(when if when is not None else {"effectiveDateTime": "2024-03-01T08:00:00Z"}),
        **(value if value is not None else {"valueQuantity": quantity(0.8, "g/g", "g/g")}),
        **extra,
    )
