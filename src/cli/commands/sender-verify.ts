import type { Command } from 'commander';
import type { VerifyReport } from '../../sender/verify.js';
import { fail } from '../../shared/errors.js';
import type { CliContext } from '../context.js';
import { EXIT, printJson } from '../output.js';
import type { Runner } from '../types.js';
import {
  addReportOptions,
  addStoreOptions,
  positiveWhole,
  reportTarget,
  type StoreFlags,
  senderId,
  storeRef,
} from './truststore-options.js';

function printReport(ctx: CliContext, r: VerifyReport): void {
  ctx.out(
    `${r.url}${r.servername ? ` (SNI ${r.servername})` : ''} with ${r.truststore.file} (${r.truststore.type}, ${r.truststore.anchors.length} anchor(s))\n`,
  );
  if (r.protocol) ctx.out(`  protocol  ${r.protocol}, ${r.ms} ms\n`);
  for (const [i, c] of r.chain.entries()) {
    ctx.out(
      `  [${i}] ${c.subject}${c.anchor ? '  (truststore anchor)' : ''}\n      issuer ${c.issuer}\n      sha256 ${c.sha256}\n      notAfter ${c.notAfter}\n`,
    );
  }
  if (r.anchor) ctx.out(`  anchor    ${r.anchor.subject}\n            sha256 ${r.anchor.sha256}\n`);
  if (r.ok) ctx.out('  result    trusted\n');
}

/** `rollover sender verify --truststore FILE --url https://HOST:PORT`: a real handshake (step 4 proof). */
export function registerSenderVerify(group: Command, ctx: CliContext, run: Runner): void {
  addReportOptions(
    addStoreOptions(
      group
        .command('verify')
        .description(
          'handshake with the server trusting only the truststore; exit 0 only when it is trusted',
        ),
    ),
  )
    .requiredOption('--truststore <file>', 'PEM bundle, PKCS#12, JKS, hashed directory, or "system"')
    .requiredOption('--url <url>', 'https://HOST:PORT, e.g. the load balancer preview listener')
    .option('--servername <name>', 'SNI and host name to check (default: the URL host)')
    .option('--timeout <ms>', 'give up after this long', positiveWhole, 5000)
    .option('--json', 'print as JSON')
    .action(
      run(
        async (
          o: StoreFlags & {
            truststore: string;
            url: string;
            servername?: string;
            timeout: number;
            json?: boolean;
            report?: string;
            token?: string;
            reportCa?: string;
            sender?: string;
          },
        ) => {
          const target = await reportTarget(ctx, o);
          const { readinessRecord, verifySender } = await import('../../sender/verify.js');
          const r = await verifySender({
            store: await storeRef(o.truststore, o),
            url: o.url,
            ...(o.servername ? { servername: o.servername } : {}),
            timeoutMs: o.timeout,
            now: ctx.now(),
          });
          let reported: number | undefined;
          if (target) {
            const { postEvidence } = await import('../../sender/report.js');
            reported = await postEvidence(target, readinessRecord(senderId(ctx, o), r));
          }
          if (o.json) {
            printJson(ctx, {
              ...r,
              ...(r.failure ? { error: { code: r.failure.code, message: r.failure.reason } } : {}),
              ...(reported ? { reported: { url: o.report, status: reported } } : {}),
            });
            return r.ok ? EXIT.ok : EXIT.failed;
          }
          printReport(ctx, r);
          if (reported) ctx.out(`  reported to ${o.report} (HTTP ${reported})\n`);
          if (!r.ok) fail(r.failure!.code, r.failure!.reason);
          return EXIT.ok;
        },
      ),
    );
}

/**
 * The `sender` group with only `verify` in it, for the start-time path (src/cli/groups.ts): the
 * group's inventory commands load the API client and schemas (~200 ms) that verify does not need.
 */
export function registerSenderVerifyOnly(program: Command, ctx: CliContext, run: Runner): Command {
  const group = program
    .command('sender')
    .description("a sender's readiness: verify the truststore against the load balancer");
  registerSenderVerify(group, ctx, run);
  return group;
}
