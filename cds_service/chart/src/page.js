// What both pages share: JSON from the service, the status line, errors.

/** GET a JSON document from the service (a path relative to /chart/). */
export async function getJson(path) {
  const response = await fetch(path, {
    headers: { Accept: "application/json" },
    credentials: "omit",
    cache: "no-store",
  });
  if (!response.ok) throw new PageError(`The service answered HTTP ${response.status}.`);
  return response.json();
}

/** An error whose message is safe to show (no URL, no token, no patient data). */
export class PageError extends Error {}

export function setStatus(text) {
  const status = document.getElementById("status");
  if (status) status.textContent = text;
}

/** Show a failure: a safe sentence for the user, the state for tests and tools. */
export function showError(error) {
  const shown =
    error instanceof PageError
      ? error.message
      : "The chart could not be drawn. Open it again from the patient's record.";
  const alert = document.getElementById("error");
  if (alert) {
    alert.textContent = shown;
    alert.hidden = false;
  }
  setStatus("");
  document.body.dataset.state = "error";
  // the detail stays in this browser's console; nothing is sent anywhere
  console.error(error);
}
