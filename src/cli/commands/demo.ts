import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { printJson } from '../output.js';
import type { Runner } from '../types.js';

/** `rollover demo`: the whole seed against the `rollover up` landscape, under live traffic. */
export function registerDemo(program: Command, ctx: CliContext, run: Runner): void {
  program
    .command('demo')
    .description(
      'run the whole renewal (steps 1–6) against the landscape of a running `rollover up`, under live traffic',
    )
    .option('--data-dir <dir>', 'the data directory `rollover up` uses', 'rollover-data')
    .option(
      '--speed <speed>',
      'fast: T in 15 s and a 6 s rollback window; real: T in 7 days (stops before T)',
      'fast',
    )
    .option(
      '--bridge',
      'serve bridges both ways: the old certificate with a reverse bridge until T, the new one with a forward bridge until the bridge deadline (fast: T + 6 s)',
    )
    .option(
      '--grace <policy>',
      'unready (default without --bridge): the senders not proven keep the old certificate after T (the straggler until the grace deadline, the late sender until its proof) and fail nothing; off: everybody switches at T and both fail',
    )
    .option('--json', 'print the report as JSON (the narration goes to stderr)')
    .action(
      run(async (o: { dataDir: string; speed: string; bridge?: boolean; grace?: string; json?: boolean }) => {
        const { fail } = await import('../../shared/errors.js');
        if (o.speed !== 'fast' && o.speed !== 'real')
          fail('BAD_ARGUMENT', `--speed is fast or real, not "${o.speed}"`);
        if (o.grace !== undefined && o.grace !== 'off' && o.grace !== 'unready')
          fail('BAD_ARGUMENT', `--grace is off or unready, not "${o.grace}"`);
        const { resolve } = await import('node:path');
        const { runDemo } = await import('../../demo/run.js');
        const say = (line: string) => (o.json ? ctx.err : ctx.out)(`${line}\n`);
        const r = await runDemo({
          dataDir: resolve(ctx.cwd, o.dataDir),
          ctx,
          speed: o.speed as 'fast' | 'real',
          ...(o.bridge ? { bridge: true } : {}),
          ...(o.grace ? { grace: o.grace as 'off' | 'unready' } : {}),
          say,
        });
        if (o.json) {
          printJson(ctx, r);
          return 0;
        }
        ctx.out(`\nTimeline of renewal ${r.renewalId} (T = ${r.exchangeAt}):\n`);
        for (const s of r.steps) ctx.out(`  ${s.at}  step ${s.step}  ${s.role.padEnd(12)}  ${s.what}\n`);
        ctx.out(
          `\nSwap lateness on the node: ${r.swap.latenessMs ?? '—'} ms. Final state: ${r.finalState}.\n\n`,
        );
        ctx.out(
          'sender            truststore  ready  requests before T  after T  failed after T  attributed\n',
        );
        for (const s of r.senders) {
          ctx.out(
            `${s.name.padEnd(18)}${s.truststore.padEnd(12)}${(s.ready ? 'yes' : 'no').padEnd(7)}${String(s.requestsBeforeT).padStart(17)}${String(s.requestsAfterT).padStart(9)}${String(s.failuresAfterT).padStart(16)}${String(s.attributedFailuresAfterT).padStart(12)}\n`,
          );
        }
        const readyFailures = r.senders
          .filter((s) => s.ready && !s.provedAfterT)
          .reduce((n, s) => n + s.failuresAfterT + s.failuresBeforeT, 0);
        ctx.out(`\nFailures seen by senders proven before T: ${readyFailures}.\n`);
        for (const s of r.senders.filter((x) => x.graceUntil))
          ctx.out(
            `${s.name} was in grace at T (until ${s.graceUntil}): ${s.servedOldAfterT} request(s) after T served the old certificate, ${s.failuresAfterT} failed.\n`,
          );
        for (const s of r.senders.filter((x) => x.provedAfterT)) {
          const p = s.provedAfterT!;
          ctx.out(
            p.delayMs === null
              ? `${s.name} proved its readiness after T (${p.at}); not in grace, it had been served the new certificate since T and failed ${s.failuresAfterT} request(s) after T.\n`
              : `${s.name} proved its readiness after T (${p.at}) and was served the new certificate ${p.delayMs} ms later (${p.firstNewHandshakeAt}).\n`,
          );
        }
        if (r.bridge) {
          ctx.out(`Bridges served until ${r.bridge.until}:\n`);
          for (const s of r.senders)
            ctx.out(
              `  ${s.name.padEnd(18)}failed between T and the bridge deadline ${s.failuresDuringBridge ?? 0}, after it ${s.failuresAfterBridge ?? 0}\n`,
            );
        }
        return 0;
      }),
    );
}
