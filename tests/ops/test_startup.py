"""Start-up and shutdown: one-line refusals of bad configuration (serve and the app
lifespan), uvicorn options of `ln-cds serve`, in-flight hooks finishing on shutdown and
the issued-card queue drained."""

from __future__ import annotations

import asyncio
import gc
import os
import socket
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx
import sqlalchemy as sa
import uvicorn
from fastapi import FastAPI

from cds_service import app as app_module
from cds_service import cli
from cds_service.config import ConfigurationError, Settings
from cds_service.feedback_store import FeedbackStore, issued_card
from tests.ops._helpers import AUTHORIZATION, PATIENT, SERVICE_PATH, running
from tests.support.hooks import empty_prefetch, hook_body

ISSUERS = '{"https://ehr.example.org": "https://ehr.example.org/jwks"}'


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Only the LNCDS_ variables a test sets are seen by Settings()."""
    for name in list(os.environ):
        if name.startswith("LNCDS_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("LNCDS_PSEUDONYM_KEY", "c" * 32)
    monkeypatch.setenv("LNCDS_DATABASE_URL", f"sqlite:///{tmp_path / 'f.sqlite3'}")


@pytest.fixture
def uvicorn_runs(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """Replace uvicorn.run (and logging set-up) by recorders."""
    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: calls.append({"app": app, **kw}))
    monkeypatch.setattr("cds_service.logging_config.configure_logging", lambda *a: None)
    return calls


def jwt_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LNCDS_PUBLIC_BASE_URL", "https://cds.example.org")
    monkeypatch.setenv("LNCDS_TRUSTED_ISSUERS", ISSUERS)


class TestServeRefusesBadConfiguration:
    @pytest.mark.parametrize(
        ("env", "named"),
        [
            ({"LNCDS_REQUIRE_JWT": "false", "LNCDS_RULESET": "kdigo-1999"}, "LNCDS_RULESET"),
            (
                {"LNCDS_PUBLIC_BASE_URL": "https://cds.example.org", "LNCDS_TRUSTED_ISSUERS": "{"},
                "LNCDS_TRUSTED_ISSUERS",
            ),
            (
                {"LNCDS_TRUSTED_ISSUERS": '{"https://ehr.example.org": "ftp://x"}'},
                "LNCDS_TRUSTED_ISSUERS",
            ),
            ({"LNCDS_TRUSTED_ISSUERS": ISSUERS}, "LNCDS_PUBLIC_BASE_URL"),
            ({"LNCDS_PUBLIC_BASE_URL": "https://cds.example.org"}, "LNCDS_TRUSTED_ISSUERS"),
            (
                {
                    "LNCDS_PUBLIC_BASE_URL": "https://cds.example.org",
                    "LNCDS_TRUSTED_ISSUERS_FILE": "/nonexistent/issuers.json",
                },
                "LNCDS_TRUSTED_ISSUERS_FILE",
            ),
            ({"LNCDS_JWT_ALGORITHMS": "ES384,HS256"}, "LNCDS_JWT_ALGORITHMS"),
            ({"LNCDS_JWT_ALGORITHMS": "none"}, "LNCDS_JWT_ALGORITHMS"),
            ({"LNCDS_WORKERS": "0"}, "LNCDS_WORKERS"),
            ({"LNCDS_FHIR_EXTRA_HEADERS": "{not json"}, "fhir_extra_headers"),
        ],
    )
    def test_one_line_naming_the_variable(
        self,
        env: dict[str, str],
        named: str,
        monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str],
        uvicorn_runs: list[dict[str, Any]],
    ) -> None:
        """serve exits 2 with one stderr line naming the variable; uvicorn never starts."""
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        assert cli.main(["serve"]) == 2
        err = capsys.readouterr().err
        assert len(err.strip().splitlines()) == 1
        assert named in err
        assert "Traceback" not in err
        assert uvicorn_runs == []

    def test_invalid_issuers_file_content(
        self,
        tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str],
        uvicorn_runs: list[dict[str, Any]],
    ) -> None:
        """A trusted issuers file that is not a JSON object is refused, naming the file."""
        path = tmp_path / "issuers.json"
        path.write_text("[1, 2]", encoding="utf-8")
        monkeypatch.setenv("LNCDS_PUBLIC_BASE_URL", "https://cds.example.org")
        monkeypatch.setenv("LNCDS_TRUSTED_ISSUERS_FILE", str(path))
        assert cli.main(["serve"]) == 2
        err = capsys.readouterr().err
        assert "LNCDS_TRUSTED_ISSUERS_FILE" in err
        assert str(path) in err


class TestServeStarts:
    def test_uvicorn_options(
        self, monkeypatch: pytest.MonkeyPatch, uvicorn_runs: list[dict[str, Any]]
    ) -> None:
        """serve runs the app factory with a graceful-shutdown timeout and LNCDS_WORKERS."""
        jwt_env(monkeypatch)
        monkeypatch.setenv("LNCDS_WORKERS", "3")
        monkeypatch.setenv("LNCDS_REDIS_URL", "redis://127.0.0.1:6379/0")
        assert cli.main(["serve", "--port", "9001"]) == 0
        (call,) = uvicorn_runs
        assert call["app"] == "cds_service.app:app_factory"
        assert call["factory"] is True
        assert call["workers"] == 3
        assert call["port"] == 9001
        assert call["timeout_graceful_shutdown"] == cli.GRACEFUL_SHUTDOWN_SECONDS
        assert cli.GRACEFUL_SHUTDOWN_SECONDS < 30  # Kubernetes' default grace period
        assert call["access_log"] is False

    def test_access_log_on_request(
        self, monkeypatch: pytest.MonkeyPatch, uvicorn_runs: list[dict[str, Any]]
    ) -> None:
        """LNCDS_ACCESS_LOG=true turns uvicorn's per-request access line back on."""
        jwt_env(monkeypatch)
        monkeypatch.setenv("LNCDS_ACCESS_LOG", "true")
        assert cli.main(["serve"]) == 0
        assert uvicorn_runs[0]["access_log"] is True

    def test_workers_option_wins(
        self, monkeypatch: pytest.MonkeyPatch, uvicorn_runs: list[dict[str, Any]]
    ) -> None:
        """--workers overrides LNCDS_WORKERS."""
        jwt_env(monkeypatch)
        monkeypatch.setenv("LNCDS_WORKERS", "3")
        assert cli.main(["serve", "--workers", "1"]) == 0
        assert uvicorn_runs[0]["workers"] == 1

    def test_workers_without_redis_start_without_a_replay_warning(
        self,
        monkeypatch: pytest.MonkeyPatch,
        uvicorn_runs: list[dict[str, Any]],
        caplog: pytest.LogCaptureFixture,
    ) -> None:
        """Several workers without Redis start quietly: they share the jti set through the
        service's database."""
        jwt_env(monkeypatch)
        assert cli.main(["serve", "--workers", "2"]) == 0
        assert uvicorn_runs[0]["workers"] == 2
        assert "LNCDS_REDIS_URL" not in caplog.text

    def test_app_factory_configures_logging(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """app_factory reads the environment and configures logging in the worker."""
        calls: list[tuple[str, ...]] = []
        monkeypatch.setattr(
            "cds_service.logging_config.configure_logging", lambda *a: calls.append(a)
        )
        monkeypatch.setenv("LNCDS_LOG_FORMAT", "json")
        jwt_env(monkeypatch)
        assert isinstance(app_module.app_factory(), FastAPI)
        assert calls == [("INFO", "json")]


class TestLifespanRefuses:
    @pytest.mark.anyio
    @pytest.mark.parametrize(
        ("overrides", "named"),
        [
            ({"ruleset": "kdigo-1999"}, "LNCDS_RULESET"),
            ({"require_jwt": True, "trusted_issuers": ISSUERS}, "LNCDS_PUBLIC_BASE_URL"),
        ],
    )
    async def test_lifespan_fails_fast(
        self,
        make_app: Callable[..., FastAPI],
        settings: Settings,
        overrides: dict[str, Any],
        named: str,
    ) -> None:
        """The app's start-up raises a one-line ConfigurationError before opening anything."""
        bad = Settings(**{**settings.model_dump(), **overrides})
        app = make_app(settings=bad)
        with pytest.raises(ConfigurationError, match=named) as caught:
            async with app.router.lifespan_context(app):
                pass  # pragma: no cover
        assert "\n" not in str(caught.value)


def issued(database_url: str) -> int:
    store = FeedbackStore(database_url)
    try:
        with store.engine.connect() as conn:
            value: int = conn.execute(
                sa.select(sa.func.count()).select_from(issued_card)
            ).scalar_one()
            return value
    finally:
        store.close()


@pytest.mark.anyio
class TestShutdown:
    async def test_card_queue_drained(
        self, make_app: Callable[..., FastAPI], database_url: str
    ) -> None:
        """Cards issued just before shutdown are in the store once the lifespan has ended."""
        async with running(make_app()) as http:
            for _ in range(3):
                assert (
                    await http.post(
                        SERVICE_PATH,
                        json=hook_body(
                            PATIENT,
                            fhirAuthorization=AUTHORIZATION,
                            prefetch=empty_prefetch(PATIENT),
                        ),
                    )
                ).status_code == 200
        assert issued(database_url) == 6

    async def test_in_flight_hook_completes(
        self, make_app: Callable[..., FastAPI], fhir: respx.Router, database_url: str
    ) -> None:
        """On a real uvicorn server told to exit mid-request, the hook still answers 200 and
        its cards are recorded."""
        started = asyncio.Event()
        server: WatchedServer | None = None

        async def slow(request: httpx.Request) -> httpx.Response:
            started.set()
            assert server is not None
            await server.shutting_down.wait()  # the FHIR answer comes once shutdown began
            return httpx.Response(200, json={"resourceType": "Bundle", "type": "searchset"})

        fhir.get("/Observation").mock(side_effect=slow)
        prefetch = empty_prefetch(PATIENT)
        del prefetch["observations"]
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        # the graceful-shutdown bound is not what is tested: generous, so a busy machine
        # still drains the request in time
        config = uvicorn.Config(
            make_app(), log_config=None, lifespan="on", timeout_graceful_shutdown=300
        )
        server = WatchedServer(config)
        serving = asyncio.create_task(server.serve(sockets=[sock]))
        try:
            await server.wait_started(serving)
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as http:
                call = asyncio.create_task(
                    http.post(
                        SERVICE_PATH,
                        json=hook_body(PATIENT, fhirAuthorization=AUTHORIZATION, prefetch=prefetch),
                    )
                )
                await started.wait()
                server.should_exit = True
                response = await call
            await serving
        finally:
            sock.close()
        assert server.shutting_down.is_set()
        assert response.status_code == 200
        assert issued(database_url) == 2


class WatchedServer(uvicorn.Server):
    """A uvicorn server that signals when it has started and when its shutdown begins."""

    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self.up = asyncio.Event()
        self.shutting_down = asyncio.Event()

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=sockets)
        self.up.set()

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        self.shutting_down.set()
        await super().shutdown(sockets=sockets)

    async def wait_started(self, serving: asyncio.Task[None]) -> None:
        """Return once started; raise if ``serving`` ended first (start-up failed)."""
        up = asyncio.create_task(self.up.wait())
        await asyncio.wait({up, serving}, return_when=asyncio.FIRST_COMPLETED)
        if not self.up.is_set():
            up.cancel()
            await serving
            raise AssertionError("uvicorn ended before it started")


class TestTuneGc:
    def test_freezes_and_raises_gen0(self) -> None:
        """tune_gc moves live objects to the permanent generation and sets the gen0 threshold."""
        before = gc.get_threshold()
        try:
            app_module.tune_gc()
            assert gc.get_freeze_count() > 0
            assert gc.get_threshold() == (app_module.GC_GEN0_THRESHOLD, before[1], before[2])
        finally:
            gc.unfreeze()
            gc.set_threshold(*before)

    @pytest.mark.anyio
    async def test_apps_of_tests_leave_gc_alone(self, make_app: Callable[..., FastAPI]) -> None:
        """Without server_process the lifespan changes neither the thresholds nor the freeze."""
        before = gc.get_threshold(), gc.get_freeze_count()
        app = make_app()
        async with app.router.lifespan_context(app):
            assert (gc.get_threshold(), gc.get_freeze_count()) == before


class TestWarmUp:
    @pytest.mark.anyio
    async def test_renders_the_demo_patient_without_recording(self, settings: Settings) -> None:
        """warm_up runs the real pipeline to cards, drawing no uuid from the app's factory."""
        drawn: list[str] = []

        def uuid_factory() -> str:
            drawn.append("x")
            return "00000000-0000-0000-0000-000000000000"

        app = app_module.create_app(settings, uuid_factory=uuid_factory)
        assert await app_module.warm_up(app.state.runtime) > 0
        assert drawn == []

    @pytest.mark.anyio
    async def test_failure_is_logged_and_start_up_goes_on(
        self, settings: Settings, caplog: pytest.LogCaptureFixture
    ) -> None:
        """An exception in the warm-up is logged as a warning and returns 0 cards."""

        def broken(*_: Any, **__: Any) -> Any:
            raise RuntimeError("boom")

        app = app_module.create_app(settings, evaluator=broken)
        assert await app_module.warm_up(app.state.runtime) == 0
        assert "warm-up failed" in caplog.text

    @pytest.mark.anyio
    async def test_server_start_up_warms_tunes_and_records_nothing(
        self, settings: Settings
    ) -> None:
        """server_process=True warms up and tunes GC in the lifespan; no issued card is logged."""
        before = gc.get_threshold()
        app = app_module.create_app(settings, server_process=True)
        try:
            async with app.router.lifespan_context(app):
                assert gc.get_freeze_count() > 0
                assert gc.get_threshold()[0] == app_module.GC_GEN0_THRESHOLD
        finally:
            gc.unfreeze()
            gc.set_threshold(*before)
        assert issued(settings.database_url) == 0
