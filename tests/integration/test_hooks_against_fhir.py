"""The real app against a real FHIR server, for every demo patient.

Each demo Bundle (``cds_service/demo_data``) is loaded into the Medplum test server
and ``patient-view`` is fired twice: (a) with no prefetch, so the service searches
``fhirServer`` itself, and (b) with every prefetch key filled the way the CDS Hooks
Sandbox fills them: the service's own templates from discovery, resolved here and
sent to the FHIR server, first page only (so the service must follow ``link[next]``).
Both must give the same cards, with the topics ``demo_data/index.json`` expects.

The app's clock is the index's anchor date, so the stored dates need no shifting.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any
from uuid import uuid4

import httpx
import pytest

import cds_service
from cds_service.app import create_app
from cds_service.config import Settings
from tests.support.fhir_server import RecordingTransport

pytestmark = pytest.mark.integration

DEMO_DIR = Path(cds_service.__file__).resolve().parent / "demo_data"
SERVICE_ID = "lupus-nephritis-refractory"
USER_ID = "Practitioner/ln-demo-clinician"
APP_URL = "http://ln-cds.test"
#: Enough pages for the small-page server (2 resources a page) to reach every resource.
MAX_PAGES = 500
#: These tests check what the app reads, not how fast: the hook deadline (8 s by default)
#: and the read timeout are set far beyond what a loaded machine needs, so a slow test
#: server never turns into a 412. The deadline itself is tested in tests/service.
HOOK_DEADLINE_SECONDS = 300.0
FHIR_READ_TIMEOUT_SECONDS = 120.0
_TOKEN_RE = re.compile(r"\{\{\s*context\.([A-Za-z]+)\s*\}\}")

LoadBundle = Callable[[str, Mapping[str, Any]], dict[str, Any]]


@dataclass(frozen=True)
class DemoPatient:
    slug: str
    file: str
    patient_id: str
    expected_topics: tuple[str, ...]


def _demo_index() -> tuple[date, tuple[DemoPatient, ...]]:
    index = json.loads((DEMO_DIR / "index.json").read_text(encoding="utf-8"))
    patients = tuple(
        DemoPatient(p["slug"], p["file"], p["patient_id"], tuple(p["expected_topics"]))
        for p in index["patients"]
    )
    return date.fromisoformat(index["anchor"]), patients


ANCHOR, PATIENTS = _demo_index()


def _load_demo_patients(base_url: str, load: LoadBundle) -> str:
    for patient in PATIENTS:
        bundle = json.loads((DEMO_DIR / patient.file).read_text(encoding="utf-8"))
        load(base_url, bundle)
    return base_url


@pytest.fixture(scope="module")
def demo_fhir(fhir_base_url: str, load_transaction: LoadBundle) -> str:
    """The session FHIR server with every demo patient loaded."""
    return _load_demo_patients(fhir_base_url, load_transaction)


@pytest.fixture(scope="module")
def small_page_demo_fhir(small_page_fhir_base_url: str, load_transaction: LoadBundle) -> str:
    """The small-page FHIR server with every demo patient loaded."""
    return _load_demo_patients(small_page_fhir_base_url, load_transaction)


def _uuid_factory() -> Callable[[], str]:
    counter = itertools.count(1)
    return lambda: f"00000000-0000-4000-8000-{next(counter):012d}"


@asynccontextmanager
async def _app_client(
    base_url: str, tmp_path: Path, transport: httpx.AsyncBaseTransport | None = None
) -> AsyncIterator[httpx.AsyncClient]:
    """The real app (no JWT) with its lifespan running, allowed to call ``base_url``,
    clock at the anchor, reached in-process through an ASGI transport."""
    settings = Settings(
        require_jwt=False,
        fhir_server_allowlist=[base_url],
        database_url=f"sqlite:///{tmp_path / 'feedback.sqlite3'}",
        max_pages_per_search=MAX_PAGES,
        hook_deadline_seconds=HOOK_DEADLINE_SECONDS,
        fhir_read_timeout_seconds=FHIR_READ_TIMEOUT_SECONDS,
    )
    app = create_app(
        settings, clock=lambda: ANCHOR, uuid_factory=_uuid_factory(), fhir_transport=transport
    )
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=APP_URL) as client,
    ):
        yield client


def _hook_request(
    patient_id: str, fhir_server: str, prefetch: Mapping[str, Any] | None
) -> dict[str, Any]:
    request: dict[str, Any] = {
        "hook": "patient-view",
        "hookInstance": str(uuid4()),
        "fhirServer": fhir_server,
        "context": {"userId": USER_ID, "patientId": patient_id},
    }
    if prefetch is not None:
        request["prefetch"] = dict(prefetch)
    return request


def _resolve(template: str, context: Mapping[str, str]) -> str:
    """Substitute ``{{context.x}}`` tokens (all the service's templates use)."""
    resolved = _TOKEN_RE.sub(lambda m: context[m.group(1)], template)
    assert "{{" not in resolved, f"unexpected token in {template!r}"
    return resolved


async def _sandbox_prefetch(
    client: httpx.AsyncClient, fhir_server: str, patient_id: str
) -> dict[str, Any]:
    """Prefetch as the CDS Hooks Sandbox fills it: templates from discovery, first page
    only, keys it could not fill dropped."""
    services = (await client.get("/cds-services")).json()["services"]
    templates = next(s for s in services if s["id"] == SERVICE_ID)["prefetch"]
    context = {"userId": USER_ID, "patientId": patient_id}
    prefetch: dict[str, Any] = {}
    async with httpx.AsyncClient(timeout=60.0) as fhir:
        for key, template in templates.items():
            response = await fhir.get(f"{fhir_server}/{_resolve(template, context)}")
            if response.status_code == 200:
                prefetch[key] = response.json()
    return prefetch


async def _fire(
    client: httpx.AsyncClient, patient_id: str, fhir_server: str, prefetch: Mapping[str, Any] | None
) -> list[dict[str, Any]]:
    response = await client.post(
        f"/cds-services/{SERVICE_ID}", json=_hook_request(patient_id, fhir_server, prefetch)
    )
    assert response.status_code == 200, response.text[:2000]
    cards: list[dict[str, Any]] = response.json()["cards"]
    return cards


def _topics_and_summaries(cards: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return [(card["source"]["topic"]["code"], card["summary"]) for card in cards]


def _topics(cards: list[dict[str, Any]]) -> tuple[str, ...]:
    return tuple(card["source"]["topic"]["code"] for card in cards)


def _is_search(url: httpx.URL) -> bool:
    """``.../fhir/Type?...`` (a type search), not ``.../fhir/Type/id`` (a read)."""
    return url.path.rstrip("/").split("/")[-2] == "fhir"


def _has_next(bundle: Any) -> bool:
    links = bundle.get("link", []) if isinstance(bundle, dict) else []
    return any(link.get("relation") == "next" for link in links)


async def _fetch_and_prefetch(
    client: httpx.AsyncClient, fhir_server: str, patient_id: str
) -> tuple[list[dict[str, Any]], dict[str, Any], list[dict[str, Any]]]:
    """(cards with no prefetch, the Sandbox-style prefetch, cards with that prefetch)."""
    fetched = await _fire(client, patient_id, fhir_server, None)
    prefetch = await _sandbox_prefetch(client, fhir_server, patient_id)
    prefetched = await _fire(client, patient_id, fhir_server, prefetch)
    return fetched, prefetch, prefetched


class TestDemoPatients:
    @pytest.mark.parametrize("patient", PATIENTS, ids=lambda p: p.slug)
    def test_fetch_and_prefetch_give_the_expected_cards(
        self, demo_fhir: str, tmp_path: Path, patient: DemoPatient
    ) -> None:
        """No prefetch and first-page prefetch give the same cards, with index.json's topics."""

        async def scenario() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
            async with _app_client(demo_fhir, tmp_path) as client:
                fetched, _, prefetched = await _fetch_and_prefetch(
                    client, demo_fhir, patient.patient_id
                )
                return fetched, prefetched

        fetched, prefetched = asyncio.run(scenario())
        assert _topics_and_summaries(prefetched) == _topics_and_summaries(fetched)
        assert _topics(fetched) == patient.expected_topics

    def test_every_demo_patient_is_on_the_server(self, demo_fhir: str) -> None:
        """Each patient id of index.json can be read back from the FHIR server."""
        for patient in PATIENTS:
            response = httpx.get(f"{demo_fhir}/Patient/{patient.patient_id}")
            assert response.status_code == 200, patient.slug


class TestPaging:
    @pytest.mark.parametrize("patient", PATIENTS, ids=lambda p: p.slug)
    def test_small_pages_are_followed(
        self, small_page_demo_fhir: str, tmp_path: Path, patient: DemoPatient
    ) -> None:
        """With 2 resources a page, fetch and prefetch both follow link[next] to the same cards."""
        transport = RecordingTransport()

        fhir, patient_id = small_page_demo_fhir, patient.patient_id
        fetching: list[httpx.URL] = []

        async def scenario() -> tuple[list[dict[str, Any]], dict[str, Any], list[dict[str, Any]]]:
            async with _app_client(fhir, tmp_path, transport) as client:
                fetched = await _fire(client, patient_id, fhir, None)
                fetching.extend(transport.urls)
                transport.urls.clear()
                prefetch = await _sandbox_prefetch(client, fhir, patient_id)
                return fetched, prefetch, await _fire(client, patient_id, fhir, prefetch)

        fetched, prefetch, prefetched = asyncio.run(scenario())
        prefetching = transport.urls
        assert any("_offset" in url.params for url in fetching), "no next link was followed"
        assert [key for key, bundle in prefetch.items() if _has_next(bundle)], "nothing paged"
        # Each paginated prefetch Bundle was continued from its next link, never searched
        # again from the first page.
        assert prefetching
        assert all("_offset" in url.params for url in prefetching if _is_search(url))
        assert _topics_and_summaries(prefetched) == _topics_and_summaries(fetched)
        assert _topics(fetched) == patient.expected_topics
