"""Settings shared by the whole suite.

Hypothesis: no per-example deadline and no "too slow" health check anywhere. Both are
wall-clock limits (200 ms per example, a generation budget), so a busy machine would
fail a property that holds. A test that is about time measures it with a clock it
controls, never the machine's.
"""

from __future__ import annotations

from hypothesis import HealthCheck, settings

settings.register_profile(
    "ln-cds",
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile("ln-cds")
