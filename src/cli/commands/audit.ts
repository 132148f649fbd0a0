/** `rollover audit verify|export`: the hash-chained audit log. */
import type { Command } from 'commander';
import { writeFileAtomic } from '../../files/atomic.js';
import { fail } from '../../shared/errors.js';
import { type ClientFlags, clientCommand, resolveClient } from '../client.js';
import type { CliContext } from '../context.js';
import { EXIT } from '../output.js';
import type { Runner } from '../types.js';

interface Verdict {
  ok: boolean;
  events: number;
  problems: Array<{ seq: number; kind: string; message: string }>;
}

/** Registers `rollover audit`. */
export function registerAudit(program: Command, ctx: CliContext, run: Runner): Command {
  const audit = program.command('audit').description('the audit log: verify its hash chain, export it');
  clientCommand(
    audit.command('verify').description('check that no audit row was edited, inserted or deleted'),
  ).action(
    run(async (o: ClientFlags & { json?: boolean }) => {
      const c = await resolveClient(ctx, o);
      const v = await c.request<Verdict>('GET', '/api/v1/audit/verify');
      if (o.json) ctx.out(`${JSON.stringify(v, null, 2)}\n`);
      if (!v.ok) {
        if (!o.json) {
          ctx.err(`error[AUDIT_BROKEN]: the audit log does not verify (${v.problems.length} problem(s)):\n`);
          for (const p of v.problems) ctx.err(`  ✗ ${p.kind} at ${p.seq}: ${p.message}\n`);
        }
        return EXIT.failed;
      }
      if (!o.json) ctx.out(`audit log verified: ${v.events} event(s), chain intact\n`);
      return undefined;
    }),
  );
  clientCommand(
    audit
      .command('export')
      .description('export audit events as JSON lines')
      .option('--out <file>', 'write to a file instead of stdout')
      .option('--after <seq>', 'only events after this sequence number', '0'),
    false,
  ).action(
    run(async (o: ClientFlags & { out?: string; after: string }) => {
      if (!/^\d+$/.test(o.after)) fail('BAD_ARGUMENT', `--after "${o.after}" is not a sequence number`);
      const c = await resolveClient(ctx, o);
      const bytes = await c.requestBytes('GET', `/api/v1/audit/events?after=${o.after}`);
      if (o.out) {
        await writeFileAtomic(o.out, bytes, { mode: 0o600 });
        const n = Buffer.from(bytes).toString('utf8').split('\n').filter(Boolean).length;
        ctx.err(`wrote ${n} event(s) to ${o.out}\n`);
      } else ctx.out(Buffer.from(bytes).toString('utf8'));
      return undefined;
    }),
  );
  return audit;
}
