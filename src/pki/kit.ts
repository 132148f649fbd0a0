/**
 * The sender kit: everything a sender administrator needs to trust the new root, in every format
 * their HTTPS client reads. Pure: certificates in, file name → bytes out; the CLI writes the files.
 */
import { fail } from '../shared/errors.js';
import { type Cert, colonFingerprint, isCa } from './certificate.js';
import { encodeJksTruststore } from './formats/jks.js';
import { encodeCertificatesPem } from './formats/pem.js';
import { encodePkcs7 } from './formats/pkcs7.js';
import { encodePkcs12Truststore } from './formats/pkcs12.js';
import { dn } from './inspect.js';

/** The store password Java users expect when none is given. */
export const DEFAULT_STORE_PASSWORD = 'changeit';

/** The files of a sender kit, in the order they are listed. */
export const KIT_FILES = [
  'root.pem',
  'root.cer',
  'root.p7b',
  'truststore.p12',
  'truststore.jks',
  'FINGERPRINTS.txt',
  'INSTRUCTIONS.md',
] as const;

/** Input of {@link buildKit}. */
export interface KitInput {
  /** The new root senders must trust before the exchange. */
  root: Cert;
  /** The root in use today; the stores then hold both, since it stays until its announced removal. */
  oldRoot?: Cert;
  /** Password of truststore.p12 and truststore.jks. */
  password: string;
  /** Creation time written into the JKS entries. */
  now: Date;
  /** The renewal's status JSON, which `truststore remove --renewal-status` checks (when known). */
  statusUrl?: string;
  /** The bridge deadline, when the renewal serves a bridge between the roots after the exchange. */
  bridgeUntil?: Date;
}

/** A built kit: file name → content, and the aliases the stores use. */
export interface Kit {
  files: Record<(typeof KIT_FILES)[number], Uint8Array | string>;
  aliases: { root: string; oldRoot?: string };
}

/** A keytool-safe alias from the root's common name and fingerprint: `example-root-ca-3f2a9c1b`. */
export function rootAlias(cert: Cert): string {
  const cn = /(?:^|, )CN=([^,]+)/.exec(dn(cert.x.subject))?.[1] ?? 'root';
  const slug = cn
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40);
  return `${slug || 'root'}-${cert.sha256.slice(0, 8)}`;
}

function assertRoot(cert: Cert, field: 'root' | 'oldRoot'): void {
  if (!isCa(cert)) {
    fail(
      'NOT_A_CA_CERT',
      `the ${field === 'root' ? 'new root' : 'old root'} is not a CA certificate (${dn(cert.x.subject)}): give the root CA certificate, not a server certificate`,
      { subject: cert.x.subject, sha256: cert.sha256, field },
    );
  }
}

function fingerprints(label: string, c: Cert): string {
  return [
    `${label}`,
    `  subject     ${dn(c.x.subject)}`,
    `  valid       ${c.notBefore.toISOString()} to ${c.notAfter.toISOString()}`,
    `  SHA-256     ${colonFingerprint(c.sha256)}`,
    `  SHA-256     ${c.sha256}`,
    `  SHA-1       ${colonFingerprint(c.sha1)}`,
    `  SHA-1       ${c.sha1}`,
    '',
  ].join('\n');
}

/** Builds the kit. A non-CA root (or old root) is refused with NOT_A_CA_CERT. */
export async function buildKit(input: KitInput): Promise<Kit> {
  assertRoot(input.root, 'root');
  if (input.oldRoot) {
    assertRoot(input.oldRoot, 'oldRoot');
    if (input.oldRoot.sha256 === input.root.sha256) {
      fail(
        'BAD_ARGUMENT',
        'the old root is the same certificate as the new root: give the root in use today',
        {
          field: 'oldRoot',
        },
      );
    }
  }
  const roots = [{ alias: rootAlias(input.root), cert: input.root.der }];
  if (input.oldRoot) roots.push({ alias: rootAlias(input.oldRoot), cert: input.oldRoot.der });
  const aliases = { root: roots[0]!.alias, ...(input.oldRoot ? { oldRoot: roots[1]!.alias } : {}) };
  const fp =
    fingerprints('New root (add this one)', input.root) +
    (input.oldRoot
      ? `\n${fingerprints('Current root (keep it until the announced removal time)', input.oldRoot)}`
      : '');
  return {
    aliases,
    files: {
      'root.pem': encodeCertificatesPem([input.root.der]),
      'root.cer': input.root.der,
      'root.p7b': encodePkcs7([input.root.der]),
      'truststore.p12': await encodePkcs12Truststore(roots, input.password),
      'truststore.jks': encodeJksTruststore(roots, input.password, input.now),
      'FINGERPRINTS.txt': `Compare these with the fingerprints announced to you through another channel.\n\n${fp}`,
      'INSTRUCTIONS.md': instructions(input, aliases),
    },
  };
}

function instructions(input: KitInput, aliases: Kit['aliases']): string {
  const r = input.root;
  const both = input.oldRoot
    ? `truststore.p12 and truststore.jks hold both roots: the new one (alias \`${aliases.root}\`) and the one in use today (alias \`${aliases.oldRoot}\`).`
    : `truststore.p12 and truststore.jks hold the new root (alias \`${aliases.root}\`).`;
  return `# Trust the new server root

The load balancer's server certificate will be renewed under a new CA root at the announced
exchange time. Add the new root to the truststore of every client that calls it **before** that
time. **Keep the current root until the announced removal time**: until then the old certificate
may still be served (before the exchange, or after a rollback). Remove it only when you are told
it is safe.
${
  input.bridgeUntil
    ? `
**Bridge until ${input.bridgeUntil.toISOString()}:** there is nothing extra to do for it — after the
exchange the load balancer also serves a bridge certificate, so a client that still trusts only the
old root keeps working until ${input.bridgeUntil.toISOString()}. That instant, not the exchange time, is
the deadline that matters: a client without the new root fails from then on.
`
    : ''
}
New root: ${dn(r.x.subject)}
SHA-256: ${colonFingerprint(r.sha256)}
Valid until: ${r.notAfter.toISOString()}

Check the fingerprint against the one announced to you (FINGERPRINTS.txt, or
\`openssl x509 -in root.pem -noout -fingerprint -sha256\`) before trusting the file.

Files: \`root.pem\` (PEM), \`root.cer\` (DER), \`root.p7b\` (PKCS#7), \`truststore.p12\` and
\`truststore.jks\` (store password \`${input.password === DEFAULT_STORE_PASSWORD ? DEFAULT_STORE_PASSWORD : 'as given to you'}\`). ${both}

## Debian / Ubuntu (system trust)

    sudo cp root.pem /usr/local/share/ca-certificates/${aliases.root}.crt
    sudo update-ca-certificates

## RHEL / Fedora / CentOS (system trust)

    sudo cp root.pem /etc/pki/ca-trust/source/anchors/${aliases.root}.pem
    sudo update-ca-trust extract

## Java (keytool)

Add the root to the truststore your application uses (JKS or PKCS#12; for the JDK's own
\`cacerts\` use \`-cacerts\` and the password \`changeit\`):

    keytool -importcert -noprompt -alias ${aliases.root} -file root.pem -keystore YOUR-TRUSTSTORE -storepass PASSWORD

Or use the ready-made store:
\`-Djavax.net.ssl.trustStore=truststore.p12 -Djavax.net.ssl.trustStoreType=PKCS12 -Djavax.net.ssl.trustStorePassword=${input.password === DEFAULT_STORE_PASSWORD ? DEFAULT_STORE_PASSWORD : 'PASSWORD'}\`
(\`truststore.jks\` with \`trustStoreType=JKS\`). Check with \`keytool -list -keystore truststore.p12 -storepass PASSWORD\`.

## Node.js

    NODE_EXTRA_CA_CERTS=/path/to/root.pem node app.js

(or pass the PEM as \`ca\` in the TLS options, together with the current root).

## Python (requests, ssl)

Append root.pem to the CA bundle the client uses today (so it holds both roots), then:

    requests.get(url, verify="/path/to/bundle.pem")
    ssl.create_default_context(cafile="/path/to/bundle.pem")

\`REQUESTS_CA_BUNDLE\` / \`SSL_CERT_FILE\` set the same for a whole process.

## curl

    curl --cacert /path/to/bundle.pem https://…   # or add root.pem to the system trust above

## .NET and Windows (certutil)

    certutil -addstore -f Root root.cer          # machine store, as administrator
    certutil -user -addstore Root root.cer       # current user only

.NET on Linux uses the system trust (Debian/RHEL above).

## Afterwards

Verify before the exchange that your client accepts the new certificate (the preview listener
announced to you serves it already):

    rollover sender verify --truststore YOUR-TRUSTSTORE --url https://PREVIEW-LISTENER --servername HOST

Remove the current root only when the renewal says it is safe for your sender, and let the
renewal's status check it (without \`--renewal-status\` no safety check is made):

    rollover truststore remove YOUR-TRUSTSTORE --fingerprint ${input.oldRoot?.sha256 ?? 'CURRENT-ROOT-SHA256'} \\
      --renewal-status ${input.statusUrl ?? 'https://COORDINATOR/api/v1/renewals/RENEWAL-ID/status.json'} --sender YOUR-SENDER-ID
`;
}
