"""cds_service.demo: date shifting, the local prefetch evaluator, hook requests, --load-into."""

from __future__ import annotations

import argparse
import asyncio
import io
import json
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx
from fastapi import FastAPI

from cds_service import demo
from cds_service.demo import (
    DemoPatient,
    UnsupportedQuery,
    build_hook_request,
    evaluate_in_process,
    evaluate_query,
    load_into,
    load_patients,
    report,
    resolve_tokens,
    shift_dates,
    transaction_bundle,
)
from tests.support.fhir import LOINC, observation

RESOURCES: list[dict[str, Any]] = [
    {"resourceType": "Patient", "id": "p1"},
    {"resourceType": "Patient", "id": "p2"},
    observation("2890-2", id="o1", when="2026-01-01T08:00:00Z"),
    observation("2160-0", id="o2", when="2026-03-01"),
    observation("2890-2", id="o3", when="2026-02-01T08:00:00+01:00"),
    observation("2890-2", id="o4"),
    observation("2890-2", id="o5", when="2026-04-01", patient="p2"),
    observation("2890-2", id="o6", when="2026-05-01", system="http://example.org/local"),
    {"resourceType": "Condition", "id": "c1", "subject": {"reference": "Patient/p1"}},
]


def ids(bundle: dict[str, Any] | None) -> list[str]:
    assert bundle is not None
    return [e["resource"]["id"] for e in bundle.get("entry", [])]


class TestShiftDates:
    @pytest.mark.parametrize(
        ("value", "days", "shifted"),
        [
            ("2026-06-30", 1, "2026-07-01"),
            ("2026-06-30T09:00:00Z", -30, "2026-05-31T09:00:00Z"),
            ("2024-02-28T10:00:00+02:00", 1, "2024-02-29T10:00:00+02:00"),
            ("2026-06", 10, "2026-06"),
            ("2026", 10, "2026"),
            ("ln-demo-a-refractory", 10, "ln-demo-a-refractory"),
        ],
    )
    def test_full_dates_move_partial_dates_stay(self, value: str, days: int, shifted: str) -> None:
        """Full dates and dateTimes move by the given days (time and offset kept); others stay."""
        assert shift_dates({"x": [value]}, days) == {"x": [shifted]}

    def test_numbers_untouched(self) -> None:
        """Non-string values pass through unchanged."""
        assert shift_dates({"v": 3.1, "b": True}, 5) == {"v": 3.1, "b": True}


class TestEvaluateQuery:
    def test_instance_read(self) -> None:
        """Type/id returns that resource; a missing one returns None."""
        assert evaluate_query("Patient/p1", RESOURCES) == {"resourceType": "Patient", "id": "p1"}
        assert evaluate_query("Patient/nobody", RESOURCES) is None

    def test_patient_filter(self) -> None:
        """patient= keeps only that patient's resources."""
        assert ids(evaluate_query("Observation?patient=p2", RESOURCES)) == ["o5"]

    def test_token_list(self) -> None:
        """code=system|code,system|code matches any listed coding, system included."""
        bundle = evaluate_query(
            f"Observation?patient=p1&code={LOINC}|2160-0,{LOINC}|9999-9", RESOURCES
        )
        assert ids(bundle) == ["o2"]

    def test_token_without_system(self) -> None:
        """A bare code matches in any system."""
        assert sorted(ids(evaluate_query("Observation?patient=p1&code=2890-2", RESOURCES))) == [
            "o1",
            "o3",
            "o4",
            "o6",
        ]

    def test_sort_descending_undated_last(self) -> None:
        """_sort=-date orders newest first by instant (offsets honoured), undated last."""
        bundle = evaluate_query(
            f"Observation?patient=p1&code={LOINC}|2890-2&_sort=-date", RESOURCES
        )
        assert ids(bundle) == ["o3", "o1", "o4"]

    def test_sort_ascending(self) -> None:
        """_sort=date orders oldest first."""
        bundle = evaluate_query(f"Observation?patient=p1&code={LOINC}|2890-2&_sort=date", RESOURCES)
        assert ids(bundle) == ["o1", "o3", "o4"]

    def test_count_limits_but_total_counts_all(self) -> None:
        """_count caps the entries; total still counts every match."""
        bundle = evaluate_query("Observation?patient=p1&_sort=-date&_count=2", RESOURCES)
        assert bundle is not None
        assert ids(bundle) == ["o6", "o2"]
        assert bundle["total"] == 5

    def test_no_match_is_empty_searchset(self) -> None:
        """No match gives a searchset Bundle with total 0 and no entry element."""
        assert evaluate_query("Procedure?patient=p1", RESOURCES) == {
            "resourceType": "Bundle",
            "type": "searchset",
            "total": 0,
        }

    def test_unknown_parameter_rejected(self) -> None:
        """A parameter the evaluator does not implement raises instead of being ignored."""
        with pytest.raises(UnsupportedQuery):
            evaluate_query("Observation?patient=p1&value-quantity=gt5", RESOURCES)

    def test_resolve_tokens(self) -> None:
        """Context and userPractitionerId tokens are filled the way an EHR fills them."""
        template = "Observation?patient={{context.patientId}}&performer={{userPractitionerId}}"
        assert resolve_tokens(template, {"patientId": "p1"}, "Practitioner/dr") == (
            "Observation?patient=p1&performer=dr"
        )


@pytest.fixture
def patients() -> list[DemoPatient]:
    return load_patients(date(2026, 6, 30))


class TestDemoData:
    def test_anchor_day_keeps_dates(self, patients: list[DemoPatient]) -> None:
        """Loading on the anchor day leaves the bundle dates as written."""
        index = demo.load_index()
        raw = json.loads((demo.DEMO_DATA_DIR / index["patients"][0]["file"]).read_text())
        assert index["anchor"] == "2026-06-30"
        assert patients[0].bundle == raw

    def test_dates_shift_with_today(self) -> None:
        """Loading 10 days after the anchor moves the Patient's birth date by 10 days."""
        later = load_patients(date(2026, 7, 10), slugs=["a-refractory"])[0]
        same = load_patients(date(2026, 6, 30), slugs=["a-refractory"])[0]
        born_later = date.fromisoformat(later.resources()[0]["birthDate"])
        born_same = date.fromisoformat(same.resources()[0]["birthDate"])
        assert (born_later - born_same).days == 10

    def test_fifteen_patients_with_expected_topics(self, patients: list[DemoPatient]) -> None:
        """Fifteen patients ship, each with expected topics that are real card topics."""
        from fhir_mappings.findings import Topic

        assert len(patients) >= 15
        topics = {t.value for t in Topic}
        for patient in patients:
            assert set(patient.expected_topics) <= topics
            assert set(patient.expected_topics) <= set(patient.expected_topics_show_status)

    def test_the_demo_shows_the_safety_and_course_topics(self, patients: list[DemoPatient]) -> None:
        """Some patient shows each of the pregnancy, not-applicable, flare and renal-worsening
        cards, so the demo shows the safety context and the course of treatment."""
        shown = {t for p in patients for t in p.expected_topics}
        assert {"pregnancy", "not-applicable", "flare", "renal-worsening"} <= shown

    def test_every_bundle_is_valid_r4(self, patients: list[DemoPatient]) -> None:
        """Every shipped bundle validates as an R4 Bundle with fhir.resources.R4B."""
        from fhir.resources.R4B.bundle import Bundle

        for patient in patients:
            Bundle.model_validate(patient.bundle)

    def test_hook_request_fills_every_key(self, patients: list[DemoPatient]) -> None:
        """The hook request has every template key, the patient in context and only their data."""
        templates = {
            "patient": "Patient/{{context.patientId}}",
            "observations": (
                "Observation?patient={{context.patientId}}"
                f"&code={LOINC}|2890-2&_sort=-date&_count=250"
            ),
            "procedures": "Procedure?patient={{context.patientId}}&_count=100",
        }
        patient = patients[0]
        request = build_hook_request(patient, templates)
        assert request["hook"] == "patient-view"
        assert request["context"]["patientId"] == patient.patient_id
        assert set(request["prefetch"]) == set(templates)
        assert request["prefetch"]["patient"]["id"] == patient.patient_id
        observations = [e["resource"] for e in request["prefetch"]["observations"]["entry"]]
        assert observations
        assert all(o["code"]["coding"][0]["code"] == "2890-2" for o in observations)
        assert build_hook_request(patient, templates)["hookInstance"] == request["hookInstance"]


def stub_app(cards: list[dict[str, Any]]) -> FastAPI:
    app = FastAPI()
    seen: list[dict[str, Any]] = []

    @app.get("/cds-services")
    def discovery() -> dict[str, Any]:
        return {
            "services": [
                {
                    "id": demo.SERVICE_ID,
                    "hook": "patient-view",
                    "prefetch": {"patient": "Patient/{{context.patientId}}"},
                }
            ]
        }

    @app.post(f"/cds-services/{demo.SERVICE_ID}")
    def hook(body: dict[str, Any]) -> dict[str, Any]:
        seen.append(body)
        return {"cards": cards}

    app.state.seen = seen
    return app


class TestInProcess:
    def test_posts_prefetched_requests_and_reports(self, patients: list[DemoPatient]) -> None:
        """Each patient is posted with its prefetch filled; the report compares topics."""
        card = {
            "summary": "s",
            "indicator": "info",
            "source": {"label": "l", "topic": {"code": "response-status"}},
        }
        app = stub_app([card])
        results = asyncio.run(evaluate_in_process(lambda: app, patients[:2]))
        assert [status for _, status, _ in results] == [200, 200]
        assert app.state.seen[0]["prefetch"]["patient"]["id"] == patients[0].patient_id
        out = io.StringIO()
        assert report(results, out=out, color=False, as_json=False) == 0
        assert "[INFO] s" in out.getvalue()
        assert "DIFFERS from expected" in out.getvalue()

    def test_json_output(self, patients: list[DemoPatient]) -> None:
        """--json prints the raw responses per patient."""
        results = asyncio.run(evaluate_in_process(lambda: stub_app([]), patients[:1]))
        out = io.StringIO()
        assert report(results, out=out, color=False, as_json=True) == 0
        assert json.loads(out.getvalue()) == [
            {"patient": patients[0].slug, "status": 200, "response": {"cards": []}}
        ]

    def test_arguments(self) -> None:
        """The demo options parse with their defaults."""
        parser = argparse.ArgumentParser()
        demo.add_arguments(parser)
        args = parser.parse_args(["--json", "--today", "2026-01-02", "--patient", "a-refractory"])
        assert args.json
        assert args.today == date(2026, 1, 2)
        assert args.patient == ["a-refractory"]
        assert args.load_into is None
        assert not args.serve
        assert args.port == 8000


class TestLoadInto:
    def test_transaction_shape(self, patients: list[DemoPatient]) -> None:
        """The transaction PUTs every resource at Type/id with a matching fullUrl."""
        bundle = transaction_bundle(patients[0], "https://fhir.test/r4")
        assert bundle["type"] == "transaction"
        for entry in bundle["entry"]:
            rtype, rid = entry["resource"]["resourceType"], entry["resource"]["id"]
            assert entry["request"] == {"method": "PUT", "url": f"{rtype}/{rid}"}
            assert entry["fullUrl"] == f"https://fhir.test/r4/{rtype}/{rid}"

    @respx.mock
    def test_posts_one_transaction_per_patient(self, patients: list[DemoPatient]) -> None:
        """Each patient is POSTed to the base as a transaction; success is reported per patient."""
        route = respx.post("https://fhir.test/r4").mock(
            return_value=httpx.Response(
                200, json={"resourceType": "Bundle", "type": "transaction-response"}
            )
        )
        out, err = io.StringIO(), io.StringIO()
        assert load_into("https://fhir.test/r4/", patients[:3], out=out, err=err) == 0
        assert route.call_count == 3
        sent = json.loads(route.calls[0].request.content)
        assert sent["type"] == "transaction"
        assert len(sent["entry"]) == len(patients[0].resources())
        assert route.calls[0].request.headers["content-type"] == "application/fhir+json"
        assert out.getvalue().startswith(f"loaded {patients[0].slug}: ")
        assert err.getvalue() == ""

    @respx.mock
    def test_http_error_is_one_line_exit_1(self, patients: list[DemoPatient]) -> None:
        """A failing server gives one error line and exit status 1, and stops loading."""
        route = respx.post("https://fhir.test/r4").mock(
            return_value=httpx.Response(400, text="bad bundle")
        )
        out, err = io.StringIO(), io.StringIO()
        assert load_into("https://fhir.test/r4", patients, out=out, err=err) == 1
        assert route.call_count == 1
        assert err.getvalue().count("\n") == 1
        assert "HTTP 400" in err.getvalue()

    @respx.mock
    def test_connection_error_is_one_line_exit_1(self, patients: list[DemoPatient]) -> None:
        """An unreachable server gives one error line and exit status 1."""
        respx.post("https://fhir.test/r4").mock(side_effect=httpx.ConnectError("refused"))
        out, err = io.StringIO(), io.StringIO()
        assert load_into("https://fhir.test/r4", patients, out=out, err=err) == 1
        assert err.getvalue().startswith("error: loading ")
        assert err.getvalue().count("\n") == 1


class TestServe:
    def test_serve_runs_real_app_with_sandbox_cors(
        self, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
    ) -> None:
        """--serve starts the real app (no JWT, CORS for the Sandbox) and prints the URLs."""
        import uvicorn

        monkeypatch.chdir(tmp_path)  # the default feedback database is ./ln-cds-feedback.sqlite3

        captured: dict[str, Any] = {}

        def fake_run(app: Any, host: str, port: int) -> None:
            captured.update(app=app, host=host, port=port)

        monkeypatch.setattr(uvicorn, "run", fake_run)
        parser = argparse.ArgumentParser()
        demo.add_arguments(parser)
        out = io.StringIO()
        args = parser.parse_args(
            ["--serve", "--port", "8123", "--allow-fhir-server", "http://fhir.test/r4"]
        )
        assert demo.serve(args, out) == 0
        assert captured["port"] == 8123
        assert captured["host"] == "127.0.0.1"
        text = out.getvalue()
        assert "http://127.0.0.1:8123/cds-services" in text
        assert "--load-into" in text
        preflight, discovery = asyncio.run(_preflight_and_discovery(captured["app"]))
        assert preflight.headers.get("access-control-allow-origin") == demo.SANDBOX_ORIGIN
        assert discovery.status_code == 200


async def _preflight_and_discovery(app: Any) -> tuple[httpx.Response, httpx.Response]:
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://demo") as client:
            preflight = await client.options(
                f"/cds-services/{demo.SERVICE_ID}",
                headers={
                    "Origin": demo.SANDBOX_ORIGIN,
                    "Access-Control-Request-Method": "POST",
                    "Access-Control-Request-Headers": "content-type",
                },
            )
            return preflight, await client.get("/cds-services")
