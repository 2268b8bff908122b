"""Tests for fhir_mappings.rulesets: named threshold tables per guideline."""

from __future__ import annotations

import dataclasses

import pytest

from fhir_mappings.facts import Analyte
from fhir_mappings.rulesets import DEFAULT_RULESET, RULESETS, get_ruleset


class TestGetRuleset:
    @pytest.mark.parametrize("name", ["kdigo-2024", "kdigo-2012", "eular-2019"])
    def test_known_names(self, name: str) -> None:
        """Each documented ruleset name resolves to a ruleset carrying that name."""
        assert get_ruleset(name).name == name

    def test_default_is_kdigo_2024(self) -> None:
        """The default ruleset is KDIGO 2024."""
        assert DEFAULT_RULESET == "kdigo-2024"
        assert DEFAULT_RULESET in RULESETS

    def test_unknown_name_lists_valid_names(self) -> None:
        """An unknown name raises ValueError naming every valid ruleset."""
        with pytest.raises(ValueError, match="eular-2019, kdigo-2012, kdigo-2024"):
            get_ruleset("acr-2012")


class TestRulesetTables:
    @pytest.mark.parametrize(
        ("name", "cr", "creat_band", "egfr_band", "first"),
        [
            ("kdigo-2024", 0.5, 0.15, 0.15, Analyte.EGFR),
            ("kdigo-2012", 0.5, 0.25, 0.25, Analyte.CREATININE),
            ("eular-2019", 0.7, 0.10, 0.10, Analyte.EGFR),
        ],
    )
    def test_encoded_values(
        self, name: str, cr: float, creat_band: float, egfr_band: float, first: Analyte
    ) -> None:
        """Complete-response thresholds (g/g, erratum corrected), bands and measure order."""
        rs = get_ruleset(name)
        assert rs.cr_proteinuria_below_g_g == cr
        assert rs.creatinine_band == creat_band
        assert rs.egfr_band == egfr_band
        assert rs.stability_order()[0] is first
        assert rs.pr_min_fall == 0.5
        assert (rs.earliest_judgement_months, rs.judgement_window_end_months) == (6.0, 12.0)
        assert rs.pdc_adherent_min == 0.80

    def test_only_eular_has_early_target(self) -> None:
        """EULAR's >= 25% fall by 3 months is the only early target encoded."""
        targets = {n: (r.early_target_fall, r.early_target_months) for n, r in RULESETS.items()}
        assert targets == {
            "kdigo-2024": (None, None),
            "kdigo-2012": (None, None),
            "eular-2019": (0.25, 3.0),
        }

    @pytest.mark.parametrize("name", sorted(RULESETS))
    def test_citations_are_absolute_urls(self, name: str) -> None:
        """Every ruleset cites its response definitions, and every rule its source, by
        absolute https URL with a short label for the card link."""
        rs = get_ruleset(name)
        assert rs.citations == (rs.response_citation,)
        every = [
            *rs.citations,
            *(getattr(rs.sources, f.name) for f in dataclasses.fields(rs.sources)),
        ]
        assert all(c.url.startswith("https://") and c.label and c.short for c in every)

    def test_the_rulesets_differ_only_in_their_response_definitions(self) -> None:
        """Doses, windows, worsening, flare, safety and record windows are shared."""
        shared = ("doses", "treatment", "worsening", "flare", "improving", "safety", "windows")
        first, *others = RULESETS.values()
        for other in others:
            assert all(getattr(other, name) == getattr(first, name) for name in shared)

    def test_rulesets_are_frozen(self) -> None:
        """A ruleset cannot be changed at run time."""
        with pytest.raises(dataclasses.FrozenInstanceError):
            get_ruleset("kdigo-2024").pr_min_fall = 0.3  # type: ignore[misc]

    def test_dose_targets(self) -> None:
        """Dose targets: MMF 3 g/day, MPS 2.16 g/day, MPA trough 3 mg/L, AUC 30, eGFR 45."""
        d = get_ruleset("kdigo-2024").doses
        assert (d.mmf_target_mg_day, d.mps_target_mg_day) == (3000.0, 2160.0)
        assert d.mmf_step_dose_mg * 2 == d.mmf_target_mg_day
        assert d.mps_step_dose_mg * 2 == d.mps_target_mg_day
        assert d.mps_target_mg_day == pytest.approx(d.mmf_target_mg_day * d.mps_mg_per_mmf_mg)
        assert (d.mpa_trough_min_mg_l, d.mpa_auc_min_mg_h_l) == (3.0, 30.0)
        assert (d.cni_regimen_min_egfr, d.belimumab_min_egfr) == (45.0, 30.0)
        assert d.maintenance_mps_max_mg_day == pytest.approx(
            d.maintenance_mmf_max_mg_day * d.mps_mg_per_mmf_mg
        )

    def test_worsening_and_flare(self) -> None:
        """Worsening: 30 % on two values, 2 x (or half the eGFR) on one; flares by KDIGO
        2012 Table 29."""
        rs = get_ruleset("kdigo-2024")
        w, f = rs.worsening, rs.flare
        assert (w.creatinine_rise_confirmed, w.egfr_fall_confirmed) == (0.30, 0.30)
        assert (w.creatinine_ratio_single, w.egfr_fall_single) == (2.0, 0.50)
        assert (f.creatinine_baseline_split_mg_dl, f.upcr_severe_rise_g_g) == (2.0, 5.0)
        assert (f.creatinine_rise_moderate_low_mg_dl, f.creatinine_rise_severe_low_mg_dl) == (
            0.2,
            1.0,
        )
        assert (f.creatinine_rise_moderate_high_mg_dl, f.creatinine_rise_severe_high_mg_dl) == (
            0.4,
            1.5,
        )
        assert (f.upcr_low_band_g_g, f.upcr_low_band_to_g_g) == (0.5, 1.0)
        assert (f.upcr_mid_band_g_g, f.upcr_mid_band_to_g_g, f.upcr_high_band_factor) == (
            1.0,
            2.0,
            2.0,
        )

    def test_safety(self) -> None:
        """Safety: eGFR < 15 over 90 days, 42 weeks, 90 days, ANC 1.3, ages 12-55."""
        s = get_ruleset("kdigo-2024").safety
        assert (s.kidney_failure_egfr_below, s.kidney_failure_min_days) == (15.0, 90)
        assert (s.pregnancy_max_days, s.infection_recent_days, s.neutrophils_min) == (294, 90, 1.3)
        assert (s.childbearing_age_min, s.childbearing_age_max) == (12, 55)
        assert not s.pregnancy_excluded & set(s.pregnancy_compatible)

    def test_stability_order(self) -> None:
        """Creatinine-first rulesets read creatinine, then eGFR."""
        assert get_ruleset("kdigo-2012").stability_order() == (Analyte.CREATININE, Analyte.EGFR)
        assert get_ruleset("kdigo-2024").stability_order() == (Analyte.EGFR, Analyte.CREATININE)
