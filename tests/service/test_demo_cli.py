"""`ln-cds demo` on the command line: choosing patients, exporting bundles."""

from __future__ import annotations

import contextlib
import io
import json
import os
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import uvicorn

from cds_service import cli
from cds_service.config import Settings
from cds_service.demo import (
    DEMO_DATA_DIR,
    SANDBOX_ORIGIN,
    load_index,
    load_patients,
    topics_of,
)

PATIENTS = load_index()["patients"]
SLUGS = [entry["slug"] for entry in PATIENTS]


class TestPatientOption:
    def test_unknown_patient_is_a_usage_error(self, capsys: pytest.CaptureFixture[str]) -> None:
        """--patient with a name no demo patient has exits 2, lists the patients, runs nothing."""
        with pytest.raises(SystemExit) as caught:
            cli.main(["demo", "--patient", "nobody"])
        assert caught.value.code == 2
        captured = capsys.readouterr()
        assert captured.out == ""
        assert "nobody" in captured.err
        assert all(slug in captured.err for slug in SLUGS)

    def test_no_start_up_warning(
        self, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
    ) -> None:
        """The demo prints its cards and nothing on stderr: no empty allow-list warning."""
        assert cli.main(["demo", "--patient", SLUGS[0]]) == 0
        captured = capsys.readouterr()
        assert SLUGS[0] in captured.out
        assert captured.err == ""
        assert "ALLOWLIST" not in caplog.text

    def test_patient_id_names_the_same_patient(self) -> None:
        """--patient accepts a patient id (ln-demo-...) as well as its slug."""
        entry = PATIENTS[0]
        argv = ["demo", "--patient", entry["patient_id"], "--patient", SLUGS[1]]
        assert cli.build_parser().parse_args(argv).patient == [entry["slug"], SLUGS[1]]


#: The day both the export and the demo shift the bundles to: months after the bundles'
#: own anchor, so evaluating a bundle that was not shifted would tell a different story.
DAY = "2026-11-27"


def run_cli(argv: list[str]) -> tuple[int, str]:
    """(exit status, stdout) of ``ln-cds argv`` run in process."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = cli.main(argv)
    return code, out.getvalue()


def without_uuids(value: Any) -> Any:
    """``value`` with every ``uuid`` member removed, at any depth."""
    if isinstance(value, dict):
        return {k: without_uuids(v) for k, v in value.items() if k != "uuid"}
    if isinstance(value, list):
        return [without_uuids(item) for item in value]
    return value


@pytest.fixture(scope="module", autouse=True)
def clean_env() -> Iterator[None]:
    """Only default settings: no LNCDS_ variable from the caller's environment."""
    with pytest.MonkeyPatch.context() as patch:
        for name in list(os.environ):
            if name.startswith("LNCDS_"):
                patch.delenv(name)
        yield


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The folder `ln-cds demo --export` wrote (it did not exist before)."""
    directory = tmp_path_factory.mktemp("export") / "bundles"
    code, out = run_cli(["demo", "--export", str(directory), "--today", DAY])
    assert code == 0
    assert f"--today {DAY}" in out
    return directory


@pytest.fixture(scope="module")
def demo_responses() -> dict[str, Any]:
    """The CDS Hooks response of each patient in `ln-cds demo --json`, by slug."""
    code, out = run_cli(["demo", "--json", "--today", DAY])
    assert code == 0
    return {item["patient"]: item["response"] for item in json.loads(out)}


class TestExport:
    def test_one_bundle_per_patient(self, exported: Path) -> None:
        """--export writes one Bundle file per demo patient, named by its slug."""
        assert sorted(path.name for path in exported.iterdir()) == [f"{s}.json" for s in SLUGS]

    def test_dates_are_shifted_as_the_demo_shifts_them(self, exported: Path) -> None:
        """Each file is the patient's Bundle with its dates moved to end on --today."""
        for patient in load_patients(date.fromisoformat(DAY)):
            written = json.loads((exported / f"{patient.slug}.json").read_text(encoding="utf-8"))
            assert written == patient.bundle
            assert written != json.loads((DEMO_DATA_DIR / f"{patient.slug}.json").read_text())

    def test_only_the_chosen_patients(self, tmp_path: Path) -> None:
        """--export with --patient writes only that patient's Bundle."""
        code, _ = run_cli(["demo", "--export", str(tmp_path), "--patient", SLUGS[2]])
        assert code == 0
        assert [path.name for path in tmp_path.iterdir()] == [f"{SLUGS[2]}.json"]

    @pytest.mark.parametrize("slug", SLUGS)
    def test_evaluate_gives_the_demo_cards(
        self, exported: Path, demo_responses: dict[str, Any], slug: str
    ) -> None:
        """evaluate --bundle on an exported Bundle prints exactly the demo's cards (uuids aside)."""
        code, out = run_cli(
            [
                "evaluate",
                "--bundle",
                str(exported / f"{slug}.json"),
                "--json",
                "--show-status-card",
                "--today",
                DAY,
            ]
        )
        assert code == 0
        cards = json.loads(out)["cards"]
        demo_cards = demo_responses[slug]["cards"]
        expected = next(p["expected_topics_show_status"] for p in PATIENTS if p["slug"] == slug)
        assert topics_of(cards) == topics_of(demo_cards) == tuple(expected)
        assert without_uuids(cards) == without_uuids(demo_cards)


class TestServe:
    def test_allow_fhir_server_sets_up_the_sandbox(
        self, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
    ) -> None:
        """demo --serve --allow-fhir-server URL allows URL and prints a Sandbox link for it."""
        fhir = "https://hapi.fhir.org/baseR4"
        apps: list[Any] = []
        monkeypatch.setattr(uvicorn, "run", lambda app, **_: apps.append(app))
        code, out = run_cli(["demo", "--serve", "--port", "8123", "--allow-fhir-server", fhir])
        assert code == 0
        settings = apps[0].state.runtime.settings
        assert settings.fhir_server_allowed(f"{fhir}/Patient/{PATIENTS[0]['patient_id']}")
        assert not settings.fhir_server_allowed("https://other.example.org/fhir")
        link = next(word for word in out.split() if word.startswith(SANDBOX_ORIGIN + "/?"))
        assert parse_qs(urlsplit(link).query) == {
            "fhirServiceUrl": [fhir],
            "patientId": [PATIENTS[0]["patient_id"]],
            "serviceDiscoveryURL": ["http://127.0.0.1:8123/cds-services"],
        }
        assert f"ln-cds demo --load-into {fhir}" in out
        assert "local network" in out

    def test_without_a_fhir_server_it_says_how_to_allow_one(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """demo --serve alone says it reads no FHIR server and names --allow-fhir-server."""
        monkeypatch.setattr(uvicorn, "run", lambda app, **_: None)
        code, out = run_cli(["demo", "--serve"])
        assert code == 0
        assert "FHIR servers it reads: none" in out
        assert "--allow-fhir-server" in out
        assert SANDBOX_ORIGIN + "/?" not in out

    def test_feedback_stays_out_of_the_user_store(
        self, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
    ) -> None:
        """demo --serve stores feedback in a temporary file, not in the default store."""
        monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
        apps: list[Any] = []
        monkeypatch.setattr(uvicorn, "run", lambda app, **_: apps.append(app))
        code, _ = run_cli(["demo", "--serve"])
        assert code == 0
        url = apps[0].state.runtime.settings.database_url
        assert url != Settings().database_url
        assert not (tmp_path / "data").exists()
