/**
 * The demo landscape `rollover up` creates on an empty data directory: one load balancer with one
 * virtual server under an "old root", two tenants with different operating models, five senders (the
 * four truststore formats, PEM twice), and a user per role. Pure data: names, hosts, addresses.
 */

/** Host name of the demo virtual server (senders connect by name with SNI, or by 127.0.0.1). */
export const DEMO_HOST = 'shop.rollover.test';

/** One demo sender: its truststore kind and the loopback address it sends from. */
export interface DemoSender {
  name: string;
  tenant: string;
  truststoreKind: 'pem' | 'pkcs12' | 'jks' | 'dir';
  /** The truststore file (or directory) name inside the sender's folder. */
  file: string;
  sourceAddress: string;
  contact: string;
}

/** The tenants: one customer-managed, one provider-managed. */
export const DEMO_TENANTS = [
  { name: 'acme', operatingModel: 'customer-managed', customerOrganisation: 'Acme-Corp' },
  { name: 'globex', operatingModel: 'provider-managed', customerOrganisation: 'Globex' },
] as const;

/**
 * Five senders, each from its own loopback address: one per truststore format, and a fifth (PEM) that
 * proves its readiness only after T ({@link DEMO_LATE_SENDER}).
 */
export const DEMO_SENDERS: DemoSender[] = [
  {
    name: 'acme-billing',
    tenant: 'acme',
    truststoreKind: 'pem',
    file: 'ca-bundle.pem',
    sourceAddress: '127.0.0.2',
    contact: 'ops@acme.test',
  },
  {
    name: 'acme-orders',
    tenant: 'acme',
    truststoreKind: 'pkcs12',
    file: 'truststore.p12',
    sourceAddress: '127.0.0.3',
    contact: 'ops@acme.test',
  },
  {
    name: 'globex-payroll',
    tenant: 'globex',
    truststoreKind: 'jks',
    file: 'truststore.jks',
    sourceAddress: '127.0.0.4',
    contact: 'it@globex.test',
  },
  {
    name: 'globex-ledger',
    tenant: 'globex',
    truststoreKind: 'dir',
    file: 'certs',
    sourceAddress: '127.0.0.5',
    contact: 'it@globex.test',
  },
  {
    name: 'acme-invoices',
    tenant: 'acme',
    truststoreKind: 'pem',
    file: 'ca-bundle.pem',
    sourceAddress: '127.0.0.6',
    contact: 'ops@acme.test',
  },
];

/** The sender whose admin never adds the new root. */
export const DEMO_STRAGGLER = 'globex-ledger';
/** The sender whose admin adds the new root and proves it only after T (not ready at the gate). */
export const DEMO_LATE_SENDER = 'acme-invoices';

/** A demo user and the roles it holds (scopes name tenants or senders of the landscape). */
export interface DemoUser {
  name: string;
  organisation: string;
  roles: Array<{ role: string; scope?: string }>;
}

/** The users `up` signs in for the newcomer, one per role. */
export const DEMO_USERS: DemoUser[] = [
  { name: 'lb-admin', organisation: 'Provider', roles: [{ role: 'lb-admin' }] },
  { name: 'acme-admin', organisation: 'Acme-Corp', roles: [{ role: 'tenant-admin', scope: 'acme' }] },
  { name: 'globex-admin', organisation: 'Provider', roles: [{ role: 'tenant-admin', scope: 'globex' }] },
  {
    name: 'acme-ops',
    organisation: 'Acme-Corp',
    roles: [
      { role: 'sender-admin', scope: 'acme-billing' },
      { role: 'sender-admin', scope: 'acme-orders' },
      { role: 'sender-admin', scope: 'acme-invoices' },
    ],
  },
  {
    name: 'globex-ops',
    organisation: 'Globex',
    roles: [
      { role: 'sender-admin', scope: 'globex-payroll' },
      { role: 'sender-admin', scope: 'globex-ledger' },
    ],
  },
  { name: 'auditor', organisation: 'Provider', roles: [{ role: 'auditor' }] },
];

/** The password of Java truststores in the demo (Java's default). */
export const DEMO_STORE_PASSWORD = 'changeit';
