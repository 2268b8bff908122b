// The chart page (/chart/): complete the SMART authorization, read the record from the
// FHIR server, ask the service for the chart model, draw it.
//
// The access token stays in this page (fhirclient keeps it in sessionStorage) and goes
// to the FHIR server only: the request to the service (`POST model`) carries the
// resources and nothing else; no cookie, no Authorization header. The Patient's name and
// birth date are shown here to confirm the patient; of the Patient resource the service
// gets only whether the patient died (the cards judge no one who has), no identity.

import FHIR from "fhirclient";

import { drawChart } from "./chart.js";
import { readRecord } from "./fhir.js";
import { PageError, getJson, setStatus, showError } from "./page.js";
import { renderTables } from "./table.js";

// Of the Patient, what the judgement reads and no identity: no id, name, birth date, sex.
function withoutIdentity(resource) {
  if (resource.resourceType !== "Patient") return resource;
  const kept = { resourceType: "Patient" };
  for (const element of ["deceasedBoolean", "deceasedDateTime"]) {
    if (element in resource) kept[element] = resource[element];
  }
  return kept;
}

async function chartModel(resources, ruleset) {
  const response = await fetch("model", {
    method: "POST",
    headers: { "Content-Type": "application/json", Accept: "application/json" },
    body: JSON.stringify({ resources, ruleset }),
    credentials: "omit",
    cache: "no-store",
  });
  if (response.status === 413) throw new PageError("The record is too large for the chart service.");
  if (!response.ok) throw new PageError(`The chart service answered HTTP ${response.status}.`);
  return response.json();
}

function patientText(patient) {
  if (!patient) return "";
  const name = (patient.name ?? []).find((n) => n.use === "official") ?? (patient.name ?? [])[0];
  const text = name
    ? name.text ?? [...(name.given ?? []), name.family].filter(Boolean).join(" ")
    : "Unnamed patient";
  return patient.birthDate ? `${text}, born ${patient.birthDate}` : text;
}

function fillRulesets(select, config) {
  select.replaceChildren();
  for (const ruleset of config.rulesets) {
    const option = document.createElement("option");
    option.value = ruleset.name;
    option.textContent = ruleset.title;
    option.selected = ruleset.name === config.ruleset;
    select.append(option);
  }
}

function render(model) {
  const chart = document.getElementById("chart");
  const readout = document.getElementById("readout");
  drawChart(chart, model, readout);
  renderTables(document.getElementById("tables"), model);
  const judged = model.judged;
  document.getElementById("summary").textContent = judged
    ? `${judged.classification_text} after ${judged.months_text} on line ${judged.line} (${model.ruleset.title}, as of ${model.today}).`
    : `No current line of therapy to judge (as of ${model.today}).`;
  if (!model.series.proteinuria.points.length) {
    chart.prepend(Object.assign(document.createElement("p"), { textContent: "No proteinuria results in the record." }));
  }
}

function wireControls(select, onRuleset) {
  const toggle = document.getElementById("toggle-table");
  const data = document.getElementById("data");
  toggle.addEventListener("click", () => {
    const show = data.hidden;
    data.hidden = !show;
    toggle.setAttribute("aria-expanded", String(show));
    toggle.textContent = show ? "Hide data table" : "Show data table";
  });
  document.getElementById("print").addEventListener("click", () => window.print());
  select.addEventListener("change", () => onRuleset(select.value));
}

async function main() {
  document.body.dataset.state = "loading";
  const config = await getJson("config");
  setStatus("Authorizing…");
  const client = await FHIR.oauth2.ready();
  const patientId = client.patient.id;
  if (!patientId) throw new PageError("The EHR did not say which patient to chart.");
  setStatus("Reading the record…");
  const resources = await readRecord(client, config, patientId);
  const patient = resources.find((r) => r.resourceType === "Patient");
  document.getElementById("patient").textContent = patientText(patient);
  const sent = resources.map(withoutIdentity);

  const select = document.getElementById("ruleset");
  fillRulesets(select, config);
  const draw = async (ruleset) => {
    document.body.dataset.state = "loading";
    setStatus("Drawing…");
    render(await chartModel(sent, ruleset));
    setStatus("");
    document.body.dataset.state = "ready";
  };
  wireControls(select, (ruleset) => draw(ruleset).catch(showError));
  await draw(config.ruleset);
}

main().catch(showError);
