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
"""

from __future__ import annotations

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
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if any(item.get_closest_marker(name) for name in NEEDS_A_SERVICE):
            item.add_marker(pytest.mark.slow)
