"""The fast loop (``scripts/test -m "not slow" --no-cov``) leaves out every slow kind of test.

The slow kinds: static checks, linters, schemathesis, long Hypothesis runs (more examples
than Hypothesis's default of 100), the official FHIR examples, processes, and whatever
needs a server, a database or a browser. The selection is read from a real collection
with that marker expression.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.support.selection import REPORT_VARIABLE

pytestmark = pytest.mark.slow  # collects the whole suite in a second process

ROOT = Path(__file__).resolve().parents[2]
FAST = "not slow"
#: Hypothesis's default number of examples: a test asking for more is a long run.
HYPOTHESIS_DEFAULT_EXAMPLES = 100
#: Tests that are slow by what they are (node id prefixes).
SLOW_TESTS = (
    "tests/test_static_checks.py",
    "tests/deploy/test_deploy_files.py::TestLinters",
    "tests/robustness/test_openapi_schemathesis.py",
    "tests/robustness/test_hook_fuzz.py",
    "tests/service/test_cli.py::TestClosedStdout",
    "tests/bench/",
    "tests/integration/",
    "tests/chart/test_browser.py",
    "tests/read/test_fhir_examples",
)
NEEDS_A_SERVICE = {"integration", "postgres", "browser"}


def selected(tmp_path: Path, expression: str) -> list[dict[str, Any]]:
    report = tmp_path / "selection.jsonl"
    command = [sys.executable, "-m", "pytest", "--collect-only", "-q", "-m", expression]
    command += ["-p", "tests.support.selection", "-p", "no:cacheprovider", "tests"]
    result = subprocess.run(
        command,
        cwd=ROOT,
        env={**os.environ, REPORT_VARIABLE: str(report)},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return [json.loads(line) for line in report.read_text(encoding="utf-8").splitlines()]


@pytest.fixture(scope="module")
def fast(tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, Any]]:
    return selected(tmp_path_factory.mktemp("fast"), FAST)


def test_the_fast_loop_runs_most_tests(fast: list[dict[str, Any]]) -> None:
    """The fast selection is the bulk of the suite, not a token part of it."""
    assert len(fast) > 3000


def test_no_test_needing_a_service(fast: list[dict[str, Any]]) -> None:
    """No integration, postgres or browser test is in the fast loop."""
    assert [t["id"] for t in fast if NEEDS_A_SERVICE & set(t["markers"])] == []


def test_no_long_hypothesis_run(fast: list[dict[str, Any]]) -> None:
    """No Hypothesis test asking for more than the default number of examples."""
    long_runs = [
        t["id"]
        for t in fast
        if t["examples"] is not None and t["examples"] > HYPOTHESIS_DEFAULT_EXAMPLES
    ]
    assert long_runs == []


def test_no_test_slow_by_kind(fast: list[dict[str, Any]]) -> None:
    """Static checks, linters, schemathesis, fuzzing, the FHIR examples and process tests
    stay out."""
    assert [t["id"] for t in fast if t["id"].startswith(SLOW_TESTS)] == []


def test_the_command_is_documented() -> None:
    """README and scripts/test give the fast command as it is written here."""
    command = f'scripts/test -m "{FAST}" --no-cov'
    assert command in (ROOT / "README.md").read_text(encoding="utf-8")
    assert command in (ROOT / "scripts" / "test").read_text(encoding="utf-8")
