"""The CDS service described as data, its prefetch templates and their checking.

Template rules follow CDS Hooks 2.0 "Prefetch Template": tokens are
``{{context.<top-level field>}}``, ``{{userPractitionerId}}``,
``{{userPractitionerRoleId}}``, ``{{userPatientId}}``, ``{{userRelatedPersonId}}``;
queries are instance reads or type searches using token parameters (equality or
``:in``), date parameters (``eq/lt/gt/ge/le``), ``_count``, ``_sort`` and the
``patient`` reference parameter. ``check_templates`` enforces that at start-up.

CDS Hooks 2.0 has no token for the current date and no date arithmetic in templates,
so the prefetch templates cannot carry the look-back: they ask for each type newest
first (``_sort=-<date parameter>``, ``cds_service.search_params``) with a page size,
and the service reads further pages only until the look-back is covered. The service's
own searches (``DataKey``) add the date bound, the page size and ``_include``.

Which keys the assessment cannot do without is data too (``DataKey.required``): a
required key that cannot be read answers 412; an optional one is recorded as a data gap
and the hook still answers.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, quote

from cds_service.search_params import DATE_PARAMS

SERVICE_ID = "lupus-nephritis-refractory"
HOOK = "patient-view"
LOINC_SYSTEM_URL = "http://loinc.org"  # FHIR R4 terminology: LOINC system URI

_TOKEN_RE = re.compile(r"\{\{\s*([^{}]*?)\s*\}\}")
_CONTEXT_TOKEN_RE = re.compile(r"^context\.([A-Za-z][A-Za-z0-9]*)$")
#: userXxxId token -> the resource type of ``context.userId`` it stands for (CDS Hooks 2.0).
_USER_TOKENS: Mapping[str, str] = {
    "userPractitionerId": "Practitioner",
    "userPractitionerRoleId": "PractitionerRole",
    "userPatientId": "Patient",
    "userRelatedPersonId": "RelatedPerson",
}
_PLACEHOLDER = "TOKEN"
_TYPE_RE = re.compile(r"^[A-Z][A-Za-z]+$")
_ID_RE = re.compile(r"^[A-Za-z0-9\-.]{1,64}$")
#: Token search parameters our templates may use (FHIR R4 search parameter registry).
_TOKEN_PARAMS = frozenset(
    {"code", "status", "category", "clinical-status", "verification-status", "intent"}
)
#: Date search parameters our templates may use (FHIR R4 search parameter registry).
_DATE_PARAMS = frozenset(
    {"date", "authoredon", "onset-date", "whenhandedover", "effective-time", "effective"}
)
_DATE_VALUE_RE = re.compile(r"^(eq|lt|gt|ge|le)?\d{4}(-\d{2}(-\d{2}(T[0-9:.+\-Z]+)?)?)?$")
_SORT_VALUE_RE = re.compile(r"^-?[a-z_][a-z\-_]*(,-?[a-z_][a-z\-_]*)*$")
_TOKEN_VALUE_RE = re.compile(r"^[^,|]*(\|[^,|]*)?(,[^,|]*(\|[^,|]*)?)*$")


class TemplateError(ValueError):
    """A prefetch template breaks the CDS Hooks 2.0 rules, or cannot be resolved."""


@dataclass(frozen=True, slots=True)
class DataKey:
    """How the service treats one prefetch key's data (internal: not in discovery)."""

    #: The assessment cannot do without it: unobtainable -> 412. Optional data that
    #: cannot be read (search not offered, refused) becomes a data gap instead.
    required: bool = True
    #: ``_include`` the service's own search adds to bring the referenced Medications in
    #: the same answer (FHIR R4 search parameter ``medication`` of the type).
    include: str | None = None


@dataclass(frozen=True, slots=True)
class ServiceDefinition:
    """One CDS service. ``discovery()`` is what the EHR sees; the rest is internal."""

    id: str
    hook: str
    title: str
    description: str
    prefetch: Mapping[str, str]
    usage_requirements: str | None = None
    #: internal: how each prefetch key is read; a key not listed is required.
    data: Mapping[str, DataKey] = field(default_factory=dict)

    def key(self, name: str) -> DataKey:
        """How the prefetch key ``name`` is treated."""
        return self.data.get(name, _REQUIRED)

    @property
    def required_keys(self) -> frozenset[str]:
        """The prefetch keys the assessment cannot do without."""
        return frozenset(name for name in self.prefetch if self.key(name).required)

    def discovery(self) -> dict[str, Any]:
        """The discovery entry: only the spec's fields, none empty."""
        entry: dict[str, Any] = {
            "hook": self.hook,
            "title": self.title,
            "description": self.description,
            "id": self.id,
            "prefetch": dict(self.prefetch),
            "usageRequirements": self.usage_requirements,
        }
        return {key: value for key, value in entry.items() if value not in (None, "", {}, [])}


_REQUIRED = DataKey()
#: Page size asked of the EHR in the prefetch templates (it may page further).
PREFETCH_PAGE_SIZE = 250


def _newest_first(resource_type: str, extra: str = "") -> str:
    """A patient search of ``resource_type`` sorted on its date parameter, newest first."""
    sort = DATE_PARAMS[resource_type].name
    return (
        f"{resource_type}?patient={{{{context.patientId}}}}{extra}"
        f"&_sort=-{sort}&_count={PREFETCH_PAGE_SIZE}"
    )


def observation_template(loinc_codes: Sequence[str], system: str = LOINC_SYSTEM_URL) -> str:
    codes = ",".join(f"{system}|{code}" for code in loinc_codes)
    return _newest_first("Observation", f"&code={codes}")


def prefetch_templates(
    loinc_codes: Sequence[str], system: str = LOINC_SYSTEM_URL
) -> dict[str, str]:
    """The prefetch keys of docs/design.md "Prefetch keys"."""
    return {
        "patient": "Patient/{{context.patientId}}",
        "conditions": "Condition?patient={{context.patientId}}",
        "observations": observation_template(loinc_codes, system),
        "medicationRequests": _newest_first("MedicationRequest"),
        "medicationDispenses": _newest_first("MedicationDispense"),
        "medicationAdministrations": _newest_first("MedicationAdministration"),
        "medicationStatements": _newest_first("MedicationStatement"),
        "procedures": _newest_first("Procedure"),
    }


#: Required and optional data (docs/deployment.md, "What the service reads from the
#: EHR"). Required: the diagnosis, the labs the response is judged on and the orders that
#: make the regimen. Optional: fills (adherence is then "unknown"), administrations and
#: statements (other views of the treatment) and procedures (the biopsy history).
DATA_KEYS: Mapping[str, DataKey] = {
    "patient": DataKey(),
    "conditions": DataKey(),
    "observations": DataKey(),
    "medicationRequests": DataKey(include="MedicationRequest:medication"),
    "medicationDispenses": DataKey(required=False, include="MedicationDispense:medication"),
    "medicationAdministrations": DataKey(
        required=False, include="MedicationAdministration:medication"
    ),
    "medicationStatements": DataKey(required=False, include="MedicationStatement:medication"),
    "procedures": DataKey(required=False),
}


def _default_loinc() -> tuple[tuple[str, ...], str]:
    from fhir_mappings.codes.loinc import (  # type: ignore[import-not-found,unused-ignore]
        LOINC_SYSTEM,
        PREFETCH_LOINC_CODES,  # imported lazily so tests can inject codes
    )

    return tuple(PREFETCH_LOINC_CODES), str(LOINC_SYSTEM)


def build_service(loinc_codes: Sequence[str] | None = None) -> ServiceDefinition:
    """The lupus nephritis service; ``loinc_codes`` defaults to ``PREFETCH_LOINC_CODES``."""
    if loinc_codes is None:
        codes, system = _default_loinc()
    else:
        codes, system = tuple(loinc_codes), LOINC_SYSTEM_URL
    templates = prefetch_templates(codes, system)
    return ServiceDefinition(
        id=SERVICE_ID,
        hook=HOOK,
        title="Refractory lupus nephritis check",
        description=(
            "Reviews the response of lupus nephritis to induction therapy (proteinuria, "
            "kidney function, adherence, dosing) and flags non-response or worsening early."
        ),
        prefetch=templates,
        usage_requirements=(
            "Needs read access to the patient's Patient, Condition, Observation, "
            "MedicationRequest and Medication resources; reads MedicationDispense, "
            "MedicationAdministration, MedicationStatement and Procedure when the FHIR "
            "server offers them (the cards say what could not be read)."
        ),
        data=DATA_KEYS,
    )


def _check_token(token: str) -> None:
    if _CONTEXT_TOKEN_RE.match(token) or token in _USER_TOKENS:
        return
    raise TemplateError(f"prefetch token {{{{{token}}}}} is not allowed by CDS Hooks 2.0")


def _check_param(name: str, value: str) -> None:
    base, _, modifier = name.partition(":")
    if base == "patient" and not modifier:
        return
    if base == "_count" and not modifier:
        if not value.isdigit():
            raise TemplateError("_count must be a positive integer")
        return
    if base == "_sort" and not modifier:
        if not _SORT_VALUE_RE.match(value):
            raise TemplateError(f"_sort value {value!r} is not allowed")
        return
    if base in _TOKEN_PARAMS and modifier in ("", "in"):
        if not modifier and not _TOKEN_VALUE_RE.match(value):
            raise TemplateError(f"token value of {base!r} is not system|code[,...]")
        return
    if base in _DATE_PARAMS and not modifier:
        if not _DATE_VALUE_RE.match(value):
            raise TemplateError(f"date value of {base!r} must use eq/lt/gt/ge/le")
        return
    raise TemplateError(f"search parameter {name!r} is not allowed in a prefetch template")


def check_template(template: str) -> None:
    """Raise ``TemplateError`` unless ``template`` follows the CDS Hooks 2.0 rules."""
    for token in _TOKEN_RE.findall(template):
        _check_token(token)
    plain = _TOKEN_RE.sub(_PLACEHOLDER, template)
    if "{" in plain or "}" in plain:
        raise TemplateError("unbalanced template braces")
    path, sep, query = plain.partition("?")
    parts = path.split("/")
    if not _TYPE_RE.match(parts[0]) or len(parts) > 2:
        raise TemplateError(f"{path!r} is neither an instance read nor a type search")
    if len(parts) == 2:
        if sep or not _ID_RE.match(parts[1]):
            raise TemplateError("an instance read takes an id and no query")
        return
    if not sep or not query:
        raise TemplateError("a type search needs search parameters")
    for name, value in parse_qsl(query, keep_blank_values=True, strict_parsing=True):
        _check_param(name, value)


def check_templates(templates: Mapping[str, str]) -> None:
    """Check every template; the error names the offending key."""
    for key, template in templates.items():
        try:
            check_template(template)
        except (TemplateError, ValueError) as exc:
            raise TemplateError(f"prefetch template {key!r}: {exc}") from exc


def resolve_template(template: str, context: Mapping[str, Any], user_id: str | None) -> str:
    """Substitute the tokens of ``template``; ``TemplateError`` if one has no value."""

    def substitute(match: re.Match[str]) -> str:
        token = match.group(1)
        context_match = _CONTEXT_TOKEN_RE.match(token)
        value: object = None
        if context_match:
            value = context.get(context_match.group(1))
        elif token in _USER_TOKENS and isinstance(user_id, str):
            rtype, _, rid = user_id.partition("/")
            value = rid if rtype == _USER_TOKENS[token] else None
        if not isinstance(value, str) or not value:
            raise TemplateError(f"prefetch token {{{{{token}}}}} has no value in this request")
        return quote(value, safe="")

    return _TOKEN_RE.sub(substitute, template)
