"""Small units: pseudonyms, the error tree, request parsing, response pruning."""

from __future__ import annotations

import uuid
from typing import Any

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from cds_service import errors
from cds_service.cards import prune_empty as prune
from cds_service.hook_models import parse_hook_request
from cds_service.pseudonym import pseudonym

from .conftest import KEY_TYPES, hook_body, resource, searchset


class TestPseudonym:
    def test_stable_and_keyed(self) -> None:
        """The same id and key give the same pseudonym; another key gives another one."""
        assert pseudonym("k1", "p1") == pseudonym("k1", "p1")
        assert pseudonym("k1", "p1") != pseudonym("k2", "p1")
        assert pseudonym(b"k1", "p1") == pseudonym("k1", "p1")

    def test_hides_the_id(self) -> None:
        """The pseudonym is 'p-' plus 16 hex characters and does not contain the id."""
        value = pseudonym("k", "patient-12345")
        assert value.startswith("p-")
        assert len(value) == 18
        assert "12345" not in value

    def test_none(self) -> None:
        """A missing id has the fixed pseudonym p-none."""
        assert pseudonym("k", None) == "p-none"


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


class TestParseHookRequest:
    def test_token_is_secret(self) -> None:
        """The access token is kept as a secret that does not show in repr()."""
        body = hook_body(fhirAuthorization={"access_token": "tok-999", "token_type": "bearer"})
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


class TestPrune:
    def test_drops_empty_members_recursively(self) -> None:
        """None, '', [] and {} members are removed at every depth; falsy scalars stay."""
        value = {
            "a": None,
            "b": "",
            "c": [],
            "d": {},
            "e": {"f": [None, {"g": ""}]},
            "h": 0,
            "i": False,
            "j": [1, {}],
        }
        assert prune(value) == {"h": 0, "i": False, "j": [1]}

    @given(
        st.recursive(
            st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
            lambda children: st.lists(children) | st.dictionaries(st.text(), children),
            max_leaves=40,
        )
    )
    def test_same_result_as_the_two_pass_definition(self, value: Any) -> None:
        """The one-pass prune equals the rule 'prune members, then drop those in (None, "", [],
        {})' on any JSON."""
        assert prune(value) == _reference_prune(value)


def _reference_prune(value: Any) -> Any:
    if isinstance(value, dict):
        pruned = {key: _reference_prune(item) for key, item in value.items()}
        return {key: item for key, item in pruned.items() if item not in (None, "", [], {})}
    if isinstance(value, list):
        items = [_reference_prune(item) for item in value]
        return [item for item in items if item not in (None, "", [], {})]
    return value
