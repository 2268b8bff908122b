"""Fixtures for the service tests: settings, a fake FHIR server (respx), fake evaluator/renderer."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx
from fastapi import FastAPI

from cds_service.app import create_app
from cds_service.config import Settings
from cds_service.service_definition import ServiceDefinition, build_service
from tests.service._helpers import (
    BASE,
    LOINC,
    ORIGIN,
    FakeEvaluator,
    fake_renderer,
    running,
)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        fhir_server_allowlist=[BASE],
        cors_origins=[ORIGIN],
        require_jwt=False,
        database_url=f"sqlite:///{tmp_path / 'feedback.sqlite3'}",
        pseudonym_key="k" * 32,
        fhir_extra_headers={"Epic-Client-ID": "client-42"},
    )


@pytest.fixture
def service() -> ServiceDefinition:
    return build_service(LOINC)


@pytest.fixture
def fhir() -> respx.Router:
    """The fake FHIR server; its /metadata answers 404 (every search assumed supported)."""
    router = respx.Router(base_url=BASE, assert_all_called=False)
    router.get("/metadata", name="metadata").respond(
        404, json={"resourceType": "OperationOutcome", "issue": []}
    )
    return router


@pytest.fixture
def evaluator() -> FakeEvaluator:
    return FakeEvaluator()


@pytest.fixture
def make_app(
    settings: Settings, service: ServiceDefinition, fhir: respx.Router, evaluator: FakeEvaluator
) -> Callable[..., FastAPI]:
    def factory(**overrides: Any) -> FastAPI:
        counter = iter(range(1, 1_000_000))
        kwargs: dict[str, Any] = {
            "settings": settings,
            "clock": lambda: date(2025, 6, 1),
            "uuid_factory": lambda: str(uuid.UUID(int=next(counter))),
            "fhir_transport": httpx.MockTransport(fhir.async_handler),
            "evaluator": evaluator,
            "renderer": fake_renderer,
            "service": service,
            "rulesets": {"kdigo-2024", "kdigo-2012"},
        }
        kwargs.update(overrides)
        return create_app(**kwargs)

    return factory


@pytest.fixture
async def client(make_app: Callable[..., FastAPI]) -> AsyncIterator[httpx.AsyncClient]:
    async with running(make_app()) as http:
        yield http
