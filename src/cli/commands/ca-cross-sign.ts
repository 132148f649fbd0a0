import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { readFileChecked, writeFileAtomic } from '../../files/atomic.js';
import { CA_FILES, readCaDir } from '../../files/ca-dir.js';
import { colonFingerprint, readOneCertificate } from '../../pki/certificate.js';
import { crossSignRoot } from '../../pki/cross-sign.js';
import { encodeCertificatesPem } from '../../pki/formats/pem.js';
import { fail } from '../../shared/errors.js';
import type { CliContext } from '../context.js';
import { addPassphraseOption, positiveInt } from '../options.js';
import { printJson } from '../output.js';
import { passphraseFrom } from '../secrets.js';
import type { Runner } from '../types.js';

/** `rollover ca cross-sign`: a bridge certificate carrying one root's name and key, issued by another root. */
export function registerCaCrossSign(ca: Command, ctx: CliContext, run: Runner): void {
  addPassphraseOption(
    ca
      .command('cross-sign')
      .description(
        "issue a bridge: the subject root's name and key, signed by the issuing root (--ca OLD --subject-ca NEW: forward; the other way: reverse)",
      )
      .requiredOption('--ca <dir>', 'CA directory of the issuing root (its ca.key signs)')
      .requiredOption(
        '--subject-ca <dir>',
        'CA directory of the root the bridge stands for (only ca.crt is read)',
      )
      .requiredOption('--out <file>', 'file to write the bridge certificate to (PEM)')
      .option('--days <n>', 'validity in days (default: until the earlier root expiry)', positiveInt)
      .option('--force', 'replace --out when it exists')
      .option('--json', 'print the result as JSON'),
  ).action(
    run(async (o: CrossSignOptions) => {
      const out = resolve(ctx.cwd, o.out);
      if (existsSync(out) && !o.force)
        fail('FILE_EXISTS', `${o.out} already exists; give another --out or --force to replace it`);
      const subject = readOneCertificate(
        await readFileChecked(join(resolve(ctx.cwd, o.subjectCa), CA_FILES.cert)),
        'CA certificate in ca.crt',
      );
      const issuer = await readCaDir(resolve(ctx.cwd, o.ca), await passphraseFrom(ctx, o));
      const bridge = await crossSignRoot({
        issuer,
        subject,
        now: ctx.now(),
        ...(o.days !== undefined ? { days: o.days } : {}),
      });
      await writeFileAtomic(out, encodeCertificatesPem([bridge.der]), { mode: 0o644 });
      const facts = {
        out: o.out,
        subject: bridge.x.subject,
        issuer: bridge.x.issuer,
        notAfter: bridge.notAfter.toISOString(),
        sha256: bridge.sha256,
        issuerRootSha256: issuer.cert.sha256,
        subjectRootSha256: subject.sha256,
      };
      if (o.json) printJson(ctx, facts);
      else {
        ctx.out(`bridge written to ${o.out}\n`);
        ctx.out(`  subject       ${facts.subject} (root ${colonFingerprint(subject.sha256)})\n`);
        ctx.out(`  issued by     ${facts.issuer} (root ${colonFingerprint(issuer.cert.sha256)})\n`);
        ctx.out(`  bridge sha256 ${colonFingerprint(bridge.sha256)}\n  expires       ${facts.notAfter}\n`);
      }
      return 0;
    }),
  );
}

interface CrossSignOptions {
  ca: string;
  subjectCa: string;
  out: string;
  days?: number;
  force?: boolean;
  json?: boolean;
  passphraseFile?: string;
}
