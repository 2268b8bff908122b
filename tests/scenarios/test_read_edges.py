"""Edges of the reading stage seen from the cards: records built as an EHR holds them
(``tests.support.record``), run through the real pipeline, where a wrong fact read from
the medication record would change what the clinician is told."""

from __future__ import annotations

from fhir_mappings.facts import Agent, LineChange
from fhir_mappings.findings import Topic
from tests.scenarios.test_course_of_treatment import refractory_on_mmf
from tests.support import ehr
from tests.support.record import CYC, HCQ, RITUXIMAB, Record


class TestPulsesAcrossLines:
    def test_rituximab_added_to_euro_lupus_does_not_hide_the_pulses_given(self) -> None:
        """Six Euro-Lupus pulses, rituximab added after the fourth: every pulse still counts,
        so no card calls the course under-delivered."""
        r = Record().patient(gender="male").lupus_nephritis(10)
        r.pulses(CYC, 8, 6)
        r.pulses(RITUXIMAB, 6.5, 2, every_days=14, mg=1000, order=False)
        r.upcr((8.3, 3.0), (5, 2.9), (0.5, 2.8))
        r.creatinine((8.3, 1.0), (0.5, 1.0))
        a = r.assess()
        line = a.facts.treatment.current
        assert line is not None
        assert line.change is LineChange.ADDED
        cyclophosphamide = line.agent(Agent.CYCLOPHOSPHAMIDE)
        assert cyclophosphamide is not None
        assert cyclophosphamide.pulses is not None
        assert len(cyclophosphamide.pulses.given) == 6
        assert Topic.DOSE_REVIEW not in [f.topic for f in a.findings]


class TestHydroxychloroquineOnHold:
    def test_a_held_hydroxychloroquine_order_is_not_non_adherence(self) -> None:
        """Refractory on MMF with good refills; hydroxychloroquine put on hold 4 months ago
        (retinal screening), its refills stopped: no adherence card, the refractory call
        stands."""
        r = refractory_on_mmf()
        r.order(HCQ, 8, ehr.timed_dose(mg=200, code="BID"), end_months_ago=4)
        r.order(HCQ, 4, {"text": "On hold: retinal screening"}, status="on-hold")
        r.fills("hydroxychloroquine 200 mg tablet", 8, 4, tablets=60)
        topics = r.topics()
        assert Topic.ADHERENCE not in topics
        assert Topic.REFRACTORY in topics
