"""The hook's cards as an EHR receives them: the patient from the hook's context."""

from __future__ import annotations

import uuid
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from cds_service.app import create_app
from cds_service.config import Settings
from cds_service.demo import build_hook_request, load_index, load_patients
from cds_service.service_definition import build_service
from tests.service.conftest import SERVICE_PATH, running

ANCHOR = date.fromisoformat(load_index()["anchor"])
PATIENT_ID = "ln-demo-a-refractory"


def demo_hook(slug: str = "a-refractory") -> dict[str, Any]:
    (patient,) = load_patients(ANCHOR, slugs=(slug,))
    return build_hook_request(patient, build_service().prefetch)


def card_settings(tmp_path: Path, **values: Any) -> Settings:
    return Settings(
        require_jwt=False, database_url=f"sqlite:///{tmp_path / 'feedback.sqlite3'}", **values
    )


async def post_hook(settings: Settings, body: dict[str, Any]) -> dict[str, Any]:
    counter = iter(range(1, 1_000_000))
    app = create_app(
        settings, clock=lambda: ANCHOR, uuid_factory=lambda: str(uuid.UUID(int=next(counter)))
    )
    async with running(app) as client:
        response = await client.post(SERVICE_PATH, json=body)
    assert response.status_code == 200
    cards: dict[str, Any] = response.json()
    return cards


def subjects(cards: list[dict[str, Any]]) -> list[str]:
    return [
        action["resource"]["subject"]["reference"]
        for card in cards
        for suggestion in card.get("suggestions", ())
        for action in suggestion["actions"]
    ]


@pytest.mark.anyio
class TestPatientFromTheContext:
    async def test_suggestions_without_a_prefetched_patient(self, tmp_path: Path) -> None:
        """An EHR that prefetches "patient": null still gets every draft order, each for
        the patient of the hook's context.patientId."""
        body = demo_hook()
        body["prefetch"]["patient"] = None
        cards = (await post_hook(card_settings(tmp_path), body))["cards"]
        found = subjects(cards)
        assert len(found) == 7  # the biopsy, and five options of which one has two orders
        assert set(found) == {f"Patient/{PATIENT_ID}"}

    async def test_the_same_decisions_as_with_the_patient(self, tmp_path: Path) -> None:
        """Without the Patient resource the cards offer the same decisions as with the full
        prefetch, for the same subject."""
        with_patient = (await post_hook(card_settings(tmp_path), demo_hook()))["cards"]
        body = demo_hook()
        body["prefetch"]["patient"] = None
        without = (await post_hook(card_settings(tmp_path), body))["cards"]

        def decisions(cards: list[dict[str, Any]]) -> list[tuple[str, list[str]]]:
            return [(c["summary"], [s["label"] for s in c.get("suggestions", ())]) for c in cards]

        assert decisions(without) == decisions(with_patient)
        assert subjects(without) == subjects(with_patient)
