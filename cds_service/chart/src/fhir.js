// Reading the patient's record from the FHIR server the way the service does: the
// service's own prefetch templates (from /chart/config), each search followed through
// its `next` links up to the service's page bound, then the Medications that
// `medicationReference`s name. Partial data is refused, as the service refuses it: a
// chart drawn from part of the record could read differently with all of it.
//
// Every request goes through the fhirclient Client, which adds the access token; the
// token goes to the FHIR server (and its token endpoint) only.

import { PageError } from "./page.js";

const TOKEN = /\{\{\s*([^{}]*?)\s*\}\}/g;
// Resource types that belong to one patient (their subject or patient must match).
const PATIENT_BOUND = new Set([
  "Observation",
  "Condition",
  "MedicationRequest",
  "MedicationDispense",
  "MedicationAdministration",
  "MedicationStatement",
  "Procedure",
]);
const MEDICATION_USERS = new Set([
  "MedicationRequest",
  "MedicationDispense",
  "MedicationAdministration",
  "MedicationStatement",
]);
// FHIR R4 "id": [A-Za-z0-9\-\.]{1,64}
const FHIR_ID = /^[A-Za-z0-9\-.]{1,64}$/;

/** A prefetch template with the patient filled in (the only token the chart has). */
export function fillTemplate(template, patientId) {
  return template.replace(TOKEN, (_, token) => {
    if (token === "context.patientId") return encodeURIComponent(patientId);
    throw new PageError("The service asks for data the chart cannot read.");
  });
}

function onServer(url, base) {
  return url === base || url.startsWith(`${base}/`) || url.startsWith(`${base}?`);
}

async function readInstance(client, query) {
  try {
    return [await client.request(query)];
  } catch (error) {
    if (error && error.status === 404) return [];
    throw error;
  }
}

async function search(client, base, query, maxPages) {
  const found = [];
  let url = query;
  for (let page = 0; page < maxPages; page += 1) {
    const bundle = await client.request(url);
    if (!bundle || bundle.resourceType !== "Bundle") {
      throw new PageError("The FHIR server answered a search with something other than a Bundle.");
    }
    for (const entry of bundle.entry ?? []) {
      const mode = entry.search?.mode ?? "match";
      if (entry.resource && mode !== "outcome") found.push(entry.resource);
    }
    const next = (bundle.link ?? []).find((link) => link.relation === "next")?.url;
    if (!next) return found;
    if (!onServer(next, base)) {
      throw new PageError("A search result points outside the FHIR server: the chart is not drawn.");
    }
    url = next;
  }
  throw new PageError("The record is longer than the chart reads: the chart is not drawn.");
}

function belongsTo(resource, patientId) {
  if (!PATIENT_BOUND.has(resource.resourceType)) return true;
  const wanted = `Patient/${patientId}`;
  return ["subject", "patient"].some((element) => {
    const reference = resource[element]?.reference;
    return typeof reference === "string" && (reference === wanted || reference.endsWith(`/${wanted}`));
  });
}

function medicationId(reference, base) {
  let ref = reference.split("/_history/")[0];
  if (ref.startsWith(`${base}/`)) ref = ref.slice(base.length + 1);
  const [type, id, ...rest] = ref.split("/");
  return type === "Medication" && rest.length === 0 && FHIR_ID.test(id ?? "") ? id : null;
}

async function readMedications(client, base, resources, maxReads) {
  const known = new Set(
    resources.filter((r) => r.resourceType === "Medication").map((r) => r.id),
  );
  const wanted = new Set();
  for (const resource of resources) {
    if (!MEDICATION_USERS.has(resource.resourceType)) continue;
    const reference = resource.medicationReference?.reference;
    if (typeof reference !== "string" || reference.startsWith("#")) continue;
    const id = medicationId(reference, base);
    if (id !== null && !known.has(id)) wanted.add(id);
  }
  if (wanted.size > maxReads) {
    throw new PageError("The record names more medications than the chart reads.");
  }
  const read = await Promise.all([...wanted].sort().map((id) => readInstance(client, `Medication/${id}`)));
  return read.flat();
}

/**
 * Every resource the service's searches find for the launch patient.
 * @returns {Promise<object[]>}
 */
export async function readRecord(client, config, patientId) {
  const base = String(client.state.serverUrl).replace(/\/+$/, "");
  const queries = Object.values(config.prefetch).map((template) => fillTemplate(template, patientId));
  const batches = await Promise.all(
    queries.map((query) =>
      query.includes("?")
        ? search(client, base, query, config.maxPagesPerSearch)
        : readInstance(client, query),
    ),
  );
  const resources = batches.flat().filter((resource) => resource && belongsTo(resource, patientId));
  return [...resources, ...(await readMedications(client, base, resources, config.maxMedicationReads))];
}
