/** `rollover sender add|list|show|remove|import`: a tenant's senders in the coordinator inventory. */
import type { Command } from 'commander';
import { readSenderCsv } from '../../coordinator/sender-csv.js';
import { readFileChecked } from '../../files/atomic.js';
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

/** Adds the inventory subcommands to the shared `sender` group. */
export function registerSenderInventory(sender: Command, ctx: CliContext, run: Runner): void {
  clientCommand(
    sender
      .command('add')
      .description('add a sender to a tenant')
      .argument('<name>', 'sender name (unique within the tenant)')
      .requiredOption('--tenant <ref>', 'the tenant (id or name)')
      .option('--contact <email>', 'a contact address (repeat)', collect, [])
      .option('--truststore-kind <kind>', 'pem, pkcs12, jks, os or unknown', 'unknown')
      .option('--source-address <ip|cidr>', 'an address its connections come from (repeat)', collect, [])
      .option('--client-cert-subject <dn>', 'the subject of its client certificate'),
  ).action(
    run(
      async (
        name: string,
        o: ClientFlags & {
          tenant: string;
          contact: string[];
          truststoreKind: string;
          sourceAddress: string[];
          clientCertSubject?: string;
          json?: boolean;
        },
      ) => {
        const c = await resolveClient(ctx, o);
        const row = await c.request<Record<string, unknown>>('POST', '/api/v1/senders', {
          tenant: o.tenant,
          name,
          contacts: o.contact,
          truststoreKind: o.truststoreKind,
          sourceAddresses: o.sourceAddress,
          ...(o.clientCertSubject ? { clientCertSubject: o.clientCertSubject } : {}),
        });
        printCreated(ctx, 'sender', row, o.json);
        return undefined;
      },
    ),
  );
  const { list } = registerReadRemove(sender, ctx, run, {
    path: '/api/v1/senders',
    noun: 'sender',
    columns: ['id', 'name', 'tenantId', 'truststoreKind', 'contacts'],
    listQuery: (o) => (o.tenant ? `?tenant=${encodeURIComponent(o.tenant)}` : ''),
  });
  list.option('--tenant <ref>', 'only the senders of this tenant');

  clientCommand(
    sender
      .command('import')
      .description(
        'add many senders from a CSV file; every row is checked first, and one bad row imports nothing',
      )
      .requiredOption('--tenant <ref>', 'the tenant (id or name)')
      .argument(
        '<file>',
        'CSV with a header: name,contacts,truststore_kind[,source_addresses][,client_cert_subject]',
      ),
  ).action(
    run(async (file: string, o: ClientFlags & { tenant: string; json?: boolean }) => {
      const text = (await readFileChecked(file)).toString('utf8');
      const { rows, problems } = readSenderCsv(text);
      // The API's own row schema, loaded on use (zod and the OpenAPI layer cost every command's start).
      const { SenderFields } = await import('../../api/schemas.js');
      for (const r of rows) {
        const v = SenderFields.safeParse(r.fields);
        if (!v.success) {
          const i = v.error.issues[0]!;
          problems.push({ line: r.line, message: `${i.path.join('.') || 'row'}: ${i.message}` });
        }
      }
      if (problems.length > 0) {
        problems.sort((a, b) => a.line - b.line);
        fail(
          'BAD_ARGUMENT',
          `nothing imported: ${file} has ${problems.length} problem(s); first at line ${problems[0]!.line}: ${problems[0]!.message}`,
          { problems },
        );
      }
      const c = await resolveClient(ctx, o);
      const r = await c.request<{ imported: number; tenantId: string }>('POST', '/api/v1/senders/import', {
        tenant: o.tenant,
        senders: rows.map((row) => row.fields),
      });
      if (o.json) ctx.out(`${JSON.stringify(r, null, 2)}\n`);
      else ctx.out(`imported ${r.imported} sender(s) into ${r.tenantId}\n`);
      return undefined;
    }),
  );
}
