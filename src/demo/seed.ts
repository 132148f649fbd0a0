/**
 * Creates the demo landscape through the API, as an LB admin would: the old root and the credential
 * the virtual server serves today, the load balancer, virtual server, tenants, senders with their
 * truststores on disk, and a user per role with a sign-in token. Writes DATA_DIR/demo/landscape.json;
 * a data directory that has one is reused as it is.
 */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import type { ApiClient } from '../cli/client.js';
import { writeFileAtomic } from '../files/atomic.js';
import { writeCaDir } from '../files/ca-dir.js';
import { writeCredentialDir } from '../files/credential-dir.js';
import { createCa } from '../pki/authority.js';
import { issueCredential } from '../pki/credential.js';
import { encodeCertificatesPem } from '../pki/formats/pem.js';
import { privateKeyToPem } from '../pki/keys.js';
import { certFacts } from '../truststore/anchor.js';
import { addToTruststore } from '../truststore/operations.js';
import { DEMO_HOST, DEMO_SENDERS, DEMO_STORE_PASSWORD, DEMO_TENANTS, DEMO_USERS } from './landscape.js';

/** What `up` and `demo` need to know about the landscape, kept in DATA_DIR/demo/landscape.json. */
export interface Landscape {
  version: 1;
  createdAt: string;
  lb: { id: string; name: string; node: string };
  virtualServer: { id: string; name: string; hosts: string[]; listen: string; preview: string };
  backend: string;
  oldRoot: { sha256: string; caDir: string };
  credentialDir: string;
  credentialId: string;
  tenants: Array<{ id: string; name: string; operatingModel: string }>;
  senders: Array<{
    id: string;
    name: string;
    tenant: string;
    kind: string;
    truststore: string;
    sourceAddress: string;
  }>;
  users: Array<{ name: string; roles: string[]; tokenFile: string }>;
}

/** The landscape file in a data directory. */
export function landscapePath(dataDir: string): string {
  return join(dataDir, 'demo', 'landscape.json');
}

/** Reads the landscape, or undefined when the data directory has none yet. */
export async function readLandscape(dataDir: string): Promise<Landscape | undefined> {
  try {
    return JSON.parse(await fs.readFile(landscapePath(dataDir), 'utf8')) as Landscape;
  } catch {
    return undefined;
  }
}

/** Creates the landscape; `api` is an lb-admin client of the running coordinator. */
export async function seedLandscape(p: {
  api: ApiClient;
  dataDir: string;
  lbListen: string;
  previewListen: string;
  backendUrl: string;
  now: Date;
}): Promise<Landscape> {
  const demo = join(p.dataDir, 'demo');
  await fs.mkdir(demo, { recursive: true, mode: 0o700 });
  // The demo's own CA passphrase, kept beside it (0600): a demo, not a production CA.
  const passphrase = randomBytes(18).toString('base64url');
  await writeFileAtomic(join(demo, 'ca-passphrase'), `${passphrase}\n`, { mode: 0o600 });

  const oldRoot = await createCa({
    subject: 'CN=Demo Old Root 2024,O=Demo Provider',
    keyType: 'ec-p384',
    days: 3650,
    now: p.now,
  });
  const caDir = join(demo, 'old-root');
  await writeCaDir(caDir, oldRoot, passphrase, { force: true });
  const cred = await issueCredential({
    ca: oldRoot,
    keyType: 'ec-p256',
    hosts: [DEMO_HOST],
    ips: ['127.0.0.1'],
    days: 60,
    now: p.now,
  });
  const credentialDir = join(demo, 'lb-credential');
  await writeCredentialDir(credentialDir, cred, { force: true });

  const api = p.api;
  await api.request('POST', '/api/v1/cas', {
    name: 'demo-old-root',
    certificatePem: encodeCertificatesPem([oldRoot.cert.der]),
  });
  const credential = await api.request<{ id: string }>('POST', '/api/v1/credentials', {
    name: 'shop-old',
    chainPem: encodeCertificatesPem(cred.chain.map((c) => c.der)),
    keyPem: privateKeyToPem(cred.key.keyObject),
    rootPem: encodeCertificatesPem([oldRoot.cert.der]),
  });
  const lb = await api.request<{ id: string }>('POST', '/api/v1/lbs', {
    name: 'demo-lb',
    kind: 'builtin',
    nodes: [{ name: 'node-1', address: p.lbListen }],
  });
  const hosts = [DEMO_HOST, '127.0.0.1'];
  const vs = await api.request<{ id: string }>('POST', '/api/v1/virtual-servers', {
    name: 'shop',
    lb: lb.id,
    hosts,
    listen: p.lbListen,
    backends: [p.backendUrl],
    previewListen: p.previewListen,
  });
  await api.request('POST', `/api/v1/virtual-servers/${vs.id}/credential`, { credentialId: credential.id });

  const tenants: Landscape['tenants'] = [];
  for (const t of DEMO_TENANTS) {
    const row = await api.request<{ id: string }>('POST', '/api/v1/tenants', {
      name: t.name,
      virtualServer: vs.id,
      operatingModel: t.operatingModel,
      customerOrganisation: t.customerOrganisation,
    });
    tenants.push({ id: row.id, name: t.name, operatingModel: t.operatingModel });
  }

  const oldRootFacts = certFacts(oldRoot.cert.der);
  const senders: Landscape['senders'] = [];
  for (const s of DEMO_SENDERS) {
    const tenant = tenants.find((t) => t.name === s.tenant)!;
    const row = await api.request<{ id: string }>('POST', '/api/v1/senders', {
      tenant: tenant.id,
      name: s.name,
      contacts: [s.contact],
      truststoreKind: s.truststoreKind,
      sourceAddresses: [s.sourceAddress],
    });
    const folder = join(demo, 'senders', s.name);
    await fs.mkdir(folder, { recursive: true });
    const truststore = join(folder, s.file);
    if (s.truststoreKind === 'dir') await fs.mkdir(truststore, { recursive: true });
    await addToTruststore(
      {
        path: truststore,
        type: s.truststoreKind,
        ...(s.truststoreKind === 'pkcs12' || s.truststoreKind === 'jks'
          ? { password: DEMO_STORE_PASSWORD }
          : {}),
      },
      oldRootFacts,
      { now: p.now },
    );
    senders.push({
      id: row.id,
      name: s.name,
      tenant: s.tenant,
      kind: s.truststoreKind,
      truststore,
      sourceAddress: s.sourceAddress,
    });
  }

  const scopeId = (name: string) =>
    tenants.find((t) => t.name === name)?.id ?? senders.find((x) => x.name === name)?.id ?? name;
  const users: Landscape['users'] = [];
  await fs.mkdir(join(demo, 'tokens'), { recursive: true, mode: 0o700 });
  for (const u of DEMO_USERS) {
    const roles = u.roles.map((r) => ({ role: r.role, ...(r.scope ? { scope: scopeId(r.scope) } : {}) }));
    const user = await api.request<{ id: string }>('POST', '/api/v1/users', {
      name: u.name,
      organisation: u.organisation,
      roles,
    });
    const token = await api.request<{ token: string }>('POST', '/api/v1/tokens', {
      name: `${u.name} demo sign-in`,
      expiresIn: '30d',
      user: user.id,
    });
    const tokenFile = join(demo, 'tokens', `${u.name}.token`);
    await writeFileAtomic(tokenFile, token.token, { mode: 0o600 });
    users.push({ name: u.name, roles: u.roles.map((r) => r.role), tokenFile });
  }

  const landscape: Landscape = {
    version: 1,
    createdAt: p.now.toISOString(),
    lb: { id: lb.id, name: 'demo-lb', node: 'node-1' },
    virtualServer: { id: vs.id, name: 'shop', hosts, listen: p.lbListen, preview: p.previewListen },
    backend: p.backendUrl,
    oldRoot: { sha256: oldRoot.cert.sha256, caDir },
    credentialDir,
    credentialId: credential.id,
    tenants,
    senders,
    users,
  };
  await writeFileAtomic(landscapePath(p.dataDir), `${JSON.stringify(landscape, null, 2)}\n`, { mode: 0o600 });
  return landscape;
}
