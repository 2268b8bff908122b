"""Over the whole FHIR fault matrix, no secret reaches a response body or a log record.

The secrets: the ``fhirAuthorization.access_token`` and the client's ``Authorization``
header. The hostile fake server echoes the bearer header it receives into its bodies
and exception messages, so relaying any of those would show. Error bodies must not
carry exception class names or stack frames either.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import anyio
import httpx
import pytest

import cds_service.errors
from cds_service.errors import LnCdsError
from tests.robustness._helpers import (
    BASE,
    CLIENT_AUTHORIZATION,
    SHORT_DEADLINE_SECONDS,
    TOKEN,
    Handler,
    LiveApp,
    assert_outcome,
    robust_settings,
    start_live,
)
from tests.support.fhir import searchset
from tests.support.hooks import empty_prefetch, hook_body

Fault = Handler
LOOP_URL = f"{BASE}/Observation?page=2"

#: Names that betray internals: our error classes, httpx's, Python's, and traceback text.
INTERNAL_NAMES = sorted(
    {
        name
        for name, value in vars(cds_service.errors).items()
        if isinstance(value, type) and issubclass(value, LnCdsError)
    }
    | {"ReadTimeout", "ConnectError", "TimeoutException", "HTTPError", "InvalidURL"}
    | {"TypeError", "ValueError", "KeyError", "AttributeError", "JSONDecodeError"}
    | {"Traceback", 'File "', "line ", ".py"}
)


def _echo(request: httpx.Request) -> str:
    return str(request.headers.get("authorization", ""))


def status_fault(status: int) -> Fault:
    async def fault(request: httpx.Request) -> httpx.Response:
        outcome = {
            "resourceType": "OperationOutcome",
            "issue": [{"severity": "error", "code": "x", "diagnostics": f"bad {_echo(request)}"}],
        }
        return httpx.Response(status, json=outcome)

    return fault


async def html(request: httpx.Request) -> httpx.Response:
    return httpx.Response(
        200, text=f"<html>{_echo(request)}</html>", headers={"content-type": "text/html"}
    )


async def invalid_json(request: httpx.Request) -> httpx.Response:
    return httpx.Response(
        200, content=f'{{"resourceType": "Bundle", "x": "{_echo(request)}'.encode()
    )


async def wrong_bundle_type(request: httpx.Request) -> httpx.Response:
    bundle = {"resourceType": "Bundle", "type": "transaction-response", "id": _echo(request)}
    return httpx.Response(200, json=bundle)


async def next_link_loop(request: httpx.Request) -> httpx.Response:
    return httpx.Response(200, json=searchset([], next_url=LOOP_URL))


async def timeout(request: httpx.Request) -> httpx.Response:
    raise httpx.ReadTimeout(f"timed out with {_echo(request)}", request=request)


async def refused(request: httpx.Request) -> httpx.Response:
    raise httpx.ConnectError(f"refused {_echo(request)}", request=request)


async def beyond_deadline(request: httpx.Request) -> httpx.Response:
    await anyio.sleep_forever()  # the module's short hook deadline ends the hook
    raise AssertionError("unreachable")


FAULTS: dict[str, Fault] = {
    "500": status_fault(500),
    "401": status_fault(401),
    "404": status_fault(404),
    "html": html,
    "invalid-json": invalid_json,
    "wrong-bundle-type": wrong_bundle_type,
    "next-link-loop": next_link_loop,
    "timeout": timeout,
    "refused": refused,
    "beyond-deadline": beyond_deadline,
}


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveApp]:
    """The real app with a short hook deadline: one fault never answers. Every fault
    answers 412, so a deadline striking early on a busy machine changes nothing tested."""
    tmp = tmp_path_factory.mktemp("faults")
    settings = robust_settings(tmp, hook_deadline_seconds=SHORT_DEADLINE_SECONDS)
    with start_live(settings) as started:
        yield started


def _request_body(fault_name: str) -> dict[str, Any]:
    prefetch = empty_prefetch()
    if fault_name == "next-link-loop":
        prefetch["observations"] = searchset([], next_url=LOOP_URL)
    else:
        del prefetch["observations"]
    return hook_body(
        prefetch=prefetch, fhirAuthorization={"access_token": TOKEN, "token_type": "Bearer"}
    )


def _log_text(records: list[logging.LogRecord]) -> str:
    formatter = logging.Formatter()
    parts = []
    for record in records:
        parts.append(record.getMessage())
        parts.append(repr(record.__dict__))
        if record.exc_info:
            parts.append(formatter.formatException(record.exc_info))
    return "\n".join(parts)


def _secrets() -> tuple[str, ...]:
    return (TOKEN, CLIENT_AUTHORIZATION, CLIENT_AUTHORIZATION.removeprefix("Bearer "))


class TestFaultMatrix:
    @pytest.mark.parametrize("fault_name", sorted(FAULTS))
    def test_no_secret_anywhere(
        self,
        live: LiveApp,
        fault_name: str,
        caplog: pytest.LogCaptureFixture,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        """The FHIR fault answers 412 and no secret shows in the body, the logs or the output."""
        live.reset(FAULTS[fault_name])
        with caplog.at_level(logging.DEBUG):
            response = live.post(
                json=_request_body(fault_name),
                headers={"Authorization": CLIENT_AUTHORIZATION},
            )
        assert response.status_code == 412
        assert live.fhir_requests, "the fault was never exercised"
        assert live.fhir_requests[0].headers["authorization"] == f"Bearer {TOKEN}"
        assert any(r.name.startswith("cds_service") for r in caplog.records), "logs not captured"
        captured = capsys.readouterr()
        for secret in _secrets():
            assert secret not in response.text
            assert secret not in str(response.headers)
            assert secret not in _log_text(caplog.records)
            assert secret not in captured.out + captured.err

    @pytest.mark.parametrize("fault_name", sorted(FAULTS))
    def test_error_body_has_no_internals(self, live: LiveApp, fault_name: str) -> None:
        """The 412 body is a plain OperationOutcome: no class names, stack frames or URLs."""
        live.reset(FAULTS[fault_name])
        response = live.post(json=_request_body(fault_name))
        assert_outcome(response)
        for name in INTERNAL_NAMES:
            assert name not in response.text, name
        assert BASE not in response.text
        assert "fhir.example.org" not in response.text


class TestRefusedRequests:
    @pytest.mark.parametrize(
        "overrides",
        [
            {"fhirServer": ...},
            {"fhirAuthorization": {"access_token": TOKEN + " x", "token_type": "Bearer"}},
            {"fhirAuthorization": {"access_token": TOKEN, "token_type": "MAC"}},
            {"fhirServer": "https://elsewhere.example/fhir"},
        ],
        ids=["no-server", "bad-token-syntax", "not-bearer", "not-allow-listed"],
    )
    def test_refused_token_never_echoed(
        self, live: LiveApp, overrides: dict[str, Any], caplog: pytest.LogCaptureFixture
    ) -> None:
        """A request whose token is refused or unusable never echoes or logs the token."""
        live.reset()
        body = hook_body(
            **{"fhirAuthorization": {"access_token": TOKEN, "token_type": "Bearer"}, **overrides}
        )
        with caplog.at_level(logging.DEBUG):
            response = live.post(json=body, headers={"Authorization": CLIENT_AUTHORIZATION})
        assert response.status_code in (400, 412)
        assert not live.fhir_requests
        for secret in _secrets():
            assert secret not in response.text
            assert secret not in _log_text(caplog.records)
