"""Hypothesis strategies: arbitrary JSON, FHIR-ish resources, prefetch values, FHIR server answers.

Codes come from the project's own tables (so examples reach the deep paths of the
mappings) mixed with random ones; values, units, statuses and dates mix plausible and
hostile ones.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources as package_files
from typing import Any

import anyio
import httpx
from hypothesis import strategies as st

from cds_service.service_definition import build_service
from fhir_mappings.codes.conditions import KIDNEY_BIOPSY_CPT, LN_SNOMED, SNOMED_SYSTEM
from fhir_mappings.codes.loinc import LOINC_SYSTEM, PREFETCH_LOINC_CODES
from fhir_mappings.codes.rxnorm import INGREDIENT_CODES, RXNORM_SYSTEM, TEXT_NAMES
from tests.robustness._helpers import BASE, PATIENT, Handler
from tests.support.fhir import searchset

Json = dict[str, Any]

PREFETCH_TEMPLATES = build_service().prefetch
#: prefetch key -> resource type of its template
KEY_TYPES = {
    key: template.partition("?")[0].partition("/")[0]
    for key, template in PREFETCH_TEMPLATES.items()
}

scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20)
)
json_values = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=15,
)
json_objects = st.dictionaries(st.text(max_size=10), json_values, max_size=6)


def _maybe(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Mostly the plausible value, sometimes arbitrary JSON."""
    return st.one_of(strategy, strategy, strategy, json_values)


dates = _maybe(
    st.one_of(
        st.dates().map(str),
        st.datetimes().map(lambda d: d.isoformat() + "Z"),
        st.sampled_from(["2024", "2024-02", "2024-02-30", "2026-06-15T08:00:00+02:00", "", "soon"]),
    )
)
statuses = _maybe(
    st.sampled_from(
        [
            "final",
            "amended",
            "preliminary",
            "cancelled",
            "entered-in-error",
            "active",
            "completed",
            "stopped",
            "on-hold",
            "unknown",
            "draft",
            "bogus",
        ]
    )
)
numbers = _maybe(
    st.one_of(
        st.floats(min_value=-1e6, max_value=1e6, allow_nan=False),
        st.sampled_from([0, 0.0, -1, 1e308, 5e-324, 3.5, 150, 1000, 2000]),
    )
)
units = _maybe(
    st.sampled_from(
        [
            "mg/g",
            "g/g",
            "mg/mmol",
            "mg/dL",
            "umol/L",
            "mL/min/{1.73_m2}",
            "mL/min/1.73m2",
            "g/(24.h)",
            "mg/(24.h)",
            "g/d",
            "%",
            "kg",
            "cm",
            "[lb_av]",
            "mg",
            "g",
            "mg/kg",
            "furlong",
        ]
    )
)
subject = st.sampled_from(
    [{"reference": f"Patient/{PATIENT}"}] * 6
    + [{"reference": f"{BASE}/Patient/{PATIENT}"}, {"reference": "Patient/other"}, {}]
)


def coding(system: str, codes: st.SearchStrategy[str]) -> st.SearchStrategy[Json]:
    return st.builds(
        lambda code, text: {"coding": [{"system": system, "code": code}], "text": text},
        _maybe(codes),
        _maybe(st.text(max_size=30)),
    )


quantity = st.builds(
    lambda value, unit: {
        "value": value,
        "unit": unit,
        "system": "http://unitsofmeasure.org",
        "code": unit,
    },
    numbers,
    units,
)

observations = st.builds(
    lambda code, status, value, when, sub, extra: {
        "resourceType": "Observation",
        "id": "o",
        "status": status,
        "code": code,
        "subject": sub,
        "effectiveDateTime": when,
        "valueQuantity": value,
        **extra,
    },
    coding(LOINC_SYSTEM, st.sampled_from(PREFETCH_LOINC_CODES) | st.text(max_size=8)),
    statuses,
    _maybe(quantity),
    dates,
    subject,
    st.sampled_from(
        [
            {},
            {},
            {"component": [{"code": {"text": "x"}, "valueQuantity": {"value": 1}}]},
            {"valueString": "<0.1"},
            {"dataAbsentReason": {"text": "x"}},
            {"effectivePeriod": {"start": "2025"}},
        ]
    ),
)
drug_text = st.sampled_from([name for names in TEXT_NAMES.values() for name in names]) | st.text(
    max_size=20
)
dosages = st.lists(
    st.builds(
        lambda dose, freq, period, unit, route: {
            "doseAndRate": [{"doseQuantity": dose}],
            "timing": {"repeat": {"frequency": freq, "period": period, "periodUnit": unit}},
            "route": {"text": route},
        },
        _maybe(quantity),
        _maybe(st.integers(min_value=-3, max_value=50)),
        numbers,
        _maybe(st.sampled_from(["d", "wk", "mo", "h", "a", "s"])),
        _maybe(st.sampled_from(["oral", "intravenous"])),
    ),
    max_size=3,
)
medication_requests = st.builds(
    lambda med, status, when, dose, sub: {
        "resourceType": "MedicationRequest",
        "id": "mr",
        "status": status,
        "intent": "order",
        "medicationCodeableConcept": med,
        "subject": sub,
        "authoredOn": when,
        "dosageInstruction": dose,
    },
    coding(RXNORM_SYSTEM, st.sampled_from(sorted(INGREDIENT_CODES.values())) | st.text(max_size=8))
    | drug_text.map(lambda text: {"text": text}),
    statuses,
    dates,
    _maybe(dosages),
    subject,
)
medication_other = st.builds(
    lambda rtype, med, when, qty, sub, ref: {
        "resourceType": rtype,
        "id": "m",
        "status": "completed",
        "medicationCodeableConcept": med,
        "subject": sub,
        "whenHandedOver": when,
        "effectiveDateTime": when,
        "quantity": qty,
        "daysSupply": qty,
        **ref,
    },
    st.sampled_from(["MedicationDispense", "MedicationAdministration"]),
    coding(RXNORM_SYSTEM, st.sampled_from(sorted(INGREDIENT_CODES.values()))),
    dates,
    _maybe(quantity),
    subject,
    st.sampled_from(
        [
            {},
            {"medicationReference": {"reference": "Medication/m1"}},
            {"medicationReference": {"reference": "#c"}},
        ]
    ),
)
conditions = st.builds(
    lambda code, when, sub: {
        "resourceType": "Condition",
        "id": "c",
        "code": code,
        "subject": sub,
        "onsetDateTime": when,
        "clinicalStatus": {"coding": [{"code": "active"}]},
    },
    coding(SNOMED_SYSTEM, st.sampled_from(sorted(LN_SNOMED)))
    | coding("http://hl7.org/fhir/sid/icd-10-cm", st.sampled_from(["M32.14", "M32.1", "N05.9"])),
    dates,
    subject,
)
procedures = st.builds(
    lambda code, when, sub: {
        "resourceType": "Procedure",
        "id": "pr",
        "status": "completed",
        "code": code,
        "subject": sub,
        "performedDateTime": when,
    },
    coding("http://www.ama-assn.org/go/cpt", st.sampled_from(sorted(KIDNEY_BIOPSY_CPT))),
    dates,
    subject,
)
fhirish = st.one_of(
    observations, medication_requests, medication_other, conditions, procedures, json_objects
)


def _with_ids(items: list[Json]) -> list[Json]:
    return [
        {**item, "id": f"{item.get('id', 'r')}{index}"} if isinstance(item, dict) else item
        for index, item in enumerate(items)
    ]


next_links = st.sampled_from(
    [
        None,
        None,
        None,
        f"{BASE}/Observation?page=2",
        f"{BASE}/Observation?page=2&x=1",
        "https://evil.example/r4/Observation",
        f"{BASE}/\x00bad",
        "not a url",
        "",
    ]
)
bundle_types = st.sampled_from(
    ["searchset"] * 4 + ["collection", "transaction-response", "batch", None]
)


@st.composite
def bundles(draw: st.DrawFn, members: st.SearchStrategy[Json] = fhirish) -> Json:
    entries = _with_ids(draw(st.lists(members, max_size=6)))
    bundle: Json = {
        "resourceType": "Bundle",
        "type": draw(bundle_types),
        "entry": [{"resource": item} for item in entries],
    }
    url = draw(next_links)
    if url is not None:
        bundle["link"] = [
            {"relation": draw(st.sampled_from(["next", "self", "previous"])), "url": url}
        ]
    return bundle


prefetch_values = st.one_of(
    bundles(),
    bundles(),
    st.none(),
    st.just({"resourceType": "OperationOutcome", "issue": [{"severity": "error", "code": "x"}]}),
    st.just({"resourceType": "Patient", "id": PATIENT}),
    json_values,
)


@st.composite
def prefetches(draw: st.DrawFn) -> Json | None:
    """A prefetch object: each key absent, null, an OperationOutcome, a bundle or junk."""
    if draw(st.integers(0, 9)) == 0:
        return None
    out: Json = {}
    for key in PREFETCH_TEMPLATES:
        if draw(st.booleans()) or key == "patient":
            out[key] = (
                draw(prefetch_values)
                if key != "patient" or draw(st.booleans())
                else {"resourceType": "Patient", "id": PATIENT}
            )
    return out


def _demo_bundle(slug: str) -> Json:
    text = package_files.files("cds_service").joinpath(f"demo_data/{slug}.json").read_text()
    return dict(json.loads(text))


DEMO_SLUGS = (
    "a-refractory",
    "b-under-dosed",
    "c-non-adherent",
    "e-cni-response",
    "i-refractory-cyclophosphamide",
)


@st.composite
def mutated(draw: st.DrawFn, value: Any, depth: int = 0) -> Any:
    """``value`` with a few random edits: a member dropped, replaced by junk, or kept."""
    if draw(st.integers(0, 39)) == 0:
        return draw(json_values)
    if isinstance(value, dict) and depth < 6:
        out = {}
        for key, item in value.items():
            if draw(st.integers(0, 39)) == 0:
                continue
            out[key] = draw(mutated(item, depth + 1))
        return out
    if isinstance(value, list) and depth < 6:
        return [draw(mutated(item, depth + 1)) for item in value]
    return value


def _by_key(resources: list[Json]) -> Json:
    """A full prefetch of ``resources``: the Patient and one searchset per search key."""
    patient = next(item for item in resources if item["resourceType"] == "Patient")
    prefetch: Json = {"patient": patient}
    for key, rtype in KEY_TYPES.items():
        if key != "patient":
            found = [item for item in resources if item["resourceType"] == rtype]
            prefetch[key] = searchset(found)
    return prefetch


@dataclass(frozen=True)
class Demo:
    patient_id: str
    prefetch: Json
    resources: list[Json]


@st.composite
def demo_prefetches(draw: st.DrawFn) -> Demo:
    """A demo patient's full prefetch with random edits, and the unedited resources."""
    bundle = _demo_bundle(draw(st.sampled_from(DEMO_SLUGS)))
    resources = [entry["resource"] for entry in bundle["entry"]]
    prefetch = {key: draw(mutated(value)) for key, value in _by_key(resources).items()}
    patient_id = next(item["id"] for item in resources if item["resourceType"] == "Patient")
    return Demo(str(patient_id), prefetch, resources)


def demo_server(resources: list[Json]) -> Handler:
    """A FHIR server holding ``resources``: reads by id, searches by type (first page only)."""

    async def handle(request: httpx.Request) -> httpx.Response:
        path = request.url.path.removeprefix(httpx.URL(BASE).path).strip("/")
        rtype, _, rid = path.partition("/")
        found = [item for item in resources if item["resourceType"] == rtype]
        if rid:
            match = [item for item in found if item.get("id") == rid]
            if match:
                return httpx.Response(200, json=match[0])
            return httpx.Response(404, json={"resourceType": "OperationOutcome", "issue": []})
        return httpx.Response(200, json=searchset(found))

    return handle


# ---- FHIR server answers -------------------------------------------------------------


def _response(kind: str, payload: Any, status: int) -> httpx.Response:
    if kind == "json":
        return httpx.Response(status, content=json.dumps(payload).encode())
    if kind == "html":
        return httpx.Response(
            status, text="<html><body>login</body></html>", headers={"content-type": "text/html"}
        )
    if kind == "truncated":
        return httpx.Response(
            status, content=json.dumps(payload).encode()[: max(1, len(json.dumps(payload)) // 2)]
        )
    return httpx.Response(status, content=payload if isinstance(payload, bytes) else b"")


answers = st.one_of(
    st.tuples(
        st.just("json"),
        bundles(),
        st.sampled_from(
            [200] * 6 + [201, 202, 204, 301, 400, 401, 403, 404, 410, 429, 500, 502, 503]
        ),
    ),
    st.tuples(
        st.just("json"), st.one_of(fhirish, json_values), st.sampled_from([200, 200, 404, 500])
    ),
    st.tuples(st.just("html"), st.none(), st.sampled_from([200, 401, 500])),
    st.tuples(st.just("truncated"), bundles(), st.just(200)),
    st.tuples(st.just("bytes"), st.binary(max_size=40), st.sampled_from([200, 500])),
    st.tuples(
        st.sampled_from(["slow", "read-timeout", "refused", "protocol"]), st.none(), st.just(200)
    ),
)


def server(answers_list: list[tuple[str, Any, int]]) -> Handler:
    """A fake FHIR server giving the drawn answers in turn (cycling); a "slow" answer never
    comes (the hook deadline must cut it)."""
    state = {"n": 0}

    async def handle(request: httpx.Request) -> httpx.Response:
        kind, payload, status = answers_list[state["n"] % len(answers_list)]
        state["n"] += 1
        if kind == "slow":
            await anyio.sleep_forever()
        if kind == "read-timeout":
            raise httpx.ReadTimeout("slow", request=request)
        if kind == "refused":
            raise httpx.ConnectError("refused", request=request)
        if kind == "protocol":
            raise httpx.RemoteProtocolError("peer closed", request=request)
        return _response(kind, payload, status)

    return handle
