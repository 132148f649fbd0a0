/** `rollover vs add|list|show|remove`: virtual servers in the coordinator inventory. */
import type { Command } from 'commander';
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

/** Registers `rollover vs`. */
export function registerVs(program: Command, ctx: CliContext, run: Runner): Command {
  const vs = program
    .command('vs')
    .description('virtual servers: host names, listener and backends on a load balancer');
  clientCommand(
    vs
      .command('add')
      .description('add a virtual server')
      .argument('<name>', 'virtual server name')
      .requiredOption('--lb <ref>', 'the load balancer (id or name)')
      .requiredOption('--listen <host:port>', 'where it listens, e.g. 0.0.0.0:443')
      .option('--host <name>', 'a host name it serves (repeat)', collect, [])
      .option('--backend <host:port|url>', 'a tenant endpoint (repeat)', collect, [])
      .option('--preview-listen <host:port>', 'where the preview listener serves the staged credential'),
  ).action(
    run(
      async (
        name: string,
        o: ClientFlags & {
          lb: string;
          listen: string;
          host: string[];
          backend: string[];
          previewListen?: string;
          json?: boolean;
        },
      ) => {
        const c = await resolveClient(ctx, o);
        const row = await c.request<Record<string, unknown>>('POST', '/api/v1/virtual-servers', {
          name,
          lb: o.lb,
          hosts: o.host,
          listen: o.listen,
          backends: o.backend,
          ...(o.previewListen ? { previewListen: o.previewListen } : {}),
        });
        printCreated(ctx, 'virtual server', row, o.json);
        return undefined;
      },
    ),
  );
  registerReadRemove(vs, ctx, run, {
    path: '/api/v1/virtual-servers',
    noun: 'virtual server',
    columns: ['id', 'name', 'listen', 'hosts'],
  });
  return vs;
}
