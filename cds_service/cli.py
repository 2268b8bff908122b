"""``ln-cds``: serve | demo | evaluate | feedback-report (``--version``; ``--help`` shows
every option's default and choices).

Errors print one line on stderr and exit non-zero; no traceback reaches the user.
Configuration errors (``ConfigurationError``, invalid ``LNCDS_*`` values) and usage
errors exit 2. When stdout's reader goes away (``ln-cds demo | head``) every command
ends quietly with ``EXIT_BROKEN_PIPE``.
``serve`` checks the configuration before uvicorn starts (the same checks as the app
lifespan; their warnings are logged once), then runs ``cds_service.app:app_factory``
on 127.0.0.1 unless ``--host`` says otherwise, with a graceful-shutdown timeout that fits
a Kubernetes termination grace period and the connection limits of the settings.
``evaluate`` runs the same gathering (``cds_service.prefetch.gather``), assessment and
card rendering as the hook, with one evaluation date (``--today``, else today) for the
look-back of the gathering and for the rules: a Bundle file is turned into a full
prefetch, a FHIR server is read through the same ``FhirClient`` with no prefetch.
``feedback-report`` only reads the store: before anything was recorded it is empty.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.metadata
import os
import signal
import sys
import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import orjson
from pydantic import ValidationError
from pydantic_settings import SettingsError

from cds_service.cards import prune_empty
from cds_service.config import (
    ConfigurationError,
    Settings,
    default_database_path,
    default_database_url,
    env_name,
)
from cds_service.deps import Evaluator, Renderer
from cds_service.errors import FhirBadResponse, FhirError, LnCdsError
from cds_service.fhir_client import FhirClient, bundle_resources, make_http_client
from cds_service.hook_models import HookRequest
from cds_service.prefetch import gather
from cds_service.service_definition import ServiceDefinition, build_service
from fhir_mappings.rulesets import DEFAULT_RULESET, RULESETS

if TYPE_CHECKING:
    from _typeshed import SupportsWrite

    from cds_service.feedback_store import SummaryRow

EXIT_OK, EXIT_ERROR, EXIT_USAGE = 0, 1, 2
#: Exit status when stdout's reader has gone (``ln-cds demo | head``): 128 + SIGPIPE (13),
#: what a shell reports for a program that SIGPIPE ended.
EXIT_BROKEN_PIPE = 141
CLI_USER = "Practitioner/ln-cds-cli"
#: Seconds uvicorn waits for in-flight requests after SIGTERM before closing them;
#: below Kubernetes' default terminationGracePeriodSeconds (30 s), leaving time for the
#: lifespan shutdown (issued-card queue drain, at most 5 s: ``CardLog.stop``).
GRACEFUL_SHUTDOWN_SECONDS = 20
#: ``serve`` listens on loopback unless told otherwise: with ``LNCDS_REQUIRE_JWT=false`` (the
#: development recipe) anyone who can reach the port could call the hook. The container
#: images and manifests under ``deploy/`` pass ``--host 0.0.0.0`` explicitly.
DEFAULT_HOST = "127.0.0.1"
#: Environment variable read for ``evaluate --fhir-server``'s access token when neither
#: option gives one (a command-line argument lands in shell history and ``ps``).
BEARER_TOKEN_ENV = "LNCDS_BEARER_TOKEN"
#: Default period of ``feedback-report`` (days, ending today) when --since is not given.
REPORT_DEFAULT_DAYS = 30


class CliError(Exception):
    """A user-facing, one-line failure."""


def load_settings() -> Settings:
    """Settings from the environment; invalid values -> ``ConfigurationError`` naming the
    variable (one line)."""
    try:
        return Settings()
    except ValidationError as exc:
        first = exc.errors()[0]
        where = env_name(str(first["loc"][0])) if first["loc"] else "LNCDS_*"
        raise ConfigurationError(f"{where}: {first['msg']}") from None
    except SettingsError as exc:
        raise ConfigurationError(str(exc).splitlines()[0]) from None


def _exit_cleanly_on_stop_signals() -> None:
    """Make a graceful SIGTERM/SIGINT shutdown exit 0 (``docker stop``, Kubernetes).

    uvicorn (>= 0.29, Kludex/uvicorn#1600) restores the handlers it found after a
    graceful shutdown and re-raises the signal it caught; with the default handlers the
    process then dies by the signal (status 143). These no-op handlers are what uvicorn
    restores, so the re-raised signal is absorbed and ``serve`` returns normally.
    """
    for stop_signal in (signal.SIGTERM, signal.SIGINT):
        signal.signal(stop_signal, lambda _signum, _frame: None)


def prepare_default_store(settings: Settings) -> None:
    """Create the folder of the default SQLite store (in the user's data folder) if missing:
    SQLite creates the file but not its folder. Private (0700): feedback may hold comments
    about patients. A folder named in ``LNCDS_DATABASE_URL`` is the operator's to create."""
    if settings.database_url == default_database_url():
        default_database_path().parent.mkdir(mode=0o700, parents=True, exist_ok=True)


def _serve(args: argparse.Namespace) -> int:
    from cds_service.app import check_settings, default_rulesets, start_up_warnings_shown

    settings = load_settings()
    workers = args.workers if args.workers is not None else settings.workers
    settings = settings.model_copy(update={"workers": workers})
    from cds_service.logging_config import configure_logging

    configure_logging(settings.log_level, settings.log_format)
    check_settings(settings, default_rulesets())
    prepare_default_store(settings)
    _exit_cleanly_on_stop_signals()
    with start_up_warnings_shown():
        _run_uvicorn(settings, args, workers)
    return EXIT_OK


def _run_uvicorn(settings: Settings, args: argparse.Namespace, workers: int) -> None:
    import uvicorn

    uvicorn.run(
        "cds_service.app:app_factory",
        factory=True,
        host=args.host,
        port=args.port,
        workers=workers,
        log_config=None,
        access_log=settings.access_log,
        proxy_headers=True,
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_SECONDS,
        **uvicorn_limits(settings),
    )


def uvicorn_limits(settings: Settings) -> dict[str, Any]:
    """uvicorn's parser choice and limits, from the settings (docs/configuration.md)."""
    return {
        "http": settings.http_parser,
        "h11_max_incomplete_event_size": settings.max_header_bytes,
        "limit_concurrency": settings.max_concurrent_connections,
        "timeout_keep_alive": settings.keep_alive_timeout_seconds,
    }


def _feedback_report(args: argparse.Namespace) -> int:
    from cds_service.report import build_report, format_report, report_json

    until: date = args.until or datetime.now(UTC).date()
    since: date = args.since or until - timedelta(days=REPORT_DEFAULT_DAYS - 1)
    if since > until:
        raise CliError("--since is after --until")
    settings = load_settings()
    start = datetime.combine(since, time.min, tzinfo=UTC)
    end = datetime.combine(until + timedelta(days=1), time.min, tzinfo=UTC)
    rows = _read_summary(settings.database_url, start, end)
    report = build_report(rows, since, until)
    if args.json:
        sys.stdout.write(orjson.dumps(report_json(report), option=orjson.OPT_INDENT_2).decode())
        sys.stdout.write("\n")
    else:
        print(format_report(report))
    return EXIT_OK


def _read_summary(url: str, start: datetime, end: datetime) -> list[SummaryRow]:
    """The store's feedback summary for [start, end); a store nothing has written to yet
    (a fresh install) reads as empty, with a note on stderr.

    The report only reads: a SQLite file that does not exist is not created, and a
    database without the feedback table (no service has opened it yet) is not migrated.
    """
    import sqlalchemy as sa

    from cds_service.feedback_store import FeedbackStore, sqlite_file

    try:
        path = sqlite_file(url)
        if path is not None and not path.exists():
            _note(f"no feedback store at {path} yet: no feedback has been recorded")
            return []
        store = FeedbackStore(url)
        try:
            if not store.has_schema():
                _note("the feedback store has no feedback table yet: no feedback recorded")
                return []
            return store.summary(start, end)
        finally:
            store.close()
    except sa.exc.SQLAlchemyError as exc:
        # the database URL may hold a password: name the error class only
        raise CliError(
            f"cannot read the feedback store (LNCDS_DATABASE_URL): {type(exc).__name__}"
        ) from None


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
    today: date,
) -> Any:
    body: dict[str, Any] = {
        "hook": service.hook,
        "hookInstance": str(uuid.uuid4()),
        "context": {"userId": CLI_USER},
    }
    client: FhirClient | None = None
    token: str | None = None
    if args.bundle is not None:
        patient_id, body["prefetch"] = _bundle_prefetch(Path(args.bundle), service)
        body["context"]["patientId"] = patient_id
    else:
        body["fhirServer"] = args.fhir_server
        body["context"]["patientId"] = args.patient
        token = _bearer_token(args)
        if token:
            body["fhirAuthorization"] = {"access_token": token, "token_type": "Bearer"}
        client = FhirClient(make_http_client(settings, transport), settings)
    try:
        request = HookRequest.model_validate(body)
        try:
            return await gather(request, service, client, settings, today=today)
        except FhirBadResponse as exc:
            if (
                exc.status == 404
                and client is not None
                and await _patient_missing(client, args.fhir_server, args.patient, token)
            ):
                raise CliError(
                    f"patient {args.patient!r} not found on {args.fhir_server} (reading "
                    f"Patient/{args.patient} answered HTTP 404; check the id and the URL)"
                ) from None
            raise
    finally:
        if client is not None:
            await client.aclose()


def _bearer_token(args: argparse.Namespace) -> str | None:
    """The access token for --fhir-server: --bearer-token, else the first line of
    --bearer-token-file, else ``LNCDS_BEARER_TOKEN``; ``None`` when none is given."""
    if args.bearer_token:
        return str(args.bearer_token)
    path: Path | None = args.bearer_token_file
    if path is not None:
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except OSError as exc:
            raise CliError(f"cannot read {path}: {exc.strerror}") from None
        except UnicodeDecodeError:
            raise CliError(f"{path} is not a text file") from None
        if not lines or not lines[0].strip():
            raise CliError(f"{path} holds no token on its first line")
        return lines[0].strip()
    return os.environ.get(BEARER_TOKEN_ENV) or None


async def _patient_missing(
    client: FhirClient, base: str, patient_id: str, token: str | None
) -> bool:
    """Whether the server answers 404 to reading ``Patient/<patient_id>``.

    Asked again after a 404 from the gathering step: it reads the Patient while it runs
    the searches, and some servers also answer 404 to a search naming an unknown
    patient, so the first 404 to surface need not be the Patient read's.
    """
    try:
        await client.read(base, f"Patient/{patient_id}", token=token)
    except FhirBadResponse as exc:
        return exc.status == 404
    except (FhirError, ValueError):
        return False
    return False


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
    # the gathering's look-back comes from the same ruleset and day as the rules
    today: date = args.today or datetime.now(UTC).date()
    ruleset = args.ruleset or settings.ruleset
    gathering = settings.model_copy(update={"ruleset": ruleset})
    gathered = asyncio.run(_evaluate_async(args, gathering, service, fhir_transport, today))
    show_status = (
        settings.show_status_card if args.show_status_card is None else args.show_status_card
    )
    assessment = evaluator(
        gathered.resources, today=today, ruleset=ruleset, show_status=show_status
    )
    cards = prune_empty(
        renderer(assessment, uuid_factory=lambda: str(uuid.uuid4()), ruleset=ruleset)
    )
    if args.json:
        sys.stdout.write(orjson.dumps({"cards": cards}, option=orjson.OPT_INDENT_2).decode())
        sys.stdout.write("\n")
    else:
        from cds_service.terminal import format_cards

        title = f"ln-cds evaluate ({ruleset}, {today.isoformat()})"
        print(format_cards(cards, title=title))
    return EXIT_OK


def _store_help() -> str:
    """Where the feedback store is, for --help (never the value of LNCDS_DATABASE_URL, which
    may hold a password)."""
    text = (
        "Feedback store: LNCDS_DATABASE_URL (a SQLAlchemy URL). Unset, the SQLite file\n"
        f"  {default_database_path()}\n"
        "($XDG_DATA_HOME/ln-cds, else ~/.local/share/ln-cds): the same from every folder."
    )
    if os.environ.get(env_name("database_url")):
        text += "\nLNCDS_DATABASE_URL is set here, so that store is used instead."
    return text


def installed_version() -> str:
    """The version of the installed ``ln-cds`` distribution (its package metadata)."""
    try:
        return importlib.metadata.version("ln-cds")
    except importlib.metadata.PackageNotFoundError:
        return "(not installed)"


def _iso_date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {value!r}") from None


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose --help and --version output lets a closed stdout surface.

    argparse's ``_print_message`` drops ``OSError`` s from writing; this one lets them
    through, so ``ln-cds --help | head -1`` ends like every other command (``main``).
    """

    def _print_message(self, message: str, file: SupportsWrite[str] | None = None) -> None:
        if message:
            (file or sys.stderr).write(message)


def build_parser(
    run_evaluate: Callable[[argparse.Namespace], int] | None = None,
) -> argparse.ArgumentParser:
    parser = _Parser(
        prog="ln-cds",
        description="CDS Hooks service: refractory lupus nephritis.",
        epilog=_store_help(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {installed_version()}")
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser(
        "serve",
        help="run the CDS Hooks service (uvicorn)",
        description="Run the CDS Hooks service (uvicorn).\n\n" + _store_help(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    serve.add_argument(
        "--host",
        default=DEFAULT_HOST,
        help="address to listen on (default: %(default)s, this machine only; 0.0.0.0 listens "
        "on every interface, as the container does)",
    )
    serve.add_argument("--port", type=int, default=8000, help="port (default: %(default)s)")
    serve.add_argument(
        "--workers",
        type=int,
        default=None,
        help="worker processes (default: LNCDS_WORKERS, which defaults to 1)",
    )
    serve.set_defaults(func=_serve)

    demo = sub.add_parser(
        "demo",
        help="run the synthetic demo patients through the service",
        description="Run the embedded synthetic patients through the real service, as an EHR "
        "would call it, and print their cards. Other modes: --serve, --load-into, --export.",
    )
    try:
        from cds_service import demo as demo_module
    except ImportError:
        demo.set_defaults(func=lambda _: _fail("the demo is not available in this build"))
    else:
        demo_module.add_arguments(demo)
        demo.set_defaults(func=demo_module.run)

    evaluate = sub.add_parser(
        "evaluate",
        help="evaluate one patient and print the cards",
        description="Evaluate one patient, from a FHIR Bundle file (`ln-cds demo --export DIR` "
        "writes the demo's) or from a FHIR server, and print the cards.",
    )
    source = evaluate.add_mutually_exclusive_group(required=True)
    source.add_argument("--bundle", metavar="FILE", help="a FHIR Bundle of one patient")
    source.add_argument("--fhir-server", metavar="URL", help="a FHIR R4 base URL")
    evaluate.add_argument("--patient", metavar="ID", help="patient id (with --fhir-server)")
    token = evaluate.add_mutually_exclusive_group()
    token.add_argument(
        "--bearer-token",
        metavar="TOKEN",
        help="access token for --fhir-server. A command-line argument is kept in the shell "
        f"history and shown by ps: prefer --bearer-token-file or {BEARER_TOKEN_ENV}",
    )
    token.add_argument(
        "--bearer-token-file",
        metavar="FILE",
        type=Path,
        help="read the access token from FILE (its first line)",
    )
    evaluate.add_argument("--json", action="store_true", help="print the CDS Hooks response")
    evaluate.add_argument(
        "--today", type=_iso_date, metavar="YYYY-MM-DD", help="evaluation date (default: today)"
    )
    evaluate.add_argument(
        "--ruleset",
        metavar="NAME",
        choices=list(RULESETS),
        help=f"response thresholds: {', '.join(RULESETS)} "
        f"(default: LNCDS_RULESET, which defaults to {DEFAULT_RULESET})",
    )
    evaluate.epilog = (
        f"Without --bearer-token or --bearer-token-file, the token is read from the "
        f"{BEARER_TOKEN_ENV} environment variable when it is set."
    )
    evaluate.add_argument(
        "--show-status-card",
        action=argparse.BooleanOptionalAction,
        help="also show the response-status card, as the demo does "
        "(default: LNCDS_SHOW_STATUS_CARD, off)",
    )
    if run_evaluate is not None:
        evaluate.set_defaults(func=run_evaluate)

    report = sub.add_parser(
        "feedback-report",
        help="acceptance and override rates by card topic and reason",
        description="Acceptance and override rates by card topic and override reason.\n\n"
        + _store_help(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    report.add_argument(
        "--since",
        type=_iso_date,
        metavar="YYYY-MM-DD",
        help=f"first day (default: {REPORT_DEFAULT_DAYS} days ending --until)",
    )
    report.add_argument(
        "--until",
        type=_iso_date,
        metavar="YYYY-MM-DD",
        help="last day, inclusive (default: today)",
    )
    report.add_argument("--json", action="store_true", help="print JSON instead of a table")
    report.set_defaults(func=_feedback_report)
    return parser


def _fail(message: str, code: int = EXIT_ERROR) -> int:
    _note(message)
    return code


def _note(message: str) -> None:
    """One line for the person at the terminal, on stderr (stdout stays the command's output)."""
    print(f"ln-cds: {message}", file=sys.stderr)


def main(
    argv: Sequence[str] | None = None,
    *,
    service: ServiceDefinition | None = None,
    evaluator: Evaluator | None = None,
    renderer: Renderer | None = None,
    fhir_transport: httpx.AsyncBaseTransport | None = None,
) -> int:
    """Entry point; the keyword arguments are for tests (defaults: the real ones).

    When the reader of stdout goes away (``ln-cds demo | head``) the command ends quietly
    with ``EXIT_BROKEN_PIPE``, whichever command was printing (``--help`` included).
    """
    try:
        try:
            return _run(argv, service, evaluator, renderer, fhir_transport)
        finally:
            # what is still buffered is written now, so a closed pipe fails here and not
            # in the interpreter's final flush (which would print "Exception ignored")
            sys.stdout.flush()
    except BrokenPipeError:
        _discard_stdout()
        return EXIT_BROKEN_PIPE


def _discard_stdout() -> None:
    """Point the stdout file descriptor at /dev/null, so the interpreter's final flush of
    what is left in the buffer succeeds (Python docs, ``signal``: "Note on SIGPIPE")."""
    try:
        fd = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):  # a stream without a descriptor
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, fd)
    os.close(devnull)


def _run(
    argv: Sequence[str] | None,
    service: ServiceDefinition | None,
    evaluator: Evaluator | None,
    renderer: Renderer | None,
    fhir_transport: httpx.AsyncBaseTransport | None,
) -> int:
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
    except BrokenPipeError:
        raise  # main's to handle: not an error of the command
    except CliError as exc:
        return _fail(str(exc))
    except ConfigurationError as exc:
        return _fail(str(exc), EXIT_USAGE)
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
