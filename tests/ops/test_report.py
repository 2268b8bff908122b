"""`ln-cds feedback-report`: acceptance and override rates by card topic and override
reason, from a store filled through the real feedback endpoint."""

from __future__ import annotations

import json
import os
import unicodedata
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI

from cds_service import cli
from cds_service.feedback_store import FeedbackStore, SummaryRow, feedback
from cds_service.report import (
    UNKNOWN_TOPIC,
    build_report,
    format_report,
    printable,
    report_json,
)
from tests.ops._helpers import AUTHORIZATION, PATIENT, SERVICE_PATH, running
from tests.support.hooks import empty_prefetch, hook_body

JUNE = date(2025, 6, 1), date(2025, 6, 30)
REASON = {
    "system": "http://example.org/override",
    "code": "not-relevant",
    "display": "Not relevant",
}


def accepted(card: str, when: str) -> dict[str, Any]:
    return {
        "card": card,
        "outcome": "accepted",
        "acceptedSuggestions": [{"id": "s1"}],
        "outcomeTimestamp": when,
    }


def overridden(card: str, when: str, reason: dict[str, str] | None = None) -> dict[str, Any]:
    item: dict[str, Any] = {"card": card, "outcome": "overridden", "outcomeTimestamp": when}
    if reason is not None:
        item["overrideReason"] = {"reason": reason}
    return item


class TestBuildReport:
    def test_rates_and_reasons(self) -> None:
        """Rates are fractions of the topic's items; reasons are shares of its overrides."""
        rows = [
            SummaryRow("refractory", "accepted", None, None, 3),
            SummaryRow("refractory", "overridden", "nr", "Not relevant", 1),
            SummaryRow("adherence", "overridden", "nr", "Not relevant", 1),
            SummaryRow("adherence", "overridden", None, None, 3),
            SummaryRow(None, "accepted", None, None, 1),
        ]
        report = build_report(rows, *JUNE)
        assert [t.topic for t in report.topics] == ["adherence", "refractory", UNKNOWN_TOPIC]
        adherence, refractory, _ = report.topics
        assert (refractory.acceptance_rate, refractory.override_rate) == (0.75, 0.25)
        assert adherence.acceptance_rate == 0.0
        assert [(r.label, r.count, r.share) for r in adherence.reasons] == [
            ("(no reason given)", 3, 0.75),
            ("Not relevant (nr)", 1, 0.25),
        ]
        assert report.total == 9

    def test_empty_period(self) -> None:
        """No feedback: an empty topic list and a table that says so."""
        report = build_report([], *JUNE)
        assert report_json(report)["topics"] == []
        assert "No feedback in this period." in format_report(report)

    def test_table_lists_topics_and_reasons(self) -> None:
        """The table has a header, one line per topic with percentages, reasons indented."""
        rows = [
            SummaryRow("refractory", "accepted", None, None, 1),
            SummaryRow("refractory", "overridden", "nr", "Not relevant", 1),
        ]
        lines = format_report(build_report(rows, *JUNE)).splitlines()
        assert lines[0] == "Card feedback 2025-06-01 .. 2025-06-30 (2 items)"
        assert lines[1].split() == [
            "topic",
            "items",
            "accepted",
            "overridden",
            "accept",
            "override",
        ]
        assert lines[2].split() == ["refractory", "2", "1", "1", "50.0%", "50.0%"]
        assert lines[3] == "    override reason: Not relevant (nr): 1 (100.0%)"


#: Client-supplied text that would drive a terminal: OSC (set the window title), CSI (clear
#: the screen, colour), the 8-bit CSI, a bare CR and LF (forge a line), BEL, NUL, a bidi
#: override (reorder what follows) and a line separator.
HOSTILE_CODE = "\x1b]0;pwned\x07nr"
HOSTILE_DISPLAY = "Not\x1b[2J relevant\x9b31m\rfake line\n    override reason: x\x00\u202e\u2028"


def control_characters(text: str) -> list[str]:
    """Characters of ``text`` a terminal may act on, other than the line feeds between lines."""
    return [
        char
        for char in text
        if char != "\n" and unicodedata.category(char) in {"Cc", "Cf", "Cs", "Zl", "Zp"}
    ]


class TestPrintable:
    @pytest.mark.parametrize(
        ("text", "shown"),
        [
            ("plain ≥ 50 % text", "plain ≥ 50 % text"),
            ("\x1b[2J", "\\x1b[2J"),
            ("\x9b", "\\x9b"),
            ("a\x00b\tc\nd\re", "a\\x00b\\x09c\\x0ad\\x0de"),
            ("\x7f", "\\x7f"),
            ("\u202e", "\\u202e"),
            ("\u2028", "\\u2028"),
            ("\\x1b", "\\\\x1b"),
        ],
        ids=["plain", "csi", "c1-csi", "c0", "del", "bidi", "line-separator", "backslash"],
    )
    def test_escapes_what_a_terminal_would_act_on(self, text: str, shown: str) -> None:
        """Control, format and separator characters become visible escapes; a backslash is
        doubled so an escape in the output always means a character in the data."""
        assert printable(text) == shown


class TestHostileText:
    def test_table_escapes_client_text(self) -> None:
        """Codes, displays and topics reach the table with their control characters written
        as visible escapes: one line per row, nothing a terminal would interpret."""
        rows = [
            SummaryRow("refractory\x1b[31m", "overridden", HOSTILE_CODE, HOSTILE_DISPLAY, 2),
            SummaryRow("refractory\x1b[31m", "accepted", None, None, 1),
        ]
        text = format_report(build_report(rows, *JUNE))
        assert control_characters(text) == []
        lines = text.splitlines()
        assert len(lines) == 4
        assert lines[2].startswith("refractory\\x1b[31m ")
        assert "\\x1b]0;pwned\\x07nr" in lines[3]
        assert "\\x1b[2J" in lines[3]
        assert "\\x9b31m\\x0dfake line\\x0a" in lines[3]
        assert lines[3].endswith("\\x00\\u202e\\u2028 (\\x1b]0;pwned\\x07nr): 2 (100.0%)")

    def test_json_keeps_the_text_as_data(self) -> None:
        """--json output is the stored text itself, escaped only as JSON escapes it."""
        rows = [SummaryRow("refractory", "overridden", HOSTILE_CODE, HOSTILE_DISPLAY, 1)]
        data = report_json(build_report(rows, *JUNE))
        (reason,) = data["topics"][0]["overrideReasons"]
        assert (reason["code"], reason["display"]) == (HOSTILE_CODE, HOSTILE_DISPLAY)
        assert json.loads(json.dumps(data)) == data


@pytest.fixture
async def filled_store(make_app: Callable[..., FastAPI], database_url: str) -> str:
    """Two issued cards (refractory, adherence) and feedback on them, via the real app."""
    async with running(make_app()) as http:
        cards = (
            await http.post(
                SERVICE_PATH,
                json=hook_body(
                    PATIENT, fhirAuthorization=AUTHORIZATION, prefetch=empty_prefetch(PATIENT)
                ),
            )
        ).json()["cards"]
        refractory, adherence = (card["uuid"] for card in cards)
        items = [
            accepted(refractory, "2025-06-02T09:00:00Z"),
            accepted(refractory, "2025-06-03T09:00:00Z"),
            overridden(refractory, "2025-06-04T09:00:00Z", REASON),
            overridden(adherence, "2025-06-05T09:00:00Z", REASON),
            overridden(adherence, "2025-06-06T09:00:00Z"),
            accepted(adherence, "2025-07-15T09:00:00Z"),  # outside June
        ]
        for _ in range(2):  # sent twice: stored once
            response = await http.post(f"{SERVICE_PATH}/feedback", json={"feedback": items})
            assert response.status_code == 200
    return database_url


@pytest.mark.anyio
class TestFeedbackReportCommand:
    @pytest.fixture(autouse=True)
    def env(self, monkeypatch: pytest.MonkeyPatch, filled_store: str) -> None:
        for name in list(os.environ):
            if name.startswith("LNCDS_"):
                monkeypatch.delenv(name)
        monkeypatch.setenv("LNCDS_DATABASE_URL", filled_store)

    async def test_json(self, capsys: pytest.CaptureFixture[str]) -> None:
        """--json prints rates per topic and reason for the period (duplicates counted once)."""
        assert (
            cli.main(
                ["feedback-report", "--since", "2025-06-01", "--until", "2025-06-30", "--json"]
            )
            == 0
        )
        report = json.loads(capsys.readouterr().out)
        assert report["total"] == 5
        by_topic = {t["topic"]: t for t in report["topics"]}
        assert by_topic["refractory"]["acceptanceRate"] == pytest.approx(2 / 3, abs=1e-4)
        assert by_topic["refractory"]["overrideRate"] == pytest.approx(1 / 3, abs=1e-4)
        assert by_topic["adherence"]["accepted"] == 0
        reasons = {r["code"]: r["share"] for r in by_topic["adherence"]["overrideReasons"]}
        assert reasons == {"not-relevant": 0.5, None: 0.5}

    async def test_table(self, capsys: pytest.CaptureFixture[str]) -> None:
        """Without --json the report is a readable table."""
        assert cli.main(["feedback-report", "--since", "2025-06-01", "--until", "2025-07-31"]) == 0
        out = capsys.readouterr().out
        assert out.startswith("Card feedback 2025-06-01 .. 2025-07-31 (6 items)")
        assert "override reason: Not relevant (not-relevant): 1" in out

    async def test_until_is_inclusive(self, capsys: pytest.CaptureFixture[str]) -> None:
        """--until names the last day included: feedback on that day counts."""
        assert (
            cli.main(
                ["feedback-report", "--since", "2025-06-06", "--until", "2025-06-06", "--json"]
            )
            == 0
        )
        assert json.loads(capsys.readouterr().out)["total"] == 1

    async def test_reversed_period_is_an_error(self, capsys: pytest.CaptureFixture[str]) -> None:
        """--since after --until is a one-line error."""
        assert cli.main(["feedback-report", "--since", "2025-07-01", "--until", "2025-06-01"]) == 1
        assert "--since is after --until" in capsys.readouterr().err

    async def test_unreadable_store_hides_the_url(
        self, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """A store that cannot be read is a one-line error that never prints the URL."""
        url = "postgresql+psycopg://user:hunter2@127.0.0.1:1/none"
        monkeypatch.setenv("LNCDS_DATABASE_URL", url)
        assert cli.main(["feedback-report", "--json"]) == 1
        err = capsys.readouterr().err
        assert "LNCDS_DATABASE_URL" in err
        assert "hunter2" not in err


class TestFreshInstall:
    """No LNCDS_DATABASE_URL and nothing recorded yet: the default store does not exist."""

    @pytest.fixture(autouse=True)
    def env(self, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
        for name in list(os.environ):
            if name.startswith("LNCDS_"):
                monkeypatch.delenv(name)
        monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
        (tmp_path / "work").mkdir()
        monkeypatch.chdir(tmp_path / "work")
        return tmp_path

    def test_empty_report_without_creating_files(
        self, env: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """The report is empty (exit 0) and creates no file, here or in the data folder."""
        assert cli.main(["feedback-report"]) == 0
        captured = capsys.readouterr()
        assert "(0 items)" in captured.out
        assert "No feedback in this period." in captured.out
        assert "no feedback store at" in captured.err
        assert [p for p in env.rglob("*") if p.is_file()] == []

    def test_empty_json_report(self, capsys: pytest.CaptureFixture[str]) -> None:
        """--json prints a report with no topics and a total of 0."""
        assert cli.main(["feedback-report", "--json"]) == 0
        report = json.loads(capsys.readouterr().out)
        assert (report["total"], report["topics"]) == (0, [])

    def test_store_without_tables_is_empty(
        self, env: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """A database file no service has opened yet (no tables) reads as an empty report."""
        path = env / "data" / "ln-cds" / "feedback.sqlite3"
        path.parent.mkdir(parents=True)
        path.touch()
        assert cli.main(["feedback-report"]) == 0
        captured = capsys.readouterr()
        assert "No feedback in this period." in captured.out
        assert "no feedback table yet" in captured.err
        assert path.stat().st_size == 0

    def test_malformed_url_is_one_line(
        self, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """A URL SQLAlchemy cannot parse is a one-line error naming the variable, not its value."""
        monkeypatch.setenv("LNCDS_DATABASE_URL", "not a url:hunter2")
        assert cli.main(["feedback-report"]) == 1
        err = capsys.readouterr().err
        assert "LNCDS_DATABASE_URL" in err
        assert "hunter2" not in err
        assert len(err.strip().splitlines()) == 1


class TestReportCommandOnHostileRows:
    def test_table_on_a_terminal_carries_no_control_characters(
        self,
        monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str],
        database_url: str,
    ) -> None:
        """Rows stored before feedback was validated, holding escape sequences, print as
        visible escapes in the committee's table."""
        store = FeedbackStore(database_url)
        store.migrate()
        with store.engine.begin() as conn:
            conn.execute(
                feedback.insert().values(
                    service_id="lupus-nephritis-refractory",
                    card_uuid="00000000-0000-0000-0000-00000000beef",
                    outcome="overridden",
                    outcome_timestamp=datetime(2025, 6, 3, 9, tzinfo=UTC),
                    accepted_suggestions=[],
                    override_reason_code=HOSTILE_CODE,
                    override_reason_system="http://example.org/override",
                    override_reason_display=HOSTILE_DISPLAY,
                    user_comment="\x1b]52;c;c2VjcmV0\x07",
                    received_at=datetime(2025, 6, 3, 9, tzinfo=UTC),
                )
            )
        store.close()
        for name in list(os.environ):
            if name.startswith("LNCDS_"):
                monkeypatch.delenv(name)
        monkeypatch.setenv("LNCDS_DATABASE_URL", database_url)
        assert cli.main(["feedback-report", "--since", "2025-06-01", "--until", "2025-06-30"]) == 0
        out = capsys.readouterr().out
        assert control_characters(out) == []
        assert "\\x1b]0;pwned\\x07nr" in out
