"""Golden files: the full CDS Hooks response of every demo patient, byte for byte.

The app runs with a fixed clock (the demo anchor date) and a counting uuid factory,
so the JSON is deterministic. After an intended change to cards, regenerate with
``LNCDS_UPDATE_GOLDEN=1 scripts/test tests/golden`` and review the diff.
"""

from __future__ import annotations

import asyncio
import json
import os
import uuid
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from cds_service.app import create_app
from cds_service.config import Settings
from cds_service.demo import DemoPatient, evaluate_in_process, load_index, load_patients

GOLDEN_DIR = Path(__file__).parent / "cards"
ANCHOR = date.fromisoformat(load_index()["anchor"])
UPDATE = os.environ.get("LNCDS_UPDATE_GOLDEN") == "1"
_NAMESPACE = uuid.UUID("6f1c1b7e-2d53-4c1a-9a57-3c1d2f0e9b10")


def counting_uuids() -> Callable[[], str]:
    """A uuid factory yielding uuid5(namespace, "1"), uuid5(namespace, "2"), ..."""
    counter: Iterator[int] = iter(range(1, 1_000_000))
    return lambda: str(uuid.uuid5(_NAMESPACE, str(next(counter))))


def run_patients(
    tmp_path: Path, patients: list[DemoPatient], *, show_status: bool
) -> list[tuple[DemoPatient, int, Any]]:
    settings = Settings(
        require_jwt=False,
        show_status_card=show_status,
        database_url=f"sqlite:///{tmp_path / 'feedback.sqlite3'}",
    )

    def factory() -> Any:
        return create_app(settings, clock=lambda: ANCHOR, uuid_factory=counting_uuids())

    return asyncio.run(evaluate_in_process(factory, patients))


@pytest.fixture(scope="module")
def responses(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[int, Any]]:
    patients = load_patients(ANCHOR)
    results = run_patients(tmp_path_factory.mktemp("golden"), patients, show_status=True)
    return {patient.slug: (status, body) for patient, status, body in results}


SLUGS = [entry["slug"] for entry in load_index()["patients"]]


class TestGoldenCards:
    @pytest.mark.parametrize("slug", SLUGS)
    def test_response_matches_golden_file(
        self, slug: str, responses: dict[str, tuple[int, Any]]
    ) -> None:
        """The whole CDS Hooks response for a demo patient equals its reviewed golden file."""
        status, body = responses[slug]
        assert status == 200
        path = GOLDEN_DIR / f"{slug}.json"
        text = json.dumps(body, indent=2, ensure_ascii=False, sort_keys=True) + "\n"
        if UPDATE:
            path.write_text(text, encoding="utf-8")
        assert path.exists(), f"no golden file {path.name}: run with LNCDS_UPDATE_GOLDEN=1"
        assert text == path.read_text(encoding="utf-8")

    @pytest.mark.parametrize("slug", SLUGS)
    def test_topics_match_the_index(self, slug: str, responses: dict[str, tuple[int, Any]]) -> None:
        """Each demo patient gets exactly the topics its index entry promises, in order."""
        entry = next(e for e in load_index()["patients"] if e["slug"] == slug)
        _, body = responses[slug]
        topics = [card["source"]["topic"]["code"] for card in body["cards"]]
        assert topics == entry["expected_topics_show_status"]


class TestDefaultSettings:
    def test_status_card_is_off_by_default(self, tmp_path: Path) -> None:
        """With default settings no demo patient gets a response-status card."""
        results = run_patients(tmp_path, load_patients(ANCHOR), show_status=False)
        for patient, status, body in results:
            topics = tuple(card["source"]["topic"]["code"] for card in body["cards"])
            assert (status, topics) == (200, patient.expected_topics), patient.slug
