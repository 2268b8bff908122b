"""``ln-cds demo``: synthetic patients through the real service, as an EHR would send them.

For each shipped patient (``cds_service/demo_data``): shift its dates so the story ends
today, fill the service's own prefetch templates (read from discovery, like an EHR)
with a small local FHIR search evaluator over the patient's bundle, POST the hook
request to the real app in-process and print the cards.

Other modes:
* ``--json``: print the raw CDS Hooks responses.
* ``--serve``: run the real app with uvicorn (no client JWT, CORS open to the CDS Hooks
  Sandbox and localhost, the ``--allow-fhir-server`` URLs allowed) and print the steps
  and a Sandbox link. The Sandbox reads patients from a FHIR server, not from this
  process: load them first with ``--load-into``.
* ``--load-into FHIR_BASE``: PUT every resource of every patient into a FHIR server with
  one transaction Bundle per patient (idempotent: reloading overwrites).
* ``--export DIR``: write each patient's Bundle, dates shifted as above, to
  ``DIR/<slug>.json``: the input of ``ln-cds evaluate --bundle``.
"""

from __future__ import annotations

import argparse
import asyncio
import atexit
import json
import shutil
import sys
import tempfile
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, date, datetime
from functools import partial
from pathlib import Path
from typing import Any, Final, TextIO
from urllib.parse import quote, urlencode

import httpx

# the local FHIR search (shared with the tests and the benchmark) and the demo patients,
# re-exported for the callers of this module
from cds_service.bundle_search import UnsupportedQuery as UnsupportedQuery
from cds_service.bundle_search import evaluate_query as evaluate_query
from cds_service.bundle_search import resolve_tokens as resolve_tokens
from cds_service.demo_patients import DEMO_DATA_DIR as DEMO_DATA_DIR
from cds_service.demo_patients import DEMO_USER_ID as DEMO_USER_ID
from cds_service.demo_patients import DemoPatient as DemoPatient
from cds_service.demo_patients import build_hook_request as build_hook_request
from cds_service.demo_patients import load_index as load_index
from cds_service.demo_patients import load_patients as load_patients
from cds_service.demo_patients import shift_dates as shift_dates
from cds_service.terminal import format_cards

SERVICE_ID: Final = "lupus-nephritis-refractory"
SANDBOX_ORIGIN: Final = "https://sandbox.cds-hooks.org"
LOCAL_ORIGINS: Final = ("http://localhost:3000", "http://localhost:8080", "http://127.0.0.1:8080")

Json = dict[str, Any]
Resource = Mapping[str, Any]


# --- running the demo ---------------------------------------------------------------------


def topics_of(cards: Sequence[Mapping[str, Any]]) -> tuple[str, ...]:
    return tuple(str(card.get("source", {}).get("topic", {}).get("code", "")) for card in cards)


async def evaluate_in_process(
    app_factory: Callable[[], Any], patients: Sequence[DemoPatient]
) -> list[tuple[DemoPatient, int, Json]]:
    """POST each patient's hook request to a fresh ASGI app (its lifespan run around the calls).

    The app is created inside the running event loop: objects it makes at creation must
    belong to the loop that serves it. Returns (patient, HTTP status, JSON body) per patient.
    """
    app = app_factory()
    results: list[tuple[DemoPatient, int, Json]] = []
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://ln-cds.demo") as client:
            discovery = (await client.get("/cds-services")).json()
            service = next(s for s in discovery["services"] if s["id"] == SERVICE_ID)
            for patient in patients:
                request = build_hook_request(patient, service.get("prefetch", {}))
                response = await client.post(f"/cds-services/{SERVICE_ID}", json=request)
                results.append((patient, response.status_code, response.json()))
    return results


def report(
    results: Sequence[tuple[DemoPatient, int, Json]], *, out: TextIO, color: bool, as_json: bool
) -> int:
    """Print the responses; 0 when every call answered 200, else 1."""
    failed = 0
    if as_json:
        document = [{"patient": p.slug, "status": s, "response": body} for p, s, body in results]
        out.write(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
        return 0 if all(s == 200 for _, s, _ in results) else 1
    for patient, status, body in results:
        title = f"{patient.slug}: {patient.title}"
        if status != 200:
            failed += 1
            out.write(f"{title}\n  error: HTTP {status}: {json.dumps(body)[:200]}\n\n")
            continue
        cards = body.get("cards", [])
        out.write(format_cards(cards, title=title, color=color))
        expected, got = patient.expected_topics_show_status, topics_of(cards)
        verdict = "as expected" if expected == got else "DIFFERS from expected"
        out.write(f"  topics {verdict}: expected {list(expected)}, got {list(got)}\n\n")
    return 1 if failed else 0


def _demo_settings(**overrides: Any) -> Any:
    from cds_service.config import Settings

    return Settings(require_jwt=False, show_status_card=True, **overrides)


def run_demo(args: argparse.Namespace, out: TextIO) -> int:
    from cds_service.app import create_app, start_up_warnings_shown

    today: date = args.today or datetime.now(UTC).date()
    patients = load_patients(today, slugs=args.patient or ())
    with (
        tempfile.TemporaryDirectory(prefix="ln-cds-demo-") as tmp,
        start_up_warnings_shown(),
    ):
        settings = _demo_settings(database_url=f"sqlite:///{Path(tmp) / 'feedback.sqlite3'}")
        factory = partial(create_app, settings, clock=lambda: today)
        results = asyncio.run(evaluate_in_process(factory, patients))
    if not args.json:
        out.write(
            f"ln-cds demo: {len(patients)} synthetic patients, evaluated on {today.isoformat()} "
            "(bundle dates shifted to end today).\n"
            "Status cards are ON for the demo (LNCDS_SHOW_STATUS_CARD=true): a responder "
            "shows a response-status card; with default settings it shows none.\n"
            "`ln-cds demo --export DIR` writes these bundles for `ln-cds evaluate --bundle`.\n\n"
        )
    return report(results, out=out, color=args.color, as_json=args.json)


# --- --load-into ------------------------------------------------------------------------


def transaction_bundle(patient: DemoPatient, base: str) -> Json:
    """A transaction Bundle that PUTs every resource at ``Type/id`` (idempotent)."""
    entries = []
    for resource in patient.resources():
        rtype, rid = resource["resourceType"], resource["id"]
        entries.append(
            {
                "fullUrl": f"{base}/{rtype}/{rid}",
                "resource": resource,
                "request": {"method": "PUT", "url": f"{rtype}/{rid}"},
            }
        )
    return {"resourceType": "Bundle", "type": "transaction", "entry": entries}


def load_into(
    base: str,
    patients: Sequence[DemoPatient],
    *,
    out: TextIO,
    err: TextIO,
    transport: httpx.BaseTransport | None = None,
) -> int:
    """POST one transaction per patient to ``base``; 0 on success, 1 (one-line message) on error."""
    base = base.rstrip("/")
    headers = {"Content-Type": "application/fhir+json", "Accept": "application/fhir+json"}
    with httpx.Client(transport=transport, timeout=30.0, headers=headers) as client:
        for patient in patients:
            bundle = transaction_bundle(patient, base)
            try:
                response = client.post(base, content=json.dumps(bundle))
            except httpx.HTTPError as exc:
                err.write(
                    f"error: loading {patient.slug} into {base}: {type(exc).__name__}: {exc}\n"
                )
                return 1
            if not response.is_success:
                err.write(
                    f"error: loading {patient.slug} into {base}: HTTP {response.status_code} "
                    f"{response.text[:200]!r}\n"
                )
                return 1
            out.write(
                f"loaded {patient.slug}: {len(bundle['entry'])} resources "
                f"(Patient/{patient.patient_id})\n"
            )
    return 0


# --- --export ---------------------------------------------------------------------------


def export_bundles(
    directory: Path, patients: Sequence[DemoPatient], today: date, *, out: TextIO
) -> int:
    """Write each patient's (date-shifted) Bundle to ``directory/<slug>.json``; 0.

    The folder is created when missing; a file of the same name is replaced.
    """
    directory.mkdir(parents=True, exist_ok=True)
    for patient in patients:
        path = directory / f"{patient.slug}.json"
        text = json.dumps(patient.bundle, indent=2, ensure_ascii=False)
        path.write_text(text + "\n", encoding="utf-8")
        out.write(f"wrote {path}  (Patient/{patient.patient_id}: {patient.title})\n")
    if patients:
        example = directory / f"{patients[0].slug}.json"
        out.write(
            f"\nDates are shifted to end on {today.isoformat()}, as the demo shifts them. "
            "To get the demo's cards for a patient\n(status cards on, evaluated that day):\n"
            f"  ln-cds evaluate --bundle {example} --show-status-card "
            f"--today {today.isoformat()}\n"
        )
    return 0


# --- --serve ----------------------------------------------------------------------------


def serve(args: argparse.Namespace, out: TextIO) -> int:
    import uvicorn

    from cds_service.app import create_app, start_up_warnings_shown

    overrides: dict[str, Any] = {
        "cors_origins": [SANDBOX_ORIGIN, *LOCAL_ORIGINS, *(args.cors_origin or ())]
    }
    if args.allow_fhir_server:
        overrides["fhir_server_allowlist"] = args.allow_fhir_server
    # Feedback sent to the demo server stays out of the user's own store: a temporary
    # folder, removed when the process exits.
    tmp = tempfile.mkdtemp(prefix="ln-cds-demo-")
    atexit.register(shutil.rmtree, tmp, ignore_errors=True)
    overrides["database_url"] = f"sqlite:///{Path(tmp) / 'feedback.sqlite3'}"
    app = create_app(_demo_settings(**overrides))
    _serve_banner(args, out)
    with start_up_warnings_shown():  # the banner says what the demo server may contact
        uvicorn.run(app, host=args.host, port=args.port)
    return 0


def sandbox_link(fhir_base: str, discovery_url: str, patient_id: str) -> str:
    """A CDS Hooks Sandbox URL that opens with this FHIR server, patient and CDS service
    set (the Sandbox's URL parameters ``fhirServiceUrl``, ``patientId`` and
    ``serviceDiscoveryURL``, values URL-encoded as it requires)."""
    query = urlencode(
        {
            "fhirServiceUrl": fhir_base,
            "patientId": patient_id,
            "serviceDiscoveryURL": discovery_url,
        },
        quote_via=quote,
        safe="",
    )
    return f"{SANDBOX_ORIGIN}/?{query}"


def _serve_banner(args: argparse.Namespace, out: TextIO) -> None:
    """What the demo server is, and the steps to use it from the CDS Hooks Sandbox."""
    host = "127.0.0.1" if args.host in ("0.0.0.0", "::") else args.host
    discovery = f"http://{host}:{args.port}/cds-services"
    patients = [entry["patient_id"] for entry in load_index()["patients"]]
    allowed: list[str] = args.allow_fhir_server or []
    fhir = allowed[0] if allowed else "<FHIR base URL>"
    lines = [
        f"ln-cds demo server: no client JWT, CORS open to {SANDBOX_ORIGIN} and localhost",
        f"  discovery: {discovery}",
        f"  service:   {discovery}/{SERVICE_ID}",
        "  FHIR servers it reads: "
        + (
            ", ".join(allowed)
            if allowed
            else "none: it answers from the prefetch it is sent (--allow-fhir-server URL)"
        ),
        "",
        "In the CDS Hooks Sandbox, which reads the patients from its own FHIR server:",
        "  1. load them there (again on a later day: their dates end on the day of loading):",
        f"       ln-cds demo --load-into {fhir}",
    ]
    if allowed:
        lines += [
            "  2. open this link (it sets the FHIR server, the patient and this service):",
            f"       {sandbox_link(fhir, discovery, patients[0])}",
            "     or, in the Sandbox: Change FHIR Server, Change Patient (ids ln-demo-*, e.g.",
            f"     {patients[0]}), Add CDS Services (the discovery URL above)",
        ]
    else:
        lines += [
            f"  2. start this server with --allow-fhir-server {fhir}: the Sandbox names its",
            "     FHIR server in each call, and the service reads what the prefetch lacks",
            "     there. It then prints a link that sets the Sandbox up.",
        ]
    lines += [
        f"  3. when the browser asks whether {SANDBOX_ORIGIN.removeprefix('https://')} may "
        "connect to devices",
        "     on your local network (this server), allow it.",
    ]
    out.write("\n".join(lines) + "\n")
    out.flush()


# --- command line -------------------------------------------------------------------------


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``ln-cds demo``."""
    parser.add_argument("--json", action="store_true", help="print the raw CDS Hooks responses")
    slugs = {entry["patient_id"]: entry["slug"] for entry in load_index()["patients"]}
    parser.add_argument(
        "--patient",
        action="append",
        metavar="SLUG",
        # a patient id (as the Sandbox shows it) names the same patient as its slug
        type=lambda name: slugs.get(name, name),
        choices=list(slugs.values()),
        help="only this patient (repeatable): " + ", ".join(slugs.values()),
    )
    parser.add_argument(
        "--today",
        type=date.fromisoformat,
        metavar="YYYY-MM-DD",
        help="the day the patients' dates are shifted to end on and the demo evaluates "
        "(default: today)",
    )
    parser.add_argument(
        "--color",
        action=argparse.BooleanOptionalAction,
        default=sys.stdout.isatty(),
        help="ANSI colours (default: on when stdout is a terminal)",
    )
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--serve", action="store_true", help="run the real app with uvicorn")
    parser.add_argument(
        "--host", default="127.0.0.1", help="--serve: address to listen on (default: %(default)s)"
    )
    parser.add_argument(
        "--port", type=int, default=8000, help="--serve: port (default: %(default)s)"
    )
    parser.add_argument(
        "--cors-origin",
        action="append",
        metavar="ORIGIN",
        help=f"--serve: a browser origin allowed besides {SANDBOX_ORIGIN} and "
        f"{', '.join(LOCAL_ORIGINS)} (repeatable)",
    )
    parser.add_argument(
        "--allow-fhir-server",
        action="append",
        metavar="URL",
        help="--serve: a FHIR base URL the demo server may read (the CDS Hooks Sandbox's FHIR "
        "server; repeatable). Without it the demo server reads no FHIR server and answers "
        "from prefetch only",
    )
    mode.add_argument(
        "--load-into", metavar="FHIR_BASE", help="load the patients into a FHIR server and exit"
    )
    mode.add_argument(
        "--export",
        metavar="DIR",
        type=Path,
        help="write each patient's Bundle (dates shifted to --today) to DIR/<slug>.json, for "
        "ln-cds evaluate --bundle, and exit",
    )


def run(args: argparse.Namespace) -> int:
    """Entry point of ``ln-cds demo``."""
    today: date = args.today or datetime.now(UTC).date()
    if args.load_into:
        patients = load_patients(today, slugs=args.patient or ())
        return load_into(args.load_into, patients, out=sys.stdout, err=sys.stderr)
    if args.export is not None:
        patients = load_patients(today, slugs=args.patient or ())
        return export_bundles(args.export, patients, today, out=sys.stdout)
    if args.serve:
        return serve(args, sys.stdout)
    return run_demo(args, sys.stdout)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="ln-cds demo", description=__doc__)
    add_arguments(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    raise SystemExit(main())
