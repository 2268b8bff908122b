"""Where the feedback store is by default: one SQLite file per user, whatever the folder
`serve` or `feedback-report` is started from."""

from __future__ import annotations

import asyncio
import json
import os
import stat
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from cds_service import cli
from cds_service.app import create_app
from cds_service.config import Settings, default_database_path
from tests.ops._helpers import SERVICE_PATH, running


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No LNCDS_ variable but the pseudonym key; XDG_DATA_HOME and HOME point into tmp_path."""
    for name in list(os.environ):
        if name.startswith("LNCDS_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("LNCDS_PSEUDONYM_KEY", "c" * 32)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setattr("cds_service.logging_config.configure_logging", lambda *a: None)


def folder(tmp_path: Path, name: str) -> Path:
    path = tmp_path / name
    path.mkdir()
    return path


class TestDefaultLocation:
    def test_in_xdg_data_home(self, tmp_path: Path) -> None:
        """With XDG_DATA_HOME set, the store is $XDG_DATA_HOME/ln-cds/feedback.sqlite3."""
        expected = tmp_path / "data" / "ln-cds" / "feedback.sqlite3"
        assert default_database_path() == expected
        assert Settings().database_url == f"sqlite:///{expected}"

    @pytest.mark.parametrize("xdg", ["", "relative/data"])
    def test_falls_back_to_local_share(
        self, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, xdg: str
    ) -> None:
        """An empty or relative XDG_DATA_HOME is ignored: ~/.local/share/ln-cds is used."""
        monkeypatch.setenv("XDG_DATA_HOME", xdg)
        expected = tmp_path / "home" / ".local" / "share" / "ln-cds" / "feedback.sqlite3"
        assert default_database_path() == expected

    def test_same_from_every_folder(self, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
        """Two folders see the same default database URL."""
        monkeypatch.chdir(folder(tmp_path, "a"))
        first = Settings().database_url
        monkeypatch.chdir(folder(tmp_path, "b"))
        assert Settings().database_url == first

    @pytest.mark.parametrize("command", [[], ["serve"], ["feedback-report"]])
    def test_help_names_the_default_store(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str], command: list[str]
    ) -> None:
        """--help of ln-cds, serve and feedback-report prints where the default store is."""
        with pytest.raises(SystemExit) as caught:
            cli.main([*command, "--help"])
        assert caught.value.code == 0
        out = capsys.readouterr().out
        assert str(tmp_path / "data" / "ln-cds" / "feedback.sqlite3") in out


class TestServeAndReportShareTheStore:
    def test_feedback_served_in_one_folder_is_reported_in_another(
        self,
        monkeypatch: pytest.MonkeyPatch,
        tmp_path: Path,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        """Feedback that `serve` started in one folder records is reported from another folder."""
        monkeypatch.setenv("LNCDS_REQUIRE_JWT", "false")
        item = {
            "card": "0b9e3d1e-4c8a-4f7e-9a51-6d2c8b1f3a70",
            "outcome": "accepted",
            "acceptedSuggestions": [{"id": "s1"}],
            "outcomeTimestamp": "2025-06-02T09:00:00Z",
        }

        async def post_feedback() -> int:
            async with running(create_app(Settings(), rulesets={"kdigo-2024"})) as http:
                response = await http.post(f"{SERVICE_PATH}/feedback", json={"feedback": [item]})
                return response.status_code

        def fake_uvicorn(app: Any, **_: Any) -> None:
            assert app == "cds_service.app:app_factory"  # Settings() from this environment
            assert asyncio.run(post_feedback()) == 200

        monkeypatch.setattr(uvicorn, "run", fake_uvicorn)
        monkeypatch.chdir(folder(tmp_path, "service"))
        assert cli.main(["serve"]) == 0
        monkeypatch.chdir(folder(tmp_path, "committee"))
        argv = ["feedback-report", "--json", "--since", "2025-06-01", "--until", "2025-06-30"]
        assert cli.main(argv) == 0
        assert json.loads(capsys.readouterr().out)["total"] == 1
        assert [p for p in tmp_path.glob("service/*")] == []

    def test_serve_creates_a_private_folder(
        self, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
    ) -> None:
        """serve creates the default store's folder, readable by its owner only."""
        monkeypatch.setenv("LNCDS_REQUIRE_JWT", "false")
        monkeypatch.setattr(uvicorn, "run", lambda *a, **kw: None)
        assert cli.main(["serve"]) == 0
        mode = (tmp_path / "data" / "ln-cds").stat().st_mode
        assert stat.S_IMODE(mode) == 0o700

    def test_serve_leaves_a_named_folder_alone(
        self, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
    ) -> None:
        """A folder named in LNCDS_DATABASE_URL is not created by serve (a typo stays visible)."""
        monkeypatch.setenv("LNCDS_REQUIRE_JWT", "false")
        monkeypatch.setenv("LNCDS_DATABASE_URL", f"sqlite:///{tmp_path / 'typo' / 'f.sqlite3'}")
        monkeypatch.setattr(uvicorn, "run", lambda *a, **kw: None)
        assert cli.main(["serve"]) == 0
        assert not (tmp_path / "typo").exists()
        assert not (tmp_path / "data").exists()
