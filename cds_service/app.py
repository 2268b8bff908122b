"""The FastAPI application: ``create_app`` wires settings, services, clients and routes.

The lifespan validates configuration (ruleset, prefetch templates, client-JWT settings)
and fails fast with a one-line ``ConfigurationError``; it creates the one pooled
``httpx.AsyncClient`` (FHIR and JWKS traffic, instrumented with metrics event hooks),
opens the feedback store and builds the client-JWT verifier (replay cache: Redis when
``redis_url`` is set, else the feedback store's database); shutdown drains the
issued-card queue, then closes the store, the client and the replay cache.

Errors are mapped to HTTP here and only here: ``LnCdsError`` -> its status and
OperationOutcome (401: a generic one with ``WWW-Authenticate: Bearer``; a client gone
before its body was read: one info line and a bodiless 499); request
validation -> 400; HTTP errors (unknown route, method) -> their status; anything else ->
500 with a generic OperationOutcome (the traceback is logged server-side only).

``app_factory`` is what ``ln-cds serve`` gives uvicorn: settings from the environment
and logging configured, in every worker process.
"""

from __future__ import annotations

import contextlib
import gc
import logging
import uuid
from collections.abc import AsyncIterator, Callable, Collection, Iterator
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime
from typing import Any

import httpx
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.cors import CORSMiddleware

from cds_service.auth import JwtPolicy, JwtVerifier
from cds_service.config import ConfigurationError, Settings, jwt_policy
from cds_service.deps import Evaluator, Renderer, Runtime
from cds_service.errors import (
    AuthenticationFailed,
    ClientDisconnected,
    LnCdsError,
    MissingField,
    operation_outcome,
)
from cds_service.feedback_store import CardLog, FeedbackStore
from cds_service.fhir_client import FhirClient, make_http_client
from cds_service.jwks import JwksCache
from cds_service.metrics import RequestMetricsMiddleware, fhir_event_hooks
from cds_service.openapi import install_openapi
from cds_service.replay_cache import RedisReplayCache, ReplayCache, SqlReplayCache
from cds_service.routes import chart, discovery, feedback, health, hooks, metrics
from cds_service.service_definition import ServiceDefinition, build_service, check_templates

log = logging.getLogger(__name__)

#: Generation-0 collection threshold set by ``tune_gc`` (CPython default 700: a young
#: collection per 700 net container allocations). One parsed bench hook body allocates
#: ~10,000 containers, so the default runs ~15 young collections per hook; 10x fewer,
#: larger ones cost less in total (measured in docs/performance.md, "after"). Python docs,
#: ``gc.set_threshold``. Generations 1 and 2 keep their defaults.
GC_GEN0_THRESHOLD = 7000


@contextlib.contextmanager
def start_up_warnings_shown() -> Iterator[None]:
    """Within: the warnings of the start-up checks (``app.check_settings``) are not logged.

    ``serve`` runs the checks and logs their warnings once, before uvicorn starts; the
    app's lifespan runs them again and would repeat every warning. The demo runs the app
    with settings of its own, where they mean nothing (it allows no FHIR server unless
    asked). The filter lives in this process: with several workers, each worker process
    still logs the warnings once.
    """
    logger = logging.getLogger(check_settings.__module__)

    def not_from_the_checks(record: logging.LogRecord) -> bool:
        return record.funcName != check_settings.__name__

    logger.addFilter(not_from_the_checks)
    try:
        yield
    finally:
        logger.removeFilter(not_from_the_checks)


#: The embedded synthetic demo patient whose hook warms the pipeline up at start-up
#: (cds_service/demo_data: refractory LN with medication suggestions on its cards).
WARM_UP_PATIENT = "a-refractory"


async def warm_up(runtime: Runtime) -> int:
    """Run one synthetic hook through parse -> gather -> assess -> render -> JSON.

    Pays the lazy imports and first-call set-up (pydantic validators, suggestion
    templates) at start-up instead of in the first real hook. Nothing is recorded: no
    metrics, no card log, no log line, uuids from a local factory. Returns the number of
    cards rendered; a failure is logged and start-up goes on (warm-up is an optimisation).
    """
    import orjson

    from cds_service.cards import prune_empty
    from cds_service.demo_patients import build_hook_request, load_patients
    from cds_service.hook_models import parse_hook_request
    from cds_service.prefetch import gather

    settings = runtime.settings
    try:
        (patient,) = load_patients(_today(), slugs=(WARM_UP_PATIENT,))
        for service in runtime.services.values():
            body = build_hook_request(patient, service.prefetch)
            hook = parse_hook_request(orjson.dumps(body))
            gathered = await gather(hook, service, None, settings)
            assessment = runtime.evaluator(
                gathered.resources,
                today=runtime.clock(),
                ruleset=settings.ruleset,
                show_status=settings.show_status_card,
            )
            cards = prune_empty(
                runtime.renderer(assessment, uuid_factory=_uuid4, ruleset=settings.ruleset)
            )
            orjson.dumps({"cards": cards})
    except Exception:
        log.warning("start-up warm-up failed; the first hook pays its set-up", exc_info=True)
        return 0
    return len(cards)


def tune_gc(gen0_threshold: int = GC_GEN0_THRESHOLD) -> None:
    """Freeze what start-up allocated and raise the young-generation threshold.

    ``gc.collect()`` then ``gc.freeze()`` (Python docs, ``gc.freeze``): every object alive
    after imports and warm-up (~120,000: FastAPI, pydantic, SQLAlchemy, fhir.resources) moves
    to the permanent generation, which later full collections no longer scan.
    Process-wide: called once per server process (``ln-cds serve``), not by tests' apps.
    """
    gc.collect()
    gc.freeze()
    _, gen1, gen2 = gc.get_threshold()
    gc.set_threshold(gen0_threshold, gen1, gen2)


def _today() -> date:
    return datetime.now(UTC).date()


def _uuid4() -> str:
    return str(uuid.uuid4())


def _default_evaluator() -> Evaluator:
    from fhir_mappings import assess  # imported lazily

    evaluator: Evaluator = assess
    return evaluator


def _default_renderer() -> Renderer:
    from cds_service.cards import render_cards  # imported lazily

    renderer: Renderer = render_cards
    return renderer


def default_rulesets() -> Collection[str]:
    from fhir_mappings.rulesets import RULESETS

    return frozenset(RULESETS)


def check_settings(settings: Settings, rulesets: Collection[str]) -> JwtPolicy | None:
    """Start-up validation of settings that depend on other modules; returns the client-JWT
    policy (``None`` when ``require_jwt`` is off).

    Raises ``ConfigurationError`` (one line) on the first problem; logs warnings for
    settings that work but are risky.
    """
    if settings.ruleset not in rulesets:
        raise ConfigurationError(
            f"LNCDS_RULESET={settings.ruleset!r} is unknown; choose one of {sorted(rulesets)}"
        )
    policy = jwt_policy(settings)
    if settings.allow_any_fhir_server:
        log.warning("LNCDS_FHIR_SERVER_ALLOWLIST is '*': any fhirServer will be contacted")
    elif not settings.fhir_server_allowlist:
        log.warning("LNCDS_FHIR_SERVER_ALLOWLIST is empty: no FHIR server will be contacted")
    return policy


def _outcome_response(status: int, body: dict[str, Any]) -> JSONResponse:
    return JSONResponse(body, status_code=status, media_type="application/fhir+json")


def install_error_handlers(app: FastAPI) -> None:
    """The one place errors become HTTP responses."""

    async def lncds_error(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, LnCdsError)
        response = _outcome_response(exc.status_code, exc.outcome())
        if isinstance(exc, AuthenticationFailed):
            # RFC 6750 section 3: a 401 names the scheme; no error detail is given.
            response.headers["WWW-Authenticate"] = "Bearer"
        return response

    async def client_disconnected(request: Request, _: Exception) -> Response:
        # the client's doing, not ours: no stack trace, and nothing is sent back
        log.info(
            "client disconnected before its request body was read",
            extra={"path": request.url.path},
        )
        return Response(status_code=ClientDisconnected.status_code)

    async def validation_error(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        errors = exc.errors()
        loc = [str(part) for part in errors[0].get("loc", ())] if errors else []
        field = ".".join(part for part in loc if part not in ("body", "path", "query")) or "body"
        return _outcome_response(400, MissingField(field).outcome())

    async def http_error(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        code = "not-found" if exc.status_code == 404 else "not-supported"
        body = operation_outcome("The requested resource or method is not available.", code=code)
        return _outcome_response(exc.status_code, body)

    async def unexpected_error(request: Request, exc: Exception) -> JSONResponse:
        log.error(
            "unexpected error",
            exc_info=(type(exc), exc, exc.__traceback__),
            extra={"path": request.url.path},
        )
        return _outcome_response(500, LnCdsError().outcome())

    app.add_exception_handler(LnCdsError, lncds_error)
    app.add_exception_handler(ClientDisconnected, client_disconnected)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(Exception, unexpected_error)


def create_app(
    settings: Settings | None = None,
    *,
    clock: Callable[[], date] | None = None,
    uuid_factory: Callable[[], str] | None = None,
    fhir_transport: httpx.AsyncBaseTransport | None = None,
    evaluator: Evaluator | None = None,
    renderer: Renderer | None = None,
    service: ServiceDefinition | None = None,
    rulesets: Collection[str] | None = None,
    server_process: bool = False,
) -> FastAPI:
    """Build the app. Every collaborator is injectable; defaults are the real ones.

    ``server_process`` (``app_factory``, i.e. ``ln-cds serve``): at the end of start-up,
    ``warm_up`` the hook pipeline, then ``tune_gc()`` (process-wide, so off for tests' apps).

    ``service`` defaults to ``build_service()`` (LOINC codes from ``fhir_mappings``);
    ``rulesets`` to ``fhir_mappings.rulesets.RULESETS`` (to validate ``LNCDS_RULESET``).
    """
    settings = settings if settings is not None else Settings()
    definition = service if service is not None else build_service()
    runtime = Runtime(
        settings=settings,
        services={definition.id: definition},
        clock=clock or _today,
        uuid_factory=uuid_factory or _uuid4,
        evaluator=evaluator or _default_evaluator(),
        renderer=renderer or _default_renderer(),
    )

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        policy = check_settings(settings, rulesets if rulesets is not None else default_rulesets())
        for item in runtime.services.values():
            check_templates(item.prefetch)
        http = make_http_client(settings, fhir_transport)
        hooks = http.event_hooks
        for event, callbacks in fhir_event_hooks().items():
            hooks[event] = [*hooks.get(event, []), *callbacks]
        http.event_hooks = hooks
        runtime.fhir = FhirClient(http, settings)
        replay: ReplayCache | None = None
        store: FeedbackStore | None = None
        try:
            store = FeedbackStore(settings.database_url)
            await store.open()
            runtime.store = store
            if policy is not None:
                replay = _replay_cache(settings, store)
                runtime.verifier = JwtVerifier(policy, JwksCache(http), replay)
            runtime.card_log = CardLog(store)
            runtime.card_log.start()
            if server_process:
                await warm_up(runtime)
                tune_gc()
            yield
        finally:
            # in-flight requests have finished (uvicorn waits for them before the
            # lifespan shutdown); what they queued is written before the store closes
            if runtime.card_log is not None:
                await runtime.card_log.stop()
            await runtime.fhir.aclose()
            if isinstance(replay, RedisReplayCache):
                await replay.aclose()
            if store is not None:
                store.close()
            runtime.fhir = runtime.store = runtime.card_log = runtime.verifier = None

    app = FastAPI(
        title="ln-cds",
        version="0.1.0",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url="/openapi.json",
    )
    install_openapi(app)
    app.state.runtime = runtime
    install_error_handlers(app)
    app.add_middleware(
        CORSMiddleware,
        allow_origins=list(settings.cors_origins),
        allow_methods=["GET", "POST", "OPTIONS"],
        allow_headers=["Authorization", "Content-Type"],
        allow_credentials=False,
        max_age=600,
    )
    app.add_middleware(RequestMetricsMiddleware)  # outermost: times CORS answers too
    for module in (discovery, hooks, feedback, health, metrics, chart):
        app.include_router(module.router)
    return app


def _replay_cache(settings: Settings, store: FeedbackStore) -> ReplayCache:
    """Redis when configured, else the feedback store's database: either way the jti set
    outlives the process and is shared by every worker using the same store."""
    if settings.redis_url is not None:
        return RedisReplayCache(settings.redis_url.get_secret_value())
    return SqlReplayCache(store.engine)


def app_factory() -> FastAPI:
    """The app for uvicorn (``ln-cds serve``): settings from the environment, logging
    configured in this (worker) process."""
    from cds_service.logging_config import configure_logging

    settings = Settings()
    configure_logging(settings.log_level, settings.log_format)
    return create_app(settings, server_process=True)
