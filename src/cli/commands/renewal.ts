/**
 * `rollover renewal plan|announce|forward|ack|postpone|exchange|rollback|complete|status`: the seed's
 * steps as a thin client of the coordinator API. `plan --credential DIR` imports the directory
 * through the credential routes first.
 */
import { basename, resolve } from 'node:path';
import type { Command } from 'commander';
import { DEFAULT_ROLLBACK_WINDOW } from '../../renewal/timing.js';
import { fail } from '../../shared/errors.js';
import { parseInstant } from '../../shared/time.js';
import { type ClientFlags, clientCommand, resolveClient } from '../client.js';
import type { CliContext } from '../context.js';
import { collect } from '../options.js';
import type { Runner } from '../types.js';
import { printRenewal, type RenewalDetailView } from './renewal-print.js';

type Flags = ClientFlags & { json?: boolean };

/** Registers `rollover renewal`. */
export function registerRenewal(program: Command, ctx: CliContext, run: Runner): Command {
  const group = program
    .command('renewal')
    .description('the renewal workflow: plan, announce, forward, ready, exchange, retire');
  const show = (d: RenewalDetailView, json?: boolean) => {
    if (json) ctx.out(`${JSON.stringify(d, null, 2)}\n`);
    else printRenewal(ctx, d);
  };
  clientCommand(
    group
      .command('plan')
      .description(
        'plan a renewal (step 1): the credential is checked for every virtual server, T far enough ahead',
      )
      .requiredOption('--vs <ref>', 'a virtual server (repeat for several)', collect, [])
      .option('--credential <dir>', 'the new credential directory (tls.key, tls.crt, ca.crt)')
      .option('--issue-from <ca>', 'issue the credential from a CA in the coordinator')
      .requiredOption('--exchange-at <time>', 'the exchange time T (RFC 3339 with a zone)')
      .option(
        '--rollback-window <duration>',
        'how long a rollback stays possible after T',
        DEFAULT_ROLLBACK_WINDOW,
      )
      .option('--gate <policy>', 'block (every sender verified, or an override) or warn', 'block')
      .option(
        '--bridge <mode>',
        'serve a bridge between the roots: off, forward (from T until --bridge-until) or both (also before T)',
      )
      .option(
        '--bridge-until <time>',
        'the bridge deadline (RFC 3339): after T, before the bridge and the old root expire',
      )
      .option(
        '--bridge-forward <file>',
        'the forward bridge (rollover ca cross-sign --ca OLD --subject-ca NEW)',
      )
      .option(
        '--bridge-reverse <file>',
        'the reverse bridge for --bridge both (rollover ca cross-sign --ca NEW --subject-ca OLD)',
      )
      .option(
        '--grace <policy>',
        'unready (default: senders not proven keep the old certificate after T until --grace-until) or off (everyone switches at T: a renewal after a key compromise)',
      )
      .option(
        '--grace-until <time>',
        "the grace deadline (RFC 3339): after T, not after the old certificate's notAfter minus one hour (default T + 7 days)",
      )
      .option('--early <policy>', 'off (default) or proven: proven senders get the new certificate before T')
      .option(
        '--auto-grace <on|off>',
        'on (default with grace): a built-in node puts an address failing on the new certificate into grace by itself',
      )
      .option(
        '--accept-observed',
        'the gate also counts a handshake with the new credential seen on the preview listener from a sender address (evidence "observed", weaker than a proof)',
      ),
  ).action(
    run(
      async (
        o: Flags & {
          vs: string[];
          credential?: string;
          issueFrom?: string;
          exchangeAt: string;
          rollbackWindow: string;
          gate: string;
          bridge?: string;
          bridgeUntil?: string;
          bridgeForward?: string;
          bridgeReverse?: string;
          grace?: string;
          graceUntil?: string;
          early?: string;
          autoGrace?: string;
          acceptObserved?: boolean;
        },
      ) => {
        parseInstant(o.exchangeAt); // refused before anything is uploaded
        if (o.bridgeUntil !== undefined) parseInstant(o.bridgeUntil);
        if (o.graceUntil) parseInstant(o.graceUntil);
        const bridgePem = async (file: string | undefined, what: string) => {
          if (file === undefined) return undefined;
          const { readFileChecked } = await import('../../files/atomic.js');
          const { readOneCertificate } = await import('../../pki/certificate.js');
          const { encodeCertificatesPem } = await import('../../pki/formats/pem.js');
          const cert = readOneCertificate(await readFileChecked(resolve(ctx.cwd, file)), what);
          return encodeCertificatesPem([cert.der]);
        };
        const bridgeForwardPem = await bridgePem(o.bridgeForward, 'forward bridge in --bridge-forward');
        const bridgeReversePem = await bridgePem(o.bridgeReverse, 'reverse bridge in --bridge-reverse');
        const c = await resolveClient(ctx, o);
        // The credential travels with the plan: a refused plan imports nothing, so a retry is clean.
        let credential: Record<string, string> | undefined;
        if (o.credential) {
          const dir = resolve(ctx.cwd, o.credential);
          const { readCredentialDir } = await import('../../files/credential-dir.js');
          const { encodeCertificatesPem } = await import('../../pki/formats/pem.js');
          const { privateKeyToPem } = await import('../../pki/keys.js');
          const cred = await readCredentialDir(dir, ctx.env.ROLLOVER_PASSPHRASE);
          credential = {
            name: `${basename(dir)}-${cred.chain[0]!.sha256.slice(0, 12)}`,
            chainPem: encodeCertificatesPem(cred.chain.map((x) => x.der)),
            rootPem: encodeCertificatesPem([cred.root.der]),
            keyPem: privateKeyToPem(cred.key.keyObject),
          };
        }
        const d = await c.request<RenewalDetailView>('POST', '/api/v1/renewals', {
          virtualServerIds: o.vs,
          ...(credential ? { credential } : {}),
          ...(o.issueFrom ? { issueFromCaId: o.issueFrom } : {}),
          exchangeAt: o.exchangeAt,
          rollbackWindow: o.rollbackWindow,
          gate: o.gate,
          ...(o.bridge !== undefined ? { bridge: o.bridge } : {}),
          ...(o.bridgeUntil !== undefined ? { bridgeUntil: o.bridgeUntil } : {}),
          ...(bridgeForwardPem ? { bridgeForwardPem } : {}),
          ...(bridgeReversePem ? { bridgeReversePem } : {}),
          ...(o.grace ? { grace: o.grace } : {}),
          ...(o.graceUntil ? { graceUntil: o.graceUntil } : {}),
          ...(o.early ? { early: o.early } : {}),
          ...(o.autoGrace ? { autoGrace: o.autoGrace } : {}),
          ...(o.acceptObserved ? { acceptObserved: true } : {}),
        });
        show(d, o.json);
        return undefined;
      },
    ),
  );
  const simple = (
    name: string,
    description: string,
    path: string,
    body?: (o: Record<string, string>) => unknown,
    extra?: (cmd: Command) => Command,
  ) => {
    let cmd = group.command(name).description(description).argument('<id>', 'renewal id');
    if (extra) cmd = extra(cmd);
    clientCommand(cmd).action(
      run(async (id: string, o: Flags & Record<string, string>) => {
        const c = await resolveClient(ctx, o);
        const d = await c.request<RenewalDetailView>(
          'POST',
          `/api/v1/renewals/${encodeURIComponent(id)}/${path}`,
          body ? body(o) : undefined,
        );
        if ('steps' in (d as object)) show(d, o.json);
        else ctx.out(`${JSON.stringify(d, null, 2)}\n`);
        return undefined;
      }),
    );
  };
  simple('announce', 'announce (step 2): stage at T on every node, notify the tenant admins', 'announce');
  simple(
    'forward',
    "forward to a tenant's senders (step 3)",
    'forward',
    (o) => ({ tenantId: o.tenant, ...(o.message ? { message: o.message } : {}) }),
    (cmd) =>
      cmd
        .requiredOption('--tenant <ref>', 'the tenant (id or name)')
        .option('--message <text>', 'a note for the senders'),
  );
  simple(
    'ack',
    'acknowledge for a sender (step 4)',
    'ack',
    (o) => ({ senderId: o.sender }),
    (cmd) => cmd.requiredOption('--sender <id>', 'the sender'),
  );
  simple(
    'postpone',
    'move T (re-stages and re-announces; refused after the cut-off)',
    'postpone',
    (o) => {
      parseInstant(o.exchangeAt ?? '');
      return { exchangeAt: o.exchangeAt };
    },
    (cmd) => cmd.requiredOption('--exchange-at <time>', 'the new exchange time T (RFC 3339 with a zone)'),
  );
  simple(
    'override',
    'let a blocked gate through (lb-admin), with a reason',
    'gate/override',
    (o) => ({ reason: o.reason }),
    (cmd) => cmd.requiredOption('--reason <text>', 'why'),
  );
  simple(
    'exchange',
    'exchange now on every node (step 5; needs --now)',
    'exchange',
    () => ({ now: true }),
    (cmd) => cmd.requiredOption('--now', 'switch immediately'),
  );
  simple('rollback', 'roll every node back to the old credential (until T plus the window)', 'rollback');
  simple(
    'complete',
    'complete a retiring renewal (step 6); with senders failing or not proven, or the old root still trusted, only with --force --reason',
    'complete',
    (o) => ({ ...(o.force ? { force: true } : {}), ...(o.reason ? { reason: o.reason } : {}) }),
    (cmd) =>
      cmd
        .option('--force', 'complete although items are open (they are recorded with the completion)')
        .option('--reason <text>', 'why it is complete anyway (needed with --force)'),
  );
  simple(
    'grace-unknown',
    'grace them too (lb-admin): the unknown clients seen before T keep the old certificate until the grace deadline',
    'unknown-clients/grace',
    (o) => {
      const a = o.address as unknown as string[];
      return a.length ? { addresses: a } : {};
    },
    (cmd) =>
      cmd.option(
        '--address <ip>',
        'only this unknown client (repeat for several; default: every one not graced yet)',
        collect,
        [],
      ),
  );
  simple(
    'cancel',
    'cancel before the exchange: unstage on every node, tell everyone who was told (lb-admin)',
    'cancel',
    (o) => ({ reason: o.reason }),
    (cmd) => cmd.requiredOption('--reason <text>', 'why (told to everyone, audited)'),
  );
  clientCommand(
    group
      .command('remind')
      .description(
        'remind now the senders whose admin has the next move (tenant-admin, lb-admin); not twice within 15 minutes',
      )
      .argument('<id>', 'renewal id')
      .option('--tenant <id>', 'every sender of this tenant that has something to do')
      .option('--sender <id...>', 'these senders'),
  ).action(
    run(async (id: string, o: Flags & { tenant?: string; sender?: string[] }) => {
      if (!o.tenant && !o.sender?.length)
        fail('BAD_ARGUMENT', 'name the senders to remind: --tenant ID or --sender ID…');
      const c = await resolveClient(ctx, o);
      const a = await c.request<{ reminded: string[]; skipped: Array<{ senderId: string; reason: string }> }>(
        'POST',
        `/api/v1/renewals/${encodeURIComponent(id)}/remind`,
        { ...(o.tenant ? { tenantId: o.tenant } : {}), ...(o.sender?.length ? { senderIds: o.sender } : {}) },
      );
      if (o.json) ctx.out(`${JSON.stringify(a, null, 2)}\n`);
      else {
        ctx.out(`reminded ${a.reminded.length} sender(s): ${a.reminded.join(', ')}\n`);
        for (const s of a.skipped) ctx.out(`not reminded: ${s.reason}\n`);
      }
      return undefined;
    }),
  );
  clientCommand(
    group
      .command('status')
      .description('show a renewal: steps, gate, tenants, senders, nodes')
      .argument('<id>', 'renewal id'),
  ).action(
    run(async (id: string, o: Flags) => {
      const c = await resolveClient(ctx, o);
      show(await c.request<RenewalDetailView>('GET', `/api/v1/renewals/${encodeURIComponent(id)}`), o.json);
      return undefined;
    }),
  );
  clientCommand(group.command('list').description('renewals you may see')).action(
    run(async (o: Flags) => {
      const c = await resolveClient(ctx, o);
      const rows = await c.request<
        Array<{ id: string; state: string; headline: string; exchangeAt: string }>
      >('GET', '/api/v1/renewals');
      if (o.json) ctx.out(`${JSON.stringify(rows, null, 2)}\n`);
      else
        for (const r of rows) ctx.out(`${r.id}  ${r.state.padEnd(11)}  T ${r.exchangeAt}  ${r.headline}\n`);
      return undefined;
    }),
  );
  return group;
}
