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


def run_script(script: str, *arguments: str) -> subprocess.CompletedProcess[str]:
    """``bench/<script>`` run with ``arguments`` as a process (its output captured)."""
    return subprocess.run(
        [sys.executable, str(ROOT / "bench" / script), *arguments],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_stages_runs_every_stage_once() -> None:
    """``bench/stages.py --repeat 1`` prints one line per stage and no data gap: the
    bench patient is a complete prefetch."""
    done = run_script("stages.py", "--repeat", "1")
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
    done = run_script("stages.py", "--years", "1", "--server-gc", "--repeat", "1")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("1-year record: ")
    assert lines[0].endswith("resources after gather")
    assert "build_facts (reading)" in done.stdout
    assert "data gap" not in done.stdout + done.stderr


def test_bounds_check_finds_every_stage_replayed_and_the_cards_unchanged() -> None:
    """``bench/bounds.py --check``: with gathering, reading and rules replayed, three hooks
    compute each stage once and answer the cards of the unreplayed service (the replays
    are wired to the functions the hook route really calls)."""
    done = run_script("bounds.py", "--check")
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert lines[-2] == (
        "replayed stages (calls, computed): "
        "{'gathering': (3, 1), 'reading': (3, 1), 'rules': (3, 1)}"
    )
    assert lines[-1] == "cards unchanged"
