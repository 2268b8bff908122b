"""Fixtures shared by the rules tests (builders are plain functions in ``_builders``)."""

from __future__ import annotations

import pytest

from fhir_mappings.rulesets import RULESETS, Ruleset, get_ruleset


@pytest.fixture(params=sorted(RULESETS))
def ruleset(request: pytest.FixtureRequest) -> Ruleset:
    """Each ruleset in turn: a threshold test runs once per guideline."""
    return get_ruleset(request.param)
