"""The hook's cards as an EHR receives them: the patient from the hook's context, the
configured source and local protocol, the link to the chart."""

from __future__ import annotations

import uuid
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from cds_service.app import create_app
from cds_service.cards import PROJECT_URL, SOURCE_LABEL
from cds_service.chart import CHART_LINK_LABEL
from cds_service.config import Settings
from cds_service.demo import build_hook_request, load_index, load_patients
from cds_service.service_definition import build_service
from tests.service._helpers import SERVICE_PATH, running

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


@pytest.mark.anyio
class TestCardSettings:
    async def test_source_and_local_protocol(self, tmp_path: Path) -> None:
        """LNCDS_CARD_SOURCE_* name every card's source; LNCDS_LOCAL_PROTOCOL_* add one
        absolute link, after the citations, on the first card only."""
        settings = card_settings(
            tmp_path,
            card_source_label="Nephrology CDS, Example Hospital",
            card_source_url="https://intranet.example.org/cds",
            local_protocol_url="https://intranet.example.org/protocols/ln",
            local_protocol_label="Our lupus nephritis protocol",
        )
        first, *others = (await post_hook(settings, demo_hook()))["cards"]
        for card in (first, *others):
            assert card["source"]["label"] == "Nephrology CDS, Example Hospital"
            assert card["source"]["url"] == "https://intranet.example.org/cds"
            assert card["source"]["topic"]["code"]
        assert first["links"][-1] == {
            "label": "Our lupus nephritis protocol",
            "url": "https://intranet.example.org/protocols/ln",
            "type": "absolute",
        }
        assert len(first["links"]) > 1  # the citations stay
        assert others
        assert all("intranet.example.org" not in link["url"] for c in others for link in c["links"])

    async def test_defaults(self, tmp_path: Path) -> None:
        """Without settings the cards name the project and link no protocol and no chart."""
        cards = (await post_hook(card_settings(tmp_path), demo_hook()))["cards"]
        assert {c["source"]["label"] for c in cards} == {SOURCE_LABEL}
        assert {c["source"]["url"] for c in cards} == {PROJECT_URL}
        assert all(link["type"] == "absolute" for c in cards for link in c.get("links", ()))
        assert Settings.model_fields["card_source_label"].default == SOURCE_LABEL
        assert Settings.model_fields["card_source_url"].default == PROJECT_URL


@pytest.mark.anyio
class TestChartLink:
    async def test_the_first_card_links_the_chart(self, tmp_path: Path) -> None:
        """With the chart configured (its client id and the public URL), the first card's
        first link is a SMART link to the chart's launch page; no other card has it."""
        settings = card_settings(
            tmp_path,
            public_base_url="https://cds.example.org/ln",
            chart_client_id="ln-cds-chart",
        )
        first, *others = (await post_hook(settings, demo_hook()))["cards"]
        assert first["links"][0] == {
            "label": CHART_LINK_LABEL,
            "url": "https://cds.example.org/ln/chart/launch",
            "type": "smart",
        }
        assert [link["type"] for link in first["links"]].count("smart") == 1
        assert others
        assert all(link["type"] == "absolute" for c in others for link in c["links"])

    async def test_no_chart_link_without_its_client_id(self, tmp_path: Path) -> None:
        """The public URL alone does not make a chart link: the chart is off."""
        settings = card_settings(tmp_path, public_base_url="https://cds.example.org/ln")
        cards = (await post_hook(settings, demo_hook()))["cards"]
        assert all(link["type"] == "absolute" for c in cards for link in c.get("links", ()))

    async def test_a_patient_without_cards_gets_none(self, tmp_path: Path) -> None:
        """No lupus nephritis, no cards: the links are not sent on their own."""
        settings = card_settings(
            tmp_path,
            public_base_url="https://cds.example.org/ln",
            chart_client_id="ln-cds-chart",
            local_protocol_url="https://intranet.example.org/protocols/ln",
        )
        assert (await post_hook(settings, demo_hook("h-no-ln")))["cards"] == []
