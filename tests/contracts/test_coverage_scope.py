"""The coverage gate counts deterministic tests only: Hypothesis properties run untraced.

Under pytest-xdist this depends on the root conftest stopping the measurement pytest-cov
leaks into each worker; without that, pausing the worker's measurement resumes the leaked
one and the property is traced after all.
"""

from __future__ import annotations

import sys

import coverage
from hypothesis import given, settings
from hypothesis import strategies as st


@settings(max_examples=5)
@given(st.integers())
def test_a_property_runs_untraced(number: int) -> None:
    """No coverage measurement and no trace function is active inside a property."""
    assert coverage.Coverage.current() is None
    assert sys.gettrace() is None


def test_a_plain_test_is_measured_when_coverage_runs() -> None:
    """Outside properties the measurement is the one pytest-cov started (when it runs)."""
    current = coverage.Coverage.current()
    if current is not None:
        assert sys.gettrace() is not None
