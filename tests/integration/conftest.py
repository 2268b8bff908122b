"""Fixtures for the integration tests: a real FHIR server (Medplum, in memory, node).

The server is ``tests/fhir_server/server.mjs``, started by ``tests/support/fhir_server.py``
once per session on a free port and stopped at the end. When ``node`` or
``tests/fhir_server/node_modules`` is missing the tests are skipped with the reason,
except under ``CI`` (any non-empty value but ``0``/``false``), where a missing server is
a hard failure: CI must never pass by skipping the integration tests. ``scripts/test``
installs the node packages.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager

import pytest

from tests.support.fhir_server import SMALL_PAGE_SIZE, LoadBundle, load_bundle, run_fhir_server


@pytest.fixture(scope="session")
def run_fhir_server_with() -> Callable[[Mapping[str, str] | None], AbstractContextManager[str]]:
    """``run(env)``: a context manager starting one more FHIR test server with ``env``."""
    return run_fhir_server


@pytest.fixture(scope="session")
def fhir_base_url() -> Iterator[str]:
    """Base URL (``http://127.0.0.1:PORT/fhir``) of a session-wide FHIR test server."""
    with run_fhir_server() as base_url:
        yield base_url


@pytest.fixture(scope="session")
def small_page_size() -> int:
    """The page size the ``small_page_fhir_base_url`` server never exceeds."""
    return SMALL_PAGE_SIZE


@pytest.fixture(scope="session")
def small_page_fhir_base_url() -> Iterator[str]:
    """A second FHIR test server that never returns more than ``SMALL_PAGE_SIZE`` per page."""
    with run_fhir_server({"FHIR_MAX_PAGE_SIZE": str(SMALL_PAGE_SIZE)}) as base_url:
        yield base_url


@pytest.fixture(scope="session")
def load_transaction() -> LoadBundle:
    """``load(base_url, bundle) -> transaction-response``: load a Bundle as a transaction."""
    return load_bundle
