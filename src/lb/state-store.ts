/**
 * The node's persisted state: every virtual server's credential slot and source exceptions, in one JSON file in the state
 * directory (mode 0600: it holds the served private keys, as HAProxy's and nginx's key files do).
 * Written atomically (temp file, fsync, rename), so a crash leaves either the old or the new state.
 */
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { readFileChecked, writeFileAtomic } from '../files/atomic.js';
import { fail } from '../shared/errors.js';
import type { CredentialRecord } from './credential-record.js';
import type { Slot } from './slot.js';
import type { SourceException } from './source-exceptions.js';

/** The state file's name inside the state directory. */
export const STATE_FILE = 'lb-state.json';

/** The whole persisted state. */
export interface LbState {
  version: 1;
  virtualServers: Record<string, Slot<CredentialRecord>>;
  /** Source exceptions per virtual server (absent: none), written in the same file as the slots. */
  exceptions?: Record<string, SourceException[]>;
  /** Automatic fallback deadline per virtual server (ms; absent: off). */
  autoGrace?: Record<string, number>;
}

/** Reads the state, or undefined when the directory holds none yet. */
export async function readState(stateDir: string): Promise<LbState | undefined> {
  const path = join(stateDir, STATE_FILE);
  try {
    await fs.access(path);
  } catch {
    return undefined;
  }
  const text = (await readFileChecked(path)).toString('utf8');
  let parsed: LbState;
  try {
    parsed = JSON.parse(text) as LbState;
  } catch (e) {
    return fail('IO_ERROR', `${path} is not valid JSON (${(e as Error).message}); restore it from a backup`);
  }
  if (parsed.version !== 1 || typeof parsed.virtualServers !== 'object') {
    fail('IO_ERROR', `${path} is not a rollover data-plane state file (version 1)`);
  }
  return parsed;
}

/** Writes the state atomically with mode 0600. */
export async function writeState(stateDir: string, state: LbState): Promise<void> {
  await fs.mkdir(stateDir, { recursive: true, mode: 0o700 });
  await writeFileAtomic(join(stateDir, STATE_FILE), `${JSON.stringify(state, null, 1)}\n`, { mode: 0o600 });
}
