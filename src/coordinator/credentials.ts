/**
 * Server credentials in the coordinator: imported (checked before anything is stored), listed without
 * their keys, and handed — key included — only to an authenticated LB node whose load balancer serves
 * or stages the credential.
 */
import { can } from '../access/can.js';
import type { Principal } from '../access/roles.js';
import { readCertificates, readOneCertificate, subjectAltNames } from '../pki/certificate.js';
import { assertCredential } from '../pki/checks.js';
import { encodeCertificatesPem } from '../pki/formats/pem.js';
import { privateKeyToPem, readPrivateKey } from '../pki/keys.js';
import { fail } from '../shared/errors.js';
import { type EnvWith, forbidden, notFound, nowText, record } from './env.js';
import type { Credential } from './ports/credentials.js';
import { hashSecret, newSecret, wrongSecretKind } from './secrets.js';

/** Input of a credential import: PEM texts (the key unencrypted: it is sealed under the master key). */
export interface CredentialInput {
  name: string;
  chainPem: string;
  keyPem: string;
  rootPem: string;
  /** Host names the credential must cover; defaults to the leaf's own names. */
  hosts?: string[] | undefined;
}

/** What the credential use cases need. */
type Env = EnvWith<'credentials' | 'inventory' | 'audit'>;

/** What the API shows of a credential: never the key. */
export function credentialView(r: Credential) {
  const chain = readCertificates(r.chainPem);
  const root = readOneCertificate(r.rootPem, 'root');
  const san = subjectAltNames(chain[0]!);
  return {
    id: r.id,
    name: r.name,
    fingerprint: r.fingerprint,
    rootFingerprint: root.sha256,
    hosts: [...san.dns, ...san.ip],
    notAfter: r.notAfter,
    createdAt: r.createdAt,
  };
}

/** Imports a credential after the ARCHITECTURE §5 checks; nothing is stored when one fails. */
export async function importCredential(env: Env, p: Principal, input: CredentialInput) {
  if (!can(p, 'create', { kind: 'credential' })) forbidden('import credentials');
  const chain = readCertificates(input.chainPem);
  if (chain.length === 0) fail('BAD_CERTIFICATE', 'chainPem holds no certificate');
  const root = readOneCertificate(input.rootPem, 'root');
  const key = readPrivateKey(input.keyPem);
  const san = subjectAltNames(chain[0]!);
  assertCredential({
    key,
    chain,
    root,
    hosts: input.hosts ?? [...san.dns, ...san.ip],
    validAt: new Date(env.clock.now()),
  });
  return env.store.transaction(async (tx) => {
    const row = await tx.credentials.addCredential({
      name: input.name,
      chainPem: encodeCertificatesPem(chain.map((c) => c.der)),
      rootPem: encodeCertificatesPem([root.der]),
      keyPem: privateKeyToPem(key.keyObject),
      fingerprint: chain[0]!.sha256,
      notAfter: chain[0]!.notAfter.toISOString(),
      createdAt: nowText(env),
    });
    await record(tx, env, p, 'credential.import', 'credential', row.id, {
      name: input.name,
      fingerprint: row.fingerprint,
      rootFingerprint: root.sha256,
      notAfter: row.notAfter,
    });
    return credentialView(row);
  });
}

/** Every credential (lb-admin, auditor), without keys. */
export async function listCredentials(env: Env, p: Principal) {
  if (!can(p, 'read', { kind: 'credential' })) forbidden('read credentials');
  return (await env.store.credentials.credentials()).map(credentialView);
}

/** One credential, without its key. */
export async function showCredential(env: Env, p: Principal, id: string) {
  if (!can(p, 'read', { kind: 'credential' })) forbidden('read credentials');
  return credentialView((await env.store.credentials.credential(id)) ?? notFound('credential', id));
}

/** Issues (or replaces) the token a data-plane node authenticates with; returned once. */
export async function issueNodeToken(env: Env, p: Principal, lbRef: string, nodeRef: string) {
  if (!can(p, 'update', { kind: 'lb' })) forbidden('issue node tokens');
  const lb = (await env.store.inventory.loadBalancerByRef(lbRef)) ?? notFound('load balancer', lbRef);
  const node = (await env.store.inventory.nodeByRef(lb.id, nodeRef)) ?? notFound('node', nodeRef);
  const secret = newSecret('rln');
  return env.store.transaction(async (tx) => {
    await tx.inventory.setNodeTokenHash(node.id, hashSecret(secret));
    await record(tx, env, p, 'node.token', 'node', node.id, { lb: lb.id, name: node.name });
    return { nodeId: node.id, lbId: lb.id, token: secret };
  });
}

/** The data-plane node behind a bearer token. */
export interface NodeIdentity {
  nodeId: string;
  lbId: string;
  name: string;
}

/** Authenticates a node token (`rln_…`). */
export async function authenticateNode(env: Env, bearer: string | undefined): Promise<NodeIdentity> {
  const wrong = wrongSecretKind(bearer, 'rln');
  if (wrong || !bearer)
    fail('UNAUTHENTICATED', `this route is for load balancer nodes: send a node token (${wrong})`);
  const node = await env.store.inventory.nodeByTokenHash(hashSecret(bearer));
  if (!node) fail('UNAUTHENTICATED', 'the node token is not valid: issue a new one with the lb-admin');
  return { nodeId: node.id, lbId: node.lbId, name: node.name };
}

/**
 * A credential with its private key, for a node whose load balancer has a virtual server serving or
 * staging it; any other credential is "not found" for that node.
 */
export async function credentialForNode(env: Env, node: NodeIdentity, id: string) {
  const used = await env.store.inventory.lbUsesCredential(node.lbId, id);
  const row = await env.store.credentials.credential(id);
  if (!row || !used) notFound('credential', id);
  const keyPem = await env.store.credentials.credentialKeyPem(id);
  await env.store.audit.append({
    at: nowText(env),
    actor: `node:${node.name}`,
    role: 'lb-node',
    organisation: env.provider,
    action: 'credential.fetch',
    targetKind: 'credential',
    targetId: id,
    change: JSON.stringify({ node: node.nodeId, lb: node.lbId }),
  });
  return { id: row.id, name: row.name, chainPem: row.chainPem, rootPem: row.rootPem, keyPem: keyPem! };
}
