/**
 * `rollover backup --out FILE` (a consistent copy of the running server's SQLite store, over the API)
 * and `rollover restore FILE` (offline: the server must be stopped; the file is checked first).
 */
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { writeFileAtomic } from '../../files/atomic.js';
import { type ClientFlags, clientCommand, resolveClient } from '../client.js';
import type { CliContext } from '../context.js';
import type { Runner } from '../types.js';

/** Registers `rollover backup` and `rollover restore`. */
export function registerBackup(program: Command, ctx: CliContext, run: Runner): void {
  clientCommand(
    program
      .command('backup')
      .description("copy the running coordinator's SQLite store to a file (PostgreSQL: use pg_dump)")
      .requiredOption('--out <file>', 'where to write the backup'),
    false,
  ).action(
    run(async (o: ClientFlags & { out: string }) => {
      const c = await resolveClient(ctx, o);
      const bytes = await c.requestBytes('GET', '/api/v1/backup');
      await writeFileAtomic(resolve(ctx.cwd, o.out), bytes, { mode: 0o600 });
      ctx.out(`wrote a backup of ${bytes.length} bytes to ${o.out}\n`);
      return undefined;
    }),
  );
  program
    .command('restore')
    .description('replace the SQLite store in the data directory with a backup (stop the server first)')
    .argument('<file>', 'a file written by rollover backup')
    .option('--data-dir <dir>', 'the data directory', './rollover-data')
    .option('--master-key-file <file>', 'the master key (else ROLLOVER_MASTER_KEY or DATA_DIR/master.key)')
    .option('--json', 'print JSON')
    .action(
      run(async (file: string, o: { dataDir: string; masterKeyFile?: string; json?: boolean }) => {
        // Loaded on use: the store drivers would slow every other command's start.
        const { restoreDataDir } = await import('../../main/restore.js');
        const r = await restoreDataDir({
          dataDir: resolve(ctx.cwd, o.dataDir),
          file: resolve(ctx.cwd, file),
          masterKeyFile: o.masterKeyFile ? resolve(ctx.cwd, o.masterKeyFile) : undefined,
          envKey: ctx.env.ROLLOVER_MASTER_KEY,
          now: ctx.now(),
        });
        if (o.json) ctx.out(`${JSON.stringify(r, null, 2)}\n`);
        else {
          ctx.out(`restored ${r.restored} from ${file} (${r.events} audit event(s), chain verified)\n`);
          if (r.previous) ctx.out(`the replaced store is kept as ${r.previous}\n`);
        }
        return undefined;
      }),
    );
}
