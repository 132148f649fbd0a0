/**
 * The client of the control interface, used by `rollover lb stage|unstage|activate|rollback|status`:
 * it finds the address and token in control.json in the state directory and turns error answers
 * back into typed errors.
 */
import { join } from 'node:path';
import { readFileChecked } from '../files/atomic.js';
import { ERROR_CODES, type ErrorCode, fail, RolloverError } from '../shared/errors.js';
import { CONTROL_FILE, type ControlEndpoint } from './control.js';

/** Reads control.json from a state directory. */
export async function readControlEndpoint(stateDir: string): Promise<ControlEndpoint> {
  const path = join(stateDir, CONTROL_FILE);
  let data: ControlEndpoint;
  try {
    data = JSON.parse((await readFileChecked(path)).toString('utf8')) as ControlEndpoint;
  } catch (e) {
    if (e instanceof RolloverError && e.code === 'FILE_NOT_FOUND') {
      fail(
        'FILE_NOT_FOUND',
        `${path} does not exist: is \`rollover lb run --state-dir ${stateDir}\` running?`,
        {
          path,
        },
      );
    }
    throw e;
  }
  return data;
}

/** Calls a control route and returns its JSON, or throws the typed error it answered. */
export async function callControl(
  stateDir: string,
  method: 'GET' | 'POST',
  path: string,
  body?: unknown,
): Promise<unknown> {
  const ep = await readControlEndpoint(stateDir);
  let res: Response;
  try {
    res = await fetch(`${ep.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${ep.token}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(30_000),
    });
  } catch (e) {
    return fail(
      'CONNECT_FAILED',
      `the data plane at ${ep.url} did not answer (${(e as Error & { cause?: Error }).cause?.message ?? (e as Error).message}): is \`rollover lb run --state-dir ${stateDir}\` running?`,
    );
  }
  const json = (await res.json()) as { error?: { code: string; message: string } & Record<string, unknown> };
  if (!res.ok || json.error) {
    const { code, message, ...details } = json.error ?? { code: 'INTERNAL', message: `HTTP ${res.status}` };
    const known = (code in ERROR_CODES ? code : 'INTERNAL') as ErrorCode;
    throw new RolloverError(known, message, details);
  }
  return json;
}
