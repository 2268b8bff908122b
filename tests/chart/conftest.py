"""Fixtures of the chart tests.

``ChartClient``: the real app with the chart on, its lifespan run in a blocking portal,
called through ``httpx.ASGITransport``, synchronously, so tests read like plain HTTP
calls.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest
from anyio.from_thread import BlockingPortal, start_blocking_portal

from cds_service.app import create_app
from cds_service.config import Settings

#: The demo bundles are dated relative to 2026-06-30 (demo_data/index.json "anchor").
TODAY = date(2026, 6, 30)
FHIR_BASE = "https://fhir.example.org/r4"
CLIENT_ID = "ln-cds-chart"


def chart_settings(tmp: Path, **overrides: Any) -> Settings:
    """Settings with the chart on, no client JWT, one allow-listed FHIR server."""
    values: dict[str, Any] = {
        "chart_client_id": CLIENT_ID,
        "fhir_server_allowlist": [FHIR_BASE],
        "require_jwt": False,
        "database_url": f"sqlite:///{tmp / 'feedback.sqlite3'}",
        "pseudonym_key": "c" * 32,
    }
    values.update(overrides)
    return Settings(**values)


@dataclass
class ChartClient:
    """Synchronous calls to a started app (its lifespan runs in ``portal``)."""

    portal: BlockingPortal
    http: httpx.AsyncClient

    @property
    def cookies(self) -> httpx.Cookies:
        return self.http.cookies

    def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        async def call() -> httpx.Response:
            with anyio.fail_after(30):
                return await self.http.request(method, path, **kwargs)

        return self.portal.call(call)

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("POST", path, **kwargs)


@pytest.fixture
def make_client(tmp_path: Path) -> Iterator[Callable[..., ChartClient]]:
    """``make(**settings)``: a client of the real app (lifespan run), clock at ``TODAY``."""
    with ExitStack() as stack:

        def make(**overrides: Any) -> ChartClient:
            app = create_app(chart_settings(tmp_path, **overrides), clock=lambda: TODAY)
            portal = stack.enter_context(start_blocking_portal())
            stack.enter_context(portal.wrap_async_context_manager(app.router.lifespan_context(app)))
            transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
            http = httpx.AsyncClient(transport=transport, base_url="http://testserver")
            stack.callback(portal.call, http.aclose)
            return ChartClient(portal, http)

        yield make


@pytest.fixture
def client(make_client: Callable[..., ChartClient]) -> ChartClient:
    return make_client()
