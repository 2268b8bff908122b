"""Property tests: whatever the body, prefetch or FHIR server does, the hook never answers 5xx."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from tests.robustness._helpers import (
    BASE,
    PATIENT,
    SERVICE_PATH,
    SHORT_DEADLINE_SECONDS,
    TOKEN,
    LiveApp,
    assert_outcome,
    robust_settings,
    start_live,
)
from tests.support.hooks import hook_body

from .strategies import (
    PREFETCH_TEMPLATES,
    Demo,
    answers,
    demo_prefetches,
    demo_server,
    json_objects,
    json_values,
    prefetches,
    server,
)

#: slow: long Hypothesis runs through the real app
pytestmark = pytest.mark.slow

#: Per-hook deadline here: a "slow" FHIR answer never comes, so the deadline must end the
#: hook (a hook that hangs fails LiveApp.post's guard instead of answering). Short, and safe
#: on a busy machine: every test here accepts the 412 a deadline gives.
DEADLINE = SHORT_DEADLINE_SECONDS

FUZZ = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveApp]:
    """The real app with a short hook deadline (slow answers stay cheap)."""
    tmp = tmp_path_factory.mktemp("fuzz")
    with start_live(robust_settings(tmp, hook_deadline_seconds=DEADLINE)) as started:
        yield started


def check_answer(response: httpx.Response) -> None:
    """200 with a card list, or a 4xx OperationOutcome; never a 5xx."""
    assert response.status_code < 500, response.text
    event(f"HTTP {response.status_code}")
    if response.status_code == 200:
        cards = response.json()["cards"]
        assert isinstance(cards, list)
        event("with cards" if cards else "no cards")
        for card in cards:
            assert card["summary"]
            assert card["indicator"] in ("info", "warning", "critical")
    else:
        assert 400 <= response.status_code < 500
        assert_outcome(response)


def timed_post(live: LiveApp, **kwargs: Any) -> httpx.Response:
    """The hook's answer; one that never comes fails LiveApp.post's guard."""
    return live.post(SERVICE_PATH, **kwargs)


def _mostly(valid: Any, junk: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """The valid value most of the time, else junk or the member left out (``...``)."""
    return st.integers(0, 9).flatmap(
        lambda n: st.just(valid) if n < 7 else junk if n < 9 else st.just(...)
    )


hook_shaped = st.builds(
    lambda hook, instance, server, auth, context, prefetch: hook_body(
        hook=hook,
        hookInstance=instance,
        fhirServer=server,
        fhirAuthorization=auth,
        context=context,
        prefetch=prefetch,
    ),
    _mostly("patient-view", st.sampled_from(["order-select", ""]) | json_values),
    _mostly("d1577c69-dfbe-44ad-ba6d-3e05e953b2ea", st.uuids().map(str) | json_values),
    _mostly(
        BASE, st.sampled_from([BASE + "/", "ftp://x", BASE + "/\x00", BASE + "x"]) | json_values
    ),
    _mostly(
        {"access_token": TOKEN, "token_type": "Bearer"},
        st.fixed_dictionaries(
            {},
            optional={
                "access_token": st.sampled_from([TOKEN, "", "a b", "é", "t\r\nX: y"]) | json_values,
                "token_type": st.sampled_from(["Bearer", "bearer", "MAC"]) | json_values,
                "expires_in": json_values,
            },
        )
        | json_values,
    ),
    _mostly(
        {"userId": "Practitioner/u1", "patientId": PATIENT},
        st.fixed_dictionaries(
            {},
            optional={
                "patientId": st.sampled_from([PATIENT, "", " ", "../x", "a/b", "%00", "é"])
                | json_values,
                "userId": st.sampled_from(["Practitioner/u1", "u1", ""]) | json_values,
                "encounterId": json_values,
            },
        )
        | json_values,
    ),
    _mostly(None, json_objects | json_values),
)


class TestArbitraryBodies:
    @FUZZ
    @given(body=json_values)
    def test_arbitrary_json(self, live: LiveApp, body: Any) -> None:
        """Any JSON value as the body answers 200 with cards or a 4xx OperationOutcome."""
        live.reset()
        check_answer(timed_post(live, content=json.dumps(body).encode()))

    @FUZZ
    @given(body=hook_shaped)
    def test_hook_shaped_json(self, live: LiveApp, body: dict[str, Any]) -> None:
        """A body shaped like a hook call with random members never answers 5xx."""
        live.reset()
        check_answer(timed_post(live, json=body))

    @FUZZ
    @given(raw=st.binary(max_size=300))
    def test_arbitrary_bytes(self, live: LiveApp, raw: bytes) -> None:
        """Any bytes as the body (any content type) never answer 5xx."""
        live.reset()
        check_answer(timed_post(live, content=raw, headers={"content-type": "application/json"}))


class TestRandomPrefetch:
    @FUZZ
    @given(prefetch=prefetches(), answers_list=st.lists(answers, min_size=1, max_size=4))
    def test_random_prefetch_and_server(
        self,
        live: LiveApp,
        prefetch: dict[str, Any] | None,
        answers_list: list[tuple[str, Any, int]],
    ) -> None:
        """Random FHIR-ish prefetch with a randomly failing FHIR server answers 200 or 412."""
        live.reset(server(answers_list))
        body = hook_body(
            prefetch=prefetch if prefetch is not None else ...,
            fhirAuthorization={"access_token": TOKEN, "token_type": "Bearer"},
        )
        response = timed_post(live, json=body)
        check_answer(response)
        assert response.status_code in (200, 412)

    @FUZZ
    @given(demo=demo_prefetches())
    def test_mutated_demo_patients(self, live: LiveApp, demo: Demo) -> None:
        """Demo patients with random edits (junk values, dropped members) answer 200 or 412."""
        live.reset(demo_server(demo.resources))
        context = {"userId": "Practitioner/u1", "patientId": demo.patient_id}
        response = timed_post(live, json=hook_body(prefetch=demo.prefetch, context=context))
        check_answer(response)
        assert response.status_code in (200, 412)


class TestRandomServer:
    @settings(FUZZ, max_examples=40)
    @given(answers_list=st.lists(answers, min_size=1, max_size=8))
    def test_no_prefetch_random_server(
        self, live: LiveApp, answers_list: list[tuple[str, Any, int]]
    ) -> None:
        """With nothing prefetched, any mix of FHIR server answers gives 412 or 200, in time."""
        live.reset(server(answers_list))
        response = timed_post(live, json=hook_body())
        check_answer(response)
        assert response.status_code in (200, 412)
        assert len(live.fhir_requests) <= len(PREFETCH_TEMPLATES) * 10 + 100
