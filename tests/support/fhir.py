"""Small FHIR R4 JSON builders shared by every test folder.

``searchset`` wraps resources in a search Bundle (with an optional next link);
``observation`` builds an Observation in any of the shapes the tests need; ``quantity``
builds a Quantity. Each builder returns plain JSON dicts and leaves out what it is not
given, so a test states exactly the fields its resource carries.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
PATIENT = "p1"

Json = dict[str, Any]


def searchset(resources: Iterable[Mapping[str, Any]] = (), next_url: str | None = None) -> Json:
    """A searchset Bundle of ``resources``; ``next_url`` adds a ``next`` link."""
    bundle: Json = {
        "resourceType": "Bundle",
        "type": "searchset",
        "entry": [{"resource": item} for item in resources],
    }
    if next_url is not None:
        bundle["link"] = [{"relation": "next", "url": next_url}]
    return bundle
