"""``ln-cds feedback-report``: acceptance and override rates from ``FeedbackStore.summary``.

Pure functions over ``SummaryRow`` s: ``build_report`` -> ``FeedbackReport`` (per card
topic: feedback items, accepted, overridden, rates; per override reason: count and
share of that topic's overrides), then ``report_json`` or ``format_report`` (a
readable table). Rates are fractions of the topic's feedback items in the period;
feedback about a card the service has no record of (issued before the card log
existed, or dropped from a full queue) is grouped under ``UNKNOWN_TOPIC``.

Codes, displays and topics come from clients. The table goes to the committee's terminal,
so ``format_report`` passes every such string through ``printable``: a character a
terminal could act on (ESC, CSI and OSC sequences, other C0 and C1 controls, bidi
overrides, line separators) is written as a visible escape such as ``\\x1b``. The JSON
form carries the text as data; JSON's own escaping applies.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from cds_service.feedback_store import SummaryRow

UNKNOWN_TOPIC = "(unknown topic)"
NO_REASON = "(no reason given)"

#: Unicode categories a terminal may act on or that change how text is laid out:
#: controls (C0, DEL, C1), format characters (bidi overrides, zero-width), surrogates
#: (not encodable) and the line and paragraph separators.
_UNPRINTABLE_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})


def _escape(char: str) -> str:
    if char == "\\":
        return "\\\\"  # doubled, so an escape in the output always stands for one character
    if unicodedata.category(char) not in _UNPRINTABLE_CATEGORIES:
        return char
    code = ord(char)
    if code <= 0xFF:
        return f"\\x{code:02x}"
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def printable(text: str) -> str:
    """``text`` safe for a terminal: unprintable characters as ``\\xNN`` / ``\\uNNNN``
    escapes, backslashes doubled, everything else unchanged."""
    if text.isprintable() and "\\" not in text:
        return text  # the usual case: nothing to escape
    return "".join(_escape(char) for char in text)


@dataclass(frozen=True, slots=True)
class ReasonStat:
    code: str | None
    display: str | None
    count: int
    share: float  # of the topic's overrides

    @property
    def label(self) -> str:
        if self.display and self.code:
            return f"{self.display} ({self.code})"
        return self.display or self.code or NO_REASON


@dataclass(frozen=True, slots=True)
class TopicStat:
    topic: str
    total: int
    accepted: int
    overridden: int
    reasons: tuple[ReasonStat, ...]

    @property
    def acceptance_rate(self) -> float:
        return self.accepted / self.total if self.total else 0.0

    @property
    def override_rate(self) -> float:
        return self.overridden / self.total if self.total else 0.0


@dataclass(frozen=True, slots=True)
class FeedbackReport:
    since: date
    until: date  # inclusive
    topics: tuple[TopicStat, ...]

    @property
    def total(self) -> int:
        return sum(topic.total for topic in self.topics)


def build_report(rows: Iterable[SummaryRow], since: date, until: date) -> FeedbackReport:
    """Group summary rows by topic; topics by feedback volume, reasons by count."""
    by_topic: dict[str, list[SummaryRow]] = {}
    for row in rows:
        by_topic.setdefault(row.topic or UNKNOWN_TOPIC, []).append(row)
    topics = []
    for topic, topic_rows in by_topic.items():
        accepted = sum(r.count for r in topic_rows if r.outcome == "accepted")
        overridden = sum(r.count for r in topic_rows if r.outcome == "overridden")
        reasons = sorted(
            (
                ReasonStat(
                    r.override_reason_code,
                    r.override_reason_display,
                    r.count,
                    r.count / overridden if overridden else 0.0,
                )
                for r in topic_rows
                if r.outcome == "overridden"
            ),
            key=lambda reason: (-reason.count, reason.label),
        )
        total = sum(r.count for r in topic_rows)
        topics.append(TopicStat(topic, total, accepted, overridden, tuple(reasons)))
    topics.sort(key=lambda t: (-t.total, t.topic))
    return FeedbackReport(since, until, tuple(topics))


def report_json(report: FeedbackReport) -> dict[str, Any]:
    """The report as JSON-ready data (rates as fractions rounded to 4 places)."""
    return {
        "since": report.since.isoformat(),
        "until": report.until.isoformat(),
        "total": report.total,
        "topics": [
            {
                "topic": t.topic,
                "total": t.total,
                "accepted": t.accepted,
                "overridden": t.overridden,
                "acceptanceRate": round(t.acceptance_rate, 4),
                "overrideRate": round(t.override_rate, 4),
                "overrideReasons": [
                    {
                        "code": r.code,
                        "display": r.display,
                        "count": r.count,
                        "share": round(r.share, 4),
                    }
                    for r in t.reasons
                ],
            }
            for t in report.topics
        ],
    }


def _pct(rate: float) -> str:
    return f"{rate * 100:5.1f}%"


def format_report(report: FeedbackReport) -> str:
    """A readable table: one line per topic, its override reasons indented below."""
    title = (
        f"Card feedback {report.since.isoformat()} .. {report.until.isoformat()}"
        f" ({report.total} items)"
    )
    if not report.topics:
        return f"{title}\nNo feedback in this period."
    topics = [printable(t.topic) for t in report.topics]
    width = max(len("topic"), *(len(topic) for topic in topics))
    lines = [
        title,
        f"{'topic':<{width}}  {'items':>6}  {'accepted':>8}  {'overridden':>10}"
        f"  {'accept':>6}  {'override':>8}",
    ]
    for topic, t in zip(topics, report.topics, strict=True):
        lines.append(
            f"{topic:<{width}}  {t.total:>6}  {t.accepted:>8}  {t.overridden:>10}"
            f"  {_pct(t.acceptance_rate):>6}  {_pct(t.override_rate):>8}"
        )
        for r in t.reasons:
            share = _pct(r.share).strip()
            lines.append(f"    override reason: {printable(r.label)}: {r.count} ({share})")
    return "\n".join(lines)
