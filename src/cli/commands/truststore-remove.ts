import type { Command } from 'commander';
import { fail } from '../../shared/errors.js';
import { type RemovalGuard, removeFromTruststore } from '../../truststore/operations.js';
import type { CliContext } from '../context.js';
import { printJson } from '../output.js';
import type { Runner } from '../types.js';
import { printChange } from './truststore-add.js';
import {
  addReportOptions,
  addStoreOptions,
  positiveWhole,
  reportTarget,
  type StoreFlags,
  senderId,
  storeRef,
} from './truststore-options.js';

interface RemoveFlags extends StoreFlags {
  fingerprint?: string;
  alias?: string;
  subject?: string;
  keepsTrusting?: string;
  servername?: string;
  renewalStatus?: string;
  force?: boolean;
  reason?: string;
  allowPrivateKeys?: boolean;
  dryRun?: boolean;
  json?: boolean;
  timeout: number;
  report?: string;
  token?: string;
  reportCa?: string;
  sender?: string;
}

/** `rollover truststore remove FILE (--fingerprint|--alias|--subject)`, guarded (step 6). */
export function registerTruststoreRemove(group: Command, ctx: CliContext, run: Runner): void {
  addReportOptions(
    addStoreOptions(
      group
        .command('remove')
        .argument('<file>', 'PEM bundle, PKCS#12, JKS, hashed directory, or "system"')
        .description('remove a root (step 6: the old one, once the renewal says it is safe)'),
    ),
  )
    .option('--fingerprint <sha256>', 'the SHA-256 fingerprint (hex, colons allowed, any case)')
    .option('--alias <alias>', 'the entry name')
    .option('--subject <dn>', 'the subject DN (CN=…, O=…; order and case do not matter)')
    .option('--keeps-trusting <url>', 'refuse unless this https:// server is still trusted afterwards')
    .option('--servername <name>', 'SNI and host name for --keeps-trusting')
    .option(
      '--renewal-status <url-or-file>',
      "the renewal's status JSON (your personal …/links/TOKEN/status.json, or the renewal's with --sender): refuse unless the coordinator says this sender may remove the old root (without it, no safety check is made)",
    )
    .option('--force', 'remove even though the renewal status says it is not safe yet (needs --reason)')
    .option('--reason <text>', 'why --force was needed (recorded in the removal record)')
    .option('--allow-private-keys', 'edit a store that also holds private keys (they are left untouched)')
    .option('--timeout <ms>', 'handshake and status timeout', positiveWhole, 5000)
    .option('--dry-run', 'show the change without writing')
    .option('--json', 'print as JSON')
    .action(
      run(async (file: string, o: RemoveFlags) => {
        if (o.force && !o.reason?.trim())
          fail('BAD_ARGUMENT', '--force needs --reason TEXT: say why the safe-removal check is overridden');
        const target = await reportTarget(ctx, o);
        const now = ctx.now();
        const guards: RemovalGuard[] = [];
        let renewal: { state: string; safeRemovalAt: string; forced: boolean; reason: string } | undefined;
        if (o.renewalStatus) {
          const { renewalStatusGuard } = await import('../../sender/removal-guards.js');
          guards.push(
            renewalStatusGuard(o.renewalStatus, {
              now,
              force: Boolean(o.force),
              timeoutMs: o.timeout,
              sender: o.sender ?? ctx.env.ROLLOVER_SENDER,
              record: (c) => {
                renewal = c;
              },
            }),
          );
        }
        if (o.keepsTrusting) {
          const { keepsTrustingGuard } = await import('../../sender/removal-guards.js');
          guards.push(keepsTrustingGuard(o.keepsTrusting, o.servername, o.timeout));
        }
        const r = await removeFromTruststore(
          await storeRef(file, o),
          {
            ...(o.fingerprint !== undefined ? { fingerprint: o.fingerprint } : {}),
            ...(o.alias !== undefined ? { alias: o.alias } : {}),
            ...(o.subject !== undefined ? { subject: o.subject } : {}),
          },
          { allowPrivateKeys: Boolean(o.allowPrivateKeys), dryRun: Boolean(o.dryRun), now, guards },
        );
        const forced = Boolean(renewal?.forced);
        const record = {
          kind: 'root-removal',
          sender: senderId(ctx, o),
          truststore: { type: r.type, anchors: r.remaining ?? [] },
          removed: r.entries.map((e) => ({ sha256: e.sha256, subject: e.subject, alias: e.alias })),
          forced,
          ...(forced ? { reason: o.reason } : {}),
          ...(renewal ? { renewal: { state: renewal.state, safeRemovalAt: renewal.safeRemovalAt } } : {}),
          removedAt: now.toISOString(),
        };
        let reported: number | undefined;
        if (target && r.changed) {
          const { postEvidence } = await import('../../sender/report.js');
          reported = await postEvidence(target, record);
        }
        // Without the renewal's status nothing told us this sender is safe: say so, every time.
        const unchecked = !o.renewalStatus
          ? 'no safety check was made: without --renewal-status nothing confirmed that the renewal made it safe to remove this root for this sender (give the status URL from the renewal page or the kit)'
          : undefined;
        if (unchecked) ctx.err(`warning: ${unchecked}\n`);
        if (o.json)
          printJson(ctx, {
            ...r,
            ...(unchecked ? { warnings: [unchecked] } : {}),
            forced,
            ...(renewal ? { renewal } : {}),
            ...(reported ? { reported: { url: o.report, status: reported } } : {}),
          });
        else {
          printChange(ctx, r);
          if (forced) ctx.out(`  forced   ${renewal?.reason} — reason given: ${o.reason}\n`);
          if (reported) ctx.out(`  reported to ${o.report} (HTTP ${reported})\n`);
        }
        return 0;
      }),
    );
}
