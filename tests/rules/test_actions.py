"""fhir_mappings.rules.actions: the draft orders, their doses written from the ruleset."""

from __future__ import annotations

import pytest

from fhir_mappings.codes import loinc
from fhir_mappings.facts import Agent, Analyte
from fhir_mappings.findings import ActionKind, RecommendedAction
from fhir_mappings.rules import actions
from fhir_mappings.rulesets import get_ruleset

DOSES = get_ruleset("kdigo-2024").doses


@pytest.mark.parametrize(
    ("code", "analyte"),
    [
        (actions.MPA_TROUGH_LOINC, Analyte.MPA_TROUGH),
        (actions.MPA_AUC_LOINC, Analyte.MPA_AUC),
        (actions.UPCR_LOINC, Analyte.UPCR),
        (actions.CREATININE_LOINC, Analyte.CREATININE),
    ],
)
def test_the_lab_orders_name_codes_of_the_loinc_table(code: str, analyte: Analyte) -> None:
    """Each LOINC code a card orders passes its check digit and reads back as its analyte."""
    assert loinc.loinc_check_digit_ok(code)
    assert loinc.analyte_for_loinc(code) is analyte
    order = actions.lab(code, "Order", "why")
    assert order.parameters["display"] == loinc.LOINC_BY_CODE[code].display


def test_a_dose_step_is_two_doses_a_day() -> None:
    """MMF to 3 g/day: 1.5 g twice daily, replacing the current order."""
    step = actions.dose_step(Agent.MYCOPHENOLATE_MOFETIL, 3000.0, 1500.0, "MedicationRequest/1")
    assert (step.kind, step.recommended, step.agent) == (
        ActionKind.DOSE_STEP,
        True,
        Agent.MYCOPHENOLATE_MOFETIL.value,
    )
    assert step.parameters["frequency_per_day"] == 2
    assert step.parameters["replaces"] == "MedicationRequest/1"


@pytest.mark.parametrize(
    ("draft", "text"),
    [
        (actions.euro_lupus(DOSES), "500 mg IV every 2 weeks x 6 (Euro-Lupus)"),
        (actions.nih_pulses(DOSES, 4), "0.5-1 g/m2 IV every 4 weeks x 4 (NIH-type)"),
        (actions.mycophenolate(DOSES), "1 g to 1.5 g orally twice daily (induction, EULAR 2019)"),
        (actions.rituximab(DOSES), "1 g IV on days 1, 15, 168 and 182 (LUNAR)"),
        (actions.obinutuzumab(DOSES), "1 g IV on days 1, 15, 168 and 182 (NOBILITY)"),
        (
            actions.tacrolimus_multitarget(DOSES),
            "2 mg orally twice daily (4 mg/day) with mycophenolate mofetil 1 g/day "
            "(multitarget, Liu 2015)",
        ),
        (
            actions.tacrolimus_multitarget(DOSES, Agent.MYCOPHENOLATE_MOFETIL, 3000.0),
            "2 mg orally twice daily (4 mg/day) with mycophenolate mofetil reduced to 1 g/day "
            "(multitarget, Liu 2015)",
        ),
        (
            actions.tacrolimus_multitarget(DOSES, Agent.MYCOPHENOLATE_MOFETIL, 1000.0),
            "2 mg orally twice daily (4 mg/day) with mycophenolate mofetil 1 g/day "
            "(multitarget, Liu 2015)",
        ),
        (
            actions.voclosporin(DOSES),
            "23.7 mg orally twice daily with mycophenolate (Lupkynis label)",
        ),
        (
            actions.belimumab(DOSES),
            "10 mg/kg IV every 2 weeks x 3, then every 4 weeks (Benlysta label)",
        ),
    ],
)
def test_dosage_text_is_written_from_the_ruleset(draft: RecommendedAction, text: str) -> None:
    """Every new-therapy draft says its dose and schedule, as the ruleset holds them."""
    assert draft.kind is ActionKind.START_THERAPY
    assert not draft.recommended
    assert draft.parameters["dosage_text"] == text


def test_multitarget_above_its_mycophenolate_dose_carries_the_reduction() -> None:
    """Tacrolimus added to 3 g/day of MMF: one decision, two orders (add and reduce)."""
    draft = actions.tacrolimus_multitarget(
        DOSES, Agent.MYCOPHENOLATE_MOFETIL, 3000.0, "MedicationRequest/mmf"
    )
    assert draft.label == "Add tacrolimus (multitarget)"
    assert draft.decision_label == (
        "Add tacrolimus (multitarget); reduce mycophenolate mofetil to 1 g/day"
    )
    assert draft.agents == ("tacrolimus", "mycophenolate-mofetil")
    (reduction,) = draft.also
    assert reduction.kind is ActionKind.DOSE_STEP
    assert reduction.label == "Reduce mycophenolate mofetil to 1 g/day"
    assert reduction.parameters["daily_dose_mg"] == 1000.0
    assert reduction.parameters["dose_mg"] == 500.0
    assert reduction.parameters["replaces"] == "MedicationRequest/mmf"


def test_multitarget_at_its_dose_has_no_companion_order() -> None:
    draft = actions.tacrolimus_multitarget(DOSES, Agent.MYCOPHENOLATE_MOFETIL, 1000.0)
    assert draft.also == ()
    assert draft.label == "Add tacrolimus (multitarget)"


def test_multitarget_on_mycophenolate_sodium_uses_its_equivalent_dose() -> None:
    """720 mg of mycophenolate sodium stands for 1 g of MMF (the ruleset's ratio)."""
    draft = actions.tacrolimus_multitarget(DOSES, Agent.MYCOPHENOLATE_SODIUM, 1440.0, "MR/mps")
    (reduction,) = draft.also
    assert reduction.parameters["agent"] == "mycophenolate-sodium"
    assert reduction.parameters["daily_dose_mg"] == 720.0
    assert "with mycophenolate sodium reduced to 720 mg/day" in str(draft.parameters["dosage_text"])


def test_the_belimumab_draft_is_iv_only_and_the_sc_regimen_a_text() -> None:
    """One route per draft: belimumab IV is drafted; the SC regimen is written for a step."""
    draft = actions.belimumab(DOSES)
    assert (draft.label, draft.parameters["route"]) == ("Add belimumab (IV)", "intravenous")
    assert "SC" not in str(draft.parameters["dosage_text"])
    assert actions.belimumab_subcutaneous_text(DOSES) == "400 mg SC weekly x 4, then 200 mg weekly"


def test_a_biopsy_is_recommended_with_its_reason() -> None:
    """The biopsy draft is the recommended action and carries its reason."""
    order = actions.biopsy("No response")
    assert (order.kind, order.recommended, order.parameters) == (
        ActionKind.ORDER_KIDNEY_BIOPSY,
        True,
        {"reason": "No response"},
    )
    assert order.agent is None
