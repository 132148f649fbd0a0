import type { Command } from 'commander';
import type { JWK } from 'jose';
import { readFileChecked } from '../../files/atomic.js';
import { verifyAnnouncement } from '../../notice/jws.js';
import { readOneCertificate } from '../../pki/certificate.js';
import { fail } from '../../shared/errors.js';
import type { CliContext } from '../context.js';
import { printJson } from '../output.js';
import type { Runner } from '../types.js';

/** Reads a file, or fetches an http(s) URL, as text. */
async function readSource(source: string): Promise<string> {
  if (/^https?:\/\//i.test(source)) {
    let res: Response;
    try {
      res = await fetch(source, { signal: AbortSignal.timeout(10_000) });
    } catch (e) {
      return fail('CONNECT_FAILED', `${source} did not answer: ${(e as Error).message}`);
    }
    if (!res.ok) fail('CONNECT_FAILED', `${source} answered HTTP ${res.status}`);
    return res.text();
  }
  return (await readFileChecked(source)).toString('utf8');
}

/** The JWK from a JWK or JWKS document (the one whose kid the notice names, or the only one). */
function pickKey(text: string, source: string): JWK {
  let doc: JWK & { keys?: JWK[] };
  try {
    doc = JSON.parse(text);
  } catch {
    return fail('BAD_ARGUMENT', `${source} is not a JWK or JWKS JSON document`);
  }
  const keys = doc.keys ?? [doc];
  if (keys.length !== 1 || !keys[0]?.kty) fail('BAD_ARGUMENT', `${source} must hold exactly one key`);
  return keys[0]!;
}

/** `rollover notice verify`: tell a real root announcement from a phishing mail. */
export function registerNotice(program: Command, ctx: CliContext, run: Runner): void {
  const notice = program.command('notice').description('signed root announcements');
  notice
    .command('verify')
    .argument('<notice>', 'the signed announcement (.jws file or its URL)')
    .description(
      'verify an announcement’s signature and, with --root, that the root you received is the one it names',
    )
    .option(
      '--key <file-or-url>',
      'the coordinator’s announcement key (JWK or JWKS; default: <notice origin>/.well-known/rollover-jwks.json)',
    )
    .option('--thumbprint <t>', 'the key thumbprint you were given out of band (pins the key)')
    .option('--root <file>', 'the root certificate you received: must be the announced new root')
    .option('--json', 'print the verified announcement as JSON')
    .action(
      run(async (source: string, o: { key?: string; thumbprint?: string; root?: string; json?: boolean }) => {
        const jws = await readSource(source);
        const keySource =
          o.key ??
          (/^https?:/i.test(source) ? new URL('/.well-known/rollover-jwks.json', source).href : undefined);
        if (!keySource)
          fail(
            'BAD_ARGUMENT',
            'give the coordinator’s key with --key FILE-or-URL (and pin it with --thumbprint)',
          );
        const jwk = pickKey(await readSource(keySource), keySource);
        const { announcement: a, kid } = await verifyAnnouncement(jws, jwk, o.thumbprint);
        let rootOk: boolean | undefined;
        if (o.root) {
          const root = readOneCertificate(await readFileChecked(o.root), 'root certificate');
          rootOk = root.sha256 === a.newRootSha256;
          if (!rootOk) {
            fail(
              'ROOT_MISMATCH',
              `${o.root} has SHA-256 ${root.sha256}, but the announcement names ${a.newRootSha256}: do not install it`,
            );
          }
        }
        if (o.json)
          printJson(ctx, {
            valid: true,
            keyThumbprint: kid,
            pinned: Boolean(o.thumbprint),
            rootMatches: rootOk,
            announcement: a,
          });
        else {
          ctx.out(
            `✓ signature valid (coordinator key ${kid}${o.thumbprint ? ', pinned' : ' — compare it with the one you were given'})\n`,
          );
          ctx.out(
            `  exchange at (T)     ${a.exchangeAt}\n  old root removable  ${a.safeRemovalAt} (once the exchange is verified)\n`,
          );
          ctx.out(`  new root SHA-256    ${a.newRootSha256}\n`);
          if (a.oldRootSha256) ctx.out(`  old root SHA-256    ${a.oldRootSha256}\n`);
          for (const vs of a.virtualServers)
            ctx.out(
              `  virtual server      ${vs.hosts.join(', ')}${vs.previewUrl ? ` (preview ${vs.previewUrl})` : ''}\n`,
            );
          if (rootOk) ctx.out(`✓ ${o.root} is the announced new root\n`);
        }
        return 0;
      }),
    );
}
