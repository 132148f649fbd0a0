/**
 * Every error code through every edge: thrown inside the coordinator API and inside the load
 * balancer's control interface (real HTTP servers), each must answer problem+json with the status its
 * kind gives, come back through the matching client as the same typed error, and leave the CLI with
 * the exit code its kind gives.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { makeClient } from '../../src/cli/client.js';
import { EXIT, exitCodeFor, reportError } from '../../src/cli/output.js';
import { startControlServer } from '../../src/lb/control.js';
import { controlClientFor } from '../../src/lb/control-client.js';
import type { DataPlane } from '../../src/lb/data-plane.js';
import { ERROR_CODES, ERROR_KINDS, type ErrorCode, kindOf, RolloverError } from '../../src/shared/errors.js';
import { HTTP_STATUS, PROBLEM_CONTENT_TYPE, statusFor } from '../../src/shared/problem.js';
import { startTestCoordinator } from '../coordinator/api-kit.js';
import { tempDir } from '../kit/tmp.js';

const CODES = Object.keys(ERROR_CODES) as ErrorCode[];
/** The error every edge gets to carry: a message and a detail that must survive the round trip. */
const errorFor = (code: ErrorCode) => new RolloverError(code, `a ${code} for the walk`, { where: 'walk' });

/** Checks a problem+json answer for `code`. */
function assertProblem(code: ErrorCode, status: number, type: string, body: Record<string, unknown>) {
  assert.equal(status, statusFor(code), `${code}: HTTP status`);
  assert.match(type, /^application\/problem\+json/, `${code}: content type`);
  assert.equal(body.type, `urn:rollover:problem:${code}`, `${code}: type`);
  assert.equal(body.title, ERROR_CODES[code].title, `${code}: title`);
  assert.equal(body.status, status, `${code}: status member`);
  assert.equal(body.code, code, `${code}: code member`);
  assert.equal(body.detail, `a ${code} for the walk`, `${code}: detail`);
  assert.equal(body.where, 'walk', `${code}: details beside the standard members`);
}

test('every kind maps to an HTTP status and an exit code; only internal errors exit 3', () => {
  for (const kind of Object.keys(ERROR_KINDS) as Array<keyof typeof ERROR_KINDS>) {
    assert.ok(HTTP_STATUS[kind] >= 400 && HTTP_STATUS[kind] < 600, kind);
  }
  for (const code of CODES) {
    const exit = exitCodeFor(code);
    assert.ok([EXIT.failed, EXIT.usage, EXIT.internal].includes(exit as 1 | 2 | 3), code);
    assert.equal(exit === EXIT.internal, kindOf(code) === 'internal', code);
    assert.equal(exit === EXIT.usage, kindOf(code) === 'usage', code);
    assert.equal(
      statusFor(code) >= 500,
      ['unavailable', 'not-yet', 'environment', 'internal'].includes(kindOf(code)),
      code,
    );
  }
});

test('every code through the CLI edge: its exit code, `error[CODE]` on stderr, JSON with --json', () => {
  for (const code of CODES) {
    for (const json of [false, true]) {
      let out = '';
      let err = '';
      const ctx = {
        env: {},
        cwd: process.cwd(),
        now: () => new Date(),
        out: (t: string) => {
          out += t;
        },
        err: (t: string) => {
          err += t;
        },
      };
      assert.equal(reportError(ctx, errorFor(code), json), exitCodeFor(code), code);
      if (json) assert.deepEqual(JSON.parse(out).error.code, code);
      else assert.match(err, new RegExp(`^error\\[${code}\\]: a ${code} for the walk\\n`));
    }
  }
});

test('every code through the coordinator API: problem+json with its status, read back by the CLI client', async () => {
  const co = await startTestCoordinator();
  const client = await makeClient(co.url, co.adminToken, 'flags');
  // Signing in first asks the rate limiter: make it throw the code under test.
  const limiter = co.env.signInLimiter;
  const retryAfter = limiter.retryAfter;
  const signIn = { name: 'admin', password: 'not-checked' };
  try {
    for (const code of CODES) {
      limiter.retryAfter = () => {
        throw errorFor(code);
      };
      const r = await co.call('POST', '/api/v1/sessions', { token: '', body: signIn });
      assertProblem(code, r.status, r.type, r.body);
      await assert.rejects(client.request('POST', '/api/v1/sessions', signIn), (e) => {
        assert.ok(e instanceof RolloverError, code);
        assert.equal(e.code, code);
        assert.equal(e.message, `a ${code} for the walk`);
        assert.equal(e.details.where, 'walk');
        return true;
      });
    }
  } finally {
    limiter.retryAfter = retryAfter;
  }
});

test('every code through the control interface: problem+json with the same status, read back by its client', async () => {
  const stateDir = tempDir();
  let current: ErrorCode = 'INTERNAL';
  const refuse = async () => {
    throw errorFor(current);
  };
  const dataPlane: DataPlane = {
    stage: refuse,
    unstage: refuse,
    activate: refuse,
    rollback: refuse,
    exceptions: refuse,
    status: refuse,
  };
  const { server } = await startControlServer({
    dataPlane,
    stateDir,
    listen: { host: '127.0.0.1', port: 0 },
    pid: process.pid,
  });
  try {
    const control = await controlClientFor(stateDir);
    const { token, url } = JSON.parse(readFileSync(join(stateDir, 'control.json'), 'utf8'));
    for (const code of CODES) {
      current = code;
      const res = await fetch(`${url}/v1/virtual-servers/vs/activate`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}` },
      });
      assertProblem(
        code,
        res.status,
        res.headers.get('content-type') ?? '',
        (await res.json()) as Record<string, unknown>,
      );
      await assert.rejects(control.activate('vs'), (e) => {
        assert.ok(e instanceof RolloverError, code);
        assert.equal(e.code, code);
        assert.equal(e.message, `a ${code} for the walk`);
        assert.equal(e.details.where, 'walk');
        return true;
      });
    }
    // A plain exception is INTERNAL, in the same format.
    dataPlane.status = async () => {
      throw new Error('boom');
    };
    const res = await fetch(`${url}/v1/status`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(res.status, 500);
    assert.equal(res.headers.get('content-type'), PROBLEM_CONTENT_TYPE);
    assert.equal(((await res.json()) as { code: string }).code, 'INTERNAL');
  } finally {
    server.close();
    await once(server, 'close');
  }
});
