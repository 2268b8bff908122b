"""uvicorn limits of `ln-cds serve`: header size, concurrent connections, idle keep-alive.

The settings reach `uvicorn.run`, uvicorn accepts them as its own options, and with the
h11 parser a request head that grows past the limit is refused while a normal one is
served.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol
from uvicorn.server import ServerState

from cds_service import cli


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Development settings only; the store in tmp_path."""
    for name in list(os.environ):
        if name.startswith("LNCDS_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("LNCDS_REQUIRE_JWT", "false")
    monkeypatch.setenv("LNCDS_DATABASE_URL", f"sqlite:///{tmp_path / 'f.sqlite3'}")
    monkeypatch.setattr("cds_service.logging_config.configure_logging", lambda *a: None)


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """The keyword arguments of each uvicorn.run call (nothing is started)."""
    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: calls.append(kw))
    return calls


class FakeTransport:
    """The bits of asyncio.Transport uvicorn's protocol uses; keeps what it writes."""

    def __init__(self) -> None:
        self.written = b""
        self.closed = False

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return {"sockname": ("127.0.0.1", 8000), "peername": ("127.0.0.1", 50000)}.get(
            name, default
        )

    def write(self, data: bytes) -> None:
        self.written += data

    def close(self) -> None:
        self.closed = True

    def is_closing(self) -> bool:
        return self.closed

    def pause_reading(self) -> None:
        pass

    def resume_reading(self) -> None:
        pass


async def ok_app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """A minimal ASGI app: 200, empty body."""
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b""})


async def answer(options: dict[str, Any], header_bytes: int) -> bytes:
    """What uvicorn's h11 protocol, configured with ``options``, answers a GET whose
    request head carries a header of ``header_bytes`` bytes, received in two reads: all
    but the blank line that ends the head, then that line (h11 bounds what it buffers of
    a head not yet complete)."""
    config = uvicorn.Config(ok_app, **options, lifespan="off", log_config=None)
    state = ServerState()
    protocol = H11Protocol(config=config, server_state=state, app_state={})
    transport = FakeTransport()
    protocol.connection_made(transport)  # type: ignore[arg-type]
    head = b"GET /healthz HTTP/1.1\r\nHost: t\r\nX-Pad: " + b"a" * header_bytes + b"\r\n"
    protocol.data_received(head)
    if not transport.closed:
        protocol.data_received(b"\r\n")
    await asyncio.gather(*state.tasks)
    protocol.connection_lost(None)
    return transport.written


def serve_options(served: list[dict[str, Any]]) -> dict[str, Any]:
    """uvicorn's own options from the one uvicorn.run call of `ln-cds serve` (no app)."""
    assert cli.main(["serve"]) == 0
    (call,) = served
    return {k: v for k, v in call.items() if k not in {"factory", "workers", "log_config"}}


class TestServeLimits:
    def test_defaults_reach_uvicorn(self, served: list[dict[str, Any]]) -> None:
        """serve passes the parser choice and the three limits, with their defaults."""
        assert cli.main(["serve"]) == 0
        (call,) = served
        assert call["http"] == "auto"
        assert call["h11_max_incomplete_event_size"] == 16 * 1024
        assert call["limit_concurrency"] == 100
        assert call["timeout_keep_alive"] == 5

    def test_settings_reach_uvicorn(
        self, monkeypatch: pytest.MonkeyPatch, served: list[dict[str, Any]]
    ) -> None:
        """LNCDS_HTTP_PARSER and the LNCDS_ limits override the defaults."""
        monkeypatch.setenv("LNCDS_HTTP_PARSER", "h11")
        monkeypatch.setenv("LNCDS_MAX_HEADER_BYTES", "8192")
        monkeypatch.setenv("LNCDS_MAX_CONCURRENT_CONNECTIONS", "20")
        monkeypatch.setenv("LNCDS_KEEP_ALIVE_TIMEOUT_SECONDS", "75")
        options = serve_options(served)
        config = uvicorn.Config(
            "cds_service.app:app_factory", factory=True, **options, log_config=None
        )
        assert config.http == "h11"
        assert config.h11_max_incomplete_event_size == 8192
        assert config.limit_concurrency == 20
        assert config.timeout_keep_alive == 75

    @pytest.mark.parametrize(
        "variable", ["LNCDS_MAX_HEADER_BYTES", "LNCDS_KEEP_ALIVE_TIMEOUT_SECONDS"]
    )
    def test_invalid_limit_refuses_to_start(
        self,
        monkeypatch: pytest.MonkeyPatch,
        served: list[dict[str, Any]],
        capsys: pytest.CaptureFixture[str],
        variable: str,
    ) -> None:
        """A limit below its minimum stops serve with exit 2 and one line naming it."""
        monkeypatch.setenv(variable, "0")
        assert cli.main(["serve"]) == 2
        assert variable in capsys.readouterr().err
        assert served == []


class TestHeaderLimitWithH11:
    @pytest.fixture
    def options(
        self, monkeypatch: pytest.MonkeyPatch, served: list[dict[str, Any]]
    ) -> dict[str, Any]:
        monkeypatch.setenv("LNCDS_HTTP_PARSER", "h11")
        monkeypatch.setenv("LNCDS_MAX_HEADER_BYTES", "4096")
        return serve_options(served)

    def test_normal_head_is_served(self, options: dict[str, Any]) -> None:
        """A request head within LNCDS_MAX_HEADER_BYTES reaches the app."""
        assert asyncio.run(answer(options, 1000)).startswith(b"HTTP/1.1 200")

    def test_oversized_head_is_refused(self, options: dict[str, Any]) -> None:
        """A head growing past LNCDS_MAX_HEADER_BYTES is refused (400) before the app runs."""
        assert asyncio.run(answer(options, 8000)).startswith(b"HTTP/1.1 400")
