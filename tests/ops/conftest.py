"""Fixtures for the operability tests: the real app with fake evaluator/renderer and a
respx FHIR server (the helpers they use are in ``_helpers.py``)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx
from fastapi import FastAPI
from pydantic import SecretStr

from cds_service.app import create_app
from cds_service.config import Settings
from cds_service.service_definition import ServiceDefinition, build_service
from tests.ops._helpers import BASE, PSEUDONYM_KEY, evaluator, renderer, running


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'feedback.sqlite3'}"


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(
        fhir_server_allowlist=[BASE],
        require_jwt=False,
        database_url=database_url,
        pseudonym_key=SecretStr(PSEUDONYM_KEY),
    )


@pytest.fixture
def service() -> ServiceDefinition:
    return build_service(("2889-4",))


@pytest.fixture
def fhir() -> respx.Router:
    """The fake FHIR server; its /metadata answers 404 (every search assumed supported)."""
    router = respx.Router(base_url=BASE, assert_all_called=False)
    router.get("/metadata", name="metadata").respond(
        404, json={"resourceType": "OperationOutcome", "issue": []}
    )
    return router


@pytest.fixture
def make_app(
    settings: Settings, service: ServiceDefinition, fhir: respx.Router
) -> Callable[..., FastAPI]:
    def factory(**overrides: Any) -> FastAPI:
        counter = iter(range(1, 1_000_000))
        kwargs: dict[str, Any] = {
            "settings": settings,
            "clock": lambda: date(2025, 6, 1),
            "uuid_factory": lambda: f"00000000-0000-0000-0000-{next(counter):012d}",
            "fhir_transport": httpx.MockTransport(fhir.async_handler),
            "evaluator": evaluator,
            "renderer": renderer,
            "service": service,
            "rulesets": {"kdigo-2024"},
        }
        kwargs.update(overrides)
        return create_app(**kwargs)

    return factory


@pytest.fixture
async def client(make_app: Callable[..., FastAPI]) -> AsyncIterator[httpx.AsyncClient]:
    async with running(make_app()) as http:
        yield http
