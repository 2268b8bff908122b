"""An absolute medicationReference into the FHIR server is matched as the service compares
URLs: the Medication the gathering step read for it is the one the mapping layer uses."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from cds_service.fhir_urls import allowed_base
from cds_service.medication_refs import medication_id
from fhir_mappings.codes.rxnorm import RXNORM_SYSTEM
from fhir_mappings.facts import Agent
from fhir_mappings.read.facts import medications_by_reference
from fhir_mappings.read.medications import MedicationIdentifier, _reference_key
from tests.service._helpers import BASE, SERVICE_PATH, FakeEvaluator, full_prefetch, running
from tests.support.fhir import searchset
from tests.support.hooks import hook_body

from .fake_fhir import FakeFhir

SERVER_BASE = "https://ehr.example/fhir"

#: (reference, what it names inside SERVER_BASE, or None when it lies elsewhere)
REFERENCES: list[tuple[str, str | None]] = [
    ("https://ehr.example/fhir/Medication/1", "Medication/1"),
    ("HTTPS://EHR.example:443/fhir/Medication/1", "Medication/1"),
    ("https://EHR.EXAMPLE/fhir/Medication/1/_history/3", "Medication/1"),
    ("https://ehr.example:443/fhir/Medication/1?_format=json", "Medication/1"),
    ("http://ehr.example/fhir/Medication/1", None),  # another scheme
    ("https://ehr.example:8443/fhir/Medication/1", None),  # another port
    ("https://ehr.example/FHIR/Medication/1", None),  # paths keep their case
    ("https://ehr.example/fhir2/Medication/1", None),  # not at a segment boundary
    ("https://other.example/fhir/Medication/1", None),
    ("https://ehr.example/fhir/other/Medication/1", None),  # more than Type/id after it
    ("https://ehr.example/fhir/../fhir/Medication/1", None),  # a dot segment
    ("https://user@ehr.example/fhir/Medication/1", None),  # user info
    ("https://ehr.example:99999/fhir/Medication/1", None),  # not a port
    ("ftp://ehr.example/fhir/Medication/1", None),
    ("https:///fhir/Medication/1", None),  # no host
    ("https://ehr.example/fhir/Medication", None),
]


@pytest.mark.parametrize(("reference", "named"), REFERENCES)
@pytest.mark.parametrize(
    "base",
    [SERVER_BASE, "https://ehr.example/fhir/", "HTTPS://EHR.EXAMPLE:443/fhir"],
    ids=["normal", "trailing-slash", "upper-case-default-port"],
)
def test_mapping_and_gathering_agree(reference: str, named: str | None, base: str) -> None:
    """The mapping layer's key for a reference is the Medication the gathering step would
    read for it (``medication_refs.medication_id`` under the allow-listed base), whatever
    the spelling of the scheme, host, default port and trailing slash."""
    assert _reference_key(reference, base) == named
    normal = allowed_base(base, [SERVER_BASE])
    assert normal == SERVER_BASE
    read = medication_id(reference, normal)
    assert (f"Medication/{read}" if read is not None else None) == named


def test_malformed_server_base_matches_nothing() -> None:
    """A server base that is not an http(s) URL matches no absolute reference."""
    assert _reference_key("https://ehr.example/fhir/Medication/1", "ehr.example/fhir") is None


def test_relative_references_keep_their_last_two_segments() -> None:
    """Relative references (and absolute ones with no known base) are reduced to Type/id."""
    assert _reference_key("Medication/1/_history/2", SERVER_BASE) == "Medication/1"
    assert _reference_key("https://any.example/x/Medication/1", None) == "Medication/1"


def order(reference: str) -> dict[str, Any]:
    return {
        "resourceType": "MedicationRequest",
        "id": "mr1",
        "status": "active",
        "subject": {"reference": "Patient/p1"},
        "authoredOn": "2025-01-10",
        "medicationReference": {"reference": reference},
    }


MMF = {
    "resourceType": "Medication",
    "id": "m1",
    "code": {"coding": [{"system": RXNORM_SYSTEM, "code": "68149"}]},
}


@pytest.mark.anyio
async def test_order_naming_the_server_in_another_spelling_is_identified(
    make_app: Callable[..., FastAPI], evaluator: FakeEvaluator
) -> None:
    """An order whose reference spells the FHIR server in upper case with its default port:
    the service reads that Medication, and the mapping layer finds it and identifies the
    drug (it was left unidentified, so the regimen was unknown)."""
    spelled = BASE.replace("https://fhir.example.org", "HTTPS://FHIR.Example.ORG:443")
    prefetch = full_prefetch()
    prefetch["medicationRequests"] = searchset([order(f"{spelled}/Medication/m1")])
    fake = FakeFhir(BASE, [MMF])
    async with running(make_app(fhir_transport=httpx.MockTransport(fake))) as client:
        response = await client.post(SERVICE_PATH, json=hook_body(prefetch=prefetch))
    assert response.status_code == 200
    assert [r.url.path for r in fake.data_requests()] == ["/r4/Medication/m1"]
    resources = evaluator.calls[0]["resources"]
    identify = MedicationIdentifier(medications_by_reference(resources), resources.server_base)
    (mr,) = resources.medication_requests
    match = identify(mr)
    assert match is not None
    assert match.agent is Agent.MYCOPHENOLATE_MOFETIL
    assert identify.unreadable_reference(mr) is None
