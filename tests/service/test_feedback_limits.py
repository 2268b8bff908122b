"""Feedback limits on SQLite and PostgreSQL: lengths, characters and dates are checked before
the database sees them (400), the columns hold whatever passes, and no log line carries the
clinician's comment."""

from __future__ import annotations

import logging
import os
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from fastapi import FastAPI

from cds_service.config import Settings
from cds_service.feedback_store import FeedbackStore, feedback
from cds_service.hook_models import (
    MAX_CODING_CODE_CHARS,
    MAX_CODING_DISPLAY_CHARS,
    MAX_CODING_SYSTEM_CHARS,
    MAX_FEEDBACK_ITEMS,
    MAX_SUGGESTION_ID_CHARS,
    MAX_SUGGESTIONS_PER_ITEM,
    MAX_USER_COMMENT_CHARS,
    FeedbackItem,
)
from tests.service._helpers import SERVICE_PATH, running

pytestmark = pytest.mark.anyio

POSTGRES_URL = os.environ.get("LNCDS_TEST_POSTGRES_URL")
FEEDBACK_PATH = f"{SERVICE_PATH}/feedback"
#: A comment that must never reach a log line.
COMMENT = "patient declined: private remark 7f3a"


def item(card: str, **overrides: Any) -> dict[str, Any]:
    """An override with a coded reason and a comment; ``...`` removes a field."""
    body: dict[str, Any] = {
        "card": card,
        "outcome": "overridden",
        "overrideReason": {
            "reason": {"system": "http://example.org/reasons", "code": "nr", "display": "NR"},
            "userComment": COMMENT,
        },
        "outcomeTimestamp": "2025-06-01T10:00:00Z",
    }
    body.update(overrides)
    return {key: value for key, value in body.items() if value is not ...}


def reason(**coding: Any) -> dict[str, Any]:
    """An overrideReason with the comment and a coding changed by ``coding``."""
    values = {"system": "http://example.org/reasons", "code": "nr", "display": "NR", **coding}
    return {"reason": values, "userComment": COMMENT}


def comment(text: str) -> dict[str, Any]:
    return {"userComment": text}


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The feedback store: a SQLite file, or a fresh schema of the test PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'feedback.sqlite3'}"
        return
    if POSTGRES_URL is None:
        pytest.skip("LNCDS_TEST_POSTGRES_URL not set: no PostgreSQL server for this run")
    schema = f"t_{uuid.uuid4().hex}"
    admin = sa.create_engine(POSTGRES_URL)
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
async def client(
    database_url: str, settings: Settings, make_app: Callable[..., FastAPI]
) -> AsyncIterator[httpx.AsyncClient]:
    app = make_app(settings=settings.model_copy(update={"database_url": database_url}))
    async with running(app) as http:
        yield http


def stored(database_url: str, card: str) -> list[dict[str, Any]]:
    """The feedback rows stored for ``card``."""
    store = FeedbackStore(database_url)
    try:
        with store.engine.connect() as conn:
            query = sa.select(feedback).where(feedback.c.card_uuid == card)
            return [dict(row._mapping) for row in conn.execute(query)]
    finally:
        store.close()


def count(database_url: str) -> int:
    """Feedback rows stored."""
    store = FeedbackStore(database_url)
    try:
        return store.count_feedback()
    finally:
        store.close()


def assert_no_comment_logged(caplog: pytest.LogCaptureFixture) -> None:
    """No record, message or traceback holds the comment (or SQL parameters at all)."""
    logged = caplog.text + "".join(record.getMessage() for record in caplog.records)
    assert COMMENT not in logged
    assert "parameters: " not in logged


REFUSED = [
    pytest.param({"card": "0" * 16 + "-" * 64 + "0" * 16}, id="long-card-uuid"),
    pytest.param({"outcomeTimestamp": "0001-01-01T00:00:00+23:59"}, id="year-1-offset-overflow"),
    pytest.param({"outcomeTimestamp": "9999-12-31T23:59:59-23:59"}, id="year-9999-offset-overflow"),
    pytest.param({"outcomeTimestamp": "1999-12-31T23:59:59Z"}, id="before-2000"),
    pytest.param({"outcomeTimestamp": "2100-01-01T00:00:00Z"}, id="from-2100"),
    pytest.param(
        {"overrideReason": reason(code="c" * (MAX_CODING_CODE_CHARS + 1))}, id="long-code"
    ),
    pytest.param(
        {"overrideReason": reason(system="s" * (MAX_CODING_SYSTEM_CHARS + 1))}, id="long-system"
    ),
    pytest.param(
        {"overrideReason": reason(display="d" * (MAX_CODING_DISPLAY_CHARS + 1))},
        id="long-display",
    ),
    pytest.param({"overrideReason": reason(code="n\x00r")}, id="nul-in-code"),
    pytest.param({"overrideReason": reason(system="http://x\x00")}, id="nul-in-system"),
    pytest.param({"overrideReason": reason(display="\x00")}, id="nul-in-display"),
    pytest.param({"overrideReason": reason(display="\x1b[2J")}, id="esc-in-display"),
    pytest.param({"overrideReason": reason(code="\x9b31m")}, id="c1-csi-in-code"),
    pytest.param({"overrideReason": reason(display="a\tb")}, id="tab-in-display"),
    pytest.param({"overrideReason": comment("a\x00b")}, id="nul-in-comment"),
    pytest.param({"overrideReason": comment("\x1b]0;title\x07")}, id="osc-in-comment"),
    pytest.param({"overrideReason": comment("line\rover")}, id="lone-cr-in-comment"),
    pytest.param({"overrideReason": comment("\x7f")}, id="del-in-comment"),
    pytest.param(
        {"overrideReason": comment("x" * (MAX_USER_COMMENT_CHARS + 1))}, id="long-comment"
    ),
    pytest.param(
        {
            "outcome": "accepted",
            "acceptedSuggestions": [{"id": "s" * (MAX_SUGGESTION_ID_CHARS + 1)}],
        },
        id="long-suggestion-id",
    ),
    pytest.param(
        {"outcome": "accepted", "acceptedSuggestions": [{"id": "s\x00"}]}, id="nul-suggestion-id"
    ),
    pytest.param(
        {
            "outcome": "accepted",
            "acceptedSuggestions": [{"id": f"s{i}"} for i in range(MAX_SUGGESTIONS_PER_ITEM + 1)],
        },
        id="too-many-suggestions",
    ),
]


class TestRefusedBeforeTheDatabase:
    @pytest.mark.parametrize("overrides", REFUSED)
    async def test_refused_with_400(
        self,
        client: httpx.AsyncClient,
        database_url: str,
        caplog: pytest.LogCaptureFixture,
        overrides: dict[str, Any],
    ) -> None:
        """An out-of-range date, an over-long field or a control character answers 400 with an
        OperationOutcome naming the field, stores nothing and logs no comment."""
        caplog.set_level(logging.DEBUG)
        sent = {**item(str(uuid.uuid4())), **overrides}
        response = await client.post(FEEDBACK_PATH, json={"feedback": [sent]})
        assert response.status_code == 400
        body = response.json()
        assert body["resourceType"] == "OperationOutcome"
        assert "feedback.0." in body["issue"][0]["diagnostics"]
        assert count(database_url) == 0
        assert_no_comment_logged(caplog)

    async def test_too_many_items_is_400(self, client: httpx.AsyncClient) -> None:
        """A report with more than MAX_FEEDBACK_ITEMS items answers 400."""
        items = [item(str(uuid.uuid4())) for _ in range(MAX_FEEDBACK_ITEMS + 1)]
        response = await client.post(FEEDBACK_PATH, json={"feedback": items})
        assert response.status_code == 400


class TestAcceptedAtTheLimits:
    async def test_longest_values_fit_the_columns(
        self, client: httpx.AsyncClient, database_url: str
    ) -> None:
        """Values at every length limit are stored intact: the columns hold what validation
        lets through."""
        card = str(uuid.uuid4())
        longest = {
            "system": "s" * MAX_CODING_SYSTEM_CHARS,
            "code": "c" * MAX_CODING_CODE_CHARS,
            "display": "é" * MAX_CODING_DISPLAY_CHARS,
        }
        longest_comment = "ü" * MAX_USER_COMMENT_CHARS
        overrides = {"overrideReason": {"reason": longest, "userComment": longest_comment}}
        response = await client.post(FEEDBACK_PATH, json={"feedback": [item(card, **overrides)]})
        assert response.status_code == 200
        (row,) = stored(database_url, card)
        assert row["override_reason_system"] == longest["system"]
        assert row["override_reason_code"] == longest["code"]
        assert row["override_reason_display"] == longest["display"]
        assert row["user_comment"] == longest_comment

    async def test_tab_and_newline_allowed_in_the_comment(
        self, client: httpx.AsyncClient, database_url: str
    ) -> None:
        """A comment keeps its tabs and line feeds; CRLF line ends are stored as LF."""
        card = str(uuid.uuid4())
        overrides = {"overrideReason": comment("first line\r\n\tsecond line\nthird")}
        response = await client.post(FEEDBACK_PATH, json={"feedback": [item(card, **overrides)]})
        assert response.status_code == 200
        (row,) = stored(database_url, card)
        assert row["user_comment"] == "first line\n\tsecond line\nthird"

    @pytest.mark.parametrize(
        ("sent", "kept"),
        [
            ("2000-01-01T00:00:00Z", datetime(2000, 1, 1, tzinfo=UTC)),
            ("2099-12-31T23:59:59-00:00", datetime(2099, 12, 31, 23, 59, 59, tzinfo=UTC)),
            ("2025-06-01T00:30:00+23:59", datetime(2025, 5, 31, 0, 31, tzinfo=UTC)),
        ],
    )
    async def test_dates_in_range_are_stored_in_utc(
        self, client: httpx.AsyncClient, database_url: str, sent: str, kept: datetime
    ) -> None:
        """Timestamps from 2000 up to (not including) 2100, any offset, are stored as UTC."""
        card = str(uuid.uuid4())
        response = await client.post(
            FEEDBACK_PATH, json={"feedback": [item(card, outcomeTimestamp=sent)]}
        )
        assert response.status_code == 200
        (row,) = stored(database_url, card)
        assert row["outcome_timestamp"].replace(tzinfo=UTC) == kept


class TestNothingLogged:
    async def test_stored_feedback_logs_no_comment(
        self, client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
    ) -> None:
        """Storing feedback logs counts only, never the comment."""
        caplog.set_level(logging.DEBUG)
        response = await client.post(FEEDBACK_PATH, json={"feedback": [item(str(uuid.uuid4()))]})
        assert response.status_code == 200
        assert "feedback stored" in caplog.text
        assert_no_comment_logged(caplog)

    async def test_database_failure_is_503_and_logs_no_comment(
        self, client: httpx.AsyncClient, database_url: str, caplog: pytest.LogCaptureFixture
    ) -> None:
        """A write the database refuses (here: its table is gone) answers 503 and logs the
        error class, never the statement's parameters."""
        caplog.set_level(logging.DEBUG)
        engine = sa.create_engine(database_url)
        try:
            with engine.begin() as conn:
                feedback.drop(conn)
        finally:
            engine.dispose()
        response = await client.post(FEEDBACK_PATH, json={"feedback": [item(str(uuid.uuid4()))]})
        assert response.status_code == 503
        assert response.json()["resourceType"] == "OperationOutcome"
        assert "feedback not stored" in caplog.text
        assert_no_comment_logged(caplog)


class TestEngine:
    def test_sql_parameters_are_hidden(self, database_url: str) -> None:
        """The store's engine hides SQL parameters, so a database error's text never holds
        the values written (the comment among them)."""
        store = FeedbackStore(database_url)
        try:
            assert store.engine.hide_parameters is True
            store.migrate()
            with store.engine.begin() as conn:
                feedback.drop(conn)
            report = FeedbackItem.model_validate(item(str(uuid.uuid4())))
            with pytest.raises(sa.exc.SQLAlchemyError) as caught:
                store.record("svc", [report], datetime.now(UTC))
        finally:
            store.close()
        assert COMMENT not in str(caught.value)
