"""CDS Hooks cards -> readable terminal text (for ``ln-cds demo`` and ``ln-cds evaluate``).

Works on card JSON (not on findings), so what the terminal shows is exactly what an
EHR received. ANSI colour only when asked (``color=True``, e.g. stdout is a TTY).

Per card: its tag and summary, its topic, the evidence rows and trend, the items of the
detail's ``**Safety**`` block (what a safety rule withheld or held, or the fact a safety
card rests on: the renderer writes one per ``SafetyTrace``), then each suggestion with
the notes on its draft order; a card with neither evidence rows nor suggestions (a
pregnancy or kidney-failure card) shows its next steps in their place. Long lines wrap at
``WRAP_WIDTH`` under a hanging indent; the card's notes stay in its detail.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Mapping, Sequence
from typing import Any, Final

_INDICATOR_TAG: Final[Mapping[str, str]] = {
    "critical": "[CRITICAL]",
    "warning": "[WARNING]",
    "info": "[INFO]",
}
_INDICATOR_COLOUR: Final[Mapping[str, str]] = {
    "critical": "\x1b[1;31m",
    "warning": "\x1b[1;33m",
    "info": "\x1b[1;36m",
}
_BOLD: Final = "\x1b[1m"
_RESET: Final = "\x1b[0m"
#: Evidence rows shown per card in the terminal (the card itself has them all).
MAX_EVIDENCE_LINES: Final = 8
#: Column at which notes wrap.
WRAP_WIDTH: Final = 100
_NOTES_HEADING: Final = "**Notes**"
_STEPS_HEADING: Final = "**Next steps**"
_SAFETY_HEADING: Final = "**Safety**"
#: A Markdown link, shown as its text in the terminal: ``[label](url)``.
_LINK: Final = re.compile(r"\[([^\]]*)\]\([^)\s]*\)")


def format_cards(cards: Sequence[Mapping[str, Any]], *, title: str, color: bool = False) -> str:
    """Cards as text: a title line, then per card its tag, summary, topic, evidence, safety
    notes and suggestions (see the module docstring); ``(no cards)`` stated explicitly
    when the list is empty."""
    heading = f"{_BOLD}{title}{_RESET}" if color else title
    lines = [heading, "=" * len(title)]
    if not cards:
        lines.append("(no cards)")
        return "\n".join(lines) + "\n"
    for card in cards:
        lines.extend(_card_lines(card, color=color))
    return "\n".join(lines) + "\n"


def _card_lines(card: Mapping[str, Any], *, color: bool) -> list[str]:
    indicator = str(card.get("indicator", "info"))
    tag = _INDICATOR_TAG.get(indicator, f"[{indicator.upper()}]")
    if color:
        tag = f"{_INDICATOR_COLOUR.get(indicator, _BOLD)}{tag}{_RESET}"
    lines = [f"{tag} {card.get('summary', '')}"]
    topic = _topic(card)
    if topic:
        lines.append(f"    topic: {topic}")
    detail = str(card.get("detail", ""))
    rows = evidence_rows(detail)
    for row in rows[:MAX_EVIDENCE_LINES]:
        lines.append("    " + _evidence_text(row))
    if len(rows) > MAX_EVIDENCE_LINES:
        lines.append(f"    … {len(rows) - MAX_EVIDENCE_LINES} more evidence rows")
    trend = _trend(detail)
    if trend:
        lines.append(f"    trend: {trend}")
    for item in safety_items(detail):
        wrapped = _wrapped(item, first="    ! ", rest="      ")
        if color:
            mark = f"{_INDICATOR_COLOUR.get(indicator, _BOLD)}!{_RESET}"
            wrapped[0] = wrapped[0].replace("!", mark, 1)
        lines.extend(wrapped)
    suggestions = [s for s in card.get("suggestions", ()) if isinstance(s, Mapping)]
    if not rows and not suggestions:
        for number, step in enumerate(next_steps(detail), 1):
            lines.extend(_wrapped(step, first=f"    {number}. ", rest="       "))
    for suggestion in suggestions:
        mark = " (recommended)" if suggestion.get("isRecommended") else ""
        lines.append(f"    -> suggestion: {suggestion.get('label', '')}{mark}")
        for note in draft_notes(suggestion):
            lines.extend(_wrapped(note, first="       note: ", rest=" " * 13))
    lines.append("")
    return lines


def _wrapped(text: str, *, first: str, rest: str) -> list[str]:
    """``text`` wrapped at ``WRAP_WIDTH`` under a hanging indent; words are never cut (a
    resource id or a URL stays whole)."""
    return textwrap.wrap(
        text,
        width=WRAP_WIDTH,
        initial_indent=first,
        subsequent_indent=rest,
        break_long_words=False,
        break_on_hyphens=False,
    ) or [first.rstrip()]


def _list_items(detail: str, heading: str) -> list[str]:
    """The items of the Markdown list under ``heading`` (``- x`` or ``1. x``), in order."""
    items: list[str] = []
    inside = False
    for line in detail.splitlines():
        text = line.strip()
        if text == heading:
            inside = True
            continue
        if not inside:
            continue
        marker, _, rest = text.partition(" ")
        if rest and (marker == "-" or (marker.endswith(".") and marker[:-1].isdigit())):
            items.append(rest.strip())
        elif items:
            break  # the blank line after the list
    return items


def card_notes(detail: str) -> list[str]:
    """The items of the card detail's ``**Notes**`` list, in order."""
    return _list_items(detail, _NOTES_HEADING)


def next_steps(detail: str) -> list[str]:
    """The card detail's numbered ``**Next steps**``, in order."""
    return _list_items(detail, _STEPS_HEADING)


def safety_items(detail: str) -> list[str]:
    """The items of the card detail's ``**Safety**`` block, links written as their label."""
    return [_LINK.sub(r"\1", item) for item in _list_items(detail, _SAFETY_HEADING)]


def draft_notes(suggestion: Mapping[str, Any]) -> list[str]:
    """The ``note[].text`` of every draft resource of a suggestion."""
    texts: list[str] = []
    for action in suggestion.get("actions", ()):
        resource = action.get("resource") if isinstance(action, Mapping) else None
        if not isinstance(resource, Mapping):
            continue
        for note in resource.get("note", ()):
            text = note.get("text") if isinstance(note, Mapping) else None
            if isinstance(text, str) and text.strip():
                texts.append(" ".join(text.split()))
    return texts


def _topic(card: Mapping[str, Any]) -> str | None:
    source = card.get("source")
    topic = source.get("topic") if isinstance(source, Mapping) else None
    if not isinstance(topic, Mapping):
        return None
    code, display = topic.get("code"), topic.get("display")
    return f"{code} ({display})" if display else (str(code) if code else None)


def evidence_rows(detail: str) -> list[list[str]]:
    """The body rows of the first Markdown table in ``detail`` (cells unescaped)."""
    rows: list[list[str]] = []
    in_table = False
    for line in detail.splitlines():
        stripped = line.strip()
        if not stripped.startswith("|"):
            if in_table:
                break
            continue
        cells = split_row(stripped)
        if not in_table:
            in_table = True  # the header row
            continue
        if all(set(c) <= set("-: ") for c in cells):
            continue  # the separator row
        rows.append(cells)
    return rows


def split_row(line: str) -> list[str]:
    """Split one Markdown table row on unescaped ``|`` and unescape ``\\|`` / ``\\\\``."""
    text = line.strip()
    text = text[1:] if text.startswith("|") else text
    cells: list[str] = []
    current: list[str] = []
    chars = iter(text)
    for char in chars:
        if char == "\\":
            current.append(next(chars, ""))
        elif char == "|":
            cells.append("".join(current).strip())
            current = []
        else:
            current.append(char)
    if "".join(current).strip():
        cells.append("".join(current).strip())
    return cells


def _evidence_text(cells: Sequence[str]) -> str:
    padded = [*cells, "", "", "", "", ""][:5]
    when, test, value, unit, note = padded
    text = f"{when}  {test}: {value}" + (f" {unit}" if unit else "")
    return f"{text}  ({note})" if note else text


def _trend(detail: str) -> str | None:
    for line in detail.splitlines():
        if line.startswith("**Trend:**"):
            return line.removeprefix("**Trend:**").strip()
    return None
