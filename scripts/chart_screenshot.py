"""Take the documentation's picture of the chart (docs/img/chart.png).

    .venv/bin/python scripts/chart_screenshot.py [--patient SLUG] [--out PATH]

The same set-up as the browser tests (tests/chart/harness.py): the Medplum FHIR test
server with the demo patients, the SMART stub, the real app, Debian's Chromium driven by
Playwright; an EHR launch of one demo patient (default: j-added-therapy, refractory on
its second line), and a screenshot of the page once the chart is drawn. Needs node with
tests/fhir_server/node_modules (npm ci there) and Chromium (scripts/install-browser).
"""

from __future__ import annotations

import argparse
import secrets
import sys
import tempfile
from contextlib import ExitStack
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.chart.harness import (  # noqa: E402 (the repository root is put on the path first)
    CHROMIUM_ARGS,
    CLIENT_ID,
    SmartStub,
    app_settings,
    chromium_executable,
    demo_patients,
    fhir_server,
    serve_app,
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--patient", default="j-added-therapy", help="demo patient slug")
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "img" / "chart.png")
    args = parser.parse_args(argv)

    from playwright.sync_api import sync_playwright

    chromium, why = chromium_executable()
    if chromium is None:
        print(f"error: {why}", file=sys.stderr)
        return 1
    patients = demo_patients()
    if args.patient not in {p.slug for p in patients}:
        print(f"error: no demo patient {args.patient!r}", file=sys.stderr)
        return 1
    stub = SmartStub(client_id=CLIENT_ID, token=secrets.token_urlsafe(32))
    stub.launches.update({f"L-{p.slug}": p.patient_id for p in patients})
    with ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="ln-cds-chart-")))
        stack.enter_context(stub.running())
        fhir = stack.enter_context(fhir_server(stub, patients))
        stub.audience = fhir
        app = stack.enter_context(serve_app(app_settings(tmp, fhir, stub)))
        stub.redirect_uri = f"{app}/chart/"
        driver = stack.enter_context(sync_playwright())
        browser = driver.chromium.launch(executable_path=chromium, args=list(CHROMIUM_ARGS))
        stack.callback(browser.close)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(f"{app}/chart/launch?iss={fhir}&launch=L-{args.patient}")
        page.wait_for_selector("body[data-state=ready]")
        args.out.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(args.out), full_page=True)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
