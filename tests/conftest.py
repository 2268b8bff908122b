"""Settings shared by the whole suite.

Hypothesis: no per-example deadline and no "too slow" health check anywhere. Both are
wall-clock limits (200 ms per example, a generation budget), so a busy machine would
fail a property that holds. A test that is about time measures it with a clock it
controls, never the machine's.

The ``slow`` marker: tests that need a server, a database or a browser (the markers
``integration``, ``postgres``, ``browser``) are slow wherever they are, so the fast loop
(``scripts/test -m "not slow" --no-cov``) never starts one. Other slow tests carry the marker
themselves (static checks, linters, schemathesis, long Hypothesis runs, the official FHIR
examples, processes).

Coverage: the gate (``scripts/test``, 100 % of the branches of fhir_mappings) counts the
tests that run the same code on every run; Hypothesis properties run untraced
(``is_property``).
"""

from __future__ import annotations

import coverage
import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "ln-cds",
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile("ln-cds")

#: Markers that make a test slow: each needs a service started outside the process.
NEEDS_A_SERVICE = ("integration", "postgres", "browser")


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # pytest-cov acts on ``no_cover`` even when it measures nothing (``--no-cov``), and fails
    # there; the marker is only added when coverage is being measured.
    measuring = coverage_controller(config) is not None
    for item in items:
        if any(item.get_closest_marker(name) for name in NEEDS_A_SERVICE):
            item.add_marker(pytest.mark.slow)
        if measuring and is_property(item):
            item.add_marker(pytest.mark.no_cover)


def coverage_controller(config: pytest.Config) -> object | None:
    """pytest-cov's controller of this process's measurement; ``None`` when none runs."""
    plugin = config.pluginmanager.get_plugin("_cov")
    return getattr(plugin, "cov_controller", None)


def is_property(item: pytest.Item) -> bool:
    """Whether the test is a Hypothesis property (schemathesis' included).

    Properties run without coverage measurement (pytest-cov's ``no_cover``). A property
    draws new inputs on every run, so a branch that only a property reaches would make the
    coverage gate pass or fail by chance; the gate counts the tests that run the same code
    every time. Untraced, the properties also run in about half the time.
    """
    return bool(getattr(getattr(item, "obj", None), "is_hypothesis_test", False))


@pytest.hookimpl(tryfirst=True)
def pytest_sessionstart(session: pytest.Session) -> None:
    """In a pytest-xdist worker, stop the coverage measurement pytest-cov leaks there.

    pytest-cov builds its plugin from the command line before it knows it runs in a worker:
    ``-n`` makes it start a controller's ``Coverage`` in every worker, and at session start
    it starts the worker's own ``Coverage`` on top. The first one is never stopped or saved,
    and it is what defeats ``no_cover``: pausing the worker's measurement for a test resumes
    the one beneath it, so the test is traced anyway. Stopping the leaked one here (it has
    recorded only the worker's start-up, which nothing reads) leaves one measurement per
    worker, as in a run without workers.
    """
    if getattr(session.config, "workerinput", None) is None:
        return
    leaked = getattr(coverage_controller(session.config), "cov", None)
    if leaked is not None and leaked is coverage.Coverage.current():
        leaked.stop()
