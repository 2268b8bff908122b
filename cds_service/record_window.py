"""How much of the look-back a search's answer has covered, read page by page.

The service asks for each type newest first (``_sort=-<date parameter>``) and from the
look-back's first day on (``<date parameter>=ge<since>``). It cannot take either for
granted: a server may ignore ``_sort``, the date bound, or both. So ``Coverage`` reads
the resources in the server's order and checks:

* ``sorted``: every dated resource so far is no newer than the one before it (the
  server honoured the sort; a server that ignores it shows it quickly, as records are
  stored oldest first);
* ``covered``: still sorted, a resource lies wholly before ``since``. Every later
  resource is older still, so everything the look-back needs has been seen: paging
  stops there, and that is complete data, not a truncation;
* ``complete_since``: when paging had to stop early (a page or resource bound) while
  still sorted, the first day from which every resource was seen (the day after the
  oldest one read: more of that day may follow on the next page). ``None`` when the
  order is unknown (unsorted, undated, or a type whose dates are long Periods).

``within_look_back`` drops resources that end before ``since`` (the rules never read
them; undated ones are kept), so a long record and its short twin give the same input.
Resources still in force (``search_params.still_active``: an order written years ago and
still ``active``) are never dropped: they are the current treatment, whatever their date.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from typing import Any

from cds_service.search_params import DATE_PARAMS, date_span, still_active

Resource = Mapping[str, Any]


class Coverage:
    """Order and reach of one search's answer (resources of ``resource_type``, in order)."""

    __slots__ = ("_crossed", "_param", "_previous", "_since", "oldest", "resource_type", "sorted")

    def __init__(self, resource_type: str, since: date | None) -> None:
        self.resource_type = resource_type
        self._param = DATE_PARAMS.get(resource_type)
        self._since = since.isoformat() if since is not None else None
        self._previous: str | None = None
        self.sorted = self._param is not None and not self._param.spans
        self._crossed = False
        #: The first day of the oldest dated resource seen.
        self.oldest: str | None = None

    def fresh(self) -> Coverage:
        """A new, empty coverage of the same type and look-back."""
        since = date.fromisoformat(self._since) if self._since is not None else None
        return Coverage(self.resource_type, since)

    def add(self, resources: Iterable[Resource]) -> None:
        """Take the next resources in the server's order (other types are skipped)."""
        param = self._param
        if param is None:
            return
        for resource in resources:
            if resource.get("resourceType") != self.resource_type:
                continue
            span = date_span(resource, param)
            if span is None:
                continue
            first, last = span
            if self.oldest is None or first < self.oldest:
                self.oldest = first
            if self._previous is not None and first > self._previous:
                self.sorted = False
            self._previous = first
            if self._since is not None and last < self._since:
                self._crossed = True

    @property
    def covered(self) -> bool:
        """Sorted, and a resource wholly before ``since`` has been seen."""
        return self.sorted and self._crossed

    @property
    def complete_since(self) -> date | None:
        """The first day from which every resource was read, when the answer is sorted."""
        if not self.sorted or self.oldest is None:
            return None
        try:
            return date.fromisoformat(self.oldest) + timedelta(days=1)
        except ValueError:
            return None


def within_look_back(
    resources: list[dict[str, Any]],
    resource_type: str,
    since: date | None,
    coverage: Coverage | None = None,
) -> list[dict[str, Any]]:
    """``resources`` without those of ``resource_type`` that end before ``since``, except
    those still in force (``still_active``).

    ``coverage``, when it read exactly these resources, spares the pass if none of them
    starts before ``since`` (a server that applied the date bound).
    """
    param = DATE_PARAMS.get(resource_type)
    if since is None or param is None:
        return resources
    first_day = since.isoformat()
    if coverage is not None and (coverage.oldest is None or coverage.oldest >= first_day):
        return resources
    kept = []
    for resource in resources:
        if resource.get("resourceType") == resource_type:
            span = date_span(resource, param)
            if span is not None and span[1] < first_day and not still_active(resource):
                continue
        kept.append(resource)
    return kept
