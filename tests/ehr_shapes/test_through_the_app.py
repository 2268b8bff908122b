"""Held-out patients through the real app (prefetch resolved against their bundle)."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path
from typing import Any

import pytest

from cds_service.app import create_app
from cds_service.config import Settings
from cds_service.demo import DemoPatient, evaluate_in_process, topics_of
from fhir_mappings.findings import Topic
from tests.ehr_shapes.test_cerner import euro_lupus_patient
from tests.ehr_shapes.test_clinical_cases import mmf
from tests.ehr_shapes.test_epic import epic_patient
from tests.support.ehr import TODAY, Json, ln_snomed, patient, upcr


def _bundle(items: list[Json]) -> Json:
    """A collection Bundle of the patient's resources (Medications only contained)."""
    kept = [r for r in items if r["resourceType"] != "Medication"]
    for resource in kept:  # the app cannot read a separate Medication without a server
        if resource.get("medicationReference", {}).get("reference", "").startswith("Medication/"):
            resource["medicationReference"] = {"reference": "#med1"}
            resource["contained"] = [
                {"resourceType": "Medication", "id": "med1", "code": _MMF_CODE},
            ]
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [{"resource": r} for r in kept],
    }


_MMF_CODE: Json = {
    "coding": [
        {
            "system": "http://www.nlm.nih.gov/research/umls/rxnorm",
            "code": "200060",
            "display": "mycophenolate mofetil 500 MG Oral Tablet",
        }
    ]
}


def _run(tmp_path: Path, bundles: dict[str, list[Json]]) -> dict[str, tuple[int, Any]]:
    settings = Settings(
        require_jwt=False, database_url=f"sqlite:///{tmp_path / 'feedback.sqlite3'}"
    )
    patients = [
        DemoPatient(slug, slug, "p1", (), (), _bundle(items)) for slug, items in bundles.items()
    ]

    def factory() -> Any:
        return create_app(settings, clock=lambda: TODAY, uuid_factory=lambda: str(uuid.uuid4()))

    results = asyncio.run(evaluate_in_process(factory, patients))
    return {p.slug: (status, body) for p, status, body in results}


@pytest.fixture(scope="module")
def answers(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[int, Any]]:
    unreadable = [
        patient(),
        ln_snomed("ln"),
        mmf("m", -240),
        upcr("b", "2025-09-30", 3.0),
        upcr("m6", "2026-04-01", 2.0),
        upcr("l", "2026-05-20", 0.0, value_string="<0.1"),
    ]
    return _run(
        tmp_path_factory.mktemp("heldout"),
        {
            "epic-mmf": epic_patient(),
            "epic-excluded-conditions": epic_patient(with_active_condition=False),
            "cerner-cyc": euro_lupus_patient(),
            "unreadable-latest": unreadable,
        },
    )


class TestHeldoutThroughTheApp:
    @pytest.mark.parametrize(
        ("slug", "topics"),
        [
            ("epic-mmf", (Topic.REFRACTORY, Topic.DOSE_REVIEW)),
            ("epic-excluded-conditions", ()),
            ("cerner-cyc", (Topic.REFRACTORY, Topic.THERAPY_SWITCH)),
            ("unreadable-latest", (Topic.DATA_GAP,)),
        ],
    )
    def test_cards(
        self, slug: str, topics: tuple[Topic, ...], answers: dict[str, tuple[int, Any]]
    ) -> None:
        """The app answers 200 with the clinically right card topics, in order; a
        refractory card carries the repeat-biopsy suggestion itself."""
        status, body = answers[slug]
        assert status == 200
        assert topics_of(body["cards"]) == tuple(t.value for t in topics)
        for card in body["cards"]:
            if card["source"]["topic"]["code"] == Topic.REFRACTORY.value:
                labels = [x["label"] for x in card.get("suggestions", [])]
                assert labels == ["Order kidney biopsy"]

    def test_no_card_cites_excluded_results(self, answers: dict[str, tuple[int, Any]]) -> None:
        """No card of the Epic patient shows the preliminary or entered-in-error UPCR."""
        _, body = answers["epic-mmf"]
        details = [card["detail"] for card in body["cards"]]
        assert "| UPCR | 1.77 | g/g | latest |" in details[0]
        # 40 and 30 mg/mmol (preliminary, entered in error) would read 0.35 and 0.27 g/g.
        assert not any("0.35" in d or "0.27" in d for d in details)
