# ruff: noqa: E501  (the code table keeps one RxNorm concept per line, its source on the same line)
"""RxNorm codes and names for every ``Agent``, with strengths, dose forms and sources.

Only codes read in a public code table are listed; each row says where it was read:

* ``PEDSNET``: PEDSnet/Variable-Dictionary, ``drugs/rx_<drug>.csv`` (OMOP vocabulary
  export; rows with ``vocabulary_id = RxNorm`` carry the RxCUI as ``concept_code``).
* ``NLM_RXIMAGE``: NLM RxImage record (rxcui 200060, "mycophenolate mofetil 500 MG Oral
  Tablet", NDC 00093-7477-01), as quoted in a public repository.
* ``TABLE_2``: a public Python medication table mapping brand names to RxNorm SCDs
  (``RxNorm/199058`` for MMF 250 MG capsule agrees with PEDSNET; ``485020`` and ``259966``
  were read only there: a single secondary source).
* ``RXNORM_IN``: NLM RxNorm ingredient (TTY=IN) concepts as listed by RxNav.
* ``VSAC_HCQ``: VSAC value set 2.16.840.1.113762.1.4.1032.127 "C19HCC Hydroxychloroquine"
  (MITRE steward, 2020-04-17), as published in a public FHIR IG (FSH).
* ``PRED_MULTI``: 312615 "predniSONE 20 MG Oral Tablet" read in four independent public
  data sets (a C32 clinical-fact table, Synthea-style data, two EHR fixtures); two other
  fixtures disagree on the strength, so this is the least certain row.

Not listed because no public table confirming them was found : ingredient codes of mycophenolic acid, voclosporin, belimumab, obinutuzumab and
anifrolumab; SCD/SBD codes of tacrolimus capsules (Prograf, Envarsus XR, Astagraf XL),
mycophenolic acid 360 MG, voclosporin, belimumab, obinutuzumab, anifrolumab, prednisone
5/10 MG, prednisolone and IV methylprednisolone (Solu-Medrol). Those drugs are still recognised by name and brand (``TEXT_NAMES``).

Lookups (``product_for_code``, ``agent_for_text``) use dicts and one compiled regex
built at import time.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from fhir_mappings.facts import Agent, Route

RXNORM_SYSTEM = "http://www.nlm.nih.gov/research/umls/rxnorm"
#: Other spellings of the RxNorm system URI seen in the wild.
RXNORM_SYSTEM_ALIASES: frozenset[str] = frozenset(
    {
        RXNORM_SYSTEM,
        "urn:oid:2.16.840.1.113883.6.88",
        "http://www.nlm.nih.gov/research/umls/rxnorm/",
    }
)

PEDSNET = "PEDSnet/Variable-Dictionary drugs/rx_*.csv (OMOP RxNorm rows)"
NLM_RXIMAGE = "NLM RxImage record rxcui 200060 (NDC 00093-7477-01)"
TABLE_2 = "public brand->RxNorm SCD table (single secondary source)"
RXNORM_IN = "NLM RxNorm ingredient concepts (RxNav)"
VSAC_HCQ = "VSAC 2.16.840.1.113762.1.4.1032.127 C19HCC Hydroxychloroquine"
PRED_MULTI = "four public data sets agree (two fixtures disagree)"
PEDSNET_RXIMAGE = PEDSNET + "; " + NLM_RXIMAGE
PEDSNET_TABLE_2 = PEDSNET + "; " + TABLE_2


@dataclass(frozen=True, slots=True)
class RxNormProduct:
    """One RxNorm concept of an ``Agent``.

    ``strength_mg`` is per unit (tablet, capsule, vial) or, when ``per_ml``, per mL.
    ``tty``: IN (ingredient), SCD/SBD (clinical/branded drug), SCDF/SBDF (drug form).
    """

    code: str
    agent: Agent
    name: str
    tty: str
    strength_mg: float | None
    per_ml: bool
    dose_form: str | None
    route: Route
    source: str


_A = Agent
_O, _IV = Route.ORAL, Route.INTRAVENOUS

#: Ingredient (IN) codes (RxNorm ingredient concepts); PEDSNET agrees
#: for 68149 and 121191.
INGREDIENT_CODES: Mapping[Agent, str] = {
    _A.MYCOPHENOLATE_MOFETIL: "68149",
    _A.CYCLOPHOSPHAMIDE: "3002",
    _A.TACROLIMUS: "42316",
    _A.CYCLOSPORINE: "3008",
    _A.RITUXIMAB: "121191",
    _A.AZATHIOPRINE: "1256",
    _A.METHYLPREDNISOLONE: "6902",
    _A.PREDNISONE: "8640",
    _A.PREDNISOLONE: "8638",
}

# fmt: off
#: (code, agent, tty, strength mg, strength per mL?, dose form, route, source, name).
_Row = tuple[str, Agent, str, float | None, bool, str | None, Route, str, str]
RXNORM_PRODUCTS: tuple[_Row, ...] = (
    # --- mycophenolate mofetil (PEDSNET rx_mycophenolate.csv) ---
    ("200060", _A.MYCOPHENOLATE_MOFETIL, "SCD", 500, False, "tablet", _O, PEDSNET_RXIMAGE, "mycophenolate mofetil 500 MG Oral Tablet"),
    ("616435", _A.MYCOPHENOLATE_MOFETIL, "SBD", 500, False, "tablet", _O, PEDSNET, "mycophenolate mofetil 500 MG Oral Tablet [Cellcept]"),
    ("199058", _A.MYCOPHENOLATE_MOFETIL, "SCD", 250, False, "capsule", _O, PEDSNET_TABLE_2, "mycophenolate mofetil 250 MG Oral Capsule"),
    ("616447", _A.MYCOPHENOLATE_MOFETIL, "SBD", 250, False, "capsule", _O, PEDSNET, "mycophenolate mofetil 250 MG Oral Capsule [Cellcept]"),
    ("311880", _A.MYCOPHENOLATE_MOFETIL, "SCD", 200, True, "oral suspension", _O, PEDSNET, "mycophenolate mofetil 200 MG/ML Oral Suspension"),
    ("616444", _A.MYCOPHENOLATE_MOFETIL, "SBD", 200, True, "oral suspension", _O, PEDSNET, "mycophenolate mofetil 200 MG/ML Oral Suspension [Cellcept]"),
    ("311881", _A.MYCOPHENOLATE_MOFETIL, "SCD", 500, False, "injection", _IV, PEDSNET, "mycophenolate mofetil 500 MG Injection"),
    ("213394", _A.MYCOPHENOLATE_MOFETIL, "SBD", 500, False, "injection", _IV, PEDSNET, "mycophenolate mofetil 500 MG Injection [Cellcept]"),
    ("374667", _A.MYCOPHENOLATE_MOFETIL, "SCDF", None, False, "tablet", _O, PEDSNET, "mycophenolate mofetil Oral Tablet"),
    ("616434", _A.MYCOPHENOLATE_MOFETIL, "SBDF", None, False, "tablet", _O, PEDSNET, "mycophenolate mofetil Oral Tablet [Cellcept]"),
    ("379060", _A.MYCOPHENOLATE_MOFETIL, "SCDF", None, False, "capsule", _O, PEDSNET, "mycophenolate mofetil Oral Capsule"),
    ("616446", _A.MYCOPHENOLATE_MOFETIL, "SBDF", None, False, "capsule", _O, PEDSNET, "mycophenolate mofetil Oral Capsule [Cellcept]"),
    ("374670", _A.MYCOPHENOLATE_MOFETIL, "SCDF", None, False, "oral suspension", _O, PEDSNET, "mycophenolate mofetil Oral Suspension"),
    ("616443", _A.MYCOPHENOLATE_MOFETIL, "SBDF", None, False, "oral suspension", _O, PEDSNET, "mycophenolate mofetil Oral Suspension [Cellcept]"),
    ("1726176", _A.MYCOPHENOLATE_MOFETIL, "SCDF", None, False, "injection", _IV, PEDSNET, "mycophenolate mofetil Injection"),
    ("1726179", _A.MYCOPHENOLATE_MOFETIL, "SBDF", None, False, "injection", _IV, PEDSNET, "mycophenolate mofetil Injection [Cellcept]"),
    # --- mycophenolic acid (mycophenolate sodium) ---
    ("485020", _A.MYCOPHENOLATE_SODIUM, "SCD", 180, False, "tablet", _O, TABLE_2, "mycophenolic acid 180 MG Delayed Release Oral Tablet"),
    # --- cyclophosphamide (PEDSNET rx_cyclophosphamide.csv) ---
    ("197550", _A.CYCLOPHOSPHAMIDE, "SCD", 50, False, "tablet", _O, PEDSNET, "Cyclophosphamide 50 MG Oral Tablet"),
    ("210570", _A.CYCLOPHOSPHAMIDE, "SBD", 25, False, "tablet", _O, PEDSNET, "Cyclophosphamide 25 MG Oral Tablet [Cytoxan]"),
    ("429015", _A.CYCLOPHOSPHAMIDE, "SCD", 10, False, "tablet", _O, PEDSNET, "Cyclophosphamide 10 MG Oral Tablet"),
    ("102948", _A.CYCLOPHOSPHAMIDE, "SBD", 10, False, "tablet", _O, PEDSNET, "Cyclophosphamide 10 MG Oral Tablet [Endoxana]"),
    ("1437969", _A.CYCLOPHOSPHAMIDE, "SCD", 50, False, "capsule", _O, PEDSNET, "Cyclophosphamide 50 MG Oral Capsule"),
    ("1437967", _A.CYCLOPHOSPHAMIDE, "SCDF", None, False, "capsule", _O, PEDSNET, "Cyclophosphamide Oral Capsule"),
    ("415571", _A.CYCLOPHOSPHAMIDE, "SCD", 5, True, "injection", _IV, PEDSNET, "Cyclophosphamide 5 MG/ML Injectable Solution"),
    ("376666", _A.CYCLOPHOSPHAMIDE, "SCDF", None, False, "injection", _IV, PEDSNET, "Cyclophosphamide Injectable Solution"),
    ("1734916", _A.CYCLOPHOSPHAMIDE, "SCDF", None, False, "injection", _IV, PEDSNET, "Cyclophosphamide Injection"),
    # --- tacrolimus (PEDSNET rx_tacrolimus_cyclosporine.csv) ---
    ("1235241", _A.TACROLIMUS, "SBD", 0.5, False, "capsule", _O, PEDSNET, "Tacrolimus 0.5 MG Oral Capsule [Hecoria]"),
    ("1664456", _A.TACROLIMUS, "SCD", 0.75, False, "tablet", _O, PEDSNET, "24 HR Tacrolimus 0.75 MG Extended Release Oral Tablet"),
    ("1664464", _A.TACROLIMUS, "SCD", 1, False, "tablet", _O, PEDSNET, "Tacrolimus 1 MG Extended Release Oral Tablet"),
    ("1664433", _A.TACROLIMUS, "SCDF", None, False, "tablet", _O, PEDSNET, "Tacrolimus Extended Release Oral Tablet"),
    ("198379", _A.TACROLIMUS, "SCD", 5, True, "injection", _IV, PEDSNET, "1 ML Tacrolimus 5 MG/ML Injection"),
    # --- cyclosporine (PEDSNET rx_tacrolimus_cyclosporine.csv) ---
    ("212957", _A.CYCLOSPORINE, "SBD", 100, True, "oral solution", _O, PEDSNET, "Cyclosporine 100 MG/ML Oral Solution [Sandimmune]"),
    ("1732369", _A.CYCLOSPORINE, "SBD", 50, True, "injection", _IV, PEDSNET, "Cyclosporine 50 MG/ML Injection [Sandimmune]"),
    ("1732364", _A.CYCLOSPORINE, "SCDF", None, False, "injection", _IV, PEDSNET, "Cyclosporine Injection"),
    # --- rituximab (PEDSNET rx_rituximab.csv) ---
    ("1657865", _A.RITUXIMAB, "SCD", 10, True, "injection", _IV, PEDSNET, "rituximab 10 MG/ML Injection"),
    ("1657866", _A.RITUXIMAB, "SBD", 10, True, "injection", _IV, PEDSNET, "rituximab 10 MG/ML Injection [Rituxan]"),
    ("1657862", _A.RITUXIMAB, "SCD", 100, False, "injection", _IV, PEDSNET, "10 ML rituximab 10 MG/ML Injection"),
    ("1657864", _A.RITUXIMAB, "SBD", 100, False, "injection", _IV, PEDSNET, "10 ML rituximab 10 MG/ML Injection [Rituxan]"),
    ("1657867", _A.RITUXIMAB, "SCD", 500, False, "injection", _IV, PEDSNET, "50 ML rituximab 10 MG/ML Injection"),
    ("1657868", _A.RITUXIMAB, "SBD", 500, False, "injection", _IV, PEDSNET, "50 ML rituximab 10 MG/ML Injection [Rituxan]"),
    ("1657861", _A.RITUXIMAB, "SCDF", None, False, "injection", _IV, PEDSNET, "rituximab Injection"),
    ("1657863", _A.RITUXIMAB, "SBDF", None, False, "injection", _IV, PEDSNET, "rituximab Injection [Rituxan]"),
    # --- azathioprine (PEDSNET rx_azathioprine.csv) ---
    ("197388", _A.AZATHIOPRINE, "SCD", 50, False, "tablet", _O, PEDSNET, "Azathioprine 50 MG Oral Tablet"),
    ("359229", _A.AZATHIOPRINE, "SCD", 75, False, "tablet", _O, PEDSNET, "Azathioprine 75 MG Oral Tablet"),
    ("105610", _A.AZATHIOPRINE, "SBD", 25, False, "tablet", _O, PEDSNET, "Azathioprine 25 MG Oral Tablet [Imuran]"),
    ("404351", _A.AZATHIOPRINE, "SBD", 50, False, "tablet", _O, PEDSNET, "Azathioprine 50 MG Oral Tablet [Azasan]"),
    ("404476", _A.AZATHIOPRINE, "SBD", 100, False, "tablet", _O, PEDSNET, "Azathioprine 100 MG Oral Tablet [Azasan]"),
    ("370973", _A.AZATHIOPRINE, "SCDF", None, False, "tablet", _O, PEDSNET, "Azathioprine Oral Tablet"),
    ("368214", _A.AZATHIOPRINE, "SBDF", None, False, "tablet", _O, PEDSNET, "Azathioprine Oral Tablet [Imuran]"),
    # --- hydroxychloroquine (VSAC_HCQ) ---
    ("5521", _A.HYDROXYCHLOROQUINE, "IN", None, False, None, _O, VSAC_HCQ, "Hydroxychloroquine"),
    ("153972", _A.HYDROXYCHLOROQUINE, "PIN", None, False, None, _O, VSAC_HCQ, "Hydroxychloroquine Sulfate"),
    ("370656", _A.HYDROXYCHLOROQUINE, "SCDF", None, False, "tablet", _O, VSAC_HCQ, "Hydroxychloroquine Oral Tablet"),
    ("979092", _A.HYDROXYCHLOROQUINE, "SCD", 200, False, "tablet", _O, VSAC_HCQ, "Hydroxychloroquine Sulfate 200 MG Oral Tablet"),
    ("979094", _A.HYDROXYCHLOROQUINE, "SBD", 200, False, "tablet", _O, VSAC_HCQ, "Hydroxychloroquine Sulfate 200 MG Oral Tablet [Plaquenil]"),
    # --- prednisone ---
    ("312615", _A.PREDNISONE, "SCD", 20, False, "tablet", _O, PRED_MULTI, "predniSONE 20 MG Oral Tablet"),
    # --- methylprednisolone ---
    ("259966", _A.METHYLPREDNISOLONE, "SCD", 4, False, "tablet", _O, TABLE_2, "methylPREDNISolone 4 MG Oral Tablet"),
)
# fmt: on


def _build_code_index() -> dict[str, RxNormProduct]:
    index: dict[str, RxNormProduct] = {}
    for agent, code in INGREDIENT_CODES.items():
        index[code] = RxNormProduct(
            code, agent, agent.value, "IN", None, False, None, Route.UNKNOWN, RXNORM_IN
        )
    for code, agent, tty, strength, per_ml, form, route, source, name in RXNORM_PRODUCTS:
        mg = float(strength) if strength is not None else None
        index[code] = RxNormProduct(code, agent, name, tty, mg, per_ml, form, route, source)
    return index


_BY_CODE: dict[str, RxNormProduct] = _build_code_index()


def product_for_code(code: object) -> RxNormProduct | None:
    """The RxNorm concept (ingredient or product) for ``code``, else ``None``."""
    return _BY_CODE.get(code.strip()) if isinstance(code, str) else None


def is_rxnorm(system: object) -> bool:
    return isinstance(system, str) and system.strip() in RXNORM_SYSTEM_ALIASES


#: Generic names, synonyms and brands per agent, for the text fallback (lower case,
#: matched on word boundaries). Brands: US/EU labels (DailyMed, EMA) and the task list.
TEXT_NAMES: Mapping[Agent, tuple[str, ...]] = {
    _A.MYCOPHENOLATE_SODIUM: (
        "mycophenolic acid",
        "mycophenolate sodium",
        "mycophenolate na",
        "myfortic",
        "ceptava",
        "enteric coated mycophenolate",
        "mpa ec",
    ),
    _A.MYCOPHENOLATE_MOFETIL: (
        "mycophenolate mofetil",
        "mycophenolate mofetil hcl",
        "mmf",
        "cellcept",
        "myfenax",
        "mycophenolate mofetil hydrochloride",
    ),
    _A.CYCLOPHOSPHAMIDE: (
        "cyclophosphamide",
        "cytoxan",
        "endoxan",
        "endoxana",
        "procytox",
        "neosar",
    ),
    _A.VOCLOSPORIN: ("voclosporin", "lupkynis"),
    _A.TACROLIMUS: (
        "tacrolimus",
        "prograf",
        "advagraf",
        "envarsus",
        "envarsus xr",
        "astagraf",
        "astagraf xl",
        "hecoria",
        "fk506",
        "fk 506",
    ),
    _A.CYCLOSPORINE: (
        "cyclosporine",
        "cyclosporin",
        "ciclosporin",
        "cyclosporin a",
        "neoral",
        "sandimmune",
        "sandimmun",
        "gengraf",
    ),
    _A.RITUXIMAB: (
        "rituximab",
        "rituxan",
        "mabthera",
        "truxima",
        "ruxience",
        "riabni",
        "rituximab abbs",
        "rituximab pvvr",
        "rituximab arrx",
    ),
    _A.OBINUTUZUMAB: ("obinutuzumab", "gazyva", "gazyvaro"),
    _A.BELIMUMAB: ("belimumab", "benlysta"),
    _A.ANIFROLUMAB: ("anifrolumab", "anifrolumab fnia", "saphnelo"),
    _A.AZATHIOPRINE: ("azathioprine", "imuran", "azasan", "imurel", "imurek"),
    _A.HYDROXYCHLOROQUINE: (
        "hydroxychloroquine",
        "hydroxychloroquine sulfate",
        "plaquenil",
        "quensyl",
        "hcq",
    ),
    _A.METHYLPREDNISOLONE: (
        "methylprednisolone",
        "medrol",
        "solu medrol",
        "solumedrol",
        "depo medrol",
        "urbason",
    ),
    _A.PREDNISOLONE: ("prednisolone", "millipred", "orapred", "pediapred"),
    _A.PREDNISONE: ("prednisone", "deltasone", "rayos", "decortin"),
}


def normalise_text(text: str) -> str:
    """Lower case, punctuation to spaces, one space between words ("Solu-Medrol" -> "solu medrol")."""
    return " ".join(re.sub(r"[^0-9a-z.]+", " ", text.lower()).replace(". ", " ").split())


def _build_text_index() -> tuple[re.Pattern[str], dict[str, Agent]]:
    by_name: dict[str, Agent] = {}
    for agent, names in TEXT_NAMES.items():
        for name in names:
            by_name[normalise_text(name)] = agent
    # Longest names first so "mycophenolate mofetil" wins over shorter overlaps.
    alternatives = sorted(by_name, key=len, reverse=True)
    pattern = re.compile(
        r"(?<![0-9a-z])(" + "|".join(map(re.escape, alternatives)) + r")(?![0-9a-z])"
    )
    return pattern, by_name


_TEXT_PATTERN, _AGENT_BY_NAME = _build_text_index()


def agent_for_text(text: object) -> Agent | None:
    """The agent named first in ``text`` (generic name, synonym or brand), else ``None``.

    Matching is on whole words: "voclosporin" never matches "cyclosporin", and a bare
    "mycophenolate" (mofetil or sodium not said) is not matched at all, because the two
    products are dosed differently (720 mg sodium ~ 1000 mg mofetil, Salvadori 2004).
    """
    if not isinstance(text, str):
        return None
    match = _TEXT_PATTERN.search(normalise_text(text))
    return _AGENT_BY_NAME[match.group(1)] if match else None
