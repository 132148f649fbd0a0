import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import type { Runner } from '../types.js';
import { registerLbAgent } from './lb-agent.js';
import { registerLbDataPlane } from './lb-dataplane.js';
import { registerLbExceptions } from './lb-exceptions.js';
import { registerLbInventory } from './lb-inventory.js';

/**
 * `rollover lb …`: one group for both faces of a load balancer — the built-in data plane a node runs
 * (run, stage, unstage, activate, rollback, status) and the coordinator's inventory (add, list, show,
 * remove). Each face registers its subcommands from its own module.
 */
export function registerLb(program: Command, _ctx: CliContext, _run: Runner): Command {
  const lb = program
    .command('lb')
    .description(
      'load balancers: run the built-in data plane and drive it; manage the coordinator inventory',
    );
  registerLbInventory(lb, _ctx, _run);
  registerLbDataPlane(lb, _ctx, _run);
  registerLbExceptions(lb, _ctx, _run);
  registerLbAgent(lb, _ctx, _run);
  return lb;
}
