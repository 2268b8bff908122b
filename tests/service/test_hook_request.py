"""Parsing a hook request: the token kept secret, the prefetch kept as plain JSON."""

from __future__ import annotations

import uuid
from typing import Any

import orjson

from cds_service.hook_models import parse_hook_request
from tests.service._helpers import KEY_TYPES, full_prefetch, resource
from tests.support.fhir import searchset
from tests.support.hooks import hook_body


class TestParseHookRequest:
    def test_token_is_secret(self) -> None:
        """The access token is kept as a secret that does not show in repr()."""
        body = hook_body(
            prefetch=full_prefetch(),
            fhirAuthorization={"access_token": "tok-999", "token_type": "bearer"},
        )
        request = parse_hook_request(orjson.dumps(body))
        assert "tok-999" not in repr(request)
        assert request.fhirAuthorization is not None
        assert request.fhirAuthorization.access_token.get_secret_value() == "tok-999"

    def test_large_body_keeps_prefetch_as_plain_json(self) -> None:
        """A ~110 KB hook body's prefetch is kept as the plain JSON it was sent (the hot
        path builds no FHIR models): checked by what is built, not by a stopwatch."""
        prefetch: dict[str, Any] = {}
        for key, rtype in KEY_TYPES.items():
            prefetch[key] = searchset(
                [resource(rtype, str(uuid.UUID(int=i)), code={"text": "x" * 60}) for i in range(90)]
            )
        raw = orjson.dumps(hook_body(prefetch=prefetch))
        assert len(raw) > 100_000
        request = parse_hook_request(raw)
        assert request.prefetch == prefetch
        assert _plain_json(request.prefetch)


def _plain_json(value: Any) -> bool:
    """Only dicts, lists, strings, numbers, booleans and None, all the way down."""
    if isinstance(value, dict):
        return all(isinstance(k, str) and _plain_json(v) for k, v in value.items())
    if isinstance(value, list):
        return all(_plain_json(item) for item in value)
    return value is None or isinstance(value, str | int | float | bool)
