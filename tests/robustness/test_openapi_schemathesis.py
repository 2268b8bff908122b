"""schemathesis over the service's OpenAPI document: no generated request gets a 5xx.

The app serves its document at ``/openapi.json`` (``cds_service.openapi``), with the
hook and feedback request bodies described from the pydantic models, so schemathesis
generates real hook calls, not empty bodies.
"""

from __future__ import annotations

import copy
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from schemathesis import BaseSchema, GenerationMode
from schemathesis.checks import not_a_server_error

from cds_service.service_definition import SERVICE_ID
from tests.robustness._helpers import build_app, not_found, robust_settings

#: slow: schemathesis
pytestmark = pytest.mark.slow


def documented(document: dict[str, Any]) -> dict[str, Any]:
    """The served document, with ``service_id`` mostly the real service (unknown ids, the
    404 branch, are still generated in negative mode)."""
    for path in ("/cds-services/{service_id}", "/cds-services/{service_id}/feedback"):
        for parameter in document["paths"][path]["post"].get("parameters", []):
            if parameter["name"] == "service_id":
                parameter["schema"] = {"type": "string", "enum": [SERVICE_ID]}
    return document


def _cases() -> list[tuple[str, str, GenerationMode]]:
    """(method, path, mode) for every operation of the app's document (an app built, not
    started); negative cases only where there is something to break (parameters)."""
    app = build_app(robust_settings(Path(tempfile.gettempdir())), not_found)
    cases = []
    for path, item in app.openapi()["paths"].items():
        for method, operation in item.items():
            cases.append((method.upper(), path, GenerationMode.POSITIVE))
            if operation.get("parameters"):
                cases.append((method.upper(), path, GenerationMode.NEGATIVE))
    return sorted(cases)


CASES = _cases()


@pytest.fixture(scope="module")
def api_schema(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BaseSchema]:
    """The document as the app generates it (plus bodies), bound to the in-process app."""
    app = build_app(robust_settings(tmp_path_factory.mktemp("schemathesis")), not_found)
    served = copy.deepcopy(app.openapi())  # what GET /openapi.json returns
    loaded = schemathesis.openapi.from_dict(documented(served))
    loaded.app = app
    yield loaded
    # schemathesis keeps an app's lifespan running until told; end ours with the module
    from schemathesis.python.asgi import shutdown_lifespans

    shutdown_lifespans()


class TestDocument:
    def test_hook_body_is_documented(self, api_schema: BaseSchema) -> None:
        """The document used describes the hook request body (fhirServer, context, prefetch)."""
        raw = api_schema.raw_schema
        ref = raw["paths"]["/cds-services/{service_id}"]["post"]["requestBody"]
        name = ref["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
        properties = raw["components"]["schemas"][name]["properties"]
        assert {"hook", "hookInstance", "fhirServer", "context", "prefetch"} <= set(properties)


class TestNoServerError:
    # the schemathesis pytest integration (``from_fixture``) fails on pytest 9
    # (``Function._nodeid`` is gone), so operations are driven through Hypothesis here
    @pytest.mark.parametrize(("method", "path", "mode"), CASES)
    @settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
    @given(data=st.data())
    def test_operation(
        self,
        api_schema: BaseSchema,
        method: str,
        path: str,
        mode: GenerationMode,
        data: st.DataObject,
    ) -> None:
        """No request generated from the OpenAPI document gets a 5xx answer."""
        operation = api_schema[path][method]
        case = data.draw(operation.as_strategy(generation_mode=mode))
        response = case.call()
        event(f"HTTP {response.status_code}")
        case.validate_response(response, checks=[not_a_server_error])


class TestServedDocument:
    def test_openapi_json_describes_the_hook_and_feedback_bodies(self, tmp_path: Path) -> None:
        """GET /openapi.json is public and names the request body model of both POST routes."""
        import asyncio

        import httpx

        app = build_app(robust_settings(tmp_path), not_found)

        async def fetch() -> httpx.Response:
            async with app.router.lifespan_context(app):
                transport = httpx.ASGITransport(app=app)
                async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
                    return await client.get("/openapi.json")

        response = asyncio.run(fetch())
        assert response.status_code == 200
        paths = response.json()["paths"]
        refs = {
            path: paths[path]["post"]["requestBody"]["content"]["application/json"]["schema"]
            for path in ("/cds-services/{service_id}", "/cds-services/{service_id}/feedback")
        }
        assert refs == {
            "/cds-services/{service_id}": {"$ref": "#/components/schemas/HookRequest"},
            "/cds-services/{service_id}/feedback": {"$ref": "#/components/schemas/FeedbackRequest"},
        }
        hook = response.json()["components"]["schemas"]["HookRequest"]["properties"]
        assert hook["hook"]["enum"] == ["patient-view"]
