"""One home for every clinical number: one frozen ``Ruleset`` per guideline.

Every threshold, dose and time window the rules use is a field here, with its source
beside it (a constant of ``fhir_mappings.sources``, listed with what was read of it in
``docs/clinical-sources.md``). Where the sources are silent the value is a documented
choice, marked CHOICE with its reason. A test walks the rules and the readers and
fails on any clinical number written anywhere else.

The three rulesets differ only in the response definitions (the fields of
``Ruleset`` itself); dose targets, treatment windows, worsening, flare and safety
thresholds are shared (``DoseTargets``, ``TreatmentWindows``, ...), because the
guidelines do not differ there or are silent.

Units: proteinuria thresholds are in g/g (UPCR); a 24 h protein in g/day is taken as
equivalent (the usual clinical convention; the cards say so when a series mixes both).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType

from fhir_mappings.facts import Agent, Analyte
from fhir_mappings.findings import Citation
from fhir_mappings.sources import (
    ACOG_TERM,
    ACR_2020_REPRO,
    ACR_2024_LN,
    BLANCHET_2020,
    CHEN_2008,
    CTFG_2020,
    EULAR_2019_LN,
    EUROLUPUS_2002,
    KDIGO_2012_AKI,
    KDIGO_2012_CKD,
    KDIGO_2012_FLARE,
    KDIGO_2012_GN,
    KDIGO_2024_LN,
    KDIGO_2024_LN_CNI,
    KORBET_2012,
    KRONBICHLER_2019,
    LABEL_BELIMUMAB,
    LABEL_CYCLOPHOSPHAMIDE,
    LABEL_MYCOPHENOLATE,
    LABEL_MYCOPHENOLATE_NEUTROPENIA,
    LABEL_RITUXIMAB,
    LABEL_VOCLOSPORIN,
    LIU_2015,
    LUNAR_2012,
    MAINTAIN_2010,
    MALVAR_2017,
    MORONI_2022,
    NOBILITY,
    PQA_PDC,
    SALVADORI_2004,
    TDM_LN_2015,
    VAN_GELDER_2015,
)

#: Days per month used for every "months on therapy" (365.25 / 12).
DAYS_PER_MONTH = 30.4375


class StabilityMeasure(StrEnum):
    """Which renal-function measure a ruleset judges stability with first."""

    EGFR_FIRST = "egfr-first"  # eGFR if available, else serum creatinine
    CREATININE_FIRST = "creatinine-first"  # serum creatinine, else eGFR


@dataclass(frozen=True, slots=True)
class DoseTargets:
    """Doses: induction targets, maintenance, exposure, schedules of pulsed agents."""

    # EULAR 2019: "MMF 2-3 g/day or mycophenolic acid at equivalent dose"; the review:
    # without remission, maximise MMF to 3 g/day as tolerated.
    mmf_standard_min_mg_day: float = 2000.0
    mmf_target_mg_day: float = 3000.0
    mmf_step_dose_mg: float = 1500.0  # 1.5 g twice daily = 3 g/day
    # Salvadori 2004: mycophenolate sodium 720 mg twice daily = MMF 1000 mg twice daily,
    # so 3 g MMF = 2.16 g mycophenolate sodium.
    mps_target_mg_day: float = 2160.0
    mps_step_dose_mg: float = 1080.0  # 1080 mg twice daily = 2.16 g/day
    mps_mg_per_mmf_mg: float = 720.0 / 1000.0
    # MAINTAIN 2010: maintenance MMF target 2 g/day (azathioprine 2 mg/kg/day). MMF up
    # to and including this dose after an induction is maintenance, not a new induction;
    # mycophenolate sodium by the Salvadori equivalence (2000 x 0.72 = 1440 mg).
    maintenance_mmf_max_mg_day: float = 2000.0
    maintenance_mps_max_mg_day: float = 1440.0
    # van Gelder 2015 and the MPA TDM review 2015: pre-dose (trough, C12h) MPA >= 3 mg/L;
    # AUC threshold 30-45 mg.h/L (30-60 is the transplant range). A level below these
    # with good refills is low exposure: AUC-guided dosing.
    mpa_trough_min_mg_l: float = 3.0
    mpa_auc_min_mg_h_l: float = 30.0
    mpa_auc_target_max_mg_h_l: float = 45.0
    # Blanchet 2020: whole-blood hydroxychloroquine < 200 ng/mL = non-adherence.
    hydroxychloroquine_min_ng_ml: float = 200.0
    # Liu 2015 (multitarget): tacrolimus 4 mg/day with MMF 1 g/day: standard, not low.
    multitarget_mmf_mg_day: float = 1000.0
    multitarget_tacrolimus_mg_day: float = 4.0
    # KDIGO 2024 Rec 10.2.3.1.1 and its figure, and the Lupkynis label: MPAA with a
    # calcineurin inhibitor (voclosporin, tacrolimus, cyclosporine) only when eGFR > 45.
    cni_regimen_min_egfr: float = 45.0  # strictly greater than
    # Euro-Lupus 2002 (EULAR 2019: "500 mg x 6 biweekly doses").
    euro_lupus_dose_mg: float = 500.0
    euro_lupus_interval_days: float = 14.0
    euro_lupus_pulses: int = 6
    # NIH-type: 0.5-1.0 g/m2 every 4 weeks x 6 (Liu 2015, control arm).
    nih_dose_min_mg_m2: float = 500.0
    nih_dose_max_mg_m2: float = 1000.0
    nih_interval_days: float = 28.0
    nih_pulses: int = 6
    # CHOICE: a pulse counts as missed once its due date (first pulse + n x interval) is
    # more than a week past: a week covers rescheduling around weekends and counts.
    pulse_due_grace_days: int = 7
    # LUNAR 2012: rituximab 1000 mg on days 1, 15, 168 and 182.
    rituximab_dose_mg: float = 1000.0
    rituximab_days: tuple[int, ...] = (1, 15, 168, 182)
    # NOBILITY: obinutuzumab 1000 mg on days 1, 15, 168 and 182.
    obinutuzumab_dose_mg: float = 1000.0
    obinutuzumab_days: tuple[int, ...] = (1, 15, 168, 182)
    # Lupkynis label 2.1: 23.7 mg twice daily with MMF and glucocorticoids.
    voclosporin_dose_mg: float = 23.7
    # Benlysta label 2.2-2.3 (lupus nephritis): IV 10 mg/kg every 2 weeks for 3 doses,
    # then every 4 weeks; or SC 400 mg weekly for 4 doses, then 200 mg weekly.
    belimumab_iv_mg_kg: float = 10.0
    belimumab_iv_loading_interval_days: int = 14
    belimumab_iv_loading_doses: int = 3
    belimumab_iv_interval_days: int = 28
    belimumab_sc_loading_mg: float = 400.0
    belimumab_sc_loading_doses: int = 4
    belimumab_sc_mg: float = 200.0
    # KDIGO 2024 executive summary: belimumab add-on when eGFR >= 30.
    belimumab_min_egfr: float = 30.0  # at least (30 itself qualifies)


@dataclass(frozen=True, slots=True)
class TreatmentWindows:
    """How orders and administrations become courses and lines of therapy."""

    # CHOICE: orders of one agent closer than one month are one course: a late renewal
    # of the usual 30-day supply does not split a course.
    course_gap_days: int = 30
    # CHOICE: administrations with no order up to 45 days apart are one course (monthly
    # NIH-type pulses and 4-weekly belimumab, plus two weeks for scheduling).
    admin_only_gap_days: int = 45
    # CHOICE: an administration-only course is ongoing while its next dose is due within
    # two weeks.
    admin_grace_days: int = 14
    # CHOICE: a line stays current while one of its agents ended at most 90 days ago
    # (the response is judged at 6-12 months; a pause of up to 3 months still belongs to
    # the line under assessment).
    line_recency_days: int = 90
    # A line of pulses (cyclophosphamide) ends long before its response is judged at
    # 6-12 months (KDIGO 2024): it stays current for 12 months from its start unless
    # another line starts.
    pulse_line_days: int = 366
    # CHOICE: agents started within 30 days of a line's start belong to that line (triple
    # therapy started together, an add-on delayed by approval); an agent started later is
    # an add-on that starts a new line and restarts the response clock.
    regimen_window_days: int = 30
    # CHOICE: a backbone stopped within 30 days of another backbone's start was switched
    # (MMF <-> cyclophosphamide), not combined.
    switch_overlap_days: int = 30
    # CHOICE: a kidney biopsy within the first 6 weeks of a line is its diagnostic
    # biopsy; a later one is a repeat biopsy. No guideline states an interval (ACR 2024
    # times the repeat biopsy for non-response after >= 6 months of treatment).
    repeat_biopsy_after_days: int = 42
    # CHOICE: maintenance counts as being stopped when its order ends within the next 90
    # days, or it stopped in the last 90: the review (and Malvar 2017) advise a biopsy
    # before stopping maintenance in clinical remission.
    maintenance_stop_notice_days: int = 90
    # CHOICE: a drug level older than about 3 months (the monitoring interval of ACR
    # 2024) says nothing about current exposure.
    level_recency_days: int = 90


@dataclass(frozen=True, slots=True)
class WorseningRule:
    """Renal function worsening on therapy, before the line has responded.

    Separate from the stability band of the response definitions: the band says when a
    response is lost, these say when the kidney is getting worse on treatment.
    """

    # Moroni 2022, Table 1: kidney function impairment = eGFR fall >= 30 % confirmed by
    # repeated values; nephritic flare = creatinine rise >= 30 %. Counted when the two
    # newest values on different days are both beyond it.
    creatinine_rise_confirmed: float = 0.30
    egfr_fall_confirmed: float = 0.30
    # CHOICE: one value counts when creatinine has doubled (KDIGO 2012 AKI stage 2:
    # 2.0-2.9 x baseline; doubling of creatinine is the hard end point of LN trials) or
    # eGFR has halved. No lupus nephritis guideline states a single-value rule.
    creatinine_ratio_single: float = 2.0
    egfr_fall_single: float = 0.50
    # Proteinuria rising with renal function beyond the stability band is a trigger
    # too (the review; ACR 2024: ongoing or worsening proteinuria with decreased kidney
    # function -> repeat biopsy); "rising" uses the proteinuric bands of ``FlareRule``
    # measured from the line's baseline.


@dataclass(frozen=True, slots=True)
class FlareRule:
    """Renal flare after a complete or partial response: KDIGO 2012 GN, Table 29.

    Moderate flare: creatinine up 0.20-1.0 mg/dL from a baseline < 2.0 mg/dL (0.40-1.5
    from >= 2.0); or UPCR up to >= 1.0 g/g from < 0.5, to >= 2.0 from 0.5-1.0, or
    doubled from > 1.0. Severe: creatinine up > 1.0 (> 1.5) mg/dL, or UPCR up by more
    than 5 g/g. The reference is the remission value (the lowest since the response).
    CHOICE: a moderate flare needs the two newest values to meet it (a flare is a
    reproducible rise, EULAR); a severe flare counts on one value.
    """

    creatinine_baseline_split_mg_dl: float = 2.0
    creatinine_rise_moderate_low_mg_dl: float = 0.20  # baseline < 2.0
    creatinine_rise_moderate_high_mg_dl: float = 0.40  # baseline >= 2.0
    creatinine_rise_severe_low_mg_dl: float = 1.0  # baseline < 2.0: more than this
    creatinine_rise_severe_high_mg_dl: float = 1.5  # baseline >= 2.0: more than this
    upcr_low_band_g_g: float = 0.5  # remission below this ...
    upcr_low_band_to_g_g: float = 1.0  # ... rising to at least this
    upcr_mid_band_g_g: float = 1.0  # remission 0.5-1.0 ...
    upcr_mid_band_to_g_g: float = 2.0  # ... rising to at least this
    upcr_high_band_factor: float = 2.0  # remission above 1.0: doubling
    upcr_severe_rise_g_g: float = 5.0  # any baseline: a rise of more than this


@dataclass(frozen=True, slots=True)
class ImprovingRule:
    """Not yet responding but improving: the switch waits for the later time point.

    The review: some clinicians wait until 12 months when creatinine is stable and
    proteinuria keeps falling; KDIGO 2024: a complete response "could take more than 12
    months"; Korbet 2012: half of complete remissions came after 12 months.
    CHOICE: "keeps falling" = the three newest proteinuria values since the baseline each
    lower than the one before, and the straight line fitted (least squares) through every
    value since the baseline meets the partial-response level by the later time point:
    a slow drift, or one steep step after a spike, is not improvement.
    """

    falling_points: int = 3


@dataclass(frozen=True, slots=True)
class SafetyRule:
    """When the algorithm must not run, and when its draft orders would harm."""

    # KDIGO 2012 CKD, Table 5: GFR category G5 (< 15) = kidney failure; CKD = present for
    # more than 3 months. Kidney failure by eGFR needs every eGFR over at least 90 days
    # below the cut-off (an acute fall is renal worsening, not kidney failure).
    kidney_failure_egfr_below: float = 15.0
    kidney_failure_min_days: int = 90
    # CHOICE: a dialysis procedure in the last 30 days means the patient is on dialysis
    # (maintenance haemodialysis is several times a week).
    dialysis_recent_days: int = 30
    # ACOG/SMFM CO 579: postterm = 42 0/7 weeks (294 days) and beyond. A positive test,
    # or a pregnancy recorded with no end, older than that is not a current pregnancy.
    pregnancy_max_days: int = 294
    # Labels: rituximab is not recommended with severe, active infections; obinutuzumab is
    # not given with an active infection; belimumab: consider interrupting with a new
    # infection; cyclophosphamide (UK SmPC): contraindicated in acute infections. No draft
    # dose increase or new immunosuppressant while one is active. CHOICE: an infection
    # recorded (onset or recorded date) in the last 90 days, or with no date, is active;
    # an older "active" record is stale.
    infection_recent_days: int = 90
    # CHOICE: no guideline states the hCG level at which a quantitative result is a positive
    # or a negative pregnancy test. Laboratories call < 5 IU/L negative (Mayo THCG, M Health
    # Fairview); qualitative tests detect 25 mIU/mL = 25 IU/L (Mayo urine hCG, LOINC
    # 80385-8); 5-25 may be an early pregnancy and is repeated in 48 h. So: >= 25 positive,
    # < 5 negative, anything between is neither (no test is recorded; a repeat decides).
    hcg_positive_min_iu_l: float = 25.0
    hcg_negative_below_iu_l: float = 5.0
    # CHOICE: a blood count older than 30 days says nothing about today's count.
    blood_count_recent_days: int = 30
    # CellCept label 5.4: if neutropenia develops (ANC < 1.3 x 10^3/uL = 1.3 x 10^9/L),
    # interrupt or reduce mycophenolate. No dose increase and no new immunosuppressant is
    # drafted below it. (No label threshold for platelets or leukocytes was verified:
    # none is encoded.)
    neutrophils_min: float = 1.3
    # ACR 2020 reproductive health: mycophenolate (stop > 6 weeks before conception) and
    # cyclophosphamide (stop 3 months before) are not for pregnancy; rituximab, belimumab
    # and other biologics are stopped at conception; the voclosporin label says to avoid
    # it (alcohol content). No draft order or dose step is made for these in pregnancy.
    pregnancy_excluded: frozenset[Agent] = frozenset(
        {
            Agent.MYCOPHENOLATE_MOFETIL,
            Agent.MYCOPHENOLATE_SODIUM,
            Agent.CYCLOPHOSPHAMIDE,
            Agent.RITUXIMAB,
            Agent.OBINUTUZUMAB,
            Agent.BELIMUMAB,
            Agent.ANIFROLUMAB,
            Agent.VOCLOSPORIN,
        }
    )
    # ACR 2020: hydroxychloroquine and azathioprine compatible with pregnancy (strong);
    # tacrolimus and cyclosporine compatible (conditional); low-dose glucocorticoids.
    pregnancy_compatible: tuple[Agent, ...] = (
        Agent.HYDROXYCHLOROQUINE,
        Agent.AZATHIOPRINE,
        Agent.TACROLIMUS,
        Agent.CYCLOSPORINE,
        Agent.PREDNISONE,
    )
    # Contraception after the last dose, for a woman of child-bearing potential: CellCept
    # Medication Guide (6 weeks), cyclophosphamide label (up to 1 year, FDA SrLC 2024),
    # rituximab label and SmPC (12 months), belimumab label (4 months). Obinutuzumab's
    # duration could not be read in its label: its draft says to follow the label.
    contraception_after: Mapping[Agent, tuple[int, str]] = field(
        default_factory=lambda: MappingProxyType(
            {
                Agent.MYCOPHENOLATE_MOFETIL: (6, "weeks"),
                Agent.MYCOPHENOLATE_SODIUM: (6, "weeks"),
                Agent.CYCLOPHOSPHAMIDE: (1, "year"),
                Agent.RITUXIMAB: (12, "months"),
                Agent.BELIMUMAB: (4, "months"),
            }
        )
    )
    # CellCept Medication Guide: a pregnancy test immediately before starting and another
    # 8 to 10 days later; tests repeated at follow-up visits.
    mycophenolate_second_test_days: tuple[int, int] = (8, 10)
    # CTFG 2020: a woman is of child-bearing potential from menarche until
    # postmenopausal unless permanently sterile. CHOICE: the record rarely says either,
    # so every female from 12 to 55 years counts unless menopause, hysterectomy,
    # oophorectomy or sterilisation is recorded; the bounds err towards the reminder.
    childbearing_age_min: int = 12
    childbearing_age_max: int = 55


@dataclass(frozen=True, slots=True)
class PlausibleBody:
    """Weight and height a record may hold; outside these a value is an entry error.

    CHOICE (no guideline states entry-error bounds): 2-400 kg and 40-250 cm bracket every
    child and adult the service may see. A value outside reads as unknown, so no mg/kg or
    mg/m2 dose is computed from it.
    """

    weight_kg: tuple[float, float] = (2.0, 400.0)
    height_cm: tuple[float, float] = (40.0, 250.0)


@dataclass(frozen=True, slots=True)
class RecordWindows:
    """How far back in the record the rules read, in days before the evaluation date.

    The searches of the gathering step are bounded by these (``fhir_mappings.lookback``):
    a record older than a window is never needed, so paging may stop there.
    """

    # Refill adherence is measured over at most the last 180 days (from the line's start
    # or the last 180 days) ...
    adherence_days: int = 180
    # ... and a fill up to 180 days before that window can still carry supply into it
    # (the longest days' supply dispensed at once in the fills the rules read).
    fill_carry_days: int = 180
    # CHOICE: laboratory results of the last 3 years. The response of a line is judged
    # from its start (baseline up to 60 days before it) at 6-12 months, and a complete
    # response "could take more than 12 months" (KDIGO 2024); flares are judged against
    # the remission values. Three years covers a line started two years ago with its
    # baseline, and the remission values before a flare.
    observation_days: int = 3 * 365
    # CHOICE: the treatment history (orders, statements, administrations) of the last
    # 5 years: agents tried in that time are not offered again, and the cards say that
    # treatment before that date was not read.
    treatment_days: int = 5 * 365


#: PQA: "clinical evidence provides support for a standard PDC threshold of 80%".
PDC_ADHERENT_MIN = 0.80

#: 10-year renal survival by remission (Chen 2008; the study's own remission criteria).
PROGNOSIS_10Y_RENAL_SURVIVAL: Mapping[str, float] = MappingProxyType(
    {"complete": 0.94, "partial": 0.45, "none": 0.19}
)


@dataclass(frozen=True, slots=True)
class RuleSources:
    """The source each rule cites on its card (a short link; the full reference in the
    detail). Shared by the rulesets; ``response`` is per ruleset."""

    algorithm: Citation = KRONBICHLER_2019
    adherence: Citation = PQA_PDC
    adherence_first: Citation = ACR_2024_LN
    hydroxychloroquine_level: Citation = BLANCHET_2020
    dose: Citation = EULAR_2019_LN
    mycophenolate_sodium: Citation = SALVADORI_2004
    exposure: Citation = VAN_GELDER_2015
    exposure_review: Citation = TDM_LN_2015
    maintenance: Citation = MAINTAIN_2010
    euro_lupus: Citation = EUROLUPUS_2002
    multitarget: Citation = LIU_2015
    cni_egfr: Citation = KDIGO_2024_LN_CNI
    belimumab: Citation = LABEL_BELIMUMAB
    belimumab_first_line: Citation = KDIGO_2024_LN
    voclosporin: Citation = LABEL_VOCLOSPORIN
    rituximab: Citation = LUNAR_2012
    obinutuzumab: Citation = NOBILITY
    repeat_biopsy: Citation = ACR_2024_LN
    worsening: Citation = MORONI_2022
    worsening_single: Citation = KDIGO_2012_AKI
    flare: Citation = KDIGO_2012_FLARE
    improving: Citation = KORBET_2012
    maintenance_biopsy: Citation = MALVAR_2017
    prognosis: Citation = CHEN_2008
    infection: Citation = LABEL_RITUXIMAB
    neutropenia: Citation = LABEL_MYCOPHENOLATE_NEUTROPENIA
    kidney_failure: Citation = KDIGO_2012_CKD
    kidney_failure_ln: Citation = EULAR_2019_LN
    pregnancy: Citation = ACR_2020_REPRO
    mycophenolate_label: Citation = LABEL_MYCOPHENOLATE
    cyclophosphamide_label: Citation = LABEL_CYCLOPHOSPHAMIDE
    pregnancy_duration: Citation = ACOG_TERM
    childbearing: Citation = CTFG_2020


@dataclass(frozen=True, slots=True)
class Ruleset:
    """The response definitions of one guideline, and the shared thresholds."""

    name: str
    title: str
    short_title: str  # for summaries, which are short: "KDIGO 2024"
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
    # Time points (months on the line).
    earliest_judgement_months: float  # before this: TOO_EARLY unless CR/PR reached
    judgement_window_end_months: float  # response expected by then
    early_target_fall: float | None  # early target fall (fraction) ...
    early_target_months: float | None  # ... by this month (EULAR only)
    # Data windows (days).
    baseline_days_before: int  # baseline: nearest value within this many days before start
    baseline_days_after: int  # else the first value up to this many days after start
    latest_max_age_days: int  # latest value older than this: not recent enough to judge
    response_citation: Citation  # the ruleset's response definitions
    doses: DoseTargets = field(default_factory=DoseTargets)
    treatment: TreatmentWindows = field(default_factory=TreatmentWindows)
    worsening: WorseningRule = field(default_factory=WorseningRule)
    flare: FlareRule = field(default_factory=FlareRule)
    improving: ImprovingRule = field(default_factory=ImprovingRule)
    safety: SafetyRule = field(default_factory=SafetyRule)
    windows: RecordWindows = field(default_factory=RecordWindows)
    body: PlausibleBody = field(default_factory=PlausibleBody)
    sources: RuleSources = field(default_factory=RuleSources)
    pdc_adherent_min: float = PDC_ADHERENT_MIN

    @property
    def citations(self) -> tuple[Citation, ...]:
        """The response definitions' source (kept for the cards that judge response)."""
        return (self.response_citation,)

    def stability_order(self) -> tuple[Analyte, Analyte]:
        """The renal-function analytes in the order this ruleset prefers them."""
        if self.stability_measure is StabilityMeasure.EGFR_FIRST:
            return (Analyte.EGFR, Analyte.CREATININE)
        return (Analyte.CREATININE, Analyte.EGFR)


# CHOICE (sources silent): baseline = value nearest the line start within 60 days before
# it (the diagnostic work-up, biopsy included, usually precedes induction by weeks), else
# the first value up to 14 days after it (induction began before labs were filed).
_BASELINE_DAYS_BEFORE = 60
_BASELINE_DAYS_AFTER = 14
# ACR 2024: proteinuria at least every 3 months until complete response. CHOICE: 120
# days = 3 months plus a 4-week grace for scheduling.
_LATEST_MAX_AGE_DAYS = 120

RULESETS: Mapping[str, Ruleset] = MappingProxyType(
    {
        "kdigo-2024": Ruleset(
            name="kdigo-2024",
            title="KDIGO 2024 lupus nephritis guideline",
            short_title="KDIGO 2024",
            # KDIGO 2024 response criteria (ch. 10): CR = UPCR < 0.5 g/g (50 mg/mmol)
            # with kidney function within 10-15 % of baseline; PR = fall >= 50 % and to
            # < 3 g/g. The review prints CR as "<500 mg/mmol": an erratum; the guideline
            # value is < 500 mg/g (~50 mg/mmol) = 0.5 g/g, encoded here.
            cr_proteinuria_below_g_g=0.5,
            pr_min_fall=0.5,
            pr_cap_below_g_g=3.0,
            pr_cap_only_if_nephrotic=False,
            nephrotic_baseline_g_g=3.0,
            stability_measure=StabilityMeasure.EGFR_FIRST,
            # KDIGO 2024: kidney function within 10-15 % of baseline. CHOICE: 15 %, the
            # permissive edge: eGFR varies ~10 % between draws, and the stricter edge
            # would call a response lost on noise. Creatinine fallback: the same 15 %.
            creatinine_band=0.15,
            egfr_band=0.15,
            earliest_judgement_months=6.0,  # KDIGO 2024: response within 6-12 months
            judgement_window_end_months=12.0,
            early_target_fall=None,
            early_target_months=None,
            baseline_days_before=_BASELINE_DAYS_BEFORE,
            baseline_days_after=_BASELINE_DAYS_AFTER,
            latest_max_age_days=_LATEST_MAX_AGE_DAYS,
            response_citation=KDIGO_2024_LN,
        ),
        "kdigo-2012": Ruleset(
            name="kdigo-2012",
            title="KDIGO 2012 glomerulonephritis guideline",
            short_title="KDIGO 2012",
            # KDIGO 2012 ch. 12: CR = UPCR < 500 mg/g (50 mg/mmol) and creatinine back to
            # baseline; PR = creatinine stable (+/-25 %) and UPCR fall >= 50 %, and
            # < 3000 mg/g if nephrotic at baseline.
            cr_proteinuria_below_g_g=0.5,
            pr_min_fall=0.5,
            pr_cap_below_g_g=3.0,
            pr_cap_only_if_nephrotic=True,
            nephrotic_baseline_g_g=3.0,
            stability_measure=StabilityMeasure.CREATININE_FIRST,
            # CHOICE: "back to previous baseline" for CR is read with the PR's 25 % band;
            # the eGFR fallback uses 25 % too (Chen 2008 used <= 25 % for PR).
            creatinine_band=0.25,
            egfr_band=0.25,
            earliest_judgement_months=6.0,
            judgement_window_end_months=12.0,
            early_target_fall=None,
            early_target_months=None,
            baseline_days_before=_BASELINE_DAYS_BEFORE,
            baseline_days_after=_BASELINE_DAYS_AFTER,
            latest_max_age_days=_LATEST_MAX_AGE_DAYS,
            response_citation=KDIGO_2012_GN,
        ),
        "eular-2019": Ruleset(
            name="eular-2019",
            title="EULAR/ERA-EDTA 2019 lupus nephritis recommendations",
            short_title="EULAR 2019",
            # EULAR 2019: CR = proteinuria < 0.5-0.7 g/24 h with (near-)normal GFR by 12
            # months. CHOICE: 0.7, the permissive edge (the MAINTAIN 12-month predictor).
            cr_proteinuria_below_g_g=0.7,
            pr_min_fall=0.5,  # EULAR 2019 PR: >= 50 % fall to sub-nephrotic ...
            # ... CHOICE (number not stated): < 3 g/day, KDIGO's nephrotic cut-off, so the
            # rulesets differ only where the guidelines do.
            pr_cap_below_g_g=3.0,
            pr_cap_only_if_nephrotic=False,
            nephrotic_baseline_g_g=3.0,
            stability_measure=StabilityMeasure.EGFR_FIRST,
            # EULAR 2012 statement 3.2: GFR within 10 %; CHOICE: creatinine fallback 10 %.
            creatinine_band=0.10,
            egfr_band=0.10,
            earliest_judgement_months=6.0,  # EULAR 2019: PR by 6 months
            judgement_window_end_months=12.0,  # EULAR 2019: CR by 12 months
            early_target_fall=0.25,  # EULAR early target: >= 25 % fall by 3 months
            early_target_months=3.0,
            baseline_days_before=_BASELINE_DAYS_BEFORE,
            baseline_days_after=_BASELINE_DAYS_AFTER,
            latest_max_age_days=_LATEST_MAX_AGE_DAYS,
            response_citation=EULAR_2019_LN,
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
