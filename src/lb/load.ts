/**
 * Start-up: the persisted state wins over the configured credential directories, so a node
 * restarted with the same command line before T keeps its staged credential, and one restarted
 * after T comes up with the new credential (a staged slot whose T has passed is settled here).
 */
import type { Logger } from 'pino';
import { readCredentialDir } from '../files/credential-dir.js';
import { checkCredential } from '../pki/checks.js';
import type { Clock } from '../shared/time.js';
import type { LbConfig } from './config.js';
import { recordFromCredential } from './credential-record.js';
import { settle } from './slot.js';
import { type LbState, readState, writeState } from './state-store.js';

/** Reads (or creates) the node's state for the configured virtual servers and persists it. */
export async function loadState(config: LbConfig, clock: Clock, log?: Logger): Promise<LbState> {
  const stored = await readState(config.stateDir);
  const state: LbState = { version: 1, virtualServers: {}, exceptions: {}, autoGrace: {} };
  const now = clock.now();
  for (const vs of config.virtualServers) {
    const slot = stored?.virtualServers[vs.name];
    if (slot) {
      state.virtualServers[vs.name] = settle(slot, now);
      // A node restarted during grace keeps its exceptions: they are part of the exchange in progress.
      const exceptions = stored?.exceptions?.[vs.name];
      if (exceptions?.length) state.exceptions![vs.name] = exceptions;
      const autoGrace = stored?.autoGrace?.[vs.name];
      if (autoGrace !== undefined) state.autoGrace![vs.name] = autoGrace;
      continue;
    }
    const cred = await readCredentialDir(vs.credential);
    const report = checkCredential({
      key: cred.key,
      chain: cred.chain,
      root: cred.root,
      hosts: vs.hosts,
      validAt: new Date(now),
    });
    for (const c of report.checks) {
      if (!c.ok)
        log?.warn(
          { virtualServer: vs.name, check: c.name, reason: c.reason },
          'initial credential check failed',
        );
    }
    state.virtualServers[vs.name] = { active: recordFromCredential(cred) };
  }
  await writeState(config.stateDir, state);
  return state;
}
