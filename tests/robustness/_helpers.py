"""Helpers of the robustness tests: the real app (real assessment and cards, require_jwt
off) driven in-process. The ``live`` fixture is in ``conftest.py``.

``LiveApp`` runs the app's lifespan once (in a blocking portal) and lets each example
swap the fake FHIR server's behaviour (``LiveApp.fhir_handler``), so Hypothesis can run
many examples against one started app without function-scoped fixtures.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Coroutine, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import anyio
import httpx
from anyio.from_thread import BlockingPortal, start_blocking_portal
from fastapi import FastAPI

from cds_service.app import create_app
from cds_service.config import Settings
from tests.support.hooks import BASE as BASE
from tests.support.hooks import PATIENT as PATIENT

#: The fhirAuthorization access token (a b64token) and the client's Authorization header.
TOKEN = "fhir-access-token-Zq8Xw3"
CLIENT_AUTHORIZATION = "Bearer client-jwt-Kp4Rt7.payload-Vb2Nm6.signature-Hj9Ls1"
SERVICE_PATH = "/cds-services/lupus-nephritis-refractory"
#: The demo bundles are dated relative to 2026-06-30 (demo_data/index.json "anchor").
TODAY = date(2026, 7, 1)
#: The hook deadline of tests that expect an answer from data: far beyond what a busy
#: machine needs, so load never turns an answer into a 412 timeout.
GENEROUS_DEADLINE_SECONDS = 300.0
#: The hook deadline of tests whose FHIR server may never answer: short, so those hooks
#: end quickly. Only for tests that accept a 412 whether or not the deadline struck.
SHORT_DEADLINE_SECONDS = 0.3
#: LiveApp's guard against a hung hook; no correct run comes near it.
HANG_GUARD_SECONDS = 300.0

Handler = Callable[[httpx.Request], Coroutine[Any, Any, httpx.Response]]


async def not_found(request: httpx.Request) -> httpx.Response:
    """The default fake FHIR server: nothing there."""
    return httpx.Response(404, json={"resourceType": "OperationOutcome", "issue": []})


def robust_settings(tmp: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "fhir_server_allowlist": [BASE],
        "require_jwt": False,
        "database_url": f"sqlite:///{tmp / 'feedback.sqlite3'}",
        "pseudonym_key": "r" * 32,
        "hook_deadline_seconds": GENEROUS_DEADLINE_SECONDS,
        "log_level": "DEBUG",
    }
    values.update(overrides)
    return Settings(**values)


@dataclass
class LiveApp:
    """A started app and a synchronous way to call it; the FHIR server is ``fhir_handler``."""

    portal: BlockingPortal
    http: httpx.AsyncClient
    fhir_handler: Handler = not_found
    fhir_requests: list[httpx.Request] = field(default_factory=list)

    async def dispatch(self, request: httpx.Request) -> httpx.Response:
        self.fhir_requests.append(request)
        return await self.fhir_handler(request)

    def post(self, path: str = SERVICE_PATH, **kwargs: Any) -> httpx.Response:
        """POST through the ASGI app (in the portal's event loop), guarded against a hang."""

        async def call() -> httpx.Response:
            with anyio.fail_after(HANG_GUARD_SECONDS):
                return await self.http.post(path, **kwargs)

        return self.portal.call(call)

    def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        async def call() -> httpx.Response:
            with anyio.fail_after(HANG_GUARD_SECONDS):
                return await self.http.request(method, path, **kwargs)

        return self.portal.call(call)

    def data_requests(self) -> list[httpx.Request]:
        """The FHIR requests other than ``/metadata`` (read once per server and app)."""
        return [r for r in self.fhir_requests if not r.url.path.endswith("/metadata")]

    def reset(self, handler: Handler = not_found) -> None:
        self.fhir_handler = handler
        self.fhir_requests.clear()


def build_app(settings: Settings, fhir: Handler) -> FastAPI:
    """The real app (real assessment and cards); FHIR traffic goes to ``fhir``."""
    counter = iter(range(1, 10_000_000))
    return create_app(
        settings,
        clock=lambda: TODAY,
        uuid_factory=lambda: str(uuid.UUID(int=next(counter))),
        fhir_transport=httpx.MockTransport(fhir),
    )


@contextmanager
def start_live(settings: Settings) -> Iterator[LiveApp]:
    """Start the real app's lifespan in a blocking portal; yield a ``LiveApp``; shut down."""
    holder: list[LiveApp] = []

    async def dispatch(request: httpx.Request) -> httpx.Response:
        return await holder[0].dispatch(request)

    app = build_app(settings, dispatch)
    with ExitStack() as stack:
        portal = stack.enter_context(start_blocking_portal())
        stack.enter_context(portal.wrap_async_context_manager(app.router.lifespan_context(app)))
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        http = httpx.AsyncClient(transport=transport, base_url="http://testserver")
        stack.callback(portal.call, http.aclose)
        holder.append(LiveApp(portal, http))
        yield holder[0]


def assert_outcome(response: httpx.Response) -> dict[str, Any]:
    """A 4xx body is a FHIR OperationOutcome with at least one issue."""
    body = response.json()
    assert body["resourceType"] == "OperationOutcome"
    assert body["issue"]
    assert isinstance(body["issue"][0]["diagnostics"], str)
    return dict(body)
