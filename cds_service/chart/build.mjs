// `npm run build`: bundle src/ into static/ (committed: the Python package serves it
// without Node).
//
//   static/app.js, static/launch.js   the two pages' scripts (fhirclient, Observable Plot)
//   static/index.html, launch.html    the pages
//   static/chart.css                  the stylesheet
//   static/THIRD-PARTY-LICENSES.txt   the licence of every package in the bundles
//   static/build-info.json            what the build was made from (see below)
//
// `node build.mjs DIR` writes into DIR instead (the test that rebuilds uses it).
//
// build-info.json records `sources_sha256`, a SHA-256 over this script, package.json,
// package-lock.json and every file under src/ (sorted by path; for each file its path,
// a NUL, its bytes, a NUL), and the SHA-256 of each output. tests/chart/test_bundle.py
// recomputes both, so a change to the sources without a rebuild, or an edited output,
// fails the suite. The build is deterministic: same sources, same bytes.

import { createHash } from "node:crypto";
import { copyFile, mkdir, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";

import * as esbuild from "esbuild";

const ROOT = dirname(fileURLToPath(import.meta.url));
const SRC = join(ROOT, "src");
const OUT = process.argv[2] ? resolve(process.argv[2]) : join(ROOT, "static");
const PAGES = ["index.html", "launch.html", "chart.css"];
const SHIM = join(SRC, "shims", "empty.js");

async function filesUnder(dir) {
  const out = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await filesUnder(path)));
    else out.push(path);
  }
  return out;
}

const posix = (path) => relative(ROOT, path).split(sep).join("/");

async function sourcesHash() {
  const files = [
    join(ROOT, "build.mjs"),
    join(ROOT, "package.json"),
    join(ROOT, "package-lock.json"),
    ...(await filesUnder(SRC)),
  ];
  const named = files.map((path) => [posix(path), path]).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const hash = createHash("sha256");
  for (const [name, path] of named) {
    hash.update(name);
    hash.update("\0");
    hash.update(await readFile(path));
    hash.update("\0");
  }
  return hash.digest("hex");
}

// The licence texts of the packages whose code is in the bundles.
async function licenses(metafile) {
  const packages = new Map();
  for (const input of Object.keys(metafile.inputs)) {
    const match = input.match(/^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//);
    if (match) packages.set(match[1], true);
  }
  const parts = [];
  for (const dir of [...packages.keys()].sort()) {
    const manifest = JSON.parse(await readFile(join(ROOT, dir, "package.json"), "utf8"));
    const names = (await readdir(join(ROOT, dir))).filter((n) => /^(licen[cs]e|copying)/i.test(n)).sort();
    const text = names.length ? await readFile(join(ROOT, dir, names[0]), "utf8") : `License: ${manifest.license}\n`;
    parts.push(`${manifest.name} ${manifest.version} (${manifest.license})\n\n${text.trim()}\n`);
  }
  return `Third-party software in app.js and launch.js\n${"=".repeat(44)}\n\n${parts.join(`\n${"-".repeat(72)}\n\n`)}`;
}

async function build() {
  await rm(OUT, { recursive: true, force: true });
  await mkdir(OUT, { recursive: true });
  const result = await esbuild.build({
    absWorkingDir: ROOT,
    entryPoints: { app: "src/app.js", launch: "src/launch.js" },
    outdir: OUT,
    bundle: true,
    format: "esm",
    splitting: false,
    minify: true,
    sourcemap: false,
    target: ["chrome109", "edge109", "firefox115", "safari16"],
    platform: "browser",
    legalComments: "none", // collected in THIRD-PARTY-LICENSES.txt
    metafile: true,
    logLevel: "warning",
    // fhirclient's browser entry: the "pure" build (no fetch polyfill), and the browser's
    // own WebCrypto (package.json overrides isomorphic-webcrypto with src/shims/)
    define: { FHIRCLIENT_PURE: "true", "process.env.NODE_ENV": '"production"' },
    alias: { "cross-fetch": SHIM },
  });
  for (const page of PAGES) await copyFile(join(SRC, page), join(OUT, page));
  await writeFile(join(OUT, "THIRD-PARTY-LICENSES.txt"), await licenses(result.metafile));

  const outputs = {};
  for (const name of (await readdir(OUT)).sort()) {
    outputs[name] = createHash("sha256").update(await readFile(join(OUT, name))).digest("hex");
  }
  const info = { sources_sha256: await sourcesHash(), outputs };
  await writeFile(join(OUT, "build-info.json"), `${JSON.stringify(info, null, 2)}\n`);
  console.log(`built ${Object.keys(outputs).length} files into ${posix(OUT)}`);
}

build().catch((error) => {
  console.error(error);
  process.exit(1);
});
