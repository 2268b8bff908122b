"""A real FHIR server for the tests: Medplum, in memory, under node.

The server is ``tests/fhir_server/server.mjs``; ``run_fhir_server`` starts one on a free
port and stops it at the end. When ``node`` or ``tests/fhir_server/node_modules`` is
missing it skips the test with the reason, except under ``CI`` (any non-empty value but
``0``/``false``), where a missing server is a hard failure. ``as_transaction``,
``load_bundle`` and ``load_resources`` load data into it. The integration fixtures are
in ``tests/integration/conftest.py``; the chart's browser tests use it too.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
SERVER_DIR = REPO_ROOT / "tests" / "fhir_server"
SERVER_SCRIPT = SERVER_DIR / "server.mjs"
#: Bounds that only stop a hung test; a busy machine starts and stops node far sooner.
STARTUP_TIMEOUT_SECONDS = 300.0
STOP_TIMEOUT_SECONDS = 60.0
#: Page size forced on the second server so that every non-trivial search pages.
SMALL_PAGE_SIZE = 2
_LISTENING_RE = re.compile(r"^LISTENING (http://127\.0\.0\.1:\d+/fhir)\s*$")

LoadBundle = Callable[[str, Mapping[str, Any]], dict[str, Any]]


def _running_under_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def _node_command() -> list[str]:
    """``node`` with the flags Medplum 5.x needs on this node version."""
    node = shutil.which("node")
    missing = []
    if node is None:
        missing.append("node is not on PATH")
    if not (SERVER_DIR / "node_modules" / "@medplum" / "fhir-router").is_dir():
        missing.append(f"{SERVER_DIR / 'node_modules'} is missing (run `npm ci` there)")
    if missing or node is None:
        reason = "FHIR test server unavailable: " + "; ".join(missing)
        if _running_under_ci():
            pytest.fail(reason + " (CI is set: integration tests must run)", pytrace=False)
        pytest.skip(reason)
    version = subprocess.run(
        [node, "--version"], capture_output=True, text=True, check=True, timeout=30
    ).stdout
    major = int(version.strip().lstrip("v").split(".")[0])
    # Medplum 5.x needs a global WebSocket: built in from node 22, behind a flag on 20/21.
    return [node, "--experimental-websocket"] if major < 22 else [node]


def _read_first_line(process: subprocess.Popen[str], timeout: float) -> str | None:
    """The first stdout line of ``process``, or None on timeout/exit."""
    lines: list[str] = []

    def read() -> None:
        assert process.stdout is not None
        lines.append(process.stdout.readline())

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    reader.join(timeout)
    return lines[0] if lines and lines[0] else None


def _wait_ready(base_url: str, deadline: float) -> None:
    """Poll /metadata until it answers 200 or the deadline passes."""
    while True:
        try:
            if httpx.get(f"{base_url}/metadata", timeout=30.0).status_code == 200:
                return
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"FHIR test server at {base_url} did not become ready")
        time.sleep(0.1)


@contextmanager
def run_fhir_server(env: Mapping[str, str] | None = None) -> Iterator[str]:
    """Start ``server.mjs`` on a free port; yield its base URL; stop it on exit."""
    command = [*_node_command(), str(SERVER_SCRIPT), "0"]
    with tempfile.TemporaryFile(mode="w+") as stderr:
        process = subprocess.Popen(
            command,
            cwd=SERVER_DIR,
            env={**os.environ, **(env or {})},
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
        )
        try:
            deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
            line = _read_first_line(process, STARTUP_TIMEOUT_SECONDS)
            match = _LISTENING_RE.match(line or "")
            if match is None:
                stderr.seek(0)
                raise RuntimeError(
                    f"FHIR test server did not start (first line {line!r}): {stderr.read()[-2000:]}"
                )
            base_url = match.group(1)
            _wait_ready(base_url, deadline)
            yield base_url
        finally:
            process.terminate()
            try:
                process.wait(timeout=STOP_TIMEOUT_SECONDS)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=STOP_TIMEOUT_SECONDS)
            if process.stdout is not None:
                process.stdout.close()


def as_transaction(bundle: Mapping[str, Any]) -> dict[str, Any]:
    """A transaction Bundle for ``bundle``: PUT ``Type/id`` when a resource has an id
    (so reloading is idempotent), else POST with the entry's ``fullUrl`` kept so that
    ``urn:uuid`` references resolve. Entries that already carry a ``request`` keep it."""
    entries = []
    for entry in bundle.get("entry", []):
        resource = entry["resource"]
        new_entry: dict[str, Any] = {"resource": resource}
        if "fullUrl" in entry:
            new_entry["fullUrl"] = entry["fullUrl"]
        if "request" in entry:
            new_entry["request"] = entry["request"]
        elif resource.get("id"):
            url = f"{resource['resourceType']}/{resource['id']}"
            new_entry["request"] = {"method": "PUT", "url": url}
        else:
            new_entry["request"] = {"method": "POST", "url": resource["resourceType"]}
        entries.append(new_entry)
    return {"resourceType": "Bundle", "type": "transaction", "entry": entries}


def load_bundle(base_url: str, bundle: Mapping[str, Any]) -> dict[str, Any]:
    """POST ``bundle`` as a transaction to ``base_url``; return the transaction-response."""
    response = httpx.post(
        base_url,
        json=as_transaction(bundle),
        headers={"Content-Type": "application/fhir+json"},
        timeout=60.0,
    )
    assert response.status_code == 200, response.text[:2000]
    body: dict[str, Any] = response.json()
    assert body.get("type") == "transaction-response", body
    return body


def load_resources(base_url: str, resources: list[dict[str, Any]], chunk: int = 1000) -> None:
    """PUT ``resources`` at ``Type/id`` with batch Bundles of ``chunk`` entries (Medplum caps
    a transaction at 50 updates; a batch has no such cap). Every entry must succeed."""
    for start in range(0, len(resources), chunk):
        entries = [
            {
                "resource": resource,
                "request": {"method": "PUT", "url": f"{resource['resourceType']}/{resource['id']}"},
            }
            for resource in resources[start : start + chunk]
        ]
        response = httpx.post(
            base_url,
            json={"resourceType": "Bundle", "type": "batch", "entry": entries},
            headers={"Content-Type": "application/fhir+json"},
            timeout=300.0,
        )
        assert response.status_code == 200, response.text[:2000]
        statuses = [entry["response"]["status"] for entry in response.json()["entry"]]
        assert all(status.startswith("20") for status in statuses), statuses[:5]


class RecordingTransport(httpx.AsyncBaseTransport):
    """A real HTTP transport that remembers every URL the app asked the FHIR server for."""

    def __init__(self) -> None:
        self._inner = httpx.AsyncHTTPTransport()
        self.urls: list[httpx.URL] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.urls.append(request.url)
        return await self._inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self._inner.aclose()


def real_app_settings(base: str, tmp_path: Path, **settings: Any) -> dict[str, Any]:
    """Settings of the real app reading ``base`` (no JWT, a SQLite store in ``tmp_path``),
    with generous timeouts: the in-memory test server is slow on records of thousands, and
    a busy machine must not turn a hook into a 412."""
    return {
        "require_jwt": False,
        "fhir_server_allowlist": [base],
        "database_url": f"sqlite:///{tmp_path / 'feedback.sqlite3'}",
        "hook_deadline_seconds": 240.0,
        "fhir_read_timeout_seconds": 120.0,
        **settings,
    }
