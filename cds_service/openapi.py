"""The service's OpenAPI document, served at ``GET /openapi.json``.

The hook and feedback routes read their bodies by hand (parsed once with orjson, see
``hook_models``), so FastAPI cannot see them; this module describes those bodies from
the same pydantic models, and states in JSON Schema what their validators check
(CDS Hooks 2.0 "Calling a CDS Service": ``hookInstance`` is a UUID, ``fhirServer`` a
base URL, ``hook`` this service's hook). The document holds no patient data.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel

from cds_service.hook_models import FeedbackRequest, HookRequest

REF = "#/components/schemas/{model}"
#: (path, model) of the routes whose body is parsed by hand.
BODIES: tuple[tuple[str, type[BaseModel]], ...] = (
    ("/cds-services/{service_id}", HookRequest),
    ("/cds-services/{service_id}/feedback", FeedbackRequest),
)
#: What HookRequest's validators check, said in JSON Schema.
HOOK_PROPERTIES: dict[str, Any] = {
    "hook": {"type": "string", "enum": ["patient-view"]},
    "hookInstance": {"type": "string", "format": "uuid"},
    "fhirServer": {"type": "string", "pattern": "^https?://"},
}


def _request_body(model: type[BaseModel], components: dict[str, Any]) -> dict[str, Any]:
    schema = model.model_json_schema(ref_template=REF)
    components.update(schema.pop("$defs", {}))
    components[model.__name__] = schema
    return {
        "required": True,
        "content": {"application/json": {"schema": {"$ref": REF.format(model=model.__name__)}}},
    }


def build_openapi(app: FastAPI) -> dict[str, Any]:
    """FastAPI's document for ``app`` with the hand-parsed request bodies described."""
    document = get_openapi(title=app.title, version=app.version, routes=app.routes)
    components = document.setdefault("components", {}).setdefault("schemas", {})
    for path, model in BODIES:
        operation = document.get("paths", {}).get(path, {}).get("post")
        if operation is not None:
            operation["requestBody"] = _request_body(model, components)
    components[HookRequest.__name__].setdefault("properties", {}).update(HOOK_PROPERTIES)
    return document


def install_openapi(app: FastAPI) -> None:
    """Serve the document at ``/openapi.json`` (built once, on first request)."""
    cache: dict[str, Any] = {}

    def openapi() -> dict[str, Any]:
        if not cache:
            cache.update(build_openapi(app))
        return cache

    app.openapi = openapi  # type: ignore[method-assign]
