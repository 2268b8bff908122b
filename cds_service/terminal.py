"""CDS Hooks cards -> readable terminal text (for ``ln-cds demo`` and ``ln-cds evaluate``).

Works on card JSON (not on findings), so what the terminal shows is exactly what an
EHR received. ANSI colour only when asked (``color=True``, e.g. stdout is a TTY).
"""

from __future__ import annotations

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


def format_cards(cards: Sequence[Mapping[str, Any]], *, title: str, color: bool = False) -> str:
    """Cards as text: a title line, then per card its tag, summary, topic, evidence and
    suggestion labels; ``(no cards)`` stated explicitly when the list is empty."""
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
    rows = evidence_rows(str(card.get("detail", "")))
    for row in rows[:MAX_EVIDENCE_LINES]:
        lines.append("    " + _evidence_text(row))
    if len(rows) > MAX_EVIDENCE_LINES:
        lines.append(f"    … {len(rows) - MAX_EVIDENCE_LINES} more evidence rows")
    trend = _trend(str(card.get("detail", "")))
    if trend:
        lines.append(f"    trend: {trend}")
    for suggestion in card.get("suggestions", ()):
        if isinstance(suggestion, Mapping):
            mark = " (recommended)" if suggestion.get("isRecommended") else ""
            lines.append(f"    -> suggestion: {suggestion.get('label', '')}{mark}")
    lines.append("")
    return lines


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
