"""Take the documentation's picture of a patient's cards (docs/img/cards.png).

    .venv/bin/python scripts/card_screenshot.py [--patient SLUG] [--out PATH] [--html PATH]

The cards are the service's own answer: one demo patient (default: a-refractory) sent
through the real app as the hook request an EHR would send, on the demo's anchor day,
with the chart page configured so the first card carries its link. They are drawn as a
list the way the CDS Hooks Sandbox shows cards (indicator bar, summary, source, the
Markdown detail, suggestion and link buttons), with no script and no network, and the
page is photographed by Debian's Chromium driven by Playwright (scripts/install-browser).
"""

from __future__ import annotations

import argparse
import asyncio
import html
import re
import sys
import tempfile
import uuid
from collections.abc import Iterator, Sequence
from datetime import date
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from pydantic import HttpUrl  # noqa: E402 (the repository root is put on the path first)

from cds_service.app import create_app  # noqa: E402
from cds_service.config import Settings  # noqa: E402
from cds_service.demo import evaluate_in_process, load_index, load_patients  # noqa: E402
from cds_service.terminal import split_row  # noqa: E402
from tests.chart.harness import CHROMIUM_ARGS, chromium_executable  # noqa: E402

#: The Sandbox's indicator colours (its card's left bar).
INDICATOR_COLOUR = {"info": "#1f78b4", "warning": "#e69500", "critical": "#c62828"}
#: Wide enough for the evidence table on one line per row, narrow enough to read.
WIDTH = 860

_LINK = re.compile(r"\[([^\]]+)\]\((https?://[^)\s]+)\)")
_BOLD = re.compile(r"\*\*(.+?)\*\*")
_ORDERED = re.compile(r"^\d+\. ")

STYLE = """
body { font: 14px/1.45 -apple-system, "Segoe UI", "DejaVu Sans", sans-serif; color: #222;
       background: #eef1f4; margin: 0; padding: 16px; }
h1 { font-size: 15px; font-weight: 600; color: #555; margin: 0 0 12px; }
.card { background: #fff; border-left: 6px solid; border-radius: 3px; margin-bottom: 14px;
        padding: 12px 16px; box-shadow: 0 1px 2px rgba(0,0,0,.15); }
.summary { font-size: 16px; font-weight: 600; margin-bottom: 2px; }
.source { font-size: 12px; color: #666; margin-bottom: 8px; }
.detail p { margin: 6px 0; }
.detail table { border-collapse: collapse; font-size: 13px; margin: 6px 0; }
.detail th, .detail td { border: 1px solid #ccd; padding: 2px 8px; text-align: left; }
.detail td.num { text-align: right; }
.detail ol, .detail ul { margin: 4px 0; padding-left: 22px; }
.detail em { color: #555; }
a { color: #1a5fb4; text-decoration: none; }
.buttons { margin-top: 8px; }
.buttons span { display: inline-block; border: 1px solid #1a5fb4; border-radius: 3px;
                color: #1a5fb4; padding: 2px 8px; margin: 3px 6px 0 0; font-size: 12.5px; }
.buttons span.recommended { background: #1a5fb4; color: #fff; }
.buttons span.link { border-color: #888; color: #444; }
"""


def inline(text: str) -> str:
    """Escaped text with the detail's inline Markdown: bold, links."""
    out = html.escape(text, quote=False)
    out = _LINK.sub(lambda m: f'<a href="{html.escape(m[2])}">{m[1]}</a>', out)
    return _BOLD.sub(r"<strong>\1</strong>", out)


def blocks(detail: str) -> Iterator[list[str]]:
    block: list[str] = []
    for line in detail.splitlines():
        if line.strip():
            block.append(line)
        elif block:
            yield block
            block = []
    if block:
        yield block


def table(lines: Sequence[str]) -> str:
    header, _, *rows = (split_row(line) for line in lines)
    head = "".join(f"<th>{html.escape(cell)}</th>" for cell in header)
    body = "".join(
        "<tr>"
        + "".join(
            f"<td{' class=num' if i == 2 else ''}>{html.escape(cell)}</td>"
            for i, cell in enumerate(row)
        )
        + "</tr>"
        for row in rows
    )
    return f"<table><tr>{head}</tr>{body}</table>"


def markdown(detail: str) -> str:
    """The card detail's Markdown as HTML: tables, lists, paragraphs (what cards use)."""
    parts: list[str] = []
    for block in blocks(detail):
        if all(line.startswith("|") for line in block):
            parts.append(table(block))
        elif all(line.startswith("- ") for line in block):
            items = "".join(f"<li>{inline(line[2:])}</li>" for line in block)
            parts.append(f"<ul>{items}</ul>")
        elif all(_ORDERED.match(line) for line in block):
            items = "".join(f"<li>{inline(_ORDERED.sub('', line))}</li>" for line in block)
            parts.append(f"<ol>{items}</ol>")
        else:
            text = " ".join(block)
            if text.startswith("_") and text.endswith("_"):
                parts.append(f"<p><em>{inline(text[1:-1])}</em></p>")
            else:
                parts.append(f"<p>{inline(text)}</p>")
    return "".join(parts)


def card_html(card: dict[str, Any]) -> str:
    colour = INDICATOR_COLOUR.get(card["indicator"], "#888")
    source = card["source"]
    buttons = [
        f'<span class="{"recommended" if s.get("isRecommended") else ""}">'
        f"{html.escape(s['label'])}</span>"
        for s in card.get("suggestions", ())
    ]
    buttons += [
        f'<span class="link">{html.escape(link["label"])}</span>' for link in card.get("links", ())
    ]
    return (
        f'<div class="card" style="border-left-color:{colour}">'
        f'<div class="summary">{html.escape(card["summary"])}</div>'
        f'<div class="source">Source: <a href="{html.escape(source.get("url", ""))}">'
        f"{html.escape(source['label'])}</a></div>"
        f'<div class="detail">{markdown(card.get("detail", ""))}</div>'
        f'<div class="buttons">{"".join(buttons)}</div></div>'
    )


def page(title: str, cards: Sequence[dict[str, Any]]) -> str:
    body = "".join(card_html(card) for card in cards)
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title><style>{STYLE}</style></head>"
        f"<body><h1>{html.escape(title)}</h1>{body}</body></html>"
    )


def service_cards(slug: str) -> tuple[str, list[dict[str, Any]]]:
    """The hook's answer for one demo patient: (the patient's title, its cards)."""
    today = date.fromisoformat(load_index()["anchor"])
    (patient,) = load_patients(today, slugs=(slug,))
    with tempfile.TemporaryDirectory(prefix="ln-cds-cards-") as tmp:
        settings = Settings(
            require_jwt=False,
            database_url=f"sqlite:///{Path(tmp) / 'feedback.sqlite3'}",
            public_base_url=HttpUrl("https://cds.example.org"),
            chart_client_id="ln-cds-chart",
        )
        counter = iter(range(1, 1_000_000))

        def factory() -> Any:
            return create_app(
                settings,
                clock=lambda: today,
                uuid_factory=lambda: str(uuid.UUID(int=next(counter))),
            )

        ((_, status, body),) = asyncio.run(evaluate_in_process(factory, [patient]))
    if status != 200:
        raise SystemExit(f"error: the hook answered {status}")
    return f"{patient.slug}: {patient.title}", body["cards"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--patient", default="a-refractory", help="demo patient slug")
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "img" / "cards.png")
    parser.add_argument("--html", type=Path, help="also write the HTML page here")
    args = parser.parse_args(argv)

    from playwright.sync_api import sync_playwright

    chromium, why = chromium_executable()
    if chromium is None:
        print(f"error: {why}", file=sys.stderr)
        return 1
    title, cards = service_cards(args.patient)
    document = page(title, cards)
    if args.html is not None:
        args.html.write_text(document, encoding="utf-8")
    with sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=chromium, args=list(CHROMIUM_ARGS))
        try:
            view = browser.new_page(viewport={"width": WIDTH, "height": 600})
            view.set_content(document)
            args.out.parent.mkdir(parents=True, exist_ok=True)
            view.screenshot(path=str(args.out), full_page=True)
        finally:
            browser.close()
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
