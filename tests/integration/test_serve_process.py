"""``ln-cds serve`` as a real process: real FHIR server, real signed client JWTs.

The module starts one Medplum test server (its own, so the shifted demo dates do not
collide with the anchor-dated data of ``test_hooks_against_fhir``), loads every demo
patient into it with dates shifted to today (``demo.load_patients(today)``), serves an
EHR's JWK Set over loopback HTTP, and runs ``python -m cds_service.cli serve`` as a
subprocess with production settings (client JWT required, JSON logs, SQLite feedback
store, CORS for the CDS Hooks Sandbox). The server's clock is the real today.

Tests run in file order against that one process; the last class stops it with
SIGTERM and reads its whole stderr.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

import httpx
import pytest

from cds_service.demo import DemoPatient, load_patients
from tests.integration.jwt_helpers import EcSigner, free_port, serve_jwks
from tests.support.hooks import hook_body

pytestmark = pytest.mark.integration

SERVICE_ID = "lupus-nephritis-refractory"
HOOK_PATH = f"/cds-services/{SERVICE_ID}"
FEEDBACK_PATH = f"{HOOK_PATH}/feedback"
ISSUER = "https://ehr.test"
SANDBOX_ORIGIN = "https://sandbox.cds-hooks.org"
USER_ID = "Practitioner/ln-demo-clinician"
#: The access token passed in fhirAuthorization (Medplum's test server ignores it); an
#: RFC 6750 b64token, distinctive enough to be found in a log if it ever leaked.
FHIR_ACCESS_TOKEN = "ehr-access-token-" + uuid.uuid4().hex
FHIR_AUTHORIZATION = {
    "access_token": FHIR_ACCESS_TOKEN,
    "token_type": "Bearer",
    "expires_in": 300,
    "scope": "patient/*.read",
    "subject": "ln-cds",
}
#: Bounds that only stop a hung test: no correct run comes near them, however busy the
#: machine (start-up, a hook reading Medplum page by page, a graceful stop).
READY_TIMEOUT_SECONDS = 300.0
STOP_TIMEOUT_SECONDS = 120.0
REQUEST_TIMEOUT_SECONDS = 300.0

LoadBundle = Callable[[str, Mapping[str, Any]], dict[str, Any]]
RunFhirServer = Callable[[Mapping[str, str] | None], AbstractContextManager[str]]

TODAY = datetime.now(UTC).date()
PATIENTS = load_patients(TODAY)


@dataclass
class ServeProcess:
    """A running ``ln-cds serve`` subprocess, its base URL, environment and stderr file."""

    process: subprocess.Popen[bytes]
    base_url: str
    env: dict[str, str]
    stderr: IO[bytes]
    #: Every JWT the tests sent, to look for in the log at the end.
    tokens_sent: list[str] = field(default_factory=list, repr=False)
    #: hookInstance of every hook call answered 200, to find its log line at the end.
    answered: list[str] = field(default_factory=list)
    returncode: int | None = None

    def stop(self) -> int:
        """SIGTERM (once), then wait; the exit status (idempotent)."""
        if self.returncode is None:
            if self.process.poll() is None:
                self.process.send_signal(signal.SIGTERM)
            try:
                self.returncode = self.process.wait(timeout=STOP_TIMEOUT_SECONDS)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=STOP_TIMEOUT_SECONDS)
                raise
        return self.returncode

    def log_text(self) -> str:
        self.stderr.flush()
        self.stderr.seek(0)
        return self.stderr.read().decode("utf-8", errors="replace")


def _wait_ready(server: ServeProcess) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"ln-cds serve exited early: {server.log_text()[-3000:]}")
        try:
            if httpx.get(f"{server.base_url}/readyz", timeout=2.0).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"ln-cds serve not ready in time: {server.log_text()[-3000:]}")


@pytest.fixture(scope="module")
def signer() -> EcSigner:
    return EcSigner(issuer=ISSUER)


@pytest.fixture(scope="module")
def jwks_url(signer: EcSigner) -> Iterator[str]:
    with serve_jwks(signer.jwks()) as url:
        yield url


@pytest.fixture(scope="module")
def fhir(run_fhir_server_with: RunFhirServer, load_transaction: LoadBundle) -> Iterator[str]:
    """A Medplum server of this module with every demo patient, dates shifted to today."""
    with run_fhir_server_with(None) as base_url:
        for patient in PATIENTS:
            load_transaction(base_url, patient.bundle)
        yield base_url


@pytest.fixture(scope="module")
def server(fhir: str, jwks_url: str) -> Iterator[ServeProcess]:
    """``ln-cds serve`` on a free port with production settings, ready (``/readyz`` 200)."""
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory(prefix="ln-cds-serve-") as tmp:
        env = {
            **os.environ,
            "LNCDS_REQUIRE_JWT": "true",
            "LNCDS_PUBLIC_BASE_URL": base_url,
            "LNCDS_TRUSTED_ISSUERS": json.dumps({ISSUER: jwks_url}),
            "LNCDS_FHIR_SERVER_ALLOWLIST": fhir,
            "LNCDS_DATABASE_URL": f"sqlite:///{Path(tmp) / 'f.sqlite3'}",
            "LNCDS_CORS_ORIGINS": SANDBOX_ORIGIN,
            "LNCDS_LOG_FORMAT": "json",
            # what the server answers is tested, not how fast: the hook deadline and the
            # FHIR read timeout far beyond what a busy machine needs (defaults 8 s, 10 s)
            "LNCDS_HOOK_DEADLINE_SECONDS": "240",
            "LNCDS_FHIR_READ_TIMEOUT_SECONDS": "120",
        }
        command = [sys.executable, "-m", "cds_service.cli", "serve"]
        command += ["--host", "127.0.0.1", "--port", str(port), "--workers", "1"]
        with tempfile.TemporaryFile() as stderr:
            process = subprocess.Popen(
                command, env=env, stdin=subprocess.DEVNULL, stdout=stderr, stderr=stderr
            )
            running = ServeProcess(process, base_url, env, stderr)
            try:
                _wait_ready(running)
                yield running
            finally:
                if process.poll() is None:
                    process.kill()
                    process.wait(timeout=STOP_TIMEOUT_SECONDS)


def _token(server: ServeProcess, signer: EcSigner, path: str) -> str:
    token = signer.token(server.base_url + path)
    server.tokens_sent.append(token)
    return token


def _post(
    server: ServeProcess, path: str, body: Mapping[str, Any], token: str | None
) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    return httpx.post(
        server.base_url + path, json=body, headers=headers, timeout=REQUEST_TIMEOUT_SECONDS
    )


def _call_body(patient_id: str, fhir: str) -> dict[str, Any]:
    """A patient-view call for ``patient_id`` with no prefetch: the service reads ``fhir``
    with the test server's authorization; a new hookInstance each time."""
    return hook_body(
        patient_id,
        user=USER_ID,
        fresh_instance=True,
        fhirServer=fhir,
        fhirAuthorization=FHIR_AUTHORIZATION,
    )


def _topics(cards: list[dict[str, Any]]) -> tuple[str, ...]:
    return tuple(card["source"]["topic"]["code"] for card in cards)


def _is_bare_outcome(body: Any) -> bool:
    """An OperationOutcome that does not say why the token was refused."""
    if not isinstance(body, dict) or body.get("resourceType") != "OperationOutcome":
        return False
    text = json.dumps(body).lower()
    return not any(word in text for word in ("jti", "replay", "reused", "expired", "signature"))


#: Cards issued during the run, by patient slug (filled by the hook tests).
ISSUED: dict[str, list[dict[str, Any]]] = {}


class TestHooks:
    @pytest.mark.parametrize("patient", PATIENTS, ids=lambda p: p.slug)
    def test_patient_view_without_prefetch(
        self, server: ServeProcess, signer: EcSigner, fhir: str, patient: DemoPatient
    ) -> None:
        """A signed patient-view with no prefetch reads Medplum and returns index.json's topics."""
        token = _token(server, signer, HOOK_PATH)
        body = _call_body(patient.patient_id, fhir)
        response = _post(server, HOOK_PATH, body, token)
        assert response.status_code == 200, response.text[:2000]
        server.answered.append(body["hookInstance"])
        cards: list[dict[str, Any]] = response.json()["cards"]
        ISSUED[patient.slug] = cards
        assert _topics(cards) == patient.expected_topics


class TestClientJwt:
    def test_replayed_token_is_refused(
        self, server: ServeProcess, signer: EcSigner, fhir: str
    ) -> None:
        """The same JWT twice: the first call is answered, the replay gets a bare 401."""
        token = _token(server, signer, HOOK_PATH)
        body = _call_body(PATIENTS[0].patient_id, fhir)
        first = _post(server, HOOK_PATH, body, token)
        second = _post(server, HOOK_PATH, {**body, "hookInstance": str(uuid.uuid4())}, token)
        assert first.status_code == 200, first.text[:2000]
        assert second.status_code == 401
        assert _is_bare_outcome(second.json()), second.text

    def test_missing_token_is_refused(self, server: ServeProcess, fhir: str) -> None:
        """A hook call without Authorization gets a bare 401 OperationOutcome."""
        response = _post(
            server,
            HOOK_PATH,
            _call_body(PATIENTS[0].patient_id, fhir),
            None,
        )
        assert response.status_code == 401
        assert _is_bare_outcome(response.json()), response.text

    def test_token_for_another_endpoint_is_refused(
        self, server: ServeProcess, signer: EcSigner, fhir: str
    ) -> None:
        """A JWT whose aud is the feedback endpoint is not accepted by the hook endpoint."""
        token = _token(server, signer, FEEDBACK_PATH)
        response = _post(
            server,
            HOOK_PATH,
            _call_body(PATIENTS[0].patient_id, fhir),
            token,
        )
        assert response.status_code == 401

    def test_discovery_needs_no_token(self, server: ServeProcess) -> None:
        """GET /cds-services without a token lists the service."""
        response = httpx.get(f"{server.base_url}/cds-services", timeout=REQUEST_TIMEOUT_SECONDS)
        assert response.status_code == 200
        assert SERVICE_ID in [s["id"] for s in response.json()["services"]]


class TestCors:
    def test_sandbox_preflight_is_allowed(self, server: ServeProcess) -> None:
        """A preflight from the CDS Hooks Sandbox for a signed JSON POST is allowed."""
        response = httpx.options(
            server.base_url + HOOK_PATH,
            headers={
                "Origin": SANDBOX_ORIGIN,
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "authorization, content-type",
            },
            timeout=REQUEST_TIMEOUT_SECONDS,
        )
        assert response.status_code == 200
        assert response.headers["access-control-allow-origin"] == SANDBOX_ORIGIN
        assert "POST" in response.headers["access-control-allow-methods"]
        allowed = response.headers["access-control-allow-headers"].lower()
        assert "authorization" in allowed
        assert "content-type" in allowed

    def test_other_origin_preflight_is_refused(self, server: ServeProcess) -> None:
        """A preflight from an origin not in LNCDS_CORS_ORIGINS gets no allow-origin."""
        response = httpx.options(
            server.base_url + HOOK_PATH,
            headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
            timeout=REQUEST_TIMEOUT_SECONDS,
        )
        assert response.headers.get("access-control-allow-origin") != "https://evil.example"


class TestMetrics:
    def test_cards_counted_by_topic(self, server: ServeProcess) -> None:
        """/metrics has an lncds_cards_total sample for every topic the hooks returned."""
        assert ISSUED, "the hook tests ran first"
        text = httpx.get(f"{server.base_url}/metrics", timeout=REQUEST_TIMEOUT_SECONDS).text
        samples = [line for line in text.splitlines() if line.startswith("lncds_cards_total{")]
        seen = {_topic for cards in ISSUED.values() for _topic in _topics(cards)}
        assert seen
        for topic in seen:
            assert any(f'topic="{topic}"' in line for line in samples), topic


def _card_with_suggestion() -> dict[str, Any]:
    for cards in ISSUED.values():
        for card in cards:
            if card.get("suggestions"):
                return card
    raise AssertionError("no issued card has a suggestion")


class TestFeedback:
    def test_accepted_feedback_is_idempotent_and_reported(
        self, server: ServeProcess, signer: EcSigner
    ) -> None:
        """Accepted feedback answers 200 twice and feedback-report counts it once, by topic."""
        card = _card_with_suggestion()
        topic = card["source"]["topic"]["code"]
        body = {
            "feedback": [
                {
                    "card": card["uuid"],
                    "outcome": "accepted",
                    "acceptedSuggestions": [{"id": card["suggestions"][0]["uuid"]}],
                    "outcomeTimestamp": datetime.now(UTC).isoformat(),
                }
            ]
        }
        first = _post(server, FEEDBACK_PATH, body, _token(server, signer, FEEDBACK_PATH))
        again = _post(server, FEEDBACK_PATH, body, _token(server, signer, FEEDBACK_PATH))
        assert (first.status_code, again.status_code) == (200, 200), again.text
        report = _feedback_report(server.env, topic)
        entry = next(t for t in report["topics"] if t["topic"] == topic)
        assert (entry["total"], entry["accepted"], entry["overridden"]) == (1, 1, 0)


def _feedback_report(env: Mapping[str, str], topic: str) -> dict[str, Any]:
    """``ln-cds feedback-report --json`` as a subprocess, retried until ``topic`` shows (the
    issued-card log is written in batches, at most 0.5 s late on an idle machine; the
    limit is a hang guard, far beyond that on a busy one)."""
    deadline = time.monotonic() + READY_TIMEOUT_SECONDS
    while True:
        result = subprocess.run(
            [sys.executable, "-m", "cds_service.cli", "feedback-report", "--json"],
            env=dict(env),
            capture_output=True,
            text=True,
            timeout=REQUEST_TIMEOUT_SECONDS,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        report: dict[str, Any] = json.loads(result.stdout)
        if any(t["topic"] == topic for t in report["topics"]) or time.monotonic() > deadline:
            return report
        time.sleep(0.3)


class TestShutdown:
    def test_sigterm_shuts_down_gracefully(self, server: ServeProcess) -> None:
        """SIGTERM ends the process (exit status 0) after a complete lifespan shutdown."""
        assert server.stop() == 0, server.log_text()[-3000:]
        assert "Application shutdown complete." in server.log_text()

    def test_log_is_json_without_secrets(self, server: ServeProcess) -> None:
        """Every stderr line is a JSON object; no patient id, access token or JWT appears."""
        server.stop()
        log = server.log_text()
        lines = [line for line in log.splitlines() if line.strip()]
        assert lines
        for line in lines:
            assert isinstance(json.loads(line), dict), line
        secrets = [FHIR_ACCESS_TOKEN, *server.tokens_sent]
        secrets += [p.patient_id for p in PATIENTS]
        assert server.tokens_sent
        leaked = [s[:40] for s in secrets if s in log]
        assert not leaked
        # a JWT's signature-free part is enough to recognise it
        assert not [t for t in server.tokens_sent if t.rsplit(".", 1)[0] in log]

    def test_each_hook_logged_with_a_pseudonym(self, server: ServeProcess) -> None:
        """Each answered hook has one 'hook answered' line whose patient is a pseudonym."""
        server.stop()
        records = [json.loads(line) for line in server.log_text().splitlines() if line.strip()]
        answered = [r for r in records if r.get("event") == "hook answered"]
        assert server.answered
        by_instance = {r.get("hookInstance"): r for r in answered}
        raw_ids = {p.patient_id for p in PATIENTS}
        for instance in server.answered:
            patient = by_instance[instance]["patient"]
            assert isinstance(patient, str)
            assert patient
            assert patient not in raw_ids
