"""``Finding`` -> CDS Hooks 2.0 card JSON (HL7 CDS Hooks 2.0.1, "CDS Service Response").

Pure and deterministic: the same assessment and the same ``uuid_factory`` give the
same JSON, byte for byte (golden files rely on it). Optional fields without a value
are omitted (never ``null``, ``""``, ``[]`` or ``{}``).

Card order follows ``Topic`` (the review's order of work). A card's ``detail`` is
GitHub-flavoured Markdown: evidence table, trend line, what a safety rule changed on
the card (``**Safety**``, one item per ``SafetyTrace``: effect, fact, rule, source), the
rule applied with its source, numbered next steps, notes, and the ruleset used.

Evidence is shown once per patient: in a set of cards, a row (same date, test and value)
or a trend line already shown on an earlier card is left out of the later ones, which
say where it is. So the first card that carries the proteinuria and renal-function rows
and the trend keeps them, and the others show only their own rows (a dose order, a PDC
period, fills, pulses, a biopsy).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any, Final

from cds_service.chart import chart_link
from cds_service.suggestions import build_suggestion_resource
from fhir_mappings import wording
from fhir_mappings.facts import LabPoint
from fhir_mappings.findings import (
    MEDICATION_ACTIONS,
    Citation,
    EvidenceRow,
    Finding,
    PatientAssessment,
    RecommendedAction,
    SafetyTrace,
    Topic,
)
from fhir_mappings.rules.evidence import DOSE_UNIT, SINGLE_DOSE_UNIT

if TYPE_CHECKING:
    from cds_service.config import Settings

PROJECT_URL: Final = "https://github.com/ln-cds/ln-cds"
#: The default card source (``LNCDS_CARD_SOURCE_LABEL`` and ``LNCDS_CARD_SOURCE_URL``
#: replace it in the hook's answer: ``with_settings``).
SOURCE_LABEL: Final = "ln-cds: refractory lupus nephritis"
#: The project's own CodeSystems (one URI each, used nowhere else).
CARD_TOPIC_SYSTEM: Final = f"{PROJECT_URL}/CodeSystem/card-topic"
OVERRIDE_REASON_SYSTEM: Final = f"{PROJECT_URL}/CodeSystem/override-reason"

TOPIC_DISPLAY: Final[Mapping[Topic, str]] = {
    Topic.PREGNANCY: "Pregnancy and teratogenic therapy",
    Topic.NOT_APPLICABLE: "Refractory check not applicable",
    Topic.RENAL_WORSENING: "Renal function worsening on therapy",
    Topic.FLARE: "Renal flare after response",
    Topic.ADHERENCE: "Possible non-adherence",
    Topic.DOSE_REVIEW: "Dose or delivery below target",
    Topic.REPEAT_BIOPSY: "Repeat kidney biopsy",
    Topic.REFRACTORY: "Refractory lupus nephritis",
    Topic.THERAPY_SWITCH: "Switch or add therapy",
    Topic.IMPROVING: "Not yet responding, improving",
    Topic.MAINTENANCE_BIOPSY: "Biopsy before stopping maintenance",
    Topic.CNI_CAVEAT: "Calcineurin-inhibitor proteinuria caveat",
    Topic.DATA_GAP: "Missing or unreadable data",
    Topic.RESPONSE_STATUS: "Response to therapy",
}
_TOPIC_ORDER: Final[Mapping[Topic, int]] = {topic: i for i, topic in enumerate(Topic)}

#: Override reasons offered on every card (code, display).
OVERRIDE_REASONS: Final[tuple[tuple[str, str], ...]] = (
    ("already-addressed", "Already addressed"),
    ("patient-declined", "Patient declined"),
    ("clinical-judgement", "Not appropriate: clinical judgement"),
    ("data-incorrect", "Data shown is incorrect or incomplete"),
)

#: Longest trend shown in full; longer series show the first point, "…", then the tail.
TREND_MAX_POINTS: Final = 8
#: ``EvidenceRow.marker`` of the value a change is measured from when it is not the
#: series' first point (a flare's remission value).
REFERENCE_MARKER: Final = "reference"

UuidFactory = Callable[[], str]


def render_cards(
    assessment: PatientAssessment, *, uuid_factory: UuidFactory, ruleset: str
) -> list[dict[str, Any]]:
    """One card per finding, in ``Topic`` order (stable for equal topics), each piece of
    evidence on the first card that carries it (``shown_once``).

    Empty members are not removed here: callers apply ``prune_empty`` once to the whole
    answer (the hook route, the CLI).
    """
    findings = sorted(assessment.findings, key=lambda f: _TOPIC_ORDER[f.topic])
    patient_id = assessment.facts.patient_id
    return [
        render_card(
            f, uuid_factory=uuid_factory, ruleset=ruleset, patient_id=patient_id, evidence=shown
        )
        for f, shown in zip(findings, shown_once(findings), strict=True)
    ]


@dataclass(frozen=True, slots=True)
class CardEvidence:
    """What a card of a set shows of its finding's evidence: its rows, its trend line, and
    where the rows and trend left out (shown on an earlier card) are."""

    rows: tuple[EvidenceRow, ...]
    trend: str | None
    elsewhere: str | None = None


#: A row's identity across the cards of one patient: same date, test and value.
RowKey = tuple[date, date | None, str, float | None, str | None, str | None, str]


def row_key(row: EvidenceRow) -> RowKey:
    return (row.when, row.until, row.label, row.value, row.comparator, row.text, row.unit)


def card_evidence(finding: Finding) -> CardEvidence:
    """A card's evidence on its own: every row and its trend."""
    return CardEvidence(finding.evidence, trend_line(finding.series, _reference_row(finding)))


def shown_once(findings: Sequence[Finding]) -> list[CardEvidence]:
    """Per finding, in order, the evidence its card shows when no row and no trend line
    appears on two cards: each stays on the first card that has it, and a later card
    names that card in place of what it leaves out."""
    first_row: dict[RowKey, int] = {}
    first_trend: dict[str, int] = {}
    out: list[CardEvidence] = []
    for index, finding in enumerate(findings):
        own = card_evidence(finding)
        kept: list[EvidenceRow] = []
        left: dict[int, list[str]] = {}
        for row in own.rows:
            key = row_key(row)
            shown_on = first_row.setdefault(key, index)
            if shown_on != index:
                _add_once(left.setdefault(shown_on, []), _row_name(row))
            elif all(row_key(k) != key for k in kept):
                kept.append(row)
        trend = own.trend
        if trend is not None:
            shown_on = first_trend.setdefault(trend, index)
            if shown_on != index:
                _add_once(left.setdefault(shown_on, []), "the trend")
                trend = None
        where = [(findings[i], items) for i, items in sorted(left.items())]
        out.append(CardEvidence(tuple(kept), trend, _elsewhere(where)))
    return out


def _add_once(items: list[str], item: str) -> None:
    if item not in items:
        items.append(item)


def _row_name(row: EvidenceRow) -> str:
    """A row inside a sentence: its test ("creatinine", "eGFR"), a drug's dose
    ("cyclophosphamide dose"), else its label ("PDC: mycophenolate mofetil")."""
    if row.analyte is not None:
        return wording.label_in_text(row.analyte)
    if row.unit in (DOSE_UNIT, SINGLE_DOSE_UNIT) and ": " not in row.label:
        return f"{wording.in_sentence(row.label.split(',')[0])} dose"
    return wording.in_sentence(row.label)


def _elsewhere(left: Sequence[tuple[Finding, list[str]]]) -> str | None:
    """ "Shown on the card “Refractory lupus nephritis”: UPCR, eGFR and the trend." A card
    is named by its summary up to the first colon: what the clinician reads in the list."""
    if not left:
        return None
    parts = [
        f"on the card “{card_name(finding)}”: {wording.and_list(items)}" for finding, items in left
    ]
    return "Shown " + "; ".join(parts) + "."


def card_name(finding: Finding) -> str:
    """The card's summary up to its first colon ("Refractory lupus nephritis")."""
    summary = wording.summary(finding.summary) or TOPIC_DISPLAY[finding.topic]
    return summary.split(": ", 1)[0]


def render_card(
    finding: Finding,
    *,
    uuid_factory: UuidFactory,
    ruleset: str,
    patient_id: str | None,
    evidence: CardEvidence | None = None,
) -> dict[str, Any]:
    """The CDS Hooks card for one finding (uuids drawn in order: card, then suggestions);
    ``evidence``: what it shows of its evidence in a set of cards (default: all of it)."""
    card: dict[str, Any] = {
        "uuid": uuid_factory(),
        "summary": wording.summary(finding.summary) or TOPIC_DISPLAY[finding.topic],
        "indicator": finding.severity.value,
        "source": {
            "label": SOURCE_LABEL,
            "url": PROJECT_URL,
            "topic": {
                "system": CARD_TOPIC_SYSTEM,
                "code": finding.topic.value,
                "display": TOPIC_DISPLAY[finding.topic],
            },
        },
        "detail": render_detail(finding, ruleset=ruleset, evidence=evidence),
    }
    suggestions = _suggestions(finding.actions, uuid_factory=uuid_factory, patient_id=patient_id)
    if suggestions:
        card["suggestions"] = suggestions
        card["selectionBehavior"] = selection_behavior(finding.actions)
    card["overrideReasons"] = [
        {"system": OVERRIDE_REASON_SYSTEM, "code": code, "display": display}
        for code, display in OVERRIDE_REASONS
    ]
    links = [
        {"label": c.short or c.label, "url": c.url, "type": "absolute"}
        for c in cited(finding)
        if c.url.startswith(("https://", "http://"))
    ]
    if links:
        card["links"] = links
    return card


@dataclass(frozen=True, slots=True)
class CardSetSettings:
    """What the deployment adds to a patient's set of cards: the source each card names,
    and the links of the first card (the chart, the hospital's own protocol)."""

    source_label: str = SOURCE_LABEL
    source_url: str = PROJECT_URL
    first_card_links: tuple[Mapping[str, str], ...] = ()


def card_set_settings(settings: Settings) -> CardSetSettings:
    """``LNCDS_CARD_SOURCE_*``, the chart link (``cds_service.chart.chart_link``: when the
    chart is configured) and ``LNCDS_LOCAL_PROTOCOL_*`` as card settings."""
    links: list[Mapping[str, str]] = []
    chart = chart_link(settings)
    if chart is not None:
        links.append(chart)
    if settings.local_protocol_url is not None:
        links.append(
            {
                "label": settings.local_protocol_label,
                "url": settings.local_protocol_url,
                "type": "absolute",
            }
        )
    return CardSetSettings(settings.card_source_label, settings.card_source_url, tuple(links))


def with_settings(cards: list[dict[str, Any]], options: CardSetSettings) -> list[dict[str, Any]]:
    """The cards with the configured source on each; on the first card (the one a clinician
    opens first, which carries the patient's evidence) the chart link before its citations
    and the local protocol after them. Changes the cards in place and returns them."""
    for card in cards:
        source = card.get("source")
        if isinstance(source, dict):
            source["label"] = options.source_label
            source["url"] = options.source_url
    if cards and options.first_card_links:
        first = cards[0]
        smart = [dict(link) for link in options.first_card_links if link.get("type") == "smart"]
        other = [dict(link) for link in options.first_card_links if link.get("type") != "smart"]
        first["links"] = [*smart, *(first.get("links") or []), *other]
    return cards


def selection_behavior(actions: Sequence[RecommendedAction]) -> str:
    """``at-most-one`` when the card offers alternative medication orders, else ``any``.

    Two medication suggestions on one card are alternatives (switch to A *or* add B);
    a biopsy and a lab order are independent and may both be accepted.
    """
    medication = sum(1 for a in actions if a.kind in MEDICATION_ACTIONS)
    return "at-most-one" if medication > 1 else "any"


def _suggestions(
    actions: Sequence[RecommendedAction], *, uuid_factory: UuidFactory, patient_id: str | None
) -> list[dict[str, Any]]:
    """One suggestion per decision: its order and the orders that go with it (``also``).
    A decision with an order that cannot be drafted is left out whole, never half."""
    out: list[dict[str, Any]] = []
    for action in actions:
        parts = (action, *action.also)
        resources = [build_suggestion_resource(part, patient_id=patient_id) for part in parts]
        if any(resource is None for resource in resources):
            continue
        out.append(
            {
                "label": action.decision_label,
                "uuid": uuid_factory(),
                "isRecommended": action.recommended,
                "actions": [
                    {"type": "create", "description": part.label, "resource": resource}
                    for part, resource in zip(parts, resources, strict=True)
                ],
            }
        )
    return out


# --- Markdown detail -------------------------------------------------------------------


def render_detail(finding: Finding, *, ruleset: str, evidence: CardEvidence | None = None) -> str:
    """The card's GitHub-flavoured Markdown detail (``evidence``: see ``render_card``)."""
    shown = evidence if evidence is not None else card_evidence(finding)
    blocks: list[str] = []
    if shown.rows:
        blocks.append(evidence_table(shown.rows))
    if shown.trend:
        blocks.append(f"**Trend:** {shown.trend}")
    if shown.elsewhere:
        blocks.append(f"_{shown.elsewhere}_")
    if finding.traces:
        blocks.append(safety_block(finding.traces))
    rule = _rule_block(finding)
    if rule:
        blocks.append(rule)
    if finding.next_steps:
        steps = "\n".join(f"{i}. {_inline(s)}" for i, s in enumerate(finding.next_steps, 1))
        blocks.append(f"**Next steps**\n\n{steps}")
    notes = own_notes(finding)
    if notes:
        items = "\n".join(f"- {_inline(n)}" for n in notes)
        blocks.append(f"**Notes**\n\n{items}")
    blocks.append(f"_Ruleset: {escape_cell(ruleset)}_")
    return "\n\n".join(blocks)


SAFETY_HEADING: Final = "**Safety**"


def safety_block(traces: Sequence[SafetyTrace]) -> str:
    """What a safety rule changed on the card, one item per trace: "Draft order withheld:
    Add belimumab (IV). Fact: pregnancy recorded 2026-05-28 (Pregnant); record
    Condition/c14. Rule: pregnancy: no teratogenic or unsafe draft orders ([ACR 2020
    reproductive health](https://doi.org/...))."."""
    items = [
        f"- {_inline(_sentence(t.effect))}. Fact: {_inline(t.fact)}. "
        f"Rule: {_inline(t.rule)} ({_cited(t.citation)})."
        for t in dict.fromkeys(traces)
    ]
    return SAFETY_HEADING + "\n\n" + "\n".join(items)


def own_notes(finding: Finding) -> tuple[str, ...]:
    """The finding's notes less those that state a safety trace's fact: the ``**Safety**``
    block says those (a withheld or held draft, the fact a safety card rests on)."""
    facts = [t.fact for t in finding.traces if t.fact.strip()]
    return tuple(n for n in finding.notes if not any(fact in n for fact in facts))


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def _cited(citation: Citation) -> str:
    """A citation as a Markdown link with its short label (plain text without a web URL)."""
    label = _inline(citation.short or citation.label)
    if citation.url.startswith(("https://", "http://")):
        return f"[{label}]({citation.url})"
    return label


def evidence_table(rows: Sequence[EvidenceRow]) -> str:
    """Evidence rows as a Markdown table (Date | Test | Value | Unit | Note), cells escaped;
    the value column is right-aligned."""
    lines = ["| Date | Test | Value | Unit | Note |", "|---|---|--:|---|---|"]
    for row in rows:
        value, unit = row_value(row)
        when = row.when.isoformat() if row.until is None else wording.period(row.when, row.until)
        cells = (when, row.label, value, unit, row.marker or "")
        lines.append("| " + " | ".join(escape_cell(c) for c in cells) + " |")
    return "\n".join(lines)


def row_value(row: EvidenceRow) -> tuple[str, str]:
    """(value, unit) of an evidence row, written as the summary writes them."""
    if row.value is None:
        return row.text or "", wording.unit(row.unit)
    if row.analyte is not None:
        return wording.lab_number(row.value, row.analyte, row.comparator), wording.unit(row.unit)
    if row.unit == "mg/day":
        return wording.dose(row.value)
    if row.unit == "%":
        return wording.percent_number(row.value), "%"
    if row.unit == "d":
        return wording.number(row.value), "days"
    return f"{row.comparator or ''}{wording.number(row.value)}", wording.unit(row.unit)


def escape_cell(text: str) -> str:
    """A Markdown table cell: one line, ``|`` and ``\\`` escaped."""
    return " ".join(text.replace("\\", "\\\\").replace("|", "\\|").split())


def _inline(text: str) -> str:
    return " ".join(text.split())


def _rule_block(finding: Finding) -> str:
    """The rule, then its source: the first citation (where the rule comes from) linked
    under its short label with its full reference and section; the others as links."""
    parts: list[str] = []
    if finding.rationale.strip():
        parts.append(f"**Rule applied:** {_inline(finding.rationale)}")
    citations = cited(finding)
    if citations:
        first, *rest = citations
        source = f"**Source:** {_cited(first)}: {_inline(first.label)}."
        if rest:
            source += " See also " + ", ".join(_cited(c) for c in rest) + "."
        parts.append(source)
    return "\n\n".join(parts)


def cited(finding: Finding) -> list[Citation]:
    """The finding's citations with a label, one per web page (two sections of one
    guideline share its URL: the first, the rule's, stands for both)."""
    seen: set[str] = set()
    out: list[Citation] = []
    for citation in finding.citations:
        key = citation.url or citation.label
        if citation.label and key not in seen:
            seen.add(key)
            out.append(citation)
    return out


def _point_text(point: LabPoint) -> str:
    return wording.lab_number(point.value, point.analyte, point.comparator)


def _reference_row(finding: Finding) -> EvidenceRow | None:
    """The evidence row marked ``reference`` (a flare's remission value), if any."""
    return next(
        (r for r in finding.evidence if r.marker == REFERENCE_MARKER and r.value is not None),
        None,
    )


def trend_line(series: Sequence[LabPoint], reference: EvidenceRow | None = None) -> str | None:
    """E.g. ``UPCR g/g: 3.1 → 2.4 → 2.2 (Jan 2026 → Jul 2026), -29 %``; ``None`` if < 2 points.

    A fall is written with the typographic minus sign (U+2212), a rise with ``+``.

    The percentage is (last - base) / base of the canonical values, where base is the first
    point; when the card marks a ``reference`` row of the series' test that is not the first
    point (a flare is measured from the remission value, not from the response date), the
    change is measured from it and says so: ``+433 % from 0.3 (reference)``. It is left out
    when the base is zero or the base or the last value carries a comparator (``<0.1`` is
    not 0.1).
    """
    if len(series) < 2:
        return None
    first, last = series[0], series[-1]
    if len(series) > TREND_MAX_POINTS:  # only the points shown are formatted (speed)
        tail = series[-(TREND_MAX_POINTS - 2) :]
        shown = [_point_text(first), wording.ELLIPSIS, *(_point_text(p) for p in tail)]
    else:
        shown = [_point_text(p) for p in series]
    text = (
        f"{_series_label(series)}: {' → '.join(shown)} "
        f"({wording.month_label(first.day)} → {wording.month_label(last.day)})"
    )
    base, base_comparator, base_text = first.value, first.comparator, ""
    if (
        reference is not None
        and reference.value is not None
        and reference.analyte in {p.analyte for p in series}
        and (reference.when, reference.value) != (first.day, first.value)
    ):
        base, base_comparator = reference.value, reference.comparator
        value = wording.lab_number(reference.value, reference.analyte, reference.comparator)
        base_text = f" from {value} ({reference.marker})"
    if base != 0 and base_comparator is None and last.comparator is None:
        text += f", {wording.signed_percent((last.value - base) / base)}{base_text}"
    return text


def _series_label(series: Sequence[LabPoint]) -> str:
    """``UPCR g/g``; a mixed series (UPCR and 24 h protein) names both: ``UPCR / 24 h protein
    (g/g, g/d)``, so a reader sees that 24 h protein is read as equivalent to UPCR."""
    analytes = list(dict.fromkeys(p.analyte for p in series))
    units = list(dict.fromkeys(wording.unit(p.unit) for p in series))
    names = " / ".join(wording.label(a) for a in analytes)
    if len(analytes) == 1 and len(units) == 1:
        return f"{names} {units[0]}"
    return f"{names} ({', '.join(units)})"


def prune_empty(value: Any) -> Any:
    """Drop ``None``, ``""``, ``[]`` and ``{}`` members recursively (CDS Hooks: omit, never null).

    One pass per container (each member pruned, then kept unless empty). The hook route
    and the CLI apply it to whatever the renderer returns; ``render_card`` does not prune
    itself, so each answer is walked once.
    """
    if isinstance(value, dict):
        out: dict[Any, Any] = {}
        for key, item in value.items():
            item = prune_empty(item)
            if not _is_empty(item):
                out[key] = item
        return out
    if isinstance(value, list):
        kept = []
        for item in value:
            item = prune_empty(item)
            if not _is_empty(item):
                kept.append(item)
        return kept
    return value


def _is_empty(value: Any) -> bool:
    # == semantics of ``value in (None, "", [], {})``: an empty str/list/dict subclass is
    # empty too; 0 and False are kept
    return value is None or (isinstance(value, str | list | dict) and not value)
