"""CapabilityStatements read into search support, and the per-server memory of them."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from cds_service.capabilities import Capabilities, ServerProfiles

from .fake_fhir import capability_statement

pytestmark = pytest.mark.anyio

STATEMENT = capability_statement(
    {
        "MedicationRequest": {
            "interaction": [{"code": "read"}, {"code": "search-type"}],
            "searchParam": [{"name": "patient"}, {"name": "authoredon"}],
            "searchInclude": ["MedicationRequest:medication"],
        },
        "MedicationDispense": {
            "interaction": [{"code": "read"}],
            "searchParam": [{"name": "patient"}],
        },
        "Observation": {"searchParam": [{"name": "patient"}, {"name": "code"}]},
        "Procedure": {},
    }
)


class TestCapabilities:
    @pytest.mark.parametrize(
        ("rtype", "searches"),
        [
            ("MedicationRequest", True),
            ("MedicationDispense", False),  # interactions listed without search-type
            ("Observation", True),  # no interactions listed: assumed
            ("MedicationStatement", False),  # not listed at all
        ],
    )
    def test_type_search(self, rtype: str, searches: bool) -> None:
        """A type is searchable unless the statement leaves it (or its search-type) out."""
        assert Capabilities.of(STATEMENT).searches(rtype) is searches

    def test_parameters_and_includes(self) -> None:
        """Parameters and includes are refused only where the statement lists others."""
        capabilities = Capabilities.of(STATEMENT)
        assert capabilities.param("MedicationRequest", "authoredon")
        assert not capabilities.param("Observation", "date")
        assert capabilities.param("Procedure", "date")  # no list: assumed
        assert capabilities.param("MedicationStatement", "effective")  # unknown type: assumed
        assert capabilities.include("MedicationRequest", "MedicationRequest:medication")
        assert capabilities.include("Observation", "Observation:subject")  # no list
        other = capability_statement({"MedicationRequest": {"searchInclude": ["X:y"]}})
        assert not Capabilities.of(other).include(
            "MedicationRequest", "MedicationRequest:medication"
        )

    @pytest.mark.parametrize(
        "statement",
        [
            None,
            {"resourceType": "OperationOutcome"},
            {"resourceType": "CapabilityStatement"},
            {"resourceType": "CapabilityStatement", "rest": [{"mode": "client"}]},
            {"resourceType": "CapabilityStatement", "rest": [{"mode": "server", "resource": []}]},
            capability_statement({}),
            {"resourceType": "CapabilityStatement", "rest": [{"mode": "server", "resource": [1]}]},
        ],
        ids=["none", "outcome", "no-rest", "client", "empty", "no-types", "odd-entries"],
    )
    def test_unreadable_statement_assumes_everything(self, statement: Any) -> None:
        """A statement that says nothing usable leaves every search, parameter and include on."""
        capabilities = Capabilities.of(statement)
        assert capabilities.types is None
        assert capabilities.searches("MedicationDispense")
        assert capabilities.param("Observation", "date")
        assert capabilities.include("MedicationRequest", "MedicationRequest:medication")


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Loader:
    def __init__(self) -> None:
        self.calls = 0
        self.release = asyncio.Event()

    async def __call__(self) -> Capabilities:
        self.calls += 1
        await self.release.wait()
        return Capabilities.of(STATEMENT)


class TestServerProfiles:
    async def test_remembered_for_the_ttl(self) -> None:
        """A base's profile is read once, kept for the TTL, then read again."""
        clock = FakeClock()
        profiles = ServerProfiles(60.0, clock=clock)
        loader = Loader()
        loader.release.set()
        first = await profiles.get("https://a/fhir", loader)
        clock.now += 59
        assert await profiles.get("https://a/fhir", loader) is first
        clock.now += 1
        assert profiles.cached("https://a/fhir") is None
        await profiles.get("https://a/fhir", loader)
        assert loader.calls == 2

    async def test_concurrent_misses_share_one_load(self) -> None:
        """Hooks arriving together on an unknown server share one /metadata read."""
        profiles = ServerProfiles(60.0)
        loader = Loader()
        waiting = [asyncio.create_task(profiles.get("https://a/fhir", loader)) for _ in range(5)]
        await asyncio.sleep(0)
        loader.release.set()
        results = await asyncio.gather(*waiting)
        assert loader.calls == 1
        assert all(result is results[0] for result in results)

    async def test_size_is_bounded_least_recent_out(self) -> None:
        """At most max_servers bases are kept; the least recently used one goes first."""
        profiles = ServerProfiles(60.0, max_servers=2)
        loader = Loader()
        loader.release.set()
        await profiles.get("https://a/fhir", loader)
        await profiles.get("https://b/fhir", loader)
        assert profiles.cached("https://a/fhir") is not None  # a is now the most recent
        await profiles.get("https://c/fhir", loader)
        assert len(profiles) == 2
        assert profiles.cached("https://b/fhir") is None
        assert profiles.cached("https://a/fhir") is not None

    async def test_refused_includes_are_remembered_with_the_profile(self) -> None:
        """What a server refused stays with its profile until the profile expires."""
        clock = FakeClock()
        profiles = ServerProfiles(60.0, clock=clock)
        loader = Loader()
        loader.release.set()
        (await profiles.get("https://a/fhir", loader)).refused_includes.add("X:y")
        assert "X:y" in (await profiles.get("https://a/fhir", loader)).refused_includes
        clock.now += 61
        assert not (await profiles.get("https://a/fhir", loader)).refused_includes

    async def test_close_cancels_a_pending_load(self) -> None:
        """aclose() cancels a load still waiting, so nothing is left running at shutdown."""
        profiles = ServerProfiles(60.0)
        loader = Loader()
        waiting = asyncio.create_task(profiles.get("https://a/fhir", loader))
        await asyncio.sleep(0)
        await profiles.aclose()
        with pytest.raises(asyncio.CancelledError):
            await waiting
        assert len(profiles) == 0
