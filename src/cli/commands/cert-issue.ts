import type { Command } from 'commander';
import { readFileChecked } from '../../files/atomic.js';
import { readCaDir } from '../../files/ca-dir.js';
import { writeCredentialDir } from '../../files/credential-dir.js';
import { readOneCertificate } from '../../pki/certificate.js';
import { checkCredential } from '../../pki/checks.js';
import { issueCredential } from '../../pki/credential.js';
import { assertBridgeFor } from '../../pki/cross-sign.js';
import { describeCertificate } from '../../pki/inspect.js';
import { parseKeyType } from '../../pki/keys.js';
import { fail } from '../../shared/errors.js';
import type { CliContext } from '../context.js';
import { addPassphraseOption, collect, keyTypeOption, positiveInt } from '../options.js';
import { printJson } from '../output.js';
import { passphraseFrom, requirePassphrase } from '../secrets.js';
import type { Runner } from '../types.js';

/** `rollover cert issue`: a new key and server certificate under a CA directory. */
export function registerCertIssue(cert: Command, ctx: CliContext, run: Runner): void {
  addPassphraseOption(
    cert
      .command('issue')
      .description('issue a server credential (tls.key, tls.crt, ca.crt) from a CA directory')
      .requiredOption('--ca <dir>', 'CA directory (ca.crt, ca.key)')
      .option('--host <name>', 'DNS name for the SAN (repeatable)', collect, [])
      .option('--ip <addr>', 'IP address for the SAN (repeatable)', collect, [])
      .requiredOption('--days <n>', 'validity in days', positiveInt)
      .addOption(keyTypeOption())
      .requiredOption('--out <dir>', 'credential directory to write')
      .option('--encrypt', 'encrypt tls.key with the passphrase (data planes need it unencrypted)')
      .option('--crl-url <url>', 'CRL distribution point to put into the certificate')
      .option(
        '--ocsp-url <url>',
        'OCSP responder URL (authority information access) to put into the certificate',
      )
      .option('--bridge <file>', "a bridge from `ca cross-sign` for this CA's root, served after the chain")
      .option('--force', 'replace a credential already in --out')
      .option('--json', 'print the result as JSON'),
  ).action(
    run(async (o: IssueOptions) => {
      if (o.host.length + o.ip.length === 0)
        fail('BAD_ARGUMENT', 'give at least one --host NAME or --ip ADDR');
      const ca = await readCaDir(o.ca, await passphraseFrom(ctx, o));
      const now = ctx.now();
      const bridge = o.bridge
        ? readOneCertificate(await readFileChecked(o.bridge), 'bridge certificate')
        : undefined;
      if (bridge) assertBridgeFor(bridge, ca.root, now);
      const cred = await issueCredential({
        ca,
        keyType: parseKeyType(o.keyType),
        hosts: o.host,
        ips: o.ip,
        days: o.days,
        now,
        revocation: { crlUrl: o.crlUrl, ocspUrl: o.ocspUrl },
      });
      // Served last: clients trusting the bridge's issuer go through it, the others stop at their anchor.
      if (bridge) cred.chain.push(bridge);
      // An issued credential passes every check by construction; verify anyway before writing.
      const report = checkCredential({
        key: cred.key,
        chain: cred.chain,
        root: cred.root,
        hosts: [...o.host, ...o.ip],
        validAt: now,
      });
      const bad = report.checks.find((c) => !c.ok);
      if (bad)
        fail(bad.code, `the issued credential failed "${bad.name}": ${bad.reason}`, {
          checks: report.checks,
        });
      const passphrase = o.encrypt ? await requirePassphrase(ctx, o, 'tls.key') : undefined;
      const files = await writeCredentialDir(o.out, cred, {
        force: o.force ?? false,
        ...(passphrase ? { passphrase } : {}),
      });
      const d = describeCertificate(cred.chain[0]!);
      if (o.json)
        printJson(ctx, {
          out: o.out,
          files,
          certificate: d,
          rootSha256: cred.root.sha256,
          ...(bridge
            ? {
                bridge: {
                  sha256: bridge.sha256,
                  issuer: bridge.x.issuer,
                  notAfter: bridge.notAfter.toISOString(),
                },
              }
            : {}),
        });
      else {
        ctx.out(`credential written to ${o.out} (tls.key, tls.crt, ca.crt)\n`);
        ctx.out(`  subject  ${d.subject}\n  sans     ${d.sans.join(', ')}\n  sha256   ${d.sha256}\n`);
        ctx.out(`  valid    ${d.notBefore} → ${d.notAfter}\n  root     ${cred.root.sha256}\n`);
        if (bridge)
          ctx.out(
            `  bridge   to ${bridge.node.issuer.replace(/\n/g, ', ')} until ${bridge.notAfter.toISOString()}\n`,
          );
      }
      return 0;
    }),
  );
}

interface IssueOptions {
  crlUrl?: string;
  ocspUrl?: string;
  ca: string;
  host: string[];
  ip: string[];
  days: number;
  keyType: string;
  out: string;
  encrypt?: boolean;
  bridge?: string;
  force?: boolean;
  json?: boolean;
  passphraseFile?: string;
}
