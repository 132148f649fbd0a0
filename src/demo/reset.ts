/**
 * What makes `rollover demo` repeatable on one data directory: before a run it settles a renewal an
 * earlier run left open on the demo virtual server, finds the root the virtual server serves today
 * (the first landscape's, or the new root of the last run that exchanged), and resets the demo
 * senders' truststores — which the demo owns — to trust exactly that root.
 */
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import type { ApiClient } from '../cli/client.js';
import { readOneCertificate } from '../pki/certificate.js';
import { fail } from '../shared/errors.js';
import { certFacts } from '../truststore/anchor.js';
import { addToTruststore } from '../truststore/operations.js';
import { DEMO_STORE_PASSWORD } from './landscape.js';
import type { Landscape } from './seed.js';

/** The root the demo virtual server serves now, with the file it is kept in. */
export interface ServedRoot {
  sha256: string;
  pemFile: string;
  /** The leaf served today, under that root. */
  leafSha256: string;
}

type Summary = { id: string; state: string; virtualServers?: Array<{ id: string }> };

const OPEN_BEFORE_EXCHANGE = new Set(['planned', 'announced', 'staged', 'postponed']);
const FINISHED = new Set(['completed', 'rolled-back', 'cancelled']);

/**
 * Brings a renewal of this landscape that is not finished to an end: cancelled before the exchange,
 * completed once retiring; an exchange still inside its rollback window cannot be ended early, and
 * the error says when to run again. Returns what was done, for the narration.
 */
export async function settleOpenRenewal(
  api: ApiClient,
  land: Landscape,
  why: string,
): Promise<{ id: string; from: string; to: string } | undefined> {
  const all = await api.request<Summary[]>('GET', '/api/v1/renewals');
  const open = all.find(
    (r) => !FINISHED.has(r.state) && (r.virtualServers ?? []).some((v) => v.id === land.virtualServer.id),
  );
  if (!open) return undefined;
  return settleRenewal(api, open.id, open.state, why);
}

/** Ends one renewal as far as its state allows (see {@link settleOpenRenewal}). */
export async function settleRenewal(
  api: ApiClient,
  id: string,
  state: string,
  why: string,
): Promise<{ id: string; from: string; to: string }> {
  if (OPEN_BEFORE_EXCHANGE.has(state)) {
    const d = await api.request<{ state: string }>('POST', `/api/v1/renewals/${id}/cancel`, {
      reason: why,
    });
    return { id, from: state, to: d.state };
  }
  if (state === 'retiring') {
    const d = await api.request<{ state: string }>('POST', `/api/v1/renewals/${id}/complete`, {
      force: true,
      reason: why,
    });
    return { id, from: state, to: d.state };
  }
  return fail(
    'WRONG_STATE',
    `renewal ${id} from an earlier demo run is ${state}: its exchange happened and its rollback window is still open; run the demo again once it is retiring (\`rollover renewal status ${id}\`)`,
    { renewalId: id, state },
  );
}

/** The root behind the credential the demo virtual server serves now, found among the demo's own roots. */
export async function servedRoot(api: ApiClient, land: Landscape, dataDir: string): Promise<ServedRoot> {
  const vs = await api.request<{ activeCredentialId: string | null }>(
    'GET',
    `/api/v1/virtual-servers/${land.virtualServer.id}`,
  );
  const cred = await api.request<{ rootFingerprint: string; fingerprint: string }>(
    'GET',
    `/api/v1/credentials/${vs.activeCredentialId ?? fail('NOTHING_TO_RENEW', 'the demo virtual server serves no credential')}`,
  );
  const demo = join(dataDir, 'demo');
  const candidates = [join(land.oldRoot.caDir, 'ca.crt')];
  for (const d of await fs.readdir(demo).catch(() => [] as string[]))
    if (d.startsWith('renewal-')) candidates.push(join(demo, d, 'new-root', 'ca.crt'));
  for (const pemFile of candidates) {
    const pem = await fs.readFile(pemFile, 'utf8').catch(() => undefined);
    if (pem && readOneCertificate(pem, 'root').sha256 === cred.rootFingerprint)
      return { sha256: cred.rootFingerprint, pemFile, leafSha256: cred.fingerprint };
  }
  return fail(
    'NOT_FOUND',
    `the demo virtual server serves a credential under root ${cred.rootFingerprint}, which no demo run created: start over with a fresh data directory`,
  );
}

/** Rewrites every demo sender's truststore to hold exactly `root`, as after a fresh `rollover up`. */
export async function resetSenderTruststores(land: Landscape, root: ServedRoot, now: Date): Promise<void> {
  const facts = certFacts(readOneCertificate(await fs.readFile(root.pemFile), 'root').der);
  for (const s of land.senders) {
    await fs.rm(s.truststore, { recursive: true, force: true });
    if (s.kind === 'dir') await fs.mkdir(s.truststore, { recursive: true });
    await addToTruststore(
      {
        path: s.truststore,
        type: s.kind as 'pem' | 'pkcs12' | 'jks' | 'dir',
        ...(s.kind === 'pkcs12' || s.kind === 'jks' ? { password: DEMO_STORE_PASSWORD } : {}),
      },
      facts,
      { now },
    );
  }
}
