import { join } from 'node:path';
import type { Command } from 'commander';
import { readFileChecked } from '../../files/atomic.js';
import { readCredentialDir } from '../../files/credential-dir.js';
import { readOneCertificate } from '../../pki/certificate.js';
import { type CheckResult, checkCredential } from '../../pki/checks.js';
import { bridgeIn } from '../../pki/cross-sign.js';
import { parseDuration } from '../../shared/duration.js';
import { parseInstant } from '../../shared/time.js';
import type { CliContext } from '../context.js';
import { addPassphraseOption, collect } from '../options.js';
import { EXIT, printJson } from '../output.js';
import { passphraseFrom } from '../secrets.js';
import type { Runner } from '../types.js';

/** Prints check results one per line with ✓ or ✗. */
export function printChecks(ctx: CliContext, checks: CheckResult[]): void {
  const width = Math.max(...checks.map((c) => c.name.length));
  for (const c of checks) ctx.out(`${c.ok ? '✓' : '✗'} ${c.name.padEnd(width)}  ${c.reason}\n`);
}

/** `rollover cert check`: every credential check of ARCHITECTURE §5, each reported. */
export function registerCertCheck(cert: Command, ctx: CliContext, run: Runner): void {
  addPassphraseOption(
    cert
      .command('check')
      .description('check a credential directory for a virtual server: exit 0 only when every check passes')
      .requiredOption('--credential <dir>', 'credential directory (tls.key, tls.crt, ca.crt)')
      .option('--root <file>', 'the root the chain must build to (default: the credential’s ca.crt)')
      .option('--host <name>', 'host name or IP the virtual server answers to (repeatable)', collect, [])
      .option('--valid-at <time>', 'the exchange time T (RFC 3339 with a zone; default: now)')
      .option('--valid-for <duration>', 'how long after T it must stay valid, for example 24h or 30d')
      .option('--json', 'print the results as JSON'),
  ).action(
    run(async (o: CheckOptions) => {
      const cred = await readCredentialDir(o.credential, await passphraseFrom(ctx, o));
      const root = readOneCertificate(
        await readFileChecked(o.root ?? join(o.credential, 'ca.crt')),
        'root certificate',
      );
      const validAt = o.validAt ? parseInstant(o.validAt) : ctx.now();
      const validForMs = o.validFor ? parseDuration(o.validFor) : 0;
      const checkAgainst = (r: typeof root) =>
        checkCredential({
          key: cred.key,
          chain: cred.chain,
          root: r,
          hosts: o.host,
          validAt,
          validForMs,
          names: { key: join(o.credential, 'tls.key'), chain: join(o.credential, 'tls.crt') },
        });
      const report = checkAgainst(root);
      // A bridged credential has two paths: to its own root (ca.crt) and, through the bridge, to the
      // bridge's issuer. Both are checked when --root names that other root.
      const bridge = bridgeIn(cred.chain, cred.root);
      const viaBridge = bridge && root.sha256 !== cred.root.sha256;
      const own = viaBridge ? checkAgainst(cred.root) : report;
      const ok = report.ok && own.ok;
      const name = (c: typeof root) => `${c.node.subject.replace(/\n/g, ', ')}, ${c.sha256.slice(0, 16)}…`;
      const paths = !bridge
        ? undefined
        : viaBridge
          ? `validates to the new root (${name(cred.root)}) and, through the bridge, to the old root (${name(root)}) until ${bridge.notAfter.toISOString()}`
          : `validates to the root (${name(cred.root)}); the bridge to "${bridge.node.issuer.replace(/\n/g, ', ')}" (until ${bridge.notAfter.toISOString()}) is served but not checked: give that root with --root`;
      if (o.json) {
        printJson(ctx, {
          ok,
          validAt: validAt.toISOString(),
          validForMs,
          leafSha256: cred.chain[0]!.sha256,
          rootSha256: root.sha256,
          checks: report.checks,
          ...(bridge
            ? {
                bridge: { sha256: bridge.sha256, notAfter: bridge.notAfter.toISOString(), paths },
                ...(viaBridge ? { ownRootChecks: own.checks } : {}),
              }
            : {}),
        });
      } else {
        printChecks(ctx, report.checks);
        if (viaBridge && !own.ok) {
          ctx.out(`against the credential's own root (ca.crt):\n`);
          printChecks(ctx, own.checks);
        }
        const failed = [...report.checks, ...(viaBridge ? own.checks : [])].filter((c) => !c.ok).length;
        ctx.out(ok ? 'all checks passed\n' : `${failed} check(s) failed\n`);
        if (ok && paths) ctx.out(`${paths}\n`);
      }
      return ok ? EXIT.ok : EXIT.failed;
    }),
  );
}

interface CheckOptions {
  credential: string;
  root?: string;
  host: string[];
  validAt?: string;
  validFor?: string;
  json?: boolean;
  passphraseFile?: string;
}
