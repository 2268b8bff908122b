"""medication[x] of a MedicationRequest/Dispense/Administration/Statement -> ``MedicationMatch``.

Order of trust (``MatchMethod``):

1. ``medicationCodeableConcept`` with an RxNorm coding (any level: IN, SCD, SBD, forms).
2. ``medicationReference`` resolved from ``contained`` (``"#id"``) or from
   ``medications_by_ref`` (keys ``"Medication/<id>"``; absolute URLs into the server
   base and ``_history`` suffixes are reduced to that form, URLs compared as the service
   compares FHIR bases: scheme and host in any case, the default port or none, with or
   without a trailing slash): the Medication's code, then its ingredients.
3. Text: concept text, displays of non-RxNorm codings, reference display, matched on
   names and brands (``codes.rxnorm.agent_for_text``).

Strength comes from the RxNorm table, else ``Medication.ingredient.strength``
(numerator mg / denominator 1 unit), else the first "<n> MG" in the product name.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from fhir_mappings.codes.rxnorm import agent_for_text, is_rxnorm, product_for_code
from fhir_mappings.facts import MatchMethod, MedicationMatch, Route
from fhir_mappings.read._access import (
    as_dict,
    as_float,
    as_list,
    as_str,
    codings,
    dicts,
    quantity_unit,
)

#: mass unit -> factor to mg (UCUM: g = 1000 mg, ug = 0.001 mg).
MASS_TO_MG: Mapping[str, float] = {
    "mg": 1.0,
    "g": 1000.0,
    "ug": 0.001,
    "mcg": 0.001,
    "µg": 0.001,
}

#: Units meaning "one tablet/capsule/vial" in FHIR Quantities (UCUM annotations and
#: common non-UCUM spellings seen in EHR data).
UNIT_DOSE_UNITS: frozenset[str] = frozenset(
    {
        "1",
        "{tbl}",
        "{tab}",
        "{tablet}",
        "{tablets}",
        "tab",
        "tabs",
        "tablet",
        "tablets",
        "{capsule}",
        "{capsules}",
        "{cap}",
        "cap",
        "caps",
        "capsule",
        "capsules",
        "{vial}",
        "vial",
        "{unit}",
        "{each}",
        "each",
        "ea",
    }
)

#: Dose-form words in product names/Medication.form text -> (form, route).
DOSE_FORM_WORDS: tuple[tuple[str, str, Route], ...] = (
    ("delayed release oral tablet", "tablet", Route.ORAL),
    ("oral tablet", "tablet", Route.ORAL),
    ("oral capsule", "capsule", Route.ORAL),
    ("oral suspension", "oral suspension", Route.ORAL),
    ("oral solution", "oral solution", Route.ORAL),
    ("auto-injector", "auto-injector", Route.SUBCUTANEOUS),
    ("autoinjector", "auto-injector", Route.SUBCUTANEOUS),
    ("prefilled syringe", "prefilled syringe", Route.SUBCUTANEOUS),
    ("subcutaneous", "injection", Route.SUBCUTANEOUS),
    ("intravenous", "injection", Route.INTRAVENOUS),
    ("injectable", "injection", Route.UNKNOWN),
    ("injection", "injection", Route.UNKNOWN),
    ("tablet", "tablet", Route.ORAL),
    ("capsule", "capsule", Route.ORAL),
)

_STRENGTH_RE = re.compile(
    r"(?<![\w.])(\d+(?:\.\d+)?)\s*(mg|g|mcg|ug)\b(\s*/\s*(?:ml|1\s*ml))?", re.IGNORECASE
)


def dose_form_of(text: str | None) -> tuple[str | None, Route]:
    """(dose form, route implied by it) from a product name or form text."""
    if not text:
        return None, Route.UNKNOWN
    lowered = text.lower()
    for word, form, route in DOSE_FORM_WORDS:
        if word in lowered:
            return form, route
    return None, Route.UNKNOWN


def strength_from_name(text: str | None) -> tuple[float | None, bool]:
    """(mg per unit or per mL, per_ml) from the first strength in a name ("500 MG", "200 MG/ML")."""
    if not text:
        return None, False
    match = _STRENGTH_RE.search(text)
    if match is None:
        return None, False
    value = float(match.group(1)) * MASS_TO_MG[match.group(2).lower()]
    return value, match.group(3) is not None


def quantity_mg(quantity: object) -> float | None:
    """A mass Quantity in mg (unit from ``code`` else ``unit``), else ``None``."""
    data = as_dict(quantity)
    value = as_float(data.get("value"))
    unit = quantity_unit(data)
    if value is None or unit is None:
        return None
    factor = MASS_TO_MG.get(unit.strip().lower())
    return value * factor if factor is not None else None


#: How each scheme's default port is written after the host: a URL naming it is the same
#: URL without it (RFC 3986 section 6.2.3), as the service compares FHIR bases.
_DEFAULT_PORT: Mapping[str, str] = {"http": ":80", "https": ":443"}


def _normal_url(url: str) -> str | None:
    """``url`` as FHIR bases are compared: scheme and host in lower case, the scheme's
    default port left out, no query, fragment or trailing slash. ``None`` unless it is an
    http(s) URL with a host and no user info."""
    scheme, separator, rest = url.partition("://")
    scheme = scheme.lower()
    if not separator or scheme not in _DEFAULT_PORT:
        return None
    authority, slash, path = rest.split("#")[0].split("?")[0].partition("/")
    if not authority or "@" in authority:
        return None
    host = authority.lower().removesuffix(_DEFAULT_PORT[scheme])
    return f"{scheme}://{host}{slash}{path}".rstrip("/")


def _reference_key(reference: str, server_base: str | None) -> str | None:
    """``Medication/12`` for a relative reference or an absolute one inside ``server_base``.

    ``_history`` suffixes and queries are dropped. An absolute reference to another
    server gives ``None`` when the base is known (it cannot be one of ours), and so does
    one whose path after the base is more than ``Type/id`` (``../other/Medication/12``);
    without a known base it is reduced to its last two segments.
    """
    ref = reference.split("?")[0]
    if "://" in ref and server_base is not None:
        base, target = _normal_url(server_base), _normal_url(ref)
        if base is None or target is None or not target.startswith(base + "/"):
            return None
        parts = _without_history(target[len(base) + 1 :])
        return "/".join(parts) if len(parts) == 2 else None
    parts = _without_history(ref)
    return "/".join(parts[-2:]) if len(parts) >= 2 else None


def _without_history(path: str) -> list[str]:
    """The non-empty segments of ``path`` before any ``_history``."""
    parts = [p for p in path.split("/") if p]
    return parts[: parts.index("_history")] if "_history" in parts else parts


def resolve_medication(
    resource: Mapping[str, Any],
    reference: object,
    medications_by_ref: Mapping[str, Mapping[str, Any]],
    server_base: str | None = None,
) -> Mapping[str, Any] | None:
    """The Medication a reference points to (contained, then among those read), else ``None``."""
    ref = as_str(as_dict(reference).get("reference"))
    if ref is None:
        return None
    ref = ref.strip()
    if ref.startswith("#"):
        wanted = ref[1:]
        for item in dicts(resource.get("contained")):
            if as_str(item.get("id")) == wanted and item.get("resourceType") == "Medication":
                return item
        return None
    found = medications_by_ref.get(ref) if "://" not in ref else None
    if found is None:
        key = _reference_key(ref, server_base)
        found = medications_by_ref.get(key) if key is not None else None
    return found if isinstance(found, Mapping) else None


def _match_concept(concept: object, method: MatchMethod) -> MedicationMatch | None:
    """Match a CodeableConcept through its RxNorm codings."""
    data = as_dict(concept)
    display = as_str(data.get("text"))
    for coding in codings(data):
        if not is_rxnorm(coding.get("system")):
            continue
        product = product_for_code(coding.get("code"))
        if product is None:
            continue
        name = display or as_str(coding.get("display")) or product.name
        strength, form = product.strength_mg, product.dose_form
        if strength is None:  # ingredient or dose-form concept: the text may say more
            strength, _ = strength_from_name(name)
            form = form or dose_form_of(name)[0]
        return MedicationMatch(product.agent, method, product.code, name, strength, form)
    return None


def _concept_texts(concept: object) -> list[str]:
    data = as_dict(concept)
    texts = [as_str(data.get("text"))]
    texts.extend(as_str(c.get("display")) for c in codings(data))
    return [t for t in texts if t]


def _match_text(texts: list[str], method: MatchMethod = MatchMethod.TEXT) -> MedicationMatch | None:
    for text in texts:
        agent = agent_for_text(text)
        if agent is not None:
            strength, _ = strength_from_name(text)
            form, _ = dose_form_of(text)
            return MedicationMatch(agent, method, None, text, strength, form)
    return None


def _ingredient_strength(ingredient: Mapping[str, Any]) -> float | None:
    """mg per unit from ``strength`` (Ratio): numerator mass over a denominator of 1 unit."""
    strength = as_dict(ingredient.get("strength"))
    numerator = quantity_mg(strength.get("numerator"))
    if numerator is None:
        return None
    denominator = as_dict(strength.get("denominator"))
    value = as_float(denominator.get("value"))
    if value is None:
        return numerator
    return numerator / value if value > 0 else None


def _match_medication(medication: Mapping[str, Any]) -> MedicationMatch | None:
    """Identify a Medication resource by code, then ingredients, then text."""
    form_text = " ".join(_concept_texts(medication.get("form")))
    match = _match_concept(medication.get("code"), MatchMethod.REFERENCE)
    ingredients = dicts(medication.get("ingredient"))
    if match is None:
        for ingredient in ingredients:
            item = ingredient.get("itemCodeableConcept")
            match = _match_concept(item, MatchMethod.REFERENCE) or _match_text(
                _concept_texts(item), MatchMethod.REFERENCE
            )
            if match is not None:
                break
    if match is None:
        match = _match_text(_concept_texts(medication.get("code")), MatchMethod.REFERENCE)
    if match is None:
        return None
    strength, form = match.strength_mg, match.dose_form
    if strength is None:
        for ingredient in ingredients:
            item = ingredient.get("itemCodeableConcept")
            if _match_concept(item, MatchMethod.REFERENCE) or _match_text(_concept_texts(item)):
                strength = _ingredient_strength(ingredient)
                break
    if form is None:
        form, _ = dose_form_of(form_text)
    return MedicationMatch(
        match.agent, MatchMethod.REFERENCE, match.code, match.display, strength, form
    )


def _concept_key(concept: object) -> tuple[object, ...]:
    """Everything ``_match_concept`` and ``_concept_texts`` read from a concept, hashable.

    Non-strings become ``None``: every reader of these fields treats them as absent.
    """
    data = as_dict(concept)
    text = data.get("text")
    items = data.get("coding")
    first = text if isinstance(text, str) else None
    if items is None:  # speed: a text-only or absent concept
        return (first,)
    key: list[object] = [first]
    for coding in items if type(items) is list else as_list(items):
        if type(coding) is not dict and not isinstance(coding, Mapping):
            continue
        system, code, display = coding.get("system"), coding.get("code"), coding.get("display")
        key.append(
            (
                system if isinstance(system, str) else None,
                code if isinstance(code, str) else None,
                display if isinstance(display, str) else None,
            )
        )
    return tuple(key)


def _identify(
    resource: Mapping[str, Any],
    concept: object,
    reference: object,
    medications_by_ref: Mapping[str, Mapping[str, Any]],
    server_base: str | None = None,
) -> MedicationMatch | None:
    match = _match_concept(concept, MatchMethod.CODING)
    if match is not None:
        return match
    medication = resolve_medication(resource, reference, medications_by_ref, server_base)
    if medication is not None:
        match = _match_medication(medication)
        if match is not None:
            return match
    texts = _concept_texts(concept)
    display = as_str(as_dict(reference).get("display"))
    if display:
        texts.append(display)
    return _match_text(texts)


def _medication_elements(resource: Mapping[str, Any]) -> tuple[object, object]:
    """(concept, reference) of medication[x], or of an R5 CodeableReference ``medication``."""
    concept = resource.get("medicationCodeableConcept")
    reference = resource.get("medicationReference")
    if concept is None and reference is None:
        # R5 CodeableReference ``medication`` (tolerated: some servers already emit it).
        r5 = as_dict(resource.get("medication"))
        if r5:
            concept, reference = r5.get("concept"), r5.get("reference")
    return concept, reference


class MedicationIdentifier:
    """``identify_medication`` for many resources of one patient.

    speed: a patient's dispenses and orders repeat a few products, so each distinct
    medication[x] is identified once. Apart from a ``contained`` Medication (``"#id"``,
    read afresh), the answer depends only on the concept's strings and the reference's
    ``reference`` and ``display`` strings, which make the memo key.

    ``server_base`` is the FHIR base the resources came from: an absolute reference
    into it resolves like a relative one; one into another server never does.
    """

    __slots__ = ("_by_ref", "_known", "_server_base")

    def __init__(
        self,
        medications_by_ref: Mapping[str, Mapping[str, Any]],
        server_base: str | None = None,
    ) -> None:
        self._by_ref = medications_by_ref
        self._server_base = server_base
        self._known: dict[tuple[object, ...], MedicationMatch | None] = {}

    def __call__(self, resource: Mapping[str, Any]) -> MedicationMatch | None:
        """The ``Agent`` a medication resource is about, with how it was recognised."""
        if type(resource) is not dict and not isinstance(resource, Mapping):
            return None
        concept, reference = _medication_elements(resource)
        ref = as_dict(reference)
        target, display = ref.get("reference"), ref.get("display")
        if not isinstance(target, str):
            target = None
        elif target.strip().startswith("#"):
            return _identify(resource, concept, reference, self._by_ref, self._server_base)
        key = (_concept_key(concept), target, display if isinstance(display, str) else None)
        if key in self._known:
            return self._known[key]
        match = self._known[key] = _identify(
            resource, concept, reference, self._by_ref, self._server_base
        )
        return match

    def unreadable_reference(self, resource: Mapping[str, Any]) -> str | None:
        """The ``medicationReference`` of a resource whose medication cannot be known.

        ``None`` when the medication is known, as one of the agents or as something
        else: a coded or named concept, a Medication that was read, or a reference
        with a display naming the drug. Otherwise the reference string, so the rules
        can name the order whose drug is unknown.
        """
        concept, reference = _medication_elements(resource)
        ref = as_str(as_dict(reference).get("reference"))
        if ref is None or _concept_texts(concept) or codings(concept):
            return None
        if as_str(as_dict(reference).get("display")) is not None:
            return None
        if resolve_medication(resource, reference, self._by_ref, self._server_base) is not None:
            return None
        return ref.strip()


def identify_medication(
    resource: Mapping[str, Any],
    medications_by_ref: Mapping[str, Mapping[str, Any]],
    server_base: str | None = None,
) -> MedicationMatch | None:
    """The ``Agent`` a medication resource is about, with how it was recognised; never raises."""
    return MedicationIdentifier(medications_by_ref, server_base)(resource)


def is_oral_form(match: MedicationMatch) -> bool:
    return match.dose_form in {"tablet", "capsule", "oral suspension", "oral solution"}


def route_of_match(match: MedicationMatch) -> Route:
    """Route implied by the product (its dose form or RxNorm row), else UNKNOWN."""
    if match.code is not None:
        product = product_for_code(match.code)
        if product is not None and product.route is not Route.UNKNOWN:
            return product.route
    if is_oral_form(match):
        return Route.ORAL
    _, route = dose_form_of(match.display)
    return route


def strength_is_per_ml(match: MedicationMatch) -> bool:
    """Whether ``strength_mg`` is per mL (solutions, suspensions) rather than per unit."""
    if match.code is not None:
        product = product_for_code(match.code)
        if product is not None and product.strength_mg is not None:
            return product.per_ml
    _, per_ml = strength_from_name(match.display)
    return per_ml


__all__ = [
    "MASS_TO_MG",
    "UNIT_DOSE_UNITS",
    "MedicationIdentifier",
    "dose_form_of",
    "identify_medication",
    "quantity_mg",
    "resolve_medication",
    "route_of_match",
    "strength_from_name",
    "strength_is_per_ml",
]
