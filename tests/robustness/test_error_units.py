"""Units behind the robustness decisions: partial-data diagnostics and the hook request rules."""

from __future__ import annotations

import json

import pytest

from cds_service.errors import DataUnavailable, MissingField
from cds_service.hook_models import parse_hook_request
from tests.robustness._helpers import TOKEN
from tests.support.hooks import hook_body


class TestDataUnavailable:
    def test_keys_only(self) -> None:
        """Without a reason, the diagnostics name the sorted, de-duplicated keys."""
        error = DataUnavailable(["procedures", "conditions", "procedures"])
        assert error.status_code == 412
        assert error.diagnostics() == (
            "Data needed for this service could not be obtained "
            "(prefetch keys: conditions, procedures)."
        )

    def test_with_reason(self) -> None:
        """With a reason, the diagnostics say why and that the data would be partial."""
        text = DataUnavailable(["observations"], "the next links loop").diagnostics()
        assert "(prefetch keys: observations): the next links loop;" in text
        assert text.endswith("only part of the data was available.")


class TestHookRequestRules:
    def test_authorization_needs_server(self) -> None:
        """fhirAuthorization without fhirServer is refused naming fhirServer."""
        body = hook_body(fhirServer=..., fhirAuthorization={"access_token": TOKEN})
        with pytest.raises(MissingField) as caught:
            parse_hook_request(_json(body))
        assert caught.value.field == "fhirServer"

    def test_server_without_authorization_is_fine(self) -> None:
        """fhirServer without fhirAuthorization is accepted (open FHIR servers)."""
        assert parse_hook_request(_json(hook_body())).fhirAuthorization is None


def _json(body: dict[str, object]) -> bytes:
    return json.dumps(body).encode()
