/**
 * A virtual server's first credential: what it serves before any renewal. Later changes go through a
 * renewal (plan → announce → exchange), never through this, so a credential is never swapped behind
 * the senders' backs.
 */
import { can } from '../access/can.js';
import type { Principal } from '../access/roles.js';
import { readCertificates, readOneCertificate } from '../pki/certificate.js';
import { assertCredential } from '../pki/checks.js';
import { fail } from '../shared/errors.js';
import { type EnvWith, forbidden, notFound, record } from './env.js';
import { vsView } from './views.js';

/** Sets the credential a virtual server serves when it serves none yet (lb-admin; checked; audited). */
export async function assignInitialCredential(
  env: EnvWith<'inventory' | 'credentials' | 'audit'>,
  p: Principal,
  vsRef: string,
  credentialId: string,
) {
  if (!can(p, 'update', { kind: 'vs' })) forbidden('set the credential of virtual servers');
  const vs = (await env.store.inventory.virtualServerByRef(vsRef)) ?? notFound('virtual server', vsRef);
  const cred = (await env.store.credentials.credential(credentialId)) ?? notFound('credential', credentialId);
  if (vs.activeCredentialId === cred.id) return vsView(vs);
  if (vs.activeCredentialId) {
    fail(
      'ALREADY_SERVING',
      `virtual server ${vs.name} already serves a credential: change it with a renewal (rollover renewal plan)`,
    );
  }
  assertCredential({
    chain: readCertificates(cred.chainPem),
    root: readOneCertificate(cred.rootPem, 'root'),
    hosts: vs.hosts,
    validAt: new Date(env.clock.now()),
  });
  return env.store.transaction(async (tx) => {
    await tx.inventory.setActiveCredential(vs.id, cred.id);
    await record(tx, env, p, 'vs.credential', 'vs', vs.id, {
      credential: cred.id,
      fingerprint: cred.fingerprint,
    });
    return vsView({ ...vs, activeCredentialId: cred.id });
  });
}
