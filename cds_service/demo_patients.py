"""The embedded synthetic demo patients, and the hook request an EHR would send for each.

Each patient (``cds_service/demo_data``: a Bundle and its line in ``index.json``) is
written with dates relative to the index's anchor; ``load_patients(today)`` moves every
date so the story ends today. ``build_hook_request`` fills the service's prefetch
templates from the patient's own resources with the local FHIR search evaluator, as an
EHR would. Used by ``ln-cds demo`` and by the app's start-up warm-up.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any, Final

from cds_service.bundle_search import evaluate_query, resolve_tokens

DEMO_DATA_DIR: Final = Path(__file__).resolve().parent / "demo_data"
DEMO_USER_ID: Final = "Practitioner/ln-demo-clinician"
_HOOK_NAMESPACE: Final = uuid.UUID("6f1d7c1e-3a52-4f3e-9a4e-3c0f2b6d1e10")

Json = dict[str, Any]


# --- demo data --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DemoPatient:
    slug: str
    title: str
    patient_id: str
    expected_topics: tuple[str, ...]
    expected_topics_show_status: tuple[str, ...]
    bundle: Json

    def resources(self) -> list[Json]:
        return [e["resource"] for e in self.bundle.get("entry", ()) if "resource" in e]


def load_index(data_dir: Path = DEMO_DATA_DIR) -> Json:
    index: Json = json.loads((data_dir / "index.json").read_text(encoding="utf-8"))
    return index


def load_patients(
    today: date, *, data_dir: Path = DEMO_DATA_DIR, slugs: Sequence[str] = ()
) -> list[DemoPatient]:
    """The demo patients, dates shifted by ``today - anchor`` (all when ``slugs`` is empty)."""
    index = load_index(data_dir)
    delta = (today - date.fromisoformat(index["anchor"])).days
    patients: list[DemoPatient] = []
    for entry in index["patients"]:
        if slugs and entry["slug"] not in slugs:
            continue
        bundle = json.loads((data_dir / entry["file"]).read_text(encoding="utf-8"))
        patients.append(
            DemoPatient(
                slug=entry["slug"],
                title=entry["title"],
                patient_id=entry["patient_id"],
                expected_topics=tuple(entry["expected_topics"]),
                expected_topics_show_status=tuple(entry["expected_topics_show_status"]),
                bundle=shift_dates(bundle, delta),
            )
        )
    return patients


_DATE_RE: Final = re.compile(r"^(\d{4}-\d{2}-\d{2})(T.*)?$")


def shift_dates(value: Any, days: int) -> Any:
    """A copy of ``value`` with every full date or dateTime string moved by ``days``.

    Partial dates (``"2024"``, ``"2024-03"``) and other strings are left as they are;
    the time of day and offset of a dateTime are kept.
    """
    if isinstance(value, dict):
        return {key: shift_dates(item, days) for key, item in value.items()}
    if isinstance(value, list):
        return [shift_dates(item, days) for item in value]
    if isinstance(value, str) and days:
        match = _DATE_RE.match(value)
        if match:
            try:
                moved = date.fromisoformat(match.group(1)) + timedelta(days=days)
            except ValueError:
                return value
            return moved.isoformat() + (match.group(2) or "")
    return value


def build_hook_request(
    patient: DemoPatient, templates: Mapping[str, str], *, user_id: str = DEMO_USER_ID
) -> Json:
    """The ``patient-view`` request an EHR would send, every prefetch key filled.

    A key whose instance read finds nothing is sent as ``null`` (no such data).
    """
    context = {"userId": user_id, "patientId": patient.patient_id}
    resources = patient.resources()
    prefetch = {
        key: evaluate_query(resolve_tokens(template, context, user_id), resources)
        for key, template in templates.items()
    }
    return {
        "hook": "patient-view",
        "hookInstance": str(uuid.uuid5(_HOOK_NAMESPACE, patient.slug)),
        "context": context,
        "prefetch": prefetch,
    }
