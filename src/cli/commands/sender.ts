import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import type { Runner } from '../types.js';
import { registerSenderInventory } from './sender-inventory.js';
import { registerSenderVerify } from './sender-verify.js';

/** `rollover sender …`: a sender admin's proof of readiness (step 4). */
export function registerSender(program: Command, ctx: CliContext, run: Runner): Command {
  const group = program
    .command('sender')
    .description("a sender's readiness: verify the truststore against the load balancer");
  registerSenderVerify(group, ctx, run);
  registerSenderInventory(group, ctx, run);
  return group;
}
