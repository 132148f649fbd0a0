import { createPublicKey } from 'node:crypto';
import { dirname, join } from 'node:path';
import type { Command } from 'commander';
import { readFileChecked, readFileIfExists } from '../../files/atomic.js';
import { type Cert, readCertificates, readOneCertificate } from '../../pki/certificate.js';
import { bridgeIn } from '../../pki/cross-sign.js';
import { readCsr } from '../../pki/csr.js';
import { decodePem, looksLikePem } from '../../pki/formats/pem.js';
import { type CertificateDescription, chainOrder, describeCertificate } from '../../pki/inspect.js';
import { keyInfo } from '../../pki/keys.js';
import type { CliContext } from '../context.js';
import { addPasswordOptions } from '../options.js';
import { printJson } from '../output.js';
import { passwordFrom } from '../secrets.js';
import type { Runner } from '../types.js';
import { inspectKeystore, type KeystoreKey, looksLikeKeystore } from './inspect-keystore.js';

/** What `cert inspect --json` prints. */
export interface InspectReport {
  file: string;
  format: string;
  certificates: CertificateDescription[];
  chain?: { ordered: boolean; reason: string };
  /** The chain's last certificate when it is a bridge standing for the root (from --root or ca.crt beside the file). */
  bridge?: { index: number; root: string; issuer: string; notAfter: string };
  /** Private keys in a PKCS#12 or JKS store. */
  keys?: KeystoreKey[];
  /** False when a JKS was read without its password, so its integrity was not checked. */
  verified?: boolean;
  csr?: {
    subject: string;
    sans: string[];
    key: { algorithm: string; size: number; curve?: string };
    signatureValid: true;
  };
}

function printDescription(ctx: CliContext, d: CertificateDescription, index: number): void {
  ctx.out(`[${index + 1}] ${d.role}${d.alias ? ` (alias ${d.alias})` : ''}\n`);
  ctx.out(`    subject     ${d.subject}\n    issuer      ${d.issuer}\n`);
  if (d.sans.length) ctx.out(`    sans        ${d.sans.join(', ')}\n`);
  ctx.out(`    valid       ${d.notBefore} → ${d.notAfter}\n`);
  ctx.out(`    key         ${d.key.algorithm.toUpperCase()} ${d.key.curve ?? d.key.size}\n`);
  ctx.out(`    signature   ${d.signatureAlgorithm}\n    CA          ${d.isCA ? 'yes' : 'no'}\n`);
  ctx.out(`    sha256      ${d.sha256}\n    sha1        ${d.sha1}\n`);
}

/** `rollover cert inspect FILE`: any certificate, chain, CSR, PKCS#12 or JKS. */
export function registerCertInspect(cert: Command, ctx: CliContext, run: Runner): void {
  addPasswordOptions(
    cert
      .command('inspect')
      .argument('<file>', 'PEM or DER certificate or chain, CSR, PKCS#12 or JKS')
      .description('show subject, issuer, SANs, validity, key, fingerprints, CA flag and chain order'),
  )
    .option('--json', 'print as JSON')
    .option('--root <file>', 'the root a bridge would stand for (default: ca.crt beside FILE, if any)')
    .action(
      run(
        async (
          file: string,
          o: { json?: boolean; root?: string; password?: string; passwordFile?: string },
        ) => {
          const data = await readFileChecked(file);
          let report: InspectReport;
          const text = looksLikePem(data) ? data.toString('latin1') : '';
          if (text && decodePem(text).some((b) => b.label.includes('CERTIFICATE REQUEST'))) {
            const csr = await readCsr(text);
            const info = keyInfo(
              createPublicKey({ key: Buffer.from(csr.publicKey.rawData), format: 'der', type: 'spki' }),
            );
            const san = csr.getExtension('2.5.29.17') as unknown as {
              names?: { items: Array<{ value: string }> };
            } | null;
            report = {
              file,
              format: 'pkcs10',
              certificates: [],
              csr: {
                subject: csr.subject,
                sans: san?.names?.items.map((n) => n.value) ?? [],
                key: {
                  algorithm: info.algorithm,
                  size: info.size,
                  ...(info.curve ? { curve: info.curve } : {}),
                },
                signatureValid: true,
              },
            };
          } else if (looksLikeKeystore(data)) {
            report = { file, ...(await inspectKeystore(data, await passwordFrom(o))) };
          } else {
            const certs = readCertificates(data);
            const bridge = bridgeFor(certs, await rootFor(file, o.root));
            report = {
              file,
              format: text ? 'pem' : 'der',
              certificates: certs.map(describeCertificate),
              chain: chainOrder(certs),
              ...(bridge ? { bridge } : {}),
            };
          }
          if (o.json) printJson(ctx, report);
          else {
            ctx.out(`${file}: ${report.format}\n`);
            if (report.csr)
              ctx.out(
                `  CSR for ${report.csr.subject}; SANs ${report.csr.sans.join(', ')}; signature valid\n`,
              );
            for (const [i, d] of report.certificates.entries()) printDescription(ctx, d, i);
            if (report.bridge)
              ctx.out(
                `[${report.bridge.index + 1}] is a bridge: it stands for the root ${report.bridge.root}, issued by ${report.bridge.issuer}, until ${report.bridge.notAfter}\n`,
              );
            for (const k of report.keys ?? [])
              ctx.out(
                `private key (alias ${k.alias}) ${k.algorithm ? `${k.algorithm.toUpperCase()} ${k.curve ?? k.size}` : 'sealed'}\n`,
              );
            if (report.verified === false)
              ctx.out("note: read without --password, so the store's integrity was not checked\n");
            if (report.chain && report.certificates.length > 1)
              ctx.out(`chain order: ${report.chain.reason}\n`);
          }
          return 0;
        },
      ),
    );
}

/** The root to name a bridge against: --root, else a credential directory's ca.crt beside the file. */
async function rootFor(file: string, root: string | undefined): Promise<Cert | undefined> {
  if (root) return readOneCertificate(await readFileChecked(root), 'root certificate');
  // A ca.crt that happens to sit beside the file is only a hint: unreadable, it names no bridge.
  try {
    const data = await readFileIfExists(join(dirname(file), 'ca.crt'));
    const certs = data ? readCertificates(data) : [];
    return certs.length === 1 ? certs[0] : undefined;
  } catch {
    return undefined;
  }
}

function bridgeFor(certs: Cert[], root: Cert | undefined): InspectReport['bridge'] {
  const bridge = root ? bridgeIn(certs, root) : undefined;
  if (!bridge || !root) return undefined;
  return {
    index: certs.length - 1,
    root: `${root.x.subject} (${root.sha256})`,
    issuer: bridge.x.issuer,
    notAfter: bridge.notAfter.toISOString(),
  };
}
