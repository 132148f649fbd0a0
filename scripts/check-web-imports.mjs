#!/usr/bin/env node
// The web UI's layering rule for its .tsx files, which dependency-cruiser's swc parser cannot read
// (it parses TypeScript without JSX): every import of src/web that leaves src/web is `import type`
// from src/api/types.ts. Exits 1 naming each import that breaks the rule.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import swc from '@swc/core';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const web = join(root, 'src', 'web');
const allowed = join(root, 'src', 'api', 'types.ts');

function* files(dir) {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) yield* files(p);
    else if (/\.tsx?$/.test(e.name) && !e.name.endsWith('.d.ts')) yield p;
  }
}

const broken = [];
for (const file of files(web)) {
  const ast = swc.parseSync(readFileSync(file, 'utf8'), {
    syntax: 'typescript',
    tsx: file.endsWith('.tsx'),
    dynamicImport: true,
  });
  for (const item of ast.body) {
    const source = item.source?.value;
    if (!source?.startsWith('.')) continue;
    const target = resolve(dirname(file), source).replace(/\.js$/, '.ts');
    if (target.startsWith(`${web}/`)) continue;
    const typeOnly = item.type === 'ImportDeclaration' && item.typeOnly;
    if (target !== allowed || !typeOnly) {
      broken.push(`${relative(root, file)} imports ${source}${typeOnly ? '' : ' (not type-only)'}`);
    }
  }
}
if (broken.length) {
  process.stderr.write(`the web UI may import only types from src/api/types.ts:\n  ${broken.join('\n  ')}\n`);
  process.exit(1);
}
