"""LabPoint: its hand-written constructor and stored ``day`` behave as the dataclass did."""

from __future__ import annotations

import copy
import pickle
from dataclasses import FrozenInstanceError, fields, replace
from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from fhir_mappings.facts import Analyte, LabPoint

_WHEN = datetime(2024, 3, 1, 23, 30, tzinfo=timezone(timedelta(hours=-5)))
_ARGS = (Analyte.UPCR, _WHEN, 1.0, "g/g", "<", 1000.0, "mg/g", "2890-2", "Observation/o1")


def _point() -> LabPoint:
    return LabPoint(*_ARGS)


class TestLabPoint:
    def test_positional_and_keyword_construction_agree(self) -> None:
        """Positional and keyword arguments fill the same fields, in the declared order."""
        by_name = LabPoint(
            analyte=Analyte.UPCR,
            when=_WHEN,
            value=1.0,
            unit="g/g",
            comparator="<",
            original_value=1000.0,
            original_unit="mg/g",
            code="2890-2",
            source_id="Observation/o1",
        )
        assert by_name == _point()
        assert tuple(getattr(by_name, f.name) for f in fields(LabPoint))[:-1] == _ARGS

    def test_day_is_the_calendar_day_of_when(self) -> None:
        """``day`` is ``when.date()`` in the source's own offset (no shift to UTC)."""
        assert _point().day == date(2024, 3, 1)
        assert _point().when.astimezone(UTC).date() == date(2024, 3, 2)

    def test_day_left_out_of_equality_hash_and_repr(self) -> None:
        """Equality, hashing and repr are those of the nine declared fields."""
        point = _point()
        assert "day=" not in repr(point)
        assert repr(point).startswith("LabPoint(analyte=<Analyte.UPCR: 'upcr'>, when=")
        assert hash(point) == hash(_point())
        assert LabPoint.__match_args__ == tuple(f.name for f in fields(LabPoint))[:-1]

    def test_replace_recomputes_day(self) -> None:
        """``dataclasses.replace`` with a new ``when`` gives the new day."""
        moved = replace(_point(), when=datetime(2025, 1, 2, tzinfo=UTC))
        assert moved.day == date(2025, 1, 2)
        assert replace(_point(), value=2.0).day == date(2024, 3, 1)

    def test_copy_and_pickle_keep_every_field(self) -> None:
        """Copies and pickles keep all fields, ``day`` included."""
        point = _point()
        for clone in (copy.copy(point), copy.deepcopy(point), pickle.loads(pickle.dumps(point))):
            assert clone == point
            assert clone.day == point.day

    def test_still_frozen(self) -> None:
        """No field can be assigned after construction, ``day`` included."""
        point = _point()
        with pytest.raises(FrozenInstanceError):
            point.day = date(2000, 1, 1)  # type: ignore[misc]
        with pytest.raises(FrozenInstanceError):
            point.value = 2.0  # type: ignore[misc]
