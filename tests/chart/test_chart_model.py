"""cds_service.chart_model: the chart's data from the same facts and judgement as the cards."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest

from cds_service.chart_model import CLASSIFICATION_TEXT, PROTEINURIA, chart_model
from cds_service.demo import load_patients
from fhir_mappings import assess, wording
from fhir_mappings.findings import ResponseClass
from fhir_mappings.resources import PatientResources
from fhir_mappings.rulesets import RULESETS, get_ruleset
from tests.support import ehr
from tests.support.record import Record

TODAY = date(2026, 11, 1)
DEMO_TODAY = date(2026, 6, 30)


def refractory() -> Record:
    """MMF 3 g/day for 8 months, UPCR 4 -> 3.2 g/g, eGFR steady, a biopsy before the start."""
    return (
        Record()
        .patient()
        .lupus_nephritis(10)
        .biopsy(8.5)
        .mmf(8, 3)
        .upcr((8.2, 4.0), (5, 3.6), (2, 3.4), (0.3, 3.2))
        .egfr((8.2, 80), (0.3, 78))
        .creatinine((8.2, 0.9), (0.3, 0.92))
    )


def model_of(record: Record, ruleset: str = "kdigo-2024") -> dict[str, Any]:
    return dict(chart_model(record.resources(), record.today, ruleset))


class TestSeries:
    def test_proteinuria_points_oldest_first_with_source_and_wording(self) -> None:
        """Proteinuria points come oldest first, in g/g, with their source and the cards' text."""
        model = model_of(refractory())
        points = model["series"][PROTEINURIA]["points"]
        assert [p["value"] for p in points] == [4.0, 3.6, 3.4, 3.2]
        assert [p["date"] for p in points] == sorted(p["date"] for p in points)
        assert all(p["source"].startswith("Observation/") for p in points)
        assert points[0]["text"] == "4 g/g"
        assert model["series"][PROTEINURIA]["unit"] == "g/g"

    def test_24h_protein_wins_its_day_and_keeps_its_analyte(self) -> None:
        """A UPCR and a 24 h protein on one day give one point, the 24 h one."""
        record = refractory()
        day = record.at(0.3)
        record.add(ehr.protein_24h_mg("p24", day, 2900))
        points = model_of(record)["series"][PROTEINURIA]["points"]
        same_day = [p for p in points if p["date"] == day]
        assert len(same_day) == 1
        assert same_day[0]["analyte"] == "protein-24h"
        assert same_day[0]["value"] == pytest.approx(2.9)

    def test_comparator_is_kept(self) -> None:
        """A "<0.1" result keeps its comparator and says so in its text."""
        record = refractory()
        record.add(ehr.upcr("low", record.at(0.1), 0.1, comparator="<"))
        point = model_of(record)["series"][PROTEINURIA]["points"][-1]
        assert (point["comparator"], point["text"]) == ("<", "<0.1 g/g")

    def test_renal_series_are_both_given(self) -> None:
        """eGFR and creatinine are both in the model, in their canonical units."""
        series = model_of(refractory())["series"]
        assert [p["value"] for p in series["egfr"]["points"]] == [80, 78]
        assert [p["value"] for p in series["creatinine"]["points"]] == [0.9, 0.92]
        assert series["egfr"]["unit_text"] == "mL/min/1.73 m²"


class TestKidneyFunction:
    @pytest.mark.parametrize(
        ("ruleset", "expected"),
        [("kdigo-2024", "egfr"), ("eular-2019", "egfr"), ("kdigo-2012", "creatinine")],
    )
    def test_the_judged_measure_is_plotted(self, ruleset: str, expected: str) -> None:
        """The chart plots the renal measure the ruleset judged stability with."""
        assert model_of(refractory(), ruleset)["kidney_function"] == expected

    def test_creatinine_when_no_egfr(self) -> None:
        """Without eGFR the chart plots creatinine."""
        record = Record().patient().lupus_nephritis().mmf(8, 3).upcr((8.2, 4.0), (0.3, 3.2))
        record.creatinine((8.2, 0.9), (0.3, 0.92))
        assert model_of(record)["kidney_function"] == "creatinine"

    def test_none_without_renal_results(self) -> None:
        """With neither eGFR nor creatinine nothing is plotted below proteinuria."""
        record = Record().patient().lupus_nephritis().mmf(8, 3).upcr((8.2, 4.0), (0.3, 3.2))
        model = model_of(record)
        assert model["kidney_function"] is None
        assert model["thresholds"]["kidney_baseline"] is None


class TestThresholds:
    @pytest.mark.parametrize("name", sorted(RULESETS))
    def test_response_thresholds_are_the_rulesets(self, name: str) -> None:
        """The complete-response threshold and the partial-response cap are the ruleset's."""
        rules = get_ruleset(name)
        thresholds = model_of(refractory(), name)["thresholds"]
        assert thresholds["complete_response_below"]["value"] == rules.cr_proteinuria_below_g_g
        assert thresholds["partial_response_cap"]["value"] == rules.pr_cap_below_g_g

    def test_baseline_and_its_partial_response_level(self) -> None:
        """The current line's baseline and the level a partial response must fall to."""
        record = refractory()
        thresholds = model_of(record)["thresholds"]
        assert thresholds["baseline"]["value"] == 4.0
        assert thresholds["baseline"]["date"] == record.at(8.2)
        assert thresholds["partial_response_level"]["value"] == pytest.approx(2.0)
        assert thresholds["partial_response_level"]["fall_text"] == "50 %"
        assert thresholds["baseline"]["from"] == record.at(8)
        assert thresholds["baseline"]["to"] == record.today.isoformat()

    @pytest.mark.parametrize(
        ("ruleset", "baseline", "applies"),
        [
            ("kdigo-2024", 2.0, True),
            ("kdigo-2012", 2.0, False),
            ("kdigo-2012", 4.0, True),
            ("eular-2019", 2.0, True),
        ],
    )
    def test_cap_applies_from_a_nephrotic_baseline_only_under_kdigo_2012(
        self, ruleset: str, baseline: float, applies: bool
    ) -> None:
        """KDIGO 2012 caps a partial response only when the baseline was nephrotic."""
        record = (
            Record()
            .patient()
            .lupus_nephritis()
            .mmf(8, 3)
            .upcr((8.2, baseline), (0.3, baseline * 0.9))
        )
        cap = model_of(record, ruleset)["thresholds"]["partial_response_cap"]
        assert cap["applies"] is applies

    @pytest.mark.parametrize(
        ("ruleset", "analyte", "edge"),
        [
            ("kdigo-2024", "egfr", 80 * 0.85),
            ("eular-2019", "egfr", 80 * 0.90),
            ("kdigo-2012", "creatinine", 0.9 * 1.25),
        ],
    )
    def test_kidney_band_is_the_rulesets(self, ruleset: str, analyte: str, edge: float) -> None:
        """The stability band's edge is the baseline moved by the ruleset's band."""
        band = model_of(refractory(), ruleset)["thresholds"]["kidney_band"]
        assert band["analyte"] == analyte
        assert band["value"] == pytest.approx(edge)

    def test_no_line_no_line_thresholds(self) -> None:
        """Without a current line only the ruleset's thresholds are given."""
        record = Record().patient().lupus_nephritis().upcr((3, 1.0), (1, 0.8))
        thresholds = model_of(record)["thresholds"]
        assert thresholds["baseline"] is None
        assert thresholds["partial_response_level"] is None
        assert thresholds["kidney_band"] is None
        assert thresholds["complete_response_below"]["value"] == 0.5


class TestLinesAndBiopsies:
    def test_lines_with_wording_and_current(self) -> None:
        """Each line has its number, dates, role, the cards' label and whether it is current."""
        record = refractory()
        (line,) = model_of(record)["lines"]
        facts_line = record.assess().facts.treatment.lines[0]
        assert line["number"] == 1
        assert line["start"] == record.at(8)
        assert line["end"] is None
        assert line["role"] == "induction"
        assert line["label"] == wording.line_label(facts_line)
        assert line["current"] is True

    def test_biopsies_by_date(self) -> None:
        """Kidney biopsies are given by date."""
        record = refractory().biopsy(1)
        dates = [b["date"] for b in model_of(record)["biopsies"]]
        assert dates == [record.at(8.5), record.at(1)]


class TestJudged:
    def test_refractory_is_judged_at_the_latest_value(self) -> None:
        """No response after 8 months, judged on the latest proteinuria."""
        record = refractory()
        judged = model_of(record)["judged"]
        assert judged["classification"] == "none"
        assert judged["classification_text"] == CLASSIFICATION_TEXT[ResponseClass.NONE]
        assert (judged["date"], judged["value"]) == (record.at(0.3), 3.2)
        assert judged["months_text"] == "8 months"
        assert judged["at"] == record.today.isoformat()

    def test_no_follow_up_no_judged_value(self) -> None:
        """With no value after the baseline the judgement has no point to mark."""
        record = Record().patient().lupus_nephritis().mmf(5, 3).upcr((5.2, 4.0))
        judged = model_of(record)["judged"]
        assert judged["classification"] == "insufficient-data"
        assert judged["date"] is None
        assert judged["value"] is None

    def test_no_current_line_nothing_judged(self) -> None:
        """Off therapy, nothing is judged."""
        record = Record().patient().lupus_nephritis().upcr((3, 1.0))
        assert model_of(record)["judged"] is None

    def test_no_judgement_where_the_cards_make_none(self) -> None:
        """On dialysis the algorithm does not apply: no judgement and no line thresholds."""
        model = chart_model(demo_resources("o-on-dialysis"), DEMO_TODAY, "kdigo-2024")
        assert model["judged"] is None
        assert model["thresholds"]["baseline"] is None
        assert [line["current"] for line in model["lines"]] == [True]

    def test_every_classification_has_a_text(self) -> None:
        """Every response class has the chart's words."""
        assert set(CLASSIFICATION_TEXT) == set(ResponseClass)


def demo_resources(slug: str) -> PatientResources:
    (patient,) = load_patients(DEMO_TODAY, slugs=(slug,))
    return PatientResources.from_resources(patient.resources())


DEMO_SLUGS = [p.slug for p in load_patients(DEMO_TODAY)]


class TestDemoPatients:
    @pytest.mark.parametrize("slug", DEMO_SLUGS)
    def test_same_judgement_as_the_cards(self, slug: str) -> None:
        """The chart's judgement is the response the cards are drawn from."""
        resources = demo_resources(slug)
        model = chart_model(resources, DEMO_TODAY, "kdigo-2024")
        response = assess(resources, today=DEMO_TODAY).response
        if response is None:
            assert model["judged"] is None
        else:
            assert model["judged"] is not None
            assert model["judged"]["classification"] == response.classification.value
            assert model["judged"]["line"] == response.line_number

    @pytest.mark.parametrize("slug", DEMO_SLUGS)
    def test_no_patient_identifiers(self, slug: str) -> None:
        """The model names no patient: no id, name, birth date or gender."""
        (patient,) = load_patients(DEMO_TODAY, slugs=(slug,))
        text = json.dumps(chart_model(demo_resources(slug), DEMO_TODAY, "kdigo-2024"))
        record = next(r for r in patient.resources() if r["resourceType"] == "Patient")
        assert f'"{patient.patient_id}"' not in text
        assert f'Patient/{patient.patient_id}"' not in text
        assert record["birthDate"] not in text
        for name in record.get("name", []):
            for part in [*name.get("given", []), name.get("family", "")]:
                if part:
                    assert part not in text

    def test_json_ready(self) -> None:
        """The model is plain JSON (it round-trips unchanged)."""
        model = chart_model(demo_resources("a-refractory"), DEMO_TODAY, "kdigo-2024")
        assert json.loads(json.dumps(model)) == model


def test_unknown_ruleset() -> None:
    """An unknown ruleset name is a ValueError naming the valid ones."""
    with pytest.raises(ValueError, match="kdigo-2024"):
        chart_model(PatientResources(), TODAY, "kdigo-1999")
