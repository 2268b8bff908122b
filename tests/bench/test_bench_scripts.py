"""The benchmark scripts run against the code as it is (they import its internals, so a
refactoring that breaks them is caught here, not at the next measurement)."""

from __future__ import annotations

import asyncio
import importlib
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest

from cds_service.app import create_app
from cds_service.config import Settings

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


def _bounds_module() -> ModuleType:
    """``bench/bounds.py`` imported as a module (it imports its neighbours by name)."""
    sys.path.insert(0, str(ROOT / "bench"))
    try:
        return importlib.import_module("bounds")
    finally:
        sys.path.remove(str(ROOT / "bench"))


async def _cards_of_three_hooks(url: str, body: bytes, work: Path) -> list[list[dict[str, Any]]]:
    settings = Settings(require_jwt=False, database_url=f"sqlite:///{work / 'log.sqlite3'}")
    app = create_app(settings)
    answers = []
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            for _ in range(3):
                response = await client.post(
                    url,
                    content=body,
                    headers={"content-type": "application/json"},
                )
                assert response.status_code == 200, response.text
                answers.append(response.json()["cards"])
    return answers


def test_bounds_replays_each_stage_once_and_answers_the_same(tmp_path: Path) -> None:
    """``bench/bounds.py``'s replays are wired to the stages the hook route really calls:
    with gathering, reading and rules replayed, three hooks compute each stage once and
    answer the cards the unreplayed service gives (UUIDs aside); the originals are back
    afterwards."""
    bounds = _bounds_module()
    import cds_service.routes.hooks as hooks
    import fhir_mappings.pipeline as pipeline

    originals = (pipeline._read, pipeline.findings_for, hooks.gather)
    body = bounds.hook_bytes(datetime.now(UTC).date())
    url = f"/cds-services/{bounds.SERVICE_ID}"
    plain = asyncio.run(_cards_of_three_hooks(url, body, tmp_path))
    with bounds.replaying(("gathering", "reading", "rules")) as replays:
        replayed = asyncio.run(_cards_of_three_hooks(url, body, tmp_path))
    assert (pipeline._read, pipeline.findings_for, hooks.gather) == originals
    assert [(r.calls, r.computed) for r in replays.values()] == [(3, 1)] * 3
    assert plain[0], "the bench patient gets cards"
    assert [bounds.comparable(cards) for cards in replayed] == [
        bounds.comparable(cards) for cards in plain
    ]
    with pytest.raises(ValueError, match="cannot replay"), bounds.replaying(("rules",)):
        pass
