// The chart as tables: every plotted result, the lines of therapy, and the thresholds
// with the judgement. The same model, the same wording (the model's `text` fields).

function cell(tag, text, attributes = {}) {
  const element = document.createElement(tag);
  element.textContent = text;
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, value);
  return element;
}

function table(caption, headings, rows, className) {
  const element = document.createElement("table");
  element.className = className;
  element.append(cell("caption", caption));
  const head = document.createElement("thead");
  const headRow = document.createElement("tr");
  for (const heading of headings) headRow.append(cell("th", heading, { scope: "col" }));
  head.append(headRow);
  const body = document.createElement("tbody");
  for (const row of rows) {
    const tr = document.createElement("tr");
    row.forEach((value, index) =>
      tr.append(index === 0 ? cell("th", value, { scope: "row" }) : cell("td", value)),
    );
    body.append(tr);
  }
  element.append(head, body);
  return element;
}

function lineAt(model, iso) {
  const line = model.lines.find((l) => l.start <= iso && iso <= (l.end ?? model.today));
  return line ? `Line ${line.number}` : "";
}

function plottedSeries(model) {
  const out = [];
  if (model.series.proteinuria.points.length) out.push(model.series.proteinuria);
  const kidney = model.kidney_function ? model.series[model.kidney_function] : null;
  if (kidney && kidney.points.length) out.push(kidney);
  return out;
}

/** The tables for ``model``, replacing what ``container`` held. */
export function renderTables(container, model) {
  container.replaceChildren();
  const results = [];
  for (const series of plottedSeries(model)) {
    for (const point of series.points) {
      results.push([point.date, point.label, point.text, lineAt(model, point.date)]);
    }
  }
  results.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  container.append(
    table("Results plotted", ["Date", "Test", "Result", "Line of therapy"], results, "ln-results"),
  );

  const lines = model.lines.map((line) => [
    `Line ${line.number}${line.current ? " (current)" : ""}`,
    line.role_text,
    line.label,
    line.start,
    line.end ?? "ongoing",
  ]);
  container.append(
    table("Lines of therapy", ["Line", "Role", "Regimen", "Start", "End"], lines, "ln-lines"),
  );

  const t = model.thresholds;
  const unit = model.series.proteinuria.unit_text;
  const rows = [["Complete response", `below ${t.complete_response_below.text} ${unit}`]];
  if (t.partial_response_cap.applies) {
    rows.push(["Partial response", `below ${t.partial_response_cap.text} ${unit}`]);
  }
  if (t.baseline) rows.push(["Baseline of the current line", `${t.baseline.text} ${unit} on ${t.baseline.date}`]);
  if (t.partial_response_level) {
    rows.push([
      `${t.partial_response_level.fall_text} below baseline`,
      `${t.partial_response_level.text} ${unit}`,
    ]);
  }
  const kidney = model.kidney_function ? model.series[model.kidney_function] : null;
  if (t.kidney_baseline && kidney) {
    rows.push([
      `${kidney.label} baseline`,
      `${t.kidney_baseline.text} ${kidney.unit_text} on ${t.kidney_baseline.date}`,
    ]);
  }
  if (t.kidney_band && kidney) {
    rows.push([`${kidney.label} stable up to`, `${t.kidney_band.text} ${kidney.unit_text}`]);
  }
  for (const biopsy of model.biopsies) rows.push(["Kidney biopsy", biopsy.date]);
  if (model.judged) {
    const j = model.judged;
    rows.push([
      "Response judged",
      `${j.classification_text} after ${j.months_text} on line ${j.line}` +
        (j.text ? ` (${j.text} on ${j.date})` : ""),
    ]);
  }
  container.append(
    table(`Thresholds (${model.ruleset.title}) and judgement`, ["", "Value"], rows, "ln-thresholds"),
  );
}
