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
import { type EnvWith, forbidden, notFound, nowText, record } from './env.js';
import type { Ca } from './ports/credentials.js';

/** What the CA use cases need. */
type Env = EnvWith<'credentials' | 'audit'>;

/** Input of a CA import. */
export interface CaInput {
  name: string;
  certificatePem: string;
  /** The CA's private key, unencrypted PEM; omit for an external root. */
  keyPem?: string | undefined;
}

/** What the API shows of a CA. */
export function caView(r: Ca) {
  const cert = readOneCertificate(r.certificatePem, 'CA certificate');
  return {
    id: r.id,
    name: r.name,
    subject: cert.x.subject,
    fingerprint: r.fingerprint,
    selfSigned: isSelfSigned(cert),
    hasKey: r.hasKey,
    notAfter: r.notAfter,
    createdAt: r.createdAt,
  };
}

/** Imports a CA certificate (and optionally its key); refuses a leaf or a key that does not match. */
export async function importCa(env: Env, p: Principal, input: CaInput) {
  if (!can(p, 'create', { kind: 'ca' })) forbidden('import CAs');
  const cert = readOneCertificate(input.certificatePem, 'CA certificate');
  if (!isCa(cert))
    fail('NOT_A_CA', `${cert.x.subject} is not a CA certificate (basicConstraints CA is not set)`);
  const key = input.keyPem === undefined ? undefined : readPrivateKey(input.keyPem);
  if (key && !keyMatchesCert(key, cert))
    fail('KEY_MISMATCH', 'the private key does not belong to the CA certificate');
  if (cert.notAfter.getTime() <= env.clock.now())
    fail('EXPIRED', `the CA expired at ${cert.notAfter.toISOString()}`);
  return env.store.transaction(async (tx) => {
    const row = await tx.credentials.addCa({
      name: input.name,
      certificatePem: encodeCertificatesPem([cert.der]),
      keyPem: key ? privateKeyToPem(key.keyObject) : undefined,
      fingerprint: cert.sha256,
      notAfter: cert.notAfter.toISOString(),
      createdAt: nowText(env),
    });
    await record(tx, env, p, 'ca.import', 'ca', row.id, {
      name: input.name,
      fingerprint: cert.sha256,
      subject: cert.x.subject,
      hasKey: key !== undefined,
    });
    return caView(row);
  });
}

/** Every CA (lb-admin, auditor). */
export async function listCas(env: Env, p: Principal) {
  if (!can(p, 'read', { kind: 'ca' })) forbidden('read CAs');
  return (await env.store.credentials.cas()).map(caView);
}

/** One CA. */
export async function showCa(env: Env, p: Principal, id: string) {
  if (!can(p, 'read', { kind: 'ca' })) forbidden('read CAs');
  return caView((await env.store.credentials.ca(id)) ?? notFound('CA', id));
}
