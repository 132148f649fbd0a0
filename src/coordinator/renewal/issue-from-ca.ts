/**
 * `--issue-from CA`: the coordinator issues the renewal's credential itself, from a CA it holds with
 * its key sealed, for every host of the renewal's virtual servers, valid through T plus the rollback
 * window with a month to spare. The credential is imported through the usual checked path.
 */
import { isIP } from 'node:net';
import type { Principal } from '../../access/roles.js';
import type { CaMaterial } from '../../pki/authority.js';
import { type Cert, isSelfSigned, issuedBy, readOneCertificate } from '../../pki/certificate.js';
import { issueCredential } from '../../pki/credential.js';
import { encodeCertificatesPem } from '../../pki/formats/pem.js';
import { privateKeyToPem, readPrivateKey } from '../../pki/keys.js';
import { fail } from '../../shared/errors.js';
import { importCredential } from '../credentials.js';
import { notFound } from '../env.js';
import type { RenewalEnv } from './ports.js';

const DAY = 86_400_000;

/** The CA's signing material: its key, and the chain up to a root the coordinator also holds. */
async function caMaterial(env: RenewalEnv, caRef: string): Promise<CaMaterial> {
  const all = await env.store.credentials.cas();
  const row = all.find((c) => c.id === caRef || c.name === caRef) ?? notFound('CA', caRef);
  if (!row.hasKey)
    fail(
      'CA_HAS_NO_KEY',
      `CA ${row.name} is an external root (no key): the coordinator cannot issue with it`,
    );
  const cert = readOneCertificate(row.certificatePem, 'CA certificate');
  const key = readPrivateKey((await env.store.credentials.caKeyPem(row.id))!);
  const chain: Cert[] = [];
  let cur = cert;
  const others = all
    .filter((c) => c.id !== row.id)
    .map((c) => readOneCertificate(c.certificatePem, 'CA certificate'));
  while (!isSelfSigned(cur)) {
    const up = others.find((o) => issuedBy(cur, o));
    if (!up)
      fail(
        'CHAIN_INCOMPLETE',
        `the issuer of ${cur.x.subject} is not among the coordinator's CAs: import it (without its key)`,
      );
    if (!isSelfSigned(up)) chain.push(up);
    cur = up;
  }
  return { cert, key, chain, root: cur };
}

/** Issues and imports the credential; returns its id. */
export async function issueFromCa(
  env: RenewalEnv,
  p: Principal,
  caRef: string,
  hosts: string[],
  exchangeAt: Date,
  windowMs: number,
): Promise<string> {
  const ca = await caMaterial(env, caRef);
  const now = new Date(env.clock.now());
  const days = Math.max(90, Math.ceil((exchangeAt.getTime() + windowMs - now.getTime()) / DAY) + 30);
  const unique = [...new Set(hosts)];
  const cred = await issueCredential({
    ca,
    keyType: 'ec-p256',
    hosts: unique.filter((h) => isIP(h) === 0),
    ips: unique.filter((h) => isIP(h) !== 0),
    days,
    now,
  });
  const row = await importCredential(env, p, {
    name: `issued-${cred.chain[0]!.sha256.slice(0, 16)}`,
    chainPem: encodeCertificatesPem(cred.chain.map((c) => c.der)),
    rootPem: encodeCertificatesPem([cred.root.der]),
    keyPem: privateKeyToPem(cred.key.keyObject),
    hosts: unique,
  });
  return row.id;
}
