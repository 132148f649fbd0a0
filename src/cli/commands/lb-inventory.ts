/** `rollover lb add|list|show|remove`: the coordinator's load balancer inventory. */
import type { Command } from 'commander';
import { fail } from '../../shared/errors.js';
import {
  type ClientFlags,
  clientCommand,
  printCreated,
  registerReadRemove,
  resolveClient,
} from '../client.js';
import type { CliContext } from '../context.js';
import { collect } from '../options.js';
import type { Runner } from '../types.js';

/** Reads `--node NAME=HOST:PORT`. */
function parseNode(text: string): { name: string; address: string } {
  const i = text.indexOf('=');
  if (i <= 0) fail('BAD_ARGUMENT', `--node "${text}" is not NAME=HOST:PORT`);
  return { name: text.slice(0, i), address: text.slice(i + 1) };
}

/** Adds the inventory subcommands to the shared `lb` group. */
export function registerLbInventory(lb: Command, ctx: CliContext, run: Runner): void {
  clientCommand(
    lb
      .command('add')
      .description('add a load balancer to the coordinator inventory')
      .argument('<name>', 'load balancer name')
      .option('--kind <kind>', 'builtin, haproxy or nginx', 'builtin')
      .option('--node <name=host:port>', 'a data-plane node (repeat)', collect, []),
  ).action(
    run(async (name: string, opts: ClientFlags & { kind: string; node: string[]; json?: boolean }) => {
      const c = await resolveClient(ctx, opts);
      const lbRow = await c.request<Record<string, unknown>>('POST', '/api/v1/lbs', {
        name,
        kind: opts.kind,
        nodes: opts.node.map(parseNode),
      });
      printCreated(ctx, 'load balancer', lbRow, opts.json);
      return undefined;
    }),
  );
  registerReadRemove(lb, ctx, run, {
    path: '/api/v1/lbs',
    noun: 'load balancer',
    columns: ['id', 'name', 'kind'],
  });
}
