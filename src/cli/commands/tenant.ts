/** `rollover tenant add|list|show|remove`. */
import type { Command } from 'commander';
import {
  type ClientFlags,
  clientCommand,
  printCreated,
  registerReadRemove,
  resolveClient,
} from '../client.js';
import type { CliContext } from '../context.js';
import type { Runner } from '../types.js';

/** Registers `rollover tenant`. */
export function registerTenant(program: Command, ctx: CliContext, run: Runner): Command {
  const tenant = program
    .command('tenant')
    .description('tenants served by a virtual server, with their operating model');
  clientCommand(
    tenant
      .command('add')
      .description('add a tenant')
      .argument('<name>', 'tenant name')
      .requiredOption('--customer <organisation>', 'the customer organisation')
      .option('--operating-model <model>', 'customer-managed or provider-managed', 'customer-managed')
      .option('--vs <ref>', 'the virtual server serving it (id or name)'),
  ).action(
    run(
      async (
        name: string,
        o: ClientFlags & { customer: string; operatingModel: string; vs?: string; json?: boolean },
      ) => {
        const c = await resolveClient(ctx, o);
        const row = await c.request<Record<string, unknown>>('POST', '/api/v1/tenants', {
          name,
          customerOrganisation: o.customer,
          operatingModel: o.operatingModel,
          ...(o.vs ? { virtualServer: o.vs } : {}),
        });
        printCreated(ctx, 'tenant', row, o.json);
        return undefined;
      },
    ),
  );
  registerReadRemove(tenant, ctx, run, {
    path: '/api/v1/tenants',
    noun: 'tenant',
    columns: ['id', 'name', 'operatingModel', 'customerOrganisation'],
  });
  return tenant;
}
