"""What each FHIR server can search, from its CapabilityStatement, remembered for a while.

``Capabilities.of(statement)`` reads a FHIR R4 CapabilityStatement (``GET
[base]/metadata``): the ``rest`` entry in ``server`` mode, its ``resource`` list, each
type's ``interaction`` codes, ``searchParam`` names and ``searchInclude`` values. What
the statement does not say is assumed supported, so a terse statement never costs data:

* a type is unsupported only when the statement lists resources and not this one, or
  lists the type's interactions without ``search-type``;
* a search parameter (the look-back's date bound and sort) is left out only when the
  type lists its search parameters and not this one;
* an ``_include`` is left out only when the type lists its includes and not this one.

A statement that cannot be read (error, timeout, not a CapabilityStatement) gives
``Capabilities.unknown()``: everything is assumed supported, and each search's own
answer decides.

``ServerProfiles`` keeps, per FHIR base, the capabilities, the ``_include`` values the
server refused (``refused_includes``) and the search parameters it refused
(``refused_params``, as ``(type, name)``), for ``ttl_seconds`` and for at most
``max_servers`` bases (least recently used first out). Concurrent hooks on a server not
yet known share one ``/metadata`` request.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field

#: Bases remembered at most (each entry is a few kB).
MAX_SERVERS = 256


@dataclass(frozen=True, slots=True)
class _TypeSupport:
    search: bool
    params: frozenset[str] | None  # None: the statement does not list them
    includes: frozenset[str] | None


def _names(items: object, key: str | None) -> frozenset[str] | None:
    if not isinstance(items, list) or not items:
        return None
    values = (item.get(key) if key and isinstance(item, dict) else item for item in items)
    return frozenset(value for value in values if isinstance(value, str))


@dataclass(frozen=True, slots=True)
class Capabilities:
    """Search support per resource type; ``types is None``: unknown, assume everything."""

    types: Mapping[str, _TypeSupport] | None = None

    @classmethod
    def unknown(cls) -> Capabilities:
        return cls(None)

    @classmethod
    def of(cls, statement: object) -> Capabilities:
        """Read a CapabilityStatement (anything else: ``unknown``)."""
        if not isinstance(statement, dict) or statement.get("resourceType") != (
            "CapabilityStatement"
        ):
            return cls.unknown()
        rests = [r for r in statement.get("rest") or () if isinstance(r, dict)]
        rest = next((r for r in rests if r.get("mode") == "server"), None)
        resources = rest.get("resource") if rest is not None else None
        if not isinstance(resources, list) or not resources:
            return cls.unknown()
        types: dict[str, _TypeSupport] = {}
        for item in resources:
            if not isinstance(item, dict) or not isinstance(item.get("type"), str):
                continue
            interactions = _names(item.get("interaction"), "code")
            types[item["type"]] = _TypeSupport(
                search=interactions is None or "search-type" in interactions,
                params=_names(item.get("searchParam"), "name"),
                includes=_names(item.get("searchInclude"), None),
            )
        return cls(types) if types else cls.unknown()

    def searches(self, resource_type: str) -> bool:
        """Whether a type search of ``resource_type`` may be sent."""
        if self.types is None:
            return True
        support = self.types.get(resource_type)
        return support is not None and support.search

    def param(self, resource_type: str, name: str) -> bool:
        """Whether the search parameter ``name`` of ``resource_type`` may be sent."""
        support = self.types.get(resource_type) if self.types is not None else None
        return support is None or support.params is None or name in support.params

    def include(self, resource_type: str, include: str) -> bool:
        """Whether ``_include=<include>`` may be sent with a ``resource_type`` search."""
        support = self.types.get(resource_type) if self.types is not None else None
        return support is None or support.includes is None or include in support.includes


@dataclass(slots=True)
class ServerProfile:
    """What the service knows about one FHIR server."""

    capabilities: Capabilities
    refused_includes: set[str] = field(default_factory=set)
    #: (resource type, search parameter) pairs the server answered with a refusal.
    refused_params: set[tuple[str, str]] = field(default_factory=set)

    def offers(self, resource_type: str, name: str) -> bool:
        """Whether the search parameter may be sent: listed (or nothing is listed) and not
        refused before."""
        return self.capabilities.param(resource_type, name) and (
            (resource_type, name) not in self.refused_params
        )


class ServerProfiles:
    """Per-base ``ServerProfile`` s, each kept ``ttl_seconds``, at most ``max_servers``."""

    def __init__(
        self,
        ttl_seconds: float,
        max_servers: int = MAX_SERVERS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._ttl = ttl_seconds
        self._max = max_servers
        self._clock = clock
        self._known: OrderedDict[str, tuple[float, ServerProfile]] = OrderedDict()
        self._loading: dict[str, asyncio.Task[ServerProfile]] = {}

    def __len__(self) -> int:
        return len(self._known)

    def cached(self, base: str) -> ServerProfile | None:
        """The remembered profile of ``base``, if still fresh."""
        found = self._known.get(base)
        if found is None:
            return None
        expires, profile = found
        if self._clock() >= expires:
            del self._known[base]
            return None
        self._known.move_to_end(base)
        return profile

    async def get(self, base: str, load: Callable[[], Awaitable[Capabilities]]) -> ServerProfile:
        """The profile of ``base``; on a miss, ``load()`` once for all concurrent callers.

        ``load`` must not raise for a server that answers badly (it returns
        ``Capabilities.unknown()``); a caller cancelled meanwhile leaves the load running
        for the others.
        """
        profile = self.cached(base)
        if profile is not None:
            return profile
        task = self._loading.get(base)
        if task is None:
            task = asyncio.ensure_future(self._load(base, load))
            self._loading[base] = task
        return await asyncio.shield(task)

    async def _load(self, base: str, load: Callable[[], Awaitable[Capabilities]]) -> ServerProfile:
        try:
            profile = ServerProfile(await load())
            self._known[base] = (self._clock() + self._ttl, profile)
            self._known.move_to_end(base)
            while len(self._known) > self._max:
                self._known.popitem(last=False)
            return profile
        finally:
            del self._loading[base]

    async def aclose(self) -> None:
        """Cancel loads still running (at shutdown)."""
        tasks = list(self._loading.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
