import type { Command } from 'commander';
import { resolveAgentConfig } from '../../adapters/agent-config.js';
import { readFileChecked } from '../../files/atomic.js';
import { parseConfigText } from '../../lb/config.js';
import { formatHostPort } from '../../shared/host-port.js';
import type { CliContext } from '../context.js';
import type { Runner } from '../types.js';

/** `rollover lb agent`: the agent beside a real HAProxy or nginx, behind the same control interface. */
export function registerLbAgent(lb: Command, ctx: CliContext, run: Runner): void {
  lb.command('agent')
    .description(
      'run the agent beside a real HAProxy (Runtime API) or nginx (files + graceful reload) that swaps at T',
    )
    .requiredOption(
      '--config <file>',
      'agent configuration (JSON or YAML): kind, stateDir, socket|pidFile, virtualServers',
    )
    .option('--log-level <level>', 'pino log level', 'info')
    .action(
      run(async (o: { config: string; logLevel: string }) => {
        const [{ startAgent }, { default: pino }, { waitForShutdownSignal }] = await Promise.all([
          import('../../adapters/agent.js'),
          import('pino'),
          import('../../lb/signals.js'),
        ]);
        const config = resolveAgentConfig(
          parseConfigText((await readFileChecked(o.config)).toString('utf8'), o.config),
          o.config,
        );
        const log = pino({ level: o.logLevel });
        const agent = await startAgent(config, { clock: { now: () => ctx.now().getTime() }, log });
        ctx.out(
          `rollover ${config.kind} agent: control http://${formatHostPort(agent.control)} (token in ${config.stateDir}/control.json)\n`,
        );
        const signal = await waitForShutdownSignal();
        log.info({ signal }, 'stopping the agent');
        await agent.close();
        return 0;
      }),
    );
}
