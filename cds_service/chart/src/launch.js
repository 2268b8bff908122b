// SMART App Launch: /chart/launch?iss=...&launch=... (EHR launch) or ?iss=... (standalone).
// Asks the EHR's authorization server for a code; it sends the browser back to /chart/,
// where app.js exchanges the code for a token. The service never sees the token.
import FHIR from "fhirclient";

import { getJson, showError } from "./page.js";

async function launch() {
  const config = await getJson("config");
  const params = new URLSearchParams(window.location.search);
  const scope = params.has("launch") ? config.scope.ehr : config.scope.standalone;
  await FHIR.oauth2.authorize({
    clientId: config.clientId,
    scope,
    redirectUri: "./",
    completeInTarget: true,
  });
}

launch().catch(showError);
