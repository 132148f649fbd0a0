/** `rollover login`: sign in once and save the server and token for later commands. */
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { fail } from '../../shared/errors.js';
import { makeClient, saveProfile } from '../client.js';
import type { CliContext } from '../context.js';
import { passwordFrom } from '../secrets.js';
import type { Runner } from '../types.js';

/** Registers `rollover login`. */
export function registerLogin(program: Command, ctx: CliContext, run: Runner): void {
  program
    .command('login')
    .description('sign in to a coordinator and save the profile other commands use')
    .requiredOption('--server <url>', 'coordinator URL')
    .option('--user <name>', 'your user name (with --password-file or ROLLOVER_PASSWORD)')
    .option('--password-file <file>', 'file whose first line is your password')
    .option('--token <token>', 'save an existing API token instead of signing in')
    .option('--ca-file <file>', 'the CA to trust for an HTTPS coordinator')
    .option('--json', 'print JSON')
    .action(
      run(
        async (o: {
          server: string;
          user?: string;
          passwordFile?: string;
          token?: string;
          caFile?: string;
          json?: boolean;
        }) => {
          const caFile = o.caFile ? resolve(ctx.cwd, o.caFile) : undefined;
          let token = o.token;
          if (!token) {
            if (!o.user)
              fail(
                'BAD_ARGUMENT',
                'give --user NAME with --password-file (or ROLLOVER_PASSWORD), or --token',
              );
            const password = await passwordFrom(
              o.passwordFile ? { passwordFile: o.passwordFile } : {},
              ctx.env.ROLLOVER_PASSWORD,
            );
            if (!password)
              fail('BAD_ARGUMENT', 'give your password with --password-file FILE or ROLLOVER_PASSWORD');
            const anon = await makeClient(o.server, undefined, 'flags', caFile);
            token = (
              await anon.request<{ token: string }>('POST', '/api/v1/sessions', { name: o.user, password })
            ).token;
          }
          const c = await makeClient(o.server, token, 'flags', caFile);
          const me = await c.request<{
            name: string;
            organisation: string;
            roles: Array<{ role: string; scope: string | null }>;
          }>('GET', '/api/v1/me');
          const file = await saveProfile(ctx, { server: c.server, token, ...(caFile ? { caFile } : {}) });
          if (o.json) ctx.out(`${JSON.stringify({ profile: file, server: c.server, user: me }, null, 2)}\n`);
          else {
            const roles =
              me.roles.map((r) => (r.scope ? `${r.role}:${r.scope}` : r.role)).join(', ') || 'no roles';
            ctx.out(
              `signed in to ${c.server} as ${me.name} (${me.organisation}; ${roles}); profile saved in ${file}\n`,
            );
          }
          return undefined;
        },
      ),
    );
}
