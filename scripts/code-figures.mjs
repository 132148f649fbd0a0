#!/usr/bin/env node
// Figures of the production code (src/, tests and the web UI's build files aside): file count, lines
// per file (median, p90), the longest functions, and how far the coordinator still reaches into the
// store (docs/design/20261202.ports.md): its files importing src/store, its uses of `Store.db`, its
// `JSON.parse` of columns; and the uses of the store's SQL handle (`store.db`, `tx.db`) outside
// src/store, in src, bench and test, with the tests' calls of the raw door (`rawDb(`, src/store/raw.ts).
// `node scripts/code-figures.mjs [ROOT] [--top N]`;
// ROOT defaults to the repository (point it at an exported older tree to compare).
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import swc from '@swc/core';

const args = process.argv.slice(2);
const topAt = args.indexOf('--top');
const top = topAt >= 0 ? Number(args[topAt + 1]) : 10;
const root =
  args.find((a, i) => !a.startsWith('--') && (topAt < 0 || i !== topAt + 1)) ??
  join(dirname(fileURLToPath(import.meta.url)), '..');

function* files(dir) {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) yield* files(p);
    else if (/\.tsx?$/.test(e.name) && !/\.(test|d)\.tsx?$/.test(e.name) && !e.name.endsWith('.config.ts'))
      yield p;
  }
}

/** Every TypeScript file under `dir` (tests included), or none when it does not exist. */
function* allFiles(dir) {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const e of entries) {
    const p = join(dir, e.name);
    if (e.isDirectory()) yield* allFiles(p);
    else if (/\.tsx?$/.test(e.name)) yield p;
  }
}

// The store's SQL handle reached from outside src/store (`co.store.db`, `env.store.db`, `tx.db`, …).
const handle = { src: 0, bench: 0, test: 0 };
let rawDoor = 0;
for (const part of Object.keys(handle))
  for (const file of allFiles(join(root, part))) {
    if (relative(root, file).startsWith(join('src', 'store'))) continue;
    const text = readFileSync(file, 'utf8');
    handle[part] += (text.match(/\b(store|tx)\.db\b(?!['"`])/g) ?? []).length;
    rawDoor += (text.match(/\brawDb\(/g) ?? []).length;
  }

const FUNCTIONS = new Set([
  'FunctionDeclaration',
  'FunctionExpression',
  'ArrowFunctionExpression',
  'ClassMethod',
]);
const nameOf = (node, parent) =>
  node.identifier?.value ?? node.key?.value ?? parent?.id?.value ?? parent?.key?.value ?? '(anonymous)';

/** Every function in `node` with its first and last line. */
function* functionsIn(node, lineAt, parent) {
  if (!node || typeof node !== 'object') return;
  if (Array.isArray(node)) {
    for (const n of node) yield* functionsIn(n, lineAt, parent);
    return;
  }
  if (FUNCTIONS.has(node.type) && node.span) {
    yield { name: nameOf(node, parent), from: lineAt(node.span.start), to: lineAt(node.span.end) };
  }
  for (const [k, v] of Object.entries(node))
    if (k !== 'span' && v && typeof v === 'object') yield* functionsIn(v, lineAt, node);
}

const sizes = [];
const fns = [];
const storeImporters = [];
let dbUses = 0;
let jsonParses = 0;
for (const file of files(join(root, 'src'))) {
  const text = readFileSync(file, 'utf8');
  const lines = text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
  sizes.push(lines);
  const ast = swc.parseSync(text, { syntax: 'typescript', tsx: file.endsWith('.tsx') });
  // swc's spans are 1-based UTF-8 byte offsets into the text parsed.
  const bytes = Buffer.from(text, 'utf8');
  const starts = [0];
  for (let i = 0; i < bytes.length; i++) if (bytes[i] === 10) starts.push(i + 1);
  const lineAt = (pos) => {
    const off = pos - 1;
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid] <= off) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  };
  const rel = relative(root, file);
  if (rel.startsWith(join('src', 'coordinator'))) {
    const imports = ast.body.filter((n) => n.source?.value);
    if (imports.some((n) => join(dirname(file), n.source.value).startsWith(join(root, 'src', 'store'))))
      storeImporters.push(rel);
    dbUses += (text.match(/\.db\b/g) ?? []).length;
    jsonParses += (text.match(/JSON\.parse\(/g) ?? []).length;
  }
  for (const f of functionsIn(ast.body, lineAt))
    fns.push({ ...f, lines: f.to - f.from + 1, file: relative(root, file) });
}
sizes.sort((a, b) => a - b);
const pct = (p) => sizes[Math.min(sizes.length - 1, Math.ceil((p / 100) * sizes.length) - 1)];
const total = sizes.reduce((a, b) => a + b, 0);
console.log(
  `production files ${sizes.length}, lines ${total}, median ${pct(50)}, p90 ${pct(90)}, largest ${sizes.at(-1)}`,
);
console.log(
  `coordinator: files importing src/store ${storeImporters.length}, uses of Store.db ${dbUses}, JSON.parse ${jsonParses}`,
);
console.log(
  `outside src/store: uses of the SQL handle ${handle.src + handle.bench + handle.test} ` +
    `(src ${handle.src}, bench ${handle.bench}, test ${handle.test}), calls of the raw door rawDb ${rawDoor}`,
);
if (args.includes('--store-importers')) for (const f of storeImporters.sort()) console.log(`  ${f}`);
console.log(`longest functions:`);
for (const f of fns.sort((a, b) => b.lines - a.lines).slice(0, top))
  console.log(`  ${String(f.lines).padStart(4)}  ${f.file}:${f.from}  ${f.name}`);
