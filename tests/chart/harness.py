"""What the browser tests (and ``scripts/chart_screenshot.py``) run the chart with.

* ``SmartStub``: a SMART authorization server in a thread (``/.well-known/smart-configuration``,
  ``/authorize`` redirecting back with a code, ``/token`` checking the code, the redirect
  URI and the PKCE verifier, and answering one access token and the patient).
* ``fhir_server``: the suite's Medplum FHIR server (``tests/support/fhir_server.py``) with
  the SMART document pointing at the stub, the access token required on every read, and
  CORS for the page; the demo patients loaded.
* ``serve_app``: the real FastAPI app under uvicorn in a thread, on a socket bound (and
  listening) before the thread starts, so no test waits for it to come up.
* ``chromium_executable``: Debian's Chromium, or why there is none.

Nothing here sleeps or polls: every wait is on a socket, an event or a selector.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import secrets
import shutil
import socket
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import uvicorn

from cds_service.app import create_app
from cds_service.config import Settings
from cds_service.demo import DemoPatient, load_patients
from tests.support.fhir_server import as_transaction, run_fhir_server

#: The demo bundles' own dates (demo_data/index.json "anchor"): the app's clock.
TODAY = date(2026, 6, 30)
CLIENT_ID = "ln-cds-chart-test"
#: Flags for Chromium in a container without a user namespace sandbox, GPU or network.
CHROMIUM_ARGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)


def chromium_executable() -> tuple[str | None, str]:
    """(path, "") of Chromium, or (None, why not): ``$CHROMIUM`` else ``chromium`` on PATH."""
    wanted = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    if Path(wanted).is_file() and os.access(wanted, os.X_OK):
        return wanted, ""
    return None, (
        f"Chromium not found ({wanted}): install Debian's `chromium` "
        "(apt-get install -y chromium) or set CHROMIUM to its path"
    )


def _b64url_sha256(text: str) -> str:
    digest = hashlib.sha256(text.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


@dataclass
class _Grant:
    redirect_uri: str
    challenge: str | None
    patient: str
    scope: str


@dataclass
class SmartStub:
    """A SMART authorization server for one client, one FHIR server and one token.

    ``launches`` maps an EHR ``launch`` value to its patient; a standalone launch
    (``launch/patient``) gets ``standalone_patient``. Each ``/authorize`` and ``/token``
    call is recorded (``authorize_calls``, ``token_calls``) for the tests.
    """

    client_id: str
    token: str
    audience: str = ""
    redirect_uri: str = ""
    launches: dict[str, str] = field(default_factory=dict)
    standalone_patient: str | None = None
    authorize_calls: list[dict[str, str]] = field(default_factory=list)
    token_calls: list[dict[str, str]] = field(default_factory=list)
    _grants: dict[str, _Grant] = field(default_factory=dict)
    _server: ThreadingHTTPServer | None = None

    @property
    def base(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def configuration(self) -> dict[str, Any]:
        """The SMART App Launch ``.well-known/smart-configuration`` document."""
        return {
            "authorization_endpoint": f"{self.base}/authorize",
            "token_endpoint": f"{self.base}/token",
            "grant_types_supported": ["authorization_code"],
            "response_types_supported": ["code"],
            "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported": ["none"],
            "scopes_supported": [
                "launch",
                "launch/patient",
                "patient/*.read",
                "openid",
                "fhirUser",
            ],
            "capabilities": [
                "launch-ehr",
                "launch-standalone",
                "client-public",
                "context-ehr-patient",
                "context-standalone-patient",
            ],
        }

    def authorize(self, query: Mapping[str, str]) -> tuple[int, dict[str, str], str]:
        self.authorize_calls.append(dict(query))
        scope = query.get("scope", "").split()
        problems = [
            name
            for name, ok in (
                ("response_type", query.get("response_type") == "code"),
                ("client_id", query.get("client_id") == self.client_id),
                ("redirect_uri", query.get("redirect_uri") == self.redirect_uri),
                ("aud", query.get("aud") == self.audience),
                ("scope", "patient/*.read" in scope),
                ("state", bool(query.get("state"))),
            )
            if not ok
        ]
        if "launch" in query:
            patient = self.launches.get(query["launch"])
        elif "launch/patient" in scope:
            patient = self.standalone_patient
        else:
            patient = None
        if patient is None:
            problems.append("launch")
        if problems:
            return 400, {"Content-Type": "text/plain"}, f"invalid: {', '.join(problems)}"
        code = secrets.token_urlsafe(16)
        challenge = query.get("code_challenge")
        if challenge is not None and query.get("code_challenge_method") != "S256":
            return 400, {"Content-Type": "text/plain"}, "invalid: code_challenge_method"
        self._grants[code] = _Grant(self.redirect_uri, challenge, patient, " ".join(scope))
        location = f"{self.redirect_uri}?{urlencode({'code': code, 'state': query['state']})}"
        return 302, {"Location": location}, ""

    def exchange(self, form: Mapping[str, str]) -> tuple[int, dict[str, Any]]:
        self.token_calls.append(dict(form))
        grant = self._grants.pop(form.get("code", ""), None)
        if (
            grant is None
            or form.get("grant_type") != "authorization_code"
            or form.get("redirect_uri") != grant.redirect_uri
            or form.get("client_id") != self.client_id
            or (
                grant.challenge is not None
                and _b64url_sha256(form.get("code_verifier", "")) != grant.challenge
            )
        ):
            return 400, {"error": "invalid_grant"}
        return 200, {
            "access_token": self.token,
            "token_type": "Bearer",
            "expires_in": 3600,
            "scope": grant.scope,
            "patient": grant.patient,
        }

    @contextmanager
    def running(self) -> Iterator[SmartStub]:
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def _send(self, status: int, headers: Mapping[str, str], body: str) -> None:
                payload = body.encode("utf-8")
                self.send_response(status)
                self.send_header("Access-Control-Allow-Origin", "*")
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def _json(self, status: int, body: Mapping[str, Any]) -> None:
                self._send(status, {"Content-Type": "application/json"}, json.dumps(body))

            def do_OPTIONS(self) -> None:  # CORS preflight of the token request
                self._send(
                    204,
                    {
                        "Access-Control-Allow-Methods": "POST, GET, OPTIONS",
                        "Access-Control-Allow-Headers": "Content-Type, Authorization",
                    },
                    "",
                )

            def do_GET(self) -> None:
                url = urlsplit(self.path)
                query = {k: v[-1] for k, v in parse_qs(url.query).items()}
                if url.path == "/.well-known/smart-configuration":
                    self._json(200, stub.configuration())
                elif url.path == "/authorize":
                    status, headers, text = stub.authorize(query)
                    self._send(status, headers, text)
                else:
                    self._send(404, {"Content-Type": "text/plain"}, "not found")

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                form = {k: v[-1] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                if urlsplit(self.path).path == "/token":
                    self._json(*stub.exchange(form))
                else:
                    self._send(404, {"Content-Type": "text/plain"}, "not found")

            def log_message(self, format: str, *args: Any) -> None:
                """Quiet: the tests read what they need from the stub's records."""

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        thread.start()
        try:
            yield self
        finally:
            self._server.shutdown()
            self._server.server_close()
            thread.join()


@contextmanager
def fhir_server(stub: SmartStub, patients: list[DemoPatient]) -> Iterator[str]:
    """The suite's FHIR test server, SMART-protected by ``stub``, the patients loaded."""
    env = {
        "FHIR_SMART_CONFIGURATION": json.dumps(stub.configuration()),
        "FHIR_REQUIRE_BEARER": stub.token,
        "FHIR_CORS_ORIGIN": "*",
    }
    with run_fhir_server(env) as base:
        headers = {"Content-Type": "application/fhir+json", "Authorization": f"Bearer {stub.token}"}
        for patient in patients:
            response = httpx.post(
                base, json=as_transaction(patient.bundle), headers=headers, timeout=60.0
            )
            response.raise_for_status()
        yield base


def demo_patients() -> list[DemoPatient]:
    return load_patients(TODAY)


def app_settings(tmp: Path, fhir_base: str, stub: SmartStub, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "chart_client_id": stub.client_id,
        "fhir_server_allowlist": [fhir_base],
        "chart_authorization_origins": [stub.base],
        "require_jwt": False,
        "database_url": f"sqlite:///{tmp / 'feedback.sqlite3'}",
        "pseudonym_key": "s" * 32,
        # what the app reads is tested, not how fast: bounds far beyond a busy machine's
        "hook_deadline_seconds": 300.0,
        "fhir_read_timeout_seconds": 120.0,
    }
    values.update(overrides)
    return Settings(**values)


@contextmanager
def serve_app(settings: Settings) -> Iterator[str]:
    """The real app under uvicorn in a thread; yields its base URL (``http://127.0.0.1:PORT``).

    The socket listens before uvicorn starts, so connections made meanwhile wait in its
    backlog until the app has started: nothing waits for start-up.
    """
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)
    port = sock.getsockname()[1]
    app = create_app(settings, clock=lambda: TODAY)
    # log_config=None and no log_level: uvicorn leaves the process's loggers as they are
    # (its defaults would reconfigure "uvicorn.*" for every later test in the process)
    config = uvicorn.Config(app, log_config=None, lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join()
        sock.close()
