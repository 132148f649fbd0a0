/**
 * The CLI as a thin client against a real coordinator: where it finds its server and token, the
 * inventory commands, the all-or-nothing sender import, invitations, and tokens.
 */
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { startServer } from '../../src/main/server.js';
import { cli } from '../kit/cli.js';
import { tempDir } from '../kit/tmp.js';

const cwd = tempDir();
const server = await startServer({
  dataDir: 'rollover-data',
  listen: '127.0.0.1:0',
  env: {},
  cwd,
  log: () => {},
});
after(() => server.close());
const env = { ROLLOVER_CONFIG: join(cwd, 'profile.json') };
const token = (await fs.readFile(join(cwd, 'rollover-data', 'initial-admin.token'), 'utf8')).trim();
const elsewhere = tempDir();

async function ok(args: string[], opts: { cwd?: string; env?: Record<string, string> } = {}) {
  const r = await cli(args, { cwd: opts.cwd ?? cwd, env: { ...env, ...opts.env } });
  assert.equal(r.code, 0, `rollover ${args.join(' ')}: ${r.stderr}${r.stdout}`);
  return r;
}

test('the CLI finds its server from ./rollover-data/client.json with no set-up', async () => {
  const r = await ok(['user', 'list', '--json']);
  assert.equal(r.json()[0].name, 'admin');
});

test('outside the data directory it needs a server and says how to give one', async () => {
  const r = await cli(['tenant', 'list'], { cwd: elsewhere, env });
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--server URL --token T.*ROLLOVER_URL.*rollover login/);
});

test('flags come before the environment, the environment before the data directory', async () => {
  const dead = 'http://127.0.0.1:9';
  const viaEnv = await cli(['tenant', 'list'], {
    cwd,
    env: { ...env, ROLLOVER_URL: dead, ROLLOVER_TOKEN: token },
  });
  assert.equal(viaEnv.code, 1);
  assert.match(viaEnv.stderr, /CONNECT_FAILED.*127\.0\.0\.1:9 \(from the environment\)/);
  const viaFlags = await cli(['tenant', 'list', '--server', server.url, '--token', token], {
    cwd: elsewhere,
    env: { ...env, ROLLOVER_URL: dead, ROLLOVER_TOKEN: 'rlv_wrong' },
  });
  assert.equal(viaFlags.code, 0, viaFlags.stderr);
  const badToken = await cli(['tenant', 'list', '--server', server.url, '--token', 'rlv_wrong'], {
    cwd: elsewhere,
    env,
  });
  assert.equal(badToken.code, 1);
  assert.match(badToken.stderr, /error\[UNAUTHENTICATED\]/);
});

test('rollover login saves a profile (0600) that later commands use from anywhere', async () => {
  await ok([
    'user',
    'add',
    'lena',
    '--organisation',
    'Provider',
    '--role',
    'lb-admin',
    '--password-file',
    await pw('lena'),
  ]);
  const login = await ok(
    ['login', '--server', server.url, '--user', 'lena', '--password-file', await pw('lena')],
    {
      cwd: elsewhere,
    },
  );
  assert.match(login.stdout, /signed in to .* as lena \(Provider; lb-admin\)/);
  assert.equal((await fs.stat(env.ROLLOVER_CONFIG)).mode & 0o777, 0o600);
  const me = await ok(['user', 'show', 'lena', '--json'], { cwd: elsewhere });
  assert.equal(me.json().name, 'lena');
  const wrong = await cli(
    ['login', '--server', server.url, '--user', 'lena', '--password-file', await pw('nope')],
    {
      cwd: elsewhere,
      env: { ROLLOVER_CONFIG: join(elsewhere, 'other.json') },
    },
  );
  assert.equal(wrong.code, 1);
  assert.match(wrong.stderr, /UNAUTHENTICATED/);
});

async function pw(name: string): Promise<string> {
  const f = join(cwd, `${name}.pw`);
  await fs.writeFile(f, `${name}-password-long-enough\n`);
  return f;
}

test('inventory commands add, list, show and remove through the API', async () => {
  await ok([
    'lb',
    'add',
    'edge',
    '--kind',
    'nginx',
    '--node',
    'n1=10.0.0.1:443',
    '--node',
    'n2=10.0.0.2:443',
  ]);
  await ok([
    'vs',
    'add',
    'www',
    '--lb',
    'edge',
    '--listen',
    '0.0.0.0:443',
    '--host',
    'www.example.test',
    '--backend',
    '10.1.0.1:8080',
  ]);
  await ok(['tenant', 'add', 'acme', '--customer', 'Acme', '--vs', 'www']);
  const sender = await ok([
    'sender',
    'add',
    'payroll',
    '--tenant',
    'acme',
    '--contact',
    'ops@acme.test',
    '--truststore-kind',
    'jks',
    '--json',
  ]);
  const vs = await ok(['vs', 'show', 'www', '--json']);
  assert.deepEqual(vs.json().hosts, ['www.example.test']);
  const table = await ok(['lb', 'list']);
  assert.match(table.stdout, /^id\s+name\s+kind\n/);
  assert.match(table.stdout, /edge\s+nginx/);
  const senders = await ok(['sender', 'list', '--tenant', 'acme', '--json']);
  assert.deepEqual(
    senders.json().map((s: { name: string }) => s.name),
    ['payroll'],
  );
  const inUse = await cli(['lb', 'remove', 'edge'], { cwd, env });
  assert.equal(inUse.code, 1);
  assert.match(inUse.stderr, /error\[STILL_IN_USE\].*still carries virtual servers \(www\)/);
  await ok(['sender', 'remove', sender.json().id]);
  assert.match((await ok(['sender', 'list', '--tenant', 'acme'])).stdout, /no senders/);
});

test('sender import is all or nothing: one bad row imports nothing, a clean file imports every row', async () => {
  await ok(['tenant', 'add', 'bulk', '--customer', 'Bulk']);
  const header = 'name,contacts,truststore_kind,source_addresses\n';
  const bad = join(cwd, 'bad.csv');
  await fs.writeFile(
    bad,
    `${header}s1,a@s1.test,jks,192.0.2.1\ns2,not-an-address,pem,\ns3,c@s3.test,os,10.0.0.0/8\n`,
  );
  const r = await cli(['sender', 'import', '--tenant', 'bulk', bad], { cwd, env });
  assert.equal(r.code, 2);
  assert.match(r.stderr, /error\[BAD_ARGUMENT\]: nothing imported: .* first at line 3: contacts/);
  assert.match((await ok(['sender', 'list', '--tenant', 'bulk'])).stdout, /no senders/);

  const dupe = join(cwd, 'dupe.csv');
  await fs.writeFile(dupe, `${header}s1,a@s1.test,jks,\ns1,b@s1.test,pem,\n`);
  const d = await cli(['sender', 'import', '--tenant', 'bulk', dupe], { cwd, env });
  assert.equal(d.code, 1);
  assert.match(d.stderr, /error\[NAME_TAKEN\]: nothing imported/);

  const good = join(cwd, 'good.csv');
  await fs.writeFile(
    good,
    `${header}s1,a@s1.test,jks,192.0.2.1\ns2,b@s2.test,pem,\ns3,c@s3.test,os,10.0.0.0/8\n`,
  );
  const g = await ok(['sender', 'import', '--tenant', 'bulk', good, '--json']);
  assert.equal(g.json().imported, 3);
  const again = await cli(['sender', 'import', '--tenant', 'bulk', good], { cwd, env });
  assert.equal(again.code, 1, 'importing the same senders twice conflicts');
  assert.equal((await ok(['sender', 'list', '--tenant', 'bulk', '--json'])).json().length, 3);
});

test('an invitation link made with the CLI is accepted once with the CLI', async () => {
  await ok(['tenant', 'add', 'invited', '--customer', 'Invited Co']);
  const inv = await ok([
    'user',
    'invite',
    '--role',
    'tenant-admin',
    '--scope',
    'invited',
    '--organisation',
    'Invited Co',
    '--json',
  ]);
  const link = inv.json().url as string;
  const pass = await pw('ines');
  const first = await ok(['user', 'accept', link, '--name', 'ines', '--password-file', pass, '--json'], {
    cwd: elsewhere,
  });
  assert.equal(first.json().user.roles[0].role, 'tenant-admin');
  const mine = await cli(
    ['tenant', 'list', '--json', '--server', server.url, '--token', first.json().token.token],
    {
      cwd: elsewhere,
      env,
    },
  );
  assert.deepEqual(
    mine.json().map((t: { name: string }) => t.name),
    ['invited'],
  );
  const second = await cli(
    ['user', 'accept', link, '--name', 'ines2', '--password-file', pass, '--server', server.url],
    {
      cwd: elsewhere,
      env,
    },
  );
  assert.equal(second.code, 1);
  assert.match(second.stderr, /error\[INVITATION_INVALID\].*already used/);
});

test('a token created with the CLI works until it is revoked with the CLI', async () => {
  const created = await ok(['token', 'create', 'ci', '--expires-in', '1h', '--json']);
  const { id, token: secret } = created.json();
  const use = () =>
    cli(['tenant', 'list', '--server', server.url, '--token', secret], { cwd: elsewhere, env });
  assert.equal((await use()).code, 0);
  assert.match((await ok(['token', 'revoke', id])).stdout, /revoked token/);
  assert.match((await ok(['token', 'revoke', id])).stdout, /already revoked; nothing to do/);
  const after = await use();
  assert.equal(after.code, 1);
  assert.match(after.stderr, /error\[UNAUTHENTICATED\].*revoked/);
});

test('bad CLI input is refused with a stable code and the coordinator unchanged', async () => {
  const csvNoHeader = join(cwd, 'no-header.csv');
  await fs.writeFile(csvNoHeader, 'payroll,ops@a.test,jks\n');
  const csvOpenQuote = join(cwd, 'open-quote.csv');
  await fs.writeFile(csvOpenQuote, 'name,contacts,truststore_kind\n"payroll,ops@a.test,jks\n');
  const cases: Array<{ args: string[]; code: number; error: string; cwd?: string }> = [
    { args: ['lb', 'add', 'x', '--node', 'no-equals-sign'], code: 2, error: 'BAD_ARGUMENT' },
    { args: ['lb', 'add', 'x', '--kind', 'f5'], code: 2, error: 'BAD_ARGUMENT' },
    {
      args: ['vs', 'add', 'v', '--lb', 'missing-lb', '--listen', '0.0.0.0:443', '--host', 'v.test'],
      code: 1,
      error: 'NOT_FOUND',
    },
    {
      args: ['tenant', 'add', 't', '--customer', 'C', '--operating-model', 'self-service'],
      code: 2,
      error: 'BAD_ARGUMENT',
    },
    { args: ['tenant', 'show', 'no-such-tenant'], code: 1, error: 'NOT_FOUND' },
    {
      args: ['sender', 'import', '--tenant', 'bulk', join(cwd, 'missing.csv')],
      code: 1,
      error: 'FILE_NOT_FOUND',
    },
    { args: ['sender', 'import', '--tenant', 'bulk', csvNoHeader], code: 2, error: 'BAD_ARGUMENT' },
    { args: ['sender', 'import', '--tenant', 'bulk', csvOpenQuote], code: 2, error: 'BAD_ARGUMENT' },
    { args: ['user', 'add', 'x', '--organisation', 'O', '--role', 'wizard'], code: 2, error: 'BAD_ARGUMENT' },
    { args: ['token', 'create', 't', '--expires-in', 'forever'], code: 2, error: 'BAD_ARGUMENT' },
    { args: ['token', 'revoke', 'tok_missing'], code: 1, error: 'NOT_FOUND' },
    { args: ['audit', 'export', '--after', 'yesterday'], code: 2, error: 'BAD_ARGUMENT' },
    { args: ['lb', 'list', '--server', 'not a url', '--token', 't'], code: 2, error: 'BAD_ARGUMENT' },
    { args: ['login', '--server', server.url], code: 2, error: 'BAD_ARGUMENT' },
    { args: ['restore', 'missing.db', '--data-dir', 'rollover-data'], code: 1, error: 'SERVER_RUNNING' },
  ];
  const before = await ok(['audit', 'export']);
  for (const c of cases) {
    const r = await cli(c.args, { cwd: c.cwd ?? cwd, env });
    assert.equal(r.code, c.code, `rollover ${c.args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, new RegExp(`^error\\[${c.error}\\]: `), `rollover ${c.args.join(' ')}`);
  }
  const json = await cli(['tenant', 'show', 'no-such-tenant', '--json'], { cwd, env });
  assert.equal(json.json().error.code, 'NOT_FOUND');
  assert.equal(
    (await ok(['audit', 'export'])).stdout,
    before.stdout,
    'nothing was recorded: nothing changed',
  );
});

test('renewal plan and postpone refuse a T that is not on the calendar before calling anyone', async () => {
  const dead = ['--server', 'http://127.0.0.1:9', '--token', 'rlv_unused'];
  for (const args of [
    ['renewal', 'plan', '--vs', 'web', '--exchange-at', '2027-02-30T00:00:00Z', ...dead],
    ['renewal', 'postpone', 'ren_x', '--exchange-at', '2027-02-30T00:00:00Z', ...dead],
  ]) {
    const r = await cli(args, { cwd: elsewhere, env });
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /error\[BAD_TIME\].*"2027-02-30T00:00:00Z"/, args[1]);
  }
});
