/** `rollover user add|list|show|remove|invite|accept`: people, their roles, and invitations. */
import type { Command } from 'commander';
import { fail } from '../../shared/errors.js';
import {
  type ClientFlags,
  clientCommand,
  printCreated,
  printObject,
  registerReadRemove,
  resolveClient,
} from '../client.js';
import type { CliContext } from '../context.js';
import { collect } from '../options.js';
import { passwordFrom } from '../secrets.js';
import type { Runner } from '../types.js';

/** Reads `--role ROLE[:SCOPE]`. */
function parseRole(text: string): { role: string; scope?: string } {
  const i = text.indexOf(':');
  return i < 0 ? { role: text } : { role: text.slice(0, i), scope: text.slice(i + 1) };
}

/** Registers `rollover user`. */
export function registerUser(program: Command, ctx: CliContext, run: Runner): Command {
  const user = program
    .command('user')
    .description('people and their roles; invitations for other organisations');
  clientCommand(
    user
      .command('add')
      .description('add a user (lb-admin)')
      .argument('<name>', 'user name')
      .requiredOption('--organisation <org>', 'the organisation they work for')
      .option('--role <role[:scope]>', 'a role, scoped roles with the tenant or sender (repeat)', collect, [])
      .option('--email <address>', 'their mail address')
      .option('--password-file <file>', 'file whose first line is their initial password'),
  ).action(
    run(
      async (
        name: string,
        o: ClientFlags & {
          organisation: string;
          role: string[];
          email?: string;
          passwordFile?: string;
          json?: boolean;
        },
      ) => {
        const password = await passwordFrom({ ...(o.passwordFile ? { passwordFile: o.passwordFile } : {}) });
        const c = await resolveClient(ctx, o);
        const row = await c.request<Record<string, unknown>>('POST', '/api/v1/users', {
          name,
          organisation: o.organisation,
          roles: o.role.map(parseRole),
          ...(o.email ? { email: o.email } : {}),
          ...(password !== undefined ? { password } : {}),
        });
        printCreated(ctx, 'user', row, o.json);
        return undefined;
      },
    ),
  );
  registerReadRemove(user, ctx, run, {
    path: '/api/v1/users',
    noun: 'user',
    columns: ['id', 'name', 'organisation', 'roles'],
  });
  clientCommand(
    user
      .command('invite')
      .description('create a one-time, expiring invitation link for a tenant or sender admin')
      .requiredOption('--role <role>', 'tenant-admin, integration-developer or sender-admin')
      .requiredOption('--scope <ref>', 'the tenant (id or name) or sender (id)')
      .requiredOption('--organisation <org>', 'the organisation of the person invited')
      .option('--email <address>', 'their mail address')
      .option('--expires-in <duration>', 'how long the link stays valid', '7d'),
  ).action(
    run(
      async (
        o: ClientFlags & {
          role: string;
          scope: string;
          organisation: string;
          email?: string;
          expiresIn: string;
          json?: boolean;
        },
      ) => {
        const c = await resolveClient(ctx, o);
        const inv = await c.request<Record<string, unknown>>('POST', '/api/v1/invitations', {
          role: o.role,
          scope: o.scope,
          organisation: o.organisation,
          expiresIn: o.expiresIn,
          ...(o.email ? { email: o.email } : {}),
        });
        if (o.json) ctx.out(`${JSON.stringify(inv, null, 2)}\n`);
        else
          ctx.out(
            `invitation link (works once, until ${String(inv.expiresAt)}):\n${String(inv.url)}\ntoken: ${String(inv.token)}\n`,
          );
        return undefined;
      },
    ),
  );
  clientCommand(
    user
      .command('accept')
      .description('accept an invitation: become a user with the invited role')
      .argument('<token>', 'the invitation token (the part after # in the link)')
      .requiredOption('--name <name>', 'your user name')
      .requiredOption('--password-file <file>', 'file whose first line is your new password'),
  ).action(
    run(async (token: string, o: ClientFlags & { name: string; passwordFile: string; json?: boolean }) => {
      const password = await passwordFrom({ passwordFile: o.passwordFile });
      if (!password) fail('BAD_ARGUMENT', 'give your new password with --password-file');
      const c = await resolveClient(ctx, o, true);
      const r = await c.request<{ user: Record<string, unknown>; token: { token: string } }>(
        'POST',
        '/api/v1/invitations/accept',
        { token: token.replace(/^.*#/, ''), name: o.name, password },
      );
      if (o.json) ctx.out(`${JSON.stringify(r, null, 2)}\n`);
      else {
        printObject(ctx, r.user);
        ctx.out(`signed in; your token: ${r.token.token}\n`);
      }
      return undefined;
    }),
  );
  return user;
}
