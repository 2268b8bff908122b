"""``ln-cds``: serve | demo | evaluate (``feedback-report`` comes later).

Errors print one line on stderr and exit non-zero; no traceback reaches the user.
``evaluate`` runs the same gathering (``cds_service.prefetch.gather``), assessment and
card rendering as the hook: a Bundle file is turned into a full prefetch, a FHIR
server is read through the same ``FhirClient`` with no prefetch.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import httpx
import orjson
from pydantic import ValidationError

from cds_service.config import Settings
from cds_service.deps import Evaluator, Renderer
from cds_service.errors import LnCdsError
from cds_service.fhir_client import FhirClient, bundle_resources, make_http_client
from cds_service.hook_models import HookRequest
from cds_service.prefetch import gather
from cds_service.routes.hooks import prune
from cds_service.service_definition import ServiceDefinition, build_service

EXIT_OK, EXIT_ERROR, EXIT_USAGE = 0, 1, 2
CLI_USER = "Practitioner/ln-cds-cli"


class CliError(Exception):
    """A user-facing, one-line failure."""


def _jwt_ready(settings: Settings) -> str | None:
    """The refusal message while client JWT verification is not wired in, else ``None``."""
    if settings.require_jwt:
        return (
            "ln-cds serve: client JWT verification is not available yet, so the service "
            "refuses to start with LNCDS_REQUIRE_JWT=true. For development only, set "
            "LNCDS_REQUIRE_JWT=false."
        )
    return None


def _serve(args: argparse.Namespace) -> int:
    settings = Settings()
    refusal = _jwt_ready(settings)
    if refusal is not None:
        print(refusal, file=sys.stderr)
        return EXIT_USAGE
    import uvicorn

    from cds_service.logging_config import configure_logging

    configure_logging(settings.log_level, settings.log_format)
    uvicorn.run(
        "cds_service.app:create_app",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        log_config=None,
        proxy_headers=True,
    )
    return EXIT_OK


def _bundle_prefetch(path: Path, service: ServiceDefinition) -> tuple[str, dict[str, Any]]:
    """(patient id, a full prefetch) from a FHIR Bundle file of one patient's resources."""
    try:
        data = orjson.loads(path.read_bytes())
    except OSError as exc:
        raise CliError(f"cannot read {path}: {exc.strerror}") from None
    except orjson.JSONDecodeError:
        raise CliError(f"{path} is not JSON") from None
    if not isinstance(data, dict) or data.get("resourceType") != "Bundle":
        raise CliError(f"{path} is not a FHIR Bundle")
    resources = bundle_resources(data)
    patients = [r for r in resources if r.get("resourceType") == "Patient"]
    if len(patients) != 1 or not isinstance(patients[0].get("id"), str):
        raise CliError(f"{path} must hold exactly one Patient with an id")
    prefetch: dict[str, Any] = {}
    for key, template in service.prefetch.items():
        path_part = template.partition("?")[0]
        rtype, _, rid = path_part.partition("/")
        if rid:
            prefetch[key] = patients[0]
            continue
        wanted = {rtype, "Medication"} if rtype.startswith("Medication") else {rtype}
        entries = [{"resource": r} for r in resources if r.get("resourceType") in wanted]
        prefetch[key] = {"resourceType": "Bundle", "type": "searchset", "entry": entries}
    return patients[0]["id"], prefetch


async def _evaluate_async(
    args: argparse.Namespace,
    settings: Settings,
    service: ServiceDefinition,
    transport: httpx.AsyncBaseTransport | None,
) -> Any:
    body: dict[str, Any] = {
        "hook": service.hook,
        "hookInstance": str(uuid.uuid4()),
        "context": {"userId": CLI_USER},
    }
    client: FhirClient | None = None
    if args.bundle is not None:
        patient_id, body["prefetch"] = _bundle_prefetch(Path(args.bundle), service)
        body["context"]["patientId"] = patient_id
    else:
        body["fhirServer"] = args.fhir_server
        body["context"]["patientId"] = args.patient
        if args.bearer_token:
            body["fhirAuthorization"] = {"access_token": args.bearer_token, "token_type": "Bearer"}
        client = FhirClient(make_http_client(settings, transport), settings)
    try:
        request = HookRequest.model_validate(body)
        return await gather(request, service, client, settings)
    finally:
        if client is not None:
            await client.aclose()


def _evaluate(
    args: argparse.Namespace,
    *,
    service: ServiceDefinition | None,
    evaluator: Evaluator | None,
    renderer: Renderer | None,
    fhir_transport: httpx.AsyncBaseTransport | None,
) -> int:
    if args.bundle is None and (args.fhir_server is None or args.patient is None):
        raise CliError("evaluate needs --bundle FILE, or --fhir-server URL with --patient ID")
    settings = Settings()
    if args.fhir_server is not None:
        # the operator named this server on the command line: it is the allow-list
        settings = settings.model_copy(update={"fhir_server_allowlist": [args.fhir_server]})
    service = service or build_service()
    if evaluator is None:
        from fhir_mappings import assess

        evaluator = assess
    if renderer is None:
        from cds_service.cards import render_cards

        renderer = render_cards
    gathered = asyncio.run(_evaluate_async(args, settings, service, fhir_transport))
    today = args.today or datetime.now(UTC).date()
    ruleset = args.ruleset or settings.ruleset
    assessment = evaluator(
        gathered.resources, today=today, ruleset=ruleset, show_status=settings.show_status_card
    )
    cards = prune(renderer(assessment, uuid_factory=lambda: str(uuid.uuid4()), ruleset=ruleset))
    if args.json:
        sys.stdout.write(orjson.dumps({"cards": cards}, option=orjson.OPT_INDENT_2).decode())
        sys.stdout.write("\n")
    else:
        from cds_service.terminal import format_cards

        title = f"ln-cds evaluate ({ruleset}, {today.isoformat()})"
        print(format_cards(cards, title=title))
    return EXIT_OK


def _iso_date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {value!r}") from None


def build_parser(
    run_evaluate: Callable[[argparse.Namespace], int] | None = None,
) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ln-cds", description="CDS Hooks service: refractory lupus nephritis."
    )
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="run the CDS Hooks service (uvicorn)")
    serve.add_argument("--host", default="0.0.0.0")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1)
    serve.set_defaults(func=_serve)

    demo = sub.add_parser("demo", help="run the synthetic demo patients through the service")
    try:
        from cds_service import demo as demo_module
    except ImportError:
        demo.set_defaults(func=lambda _: _fail("the demo is not available in this build"))
    else:
        demo_module.add_arguments(demo)
        demo.set_defaults(func=demo_module.run)

    evaluate = sub.add_parser("evaluate", help="evaluate one patient and print the cards")
    source = evaluate.add_mutually_exclusive_group(required=True)
    source.add_argument("--bundle", metavar="FILE", help="a FHIR Bundle of one patient")
    source.add_argument("--fhir-server", metavar="URL", help="a FHIR R4 base URL")
    evaluate.add_argument("--patient", metavar="ID", help="patient id (with --fhir-server)")
    evaluate.add_argument("--bearer-token", metavar="T", help="access token for --fhir-server")
    evaluate.add_argument("--json", action="store_true", help="print the CDS Hooks response")
    evaluate.add_argument("--today", type=_iso_date, help="evaluation date (YYYY-MM-DD)")
    evaluate.add_argument("--ruleset", help="ruleset name (default: LNCDS_RULESET)")
    if run_evaluate is not None:
        evaluate.set_defaults(func=run_evaluate)
    return parser


def _fail(message: str) -> int:
    print(f"ln-cds: {message}", file=sys.stderr)
    return EXIT_ERROR


def main(
    argv: Sequence[str] | None = None,
    *,
    service: ServiceDefinition | None = None,
    evaluator: Evaluator | None = None,
    renderer: Renderer | None = None,
    fhir_transport: httpx.AsyncBaseTransport | None = None,
) -> int:
    """Entry point; the keyword arguments are for tests (defaults: the real ones)."""

    def run_evaluate(args: argparse.Namespace) -> int:
        return _evaluate(
            args,
            service=service,
            evaluator=evaluator,
            renderer=renderer,
            fhir_transport=fhir_transport,
        )

    args = build_parser(run_evaluate).parse_args(argv)
    try:
        result: int = args.func(args)
    except CliError as exc:
        return _fail(str(exc))
    except LnCdsError as exc:
        return _fail(exc.diagnostics())
    except ValidationError as exc:
        first = exc.errors()[0] if exc.errors() else {"loc": (), "msg": "invalid"}
        where = ".".join(str(part) for part in first["loc"])
        return _fail(f"invalid configuration or input: {where}: {first['msg']}")
    except (ValueError, OSError) as exc:
        return _fail(str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
    return result


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
