"""The coverage gate counts deterministic tests only: Hypothesis properties run untraced.

Under pytest-xdist this depends on the root conftest stopping the measurement pytest-cov
leaks into each worker; without that, pausing the worker's measurement resumes the leaked
one and the property is traced after all.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import coverage
import pytest
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


#: The coverage options ``scripts/test`` passes to pytest.
SCRIPTS_TEST_COVERAGE = (
    "--cov=fhir_mappings",
    "--cov-branch",
    "--cov-report=term-missing:skip-covered",
)


@pytest.mark.slow
@pytest.mark.parametrize(
    "coverage_options",
    [(*SCRIPTS_TEST_COVERAGE, "--no-cov"), SCRIPTS_TEST_COVERAGE],
    ids=["fast-loop", "measured"],
)
def test_properties_run_with_and_without_coverage(coverage_options: tuple[str, ...]) -> None:
    """A property passes, on a worker, in a run that turns coverage off the way the fast loop
    does (``scripts/test`` passes ``--cov``, the fast loop adds ``--no-cov``, and pytest-cov
    then fails on a ``no_cover`` marker) and in one that measures."""
    done = subprocess.run(
        [
            sys.executable,
            *("-m", "pytest", "-q", "-p", "no:cacheprovider", "-n", "1", *coverage_options),
            f"{Path(__file__).name}::test_a_property_runs_untraced",
        ],
        cwd=Path(__file__).parent,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert "1 passed" in done.stdout


def test_the_options_are_the_ones_scripts_test_passes() -> None:
    """The options above are the ones ``scripts/test`` passes (kept in step with it)."""
    script = (Path(__file__).resolve().parents[2] / "scripts" / "test").read_text()
    for option in SCRIPTS_TEST_COVERAGE:
        assert option in script
