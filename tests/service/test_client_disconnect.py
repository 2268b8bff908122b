"""A client that goes away while sending its body: one info line, no stack trace, no error."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import pytest
from fastapi import FastAPI

from tests.service._helpers import SERVICE_PATH

pytestmark = pytest.mark.anyio

Message = dict[str, Any]


async def call_asgi(app: FastAPI, path: str, incoming: list[Message]) -> list[Message]:
    """Drive ``app`` as a server would: a POST whose receive() yields ``incoming``, then
    ``http.disconnect`` for ever; returns what the app sent."""
    pending = list(incoming)
    sent: list[Message] = []

    async def receive() -> Message:
        return pending.pop(0) if pending else {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        sent.append(message)

    scope: dict[str, Any] = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": [
            (b"host", b"testserver"),
            (b"content-type", b"application/json"),
            (b"content-length", b"5000"),
        ],
        "client": ("127.0.0.1", 40000),
        "server": ("testserver", 80),
    }
    async with app.router.lifespan_context(app):
        await app(scope, receive, send)
    return sent


@pytest.mark.parametrize(
    "path", [SERVICE_PATH, f"{SERVICE_PATH}/feedback"], ids=["hook", "feedback"]
)
async def test_disconnect_mid_body_is_one_info_line(
    make_app: Callable[..., FastAPI], caplog: pytest.LogCaptureFixture, path: str
) -> None:
    """Half a body then a disconnect: the app returns normally (nothing for the server to log),
    logs one info line without a stack trace, and answers at most a bodiless 499."""
    caplog.set_level(logging.DEBUG)
    first_half = {"type": "http.request", "body": b'{"hook": "patient-', "more_body": True}
    sent = await call_asgi(make_app(), path, [first_half])
    about_it = [r for r in caplog.records if "disconnect" in r.getMessage()]
    assert [(r.levelno, r.exc_info) for r in about_it] == [(logging.INFO, None)]
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert "Traceback" not in caplog.text
    starts = [m for m in sent if m["type"] == "http.response.start"]
    assert [m["status"] for m in starts] in ([], [499])
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    assert body == b""
