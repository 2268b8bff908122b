"""Client JWTs through the real app: real ES384 keys, a JWKS served on the app's own
httpx client (respx), the verifier built in the lifespan."""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx
import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric import ec
from fastapi import FastAPI

from cds_service.app import create_app
from cds_service.config import Settings
from cds_service.metrics import REGISTRY
from cds_service.replay_cache import client_jti
from cds_service.service_definition import build_service
from fhir_mappings.findings import PatientAssessment
from fhir_mappings.resources import PatientResources
from tests.security._helpers import (
    AUD,
    BASE_URL,
    EC_KID,
    ISS,
    JWKS_URL,
    PATH,
    TokenFactory,
    public_jwk,
)
from tests.support.hooks import empty_prefetch, hook_body

pytestmark = pytest.mark.anyio

DISCOVERY_AUD = BASE_URL.rstrip("/") + "/cds-services"
FEEDBACK_AUD = AUD + "/feedback"
REDIS_URL = os.environ.get("LNCDS_TEST_REDIS_URL")
POSTGRES_URL = os.environ.get("LNCDS_TEST_POSTGRES_URL")


def _evaluator(
    resources: PatientResources, *, today: date, ruleset: str, show_status: bool
) -> PatientAssessment:
    return PatientAssessment(facts=None, response=None)  # type: ignore[arg-type]


def _renderer(
    assessment: PatientAssessment, *, uuid_factory: Callable[[], str], ruleset: str
) -> list[dict[str, Any]]:
    return []


def hook_call() -> dict[str, Any]:
    """A patient-view call whose prefetch satisfies every key (no FHIR server needed),
    with a fresh hookInstance each time."""
    return hook_body(fresh_instance=True, fhirServer=..., prefetch=empty_prefetch())


def failures(reason: str) -> float:
    return REGISTRY.get_sample_value("lncds_jwt_failures_total", {"reason": reason}) or 0.0


@pytest.fixture
def jwks(ec_key: ec.EllipticCurvePrivateKey) -> respx.Router:
    router = respx.Router(assert_all_called=False)
    router.get(JWKS_URL).respond(json={"keys": [public_jwk(ec_key, EC_KID, "ES384")]})
    return router


@pytest.fixture
def token(make_token: TokenFactory) -> TokenFactory:
    """Tokens valid now (the app verifies against the real clock)."""

    def factory(**claims: Any) -> str:
        now = int(time.time())
        claims.setdefault("iat", now)
        claims.setdefault("exp", now + 300)
        signed: str = make_token(**claims)
        return signed

    return factory


@pytest.fixture
def make_settings(tmp_path: Path) -> Callable[..., Settings]:
    def factory(**overrides: Any) -> Settings:
        values: dict[str, Any] = {
            "require_jwt": True,
            "public_base_url": BASE_URL,
            "trusted_issuers": {ISS: JWKS_URL},
            "database_url": f"sqlite:///{tmp_path / 'feedback.sqlite3'}",
            "pseudonym_key": "k" * 32,
        }
        values.update(overrides)
        return Settings(**values)

    return factory


@asynccontextmanager
async def running(
    settings: Settings, jwks: respx.Router, root_path: str = ""
) -> AsyncIterator[httpx.AsyncClient]:
    app: FastAPI = create_app(
        settings,
        fhir_transport=httpx.MockTransport(jwks.async_handler),
        evaluator=_evaluator,
        renderer=_renderer,
        service=build_service(("2889-4",)),
        rulesets={"kdigo-2024"},
    )
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False, root_path=root_path)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://10.0.0.5:8000") as http,
    ):
        yield http


def bearer(value: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {value}"}


def assert_bare_401(response: httpx.Response) -> None:
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.json() == {
        "resourceType": "OperationOutcome",
        "issue": [{"severity": "error", "code": "login", "diagnostics": "Unauthorized."}],
    }


class TestHookCall:
    async def test_valid_token_is_answered(
        self, make_settings: Callable[..., Settings], jwks: respx.Router, token: TokenFactory
    ) -> None:
        """A token signed by a trusted issuer for this endpoint's public URL gets a 200."""
        async with running(make_settings(), jwks) as http:
            response = await http.post(PATH, json=hook_call(), headers=bearer(token()))
        assert response.status_code == 200
        assert response.json() == {"cards": []}

    async def test_no_token_is_401(
        self, make_settings: Callable[..., Settings], jwks: respx.Router
    ) -> None:
        """A call without Authorization is a bare 401, counted as 'missing'."""
        before = failures("missing")
        async with running(make_settings(), jwks) as http:
            response = await http.post(PATH, json=hook_call())
        assert_bare_401(response)
        assert failures("missing") == before + 1

    async def test_wrong_audience_is_401(
        self, make_settings: Callable[..., Settings], jwks: respx.Router, token: TokenFactory
    ) -> None:
        """A token for another URL (here the internal host) is a 401 counted as 'audience'."""
        before = failures("audience")
        wrong = token(aud="http://10.0.0.5:8000" + PATH)
        async with running(make_settings(), jwks) as http:
            response = await http.post(PATH, json=hook_call(), headers=bearer(wrong))
        assert_bare_401(response)
        assert failures("audience") == before + 1

    async def test_replayed_token_is_401(
        self, make_settings: Callable[..., Settings], jwks: respx.Router, token: TokenFactory
    ) -> None:
        """The same jti twice: the first call is answered, the second is a 401 ('replay')."""
        before = failures("replay")
        once = token()
        async with running(make_settings(), jwks) as http:
            first = await http.post(PATH, json=hook_call(), headers=bearer(once))
            second = await http.post(PATH, json=hook_call(), headers=bearer(once))
        assert first.status_code == 200
        assert_bare_401(second)
        assert failures("replay") == before + 1

    @pytest.mark.parametrize(
        ("claims", "reason"),
        [
            ({"iss": "https://stranger.example.com"}, "issuer"),
            ({"exp": 1_000, "iat": 900}, "expired"),
            ({"exp": int(time.time()) + 365 * 24 * 3600}, "lifetime"),
            ({"jti": None}, "malformed"),
            ({"alg": "RS384"}, "algorithm"),
        ],
    )
    async def test_rejections_are_counted_by_category(
        self,
        make_settings: Callable[..., Settings],
        jwks: respx.Router,
        token: TokenFactory,
        claims: dict[str, Any],
        reason: str,
    ) -> None:
        """Each kind of rejection is a bare 401 and moves its own JWT_FAILURES category."""
        before = failures(reason)
        async with running(make_settings(jwt_algorithms="ES384"), jwks) as http:
            response = await http.post(PATH, json=hook_call(), headers=bearer(token(**claims)))
        assert_bare_401(response)
        assert failures(reason) == before + 1

    async def test_lifetime_cap_comes_from_the_settings(
        self, make_settings: Callable[..., Settings], jwks: respx.Router, token: TokenFactory
    ) -> None:
        """LNCDS_JWT_MAX_LIFETIME_SECONDS lowers the cap: a 120 s token is refused under a
        60 s cap and counted as 'lifetime'."""
        before = failures("lifetime")
        now = int(time.time())
        short = token(iat=now, exp=now + 120)
        async with running(make_settings(jwt_max_lifetime_seconds=60), jwks) as http:
            response = await http.post(PATH, json=hook_call(), headers=bearer(short))
        assert_bare_401(response)
        assert failures("lifetime") == before + 1

    async def test_foreign_signature_is_401(
        self,
        make_settings: Callable[..., Settings],
        jwks: respx.Router,
        token: TokenFactory,
        ec_key_2: ec.EllipticCurvePrivateKey,
    ) -> None:
        """A token signed by another key under the trusted kid is a 401 ('signature')."""
        before = failures("signature")
        async with running(make_settings(), jwks) as http:
            response = await http.post(PATH, json=hook_call(), headers=bearer(token(key=ec_key_2)))
        assert_bare_401(response)
        assert failures("signature") == before + 1

    async def test_401_body_holds_no_reason(
        self,
        make_settings: Callable[..., Settings],
        jwks: respx.Router,
        token: TokenFactory,
        caplog: pytest.LogCaptureFixture,
    ) -> None:
        """Different failures give byte-identical bodies; the reason is logged, the token never."""
        bad_aud = token(aud="https://elsewhere.example.org/x")
        async with running(make_settings(), jwks) as http:
            no_token = await http.post(PATH, json=hook_call())
            wrong_aud = await http.post(PATH, json=hook_call(), headers=bearer(bad_aud))
        assert no_token.content == wrong_aud.content
        assert b"aud" not in wrong_aud.content
        assert b"missing" not in no_token.content
        assert "aud does not match" in caplog.text
        assert bad_aud not in caplog.text

    async def test_unknown_service_needs_a_token_first(
        self, make_settings: Callable[..., Settings], jwks: respx.Router
    ) -> None:
        """Without a token even an unknown service id is a 401 (nothing is revealed)."""
        async with running(make_settings(), jwks) as http:
            response = await http.post("/cds-services/nope", json=hook_call())
        assert_bare_401(response)

    async def test_behind_a_prefixing_proxy(
        self, make_settings: Callable[..., Settings], jwks: respx.Router, token: TokenFactory
    ) -> None:
        """With an ASGI root_path, aud is the public base URL (with its prefix) + the path."""
        settings = make_settings(public_base_url="https://cds.example.org/ln")
        good = token(aud="https://cds.example.org/ln" + PATH)
        async with running(settings, jwks, root_path="/ln") as http:
            response = await http.post("/ln" + PATH, json=hook_call(), headers=bearer(good))
        assert response.status_code == 200


class TestFeedbackCall:
    async def test_feedback_needs_a_token(
        self, make_settings: Callable[..., Settings], jwks: respx.Router, token: TokenFactory
    ) -> None:
        """Feedback without a token is a 401; with a token for its URL it is stored."""
        body = {
            "feedback": [
                {
                    "card": str(uuid.uuid4()),
                    "outcome": "overridden",
                    "outcomeTimestamp": "2025-06-01T10:00:00Z",
                }
            ]
        }
        async with running(make_settings(), jwks) as http:
            anonymous = await http.post(PATH + "/feedback", json=body)
            signed = await http.post(
                PATH + "/feedback", json=body, headers=bearer(token(aud=FEEDBACK_AUD))
            )
        assert_bare_401(anonymous)
        assert signed.status_code == 200


class TestDiscoveryAndProbes:
    async def test_discovery_is_public_by_default(
        self, make_settings: Callable[..., Settings], jwks: respx.Router
    ) -> None:
        """GET /cds-services answers without a token unless discovery_requires_jwt."""
        async with running(make_settings(), jwks) as http:
            response = await http.get("/cds-services")
        assert response.status_code == 200
        assert response.json()["services"][0]["id"] == "lupus-nephritis-refractory"

    async def test_discovery_can_require_a_token(
        self, make_settings: Callable[..., Settings], jwks: respx.Router, token: TokenFactory
    ) -> None:
        """With discovery_requires_jwt, discovery is 401 without a token, 200 with one."""
        async with running(make_settings(discovery_requires_jwt=True), jwks) as http:
            anonymous = await http.get("/cds-services")
            signed = await http.get("/cds-services", headers=bearer(token(aud=DISCOVERY_AUD)))
        assert_bare_401(anonymous)
        assert signed.status_code == 200

    @pytest.mark.parametrize("path", ["/healthz", "/readyz", "/metrics"])
    async def test_probes_never_need_a_token(
        self, make_settings: Callable[..., Settings], jwks: respx.Router, path: str
    ) -> None:
        """Health, readiness and metrics answer 200 without a token, even when discovery
        requires one."""
        async with running(make_settings(discovery_requires_jwt=True), jwks) as http:
            response = await http.get(path)
        assert response.status_code == 200


class TestJwtOff:
    async def test_no_token_needed_when_jwt_off(
        self, make_settings: Callable[..., Settings], jwks: respx.Router
    ) -> None:
        """With require_jwt=false the hook is answered without a token (development)."""
        settings = make_settings(require_jwt=False, discovery_requires_jwt=True)
        async with running(settings, jwks) as http:
            hook = await http.post(PATH, json=hook_call())
            discovery = await http.get("/cds-services")
        assert hook.status_code == 200
        assert discovery.status_code == 200


class TestSharedReplayCache:
    async def test_replay_detected_across_instances_with_redis(
        self, make_settings: Callable[..., Settings], jwks: respx.Router, token: TokenFactory
    ) -> None:
        """With redis_url, a token used on one app instance is refused by another."""
        if REDIS_URL is None:
            pytest.skip("LNCDS_TEST_REDIS_URL not set: no Redis server for this run")
        once = token()
        settings = make_settings(redis_url=REDIS_URL)
        async with running(settings, jwks) as first, running(settings, jwks) as second:
            answered = await first.post(PATH, json=hook_call(), headers=bearer(once))
            replayed = await second.post(PATH, json=hook_call(), headers=bearer(once))
        assert answered.status_code == 200
        assert_bare_401(replayed)


def store_settings(store: str) -> dict[str, Any]:
    """Settings overrides putting the jti set in ``store`` (skips when it is not available)."""
    if store == "sqlite":
        return {}
    if store == "postgres":
        if POSTGRES_URL is None:
            pytest.skip("LNCDS_TEST_POSTGRES_URL not set: no PostgreSQL server for this run")
        return {"database_url": POSTGRES_URL}
    if REDIS_URL is None:
        pytest.skip("LNCDS_TEST_REDIS_URL not set: no Redis server for this run")
    return {"redis_url": REDIS_URL}


class TestReplayAcrossRestarts:
    @pytest.mark.parametrize("store", ["sqlite", "postgres", "redis"])
    async def test_token_refused_after_a_restart(
        self,
        make_settings: Callable[..., Settings],
        jwks: respx.Router,
        token: TokenFactory,
        store: str,
    ) -> None:
        """A token answered by one single-worker app instance is refused (401, 'replay') by a
        new instance over the same store: the database by default, or Redis."""
        settings = make_settings(**store_settings(store))
        once = token()
        async with running(settings, jwks) as first:
            answered = await first.post(PATH, json=hook_call(), headers=bearer(once))
        before = failures("replay")
        async with running(settings, jwks) as restarted:
            replayed = await restarted.post(PATH, json=hook_call(), headers=bearer(once))
        assert answered.status_code == 200
        assert_bare_401(replayed)
        assert failures("replay") == before + 1

    async def test_replay_store_down_is_503(
        self,
        make_settings: Callable[..., Settings],
        jwks: respx.Router,
        token: TokenFactory,
    ) -> None:
        """When the jti set cannot be read the call fails closed with a 503 OperationOutcome
        (the EHR may retry), not a 401 and not a 500."""
        settings = make_settings()
        async with running(settings, jwks) as http:
            engine = sa.create_engine(settings.database_url)
            try:
                with engine.begin() as conn:
                    client_jti.drop(conn)
            finally:
                engine.dispose()
            response = await http.post(PATH, json=hook_call(), headers=bearer(token()))
        assert response.status_code == 503
        assert response.json()["resourceType"] == "OperationOutcome"
