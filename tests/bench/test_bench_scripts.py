"""The benchmark scripts run against the code as it is (they import its internals, so a
refactoring that breaks them is caught here, not at the next measurement)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

#: slow: runs the benchmark scripts as processes
pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]


def run_stages(*arguments: str) -> subprocess.CompletedProcess[str]:
    """``bench/stages.py`` run with ``arguments`` as a process (its output captured)."""
    return subprocess.run(
        [sys.executable, str(ROOT / "bench" / "stages.py"), *arguments],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_stages_runs_every_stage_once() -> None:
    """``bench/stages.py --repeat 1`` prints one line per stage and no data gap: the
    bench patient is a complete prefetch."""
    done = run_stages("--repeat", "1")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("bench patient: ")
    stages = [line.split("  ")[0].strip() for line in lines[1:]]
    assert "assess" in stages
    assert "render_cards" in stages
    assert all(line.rstrip().endswith(" ms") for line in lines[1:])
    assert "data gap" not in done.stdout + done.stderr


def test_stages_times_a_long_record() -> None:
    """``--years 1 --server-gc`` times the one-year long record with the server's GC tuning
    and says how many of its resources ``gather`` kept."""
    done = run_stages("--years", "1", "--server-gc", "--repeat", "1")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("1-year record: ")
    assert lines[0].endswith("resources after gather")
    assert "build_facts (reading)" in done.stdout
    assert "data gap" not in done.stdout + done.stderr
