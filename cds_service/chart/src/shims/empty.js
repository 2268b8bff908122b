// Stands in for cross-fetch: fhirclient needs it only in its "legacy" build, and this
// bundle is its "pure" build (FHIRCLIENT_PURE), which uses the browser's fetch.
export default undefined;
