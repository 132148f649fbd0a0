/** `rollover token create|list|revoke`: API tokens for scripts. */
import type { Command } from 'commander';
import { type ClientFlags, clientCommand, printRows, resolveClient } from '../client.js';
import type { CliContext } from '../context.js';
import type { Runner } from '../types.js';

/** Registers `rollover token`. */
export function registerToken(program: Command, ctx: CliContext, run: Runner): Command {
  const token = program.command('token').description('API tokens: create, list and revoke');
  clientCommand(
    token
      .command('create')
      .description('create an API token (shown once)')
      .argument('<name>', 'what the token is for')
      .option('--expires-in <duration>', 'lifetime', '90d')
      .option('--user <ref>', 'for another user (lb-admin)'),
  ).action(
    run(async (name: string, o: ClientFlags & { expiresIn: string; user?: string; json?: boolean }) => {
      const c = await resolveClient(ctx, o);
      const t = await c.request<Record<string, unknown>>('POST', '/api/v1/tokens', {
        name,
        expiresIn: o.expiresIn,
        ...(o.user ? { user: o.user } : {}),
      });
      if (o.json) ctx.out(`${JSON.stringify(t, null, 2)}\n`);
      else ctx.out(`${String(t.token)}\n`);
      return undefined;
    }),
  );
  clientCommand(token.command('list').description('list your API tokens')).action(
    run(async (o: ClientFlags & { json?: boolean }) => {
      const c = await resolveClient(ctx, o);
      const rows = await c.request<Array<Record<string, unknown>>>('GET', '/api/v1/tokens');
      if (o.json) ctx.out(`${JSON.stringify(rows, null, 2)}\n`);
      else printRows(ctx, rows, ['id', 'name', 'userId', 'expiresAt', 'revokedAt'], 'no tokens');
      return undefined;
    }),
  );
  clientCommand(
    token.command('revoke').description('revoke an API token').argument('<id>', 'token id'),
  ).action(
    run(async (id: string, o: ClientFlags & { json?: boolean }) => {
      const c = await resolveClient(ctx, o);
      const r = await c.request<{ id: string; changed: boolean }>(
        'DELETE',
        `/api/v1/tokens/${encodeURIComponent(id)}`,
      );
      if (o.json) ctx.out(`${JSON.stringify(r, null, 2)}\n`);
      else
        ctx.out(r.changed ? `revoked token ${r.id}\n` : `token ${r.id} was already revoked; nothing to do\n`);
      return undefined;
    }),
  );
  return token;
}
