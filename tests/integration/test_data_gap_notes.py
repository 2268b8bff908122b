"""Every data gap reaches the cards as one sentence, against the real FHIR server.

A server that refuses a search the service treats as optional (``FHIR_REFUSE_TYPES`` of
``tests/fhir_server/server.mjs``) or that cannot tell the orders still in force
(``FHIR_REFUSE_PARAMS=status`` with more orders than the service reads at once) makes the
hook answer 200 with cards whose notes say, in one sentence each, what could not be read
and why. The demo patient ``a-refractory`` (refractory on mycophenolate: two cards) and a
12-year record (``long_records.long_record``) are the patients.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest

import cds_service
from cds_service.app import create_app
from cds_service.config import Settings
from tests.support.fhir_server import load_resources, real_app_settings
from tests.support.hooks import hook_body

from .long_records import long_record, medications

pytestmark = pytest.mark.integration

DEMO_DIR = Path(cds_service.__file__).resolve().parent / "demo_data"
SERVICE_ID = "lupus-nephritis-refractory"
USER_ID = "Practitioner/ln-gap-clinician"
#: The demo's anchor date (``demo_data/index.json``): its stories are told as of that day.
TODAY = date.fromisoformat(json.loads((DEMO_DIR / "index.json").read_text())["anchor"])
DEMO_FILE, DEMO_PATIENT = "a-refractory.json", "ln-demo-a-refractory"

RunServer = Callable[[Mapping[str, str] | None], AbstractContextManager[str]]
LoadBundle = Callable[[str, Mapping[str, Any]], dict[str, Any]]


def fire(base: str, tmp_path: Path, patient_id: str, **settings: Any) -> httpx.Response:
    """One patient-view hook (no prefetch) on the real app reading ``base``, clock at TODAY."""
    values = real_app_settings(base, tmp_path, **settings)
    app = create_app(Settings(**values), clock=lambda: TODAY)
    body = hook_body(patient_id, user=USER_ID, fresh_instance=True, fhirServer=base)

    async def call() -> httpx.Response:
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app), base_url="http://ln-cds.test", timeout=300
            ) as client,
        ):
            return await client.post(f"/cds-services/{SERVICE_ID}", json=body)

    return asyncio.run(call())


def card_notes(card: Mapping[str, Any]) -> list[str]:
    """The items of a card's **Notes** list (each one line of the Markdown detail)."""
    detail = str(card.get("detail", ""))
    if "**Notes**" not in detail:
        return []
    block = detail.split("**Notes**", 1)[1].strip().split("\n\n", 1)[0]
    return [line.removeprefix("- ") for line in block.splitlines()]


def notes_naming(response: httpx.Response, reason: str) -> list[list[str]]:
    """For each card, its notes that hold ``reason``."""
    assert response.status_code == 200, response.text[:500]
    cards = response.json()["cards"]
    assert cards, "no card: the gap would reach nobody"
    return [[note for note in card_notes(card) if reason in note] for card in cards]


def assert_one_sentence(note: str, reason: str) -> None:
    """One sentence: the reason once, on one line, ending with one full stop."""
    assert note.count(reason) == 1
    assert "\n" not in note
    assert note.endswith(".")
    assert not note.endswith("..")


@pytest.fixture(scope="module")
def demo_bundle() -> dict[str, Any]:
    bundle: dict[str, Any] = json.loads((DEMO_DIR / DEMO_FILE).read_text(encoding="utf-8"))
    return bundle


@pytest.mark.parametrize(
    ("refused", "effect"),
    [
        ("MedicationDispense", "Adherence unknown"),
        ("Procedure", "Dialysis, transplant, delivery and sterilisation procedures unknown"),
    ],
)
def test_refused_optional_search_is_one_sentence_on_every_card(
    run_fhir_server_with: RunServer,
    load_transaction: LoadBundle,
    demo_bundle: dict[str, Any],
    tmp_path: Path,
    refused: str,
    effect: str,
) -> None:
    """A server answering 400 (OperationOutcome) to every search of an optional type: the
    hook answers 200, and each card carries one note saying what is unknown and why."""
    reason = f"this FHIR server does not provide {refused}"
    with run_fhir_server_with({"FHIR_REFUSE_TYPES": refused}) as base:
        load_transaction(base, demo_bundle)
        response = fire(base, tmp_path, DEMO_PATIENT)
    for notes in notes_naming(response, reason):
        (note,) = notes
        assert note == f"{effect}: {reason}."
        assert_one_sentence(note, reason)


def test_orders_in_force_that_cannot_be_known_are_one_sentence(
    run_fhir_server_with: RunServer, tmp_path: Path
) -> None:
    """A server refusing ``status``, with more orders in the whole record than the service
    reads at once: the orders in force before the look-back cannot be known. The hook
    answers 200 and each card says so in one sentence, with the day the orders are
    complete from."""
    patient_id = f"gap-{uuid.uuid4().hex[:8]}"
    resources = [entry["resource"] for entry in long_record(patient_id, 12, TODAY)["entry"]]
    reason = (
        "this FHIR server holds more MedicationRequest than the service reads at once; "
        "older active ones may be missing"
    )
    with run_fhir_server_with({"FHIR_REFUSE_PARAMS": "status"}) as base:
        load_resources(base, medications())
        load_resources(base, resources)
        # the five years of orders (eight drugs a month, with their Medications) fit in one
        # answer, the twelve years do not
        response = fire(base, tmp_path, patient_id, max_resources_per_search=500)
    found = notes_naming(response, reason)
    for notes in found:
        (note,) = notes
        assert_one_sentence(note, reason)
        assert note.startswith("MedicationRequest read back to ")
