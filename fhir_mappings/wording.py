"""One voice: how every label, number, dose, duration, date and unit is written.

The rules write their summaries with these functions and the card renderer writes
the evidence table and the trend with the same ones, so a figure reads the same in
the summary, the table and the trend ("3.8", "2 g/day", "8 months" everywhere).
Findings carry values; nothing else formats them.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import date
from typing import Final

from fhir_mappings.facts import (
    Agent,
    Analyte,
    LabPoint,
    LineAgent,
    LineRole,
    RegimenKind,
    Route,
    TherapyLine,
)

#: CDS Hooks 2.0: "summary ... SHOULD be under a 140-character limit".
SUMMARY_LIMIT: Final = 140
ELLIPSIS: Final = "…"

#: Drug names as cards write them.
AGENT_NAME: Final[Mapping[Agent, str]] = {
    Agent.MYCOPHENOLATE_MOFETIL: "mycophenolate mofetil",
    Agent.MYCOPHENOLATE_SODIUM: "mycophenolate sodium",
    Agent.CYCLOPHOSPHAMIDE: "cyclophosphamide",
    Agent.TACROLIMUS: "tacrolimus",
    Agent.CYCLOSPORINE: "cyclosporine",
    Agent.VOCLOSPORIN: "voclosporin",
    Agent.RITUXIMAB: "rituximab",
    Agent.OBINUTUZUMAB: "obinutuzumab",
    Agent.BELIMUMAB: "belimumab",
    Agent.ANIFROLUMAB: "anifrolumab",
    Agent.AZATHIOPRINE: "azathioprine",
    Agent.HYDROXYCHLOROQUINE: "hydroxychloroquine",
    Agent.PREDNISONE: "prednisone",
    Agent.PREDNISOLONE: "prednisolone",
    Agent.METHYLPREDNISOLONE: "methylprednisolone",
}

#: Test names as cards write them.
ANALYTE_LABEL: Final[Mapping[Analyte, str]] = {
    Analyte.UPCR: "UPCR",
    Analyte.PROTEIN_24H: "24 h protein",
    Analyte.CREATININE: "Creatinine",
    Analyte.EGFR: "eGFR",
    Analyte.URINE_RBC: "Urine RBC",
    Analyte.UACR: "UACR",
    Analyte.C3: "C3",
    Analyte.C4: "C4",
    Analyte.ANTI_DSDNA: "Anti-dsDNA",
    Analyte.MPA_TROUGH: "MPA trough",
    Analyte.MPA_AUC: "MPA AUC",
    Analyte.MPA_RANDOM: "MPA (random, not a trough)",
    Analyte.TACROLIMUS_TROUGH: "Tacrolimus trough",
    Analyte.CYCLOSPORINE_TROUGH: "Cyclosporine trough",
    Analyte.HYDROXYCHLOROQUINE: "Hydroxychloroquine level",
    Analyte.WEIGHT: "Weight",
    Analyte.HEIGHT: "Height",
    Analyte.NEUTROPHILS: "Neutrophils",
    Analyte.LEUKOCYTES: "Leukocytes",
    Analyte.PLATELETS: "Platelets",
    Analyte.HCG: "hCG",
    Analyte.URINE_PROTEIN: "Urine protein",
    Analyte.URINE_CREATININE: "Urine creatinine",
}

#: UCUM codes as a clinician reads them (cards show units, they do not compute with them).
UNIT_DISPLAY: Final[Mapping[str, str]] = {
    "mL/min/{1.73_m2}": "mL/min/1.73 m²",
    "g/d": "g/day",
    "/[HPF]": "/HPF",
    "[IU]/mL": "IU/mL",
    "mg.h/L": "mg·h/L",
    "10*9/L": "×10⁹/L",
    "[IU]/L": "IU/L",
}

_MONTHS: Final = (
    "Jan",
    "Feb",
    "Mar",
    "Apr",
    "May",
    "Jun",
    "Jul",
    "Aug",
    "Sep",
    "Oct",
    "Nov",
    "Dec",
)

#: Decimals per analyte, as labs report them; every other analyte: ``number``'s rule.
_DECIMALS: Final[Mapping[Analyte, int]] = {
    Analyte.EGFR: 0,
    Analyte.URINE_RBC: 0,
    Analyte.HYDROXYCHLOROQUINE: 0,
    Analyte.PLATELETS: 0,
}

#: Doses of at least this many mg a day are written in g/day ("2 g/day"), below it in
#: mg/day ("720 mg/day", "4 mg/day"): one rule for summary, table and next steps.
_GRAMS_FROM_MG: Final = 1000.0


def unit(ucum: str) -> str:
    """A unit as a card shows it (``mL/min/{1.73_m2}`` -> ``mL/min/1.73 m²``)."""
    return UNIT_DISPLAY.get(ucum, ucum)


def number(value: float) -> str:
    """A number with sensible precision: 1234 -> "1234", 12.34 -> "12.3", 0.254 -> "0.25"."""
    magnitude = abs(value)
    if magnitude >= 100:
        text = f"{value:.0f}"
    elif magnitude >= 10:
        text = f"{value:.1f}"
    else:
        text = f"{value:.2f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def lab_number(value: float, analyte: Analyte | None, comparator: str | None = None) -> str:
    """A lab value with its comparator, at the analyte's precision ("<0.1", "3.8", "62")."""
    decimals = _DECIMALS.get(analyte) if analyte is not None else None
    text = f"{value:.{decimals}f}" if decimals is not None else number(value)
    return f"{comparator or ''}{text}"


def lab(point: LabPoint) -> str:
    """A result with its unit: "3.8 g/g", "<0.1 g/g", "62 mL/min/1.73 m²"."""
    return f"{lab_number(point.value, point.analyte, point.comparator)} {unit(point.unit)}"


def label(analyte: Analyte) -> str:
    return ANALYTE_LABEL.get(analyte, analyte.value)


def label_in_text(analyte: Analyte) -> str:
    """A test name inside a sentence: "creatinine", but "eGFR", "UPCR", "MPA trough"."""
    return in_sentence(label(analyte))


def in_sentence(name: str) -> str:
    """A name that starts a label, written inside a sentence: "Creatinine" -> "creatinine",
    "Mycophenolate mofetil" -> "mycophenolate mofetil"; an acronym ("PDC: x", "MPA
    trough") is kept."""
    first = name.split(" ")[0]
    return name if any(c.isupper() for c in first[1:]) else name[:1].lower() + name[1:]


#: Between two values of a series, in a summary or a trend: "3.2 → 2.6".
ARROW: Final = " → "


def dose(mg_per_day: float) -> tuple[str, str]:
    """(number, unit) of a daily dose: (``"2"``, ``"g/day"``), (``"720"``, ``"mg/day"``)."""
    if mg_per_day >= _GRAMS_FROM_MG:
        return number(mg_per_day / _GRAMS_FROM_MG), "g/day"
    return number(mg_per_day), "mg/day"


def dose_text(mg_per_day: float) -> str:
    """A daily dose as words: "2 g/day", "4 mg/day"."""
    value, per_day = dose(mg_per_day)
    return f"{value} {per_day}"


def mass(mg: float) -> str:
    """A single or cumulative dose: "500 mg", "3 g"."""
    if mg >= _GRAMS_FROM_MG:
        return f"{number(mg / _GRAMS_FROM_MG)} g"
    return f"{number(mg)} mg"


def months(value: float) -> str:
    """Months on a line, whole and rounded: 7.9 -> "8 months", 1.2 -> "1 month"."""
    whole = round(value)
    return f"{whole} month" if whole == 1 else f"{whole} months"


def percent(fraction: float) -> str:
    """0.483 -> "48 %" (a value too large to count reads "∞ %", not a number reads
    "unknown %"; never raises)."""
    return f"{percent_number(fraction * 100)} %"


def percent_number(value: float) -> str:
    """A percentage already in percent, rounded to a whole number: 48.4 -> "48" (the
    summary's "PDC 48 %" and the table's "48 | %" are written by this one rule)."""
    if math.isnan(value):
        return "unknown"
    if not math.isfinite(value):
        return "∞" if value > 0 else "-∞"
    return str(round(value))


def signed_percent(fraction: float) -> str:
    """A change as a trend writes it: -0.29 -> "29 %" after the typographic minus sign
    (U+2212), 0.6 -> "+60 %", 0 -> "±0 %". Its number is ``percent``'s, so a summary's
    "down 29 %" and the trend's change agree."""
    whole = percent_number(abs(fraction) * 100)
    sign = "±" if whole == "0" else "−" if fraction < 0 else "+"
    return f"{sign}{whole} %"


def day(value: date) -> str:
    return value.isoformat()


def period(start: date, end: date) -> str:
    """ "2026-05-01 to 2026-11-01"."""
    return f"{start.isoformat()} to {end.isoformat()}"


def month_label(value: date) -> str:
    """``date(2026, 1, 5)`` -> ``"Jan 2026"`` (locale-independent)."""
    return f"{_MONTHS[value.month - 1]} {value.year}"


def agent(value: Agent) -> str:
    return AGENT_NAME[value]


def agents(values: tuple[Agent, ...] | list[Agent]) -> str:
    """ "mycophenolate mofetil + tacrolimus"."""
    return " + ".join(AGENT_NAME[a] for a in values)


def and_list(items: list[str] | tuple[str, ...]) -> str:
    """ "UPCR, eGFR and the trend" (one item alone, two joined by "and")."""
    if len(items) < 2:
        return "".join(items)
    return f"{', '.join(items[:-1])} and {items[-1]}"


#: Regimens named by their route; every other line is named by its agents and doses.
_REGIMEN: Final[Mapping[RegimenKind, str]] = {
    RegimenKind.CYCLOPHOSPHAMIDE_IV: "IV cyclophosphamide",
    RegimenKind.CYCLOPHOSPHAMIDE_ORAL: "oral cyclophosphamide",
}


_ROLE: Final[Mapping[LineRole, str]] = {
    LineRole.INDUCTION: "induction",
    LineRole.ADD_ON: "add-on",
    LineRole.MAINTENANCE: "maintenance",
}


def role(value: LineRole) -> str:
    """A line's role as words ("add-on")."""
    return _ROLE[value]


def line_label(line: TherapyLine) -> str:
    """The regimen of a line with its oral doses: "mycophenolate mofetil 3 g/day +
    tacrolimus 4 mg/day", "IV cyclophosphamide"."""
    named = _REGIMEN.get(line.regimen)
    if named is not None:
        others = [a for a in line.agents if a.agent is not Agent.CYCLOPHOSPHAMIDE]
        return " + ".join([named, *(_agent_with_dose(a) for a in others)])
    return " + ".join(_agent_with_dose(a) for a in line.agents) or "no agent"


def _agent_with_dose(line_agent: LineAgent) -> str:
    name = AGENT_NAME[line_agent.agent]
    if line_agent.on_hold:
        return f"{name} (on hold)"
    if line_agent.daily_dose_mg is not None and line_agent.route is Route.ORAL:
        return f"{name} {dose_text(line_agent.daily_dose_mg)}"
    return name


def summary(text: str) -> str:
    """A summary on one line, cut below the limit at a word with an ellipsis (a guard
    only: summaries are written to fit)."""
    flat = " ".join(text.split())
    if len(flat) < SUMMARY_LIMIT:
        return flat
    cut = flat[: SUMMARY_LIMIT - 2]
    head, space, _ = cut.rpartition(" ")
    return (head if space and head else cut).rstrip(" ,;:(") + ELLIPSIS
