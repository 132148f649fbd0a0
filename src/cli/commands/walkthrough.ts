import { mkdir } from 'node:fs/promises';
import { join, relative } from 'node:path';
import type { Command } from 'commander';
import { backupStamp } from '../../files/atomic.js';
import { formatInstant } from '../../shared/time.js';
import type { CliContext } from '../context.js';
import { runInProcess } from '../in-process.js';
import { EXIT } from '../output.js';
import type { Runner } from '../types.js';

/**
 * `rollover walkthrough`: seed step 1 on a fresh machine, as the real commands an LB admin types —
 * the current ("old") root and credential, a new root, the new credential, its checks for the
 * exchange time T, and the sender kit. Each command is printed, then run in-process.
 */
export function registerWalkthrough(program: Command, ctx: CliContext, run: Runner): void {
  program
    .command('walkthrough')
    .description(
      'walk through seed step 1 (new root, new credential, checks, sender kit) in a fresh directory',
    )
    .option('--dir <dir>', 'where to work (default: ./rollover-data/walkthrough-<UTC timestamp>)')
    .action(
      run(async (o: { dir?: string }) => {
        const now = ctx.now();
        const dir = o.dir ?? join(ctx.cwd, 'rollover-data', `walkthrough-${backupStamp(now)}`);
        await mkdir(dir, { recursive: true });
        const at = (p: string) => relative(ctx.cwd, join(dir, p)) || '.';
        const T = formatInstant(
          new Date(Math.ceil((now.getTime() + 7 * 86_400_000) / 3_600_000) * 3_600_000),
        );
        const env = {
          ...ctx.env,
          ROLLOVER_PASSPHRASE: ctx.env.ROLLOVER_PASSPHRASE || 'walkthrough-passphrase',
        };
        const steps: Array<[string, string[]]> = [
          ['Today the virtual server serves a credential under the old root:', []],
          [
            '',
            [
              'ca',
              'create',
              '--subject',
              'CN=Example Old Root,O=Example LB',
              '--days',
              '3650',
              '--out',
              at('old-root'),
            ],
          ],
          [
            '',
            [
              'cert',
              'issue',
              '--ca',
              at('old-root'),
              '--host',
              'lb.example.test',
              '--ip',
              '127.0.0.1',
              '--days',
              '30',
              '--out',
              at('old-credential'),
            ],
          ],
          ['Step 1: the LB admin creates a new root and a new key pair/certificate under it:', []],
          [
            '',
            [
              'ca',
              'create',
              '--subject',
              'CN=Example New Root 2026,O=Example LB',
              '--days',
              '3650',
              '--out',
              at('new-root'),
            ],
          ],
          [
            '',
            [
              'ca',
              'create',
              '--subject',
              'CN=Example Issuing CA 2026,O=Example LB',
              '--days',
              '1825',
              '--issuer',
              at('new-root'),
              '--out',
              at('new-issuing-ca'),
            ],
          ],
          [
            '',
            [
              'cert',
              'issue',
              '--ca',
              at('new-issuing-ca'),
              '--host',
              'lb.example.test',
              '--ip',
              '127.0.0.1',
              '--days',
              '90',
              '--out',
              at('new-credential'),
            ],
          ],
          [
            `Before it goes anywhere, every check for the exchange at T = ${T} and a 24h rollback window:`,
            [],
          ],
          [
            '',
            [
              'cert',
              'check',
              '--credential',
              at('new-credential'),
              '--root',
              at('new-root/ca.crt'),
              '--host',
              'lb.example.test',
              '--host',
              '127.0.0.1',
              '--valid-at',
              T,
              '--valid-for',
              '24h',
            ],
          ],
          [
            'The sender kit the tenant admins pass on (step 2 and 3): the new root in every format senders use:',
            [],
          ],
          [
            '',
            [
              'kit',
              '--root',
              at('new-root/ca.crt'),
              '--old-root',
              at('old-root/ca.crt'),
              '--out',
              at('sender-kit'),
            ],
          ],
        ];
        ctx.out(
          `rollover walkthrough in ${relative(ctx.cwd, dir) || dir} (keys encrypted with ROLLOVER_PASSPHRASE${ctx.env.ROLLOVER_PASSPHRASE ? '' : '="walkthrough-passphrase"'})\n\n`,
        );
        for (const [title, argv] of steps) {
          if (title) ctx.out(`${title}\n`);
          if (argv.length === 0) continue;
          ctx.out(`$ rollover ${argv.map((a) => (/[\s"]/.test(a) ? `"${a}"` : a)).join(' ')}\n`);
          const { code } = await runInProcess(ctx, argv, { env, passthrough: true });
          ctx.out('\n');
          if (code !== EXIT.ok) {
            ctx.err(`the walkthrough stopped: \`rollover ${argv[0]} ${argv[1] ?? ''}\` exited ${code}\n`);
            return code;
          }
        }
        ctx.out(
          'Next: senders add the new root (rollover truststore add), prove it (rollover sender verify) against\n',
        );
        ctx.out(
          'the LB preview listener, the LB swaps at T by itself, and only after T may the old root go.\n',
        );
        return EXIT.ok;
      }),
    );
}
