"""Discovery, the hook's error branches, CORS, health and the 500 path."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import httpx
import orjson
import pytest
from fastapi import FastAPI

from cds_service.config import Settings
from cds_service.service_definition import check_templates
from tests.service._helpers import (
    ORIGIN,
    SERVICE_PATH,
    FakeEvaluator,
    asgi_client,
    full_prefetch,
    resource,
    running,
)
from tests.support.fhir import searchset
from tests.support.hooks import hook_body

pytestmark = pytest.mark.anyio


def _assert_outcome(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status
    body = response.json()
    assert body["resourceType"] == "OperationOutcome"
    assert body["issue"][0]["severity"] == "error"
    return body


class TestDiscovery:
    async def test_lists_the_service_with_only_spec_fields(self, client: httpx.AsyncClient) -> None:
        """Discovery lists one service carrying only the spec's fields."""
        response = await client.get("/cds-services")
        assert response.status_code == 200
        (entry,) = response.json()["services"]
        assert set(entry) == {"hook", "title", "description", "id", "prefetch", "usageRequirements"}
        assert entry["id"] == "lupus-nephritis-refractory"
        assert entry["hook"] == "patient-view"
        assert "required_keys" not in entry

    async def test_published_templates_are_valid(self, client: httpx.AsyncClient) -> None:
        """Every template published by discovery passes the CDS Hooks 2.0 template check."""
        check_templates((await client.get("/cds-services")).json()["services"][0]["prefetch"])

    async def test_observation_template_lists_each_code(self, client: httpx.AsyncClient) -> None:
        """The Observation template names every LOINC code as system|code, sorted newest first."""
        template = (await client.get("/cds-services")).json()["services"][0]["prefetch"][
            "observations"
        ]
        assert "code=http://loinc.org|2889-4,http://loinc.org|2160-0" in template
        assert template.endswith("&_sort=-date&_count=250")


class TestHookErrors:
    async def test_unknown_service_is_404(self, client: httpx.AsyncClient) -> None:
        """An unknown service id answers 404 with an OperationOutcome, even with a bad body."""
        _assert_outcome(await client.post("/cds-services/nope", content=b"not json"), 404)

    async def test_unknown_feedback_service_is_404(self, client: httpx.AsyncClient) -> None:
        """Feedback for an unknown service id answers 404."""
        _assert_outcome(await client.post("/cds-services/nope/feedback", json={}), 404)

    async def test_malformed_json_is_400(self, client: httpx.AsyncClient) -> None:
        """A body that is not JSON answers 400."""
        body = _assert_outcome(await client.post(SERVICE_PATH, content=b"{oops"), 400)
        assert body["issue"][0]["code"] == "structure"

    async def test_json_array_is_400(self, client: httpx.AsyncClient) -> None:
        """A JSON body that is not an object answers 400."""
        _assert_outcome(await client.post(SERVICE_PATH, content=b"[]"), 400)

    async def test_wrong_hook_is_400(self, client: httpx.AsyncClient) -> None:
        """A hook other than patient-view answers 400 not-supported."""
        body = _assert_outcome(
            await client.post(
                SERVICE_PATH, json=hook_body(prefetch=full_prefetch(), hook="order-sign")
            ),
            400,
        )
        assert body["issue"][0]["code"] == "not-supported"

    @pytest.mark.parametrize(
        ("body", "field"),
        [
            (hook_body(prefetch=full_prefetch(), hookInstance=...), "hookInstance"),
            (hook_body(prefetch=full_prefetch(), hookInstance="not-a-uuid"), "hookInstance"),
            (hook_body(prefetch=full_prefetch(), hook=...), "hook"),
            (hook_body(prefetch=full_prefetch(), context=...), "context"),
            (
                hook_body(prefetch=full_prefetch(), context={"userId": "Practitioner/u1"}),
                "context.patientId",
            ),
            (hook_body(prefetch=full_prefetch(), context={"patientId": "p1"}), "context.userId"),
            (
                hook_body(prefetch=full_prefetch(), context={"patientId": " ", "userId": "x"}),
                "context.patientId",
            ),
            (hook_body(prefetch=full_prefetch(), fhirServer="ftp://x"), "fhirServer"),
            (
                hook_body(prefetch=full_prefetch(), fhirAuthorization={"token_type": "Bearer"}),
                "fhirAuthorization.access_token",
            ),
            (
                hook_body(
                    prefetch=full_prefetch(),
                    fhirAuthorization={"access_token": "t", "token_type": "MAC"},
                ),
                "fhirAuthorization.token_type",
            ),
            (hook_body(prefetch=[1]), "prefetch"),
        ],
    )
    async def test_missing_or_invalid_field_is_400(
        self, client: httpx.AsyncClient, body: dict[str, Any], field: str
    ) -> None:
        """A missing or invalid required field answers 400 naming the field, without internals."""
        outcome = _assert_outcome(await client.post(SERVICE_PATH, json=body), 400)
        diagnostics = outcome["issue"][0]["diagnostics"]
        assert f"'{field}'" in diagnostics
        assert "pydantic" not in diagnostics.lower()

    async def test_body_over_limit_is_413(
        self, make_app: Callable[..., FastAPI], settings: Settings
    ) -> None:
        """A body larger than max_body_bytes answers 413 before parsing."""
        small = settings.model_copy(update={"max_body_bytes": 2048})
        async with running(make_app(settings=small)) as client:
            response = await client.post(SERVICE_PATH, content=b"x" * 4096)
        _assert_outcome(response, 413)

    async def test_streamed_body_over_limit_is_413(
        self, make_app: Callable[..., FastAPI], settings: Settings
    ) -> None:
        """A chunked body with no Content-Length is cut off at max_body_bytes with 413."""
        small = settings.model_copy(update={"max_body_bytes": 2048})

        async def chunks() -> Any:
            for _ in range(4):
                yield b"y" * 1024

        async with running(make_app(settings=small)) as client:
            response = await client.post(SERVICE_PATH, content=chunks())
        _assert_outcome(response, 413)

    async def test_unknown_route_is_404_outcome(self, client: httpx.AsyncClient) -> None:
        """An unknown path answers 404 with an OperationOutcome."""
        _assert_outcome(await client.get("/nowhere"), 404)

    async def test_wrong_method_is_405_outcome(self, client: httpx.AsyncClient) -> None:
        """A wrong method answers 405 with an OperationOutcome."""
        _assert_outcome(await client.put("/cds-services"), 405)


class TestHookSuccess:
    async def test_cards_without_empty_fields(
        self, client: httpx.AsyncClient, evaluator: FakeEvaluator
    ) -> None:
        """A full prefetch answers 200 with cards whose null/empty fields are dropped; each
        card names the configured source (the project's by default)."""
        response = await client.post(SERVICE_PATH, json=hook_body(prefetch=full_prefetch()))
        assert response.status_code == 200
        (card,) = response.json()["cards"]
        assert card == {
            "uuid": "00000000-0000-0000-0000-000000000001",
            "summary": "Check response",
            "indicator": "warning",
            "source": {
                "label": "ln-cds: refractory lupus nephritis",
                "url": "https://github.com/ln-cds/ln-cds",
                "topic": {"code": "refractory"},
            },
        }
        (call,) = evaluator.calls
        assert call["ruleset"] == "kdigo-2024"
        assert call["show_status"] is False
        assert str(call["today"]) == "2025-06-01"
        assert len(call["resources"].observations) == 1

    async def test_settings_reach_the_evaluator(
        self, make_app: Callable[..., FastAPI], settings: Settings, evaluator: FakeEvaluator
    ) -> None:
        """LNCDS_RULESET and LNCDS_SHOW_STATUS_CARD are passed to assess."""
        custom = settings.model_copy(update={"ruleset": "kdigo-2012", "show_status_card": True})
        async with running(make_app(settings=custom)) as client:
            assert (
                await client.post(SERVICE_PATH, json=hook_body(prefetch=full_prefetch()))
            ).status_code == 200
        assert evaluator.calls[0]["ruleset"] == "kdigo-2012"
        assert evaluator.calls[0]["show_status"] is True

    async def test_extra_context_and_fields_are_tolerated(self, client: httpx.AsyncClient) -> None:
        """Unknown top-level and context fields (e.g. encounterId, extension) are accepted."""
        body = hook_body(prefetch=full_prefetch(), extension={"x": 1})
        body["context"]["encounterId"] = "e1"
        body["context"]["other"] = {"a": 1}
        assert (await client.post(SERVICE_PATH, json=body)).status_code == 200


class TestAssessPlacement:
    @pytest.mark.parametrize(("count", "inline"), [(10, True), (400, False)])
    async def test_large_inputs_assessed_off_the_loop(
        self, client: httpx.AsyncClient, evaluator: FakeEvaluator, count: int, inline: bool
    ) -> None:
        """Small inputs are assessed on the event-loop thread, large ones in a worker thread."""
        prefetch = full_prefetch()
        prefetch["observations"] = searchset(
            [resource("Observation", f"o{i}") for i in range(count)]
        )
        assert (
            await client.post(SERVICE_PATH, json=hook_body(prefetch=prefetch))
        ).status_code == 200
        assert (evaluator.calls[0]["thread"] == threading.get_ident()) is inline


class TestUnexpectedErrors:
    async def test_evaluator_crash_is_generic_500(
        self, make_app: Callable[..., FastAPI], caplog: pytest.LogCaptureFixture
    ) -> None:
        """A crash in assess answers a generic 500 OperationOutcome; the traceback is logged."""

        def boom(*_: Any, **__: Any) -> Any:
            raise RuntimeError("internal detail /etc/passwd")

        async with running(make_app(evaluator=boom)) as client:
            response = await client.post(SERVICE_PATH, json=hook_body(prefetch=full_prefetch()))
        body = _assert_outcome(response, 500)
        assert "internal detail" not in response.text
        assert "Traceback" not in response.text
        assert body["issue"][0]["diagnostics"] == "The service could not process the request."
        assert any("internal detail" in (r.exc_text or "") for r in caplog.records)

    async def test_unknown_ruleset_refuses_start(
        self, make_app: Callable[..., FastAPI], settings: Settings
    ) -> None:
        """An LNCDS_RULESET not among the rulesets stops the app at start-up."""
        bad = settings.model_copy(update={"ruleset": "nope"})
        with pytest.raises(ValueError, match="LNCDS_RULESET"):
            async with running(make_app(settings=bad)):
                pass


class TestCors:
    @pytest.mark.parametrize("path", ["/cds-services", SERVICE_PATH, f"{SERVICE_PATH}/feedback"])
    async def test_preflight_allowed_for_configured_origin(
        self, client: httpx.AsyncClient, path: str
    ) -> None:
        """A preflight from a configured origin allows POST with Authorization, Content-Type."""
        response = await client.options(
            path,
            headers={
                "Origin": ORIGIN,
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "authorization,content-type",
            },
        )
        assert response.status_code == 200
        assert response.headers["access-control-allow-origin"] == ORIGIN
        assert "POST" in response.headers["access-control-allow-methods"]
        assert "authorization" in response.headers["access-control-allow-headers"].lower()
        assert "access-control-allow-credentials" not in response.headers

    async def test_preflight_refused_for_other_origin(self, client: httpx.AsyncClient) -> None:
        """A preflight from an origin not configured gets no allow-origin header."""
        response = await client.options(
            SERVICE_PATH,
            headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
        )
        assert "access-control-allow-origin" not in response.headers

    async def test_simple_request_carries_allow_origin(self, client: httpx.AsyncClient) -> None:
        """The hook POST response carries Access-Control-Allow-Origin for a configured origin."""
        response = await client.post(
            SERVICE_PATH, json=hook_body(prefetch=full_prefetch()), headers={"Origin": ORIGIN}
        )
        assert response.headers["access-control-allow-origin"] == ORIGIN


class TestHealth:
    async def test_healthz(self, client: httpx.AsyncClient) -> None:
        """/healthz answers 200 while the process runs."""
        assert (await client.get("/healthz")).json() == {"status": "ok"}

    async def test_readyz_ready(self, client: httpx.AsyncClient) -> None:
        """/readyz answers 200 when the feedback store is reachable."""
        assert (await client.get("/readyz")).json() == {"status": "ready"}

    async def test_readyz_not_ready_without_lifespan(
        self, make_app: Callable[..., FastAPI]
    ) -> None:
        """/readyz answers 503 when the store was never opened."""
        async with asgi_client(make_app()) as client:  # lifespan not run
            _assert_outcome(await client.get("/readyz"), 503)

    async def test_response_is_json(self, client: httpx.AsyncClient) -> None:
        """The hook answer parses as JSON with orjson (no NaN, no bytes)."""
        assert "cards" in orjson.loads(
            (await client.post(SERVICE_PATH, json=hook_body(prefetch=full_prefetch()))).content
        )


class TestDefaultWiring:
    async def test_real_collaborators_answer(self, settings: Settings) -> None:
        """create_app without injections wires assess, render_cards, RULESETS, LOINC codes."""
        from cds_service.app import create_app

        async with running(create_app(settings)) as client:
            entry = (await client.get("/cds-services")).json()["services"][0]
            check_templates(entry["prefetch"])
            response = await client.post(SERVICE_PATH, json=hook_body(prefetch=full_prefetch()))
        assert response.status_code == 200
        assert isinstance(response.json()["cards"], list)


class TestErrorMapping:
    async def test_authentication_failed_is_bare_401(
        self, make_app: Callable[..., FastAPI]
    ) -> None:
        """AuthenticationFailed answers 401: generic OperationOutcome, Bearer challenge."""
        from cds_service.errors import AuthenticationFailed

        app = make_app()

        async def guarded() -> None:
            raise AuthenticationFailed()

        app.add_api_route("/guarded", guarded)
        async with asgi_client(app) as client:
            response = await client.get("/guarded")
        body = _assert_outcome(response, 401)
        assert body["issue"][0]["diagnostics"] == "Unauthorized."
        assert response.headers["www-authenticate"] == "Bearer"

    async def test_request_validation_is_400_outcome(
        self, make_app: Callable[..., FastAPI]
    ) -> None:
        """FastAPI's own request validation failures answer 400 naming the parameter."""
        app = make_app()

        async def numbered(page: int) -> dict[str, int]:
            return {"page": page}

        app.add_api_route("/numbered", numbered)
        async with asgi_client(app) as client:
            response = await client.get("/numbered", params={"page": "x"})
        body = _assert_outcome(response, 400)
        assert "'page'" in body["issue"][0]["diagnostics"]
