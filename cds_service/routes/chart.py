"""The chart page: ``/chart/`` (the app), ``/chart/launch`` (SMART launch), its assets,
``/chart/config`` and ``POST /chart/model``.

The pages are static files (``cds_service/chart/static``) sent with a strict
Content-Security-Policy (``cds_service.chart.content_security_policy``): no inline
script, ``connect-src`` the service and the FHIR server chosen at launch. The launch
checks ``iss`` against ``LNCDS_FHIR_SERVER_ALLOWLIST`` and remembers its origin in a
cookie, so the page the authorization server redirects to can name it too.

``POST /chart/model`` takes ``{"resources": [FHIR R4 JSON, ...], "ruleset": name?}``
and answers ``cds_service.chart_model.chart_model`` at the service's clock. The body is
bounded by ``LNCDS_MAX_BODY_BYTES`` (413); bad input answers 400 with an
OperationOutcome. Nothing is stored and nothing of the body is logged; the page never
sends the access token here (it talks to the FHIR server itself).

Every route answers 404 while ``LNCDS_CHART_CLIENT_ID`` is unset: the chart is off.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, Final

import anyio.to_thread
import orjson
from fastapi import APIRouter, Depends, Request, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from cds_service.chart import (
    EHR_LAUNCH_SCOPE,
    STANDALONE_LAUNCH_SCOPE,
    STATIC_DIR,
    content_security_policy,
    origin_of,
)
from cds_service.chart_model import ChartModel, chart_model
from cds_service.config import Settings
from cds_service.deps import RuntimeDep, SettingsDep, read_body
from cds_service.errors import MalformedJson, MissingField
from cds_service.prefetch import MAX_MEDICATION_READS
from cds_service.routes.hooks import INLINE_ASSESS_MAX_RESOURCES
from fhir_mappings.resources import PatientResources
from fhir_mappings.rulesets import RULESETS

router = APIRouter()

#: The cookie that carries the launch's FHIR origin from ``/chart/launch`` to ``/chart/``
#: (an origin the allow-list admits; no data, no token). Eight hours: one working day.
FHIR_ORIGIN_COOKIE: Final = "lncds_chart_fhir"
_COOKIE_MAX_AGE: Final = 8 * 3600

#: The assets a page may load, by file name: what ``npm run build`` writes.
_ASSET_TYPES: Final[Mapping[str, str]] = {
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
}
_PAGE_HEADERS: Final[Mapping[str, str]] = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
}


async def chart_on(settings: SettingsDep) -> None:
    """The chart is off (every route 404) until ``LNCDS_CHART_CLIENT_ID`` is set."""
    if settings.chart_client_id is None:
        raise StarletteHTTPException(404)


ChartOn = Annotated[None, Depends(chart_on)]


def _allowed_origin(settings: Settings, origin: str | None) -> str | None:
    """``origin`` when a FHIR server the allow-list admits lives there, else ``None``."""
    if origin is None:
        return None
    if settings.allow_any_fhir_server:
        return origin
    admitted = {origin_of(prefix) for prefix in settings.fhir_server_allowlist}
    return origin if origin in admitted else None


def _page(name: str, settings: Settings, fhir_origin: str | None) -> Response:
    body = (STATIC_DIR / name).read_bytes()
    headers = {
        **_PAGE_HEADERS,
        "Content-Security-Policy": content_security_policy(settings, fhir_origin),
    }
    return Response(body, media_type="text/html; charset=utf-8", headers=headers)


@router.get("/chart/", include_in_schema=False)
async def app_page(request: Request, settings: SettingsDep, _on: ChartOn) -> Response:
    """The app, where the authorization server sends the browser back with a code."""
    remembered = request.cookies.get(FHIR_ORIGIN_COOKIE)
    fhir_origin = _allowed_origin(settings, origin_of(remembered) if remembered else None)
    return _page("index.html", settings, fhir_origin)


@router.get("/chart/launch", include_in_schema=False)
async def launch_page(request: Request, settings: SettingsDep, _on: ChartOn) -> Response:
    """The SMART launch (EHR: ``iss`` and ``launch``; standalone: ``iss``)."""
    iss = request.query_params.get("iss")
    if not iss or not settings.fhir_server_allowed(iss):
        raise MissingField("iss")
    fhir_origin = _allowed_origin(settings, origin_of(iss))
    if fhir_origin is None:
        raise MissingField("iss")
    response = _page("launch.html", settings, fhir_origin)
    secure = request.url.scheme == "https" or str(settings.public_base_url).startswith("https:")
    response.set_cookie(
        FHIR_ORIGIN_COOKIE,
        fhir_origin,
        max_age=_COOKIE_MAX_AGE,
        httponly=True,
        samesite="lax",
        secure=secure,
        path=None,  # the launch's own folder, whatever prefix a proxy adds
    )
    return response


@router.get("/chart/assets/{name}", include_in_schema=False)
async def asset(name: str, _on: ChartOn) -> Response:
    """A built asset (script, stylesheet, licence text) by its file name, nothing else."""
    media_type = next((t for ext, t in _ASSET_TYPES.items() if name.endswith(ext)), None)
    path = STATIC_DIR / name
    if media_type is None or "/" in name or name.startswith(".") or not path.is_file():
        raise StarletteHTTPException(404)
    headers = {"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"}
    return Response(path.read_bytes(), media_type=media_type, headers=headers)


@router.get("/chart/config")
async def config(runtime: RuntimeDep, _on: ChartOn) -> dict[str, Any]:
    """What the page needs to launch and read: client id, scopes, the service's prefetch
    templates (the searches it runs), its bounds, and the rulesets it may choose."""
    settings = runtime.settings
    service = next(iter(runtime.services.values()))
    return {
        "clientId": settings.chart_client_id,
        "scope": {"ehr": EHR_LAUNCH_SCOPE, "standalone": STANDALONE_LAUNCH_SCOPE},
        "prefetch": dict(service.prefetch),
        "maxPagesPerSearch": settings.max_pages_per_search,
        "maxMedicationReads": MAX_MEDICATION_READS,
        "ruleset": settings.ruleset,
        "rulesets": [{"name": r.name, "title": r.title} for r in RULESETS.values()],
    }


def parse_model_request(raw: bytes, default_ruleset: str) -> tuple[list[dict[str, Any]], str]:
    """``(resources, ruleset)`` of a ``POST /chart/model`` body; ``RequestError`` (400) on
    anything but ``{"resources": [objects], "ruleset": known name?}``."""
    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise MalformedJson() from None
    if not isinstance(body, dict):
        raise MalformedJson()
    resources = body.get("resources")
    if not isinstance(resources, list) or not all(isinstance(r, dict) for r in resources):
        raise MissingField("resources")
    ruleset = body.get("ruleset", default_ruleset)
    if ruleset is None:
        ruleset = default_ruleset
    if not isinstance(ruleset, str) or ruleset not in RULESETS:
        raise MissingField("ruleset")
    return resources, ruleset


#: The body of ``POST /chart/model`` for the OpenAPI document (it is parsed by hand).
MODEL_REQUEST_SCHEMA: Final[dict[str, Any]] = {
    "type": "object",
    "required": ["resources"],
    "properties": {
        "resources": {
            "type": "array",
            "items": {"type": "object"},
            "description": "FHIR R4 resources of one patient (JSON), as the searches return them",
        },
        "ruleset": {"type": "string", "enum": sorted(RULESETS)},
    },
}


@router.post(
    "/chart/model",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": MODEL_REQUEST_SCHEMA}},
        }
    },
)
async def model(request: Request, runtime: RuntimeDep, _on: ChartOn) -> Response:
    """The chart of the posted resources at the service's clock (never stored)."""
    raw = await read_body(request, runtime.settings.max_body_bytes)
    resources, ruleset = parse_model_request(raw, runtime.settings.ruleset)
    grouped = PatientResources.from_resources(resources)
    today = runtime.clock()
    answer: ChartModel
    if len(resources) > INLINE_ASSESS_MAX_RESOURCES:
        answer = await anyio.to_thread.run_sync(chart_model, grouped, today, ruleset)
    else:
        answer = chart_model(grouped, today, ruleset)
    return Response(
        orjson.dumps(answer),
        media_type="application/json",
        headers={"Cache-Control": "no-store"},
    )
