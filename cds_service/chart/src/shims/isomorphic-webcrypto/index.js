// fhirclient's browser code reads `globalThis.crypto` first and reaches for this module
// only where a browser has none; the chart's browsers all have WebCrypto.
module.exports = { default: undefined };
