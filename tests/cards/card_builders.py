"""Hand-built findings and a card-rule checker for the card, terminal and demo tests
(imported as ``tests.cards.card_builders``)."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from typing import Any

from fhir.resources.R4B import get_fhir_model_class

from fhir_mappings.facts import (
    Agent,
    Analyte,
    LabPoint,
    LabResults,
    PatientFacts,
    Route,
    SafetyRecord,
    TreatmentHistory,
)
from fhir_mappings.findings import (
    ActionKind,
    Citation,
    EvidenceRow,
    Finding,
    PatientAssessment,
    RecommendedAction,
    Severity,
    Topic,
)

KDIGO = Citation(
    "KDIGO 2024 Lupus Nephritis Guideline, Practice Point 10.2.3.1.1",
    "https://kdigo.org/guidelines/lupus-nephritis/",
    "KDIGO 2024, PP 10.2.3.1.1",
)


def upcr_point(day: date, value: float, comparator: str | None = None) -> LabPoint:
    return LabPoint(
        analyte=Analyte.UPCR,
        when=datetime(day.year, day.month, day.day, tzinfo=UTC),
        value=value,
        unit="g/g",
        comparator=comparator,
        original_value=value,
        original_unit="g/g",
        code="2890-2",
        source_id=None,
    )


def upcr_row(day: date, value: float, marker: str | None = None) -> EvidenceRow:
    """A UPCR evidence row in g/g, as the rules build one from a result."""
    return EvidenceRow(
        when=day, label="UPCR", value=value, unit="g/g", analyte=Analyte.UPCR, marker=marker
    )


def make_finding(**overrides: Any) -> Finding:
    """A complete refractory finding; keyword arguments replace fields."""
    values: dict[str, Any] = {
        "topic": Topic.REFRACTORY,
        "severity": Severity.WARNING,
        "summary": "Refractory lupus nephritis: no response after 8 months of induction",
        "rationale": "No complete or partial response (UPCR fall >= 50 % and < 3 g/g) by month 6.",
        "evidence": (
            upcr_row(date(2026, 1, 10), 3.1, "baseline"),
            upcr_row(date(2026, 7, 2), 2.2, "latest"),
        ),
        "series": (
            upcr_point(date(2026, 1, 10), 3.1),
            upcr_point(date(2026, 4, 1), 2.4),
            upcr_point(date(2026, 7, 2), 2.2),
        ),
        "next_steps": ("Assess adherence.", "Review the dose.", "Repeat the kidney biopsy."),
        "actions": (
            RecommendedAction(
                ActionKind.ORDER_KIDNEY_BIOPSY,
                "Order kidney biopsy",
                {"reason": "Refractory LN"},
                True,
            ),
        ),
        "citations": (KDIGO,),
        "notes": ("Adherence estimated from pharmacy fills.",),
    }
    values.update(overrides)
    return Finding(**values)


ALL_ACTIONS: tuple[RecommendedAction, ...] = (
    RecommendedAction(ActionKind.ORDER_KIDNEY_BIOPSY, "Order kidney biopsy", {"reason": "x"}, True),
    RecommendedAction(
        ActionKind.ORDER_LAB,
        "Order UPCR",
        {"loinc": "2890-2", "display": "Protein/Creatinine [Mass Ratio] in Urine", "reason": "r"},
    ),
    RecommendedAction(
        ActionKind.DOSE_STEP,
        "Increase mycophenolate mofetil to 3 g/day",
        {
            "agent": Agent.MYCOPHENOLATE_MOFETIL.value,
            "daily_dose_mg": 3000.0,
            "dose_mg": 1500.0,
            "frequency_per_day": 2,
            "route": Route.ORAL.value,
            "replaces": "MedicationRequest/mmf-1",
        },
        True,
    ),
    RecommendedAction(
        ActionKind.START_THERAPY,
        "Start cyclophosphamide",
        {
            "agent": Agent.CYCLOPHOSPHAMIDE.value,
            "dosage_text": "500 mg IV every 2 weeks x 6 (Euro-Lupus)",
            "route": Route.INTRAVENOUS.value,
        },
    ),
    RecommendedAction(
        ActionKind.START_THERAPY,
        "Add rituximab",
        {"agent": Agent.RITUXIMAB.value, "dosage_text": "1 g IV x 2", "route": "intravenous"},
    ),
)


def make_assessment(
    findings: tuple[Finding, ...], patient_id: str | None = "p1"
) -> PatientAssessment:
    facts = PatientFacts(
        today=date(2026, 7, 10),
        patient_id=patient_id,
        lupus_nephritis=(),
        labs=LabResults(series={}),
        treatment=TreatmentHistory(
            orders=(), administrations=(), courses=(), lines=(), current=None
        ),
        exposure=(),
        biopsies=(),
        safety=SafetyRecord(patient=None),
    )
    return PatientAssessment(facts=facts, response=None, findings=findings)


def counter_uuids() -> Callable[[], str]:
    numbers: Iterator[int] = itertools.count(1)
    return lambda: f"00000000-0000-4000-8000-{next(numbers):012d}"


CARD_KEYS = {
    "uuid",
    "summary",
    "detail",
    "indicator",
    "source",
    "suggestions",
    "selectionBehavior",
    "overrideReasons",
    "links",
}


def _no_empty(value: Any, path: str = "card") -> None:
    assert value is not None, f"{path} is null"
    if isinstance(value, str | list | dict):
        assert len(value) > 0, f"{path} is empty"
    if isinstance(value, dict):
        for key, item in value.items():
            _no_empty(item, f"{path}.{key}")
    elif isinstance(value, list):
        for i, item in enumerate(value):
            _no_empty(item, f"{path}[{i}]")


def check_card(card: dict[str, Any]) -> None:
    """Assert every CDS Hooks 2.0 card rule this service promises."""
    from cds_service.cards import CARD_TOPIC_SYSTEM, OVERRIDE_REASON_SYSTEM, SOURCE_LABEL

    assert set(card) <= CARD_KEYS
    _no_empty(card)
    assert card["uuid"]
    assert len(card["summary"]) < 140
    assert card["indicator"] in {"info", "warning", "critical"}
    assert card["source"]["label"] == SOURCE_LABEL
    assert card["source"]["url"].startswith("https://")
    topic = card["source"]["topic"]
    assert topic["system"] == CARD_TOPIC_SYSTEM
    assert topic["code"] in {t.value for t in Topic}
    assert ("suggestions" in card) == ("selectionBehavior" in card)
    if "selectionBehavior" in card:
        assert card["selectionBehavior"] in {"at-most-one", "any"}
    for suggestion in card.get("suggestions", ()):
        assert suggestion["label"]
        assert suggestion["uuid"]
        assert isinstance(suggestion["isRecommended"], bool)
        for action in suggestion["actions"]:
            assert action["type"] == "create"
            resource = action["resource"]
            model = get_fhir_model_class(resource["resourceType"])
            model.model_validate(resource)
            assert resource["status"] == "draft"
    for reason in card["overrideReasons"]:
        assert reason["system"] == OVERRIDE_REASON_SYSTEM
        assert reason["code"]
        assert reason["display"]
    for link in card.get("links", ()):
        assert link["type"] in {"absolute", "smart"}
        assert link["url"].startswith(("https://", "http://"))
        assert link["label"]
