"""The chart in a real headless Chromium: SMART launch, the record read from a real FHIR
server, the model from the real app, the SVG's structure, keyboard, print, the token.

Every wait is on a selector, an event or a response; nothing sleeps. Screenshots go to a
temporary folder (the ``chart_env.screenshots`` path, printed on failure by pytest).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from cds_service.chart_model import chart_model
from cds_service.demo import load_patients
from fhir_mappings.resources import PatientResources
from tests.chart._helpers import ChartEnv

from .harness import TODAY

pytestmark = pytest.mark.browser

#: Playwright's bound on each wait; only a hang comes near it.
WAIT_GUARD_MS = 300_000

#: Every demo patient whose record holds proteinuria results (the chart's subject).
CHARTED = [
    p.slug
    for p in load_patients(TODAY)
    if chart_model(PatientResources.from_resources(p.resources()), TODAY, "kdigo-2024")["series"][
        "proteinuria"
    ]["points"]
]

#: Records CSP violations and uncaught errors in the page (injected before its scripts).
WATCH = """
window.__violations = [];
window.__errors = [];
document.addEventListener('securitypolicyviolation', (e) =>
  window.__violations.push(`${e.violatedDirective} ${e.blockedURI}`));
window.addEventListener('error', (e) => window.__errors.push(String(e.message)));
"""


class Session:
    """One browser context (fresh storage and cookies), its page and what it requested."""

    def __init__(self, env: ChartEnv) -> None:
        self.env = env
        self.context = env.browser.new_context(viewport={"width": 1280, "height": 1000})
        # Playwright's 30 s default would turn a slow (busy) machine into a failure: every
        # wait here is on an event, so the bound only stops a hang
        self.context.set_default_timeout(WAIT_GUARD_MS)
        self.context.add_init_script(WATCH)
        self.requests: list[Any] = []
        self.context.on("request", lambda request: self.requests.append(request))
        self.page = self.context.new_page()
        self.console_errors: list[str] = []
        self.page.on(
            "console",
            lambda message: (
                self.console_errors.append(message.text) if message.type == "error" else None
            ),
        )

    def open(self, url: str) -> dict[str, Any]:
        """Launch, wait for the drawn chart; return the model the service answered."""
        with self.page.expect_response(lambda r: r.url.endswith("/chart/model")) as answer:
            self.page.goto(url)
        self.page.wait_for_selector("body[data-state=ready]")
        model: dict[str, Any] = answer.value.json()
        return model

    def count(self, selector: str) -> int:
        return int(self.page.locator(selector).count())

    def shot(self, name: str) -> None:
        self.page.screenshot(path=str(self.env.screenshots / f"{name}.png"), full_page=True)

    def assert_clean(self) -> None:
        """No CSP violation, no uncaught error, nothing logged as an error."""
        assert self.page.evaluate("window.__violations") == []
        assert self.page.evaluate("window.__errors") == []
        assert self.console_errors == []


@pytest.fixture
def session(chart_env: ChartEnv) -> Iterator[Session]:
    opened = Session(chart_env)
    yield opened
    opened.context.close()


@dataclass
class Launched:
    """One EHR launch of a-refractory, shared by the tests that only read it (or undo
    what they change): what the stub saw, what the page sent, the model it drew."""

    session: Session
    model: dict[str, Any]
    authorize_call: dict[str, str]
    posted: dict[str, Any]


@pytest.fixture(scope="module")
def refractory(chart_env: ChartEnv) -> Iterator[Launched]:
    opened = Session(chart_env)
    before = len(chart_env.stub.authorize_calls)
    with opened.page.expect_request(lambda r: r.url.endswith("/chart/model")) as sent:
        model = opened.open(chart_env.launch_url("a-refractory"))
    yield Launched(
        session=opened,
        model=model,
        authorize_call=chart_env.stub.authorize_calls[before],
        posted=json.loads(sent.value.post_data or "{}"),
    )
    opened.context.close()


def expected_model(env: ChartEnv, slug: str) -> dict[str, Any]:
    """What the service computes from the demo bundle, Patient reduced as the page sends it."""
    resources = [
        {"resourceType": "Patient"} if r["resourceType"] == "Patient" else r
        for r in env.patients[slug].resources()
    ]
    model = chart_model(PatientResources.from_resources(resources), TODAY, "kdigo-2024")
    loaded: dict[str, Any] = json.loads(json.dumps(model))
    return loaded


def kidney_points(model: dict[str, Any]) -> int:
    name = model["kidney_function"]
    return len(model["series"][name]["points"]) if name else 0


class TestEhrLaunch:
    @pytest.mark.parametrize("slug", CHARTED)
    def test_chart_structure(self, chart_env: ChartEnv, session: Session, slug: str) -> None:
        """EHR launch: the page reads the record as the service does and draws every part."""
        model = session.open(chart_env.launch_url(slug))
        session.shot(f"ehr-{slug}")
        assert model == expected_model(chart_env, slug)

        protein = "svg.ln-proteinuria"
        points = model["series"]["proteinuria"]["points"]
        assert session.count(f"{protein} [data-point=proteinuria]") == len(points)
        kidney = kidney_points(model)
        assert session.count("svg.ln-kidney [data-point=kidney]") == kidney
        assert session.count("svg.ln-kidney") == (1 if kidney else 0)
        for panel in ("svg.ln-proteinuria", *(("svg.ln-kidney",) if kidney else ())):
            assert session.count(f"{panel} g.ln-line-bands rect") == len(model["lines"])
            assert session.count(f"{panel} g.ln-biopsies line") == len(model["biopsies"])

        t = model["thresholds"]
        rules = {
            "complete": True,
            "cap": t["partial_response_cap"]["applies"],
            "baseline": t["baseline"] is not None,
            "half": t["partial_response_level"] is not None,
        }
        for name, present in rules.items():
            assert session.count(f"{protein} g.ln-threshold-{name} line") == int(present), name
        if kidney:
            for name in ("kidney_baseline", "kidney_band"):
                selector = f"svg.ln-kidney g.ln-threshold-{name.replace('_', '-')} line"
                assert session.count(selector) == int(t[name] is not None), name
        assert session.count(f"{protein} g.ln-judged > *") == (1 if model["judged"] else 0)

        rows = session.count("table.ln-results tbody tr")
        assert rows == len(points) + kidney
        assert session.count("table.ln-lines tbody tr") == len(model["lines"])
        session.assert_clean()

    def test_summary_states_the_judgement(self, refractory: Launched) -> None:
        """The summary states the judgement, the ruleset and the date."""
        summary = refractory.session.page.inner_text("#summary")
        assert refractory.model["judged"]["classification"] == "none"
        assert summary.startswith("No response after 8 months on line 1")
        assert "KDIGO 2024" in summary
        assert TODAY.isoformat() in summary


class TestToken:
    def test_the_token_never_reaches_the_service(
        self, chart_env: ChartEnv, refractory: Launched
    ) -> None:
        """Every request to the service is free of the token; the FHIR reads carry it."""
        token = chart_env.stub.token
        session = refractory.session
        to_service = [r for r in session.requests if r.url.startswith(chart_env.app)]
        to_fhir = [r for r in session.requests if r.url.startswith(chart_env.fhir)]
        assert {r.url.rsplit("/", 1)[-1] for r in to_service} >= {"model", "config", "app.js"}
        for request in to_service:
            headers = request.all_headers()
            assert "authorization" not in headers
            assert token not in request.url
            assert all(token not in value for value in headers.values())
            assert token not in (request.post_data or "")
        reads = [r for r in to_fhir if "/.well-known/" not in r.url and r.method == "GET"]
        assert len(reads) >= 7  # the seven prefetch searches
        assert {r.all_headers().get("authorization") for r in reads} == {f"Bearer {token}"}

    def test_the_service_gets_no_identity(self, chart_env: ChartEnv, refractory: Launched) -> None:
        """The posted record holds no patient name, id or birth date."""
        body = refractory.posted
        patients = [r for r in body["resources"] if r["resourceType"] == "Patient"]
        assert patients == [{"resourceType": "Patient"}]
        demo = chart_env.patients["a-refractory"]
        record = next(r for r in demo.resources() if r["resourceType"] == "Patient")
        text = json.dumps(body)
        assert record["birthDate"] not in text
        assert record["name"][0]["family"] not in text

    def test_pkce_and_scopes(self, chart_env: ChartEnv, refractory: Launched) -> None:
        """The app asks the EHR launch scopes with PKCE (S256)."""
        call = refractory.authorize_call
        assert call["scope"].split() == ["launch", "patient/*.read", "openid", "fhirUser"]
        assert call["code_challenge_method"] == "S256"
        assert call["launch"] == "L-a-refractory"
        assert call["redirect_uri"] == f"{chart_env.app}/chart/"


class TestStandaloneLaunch:
    def test_iss_only(self, chart_env: ChartEnv, session: Session) -> None:
        """A standalone launch (iss only) asks for launch/patient and charts that patient."""
        before = len(chart_env.stub.authorize_calls)
        model = session.open(chart_env.launch_url(None))
        assert "launch/patient" in chart_env.stub.authorize_calls[before]["scope"].split()
        wanted = chart_env.stub.standalone_patient
        slug = next(s for s, p in chart_env.patients.items() if p.patient_id == wanted)
        assert model == expected_model(chart_env, slug)
        session.assert_clean()


class TestKeyboard:
    def test_tab_reaches_every_point_with_a_label(
        self, chart_env: ChartEnv, session: Session
    ) -> None:
        """Tab walks the controls, then every point in date order, each with its label."""
        model = session.open(chart_env.launch_url("j-added-therapy"))
        page = session.page
        visited: list[dict[str, str | None]] = []
        expected = (
            len(model["series"]["proteinuria"]["points"]) + 1 + kidney_points(model)
        )  # the judged marker sits between the two panels' points
        for _ in range(expected + 10):
            page.keyboard.press("Tab")
            focused = page.evaluate(
                "({point: document.activeElement.dataset.point ?? null,"
                " label: document.activeElement.getAttribute('aria-label')})"
            )
            if focused["point"] is not None:
                visited.append(focused)
            elif visited:
                break
        kinds = [v["point"] for v in visited]
        protein = len(model["series"]["proteinuria"]["points"])
        assert kinds == ["proteinuria"] * protein + ["judged"] + ["kidney"] * kidney_points(model)
        assert all(v["label"] for v in visited)
        dates = [p["date"] for p in model["series"]["proteinuria"]["points"]]
        labels = [v["label"] or "" for v in visited[:protein]]
        assert all(date in label for date, label in zip(dates, labels, strict=True))
        assert page.inner_text("#readout") == visited[-1]["label"]

    def test_arrow_keys_move_along_a_series(self, refractory: Launched) -> None:
        """Right and left arrows move the focus to the next and previous point."""
        page = refractory.session.page
        page.focus("svg.ln-proteinuria [data-point][data-index='0']")
        page.keyboard.press("ArrowRight")
        assert page.evaluate("document.activeElement.dataset.index") == "1"
        page.keyboard.press("ArrowLeft")
        assert page.evaluate("document.activeElement.dataset.index") == "0"

    def test_table_toggle(self, refractory: Launched) -> None:
        """The data table opens and closes from its button, which says whether it is open."""
        page = refractory.session.page
        toggle = page.locator("#toggle-table")
        assert not page.locator("#data").is_visible()
        toggle.click()
        assert page.locator("#data").is_visible()
        assert toggle.get_attribute("aria-expanded") == "true"
        toggle.click()
        assert not page.locator("#data").is_visible()
        assert toggle.get_attribute("aria-expanded") == "false"


class TestPrint:
    def test_printed_view(self, refractory: Launched) -> None:
        """Printed: white page, chart and table shown, controls and hints hidden."""
        session = refractory.session
        page = session.page
        page.emulate_media(media="print")
        session.shot("print-a-refractory")
        assert page.locator("svg.ln-proteinuria").is_visible()
        assert page.locator("svg.ln-kidney").is_visible()
        assert page.locator("#data").is_visible()
        assert page.locator("table.ln-results").is_visible()
        for hidden in (".controls", "#toggle-table", "#print", "#ruleset", ".hint"):
            assert not page.locator(hidden).is_visible(), hidden
        background = page.evaluate("getComputedStyle(document.body).backgroundColor")
        assert background == "rgb(255, 255, 255)"
        page.emulate_media(media="screen")
        assert page.locator(".controls").is_visible()


class TestRuleset:
    def test_choosing_a_ruleset_redraws(self, chart_env: ChartEnv, session: Session) -> None:
        """Another ruleset is asked of the service and drawn with its thresholds."""
        session.open(chart_env.launch_url("a-refractory"))
        page = session.page
        with page.expect_response(lambda r: r.url.endswith("/chart/model")) as answer:
            page.select_option("#ruleset", "eular-2019")
        model = answer.value.json()
        page.wait_for_function("document.querySelector('#summary').textContent.includes('EULAR')")
        page.wait_for_selector("body[data-state=ready]")
        assert model["ruleset"]["name"] == "eular-2019"
        complete = page.locator("svg.ln-proteinuria g.ln-threshold-complete line")
        assert complete.get_attribute("aria-label") == "Complete response < 0.7 g/g"
        session.assert_clean()


class TestFhirServer:
    def test_reads_need_the_token(self, chart_env: ChartEnv) -> None:
        """The test FHIR server refuses reads without the stub's token (so the page sent it)."""
        url = f"{chart_env.fhir}/Patient/{chart_env.patients['a-refractory'].patient_id}"
        assert httpx.get(url, timeout=30).status_code == 401
        bad = httpx.get(url, headers={"Authorization": "Bearer nope"}, timeout=30)
        assert bad.status_code == 401
        good = {"Authorization": f"Bearer {chart_env.stub.token}"}
        assert httpx.get(url, headers=good, timeout=30).status_code == 200
