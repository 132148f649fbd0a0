import type { Command } from 'commander';
import { readFileChecked } from '../../files/atomic.js';
import { writeFileSet } from '../../files/file-set.js';
import { readOneCertificate } from '../../pki/certificate.js';
import { buildKit, DEFAULT_STORE_PASSWORD, KIT_FILES } from '../../pki/kit.js';
import type { CliContext } from '../context.js';
import { addPasswordOptions } from '../options.js';
import { printJson } from '../output.js';
import { passwordFrom } from '../secrets.js';
import type { Runner } from '../types.js';

interface KitOptions {
  root: string;
  oldRoot?: string;
  password?: string;
  passwordFile?: string;
  out: string;
  force?: boolean;
  json?: boolean;
}

/** `rollover kit`: the sender kit (root in PEM, DER, PKCS#7, PKCS#12, JKS, fingerprints, instructions). */
export function registerKit(program: Command, ctx: CliContext, run: Runner): void {
  addPasswordOptions(
    program
      .command('kit')
      .description(
        'write the sender kit: the new root in every format senders use, fingerprints, instructions',
      )
      .requiredOption('--root <file>', 'the new root CA certificate (PEM or DER)')
      .option('--old-root <file>', 'the root in use today; the stores then hold both'),
    `store password of truststore.p12 and truststore.jks (default ${DEFAULT_STORE_PASSWORD})`,
  )
    .requiredOption('--out <dir>', 'directory to write the kit into')
    .option('--force', 'replace a kit already in --out')
    .option('--json', 'print the result as JSON')
    .action(
      run(async (o: KitOptions) => {
        const root = readOneCertificate(await readFileChecked(o.root), 'root certificate in --root');
        const oldRoot = o.oldRoot
          ? readOneCertificate(await readFileChecked(o.oldRoot), 'root certificate in --old-root')
          : undefined;
        const password = (await passwordFrom(o, DEFAULT_STORE_PASSWORD)) as string;
        const kit = await buildKit({ root, ...(oldRoot ? { oldRoot } : {}), password, now: ctx.now() });
        const files = Object.fromEntries(
          Object.entries(kit.files).map(([name, data]) => [name, { data, mode: 0o644 }]),
        );
        const paths = await writeFileSet(o.out, files, { force: o.force ?? false, guard: [...KIT_FILES] });
        const result = {
          out: o.out,
          files: paths,
          root: { subject: root.x.subject, sha256: root.sha256, alias: kit.aliases.root },
          ...(oldRoot
            ? { oldRoot: { subject: oldRoot.x.subject, sha256: oldRoot.sha256, alias: kit.aliases.oldRoot } }
            : {}),
        };
        if (o.json) printJson(ctx, result);
        else {
          ctx.out(`sender kit written to ${o.out}: ${KIT_FILES.join(', ')}\n`);
          ctx.out(`  new root  ${root.sha256} (alias ${kit.aliases.root})\n`);
          if (oldRoot)
            ctx.out(`  old root  ${oldRoot.sha256} (alias ${kit.aliases.oldRoot}), kept until its removal\n`);
        }
        return 0;
      }),
    );
}
