"""Adherence is not exposure: judging refills and drug levels together.

* Refills measured with PDC below ``Ruleset.pdc_adherent_min``: possible non-adherence.
* A hydroxychloroquine whole-blood level below its threshold: possible non-adherence
  (Blanchet 2020).
* A low MPA trough or AUC while refills cover the period (PDC at or above the
  threshold): the exposure is too low, a dosing question (AUC-guided dosing), never
  reported as non-adherence (van Gelder 2015). With refills unknown, a low level may be
  either: it is reported as possible non-adherence or low exposure.
* A random MPA level (timing not stated) is not a trough and is not judged.
* Given by clinicians (IV, administrations recorded): adherence is not in question.
* The current order on hold: neither adherence nor dose is judged.
* No dispense record, or a server that provides none: unknown, never non-adherent.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from fhir_mappings.facts import Agent, AgentExposure, Analyte, LabPoint, RefillStatus
from fhir_mappings.rules.response import is_below
from fhir_mappings.rulesets import Ruleset


class Verdict(StrEnum):
    ADHERENT = "adherent"
    POSSIBLE_NONADHERENCE = "possible-nonadherence"
    LOW_EXPOSURE = "low-exposure"  # low MPA level with good refills: a dosing question
    NONADHERENCE_OR_LOW_EXPOSURE = "nonadherence-or-low-exposure"  # low level, refills unknown
    GIVEN_BY_CLINICIANS = "given-by-clinicians"
    ON_HOLD = "on-hold"
    UNKNOWN = "unknown"


#: Verdicts that put adherence in doubt (the review's first step).
DOUBT: frozenset[Verdict] = frozenset(
    {Verdict.POSSIBLE_NONADHERENCE, Verdict.NONADHERENCE_OR_LOW_EXPOSURE}
)


@dataclass(frozen=True, slots=True)
class AgentAdherence:
    """The verdict on one agent, with what it rests on."""

    exposure: AgentExposure
    verdict: Verdict
    low_pdc: bool
    low_levels: tuple[LabPoint, ...]

    @property
    def agent(self) -> Agent:
        return self.exposure.agent

    @property
    def in_doubt(self) -> bool:
        return self.verdict in DOUBT


def _threshold(analyte: Analyte, ruleset: Ruleset) -> float | None:
    doses = ruleset.doses
    return {
        Analyte.MPA_TROUGH: doses.mpa_trough_min_mg_l,
        Analyte.MPA_AUC: doses.mpa_auc_min_mg_h_l,
        Analyte.HYDROXYCHLOROQUINE: doses.hydroxychloroquine_min_ng_ml,
    }.get(analyte)


def low_levels(exposure: AgentExposure, ruleset: Ruleset) -> tuple[LabPoint, ...]:
    """The levels of the agent below their thresholds (random MPA levels are not judged)."""
    out = []
    for point in exposure.levels:
        threshold = _threshold(point.analyte, ruleset)
        if threshold is not None and is_below(point, threshold):
            out.append(point)
    return tuple(out)


def judge(exposure: AgentExposure, ruleset: Ruleset) -> AgentAdherence:
    """The adherence verdict on one agent of the current line."""
    refills = exposure.refills
    if refills.status is RefillStatus.ON_HOLD:
        return AgentAdherence(exposure, Verdict.ON_HOLD, False, ())
    lows = low_levels(exposure, ruleset)
    if refills.status is RefillStatus.GIVEN_BY_CLINICIANS:
        return AgentAdherence(exposure, Verdict.GIVEN_BY_CLINICIANS, False, lows)
    pdc = refills.pdc if refills.status is RefillStatus.MEASURED else None
    low_pdc = pdc is not None and pdc < ruleset.pdc_adherent_min
    good_pdc = pdc is not None and not low_pdc
    hcq_low = any(p.analyte is Analyte.HYDROXYCHLOROQUINE for p in lows)
    mpa_low = any(p.analyte in (Analyte.MPA_TROUGH, Analyte.MPA_AUC) for p in lows)
    if low_pdc or hcq_low:
        verdict = Verdict.POSSIBLE_NONADHERENCE
    elif mpa_low and good_pdc:
        verdict = Verdict.LOW_EXPOSURE
    elif mpa_low:
        verdict = Verdict.NONADHERENCE_OR_LOW_EXPOSURE
    elif good_pdc or any(_threshold(p.analyte, ruleset) is not None for p in exposure.levels):
        verdict = Verdict.ADHERENT
    else:
        verdict = Verdict.UNKNOWN
    return AgentAdherence(exposure, verdict, low_pdc, lows)


def judge_all(exposures: tuple[AgentExposure, ...], ruleset: Ruleset) -> tuple[AgentAdherence, ...]:
    return tuple(judge(e, ruleset) for e in exposures)
