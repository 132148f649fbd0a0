/** A small landscape for the renewal tests: one LB node, one virtual server, tenants, senders and users. */
import { join } from 'node:path';
import { readControlEndpoint } from '../../src/lb/control-client.js';
import type { LbNode } from '../../src/lb/node.js';
import type { Credential } from '../../src/pki/credential.js';
import { encodeCertificatesPem } from '../../src/pki/formats/pem.js';
import { privateKeyToPem } from '../../src/pki/keys.js';
import { saveCredential } from '../kit/ca.js';
import { oneServerConfig, startBackend, startNode } from '../lb/kit.js';
import type { Coordinator } from './harness.js';

/** Ids and tokens of the landscape. */
export interface Landscape {
  node: LbNode;
  listenPort: number;
  vsId: string;
  newCredId: string;
  oldCredId: string;
  tenants: Array<{ id: string; adminToken: string }>;
  senders: Array<{ id: string; tenantId: string; adminToken: string }>;
}

const pem = (c: { der: Uint8Array }[]) => encodeCertificatesPem(c.map((x) => x.der));

/** Builds the landscape: `tenantCount` tenants with `sendersPerTenant` senders each. */
export async function buildLandscape(
  co: Coordinator,
  dir: string,
  oldCred: Credential,
  newCred: Credential,
  tenantCount = 2,
  sendersPerTenant = 1,
  /** The node's TLS profile and overrides (`tlsProfile`, `ciphers`, `minVersion`). */
  tls?: { tlsProfile?: string; ciphers?: string; minVersion?: string },
): Promise<Landscape> {
  const backend = await startBackend();
  const node = await startNode(
    oneServerConfig({
      stateDir: join(dir, 'lb'),
      credential: await saveCredential(join(dir, 'old'), oldCred),
      backends: [backend.url],
      hosts: ['lb.test', '127.0.0.1'],
      preview: true,
      ...(tls ? { tls } : {}),
    }),
  );
  const rt = node.runtimes.get('web')!;
  const control = await readControlEndpoint(join(dir, 'lb'));
  const lb = await co.call('POST', '/api/v1/lbs', {
    name: 'edge',
    kind: 'builtin',
    nodes: [{ name: 'n1', address: '127.0.0.1:1' }],
  });
  await co.call('POST', `/api/v1/lbs/${lb.id}/nodes/n1/control`, { url: control.url, token: control.token });
  const vs = await co.call('POST', '/api/v1/virtual-servers', {
    name: 'web',
    lb: lb.id,
    hosts: ['lb.test', '127.0.0.1'],
    listen: `127.0.0.1:${rt.listenAddress!.port}`,
    backends: [backend.url.replace('http://', '')],
  });
  const imp = (name: string, c: Credential) =>
    co.call('POST', '/api/v1/credentials', {
      name,
      chainPem: pem(c.chain),
      rootPem: pem([c.root]),
      keyPem: privateKeyToPem(c.key.keyObject),
    });
  const oldRow = await imp('old', oldCred);
  const newRow = await imp('new', newCred);
  await co.store.update('virtual_servers', vs.id, {
    active_credential_id: oldRow.id,
    preview_listen: `127.0.0.1:${rt.previewAddress!.port}`,
  });
  const tenants = [];
  const senders = [];
  for (let t = 0; t < tenantCount; t++) {
    const tenant = await co.call('POST', '/api/v1/tenants', {
      name: `tenant${t}`,
      virtualServer: vs.id,
      operatingModel: 'customer-managed',
      customerOrganisation: `Org${t}`,
    });
    const admin = await co.call('POST', '/api/v1/users', {
      name: `tadmin${t}`,
      email: `admin@t${t}.test`,
      organisation: `Org${t}`,
      roles: [{ role: 'tenant-admin', scope: tenant.id }],
    });
    const adminToken = (
      await co.call('POST', '/api/v1/tokens', { name: 't', user: admin.id, expiresIn: '1d' })
    ).token as string;
    tenants.push({ id: tenant.id as string, adminToken });
    for (let s = 0; s < sendersPerTenant; s++) {
      const sender = await co.call('POST', '/api/v1/senders', {
        tenant: tenant.id,
        name: `s${t}-${s}`,
        contacts: [`ops@s${t}-${s}.test`],
        truststoreKind: 'pem',
        sourceAddresses: [`127.0.${t}.${s + 10}`],
      });
      const sa = await co.call('POST', '/api/v1/users', {
        name: `sadmin${t}-${s}`,
        organisation: `Org${t}`,
        roles: [{ role: 'sender-admin', scope: sender.id }],
      });
      const saToken = (await co.call('POST', '/api/v1/tokens', { name: 't', user: sa.id, expiresIn: '1d' }))
        .token as string;
      senders.push({ id: sender.id as string, tenantId: tenant.id as string, adminToken: saToken });
    }
  }
  return {
    node,
    listenPort: rt.listenAddress!.port,
    vsId: vs.id,
    newCredId: newRow.id,
    oldCredId: oldRow.id,
    tenants,
    senders,
  };
}
