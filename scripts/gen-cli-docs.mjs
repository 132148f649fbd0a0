#!/usr/bin/env node
// Generates docs/cli.md from the commander definitions (run `npm run docs:cli` after changing a command).
// `--check` exits 1 when docs/cli.md is out of step (the test suite runs it).
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderCliReference } from '../dist/src/cli/reference.js';

const target = join(dirname(fileURLToPath(import.meta.url)), '..', 'docs', 'cli.md');
const text = renderCliReference();
if (process.argv.includes('--check')) {
  const current = readFileSync(target, 'utf8');
  if (current !== text) {
    process.stderr.write('docs/cli.md is out of step with the commands: run `npm run docs:cli`\n');
    process.exit(1);
  }
} else {
  writeFileSync(target, text);
}
