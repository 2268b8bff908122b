"""Draft orders the cards offer, with their doses written from the ruleset.

Each builder returns a ``RecommendedAction``; ``cds_service.suggestions`` turns it into a
draft FHIR resource. Doses and schedules come from ``DoseTargets`` (one home for every
number), and the dosage text names its source.
"""

from __future__ import annotations

from dataclasses import replace

from fhir_mappings import wording
from fhir_mappings.codes.loinc import LOINC_BY_CODE
from fhir_mappings.facts import Agent, Route
from fhir_mappings.findings import ActionKind, RecommendedAction
from fhir_mappings.rulesets import DoseTargets

#: LOINC codes the cards order (each in the LOINC table with its source).
MPA_TROUGH_LOINC = "72667-9"
UPCR_LOINC = "2890-2"
CREATININE_LOINC = "2160-0"


def biopsy(reason: str) -> RecommendedAction:
    """The recommended draft order for a kidney biopsy, with its reason."""
    return RecommendedAction(
        ActionKind.ORDER_KIDNEY_BIOPSY, "Order kidney biopsy", {"reason": reason}, recommended=True
    )


def lab(loinc: str, label: str, reason: str) -> RecommendedAction:
    """A draft lab order for a LOINC-coded test (the display comes from the LOINC table)."""
    return RecommendedAction(
        ActionKind.ORDER_LAB,
        label,
        {"loinc": loinc, "display": LOINC_BY_CODE[loinc].display, "reason": reason},
        recommended=True,
    )


def dose_step(
    agent: Agent, daily_mg: float, each_mg: float, replaces: str | None, *, verb: str = "Increase"
) -> RecommendedAction:
    """A draft order changing an oral agent to ``daily_mg`` a day, in doses of ``each_mg``
    (``verb`` names the change on the button: "Increase", "Reduce")."""
    return RecommendedAction(
        ActionKind.DOSE_STEP,
        f"{verb} {wording.agent(agent)} to {wording.dose_text(daily_mg)}",
        {
            "agent": agent.value,
            "daily_dose_mg": daily_mg,
            "dose_mg": each_mg,
            "frequency_per_day": round(daily_mg / each_mg),
            "route": Route.ORAL.value,
            "replaces": replaces,
        },
        recommended=True,
    )


def _start(agent: Agent, label: str, dosage: str, route: Route) -> RecommendedAction:
    return RecommendedAction(
        ActionKind.START_THERAPY,
        label,
        {"agent": agent.value, "dosage_text": dosage, "route": route.value},
    )


def euro_lupus(
    doses: DoseTargets, pulses: int | None = None, *, label: str | None = None
) -> RecommendedAction:
    """IV cyclophosphamide on the Euro-Lupus schedule (``pulses`` of them, default all)."""
    count = doses.euro_lupus_pulses if pulses is None else pulses
    dosage = (
        f"{wording.mass(doses.euro_lupus_dose_mg)} IV every "
        f"{wording.number(doses.euro_lupus_interval_days / 7)} weeks x {count} "
        "(Euro-Lupus)"
    )
    return _start(
        Agent.CYCLOPHOSPHAMIDE,
        label or "Start IV cyclophosphamide (Euro-Lupus)",
        dosage,
        Route.INTRAVENOUS,
    )


def mycophenolate(doses: DoseTargets) -> RecommendedAction:
    """Mycophenolate mofetil at the induction dose (2-3 g/day in two doses)."""
    low = wording.mass(doses.mmf_standard_min_mg_day / 2)
    high = wording.mass(doses.mmf_target_mg_day / 2)
    return _start(
        Agent.MYCOPHENOLATE_MOFETIL,
        "Start mycophenolate mofetil",
        f"{low} to {high} orally twice daily (induction, EULAR 2019)",
        Route.ORAL,
    )


def _days(days: tuple[int, ...]) -> str:
    return ", ".join(str(d) for d in days[:-1]) + f" and {days[-1]}"


def rituximab(doses: DoseTargets) -> RecommendedAction:
    return _start(
        Agent.RITUXIMAB,
        "Add rituximab",
        f"{wording.mass(doses.rituximab_dose_mg)} IV on days {_days(doses.rituximab_days)} (LUNAR)",
        Route.INTRAVENOUS,
    )


def obinutuzumab(doses: DoseTargets) -> RecommendedAction:
    return _start(
        Agent.OBINUTUZUMAB,
        "Add obinutuzumab",
        f"{wording.mass(doses.obinutuzumab_dose_mg)} IV on days "
        f"{_days(doses.obinutuzumab_days)} (NOBILITY)",
        Route.INTRAVENOUS,
    )


def tacrolimus_multitarget(
    doses: DoseTargets,
    mycophenolate: Agent = Agent.MYCOPHENOLATE_MOFETIL,
    current_mg_day: float | None = None,
    current_order: str | None = None,
) -> RecommendedAction:
    """Tacrolimus for multitarget therapy with the patient's mycophenolate at the
    multitarget dose (mycophenolate mofetil 1 g/day, or the sodium salt's equivalent).

    When the patient takes more (``current_mg_day``, from order ``current_order``), the
    same decision carries the order reducing it (``also``): accepted together or not at
    all."""
    each = doses.multitarget_tacrolimus_mg_day / 2
    target_mg = doses.multitarget_mmf_mg_day
    if mycophenolate is Agent.MYCOPHENOLATE_SODIUM:
        target_mg = target_mg * doses.mps_mg_per_mmf_mg
    name, target = wording.agent(mycophenolate), wording.dose_text(target_mg)
    reduce = current_mg_day is not None and current_mg_day > target_mg
    with_it = f"with {name} reduced to {target}" if reduce else f"with {name} {target}"
    tacrolimus = _start(
        Agent.TACROLIMUS,
        "Add tacrolimus (multitarget)",
        f"{wording.mass(each)} orally twice daily "
        f"({wording.dose_text(doses.multitarget_tacrolimus_mg_day)}) {with_it} "
        "(multitarget, Liu 2015)",
        Route.ORAL,
    )
    if not reduce:
        return tacrolimus
    reduction = dose_step(mycophenolate, target_mg, target_mg / 2, current_order, verb="Reduce")
    return replace(tacrolimus, also=(reduction,))


def voclosporin(doses: DoseTargets) -> RecommendedAction:
    return _start(
        Agent.VOCLOSPORIN,
        "Add voclosporin",
        f"{wording.mass(doses.voclosporin_dose_mg)} orally twice daily with mycophenolate "
        "(Lupkynis label)",
        Route.ORAL,
    )


def belimumab(doses: DoseTargets) -> RecommendedAction:
    """Belimumab IV (one route per draft; the subcutaneous regimen is a next step)."""
    return _start(
        Agent.BELIMUMAB,
        "Add belimumab (IV)",
        f"{wording.number(doses.belimumab_iv_mg_kg)} mg/kg IV every "
        f"{wording.number(doses.belimumab_iv_loading_interval_days / 7)} weeks x "
        f"{doses.belimumab_iv_loading_doses}, then every "
        f"{wording.number(doses.belimumab_iv_interval_days / 7)} weeks (Benlysta label)",
        Route.INTRAVENOUS,
    )


def belimumab_subcutaneous_text(doses: DoseTargets) -> str:
    """The subcutaneous belimumab regimen, for a next step beside the IV draft."""
    return (
        f"{wording.mass(doses.belimumab_sc_loading_mg)} SC weekly x "
        f"{doses.belimumab_sc_loading_doses}, then {wording.mass(doses.belimumab_sc_mg)} weekly"
    )


MPA_AUC_LOINC = "115789-0"


def nih_pulses(doses: DoseTargets, pulses: int) -> RecommendedAction:
    """IV cyclophosphamide on the NIH-type schedule, ``pulses`` of them."""
    dosage = (
        f"{wording.number(doses.nih_dose_min_mg_m2 / 1000)}-"
        f"{wording.number(doses.nih_dose_max_mg_m2 / 1000)} g/m2 IV every "
        f"{wording.number(doses.nih_interval_days / 7)} weeks x {pulses} (NIH-type)"
    )
    return _start(
        Agent.CYCLOPHOSPHAMIDE,
        f"Give the remaining {pulses} cyclophosphamide pulses",
        dosage,
        Route.INTRAVENOUS,
    )
