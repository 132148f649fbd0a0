/**
 * A real built-in data-plane node for the UI flow: serves the virtual server with the old credential,
 * has a preview listener, and is registered at the coordinator with its control API, so staging,
 * the swap at T and the coordinator's per-node verification are real.
 */
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import { writeCredentialDir } from '../../src/files/credential-dir.js';
import { resolveConfig } from '../../src/lb/config.js';
import { CONTROL_FILE, type ControlEndpoint } from '../../src/lb/control.js';
import { type LbNode, startLbNode } from '../../src/lb/node.js';
import type { Credential } from '../../src/pki/credential.js';
import { systemClock } from '../../src/shared/time.js';
import { onFileEnd } from '../kit/cleanup.js';
import { tempDir } from '../kit/tmp.js';
import type { Coordinator } from './browser.js';

/** Starts the node serving `vsName` for `hosts` with `credential`, and registers its control API. */
export async function startRegisteredNode(
  co: Coordinator,
  p: { lbId: string; nodeName: string; vsName: string; hosts: string[]; credential: Credential },
): Promise<LbNode> {
  const stateDir = tempDir('rollover-web-node-');
  const credDir = join(tempDir('rollover-web-cred-'), 'old');
  await writeCredentialDir(credDir, p.credential);
  const config = resolveConfig(
    {
      stateDir,
      control: '127.0.0.1:0',
      drainTimeout: '1s',
      virtualServers: [
        {
          name: p.vsName,
          listen: '127.0.0.1:0',
          preview: '127.0.0.1:0',
          hosts: p.hosts,
          credential: credDir,
          // No tenant behind it: the handshakes are what this test watches.
          backends: ['http://127.0.0.1:9'],
          healthCheck: { interval: '5s', timeout: '500ms' },
        },
      ],
    },
    { workers: 1 },
  );
  const node = await startLbNode(config, { clock: systemClock, log: pino({ level: 'silent' }) });
  onFileEnd(() => node.stop());
  const ep = JSON.parse(await fs.readFile(join(stateDir, CONTROL_FILE), 'utf8')) as ControlEndpoint;
  await co.api('POST', `/lbs/${p.lbId}/nodes/${p.nodeName}/control`, { url: ep.url, token: ep.token });
  return node;
}
