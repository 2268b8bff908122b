"""A pytest plugin that writes down what a run selected (``-p tests.support.selection``).

With ``LNCDS_SELECTION_REPORT`` set to a file name, the plugin writes one JSON object a
line for each selected test: its node id, its markers and, for a Hypothesis test, the
number of examples it asks for. ``tests/contracts/test_fast_loop.py`` reads it.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

REPORT_VARIABLE = "LNCDS_SELECTION_REPORT"


def _examples(item: pytest.Item) -> int | None:
    function = getattr(item, "obj", None)
    if not getattr(function, "is_hypothesis_test", False):
        return None
    settings = getattr(function, "_hypothesis_internal_use_settings", None)
    return None if settings is None else int(settings.max_examples)


def pytest_collection_finish(session: pytest.Session) -> None:
    target = os.environ.get(REPORT_VARIABLE)
    if not target:
        return
    lines = [
        json.dumps(
            {
                "id": item.nodeid,
                "markers": sorted({mark.name for mark in item.iter_markers()}),
                "examples": _examples(item),
            }
        )
        for item in session.items
    ]
    Path(target).write_text("\n".join(lines) + "\n", encoding="utf-8")
