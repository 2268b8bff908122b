// Drawing the chart model (cds_service/chart_model.py) with Observable Plot: two panels
// on one time axis, proteinuria above and kidney function below.
//
// Both panels: one shaded band per line of therapy, a dashed rule per kidney biopsy,
// the series' points (each focusable, with an accessible label) joined by a line.
// Proteinuria: the ruleset's complete-response threshold and partial-response cap
// across the chart, the current line's baseline and its 50 % level from the line's
// start, and the judged point. Kidney function: the current line's baseline and the
// edge of the ruleset's stability band.
//
// Every mark has a class name (`ln-...`) so tests check the SVG's structure, not its
// pixels. Plot's own <style> element is removed before the SVG enters the page (the
// page's CSP allows no inline style); chart.css holds the same rules.

import * as Plot from "@observablehq/plot";

const DAY_MS = 24 * 3600 * 1000;
const WIDTH = 880;
const HEIGHT = 300;
const MARGINS = { marginLeft: 64, marginRight: 180, marginTop: 30, marginBottom: 36 };

// High contrast on white (each at least 4.5:1), told apart by shape and dash as well.
export const COLORS = {
  proteinuria: "#0b4f8a",
  kidney: "#7a3300",
  complete: "#17612b",
  cap: "#7a4f00",
  baseline: "#303030",
  half: "#5e2680",
  judged: "#a3001b",
  biopsy: "#000000",
  band: "#e6ebf1",
  bandAlternate: "#f3f5f8",
  bandCurrent: "#d3e3f4",
};

const date = (iso) => new Date(`${iso}T00:00:00Z`);

function xDomain(model) {
  const days = [model.today];
  for (const series of Object.values(model.series)) days.push(...series.points.map((p) => p.date));
  for (const line of model.lines) days.push(line.start, line.end ?? model.today);
  for (const biopsy of model.biopsies) days.push(biopsy.date);
  const times = days.map((d) => date(d).getTime());
  const min = Math.min(...times);
  const max = Math.max(...times);
  const pad = Math.max(14 * DAY_MS, (max - min) * 0.03);
  return [new Date(min - pad), new Date(max + pad)];
}

function bandMarks(model, withLabels) {
  const lines = model.lines.map((line) => ({ ...line, until: line.end ?? model.today }));
  const marks = [
    Plot.rect(lines, {
      x1: (d) => date(d.start),
      x2: (d) => date(d.until),
      fill: (d) => (d.current ? COLORS.bandCurrent : d.number % 2 ? COLORS.band : COLORS.bandAlternate),
      className: "ln-line-bands",
      ariaLabel: (d) => `Line ${d.number} (${d.role_text}): ${d.label}, ${d.start} to ${d.end ?? "now"}`,
    }),
  ];
  if (withLabels) {
    marks.push(
      Plot.text(lines, {
        x: (d) => date(d.start),
        frameAnchor: "top",
        textAnchor: "start",
        dx: 4,
        dy: -14,
        text: (d) => `Line ${d.number}${d.current ? " (current)" : ""}`,
        className: "ln-line-labels",
        ariaHidden: true,
      }),
    );
  }
  return marks;
}

function biopsyMarks(model, withLabels) {
  const biopsies = model.biopsies.map((b) => ({ ...b, when: date(b.date) }));
  const marks = [
    Plot.ruleX(biopsies, {
      x: "when",
      stroke: COLORS.biopsy,
      strokeWidth: 1.5,
      strokeDasharray: "2,3",
      className: "ln-biopsies",
      ariaLabel: (d) => `Kidney biopsy ${d.date}`,
    }),
  ];
  if (withLabels) {
    marks.push(
      Plot.text(biopsies, {
        x: "when",
        frameAnchor: "bottom",
        dy: -6,
        dx: 3,
        textAnchor: "start",
        text: () => "Biopsy",
        className: "ln-biopsy-labels",
        ariaHidden: true,
      }),
    );
  }
  return marks;
}

// Horizontal thresholds: each a rule (across the chart, or over a line's span), all
// labelled at the right edge, the labels pushed apart where their values are close.
const LABEL_GAP = 15;

function thresholdMarks(rules, yMax) {
  const inner = HEIGHT - MARGINS.marginTop - MARGINS.marginBottom;
  const pixel = (value) => MARGINS.marginTop + (1 - value / yMax) * inner;
  const value = (y) => yMax * (1 - (y - MARGINS.marginTop) / inner);
  const marks = [];
  const labels = rules
    .map((rule) => ({ ...rule, y: pixel(rule.value), name: `${rule.label} ${rule.text}` }))
    .sort((a, b) => a.y - b.y);
  labels.forEach((label, index) => {
    const above = labels[index - 1];
    label.placed = above ? Math.max(label.y, above.placed + LABEL_GAP) : label.y;
    label.at = value(label.placed);
  });
  for (const rule of labels) {
    const datum = { ...rule, x1: rule.from ? date(rule.from) : undefined, x2: rule.to ? date(rule.to) : undefined };
    marks.push(
      Plot.ruleY([datum], {
        y: "value",
        ...(rule.from ? { x1: "x1", x2: "x2" } : {}),
        stroke: rule.stroke,
        strokeWidth: 2,
        strokeDasharray: rule.dash,
        className: rule.className,
        ariaLabel: (d) => `${d.name} ${d.unit}`,
      }),
    );
  }
  marks.push(
    Plot.text(labels, {
      y: "at",
      frameAnchor: "right",
      textAnchor: "start",
      dx: 8,
      text: "name",
      fill: (d) => d.stroke,
      stroke: "white",
      strokeWidth: 4,
      paintOrder: "stroke",
      fontWeight: "bold",
      className: "ln-threshold-labels",
      ariaHidden: true,
    }),
  );
  return marks;
}

function pointLabel(series, point, lineOf) {
  const line = lineOf(point.date);
  const approx = point.analyte === "protein-24h" ? " (24 h protein, read as g/g)" : "";
  return `${point.label} ${point.text}${approx} on ${point.date}${line ? `, line ${line.number}` : ""}`;
}

function seriesMarks(model, series, name, color) {
  const lineOf = lineFinder(model);
  const points = series.points.map((p) => ({
    ...p,
    when: date(p.date),
    name: pointLabel(series, p, lineOf),
  }));
  return [
    Plot.line(points, {
      x: "when",
      y: "value",
      stroke: color,
      strokeWidth: 1.5,
      className: `ln-trend-${name}`,
      ariaHidden: true,
    }),
    Plot.dot(points, {
      x: "when",
      y: "value",
      r: 5,
      symbol: (d) => (d.analyte === "protein-24h" ? "square" : "circle"),
      stroke: color,
      strokeWidth: 2,
      // a comparator ("<0.1") is drawn hollow: the value is a bound, not a measurement
      fill: (d) => (d.comparator ? "#ffffff" : color),
      ariaLabel: "name",
      className: `ln-points-${name}`,
    }),
  ];
}

function judgedMarks(model, yMax) {
  const judged = model.judged;
  if (!judged) return [];
  const name =
    `${judged.classification_text} (${model.ruleset.name}) after ${judged.months_text} on line ${judged.line}` +
    (judged.text ? `, judged on ${judged.text} from ${judged.date}` : `, judged on ${judged.at}`);
  const datum = {
    when: date(judged.date ?? judged.at),
    value: judged.value ?? yMax,
    name,
  };
  const short = `Judged: ${judged.classification_text.toLowerCase()}, ${judged.months_text}`;
  const label = [{ ...datum, short }];
  // the label goes where the thresholds are fewer: below a high point, above a low one
  const below = datum.value > yMax / 2;
  if (judged.value === null) {
    return [
      Plot.ruleX([datum], {
        x: "when",
        stroke: COLORS.judged,
        strokeWidth: 3,
        className: "ln-judged",
        ariaLabel: "name",
      }),
      Plot.text(label, { x: "when", frameAnchor: "top", dy: -2, text: "short", fill: COLORS.judged, ariaHidden: true }),
    ];
  }
  return [
    Plot.dot([datum], {
      x: "when",
      y: "value",
      r: 10,
      stroke: COLORS.judged,
      strokeWidth: 3,
      fill: "none",
      className: "ln-judged",
      ariaLabel: "name",
    }),
    Plot.text(label, {
      x: "when",
      y: "value",
      dy: below ? 22 : -18,
      textAnchor: "end",
      text: "short",
      fill: COLORS.judged,
      stroke: "white",
      strokeWidth: 4,
      paintOrder: "stroke",
      fontWeight: "bold",
      className: "ln-judged-label",
      ariaHidden: true,
    }),
  ];
}

function lineFinder(model) {
  return (iso) =>
    model.lines.find((line) => line.start <= iso && iso <= (line.end ?? model.today)) ?? null;
}

function yMaxOf(values) {
  const max = Math.max(0, ...values.filter((v) => typeof v === "number"));
  return max > 0 ? max * 1.15 : 1;
}

function panel(options, marks) {
  const svg = Plot.plot({
    width: WIDTH,
    height: HEIGHT,
    ...MARGINS,
    style: { background: "transparent" },
    x: { type: "utc", domain: options.domain, label: null },
    y: { domain: [0, options.yMax], label: options.yLabel, grid: true },
    marks,
    ariaLabel: options.ariaLabel,
    ariaDescription: options.ariaDescription,
  });
  for (const style of svg.querySelectorAll("style")) style.remove();
  svg.classList.add("ln-panel", options.className);
  svg.setAttribute("role", "group");
  return svg;
}

// Each point: a tab stop with its label; arrow keys move along the series.
function makeFocusable(svg, series, readout) {
  const points = [...svg.querySelectorAll(`g.ln-points-${series} > *`)];
  const judged = [...svg.querySelectorAll("g.ln-judged > *")];
  points.forEach((point, index) => {
    point.setAttribute("tabindex", "0");
    point.setAttribute("role", "img");
    point.dataset.point = series;
    point.dataset.index = String(index);
    point.addEventListener("keydown", (event) => {
      const step = { ArrowRight: 1, ArrowDown: 1, ArrowLeft: -1, ArrowUp: -1 }[event.key];
      if (!step) return;
      const target = points[index + step];
      if (target) {
        target.focus();
        event.preventDefault();
      }
    });
  });
  for (const marker of judged) {
    marker.setAttribute("tabindex", "0");
    marker.setAttribute("role", "img");
    marker.dataset.point = "judged";
  }
  for (const element of [...points, ...judged]) {
    const show = () => {
      readout.textContent = element.getAttribute("aria-label") ?? "";
    };
    element.addEventListener("focus", show);
    element.addEventListener("mouseenter", show);
  }
}

/**
 * Draw ``model`` into ``container`` (replacing what was there).
 * @returns {{proteinuria: SVGSVGElement|null, kidney: SVGSVGElement|null}}
 */
export function drawChart(container, model, readout) {
  container.replaceChildren();
  const domain = xDomain(model);
  const t = model.thresholds;
  const proteinuria = model.series.proteinuria;
  const drawn = { proteinuria: null, kidney: null };

  if (proteinuria.points.length) {
    const levels = [
      t.complete_response_below,
      t.partial_response_cap.applies ? t.partial_response_cap : null,
      t.baseline,
      t.partial_response_level,
    ].filter(Boolean);
    const yMax = yMaxOf([...proteinuria.points.map((p) => p.value), ...levels.map((l) => l.value)]);
    const unit = proteinuria.unit_text;
    const rules = [
      { ...t.complete_response_below, className: "ln-threshold-complete", stroke: COLORS.complete, dash: "8,4", label: "Complete response <" },
    ];
    if (t.partial_response_cap.applies) {
      rules.push({ ...t.partial_response_cap, className: "ln-threshold-cap", stroke: COLORS.cap, dash: "12,4,2,4", label: "Partial response <" });
    }
    if (t.baseline) {
      rules.push({ ...t.baseline, className: "ln-threshold-baseline", stroke: COLORS.baseline, dash: "none", label: "Baseline" });
    }
    if (t.partial_response_level) {
      const fall = t.partial_response_level.fall_text;
      rules.push({ ...t.partial_response_level, className: "ln-threshold-half", stroke: COLORS.half, dash: "4,4", label: `${fall} fall:` });
    }
    const marks = [
      ...bandMarks(model, true),
      ...biopsyMarks(model, true),
      ...thresholdMarks(rules.map((rule) => ({ ...rule, unit })), yMax),
    ];
    marks.push(...seriesMarks(model, proteinuria, "proteinuria", COLORS.proteinuria));
    marks.push(...judgedMarks(model, yMax));
    drawn.proteinuria = panel(
      {
        domain,
        yMax,
        yLabel: `Proteinuria (${unit})`,
        className: "ln-proteinuria",
        ariaLabel: `Proteinuria over time, ${proteinuria.points.length} results`,
        ariaDescription: `Thresholds of ${model.ruleset.title}; shaded bands are lines of therapy.`,
      },
      marks,
    );
    container.append(drawn.proteinuria);
    makeFocusable(drawn.proteinuria, "proteinuria", readout);
  }

  const kidneyName = model.kidney_function;
  const kidney = kidneyName ? model.series[kidneyName] : null;
  if (kidney && kidney.points.length) {
    const levels = [t.kidney_baseline, t.kidney_band].filter(Boolean);
    const yMax = yMaxOf([...kidney.points.map((p) => p.value), ...levels.map((l) => l.value)]);
    const unit = kidney.unit_text;
    const rules = [];
    if (t.kidney_baseline) {
      rules.push({ ...t.kidney_baseline, className: "ln-threshold-kidney-baseline", stroke: COLORS.baseline, dash: "none", label: "Baseline" });
    }
    if (t.kidney_band) {
      const direction = kidneyName === "egfr" ? "fall" : "rise";
      rules.push({ ...t.kidney_band, className: "ln-threshold-kidney-band", stroke: COLORS.half, dash: "4,4", label: `${t.kidney_band.band_text} ${direction}:` });
    }
    const marks = [
      ...bandMarks(model, false),
      ...biopsyMarks(model, false),
      ...thresholdMarks(rules.map((rule) => ({ ...rule, unit })), yMax),
    ];
    marks.push(...seriesMarks(model, kidney, "kidney", COLORS.kidney));
    drawn.kidney = panel(
      {
        domain,
        yMax,
        yLabel: `${kidney.label} (${unit})`,
        className: "ln-kidney",
        ariaLabel: `${kidney.label} over time, ${kidney.points.length} results`,
        ariaDescription: "Shaded bands are lines of therapy; dashed vertical rules are kidney biopsies.",
      },
      marks,
    );
    container.append(drawn.kidney);
    makeFocusable(drawn.kidney, "kidney", readout);
  }
  return drawn;
}
