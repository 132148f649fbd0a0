import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EXAMPLES, ROLE_GROUPS } from './help.js';
import { buildProgram, runCli } from './program.js';

async function help(argv: string[]): Promise<string> {
  let out = '';
  const code = await runCli([...argv, '--help'], {
    env: {},
    cwd: '.',
    now: () => new Date(0),
    out: (t) => {
      out += t;
    },
    err: () => {},
  });
  assert.equal(code, 0);
  return out;
}

test('the top-level help lists every command under the role that uses it, "try it" first', async () => {
  const out = await help([]);
  const headings = out.split('\n').filter((l) => /^[A-Z].*:$/.test(l) && !l.startsWith('Usage'));
  assert.equal(headings[1], 'Try it on this machine:');
  for (const g of new Set(Object.values(ROLE_GROUPS))) assert.ok(headings.includes(g), g);
  const noop = () => {};
  const { program } = buildProgram({ env: {}, cwd: '.', now: () => new Date(0), out: noop, err: noop });
  for (const c of program.commands) assert.ok(ROLE_GROUPS[c.name()], `${c.name()} has a role group`);
});

test('a required option says so, and the commands each role types show examples', async () => {
  const plan = await help(['renewal', 'plan']);
  assert.match(plan, /--exchange-at <time>\s+\(required\)/);
  assert.doesNotMatch(plan, /--gate <policy>\s+\(required\)/);
  for (const path of Object.keys(EXAMPLES)) {
    const out = await help(path.split(' '));
    assert.match(out, /\nExamples:\n {2}# /, path);
  }
  assert.match(await help(['truststore', 'remove']), /--renewal-status https:\/\//);
});
