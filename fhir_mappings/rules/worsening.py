"""Renal function worsening on therapy, at any time before the line has responded.

The review defines refractory disease as failing to respond, or deteriorating, within
6-12 months; a worsening calls for an earlier biopsy. Judged on the newest values
against the line's renal baseline (the ruleset's preferred measure first):

* confirmed: the two newest values, on different days, are both beyond
  ``WorseningRule.creatinine_rise_confirmed`` (or ``egfr_fall_confirmed``);
* single: the newest value alone is beyond the higher ``creatinine_ratio_single`` (or
  ``egfr_fall_single``);
* with proteinuria: the newest proteinuria has risen from the line's baseline by the
  proteinuric bands of ``FlareRule`` while renal function is beyond the stability band;
* unconfirmed: only the newest value is beyond the confirmed threshold: the card asks for
  a repeat value (a warning, not the critical card), and nothing else waits on it.

A dip that has recovered does not fire: only the newest values count. Once the line
has met a complete or partial response, a rise is judged as a flare instead
(``fhir_mappings.rules.flare``).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from fhir_mappings.facts import Analyte, LabPoint, PatientFacts
from fhir_mappings.findings import ResponseAssessment
from fhir_mappings.rules.flare import proteinuria_rose
from fhir_mappings.rules.response import EPS, RenalSeries, renal_worse
from fhir_mappings.rulesets import Ruleset


class WorseningKind(StrEnum):
    CONFIRMED = "confirmed"  # two newest values beyond the confirmed threshold
    SINGLE = "single"  # the newest value beyond the single-value threshold
    WITH_PROTEINURIA = "with-proteinuria"  # proteinuria rising with renal function worse
    UNCONFIRMED = "unconfirmed"  # the newest value alone beyond the confirmed threshold


@dataclass(frozen=True, slots=True)
class Worsening:
    """A worsening found: the baseline, the values that show it, and how.

    ``confirmed`` is False for ``UNCONFIRMED``: one value beyond the lower threshold says
    "repeat it", not yet "worsening on therapy"."""

    kind: WorseningKind
    baseline: LabPoint
    worse: tuple[LabPoint, ...]  # oldest first; the newest is the current value
    proteinuria: tuple[LabPoint, ...] = ()  # (baseline, newest) when proteinuria counted

    @property
    def confirmed(self) -> bool:
        return self.kind is not WorseningKind.UNCONFIRMED

    @property
    def since(self) -> LabPoint:
        """The first value that shows the worsening (a biopsy after it answers it)."""
        return self.worse[0]


def _change(baseline: LabPoint, point: LabPoint) -> float:
    """Fractional rise of creatinine, or fall of eGFR, from ``baseline``."""
    if point.analyte is Analyte.CREATININE:
        return (point.value - baseline.value) / baseline.value
    return (baseline.value - point.value) / baseline.value


def _better_side(point: LabPoint) -> bool:
    """The comparator says the true value may be better than the number."""
    if point.analyte is Analyte.CREATININE:
        return point.comparator in ("<", "<=")
    return point.comparator in (">", ">=")


def _beyond(baseline: LabPoint, point: LabPoint, creatinine: float, egfr: float) -> bool:
    if _better_side(point):
        return False
    limit = creatinine if point.analyte is Analyte.CREATININE else egfr
    return _change(baseline, point) >= limit - EPS


def renal_worsening(
    facts: PatientFacts, response: ResponseAssessment, ruleset: Ruleset
) -> Worsening | None:
    """The worsening of the current line, or ``None`` (also once it has responded)."""
    if response.responded:
        return None
    rule = ruleset.worsening
    renal = RenalSeries(facts, response.clock_start, ruleset, facts.today)
    unconfirmed: Worsening | None = None
    for baseline, points in renal.series:
        after = [p for p in points if p.day > baseline.day]
        if not after:
            continue
        newest = after[-1]
        single_creatinine = rule.creatinine_ratio_single - 1.0
        if _beyond(baseline, newest, single_creatinine, rule.egfr_fall_single):
            return Worsening(WorseningKind.SINGLE, baseline, (newest,))
        previous = next((p for p in reversed(after) if p.day < newest.day), None)
        confirmed = rule.creatinine_rise_confirmed, rule.egfr_fall_confirmed
        if previous is not None and all(
            _beyond(baseline, p, *confirmed) for p in (previous, newest)
        ):
            return Worsening(WorseningKind.CONFIRMED, baseline, (previous, newest))
        if unconfirmed is None and _beyond(baseline, newest, *confirmed):
            unconfirmed = Worsening(WorseningKind.UNCONFIRMED, baseline, (newest,))
    return _with_proteinuria(response, renal, ruleset) or unconfirmed


def _with_proteinuria(
    response: ResponseAssessment, renal: RenalSeries, ruleset: Ruleset
) -> Worsening | None:
    base_p, latest_p = response.baseline_proteinuria, response.latest_proteinuria
    if renal.preferred is None or base_p is None or latest_p is None:
        return None
    if not proteinuria_rose(base_p, latest_p, ruleset.flare):
        return None
    baseline, points = renal.preferred
    newest = points[-1]
    if newest.day <= baseline.day or not renal_worse(baseline, newest, ruleset):
        return None
    return Worsening(WorseningKind.WITH_PROTEINURIA, baseline, (newest,), (base_p, latest_p))
