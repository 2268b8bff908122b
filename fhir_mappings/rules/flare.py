"""Renal flare after a complete or partial response (KDIGO 2012 GN, Table 29).

Reference values are the remission values: the lowest proteinuria and the lowest
creatinine from the first response on, before the values that show the rise. A
moderate flare (``FlareRule``) needs the two newest values to meet it; a severe flare
counts on one value. A flare is not refractory disease: it calls for a repeat biopsy
and re-induction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from fhir_mappings.facts import Analyte, LabPoint, PatientFacts
from fhir_mappings.findings import ResponseAssessment
from fhir_mappings.rules.response import EPS, is_at_least, usable
from fhir_mappings.rulesets import FlareRule, Ruleset


class FlareKind(StrEnum):
    PROTEINURIC = "proteinuric"
    NEPHRITIC = "nephritic"  # creatinine rise


class FlareSeverity(StrEnum):
    MODERATE = "moderate"
    SEVERE = "severe"


@dataclass(frozen=True, slots=True)
class Flare:
    """A flare found: the remission value, the values that show it, kind and severity."""

    kind: FlareKind
    severity: FlareSeverity
    reference: LabPoint  # the remission value the rise is measured from
    risen: tuple[LabPoint, ...]  # oldest first; the newest is the current value
    response_date: date  # the first response on this clock

    @property
    def since(self) -> LabPoint:
        return self.risen[0]


def proteinuria_rose(reference: LabPoint, point: LabPoint, rule: FlareRule) -> bool:
    """``point`` meets the moderate proteinuric bands measured from ``reference``."""
    if reference.comparator in (">", ">="):
        return False
    ref = reference.value
    if ref < rule.upcr_low_band_g_g:
        return is_at_least(point, rule.upcr_low_band_to_g_g)
    if ref <= rule.upcr_mid_band_g_g:
        return is_at_least(point, rule.upcr_mid_band_to_g_g)
    return is_at_least(point, ref * rule.upcr_high_band_factor)


def _proteinuria_severe(reference: LabPoint, point: LabPoint, rule: FlareRule) -> bool:
    return point.comparator not in ("<", "<=") and (
        point.value - reference.value > rule.upcr_severe_rise_g_g + EPS
    )


def _creatinine_rise(reference: LabPoint, point: LabPoint, rule: FlareRule) -> FlareSeverity | None:
    if point.comparator in ("<", "<=") or reference.comparator in (">", ">="):
        return None
    rise = point.value - reference.value
    low = reference.value < rule.creatinine_baseline_split_mg_dl
    severe = (
        rule.creatinine_rise_severe_low_mg_dl if low else rule.creatinine_rise_severe_high_mg_dl
    )
    moderate = (
        rule.creatinine_rise_moderate_low_mg_dl if low else rule.creatinine_rise_moderate_high_mg_dl
    )
    if rise > severe + EPS:
        return FlareSeverity.SEVERE
    if rise >= moderate - EPS:
        return FlareSeverity.MODERATE
    return None


def _lowest(points: list[LabPoint]) -> LabPoint | None:
    return min(points, key=lambda p: (p.value, p.when)) if points else None


def renal_flare(
    facts: PatientFacts, response: ResponseAssessment, ruleset: Ruleset
) -> Flare | None:
    """A flare of the current clock after its first response, or ``None``."""
    first = response.first_response_date
    if first is None:
        return None
    rule = ruleset.flare
    found = _proteinuric(response.follow_up, first, rule)
    if found is None:
        creatinine = usable(facts.labs.get(Analyte.CREATININE).points, facts.today)
        found = _nephritic([p for p in creatinine if p.day >= first], rule)
    if found is None:
        return None
    kind, severity, reference, risen = found
    return Flare(kind, severity, reference, risen, first)


def _proteinuric(
    follow_up: tuple[LabPoint, ...], first: date, rule: FlareRule
) -> tuple[FlareKind, FlareSeverity, LabPoint, tuple[LabPoint, ...]] | None:
    since = [p for p in follow_up if p.day >= first]
    if len(since) < 2:
        return None
    newest, previous = since[-1], since[-2]
    reference = _lowest(since[:-1])
    if reference is not None and _proteinuria_severe(reference, newest, rule):
        return FlareKind.PROTEINURIC, FlareSeverity.SEVERE, reference, (newest,)
    reference = _lowest(since[:-2])
    if reference is not None and all(
        proteinuria_rose(reference, p, rule) for p in (previous, newest)
    ):
        return FlareKind.PROTEINURIC, FlareSeverity.MODERATE, reference, (previous, newest)
    return None


def _nephritic(
    since: list[LabPoint], rule: FlareRule
) -> tuple[FlareKind, FlareSeverity, LabPoint, tuple[LabPoint, ...]] | None:
    if len(since) < 2:
        return None
    newest, previous = since[-1], since[-2]
    reference = _lowest(since[:-1])
    if reference is not None and _creatinine_rise(reference, newest, rule) is FlareSeverity.SEVERE:
        return FlareKind.NEPHRITIC, FlareSeverity.SEVERE, reference, (newest,)
    reference = _lowest(since[:-2])
    if reference is not None and all(
        _creatinine_rise(reference, p, rule) is not None for p in (previous, newest)
    ):
        return FlareKind.NEPHRITIC, FlareSeverity.MODERATE, reference, (previous, newest)
    return None
