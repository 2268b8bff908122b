"""Fixtures of the chart tests.

``ChartClient``: the real app with the chart on, its lifespan run in a blocking portal,
called through ``httpx.ASGITransport``, synchronously, so tests read like plain HTTP
calls. ``chart_env``: the browser tests' session (``tests/chart/harness.py``): the SMART
stub, the Medplum FHIR server with every demo patient, the app under uvicorn and a
headless Debian Chromium driven by Playwright. Without Chromium (or node for the FHIR
server) the browser tests skip with the reason, except under ``CI``, where they fail.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx
import pytest
from anyio.from_thread import start_blocking_portal

from cds_service.app import create_app
from tests.chart._helpers import TODAY, ChartClient, ChartEnv, chart_settings
from tests.chart.harness import (
    CHROMIUM_ARGS,
    SmartStub,
    app_settings,
    chromium_executable,
    demo_patients,
    fhir_server,
    serve_app,
)
from tests.chart.harness import CLIENT_ID as CLIENT_ID_BROWSER


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


# --- the browser tests: Chromium, the SMART stub, the FHIR server, the app ---------------


def _running_under_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def _unavailable(reason: str) -> None:
    """Skip locally; under CI a missing browser fails the run (CI must not skip them)."""
    if _running_under_ci():
        pytest.fail(reason + " (CI is set: the browser tests must run)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def chromium() -> str:
    """Debian's Chromium and the playwright package, or skip (fail under CI)."""
    path, why = chromium_executable()
    if path is None:
        _unavailable(why)
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        _unavailable("the playwright package is missing: pip install -e '.[test]'")
    assert path is not None
    return path


# Module scope, not session: while Playwright's sync driver is started it holds an
# asyncio loop marked running on this thread, and every later test that calls
# asyncio.run() would fail. It is stopped when the browser tests are done.
@pytest.fixture(scope="module")
def chart_env(chromium: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ChartEnv]:
    """Stub, FHIR server with every demo patient, the app and a headless Chromium."""
    from playwright.sync_api import sync_playwright

    patients = demo_patients()
    stub = SmartStub(client_id=CLIENT_ID_BROWSER, token=secrets.token_urlsafe(32))
    stub.launches.update({f"L-{p.slug}": p.patient_id for p in patients})
    stub.standalone_patient = patients[0].patient_id
    tmp = tmp_path_factory.mktemp("chart-app")
    with ExitStack() as stack:
        stack.enter_context(stub.running())
        fhir = stack.enter_context(fhir_server(stub, patients))
        stub.audience = fhir
        app = stack.enter_context(serve_app(app_settings(tmp, fhir, stub)))
        stub.redirect_uri = f"{app}/chart/"
        driver = sync_playwright().start()
        stack.callback(driver.stop)
        browser = driver.chromium.launch(executable_path=chromium, args=list(CHROMIUM_ARGS))
        stack.callback(browser.close)
        yield ChartEnv(
            stub=stub,
            fhir=fhir,
            app=app,
            browser=browser,
            patients={p.slug: p for p in patients},
            screenshots=tmp_path_factory.mktemp("chart-screenshots"),
        )
