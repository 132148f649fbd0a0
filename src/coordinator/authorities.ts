/**
 * Certificate authorities in the coordinator: a root (or intermediate) imported as its certificate,
 * with its key sealed under the master key when the coordinator is to issue with it, or without a key
 * for an external root. Keys are never shown.
 */
import { can } from '../access/can.js';
import type { Principal } from '../access/roles.js';
import { isCa, isSelfSigned, readOneCertificate } from '../pki/certificate.js';
import { encodeCertificatesPem } from '../pki/formats/pem.js';
import { keyMatchesCert, privateKeyToPem, readPrivateKey } from '../pki/keys.js';
import { fail } from '../shared/errors.js';
import { newId } from '../store/ids.js';
import type { Row } from '../store/store.js';
import { type CoordinatorEnv, forbidden, notFound, nowText, record } from './env.js';

/** Input of a CA import. */
export interface CaInput {
  name: string;
  certificatePem: string;
  /** The CA's private key, unencrypted PEM; omit for an external root. */
  keyPem?: string | undefined;
}

/** What the API shows of a CA. */
export function caView(r: Row<'cas'>) {
  const cert = readOneCertificate(r.certificate_pem, 'CA certificate');
  return {
    id: r.id,
    name: r.name,
    subject: cert.x.subject,
    fingerprint: r.fingerprint,
    selfSigned: isSelfSigned(cert),
    hasKey: r.key_sealed !== null,
    notAfter: r.not_after,
    createdAt: r.created_at,
  };
}

/** Imports a CA certificate (and optionally its key); refuses a leaf or a key that does not match. */
export async function importCa(env: CoordinatorEnv, p: Principal, input: CaInput) {
  if (!can(p, 'create', { kind: 'ca' })) forbidden('import CAs');
  const cert = readOneCertificate(input.certificatePem, 'CA certificate');
  if (!isCa(cert))
    fail('NOT_A_CA', `${cert.x.subject} is not a CA certificate (basicConstraints CA is not set)`);
  const key = input.keyPem === undefined ? undefined : readPrivateKey(input.keyPem);
  if (key && !keyMatchesCert(key, cert))
    fail('KEY_MISMATCH', 'the private key does not belong to the CA certificate');
  if (cert.notAfter.getTime() <= env.clock.now())
    fail('EXPIRED', `the CA expired at ${cert.notAfter.toISOString()}`);
  const id = newId('ca');
  return env.store.transaction(async (tx) => {
    const row = await tx.insert('cas', {
      id,
      name: input.name,
      certificate_pem: encodeCertificatesPem([cert.der]),
      key_sealed: key ? tx.sealKey('cas', id, privateKeyToPem(key.keyObject)) : null,
      fingerprint: cert.sha256,
      not_after: cert.notAfter.toISOString(),
      created_at: nowText(env),
    });
    await record(tx, env, p, 'ca.import', 'ca', id, {
      name: input.name,
      fingerprint: cert.sha256,
      subject: cert.x.subject,
      hasKey: key !== undefined,
    });
    return caView(row);
  });
}

/** Every CA (lb-admin, auditor). */
export async function listCas(env: CoordinatorEnv, p: Principal) {
  if (!can(p, 'read', { kind: 'ca' })) forbidden('read CAs');
  return (await env.store.list('cas')).map(caView);
}

/** One CA. */
export async function showCa(env: CoordinatorEnv, p: Principal, id: string) {
  if (!can(p, 'read', { kind: 'ca' })) forbidden('read CAs');
  return caView((await env.store.get('cas', id)) ?? notFound('CA', id));
}
