"""Named threshold tables, one frozen ``Ruleset`` per guideline.

Every number the assessment uses lives here, with its guideline and section beside
it, so a reviewer checks a threshold against the guideline by reading this file.
Sources: ``/work/shared/reference/clinical.md`` (project reference, confidence
H/M/U as marked there) and the pages cited in each ``Citation``. Where the
references are silent, the value is a documented choice (marked CHOICE).

Units: proteinuria thresholds are in g/g (UPCR); a 24 h protein in g/day is taken
as equivalent (usual clinical convention, clinical.md "Units").
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType

from fhir_mappings.facts import Analyte
from fhir_mappings.findings import Citation

#: Days per month used for every "months on therapy" (365.25 / 12).
DAYS_PER_MONTH = 30.4375


class StabilityMeasure(StrEnum):
    """Which renal-function measure a ruleset judges stability with first."""

    EGFR_FIRST = "egfr-first"  # eGFR if available, else serum creatinine
    CREATININE_FIRST = "creatinine-first"  # serum creatinine, else eGFR


@dataclass(frozen=True, slots=True)
class DoseTargets:
    """Induction dose targets and exposure thresholds (shared by all rulesets)."""

    # clinical.md "Doses": MMF standard 2-3 g/day (EULAR 2019, H); the review: < 3 g/day
    # without remission -> consider 3 g/day as tolerated.
    mmf_standard_min_mg_day: float = 2000.0
    mmf_target_mg_day: float = 3000.0
    mmf_step_dose_mg: float = 1500.0  # 1.5 g twice daily = 3 g/day (clinical.md, H)
    # clinical.md: mycophenolate sodium 1.44-2.16 g/day; 2.16 g/day = 3 g MMF (M);
    # 720 mg MPS ~ 1000 mg MMF (M).
    mps_target_mg_day: float = 2160.0
    mps_step_dose_mg: float = 1080.0  # 1080 mg twice daily = 2.16 g/day
    mps_mg_per_mmf_mg: float = 720.0 / 1000.0
    # clinical.md: MPA trough (C0/C12) >= 3 mg/L (H); MPA 12 h AUC 30-60 mg*h/L (H).
    mpa_trough_min_mg_l: float = 3.0
    mpa_auc_min_mg_h_l: float = 30.0
    mpa_auc_max_mg_h_l: float = 60.0
    # clinical.md: multitarget = tacrolimus 4 mg/day with MMF 1 g/day (U): standard, not
    # under-dosing. KDIGO 2024 (MPAA + CNI only when eGFR > 45, droracle.ai summary of
    # KDIGO 2024 Rec 10.2.3.1.1) and clinical.md (voclosporin only if eGFR > 45, U/M).
    multitarget_mmf_mg_day: float = 1000.0
    # Voclosporin: "not recommended in patients with a baseline eGFR <= 45 mL/min/1.73 m2
    # unless the benefit exceeds the risk" (LUPKYNIS US prescribing information, section
    # 2.2 / 5.3, FDA label set id 9f489295-1156-52c7-5fd0-5c4c52f9b813).
    voclosporin_min_egfr: float = 45.0  # strictly greater than


#: PDC adherent threshold: >= 0.80. Pharmacy Quality Alliance adherence measures
#: (https://www.pqaalliance.org/adherence-measures): "clinical evidence provides support
#: for a standard PDC threshold of 80%".
PDC_ADHERENT_MIN = 0.80

ADHERENCE_CITATION = Citation(
    "Pharmacy Quality Alliance: Proportion of Days Covered, 80% threshold",
    "https://www.pqaalliance.org/adherence-measures",
)

#: 10-year renal survival by response, quoted by the review (clinical.md "The review").
PROGNOSIS_10Y_RENAL_SURVIVAL: Mapping[str, float] = MappingProxyType(
    {"complete": 0.94, "partial": 0.45, "none": 0.19}
)

KDIGO_2024 = Citation(
    "KDIGO 2024 Clinical Practice Guideline for the Management of Lupus Nephritis "
    "(Kidney Int 2024;105(1S):S1-S69), response definitions",
    "https://kdigo.org/guidelines/lupus-nephritis/",
)
KDIGO_2012 = Citation(
    "KDIGO 2012 Clinical Practice Guideline for Glomerulonephritis, "
    "chapter 12 (lupus nephritis), response definitions",
    "https://kdigo.org/guidelines/gn/",
)
EULAR_2019 = Citation(
    "2019 Update of the EULAR/ERA-EDTA recommendations for the management of lupus "
    "nephritis (Fanouriakis et al., Ann Rheum Dis 2020;79:713-723)",
    "https://doi.org/10.1136/annrheumdis-2020-216924",
)


@dataclass(frozen=True, slots=True)
class RecordWindows:
    """How far back in the record the rules read, in days before the evaluation date.

    The searches of the gathering step are bounded by these (``fhir_mappings.lookback``):
    a record older than a window is never needed, so paging may stop there.
    """

    # Refill adherence is measured over at most the last 180 days (the window of the
    # adherence rule, from the line start or the last 180 days) ...
    adherence_days: int = 180
    # ... and a fill up to 180 days before that window can still carry supply into it
    # (the longest days' supply dispensed at once in the fills the rules read).
    fill_carry_days: int = 180
    # CHOICE: laboratory results of the last 3 years. The response of a line is judged
    # from its start (baseline up to 60 days before it) at 6-12 months, and complete
    # response "may take more than 12 months" (KDIGO 2024); flares are judged against
    # the remission values. Three years covers a line started two years ago with its
    # baseline, and the remission values before a flare.
    observation_days: int = 3 * 365
    # CHOICE: the treatment history (orders, statements, administrations) of the last
    # 5 years: the agents tried in that time are not offered again, and a switch card
    # says that treatment before that date was not read.
    treatment_days: int = 5 * 365


@dataclass(frozen=True, slots=True)
class Ruleset:
    """The response definitions and time points of one guideline."""

    name: str
    title: str
    # Complete response: proteinuria strictly below this (g/g).
    cr_proteinuria_below_g_g: float
    # Partial response: fractional fall from baseline at least this (>=).
    pr_min_fall: float
    # Partial response: and strictly below this cap (g/g) ...
    pr_cap_below_g_g: float
    # ... always (False) or only when the baseline was nephrotic (True).
    pr_cap_only_if_nephrotic: bool
    # Nephrotic baseline: at least this (g/g).
    nephrotic_baseline_g_g: float
    # Renal function: which measure first, and the bands (fraction of baseline).
    stability_measure: StabilityMeasure
    creatinine_band: float  # stable if rise <= band (worse if rise > band)
    egfr_band: float  # stable if fall <= band (worse if fall > band)
    # Time points (months of induction).
    earliest_judgement_months: float  # before this: TOO_EARLY unless CR/PR reached
    judgement_window_end_months: float  # response expected by then
    early_worsening_months: float  # worsening in this window -> earlier biopsy
    early_target_fall: float | None  # early target fall (fraction) ...
    early_target_months: float | None  # ... by this month (EULAR only)
    # Data windows (days).
    baseline_days_before: int  # baseline: nearest value within this many days before start
    baseline_days_after: int  # else the first value up to this many days after start
    latest_max_age_days: int  # latest value older than this: not recent enough to judge
    doses: DoseTargets
    pdc_adherent_min: float
    citations: tuple[Citation, ...]
    windows: RecordWindows = field(default_factory=lambda: RecordWindows())

    def stability_order(self) -> tuple[Analyte, Analyte]:
        """The renal-function analytes in the order this ruleset prefers them."""
        if self.stability_measure is StabilityMeasure.EGFR_FIRST:
            return (Analyte.EGFR, Analyte.CREATININE)
        return (Analyte.CREATININE, Analyte.EGFR)


# CHOICE (reference silent): baseline = value nearest the induction start within 60 days
# before it (a diagnostic work-up incl. biopsy usually precedes induction by weeks), else
# the first value up to 14 days after it (induction began before labs were filed).
_BASELINE_DAYS_BEFORE = 60
_BASELINE_DAYS_AFTER = 14
# ACR 2024 (clinical.md "Guideline updates"): proteinuria at least every 3 months until
# complete response. CHOICE: 120 days = 3 months plus a 4-week grace for scheduling.
_LATEST_MAX_AGE_DAYS = 120

RULESETS: Mapping[str, Ruleset] = MappingProxyType(
    {
        "kdigo-2024": Ruleset(
            name="kdigo-2024",
            # The KDIGO 2024 LN response definitions are those of KDIGO 2021 GN chapter 10.
            title="KDIGO 2024 lupus nephritis guideline",
            # KDIGO 2024 / 2021 CR: PCR < 0.5 g/g (50 mg/mmol) (clinical.md, M). ERRATUM:
            # the review writes "<500 mg/mmol"; the correct value is < 500 mg/g (~50
            # mg/mmol) = 0.5 g/g, encoded here.
            cr_proteinuria_below_g_g=0.5,
            pr_min_fall=0.5,  # KDIGO 2024 PR: fall >= 50% (clinical.md, M)
            pr_cap_below_g_g=3.0,  # KDIGO 2024 PR: and to < 3 g/g (300 mg/mmol), always
            pr_cap_only_if_nephrotic=False,
            nephrotic_baseline_g_g=3.0,  # KDIGO 2012/2024 nephrotic: >= 3 g/g
            stability_measure=StabilityMeasure.EGFR_FIRST,  # KDIGO 2024: eGFR stable
            # KDIGO 2024: eGFR "within 10-15% of baseline". CHOICE: 15%, the permissive
            # edge: eGFR varies ~10% between draws, and the stricter edge would call a
            # response lost (or early worsening) on noise. Creatinine fallback: same 15%
            # (CHOICE; a 15% eGFR fall is about a 13-15% creatinine rise).
            creatinine_band=0.15,
            egfr_band=0.15,
            earliest_judgement_months=6.0,  # KDIGO 2024: response within 6-12 months
            judgement_window_end_months=12.0,
            early_worsening_months=3.0,  # review: worsening in the first 3 months
            early_target_fall=None,
            early_target_months=None,
            baseline_days_before=_BASELINE_DAYS_BEFORE,
            baseline_days_after=_BASELINE_DAYS_AFTER,
            latest_max_age_days=_LATEST_MAX_AGE_DAYS,
            doses=DoseTargets(),
            pdc_adherent_min=PDC_ADHERENT_MIN,
            citations=(KDIGO_2024,),
        ),
        "kdigo-2012": Ruleset(
            name="kdigo-2012",
            title="KDIGO 2012 glomerulonephritis guideline",
            # KDIGO 2012 CR: UPCR < 500 mg/g (50 mg/mmol) (clinical.md, H for the value;
            # the review's "<500 mg/mmol" is an erratum) and creatinine back to baseline.
            cr_proteinuria_below_g_g=0.5,
            pr_min_fall=0.5,  # KDIGO 2012 PR: UPCR fall >= 50% (clinical.md, M)
            pr_cap_below_g_g=3.0,  # KDIGO 2012 PR: < 3000 mg/g ...
            pr_cap_only_if_nephrotic=True,  # ... only if nephrotic at baseline
            nephrotic_baseline_g_g=3.0,  # KDIGO 2012: nephrotic >= 3000 mg/g
            stability_measure=StabilityMeasure.CREATININE_FIRST,
            # KDIGO 2012: creatinine stable (+/-25%). CHOICE: "back to previous baseline"
            # for CR is read with the same 25% band; eGFR fallback uses 25% too.
            creatinine_band=0.25,
            egfr_band=0.25,
            earliest_judgement_months=6.0,  # KDIGO 2012: judge response after 6 months
            judgement_window_end_months=12.0,
            early_worsening_months=3.0,  # KDIGO 2012: worsening in first 3 months
            early_target_fall=None,
            early_target_months=None,
            baseline_days_before=_BASELINE_DAYS_BEFORE,
            baseline_days_after=_BASELINE_DAYS_AFTER,
            latest_max_age_days=_LATEST_MAX_AGE_DAYS,
            doses=DoseTargets(),
            pdc_adherent_min=PDC_ADHERENT_MIN,
            citations=(KDIGO_2012,),
        ),
        "eular-2019": Ruleset(
            name="eular-2019",
            title="EULAR/ERA-EDTA 2019 lupus nephritis recommendations",
            # EULAR 2019 CR: proteinuria < 0.5-0.7 g/24 h with (near-)normal GFR by 12
            # months (abstract, doi above). CHOICE: 0.7, the permissive edge (also the
            # MAINTAIN 12-month predictor, clinical.md).
            cr_proteinuria_below_g_g=0.7,
            pr_min_fall=0.5,  # EULAR 2019 PR: >= 50% fall ...
            # ... to sub-nephrotic. CHOICE (reference silent on the number): < 3 g/day,
            # KDIGO's nephrotic cut-off, so the rulesets differ only where guidelines do.
            pr_cap_below_g_g=3.0,
            pr_cap_only_if_nephrotic=False,
            nephrotic_baseline_g_g=3.0,
            stability_measure=StabilityMeasure.EGFR_FIRST,  # EULAR: GFR within 10%
            creatinine_band=0.10,  # CHOICE: creatinine fallback with the same 10%
            egfr_band=0.10,  # EULAR 2019 PR: GFR within 10% of baseline (clinical.md, H/M)
            earliest_judgement_months=6.0,  # EULAR 2019: PR by 6 months
            judgement_window_end_months=12.0,  # EULAR 2019: CR by 12 months
            early_worsening_months=3.0,  # review: worsening in the first 3 months
            early_target_fall=0.25,  # EULAR 2019 early target: >= 25% fall ...
            early_target_months=3.0,  # ... by 3 months
            baseline_days_before=_BASELINE_DAYS_BEFORE,
            baseline_days_after=_BASELINE_DAYS_AFTER,
            latest_max_age_days=_LATEST_MAX_AGE_DAYS,
            doses=DoseTargets(),
            pdc_adherent_min=PDC_ADHERENT_MIN,
            citations=(EULAR_2019,),
        ),
    }
)

DEFAULT_RULESET = "kdigo-2024"


def get_ruleset(name: str) -> Ruleset:
    """The ruleset called ``name``; ``ValueError`` naming the valid ones otherwise."""
    try:
        return RULESETS[name]
    except KeyError:
        valid = ", ".join(sorted(RULESETS))
        raise ValueError(f"unknown ruleset {name!r}; valid rulesets: {valid}") from None
