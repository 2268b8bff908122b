"""The error tree: each error's HTTP status and OperationOutcome."""

from __future__ import annotations

import pytest

from cds_service import errors


class TestErrorTree:
    @pytest.mark.parametrize(
        ("error", "status", "code"),
        [
            (errors.MalformedJson(), 400, "structure"),
            (errors.WrongHook(), 400, "not-supported"),
            (errors.MissingField("context.userId"), 400, "required"),
            (errors.UnknownService(), 404, "not-found"),
            (errors.PayloadTooLarge(), 413, "too-costly"),
            (errors.AuthenticationFailed(), 401, "login"),
            (errors.DataUnavailable(["b", "a", "a"]), 412, "not-found"),
            (errors.FhirUnavailable(), 412, "transient"),
            (errors.FhirTimeout(), 412, "timeout"),
            (errors.FhirBadResponse(500), 412, "transient"),
            (errors.FhirInvalidContent(), 412, "invalid"),
            (errors.ServiceUnavailable(), 503, "transient"),
            (errors.LnCdsError(), 500, "exception"),
        ],
    )
    def test_status_and_outcome(self, error: errors.LnCdsError, status: int, code: str) -> None:
        """Each error has its HTTP status and an OperationOutcome with one error issue."""
        assert error.status_code == status
        outcome = error.outcome()
        assert outcome["resourceType"] == "OperationOutcome"
        (issue,) = outcome["issue"]
        assert issue == {"severity": "error", "code": code, "diagnostics": issue["diagnostics"]}

    def test_data_unavailable_names_keys_once(self) -> None:
        """DataUnavailable names each missing key once, sorted."""
        assert "(prefetch keys: a, b)" in errors.DataUnavailable(["b", "a", "a"]).diagnostics()

    def test_fhir_errors_are_412(self) -> None:
        """Every FhirError subclass answers 412 (data unavailable)."""
        for cls in errors.FhirError.__subclasses__():
            assert cls.status_code == 412
