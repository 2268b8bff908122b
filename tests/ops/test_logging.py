"""Structured logs: one 'hook answered' line per hook with hookInstance, the patient's
pseudonym and timings; never the access token, the JWT or the raw patient id."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import httpx
import pytest
import structlog

from cds_service.logging_config import REDACTED, configure_logging
from cds_service.pseudonym import pseudonym
from tests.ops._helpers import AUTHORIZATION, PATIENT, PSEUDONYM_KEY, SERVICE_PATH, TOKEN
from tests.support.hooks import empty_prefetch, hook_body

pytestmark = pytest.mark.anyio

CLIENT_JWT = "eyJhbGciOiJFUzM4NCJ9.eyJpc3MiOiJ4In0.c2lnbmF0dXJl"
TIMINGS = ("gather_ms", "assess_ms", "render_ms", "total_ms")


def answered(caplog: pytest.LogCaptureFixture) -> logging.LogRecord:
    (record,) = [r for r in caplog.records if r.getMessage() == "hook answered"]
    return record


class TestHookAnsweredLine:
    async def test_carries_hook_instance_pseudonym_and_timings(
        self, client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
    ) -> None:
        """The line names the hookInstance, the pseudonymised patient and four timings."""
        caplog.set_level(logging.INFO, logger="cds_service")
        await client.post(
            SERVICE_PATH,
            json=hook_body(
                PATIENT, fhirAuthorization=AUTHORIZATION, prefetch=empty_prefetch(PATIENT)
            ),
        )
        fields = answered(caplog).__dict__
        assert fields["hookInstance"] == hook_body()["hookInstance"]
        assert fields["patient"] == pseudonym(PSEUDONYM_KEY, PATIENT)
        assert fields["cards"] == 2
        for name in TIMINGS:
            assert isinstance(fields[name], float)
            assert fields[name] >= 0
        assert fields["total_ms"] >= fields["gather_ms"]

    async def test_never_logs_secrets_or_the_raw_patient_id(
        self, client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
    ) -> None:
        """No log record of a hook call holds the access token, the JWT or the patient id."""
        caplog.set_level(logging.DEBUG)
        headers = {"Authorization": f"Bearer {CLIENT_JWT}"}
        await client.post(
            SERVICE_PATH,
            json=hook_body(
                PATIENT, fhirAuthorization=AUTHORIZATION, prefetch=empty_prefetch(PATIENT)
            ),
            headers=headers,
        )
        answered(caplog)
        for record in caplog.records:
            text = repr(record.__dict__)
            assert TOKEN not in text
            assert CLIENT_JWT not in text
            assert PATIENT not in text


#: Loggers these tests write to besides the root: each starts the test as a fresh logger
#: would (no handler, no level, propagating), whatever ran before in the process.
NAMED_LOGGERS = ("uvicorn", "uvicorn.error", "uvicorn.access", "x", "y")


@pytest.fixture
def restore_logging() -> Iterator[None]:
    """configure_logging changes process-wide state: put it back after the test. The
    named loggers are reset for the test, so no earlier test's logging setup (uvicorn's
    own configuration, say) decides what these tests see."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    saved = {}
    for name in NAMED_LOGGERS:
        logger = logging.getLogger(name)
        saved[name] = (list(logger.handlers), logger.level, logger.propagate, logger.disabled)
        logger.handlers, logger.propagate, logger.disabled = [], True, False
        logger.setLevel(logging.NOTSET)
    yield
    for handler in list(root.handlers):
        root.removeHandler(handler)
    for handler in handlers:
        root.addHandler(handler)
    root.setLevel(level)
    for name, (named_handlers, named_level, propagate, disabled) in saved.items():
        logger = logging.getLogger(name)
        logger.handlers, logger.propagate, logger.disabled = named_handlers, propagate, disabled
        logger.setLevel(named_level)
    structlog.reset_defaults()


@pytest.mark.usefixtures("restore_logging")
class TestConfigureLogging:
    def lines(self, capsys: pytest.CaptureFixture[str]) -> list[dict[str, object]]:
        return [json.loads(line) for line in capsys.readouterr().err.splitlines()]

    def test_stdlib_extras_and_bound_context_are_json_fields(
        self, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """In JSON mode a stdlib record's extras and the bound context become fields."""
        configure_logging("INFO", "json")
        with structlog.contextvars.bound_contextvars(hookInstance="h-1", patient="p-abc"):
            logging.getLogger("cds_service.routes.hooks").info(
                "hook answered", extra={"cards": 2, "total_ms": 1.5}
            )
        (line,) = self.lines(capsys)
        assert line["event"] == "hook answered"
        assert line["hookInstance"] == "h-1"
        assert line["patient"] == "p-abc"
        assert line["cards"] == 2
        assert line["level"] == "info"

    def test_secret_keys_are_redacted(self, capsys: pytest.CaptureFixture[str]) -> None:
        """Values under secret-looking keys are replaced, from stdlib and structlog alike."""
        configure_logging("INFO", "json")
        logging.getLogger("x").warning("stdlib", extra={"access_token": TOKEN})
        structlog.get_logger("y").warning("structlog", jwt=CLIENT_JWT)
        first, second = self.lines(capsys)
        assert first["access_token"] == REDACTED
        assert second["jwt"] == REDACTED

    def test_level_filters(self, capsys: pytest.CaptureFixture[str]) -> None:
        """Records below the configured level are not written."""
        configure_logging("WARNING", "json")
        logging.getLogger("x").info("quiet")
        logging.getLogger("x").warning("loud")
        assert [line["event"] for line in self.lines(capsys)] == ["loud"]

    def test_uvicorn_color_message_dropped(self, capsys: pytest.CaptureFixture[str]) -> None:
        """uvicorn's ANSI-coloured duplicate of the message is not written."""
        configure_logging("INFO", "json")
        logging.getLogger("uvicorn.error").info("Started", extra={"color_message": "\x1b[1m"})
        (line,) = self.lines(capsys)
        assert "color_message" not in line
