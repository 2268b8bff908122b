"""Helpers of the chart tests: settings with the chart on, a synchronous client of the
started app, and the browser session's running pieces. Fixtures are in ``conftest.py``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import anyio
import httpx
from anyio.from_thread import BlockingPortal

from cds_service.config import Settings
from cds_service.demo import DemoPatient
from tests.chart.harness import SmartStub

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
            with anyio.fail_after(300):  # a hang guard only, whatever the load
                return await self.http.request(method, path, **kwargs)

        return self.portal.call(call)

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("POST", path, **kwargs)


@dataclass
class ChartEnv:
    """The running pieces of a browser test session."""

    stub: SmartStub
    fhir: str
    app: str
    browser: Any  # playwright.sync_api.Browser
    patients: dict[str, DemoPatient]
    screenshots: Path

    def launch_url(self, slug: str | None = None) -> str:
        """The SMART launch URL: an EHR launch for ``slug``, else a standalone launch."""
        query = {"iss": self.fhir}
        if slug is not None:
            query["launch"] = f"L-{slug}"
        return f"{self.app}/chart/launch?{urlencode(query)}"
