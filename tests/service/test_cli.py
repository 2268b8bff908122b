"""The ln-cds command line: serve's configuration refusal and evaluate."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
import respx

from cds_service import cli
from cds_service.config import Settings
from cds_service.service_definition import ServiceDefinition

from .conftest import (
    BASE,
    KEY_TYPES,
    TOKEN,
    FakeEvaluator,
    fake_renderer,
    patient_resource,
    resource,
)


@pytest.fixture(autouse=True)
def _env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LNCDS_PSEUDONYM_KEY", "c" * 32)
    monkeypatch.delenv("LNCDS_REQUIRE_JWT", raising=False)
    monkeypatch.delenv("LNCDS_FHIR_SERVER_ALLOWLIST", raising=False)


def write_bundle(path: Path, resources: list[dict[str, Any]]) -> Path:
    bundle = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [{"resource": r} for r in resources],
    }
    path.write_bytes(orjson.dumps(bundle))
    return path


def patient_bundle(tmp_path: Path) -> Path:
    resources = [patient_resource(), resource("Observation", "o1"), resource("Condition", "c1")]
    resources.append(
        resource("MedicationRequest", "mr1", medicationReference={"reference": "Medication/m1"})
    )
    resources.append({"resourceType": "Medication", "id": "m1"})
    return write_bundle(tmp_path / "patient.json", resources)


class TestServe:
    def test_refuses_while_jwt_unconfigured(
        self, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """serve refuses (exit 2, one line) when JWTs are required but cannot be checked."""
        monkeypatch.setattr("cds_service.logging_config.configure_logging", lambda *a: None)
        monkeypatch.delenv("LNCDS_PUBLIC_BASE_URL", raising=False)
        monkeypatch.delenv("LNCDS_TRUSTED_ISSUERS", raising=False)
        monkeypatch.delenv("LNCDS_TRUSTED_ISSUERS_FILE", raising=False)
        assert cli.main(["serve"]) == 2
        err = capsys.readouterr().err
        assert "LNCDS_PUBLIC_BASE_URL" in err
        assert "LNCDS_TRUSTED_ISSUERS" in err
        assert len(err.strip().splitlines()) == 1

    def test_settings_still_construct_without_jwt(self) -> None:
        """Settings with require_jwt=false need no issuer or public URL."""
        assert Settings(require_jwt=False).trusted_issuers == {}


class TestEvaluateBundle:
    def test_json_output(
        self,
        tmp_path: Path,
        service: ServiceDefinition,
        evaluator: FakeEvaluator,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        """evaluate --bundle --json prints the CDS Hooks response built from the bundle."""
        code = cli.main(
            [
                "evaluate",
                "--bundle",
                str(patient_bundle(tmp_path)),
                "--json",
                "--today",
                "2025-01-02",
                "--ruleset",
                "kdigo-2012",
            ],
            service=service,
            evaluator=evaluator,
            renderer=fake_renderer,
        )
        assert code == 0
        cards = orjson.loads(capsys.readouterr().out)["cards"]
        assert cards[0]["summary"] == "Check response"
        assert "detail" not in cards[0]
        (call,) = evaluator.calls
        assert str(call["today"]) == "2025-01-02"
        assert call["ruleset"] == "kdigo-2012"
        resources = call["resources"]
        assert [o["id"] for o in resources.observations] == ["o1"]
        assert [m["id"] for m in resources.medications] == ["m1"]

    def test_text_output(
        self,
        tmp_path: Path,
        service: ServiceDefinition,
        evaluator: FakeEvaluator,
        capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        """Without --json, the cards are printed through terminal.format_cards."""
        import cds_service.terminal as terminal

        seen: dict[str, Any] = {}

        def fake_format(cards: list[dict[str, Any]], *, title: str) -> str:
            seen.update(cards=cards, title=title)
            return "FORMATTED"

        monkeypatch.setattr(terminal, "format_cards", fake_format)
        code = cli.main(
            ["evaluate", "--bundle", str(patient_bundle(tmp_path))],
            service=service,
            evaluator=evaluator,
            renderer=fake_renderer,
        )
        assert code == 0
        assert capsys.readouterr().out.strip() == "FORMATTED"
        assert "kdigo-2024" in seen["title"]

    @pytest.mark.parametrize(
        ("content", "message"),
        [
            (None, "cannot read"),
            (b"{nope", "not JSON"),
            (b'{"resourceType": "Patient"}', "not a FHIR Bundle"),
            (b'{"resourceType": "Bundle", "entry": []}', "exactly one Patient"),
        ],
    )
    def test_bad_bundle_is_one_line_error(
        self,
        tmp_path: Path,
        service: ServiceDefinition,
        capsys: pytest.CaptureFixture[str],
        content: bytes | None,
        message: str,
    ) -> None:
        """A missing or malformed bundle file gives a one-line error and exit 1, no traceback."""
        path = tmp_path / "b.json"
        if content is not None:
            path.write_bytes(content)
        code = cli.main(
            ["evaluate", "--bundle", str(path)],
            service=service,
            evaluator=FakeEvaluator(),
            renderer=fake_renderer,
        )
        err = capsys.readouterr().err
        assert code == 1
        assert message in err
        assert "Traceback" not in err
        assert len(err.strip().splitlines()) == 1

    def test_unresolvable_medication_is_412_message(
        self, tmp_path: Path, service: ServiceDefinition, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """A bundle whose medicationReference is not in it fails with the 412 message."""
        path = write_bundle(
            tmp_path / "p.json",
            [
                patient_resource(),
                resource(
                    "MedicationRequest", "mr1", medicationReference={"reference": "Medication/zz"}
                ),
            ],
        )
        code = cli.main(
            ["evaluate", "--bundle", str(path)],
            service=service,
            evaluator=FakeEvaluator(),
            renderer=fake_renderer,
        )
        assert code == 1
        assert "medicationReference" in capsys.readouterr().err

    def test_evaluator_value_error_is_one_line(
        self, tmp_path: Path, service: ServiceDefinition, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """An unknown ruleset (ValueError from assess) is reported in one line."""

        def refuse(*_: Any, **__: Any) -> Any:
            raise ValueError("unknown ruleset 'x'\nmore")

        code = cli.main(
            ["evaluate", "--bundle", str(patient_bundle(tmp_path)), "--ruleset", "x"],
            service=service,
            evaluator=refuse,
            renderer=fake_renderer,
        )
        assert code == 1
        assert capsys.readouterr().err.strip() == "ln-cds: unknown ruleset 'x'"


class TestEvaluateServer:
    def test_fetches_through_fhir_client(
        self,
        service: ServiceDefinition,
        evaluator: FakeEvaluator,
        fhir: respx.Router,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        """evaluate --fhir-server reads every key from the server with the bearer token."""
        fhir.get("/Patient/p1").respond(json=patient_resource())
        for key, rtype in KEY_TYPES.items():
            fhir.get(f"/{rtype}").respond(
                json={
                    "resourceType": "Bundle",
                    "type": "searchset",
                    "entry": [{"resource": resource(rtype, key)}],
                }
            )
        code = cli.main(
            [
                "evaluate",
                "--fhir-server",
                BASE,
                "--patient",
                "p1",
                "--bearer-token",
                TOKEN,
                "--json",
            ],
            service=service,
            evaluator=evaluator,
            renderer=fake_renderer,
            fhir_transport=httpx.MockTransport(fhir.async_handler),
        )
        assert code == 0
        assert fhir.calls.call_count == 1 + len(KEY_TYPES) + 1  # /metadata, Patient, searches
        assert {c.request.headers["authorization"] for c in fhir.calls} == {f"Bearer {TOKEN}"}
        assert TOKEN not in capsys.readouterr().err

    def test_server_failure_is_one_line(
        self, service: ServiceDefinition, fhir: respx.Router, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """A FHIR failure prints the OperationOutcome sentence and exits 1."""
        fhir.get("/Patient/p1").respond(503)
        code = cli.main(
            ["evaluate", "--fhir-server", BASE, "--patient", "p1"],
            service=service,
            evaluator=FakeEvaluator(),
            renderer=fake_renderer,
            fhir_transport=httpx.MockTransport(fhir.async_handler),
        )
        assert code == 1
        assert "HTTP 503" in capsys.readouterr().err

    def test_server_needs_patient(
        self, service: ServiceDefinition, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """--fhir-server without --patient is a one-line usage error."""
        code = cli.main(["evaluate", "--fhir-server", BASE], service=service)
        assert code == 1
        assert "--patient" in capsys.readouterr().err

    def test_bad_date_is_usage_error(self) -> None:
        """--today that is not YYYY-MM-DD is rejected by argparse (exit 2)."""
        with pytest.raises(SystemExit) as caught:
            cli.main(["evaluate", "--bundle", "x", "--today", "tomorrow"])
        assert caught.value.code == 2

    def test_bad_settings_is_one_line(
        self,
        service: ServiceDefinition,
        monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        """Invalid LNCDS_ settings give a one-line error naming the setting."""
        monkeypatch.setenv("LNCDS_LOG_FORMAT", "xml")
        code = cli.main(["evaluate", "--fhir-server", BASE, "--patient", "p1"], service=service)
        assert code == 1
        assert "log_format" in capsys.readouterr().err
