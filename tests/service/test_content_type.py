"""The hook and feedback routes read JSON only: ``application/json`` or
``application/fhir+json`` (optionally ``charset=utf-8``); any other declared type is a 415."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import orjson
import pytest
from fastapi import FastAPI

from cds_service.config import Settings
from cds_service.feedback_store import FeedbackStore
from tests.service._helpers import SERVICE_PATH, FakeEvaluator, full_prefetch, running
from tests.support.hooks import hook_body

pytestmark = pytest.mark.anyio

FEEDBACK_PATH = f"{SERVICE_PATH}/feedback"
ROUTES = pytest.mark.parametrize("path", [SERVICE_PATH, FEEDBACK_PATH], ids=["hook", "feedback"])


def feedback_body() -> dict[str, Any]:
    return {
        "feedback": [
            {
                "card": "00000000-0000-0000-0000-000000000001",
                "outcome": "overridden",
                "outcomeTimestamp": "2025-06-01T10:00:00Z",
            }
        ]
    }


def body_for(path: str) -> bytes:
    return orjson.dumps(
        hook_body(prefetch=full_prefetch()) if path == SERVICE_PATH else feedback_body()
    )


ACCEPTED = [
    "application/json",
    "application/json; charset=utf-8",
    "application/json;charset=UTF-8",  # what axios (the CDS Hooks Sandbox) sends
    'application/json; charset="utf-8"',
    "Application/FHIR+JSON",
    "application/fhir+json; charset=utf-8",
    None,  # no header: the body is read as JSON (and must parse as JSON)
]
REFUSED = [
    "text/plain",
    "text/plain; charset=utf-8",
    "application/x-www-form-urlencoded",
    "multipart/form-data; boundary=x",
    "application/xml",
    "application/json-patch+json",
    "application/jsonx",
    "application/json; charset=iso-8859-1",
    "application/json; charset=utf-16",
    "application/json; profile=x",
    "application/json, text/plain",
    "",
]


class TestAccepted:
    @ROUTES
    @pytest.mark.parametrize("content_type", ACCEPTED)
    async def test_json_media_types_are_read(
        self, client: httpx.AsyncClient, path: str, content_type: str | None
    ) -> None:
        """JSON under either media type, with or without a UTF-8 charset, is answered 200."""
        headers = {} if content_type is None else {"content-type": content_type}
        response = await client.post(path, content=body_for(path), headers=headers)
        assert response.status_code == 200


class TestRefused:
    @ROUTES
    @pytest.mark.parametrize("content_type", REFUSED)
    async def test_other_media_types_are_415(
        self,
        make_app: Callable[..., FastAPI],
        evaluator: FakeEvaluator,
        settings: Settings,
        path: str,
        content_type: str,
    ) -> None:
        """Any other declared type answers 415 with an OperationOutcome, before the body is
        used: nothing is evaluated or stored."""
        async with running(make_app()) as client:
            response = await client.post(
                path, content=body_for(path), headers={"content-type": content_type}
            )
        assert response.status_code == 415
        body = response.json()
        assert body["resourceType"] == "OperationOutcome"
        assert body["issue"][0]["code"] == "not-supported"
        assert "application/json" in body["issue"][0]["diagnostics"]
        assert evaluator.calls == []
        assert FeedbackStore(settings.database_url).count_feedback() == 0

    async def test_checked_before_the_body_size(self, make_app: Callable[..., FastAPI]) -> None:
        """A form body over the size limit is refused for its type (415), without reading it."""
        async with running(make_app()) as client:
            response = await client.post(
                SERVICE_PATH,
                content=b"a=" + b"x" * (3 * 1024 * 1024),
                headers={"content-type": "application/x-www-form-urlencoded"},
            )
        assert response.status_code == 415


class TestDocument:
    @ROUTES
    async def test_openapi_declares_the_media_types_and_415(
        self, client: httpx.AsyncClient, path: str
    ) -> None:
        """The OpenAPI document lists both JSON media types for the request body and a 415
        answer."""
        template = path.replace("lupus-nephritis-refractory", "{service_id}")
        operation = (await client.get("/openapi.json")).json()["paths"][template]["post"]
        assert set(operation["requestBody"]["content"]) == {
            "application/json",
            "application/fhir+json",
        }
        assert "charset" in operation["requestBody"]["description"]
        assert "application/fhir+json" in operation["responses"]["415"]["content"]
