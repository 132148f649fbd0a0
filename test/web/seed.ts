/**
 * Seeds a coordinator for the UI tests through its API: a load balancer with one node, a virtual
 * server whose active credential chains to an old root, a customer-managed tenant with two senders,
 * and one password user per role.
 */
import type { CaMaterial } from '../../src/pki/authority.js';
import type { Credential } from '../../src/pki/credential.js';
import { encodeCertificatesPem } from '../../src/pki/formats/pem.js';
import { privateKeyToPem } from '../../src/pki/keys.js';
import { mintCredential, mintRoot } from '../kit/ca.js';
import type { Coordinator } from './browser.js';

/** The password every seeded user has (long enough for the policy). */
export const PASSWORD = 'correct horse battery staple';

/** What was seeded. */
export interface Seeded {
  lbId: string;
  vsId: string;
  tenantId: string;
  senderIds: string[];
  oldRoot: CaMaterial;
  newRoot: CaMaterial;
  oldCredentialId: string;
  newCredentialId: string;
  /** SHA-256 of the new credential's leaf. */
  newCredentialSha256: string;
  /** The old credential itself, for a data-plane node to serve. */
  oldCredential: Credential;
  users: { lb: string; tenant: string; sender: string; auditor: string };
}

/**
 * Seeds everything; `hosts` are the virtual server's host names. With `nodes: false` the load
 * balancer has no data-plane node, so staging and verification have nothing to wait for.
 */
export async function seed(
  c: Coordinator,
  hosts = ['api.shop.test'],
  o: { nodes?: boolean } = {},
): Promise<Seeded> {
  const [oldRoot, newRoot] = await Promise.all([mintRoot('Old Root'), mintRoot('New Root')]);
  const [oldCred, newCred] = await Promise.all([
    mintCredential(oldRoot, hosts),
    mintCredential(newRoot, hosts),
  ]);
  const lb = await c.api('POST', '/lbs', {
    name: 'edge',
    kind: 'builtin',
    ...(o.nodes === false ? {} : { nodes: [{ name: 'edge-1', address: '127.0.0.1:9' }] }),
  });
  const vs = await c.api('POST', '/virtual-servers', {
    name: 'shop-api',
    lb: lb.id,
    hosts,
    listen: '127.0.0.1:8443',
    backends: ['127.0.0.1:8080'],
    previewListen: '127.0.0.1:9443',
  });
  const importCred = (name: string, cred: Credential) =>
    c.api('POST', '/credentials', {
      name,
      chainPem: encodeCertificatesPem(cred.chain.map((x) => x.der)),
      keyPem: privateKeyToPem(cred.key.keyObject),
      rootPem: encodeCertificatesPem([cred.root.der]),
    });
  const oc = await importCred('shop-api-2026', oldCred);
  const nc = await importCred('shop-api-2027', newCred);
  // The credential the virtual server serves before any renewal (a coordinator without the route
  // leaves it unset; the inventory page then shows none).
  await c.raw('POST', `/virtual-servers/${vs.id}/credential`, { credentialId: oc.id });
  const tenant = await c.api('POST', '/tenants', {
    name: 'Shop',
    virtualServer: vs.id,
    operatingModel: 'customer-managed',
    customerOrganisation: 'Acme',
  });
  const s1 = await c.api('POST', '/senders', {
    name: 'billing',
    tenant: tenant.id,
    contacts: ['billing-ops@acme.test'],
    truststoreKind: 'jks',
  });
  const s2 = await c.api('POST', '/senders', {
    name: 'warehouse',
    tenant: tenant.id,
    contacts: ['wh@acme.test'],
    truststoreKind: 'pem',
  });
  const user = (name: string, organisation: string, role: string, scope?: string) =>
    c.api('POST', '/users', {
      name,
      organisation,
      password: PASSWORD,
      roles: [{ role, ...(scope ? { scope } : {}) }],
    });
  await user('alice', 'Provider', 'lb-admin');
  await user('tom', 'Acme', 'tenant-admin', tenant.id);
  await user('sam', 'Acme', 'sender-admin', s1.id);
  await user('audrey', 'Provider', 'auditor');
  return {
    lbId: lb.id,
    vsId: vs.id,
    tenantId: tenant.id,
    senderIds: [s1.id, s2.id],
    oldRoot,
    newRoot,
    oldCredentialId: oc.id,
    newCredentialId: nc.id,
    newCredentialSha256: nc.fingerprint,
    oldCredential: oldCred,
    users: { lb: 'alice', tenant: 'tom', sender: 'sam', auditor: 'audrey' },
  };
}
