/**
 * Composition root of an agent beside a real HAProxy or nginx (`rollover lb agent`): its configuration
 * file, the logger and clock, the agent behind the control interface, and the stop on SIGINT/SIGTERM.
 */
import pino from 'pino';
import { startAgent } from '../adapters/agent.js';
import { resolveAgentConfig } from '../adapters/agent-config.js';
import { readFileChecked } from '../files/atomic.js';
import { parseConfigText } from '../lb/config.js';
import { formatHostPort } from '../shared/host-port.js';
import { waitForShutdownSignal } from './signals.js';

/** Runs the agent configured in `configPath` until SIGINT or SIGTERM; `say` tells where its control is. */
export async function runLbAgent(o: {
  configPath: string;
  logLevel: string;
  now: () => Date;
  say: (line: string) => void;
}): Promise<void> {
  const config = resolveAgentConfig(
    parseConfigText((await readFileChecked(o.configPath)).toString('utf8'), o.configPath),
    o.configPath,
  );
  const log = pino({ level: o.logLevel });
  const agent = await startAgent(config, { clock: { now: () => o.now().getTime() }, log });
  o.say(
    `rollover ${config.kind} agent: control http://${formatHostPort(agent.control)} (token in ${config.stateDir}/control.json)`,
  );
  const signal = await waitForShutdownSignal();
  log.info({ signal }, 'stopping the agent');
  await agent.close();
}
