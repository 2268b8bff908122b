"""Observation -> LabResults: status, time, value, units, components, duplicates, order."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from fhir_mappings.facts import Analyte
from fhir_mappings.read.observations import map_observations

from ._builders import LOINC, observation, quantity


def _reasons(result: Any) -> list[str]:
    return [e.reason for e in result.excluded]


class TestStatus:
    @pytest.mark.parametrize("status", ["final", "amended", "corrected"])
    def test_usable_statuses_kept(self, status: str) -> None:
        """final, amended and corrected results are used."""
        labs = map_observations([observation(status=status)])
        assert len(labs.get(Analyte.UPCR).points) == 1
        assert labs.excluded == ()

    @pytest.mark.parametrize(
        "status", ["preliminary", "registered", "cancelled", "entered-in-error", "unknown", None, 5]
    )
    def test_other_statuses_excluded(self, status: Any) -> None:
        """Any other status (preliminary included) is excluded with a reason."""
        labs = map_observations([observation(status=status)])
        assert labs.get(Analyte.UPCR).points == ()
        assert "not final/amended/corrected" in _reasons(labs)[0]


class TestEffectiveTime:
    @pytest.mark.parametrize(
        ("when", "expected"),
        [
            (
                {"effectiveDateTime": "2024-03-01T08:00:00+01:00"},
                datetime(2024, 3, 1, 7, tzinfo=UTC),
            ),
            ({"effectiveDateTime": "2024-03"}, datetime(2024, 3, 1, tzinfo=UTC)),
            (
                {"effectivePeriod": {"start": "2024-02-01", "end": "2024-02-02"}},
                datetime(2024, 2, 1, tzinfo=UTC),
            ),
            ({"effectivePeriod": {"end": "2024-02-02"}}, datetime(2024, 2, 2, tzinfo=UTC)),
            ({"effectiveInstant": "2024-01-05T10:00:00Z"}, datetime(2024, 1, 5, 10, tzinfo=UTC)),
            ({"issued": "2024-01-06T10:00:00Z"}, datetime(2024, 1, 6, 10, tzinfo=UTC)),
            (
                {"effectiveDateTime": "garbage", "issued": "2024-01-07"},
                datetime(2024, 1, 7, tzinfo=UTC),
            ),
        ],
    )
    def test_time_sources(self, when: dict[str, Any], expected: datetime) -> None:
        """effectiveDateTime, effectivePeriod.start/.end, effectiveInstant, then issued."""
        labs = map_observations([observation(when=when)])
        point = labs.get(Analyte.UPCR).latest
        assert point is not None
        assert point.when == expected

    @pytest.mark.parametrize("when", [{}, {"effectivePeriod": "x"}, {"effectiveDateTime": 2024}])
    def test_no_time_excluded(self, when: dict[str, Any]) -> None:
        """A result with no usable time is excluded."""
        labs = map_observations([observation(when=when)])
        assert labs.series == {}
        assert _reasons(labs) == ["no effective time or issued date"]


class TestValues:
    @pytest.mark.parametrize("comparator", ["<", "<=", ">=", ">"])
    def test_comparator_kept(self, comparator: str) -> None:
        """The Quantity comparator is carried on the LabPoint."""
        value = {"valueQuantity": quantity(100, "mg/g", "mg/g", comparator=comparator)}
        point = map_observations([observation(value=value)]).get(Analyte.UPCR).latest
        assert point is not None
        assert point.comparator == comparator
        assert point.value == pytest.approx(0.1)
        assert point.original_value == 100
        assert point.original_unit == "mg/g"

    def test_unsupported_comparator(self) -> None:
        """A comparator outside FHIR R4's four is excluded."""
        value = {"valueQuantity": quantity(1, "g/g", "g/g", comparator="ad")}
        labs = map_observations([observation(value=value)])
        assert "unsupported comparator" in _reasons(labs)[0]

    @pytest.mark.parametrize(
        ("text", "value", "comparator"),
        [
            ("<0.1 g/g", 0.1, "<"),
            ("1.2 g/g", 1.2, None),
            (">= 3 g/g", 3.0, ">="),
            ("500 mg/g", 0.5, None),
        ],
    )
    def test_numeric_value_string(self, text: str, value: float, comparator: str | None) -> None:
        """A numeric valueString with a unit is parsed, comparator included."""
        labs = map_observations([observation(value={"valueString": text})])
        point = labs.get(Analyte.UPCR).latest
        assert point is not None
        assert point.value == pytest.approx(value)
        assert point.comparator == comparator

    @pytest.mark.parametrize(
        ("text", "reason"),
        [
            ("positive", "is not numeric"),
            ("1,2 g/g", "comma"),
            ("", "empty valueString"),
            ("<0.1", "no unit given"),
            ("0.5 furlongs", "not convertible"),
        ],
    )
    def test_unusable_value_string(self, text: str, reason: str) -> None:
        """Text, decimal commas, unitless and unknown-unit strings are excluded."""
        labs = map_observations([observation(value={"valueString": text})])
        assert labs.series == {}
        assert reason in _reasons(labs)[0]

    def test_value_integer_without_unit_excluded(self) -> None:
        """valueInteger carries no unit, so it is excluded rather than guessed."""
        labs = map_observations([observation(value={"valueInteger": 3})])
        assert "no unit given" in _reasons(labs)[0]

    def test_value_integer_not_a_number(self) -> None:
        """A non-numeric valueInteger is excluded."""
        labs = map_observations([observation(value={"valueInteger": "3"})])
        assert "valueInteger is not a number" in _reasons(labs)[0]

    @pytest.mark.parametrize(
        ("value", "reason"),
        [
            ({"dataAbsentReason": {"text": "lost"}}, "dataAbsentReason"),
            ({"valueQuantity": {"unit": "g/g"}}, "no numeric value"),
            ({"valueCodeableConcept": {"text": "trace"}}, "no numeric value"),
            (
                {"valueQuantity": quantity(1, "mg/dL", "mg/dL")},
                "unit 'mg/dL' not convertible for upcr",
            ),
        ],
    )
    def test_no_usable_value(self, value: dict[str, Any], reason: str) -> None:
        """Absent values, non-numeric values and unknown units are excluded with a reason."""
        labs = map_observations([observation(value=value)])
        assert labs.series == {}
        assert reason in _reasons(labs)[0]

    def test_unit_text_only(self) -> None:
        """A Quantity with only the unit text is converted from that text."""
        value = {"valueQuantity": {"value": 88.4, "unit": "µmol/L"}}
        point = (
            map_observations([observation(loinc="14682-9", value=value)])
            .get(Analyte.CREATININE)
            .latest
        )
        assert point is not None
        assert point.value == pytest.approx(1.0)
        assert point.unit == "mg/dL"
        assert point.code == "14682-9"
        assert point.source_id == "Observation/o1"


class TestCoding:
    def test_unknown_code_excluded(self) -> None:
        """An Observation with no known LOINC code is excluded."""
        labs = map_observations([observation(loinc="1234-5")])
        assert _reasons(labs) == ["no known LOINC code"]

    def test_other_system_ignored(self) -> None:
        """A known code under another system is not read as LOINC."""
        obs = observation()
        obs["code"] = {"coding": [{"system": "http://example.org", "code": "2890-2"}]}
        assert _reasons(map_observations([obs])) == ["no known LOINC code"]

    def test_several_codings_same_analyte(self) -> None:
        """Several codings naming one analyte are fine; the first known code is kept."""
        point = (
            map_observations([observation(loinc=["9999-9", "2890-2", "34366-5"])])
            .get(Analyte.UPCR)
            .latest
        )
        assert point is not None
        assert point.code == "2890-2"

    def test_non_string_code_skipped(self) -> None:
        """A LOINC coding whose code is not a string is skipped; a valid coding beside it counts."""
        obs = observation()
        obs["code"] = {
            "coding": [{"system": LOINC, "code": 2890}, {"system": LOINC, "code": "2890-2"}]
        }
        point = map_observations([obs]).get(Analyte.UPCR).latest
        assert point is not None
        assert point.code == "2890-2"

    def test_codings_of_different_analytes_excluded(self) -> None:
        """Codings naming two analytes are ambiguous and excluded."""
        labs = map_observations([observation(loinc=["2890-2", "2160-0"])])
        assert labs.series == {}
        assert "different analytes" in _reasons(labs)[0]


class TestComponents:
    def test_known_components_mapped(self) -> None:
        """Components with known LOINC codes of a panel are mapped, unknown ones ignored."""
        panel = observation(loinc="24356-8", value={})
        panel["component"] = [
            {
                "code": {"coding": [{"system": "http://loinc.org", "code": "2890-2"}]},
                "valueQuantity": quantity(300, "mg/g", "mg/g"),
            },
            {
                "code": {"coding": [{"system": "http://loinc.org", "code": "13945-1"}]},
                "valueQuantity": quantity(12, "/[HPF]", "/[HPF]"),
            },
            {
                "code": {"coding": [{"system": "http://loinc.org", "code": "5811-5"}]},
                "valueQuantity": quantity(1.02, ""),
            },
            {
                "code": {"coding": [{"system": "http://loinc.org", "code": "2889-4"}]},
                "dataAbsentReason": {"text": "x"},
            },
            {
                "code": {
                    "coding": [
                        {"system": "http://loinc.org", "code": "2890-2"},
                        {"system": "http://loinc.org", "code": "2160-0"},
                    ]
                }
            },
            "not a dict",
        ]
        labs = map_observations([panel])
        assert labs.get(Analyte.UPCR).points[0].value == pytest.approx(0.3)
        assert labs.get(Analyte.URINE_RBC).points[0].value == 12
        reasons = _reasons(labs)
        assert any("dataAbsentReason" in r for r in reasons)
        assert any("different analytes" in r for r in reasons)

    def test_top_level_and_component(self) -> None:
        """A known top-level code and a known component both give points."""
        obs = observation()
        obs["component"] = [
            {
                "code": {"coding": [{"system": "http://loinc.org", "code": "2160-0"}]},
                "valueQuantity": quantity(1.1, "mg/dL", "mg/dL"),
            }
        ]
        labs = map_observations([obs])
        assert set(labs.series) == {Analyte.UPCR, Analyte.CREATININE}


class TestDuplicatesAndOrder:
    def test_same_id_twice(self) -> None:
        """The same resource id seen twice is used once."""
        labs = map_observations([observation(), observation()])
        assert len(labs.get(Analyte.UPCR).points) == 1
        assert _reasons(labs) == ["duplicate resource (same id)"]

    def test_same_value_same_instant(self) -> None:
        """Two resources with the same analyte, instant and canonical value give one point."""
        a = observation("a", value={"valueQuantity": quantity(500, "mg/g", "mg/g")})
        b = observation("b", value={"valueQuantity": quantity(0.5, "g/g", "g/g")})
        labs = map_observations([a, b])
        assert len(labs.get(Analyte.UPCR).points) == 1
        assert "duplicate upcr result" in _reasons(labs)[0]

    def test_same_instant_different_comparator_kept(self) -> None:
        """'<0.5' and '0.5' at the same instant are different results."""
        a = observation("a", value={"valueQuantity": quantity(0.5, "g/g", "g/g", comparator="<")})
        b = observation("b", value={"valueQuantity": quantity(0.5, "g/g", "g/g")})
        assert len(map_observations([a, b]).get(Analyte.UPCR).points) == 2

    def test_sorted_oldest_first(self) -> None:
        """Series are sorted oldest first whatever the input order."""
        obs = [
            observation(f"o{i}", when={"effectiveDateTime": f"2024-0{m}-01"})
            for i, m in enumerate([5, 1, 3])
        ]
        points = map_observations(obs).get(Analyte.UPCR).points
        assert [p.when.month for p in points] == [1, 3, 5]

    def test_resources_without_id_are_not_deduplicated_by_id(self) -> None:
        """Resources without an id are each read (and de-duplicated by value only)."""
        a = observation(None, when={"effectiveDateTime": "2024-01-01"})
        b = observation(None, when={"effectiveDateTime": "2024-02-01"})
        points = map_observations([a, b]).get(Analyte.UPCR).points
        assert len(points) == 2
        assert points[0].source_id is None


class TestOddInput:
    @pytest.mark.parametrize("item", [None, 3, "x", ["list"]])
    def test_non_object(self, item: object) -> None:
        """Non-objects are excluded, never raise."""
        labs = map_observations([item])
        assert _reasons(labs) == ["not a JSON object"]

    def test_other_resource_type(self) -> None:
        """A resource of another type is excluded."""
        labs = map_observations([{"resourceType": "Condition", "id": "c"}])
        assert "not an Observation" in _reasons(labs)[0]

    def test_missing_resource_type_is_read(self) -> None:
        """An Observation without resourceType is still read."""
        obs = observation()
        del obs["resourceType"]
        assert len(map_observations([obs]).get(Analyte.UPCR).points) == 1

    def test_empty(self) -> None:
        """No input gives empty results."""
        labs = map_observations([])
        assert labs.series == {}
        assert labs.excluded == ()


class TestBarePanel:
    def test_known_panel_code_without_value_reads_components_only(self) -> None:
        """An eGFR Observation holding its value in a component gives one point, no exclusion."""
        obs = observation(loinc="33914-3", value={})
        obs["component"] = [
            {
                "code": {"coding": [{"system": "http://loinc.org", "code": "48642-3"}]},
                "valueQuantity": quantity(60, "mL/min/1.73m2", "mL/min/{1.73_m2}"),
            },
            {
                "code": {"coding": [{"system": "http://loinc.org", "code": "48643-1"}]},
                "valueQuantity": quantity(60, "mL/min/1.73m2", "mL/min/{1.73_m2}", comparator=">"),
            },
        ]
        labs = map_observations([obs])
        (point,) = labs.get(Analyte.EGFR).points
        assert point.code == "48642-3"
        assert labs.excluded == ()

    def test_known_code_with_absent_value_and_components(self) -> None:
        """A dataAbsentReason on the panel itself is still reported."""
        obs = observation(loinc="33914-3", value={"dataAbsentReason": {"text": "x"}})
        obs["component"] = [
            {
                "code": {"coding": [{"system": "http://loinc.org", "code": "48642-3"}]},
                "valueQuantity": quantity(60, "mL/min/1.73m2", "mL/min/{1.73_m2}"),
            }
        ]
        labs = map_observations([obs])
        assert len(labs.get(Analyte.EGFR).points) == 1
        assert "dataAbsentReason" in labs.excluded[0].reason
