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
import { newId } from '../store/ids.js';
import type { Row } from '../store/store.js';
import { type CoordinatorEnv, forbidden, notFound, nowText, record } from './env.js';
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

/** What the API shows of a credential: never the key. */
export function credentialView(r: Row<'credentials'>) {
  const chain = readCertificates(r.chain_pem);
  const root = readOneCertificate(r.root_pem, 'root');
  const san = subjectAltNames(chain[0]!);
  return {
    id: r.id,
    name: r.name,
    fingerprint: r.fingerprint,
    rootFingerprint: root.sha256,
    hosts: [...san.dns, ...san.ip],
    notAfter: r.not_after,
    createdAt: r.created_at,
  };
}

/** Imports a credential after the ARCHITECTURE §5 checks; nothing is stored when one fails. */
export async function importCredential(env: CoordinatorEnv, p: Principal, input: CredentialInput) {
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
  const id = newId('cred');
  return env.store.transaction(async (tx) => {
    const row = await tx.insert('credentials', {
      id,
      name: input.name,
      chain_pem: encodeCertificatesPem(chain.map((c) => c.der)),
      root_pem: encodeCertificatesPem([root.der]),
      key_sealed: tx.sealKey('credentials', id, privateKeyToPem(key.keyObject)),
      fingerprint: chain[0]!.sha256,
      not_after: chain[0]!.notAfter.toISOString(),
      created_at: nowText(env),
    });
    await record(tx, env, p, 'credential.import', 'credential', id, {
      name: input.name,
      fingerprint: row.fingerprint,
      rootFingerprint: root.sha256,
      notAfter: row.not_after,
    });
    return credentialView(row);
  });
}

/** Every credential (lb-admin, auditor), without keys. */
export async function listCredentials(env: CoordinatorEnv, p: Principal) {
  if (!can(p, 'read', { kind: 'credential' })) forbidden('read credentials');
  return (await env.store.list('credentials')).map(credentialView);
}

/** One credential, without its key. */
export async function showCredential(env: CoordinatorEnv, p: Principal, id: string) {
  if (!can(p, 'read', { kind: 'credential' })) forbidden('read credentials');
  return credentialView((await env.store.get('credentials', id)) ?? notFound('credential', id));
}

/** Issues (or replaces) the token a data-plane node authenticates with; returned once. */
export async function issueNodeToken(env: CoordinatorEnv, p: Principal, lbRef: string, nodeRef: string) {
  if (!can(p, 'update', { kind: 'lb' })) forbidden('issue node tokens');
  const lb = (await env.store.byIdOrName('load_balancers', lbRef)) ?? notFound('load balancer', lbRef);
  const node = await env.store.db
    .selectFrom('lb_nodes')
    .selectAll()
    .where('lb_id', '=', lb.id)
    .where((eb) => eb.or([eb('id', '=', nodeRef), eb('name', '=', nodeRef)]))
    .executeTakeFirst();
  if (!node) notFound('node', nodeRef);
  const secret = newSecret('rln');
  return env.store.transaction(async (tx) => {
    await tx.update('lb_nodes', node.id, { token_hash: hashSecret(secret) });
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
export async function authenticateNode(
  env: CoordinatorEnv,
  bearer: string | undefined,
): Promise<NodeIdentity> {
  const wrong = wrongSecretKind(bearer, 'rln');
  if (wrong || !bearer)
    fail('UNAUTHENTICATED', `this route is for load balancer nodes: send a node token (${wrong})`);
  const node = await env.store.db
    .selectFrom('lb_nodes')
    .selectAll()
    .where('token_hash', '=', hashSecret(bearer))
    .executeTakeFirst();
  if (!node) fail('UNAUTHENTICATED', 'the node token is not valid: issue a new one with the lb-admin');
  return { nodeId: node.id, lbId: node.lb_id, name: node.name };
}

/**
 * A credential with its private key, for a node whose load balancer has a virtual server serving or
 * staging it; any other credential is "not found" for that node.
 */
export async function credentialForNode(env: CoordinatorEnv, node: NodeIdentity, id: string) {
  const uses = await env.store.db
    .selectFrom('virtual_servers')
    .select('id')
    .where('lb_id', '=', node.lbId)
    .where((eb) => eb.or([eb('active_credential_id', '=', id), eb('staged_credential_id', '=', id)]))
    .execute();
  const row = await env.store.get('credentials', id);
  if (!row || uses.length === 0) notFound('credential', id);
  const keyPem = await env.store.privateKeyPem('credentials', id);
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
  return { id: row.id, name: row.name, chainPem: row.chain_pem, rootPem: row.root_pem, keyPem: keyPem! };
}
