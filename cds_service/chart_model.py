"""The chart's data: one patient's proteinuria and kidney function over time.

``chart_model(resources, today, ruleset_name)`` runs ``fhir_mappings.assess``, the
entry point the cards come from: ``build_facts`` reads the resources, the algorithm
judges the current line with ``rules.response.assess_line``. The chart shows that
judgement, and none where the cards make none (no lupus nephritis, kidney failure, a
regimen that cannot be read, no current line). It returns a JSON-ready dict (see
``ChartModel`` for its keys):

* ``series``: proteinuria (UPCR and 24 h protein merged, one value a day, 24 h
  preferred: ``proteinuria_series``, the series the response is judged on), eGFR and
  creatinine, oldest first; every point with its date, value, comparator, the
  resource it came from and its text as the cards write it;
* ``kidney_function``: the renal series the chart plots: the one the judgement used
  (the ruleset's preferred measure), else eGFR, else creatinine;
* ``thresholds``: the ruleset's complete-response threshold and partial-response cap,
  and for the current line its proteinuria baseline, the partial-response fall level
  (the 50 % level), its kidney-function baseline and stability band;
* ``lines``: every line of therapy (number, dates, role, label); ``biopsies``: dates;
* ``judged``: the current line's classification at ``today``, with the proteinuria
  value it rests on and the months on the line; the line's thresholds (baseline, 50 %
  level, kidney band) are given only when it is judged.

Values and dates only, plus their wording from ``fhir_mappings.wording`` (one voice for
numbers): no name, no birth date, no patient id. Pure: no I/O, no clock.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any, Final, TypedDict

from fhir_mappings import assess, wording
from fhir_mappings.facts import CANONICAL_UNIT, Analyte, LabPoint, PatientFacts, TherapyLine
from fhir_mappings.findings import ResponseAssessment, ResponseClass
from fhir_mappings.resources import PatientResources
from fhir_mappings.rules.response import find_baseline, proteinuria_series, usable
from fhir_mappings.rulesets import Ruleset, get_ruleset

__all__ = ["PROTEINURIA", "ChartModel", "chart_model"]

#: Name of the merged UPCR / 24 h protein series.
PROTEINURIA: Final = "proteinuria"
#: The proteinuria series is in g/g; a 24 h protein in g/day is taken as equivalent.
_PROTEINURIA_UNIT: Final = "g/g"
_RENAL: Final = (Analyte.EGFR, Analyte.CREATININE)
#: The classifications as the chart names them.
CLASSIFICATION_TEXT: Final[Mapping[ResponseClass, str]] = {
    ResponseClass.COMPLETE: "Complete response",
    ResponseClass.PARTIAL: "Partial response",
    ResponseClass.NONE: "No response",
    ResponseClass.TOO_EARLY: "Too early to judge",
    ResponseClass.INSUFFICIENT_DATA: "Not enough data to judge",
}

Json = dict[str, Any]


class ChartModel(TypedDict):
    """The keys of ``chart_model``'s answer (values are JSON: str, float, list, dict)."""

    ruleset: Json
    today: str
    series: dict[str, Json]
    kidney_function: str | None
    thresholds: Json
    lines: list[Json]
    biopsies: list[Json]
    judged: Json | None


def chart_model(resources: PatientResources, today: date, ruleset_name: str) -> ChartModel:
    """The chart of one patient at ``today`` (``ValueError`` on an unknown ruleset)."""
    ruleset = get_ruleset(ruleset_name)
    outcome = assess(resources, today=today, ruleset=ruleset.name)
    facts, assessment = outcome.facts, outcome.response
    current = facts.treatment.current if assessment is not None else None
    renal = _kidney_function(facts, assessment)
    return ChartModel(
        ruleset={"name": ruleset.name, "title": ruleset.title},
        today=today.isoformat(),
        series={
            PROTEINURIA: _series(
                PROTEINURIA, "Proteinuria", _PROTEINURIA_UNIT, proteinuria_series(facts)
            ),
            **{
                analyte.value: _series(
                    analyte.value,
                    wording.label(analyte),
                    CANONICAL_UNIT[analyte],
                    usable(facts.labs.get(analyte).points, today),
                )
                for analyte in _RENAL
            },
        },
        kidney_function=renal.value if renal is not None else None,
        thresholds=_thresholds(facts, current, assessment, ruleset, renal),
        lines=[_line(line, facts.treatment.current) for line in facts.treatment.lines],
        biopsies=[
            {"date": b.when.isoformat(), "source": b.source_id}
            for b in sorted(facts.biopsies, key=lambda b: b.when)
            if b.when <= today
        ],
        judged=_judged(assessment, today),
    )


def _series(name: str, label: str, unit: str, points: Iterable[LabPoint]) -> Json:
    return {
        "name": name,
        "label": label,
        "unit": unit,
        "unit_text": wording.unit(unit),
        "points": [_point(p) for p in points],
    }


def _point(point: LabPoint) -> Json:
    return {
        "date": point.day.isoformat(),
        "value": point.value,
        "comparator": point.comparator,
        "analyte": point.analyte.value,
        "label": wording.label(point.analyte),
        "text": wording.lab(point),
        "source": point.source_id,
    }


def _level(value: float, analyte: Analyte) -> Json:
    return {"value": value, "text": wording.lab_number(value, analyte)}


def _kidney_function(facts: PatientFacts, assessment: ResponseAssessment | None) -> Analyte | None:
    """The renal series to plot: the one judged, else eGFR, else creatinine."""
    if assessment is not None and assessment.baseline_renal is not None:
        return assessment.baseline_renal.analyte
    return next((a for a in _RENAL if facts.labs.get(a).points), None)


def _thresholds(
    facts: PatientFacts,
    line: TherapyLine | None,
    assessment: ResponseAssessment | None,
    ruleset: Ruleset,
    renal: Analyte | None,
) -> Json:
    upcr = Analyte.UPCR
    baseline = assessment.baseline_proteinuria if assessment is not None else None
    nephrotic = baseline is not None and baseline.value >= ruleset.nephrotic_baseline_g_g
    out: Json = {
        "complete_response_below": _level(ruleset.cr_proteinuria_below_g_g, upcr),
        "partial_response_cap": {
            **_level(ruleset.pr_cap_below_g_g, upcr),
            # KDIGO 2012 applies the cap only from a nephrotic baseline
            "applies": not ruleset.pr_cap_only_if_nephrotic or nephrotic,
        },
        "baseline": None,
        "partial_response_level": None,
        "kidney_baseline": None,
        "kidney_band": None,
    }
    if line is None:
        return out
    since, until = line.clock_start.isoformat(), facts.today.isoformat()
    if baseline is not None:
        out["baseline"] = {
            **_level(baseline.value, baseline.analyte),
            "date": baseline.day.isoformat(),
            "from": since,
            "to": until,
        }
        level = baseline.value * (1 - ruleset.pr_min_fall)
        out["partial_response_level"] = {
            **_level(level, upcr),
            "fall": ruleset.pr_min_fall,
            "fall_text": wording.percent(ruleset.pr_min_fall),
            "from": since,
            "to": until,
        }
    if renal is not None:
        points = usable(facts.labs.get(renal).points, facts.today)
        kidney = find_baseline(points, line.clock_start, ruleset)
        if kidney is not None and kidney.value > 0:
            band = ruleset.egfr_band if renal is Analyte.EGFR else ruleset.creatinine_band
            edge = kidney.value * (1 - band if renal is Analyte.EGFR else 1 + band)
            out["kidney_baseline"] = {
                **_level(kidney.value, renal),
                "analyte": renal.value,
                "date": kidney.day.isoformat(),
                "from": since,
                "to": until,
            }
            out["kidney_band"] = {
                **_level(edge, renal),
                "analyte": renal.value,
                "band": band,
                "band_text": wording.percent(band),
                "from": since,
                "to": until,
            }
    return out


def _line(line: TherapyLine, current: TherapyLine | None) -> Json:
    return {
        "number": line.number,
        "start": line.start.isoformat(),
        "end": line.end.isoformat() if line.end is not None else None,
        "clock_start": line.clock_start.isoformat(),
        "role": line.role.value,
        "role_text": wording.role(line.role),
        "change": line.change.value,
        "label": wording.line_label(line),
        "current": current is not None and line.number == current.number,
    }


def _judged(assessment: ResponseAssessment | None, today: date) -> Json | None:
    if assessment is None:
        return None
    latest = assessment.latest_proteinuria
    return {
        "line": assessment.line_number,
        "at": today.isoformat(),
        "classification": assessment.classification.value,
        "classification_text": CLASSIFICATION_TEXT[assessment.classification],
        "months": assessment.months_on_line,
        "months_text": wording.months(assessment.months_on_line),
        "date": latest.day.isoformat() if latest is not None else None,
        "value": latest.value if latest is not None else None,
        "comparator": latest.comparator if latest is not None else None,
        "text": wording.lab(latest) if latest is not None else None,
        "response_date": (
            assessment.response_date.isoformat() if assessment.response_date else None
        ),
    }
