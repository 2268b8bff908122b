"""schemathesis over the service's OpenAPI document: no generated request gets a 5xx.

The app serves no OpenAPI document (``openapi_url=None``) and its hook and feedback
routes read the body by hand, so FastAPI's generated document has no request bodies.
``documented`` adds them from the pydantic models (``HookRequest``,
``FeedbackRequest``): the same additions the integrator is asked to make on the routes
(``openapi_extra``), so schemathesis generates real hook calls, not empty bodies.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel
from schemathesis import BaseSchema, GenerationMode
from schemathesis.checks import not_a_server_error

from cds_service.hook_models import FeedbackRequest, HookRequest
from cds_service.service_definition import SERVICE_ID

from .conftest import build_app, not_found, robust_settings

REF = "#/components/schemas/{model}"
#: (path, model) of the routes whose body the app parses by hand.
BODIES = (
    ("/cds-services/{service_id}", HookRequest),
    ("/cds-services/{service_id}/feedback", FeedbackRequest),
)


def body_schema(model: type[BaseModel], components: dict[str, Any]) -> dict[str, Any]:
    """``model``'s JSON schema with its ``$defs`` moved to the document's components."""
    schema = model.model_json_schema(ref_template=REF)
    components.update(schema.pop("$defs", {}))
    components[model.__name__] = schema
    return {
        "required": True,
        "content": {"application/json": {"schema": {"$ref": REF.format(model=model.__name__)}}},
    }


#: What the hook model's validators check, said in JSON Schema (CDS Hooks 2.0 "Calling a
#: CDS Service": hookInstance is a UUID; fhirServer a base URL).
HOOK_PROPERTIES: dict[str, Any] = {
    "hook": {"type": "string", "enum": ["patient-view"]},
    "hookInstance": {"type": "string", "format": "uuid"},
    "fhirServer": {"type": "string", "pattern": "^https?://"},
}


def documented(document: dict[str, Any]) -> dict[str, Any]:
    """The app's OpenAPI document with the hook and feedback request bodies described."""
    components = document.setdefault("components", {}).setdefault("schemas", {})
    for path, model in BODIES:
        operation = document["paths"][path]["post"]
        operation.setdefault("requestBody", body_schema(model, components))
        for parameter in operation.get("parameters", []):
            if parameter["name"] == "service_id":
                # mostly the real service; unknown ids (404) are generated in negative mode
                parameter["schema"] = {"type": "string", "enum": [SERVICE_ID]}
    components[HookRequest.__name__]["properties"].update(HOOK_PROPERTIES)
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
    loaded = schemathesis.openapi.from_dict(documented(app.openapi()))
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
