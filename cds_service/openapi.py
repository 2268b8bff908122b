"""The service's OpenAPI document, served at ``GET /openapi.json``.

The hook and feedback routes read their bodies by hand (parsed once with orjson, see
``hook_models``), so FastAPI cannot see them; this module describes those bodies from
the same pydantic models, and states in JSON Schema what their validators check
(CDS Hooks 2.0 "Calling a CDS Service": ``hookInstance`` is a UUID, ``fhirServer`` a
base URL, ``hook`` this service's hook), with the media types they are read as (JSON
only: a 415 otherwise). The document holds no patient data.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel

from cds_service.hook_models import JSON_MEDIA_TYPES, FeedbackRequest, HookRequest

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


#: The 415 answer of the hand-parsed routes (``hook_models.check_json_content_type``).
UNSUPPORTED_MEDIA_TYPE: dict[str, Any] = {
    "description": "The body is declared as something other than JSON (OperationOutcome).",
    "content": {
        "application/fhir+json": {
            "schema": {
                "type": "object",
                "properties": {"resourceType": {"const": "OperationOutcome"}},
                "required": ["resourceType", "issue"],
            }
        }
    },
}


def _request_body(model: type[BaseModel], components: dict[str, Any]) -> dict[str, Any]:
    schema = model.model_json_schema(ref_template=REF)
    components.update(schema.pop("$defs", {}))
    components[model.__name__] = schema
    reference = {"$ref": REF.format(model=model.__name__)}
    return {
        "required": True,
        "description": "JSON; a charset parameter, if given, must be utf-8.",
        "content": {media_type: {"schema": reference} for media_type in JSON_MEDIA_TYPES},
    }


def build_openapi(app: FastAPI) -> dict[str, Any]:
    """FastAPI's document for ``app`` with the hand-parsed request bodies described."""
    document = get_openapi(title=app.title, version=app.version, routes=app.routes)
    components = document.setdefault("components", {}).setdefault("schemas", {})
    for path, model in BODIES:
        operation = document.get("paths", {}).get(path, {}).get("post")
        if operation is not None:
            operation["requestBody"] = _request_body(model, components)
            operation.setdefault("responses", {})["415"] = UNSUPPORTED_MEDIA_TYPE
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
