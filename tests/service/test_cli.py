"""The ln-cds command line: --version, serve's configuration refusal and evaluate."""

from __future__ import annotations

import asyncio
import importlib.metadata
import os
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
import respx
import uvicorn

from cds_service import cli
from cds_service.app import check_settings, create_app, start_up_warnings_shown
from cds_service.config import Settings
from cds_service.service_definition import ServiceDefinition
from fhir_mappings.rulesets import RULESETS
from tests.service._helpers import (
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
    monkeypatch.delenv("LNCDS_BEARER_TOKEN", raising=False)


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


REPO_ROOT = Path(__file__).resolve().parents[2]
DEMO_BUNDLE = REPO_ROOT / "cds_service" / "demo_data" / "a-refractory.json"


class TestVersion:
    def test_prints_the_installed_version(self, capsys: pytest.CaptureFixture[str]) -> None:
        """--version prints the installed distribution's version (pyproject's) and exits 0."""
        with pytest.raises(SystemExit) as caught:
            cli.main(["--version"])
        assert caught.value.code == 0
        project = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
        version = importlib.metadata.version("ln-cds")
        assert version == project["project"]["version"]
        assert capsys.readouterr().out == f"ln-cds {version}\n"


class TestHelp:
    @pytest.mark.parametrize(
        ("command", "shown"),
        [
            (["serve"], ["(default: 127.0.0.1", "(default: 8000)", "LNCDS_WORKERS"]),
            (["demo"], ["(default: 127.0.0.1)", "(default: 8000)", "a-refractory"]),
            (["evaluate"], [*RULESETS, "LNCDS_RULESET", "(default: today)"]),
            (["evaluate"], ["LNCDS_BEARER_TOKEN", "--bearer-token-file", "shell history"]),
            (["feedback-report"], ["(default: today)", "30 days"]),
        ],
    )
    def test_help_shows_defaults_and_choices(
        self, capsys: pytest.CaptureFixture[str], command: list[str], shown: list[str]
    ) -> None:
        """Each command's --help states its defaults, its choices and where secrets go."""
        with pytest.raises(SystemExit) as caught:
            cli.main([*command, "--help"])
        assert caught.value.code == 0
        text = " ".join(capsys.readouterr().out.split())  # argparse wraps lines
        missing = [item for item in shown if item not in text]
        assert missing == []


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

    def test_start_up_warning_is_logged_once(
        self,
        tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture,
    ) -> None:
        """The empty allow-list warning appears once, though the app's start-up checks again."""
        monkeypatch.setattr("cds_service.logging_config.configure_logging", lambda *a: None)
        monkeypatch.setenv("LNCDS_REQUIRE_JWT", "false")
        monkeypatch.setenv("LNCDS_DATABASE_URL", f"sqlite:///{tmp_path / 'f.sqlite3'}")

        async def start_and_stop() -> None:
            app = create_app(Settings(), rulesets={"kdigo-2024"})
            async with app.router.lifespan_context(app):
                pass

        def fake_uvicorn(*_: Any, **__: Any) -> None:
            asyncio.run(start_and_stop())  # what uvicorn does with one worker, in process

        monkeypatch.setattr(uvicorn, "run", fake_uvicorn)
        assert cli.main(["serve"]) == 0
        assert caplog.text.count("LNCDS_FHIR_SERVER_ALLOWLIST is empty") == 1

    def test_warnings_return_after_serve(self, caplog: pytest.LogCaptureFixture) -> None:
        """Outside serve and the demo, the start-up checks log their warnings as before."""
        with start_up_warnings_shown():
            check_settings(Settings(require_jwt=False), {"kdigo-2024"})
        assert caplog.text == ""
        check_settings(Settings(require_jwt=False), {"kdigo-2024"})
        assert "LNCDS_FHIR_SERVER_ALLOWLIST is empty" in caplog.text

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

    def test_look_back_counts_from_the_evaluation_date(
        self, tmp_path: Path, service: ServiceDefinition, evaluator: FakeEvaluator
    ) -> None:
        """--today sets the look-back of the gathering as well as the rules' date: a fill
        inside the 360 days before it is kept, an older one is not (counted from the real
        today, both would be gone; without a look-back, both would stay)."""
        fills = [
            resource("MedicationDispense", "recent", whenHandedOver="2019-06-01"),
            resource("MedicationDispense", "old", whenHandedOver="2017-01-01"),
        ]
        path = write_bundle(tmp_path / "p.json", [patient_resource(), *fills])
        argv = ["evaluate", "--bundle", str(path), "--json", "--today", "2020-01-01"]
        assert cli.main(argv, service=service, evaluator=evaluator, renderer=fake_renderer) == 0
        (call,) = evaluator.calls
        assert str(call["today"]) == "2020-01-01"
        assert [d["id"] for d in call["resources"].medication_dispenses] == ["recent"]

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
        ("setting", "option", "shown"),
        [
            (None, [], False),
            ("true", [], True),
            ("true", ["--no-show-status-card"], False),
            (None, ["--show-status-card"], True),
        ],
    )
    def test_status_card_option_overrides_the_setting(
        self,
        tmp_path: Path,
        service: ServiceDefinition,
        evaluator: FakeEvaluator,
        monkeypatch: pytest.MonkeyPatch,
        setting: str | None,
        option: list[str],
        shown: bool,
    ) -> None:
        """--show-status-card / --no-show-status-card win over LNCDS_SHOW_STATUS_CARD."""
        if setting is None:
            monkeypatch.delenv("LNCDS_SHOW_STATUS_CARD", raising=False)
        else:
            monkeypatch.setenv("LNCDS_SHOW_STATUS_CARD", setting)
        argv = ["evaluate", "--bundle", str(patient_bundle(tmp_path)), "--json", *option]
        assert cli.main(argv, service=service, evaluator=evaluator, renderer=fake_renderer) == 0
        assert evaluator.calls[0]["show_status"] is shown

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
        self,
        tmp_path: Path,
        service: ServiceDefinition,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        """A ValueError from the assessment is reported in one line."""

        def refuse(*_: Any, **__: Any) -> Any:
            raise ValueError("unknown ruleset 'x'\nmore")

        code = cli.main(
            ["evaluate", "--bundle", str(patient_bundle(tmp_path))],
            service=service,
            evaluator=refuse,
            renderer=fake_renderer,
        )
        assert code == 1
        assert capsys.readouterr().err.strip() == "ln-cds: unknown ruleset 'x'"

    def test_unknown_ruleset_setting_is_one_line(
        self,
        tmp_path: Path,
        service: ServiceDefinition,
        monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        """An unknown LNCDS_RULESET stops the command before any reading, in one line that
        names the valid rulesets."""
        monkeypatch.setenv("LNCDS_RULESET", "x")
        evaluator = FakeEvaluator()
        code = cli.main(
            ["evaluate", "--bundle", str(patient_bundle(tmp_path))],
            service=service,
            evaluator=evaluator,
            renderer=fake_renderer,
        )
        assert code == 1
        err = capsys.readouterr().err
        assert err.startswith("ln-cds: unknown ruleset 'x'")
        assert all(name in err for name in RULESETS)
        assert len(err.strip().splitlines()) == 1
        assert evaluator.calls == []

    def test_ruleset_option_sets_the_look_back(
        self, tmp_path: Path, service: ServiceDefinition, evaluator: FakeEvaluator
    ) -> None:
        """--ruleset wins over LNCDS_RULESET for the gathering too: with an unknown setting
        and a known option, the command runs."""
        argv = ["evaluate", "--bundle", str(patient_bundle(tmp_path)), "--ruleset", "kdigo-2012"]
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("LNCDS_RULESET", "x")
            assert cli.main(argv, service=service, evaluator=evaluator, renderer=fake_renderer) == 0
        assert evaluator.calls[0]["ruleset"] == "kdigo-2012"

    def test_unknown_ruleset_option_is_a_usage_error(
        self, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """--ruleset with an unknown name exits 2 and lists the rulesets."""
        with pytest.raises(SystemExit) as caught:
            cli.main(["evaluate", "--bundle", "x.json", "--ruleset", "kdigo-1999"])
        assert caught.value.code == 2
        err = capsys.readouterr().err
        assert all(name in err for name in RULESETS)


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
        # /metadata, Patient, the searches, and the searches by status of orders and statements
        assert fhir.calls.call_count == 1 + 1 + len(KEY_TYPES) + 2
        assert {c.request.headers["authorization"] for c in fhir.calls} == {f"Bearer {TOKEN}"}
        assert TOKEN not in capsys.readouterr().err

    def test_searches_are_bounded_from_the_evaluation_date(
        self, service: ServiceDefinition, evaluator: FakeEvaluator, fhir: respx.Router
    ) -> None:
        """evaluate --fhir-server --today asks for the look-back counted from that day."""
        fhir.get("/Patient/p1").respond(json=patient_resource())
        for rtype in KEY_TYPES.values():
            fhir.get(f"/{rtype}").respond(json={"resourceType": "Bundle", "type": "searchset"})
        argv = ["evaluate", "--fhir-server", BASE, "--patient", "p1", "--today", "2020-01-01"]
        code = cli.main(
            [*argv, "--json"],
            service=service,
            evaluator=evaluator,
            renderer=fake_renderer,
            fhir_transport=httpx.MockTransport(fhir.async_handler),
        )
        assert code == 0
        (fills,) = [
            c.request for c in fhir.calls if c.request.url.path.endswith("/MedicationDispense")
        ]
        assert fills.url.params["whenhandedover"] == "ge2019-01-06"  # 360 days before

    @pytest.mark.parametrize("source", ["option", "file", "environment"])
    def test_token_sources(
        self,
        tmp_path: Path,
        service: ServiceDefinition,
        fhir: respx.Router,
        monkeypatch: pytest.MonkeyPatch,
        source: str,
    ) -> None:
        """The token comes from --bearer-token, --bearer-token-file or LNCDS_BEARER_TOKEN."""
        fhir.get("/Patient/p1").respond(json=patient_resource())
        for rtype in KEY_TYPES.values():
            fhir.get(f"/{rtype}").respond(json={"resourceType": "Bundle", "type": "searchset"})
        argv = ["evaluate", "--fhir-server", BASE, "--patient", "p1", "--json"]
        monkeypatch.setenv("LNCDS_BEARER_TOKEN", "token-from-environment")
        expected = "token-from-environment"
        if source == "option":
            argv += ["--bearer-token", TOKEN]
            expected = TOKEN
        elif source == "file":
            path = tmp_path / "token"
            path.write_text(f"  {TOKEN}\nsecond line\n", encoding="utf-8")
            argv += ["--bearer-token-file", str(path)]
            expected = TOKEN
        code = cli.main(
            argv,
            service=service,
            evaluator=FakeEvaluator(),
            renderer=fake_renderer,
            fhir_transport=httpx.MockTransport(fhir.async_handler),
        )
        assert code == 0
        assert {c.request.headers["authorization"] for c in fhir.calls} == {f"Bearer {expected}"}

    def test_no_token_sends_no_authorization(
        self, service: ServiceDefinition, fhir: respx.Router
    ) -> None:
        """Without option, file or LNCDS_BEARER_TOKEN, no Authorization header is sent."""
        fhir.get("/Patient/p1").respond(json=patient_resource())
        for rtype in KEY_TYPES.values():
            fhir.get(f"/{rtype}").respond(json={"resourceType": "Bundle", "type": "searchset"})
        code = cli.main(
            ["evaluate", "--fhir-server", BASE, "--patient", "p1", "--json"],
            service=service,
            evaluator=FakeEvaluator(),
            renderer=fake_renderer,
            fhir_transport=httpx.MockTransport(fhir.async_handler),
        )
        assert code == 0
        assert not [c for c in fhir.calls if "authorization" in c.request.headers]

    @pytest.mark.parametrize(
        ("content", "message"),
        [(None, "cannot read"), ("\n", "no token"), ("", "no token")],
    )
    def test_bad_token_file_is_one_line(
        self,
        tmp_path: Path,
        service: ServiceDefinition,
        capsys: pytest.CaptureFixture[str],
        content: str | None,
        message: str,
    ) -> None:
        """A token file that is missing or empty is a one-line error, before any request."""
        path = tmp_path / "token"
        if content is not None:
            path.write_text(content, encoding="utf-8")
        argv = ["evaluate", "--fhir-server", BASE, "--patient", "p1"]
        code = cli.main([*argv, "--bearer-token-file", str(path)], service=service)
        err = capsys.readouterr().err
        assert code == 1
        assert message in err
        assert len(err.strip().splitlines()) == 1

    def test_token_option_and_file_exclude_each_other(self) -> None:
        """--bearer-token with --bearer-token-file is a usage error (exit 2)."""
        argv = ["evaluate", "--fhir-server", BASE, "--patient", "p1", "--bearer-token", "t"]
        with pytest.raises(SystemExit) as caught:
            cli.main([*argv, "--bearer-token-file", "f"])
        assert caught.value.code == 2

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

    @pytest.mark.parametrize("searches_answer_404", [False, True])
    def test_unknown_patient_is_named(
        self,
        service: ServiceDefinition,
        fhir: respx.Router,
        capsys: pytest.CaptureFixture[str],
        searches_answer_404: bool,
    ) -> None:
        """A 404 to the Patient read says the patient was not found (whichever 404 came first)."""
        fhir.get("/Patient/p1").respond(404, json={"resourceType": "OperationOutcome"})
        for rtype in KEY_TYPES.values():
            if searches_answer_404:
                fhir.get(f"/{rtype}").respond(404, json={"resourceType": "OperationOutcome"})
            else:
                fhir.get(f"/{rtype}").respond(json={"resourceType": "Bundle", "type": "searchset"})
        code = cli.main(
            ["evaluate", "--fhir-server", BASE, "--patient", "p1"],
            service=service,
            evaluator=FakeEvaluator(),
            renderer=fake_renderer,
            fhir_transport=httpx.MockTransport(fhir.async_handler),
        )
        err = capsys.readouterr().err
        assert code == 1
        assert f"patient 'p1' not found on {BASE}" in err
        assert len(err.strip().splitlines()) == 1

    def test_other_404_is_not_a_missing_patient(
        self, service: ServiceDefinition, fhir: respx.Router, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """A 404 to a search while the Patient exists keeps the plain HTTP 404 message."""
        fhir.get("/Patient/p1").respond(json=patient_resource())
        for rtype in KEY_TYPES.values():
            fhir.get(f"/{rtype}").respond(404)
        code = cli.main(
            ["evaluate", "--fhir-server", BASE, "--patient", "p1"],
            service=service,
            evaluator=FakeEvaluator(),
            renderer=fake_renderer,
            fhir_transport=httpx.MockTransport(fhir.async_handler),
        )
        err = capsys.readouterr().err
        assert code == 1
        assert "HTTP 404" in err
        assert "not found" not in err

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


def run_with_closed_stdout(
    argv: list[str], env: dict[str, str]
) -> subprocess.CompletedProcess[str]:
    """``ln-cds argv`` in a new process whose stdout is a pipe nobody reads: the read end is
    closed before the process starts, so its first write to stdout fails (EPIPE)."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        return subprocess.run(
            [sys.executable, "-m", "cds_service.cli", *argv],
            stdout=write_end,
            stderr=subprocess.PIPE,
            env=env,
            text=True,
            timeout=300,
            check=False,
        )
    finally:
        os.close(write_end)


@pytest.mark.slow  # each test runs ln-cds as a process
class TestClosedStdout:
    @pytest.mark.parametrize(
        "argv",
        [
            ["--help"],
            ["--version"],
            ["demo", "--patient", "a-refractory"],
            ["demo", "--json", "--patient", "a-refractory"],
            ["demo", "--export", "{tmp}/bundles", "--patient", "a-refractory"],
            ["evaluate", "--bundle", str(DEMO_BUNDLE)],
            ["evaluate", "--bundle", str(DEMO_BUNDLE), "--json"],
            ["feedback-report"],
            ["feedback-report", "--json"],
        ],
        ids=" ".join,
    )
    def test_exits_quietly_with_the_sigpipe_status(self, tmp_path: Path, argv: list[str]) -> None:
        """A command whose stdout reader has gone exits 141 without an error message."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("LNCDS_")}
        env["XDG_DATA_HOME"] = str(tmp_path / "data")
        result = run_with_closed_stdout([a.replace("{tmp}", str(tmp_path)) for a in argv], env)
        assert result.returncode == cli.EXIT_BROKEN_PIPE == 141
        for noise in ("Broken pipe", "BrokenPipeError", "Traceback", "Exception ignored"):
            assert noise not in result.stderr
