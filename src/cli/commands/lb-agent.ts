import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import type { Runner } from '../types.js';

/** `rollover lb agent`: the agent beside a real HAProxy or nginx, behind the same control interface. */
export function registerLbAgent(lb: Command, ctx: CliContext, run: Runner): void {
  lb.command('agent')
    .description(
      'run the agent beside a real HAProxy (Runtime API) or nginx (files + graceful reload) that swaps at T; grace and early entries with haproxyMode route or nginxMode time (docs/adapters.md)',
    )
    .requiredOption(
      '--config <file>',
      'agent configuration (JSON or YAML): kind, stateDir, socket|pidFile, virtualServers',
    )
    .option('--log-level <level>', 'pino log level', 'info')
    .action(
      run(async (o: { config: string; logLevel: string }) => {
        const { runLbAgent } = await import('../../main/lb-agent.js');
        await runLbAgent({
          configPath: o.config,
          logLevel: o.logLevel,
          now: ctx.now,
          say: (line) => ctx.out(`${line}\n`),
        });
        return 0;
      }),
    );
}
