import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LAZY_GROUPS } from './groups.js';
import { buildProgram } from './program.js';

test('the start-time table names every command group the registry registers', () => {
  const noop = () => {};
  const { program } = buildProgram({ env: {}, cwd: '.', now: () => new Date(0), out: noop, err: noop });
  assert.deepEqual([...LAZY_GROUPS].sort(), program.commands.map((c) => c.name()).sort());
});
